import { describe, expect, it } from "vitest";
import { appliedFeeRate, DEFAULT_FEE_POLICY, equalShares, feeFor } from "../../src/bitcoin/fees.js";
import { tHigh, tLow } from "../../src/proposals/time-refs.js";
import { ActionType } from "../../src/protocol/constants.js";

describe("applied fee rate (§13.8)", () => {
  it("defaults are min 5 sat/vB and a 25 % buffer", () => {
    expect(DEFAULT_FEE_POLICY).toEqual({ minSatPerVByte: 5, bufferPercent: 25 });
  });

  it("raises to the minimum and rounds the buffered rate up", () => {
    const p = DEFAULT_FEE_POLICY;
    expect(appliedFeeRate(1, p)).toBe(5); // the stuck 1 sat/vB sweep
    expect(appliedFeeRate(4, p)).toBe(5);
    expect(appliedFeeRate(5, p)).toBe(7); // 6.25 → 7
    expect(appliedFeeRate(8, p)).toBe(10); // exact
    expect(appliedFeeRate(26, p)).toBe(33); // 32.5 → 33
    expect(appliedFeeRate(3, { minSatPerVByte: 1, bufferPercent: 25 })).toBe(4);
    expect(appliedFeeRate(100, { minSatPerVByte: 5, bufferPercent: 0 })).toBe(100);
    expect(appliedFeeRate(2.5, { minSatPerVByte: 1, bufferPercent: 25 })).toBe(4); // 3.125 → 4
  });
});

describe("fee and shares", () => {
  it("fee = rate × vsize as bigint", () => {
    expect(feeFor(26, 409)).toBe(10634n);
    expect(feeFor(1, 1)).toBe(1n);
  });

  it("a fee ≤ 0 throws FEE_INVALID", () => {
    for (const [r, v] of [[0, 100], [-1, 100], [5, 0], [1.5, 100]] as const) {
      expect(() => feeFor(r, v)).toThrow(expect.objectContaining({ code: "FEE_INVALID" }));
    }
  });

  it("equal split: floor each, remainder on the last", () => {
    expect(equalShares(10n, 3)).toEqual([3n, 3n, 4n]);
    expect(equalShares(10634n, 3)).toEqual([3544n, 3544n, 3546n]);
    expect(equalShares(7n, 1)).toEqual([7n]);
    expect(equalShares(2n, 5)).toEqual([0n, 0n, 0n, 0n, 2n]);
    const shares = equalShares(123457n, 20);
    expect(shares.reduce((a, b) => a + b, 0n)).toBe(123457n);
    expect(() => equalShares(10n, 0)).toThrow();
  });
});

describe("reference times (§13.1)", () => {
  it("tLow is the window block's timestamp", () => {
    expect(tLow(1_700_000_000)).toBe(1_700_000_000);
  });

  it("tHigh projects to the action's expiry plus the extra margin", () => {
    const L = { blockNumber: 1010, timestamp: 1_000_000 };
    expect(tHigh(L, 1000, ActionType.DepositSweep, 3600)).toBe(1_000_000 + (1000 + 100 + 1200 - 1010) * 12 + 3600);
    expect(tHigh(L, 1000, ActionType.DepositSweep, 3600)).toBe(1_019_080);
    expect(tHigh(L, 1000, ActionType.Redemption, 0)).toBe(1_008_280);
    expect(tHigh(L, 1000, ActionType.MovingFunds, 0)).toBe(1_000_000 + 740 * 12);
    expect(tHigh({ blockNumber: 1000, timestamp: 5 }, 1000, ActionType.MovedFundsSweep, 1)).toBe(5 + 700 * 12 + 1);
    expect(() => tHigh(L, 1000, ActionType.Noop, 0)).toThrow();
  });
});
