// Migration 0002 (FROST wallets in the event index, threshold.md §3.1, §4.2): applied on an existing
// database; ev_deposits.refund_x; ev_dkg_requests rows, their fold into request states and rewind.
import fs from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { DEFAULT_MIGRATIONS_DIR } from "../../src/store/migrations.js";
import { CURSOR } from "../../src/store/repos/cursors-repo.js";
import type { EvDepositRow } from "../../src/store/repos/ev-deposits-repo.js";
import type { EvDkgRow } from "../../src/store/repos/ev-dkg-requests-repo.js";
import { Store } from "../../src/store/store.js";
import { tempDirs } from "../fixtures/temp-dirs.js";

const PKH_A = "aa".repeat(20);
const PKH_B = "bb".repeat(20);
const ALICE = getAddress("0x" + "a1".repeat(20));
const BOB = getAddress("0x" + "b2".repeat(20));
const CAROL = getAddress("0x" + "c3".repeat(20));
const h32 = (b: number): string => "0x" + b.toString(16).padStart(2, "0").repeat(32);

const tmpDir = tempDirs("wcoord-frost-store-");

const pos = (block: number, log: number) => ({ txHash: h32(block), logIndex: log, blockNumber: block, blockHash: h32(block + 100) });

function deposit(block: number, log: number, refundX?: string): EvDepositRow {
  return {
    ...pos(block, log),
    depositKey: h32(block + 1),
    fundingTxHash: h32(block + 0x80),
    fundingOutputIndex: 0,
    depositor: ALICE,
    amount: 100_000n,
    blindingFactor: "0x" + "11".repeat(8),
    walletPkh: PKH_A,
    refundPkh: "0x" + "22".repeat(20),
    refundLocktime: "0x01020304",
    vault: "0x0000000000000000000000000000000000000000",
    ...(refundX === undefined ? {} : { refundX }),
  };
}

const none = { walletPkh: null, walletX: null, seed: null, members: null, threshold: null, dkgQuorum: null, deadline: null };
const requested = (block: number, log: number, requestId: bigint, members = [ALICE, BOB, CAROL]): EvDkgRow => ({
  ...pos(block, log),
  ...none,
  event: "DkgRequested",
  requestId,
  seed: h32(Number(requestId) + 50),
  members,
  threshold: 2,
  dkgQuorum: 3,
  deadline: block + 40,
});
const accepted = (block: number, log: number, requestId: bigint, walletPkh: string, walletX: string): EvDkgRow => ({
  ...pos(block, log),
  ...none,
  event: "DkgResultAccepted",
  requestId,
  walletPkh,
  walletX,
});
const timedOut = (block: number, log: number, requestId: bigint): EvDkgRow => ({ ...pos(block, log), ...none, event: "DkgTimedOut", requestId });

describe("migration 0002 on an existing database", () => {
  it("adds ev_deposits.refund_x and ev_dkg_requests, forgets the old event index and keeps everything else", () => {
    const dir = tmpDir();
    const only0001 = tmpDir();
    fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, "0001_init.sql"), path.join(only0001, "0001_init.sql"));
    const old = Store.open(dir, { migrationsDir: only0001 });
    expect(old.schemaVersion).toBe(1);
    // The repositories write the current schema: the old one's deposit row goes in by hand.
    old.db.raw
      .prepare(
        `INSERT INTO ev_deposits (tx_hash, log_index, block_number, block_hash, deposit_key, funding_tx_hash, funding_output_index,
           depositor, amount, blinding_factor, wallet_pkh, refund_pkh, refund_locktime, vault) VALUES (?, 0, 10, ?, ?, ?, 0, ?, 1, ?, ?, ?, ?, ?)`,
      )
      .run(h32(10), h32(110), h32(11), h32(12), ALICE, "0x" + "11".repeat(8), PKH_A, "0x" + "22".repeat(20), "0x01020304", BOB);
    old.evWallets.upsert({ ...pos(9, 0), event: "NewWalletRegistered", walletPkh: PKH_A, ecdsaWalletId: h32(7), operators: null });
    old.depositStatus.mark(h32(11), "swept", 12);
    old.cursors.set(CURSOR.ethEvents, { height: 20, hash: h32(20) });
    old.cursors.set(CURSOR.btcTip, { height: 800_000, hash: h32(30) });
    old.windows.claim(PKH_A, 900);
    expect(() => old.db.raw.prepare("SELECT refund_x FROM ev_deposits").all()).toThrow(/no such column/);
    old.close();

    const s = Store.open(dir);
    try {
      // 0002 and every later migration applied.
      expect(s.schemaVersion).toBe(6);
      expect(s.meta.get("schema_version")).toBe("6");
      // The rebuildable index is gone, with its cursor; the rest is kept.
      expect([s.evDeposits.count(), s.evWallets.count(), s.depositStatus.get(h32(11))]).toEqual([0, 0, undefined]);
      expect(s.cursors.get(CURSOR.ethEvents)).toBeUndefined();
      expect(s.cursors.get(CURSOR.btcTip)?.height).toBe(800_000);
      expect(s.windows.get(PKH_A, 900)).toBeDefined();
      const cols = (s.db.raw.prepare("PRAGMA table_info(ev_deposits)").all() as { name: string; notnull: number }[]).map((c) => [c.name, c.notnull]);
      expect(cols.at(-1)).toEqual(["refund_x", 0]);
      expect(s.evDkgRequests.count()).toBe(0);
      expect(s.integrityCheck()).toEqual([]);
      // The migrated database takes both kinds of deposits.
      s.evDeposits.upsert(deposit(10, 0));
      s.evDeposits.upsert(deposit(11, 0, h32(0xee)));
      expect(s.evDeposits.list().map((d) => d.refundX)).toEqual([null, h32(0xee)]);
    } finally {
      s.close();
    }
  });
});

describe.each([
  ["file", () => Store.open(tmpDir())],
  ["memory", () => Store.openMemory()],
] as const)("FROST event index (%s)", (_kind, open) => {
  it("ev_deposits: refundX round-trips, a replayed row keeps it, a plain deposit reads null", () => {
    const s = open();
    try {
      s.evDeposits.upsert(deposit(10, 3, h32(0xab).toUpperCase().replace("0X", "0x")));
      s.evDeposits.upsert(deposit(10, 3, h32(0xab)));
      s.evDeposits.upsert(deposit(12, 0));
      expect(s.evDeposits.get(h32(10), 3)?.refundX).toBe(h32(0xab));
      expect(s.evDeposits.byFundingOutpoint(h32(12 + 0x80), 0)?.refundX).toBeNull();
      expect(s.evDeposits.sweepCandidates(PKH_A).map((d) => d.refundX)).toEqual([h32(0xab), null]);
    } finally {
      s.close();
    }
  });

  it("ev_dkg_requests: requests fold into requested / accepted / timed_out, by member, wallet and block; rewind and clear", () => {
    const s = open();
    try {
      s.evDkgRequests.upsertMany([
        requested(10, 0, 1n),
        requested(11, 1, 2n, [ALICE, BOB]),
        requested(12, 0, 3n, [BOB, CAROL]),
        accepted(20, 4, 1n, PKH_B, h32(0x77)),
        timedOut(60, 0, 2n),
      ]);
      s.evDkgRequests.upsert(accepted(20, 4, 1n, PKH_B, h32(0x77))); // replayed
      expect(s.evDkgRequests.count()).toBe(5);

      const one = s.evDkgRequests.request(1n)!;
      expect(one).toEqual({
        requestId: 1n,
        seed: h32(51),
        members: [ALICE, BOB, CAROL],
        threshold: 2,
        dkgQuorum: 3,
        deadline: 50,
        status: "accepted",
        walletX: h32(0x77),
        walletPkh: PKH_B,
        requestedAt: pos(10, 0),
        settledAt: pos(20, 4),
      });
      expect(s.evDkgRequests.requests().map((r) => [r.requestId, r.status])).toEqual([
        [1n, "accepted"],
        [2n, "timed_out"],
        [3n, "requested"],
      ]);
      expect(s.evDkgRequests.requests({ status: "requested" }).map((r) => r.requestId)).toEqual([3n]);
      expect(s.evDkgRequests.requests({ member: ALICE.toLowerCase() }).map((r) => r.requestId)).toEqual([1n, 2n]);
      expect(s.evDkgRequests.requests({ toBlock: 59 }).map((r) => r.status)).toEqual(["accepted", "requested", "requested"]);
      expect(s.evDkgRequests.request(1n, { toBlock: 19 })?.status).toBe("requested");
      expect(s.evDkgRequests.request(9n)).toBeUndefined();
      expect(s.evDkgRequests.byWalletPkh("0x" + PKH_B.toUpperCase())?.requestId).toBe(1n);
      expect(s.evDkgRequests.byWalletX(h32(0x77))?.requestId).toBe(1n);
      expect(s.evDkgRequests.byWalletPkh(PKH_A)).toBeUndefined();

      // Reorg rewind: the settling events above the new cursor go, their requests are pending again.
      expect(s.evDkgRequests.deleteAbove(19)).toBe(2);
      expect(s.evDkgRequests.requests().map((r) => [r.requestId, r.status, r.walletX, r.settledAt])).toEqual([
        [1n, "requested", null, null],
        [2n, "requested", null, null],
        [3n, "requested", null, null],
      ]);
      expect(s.evDkgRequests.byWalletPkh(PKH_B)).toBeUndefined();
      // A settling event whose request is not indexed is ignored by the fold.
      s.evDkgRequests.upsert(timedOut(70, 0, 8n));
      expect(s.evDkgRequests.request(8n)).toBeUndefined();
      // `wcoord db reindex` forgets them with the rest of the index.
      expect(s.clearEventIndex()).toBe(4);
      expect(s.evDkgRequests.count()).toBe(0);
    } finally {
      s.close();
    }
  });
});
