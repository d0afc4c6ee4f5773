// The DKG engine of threshold.md §3.2 among 5 members (t = 3), every member in this process with the real
// library: one wallet key for all, 3 shares sign it, 2 shares do not hold it; the key form (§1); a
// restarted member's round 1 is the same package.
import { schnorr, schnorr_FROST, secp256k1 } from "@noble/curves/secp256k1.js";
import type { FrostSecret } from "@noble/curves/abstract/frost.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { beforeAll, describe, expect, it } from "vitest";
import { tweakedOutputKey } from "../../src/bitcoin/taproot.js";
import { DkgAttempt, type DkgOutcome } from "../../src/threshold/dkg/dkg-attempt.js";
import { encodeRound1 } from "../../src/threshold/dkg/dkg-messages.js";
import { encodeKeyShare } from "../../src/threshold/dkg/key-share-codec.js";
import { encodeTranscript } from "../../src/threshold/dkg/transcript.js";
import { frostSignDigest } from "../../src/threshold/frost-rounds.js";
import { verifyBip340Signature } from "../../src/threshold/taproot.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { bytesEqual, concatBytes, toHex } from "../../src/util/hex.js";
import { newAttempts, REQUEST_ID, REQUEST_SEED, runHonestDkg, testOperators } from "./dkg-fixture.js";

const ops = testOperators(5);
const ALL = [1, 2, 3, 4, 5];
const digest = sha256(new TextEncoder().encode("a BIP-341 sighash"));

/** All 3-subsets of [1..5]. */
const triples = ALL.flatMap((a) => ALL.flatMap((b) => ALL.map((c) => [a, b, c]))).filter(([a, b, c]) => a < b && b < c);

describe("DkgAttempt: 5 members, t = 3", () => {
  let outcomes: Map<number, DkgOutcome>;
  beforeAll(() => {
    outcomes = runHonestDkg(ops, 3, ALL);
  });
  const secretOf = (i: number): FrostSecret => outcomes.get(i)!.keyShare.secret;

  it("gives every member the same walletX, wallet PKH, public package and transcript", () => {
    const first = outcomes.get(1)!;
    expect(first.walletX).toHaveLength(32);
    expect(first.walletPkh).toEqual(walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), first.walletX)));
    expect(first.excluded).toEqual([]);
    for (const o of outcomes.values()) {
      expect(toHex(o.walletX)).toBe(toHex(first.walletX));
      expect(o.walletPkh).toEqual(first.walletPkh);
      expect(o.keyShare.public).toEqual(first.keyShare.public);
      expect(toHex(encodeTranscript(o.transcript))).toBe(toHex(encodeTranscript(first.transcript)));
    }
    // Each member's secret share matches its verifying share (the library's own check).
    for (const i of ALL) expect(() => schnorr_FROST.validateSecret(secretOf(i), first.keyShare.public)).not.toThrow();
  });

  it("holds the library's BIP-86-tweaked form: walletX = x(P + TapTweak(x(P))·G), P the sum of the round-1 secrets' commitments", () => {
    const o = outcomes.get(1)!;
    const P = o.transcript.round1.map((m) => secp256k1.Point.fromBytes(m.commitment[0])).reduce((a, b) => a.add(b));
    const internalX = P.toBytes(true).slice(1);
    const t = BigInt("0x" + toHex(schnorr.utils.taggedHash("TapTweak", internalX)));
    expect(toHex(tweakedOutputKey(internalX, t).outputX)).toBe(toHex(o.walletX));
    // …and so walletX is not the untweaked group key.
    expect(toHex(internalX)).not.toBe(toHex(o.walletX));
  });

  it("any 3 members' shares make a BIP-340 signature that verifies under walletX (frostSignDigest)", () => {
    const o = outcomes.get(1)!;
    for (const subset of triples) {
      const sig = frostSignDigest(schnorr_FROST, o.keyShare.public, subset.map((member) => ({ member, secret: secretOf(member) })), digest);
      expect(verifyBip340Signature(digest, sig, o.walletX), `signers ${subset}`).toBe(true);
    }
  });

  it("no 2 shares interpolate to the group secret, and no member's data contains it", () => {
    const o = outcomes.get(1)!;
    const groupSecret = schnorr_FROST.combineSecret([1, 2, 3].map(secretOf), { min: 3, max: 5 });
    expect(toHex(schnorr.getPublicKey(groupSecret))).toBe(toHex(o.walletX)); // the 3-share interpolation is the key
    const negated = secp256k1.Point.Fn.toBytes(secp256k1.Point.Fn.neg(secp256k1.Point.Fn.fromBytes(groupSecret)));
    for (const a of ALL)
      for (const b of ALL.filter((x) => x > a)) {
        const two = schnorr_FROST.combineSecret([secretOf(a), secretOf(b)], { min: 2, max: 5 });
        expect(toHex(two)).not.toBe(toHex(groupSecret));
        expect(toHex(schnorr.getPublicKey(two))).not.toBe(toHex(o.walletX));
      }
    for (const [i, out] of outcomes) {
      const data = toHex(concatBytes(encodeKeyShare(out.keyShare), encodeTranscript(out.transcript)));
      expect(data.includes(toHex(groupSecret)), `member ${i}`).toBe(false);
      expect(data.includes(toHex(negated)), `member ${i}`).toBe(false);
    }
  });
});

describe("DkgAttempt: round 1 is derived from the operator key and the attempt", () => {
  it("a restarted member sends the same round-1 package; another attempt or included set gives another", () => {
    const a = newAttempts(ops, 3, ALL, 0).get(2)!.round1().message;
    const again = newAttempts(ops, 3, ALL, 0).get(2)!.round1().message;
    expect(toHex(encodeRound1(again))).toBe(toHex(encodeRound1(a)));
    const next = newAttempts(ops, 3, ALL, 1).get(2)!.round1().message;
    const fewer = newAttempts(ops, 3, [1, 2, 3, 5], 0).get(2)!.round1().message;
    expect(bytesEqual(next.commitment[0], a.commitment[0])).toBe(false);
    expect(bytesEqual(fewer.commitment[0], a.commitment[0])).toBe(false);
  });

  it("two fresh runs of the same attempt give the same wallet (deterministic where the library allows)", () => {
    const x1 = runHonestDkg(ops, 2, [1, 2, 4]).get(1)!.walletX;
    const x2 = runHonestDkg(ops, 2, [1, 2, 4]).get(4)!.walletX;
    expect(toHex(x2)).toBe(toHex(x1));
  });
});

describe("DkgAttempt: inputs and message handling", () => {
  const base = {
    requestId: REQUEST_ID,
    requestSeed: REQUEST_SEED,
    attempt: 0,
    members: ops.map((o) => o.address),
    operatorPublicKeys: ops.map((o) => o.publicKey),
    myIndex: 1,
    myOperatorKey: ops[0].privateKey,
    threshold: 3,
    included: ALL,
  };

  it("refuses inconsistent construction", () => {
    expect(() => new DkgAttempt({ ...base, myOperatorKey: ops[1].privateKey })).toThrow(/not member 1's/);
    expect(() => new DkgAttempt({ ...base, members: [...base.members].reverse(), operatorPublicKeys: [...base.operatorPublicKeys].reverse() })).toThrow(/ascending/);
    expect(() => new DkgAttempt({ ...base, operatorPublicKeys: [...base.operatorPublicKeys].reverse() })).toThrow(/operator public key/);
    expect(() => new DkgAttempt({ ...base, included: [2, 3, 4] })).toThrow(/not included/);
    expect(() => new DkgAttempt({ ...base, included: [1, 2] })).toThrow(/cannot make/);
    expect(() => new DkgAttempt({ ...base, threshold: 6 })).toThrow(/threshold/);
    expect(() => new DkgAttempt({ ...base, requestSeed: new Uint8Array(31) })).toThrow(/requestSeed/);
  });

  it("ignores own, foreign-session, duplicate, conflicting and out-of-attempt messages without blame", () => {
    const attempts = newAttempts(ops, 3, [1, 2, 3, 4]);
    const me = attempts.get(1)!;
    const m2 = attempts.get(2)!.round1().message;
    expect(me.acceptRound1(1, me.round1().message)).toEqual({ kind: "ignored", reason: "OWN_MESSAGE" });
    expect(me.acceptRound1(3, m2)).toEqual({ kind: "ignored", reason: "SENDER_MISMATCH" });
    expect(me.acceptRound1(2, { ...m2, attempt: 1 })).toEqual({ kind: "ignored", reason: "WRONG_SESSION" });
    expect(me.acceptRound1(2, m2)).toEqual({ kind: "accepted" });
    expect(me.acceptRound1(2, m2)).toEqual({ kind: "ignored", reason: "DUPLICATE" });
    expect(me.acceptRound1(2, attempts.get(3)!.round1().message)).toEqual({ kind: "ignored", reason: "SENDER_MISMATCH" });
    const other = newAttempts(ops, 3, [1, 2, 3, 5]).get(2)!.round1().message; // another valid package of member 2
    expect(me.acceptRound1(2, other)).toEqual({ kind: "ignored", reason: "CONFLICTING" });
    const m5 = newAttempts(ops, 3, ALL).get(5)!.round1().message;
    expect(me.acceptRound1(5, m5)).toEqual({ kind: "ignored", reason: "NOT_INCLUDED" });
    expect(me.missingRound1()).toEqual([3, 4]);
    expect(() => me.round2()).toThrow(/members 3, 4/);
  });

  it("a round-2 message before the sender's round 1, or not addressed to exactly the others, is ignored", () => {
    const attempts = newAttempts(ops, 3, [1, 2, 3]);
    const [a1, a2, a3] = [1, 2, 3].map((i) => attempts.get(i)!);
    for (const [to, a] of attempts) for (const [from, b] of attempts) if (to !== from && !(to === 1 && from === 3)) a.acceptRound1(from, b.round1().message);
    a3.acceptRound1(1, a1.round1().message);
    const r3 = a3.round2();
    expect(a1.acceptRound2(3, r3)).toEqual({ kind: "ignored", reason: "NO_ROUND1" });
    a1.acceptRound1(3, a3.round1().message);
    expect(a1.acceptRound2(3, { ...r3, shares: r3.shares.slice(0, 1) })).toEqual({ kind: "ignored", reason: "WRONG_RECIPIENTS" });
    expect(a1.acceptRound2(3, r3)).toEqual({ kind: "accepted" });
    expect(a1.missingRound2()).toEqual([2]);
    expect(() => a1.finish()).toThrow(/valid shares from members 2/);
    expect(a1.acceptRound2(2, a2.round2())).toEqual({ kind: "accepted" });
    expect(a1.finish().walletX).toHaveLength(32);
  });
});
