import { describe, expect, it } from "vitest";
import { GoRandSource, seed64FromSeed } from "../../src/coordination/rng/go-math-rand.js";
import { heartbeatDraw, heartbeatPasses, shuffleOperators } from "../../src/coordination/rng/index.js";
import { checkRngCooked, RNG_COOKED } from "../../src/coordination/rng/rng-cooked.js";
import { seedrandomFromSeed } from "../../src/coordination/rng/seedrandom.js";
import { fromHex } from "../../src/util/hex.js";
import goVectors from "../vectors/go-math-rand.json" with { type: "json" };
import srVectors from "../vectors/seedrandom.json" with { type: "json" };

describe("rngCooked table (§5.3 checks)", () => {
  const want = goVectors.rngCookedChecks;
  it("matches count, sum mod 2^64, XOR and spot entries", () => {
    const r = checkRngCooked(RNG_COOKED);
    expect(r.count).toBe(want.count);
    expect(r.sumMod2p64).toBe(BigInt(want.sumMod2p64));
    expect(r.xor).toBe(BigInt(want.xor));
    for (const [i, v] of Object.entries(want.entries)) expect(RNG_COOKED[Number(i)], `entry ${i}`).toBe(BigInt(v));
    expect(r.ok).toBe(true);
  });

  it("the checker rejects a corrupted table", () => {
    const bad = RNG_COOKED.slice();
    bad[300] ^= 1n;
    expect(checkRngCooked(bad).ok).toBe(false);
    expect(checkRngCooked(RNG_COOKED.slice(0, 606)).ok).toBe(false);
  });
});

describe("go-math-rand stream (§15.3)", () => {
  it("seeded with 1: Go's first Int63 and Float64 values", () => {
    for (const s of goVectors.seededStreams) {
      const g = new GoRandSource(BigInt(s.seed64));
      expect(s.int63.map(() => g.int63())).toEqual(s.int63.map(BigInt));
      expect(new GoRandSource(BigInt(s.seed64)).float64()).toBe(s.firstFloat64);
    }
  });

  it("seed64 and first Int63 values of the spec seeds", () => {
    for (const s of goVectors.seedStreams) {
      const seed64 = seed64FromSeed(fromHex(s.seed));
      expect(seed64).toBe(BigInt(s.seed64));
      if (s.int63) {
        const g = new GoRandSource(seed64);
        expect(s.int63.map(() => g.int63())).toEqual(s.int63.map(BigInt));
      }
      if (s.firstFloat64 !== undefined) expect(heartbeatDraw(fromHex(s.seed), "go-math-rand")).toBe(s.firstFloat64);
    }
  });

  it("62500 ppm passes iff the first Int63 is below 2^59 − 32", () => {
    const threshold = BigInt(goVectors.heartbeatInt63Threshold62500ppm);
    expect(threshold).toBe((1n << 59n) - 32n);
    // Float64 of the threshold is exactly 0.0625 after rounding, the value just below it is not.
    expect(Number(threshold) / 2 ** 63).toBe(0.0625);
    expect(Number(threshold - 1n) / 2 ** 63).toBeLessThan(0.0625);
  });

  it("seed 0 and seeds that reduce to 0 use Go's replacement seed", () => {
    const a = new GoRandSource(0n).int63();
    const b = new GoRandSource(2147483647n).int63();
    const c = new GoRandSource(89482311n).int63();
    expect(a).toBe(c);
    expect(b).toBe(c);
  });

  it("int31n stays in range and shuffle is a permutation", () => {
    const g = new GoRandSource(42n);
    for (let n = 1; n < 200; n++) {
      const v = g.int31n(n);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(n);
    }
    const a = Array.from({ length: 50 }, (_, i) => i);
    g.shuffle(a.length, (i, j) => ([a[i], a[j]] = [a[j], a[i]]));
    expect(a.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe("seedrandom stream (§15.2)", () => {
  it("first rng() values", () => {
    for (const s of srVectors.streams) {
      const rng = seedrandomFromSeed(fromHex(s.seed));
      expect(s.values.map(() => rng())).toEqual(s.values);
      expect(heartbeatDraw(fromHex(s.seed), "seedrandom")).toBe(s.values[0]);
    }
  });

  it("heartbeat draw for e55c… does not pass at 0.0625", () => {
    for (const h of srVectors.heartbeatNotPassing) {
      expect(heartbeatPasses(fromHex(h.seed), "seedrandom", h.ppm)).toBe(false);
    }
  });

  it("heartbeatPasses compares with ppm / 1e6", () => {
    const seed = fromHex(srVectors.streams[0].seed); // first draw 0.164…
    expect(heartbeatPasses(seed, "seedrandom", 164154)).toBe(true);
    expect(heartbeatPasses(seed, "seedrandom", 164153)).toBe(false);
    expect(heartbeatPasses(seed, "seedrandom", 0)).toBe(false);
    expect(heartbeatPasses(seed, "go-math-rand", 1_000_000)).toBe(true);
  });

  it("shuffle uses Fisher–Yates from the top with floor(rng() * (i + 1))", () => {
    const s = srVectors.streams[1]; // 9f86…: draws j = 0, 1, 4, 3, 0, 0 over 7 items
    const js = s.values.slice(0, 6).map((v, k) => Math.floor(v * (7 - k)));
    expect(js).toEqual([0, 1, 4, 3, 0, 0]);
    const list = ["a", "b", "c", "d", "e", "f", "g"];
    const expected = list.slice();
    js.forEach((j, k) => {
      const i = 6 - k;
      [expected[i], expected[j]] = [expected[j], expected[i]];
    });
    expect(shuffleOperators(list, fromHex(s.seed), "seedrandom")).toEqual(expected);
    expect(list).toEqual(["a", "b", "c", "d", "e", "f", "g"]); // input untouched
  });
});
