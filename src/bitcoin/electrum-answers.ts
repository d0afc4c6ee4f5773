// Electrum protocol 1.4 answers, checked: each parser throws on a shape the protocol does not allow,
// and the client treats such an answer as a failing server (electrum-servers.ts).
import { sha256 } from "@noble/hashes/sha2.js";
import { fromHex, toHex } from "../util/hex.js";
import type { BtcHeader, HistoryItem, Utxo } from "./bitcoin-chain.js";
import type { TxMerkle } from "./spv-source.js";

/** A line or answer that does not follow the protocol: the server is treated as failing. */
export class MalformedAnswerError extends Error {
  override readonly name = "MalformedAnswerError";
}

export function parseHexString(r: unknown): string {
  if (typeof r !== "string" || r.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(r)) throw new Error("expected a hex string");
  return r.toLowerCase();
}

export function parseTxid(r: unknown): string {
  const hex = parseHexString(r);
  if (hex.length !== 64) throw new Error("expected a txid");
  return hex;
}

export function parseNumber(r: unknown): number {
  if (typeof r !== "number" || !Number.isFinite(r)) throw new Error("expected a number");
  return r;
}

function parseHeight(r: unknown): number {
  if (typeof r !== "number" || !Number.isSafeInteger(r)) throw new Error("expected an integer height");
  return r;
}

/** 80-byte header → hash and previous hash, display order. */
export function parseHeader(height: number, hex: string): BtcHeader {
  const bytes = fromHex(hex);
  if (bytes.length !== 80) throw new MalformedAnswerError(`header of ${bytes.length} bytes`);
  return {
    height,
    hash: toHex(sha256(sha256(bytes)).reverse()),
    prevHash: toHex(bytes.slice(4, 36).reverse()),
  };
}

export function parseHeaderNotification(r: unknown): BtcHeader {
  if (typeof r !== "object" || r === null) throw new Error("expected {height, hex}");
  const { height, hex } = r as { height?: unknown; hex?: unknown };
  const h = parseHeight(height);
  if (h < 0) throw new Error("negative height");
  return parseHeader(h, parseHexString(hex));
}

export function parseVerboseConfirmations(r: unknown): number {
  if (typeof r !== "object" || r === null) throw new Error("expected a verbose transaction");
  const c = (r as { confirmations?: unknown }).confirmations;
  if (c === undefined || c === null) return 0;
  const n = parseHeight(c);
  return n > 0 ? n : 0;
}

export function parseHistory(r: unknown): HistoryItem[] {
  if (!Array.isArray(r)) throw new Error("expected an array");
  return r.map((e: { tx_hash?: unknown; height?: unknown }) => ({ txid: parseTxid(e?.tx_hash), height: parseHeight(e?.height) }));
}

export function parseUnspent(r: unknown): Utxo[] {
  if (!Array.isArray(r)) throw new Error("expected an array");
  return r.map((e: { tx_hash?: unknown; tx_pos?: unknown; value?: unknown; height?: unknown }) => {
    const vout = parseHeight(e?.tx_pos);
    const value = parseHeight(e?.value);
    if (vout < 0 || value < 0) throw new Error("negative output index or value");
    return { txid: parseTxid(e?.tx_hash), vout, value: BigInt(value), height: parseHeight(e?.height) };
  });
}

/** Electrum's merkle hashes: display-order hex → internal-order bytes. */
function parseMerkleList(r: unknown): Uint8Array[] {
  if (!Array.isArray(r)) throw new Error("expected a merkle array");
  return r.map((h) => fromHex(parseTxid(h)).reverse());
}

export function parseTxMerkle(r: unknown): TxMerkle {
  if (typeof r !== "object" || r === null) throw new Error("expected {block_height, merkle, pos}");
  const { block_height, merkle, pos } = r as { block_height?: unknown; merkle?: unknown; pos?: unknown };
  const p = parseHeight(pos);
  if (p < 0) throw new Error("negative position");
  return { blockHeight: parseHeight(block_height), pos: p, merkle: parseMerkleList(merkle) };
}

export function parseIdFromPos(r: unknown): { txid: string; merkle: Uint8Array[] } {
  if (typeof r !== "object" || r === null) throw new Error("expected {tx_hash, merkle}");
  const { tx_hash, merkle } = r as { tx_hash?: unknown; merkle?: unknown };
  return { txid: parseTxid(tx_hash), merkle: parseMerkleList(merkle) };
}

/** `blockchain.block.headers`: the concatenated headers and the server's per-request maximum. */
export function parseHeaders(r: unknown): { raw: Uint8Array; count: number; max: number } {
  if (typeof r !== "object" || r === null) throw new Error("expected {count, hex, max}");
  const { count, hex, max } = r as { count?: unknown; hex?: unknown; max?: unknown };
  const raw = fromHex(parseHexString(hex));
  const n = parseHeight(count);
  if (raw.length !== n * 80) throw new Error(`${raw.length} bytes for ${n} headers`);
  return { raw, count: n, max: parseHeight(max) };
}
