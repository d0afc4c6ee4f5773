// DKG fault evidence (threshold.md §5.3) as the fault store keeps it: real DkgAttempt faults — a tampered
// proof of knowledge, a wrong share and its complaint, a false complaint — turned into JSON with each
// message's gossip signature, and checked from that JSON alone (after a JSON round trip). Altered or
// unsigned evidence is not proven; a silent member is unverifiable, never an accusation.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { signGossipMessage } from "../../src/network/gossip-signature.js";
import { dkgTopic } from "../../src/network/topics.js";
import { makeComplaint } from "../../src/threshold/dkg/complaint.js";
import { encodeComplaint, encodeRound1, encodeRound2, type DkgRound2Message } from "../../src/threshold/dkg/dkg-messages.js";
import { checkDkgFaultEvidence, dkgFaultEvidence, type DkgEvidenceFacts, type SignedDkgWire } from "../../src/threshold/dkg/evidence-json.js";
import { encryptShare } from "../../src/threshold/dkg/share-encryption.js";
import { exchangeRound1, newAttempts, REQUEST_ID, REQUEST_SEED, sessionOf, testOperators } from "./dkg-fixture.js";

const CHAIN_ID = 31337n;
const ops = testOperators(5, "evidence");
const ALL = [1, 2, 3, 4, 5];
const TOPIC = dkgTopic(CHAIN_ID, REQUEST_ID);
const facts: DkgEvidenceFacts = {
  chainId: CHAIN_ID,
  requestId: REQUEST_ID,
  requestSeed: REQUEST_SEED,
  attempt: 0,
  threshold: 3,
  members: ops.map((o) => o.address),
  operatorPublicKeys: ops.map((o) => o.publicKey),
};

/** Bytes as member `i` publishes them on the request's topic. */
const signedBy = (i: number, wire: Uint8Array, topic = TOPIC): SignedDkgWire => ({ wire, gossip: signGossipMessage(ops[i - 1]!.privateKey, topic, wire) });
/** As the fault store returns it. */
const stored = (e: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(e));
const verdictOf = (e: Record<string, unknown>) => checkDkgFaultEvidence(stored(e)).verdict;

function round2Setup() {
  const attempts = newAttempts(ops, 3, ALL);
  exchangeRound1(attempts);
  const r1 = (i: number) => attempts.get(i)!.round1().message;
  const r2 = (i: number) => attempts.get(i)!.round2();
  return { attempts, r1, r2 };
}

describe("DKG fault evidence, checked offline from its JSON", () => {
  it("DkgInvalidProof: the accused's signed round-1 message proves it; a valid one, another signer or topic does not", () => {
    const attempts = newAttempts(ops, 3, ALL);
    const honest = attempts.get(4)!.round1().message;
    const pok = honest.proofOfKnowledge.slice();
    pok[40] ^= 1;
    const r = attempts.get(1)!.acceptRound1(4, { ...honest, proofOfKnowledge: pok });
    if (r.kind !== "fault" || r.fault.code !== "DkgInvalidProof") throw new Error("expected DkgInvalidProof");
    const bad = encodeRound1(r.fault.evidence);
    const evidence = dkgFaultEvidence({ kind: "DkgInvalidProof", culprit: 4, round1: signedBy(4, bad) }, facts);
    const check = checkDkgFaultEvidence(stored(evidence));
    expect(check.verdict, check.reason).toBe("proven");
    expect(check.checks.join("\n")).toMatch(/signed by member 4 .* on the request's topic/);

    const proof = (round1: SignedDkgWire, culprit = 4, f = facts) => dkgFaultEvidence({ kind: "DkgInvalidProof", culprit, round1 }, f);
    expect(verdictOf(proof(signedBy(4, encodeRound1(honest))))).toBe("not_proven"); // the proof holds
    expect(verdictOf(proof(signedBy(3, bad)))).toBe("not_proven"); // not the accused's signature
    expect(verdictOf(proof(signedBy(4, bad, dkgTopic(CHAIN_ID, REQUEST_ID + 1n))))).toBe("not_proven"); // another request's topic
    expect(verdictOf(proof({ wire: bad, gossip: null }))).toBe("not_proven"); // unsigned
    expect(verdictOf(proof(signedBy(4, bad), 3))).toBe("not_proven"); // blames someone else
    expect(verdictOf(proof(signedBy(4, bad), 4, { ...facts, attempt: 1 }))).toBe("not_proven"); // another attempt
    // A member list whose keys are not its members' is refused.
    const swapped = stored(evidence);
    (swapped.operatorPublicKeys as string[]).reverse();
    expect(checkDkgFaultEvidence(swapped).verdict).toBe("not_proven");
  });

  it("DkgInvalidShare: the complaint with the revealed ECDH point and the sender's signed messages prove the sender's fault", () => {
    const { attempts, r1, r2 } = round2Setup();
    const senderCommitment = r1(2).commitment[0]!;
    const wrong = encryptShare(schnorr_FROST.utils.randomScalar(), ops[1]!.privateKey, ops[4]!.publicKey, { session: sessionOf(0), sender: 2, recipient: 5, senderCommitment });
    const bad: DkgRound2Message = { ...r2(2), shares: r2(2).shares.map((s) => (s.recipient === 5 ? { recipient: 5, ciphertext: wrong } : s)) };
    const r = attempts.get(5)!.acceptRound2(2, bad);
    if (r.kind !== "fault" || r.fault.code !== "DkgInvalidShare") throw new Error("expected DkgInvalidShare");
    const parts = { complaint: signedBy(5, encodeComplaint(r.fault.complaint)), round1: signedBy(2, encodeRound1(r1(2))), round2: signedBy(2, encodeRound2(bad)) };
    const evidence = dkgFaultEvidence({ kind: "DkgInvalidShare", culprit: 2, ...parts }, facts);
    const check = checkDkgFaultEvidence(stored(evidence));
    expect(check, check.reason).toMatchObject({ verdict: "proven", reason: "a round-2 share that fails its sender's commitment" });
    // The complaint proves itself (DLEQ): its gossip signature is not needed against the sender.
    expect(verdictOf(dkgFaultEvidence({ kind: "DkgInvalidShare", culprit: 2, ...parts, complaint: { ...parts.complaint, gossip: null } }, facts))).toBe("proven");

    const share = (over: Partial<typeof parts>, culprit = 2) => dkgFaultEvidence({ kind: "DkgInvalidShare", culprit, ...parts, ...over }, facts);
    expect(verdictOf(share({ round2: signedBy(2, encodeRound2(r2(2))) }))).toBe("not_proven"); // the honest round 2
    expect(verdictOf(share({ round2: signedBy(3, encodeRound2(bad)) }))).toBe("not_proven"); // not signed by the sender
    expect(verdictOf(share({ round1: { ...parts.round1, gossip: null } }))).toBe("not_proven");
    expect(verdictOf(share({}, 5))).toBe("not_proven"); // the complaint holds: not the complainer's fault
    expect(verdictOf(share({}, 1))).toBe("not_proven"); // neither party
    // A tampered DLEQ proof: the complaint no longer shows the pair's secret.
    const tampered = { ...r.fault.complaint, proof: r.fault.complaint.proof.map((b, i) => (i === 63 ? b ^ 1 : b)) };
    expect(verdictOf(share({ complaint: signedBy(5, encodeComplaint(tampered)) }))).toBe("not_proven");
  });

  it("DkgInvalidShare against the complainer: a signed false complaint about a good share", () => {
    const { r1, r2 } = round2Setup();
    const lie = makeComplaint(sessionOf(0), 3, 1, ops[2]!.privateKey, ops[0]!.publicKey);
    const parts = { complaint: signedBy(3, encodeComplaint(lie)), round1: signedBy(1, encodeRound1(r1(1))), round2: signedBy(1, encodeRound2(r2(1))) };
    const evidence = dkgFaultEvidence({ kind: "DkgInvalidShare", culprit: 3, ...parts }, facts);
    expect(checkDkgFaultEvidence(stored(evidence))).toMatchObject({ verdict: "proven", reason: "a false complaint" });
    // Against the complainer the complaint must be its own, signed: unsigned, or signed by another, it proves nothing.
    expect(verdictOf({ ...evidence, complaint: { ...stored(evidence).complaint as object, gossip: null } })).toBe("not_proven");
    expect(verdictOf(dkgFaultEvidence({ kind: "DkgInvalidShare", culprit: 3, ...parts, complaint: signedBy(4, encodeComplaint(lie)) }, facts))).toBe("not_proven");
    expect(verdictOf(dkgFaultEvidence({ kind: "DkgInvalidShare", culprit: 1, ...parts }, facts))).toBe("not_proven");
  });

  it("DkgNoParticipation is unverifiable, and hostile JSON is never a throw", () => {
    const silent = dkgFaultEvidence({ kind: "DkgNoParticipation", culprit: 2, cutoffBlock: 140, missing: "round1" }, { ...facts, operatorPublicKeys: [] });
    expect(silent).toMatchObject({ kind: "DkgNoParticipation", cutoffBlock: 140, missing: "round1", requestId: String(REQUEST_ID) });
    expect(checkDkgFaultEvidence(stored(silent))).toMatchObject({ verdict: "unverifiable", reason: expect.stringMatching(/cut-off block 140.*not an accusation/) });
    const proof = dkgFaultEvidence({ kind: "DkgInvalidProof", culprit: 4, round1: signedBy(4, new Uint8Array(5)) }, facts);
    for (const e of [{}, { kind: "DkgInvalidProof" }, { ...proof, members: null }, { ...proof, round1: "zz" }, { ...proof, round1: { wire: "0x00", gossip: { topic: 1 } } }, { ...proof, culprit: 99 }, proof, { ...proof, kind: "Other" }]) {
      expect(checkDkgFaultEvidence(e as Record<string, unknown>).verdict).toBe("not_proven");
    }
  });
});
