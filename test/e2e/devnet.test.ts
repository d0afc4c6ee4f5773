// `wcoord devnet` as a user runs it (what `npm start` does), as a child process: every wallet of every
// window accepted and validated by all its followers; --kill-leader shows LeaderIdleness in the
// timeline and the summary; the same --seed gives the same scenario.
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
  it("coordinates 3 windows: every follower of every wallet accepts and validates the leader's proposal", async () => {
    const file = join(dir, "s.json");
    const res = await devnet(["--windows", "3", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(s.nodes).toBe(5);
    expect(s.wallets).toBe(3);
    expect(s.windows).toHaveLength(3);
    for (const w of s.windows) {
      expect(w.block % 900).toBe(0);
      expect(w.wallets).toHaveLength(3);
      for (const ww of w.wallets) {
        expect(ww.leader).toMatch(/^0x[0-9a-fA-F]{40}$/);
        expect(ww.action).toBe("Heartbeat");
        expect(ww.followers).toBe(3);
        expect(ww.accepted).toBe(ww.followers);
        expect(ww.validated).toBe(ww.followers);
        expect(ww.faults).toEqual([]);
      }
    }
    expect(res.out).toMatch(/W=900 wallet .* leader node\d/);
    expect(res.out).toMatch(/accepted 3\/3, validated 3\/3/);
  }, 120_000);

  it("--kill-leader: the stopped leader's wallet shows LeaderIdleness in the timeline and the summary", async () => {
    const file = join(dir, "k.json");
    const res = await devnet(["--windows", "2", "--kill-leader", "--summary", file, "--seed", "ci", "--nodes", "4", "--wallets", "2"]);
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
  }, 120_000);

  it("rejects bad flags with exit code 2", async () => {
    const res = await devnet(["--nodes", "one"]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("--nodes must be an integer");
  });
});
