// The four DKG messages of threshold.md §3.2 and their one canonical binary form each: a kind byte, then
// fixed fields in a fixed order, counts as u8 (so ≤ 255 members), exact lengths, no trailing bytes.
// The transport (a later change) signs these bytes with the operator key; this file never sees keys.
//
//   round 1:   0x01 ‖ requestId u256 ‖ attempt u32 ‖ sender u8 ‖ t u8 ‖ t × commitment(33) ‖ proofOfKnowledge(64)
//   round 2:   0x02 ‖ requestId u256 ‖ attempt u32 ‖ sender u8 ‖ k u8 ‖ k × (recipient u8 ‖ ciphertext(48))
//   complaint: 0x03 ‖ requestId u256 ‖ attempt u32 ‖ complainer u8 ‖ accused u8 ‖ ecdhPoint(33) ‖ dleqProof(64)
//   result:    0x04 ‖ requestId u256 ‖ attempt u32 ‖ signer u8 ‖ walletX(32) ‖ e u8 ‖ e × excluded u8 ‖ signature(65)
//
// Member indices are 1-based; recipient and excluded lists strictly ascending. Decoding checks structure
// only: whether points are on the curve, proofs hold and indices are members is the engine's business.
import { ByteReader, ByteWriter } from "./dkg-wire.js";
import { SHARE_CIPHERTEXT_BYTES } from "./share-encryption.js";

export { DkgDecodeError } from "./dkg-wire.js";

export const COMMITMENT_POINT_BYTES = 33;
export const PROOF_OF_KNOWLEDGE_BYTES = 64;
export const DLEQ_PROOF_BYTES = 64;
export const RESULT_SIGNATURE_BYTES = 65;

export enum DkgMessageKind {
  Round1 = 0x01,
  Round2 = 0x02,
  Complaint = 0x03,
  ResultSignature = 0x04,
}

interface DkgMessageHead {
  readonly requestId: bigint;
  readonly attempt: number;
}

/** The broadcast of round 1: the library's round-1 public package (VSS commitment + proof of knowledge). */
export interface DkgRound1Message extends DkgMessageHead {
  readonly sender: number;
  /** `t` compressed points; `commitment[0]` commits to the sender's secret. */
  readonly commitment: readonly Uint8Array[];
  readonly proofOfKnowledge: Uint8Array;
}

export interface EncryptedShare {
  readonly recipient: number;
  /** share-encryption.ts: 48 bytes. */
  readonly ciphertext: Uint8Array;
}

/** One message per sender in round 2: every other included member's share, encrypted to it. */
export interface DkgRound2Message extends DkgMessageHead {
  readonly sender: number;
  /** Ascending by recipient. */
  readonly shares: readonly EncryptedShare[];
}

/** A recipient's accusation of the sender of a share that fails (complaint.ts). */
export interface DkgComplaint extends DkgMessageHead {
  readonly complainer: number;
  readonly accused: number;
  /** The pair's ECDH point, compressed (33 bytes). */
  readonly ecdhPoint: Uint8Array;
  /** Chaum–Pedersen proof `c ‖ s` that the point is the complainer's key times the accused's key. */
  readonly proof: Uint8Array;
}

/** A member's signature of the registry's DKG-result digest (threshold.md §3.1), broadcast after round 3. */
export interface DkgResultSignatureMessage extends DkgMessageHead {
  readonly signer: number;
  readonly walletX: Uint8Array;
  /** Ascending member indices. */
  readonly excluded: readonly number[];
  /** 65-byte EIP-191 signature `r ‖ s ‖ v`. */
  readonly signature: Uint8Array;
}

function head(kind: DkgMessageKind, m: DkgMessageHead): ByteWriter {
  return new ByteWriter().u8(kind).uint256(m.requestId).u32(m.attempt);
}

function readHead(r: ByteReader, kind: DkgMessageKind): DkgMessageHead {
  const k = r.u8("kind");
  if (k !== kind) r.fail(`kind 0x${k.toString(16).padStart(2, "0")}, expected 0x0${kind}`);
  return { requestId: r.uint256("requestId"), attempt: r.u32("attempt") };
}

function checkIndex(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1 || v > 255) throw new RangeError(`${what}: member index ${v} out of 1…255`);
}

function checkAscending(indices: readonly number[], what: string): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 1 || v > 255) throw new RangeError(`${what}: member index ${v} out of 1…255`);
    if (i > 0 && v <= indices[i - 1]) throw new RangeError(`${what}: indices not strictly ascending`);
  }
}

export function encodeRound1(m: DkgRound1Message): Uint8Array {
  const t = m.commitment.length;
  if (t < 2 || t > 255) throw new RangeError(`round 1: commitment count ${t} out of 2…255`);
  checkIndex(m.sender, "round 1 sender");
  const w = head(DkgMessageKind.Round1, m).u8(m.sender).u8(t);
  for (const c of m.commitment) w.fixed(c, COMMITMENT_POINT_BYTES, "commitment point");
  return w.fixed(m.proofOfKnowledge, PROOF_OF_KNOWLEDGE_BYTES, "proof of knowledge").bytes();
}

export function decodeRound1(bytes: Uint8Array): DkgRound1Message {
  const r = new ByteReader(bytes, "DKG round 1");
  const h = readHead(r, DkgMessageKind.Round1);
  const sender = r.memberIndex("sender");
  const t = r.u8("commitment count");
  if (t < 2) r.fail(`commitment count ${t} below 2`);
  const commitment = Array.from({ length: t }, () => r.fixed(COMMITMENT_POINT_BYTES, "commitment point"));
  const proofOfKnowledge = r.fixed(PROOF_OF_KNOWLEDGE_BYTES, "proof of knowledge");
  r.end();
  return { ...h, sender, commitment, proofOfKnowledge };
}

export function encodeRound2(m: DkgRound2Message): Uint8Array {
  const k = m.shares.length;
  if (k < 1 || k > 255) throw new RangeError(`round 2: share count ${k} out of 1…255`);
  checkIndex(m.sender, "round 2 sender");
  checkAscending(m.shares.map((s) => s.recipient), "round 2 recipients");
  if (m.shares.some((s) => s.recipient === m.sender)) throw new RangeError("round 2: a share addressed to its own sender");
  const w = head(DkgMessageKind.Round2, m).u8(m.sender).u8(k);
  for (const s of m.shares) w.u8(s.recipient).fixed(s.ciphertext, SHARE_CIPHERTEXT_BYTES, "share ciphertext");
  return w.bytes();
}

export function decodeRound2(bytes: Uint8Array): DkgRound2Message {
  const r = new ByteReader(bytes, "DKG round 2");
  const h = readHead(r, DkgMessageKind.Round2);
  const sender = r.memberIndex("sender");
  const k = r.u8("share count");
  if (k < 1) r.fail("no shares");
  const shares: EncryptedShare[] = [];
  for (let i = 0; i < k; i++) {
    const recipient = r.memberIndex("recipient");
    if (shares.length > 0 && recipient <= shares[shares.length - 1].recipient) r.fail("recipients not strictly ascending");
    if (recipient === sender) r.fail("a share addressed to its own sender");
    shares.push({ recipient, ciphertext: r.fixed(SHARE_CIPHERTEXT_BYTES, "share ciphertext") });
  }
  r.end();
  return { ...h, sender, shares };
}

export function encodeComplaint(m: DkgComplaint): Uint8Array {
  checkIndex(m.complainer, "complainer");
  checkIndex(m.accused, "accused");
  if (m.complainer === m.accused) throw new RangeError("complaint: complainer and accused are the same member");
  return head(DkgMessageKind.Complaint, m)
    .u8(m.complainer)
    .u8(m.accused)
    .fixed(m.ecdhPoint, 33, "ECDH point")
    .fixed(m.proof, DLEQ_PROOF_BYTES, "DLEQ proof")
    .bytes();
}

export function decodeComplaint(bytes: Uint8Array): DkgComplaint {
  const r = new ByteReader(bytes, "DKG complaint");
  const h = readHead(r, DkgMessageKind.Complaint);
  const complainer = r.memberIndex("complainer");
  const accused = r.memberIndex("accused");
  if (accused === complainer) r.fail("complainer accuses itself");
  const ecdhPoint = r.fixed(33, "ECDH point");
  const proof = r.fixed(DLEQ_PROOF_BYTES, "DLEQ proof");
  r.end();
  return { ...h, complainer, accused, ecdhPoint, proof };
}

export function encodeResultSignature(m: DkgResultSignatureMessage): Uint8Array {
  checkIndex(m.signer, "result signer");
  checkAscending(m.excluded, "result excluded");
  if (m.excluded.includes(m.signer)) throw new RangeError("result: the signer is in its own excluded list");
  const w = head(DkgMessageKind.ResultSignature, m).u8(m.signer).fixed(m.walletX, 32, "walletX").u8(m.excluded.length);
  for (const e of m.excluded) w.u8(e);
  return w.fixed(m.signature, RESULT_SIGNATURE_BYTES, "result signature").bytes();
}

export function decodeResultSignature(bytes: Uint8Array): DkgResultSignatureMessage {
  const r = new ByteReader(bytes, "DKG result signature");
  const h = readHead(r, DkgMessageKind.ResultSignature);
  const signer = r.memberIndex("signer");
  const walletX = r.fixed(32, "walletX");
  const excluded = r.ascendingIndices(r.u8("excluded count"), "excluded");
  if (excluded.includes(signer)) r.fail("the signer is in its own excluded list");
  const signature = r.fixed(RESULT_SIGNATURE_BYTES, "result signature");
  r.end();
  return { ...h, signer, walletX, excluded, signature };
}
