// Complaints about round-2 shares (threshold.md §3.2, §5.3 `DkgInvalidShare`): a recipient whose share
// does not decrypt, or decrypts to a share that fails against the sender's round-1 commitment, reveals
// the pair's ECDH point with a DLEQ proof that it is the real one. Anyone can then decrypt that one
// ciphertext and see who lied, offline, from public data only.
//
// What revealing the point costs: it is the static secret of the pair (operator keys), so every
// ciphertext between these two operators becomes readable by all. Each of the two could already read
// them and publish them, so nothing leaks that one of them did not already hold; the honest side of a
// proven fault simply stops trusting the other.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { concatBytes } from "../../util/hex.js";
import { frostIdentifier } from "../dev-wallet.js";
import type { DkgComplaint, DkgRound1Message, DkgRound2Message } from "./dkg-messages.js";
import { pairContext, type DkgSession } from "./dkg-session.js";
import { proveDleq, verifyDleq } from "./dleq-proof.js";
import { decryptShareWithEcdh } from "./share-encryption.js";

/** What a complaint's proof is bound to: the request seed and the pair's context (no replay elsewhere). */
function proofContext(session: DkgSession, accused: number, complainer: number): Uint8Array {
  return concatBytes(session.requestSeed, pairContext(session, accused, complainer));
}

/** Who a judged complaint proves at fault. */
export type ComplaintVerdict = "sender" | "complainer";

/** The complaint of `complainer` (holding `complainerOperatorKey`) against the share `accused` sent it. */
export function makeComplaint(
  session: DkgSession,
  complainer: number,
  accused: number,
  complainerOperatorKey: Uint8Array,
  accusedPublicKey: Uint8Array,
): DkgComplaint {
  const { point, proof } = proveDleq(complainerOperatorKey, accusedPublicKey, proofContext(session, accused, complainer));
  return { requestId: session.requestId, attempt: session.attempt, complainer, accused, ecdhPoint: point, proof };
}

/**
 * Whether the share `signingShare` (32 bytes) for `recipient` is consistent with the sender's round-1
 * commitment: the library's RFC 9591 `vss_verify` (`validateSecret` against that one commitment). Never throws.
 */
export function shareMatchesCommitment(signingShare: Uint8Array, recipient: number, commitment: readonly Uint8Array[]): boolean {
  try {
    const t = commitment.length;
    schnorr_FROST.validateSecret(
      { identifier: frostIdentifier(recipient), signingShare },
      { signers: { min: t, max: t }, commitments: commitment.map((c) => c.slice()), verifyingShares: {} },
    );
    return true;
  } catch {
    return false;
  }
}

export interface ComplaintEvidence {
  readonly session: DkgSession;
  readonly complaint: DkgComplaint;
  /** The accused's round-1 message of this attempt (its commitment). */
  readonly senderRound1: DkgRound1Message;
  /** The accused's round-2 message of this attempt (the ciphertext addressed to the complainer). */
  readonly senderRound2: DkgRound2Message;
  /** Operator public keys (33 bytes, compressed). */
  readonly complainerPublicKey: Uint8Array;
  readonly senderPublicKey: Uint8Array;
}

/**
 * Judges a complaint from public data: `"sender"` when the proof holds and the revealed key shows the
 * share to the complainer either does not decrypt or fails the sender's commitment; `"complainer"` when
 * the proof does not hold, the complainer is not a recipient of the message, or the share verifies. Throws only when the evidence does
 * not belong to the complaint (a caller error: wrong request, attempt or member).
 */
export function judgeComplaint(e: ComplaintEvidence): ComplaintVerdict {
  const { session, complaint: c, senderRound1: r1, senderRound2: r2 } = e;
  for (const [what, m] of [["complaint", c], ["round 1", r1], ["round 2", r2]] as const) {
    if (m.requestId !== session.requestId || m.attempt !== session.attempt) throw new Error(`${what} is of another request or attempt`);
  }
  if (r1.sender !== c.accused || r2.sender !== c.accused) throw new Error(`evidence is not from the accused member ${c.accused}`);

  const context = proofContext(session, c.accused, c.complainer);
  if (!verifyDleq(e.complainerPublicKey, e.senderPublicKey, c.ecdhPoint, c.proof, context)) return "complainer";
  // A round-2 message counts only when addressed to exactly the other included members (the engine
  // ignores any other), so no entry means the complainer was owed no share.
  const entry = r2.shares.find((s) => s.recipient === c.complainer);
  if (entry === undefined) return "complainer";
  const pair = { session, sender: c.accused, recipient: c.complainer, senderCommitment: r1.commitment[0] };
  const share = decryptShareWithEcdh(entry.ciphertext, c.ecdhPoint, pair);
  if (share === null) return "sender";
  return shareMatchesCommitment(share, c.complainer, r1.commitment) ? "complainer" : "sender";
}
