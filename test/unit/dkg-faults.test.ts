// DKG faults with evidence (threshold.md §3.2, §5.3): a tampered proof of knowledge excludes its sender
// with the message as offline-checkable evidence; a wrong share makes its recipient complain and the
// judge blames the sender; a false or forged complaint blames the complainer; the next attempt without
// the excluded member still makes a wallet (5 members → 4 included, t = 3).
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { judgeComplaint, makeComplaint } from "../../src/threshold/dkg/complaint.js";
import type { DkgAttempt } from "../../src/threshold/dkg/dkg-attempt.js";
import { decodeComplaint, decodeRound1, encodeComplaint, encodeRound1, type DkgRound2Message } from "../../src/threshold/dkg/dkg-messages.js";
import { attemptFeasible, excludedMembers, nextIncluded } from "../../src/threshold/dkg/exclusion.js";
import { verifyRound1Message } from "../../src/threshold/dkg/round1-check.js";
import { encryptShare } from "../../src/threshold/dkg/share-encryption.js";
import { frostSignDigest } from "../../src/threshold/frost-rounds.js";
import { verifyBip340Signature } from "../../src/threshold/taproot.js";
import { exchangeRound1, newAttempts, runHonestDkg, sessionOf, testOperators } from "./dkg-fixture.js";

const ops = testOperators(5);
const ALL = [1, 2, 3, 4, 5];
const session = sessionOf(0);
const pub = (i: number) => ops[i - 1].publicKey;
const key = (i: number) => ops[i - 1].privateKey;

/** Round 1 and 2 among all five honest members; round-2 messages returned, not yet delivered. */
function upToRound2(): { attempts: Map<number, DkgAttempt>; round2: Map<number, DkgRound2Message> } {
  const attempts = newAttempts(ops, 3, ALL);
  exchangeRound1(attempts);
  return { attempts, round2: new Map([...attempts].map(([i, a]) => [i, a.round2()])) };
}

/** Member `sender`'s round-2 message with the ciphertext to `recipient` replaced. */
function withCiphertext(m: DkgRound2Message, recipient: number, ciphertext: Uint8Array): DkgRound2Message {
  return { ...m, shares: m.shares.map((s) => (s.recipient === recipient ? { recipient, ciphertext } : s)) };
}

describe("DkgInvalidProof", () => {
  it("a tampered proof of knowledge excludes its sender, with the message as evidence anyone can check offline", () => {
    const attempts = newAttempts(ops, 3, ALL);
    const honest = attempts.get(4)!.round1().message;
    const pok = honest.proofOfKnowledge.slice();
    pok[40] ^= 0x01;
    const tampered = { ...honest, proofOfKnowledge: pok };
    for (const i of [1, 2, 3, 5]) {
      const r = attempts.get(i)!.acceptRound1(4, tampered);
      expect(r.kind).toBe("fault");
      if (r.kind !== "fault" || r.fault.code !== "DkgInvalidProof") throw new Error("expected DkgInvalidProof");
      expect(r.fault.accused).toBe(4);
      // Offline: from the evidence's bytes alone (as stored in the fault store).
      const evidence = decodeRound1(encodeRound1(r.fault.evidence));
      expect(verifyRound1Message(evidence, 3)).toBe(false);
      expect(attempts.get(i)!.provenBad()).toEqual([4]);
      // Its honest package, sent afterwards, no longer counts.
      expect(attempts.get(i)!.acceptRound1(4, honest)).toEqual({ kind: "ignored", reason: "PROVEN_BAD" });
    }
    expect(verifyRound1Message(honest, 3)).toBe(true);
    // A commitment swapped in under someone else's proof fails too (the proof binds the commitment).
    const other = attempts.get(5)!.round1().message;
    expect(verifyRound1Message({ ...honest, commitment: other.commitment }, 3)).toBe(false);
    for (const i of [2, 3, 5]) attempts.get(1)!.acceptRound1(i, attempts.get(i)!.round1().message);
    expect(() => attempts.get(1)!.round2()).toThrow(/round-1 messages of members 4$/);
  });

  it("the next attempt without the excluded member still makes a wallet (n = 5, 4 included, t = 3)", () => {
    const next = nextIncluded(ALL, [], [4]);
    expect(next).toEqual([1, 2, 3, 5]);
    expect(attemptFeasible(next, 3, 4)).toBe(true);
    const outcomes = runHonestDkg(ops, 3, next, 1);
    const o = outcomes.get(1)!;
    expect(o.excluded).toEqual([4]);
    for (const x of outcomes.values()) expect(x.walletX).toEqual(o.walletX);
    expect(Object.keys(o.keyShare.public.verifyingShares)).toHaveLength(4);
    const digest = sha256(Uint8Array.of(1, 2, 3));
    const sig = frostSignDigest(schnorr_FROST, o.keyShare.public, [2, 3, 5].map((m) => ({ member: m, secret: outcomes.get(m)!.keyShare.secret })), digest);
    expect(verifyBip340Signature(digest, sig, o.walletX)).toBe(true);
  });
});

describe("DkgInvalidShare: complaints", () => {
  it("a wrong share to one recipient: it complains, the judge and every member blame the sender", () => {
    const { attempts, round2 } = upToRound2();
    const wrongShare = schnorr_FROST.utils.randomScalar();
    const senderCommitment = attempts.get(2)!.round1().message.commitment[0];
    const bad = withCiphertext(round2.get(2)!, 5, encryptShare(wrongShare, key(2), pub(5), { session, sender: 2, recipient: 5, senderCommitment }));
    // The other recipients' shares are fine.
    for (const i of [1, 3, 4]) expect(attempts.get(i)!.acceptRound2(2, bad)).toEqual({ kind: "accepted" });
    const r = attempts.get(5)!.acceptRound2(2, bad);
    if (r.kind !== "fault" || r.fault.code !== "DkgInvalidShare") throw new Error("expected DkgInvalidShare");
    expect(r.fault.accused).toBe(2);
    const complaint = decodeComplaint(encodeComplaint(r.fault.complaint));
    expect(complaint).toMatchObject({ complainer: 5, accused: 2, attempt: 0 });
    const verdict = judgeComplaint({ session, complaint, senderRound1: attempts.get(1)!.round1Of(2)!, senderRound2: bad, complainerPublicKey: pub(5), senderPublicKey: pub(2) });
    expect(verdict).toBe("sender");
    for (const i of [1, 3, 4]) expect(attempts.get(i)!.acceptComplaint(5, complaint)).toEqual({ kind: "judged", verdict: "sender", culprit: 2 });
    expect(attempts.get(5)!.provenBad()).toEqual([2]);
    expect(() => attempts.get(5)!.finish()).toThrow(/proven-bad members 2/);
    expect(nextIncluded(ALL, [], attempts.get(1)!.provenBad())).toEqual([1, 3, 4, 5]);
  });

  it("a ciphertext that does not decrypt is the sender's fault too", () => {
    const { attempts, round2 } = upToRound2();
    const garbage = withCiphertext(round2.get(3)!, 1, new Uint8Array(48).fill(7));
    const r = attempts.get(1)!.acceptRound2(3, garbage);
    if (r.kind !== "fault" || r.fault.code !== "DkgInvalidShare") throw new Error("expected DkgInvalidShare");
    expect(attempts.get(4)!.acceptRound2(3, garbage)).toEqual({ kind: "accepted" });
    expect(attempts.get(4)!.acceptComplaint(1, r.fault.complaint)).toEqual({ kind: "judged", verdict: "sender", culprit: 3 });
  });

  it("a false complaint about a good share blames the complainer", () => {
    const { attempts, round2 } = upToRound2();
    const judge = attempts.get(4)!;
    judge.acceptRound2(1, round2.get(1)!);
    const lie = makeComplaint(session, 3, 1, key(3), pub(1)); // member 3's real ECDH point, but the share is good
    const verdict = judgeComplaint({ session, complaint: lie, senderRound1: judge.round1Of(1)!, senderRound2: round2.get(1)!, complainerPublicKey: pub(3), senderPublicKey: pub(1) });
    expect(verdict).toBe("complainer");
    expect(judge.acceptComplaint(3, lie)).toEqual({ kind: "judged", verdict: "complainer", culprit: 3 });
  });

  it("a forged complaint (a made-up key, a proof of another pair, a tampered proof) blames the complainer", () => {
    const { attempts, round2 } = upToRound2();
    const judge = attempts.get(4)!;
    judge.acceptRound2(1, round2.get(1)!);
    const real = makeComplaint(session, 3, 1, key(3), pub(1));
    const ofAnotherPair = makeComplaint(session, 5, 1, key(5), pub(1)); // member 5's point with 1, claimed by 3
    const forged = [
      { ...real, ecdhPoint: ofAnotherPair.ecdhPoint, proof: ofAnotherPair.proof },
      { ...real, proof: real.proof.map((b, i) => (i === 63 ? b ^ 1 : b)) },
      { ...real, ecdhPoint: pub(2) },
      makeComplaint(sessionOf(1), 3, 1, key(3), pub(1)), // a proof bound to another attempt…
    ].map((c) => ({ ...c, attempt: 0 })); // …replayed into this one
    // Not a recipient of the message: owed no share.
    const without3 = { ...round2.get(1)!, shares: round2.get(1)!.shares.filter((x) => x.recipient !== 3) };
    expect(judgeComplaint({ session, complaint: real, senderRound1: judge.round1Of(1)!, senderRound2: without3, complainerPublicKey: pub(3), senderPublicKey: pub(1) })).toBe("complainer");
    for (const c of forged) {
      const verdict = judgeComplaint({ session, complaint: c, senderRound1: judge.round1Of(1)!, senderRound2: round2.get(1)!, complainerPublicKey: pub(3), senderPublicKey: pub(1) });
      expect(verdict).toBe("complainer");
    }
  });

  it("judging refuses evidence of another member or attempt (a caller error, not a verdict)", () => {
    const { attempts, round2 } = upToRound2();
    const c = makeComplaint(session, 3, 1, key(3), pub(1));
    const r1of2 = attempts.get(1)!.round1Of(2)!;
    expect(() => judgeComplaint({ session, complaint: c, senderRound1: r1of2, senderRound2: round2.get(1)!, complainerPublicKey: pub(3), senderPublicKey: pub(1) })).toThrow(/accused/);
    expect(() => judgeComplaint({ session: sessionOf(2), complaint: c, senderRound1: r1of2, senderRound2: round2.get(1)!, complainerPublicKey: pub(3), senderPublicKey: pub(1) })).toThrow(/attempt/);
  });
});

describe("exclusion", () => {
  it("is cumulative and ascending; the excluded list is the complement", () => {
    expect(nextIncluded([1, 2, 3, 5, 7], [7, 1], [5, 5])).toEqual([2, 3]);
    expect(attemptFeasible([2, 3], 2, 3)).toBe(false);
    expect(excludedMembers(7, [2, 3])).toEqual([1, 4, 5, 6, 7]);
  });
});
