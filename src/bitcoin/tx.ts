// Raw Bitcoin transaction helpers: hashes, witness stripping into the Bridge's `BitcoinTx.Info`
// (coordination.md §13.4.3) and output/input listing. Hashes are internal byte order; txids are
// the reversed (display-order) hex that Electrum uses.
import { keccak256 } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import type { BitcoinTxInfo } from "../chain/types.js";
import { concatBytes, fromHex, toHex } from "../util/hex.js";

/** A malformed raw transaction (truncated, trailing bytes, absurd counts). */
export class TxParseError extends Error {
  override readonly name = "TxParseError";
  readonly code = "TX_MALFORMED";
}

export function hash256(b: Uint8Array): Uint8Array {
  return sha256(sha256(b));
}

/** Internal-order hash → display-order txid hex. */
export function txidFromHash(internal: Uint8Array): string {
  if (internal.length !== 32) throw new Error(`tx hash must be 32 bytes, got ${internal.length}`);
  return toHex(internal.slice().reverse());
}

/** Display-order txid hex → internal-order hash. */
export function hashFromTxid(txid: string): Uint8Array {
  const b = fromHex(txid);
  if (b.length !== 32) throw new Error(`txid must be 32 bytes, got ${b.length}`);
  return b.reverse();
}

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.b.length) throw new TxParseError(`transaction truncated at byte ${this.pos} (need ${n})`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u32(): number {
    const s = this.take(4);
    return new DataView(s.buffer, s.byteOffset, 4).getUint32(0, true);
  }

  u64(): bigint {
    const s = this.take(8);
    return new DataView(s.buffer, s.byteOffset, 8).getBigUint64(0, true);
  }

  compact(): number {
    const first = this.take(1)[0]!;
    if (first < 0xfd) return first;
    const s = this.take(first === 0xfd ? 2 : first === 0xfe ? 4 : 8);
    const dv = new DataView(s.buffer, s.byteOffset, s.length);
    const n = first === 0xfd ? dv.getUint16(0, true) : first === 0xfe ? dv.getUint32(0, true) : Number(dv.getBigUint64(0, true));
    // Nothing counted in a transaction can exceed its own size; guards against huge allocations.
    if (n > this.b.length) throw new TxParseError(`CompactSize ${n} exceeds the transaction size`);
    return n;
  }
}

interface ParsedTx {
  version: Uint8Array;
  inputVector: Uint8Array;
  outputVector: Uint8Array;
  locktime: Uint8Array;
  inputs: { txHash: Uint8Array; index: number }[];
  outputs: { value: bigint; script: Uint8Array }[];
}

function parse(raw: Uint8Array): ParsedTx {
  const r = new Reader(raw);
  const version = r.take(4);
  // Segwit marker 00 and flag 01 right after the version (BIP-144); a legacy tx never has 0 inputs here.
  const segwit = raw.length > 6 && raw[4] === 0x00 && raw[5] === 0x01;
  if (segwit) r.pos += 2;

  const inStart = r.pos;
  const nIn = r.compact();
  const inputs: ParsedTx["inputs"] = [];
  for (let i = 0; i < nIn; i++) {
    const txHash = r.take(32).slice();
    const index = r.u32();
    r.take(r.compact()); // scriptSig
    r.take(4); // sequence
    inputs.push({ txHash, index });
  }
  const inputVector = raw.slice(inStart, r.pos);

  const outStart = r.pos;
  const nOut = r.compact();
  const outputs: ParsedTx["outputs"] = [];
  for (let i = 0; i < nOut; i++) {
    const value = r.u64();
    outputs.push({ value, script: r.take(r.compact()).slice() });
  }
  const outputVector = raw.slice(outStart, r.pos);

  if (segwit) {
    for (let i = 0; i < nIn; i++) {
      const items = r.compact();
      for (let k = 0; k < items; k++) r.take(r.compact());
    }
  }
  const locktime = r.take(4).slice();
  if (r.pos !== raw.length) throw new TxParseError(`${raw.length - r.pos} trailing bytes after the locktime`);
  return { version: version.slice(), inputVector, outputVector, locktime, inputs, outputs };
}

/** The four parts the Bridge hashes (witness stripped, §13.4.3). */
export function txInfoOf(raw: Uint8Array): BitcoinTxInfo {
  const { version, inputVector, outputVector, locktime } = parse(raw);
  return { version, inputVector, outputVector, locktime };
}

/** hash256 of the witness-stripped serialization, internal order. */
export function txHashOf(raw: Uint8Array): Uint8Array {
  const t = txInfoOf(raw);
  return hash256(concatBytes(t.version, t.inputVector, t.outputVector, t.locktime));
}

export function txOutputs(raw: Uint8Array): { value: bigint; script: Uint8Array }[] {
  return parse(raw).outputs;
}

export function txInputs(raw: Uint8Array): { txHash: Uint8Array; index: number }[] {
  return parse(raw).inputs;
}
