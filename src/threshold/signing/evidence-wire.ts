// SigningInvalidShare evidence on the wallet's signing topic (threshold.md §5.2, §5.3). Only the
// coordinator aggregates, so only it learns that a share is invalid; every member must exclude the
// cheater from the next attempt too, or their `included` lists (and so the next coordinator) differ.
// The coordinator's node therefore publishes the evidence. It needs no envelope signature of its own:
// the package inside is signed by the coordinator and the shares by the accused, and every receiver
// checks it offline (verifySigningEvidence) before acting on it.
//
// Wire: 0xE1 ‖ sessionId(32) ‖ u8 member ‖ u8 digestIndex ‖ verifyingShare(33) ‖ u32 len ‖ package wire
// ‖ u32 len ‖ shares wire, nothing after. Like every signing message, byte 0 is the kind and bytes
// 1…32 the session id, so the shell routes both kinds the same way (`topicMessageHeader`).
import { bytesEqual } from "../../util/hex.js";
import type { SigningInvalidShareEvidence } from "./evidence.js";
import { ByteReader, ByteWriter, SigningDecodeError } from "./signing-codec.js";

export const EVIDENCE_KIND_BYTE = 0xe1;
/** Kind bytes of signing-messages.ts (commitments, package, shares, signatures). */
const SIGNING_KIND_BYTES: ReadonlySet<number> = new Set([1, 2, 3, 4]);
const POINT_BYTES = 33;

export interface EvidenceWire {
  readonly sessionId: Uint8Array;
  readonly evidence: SigningInvalidShareEvidence;
}

export function encodeEvidenceWire(sessionId: Uint8Array, e: SigningInvalidShareEvidence): Uint8Array {
  return new ByteWriter()
    .u8(EVIDENCE_KIND_BYTE)
    .fixed(sessionId, 32, "session id")
    .u8(e.member)
    .u8(e.digestIndex)
    .fixed(e.verifyingShare, POINT_BYTES, "verifying share")
    .u32(e.packageWire.length)
    .fixed(e.packageWire, e.packageWire.length, "package wire")
    .u32(e.sharesWire.length)
    .fixed(e.sharesWire, e.sharesWire.length, "shares wire")
    .bytes();
}

/** Strict decode; throws SigningDecodeError only. Whether the evidence is true is verifySigningEvidence's business. */
export function decodeEvidenceWire(wire: Uint8Array): EvidenceWire {
  const r = new ByteReader(wire);
  if (r.u8("kind") !== EVIDENCE_KIND_BYTE) throw new SigningDecodeError("not an evidence message");
  const sessionId = r.take(32, "session id");
  const member = r.u8("member");
  if (member < 1) throw new SigningDecodeError("member index 0");
  const digestIndex = r.u8("digest index");
  const verifyingShare = r.take(POINT_BYTES, "verifying share");
  const packageWire = r.take(r.u32("package length"), "package wire");
  const sharesWire = r.take(r.u32("shares length"), "shares wire");
  r.end();
  // The package must be of the session the evidence is routed to (its bytes 1…32 are its session id).
  if (packageWire.length < 33 || !bytesEqual(packageWire.subarray(1, 33), sessionId)) throw new SigningDecodeError("evidence package of another session");
  return { sessionId, evidence: { kind: "SigningInvalidShare", member, digestIndex, packageWire, sharesWire, verifyingShare } };
}

/** Kind byte and session id of a signing-topic message, or undefined when it cannot be one. */
export function topicMessageHeader(wire: Uint8Array): { readonly kind: "signing" | "evidence"; readonly sessionId: Uint8Array } | undefined {
  if (wire.length < 33) return undefined;
  const kind = wire[0] === EVIDENCE_KIND_BYTE ? "evidence" : SIGNING_KIND_BYTES.has(wire[0]) ? "signing" : undefined;
  return kind === undefined ? undefined : { kind, sessionId: wire.slice(1, 33) };
}
