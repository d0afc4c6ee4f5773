// Common interface over the two RNG schemes of the protocol profile (coordination.md §5.2, §5.3).
import { GoRandSource, seed64FromSeed } from "./go-math-rand.js";
import { seedrandomFirstDraw, seedrandomShuffle } from "./seedrandom.js";
import type { RngScheme } from "../../protocol/profile.js";


/** Shuffles a copy of the (already sorted, distinct) operator list; the leader is element 0. */
export function shuffleOperators(list: string[], seed: Uint8Array, scheme: RngScheme): string[] {
  if (seed.length !== 32) throw new Error(`seed must be 32 bytes, got ${seed.length}`);
  switch (scheme) {
    case "seedrandom":
      return seedrandomShuffle(list, seed);
    case "go-math-rand": {
      const a = list.slice();
      new GoRandSource(seed64FromSeed(seed)).shuffle(a.length, (i, j) => {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
      });
      return a;
    }
    default:
      throw new Error(`unknown rng scheme ${String(scheme)}`);
  }
}

/** The first draw of a fresh generator: rng() or Float64(). */
export function heartbeatDraw(seed: Uint8Array, scheme: RngScheme): number {
  if (seed.length !== 32) throw new Error(`seed must be 32 bytes, got ${seed.length}`);
  switch (scheme) {
    case "seedrandom":
      return seedrandomFirstDraw(seed);
    case "go-math-rand":
      return new GoRandSource(seed64FromSeed(seed)).float64();
    default:
      throw new Error(`unknown rng scheme ${String(scheme)}`);
  }
}

/** The draw passes iff it is < ppm / 1_000_000 (JavaScript double division). */
export function heartbeatPasses(seed: Uint8Array, scheme: RngScheme, ppm: number): boolean {
  return heartbeatDraw(seed, scheme) < ppm / 1_000_000;
}
