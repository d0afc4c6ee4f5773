// threshold.md §7, signing crash rows: a 3-of-5 FROST wallet over real libp2p on loopback; the victim
// member runs as a child process (its own Store file and libp2p) and SIGKILLs itself at a crash point:
// (a) its consumed mark durable, no share sent; (b) right after its shares left; (c) as attempt 0's
// coordinator, right after publishing its package. It is then restarted on the same Store. Asserted:
// the surviving members end signed (in a later attempt where the victim's shares never arrived), the
// victim's mark survives the restart unchanged, the restarted victim releases no share for the marked
// attempt (it neither commits to nor coordinates it again; a re-sent package finds no nonces), and — across all rows — no
// member ever sent shares for two different packages with the same nonce commitments (every package
// and shares message of the topic is recorded and checked).
import { TypedEventEmitter } from "@libp2p/interface";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getBytes } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { createLibp2pNode, type CoordinationLibp2p } from "../../src/network/libp2p.js";
import { MemberTopics, type MemberTopicHandle } from "../../src/network/member-topics.js";
import type { NetworkEvents } from "../../src/network/network-events.js";
import { signingTopic } from "../../src/network/topics.js";
import { Store } from "../../src/store/store.js";
import type { SigningFault } from "../../src/threshold/signing/evidence.js";
import { NetworkSigner, type NetworkSignerStats, type SigningSessionSummary } from "../../src/threshold/signing/network-signer.js";
import { bip340KeyOf, verifyBip340Signature } from "../../src/threshold/taproot.js";
import type { SignRequest } from "../../src/threshold/wallet-signer.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import { silentLogger } from "../../src/util/logger.js";
import { inspectStore, startTsx, type TsxChild } from "../fixtures/crash-child.js";
import type { SigningRunnerConfig } from "../fixtures/signing-crash-runner.js";
import { CHAIN_ID, crashWallet, N, recordingTopics, SigningLedger, T, type CrashWallet } from "../fixtures/signing-ledger.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RUNNER = join(ROOT, "test/fixtures/signing-crash-runner.ts");
const ATTEMPT_MS = 3000;

interface Member {
  readonly index: number;
  readonly libp2p: CoordinationLibp2p;
  readonly topics: MemberTopics;
  readonly store: Store;
  readonly signer: NetworkSigner;
  handle?: MemberTopicHandle;
  readonly faults: SigningFault[];
  readonly sessions: SigningSessionSummary[];
}

interface Cluster extends CrashWallet {
  readonly ledger: SigningLedger;
  /** In-process members by index (every member but the victim). */
  readonly members: Map<number, Member>;
  readonly dir: string;
}

const clusters: Cluster[] = [];
const ledgers: SigningLedger[] = [];
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

/** Every member but `victim`, in this process, each with its own Store, libp2p and NetworkSigner. */
async function cluster(label: string, victim: number): Promise<Cluster> {
  const w = crashWallet(label);
  const dir = mkdtempSync(join(tmpdir(), `wcoord-signing-crash-${label}-`));
  const ledger = new SigningLedger({ chainId: CHAIN_ID, walletPkh: w.wallet.walletPkh }, w.addresses);
  ledgers.push(ledger);
  const c: Cluster = { ...w, ledger, members: new Map(), dir };
  clusters.push(c);
  for (let index = 1; index <= N; index++) {
    if (index === victim) continue;
    const key = w.keys[index - 1];
    const libp2p = await createLibp2pNode({ operatorPrivateKey: getBytes(key.privateKey), listen: ["/ip4/127.0.0.1/tcp/0"], gossipHeartbeatMs: 200 });
    const topics = new MemberTopics({ libp2p, logger: silentLogger, events: new TypedEventEmitter<NetworkEvents>() });
    await topics.start();
    const store = Store.open(join(dir, `member-${index}`));
    const faults: SigningFault[] = [];
    const sessions: SigningSessionSummary[] = [];
    const recorded = recordingTopics(topics, { published: (wire) => ledger.add(wire), delivered: (wire) => ledger.add(wire) });
    const m: Member = { index, libp2p, topics, store, faults, sessions, signer: undefined as unknown as NetworkSigner };
    const capture: Pick<MemberTopics, "join"> = { join: (topic, opts) => (m.handle = recorded.join(topic, opts)) };
    (m as { signer: NetworkSigner }).signer = new NetworkSigner(
      { topics: capture, operatorKey: key, nonceMarks: store.signingNonceMarks, logger: silentLogger, onFault: (f) => faults.push(f), onSessionEnd: (s) => sessions.push(s) },
      {
        chainId: CHAIN_ID,
        signingAttemptMs: ATTEMPT_MS,
        wallets: [{ walletPkh: w.wallet.walletPkh, public: w.wallet.public, memberIndex: index, secret: w.wallet.shares.get(index)!, members: w.addresses }],
      },
    );
    await m.signer.start();
    c.members.set(index, m);
  }
  const live = [...c.members.values()];
  for (const [i, m] of live.entries()) for (const other of live.slice(0, i)) await m.libp2p.dial(other.libp2p.getMultiaddrs()[0]);
  return c;
}

afterEach(async () => {
  for (const c of clusters.splice(0)) {
    for (const m of c.members.values()) {
      await m.signer.stop();
      await m.topics.stop();
      await m.libp2p.stop();
      m.store.close();
    }
    rmSync(c.dir, { recursive: true, force: true });
  }
});

interface RunnerLine {
  marks?: (string | null)[];
  ready?: boolean;
  outcome?: "signed" | "error";
  signatures?: string[];
  error?: string;
  stats?: NetworkSignerStats;
}

/** Starts the victim's runner; `lines` fills as it prints. */
function startVictim(cfg: SigningRunnerConfig, crashAt?: string): { child: TsxChild; lines: RunnerLine[] } {
  const lines: RunnerLine[] = [];
  const child = startTsx(RUNNER, [JSON.stringify(cfg)], { crashAt, onLine: (l) => lines.push(JSON.parse(l) as RunnerLine) });
  return { child, lines };
}

const wiresOf = (file: string): Uint8Array[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).map(fromHex) : []);

interface Row {
  readonly point: string;
  readonly victim: number;
  readonly leader: number;
  /** Start with the victim: the victim and these are attempt 0's first t committers (its subset). */
  readonly early: readonly number[];
  /** Start once the victim is back: until then fewer than t members can go on. */
  readonly late: readonly number[];
  /** Whether the victim's shares for attempt 0 left before the kill. */
  readonly victimShares: boolean;
  readonly why: string;
}

const ROWS: Row[] = [
  { point: "signing.member.after-mark", victim: 2, leader: 1, early: [1, 3], late: [4, 5], victimShares: false, why: "mark durable, no share sent: a later attempt signs without the victim" },
  { point: "signing.member.after-shares", victim: 2, leader: 1, early: [1, 3], late: [4, 5], victimShares: true, why: "shares sent: attempt 0 still signs" },
  { point: "signing.coordinator.after-package", victim: 1, leader: 1, early: [2, 3], late: [4, 5], victimShares: false, why: "package out, coordinator gone: a later attempt under another coordinator signs" },
];

describe("signing crash rows (kill -9, threshold.md §7)", () => {
  for (const row of ROWS) {
    it(`${row.point}: ${row.why}`, async () => {
      const t0 = Date.now();
      const c = await cluster(row.point.split(".").slice(1).join("-"), row.victim);
      const req: SignRequest = {
        walletPkh: c.wallet.walletPkh,
        roundId: randomBytes(32),
        digests: [randomBytes(32), randomBytes(32)],
        keys: [
          { scheme: "bip340", key: "wallet" },
          { scheme: "bip340", key: "wallet" },
        ],
        startBlock: 100,
        deadlineBlock: 180,
        leader: c.addresses[row.leader - 1],
      };
      const session = to0x(req.roundId);
      const victimDir = join(c.dir, "victim");
      const cfg = (life: number, deadlineMs: number): SigningRunnerConfig => ({
        label: row.point.split(".").slice(1).join("-"),
        memberIndex: row.victim,
        dataDir: victimDir,
        peers: [...c.members.values()].map((m) => m.libp2p.getMultiaddrs()[0].toString()),
        attemptMs: ATTEMPT_MS,
        publishLog: join(c.dir, `victim-published-${life}.txt`),
        roundId: session,
        digests: req.digests.map(to0x),
        leader: req.leader!,
        deadlineMs,
      });
      const topic = signingTopic(CHAIN_ID, c.wallet.walletPkh);
      const subscribed = () => [...c.members.values()].every((m) => m.libp2p.services.pubsub.getSubscribers(topic).length === N - 1);

      // Life 1: the victim and t − 1 early members start; the victim dies at its crash point.
      const first = startVictim(cfg(1, 60_000), row.point);
      await waitUntil("the victim ready", () => first.lines.some((l) => l.ready === true));
      await waitUntil("signing topic subscriptions", subscribed);
      const signing = new Map<number, Promise<Uint8Array[]>>();
      for (const i of row.early) signing.set(i, c.members.get(i)!.signer.sign(req));
      const died = await first.child.exit;
      expect(died.signal, died.stderr).toBe("SIGKILL");
      const tKill = Date.now() - t0;

      for (const w of wiresOf(cfg(1, 0).publishLog)) c.ledger.add(w);
      const attempt0 = [...c.ledger.packages.entries()].filter(([, p]) => p.attempt === 0);
      expect(attempt0).toHaveLength(1);
      const [pkgHash, pkg] = attempt0[0];
      expect(pkg.subset).toEqual([row.victim, ...row.early].sort((a, b) => a - b));
      const mark = inspectStore(victimDir, (s) => s.signingNonceMarks.packageOf(session, 0));
      expect(mark, "the victim's consumed mark is durable").toBe(to0x(fromHex(pkgHash)));
      const victimSent = c.ledger.shares.filter((s) => s.member === row.victim);
      if (row.victimShares) {
        // Seen by the in-process members: the shares really left before the kill.
        expect(victimSent.map((s) => s.packageHash)).toEqual([pkgHash]);
      } else expect(victimSent).toEqual([]);

      // Life 2 on the same Store: it boots with its mark and no nonces.
      // Where attempt 0 signed before the restart there is nothing left to join: a short deadline.
      const second = startVictim(cfg(2, (row.victimShares ? 1 : 4) * ATTEMPT_MS));
      await waitUntil("the restarted victim ready", () => second.lines.some((l) => l.ready === true));
      expect(second.lines[0].marks?.[0]).toBe(mark);
      await waitUntil("signing topic subscriptions after the restart", subscribed);
      if (row.leader !== row.victim) {
        // The marked attempt's package again (as a re-gossip would bring it): the restarted member holds
        // no nonces for that attempt and must release nothing (refusal NO_NONCES).
        const leader = c.members.get(row.leader)!;
        const packageWire = c.ledger.wireOf(pkgHash)!;
        expect((await leader.handle!.publish(packageWire)).ok).toBe(true);
      }
      for (const i of row.late) signing.set(i, c.members.get(i)!.signer.sign(req));

      // The survivors end signed, all with the same valid signatures.
      const results = new Map<number, Uint8Array[]>();
      for (const [i, p] of signing) results.set(i, await p);
      const key = bip340KeyOf(c.wallet.walletX, { scheme: "bip340", key: "wallet" });
      const sigs = results.get(row.early[0])!;
      sigs.forEach((sig, i) => expect(verifyBip340Signature(req.digests[i], sig, key), `signature ${i}`).toBe(true));
      for (const s of results.values()) expect(s.map(toHex)).toEqual(sigs.map(toHex));
      const summaries = [...c.members.values()].map((m) => m.sessions[0]);
      const attempts = Math.max(...summaries.map((s) => s.attempts));
      const signers = summaries.find((s) => s.signers.length > 0)?.signers ?? [];
      if (row.victimShares) expect(signers).toContain(row.victim);
      else {
        expect(attempts, "signed in a later attempt").toBeGreaterThanOrEqual(2);
        expect(signers).not.toContain(row.victim);
      }

      const back = await second.child.exit;
      expect(back.code, back.stderr).toBe(0);
      const end = second.lines.find((l) => l.outcome !== undefined)!;
      if (end.outcome === "signed") expect(end.signatures).toEqual(sigs.map(to0x));
      // The restarted victim released no share for the attempt it marked (it may join a later attempt with
      // fresh nonces, threshold.md §5.2; the ledger below checks that no nonces answer two packages), and its
      // mark is the one of its first life.
      const published2 = wiresOf(cfg(2, 0).publishLog);
      const attemptOf = (w: Uint8Array): number => new DataView(w.buffer, w.byteOffset).getUint32(33);
      expect(published2.filter((w) => w[0] === 3 && attemptOf(w) === 0)).toEqual([]);
      if (row.leader !== row.victim) expect(end.stats!.refusals.NO_NONCES, "the re-sent package finds no nonces").toBeGreaterThanOrEqual(1);
      // Nor does it commit to or coordinate the attempt it marked (no second package, no commitments for it).
      expect(published2.filter((w) => (w[0] === 2 || w[0] === 1) && attemptOf(w) === 0)).toEqual([]);
      for (const w of published2) c.ledger.add(w);
      expect(inspectStore(victimDir, (s) => s.signingNonceMarks.packageOf(session, 0))).toBe(mark);
      expect(c.ledger.violations()).toEqual([]);

      // The restarted coordinator does not coordinate its marked attempt again: nobody holds two packages of it.
      for (const m of c.members.values()) expect(m.faults.filter((f) => f.kind === "SigningCoordinatorEquivocation"), `member ${m.index}`).toEqual([]);
      const faults = [...c.members.values()].flatMap((m) => m.faults.map((f) => `${m.index}:${f.kind}${"member" in f ? `(${f.member})` : "coordinator" in f ? `(${f.coordinator})` : ""}`));
      console.log(
        `[signing-crash] ${row.point}: killed at ${tKill}ms; survivors signed in attempt ${attempts} by ${signers.join(",")}; restarted victim ${end.outcome}${end.error ? ` (${end.error.slice(0, 80)})` : ""}; ` +
          `shares seen ${c.ledger.shares.length}; faults ${faults.join(" ") || "none"}; wall ${Date.now() - t0}ms`,
      );
    }, 90_000);
  }

  it("across all rows: no member released shares for two packages with the same nonce commitments", () => {
    expect(ledgers).toHaveLength(ROWS.length);
    for (const l of ledgers) expect(l.violations()).toEqual([]);
    expect(ledgers.reduce((n, l) => n + l.shares.length, 0)).toBeGreaterThanOrEqual(ROWS.length * T);
  });
});
