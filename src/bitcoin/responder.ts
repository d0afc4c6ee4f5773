// The Bitcoin responder (reliability.md §3.5 adoption, §3.6), after rust-teos' Responder: it
// broadcasts a signed transaction, tracks it on every tip to a verified resolution and reports what
// it sees as a TrackerStatus of its own (tracker-status.ts). It decides nothing for the owner of the
// transaction: the caller maps each status onto its own states, and either commits the tracker write
// that goes with its state change in the same DB transaction (record, R1) or lets the tracker alone
// follow the chain (follow). The `btc_trackers` row is the truth for the Bitcoin side. Only a
// verified outcome ends tracking (R10): any look-up error leaves everything as it is until the next tip.
import { silentLogger, type Logger } from "../util/logger.js";
import type { BtcTrackerRow, OutpointRef } from "../store/repos/btc-trackers-repo.js";
import type { Store } from "../store/store.js";
import { errorCode, errorMessage } from "../util/errors.js";
import { bytesEqual, toHex } from "../util/hex.js";
import { isAbortError } from "../util/sleep.js";
import type { BitcoinChain } from "./bitcoin-chain.js";
import type { BitcoinTipView } from "./bitcoin-tip.js";
import { outpointRef, TrackerRecords } from "./tracker-records.js";
import { conflictReason, type BlockPlace, type BuiltTx, type HeldStatus, type ResponderCall, type Spender, type TrackedTx, type TrackerStatus } from "./tracker-status.js";
import { TxLookups } from "./tx-lookups.js";
import { hash256, txidFromHash, txInputs, txOutputs } from "./tx.js";

/** A transaction missing this many blocks in the mempool is rebroadcast (teos CONFIRMATIONS_BEFORE_RETRY). */
export const CONFIRMATIONS_BEFORE_RETRY = 6;
/** Depth at which a confirmed transaction is irrevocable (teos IRREVOCABLY_RESOLVED). */
export const IRREVOCABLY_RESOLVED = 100;
/** Depth of a conflicting spend that makes the transaction `conflicted`. */
export const CONFLICT_CONFIRMATIONS = 6;
/** Blocks of "fee too low" after which an alert is logged. */
export const FEE_TOO_LOW_ALERT_BLOCKS = 6;

/** `wcoord_btc_broadcast_total{result}` values (reliability.md §8). */
export type BroadcastMetricResult = "accepted" | "already_known" | "missing_inputs" | "fee_too_low" | "conflict" | "invalid" | "error";

/** The two counters the responder feeds; the node adapts them to its metrics module. */
export interface ResponderMetrics {
  broadcast(result: BroadcastMetricResult): void;
  rebroadcast(): void;
}

export interface BitcoinResponderComponents {
  store: Store;
  bitcoin: BitcoinChain;
  /** The node's Bitcoin cursor (BitcoinTipTracker): the sync guard. */
  tip: BitcoinTipView;
  logger?: Logger;
  metrics?: ResponderMetrics | null;
}

export interface CheckOptions {
  /** Look up only, never rebroadcast (recovery's "watch before acting", reliability.md §5 step 5). */
  readonly observeOnly?: boolean;
  /**
   * The caller holds the transaction as confirmed: a tracker the tip tracker already moved back to
   * the mempool is reported `reorged` at once, without a look-up.
   */
  readonly holdsConfirmed?: boolean;
}

/** A broadcast of a built transaction found on the chain (§3.5), and where it is. */
export interface FoundBroadcast {
  readonly tx: TrackedTx;
  readonly status: Extract<TrackerStatus, { kind: "in_mempool" | "confirmed" }>;
}

export class BitcoinResponder {
  private readonly bitcoin: BitcoinChain;
  private readonly tipView: BitcoinTipView;
  private readonly records: TrackerRecords;
  private readonly lookups: TxLookups;
  private readonly log: Logger;
  private readonly metrics: ResponderMetrics | null;

  constructor(components: BitcoinResponderComponents) {
    this.bitcoin = components.bitcoin;
    this.tipView = components.tip;
    this.records = new TrackerRecords({ store: components.store });
    this.lookups = new TxLookups({ bitcoin: components.bitcoin });
    this.log = (components.logger ?? silentLogger).child({ module: "responder" });
    this.metrics = components.metrics ?? null;
  }

  // ---- tracker writes ----

  /** Tracking starts: the tracker of a transaction about to be broadcast, written with the caller's intent (R1). */
  watch(tx: TrackedTx): () => void {
    return () => void this.records.ensure(tx, "broadcast_pending", {});
  }

  /** The tracker of a transaction its caller held before the row existed, from where the caller saw it. */
  resume(tx: TrackedTx, held: HeldStatus): void {
    this.records.getOrResume(tx, held);
  }

  /**
   * The tracker write that records `status`, for the caller to run with its own state change (R1).
   * A conflicted or rejected transaction is logged (and counted) here, once, as the caller takes it.
   */
  record(tx: TrackedTx, status: TrackerStatus): () => void {
    if (status.kind === "conflicted") {
      const { spender } = status;
      this.count("conflict");
      this.log.error({ ...tx.owner, txid: tx.txid, conflicting: spender.txid, confirmations: spender.confirmations, code: "BTC_CONFLICTED" }, "transaction conflicted");
    } else if (status.kind === "rejected") {
      this.log.error({ ...tx.owner, txid: tx.txid, code: "BTC_TX_INVALID", error: status.message }, "ALERT: the network rejected the signed transaction as invalid");
    }
    return this.records.writeFor(tx, status);
  }

  /** The caller's state stays where it is: the tracker alone follows the chain (tracker-records.ts). */
  follow(tx: TrackedTx, status: TrackerStatus): void {
    this.records.follow(tx, status);
  }

  // ---- broadcast and tracking ----

  /**
   * §3.6 outcome mapping: broadcasts the stored raw, then looks up what the answer means. Null when
   * nothing is concluded (the reason stays on the tracker). `pendingSince`: the tip at which the
   * caller committed its intent to broadcast (the underpriced alert counts from it).
   */
  async broadcast(tx: TrackedTx, call: ResponderCall, pendingSince: number | null): Promise<TrackerStatus | null> {
    const tracker = this.records.getOrInsert(tx, "broadcast_pending");
    const tip = this.tipHeight(call);
    if (tip === null) return null;
    const outcome = await this.lookups.send(tx.raw, call.signal);
    try {
      switch (outcome.kind) {
        case "accepted":
          this.count("accepted");
          return { kind: "in_mempool", since: tip };
        case "known": {
          this.count("already_known");
          return (await this.whereNow(tx, tip, call.signal)) ?? this.keep(tracker, `known but not found: ${outcome.message}`);
        }
        case "missing_inputs": {
          this.count("missing_inputs");
          const now = await this.whereNow(tx, tip, call.signal);
          if (now !== null) return now;
          // A bounce means something only when the node is level with the server (sync guard).
          if (!this.tipView.synced()) return this.keep(tracker, `${outcome.message} (not interpreted: cursor behind the server)`);
          const spender = await this.lookups.conflict(tx.outpoints, tx.txid, call.signal);
          if (spender !== null && spender.confirmations >= CONFLICT_CONFIRMATIONS) return { kind: "conflicted", spender };
          if (spender !== null) return this.keep(tracker, `${conflictReason(spender)}; watching`);
          // A parent is unknown (reorged or not yet propagated): retry on the next block.
          return this.keep(tracker, `${outcome.message} (a parent is unknown; retry next block)`);
        }
        case "fee_too_low": {
          this.count("fee_too_low");
          if (pendingSince !== null && tip - pendingSince >= FEE_TOO_LOW_ALERT_BLOCKS) {
            this.log.error({ ...tx.owner, code: "BTC_FEE_TOO_LOW", since: pendingSince, tip, error: outcome.message }, "ALERT: transaction underpriced for 6 blocks or more");
          }
          return this.keep(tracker, outcome.message);
        }
        case "invalid":
          this.count("invalid");
          return { kind: "rejected", message: outcome.message };
        case "unknown":
          this.count("error");
          return this.keep(tracker, outcome.message);
      }
    } catch (err) {
      return this.lookupFailed(tx, tracker, err);
    }
  }

  /** Where a transaction about to be broadcast is now, without broadcasting (did it get out before a crash, §7.2 row 10?). */
  async lookUp(tx: TrackedTx, call: ResponderCall): Promise<TrackerStatus | null> {
    const tracker = this.records.getOrInsert(tx, "broadcast_pending");
    const tip = this.tipHeight(call);
    if (tip === null) return null;
    try {
      return await this.whereNow(tx, tip, call.signal);
    } catch (err) {
      return this.lookupFailed(tx, tracker, err);
    }
  }

  /**
   * One tip's tracking of a transaction the network has: a confirmed one still in its block
   * (irrevocable at depth ≥ 100) or out of it; an unconfirmed one confirmed now, rebroadcast when it
   * is stuck or missing, or conflicted. Null: nothing new for the caller.
   */
  async check(tx: TrackedTx, call: ResponderCall, o: CheckOptions = {}): Promise<TrackerStatus | null> {
    const tracker = this.records.get(tx.txid);
    const tip = this.tipHeight(call);
    if (tracker === undefined || tip === null) return null;
    try {
      if (tracker.status === "confirmed") return await this.checkConfirmed(tx, tracker, tip, call.signal);
      if (tracker.status !== "in_mempool" && tracker.status !== "broadcast_pending") return null;
      if (o.holdsConfirmed === true) return { kind: "reorged", since: tracker.sinceHeight ?? tip };
      return await this.checkUnconfirmed(tx, tracker, tip, call.signal, o.observeOnly === true);
    } catch (err) {
      return this.lookupFailed(tx, tracker, err);
    }
  }

  /**
   * §3.5: a transaction spending exactly the built outpoints with exactly the built outputs (another
   * member broadcast it, or this node crashed after signing), and where it is. Null when there is
   * none, or when a look-up failed (retried on the next block).
   */
  async findBroadcast(built: BuiltTx, call: ResponderCall): Promise<FoundBroadcast | null> {
    const tip = this.tipHeight(call);
    if (tip === null) return null;
    try {
      const outputs = txOutputs(built.unsignedTx);
      const wanted = built.outpoints.map(outpointRef);
      const matches: Spender[] = [];
      for (const sp of await this.lookups.spenders(built.outpoints, null, call.signal)) {
        const sameInputs = sameOutpointSet(txInputs(sp.raw).map((i) => ({ txHash: "0x" + toHex(i.txHash), index: i.index })), wanted);
        const outs = txOutputs(sp.raw);
        const sameOutputs = outs.length === outputs.length && outs.every((o, i) => o.value === outputs[i].value && bytesEqual(o.script, outputs[i].script));
        if (sameInputs && sameOutputs) matches.push(sp);
        else this.log.warn({ ...built.owner, txid: sp.txid, confirmations: sp.confirmations }, "a different transaction spends the action's outpoints");
      }
      if (matches.length === 0) return null;
      // Two signed versions (P2SH inputs) can both exist: take the deepest.
      matches.sort((a, b) => b.confirmations - a.confirmations);
      const chosen = matches[0];
      const tx: TrackedTx = { txid: chosen.txid, wtxid: txidFromHash(hash256(chosen.raw)), raw: chosen.raw, outpoints: built.outpoints, owner: built.owner };
      const status = await this.whereNow(tx, tip, call.signal);
      return status === null ? null : { tx, status };
    } catch (err) {
      if (isAbortError(err)) throw err;
      this.log.warn({ ...built.owner, code: errorCode(err), error: String(err) }, "adoption lookup failed; retry next block");
      return null;
    }
  }

  // ---- per tracker status ----

  /** A confirmed tracker: still in its block (the server's view wins), or out of it. */
  private async checkConfirmed(tx: TrackedTx, t: BtcTrackerRow, tip: number, signal: AbortSignal): Promise<TrackerStatus | null> {
    const at = await this.lookups.locate(t.txid, t.raw, signal);
    if (at.kind === "block") {
      if (at.height !== t.confHeight || at.hash !== t.confHash) {
        // Re-mined elsewhere (a reorg the cursor has not processed yet).
        this.records.update(t.txid, { confHeight: at.height, confHash: at.hash });
        this.log.info({ ...tx.owner, txid: t.txid, from: t.confHeight, to: at.height }, "transaction now confirmed in another block");
      }
      const depth = tip - at.height + 1;
      return depth >= IRREVOCABLY_RESOLVED ? { kind: "irrevocable", at: placeOf(at), depth } : { kind: "confirmed", at: placeOf(at) };
    }
    // Out of its block. A missing transaction is interpreted only when level with the server.
    if (at.kind === "unknown" && !this.tipView.synced()) return null;
    return { kind: "reorged", since: tip };
  }

  /**
   * An unconfirmed tracker: confirmed now? Still in the mempool (rebroadcast at tip − since ≥ 6, or
   * once after a reorg)? Missing (rebroadcast at once, after checking for a conflicting spend)?
   */
  private async checkUnconfirmed(tx: TrackedTx, t: BtcTrackerRow, tip: number, signal: AbortSignal, observeOnly: boolean): Promise<TrackerStatus | null> {
    const at = await this.lookups.locate(t.txid, t.raw, signal);
    if (at.kind === "block") return { kind: "confirmed", at: placeOf(at) };
    let waitingInputs = t.waitingInputs;
    if (t.reorged || t.waitingInputs) {
      waitingInputs = await this.lookups.dependenciesMissing(tx.outpoints, signal);
      if (waitingInputs !== t.waitingInputs) {
        this.records.update(t.txid, { waitingInputs });
        this.log.info({ ...tx.owner, txid: t.txid, waitingInputs }, waitingInputs ? "a dependency is no longer confirmed" : "dependencies confirmed again");
      }
    }
    if (at.kind === "mempool") {
      const since = t.sinceHeight ?? tip;
      if (observeOnly || (!t.reorged && tip - since < CONFIRMATIONS_BEFORE_RETRY)) return null;
      return this.rebroadcast(tx, t, tip, signal, t.reorged ? "reorged" : "stuck");
    }
    if (!this.tipView.synced()) return null;
    const spender = await this.lookups.conflict(tx.outpoints, t.txid, signal);
    if (spender !== null && spender.confirmations >= CONFLICT_CONFIRMATIONS) return { kind: "conflicted", spender };
    if (observeOnly) return null;
    return this.rebroadcast(tx, t, tip, signal, waitingInputs ? "waiting_inputs" : "missing");
  }

  /** Rebroadcasts the same raw bytes; InMempoolSince(tip) and rebroadcasts + 1 unless nothing is known. */
  private async rebroadcast(tx: TrackedTx, t: BtcTrackerRow, tip: number, signal: AbortSignal, why: string): Promise<TrackerStatus | null> {
    const outcome = await this.lookups.send(t.raw, signal);
    this.metrics?.rebroadcast();
    this.log.info({ ...tx.owner, txid: t.txid, why, result: outcome.kind, tip }, "rebroadcast");
    if (outcome.kind === "unknown") {
      // Nothing concluded: keep `since` so the next tip tries again.
      this.records.update(t.txid, { lastError: outcome.message });
      return null;
    }
    if (outcome.kind === "invalid") return { kind: "rejected", message: outcome.message };
    const ok = outcome.kind === "accepted" || outcome.kind === "known";
    this.records.update(t.txid, { sinceHeight: tip, rebroadcasts: t.rebroadcasts + 1, reorged: false, lastError: ok ? null : outcome.message });
    return null;
  }

  // ---- helpers ----

  /** ConfirmedIn or InMempoolSince(tip) as the server sees the transaction now; null when it does not know it. */
  private async whereNow(tx: TrackedTx, tip: number, signal: AbortSignal): Promise<FoundBroadcast["status"] | null> {
    const at = await this.lookups.locate(tx.txid, tx.raw, signal);
    if (at.kind === "block") return { kind: "confirmed", at: placeOf(at) };
    return at.kind === "mempool" ? { kind: "in_mempool", since: tip } : null;
  }

  /** Nothing concluded: the reason is kept on the tracker for the status API. */
  private keep(t: BtcTrackerRow, error: string): null {
    this.records.update(t.txid, { lastError: error });
    return null;
  }

  private lookupFailed(tx: TrackedTx, t: BtcTrackerRow, err: unknown): null {
    if (isAbortError(err)) throw err;
    this.log.warn({ ...tx.owner, txid: t.txid, code: errorCode(err), error: String(err) }, "bitcoin lookup failed; retry next block");
    this.records.update(t.txid, { lastError: `${errorCode(err)}: ${errorMessage(err)}` });
    return null;
  }

  /** The server's tip height (what confirmations count against), else the caller's. */
  private tipHeight(call: ResponderCall): number | null {
    return this.bitcoin.tip()?.height ?? call.tip;
  }

  private count(result: BroadcastMetricResult): void {
    this.metrics?.broadcast(result);
  }
}

function placeOf(at: BlockPlace): BlockPlace {
  return { height: at.height, hash: at.hash };
}

function sameOutpointSet(a: readonly OutpointRef[], b: readonly OutpointRef[]): boolean {
  if (a.length !== b.length) return false;
  const key = (o: OutpointRef): string => `${o.txHash.toLowerCase()}:${o.index}`;
  const set = new Set(b.map(key));
  return a.every((o) => set.has(key(o))) && new Set(a.map(key)).size === a.length;
}
