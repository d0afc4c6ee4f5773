// `npm run bench -- dkg [--n 10,50,100] [--json]`: one member's DKG compute (threshold.md §8), t = ⌊n/2⌋+1.
// The other members' messages are made first (not timed); then member 1's whole part is timed phase by
// phase through the project's DkgAttempt (round 1, proofs of knowledge, round 2 with share encryption,
// share decryption and checks, round 3), and beside it, in the same run, the bare library's
// DKG.round1/round2/round3 for the same member: the floor the engine stands on. The target of §8 is
// ≤ 1 s per member at n = 100.
import { secp256k1, schnorr_FROST } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { computeAddress } from "ethers";
import { DkgAttempt } from "../src/threshold/dkg/dkg-attempt.js";
import type { DkgRound1Message, DkgRound2Message } from "../src/threshold/dkg/dkg-messages.js";
import { frostIdentifier } from "../src/threshold/dev-wallet.js";
import { to0x } from "../src/util/hex.js";
import { flagList, printTable, timed, type BenchArgs } from "./bench-util.js";

const TARGET_MS_AT_100 = 1000;

interface Operator {
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

function operators(n: number): Operator[] {
  const ops = Array.from({ length: n }, (_, i) => {
    const privateKey = sha256(new TextEncoder().encode(`bench-dkg-operator-${i}`));
    const publicKey = secp256k1.getPublicKey(privateKey, true);
    return { privateKey, publicKey, address: computeAddress(to0x(publicKey)) };
  });
  return ops.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

export interface DkgFigure {
  n: number;
  t: number;
  /** Member 1's compute, ms, by phase and in total. */
  round1Ms: number;
  acceptRound1Ms: number;
  round2Ms: number;
  acceptRound2Ms: number;
  finishMs: number;
  memberMs: number;
  /** The bare library's round1 + round2 + round3 for the same member, ms. */
  libraryMs: number;
  /** memberMs / libraryMs: what the engine adds (encryption, per-sender checks, transcript). */
  engineOverLibrary: number;
}

function measure(n: number): DkgFigure {
  const t = Math.floor(n / 2) + 1;
  const ops = operators(n);
  const included = ops.map((_, i) => i + 1);
  const common = {
    requestId: 1n,
    requestSeed: sha256(new TextEncoder().encode("bench-dkg-request")),
    attempt: 0,
    members: ops.map((o) => o.address),
    operatorPublicKeys: ops.map((o) => o.publicKey),
    threshold: t,
    included,
  };
  const attempts = ops.map((o, i) => new DkgAttempt({ ...common, myIndex: i + 1, myOperatorKey: o.privateKey }));
  const me = attempts[0]!;
  const round1 = timed(() => me.round1().message);
  const r1 = new Map<number, DkgRound1Message>([[1, round1.value]]);
  for (let i = 2; i <= n; i++) r1.set(i, attempts[i - 1]!.round1().message);
  // Round 2 of the others needs every round 1 in; member 1's acceptance is timed on its own.
  const accept1 = timed(() => {
    for (let i = 2; i <= n; i++) me.acceptRound1(i, r1.get(i)!);
  });
  for (let i = 2; i <= n; i++) for (let j = 1; j <= n; j++) if (j !== i) attempts[i - 1]!.acceptRound1(j, r1.get(j)!);
  const round2 = timed(() => me.round2());
  const r2 = new Map<number, DkgRound2Message>();
  for (let i = 2; i <= n; i++) r2.set(i, attempts[i - 1]!.round2());
  const accept2 = timed(() => {
    for (let i = 2; i <= n; i++) me.acceptRound2(i, r2.get(i)!);
  });
  const finish = timed(() => me.finish());
  const memberMs = round1.ms + accept1.ms + round2.ms + accept2.ms + finish.ms;

  // The library alone, member 1 of the same n and t (its own randomness; the work is the same).
  const ids = included.map((i) => frostIdentifier(i));
  const lib1 = ids.map((id) => schnorr_FROST.DKG.round1(id, { min: t, max: n }));
  const others = lib1.slice(1).map((r) => r.public);
  const lib2All = lib1.map((r, k) => schnorr_FROST.DKG.round2(r.secret, lib1.filter((_, j) => j !== k).map((x) => x.public)));
  const mine = ids[0]!;
  const received = lib2All.slice(1).map((r) => r[mine]!);
  const library = timed(() => {
    const again = schnorr_FROST.DKG.round1(mine, { min: t, max: n });
    schnorr_FROST.DKG.round2(again.secret, others);
    schnorr_FROST.DKG.round3(lib1[0]!.secret, others, received);
  });
  return {
    n,
    t,
    round1Ms: round1.ms,
    acceptRound1Ms: accept1.ms,
    round2Ms: round2.ms,
    acceptRound2Ms: accept2.ms,
    finishMs: finish.ms,
    memberMs,
    libraryMs: library.ms,
    engineOverLibrary: memberMs / library.ms,
  };
}

export function runDkgBench(args: BenchArgs): void {
  const sizes = flagList(args, "n", [10, 50, 100]);
  measure(4); // warm-up: the JIT and the library's precomputed tables, not counted
  const rows = sizes.map(measure);
  const at100 = rows.find((r) => r.n === 100);
  const result = { bench: "dkg", rows, targetMsAt100: TARGET_MS_AT_100, ...(at100 ? { memberOverTargetAt100: at100.memberMs / TARGET_MS_AT_100 } : {}) };
  if (args.json) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return;
  }
  printTable(
    ["n / t", "round 1", "check r1", "round 2", "check r2", "round 3", "member", "library", "engine/library"],
    rows.map((r) => [`${r.n} / ${r.t}`, ms(r.round1Ms), ms(r.acceptRound1Ms), ms(r.round2Ms), ms(r.acceptRound2Ms), ms(r.finishMs), ms(r.memberMs), ms(r.libraryMs), r.engineOverLibrary.toFixed(2)]),
  );
  if (at100) process.stdout.write(`n = 100: ${ms(at100.memberMs)} per member against a target of ${ms(TARGET_MS_AT_100)} (ratio ${(at100.memberMs / TARGET_MS_AT_100).toFixed(2)})\n`);
}

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
