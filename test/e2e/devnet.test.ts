// `wcoord devnet` as a user runs it (what `npm start` does), as a child process: every wallet of every
// window accepted and validated by all its followers, and every action type run to its end on the
// Bitcoin test chain, those of the last window too (the drain after --windows K); --kill-leader shows
// LeaderIdleness in the timeline and the summary.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { DevnetSummary } from "../../src/devnet/devnet.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = mkdtempSync(join(tmpdir(), "wcoord-devnet-test-"));

function devnet(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/wcoord.js", "devnet", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("wcoord devnet", () => {
  it("runs every action type to its end: sweeps, moving funds, redemptions, moved-funds sweep, heartbeats", async () => {
    const file = join(dir, "s.json");
    const res = await devnet(["--windows", "5", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(s.nodes).toBe(5);
    expect(s.wallets).toBe(3);
    expect(s.windows).toHaveLength(5);
    for (const w of s.windows) {
      expect(w.block % 900).toBe(0);
      expect(w.wallets).toHaveLength(3);
      for (const ww of w.wallets) {
        expect(ww.leader).toMatch(/^0x[0-9a-fA-F]{40}$/);
        expect(ww.action).not.toBeNull();
        expect(ww.followers).toBe(3);
        expect(ww.accepted, `${ww.wallet} W=${w.block}`).toBe(ww.followers);
        expect(ww.validated).toBe(ww.followers);
        expect(ww.faults).toEqual([]);
      }
    }
    // Every wallet swept its deposit in the first window; wallet 0 then moved its funds, the others
    // paid redemptions, and the moving-funds target swept what it received.
    const byType = new Map<string, DevnetSummary["actions"]>();
    for (const a of s.actions) byType.set(a.type, [...(byType.get(a.type) ?? []), a]);
    expect([...byType.keys()].sort()).toEqual(["DepositSweep", "Heartbeat", "MovedFundsSweep", "MovingFunds", "Redemption"]);
    expect(byType.get("DepositSweep")!.map((a) => a.window)).toEqual([900, 900, 900]);
    // After the last window the devnet drains: every action of every window, the last one included,
    // is terminal in the summary, and in this healthy run every one is done (a Bitcoin transaction
    // settled on the Bridge and final at 100 confirmations).
    for (const a of s.actions) {
      const what = `${a.type} W=${a.window}: ${a.history.join(" → ")} (${JSON.stringify(a.nodes)})`;
      expect(["done", "expired", "backedOut"], what).toContain(a.state);
      expect(a.state, what).toBe("done");
      expect(a.history[0]).toBe("scheduled");
      if (a.type === "Heartbeat") {
        expect(a.history).toEqual(["scheduled", "validating", "signing", "done"]);
      } else {
        expect(a.history.slice(0, 8)).toEqual(["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed"]);
        expect(a.history.at(-1)).toBe("final");
      }
    }
    expect(s.actions.filter((a) => a.window === s.windows[4].block).length).toBeGreaterThan(0);
    expect(res.out).toMatch(/drain: every action is terminal \(\+\d+ Bitcoin blocks, [\d.]+ s\)/);
    expect(res.out).toMatch(/W=900 wallet .* leader node\d/);
    expect(res.out).toMatch(/DepositSweep: accepted 3\/3, validated 3\/3/);
    expect(res.out).toMatch(/MovingFunds action → settled txid/);
  }, 180_000);

  it("--kill-leader: the stopped leader's wallet shows LeaderIdleness in the timeline and the summary", async () => {
    const file = join(dir, "k.json");
    // --no-drain: stops right after window 2, as before the drain existed (and keeps this test short).
    const res = await devnet(["--windows", "2", "--no-drain", "--kill-leader", "--summary", file, "--seed", "ci", "--nodes", "4", "--wallets", "2"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    const idle = s.windows[1].wallets.filter((w) => w.faults.some((f) => f.type === "LeaderIdleness"));
    expect(s.windows[1].wallets).toHaveLength(2);
    expect(idle.length).toBeGreaterThanOrEqual(1);
    for (const w of idle) {
      expect(w.faults.find((f) => f.type === "LeaderIdleness")!.culprit).toBe(w.leader);
      expect(w.accepted).toBe(0);
    }
    expect(res.out).toMatch(/--kill-leader: stopping node\d/);
    expect(res.out).toMatch(/FAULT LeaderIdleness culprit node\d/);
    expect(res.out).not.toContain("drain:");
  }, 120_000);

  it("rejects bad flags with exit code 2", async () => {
    const res = await devnet(["--nodes", "one"]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("--nodes must be an integer");
  });
});
