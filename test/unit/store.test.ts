import fs from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActionType, FaultType } from "../../src/protocol/constants.js";
import { runDbCommand } from "../../src/store/db-command.js";
import { expectStoreError } from "../fixtures/store-errors.js";
import { StoreError } from "../../src/store/store-error.js";
import { Store } from "../../src/store/store.js";
import { CURSOR } from "../../src/store/repos/cursors-repo.js";
import { META_KEYS } from "../../src/store/repos/meta-repo.js";
import type { NewAction } from "../../src/store/repos/actions-repo.js";
import { tempDirs } from "../fixtures/temp-dirs.js";

const PKH_A = "aa".repeat(20);
const PKH_B = "bb".repeat(20);
const PKH_C = "cc".repeat(20);
const ALICE = getAddress("0x" + "a1".repeat(20));
const BOB = getAddress("0x" + "b2".repeat(20));
const h32 = (b: number): string => "0x" + b.toString(16).padStart(2, "0").repeat(32);
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

function newAction(over: Partial<NewAction> = {}): NewAction {
  return {
    walletPkh: PKH_A,
    W: 900,
    type: ActionType.DepositSweep,
    payload: bytes(1, 2, 3),
    start: 1000,
    expiry: 2200,
    signingStart: 1000,
    signingDeadline: 1900,
    ...over,
  };
}

const tmpDir = tempDirs("wcoord-store-");

// Every repository behaves the same over a database file and over :memory: (style.md §1.14).
describe.each([
  ["file", () => Store.open(tmpDir())],
  ["memory", () => Store.openMemory()],
] as const)("repositories (%s)", (_kind, open) => {
  let store: Store;
  beforeEach(() => {
    store = open();
  });
  afterEach(() => store.close());

  it("meta: get/set/delete/json, schema_version mirrors user_version", () => {
    expect(store.schemaVersion).toBe(6);
    expect(store.meta.get(META_KEYS.schemaVersion)).toBe("6");
    expect(store.meta.get(META_KEYS.createdAt)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(store.meta.get("x")).toBeUndefined();
    store.meta.set("x", "1");
    store.meta.set("x", "2");
    expect(store.meta.get("x")).toBe("2");
    expect(store.meta.getNumber("x")).toBe(2);
    store.meta.setJson("j", { a: [1, 2] });
    expect(store.meta.getJson("j")).toEqual({ a: [1, 2] });
    expect(store.meta.all()).toMatchObject({ x: "2", j: '{"a":[1,2]}' });
    expect(store.meta.delete("x")).toBe(true);
    expect(store.meta.delete("x")).toBe(false);
  });

  it("cursors: set overwrites, get returns height, hash and update time", () => {
    expect(store.cursors.get(CURSOR.ethEvents)).toBeUndefined();
    const before = Date.now();
    store.cursors.set(CURSOR.ethEvents, { height: 10, hash: h32(1) });
    store.cursors.set(CURSOR.ethEvents, { height: 11, hash: h32(2) });
    store.cursors.set(CURSOR.ethWindowWatch, { height: -1, hash: "" });
    const c = store.cursors.get(CURSOR.ethEvents)!;
    expect(c).toMatchObject({ height: 11, hash: h32(2) });
    expect(c.updatedAt).toBeGreaterThanOrEqual(before);
    expect(Object.keys(store.cursors.all())).toEqual([CURSOR.ethEvents, CURSOR.ethWindowWatch]);
    expect(() => store.cursors.set(CURSOR.btcTip, { height: 1.5, hash: "x" })).toThrow(RangeError);
  });

  it("btc headers: put, tip, range, deleteAbove, prune", () => {
    for (let h = 1; h <= 10; h++) store.btcHeaders.put({ height: h, hash: `h${h}`, prevHash: `h${h - 1}` });
    store.btcHeaders.put({ height: 10, hash: "h10b", prevHash: "h9" });
    expect(store.btcHeaders.tip()).toEqual({ height: 10, hash: "h10b", prevHash: "h9" });
    expect(store.btcHeaders.range(3, 5).map((h) => h.height)).toEqual([3, 4, 5]);
    expect(store.btcHeaders.deleteAbove(8)).toBe(2);
    expect(store.btcHeaders.tip()?.height).toBe(8);
    expect(store.btcHeaders.prune(3)).toBe(5);
    expect(store.btcHeaders.range(0, 100).map((h) => h.height)).toEqual([6, 7, 8]);
    expect(store.btcHeaders.get(5)).toBeUndefined();
  });

  describe("windows", () => {
    it("claim inserts once; a second claim returns the stored row and writes nothing", () => {
      expect(store.windows.claim(PKH_A, 900, { joinedAtBlock: 905 })).toEqual({ claimed: true });
      const again = store.windows.claim(PKH_A.toUpperCase(), 900, { joinedAtBlock: 999 });
      expect(again.claimed).toBe(false);
      expect(again.claimed === false && again.row).toMatchObject({ walletPkh: PKH_A, W: 900, status: "running", joinedAtBlock: 905 });
    });

    it("update sets every field and round-trips types", () => {
      store.windows.claim(PKH_A, 900);
      const row = store.windows.update(PKH_A, 900, {
        status: "leader_signed",
        role: "leader",
        leader: ALICE.toLowerCase(),
        seedHex: "ab".repeat(32),
        safeBlockHash: h32(0xcd).toUpperCase().replace("0X", "0x"),
        checklist: ["Heartbeat", "DepositSweep"],
        joinedAtBlock: 900,
        firstPublishBlock: 902,
        result: "accepted_own",
        resultDigest: bytes(9, 9),
        resultDetail: "detail",
      });
      expect(row).toEqual({
        walletPkh: PKH_A,
        W: 900,
        status: "leader_signed",
        role: "leader",
        leader: ALICE,
        seedHex: "ab".repeat(32),
        safeBlockHash: h32(0xcd),
        checklist: ["Heartbeat", "DepositSweep"],
        joinedAtBlock: 900,
        firstPublishBlock: 902,
        result: "accepted_own",
        resultDigest: bytes(9, 9),
        resultDetail: "detail",
      });
      expect(store.windows.get(PKH_A, 900)).toEqual(row);
      expectStoreError(() => store.windows.update(PKH_B, 900, { status: "done" }), "NOT_FOUND");
    });

    it("recordMissed, listRecent (newest first, per wallet) and listRunning", () => {
      expect(store.windows.recordMissed(PKH_A, 900)).toBe(true);
      expect(store.windows.recordMissed(PKH_A, 900)).toBe(false);
      store.windows.claim(PKH_A, 1800);
      store.windows.claim(PKH_B, 1800);
      store.windows.claim(PKH_B, 2700);
      store.windows.update(PKH_B, 1800, { status: "leader_signed" });
      store.windows.update(PKH_B, 2700, { status: "done", result: "idle" });
      expect(store.windows.get(PKH_A, 900)).toMatchObject({ status: "missed", result: "missed", role: null });
      expect(store.windows.listRecent().map((w) => [w.walletPkh, w.W])).toEqual([
        [PKH_B, 2700],
        [PKH_A, 1800],
        [PKH_B, 1800],
        [PKH_A, 900],
      ]);
      expect(store.windows.listRecent({ wallet: PKH_B, limit: 1 }).map((w) => w.W)).toEqual([2700]);
      expect(store.windows.listRunning().map((w) => [w.walletPkh, w.status])).toEqual([
        [PKH_A, "running"],
        [PKH_B, "leader_signed"],
      ]);
    });
  });

  it("leader statements: duplicates ignored, arrival order, own flag", () => {
    const s = { walletPkh: PKH_A, W: 900, receivedAtBlock: 901 };
    expect(store.leaderStatements.add({ ...s, digest: bytes(2), wire: bytes(20), own: false })).toBe(true);
    expect(store.leaderStatements.add({ ...s, digest: bytes(2), wire: bytes(21), own: false })).toBe(false);
    expect(store.leaderStatements.add({ ...s, digest: bytes(1), wire: bytes(10), own: true })).toBe(true);
    expect(store.leaderStatements.add({ ...s, W: 1800, digest: bytes(1), wire: bytes(10), own: true })).toBe(true);
    const list = store.leaderStatements.list(PKH_A, 900);
    expect(list).toEqual([
      { ...s, digest: bytes(2), wire: bytes(20), own: false },
      { ...s, digest: bytes(1), wire: bytes(10), own: true },
    ]);
    expect(store.leaderStatements.own(PKH_A, 900)?.digest).toEqual(bytes(1));
    expect(store.leaderStatements.list(PKH_B, 900)).toEqual([]);
  });

  it("inbound messages: append returns increasing ids; list after id, by window, limited", () => {
    const ids = [1, 2, 3, 4].map((i) =>
      store.inboundMessages.append({
        wire: bytes(i),
        fromPeer: `peer${i}`,
        walletPkh: i % 2 ? PKH_A : null,
        W: i % 2 ? 900 : null,
        receivedAtBlock: 900 + i,
        verdict: "accept",
        reason: i === 3 ? "B6" : null,
      }),
    );
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(store.inboundMessages.count()).toBe(4);
    expect(store.inboundMessages.list({ afterId: ids[1], limit: 1 }).map((m) => m.id)).toEqual([ids[2]]);
    const mine = store.inboundMessages.list({ wallet: PKH_A, W: 900 });
    expect(mine.map((m) => m.fromPeer)).toEqual(["peer1", "peer3"]);
    expect(mine[1]).toMatchObject({ wire: bytes(3), walletPkh: PKH_A, W: 900, receivedAtBlock: 903, verdict: "accept", reason: "B6" });
    expect(store.inboundMessages.get(ids[1]!)).toMatchObject({ walletPkh: null, W: null, reason: null });
  });

  describe("faults", () => {
    const base = { walletPkh: PKH_A, W: 900, reason: "r", evidence: { W: 900, wire: "00ff" } };

    it("record is unique per (wallet, W, type, culprit) and never throws on a repeat", () => {
      const first = store.faults.record({ ...base, type: FaultType.LeaderIdleness, culprit: ALICE, detectedBlock: 980 });
      expect(first.inserted).toBe(true);
      const again = store.faults.record({ ...base, type: FaultType.LeaderIdleness, culprit: ALICE.toLowerCase(), detectedBlock: 990 });
      expect(again).toEqual({ inserted: false, id: first.id });
      expect(store.faults.get(first.id)).toMatchObject({ ...base, type: FaultType.LeaderIdleness, culprit: ALICE, detectedBlock: 980 });
      expect(store.faults.record({ ...base, type: FaultType.LeaderIdleness, culprit: BOB, detectedBlock: 980 }).inserted).toBe(true);
      expect(() => store.faults.record({ ...base, type: FaultType.Unknown, culprit: BOB, detectedBlock: 1 })).toThrow(RangeError);
    });

    it("list is newest first with wallet, type and sinceBlock filters; countByType", () => {
      store.faults.record({ ...base, type: FaultType.LeaderMistake, culprit: ALICE, detectedBlock: 910 });
      store.faults.record({ ...base, W: 1800, type: FaultType.LeaderMistake, culprit: ALICE, detectedBlock: 1810 });
      store.faults.record({ ...base, walletPkh: PKH_B, type: FaultType.InvalidProposal, culprit: BOB, detectedBlock: 920 });
      expect(store.faults.list().map((f) => f.detectedBlock)).toEqual([1810, 920, 910]);
      expect(store.faults.list({ wallet: PKH_B }).map((f) => f.culprit)).toEqual([BOB]);
      expect(store.faults.list({ type: FaultType.LeaderMistake, sinceBlock: 1000 }).map((f) => f.W)).toEqual([1800]);
      expect(store.faults.list({ limit: 1 })).toHaveLength(1);
      expect(store.faults.countByType()).toEqual({ 1: 0, 2: 2, 3: 0, 4: 0, 5: 1, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0 });
      expect(store.faults.get(12345)).toBeUndefined();
    });

    it("a DKG fault is keyed by (request, attempt, type, culprit), has no wallet or window, and is never listed under a wallet", () => {
      const dkg = { requestId: "9", attempt: 0, reason: "r", evidence: { kind: "DkgInvalidProof" } };
      const first = store.faults.record({ ...dkg, type: FaultType.DkgInvalidProof, culprit: ALICE, detectedBlock: 120 });
      expect(first.inserted).toBe(true);
      expect(store.faults.record({ ...dkg, type: FaultType.DkgInvalidProof, culprit: ALICE, detectedBlock: 130 })).toEqual({ inserted: false, id: first.id });
      expect(store.faults.record({ ...dkg, attempt: 1, type: FaultType.DkgInvalidProof, culprit: ALICE, detectedBlock: 130 }).inserted).toBe(true);
      expect(store.faults.record({ ...dkg, requestId: "10", type: FaultType.DkgInvalidProof, culprit: ALICE, detectedBlock: 130 }).inserted).toBe(true);
      expect(store.faults.get(first.id)).toMatchObject({ walletPkh: null, W: null, requestId: "9", attempt: 0, type: FaultType.DkgInvalidProof, culprit: ALICE });
      // A window fault beside it is its own row; the two kinds never take each other's key.
      store.faults.record({ ...base, type: FaultType.LeaderMistake, culprit: ALICE, detectedBlock: 910 });
      expect(store.faults.list({ wallet: PKH_A }).map((f) => f.type)).toEqual([FaultType.LeaderMistake]);
      expect(store.faults.list({ type: FaultType.DkgInvalidProof })).toHaveLength(3);
      expect(() => store.faults.record({ ...base, type: FaultType.DkgNoParticipation, culprit: BOB, detectedBlock: 1 })).toThrow(RangeError);
      expect(() => store.faults.record({ ...dkg, type: FaultType.LeaderIdleness, culprit: BOB, detectedBlock: 1 })).toThrow(RangeError);
      expect(store.faults.countByType()[FaultType.DkgInvalidProof]).toBe(3);
    });
  });

  describe("actions", () => {
    it("create: state scheduled, holds the lock, first transition; a second lock holder is refused", () => {
      const a = store.actions.create(newAction(), { ethHead: 905 });
      expect(a).toMatchObject({ walletPkh: PKH_A, W: 900, state: "scheduled", holdsLock: true, payload: bytes(1, 2, 3) });
      expect(store.actions.history(a.id)).toMatchObject([{ seq: 1, from: null, to: "scheduled", ethHead: 905, btcTip: null }]);
      expect(store.actions.lockHolder(PKH_A)?.id).toBe(a.id);
      const busy = expectStoreError(() => store.actions.create(newAction({ W: 1800 })), "WALLET_BUSY");
      expect(busy.metadata.holder).toBe(a.id);
      expect(store.actions.list()).toHaveLength(1);
      expect(store.actions.create(newAction({ walletPkh: PKH_B })).holdsLock).toBe(true);
    });

    it("create of a second action for the same window is DUPLICATE", () => {
      const a = store.actions.create(newAction());
      store.actions.advance(a.id, "scheduled", "aborted", { reason: "x" });
      expectStoreError(() => store.actions.create(newAction()), "DUPLICATE");
    });

    it("advance: CAS + data + transition; all persisted fields round-trip", () => {
      const a = store.actions.create(newAction());
      const outpoints = [{ txHash: h32(0xab), index: 1, value: 5000n, script: bytes(0, 20) }];
      const b = store.actions.advance(
        a.id,
        "scheduled",
        "validating",
        { validationBlock: 1000, stateHeight: 1000 },
        { ethHead: 1000, btcTip: 50, detail: { why: "start" } },
      );
      expect(b).toMatchObject({ state: "validating", validationBlock: 1000 });
      const built = store.actions.advance(b.id, "validating", "built", {
        unsignedTx: bytes(7, 7),
        outpoints,
        sighashes: [bytes(1), bytes(2)],
        fee: 1234n,
        roundId: bytes(5),
        extra: { k: [1] },
      });
      expect(built).toMatchObject({ outpoints, sighashes: [bytes(1), bytes(2)], fee: 1234n, roundId: bytes(5), extra: { k: [1] } });
      expect(store.actions.get(a.id)).toEqual(built);
      expect(store.actions.history(a.id).map((t) => [t.seq, t.from, t.to])).toEqual([
        [1, null, "scheduled"],
        [2, "scheduled", "validating"],
        [3, "validating", "built"],
      ]);
      expect(store.actions.history(a.id)[1]).toMatchObject({ ethHead: 1000, btcTip: 50, detail: { why: "start" } });
    });

    it("advance from the wrong state throws CAS_FAILED and writes nothing", () => {
      const a = store.actions.create(newAction());
      store.actions.advance(a.id, "scheduled", "validating");
      const before = store.actions.get(a.id);
      const err = expectStoreError(
        () => store.actions.advance(a.id, "scheduled", "validating", { validationBlock: 5 }, { detail: { x: 1 } }),
        "CAS_FAILED",
      );
      expect(err.metadata).toMatchObject({ id: a.id, from: "scheduled", found: "validating" });
      expect(store.actions.get(a.id)).toEqual(before);
      expect(store.actions.history(a.id)).toHaveLength(2);
      expectStoreError(() => store.actions.advance(999, "scheduled", "validating"), "CAS_FAILED");
      expect(store.actionTransitions.list(999)).toEqual([]);
    });

    it("frozen states accept no transition; the lock is released at settled/aborted but kept at failed_invalid", () => {
      const a = store.actions.create(newAction());
      store.actions.advance(a.id, "scheduled", "aborted", { reason: "invalid_at_start: x" });
      expect(store.actions.get(a.id)).toMatchObject({ holdsLock: false, reason: "invalid_at_start: x" });
      expectStoreError(() => store.actions.advance(a.id, "aborted", "validating"), "FROZEN");
      expect(store.actions.history(a.id)).toHaveLength(2);

      const b = store.actions.create(newAction({ W: 1800 }));
      const path = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed"] as const;
      for (let i = 1; i < path.length; i++) store.actions.advance(b.id, path[i - 1]!, path[i]!);
      store.actions.advance(b.id, "confirmed", "in_mempool"); // reorg edge
      store.actions.advance(b.id, "in_mempool", "confirmed", { stateHeight: 77, confHash: "cafe" });
      expect(store.actions.lockHolder(PKH_A)?.id).toBe(b.id);
      store.actions.advance(b.id, "confirmed", "settled");
      expect(store.actions.lockHolder(PKH_A)).toBeUndefined();
      store.actions.advance(b.id, "settled", "final");
      expect(store.actions.get(b.id)).toMatchObject({ state: "final", holdsLock: false, stateHeight: 77, confHash: "cafe" });

      const c = store.actions.create(newAction({ W: 2700 }));
      for (const [f, t] of [
        ["scheduled", "validating"],
        ["validating", "built"],
        ["built", "signing"],
        ["signing", "signed"],
        ["signed", "broadcast_pending"],
        ["broadcast_pending", "failed_invalid"],
      ] as const)
        store.actions.advance(c.id, f, t);
      expect(store.actions.lockHolder(PKH_A)?.id).toBe(c.id);
      expectStoreError(() => store.actions.create(newAction({ W: 3600 })), "WALLET_BUSY");
    });

    it("byWindow, list filters (newest first), nonTerminal (oldest first)", () => {
      const a = store.actions.create(newAction());
      const b = store.actions.create(newAction({ walletPkh: PKH_B }));
      const c = store.actions.create(newAction({ walletPkh: PKH_C }));
      store.actions.advance(b.id, "scheduled", "expired");
      store.actions.advance(c.id, "scheduled", "validating");
      expect(store.actions.byWindow(PKH_B, 900)?.id).toBe(b.id);
      expect(store.actions.byWindow(PKH_B, 1800)).toBeUndefined();
      expect(store.actions.list().map((x) => x.id)).toEqual([c.id, b.id, a.id]);
      expect(store.actions.list({ state: "expired" }).map((x) => x.id)).toEqual([b.id]);
      expect(store.actions.list({ state: ["scheduled", "validating"], limit: 1 }).map((x) => x.id)).toEqual([c.id]);
      expect(store.actions.list({ wallet: PKH_A }).map((x) => x.id)).toEqual([a.id]);
      expect(store.actions.nonTerminal().map((x) => x.id)).toEqual([a.id, c.id]);
    });

    it("the transition log is append-only at the database level", () => {
      const a = store.actions.create(newAction());
      const raw = store.db.raw;
      expect(() => raw.exec(`UPDATE action_transitions SET to_state = 'done' WHERE action_id = ${a.id}`)).toThrow(/append-only/);
      expect(() => raw.exec(`DELETE FROM action_transitions WHERE action_id = ${a.id}`)).toThrow(/append-only/);
    });
  });

  it("btc trackers: insert, duplicate, update, look-ups by action, outpoint set and spent outpoint", () => {
    const a = store.actions.create(newAction());
    const outpoints = [
      { txHash: h32(1), index: 0 },
      { txHash: h32(2), index: 3 },
    ];
    const t = store.btcTrackers.insert({ txid: "t1", actionId: a.id, raw: bytes(1), outpoints, status: "broadcast_pending" });
    expect(t).toMatchObject({ txid: "t1", actionId: a.id, reorged: false, waitingInputs: false, rebroadcasts: 0, sinceHeight: null });
    expectStoreError(() => store.btcTrackers.insert({ txid: "t1", raw: bytes(1), outpoints, status: "in_mempool" }), "DUPLICATE");
    store.btcTrackers.insert({ txid: "t2", actionId: a.id, raw: bytes(2), outpoints: [...outpoints].reverse(), status: "conflicted" });
    const u = store.btcTrackers.update("t1", { status: "in_mempool", sinceHeight: 100, rebroadcasts: 2, reorged: true, lastError: "e" });
    expect(u).toMatchObject({ status: "in_mempool", sinceHeight: 100, rebroadcasts: 2, reorged: true, lastError: "e" });
    expectStoreError(() => store.btcTrackers.update("nope", { status: "final" }), "NOT_FOUND");
    expect(store.btcTrackers.byAction(a.id).map((x) => x.txid)).toEqual(["t1", "t2"]);
    expect(store.btcTrackers.byOutpoints([outpoints[1]!, outpoints[0]!]).map((x) => x.txid)).toEqual(["t1", "t2"]);
    expect(store.btcTrackers.byOutpoints([outpoints[0]!])).toEqual([]);
    expect(store.btcTrackers.spending({ txHash: h32(2).toUpperCase().replace("0X", "0x"), index: 3 }).map((x) => x.txid)).toEqual(["t1", "t2"]);
    expect(store.btcTrackers.spending({ txHash: h32(2), index: 0 })).toEqual([]);
    expect(store.btcTrackers.active().map((x) => x.txid)).toEqual(["t1"]);
    expect(store.btcTrackers.list({ status: "conflicted" }).map((x) => x.txid)).toEqual(["t2"]);
  });

  it("eth intents: dedupe key unique among roots, replacements share it; update, active, maxNonce", () => {
    const root = store.ethIntents.insert({
      purpose: "record",
      dedupeKey: "record:deposit_sweep:t1",
      status: "prepared",
      from: ALICE.toLowerCase(),
      to: BOB,
      nonce: 7,
      data: bytes(0xaa),
      maxFeePerGas: 10n ** 20n,
      maxPriorityFeePerGas: 2n,
      signedRaw: bytes(1),
      txHash: h32(3),
    });
    expect(root).toMatchObject({ from: ALICE, to: BOB, nonce: 7, maxFeePerGas: 10n ** 20n, replacesId: null, sentBlock: null });
    expectStoreError(() => store.ethIntents.insert({ purpose: "record", dedupeKey: "record:deposit_sweep:t1", status: "prepared" }), "DUPLICATE");
    const repl = store.ethIntents.insert({ purpose: "record", dedupeKey: "record:deposit_sweep:t1", status: "prepared", from: ALICE, nonce: 7, replacesId: root.id });
    store.ethIntents.update(root.id, { status: "sent", sentBlock: 50 });
    expect(store.ethIntents.byDedupeKey("record:deposit_sweep:t1").map((i) => [i.id, i.status])).toEqual([
      [root.id, "sent"],
      [repl.id, "prepared"],
    ]);
    store.ethIntents.insert({ purpose: "commit", dedupeKey: "c", status: "not_needed" });
    expect(store.ethIntents.active().map((i) => i.id)).toEqual([root.id, repl.id]);
    expect(store.ethIntents.maxNonce(ALICE.toLowerCase())).toBe(7);
    expect(store.ethIntents.maxNonce(BOB)).toBeUndefined();
    expect(store.ethIntents.list({ purpose: "commit" })).toHaveLength(1);
    expectStoreError(() => store.ethIntents.update(999, { status: "mined" }), "NOT_FOUND");
  });

  describe("event index", () => {
    const pos = (block: number, log: number, tx = block * 10 + log) => ({
      txHash: h32(tx % 256),
      logIndex: log,
      blockNumber: block,
      blockHash: h32(block % 256),
    });

    it("deposits: upsert by (txHash, logIndex) is idempotent, deleteAbove, sweep candidates skip final statuses", () => {
      const dep = (block: number, log: number, key: number, wallet = PKH_A) => ({
        ...pos(block, log),
        depositKey: h32(key),
        fundingTxHash: h32(key + 100),
        fundingOutputIndex: key,
        depositor: ALICE,
        amount: 100_000n + BigInt(key),
        blindingFactor: "0x" + "11".repeat(8),
        walletPkh: wallet,
        refundPkh: "0x" + "22".repeat(20),
        refundLocktime: "0x01020304",
        vault: "0x0000000000000000000000000000000000000000",
      });
      store.evDeposits.upsert(dep(10, 1, 1));
      store.evDeposits.upsert(dep(10, 1, 1));
      store.evDeposits.upsert({ ...dep(10, 1, 1), amount: 5n });
      store.evDeposits.upsertMany([dep(12, 0, 3), dep(10, 0, 2), dep(11, 0, 4, PKH_B), dep(20, 0, 5)]);
      expect(store.evDeposits.count()).toBe(5);
      expect(store.evDeposits.get(h32(101), 1)?.amount).toBe(5n);
      expect(store.evDeposits.byWallet(PKH_A).map((d) => d.fundingOutputIndex)).toEqual([2, 1, 3, 5]);
      expect(store.evDeposits.list({ fromBlock: 11, toBlock: 12 }).map((d) => d.fundingOutputIndex)).toEqual([4, 3]);
      expect(store.evDeposits.list({ order: "desc", limit: 2 }).map((d) => d.fundingOutputIndex)).toEqual([5, 3]);
      store.depositStatus.mark(h32(2), "swept", 30);
      store.depositStatus.mark(h32(3), "unsweepable", 31, "locktime");
      expect(store.evDeposits.sweepCandidates(PKH_A).map((d) => d.fundingOutputIndex)).toEqual([1, 5]);
      expect(store.evDeposits.byKey(h32(3))).toHaveLength(1);
      expect(store.evDeposits.byFundingOutpoint(h32(104), 4)?.walletPkh).toBe(PKH_B);
      expect(store.evDeposits.deleteAbove(11)).toBe(2);
      expect(store.evDeposits.byWallet(PKH_A).map((d) => d.blockNumber)).toEqual([10, 10]);
    });

    it("deposit status: the first final observation wins", () => {
      expect(store.depositStatus.mark(h32(1), "swept", 10)).toBe(true);
      expect(store.depositStatus.mark(h32(1), "unsweepable", 11, "x")).toBe(false);
      expect(store.depositStatus.get(h32(1))).toEqual({ depositKey: h32(1), status: "swept", observedBlock: 10, reason: null });
      expect(store.depositStatus.list({ status: "unsweepable" })).toEqual([]);
    });

    it("redemptions: latest row per key from a block on", () => {
      const red = (block: number, log: number, key: number, amount: bigint) => ({
        ...pos(block, log),
        redemptionKey: h32(key),
        walletPkh: PKH_A,
        redeemerOutputScript: "0x160014" + "11".repeat(20),
        redeemer: BOB,
        requestedAmount: amount,
        treasuryFee: 1n,
        txMaxFee: 2n,
      });
      store.evRedemptions.upsertMany([red(5, 0, 1, 10n), red(8, 0, 1, 20n), red(8, 1, 1, 30n), red(6, 0, 2, 40n), red(3, 0, 3, 50n)]);
      expect(store.evRedemptions.latestPerKey(PKH_A, 4).map((r) => r.requestedAmount)).toEqual([40n, 30n]);
      expect(store.evRedemptions.latestPerKey(PKH_A, 0).map((r) => r.requestedAmount)).toEqual([50n, 40n, 30n]);
      expect(store.evRedemptions.byKey(h32(1))).toHaveLength(3);
      expect(store.evRedemptions.byWallet(PKH_B)).toEqual([]);
    });

    it("moving funds: commitments targeting a wallet with its position, completions, latest commitment", () => {
      store.evMovingFunds.upsertMany([
        { ...pos(10, 0), event: "MovingFundsCommitmentSubmitted", walletPkh: PKH_A, targetWallets: [PKH_C, PKH_B.toUpperCase()], submitter: ALICE, btcTxHash: null },
        { ...pos(20, 0), event: "MovingFundsCommitmentSubmitted", walletPkh: PKH_A, targetWallets: [PKH_B], submitter: ALICE, btcTxHash: null },
        { ...pos(30, 0), event: "MovingFundsCompleted", walletPkh: PKH_A, targetWallets: null, submitter: null, btcTxHash: h32(0x77) },
        { ...pos(31, 0), event: "MovingFundsCompleted", walletPkh: PKH_C, targetWallets: null, submitter: null, btcTxHash: h32(0x78) },
        { ...pos(32, 0), event: "DepositsSwept", walletPkh: PKH_A, targetWallets: null, submitter: null, btcTxHash: h32(0x79) },
      ]);
      const t = store.evMovingFunds.commitmentsTargeting(PKH_B);
      expect(t.map((x) => [x.row.blockNumber, x.position])).toEqual([
        [10, 1],
        [20, 0],
      ]);
      expect(t[0]!.row.targetWallets).toEqual([PKH_C, PKH_B]);
      expect(store.evMovingFunds.commitmentsTargeting(PKH_B, 15).map((x) => x.row.blockNumber)).toEqual([20]);
      expect(store.evMovingFunds.latestCommitment(PKH_A)?.blockNumber).toBe(20);
      expect(store.evMovingFunds.latestCommitment(PKH_B)).toBeUndefined();
      expect(store.evMovingFunds.completedFor([PKH_A]).map((r) => r.btcTxHash)).toEqual([h32(0x77)]);
      expect(store.evMovingFunds.completedFor([]).length).toBe(0);
      expect(store.evMovingFunds.byWallet(PKH_A, { event: "DepositsSwept" })).toHaveLength(1);
      expect(store.evMovingFunds.byWallet(PKH_A)).toHaveLength(4);
    });

    it("wallets: registered newest first, known wallets, latest operators at a block", () => {
      const w = (block: number, event: "NewWalletRegistered" | "WalletOperatorsSet" | "WalletClosing", wallet: string, operators: string[] | null = null) => ({
        ...pos(block, 0),
        event,
        walletPkh: wallet,
        ecdsaWalletId: event === "WalletOperatorsSet" ? null : h32(block),
        operators,
      });
      store.evWallets.upsertMany([
        w(1, "NewWalletRegistered", PKH_A),
        w(2, "WalletOperatorsSet", PKH_A, [ALICE.toLowerCase(), BOB]),
        w(3, "NewWalletRegistered", PKH_B),
        w(4, "WalletOperatorsSet", PKH_A, [BOB]),
        w(5, "WalletClosing", PKH_A),
      ]);
      expect(store.evWallets.registeredNewestFirst().map((r) => r.walletPkh)).toEqual([PKH_B, PKH_A]);
      expect(store.evWallets.knownWallets()).toEqual([PKH_A, PKH_B]);
      expect(store.evWallets.latestOperators(PKH_A)).toEqual([BOB]);
      expect(store.evWallets.latestOperators(PKH_A, 3)).toEqual([ALICE, BOB]);
      expect(store.evWallets.latestOperators(PKH_B)).toBeUndefined();
      expect(store.evWallets.byEvent("WalletClosing").map((r) => r.walletPkh)).toEqual([PKH_A]);
      expect(store.evWallets.deleteAbove(3)).toBe(2);
      expect(store.evWallets.list().map((r) => r.blockNumber)).toEqual([1, 2, 3]);
    });
  });

  describe("transactions", () => {
    it("roll back every repository's writes when fn throws", () => {
      expect(() =>
        store.transaction(() => {
          store.windows.claim(PKH_A, 900);
          store.actions.create(newAction());
          store.cursors.set(CURSOR.ethWindowWatch, { height: 950, hash: "h" });
          store.faults.record({ walletPkh: PKH_A, W: 900, type: FaultType.LeaderMistake, culprit: ALICE, reason: "r", detectedBlock: 1, evidence: {} });
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(store.windows.get(PKH_A, 900)).toBeUndefined();
      expect(store.actions.list()).toEqual([]);
      expect(store.actionTransitions.list(1)).toEqual([]);
      expect(store.cursors.get(CURSOR.ethWindowWatch)).toBeUndefined();
      expect(store.faults.list()).toEqual([]);
    });

    it("a failing advance inside a caller's transaction rolls the whole transaction back", () => {
      const a = store.actions.create(newAction());
      expect(() =>
        store.transaction(() => {
          store.actions.advance(a.id, "scheduled", "validating");
          store.windows.claim(PKH_A, 900);
          store.actions.advance(a.id, "scheduled", "validating");
        }),
      ).toThrow(StoreError);
      expect(store.actions.get(a.id)?.state).toBe("scheduled");
      expect(store.actions.history(a.id)).toHaveLength(1);
      expect(store.windows.get(PKH_A, 900)).toBeUndefined();
    });

    it("nested calls join the outer transaction; a caught inner failure undoes only the inner writes", () => {
      const result = store.transaction(() => {
        store.meta.set("outer", "1");
        try {
          store.transaction(() => {
            store.meta.set("inner", "1");
            throw new Error("inner");
          });
        } catch {
          // handled by the caller
        }
        store.transaction(() => store.meta.set("inner2", "1"));
        return 42;
      });
      expect(result).toBe(42);
      expect(store.meta.get("outer")).toBe("1");
      expect(store.meta.get("inner")).toBeUndefined();
      expect(store.meta.get("inner2")).toBe("1");

      expect(() =>
        store.transaction(() => {
          store.transaction(() => store.meta.set("joined", "1"));
          throw new Error("outer fails");
        }),
      ).toThrow("outer fails");
      expect(store.meta.get("joined")).toBeUndefined();
    });

    it("refuses an async callback and leaves nothing written", () => {
      expect(() =>
        store.transaction((async () => {
          store.meta.set("async", "1");
        }) as unknown as () => void),
      ).toThrow(/synchronous/);
      expect(store.meta.get("async")).toBeUndefined();
      store.meta.set("after", "1"); // the connection is usable again
      expect(store.meta.get("after")).toBe("1");
    });
  });

  describe("identity", () => {
    const id = { chainId: 31337, bridge: ALICE.toLowerCase(), profileHash: h32(0xf7) };

    it("first run records chainId, bridge and profileHash; the same identity passes", () => {
      expect(store.checkIdentity(id)).toEqual({ firstRun: true, profileChanged: false });
      expect(store.meta.get(META_KEYS.chainId)).toBe("31337");
      expect(store.meta.get(META_KEYS.bridge)).toBe(ALICE);
      expect(store.checkIdentity({ ...id, chainId: 31337n, bridge: ALICE })).toEqual({ firstRun: false, profileChanged: false });
    });

    it("a chainId or bridge mismatch names the field and both values, even with acceptProfileChange", () => {
      store.checkIdentity(id);
      const e1 = expectStoreError(() => store.checkIdentity({ ...id, chainId: 1 }, { acceptProfileChange: true }), "IDENTITY_MISMATCH");
      expect(e1.message).toContain("chainId is 31337 in the database but 1 is configured");
      const e2 = expectStoreError(() => store.checkIdentity({ ...id, bridge: BOB }), "IDENTITY_MISMATCH");
      expect(e2.metadata).toEqual({ field: "bridge", stored: ALICE, configured: BOB });
      expect(e2.message).toContain(`bridge is ${ALICE}`);
    });

    it("a profile change is refused unless accepted, and an accepted change is recorded", () => {
      store.checkIdentity(id);
      const e = expectStoreError(() => store.checkIdentity({ ...id, profileHash: h32(0x12) }), "IDENTITY_MISMATCH");
      expect(e.message).toContain(`profileHash is ${h32(0xf7)} in the database but ${h32(0x12)} is configured`);
      expect(e.message).toContain("--accept-profile-change");
      expect(store.checkIdentity({ ...id, profileHash: h32(0x12) }, { acceptProfileChange: true })).toEqual({
        firstRun: false,
        profileChanged: true,
      });
      expect(store.meta.get(META_KEYS.profileHash)).toBe(h32(0x12));
      expect(store.meta.getJson(META_KEYS.profileChanges)).toMatchObject([{ from: h32(0xf7), to: h32(0x12) }]);
      expect(store.checkIdentity({ ...id, profileHash: h32(0x12) })).toEqual({ firstRun: false, profileChanged: false });
    });
  });

  it("integrityCheck is empty on a sound database", () => {
    store.windows.claim(PKH_A, 900);
    expect(store.integrityCheck()).toEqual([]);
  });
});

/** Everything the repositories can load, for reopen equality. */
function snapshot(s: Store, actionIds: number[]) {
  return {
    meta: s.meta.all(),
    cursors: s.cursors.all(),
    headers: s.btcHeaders.range(0, 1e9),
    windows: s.windows.listRecent(),
    statements: [s.leaderStatements.list(PKH_A, 900), s.leaderStatements.list(PKH_B, 900)],
    inbound: s.inboundMessages.list(),
    faults: s.faults.list(),
    actions: s.actions.list(),
    history: actionIds.map((id) => s.actions.history(id)),
    trackers: s.btcTrackers.list(),
    intents: s.ethIntents.list(),
    evWallets: s.evWallets.list(),
    evDeposits: s.evDeposits.list(),
    evRedemptions: s.evRedemptions.list(),
    evMovingFunds: s.evMovingFunds.list(),
    depositStatus: s.depositStatus.list(),
  };
}

describe("file store", () => {
  it("reopen equality: everything written through the repositories loads identically from the same file", () => {
    const dir = tmpDir();
    const s1 = Store.open(dir);
    s1.checkIdentity({ chainId: 1, bridge: ALICE, profileHash: h32(1) });
    s1.meta.set(META_KEYS.freshSince, "1234");
    s1.cursors.set(CURSOR.ethEvents, { height: 100, hash: h32(5) });
    s1.cursors.set(CURSOR.btcTip, { height: 800_000, hash: "00".repeat(32) });
    s1.btcHeaders.put({ height: 800_000, hash: "aa", prevHash: "bb" });
    s1.windows.claim(PKH_A, 900, { role: "leader", leader: ALICE, checklist: ["Heartbeat"], joinedAtBlock: 900 });
    s1.windows.update(PKH_A, 900, { status: "done", result: "accepted_own", resultDigest: bytes(1, 2), firstPublishBlock: 901 });
    s1.windows.recordMissed(PKH_B, 900);
    s1.leaderStatements.add({ walletPkh: PKH_A, W: 900, digest: bytes(1, 2), wire: bytes(3, 4), receivedAtBlock: 900, own: true });
    s1.leaderStatements.add({ walletPkh: PKH_B, W: 900, digest: bytes(5), wire: bytes(6), receivedAtBlock: 901, own: false });
    s1.inboundMessages.append({ wire: bytes(9), fromPeer: "p", walletPkh: PKH_B, W: 900, receivedAtBlock: 901, verdict: "accept" });
    s1.faults.record({ walletPkh: PKH_B, W: 900, type: FaultType.LeaderEquivocation, culprit: BOB, reason: "two digests", detectedBlock: 950, evidence: { wires: ["aa", "bb"] } });
    const a = s1.actions.create(newAction({ type: ActionType.Heartbeat }));
    s1.actions.advance(a.id, "scheduled", "validating", { validationBlock: 1000 }, { ethHead: 1000 });
    const b = s1.actions.create(newAction({ walletPkh: PKH_B }));
    s1.actions.advance(b.id, "scheduled", "validating");
    s1.actions.advance(b.id, "validating", "built", {
      unsignedTx: bytes(1),
      outpoints: [{ txHash: h32(8), index: 0, value: 21_000_000n * 100_000_000n, script: bytes(0x00, 0x14) }],
      sighashes: [bytes(3)],
      fee: 500n,
      roundId: bytes(4),
    });
    s1.btcTrackers.insert({ txid: "tx", actionId: b.id, raw: bytes(1), outpoints: [{ txHash: h32(8), index: 0 }], status: "in_mempool", sinceHeight: 800_000 });
    s1.ethIntents.insert({ purpose: "record", dedupeKey: "k", status: "sent", from: ALICE, to: BOB, nonce: 1, maxFeePerGas: 3n, maxPriorityFeePerGas: 1n, signedRaw: bytes(1), txHash: h32(9), actionId: b.id, sentBlock: 1 });
    s1.evWallets.upsert({ txHash: h32(1), logIndex: 0, blockNumber: 1, blockHash: h32(1), event: "WalletOperatorsSet", walletPkh: PKH_A, ecdsaWalletId: null, operators: [ALICE] });
    s1.evDeposits.upsert({ txHash: h32(2), logIndex: 1, blockNumber: 2, blockHash: h32(2), depositKey: h32(3), fundingTxHash: h32(4), fundingOutputIndex: 0, depositor: ALICE, amount: 1n, blindingFactor: "0x0102030405060708", walletPkh: PKH_A, refundPkh: "0x" + "33".repeat(20), refundLocktime: "0x00000000", vault: BOB });
    s1.evRedemptions.upsert({ txHash: h32(5), logIndex: 0, blockNumber: 3, blockHash: h32(3), redemptionKey: h32(6), walletPkh: PKH_A, redeemerOutputScript: "0x00", redeemer: BOB, requestedAmount: 9n, treasuryFee: 0n, txMaxFee: 1n });
    s1.evMovingFunds.upsert({ txHash: h32(7), logIndex: 2, blockNumber: 4, blockHash: h32(4), event: "MovingFundsCommitmentSubmitted", walletPkh: PKH_A, targetWallets: [PKH_B], submitter: ALICE, btcTxHash: null });
    s1.depositStatus.mark(h32(3), "unsweepable", 5, "locktime");
    const before = snapshot(s1, [a.id, b.id]);
    s1.close();

    const s2 = Store.open(dir);
    try {
      const after = snapshot(s2, [a.id, b.id]);
      expect(after).toEqual(before);
      // Guard against a vacuous comparison: every table contributed rows.
      for (const [k, v] of Object.entries(after)) expect(Object.keys(v).length, k).toBeGreaterThan(0);
      expect(s2.actions.get(b.id)?.outpoints?.[0]?.value).toBe(2_100_000_000_000_000n);
      expect(s2.checkIdentity({ chainId: 1, bridge: ALICE, profileHash: h32(1) })).toEqual({ firstRun: false, profileChanged: false });
    } finally {
      s2.close();
    }
  });

  it("holds <dataDir>/LOCK with our pid while open; a second open is LOCKED; close releases", () => {
    const dir = tmpDir();
    const s = Store.open(dir);
    expect(fs.readFileSync(path.join(dir, "LOCK"), "utf8").trim()).toBe(String(process.pid));
    const e = expectStoreError(() => Store.open(dir), "LOCKED");
    expect(e.message).toBe(`data directory in use by pid ${process.pid}`);
    expect(e.exitCode).toBe(2);
    s.close();
    s.close();
    expect(fs.existsSync(path.join(dir, "LOCK"))).toBe(false);
    Store.open(dir).close();
  });

  it("a LOCK with our own pid that this process does not hold is stale (pid reuse in containers)", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "LOCK"), `${process.pid}\n`);
    const s = Store.open(dir);
    s.close();
  });

  it("backup writes a consistent copy that opens with the same data", async () => {
    const dir = tmpDir();
    const s = Store.open(dir);
    s.windows.claim(PKH_A, 900);
    s.cursors.set(CURSOR.ethEvents, { height: 7, hash: "h" });
    const file = path.join(tmpDir(), "backup.sqlite");
    expect(await s.backup(file)).toBeGreaterThan(0);
    s.close();
    const restored = tmpDir();
    fs.copyFileSync(file, path.join(restored, "wcoord.sqlite"));
    const r = Store.open(restored);
    try {
      expect(r.windows.get(PKH_A, 900)?.status).toBe("running");
      expect(r.cursors.get(CURSOR.ethEvents)?.height).toBe(7);
      expect(r.integrityCheck()).toEqual([]);
    } finally {
      r.close();
    }
  });

  it("read-only open works next to a writer, without taking the lock; refuses a missing database", () => {
    const dir = tmpDir();
    expectStoreError(() => Store.open(dir, { readonly: true }), "NOT_INITIALISED");
    const w = Store.open(dir);
    w.windows.claim(PKH_A, 900);
    const r = Store.open(dir, { readonly: true });
    try {
      expect(r.windows.get(PKH_A, 900)?.status).toBe("running");
      expect(() => r.windows.claim(PKH_B, 900)).toThrow(/readonly/);
    } finally {
      r.close();
      w.close();
    }
  });
});

describe("wcoord db", () => {
  function sink() {
    const chunks: string[] = [];
    return { write: (s: string) => chunks.push(s), text: () => chunks.join("") };
  }

  it("check prints ok and exits 0 on a sound database", async () => {
    const dir = tmpDir();
    Store.open(dir).close();
    const out = sink();
    const err = sink();
    expect(await runDbCommand(["check", "--data-dir", dir], out, err)).toBe(0);
    expect(out.text()).toMatch(/wcoord\.sqlite: ok\n$/);
    expect(err.text()).toBe("");
  });

  it("backup writes the file; help and usage errors", async () => {
    const dir = tmpDir();
    const s = Store.open(dir);
    s.meta.set("k", "v");
    const file = path.join(tmpDir(), "b.sqlite");
    const out = sink();
    expect(await runDbCommand(["backup", file, `--data-dir=${dir}`], out, sink())).toBe(0);
    s.close();
    expect(out.text()).toContain(file);
    const copy = tmpDir();
    fs.copyFileSync(file, path.join(copy, "wcoord.sqlite"));
    const r = Store.open(copy);
    expect(r.meta.get("k")).toBe("v");
    r.close();

    const help = sink();
    expect(await runDbCommand(["--help"], help, sink())).toBe(0);
    expect(help.text()).toContain("restore a backup".replace("restore a backup", "Either restore a backup"));
    const err = sink();
    expect(await runDbCommand(["check"], sink(), err)).toBe(1);
    expect(err.text()).toContain("--data-dir is required");
    expect(await runDbCommand(["frobnicate", "--data-dir", dir], sink(), sink())).toBe(1);
    expect(await runDbCommand(["check", "--data-dir", tmpDir()], sink(), sink())).toBe(1);
  });
});
