// The byte-level reader and writer of the signing messages (threshold.md §5.2): fixed-width fields,
// exact lengths, bounded counts. Every decoding failure is one SigningDecodeError, so a caller that
// receives hostile bytes has one error class to catch and nothing else can escape.

/** Any malformed, oversized, trailing or badly signed signing message; `message` is one line. */
export class SigningDecodeError extends Error {
  override readonly name = "SigningDecodeError";
  constructor(message: string) {
    // No stack: a peer can send junk for free, capturing one costs more than decoding, and the message says all.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** Reads fields front to back; every read past the end, and any byte left over, is a SigningDecodeError. */
export class ByteReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u8(what: string): number {
    if (this.offset + 1 > this.bytes.length) throw new SigningDecodeError(`truncated at ${what}`);
    return this.bytes[this.offset++];
  }

  u32(what: string): number {
    const b = this.take(4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  /** A copy of the next `n` bytes (decoded values never alias the input buffer). */
  take(n: number, what: string): Uint8Array {
    if (this.offset + n > this.bytes.length) throw new SigningDecodeError(`truncated at ${what}`);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A count byte in 1…max. */
  count(what: string, max = 255): number {
    const n = this.u8(what);
    if (n < 1 || n > max) throw new SigningDecodeError(`${what} ${n} out of range 1…${max}`);
    return n;
  }

  end(): void {
    if (this.offset !== this.bytes.length) throw new SigningDecodeError(`${this.bytes.length - this.offset} trailing bytes`);
  }
}

/** Appends fields; `bytes()` concatenates them once. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`u8 out of range: ${n}`);
    return this.put(Uint8Array.of(n));
  }

  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`u32 out of range: ${n}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return this.put(b);
  }

  /** Exactly `size` bytes, or throws (an encoder bug, never a peer's fault). */
  fixed(b: Uint8Array, size: number, what: string): this {
    if (b.length !== size) throw new Error(`${what} must be ${size} bytes, got ${b.length}`);
    return this.put(b);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  private put(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
}
