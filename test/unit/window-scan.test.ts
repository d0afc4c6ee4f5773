// coordination.md §3.2 watcher decision and the §15.7 item 1 watcher scenarios.
import { describe, expect, it } from "vitest";
import { freshWindowCursor, scanWindows } from "../../src/chain/window-scan.js";

interface Outcome {
  opened: number[];
  missed: number[];
  cursor: number;
}

/** Feeds heads in order through the pure scan, as the watcher does, and collects every emission. */
function run(cursor: number | undefined, heads: number[], limit?: number): Outcome & { openedAt: Array<[number, number]> } {
  const out = { opened: [] as number[], missed: [] as number[], cursor: cursor ?? -1, openedAt: [] as Array<[number, number]> };
  let c = cursor;
  for (const h of heads) {
    if (c === undefined) c = freshWindowCursor(h);
    const s = scanWindows(c, h, limit);
    out.opened.push(...s.opened);
    out.missed.push(...s.missed);
    for (const W of s.opened) out.openedAt.push([W, h]);
    c = s.newCursor;
  }
  out.cursor = c ?? -1;
  return out;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("scanWindows: §15.7 item 1 scenarios", () => {
  const cases: Array<{ name: string; cursor: number | undefined; heads: number[]; opened: number[]; missed: number[]; cursor_: number }> = [
    { name: "stream 1, 2, 3, … opens 900 and 1800 exactly once", cursor: undefined, heads: range(1, 2000), opened: [900, 1800], missed: [], cursor_: 2000 },
    { name: "stream with repeated heads", cursor: undefined, heads: range(1, 1000).flatMap((h) => [h, h]), opened: [900], missed: [], cursor_: 1000 },
    { name: "jump 1799 → 2705: 1800 missed, 2700 opened", cursor: 1799, heads: [2705], opened: [2700], missed: [1800], cursor_: 2705 },
    { name: "jump 1799 → 1850: late join of 1800", cursor: 1799, heads: [1850], opened: [1800], missed: [], cursor_: 1850 },
    { name: "restart with persisted cursor inside window 900 does not re-open it", cursor: 930, heads: [931, 950, 1000], opened: [], missed: [], cursor_: 1000 },
    { name: "restart after downtime across 1800 catches it up", cursor: 950, heads: [1830], opened: [1800], missed: [], cursor_: 1830 },
    { name: "restart after long downtime: older windows missed, current caught up", cursor: 950, heads: [3650], opened: [3600], missed: [1800, 2700], cursor_: 3650 },
    { name: "stale and repeated heads are ignored", cursor: 1850, heads: [1850, 1700, 1849, 0], opened: [], missed: [], cursor_: 1850 },
    { name: "head W+79 is still live", cursor: 1799, heads: [1879], opened: [1800], missed: [], cursor_: 1879 },
    { name: "head W+80 is too late", cursor: 1799, heads: [1880], opened: [], missed: [1800], cursor_: 1880 },
    { name: "block 0 is never a window", cursor: -1, heads: [0, 5, 899], opened: [], missed: [], cursor_: 899 },
    { name: "fresh start in window 1800's active phase catches it up", cursor: undefined, heads: [1850, 1851], opened: [1800], missed: [], cursor_: 1851 },
    { name: "fresh start after window 900's active phase: only 900 visited, as missed", cursor: undefined, heads: [1799], opened: [], missed: [900], cursor_: 1799 },
    { name: "fresh start exactly at a boundary", cursor: undefined, heads: [2700], opened: [2700], missed: [], cursor_: 2700 },
  ];

  for (const tc of cases) {
    it(tc.name, () => {
      const out = run(tc.cursor, tc.heads);
      expect(out.opened).toEqual(tc.opened);
      expect(out.missed).toEqual(tc.missed);
      expect(out.cursor).toBe(tc.cursor_);
    });
  }

  it("the late join records the detecting head (joinedAtBlock = 1850)", () => {
    expect(run(1799, [1850]).openedAt).toEqual([[1800, 1850]]);
    // On a dense stream the window opens at W itself.
    expect(run(undefined, range(1, 1000)).openedAt).toEqual([[900, 900]]);
  });

  it("a stream with gaps still visits every boundary once", () => {
    const heads = [1, 450, 899, 901, 1500, 1799, 1801, 2650, 2790, 3599, 3700];
    const out = run(undefined, heads);
    expect(out.opened).toEqual([900, 1800]);
    expect(out.missed).toEqual([2700, 3600]);
    expect([...out.opened, ...out.missed].sort((a, b) => a - b)).toEqual([900, 1800, 2700, 3600]);
  });
});

describe("freshWindowCursor", () => {
  it.each([
    [0, -1],
    [5, -1],
    [899, -1],
    [900, 899],
    [1799, 899],
    [1800, 1799],
    [2705, 2699],
  ])("head %i → %i", (h, c) => {
    expect(freshWindowCursor(h)).toBe(c);
  });
});

describe("scanWindows with a limit (bounded queue)", () => {
  it("never moves the cursor past an undelivered window and visits the rest on later heads", () => {
    const a = scanWindows(0, 4600, 2);
    expect(a).toEqual({ opened: [], missed: [900, 1800], newCursor: 2699, truncated: true });
    const b = scanWindows(a.newCursor, 4601, 2);
    expect(b).toEqual({ opened: [], missed: [2700, 3600], newCursor: 4499, truncated: true });
    const c = scanWindows(b.newCursor, 4602, 2);
    expect(c).toEqual({ opened: [], missed: [4500], newCursor: 4602, truncated: false });
  });

  it("limit 0 visits nothing and keeps the cursor below the first window", () => {
    expect(scanWindows(850, 950, 0)).toEqual({ opened: [], missed: [], newCursor: 899, truncated: true });
    // Nothing crossed: the cursor advances normally even with no room.
    expect(scanWindows(901, 950, 0)).toEqual({ opened: [], missed: [], newCursor: 950, truncated: false });
  });

  it("a limit that fits exactly is not truncation", () => {
    expect(scanWindows(1799, 2705, 2)).toEqual({ opened: [2700], missed: [1800], newCursor: 2705, truncated: false });
  });
});
