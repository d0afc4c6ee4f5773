// The byte layer under the DKG messages and the transcript: a writer for fixed-width fields and a strict
// reader that refuses short input, out-of-range values and trailing bytes with one error class. Every
// decoder of the DKG reads through it, so a hostile input can only ever produce DkgDecodeError.
import { fromHex, toHex } from "../../util/hex.js";

/** A DKG message or transcript that is not exactly the canonical encoding (one line, never the bytes). */
export class DkgDecodeError extends Error {
  override readonly name = "DkgDecodeError";
}

const UINT256_MAX = (1n << 256n) - 1n;

/** Appends fixed-width fields; encode-side range errors are programming errors (plain RangeError). */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`u8 out of range: ${v}`);
    this.parts.push(Uint8Array.of(v));
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`u16 out of range: ${v}`);
    this.parts.push(Uint8Array.of(v >>> 8, v & 0xff));
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 out of range: ${v}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    this.parts.push(b);
    return this;
  }

  uint256(v: bigint): this {
    if (v < 0n || v > UINT256_MAX) throw new RangeError("uint256 out of range");
    this.parts.push(uint256Bytes(v));
    return this;
  }

  /** Exactly `length` bytes (the length is the format's, not written). */
  fixed(bytes: Uint8Array, length: number, what: string): this {
    if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
    this.parts.push(bytes); // bytes() copies every part into one new array
    return this;
  }

  /** A u32 length prefix, then the bytes (an embedded message of the transcript). */
  lengthPrefixed(bytes: Uint8Array): this {
    return this.u32(bytes.length).fixed(bytes, bytes.length, "embedded bytes");
  }

  bytes(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** Reads fixed-width fields from the front; every failure is a DkgDecodeError naming `what`. */
export class ByteReader {
  private offset = 0;

  constructor(
    private readonly input: Uint8Array,
    private readonly what: string,
  ) {
    if (!(input instanceof Uint8Array)) throw new DkgDecodeError(`${what}: input is not bytes`);
  }

  /** Moves past `n` bytes and returns where they start. */
  private need(n: number, field: string): number {
    if (this.input.length - this.offset < n) throw new DkgDecodeError(`${this.what}: truncated at ${field}`);
    this.offset += n;
    return this.offset - n;
  }

  /** A copy, so decoded fields never alias the input. */
  private take(n: number, field: string): Uint8Array<ArrayBuffer> {
    const at = this.need(n, field);
    const out = new Uint8Array(n);
    out.set(this.input.subarray(at, at + n));
    return out;
  }

  u8(field: string): number {
    return this.input[this.need(1, field)];
  }

  u16(field: string): number {
    const at = this.need(2, field);
    return (this.input[at] << 8) | this.input[at + 1];
  }

  u32(field: string): number {
    const at = this.need(4, field);
    const b = this.input;
    return b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
  }

  uint256(field: string): bigint {
    const at = this.need(32, field);
    return BigInt("0x" + toHex(this.input.subarray(at, at + 32)));
  }

  fixed(n: number, field: string): Uint8Array<ArrayBuffer> {
    return this.take(n, field);
  }

  /** A view, not a copy: an embedded message goes straight to its own decoder, which copies its fields. */
  lengthPrefixed(field: string): Uint8Array {
    const n = this.u32(`${field} length`);
    const at = this.need(n, field);
    return this.input.subarray(at, at + n);
  }

  /** A 1-based member index (1…255). */
  memberIndex(field: string): number {
    const v = this.u8(field);
    if (v === 0) throw new DkgDecodeError(`${this.what}: ${field} is 0 (member indices are 1-based)`);
    return v;
  }

  /** `count` member indices, strictly ascending. */
  ascendingIndices(count: number, field: string): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const v = this.memberIndex(field);
      if (out.length > 0 && v <= out[out.length - 1]) throw new DkgDecodeError(`${this.what}: ${field} not strictly ascending`);
      out.push(v);
    }
    return out;
  }

  /** A check that refuses the whole input; `reason` is the one-line explanation. */
  fail(reason: string): never {
    throw new DkgDecodeError(`${this.what}: ${reason}`);
  }

  /** The input must end here. */
  end(): void {
    if (this.offset !== this.input.length) throw new DkgDecodeError(`${this.what}: ${this.input.length - this.offset} trailing bytes`);
  }
}

/** The 32-byte big-endian form of a uint256. */
export function uint256Bytes(v: bigint): Uint8Array {
  if (v < 0n || v > UINT256_MAX) throw new RangeError("uint256 out of range");
  return fromHex(v.toString(16).padStart(64, "0"));
}
