// Proposal payload codecs (coordination.md §7.3): canonical encoding, strict decoding with limits.
// decodePayload never throws; a malformed payload from the leader becomes InvalidProposal upstream.
import { ActionType } from "./constants.js";
import { bytesEqual, concatBytes } from "../util/hex.js";
import {
  bytesOf,
  lastField,
  scanFields,
  varintU32,
  WIRE_LEN,
  WIRE_VARINT,
  type FieldSchema,
  type RawField,
} from "./codec.js";
import * as gen from "./gen/coordination.js";

export const HEARTBEAT_MESSAGE_BYTES = 16;
export const MAX_DEPOSIT_SWEEP_KEYS = 20;
export const MAX_REDEMPTION_SCRIPTS = 20;
export const MAX_REDEMPTION_SCRIPT_BYTES = 34;
export const MAX_MOVING_FUNDS_TARGETS = 100;
export const MAX_FEE_BYTES = 32;

export type NoopPayload = Record<string, never>;
export interface HeartbeatPayload {
  message: Uint8Array;
}
export interface DepositKeyPayload {
  /** 32 bytes, internal byte order. */
  fundingTxHash: Uint8Array;
  fundingOutputIndex: number;
}
export interface DepositSweepPayload {
  depositsKeys: DepositKeyPayload[];
  sweepTxFee: bigint;
  depositsRevealBlocks: number[];
}
export interface RedemptionPayload {
  /** Raw scripts, no CompactSize prefix. */
  redeemersOutputScripts: Uint8Array[];
  redemptionTxFee: bigint;
}
export interface MovingFundsPayload {
  targetWallets: Uint8Array[];
  movingFundsTxFee: bigint;
}
export interface MovedFundsSweepPayload {
  /** 32 bytes, internal byte order. */
  movingFundsTxHash: Uint8Array;
  movingFundsTxOutputIndex: number;
  sweepTxFee: bigint;
}

export interface PayloadMap {
  [ActionType.Noop]: NoopPayload;
  [ActionType.Heartbeat]: HeartbeatPayload;
  [ActionType.DepositSweep]: DepositSweepPayload;
  [ActionType.Redemption]: RedemptionPayload;
  [ActionType.MovingFunds]: MovingFundsPayload;
  [ActionType.MovedFundsSweep]: MovedFundsSweepPayload;
}
export type PayloadOf<T extends ActionType> = PayloadMap[T];
export type ProposalPayload = PayloadMap[ActionType];

/** Every reason decodePayload can return. */
export const PAYLOAD_DECODE_REASONS = [
  "bad_action_type", // not 0..5
  "unexpected_payload", // Noop with a non-empty payload
  "decode_error", // truncated, bad varint, wrong wire type, value out of range
  "unknown_field",
  "bad_length", // a fixed-length or bounded-length byte field
  "bad_count", // a count limit, or reveal-block count != key count
  "bad_fee", // fee not minimal or longer than 32 bytes
  "non_canonical", // re-encoding differs
] as const;
export type PayloadDecodeReason = (typeof PAYLOAD_DECODE_REASONS)[number];

export type DecodePayloadResult<P> = { ok: true; payload: P } | { ok: false; reason: PayloadDecodeReason };

// ---- Fees ------------------------------------------------------------------------------------

/** Minimal unsigned big-endian bytes; zero is empty. Throws for negative or > 32-byte values. */
export function feeToBytes(fee: bigint): Uint8Array {
  if (fee < 0n) throw new Error(`fee must not be negative: ${fee}`);
  if (fee >= 1n << 256n) throw new Error(`fee does not fit 32 bytes: ${fee}`);
  if (fee === 0n) return new Uint8Array(0);
  let hex = fee.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Inverse of feeToBytes; throws unless the bytes are minimal and at most 32 long. */
export function feeFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length > MAX_FEE_BYTES) throw new Error(`fee longer than ${MAX_FEE_BYTES} bytes`);
  if (bytes.length > 0 && bytes[0] === 0) throw new Error("fee is not minimal (leading zero byte)");
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function isMinimalFee(bytes: Uint8Array): boolean {
  return bytes.length <= MAX_FEE_BYTES && (bytes.length === 0 || bytes[0] !== 0);
}

// ---- Encoding --------------------------------------------------------------------------------

const u8 = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

function writeVarint(v: bigint, out: number[]): void {
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function requireU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${name} must be a uint32, got ${v}`);
}

function requireLen(name: string, b: Uint8Array, len: number): void {
  if (!(b instanceof Uint8Array) || b.length !== len) throw new Error(`${name} must be ${len} bytes`);
}

function requireCount(name: string, n: number, max: number): void {
  if (n < 1 || n > max) throw new Error(`${name} must have 1..${max} entries, got ${n}`);
}

function encodeDepositSweep(p: DepositSweepPayload): Uint8Array {
  requireCount("depositsKeys", p.depositsKeys.length, MAX_DEPOSIT_SWEEP_KEYS);
  if (p.depositsRevealBlocks.length !== p.depositsKeys.length) {
    throw new Error("depositsRevealBlocks must have as many entries as depositsKeys");
  }
  for (const k of p.depositsKeys) {
    requireLen("fundingTxHash", k.fundingTxHash, 32);
    requireU32("fundingOutputIndex", k.fundingOutputIndex);
  }
  const head = gen.DepositSweepProposal.encode({
    depositsKeys: p.depositsKeys.map((k) => ({ fundingTxHash: u8(k.fundingTxHash), fundingOutputIndex: k.fundingOutputIndex })),
    sweepTxFee: u8(feeToBytes(p.sweepTxFee)),
  });
  // protons writes repeated scalars unpacked; proto3 (and keep-core) pack them: field 3, wire type 2.
  const packed: number[] = [];
  for (const b of p.depositsRevealBlocks) {
    if (!Number.isSafeInteger(b) || b < 0) throw new Error(`reveal block out of range: ${b}`);
    writeVarint(BigInt(b), packed);
  }
  const prefix: number[] = [0x1a];
  writeVarint(BigInt(packed.length), prefix);
  return concatBytes(head, Uint8Array.from(prefix), Uint8Array.from(packed));
}

function encodeAny(actionType: ActionType, payload: ProposalPayload): Uint8Array {
  switch (actionType) {
    case ActionType.Noop:
      return new Uint8Array(0);
    case ActionType.Heartbeat: {
      const p = payload as HeartbeatPayload;
      requireLen("message", p.message, HEARTBEAT_MESSAGE_BYTES);
      return gen.HeartbeatProposal.encode({ message: u8(p.message) });
    }
    case ActionType.DepositSweep:
      return encodeDepositSweep(payload as DepositSweepPayload);
    case ActionType.Redemption: {
      const p = payload as RedemptionPayload;
      requireCount("redeemersOutputScripts", p.redeemersOutputScripts.length, MAX_REDEMPTION_SCRIPTS);
      for (const s of p.redeemersOutputScripts) {
        if (s.length < 1 || s.length > MAX_REDEMPTION_SCRIPT_BYTES) {
          throw new Error(`redeemer output script must be 1..${MAX_REDEMPTION_SCRIPT_BYTES} bytes, got ${s.length}`);
        }
      }
      return gen.RedemptionProposal.encode({
        redeemersOutputScripts: p.redeemersOutputScripts.map(u8),
        redemptionTxFee: u8(feeToBytes(p.redemptionTxFee)),
      });
    }
    case ActionType.MovingFunds: {
      const p = payload as MovingFundsPayload;
      requireCount("targetWallets", p.targetWallets.length, MAX_MOVING_FUNDS_TARGETS);
      for (const t of p.targetWallets) requireLen("target wallet", t, 20);
      return gen.MovingFundsProposal.encode({
        targetWallets: p.targetWallets.map(u8),
        movingFundsTxFee: u8(feeToBytes(p.movingFundsTxFee)),
      });
    }
    case ActionType.MovedFundsSweep: {
      const p = payload as MovedFundsSweepPayload;
      requireLen("movingFundsTxHash", p.movingFundsTxHash, 32);
      requireU32("movingFundsTxOutputIndex", p.movingFundsTxOutputIndex);
      return gen.MovedFundsSweepProposal.encode({
        movingFundsTxHash: u8(p.movingFundsTxHash),
        movingFundsTxOutputIndex: p.movingFundsTxOutputIndex,
        sweepTxFee: u8(feeToBytes(p.sweepTxFee)),
      });
    }
    default:
      throw new Error(`unknown action type ${String(actionType)}`);
  }
}

/** Canonical payload bytes; throws if the payload breaks a §7.3 limit. */
export function encodePayload<T extends ActionType>(actionType: T, payload: PayloadOf<T>): Uint8Array {
  return encodeAny(actionType, payload);
}

// ---- Decoding --------------------------------------------------------------------------------

type Fail = { ok: false; reason: PayloadDecodeReason };
const fail = (reason: PayloadDecodeReason): Fail => ({ ok: false, reason });

const HEARTBEAT_SCHEMA: FieldSchema = { 1: [WIRE_LEN] };
const DEPOSIT_KEY_SCHEMA: FieldSchema = { 1: [WIRE_LEN], 2: [WIRE_VARINT] };
// Field 3 may legally arrive unpacked (wire type 0); the canonical check then rejects it.
const DEPOSIT_SWEEP_SCHEMA: FieldSchema = { 1: [WIRE_LEN], 2: [WIRE_LEN], 3: [WIRE_LEN, WIRE_VARINT] };
const REDEMPTION_SCHEMA: FieldSchema = { 1: [WIRE_LEN], 2: [WIRE_LEN] };
const MOVING_FUNDS_SCHEMA: FieldSchema = { 1: [WIRE_LEN], 2: [WIRE_LEN] };
const MOVED_FUNDS_SWEEP_SCHEMA: FieldSchema = { 1: [WIRE_LEN], 2: [WIRE_VARINT], 3: [WIRE_LEN] };

const all = (fields: RawField[], num: number): RawField[] => fields.filter((f) => f.num === num);

/** Reads a packed run of varints; null if damaged. */
function readPacked(buf: Uint8Array): bigint[] | null {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let v = 0n;
    let shift = 0n;
    let done = false;
    for (let i = 0; i < 10 && pos < buf.length; i++) {
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        done = true;
        break;
      }
    }
    if (!done || v >= 1n << 64n) return null;
    out.push(v);
  }
  return out;
}

function decodeStrict(actionType: ActionType, bytes: Uint8Array): DecodePayloadResult<ProposalPayload> {
  switch (actionType) {
    case ActionType.Noop:
      return bytes.length === 0 ? { ok: true, payload: {} } : fail("unexpected_payload");
    case ActionType.Heartbeat: {
      const s = scanFields(bytes, HEARTBEAT_SCHEMA);
      if (!s.ok) return s;
      const message = bytesOf(lastField(s.fields, 1)).slice();
      if (message.length !== HEARTBEAT_MESSAGE_BYTES) return fail("bad_length");
      return { ok: true, payload: { message } };
    }
    case ActionType.DepositSweep: {
      const s = scanFields(bytes, DEPOSIT_SWEEP_SCHEMA);
      if (!s.ok) return s;
      const depositsKeys: DepositKeyPayload[] = [];
      for (const kf of all(s.fields, 1)) {
        const k = scanFields(bytesOf(kf), DEPOSIT_KEY_SCHEMA);
        if (!k.ok) return k;
        depositsKeys.push({
          fundingTxHash: bytesOf(lastField(k.fields, 1)).slice(),
          fundingOutputIndex: varintU32(lastField(k.fields, 2)),
        });
      }
      const revealBlocks: bigint[] = [];
      for (const rf of all(s.fields, 3)) {
        if (rf.wireType === WIRE_VARINT) revealBlocks.push(rf.varint ?? 0n);
        else {
          const run = readPacked(bytesOf(rf));
          if (run === null) return fail("decode_error");
          revealBlocks.push(...run);
        }
      }
      if (revealBlocks.some((b) => b > BigInt(Number.MAX_SAFE_INTEGER))) return fail("decode_error");
      const feeBytes = bytesOf(lastField(s.fields, 2));
      if (depositsKeys.length < 1 || depositsKeys.length > MAX_DEPOSIT_SWEEP_KEYS) return fail("bad_count");
      if (revealBlocks.length !== depositsKeys.length) return fail("bad_count");
      if (depositsKeys.some((k) => k.fundingTxHash.length !== 32)) return fail("bad_length");
      if (!isMinimalFee(feeBytes)) return fail("bad_fee");
      return {
        ok: true,
        payload: { depositsKeys, sweepTxFee: feeFromBytes(feeBytes), depositsRevealBlocks: revealBlocks.map(Number) },
      };
    }
    case ActionType.Redemption: {
      const s = scanFields(bytes, REDEMPTION_SCHEMA);
      if (!s.ok) return s;
      const scripts = all(s.fields, 1).map((f) => bytesOf(f).slice());
      const feeBytes = bytesOf(lastField(s.fields, 2));
      if (scripts.length < 1 || scripts.length > MAX_REDEMPTION_SCRIPTS) return fail("bad_count");
      if (scripts.some((x) => x.length < 1 || x.length > MAX_REDEMPTION_SCRIPT_BYTES)) return fail("bad_length");
      if (!isMinimalFee(feeBytes)) return fail("bad_fee");
      return { ok: true, payload: { redeemersOutputScripts: scripts, redemptionTxFee: feeFromBytes(feeBytes) } };
    }
    case ActionType.MovingFunds: {
      const s = scanFields(bytes, MOVING_FUNDS_SCHEMA);
      if (!s.ok) return s;
      const targets = all(s.fields, 1).map((f) => bytesOf(f).slice());
      const feeBytes = bytesOf(lastField(s.fields, 2));
      if (targets.length < 1 || targets.length > MAX_MOVING_FUNDS_TARGETS) return fail("bad_count");
      if (targets.some((t) => t.length !== 20)) return fail("bad_length");
      if (!isMinimalFee(feeBytes)) return fail("bad_fee");
      return { ok: true, payload: { targetWallets: targets, movingFundsTxFee: feeFromBytes(feeBytes) } };
    }
    case ActionType.MovedFundsSweep: {
      const s = scanFields(bytes, MOVED_FUNDS_SWEEP_SCHEMA);
      if (!s.ok) return s;
      const hash = bytesOf(lastField(s.fields, 1)).slice();
      const feeBytes = bytesOf(lastField(s.fields, 3));
      if (hash.length !== 32) return fail("bad_length");
      if (!isMinimalFee(feeBytes)) return fail("bad_fee");
      return {
        ok: true,
        payload: {
          movingFundsTxHash: hash,
          movingFundsTxOutputIndex: varintU32(lastField(s.fields, 2)),
          sweepTxFee: feeFromBytes(feeBytes),
        },
      };
    }
    default:
      return fail("bad_action_type");
  }
}

/** Strict, canonical decoding of the payload for its action type. Never throws. */
export function decodePayload<T extends ActionType>(actionType: T, bytes: Uint8Array): DecodePayloadResult<PayloadOf<T>>;
export function decodePayload(actionType: ActionType, bytes: Uint8Array): DecodePayloadResult<ProposalPayload> {
  try {
    if (!(bytes instanceof Uint8Array)) return fail("decode_error");
    const r = decodeStrict(actionType, bytes);
    if (!r.ok) return r;
    // Duplicates, field order, explicit defaults, unpacked blocks, long varints: all differ here.
    if (!bytesEqual(encodeAny(actionType, r.payload), bytes)) return fail("non_canonical");
    return r;
  } catch {
    return fail("decode_error");
  }
}
