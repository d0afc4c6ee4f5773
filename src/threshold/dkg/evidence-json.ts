// A DKG fault as the fault store keeps it (JSON, bytes as 0x-hex) and its check from that JSON alone
// (threshold.md §5.3). The DKG messages carry no signature of their own: each one is kept with the
// gossip signature its sender published it under (network/gossip-signature.ts), which binds the exact
// bytes to the sender's operator key and to the request's topic. The evidence also carries the
// request's public facts — chain, request id and seed, threshold, members and their operator keys —
// so `wcoord faults verify` needs nothing else; whoever reads it should compare those with the
// registry's `DkgRequested`, and the check says so.
//
//   DkgInvalidProof:    the accused's round-1 message, signed: its proof of knowledge fails.
//   DkgInvalidShare:    the complaint (revealed ECDH point + DLEQ proof) and the accused sender's round-1
//                       and round-2 messages, signed; judgeComplaint names the culprit, the sender or the
//                       complainer (then its complaint must be signed by it too).
//   DkgNoParticipation: the attempt's cut-off block: silence leaves no trace, so it is no accusation.
import { computeAddress, getAddress } from "ethers";
import type { EvidenceCheck } from "../../coordination/fault-evidence.js";
import { verifyGossipSignature, type GossipSignature } from "../../network/gossip-signature.js";
import { dkgTopic } from "../../network/topics.js";
import { fromHex, to0x } from "../../util/hex.js";
import { judgeComplaint } from "./complaint.js";
import { decodeComplaint, decodeRound1, decodeRound2 } from "./dkg-messages.js";
import type { DkgSession } from "./dkg-session.js";
import { verifyRound1Message } from "./round1-check.js";

/** The request's public facts the evidence is checked against. */
export interface DkgEvidenceFacts {
  readonly chainId: bigint;
  readonly requestId: bigint;
  readonly requestSeed: Uint8Array;
  readonly attempt: number;
  readonly threshold: number;
  readonly members: readonly string[];
  /** 33-byte compressed operator keys, one per member (empty when unknown: DkgNoParticipation only). */
  readonly operatorPublicKeys: readonly Uint8Array[];
}

/** A DKG message's canonical bytes and the gossip signature it was published under (null when not held). */
export interface SignedDkgWire {
  readonly wire: Uint8Array;
  readonly gossip: GossipSignature | null;
}

export type DkgFaultProof =
  | { readonly kind: "DkgInvalidProof"; readonly culprit: number; readonly round1: SignedDkgWire }
  | { readonly kind: "DkgInvalidShare"; readonly culprit: number; readonly complaint: SignedDkgWire; readonly round1: SignedDkgWire; readonly round2: SignedDkgWire }
  | { readonly kind: "DkgNoParticipation"; readonly culprit: number; readonly cutoffBlock: number; readonly missing: "round1" | "round2" };

const wireJson = (w: SignedDkgWire) => ({
  wire: to0x(w.wire),
  gossip: w.gossip === null ? null : { topic: w.gossip.topic, seqno: to0x(w.gossip.seqno), signature: to0x(w.gossip.signature) },
});

/** The fault store's evidence object, self-contained. */
export function dkgFaultEvidence(proof: DkgFaultProof, facts: DkgEvidenceFacts): Record<string, unknown> {
  const head = {
    kind: proof.kind,
    culprit: proof.culprit,
    chainId: facts.chainId.toString(),
    requestId: facts.requestId.toString(),
    requestSeed: to0x(facts.requestSeed),
    attempt: facts.attempt,
    threshold: facts.threshold,
    members: [...facts.members],
    operatorPublicKeys: facts.operatorPublicKeys.map(to0x),
  };
  switch (proof.kind) {
    case "DkgInvalidProof":
      return { ...head, round1: wireJson(proof.round1) };
    case "DkgInvalidShare":
      return { ...head, complaint: wireJson(proof.complaint), round1: wireJson(proof.round1), round2: wireJson(proof.round2) };
    case "DkgNoParticipation":
      return { ...head, cutoffBlock: proof.cutoffBlock, missing: proof.missing };
  }
}

class NotProven extends Error {}

/** Checks stored evidence; never throws. */
export function checkDkgFaultEvidence(evidence: Record<string, unknown>): EvidenceCheck {
  const checks: string[] = [];
  try {
    if (evidence.kind === "DkgNoParticipation") {
      return { verdict: "unverifiable", reason: `silence by cut-off block ${String(evidence.cutoffBlock)} leaves no signed trace (the network may have lost the messages); recorded, not an accusation`, checks };
    }
    const facts = factsOf(evidence);
    checks.push(
      `request ${facts.requestId} (attempt ${facts.attempt}) on chain ${facts.chainId}: ${facts.threshold}-of-${facts.members.length}, members' operator keys match their addresses (compare members, threshold and seed with DkgRequested on the registry)`,
    );
    const culprit = int(evidence.culprit);
    if (culprit < 1 || culprit > facts.members.length) fail(`culprit ${culprit} is not a member index`);
    const session: DkgSession = { requestId: facts.requestId, requestSeed: facts.requestSeed, attempt: facts.attempt };
    const signedBy = (what: string, w: unknown, member: number): Uint8Array => {
      const { wire, gossip } = signedWireOf(w);
      if (gossip === null) throw new NotProven(`the ${what} carries no gossip signature`);
      if (gossip.topic !== dkgTopic(facts.chainId, facts.requestId)) throw new NotProven(`the ${what} was published on another topic (${gossip.topic})`);
      if (!verifyGossipSignature(facts.operatorPublicKeys[member - 1]!, wire, gossip)) throw new NotProven(`the ${what} is not signed by member ${member} (${facts.members[member - 1]})`);
      checks.push(`the ${what} is signed by member ${member} (${facts.members[member - 1]}) on the request's topic`);
      return wire;
    };
    const sameSession = (what: string, m: { requestId: bigint; attempt: number }): void => {
      if (m.requestId !== facts.requestId || m.attempt !== facts.attempt) throw new NotProven(`the ${what} is of another request or attempt`);
    };

    if (evidence.kind === "DkgInvalidProof") {
      const r1 = decodeRound1(signedBy("round-1 message", evidence.round1, culprit));
      sameSession("round-1 message", r1);
      if (r1.sender !== culprit) throw new NotProven(`the round-1 message is member ${r1.sender}'s`);
      if (verifyRound1Message(r1, facts.threshold)) throw new NotProven("the round-1 message's commitment and proof of knowledge are valid");
      checks.push(`its commitment or proof of knowledge fails for a ${facts.threshold}-of-n DKG`);
      return { verdict: "proven", reason: "a round-1 message whose proof of knowledge fails", checks };
    }
    if (evidence.kind !== "DkgInvalidShare") fail(`unknown evidence kind ${JSON.stringify(evidence.kind)}`);
    const complaint = decodeComplaint(signedWireOf(evidence.complaint).wire);
    sameSession("complaint", complaint);
    const { accused, complainer } = complaint;
    if (accused > facts.members.length || complainer > facts.members.length) throw new NotProven("the complaint names a non-member");
    if (culprit !== accused && culprit !== complainer) throw new NotProven(`member ${culprit} is neither the complainer nor the accused`);
    // A complainer is accused of a false complaint only by a complaint it provably sent.
    if (culprit === complainer) signedBy("complaint", evidence.complaint, complainer);
    const senderRound1 = decodeRound1(signedBy("accused's round-1 message", evidence.round1, accused));
    const senderRound2 = decodeRound2(signedBy("accused's round-2 message", evidence.round2, accused));
    const keys = facts.operatorPublicKeys;
    const verdict = judgeComplaint({ session, complaint, senderRound1, senderRound2, complainerPublicKey: keys[complainer - 1]!, senderPublicKey: keys[accused - 1]! });
    const loser = verdict === "sender" ? accused : complainer;
    if (loser !== culprit) throw new NotProven(`the complaint of member ${complainer} against member ${accused} is judged against member ${loser}`);
    checks.push(
      verdict === "sender"
        ? `the revealed ECDH point holds (DLEQ proof), and the share it decrypts to member ${complainer} fails member ${accused}'s commitment`
        : `member ${complainer}'s complaint does not hold: a bad DLEQ proof, no share owed, or a share that verifies`,
    );
    return { verdict: "proven", reason: verdict === "sender" ? "a round-2 share that fails its sender's commitment" : "a false complaint", checks };
  } catch (e) {
    const reason = e instanceof NotProven ? e.message : `malformed evidence: ${(e as Error).message}`;
    return { verdict: "not_proven", reason, checks };
  }
}

function factsOf(e: Record<string, unknown>): DkgEvidenceFacts {
  const members = e.members;
  const keys = e.operatorPublicKeys;
  if (!Array.isArray(members) || !Array.isArray(keys) || members.length < 2 || keys.length !== members.length) fail("members and operatorPublicKeys must be two lists of one length");
  const operatorPublicKeys = (keys as unknown[]).map(bytes);
  (members as unknown[]).forEach((m, i) => {
    if (typeof m !== "string" || computeAddress(to0x(operatorPublicKeys[i]!)) !== getAddress(m)) fail(`operator key ${i + 1} is not member ${String(m)}'s`);
  });
  const requestSeed = bytes(e.requestSeed);
  if (requestSeed.length !== 32) fail("requestSeed must be 32 bytes");
  return {
    chainId: BigInt(String(e.chainId)),
    requestId: BigInt(String(e.requestId)),
    requestSeed,
    attempt: int(e.attempt),
    threshold: int(e.threshold),
    members: members as string[],
    operatorPublicKeys,
  };
}

function signedWireOf(v: unknown): SignedDkgWire {
  const o = v as { wire?: unknown; gossip?: { topic?: unknown; seqno?: unknown; signature?: unknown } | null } | undefined;
  if (o === undefined || o === null || typeof o !== "object") fail("a message is missing");
  const g = o!.gossip;
  const gossip = g === null || g === undefined ? null : { topic: typeof g.topic === "string" ? g.topic : fail("gossip topic must be text"), seqno: bytes(g.seqno), signature: bytes(g.signature) };
  return { wire: bytes(o!.wire), gossip };
}

function bytes(v: unknown): Uint8Array {
  if (typeof v !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(v)) fail(`expected 0x-hex, got ${JSON.stringify(v)?.slice(0, 24)}`);
  return fromHex((v as string).slice(2));
}

function int(v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(`expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function fail(message: string): never {
  throw new Error(message);
}
