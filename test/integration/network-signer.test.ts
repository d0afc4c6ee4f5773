// threshold.md §5: quorum signing over real libp2p peers on 127.0.0.1. Five nodes, each with its own
// Store in a temp dir, its own MemberTopics and a NetworkSigner holding only its own share of a 3-of-5
// dev FROST wallet; every member's node calls sign() for the same session on its own.
import { TypedEventEmitter } from "@libp2p/interface";
import type { FrostPublic, FrostSecret } from "@noble/curves/abstract/frost.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeAddress, getBytes, keccak256, SigningKey, toUtf8Bytes } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import { createLibp2pNode, type CoordinationLibp2p } from "../../src/network/libp2p.js";
import { MemberTopics } from "../../src/network/member-topics.js";
import type { NetworkEvents } from "../../src/network/network-events.js";
import { signingTopic } from "../../src/network/topics.js";
import { Store } from "../../src/store/store.js";
import { createDevFrostWallet, type DevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { WalletSignerSet } from "../../src/threshold/signer-set.js";
import { verifySigningEvidence, type SigningFault } from "../../src/threshold/signing/evidence.js";
import { NetworkSigner, type SigningFaultContext, type SigningSessionSummary } from "../../src/threshold/signing/network-signer.js";
import type { Bip340DigestKey } from "../../src/threshold/signing/signing-messages.js";
import { bip340KeyOf, verifyBip340Signature } from "../../src/threshold/taproot.js";
import { UnknownWalletError, type SignRequest } from "../../src/threshold/wallet-signer.js";
import { to0x, toHex } from "../../src/util/hex.js";
import { silentLogger } from "../../src/util/logger.js";

const CHAIN_ID = 31337n;
const N = 5;
const T = 3;

interface Member {
  readonly index: number;
  readonly key: SigningKey;
  readonly address: string;
  readonly libp2p: CoordinationLibp2p;
  readonly topics: MemberTopics;
  readonly store: Store;
  readonly dir: string;
  signer?: NetworkSigner;
  readonly faults: { fault: SigningFault; ctx: SigningFaultContext }[];
  readonly sessions: SigningSessionSummary[];
}

interface Cluster {
  readonly wallet: DevFrostWallet;
  readonly members: Member[];
  readonly addresses: string[];
}

const clusters: Cluster[] = [];
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

/**
 * A wrong share that still passes the library's VSS check, as a corrupted share file with a matching
 * corrupted public package would: s' = s + 1 and commitments[1] += id⁻¹·G, so the group key (and
 * the wallet) stay the same while every share this member makes fails verification for the others.
 */
function tamperedShare(pub: FrostPublic, secret: FrostSecret, index: number): { public: FrostPublic; secret: FrostSecret } {
  const { Point } = secp256k1;
  const Fn = Point.Fn;
  const signingShare = Fn.toBytes(Fn.add(Fn.fromBytes(secret.signingShare), 1n));
  const c1 = Point.fromBytes(pub.commitments[1]).add(Point.BASE.multiply(Fn.inv(BigInt(index))));
  const vs = Point.fromBytes(pub.verifyingShares[secret.identifier]).add(Point.BASE);
  return {
    public: {
      ...pub,
      commitments: [pub.commitments[0], c1.toBytes(true), ...pub.commitments.slice(2)] as FrostPublic["commitments"],
      verifyingShares: { ...pub.verifyingShares, [secret.identifier]: vs.toBytes(true) } as FrostPublic["verifyingShares"],
    },
    secret: { identifier: secret.identifier, signingShare: signingShare as FrostSecret["signingShare"] },
  };
}

interface ClusterOptions {
  readonly attemptMs: number;
  /** Members whose libp2p is stopped before signing and who never sign. */
  readonly stopped?: readonly number[];
  /** A member whose signer holds a wrong share. */
  readonly tamper?: number;
  /** Signers start with no wallet and take the share afterwards (addWallet), as after a DKG. */
  readonly addAfterStart?: boolean;
}

async function cluster(label: string, opts: ClusterOptions): Promise<Cluster> {
  const wallet = createDevFrostWallet(toUtf8Bytes(`network-signer-${label}`), N, T);
  const keys = Array.from({ length: N }, (_, i) => new SigningKey(keccak256(toUtf8Bytes(`network-signer-op-${label}-${i}`))))
    .map((key) => ({ key, address: computeAddress(key.publicKey) }))
    .sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));
  const addresses = keys.map((k) => k.address);
  const members: Member[] = [];
  for (const [i, { key, address }] of keys.entries()) {
    const libp2p = await createLibp2pNode({ operatorPrivateKey: getBytes(key.privateKey), listen: ["/ip4/127.0.0.1/tcp/0"], gossipHeartbeatMs: 200 });
    const topics = new MemberTopics({ libp2p, logger: silentLogger, events: new TypedEventEmitter<NetworkEvents>() });
    await topics.start();
    const dir = mkdtempSync(join(tmpdir(), `wcoord-netsign-${label}-`));
    members.push({ index: i + 1, key, address, libp2p, topics, store: Store.open(dir), dir, faults: [], sessions: [] });
  }
  const c: Cluster = { wallet, members, addresses };
  clusters.push(c);
  for (const m of members) {
    let share = { public: wallet.public, secret: wallet.shares.get(m.index)! };
    if (opts.tamper === m.index) share = tamperedShare(share.public, share.secret, m.index);
    const held = { walletPkh: wallet.walletPkh, public: share.public, memberIndex: m.index, secret: share.secret, members: addresses };
    m.signer = new NetworkSigner(
      {
        topics: m.topics,
        operatorKey: m.key,
        nonceMarks: m.store.signingNonceMarks,
        logger: silentLogger,
        onFault: (fault, ctx) => m.faults.push({ fault, ctx }),
        onSessionEnd: (s) => m.sessions.push(s),
      },
      { chainId: CHAIN_ID, signingAttemptMs: opts.attemptMs, wallets: opts.addAfterStart ? [] : [held] },
    );
    await m.signer.start();
    if (opts.addAfterStart) expect(m.signer.addWallet(held)).toBe(true);
  }
  for (const [i, m] of members.entries()) for (const other of members.slice(0, i)) await m.libp2p.dial(other.libp2p.getMultiaddrs()[0]);
  const topic = signingTopic(CHAIN_ID, wallet.walletPkh);
  await waitUntil("signing topic subscriptions", () => members.every((m) => m.libp2p.services.pubsub.getSubscribers(topic).length === N - 1));
  for (const m of members) if (opts.stopped?.includes(m.index)) await stopMember(m);
  return c;
}

async function stopMember(m: Member): Promise<void> {
  await m.signer?.stop();
  await m.topics.stop();
  await m.libp2p.stop();
}

afterEach(async () => {
  for (const c of clusters.splice(0)) {
    for (const m of c.members) {
      await stopMember(m);
      m.store.close();
      rmSync(m.dir, { recursive: true, force: true });
    }
  }
});

const leaf = (): Bip340DigestKey => ({ scheme: "bip340", key: "tapLeaf", leafHash: randomBytes(32) });

function request(wallet: DevFrostWallet, over: Partial<SignRequest> = {}): SignRequest {
  return {
    walletPkh: wallet.walletPkh,
    roundId: randomBytes(32),
    digests: [randomBytes(32), randomBytes(32), randomBytes(32)],
    keys: [{ scheme: "bip340", key: "wallet" }, leaf(), leaf()],
    startBlock: 100,
    deadlineBlock: 180,
    ...over,
  };
}

function expectValid(c: Cluster, req: SignRequest, sigs: readonly Uint8Array[]): void {
  expect(sigs).toHaveLength(req.digests.length);
  sigs.forEach((sig, i) => expect(verifyBip340Signature(req.digests[i], sig, bip340KeyOf(c.wallet.walletX, req.keys![i] as Bip340DigestKey)), `signature ${i}`).toBe(true));
}

/** Signs on `who` (all live members by default), each after its delay; returns results by member index. */
async function signAll(c: Cluster, req: SignRequest, who: readonly number[], delays: Record<number, number> = {}): Promise<Map<number, Uint8Array[]>> {
  const results = await Promise.all(
    who.map(async (i) => {
      if (delays[i] !== undefined) await pause(delays[i]);
      return [i, await c.members[i - 1].signer!.sign(req)] as const;
    }),
  );
  return new Map(results);
}

function report(name: string, c: Cluster, t0: number): SigningSessionSummary {
  const s = c.members.flatMap((m) => m.sessions).find((x) => x.signers.length > 0) ?? c.members.flatMap((m) => m.sessions)[0];
  console.log(`[network-signer] ${name}: outcome=${s?.outcome} attempts=${s?.attempts} signers=${s?.signers.join(",")} wall=${Date.now() - t0}ms`);
  return s;
}

describe("NetworkSigner: quorum signing over libp2p", () => {
  it("all five members sign a 3-digest request: the same three signatures everywhere, nonce marks in the signers' stores", async () => {
    const c = await cluster("all", { attemptMs: 3000 });
    const req = request(c.wallet);
    const t0 = Date.now();
    const results = await signAll(c, req, [1, 2, 3, 4, 5]);
    const s = report("all five", c, t0);
    const first = results.get(1)!;
    expectValid(c, req, first);
    for (const sigs of results.values()) expect(sigs.map(toHex)).toEqual(first.map(toHex));
    expect(s.outcome).toBe("signed");
    expect(s.signers).toHaveLength(T);
    const attempt = s.attempts - 1;
    for (const m of c.members) {
      const mark = m.store.signingNonceMarks.packageOf(to0x(req.roundId), attempt);
      if (s.signers.includes(m.index)) expect(mark, `member ${m.index}`).toMatch(/^0x[0-9a-f]{64}$/);
      else expect(mark, `member ${m.index}`).toBeUndefined();
    }
    // Every signer marked the same package.
    expect(new Set(s.signers.map((i) => c.members[i - 1].store.signingNonceMarks.packageOf(to0x(req.roundId), attempt))).size).toBe(1);
    for (const m of c.members) expect(m.faults).toEqual([]);
  }, 30_000);

  it("signers started with no wallet take a new wallet's share while running (as after a DKG) and sign with it", async () => {
    const c = await cluster("added", { attemptMs: 3000, addAfterStart: true });
    for (const m of c.members) expect(m.signer!.heldWallets()).toEqual([toHex(c.wallet.walletPkh)]);
    // A second add of the same wallet changes nothing.
    const m1 = c.members[0];
    expect(m1.signer!.addWallet({ walletPkh: c.wallet.walletPkh, public: c.wallet.public, memberIndex: 1, secret: c.wallet.shares.get(1)!, members: c.addresses })).toBe(false);
    const req = request(c.wallet);
    const results = await signAll(c, req, [1, 2, 3, 4, 5]);
    expectValid(c, req, results.get(1)!);
  });

  it("two members stopped, one of them the window's leader: still signed in a later attempt", async () => {
    const c = await cluster("stopped", { attemptMs: 2000, stopped: [2, 5] });
    const req = request(c.wallet, { leader: c.addresses[1] });
    const t0 = Date.now();
    const results = await signAll(c, req, [1, 3, 4]);
    const s = report("two stopped (leader among them)", c, t0);
    for (const sigs of results.values()) expectValid(c, req, sigs);
    expect(s.attempts).toBeGreaterThanOrEqual(2); // attempt 0's coordinator (the leader) was gone
    expect([...s.signers].sort()).toEqual([1, 3, 4]);
    // The silent leader is recorded, not accused.
    expect(c.members[0].faults.some((f) => f.fault.kind === "SigningNoShare" && f.fault.member === 2)).toBe(true);
  }, 30_000);

  it("a member with a wrong share: the attempt fails with evidence that verifies offline, and a later attempt signs without it", async () => {
    const c = await cluster("cheat", { attemptMs: 2500, tamper: 2 });
    const req = request(c.wallet);
    const t0 = Date.now();
    // Leader (1) and the cheater (2) first, so the cheater is surely in attempt 0's subset.
    const results = await signAll(c, req, [1, 2, 3, 4, 5], { 3: 400, 4: 400, 5: 400 });
    const s = report("wrong share", c, t0);
    for (const sigs of results.values()) expectValid(c, req, sigs);
    expect(s.attempts).toBeGreaterThanOrEqual(2);
    expect(s.signers).not.toContain(2);
    const found = c.members[0].faults.find((f) => f.fault.kind === "SigningInvalidShare");
    expect(found?.ctx.origin).toBe("self");
    expect(found?.fault.kind === "SigningInvalidShare" && found.fault.member).toBe(2);
    const info = { domain: { chainId: CHAIN_ID, walletPkh: c.wallet.walletPkh }, operators: c.addresses, public: c.wallet.public };
    expect(verifySigningEvidence(found!.fault as Parameters<typeof verifySigningEvidence>[0], info)).toEqual({ valid: true });
    // The evidence was published: the other honest members verified it and excluded the cheater too.
    for (const i of [3, 4, 5]) expect(c.members[i - 1].faults.some((f) => f.fault.kind === "SigningInvalidShare" && f.ctx.origin === "peer"), `member ${i}`).toBe(true);
  }, 30_000);

  it("members start at different times (one 1.5 s late): buffered messages are replayed and every member ends signed", async () => {
    const c = await cluster("late", { attemptMs: 3000 });
    const req = request(c.wallet);
    const t0 = Date.now();
    const results = await signAll(c, req, [1, 2, 3, 4, 5], { 4: 1500 });
    report("one 1.5 s late", c, t0);
    const first = results.get(1)!;
    expectValid(c, req, first);
    for (const sigs of results.values()) expect(sigs.map(toHex)).toEqual(first.map(toHex));
    const late = c.members[3];
    expect(late.sessions[0].outcome).toBe("signed");
    // It ended from the messages kept before its sign() (the signatures included), not after an attempt timeout.
    expect(late.sessions[0].ms).toBeLessThan(3000);
    expect(late.signer!.stats().dropped).toEqual({});
    // Its own commitments reached members whose session had ended: ignored there.
    await waitUntil("late commitments ignored", () => [1, 2, 3, 5].every((i) => (c.members[i - 1].signer!.stats().refusals.FINISHED_SESSION ?? 0) >= 1));
  }, 30_000);

  it("only t − 1 members online: the session waits for a quorum without charging anyone until the deadline aborts it, without a crash", async () => {
    const c = await cluster("infeasible", { attemptMs: 600, stopped: [3, 4, 5] });
    const deadline = AbortSignal.timeout(4_000);
    const req = request(c.wallet, { signal: deadline });
    const outcomes = await Promise.allSettled([1, 2].map((i) => c.members[i - 1].signer!.sign(req)));
    for (const o of outcomes) expect(o.status).toBe("rejected");
    expect(deadline.aborted).toBe(true);
    // Six attempt periods went by, but fewer than t committed: still attempt 0, and nobody charged.
    for (const i of [1, 2]) {
      const s = c.members[i - 1].sessions[0];
      expect(s.outcome).toBe("aborted");
      expect(s.attempts).toBe(1);
      expect(c.members[i - 1].faults).toEqual([]);
    }
  }, 30_000);

  it("a node that holds no share of the wallet: UnknownWalletError (also through a WalletSignerSet)", async () => {
    const c = await cluster("unknown", { attemptMs: 1000 });
    const other = createDevFrostWallet(toUtf8Bytes("network-signer-not-held"), N, T);
    const req = request(other);
    await expect(c.members[0].signer!.sign(req)).rejects.toBeInstanceOf(UnknownWalletError);
    const empty = new NetworkSigner({ topics: c.members[0].topics, operatorKey: c.members[0].key, nonceMarks: c.members[0].store.signingNonceMarks, logger: silentLogger }, { chainId: CHAIN_ID, wallets: [] });
    await empty.start();
    await expect(new WalletSignerSet([empty]).sign(request(c.wallet))).rejects.toBeInstanceOf(UnknownWalletError);
    await empty.stop();
  }, 30_000);
});
