// The Bitcoin responder (reliability.md §3.5 adoption, §3.6): broadcasts an action's signed
// transaction, maps the server's answer to a state change, and tracks the transaction to a
// verified resolution. Statuses are heights (R4): InMempoolSince(h) and ConfirmedIn(h, hash) live in
// the `btc_trackers` row, which is the truth for the Bitcoin side; the action state follows it
// through the transitions returned here (the executor commits them, R2). Only a verified outcome
// ends tracking (R10): any lookup error leaves everything as it is until the next tip.
import type { HandlerCallContext, HandlerTransition } from "../actions/handlers/handler.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import type { BtcTrackerRow, BtcTrackerStatus, BtcTrackerUpdate, OutpointRef } from "../store/repos/btc-trackers-repo.js";
import type { Store } from "../store/store.js";
import { bytesEqual, fromHex, toHex } from "../util/hex.js";
import { isAbortError } from "../util/sleep.js";
import type { BitcoinChain, BroadcastOutcome } from "./bitcoin-chain.js";
import type { BitcoinTipView } from "./bitcoin-tip.js";
import { electrumScriptHash } from "./scripts.js";
import { hash256, txidFromHash, txInputs, txOutputs } from "./tx.js";
import { errorCode, errorMessage } from "../util/errors.js";

/** A transaction missing this many blocks in the mempool is rebroadcast (teos CONFIRMATIONS_BEFORE_RETRY). */
export const CONFIRMATIONS_BEFORE_RETRY = 6;
/** Depth at which a settled transaction is final (teos IRREVOCABLY_RESOLVED). */
export const IRREVOCABLY_RESOLVED = 100;
/** Depth of a conflicting spend that makes the action `conflicted`. */
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

/** Where the server sees a transaction now. */
type Location =
  | { readonly kind: "block"; readonly height: number; readonly hash: string; readonly depth: number }
  | { readonly kind: "mempool" }
  | { readonly kind: "unknown" };

/** Another transaction spending one of the action's outpoints. */
interface Spender {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly confirmations: number;
}

/** What the unconfirmed-side tracking concluded, for the caller to map onto its action state. */
type Observation =
  | { readonly kind: "confirmed"; readonly at: Extract<Location, { kind: "block" }> }
  | { readonly kind: "conflicted"; readonly spender: Spender }
  | { readonly kind: "invalid"; readonly message: string }
  | { readonly kind: "none" };

/** Recovery's "watch before acting" (reliability.md §5 step 5): look up, never broadcast. */
export interface TrackOptions {
  readonly observeOnly?: boolean;
}

const ADOPTABLE_STATES: ReadonlySet<ActionRow["state"]> = new Set(["built", "signing", "signed"]);

export class BitcoinResponder {
  private readonly store: Store;
  private readonly bitcoin: BitcoinChain;
  private readonly tipView: BitcoinTipView;
  private readonly log: Logger;
  private readonly metrics: ResponderMetrics | null;

  constructor(c: BitcoinResponderComponents) {
    this.store = c.store;
    this.bitcoin = c.bitcoin;
    this.tipView = c.tip;
    this.log = (c.logger ?? silentLogger).child({ module: "responder" });
    this.metrics = c.metrics ?? null;
  }

  /** `signed → broadcast_pending`: the tracker row is the intent, written with the state change (R1). */
  enterBroadcastPending(row: ActionRow): HandlerTransition {
    const s = signedOf(row);
    return {
      to: "broadcast_pending",
      detail: { txid: s.txid },
      writes: () => {
        this.ensureTracker(row, "broadcast_pending", {});
      },
    };
  }

  /** §3.6 outcome mapping for `broadcast_pending`: broadcast the stored raw, then look up what the answer means. */
  async broadcast(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    const s = signedOf(row);
    const tracker = this.store.btcTrackers.get(s.txid) ?? this.ensureTracker(row, "broadcast_pending", {});
    const tip = this.tipHeight(ctx);
    if (tip === null) return null;
    const outcome = await this.send(s.raw, ctx.signal);
    try {
      switch (outcome.kind) {
        case "accepted":
          this.count("accepted");
          return this.toMempool(row, tip);
        case "known": {
          this.count("already_known");
          const at = await this.locate(s.txid, s.raw, ctx.signal);
          if (at.kind === "block") return this.toConfirmed(row, at);
          if (at.kind === "mempool") return this.toMempool(row, tip);
          return this.keep(tracker, `known but not found: ${outcome.message}`);
        }
        case "missing_inputs": {
          this.count("missing_inputs");
          const at = await this.locate(s.txid, s.raw, ctx.signal);
          if (at.kind === "block") return this.toConfirmed(row, at);
          if (at.kind === "mempool") return this.toMempool(row, tip);
          // A bounce means something only when the node is level with the server (sync guard).
          if (!this.tipView.synced()) return this.keep(tracker, `${outcome.message} (not interpreted: cursor behind the server)`);
          const spender = await this.conflict(row, s.txid, ctx.signal);
          if (spender !== null && spender.confirmations >= CONFLICT_CONFIRMATIONS) return this.toConflicted(row, spender);
          if (spender !== null) return this.keep(tracker, `conflicting spend ${spender.txid} with ${spender.confirmations} confirmations; watching`);
          // A parent is unknown (reorged or not yet propagated): retry on the next block.
          return this.keep(tracker, `${outcome.message} (a parent is unknown; retry next block)`);
        }
        case "fee_too_low": {
          this.count("fee_too_low");
          const since = this.enteredAt(row, "broadcast_pending");
          if (since !== null && tip - since >= FEE_TOO_LOW_ALERT_BLOCKS) {
            this.log.error({ ...ids(row), code: "BTC_FEE_TOO_LOW", since, tip, error: outcome.message }, "ALERT: transaction underpriced for 6 blocks or more");
          }
          return this.keep(tracker, outcome.message);
        }
        case "invalid":
          this.count("invalid");
          return this.toInvalid(row, outcome.message);
        case "unknown":
          this.count("error");
          return this.keep(tracker, outcome.message);
      }
    } catch (err) {
      return this.lookupFailed(row, tracker, err);
    }
  }

  /**
   * Confirmation tracking on a new tip, per action state: `broadcast_pending` broadcasts,
   * `in_mempool` → confirmed / rebroadcast / conflicted, `confirmed` → in_mempool on a reorg (else
   * null), `settled` → final at depth ≥ 100; `recording` and `settled` keep the tracker up to date.
   */
  async track(row: ActionRow, ctx: HandlerCallContext, o: TrackOptions = {}): Promise<HandlerTransition | null> {
    if (row.state === "broadcast_pending") return o.observeOnly === true ? this.observePending(row, ctx) : this.broadcast(row, ctx);
    if (row.state !== "in_mempool" && row.state !== "confirmed" && row.state !== "recording" && row.state !== "settled") return null;
    const s = signedOf(row);
    const tracker = this.store.btcTrackers.get(s.txid) ?? this.ensureTracker(row, row.state === "in_mempool" ? "in_mempool" : "confirmed", this.trackerFieldsOf(row));
    const tip = this.tipHeight(ctx);
    if (tip === null) return null;
    try {
      if (tracker.status === "confirmed") return await this.trackConfirmed(row, tracker, tip, ctx.signal);
      if (tracker.status !== "in_mempool" && tracker.status !== "broadcast_pending") return null;
      if (row.state === "confirmed") {
        // The tip tracker flipped it (a reorg): the only backward edge (§3.1).
        return this.toReorged(row, tracker.sinceHeight ?? tip);
      }
      const seen = await this.trackUnconfirmed(row, tracker, tip, ctx.signal, o.observeOnly === true);
      return this.applyObservation(row, tracker, seen);
    } catch (err) {
      return this.lookupFailed(row, tracker, err);
    }
  }

  /**
   * §3.5: a transaction spending exactly the built outpoints with exactly the built outputs (another
   * member broadcast it, or this node crashed after signing) becomes this action's signed version.
   */
  async adopt(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    if (!ADOPTABLE_STATES.has(row.state) || row.outpoints === null || row.outpoints.length === 0 || row.unsignedTx === null) return null;
    const tip = this.tipHeight(ctx);
    if (tip === null) return null;
    try {
      const built = txOutputs(row.unsignedTx);
      const wanted = row.outpoints.map(refOf);
      const matches: Spender[] = [];
      for (const sp of await this.spenders(row, null, ctx.signal)) {
        const sameInputs = sameOutpointSet(txInputs(sp.raw).map((i) => ({ txHash: "0x" + toHex(i.txHash), index: i.index })), wanted);
        const outs = txOutputs(sp.raw);
        const sameOutputs = outs.length === built.length && outs.every((o, i) => o.value === built[i].value && bytesEqual(o.script, built[i].script));
        if (sameInputs && sameOutputs) matches.push(sp);
        else this.log.warn({ ...ids(row), txid: sp.txid, confirmations: sp.confirmations }, "a different transaction spends the action's outpoints");
      }
      if (matches.length === 0) return null;
      // Two signed versions (P2SH inputs) can both exist: take the deepest.
      matches.sort((a, b) => b.confirmations - a.confirmations);
      const chosen = matches[0];
      const at = await this.locate(chosen.txid, chosen.raw, ctx.signal);
      if (at.kind === "unknown") return null;
      const wtxid = txidFromHash(hash256(chosen.raw));
      const base = { signedTx: chosen.raw, txid: chosen.txid, wtxid };
      const adopted: ActionRow = { ...row, ...base };
      if (at.kind === "block") {
        const t = this.toConfirmed(adopted, at);
        return { ...t, data: { ...base, ...t.data }, detail: { ...t.detail, adopted: true } };
      }
      const t = this.toMempool(adopted, tip);
      return { ...t, data: { ...base, ...t.data }, detail: { ...t.detail, adopted: true } };
    } catch (err) {
      if (isAbortError(err)) throw err;
      this.log.warn({ ...ids(row), code: errorCode(err), error: String(err) }, "adoption lookup failed; retry next block");
      return null;
    }
  }

  // ---- tracking ----

  /** `broadcast_pending` without broadcasting: did the transaction get out before a crash (§7.2 row 10)? */
  private async observePending(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    const s = signedOf(row);
    const tracker = this.store.btcTrackers.get(s.txid) ?? this.ensureTracker(row, "broadcast_pending", {});
    const tip = this.tipHeight(ctx);
    if (tip === null) return null;
    try {
      const at = await this.locate(s.txid, s.raw, ctx.signal);
      if (at.kind === "block") return this.toConfirmed(row, at);
      return at.kind === "mempool" ? this.toMempool(row, tip) : null;
    } catch (err) {
      return this.lookupFailed(row, tracker, err);
    }
  }

  /** A confirmed tracker: still in its block? Final when settled and deep enough. */
  private async trackConfirmed(row: ActionRow, t: BtcTrackerRow, tip: number, signal: AbortSignal): Promise<HandlerTransition | null> {
    const at = await this.locate(t.txid, t.raw, signal);
    if (at.kind === "block") {
      if (at.height !== t.confHeight || at.hash !== t.confHash) {
        // Re-mined elsewhere (a reorg the cursor has not processed yet): the server's view wins.
        this.store.btcTrackers.update(t.txid, { confHeight: at.height, confHash: at.hash });
        this.log.info({ ...ids(row), txid: t.txid, from: t.confHeight, to: at.height }, "transaction now confirmed in another block");
      }
      // The tracker ran ahead of the action (written outside a transition): let the action catch up.
      if (row.state === "in_mempool") return this.toConfirmed(row, at);
      if (row.state === "settled" && tip - at.height + 1 >= IRREVOCABLY_RESOLVED) {
        return { to: "final", detail: { txid: t.txid, depth: tip - at.height + 1 }, writes: () => this.store.btcTrackers.update(t.txid, { status: "final" }) };
      }
      return null;
    }
    // Out of its block. A missing transaction is interpreted only when level with the server.
    if (at.kind === "unknown" && !this.tipView.synced()) return null;
    const flip: BtcTrackerUpdate = { status: "in_mempool", sinceHeight: tip, confHeight: null, confHash: null, reorged: true };
    if (row.state === "confirmed") {
      const tr = this.toReorged(row, tip);
      return { ...tr, writes: () => this.store.btcTrackers.update(t.txid, flip) };
    }
    // recording / settled have no backward edge: the tracker alone goes back and is watched.
    this.store.btcTrackers.update(t.txid, flip);
    if (row.state !== "in_mempool") this.log.warn({ ...ids(row), txid: t.txid, state: row.state }, "settled transaction reorged out; tracking it again");
    return null;
  }

  /**
   * An unconfirmed tracker: confirmed now? Still in the mempool (rebroadcast at tip − since ≥ 6, or
   * once after a reorg)? Missing (rebroadcast at once, after checking for a conflicting spend)?
   */
  private async trackUnconfirmed(row: ActionRow, t: BtcTrackerRow, tip: number, signal: AbortSignal, observeOnly: boolean): Promise<Observation> {
    const at = await this.locate(t.txid, t.raw, signal);
    if (at.kind === "block") return { kind: "confirmed", at };
    let waitingInputs = t.waitingInputs;
    if (t.reorged || t.waitingInputs) {
      waitingInputs = await this.dependenciesMissing(row, signal);
      if (waitingInputs !== t.waitingInputs) {
        this.store.btcTrackers.update(t.txid, { waitingInputs });
        this.log.info({ ...ids(row), txid: t.txid, waitingInputs }, waitingInputs ? "a dependency is no longer confirmed" : "dependencies confirmed again");
      }
    }
    if (at.kind === "mempool") {
      const since = t.sinceHeight ?? tip;
      if (observeOnly || (!t.reorged && tip - since < CONFIRMATIONS_BEFORE_RETRY)) return { kind: "none" };
      return this.rebroadcast(row, t, tip, signal, t.reorged ? "reorged" : "stuck");
    }
    if (!this.tipView.synced()) return { kind: "none" };
    const spender = await this.conflict(row, t.txid, signal);
    if (spender !== null && spender.confirmations >= CONFLICT_CONFIRMATIONS) return { kind: "conflicted", spender };
    if (observeOnly) return { kind: "none" };
    return this.rebroadcast(row, t, tip, signal, waitingInputs ? "waiting_inputs" : "missing");
  }

  /** Rebroadcasts the same raw bytes; InMempoolSince(tip) and rebroadcasts + 1 unless nothing is known. */
  private async rebroadcast(row: ActionRow, t: BtcTrackerRow, tip: number, signal: AbortSignal, why: string): Promise<Observation> {
    const outcome = await this.send(t.raw, signal);
    this.metrics?.rebroadcast();
    this.log.info({ ...ids(row), txid: t.txid, why, result: outcome.kind, tip }, "rebroadcast");
    if (outcome.kind === "unknown") {
      // Nothing concluded: keep `since` so the next tip tries again.
      this.store.btcTrackers.update(t.txid, { lastError: outcome.message });
      return { kind: "none" };
    }
    if (outcome.kind === "invalid") return { kind: "invalid", message: outcome.message };
    const ok = outcome.kind === "accepted" || outcome.kind === "known";
    this.store.btcTrackers.update(t.txid, {
      sinceHeight: tip,
      rebroadcasts: t.rebroadcasts + 1,
      reorged: false,
      lastError: ok ? null : outcome.message,
    });
    return { kind: "none" };
  }

  private applyObservation(row: ActionRow, t: BtcTrackerRow, o: Observation): HandlerTransition | null {
    if (o.kind === "none") return null;
    if (row.state === "in_mempool") {
      if (o.kind === "confirmed") return this.toConfirmed(row, o.at);
      if (o.kind === "conflicted") return this.toConflicted(row, o.spender);
      return this.toInvalid(row, o.message);
    }
    // recording / settled: the Bridge already shows the outcome; only the tracker follows the chain.
    if (o.kind === "confirmed") {
      this.store.btcTrackers.update(t.txid, { status: "confirmed", confHeight: o.at.height, confHash: o.at.hash, reorged: false, waitingInputs: false });
    } else {
      const error = o.kind === "conflicted" ? `conflicting spend ${o.spender.txid} with ${o.spender.confirmations} confirmations` : o.message;
      this.store.btcTrackers.update(t.txid, { lastError: error });
      this.log.error({ ...ids(row), txid: t.txid, state: row.state, code: "BTC_SETTLED_TX_LOST", error }, "ALERT: settled transaction cannot confirm again");
    }
    return null;
  }

  // ---- transitions (tracker writes go with the state change) ----

  private toMempool(row: ActionRow, tip: number): HandlerTransition {
    const fields: BtcTrackerUpdate = { status: "in_mempool", sinceHeight: tip, confHeight: null, confHash: null, lastError: null };
    return {
      to: "in_mempool",
      data: { stateHeight: tip, confHash: null },
      detail: { txid: row.txid, since: tip },
      writes: () => {
        this.ensureTracker(row, "in_mempool", fields);
      },
    };
  }

  private toConfirmed(row: ActionRow, at: Extract<Location, { kind: "block" }>): HandlerTransition {
    const fields: BtcTrackerUpdate = { status: "confirmed", confHeight: at.height, confHash: at.hash, reorged: false, waitingInputs: false, lastError: null };
    return {
      to: "confirmed",
      data: { stateHeight: at.height, confHash: at.hash },
      detail: { txid: row.txid, height: at.height, hash: at.hash },
      writes: () => {
        this.ensureTracker(row, "confirmed", fields);
      },
    };
  }

  /** `confirmed → in_mempool`: InMempoolSince(h), logged as a reorg. */
  private toReorged(row: ActionRow, since: number): HandlerTransition {
    return { to: "in_mempool", data: { stateHeight: since, confHash: null }, detail: { txid: row.txid, reorg: true, since } };
  }

  private toConflicted(row: ActionRow, spender: Spender): HandlerTransition {
    this.count("conflict");
    const reason = `conflicting spend ${spender.txid} with ${spender.confirmations} confirmations`;
    this.log.error({ ...ids(row), txid: row.txid, conflicting: spender.txid, confirmations: spender.confirmations, code: "BTC_CONFLICTED" }, "transaction conflicted");
    return {
      to: "conflicted",
      data: { reason, extra: { ...(row.extra ?? {}), conflictingTxid: spender.txid } },
      detail: { txid: row.txid, conflictingTxid: spender.txid, confirmations: spender.confirmations },
      writes: () => {
        this.store.btcTrackers.update(row.txid!, { status: "conflicted", lastError: reason });
      },
    };
  }

  private toInvalid(row: ActionRow, message: string): HandlerTransition {
    this.log.error({ ...ids(row), txid: row.txid, code: "BTC_TX_INVALID", error: message }, "ALERT: the network rejected the signed transaction as invalid");
    return {
      to: "failed_invalid",
      data: { reason: `rejected as invalid: ${message}` },
      detail: { txid: row.txid, error: message },
      // The tracker is never dropped from the table (§3.6).
      writes: () => {
        this.store.btcTrackers.update(row.txid!, { status: "failed_invalid", lastError: message });
      },
    };
  }

  /** Stay where we are; the reason is kept on the tracker for the status API. */
  private keep(t: BtcTrackerRow, error: string): null {
    this.store.btcTrackers.update(t.txid, { lastError: error });
    return null;
  }

  private lookupFailed(row: ActionRow, t: BtcTrackerRow, err: unknown): null {
    if (isAbortError(err)) throw err;
    this.log.warn({ ...ids(row), txid: t.txid, code: errorCode(err), error: String(err) }, "bitcoin lookup failed; retry next block");
    this.store.btcTrackers.update(t.txid, { lastError: `${errorCode(err)}: ${errorMessage(err)}` });
    return null;
  }

  // ---- lookups ----

  /**
   * Where the server sees a transaction. The block height comes from the history of one of the
   * transaction's output scripts (§3.6: "or with `blockchain.scripthash.get_history`"): a history
   * height is absolute, whereas `confirmations` counts from whatever tip the server has when it
   * answers, so a block arriving during the look-up (every 250 ms on the devnet) made the old
   * height computation ambiguous and the look-up fail. The hash is that height's header; depth is
   * counted against one tip snapshot taken after the reads. A reorg between the two reads can only
   * give another block at the same height, which the next tip corrects (trackConfirmed: the
   * server's view wins).
   */
  private async locate(txid: string, raw: Uint8Array, signal: AbortSignal): Promise<Location> {
    const items = await this.bitcoin.history(electrumScriptHash(indexedScript(raw)), { signal });
    const item = items.find((i) => i.txid === txid);
    if (item === undefined) return { kind: "unknown" };
    // Electrum: 0 = mempool, −1 = mempool with an unconfirmed parent.
    if (item.height <= 0) return { kind: "mempool" };
    const header = await this.bitcoin.header(item.height, { signal });
    const tip = this.bitcoin.tip();
    return { kind: "block", height: item.height, hash: header.hash, depth: Math.max(1, (tip?.height ?? item.height) - item.height + 1) };
  }

  /** The deepest other transaction spending one of the action's outpoints, or null. */
  private async conflict(row: ActionRow, ownTxid: string, signal: AbortSignal): Promise<Spender | null> {
    const spenders = await this.spenders(row, ownTxid, signal);
    if (spenders.length === 0) return null;
    return spenders.reduce((a, b) => (b.confirmations > a.confirmations ? b : a));
  }

  /**
   * Other transactions spending any of the built outpoints, found in the history of each input's
   * locking script (only entries not older than the parent can spend it).
   */
  private async spenders(row: ActionRow, ownTxid: string | null, signal: AbortSignal): Promise<Spender[]> {
    const found = new Map<string, Spender>();
    const checked = new Set<string>();
    for (const o of row.outpoints ?? []) {
      const parentTxid = txidFromHash(fromHex(o.txHash));
      const items = await this.bitcoin.history(electrumScriptHash(o.script), { signal });
      const parentHeight = items.find((i) => i.txid === parentTxid)?.height ?? 0;
      for (const item of items) {
        if (item.txid === ownTxid || item.txid === parentTxid || checked.has(item.txid)) continue;
        if (parentHeight > 0 && item.height > 0 && item.height < parentHeight) continue;
        checked.add(item.txid);
        const raw = await this.bitcoin.getTransaction(item.txid, { signal });
        if (raw === null) continue;
        const spends = txInputs(raw).some((i) => i.index === o.index && "0x" + toHex(i.txHash) === o.txHash.toLowerCase());
        if (!spends) continue;
        const confirmations = await this.bitcoin.confirmations(item.txid, { signal });
        if (confirmations < 0) continue;
        found.set(item.txid, { txid: item.txid, raw, confirmations });
      }
    }
    return [...found.values()];
  }

  /** §3.6 "re-check dependencies": true when a parent of an input is no longer confirmed. */
  private async dependenciesMissing(row: ActionRow, signal: AbortSignal): Promise<boolean> {
    const parents = new Set((row.outpoints ?? []).map((o) => txidFromHash(fromHex(o.txHash))));
    for (const p of parents) {
      if ((await this.bitcoin.confirmations(p, { signal })) < 1) return true;
    }
    return false;
  }

  // ---- helpers ----

  /** Broadcast; a thrown transport error is an unknown outcome (never conclusive). */
  private async send(raw: Uint8Array, signal: AbortSignal): Promise<BroadcastOutcome> {
    try {
      return await this.bitcoin.broadcast(raw, { signal });
    } catch (err) {
      if (isAbortError(err)) throw err;
      return { kind: "unknown", message: `${errorCode(err)}: ${errorMessage(err)}` };
    }
  }

  /** The server's tip height (what confirmations count against), else the executor's view. */
  private tipHeight(ctx: HandlerCallContext): number | null {
    return this.bitcoin.tip()?.height ?? ctx.heights.btcTip ?? null;
  }

  /** Inserts the action's tracker or updates its status (idempotent: a replayed intent writes one row). */
  private ensureTracker(row: ActionRow, status: BtcTrackerStatus, fields: BtcTrackerUpdate): BtcTrackerRow {
    const s = signedOf(row);
    const existing = this.store.btcTrackers.get(s.txid);
    if (existing !== undefined) return this.store.btcTrackers.update(s.txid, { ...fields, status });
    return this.store.btcTrackers.insert({
      txid: s.txid,
      actionId: row.id,
      wtxid: row.wtxid,
      raw: s.raw,
      outpoints: s.outpoints,
      ...fields,
      status,
    });
  }

  /** Tracker fields reconstructed from the action row (a row that predates its tracker). */
  private trackerFieldsOf(row: ActionRow): BtcTrackerUpdate {
    if (row.state === "in_mempool") return { sinceHeight: row.stateHeight };
    return row.state === "confirmed" ? { confHeight: row.stateHeight, confHash: row.confHash } : {};
  }

  /** Bitcoin tip recorded with the last transition into `state`. */
  private enteredAt(row: ActionRow, state: ActionRow["state"]): number | null {
    const entered = this.store.actions.history(row.id).filter((t) => t.to === state);
    return entered.length === 0 ? null : entered[entered.length - 1].btcTip;
  }

  private count(result: BroadcastMetricResult): void {
    this.metrics?.broadcast(result);
  }
}

function signedOf(row: ActionRow): { txid: string; raw: Uint8Array; outpoints: OutpointRef[] } {
  if (row.txid === null || row.signedTx === null || row.outpoints === null) {
    throw new Error(`action ${row.id} (${row.state}) has no signed transaction`);
  }
  return { txid: row.txid, raw: row.signedTx, outpoints: row.outpoints.map(refOf) };
}

function refOf(o: { txHash: string; index: number }): OutpointRef {
  return { txHash: o.txHash.toLowerCase(), index: o.index };
}

function sameOutpointSet(a: readonly OutpointRef[], b: readonly OutpointRef[]): boolean {
  if (a.length !== b.length) return false;
  const key = (o: OutpointRef): string => `${o.txHash.toLowerCase()}:${o.index}`;
  const set = new Set(b.map(key));
  return a.every((o) => set.has(key(o))) && new Set(a.map(key)).size === a.length;
}

const OP_RETURN = 0x6a;

/**
 * The output script whose Electrum history lists the transaction: the first spendable output
 * (Electrum servers do not index OP_RETURN outputs). Every wallet transaction pays at least one.
 */
function indexedScript(raw: Uint8Array): Uint8Array {
  const outs = txOutputs(raw);
  const spendable = outs.find((o) => o.script.length > 0 && o.script[0] !== OP_RETURN);
  if (spendable === undefined) throw new Error("transaction has no spendable output to look it up by");
  return spendable.script;
}

function ids(row: ActionRow): { actionId: number; wallet: string; W: number } {
  return { actionId: row.id, wallet: row.walletPkh, W: row.W };
}


