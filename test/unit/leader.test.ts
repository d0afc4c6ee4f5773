import fc from "fast-check";
import { computeAddress, SigningKey } from "ethers";
import { describe, expect, it } from "vitest";
import { checklist } from "../../src/coordination/checklist.js";
import { lowestSeat, operatorList, seatsOf, selectLeader } from "../../src/coordination/leader.js";
import { normalizeAddress } from "../../src/protocol/address.js";
import type { RngScheme } from "../../src/protocol/profile.js";
import { computeSeed } from "../../src/coordination/seed.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/leader.json" with { type: "json" };

const { o7, k123 } = vectors;

describe("operator list (§5.1)", () => {
  it("O7: EIP-55, distinct, sorted by code units", () => {
    expect(operatorList(o7.seats)).toEqual(o7.sorted);
    expect(operatorList(o7.seats.map((s) => s.toLowerCase()))).toEqual(o7.sorted);
    expect(operatorList(o7.seats.map((s) => s.slice(2).toUpperCase()))).toEqual(o7.sorted);
  });

  it("sorts mixed case by code unit, not case-insensitively or numerically", () => {
    // 0x7CBD… < 0x7E5F… < 0x7a… in code units ('C' < 'E' < 'a').
    const a = normalizeAddress("0x7a00000000000000000000000000000000000000");
    expect(a.startsWith("0x7a")).toBe(true); // EIP-55 keeps this 'a' lowercase
    const list = operatorList([a, k123.operators.k1, o7.sorted[3]]);
    expect(list).toEqual([o7.sorted[3], k123.operators.k1, a]);
    // Case-insensitive or numeric order would put 0x7a… before 0x7CBD… and 0x7E5F….
    expect(a.toLowerCase() < o7.sorted[3].toLowerCase()).toBe(true);
  });

  it("rejects invalid addresses", () => {
    expect(() => operatorList(["0x1234"])).toThrow();
    expect(() => operatorList(["0xzz5F4552091A69125d5DfCb7b8C2659029395Bdf"])).toThrow();
  });
});

describe("leader selection vectors (§15.2)", () => {
  it("O7 shuffles for both schemes and both seeds", () => {
    for (const v of o7.shuffles) {
      const { leader, order } = selectLeader(o7.seats, fromHex(v.seed), v.scheme as RngScheme);
      expect(order.map((a) => a.slice(2, 10)), `${v.scheme} ${v.seed.slice(0, 8)}`).toEqual(v.orderPrefixes);
      expect(leader).toBe(order[0]);
      expect([...order].sort()).toEqual(o7.sorted);
    }
  });

  it("operators of private keys 1, 2, 3", () => {
    const ops = k123.operators as Record<string, string>;
    for (const [k, pk] of Object.entries(k123.privateKeys)) {
      expect(computeAddress(new SigningKey(pk).publicKey)).toBe(ops[k]);
    }
    const seats = k123.seats.map((k) => ops[k]);
    const seed = computeSeed(fromHex(k123.walletPkh), fromHex(k123.safeBlockHash));
    expect(toHex(seed)).toBe(k123.seed);
    for (const scheme of ["seedrandom", "go-math-rand"] as const) {
      const want = k123[scheme];
      const { leader, order } = selectLeader(seats, seed, scheme);
      expect(order).toEqual(want.order.map((k) => ops[k]));
      expect(leader).toBe(ops[want.leader]);
    }
  });

  it("an empty seat list has no leader", () => {
    expect(() => selectLeader([], new Uint8Array(32), "seedrandom")).toThrow();
  });
});

describe("spokesman seat (§5.4)", () => {
  const ops = k123.operators as Record<string, string>;
  const seats = k123.seats.map((k) => ops[k]); // [k2, k3, k1, k1, k3, k2, k2, k3, k1, k1]
  it("seatsOf and lowestSeat are 1-based and case-insensitive", () => {
    expect(seatsOf(seats, ops.k1)).toEqual([3, 4, 9, 10]);
    expect(seatsOf(seats, ops.k2.toLowerCase())).toEqual([1, 6, 7]);
    expect(lowestSeat(seats, ops.k3.slice(2))).toBe(2);
    expect(lowestSeat(seats, "0x0000000000000000000000000000000000000001")).toBeUndefined();
  });
  it("seats [77, 5, 10] → 5", () => {
    const other = "0x0000000000000000000000000000000000000009";
    const s = Array.from({ length: 80 }, () => other);
    s[76] = ops.k1;
    s[4] = ops.k1;
    s[9] = ops.k1;
    expect(lowestSeat(s, ops.k1)).toBe(5);
  });
});

describe("property: leader and checklist depend only on (seed, operator set)", () => {
  const hex40 = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toHex(b));
  // Rewrites an address: random letter case per character, with or without 0x.
  const reformat = (addr: string, caseBits: boolean[], prefix: boolean) => {
    const body = addr
      .slice(2)
      .split("")
      .map((c, i) => (caseBits[i % caseBits.length] ? c.toUpperCase() : c.toLowerCase()))
      .join("");
    return (prefix ? "0x" : "") + body;
  };

  it("is invariant under order, duplicates and address formatting", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(hex40, { minLength: 1, maxLength: 12 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom<RngScheme>("seedrandom", "go-math-rand"),
        fc.integer({ min: 1, max: 200 }).map((i) => i * 900),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        (set, seed, scheme, W, picks, caseBits, prefix) => {
          const canonical = set.map((h) => normalizeAddress(h));
          // Another seat list over the same set: every operator at least once, extra duplicates, shuffled.
          const variant = [...canonical, ...picks.map((p) => canonical[p % canonical.length])];
          for (let i = variant.length - 1; i > 0; i--) {
            const j = picks[i % picks.length] % (i + 1);
            [variant[i], variant[j]] = [variant[j], variant[i]];
          }
          const reformatted = variant.map((a) => reformat(a, caseBits, prefix));
          const a = selectLeader(canonical, seed, scheme);
          const b = selectLeader(reformatted, seed, scheme);
          expect(b).toEqual(a);
          expect(a.leader).toBe(normalizeAddress(a.leader));
          const profile = { frequencyWindows: 4, heartbeatProbabilityPpm: 62500, rngScheme: scheme };
          expect(checklist(W, seed, profile)).toEqual(checklist(W, seed.slice(), profile));
        },
      ),
      { numRuns: 300 },
    );
  });
});
