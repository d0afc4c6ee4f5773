// The responder's `btc_trackers` rows (reliability.md §3.6): the write that records a status, which
// the caller runs inside its own state change (R1); the tracker following the chain alone, when the
// caller's state no longer moves with it; and the bookkeeping of a check that concluded nothing.
import type { BtcTrackerRow, BtcTrackerStatus, BtcTrackerUpdate, OutpointRef } from "../store/repos/btc-trackers-repo.js";
import type { Store } from "../store/store.js";
import { conflictReason, type HeldStatus, type TrackedTx, type TrackerStatus } from "./tracker-status.js";

export interface TrackerRecordsComponents {
  store: Store;
}

export class TrackerRecords {
  private readonly store: Store;

  constructor(components: TrackerRecordsComponents) {
    this.store = components.store;
  }

  get(txid: string): BtcTrackerRow | undefined {
    return this.store.btcTrackers.get(txid);
  }

  /** The tracker, inserted with `status` when the transaction has none yet. */
  getOrInsert(tx: TrackedTx, status: BtcTrackerStatus, fields: BtcTrackerUpdate = {}): BtcTrackerRow {
    return this.get(tx.txid) ?? this.ensure(tx, status, fields);
  }

  /** A tracker for a transaction its caller held before the row existed. */
  getOrResume(tx: TrackedTx, held: HeldStatus): BtcTrackerRow {
    if (held.kind === "in_mempool") return this.getOrInsert(tx, "in_mempool", { sinceHeight: held.since });
    return this.getOrInsert(tx, "confirmed", { confHeight: held.height, confHash: held.hash });
  }

  update(txid: string, fields: BtcTrackerUpdate): void {
    this.store.btcTrackers.update(txid, fields);
  }

  /** The write that makes the tracker say `status`; the caller runs it with its own state change (R1). */
  writeFor(tx: TrackedTx, status: TrackerStatus): () => void {
    switch (status.kind) {
      case "in_mempool":
        return () => void this.ensure(tx, "in_mempool", { sinceHeight: status.since, confHeight: null, confHash: null, lastError: null });
      case "confirmed":
        return () => void this.ensure(tx, "confirmed", { ...confirmedAt(status.at), lastError: null });
      case "irrevocable":
        return () => this.update(tx.txid, { status: "final" });
      case "reorged":
        return () => this.update(tx.txid, backInMempool(status.since));
      case "conflicted":
        return () => this.update(tx.txid, { status: "conflicted", lastError: conflictReason(status.spender) });
      case "rejected":
        // The tracker is never dropped from the table (§3.6).
        return () => this.update(tx.txid, { status: "failed_invalid", lastError: status.message });
    }
  }

  /**
   * The tracker alone follows the chain, its caller's state staying where it is: back to the mempool
   * or into a block; final only with its caller; conflicted or rejected only as the last error
   * (it stays watched).
   */
  follow(tx: TrackedTx, status: TrackerStatus): void {
    switch (status.kind) {
      case "in_mempool":
      case "reorged":
        return this.writeFor(tx, status)();
      case "confirmed":
      case "irrevocable": {
        const t = this.get(tx.txid);
        if (t?.status === "confirmed" && t.confHeight === status.at.height && t.confHash === status.at.hash) return;
        return this.update(tx.txid, confirmedAt(status.at));
      }
      case "conflicted":
        return this.update(tx.txid, { lastError: conflictReason(status.spender) });
      case "rejected":
        return this.update(tx.txid, { lastError: status.message });
    }
  }

  /** Inserts the tracker or updates its status (idempotent: a replayed intent writes one row). */
  ensure(tx: TrackedTx, status: BtcTrackerStatus, fields: BtcTrackerUpdate): BtcTrackerRow {
    const existing = this.get(tx.txid);
    if (existing !== undefined) return this.store.btcTrackers.update(tx.txid, { ...fields, status });
    return this.store.btcTrackers.insert({
      txid: tx.txid,
      actionId: tx.owner.actionId,
      wtxid: tx.wtxid,
      raw: tx.raw,
      outpoints: tx.outpoints.map(outpointRef),
      ...fields,
      status,
    });
  }
}

/** InMempoolSince(h) after a reorg: watched again, rebroadcast once (§3.6 "Reorgs"). */
export function backInMempool(since: number): BtcTrackerUpdate {
  return { status: "in_mempool", sinceHeight: since, confHeight: null, confHash: null, reorged: true };
}

function confirmedAt(at: { height: number; hash: string }): BtcTrackerUpdate {
  return { status: "confirmed", confHeight: at.height, confHash: at.hash, reorged: false, waitingInputs: false };
}

/** The outpoint as the tracker keeps it (lowercase hex). */
export function outpointRef(o: { txHash: string; index: number }): OutpointRef {
  return { txHash: o.txHash.toLowerCase(), index: o.index };
}
