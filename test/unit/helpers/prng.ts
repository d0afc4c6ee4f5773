// xorshift32 for the decoder fuzz tests: reproducible inputs, so a failure names its seed and iteration.
export function prng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  return {
    /** 0 … n−1. */
    int: (n: number): number => next() % n,
    bytes: (n: number): Uint8Array => Uint8Array.from({ length: n }, () => next() & 0xff),
  };
}

export type Prng = ReturnType<typeof prng>;
