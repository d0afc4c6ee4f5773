// Coordination message codec: canonical encoding and strict decoding (coordination.md §7.1, §7.2).
// Decoding never throws: every input yields a message or one MalformedReason.
import { ActionType, MAX_ACTION_TYPE, MAX_MESSAGE_BYTES } from "./constants.js";
import type {
  CoordinationMessage,
  DecodeResult,
  MalformedReason,
  UnsignedCoordinationMessage,
} from "./message.js";
import { bytesEqual } from "../util/hex.js";
import * as gen from "./gen/coordination.js";

// ---- Raw protobuf field scanner (shared with payloads.ts) -------------------------------------

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export interface RawField {
  num: number;
  wireType: number;
  /** Set for WIRE_VARINT. */
  varint?: bigint;
  /** Set for WIRE_LEN (a view into the input). */
  bytes?: Uint8Array;
}

/** Allowed wire types per field number; a number missing here is an unknown field. */
export type FieldSchema = Readonly<Record<number, readonly number[]>>;

export type ScanResult = { ok: true; fields: RawField[] } | { ok: false; reason: "decode_error" | "unknown_field" };

const MAX_U64 = (1n << 64n) - 1n;

/** Reads one varint of at most 10 bytes whose value fits 64 bits; null on truncation or overflow. */
function readVarint(buf: Uint8Array, pos: number): { value: bigint; pos: number } | null {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) return null;
    const b = buf[pos++];
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return value > MAX_U64 ? null : { value, pos };
    shift += 7n;
  }
  return null;
}

/**
 * Walks one message level. Structural damage (truncation, bad varint, group or bad wire type,
 * field number 0) is `decode_error`; a well-formed field with a number outside the schema is
 * `unknown_field`; a known number with the wrong wire type is `decode_error`.
 */
export function scanFields(buf: Uint8Array, schema: FieldSchema): ScanResult {
  const fields: RawField[] = [];
  let unknown = false;
  let pos = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    if (tag === null || tag.value > 0xffffffffn) return { ok: false, reason: "decode_error" };
    pos = tag.pos;
    const num = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (num === 0) return { ok: false, reason: "decode_error" };
    const field: RawField = { num, wireType };
    switch (wireType) {
      case WIRE_VARINT: {
        const v = readVarint(buf, pos);
        if (v === null) return { ok: false, reason: "decode_error" };
        field.varint = v.value;
        pos = v.pos;
        break;
      }
      case WIRE_FIXED64:
        if (pos + 8 > buf.length) return { ok: false, reason: "decode_error" };
        pos += 8;
        break;
      case WIRE_FIXED32:
        if (pos + 4 > buf.length) return { ok: false, reason: "decode_error" };
        pos += 4;
        break;
      case WIRE_LEN: {
        const len = readVarint(buf, pos);
        if (len === null || len.value > BigInt(buf.length - len.pos)) return { ok: false, reason: "decode_error" };
        const end = len.pos + Number(len.value);
        field.bytes = buf.subarray(len.pos, end);
        pos = end;
        break;
      }
      default:
        return { ok: false, reason: "decode_error" }; // groups (3, 4) and 6, 7
    }
    const allowed = schema[num];
    if (allowed === undefined) unknown = true;
    else if (!allowed.includes(wireType)) return { ok: false, reason: "decode_error" };
    fields.push(field);
  }
  // Reported after the whole level parsed, so damaged input is always decode_error.
  if (unknown) return { ok: false, reason: "unknown_field" };
  return { ok: true, fields };
}

/** The last occurrence wins, as in protobuf; duplicates are rejected later by the canonical check. */
export function lastField(fields: RawField[], num: number): RawField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i].num === num) return fields[i];
  return undefined;
}

/** uint32 fields keep the low 32 bits of the varint, as protobuf parsers do. */
export function varintU32(f: RawField | undefined): number {
  return f?.varint === undefined ? 0 : Number(BigInt.asUintN(32, f.varint));
}

export function varintU64(f: RawField | undefined): bigint {
  return f?.varint ?? 0n;
}

export function bytesOf(f: RawField | undefined): Uint8Array {
  return f?.bytes ?? new Uint8Array(0);
}

// ---- Coordination message --------------------------------------------------------------------

const MESSAGE_SCHEMA: FieldSchema = {
  1: [WIRE_VARINT],
  2: [WIRE_VARINT],
  3: [WIRE_LEN],
  4: [WIRE_VARINT],
  5: [WIRE_LEN],
  6: [WIRE_LEN],
  7: [WIRE_VARINT],
  8: [WIRE_LEN],
  9: [WIRE_LEN],
};
const PROPOSAL_SCHEMA: FieldSchema = { 1: [WIRE_VARINT], 2: [WIRE_LEN] };

export const MALFORMED_REASONS: readonly MalformedReason[] = [
  "oversize",
  "decode_error",
  "unknown_field",
  "missing_proposal",
  "bad_length",
  "bad_action_type",
  "bad_seat",
  "non_canonical",
];

const u8 = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

function toGen(msg: UnsignedCoordinationMessage, signature?: Uint8Array): gen.CoordinationMessage {
  return {
    protocolVersion: msg.protocolVersion,
    chainId: msg.chainId,
    profileHash: u8(msg.profileHash),
    coordinationBlock: BigInt(msg.coordinationBlock),
    walletPubKeyHash: u8(msg.walletPubKeyHash),
    sender: u8(msg.sender),
    senderSeat: msg.senderSeat,
    proposal: { actionType: msg.proposal.actionType, payload: u8(msg.proposal.payload) },
    signature: u8(signature ?? new Uint8Array(0)),
  };
}

function checkEncodable(msg: UnsignedCoordinationMessage): void {
  const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (!u32(msg.protocolVersion)) throw new Error(`protocolVersion out of range: ${msg.protocolVersion}`);
  if (msg.chainId < 0n || msg.chainId > MAX_U64) throw new Error(`chainId out of uint64 range: ${msg.chainId}`);
  if (!Number.isSafeInteger(msg.coordinationBlock) || msg.coordinationBlock < 0) {
    throw new Error(`coordinationBlock out of range: ${msg.coordinationBlock}`);
  }
  if (msg.profileHash.length !== 32) throw new Error(`profileHash must be 32 bytes, got ${msg.profileHash.length}`);
  if (msg.walletPubKeyHash.length !== 20) throw new Error(`walletPubKeyHash must be 20 bytes, got ${msg.walletPubKeyHash.length}`);
  if (msg.sender.length !== 20) throw new Error(`sender must be 20 bytes, got ${msg.sender.length}`);
  if (!u32(msg.senderSeat) || msg.senderSeat === 0) throw new Error(`senderSeat must be 1..2^32-1, got ${msg.senderSeat}`);
  const t = msg.proposal.actionType;
  if (!Number.isInteger(t) || t < ActionType.Noop || t > MAX_ACTION_TYPE) throw new Error(`actionType out of range: ${t}`);
}

/** Canonical bytes of all fields except the signature (field 9 absent). */
export function encodeUnsigned(msg: UnsignedCoordinationMessage): Uint8Array {
  checkEncodable(msg);
  return gen.CoordinationMessage.encode(toGen(msg));
}

/** Canonical wire bytes. Throws on a message that the strict decoder would reject. */
export function encodeCoordinationMessage(msg: CoordinationMessage): Uint8Array {
  checkEncodable(msg);
  if (msg.signature.length !== 65) throw new Error(`signature must be 65 bytes, got ${msg.signature.length}`);
  return gen.CoordinationMessage.encode(toGen(msg, msg.signature));
}

function decodeStrict(bytes: Uint8Array): DecodeResult {
  if (bytes.length > MAX_MESSAGE_BYTES) return { ok: false, reason: "oversize" };
  const top = scanFields(bytes, MESSAGE_SCHEMA);
  if (!top.ok) return top;
  const proposalField = lastField(top.fields, 8);
  const nested = proposalField === undefined ? undefined : scanFields(bytesOf(proposalField), PROPOSAL_SCHEMA);
  if (nested !== undefined && !nested.ok) return nested;
  if (nested === undefined) return { ok: false, reason: "missing_proposal" };

  const f = top.fields;
  const coordinationBlock = varintU64(lastField(f, 4));
  // A JS number must hold W exactly.
  if (coordinationBlock > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: "decode_error" };
  const actionType = varintU32(lastField(nested.fields, 1));
  // Copies, so the result never aliases the caller's buffer.
  const message: CoordinationMessage = {
    protocolVersion: varintU32(lastField(f, 1)),
    chainId: varintU64(lastField(f, 2)),
    profileHash: bytesOf(lastField(f, 3)).slice(),
    coordinationBlock: Number(coordinationBlock),
    walletPubKeyHash: bytesOf(lastField(f, 5)).slice(),
    sender: bytesOf(lastField(f, 6)).slice(),
    senderSeat: varintU32(lastField(f, 7)),
    proposal: { actionType: actionType as ActionType, payload: bytesOf(lastField(nested.fields, 2)).slice() },
    signature: bytesOf(lastField(f, 9)).slice(),
  };
  if (
    message.profileHash.length !== 32 ||
    message.walletPubKeyHash.length !== 20 ||
    message.sender.length !== 20 ||
    message.signature.length !== 65
  ) {
    return { ok: false, reason: "bad_length" };
  }
  if (actionType > MAX_ACTION_TYPE) return { ok: false, reason: "bad_action_type" };
  if (message.senderSeat === 0) return { ok: false, reason: "bad_seat" };
  // Duplicates, field order, explicit defaults, over-long varints and trailing bytes all show up here.
  const again = gen.CoordinationMessage.encode(toGen(message, message.signature));
  if (!bytesEqual(again, bytes)) return { ok: false, reason: "non_canonical" };
  return { ok: true, message };
}

/** Strict canonical decoding (§7.2). Never throws. */
export function decodeCoordinationMessage(bytes: Uint8Array): DecodeResult {
  try {
    if (!(bytes instanceof Uint8Array)) return { ok: false, reason: "decode_error" };
    return decodeStrict(bytes);
  } catch {
    return { ok: false, reason: "decode_error" };
  }
}
