// The benchmarks' flags (bench/): bad ones are refused before anything starts. No figure is timed here.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../../bench/bench-util.js";
import { footprintOptions } from "../../bench/footprint.js";
import { gasRows } from "../../bench/gas-report.js";
import { prefillStore, startupOptions } from "../../bench/startup.js";
import { Store } from "../../src/store/store.js";

const args = (...argv: string[]) => parseBenchArgs(argv);

describe("bench flags", () => {
  it("footprint: defaults, and refuses bad sizes, unknown flags and an unknown --run", () => {
    expect(footprintOptions(args())).toEqual({ wallets: [1, 50, 200], idleS: 10, blockMs: 100, run: "src" });
    expect(footprintOptions(args("--wallets", "1,50", "--idle-s", "3", "--json")).wallets).toEqual([1, 50]);
    expect(() => footprintOptions(args("--wallets", "0,5"))).toThrow(/--wallets/);
    expect(() => footprintOptions(args("--wallets", "a"))).toThrow(/--wallets/);
    expect(() => footprintOptions(args("--idle-s", "1,2"))).toThrow(/--idle-s/);
    expect(() => footprintOptions(args("--walets", "5"))).toThrow(/unknown flag --walets/);
    expect(() => footprintOptions(args("--run", "build"))).toThrow(/--run/);
    expect(() => args("footprint", "50")).toThrow(/unexpected argument/);
    expect(() => args("--wallets")).toThrow(/unexpected argument/);
  });

  it("startup: 0 is a size (the empty store); negative, fractional and empty sizes are refused", () => {
    expect(startupOptions(args()).entries).toEqual([0, 100_000]);
    expect(startupOptions(args("--entries", "0,10")).entries).toEqual([0, 10]);
    for (const bad of ["-1", "1.5", "", "1,,2", "1e400"]) expect(() => startupOptions(args("--entries", bad))).toThrow(/--entries/);
    expect(() => startupOptions(args("--wallets", "1"))).toThrow(/unknown flag/);
  });

  it("startup: the pre-fill writes E window rows and E transcript rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "wcoord-bench-args-"));
    try {
      prefillStore(dir, 250);
      const store = Store.open(dir, { readonly: true });
      try {
        expect(store.inboundMessages.count()).toBe(250);
        expect(store.windows.listRecent().length).toBe(250);
        expect(store.windows.listRunning()).toEqual([]);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gas: one row per call, counted figures in their own cells", () => {
    expect(gasRows({ a: 23720, b: { deposits: { 1: 65431, 20: 538670 } } })).toEqual([
      ["a", "23 720", ""],
      ["b", "65 431 (1 deposits)", "538 670 (20 deposits)"],
    ]);
  });
});
