// The default "seedrandom" scheme (coordination.md §5.2): npm seedrandom 3.0.5, ARC4, seeded with seedHex only.
import seedrandom from "seedrandom";
import { toHex } from "../../util/hex.js";

/** A fresh generator for the 32-byte seed; one argument only, never auto-seeded or global. */
export function seedrandomFromSeed(seed: Uint8Array): () => number {
  if (seed.length !== 32) throw new Error(`seed must be 32 bytes, got ${seed.length}`);
  const prng = seedrandom(toHex(seed));
  return () => prng();
}

/** Fisher–Yates from the top, j = floor(rng() * (i + 1)); shuffles a copy. */
export function seedrandomShuffle<T>(list: readonly T[], seed: Uint8Array): T[] {
  const rng = seedrandomFromSeed(seed);
  const a = list.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** The first rng() value of a fresh generator (the heartbeat draw). */
export function seedrandomFirstDraw(seed: Uint8Array): number {
  return seedrandomFromSeed(seed)();
}
