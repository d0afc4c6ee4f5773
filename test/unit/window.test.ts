import { describe, expect, it } from "vitest";
import {
  activePhaseEnd,
  currentWindowBlock,
  isWindowBlock,
  safeBlockNumber,
  windowEnd,
  windowIndex,
  windowsCrossed,
} from "../../src/protocol/window.js";
import vectors from "../vectors/checklist.json" with { type: "json" };

describe("window arithmetic (§0, §3, §15.4)", () => {
  it("window index vectors", () => {
    for (const v of vectors.windowIndex) expect(windowIndex(v.block), `index(${v.block})`).toBe(v.index);
  });

  it("phase vectors", () => {
    for (const p of vectors.phases) {
      expect(safeBlockNumber(p.W)).toBe(p.safeBlock);
      expect(activePhaseEnd(p.W)).toBe(p.activePhaseEnd);
      expect(windowEnd(p.W)).toBe(p.windowEnd);
    }
  });

  it("isWindowBlock", () => {
    expect(isWindowBlock(0)).toBe(false);
    expect(isWindowBlock(900)).toBe(true);
    expect(isWindowBlock(1800)).toBe(true);
    expect(isWindowBlock(901)).toBe(false);
    expect(isWindowBlock(-900)).toBe(false);
    expect(isWindowBlock(899)).toBe(false);
    expect(isWindowBlock(900.5)).toBe(false);
  });

  it("currentWindowBlock", () => {
    expect(currentWindowBlock(0)).toBe(0);
    expect(currentWindowBlock(899)).toBe(0);
    expect(currentWindowBlock(900)).toBe(900);
    expect(currentWindowBlock(1799)).toBe(900);
    expect(currentWindowBlock(2705)).toBe(2700);
  });

  it("windowsCrossed: cursor < W <= head, W > 0, ascending", () => {
    expect(windowsCrossed(1799, 2705)).toEqual([1800, 2700]); // §3.2 back-fill example
    expect(windowsCrossed(1799, 1850)).toEqual([1800]);
    expect(windowsCrossed(899, 900)).toEqual([900]);
    expect(windowsCrossed(900, 1799)).toEqual([]);
    expect(windowsCrossed(0, 899)).toEqual([]);
    expect(windowsCrossed(-1, 900)).toEqual([900]); // fresh cursor 900·floor(h/900) − 1 with h < 900 never yields 0
    expect(windowsCrossed(-1, 0)).toEqual([]);
    expect(windowsCrossed(2705, 2705)).toEqual([]);
    expect(windowsCrossed(3000, 2000)).toEqual([]);
    // A stream of heads 1, 2, 3, … crosses 900 and 1800 exactly once each.
    const seen: number[] = [];
    for (let h = 1; h <= 2000; h++) seen.push(...windowsCrossed(h - 1, h));
    expect(seen).toEqual([900, 1800]);
  });
});
