// Bit-exact port of Go 1.20 math/rand (v1) rngSource, as keep-core uses it (coordination.md §5.3).
// BigInt keeps the 64-bit arithmetic exact.
import { RNG_COOKED } from "./rng-cooked.js";

const RNG_LEN = 607;
const RNG_TAP = 273;
const INT32_MAX = 2147483647n;
const MASK63 = (1n << 63n) - 1n;
const MASK64 = (1n << 64n) - 1n;
const MASK32 = (1n << 32n) - 1n;
const TWO_POW_63 = 2 ** 63;

/** One Park–Miller step (multiplier 48271 mod 2^31−1), Schrage's method, as Go's seedrand. */
function seedrand(x: bigint): bigint {
  const A = 48271n;
  const Q = 44488n;
  const R = 3399n;
  const hi = x / Q; // BigInt division truncates, like Go
  const lo = x % Q;
  let r = A * lo - R * hi;
  if (r < 0n) r += INT32_MAX;
  return r;
}

/** First 8 bytes of the seed, big-endian, as a signed 64-bit integer. */
export function seed64FromSeed(seed: Uint8Array): bigint {
  if (seed.length < 8) throw new Error(`seed must have at least 8 bytes, got ${seed.length}`);
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(seed[i]);
  return BigInt.asIntN(64, v);
}

export class GoRandSource {
  private readonly vec: bigint[] = new Array<bigint>(RNG_LEN);
  private tap = 0;
  private feed = RNG_LEN - RNG_TAP;

  constructor(seed64: bigint) {
    let s = BigInt.asIntN(64, seed64) % INT32_MAX; // truncated remainder keeps the sign, like Go
    if (s < 0n) s += INT32_MAX;
    if (s === 0n) s = 89482311n;
    let x = s;
    for (let i = -20; i < RNG_LEN; i++) {
      x = seedrand(x);
      if (i >= 0) {
        let u = (x << 40n) & MASK64;
        x = seedrand(x);
        u ^= (x << 20n) & MASK64;
        x = seedrand(x);
        u ^= x;
        u ^= RNG_COOKED[i];
        // The table is stored mod 2^63; masking the state to 63 bits gives identical outputs.
        this.vec[i] = u & MASK63;
      }
    }
  }

  /** A non-negative 63-bit integer. */
  int63(): bigint {
    this.tap--;
    if (this.tap < 0) this.tap += RNG_LEN;
    this.feed--;
    if (this.feed < 0) this.feed += RNG_LEN;
    const x = (this.vec[this.feed] + this.vec[this.tap]) & MASK63;
    this.vec[this.feed] = x;
    return x;
  }

  uint32(): bigint {
    return (this.int63() >> 31n) & MASK32;
  }

  /** Lemire's method as in Go's Rand.int31n (used by Shuffle); n in (0, 2^31). */
  int31n(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x7fffffff) throw new Error(`int31n: invalid n ${n}`);
    const bn = BigInt(n);
    let prod = this.uint32() * bn;
    let low = prod & MASK32;
    if (low < bn) {
      const thresh = ((1n << 32n) - bn) % bn;
      while (low < thresh) {
        prod = this.uint32() * bn;
        low = prod & MASK32;
      }
    }
    return Number(prod >> 32n);
  }

  /** A double in [0, 1); Number(bigint) rounds to nearest, ties to even, like Go's float64(). */
  float64(): number {
    for (;;) {
      const f = Number(this.int63()) / TWO_POW_63;
      if (f !== 1) return f;
    }
  }

  /** Go's Rand.Shuffle for n < 2^31. */
  shuffle(n: number, swap: (i: number, j: number) => void): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`shuffle: invalid n ${n}`);
    for (let i = n - 1; i > 0; i--) {
      swap(i, this.int31n(i + 1));
    }
  }
}
