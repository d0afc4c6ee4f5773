// `npm run bench -- signing [--t 3,26,51] [--digests 20] [--json]`: one signing session of a 20-input
// sweep (threshold.md §8) through the project's SigningSessionEngine, with exactly t members online
// (n = 2t − 1), messages passed in memory. Each engine's own compute is summed per member: a signer that
// is not the coordinator (commit, package checks, consumed mark, signShare for every digest, the final
// signatures' check) and the coordinator (the same, plus the package and `aggregate` with the BIP-340
// check of every signature). Beside it, in the same run, the bare library: one member's commit +
// signShare for every digest, and the coordinator's aggregate. Targets of §8 at t = 51: ≤ 1 s each.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { Identifier } from "@noble/curves/abstract/frost.js";
import { SigningKey, computeAddress, keccak256, toUtf8Bytes } from "ethers";
import { createDevFrostWallet } from "../src/threshold/dev-wallet.js";
import { SigningSessionEngine, type EngineStep } from "../src/threshold/signing/session-engine.js";
import type { Bip340DigestKey } from "../src/threshold/signing/signing-messages.js";
import { fromHex } from "../src/util/hex.js";
import { flagList, printTable, timed, type BenchArgs } from "./bench-util.js";

const TARGET_MS_AT_51 = 1000;
const WALLET_KEY: Bip340DigestKey = { scheme: "bip340", key: "wallet" };

export interface SigningFigure {
  t: number;
  n: number;
  digests: number;
  /** A signer's compute in the session (median of the non-coordinators), ms. */
  memberMs: number;
  /** The coordinator's compute in the session, ms. */
  coordinatorMs: number;
  /** Library only: one member's commit + signShare of every digest, ms. */
  libraryMemberMs: number;
  /** Library only: aggregate of every digest, ms. */
  libraryCoordinatorMs: number;
  attempts: number;
}

async function measure(t: number, k: number): Promise<SigningFigure> {
  const n = 2 * t - 1;
  const wallet = createDevFrostWallet(toUtf8Bytes(`bench-signing-${t}`), n, t);
  const keys = Array.from({ length: n }, (_, i) => new SigningKey(keccak256(toUtf8Bytes(`bench-signing-operator-${i}`))))
    .map((key) => ({ key, address: computeAddress(key.publicKey) }))
    .sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));
  const digests = Array.from({ length: k }, (_, i) => fromHex(keccak256(toUtf8Bytes(`bench-digest-${i}`))));
  const digestKeys = digests.map(() => WALLET_KEY);
  const members = keys.map((_, i) => i + 1);
  // Exactly t members online: every one of them is in attempt 0's subset.
  const online = members.slice(0, t);
  const engines = new Map(
    online.map((m) => [
      m,
      new SigningSessionEngine({
        domain: { chainId: 31337n, walletPkh: wallet.walletPkh },
        operators: keys.map((e) => e.address),
        sessionId: fromHex(keccak256(toUtf8Bytes(`bench-session-${t}`))),
        public: wallet.public,
        threshold: t,
        digests,
        keys: digestKeys,
        self: m,
        secret: wallet.shares.get(m)!,
        operatorKey: keys[m - 1]!.key,
        members,
        leader: 1,
        markConsumed: async () => {},
      }),
    ]),
  );
  const spent = new Map<number, number>(online.map((m) => [m, 0]));
  const queue: { from: number; wire: Uint8Array }[] = [];
  const run = async (m: number, step: () => Promise<EngineStep>): Promise<void> => {
    const start = performance.now();
    const out = await step();
    spent.set(m, spent.get(m)! + performance.now() - start);
    for (const wire of out.send) queue.push({ from: m, wire });
  };
  for (const [m, e] of engines) await run(m, () => e.start());
  while (queue.length > 0) {
    const { from, wire } = queue.shift()!;
    for (const [m, e] of engines) if (m !== from) await run(m, () => e.onMessage(wire));
  }
  const outcome = engines.get(1)!.outcome;
  if (outcome?.kind !== "signed") throw new Error(`the session at t = ${t} did not sign: ${JSON.stringify(outcome)}`);
  const signerTimes = online.filter((m) => m !== 1).map((m) => spent.get(m)!).sort((a, b) => a - b);

  // The library alone, for the same t and digests.
  const secrets = online.map((m) => wallet.shares.get(m)!);
  const round1 = secrets.map((s) => digests.map(() => schnorr_FROST.commit(s)));
  const member = timed(() => {
    const mine = digests.map(() => schnorr_FROST.commit(secrets[0]!));
    digests.forEach((d, i) => {
      const commitments = round1.map((r, j) => (j === 0 ? mine[i]!.commitments : r[i]!.commitments));
      schnorr_FROST.signShare(secrets[0]!, wallet.public, mine[i]!.nonces, commitments, d);
    });
  });
  const shares = digests.map((d, i) => {
    const commitments = round1.map((r) => r[i]!.commitments);
    const out: Record<Identifier, Uint8Array> = {};
    secrets.forEach((s, j) => (out[s.identifier] = schnorr_FROST.signShare(s, wallet.public, round1[j]![i]!.nonces, commitments, d)));
    return { commitments, out };
  });
  const coordinator = timed(() => digests.forEach((d, i) => schnorr_FROST.aggregate(wallet.public, shares[i]!.commitments, d, shares[i]!.out)));
  return {
    t,
    n,
    digests: k,
    memberMs: signerTimes[Math.floor(signerTimes.length / 2)]!,
    coordinatorMs: spent.get(1)!,
    libraryMemberMs: member.ms,
    libraryCoordinatorMs: coordinator.ms,
    attempts: outcome.attempts,
  };
}

export async function runSigningBench(args: BenchArgs): Promise<void> {
  const ts = flagList(args, "t", [3, 26, 51]);
  const [k] = flagList(args, "digests", [20]);
  await measure(2, 2); // warm-up: the JIT and the library's precomputed tables, not counted
  const rows: SigningFigure[] = [];
  for (const t of ts) rows.push(await measure(t, k!));
  const at51 = rows.find((r) => r.t === 51);
  const ratios = at51 ? { memberOverTargetAt51: at51.memberMs / TARGET_MS_AT_51, coordinatorOverTargetAt51: at51.coordinatorMs / TARGET_MS_AT_51 } : {};
  if (args.json) {
    process.stdout.write(JSON.stringify({ bench: "signing", rows, targetMsAt51: TARGET_MS_AT_51, ...ratios }) + "\n");
    return;
  }
  printTable(
    ["n / t", "digests", "member", "coordinator", "library member", "library coord.", "member/lib", "coord./lib"],
    rows.map((r) => [
      `${r.n} / ${r.t}`,
      String(r.digests),
      ms(r.memberMs),
      ms(r.coordinatorMs),
      ms(r.libraryMemberMs),
      ms(r.libraryCoordinatorMs),
      (r.memberMs / r.libraryMemberMs).toFixed(2),
      (r.coordinatorMs / r.libraryCoordinatorMs).toFixed(2),
    ]),
  );
  if (at51) process.stdout.write(`t = 51: member ${ms(at51.memberMs)}, coordinator ${ms(at51.coordinatorMs)}, against a target of ${ms(TARGET_MS_AT_51)} each\n`);
}

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
