// The check of one member's round-1 broadcast, usable by the engine when the message arrives and by
// anyone offline as the evidence check of a `DkgInvalidProof` fault (threshold.md §5.3).
//
// The library checks proofs of knowledge only inside `DKG.round2`, for all senders at once (it needs
// exactly max−1 packages), and its error names nobody; a per-sender check is not exported. So this is
// the smallest piece on top of the library's exported Point, scalar field and hasher (threshold.md §1),
// the same equation as the library's `ProofOfKnowledge.validate` for the Taproot suite:
//   c = hash_to_scalar(DST = "FROST-secp256k1-SHA256-TR-v1dkg", SerializeScalar(id) ‖ φ₀ ‖ R), R = z·G − c·φ₀
// where the 64-byte proof is x(R) ‖ z (the suite's encoding drops R's 0x02 prefix). The test
// test/unit/dkg-round1-check.test.ts compares it with the library's own round 2 on valid and mutated
// packages; the library's round 2 still re-checks every package before any share leaves the node.
import { secp256k1, secp256k1_hasher } from "@noble/curves/secp256k1.js";
import type { DKG_Round1 } from "@noble/curves/abstract/frost.js";
import { concatBytes } from "../../util/hex.js";
import { frostIdentifier } from "../dev-wallet.js";
import type { DkgRound1Message } from "./dkg-messages.js";

const Point = secp256k1.Point;
const Fn = Point.Fn;
const POK_DST = new TextEncoder().encode("FROST-secp256k1-SHA256-TR-v1dkg");

/** The library's round-1 public package of a message (the FROST identifier of member `i` is `i`). */
export function round1Package(m: DkgRound1Message): DKG_Round1 {
  return { identifier: frostIdentifier(m.sender), commitment: m.commitment.map((c) => c.slice()), proofOfKnowledge: m.proofOfKnowledge.slice() };
}

function validPoint(bytes: Uint8Array): InstanceType<typeof Point> {
  const p = Point.fromBytes(bytes);
  p.assertValidity();
  if (p.is0()) throw new Error("identity point");
  return p;
}

/**
 * Whether `m` is a valid round-1 package for a `threshold`-of-n DKG: `threshold` commitment points, each
 * a valid non-identity point, and a proof of knowledge of the secret behind `commitment[0]` bound to the
 * sender's identifier. Context fields (request, attempt, membership) are the caller's to compare. Never throws.
 */
export function verifyRound1Message(m: DkgRound1Message, threshold: number): boolean {
  try {
    if (!Number.isInteger(threshold) || threshold < 2 || threshold > 255) return false;
    if (!Number.isInteger(m.sender) || m.sender < 1 || m.sender > 255) return false;
    if (m.commitment.length !== threshold || m.proofOfKnowledge.length !== 64) return false;
    const points = m.commitment.map(validPoint);
    const R = validPoint(concatBytes(Uint8Array.of(0x02), m.proofOfKnowledge.subarray(0, 32)));
    const z = Fn.fromBytes(m.proofOfKnowledge.subarray(32));
    const c = secp256k1_hasher.hashToScalar(concatBytes(Fn.toBytes(BigInt(m.sender)), points[0].toBytes(), R.toBytes()), { DST: POK_DST });
    // Public inputs only: variable-time multiplication is fine.
    return R.equals(Point.BASE.multiplyUnsafe(z).subtract(points[0].multiplyUnsafe(c)));
  } catch {
    return false;
  }
}
