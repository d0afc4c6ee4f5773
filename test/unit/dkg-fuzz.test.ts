// A fuzz of every DKG decoder (messages, transcript, key share): 100 000 random and mutated inputs each,
// in which nothing but DkgDecodeError may be thrown and every accepted input re-encodes to the identical bytes.
import { describe, expect, it } from "vitest";
import { DkgDecodeError } from "../../src/threshold/dkg/dkg-messages.js";
import { bytesEqual, concatBytes, toHex } from "../../src/util/hex.js";
import { CODECS } from "./dkg-codec-samples.js";
import { prng } from "./helpers/prng.js";

const TOTAL = 100_000;


/** A random input: random bytes, or a valid sample (of any codec) mutated a few ways. */
function fuzzInput(r: ReturnType<typeof prng>, own: Uint8Array[]): Uint8Array {
  const kind = r.int(10);
  if (kind === 0) return r.bytes(r.int(300));
  const pool = kind < 8 ? own : CODECS[r.int(CODECS.length)].samples;
  let b = pool[r.int(pool.length)].slice();
  for (let m = 1 + r.int(3); m > 0; m--) {
    const op = r.int(6);
    if (op === 0 && b.length > 0) b[r.int(b.length)] ^= 1 << r.int(8);
    else if (op === 1 && b.length > 0) b[r.int(Math.min(b.length, 80))] = r.int(256); // counts, indices, kinds near the front
    else if (op === 2) b = b.subarray(0, r.int(b.length + 1));
    else if (op === 3) b = concatBytes(b, r.bytes(1 + r.int(40)));
    else if (op === 4 && b.length > 2) {
      const at = r.int(b.length);
      b = concatBytes(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.int(40))));
    } else if (op === 5 && b.length > 0) b[r.int(b.length)] = [0, 1, 2, 0xff][r.int(4)];
  }
  return b;
}

describe("fuzz: 100 000 inputs per decoder", () => {
  for (const [n, c] of CODECS.entries()) {
    it(`${c.name}: only DkgDecodeError, accepted inputs re-encode identically`, () => {
      const r = prng(0x5eed + n);
      let accepted = 0;
      // Most inputs are refused: skip capturing 100 000 stack traces nobody reads.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        for (let i = 0; i < TOTAL; i++) {
        const input = fuzzInput(r, c.samples);
        let decoded: unknown;
        try {
          decoded = c.decode(input);
        } catch (err) {
          if (!(err instanceof DkgDecodeError)) throw new Error(`${c.name} #${i}: ${String(err)} on ${toHex(input).slice(0, 200)}`);
          continue;
        }
        accepted++;
        const again = c.encode(decoded as never);
        if (!bytesEqual(again, input)) throw new Error(`${c.name} #${i}: accepted input does not re-encode identically`);
        }
      } finally {
        Error.stackTraceLimit = limit;
      }
      expect(accepted).toBeGreaterThan(0);
    });
  }
});
