// Migration 0005: the DKG sessions (threshold.md §3.2) as a forward-only state machine enforced by the
// repo, durable across a reopen and `wcoord db reindex`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDbCommand } from "../../src/store/db-command.js";
import { isStoreError } from "../../src/store/store-error.js";
import { Store } from "../../src/store/store.js";

const ID = 7n;
const BIG = (1n << 255n) + 3n;
const X = "0x" + "cd".repeat(32);
const PKH = "ab".repeat(20);
const SIG = (b: number) => "0x" + b.toString(16).padStart(2, "0").repeat(65);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isStoreError(e) ? e.code : "other";
  }
  return undefined;
}

describe("dkg_sessions", () => {
  it("opens once at requested, then only moves forward; registered is final", () => {
    const s = Store.openMemory();
    const row = s.dkgSessions.open(ID, 2, [1, 2, 3]);
    expect(row).toMatchObject({ requestId: ID, memberIndex: 2, state: "requested", attempt: 0, included: [1, 2, 3], walletX: null, resultSignatures: {} });
    // Opening again returns the row as it is.
    s.dkgSessions.advance(ID, "round1_sent");
    expect(s.dkgSessions.open(ID, 2, [1, 2, 3]).state).toBe("round1_sent");
    expect(codeOf(() => s.dkgSessions.advance(ID, "round1_sent"))).toBe("CAS_FAILED");
    expect(codeOf(() => s.dkgSessions.advance(ID, "requested"))).toBe("CAS_FAILED");
    s.dkgSessions.advance(ID, "round2_sent");
    const stored = s.dkgSessions.advance(ID, "share_stored", { walletX: X, walletPkh: "0x" + PKH.toUpperCase() });
    expect([stored.walletX, stored.walletPkh]).toEqual([X, PKH]);
    s.dkgSessions.advance(ID, "result_signed", { signedBlock: 120 });
    // Skipping forward is allowed (another member's result registered the wallet first).
    const done = s.dkgSessions.advance(ID, "registered");
    expect([done.state, done.signedBlock, done.walletX]).toEqual(["registered", 120, X]);
    expect(codeOf(() => s.dkgSessions.advance(ID, "failed"))).toBe("FROZEN");
    expect(codeOf(() => s.dkgSessions.advance(99n, "round1_sent"))).toBe("NOT_FOUND");
    s.close();
  });

  it("a next attempt restarts at requested with a smaller set, only before the share is stored", () => {
    const s = Store.openMemory();
    s.dkgSessions.open(BIG, 1, [1, 2, 3, 4]);
    s.dkgSessions.advance(BIG, "round2_sent");
    s.dkgSessions.addSignatures(BIG, { 4: SIG(4) });
    const next = s.dkgSessions.nextAttempt(BIG, 1, [1, 2, 4]);
    expect([next.state, next.attempt, next.included, next.resultSignatures]).toEqual(["requested", 1, [1, 2, 4], {}]);
    expect(codeOf(() => s.dkgSessions.nextAttempt(BIG, 1, [1, 2]))).toBe("CAS_FAILED");
    expect(() => s.dkgSessions.nextAttempt(BIG, 2, [2, 1])).toThrow(RangeError);
    s.dkgSessions.advance(BIG, "round1_sent");
    s.dkgSessions.advance(BIG, "share_stored", { walletX: X, walletPkh: PKH });
    expect(codeOf(() => s.dkgSessions.nextAttempt(BIG, 2, [1, 2]))).toBe("CAS_FAILED");
    expect(s.dkgSessions.list().map((r) => r.requestId)).toEqual([BIG]);
    s.close();
  });

  it("collects result signatures (the first per signer counts) and fails from any open state", () => {
    const s = Store.openMemory();
    s.dkgSessions.open(ID, 1, [1, 2, 3]);
    s.dkgSessions.open(ID + 1n, 1, [1, 2, 3]);
    expect(s.dkgSessions.addSignatures(ID, { 1: SIG(1) })).toEqual({ 1: SIG(1) });
    expect(s.dkgSessions.addSignatures(ID, { 1: SIG(9), 3: SIG(3) })).toEqual({ 1: SIG(1), 3: SIG(3) });
    expect(s.dkgSessions.get(ID)!.resultSignatures).toEqual({ 1: SIG(1), 3: SIG(3) });
    const failed = s.dkgSessions.fail(ID + 1n, "request timed out");
    expect([failed.state, failed.error]).toEqual(["failed", "request timed out"]);
    expect(s.dkgSessions.list({ active: true }).map((r) => r.requestId)).toEqual([ID]);
    expect(s.dkgSessions.list().map((r) => r.requestId)).toEqual([ID, ID + 1n]);
    s.close();
  });

  it("survives a reopen and `wcoord db reindex`", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wcoord-dkg-sessions-"));
    dirs.push(dir);
    const s = Store.open(dir);
    s.dkgSessions.open(ID, 3, [1, 2, 3]);
    s.dkgSessions.advance(ID, "submitted", { walletX: X, walletPkh: PKH, intentId: 5 });
    s.close();
    const out: string[] = [];
    const code = await runDbCommand(["reindex", "--data-dir", dir], { write: (t: string) => out.push(t) }, { write: (t: string) => out.push(t) });
    expect(code, out.join("")).toBe(0);
    const again = Store.open(dir);
    try {
      expect(again.dkgSessions.get(ID)).toMatchObject({ state: "submitted", intentId: 5, walletX: X, memberIndex: 3 });
    } finally {
      again.close();
    }
  });
});
