import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { checklist } from "../../src/coordination/checklist.js";
import { actionName, ActionType } from "../../src/protocol/constants.js";
import { heartbeatDraw } from "../../src/coordination/rng/index.js";
import vectors from "../vectors/checklist.json" with { type: "json" };

/** keep-core's test seed: SHA-256 of the minimal big-endian bytes of (W + 2). */
function testSeed(W: number): Uint8Array {
  let hex = (W + 2).toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return sha256(Uint8Array.from(Buffer.from(hex, "hex")));
}

const profile = (rngScheme: "seedrandom" | "go-math-rand") => ({ ...vectors.profile, rngScheme });
const names = (l: ActionType[]) => l.map(actionName);

describe("checklist (§6, §15.4)", () => {
  it("test seed rule: minimal big-endian bytes", () => {
    expect(Buffer.from(testSeed(900)).equals(Buffer.from(sha256(Uint8Array.of(0x03, 0x86))))).toBe(true);
  });

  it("table rows, both schemes", () => {
    for (const row of vectors.table) {
      const seed = testSeed(row.W);
      if (row.goFloat64 !== null) {
        expect(heartbeatDraw(seed, "go-math-rand"), `go draw W=${row.W}`).toBeCloseTo(row.goFloat64, 6);
        expect(names(checklist(row.W, seed, profile("go-math-rand"))), `go W=${row.W}`).toEqual(row.goChecklist);
      }
      expect(heartbeatDraw(seed, "seedrandom"), `seedrandom draw W=${row.W}`).toBeCloseTo(row.seedrandomDraw, 6);
      expect(names(checklist(row.W, seed, profile("seedrandom"))), `seedrandom W=${row.W}`).toEqual(row.seedrandomChecklist);
    }
  });

  it("the only seedrandom heartbeat windows up to 90000", () => {
    const hb: number[] = [];
    for (let W = 900; W <= 90000; W += 900) {
      if (checklist(W, testSeed(W), profile("seedrandom")).includes(ActionType.Heartbeat)) hb.push(W);
    }
    expect(hb).toEqual(vectors.seedrandomHeartbeatWindowsUpTo90000);
  });

  it("priority order and frequency", () => {
    const seed = testSeed(3600);
    expect(names(checklist(3600, seed, { frequencyWindows: 1, heartbeatProbabilityPpm: 1_000_000, rngScheme: "seedrandom" }))).toEqual([
      "Redemption",
      "DepositSweep",
      "MovedFundsSweep",
      "MovingFunds",
      "Heartbeat",
    ]);
    expect(names(checklist(3600, seed, { frequencyWindows: 3, heartbeatProbabilityPpm: 0, rngScheme: "seedrandom" }))).toEqual(["Redemption"]);
    expect(names(checklist(2700, seed, { frequencyWindows: 3, heartbeatProbabilityPpm: 0, rngScheme: "go-math-rand" }))).toEqual([
      "Redemption",
      "DepositSweep",
      "MovedFundsSweep",
      "MovingFunds",
    ]);
  });

  it("refuses invalid windows and frequency", () => {
    expect(() => checklist(901, testSeed(900), profile("seedrandom"))).toThrow();
    expect(() => checklist(0, testSeed(900), profile("seedrandom"))).toThrow();
    expect(() => checklist(900, testSeed(900), { ...profile("seedrandom"), frequencyWindows: 0 })).toThrow();
  });
});
