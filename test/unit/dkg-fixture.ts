// A DKG signing group for the dkg-* tests: deterministic operator keys, the members sorted by address
// (member index = position + 1), and helpers that run every member's DkgAttempt in memory.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { computeAddress } from "ethers";
import { expect } from "vitest";
import { DkgAttempt, type DkgOutcome } from "../../src/threshold/dkg/dkg-attempt.js";
import type { DkgRound1Message, DkgRound2Message } from "../../src/threshold/dkg/dkg-messages.js";
import type { DkgSession } from "../../src/threshold/dkg/dkg-session.js";
import { to0x } from "../../src/util/hex.js";

export interface TestOperator {
  readonly index: number;
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** `n` operators with keys sha256("dkg-operator-<label>-<i>"), sorted by address. */
export function testOperators(n: number, label = "a"): TestOperator[] {
  const raw = Array.from({ length: n }, (_, i) => {
    const privateKey = sha256(new TextEncoder().encode(`dkg-operator-${label}-${i}`));
    const publicKey = secp256k1.getPublicKey(privateKey, true);
    return { privateKey, publicKey, address: computeAddress(to0x(publicKey)).toLowerCase() };
  });
  raw.sort((x, y) => (x.address < y.address ? -1 : 1));
  return raw.map((o, i) => ({ ...o, index: i + 1 }));
}

export const REQUEST_ID = 42n;
export const REQUEST_SEED = sha256(new TextEncoder().encode("dkg-request-seed"));

export function sessionOf(attempt: number): DkgSession {
  return { requestId: REQUEST_ID, requestSeed: REQUEST_SEED, attempt };
}

/** One DkgAttempt per included member. */
export function newAttempts(ops: readonly TestOperator[], threshold: number, included: readonly number[], attempt = 0): Map<number, DkgAttempt> {
  return new Map(
    included.map((i) => [
      i,
      new DkgAttempt({
        requestId: REQUEST_ID,
        requestSeed: REQUEST_SEED,
        attempt,
        members: ops.map((o) => o.address),
        operatorPublicKeys: ops.map((o) => o.publicKey),
        myIndex: i,
        myOperatorKey: ops[i - 1].privateKey,
        threshold,
        included,
      }),
    ]),
  );
}

/** Every member's round-1 message, delivered to every other member (all must be accepted). */
export function exchangeRound1(attempts: Map<number, DkgAttempt>): Map<number, DkgRound1Message> {
  const msgs = new Map([...attempts].map(([i, a]) => [i, a.round1().message]));
  for (const [to, a] of attempts) for (const [from, m] of msgs) if (from !== to) expect(a.acceptRound1(from, m)).toEqual({ kind: "accepted" });
  return msgs;
}

/** Every member's round-2 message, delivered to every other member (all must be accepted). */
export function exchangeRound2(attempts: Map<number, DkgAttempt>): Map<number, DkgRound2Message> {
  const msgs = new Map([...attempts].map(([i, a]) => [i, a.round2()]));
  for (const [to, a] of attempts) for (const [from, m] of msgs) if (from !== to) expect(a.acceptRound2(from, m)).toEqual({ kind: "accepted" });
  return msgs;
}

/** A whole honest attempt: every member's outcome. */
export function runHonestDkg(ops: readonly TestOperator[], threshold: number, included: readonly number[], attempt = 0): Map<number, DkgOutcome> {
  const attempts = newAttempts(ops, threshold, included, attempt);
  exchangeRound1(attempts);
  exchangeRound2(attempts);
  return new Map([...attempts].map(([i, a]) => [i, a.finish()]));
}
