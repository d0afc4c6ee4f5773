// `wcoord logs` and `wcoord faults` over a real Store in a temp directory, opened read-only
// while a writer (standing in for the node) keeps its own connection and lock.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultType } from "../../src/protocol/constants.js";
import { runFaultsCommand } from "../../src/node/faults-command.js";
import { runLogsCommand } from "../../src/node/logs-command.js";
import { Store } from "../../src/store/store.js";
import { LEADER, OTHER, populateStatusStore, WALLET_A, WALLET_B, type StatusFixture } from "../fixtures/status-store.js";

class Capture {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
  lines(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }
}

const dir = mkdtempSync(join(tmpdir(), "wcoord-logs-"));
let writer: Store;
let fx: StatusFixture;

beforeAll(() => {
  writer = Store.open(dir);
  fx = populateStatusStore(writer);
});
afterAll(() => {
  writer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function logs(...argv: string[]): Promise<{ code: number; out: Capture; err: Capture }> {
  const out = new Capture();
  const err = new Capture();
  const code = await runLogsCommand([...argv, "--data-dir", dir], out, err, { env: {} });
  return { code, out, err };
}

describe("wcoord logs", () => {
  it("prints the whole timeline ordered by block", async () => {
    const { code, out, err } = await logs();
    expect(err.text).toBe("");
    expect(code).toBe(0);
    const lines = out.lines();
    const blocks = lines.map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(blocks).toEqual([...blocks].sort((a, b) => a - b));
    expect(lines.map((l) => l.replace(/^\s*\d+\s+/, ""))).toEqual([
      "W=900 wallet=aa76…b62d leader=0x0000…00C3 checklist=[DepositSweep] rejected (leader)",
      "W=900 wallet=bb01…ff02 missed (active phase over when seen)",
      `W=900 wallet=aa76…b62d FAULT InvalidProposal culprit=${LEADER} reason="Deposit not revealed"`,
      "W=1800 wallet=bb01…ff02 leader=0x0000…00b2 checklist=[] idle (follower)",
      `W=1800 wallet=bb01…ff02 FAULT LeaderIdleness culprit=${OTHER} reason="no statement by W+80"`,
      `W=2700 wallet=aa76…b62d leader=0xABC0…0001 checklist=[Redemption] proposal=Heartbeat accepted (follower) validated at 2800 → action #${fx.heartbeatActionId}`,
      expect.stringMatching(/^W=2700 wallet=aa76…b62d statement received proposal=Heartbeat digest=[0-9a-f]{4}…[0-9a-f]{4} \(accepted\)$/),
      `action #${fx.heartbeatActionId} Heartbeat new → scheduled @2704 W=2700 wallet=aa76…b62d`,
      `action #${fx.heartbeatActionId} Heartbeat scheduled → validating @2800 W=2700 wallet=aa76…b62d`,
    ]);
    expect(lines[5]).toMatch(/^\s+2700  W=2700/);
    expect(lines[6]).toMatch(/^\s+2701  /);
  });

  it("filters by wallet and by window", async () => {
    const b = (await logs("--wallet", "0x" + WALLET_B)).out.lines();
    expect(b).toHaveLength(3);
    expect(b.every((l) => l.includes("wallet=bb01…ff02"))).toBe(true);
    const w = (await logs("--window", "2700")).out.lines();
    expect(w).toHaveLength(4);
    expect(w.every((l) => l.includes("W=2700"))).toBe(true);
    const both = (await logs("--window", "900", "--wallet", WALLET_A)).out.lines();
    expect(both.map((l) => l.includes("FAULT"))).toEqual([false, true]);
  });

  it("--json prints one object per line with the record's fields", async () => {
    const rows = (await logs("--json", "--window", "1800")).out.lines().map((l) => JSON.parse(l));
    expect(rows).toEqual([
      expect.objectContaining({ kind: "window", block: 1800, W: 1800, wallet: WALLET_B, result: "idle", role: "follower", leader: OTHER }),
      expect.objectContaining({ kind: "fault", block: 1880, type: "LeaderIdleness", culprit: OTHER, id: fx.idleFaultId }),
    ]);
    expect(rows[1].at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("usage and missing database errors", async () => {
    expect((await logs("--window", "x")).code).toBe(2);
    expect((await logs("--wallet", "zz")).code).toBe(2);
    expect((await logs("--bogus")).code).toBe(2);
    const out = new Capture();
    const err = new Capture();
    expect(await runLogsCommand(["--data-dir", join(dir, "nothing-here")], out, err, { env: {} })).toBe(1);
    expect(err.text).toMatch(/no node database in .*nothing-here/);
    const help = new Capture();
    expect(await runLogsCommand(["--help"], help, new Capture())).toBe(0);
    expect(help.text).toContain("--follow");
  });

  it("--follow prints records written after it started, then stops on abort", async () => {
    const ac = new AbortController();
    const out = new Capture();
    const err = new Capture();
    const running = runLogsCommand(["--follow", "--data-dir", dir, "--wallet", WALLET_B], out, err, { env: {}, signal: ac.signal, pollMs: 50 });
    await waitFor(() => out.lines().length === 3);
    // The "node" writes while logs follows.
    writer.windows.claim(WALLET_B, 3600, { role: "leader", leader: OTHER, checklist: ["Heartbeat"], joinedAtBlock: 3600 });
    await waitFor(() => out.lines().length === 4);
    expect(out.lines()[3]).toMatch(/3600  W=3600 wallet=bb01…ff02 .*running \(leader\)$/);
    writer.windows.update(WALLET_B, 3600, { status: "done", result: "idle" });
    writer.faults.record({ walletPkh: WALLET_B, W: 3600, type: FaultType.LeaderIdleness, culprit: OTHER, reason: "silent again", detectedBlock: 3680, evidence: {} });
    await waitFor(() => out.lines().length === 6);
    expect(out.lines().slice(4)).toEqual([
      expect.stringMatching(/3600  W=3600 .* idle \(leader\)$/),
      expect.stringMatching(/3680  W=3600 .*FAULT LeaderIdleness .*"silent again"$/),
    ]);
    ac.abort();
    expect(await running).toBe(0);
    expect(err.text).toBe("");
  });
});

describe("wcoord faults", () => {
  async function faults(...argv: string[]): Promise<{ code: number; out: Capture; err: Capture }> {
    const out = new Capture();
    const err = new Capture();
    const code = await runFaultsCommand([...argv, "--data-dir", dir], out, err, {});
    return { code, out, err };
  }

  it("lists faults newest first as a table", async () => {
    const { code, out } = await faults("--wallet", WALLET_A);
    expect(code).toBe(0);
    const lines = out.lines();
    expect(lines[0]).toMatch(/^id\s+W\s+wallet\s+type\s+culprit\s+detected\s+reason$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${fx.invalidFaultId}\\s+900\\s+aa76…b62d\\s+InvalidProposal\\s+${LEADER}\\s+950\\s+Deposit not revealed$`))]);
  });

  it("--json includes the evidence; --id shows one; filters apply", async () => {
    const all = JSON.parse((await faults("--json", "--type", "invalidproposal")).out.text);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: fx.invalidFaultId, type: "InvalidProposal", evidence: { wire: "0x0102" } });
    const one = JSON.parse((await faults("--id", String(fx.idleFaultId), "--json")).out.text);
    expect(one).toMatchObject({ id: fx.idleFaultId, type: "LeaderIdleness", evidence: { observation: "none" } });
    expect((await faults("--id", "999")).code).toBe(1);
    expect((await faults("--since-block", "100000")).out.text).toBe("no faults recorded\n");
    expect((await faults("--type", "Rudeness")).code).toBe(2);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
