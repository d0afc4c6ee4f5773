// The action's Bitcoin transaction from `signed` on (reliability.md §3.5 adoption, §3.6): the
// responder broadcasts and tracks it and reports tracker statuses in its own words; this step maps
// each status onto the action's states. A status the action takes becomes a transition committed
// with the tracker write that goes with it (R1); one it no longer moves with (`recording`,
// `settled`, or a tracker running ahead of `in_mempool`) is followed by the tracker alone.
import type { BitcoinResponder } from "../bitcoin/responder.js";
import { conflictReason, type BlockPlace, type HeldStatus, type ResponderCall, type Spender, type TrackedTx, type TrackerStatus } from "../bitcoin/tracker-status.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import type { Store } from "../store/store.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { HandlerCallContext, HandlerTransition } from "./handlers/handler.js";
import type { ActionState } from "./state-machine.js";

/** Recovery's "watch before acting" (reliability.md §5 step 5): look up, never broadcast. */
export interface TrackOptions {
  readonly observeOnly?: boolean;
}

export interface BroadcastStepComponents {
  responder: BitcoinResponder;
  store: Store;
  logger?: Logger;
}

/** States whose signed transaction another member may already have broadcast (§3.5). */
const ADOPTABLE_STATES: ReadonlySet<ActionState> = new Set(["built", "signing", "signed"]);
/** States whose transaction is tracked on every tip. */
const TRACKED_STATES: ReadonlySet<ActionState> = new Set(["in_mempool", "confirmed", "recording", "settled"]);

export class BroadcastStep {
  private readonly responder: BitcoinResponder;
  private readonly store: Store;
  private readonly log: Logger;

  constructor(components: BroadcastStepComponents) {
    this.responder = components.responder;
    this.store = components.store;
    this.log = (components.logger ?? silentLogger).child({ module: "bitcoin-action" });
  }

  /** `signed → broadcast_pending`: the tracker row is the intent, written with the state change (R1). */
  enterBroadcastPending(row: ActionRow): HandlerTransition {
    const tx = trackedTxOf(row);
    return { to: "broadcast_pending", detail: { txid: tx.txid }, writes: this.responder.watch(tx) };
  }

  /** `broadcast_pending`: broadcast the stored raw; the responder says what the answer means. */
  async broadcast(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    const tx = trackedTxOf(row);
    const status = await this.responder.broadcast(tx, callOf(ctx), this.enteredAt(row, "broadcast_pending"));
    return status === null ? null : this.take(row, tx, status);
  }

  /**
   * Confirmation tracking on a new tip, per action state: `broadcast_pending` broadcasts (or only
   * looks up), `in_mempool` → confirmed / conflicted / failed_invalid, `confirmed` → in_mempool on a
   * reorg (else null), `settled` → final once irrevocable; `recording` and `settled` keep the tracker
   * up to date.
   */
  async track(row: ActionRow, ctx: HandlerCallContext, o: TrackOptions = {}): Promise<HandlerTransition | null> {
    if (row.state === "broadcast_pending") return o.observeOnly === true ? this.lookUp(row, ctx) : this.broadcast(row, ctx);
    if (!TRACKED_STATES.has(row.state)) return null;
    const tx = trackedTxOf(row);
    this.responder.resume(tx, heldOf(row));
    const status = await this.responder.check(tx, callOf(ctx), { observeOnly: o.observeOnly, holdsConfirmed: row.state === "confirmed" });
    return status === null ? null : this.take(row, tx, status);
  }

  /** §3.5 adoption: the built transaction, broadcast by another member, becomes this action's signed version. */
  async adopt(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    if (!ADOPTABLE_STATES.has(row.state) || row.outpoints === null || row.outpoints.length === 0 || row.unsignedTx === null) return null;
    const found = await this.responder.findBroadcast({ unsignedTx: row.unsignedTx, outpoints: row.outpoints, owner: ownerOf(row) }, callOf(ctx));
    if (found === null) return null;
    const base = { signedTx: found.tx.raw, txid: found.tx.txid, wtxid: found.tx.wtxid };
    const adopted: ActionRow = { ...row, ...base };
    const t = found.status.kind === "confirmed" ? this.toConfirmed(adopted, found.tx, found.status.at) : this.toMempool(adopted, found.tx, found.status.since);
    return { ...t, data: { ...base, ...t.data }, detail: { ...t.detail, adopted: true } };
  }

  /** `broadcast_pending` without broadcasting: did the transaction get out before a crash (§7.2 row 10)? */
  private async lookUp(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    const tx = trackedTxOf(row);
    const status = await this.responder.lookUp(tx, callOf(ctx));
    return status === null ? null : this.take(row, tx, status);
  }

  /** The transition a status calls for in the action's state, or null with the tracker following alone. */
  private take(row: ActionRow, tx: TrackedTx, status: TrackerStatus): HandlerTransition | null {
    if (row.state === "broadcast_pending" || row.state === "in_mempool") {
      switch (status.kind) {
        case "in_mempool":
          if (row.state === "broadcast_pending") return this.toMempool(row, tx, status.since);
          break;
        case "confirmed":
        case "irrevocable":
          return this.toConfirmed(row, tx, status.at);
        case "conflicted":
          return this.toConflicted(row, tx, status.spender);
        case "rejected":
          return this.toInvalid(row, tx, status.message);
      }
    }
    // The only backward edge (§3.1).
    if (row.state === "confirmed" && status.kind === "reorged") return this.toReorged(row, tx, status.since);
    if (row.state === "settled" && status.kind === "irrevocable") return this.toFinal(tx, status);
    this.followAlone(row, tx, status);
    return null;
  }

  /** `recording` and `settled` have no edge back: the Bridge already shows the outcome; only the tracker follows the chain. */
  private followAlone(row: ActionRow, tx: TrackedTx, status: TrackerStatus): void {
    this.responder.follow(tx, status);
    if (status.kind === "reorged" && row.state !== "in_mempool") {
      this.log.warn({ ...ownerOf(row), txid: tx.txid, state: row.state }, "settled transaction reorged out; tracking it again");
    }
    if (status.kind === "conflicted" || status.kind === "rejected") {
      const error = status.kind === "conflicted" ? conflictReason(status.spender) : status.message;
      this.log.error({ ...ownerOf(row), txid: tx.txid, state: row.state, code: "BTC_SETTLED_TX_LOST", error }, "ALERT: settled transaction cannot confirm again");
    }
  }

  // ---- transitions (the tracker write goes with the state change) ----

  private toMempool(row: ActionRow, tx: TrackedTx, since: number): HandlerTransition {
    return {
      to: "in_mempool",
      data: { stateHeight: since, confHash: null },
      detail: { txid: row.txid, since },
      writes: this.responder.record(tx, { kind: "in_mempool", since }),
    };
  }

  private toConfirmed(row: ActionRow, tx: TrackedTx, at: BlockPlace): HandlerTransition {
    return {
      to: "confirmed",
      data: { stateHeight: at.height, confHash: at.hash },
      detail: { txid: row.txid, height: at.height, hash: at.hash },
      writes: this.responder.record(tx, { kind: "confirmed", at }),
    };
  }

  /** `confirmed → in_mempool`: InMempoolSince(h), logged as a reorg. */
  private toReorged(row: ActionRow, tx: TrackedTx, since: number): HandlerTransition {
    return {
      to: "in_mempool",
      data: { stateHeight: since, confHash: null },
      detail: { txid: row.txid, reorg: true, since },
      writes: this.responder.record(tx, { kind: "reorged", since }),
    };
  }

  private toConflicted(row: ActionRow, tx: TrackedTx, spender: Spender): HandlerTransition {
    return {
      to: "conflicted",
      data: { reason: conflictReason(spender), extra: { ...(row.extra ?? {}), conflictingTxid: spender.txid } },
      detail: { txid: row.txid, conflictingTxid: spender.txid, confirmations: spender.confirmations },
      writes: this.responder.record(tx, { kind: "conflicted", spender }),
    };
  }

  private toInvalid(row: ActionRow, tx: TrackedTx, message: string): HandlerTransition {
    return {
      to: "failed_invalid",
      data: { reason: `rejected as invalid: ${message}` },
      detail: { txid: row.txid, error: message },
      writes: this.responder.record(tx, { kind: "rejected", message }),
    };
  }

  private toFinal(tx: TrackedTx, irrevocable: Extract<TrackerStatus, { kind: "irrevocable" }>): HandlerTransition {
    return { to: "final", detail: { txid: tx.txid, depth: irrevocable.depth }, writes: this.responder.record(tx, irrevocable) };
  }

  /** Bitcoin tip recorded with the last transition into `state`. */
  private enteredAt(row: ActionRow, state: ActionState): number | null {
    const entered = this.store.actions.history(row.id).filter((t) => t.to === state);
    return entered.length === 0 ? null : entered[entered.length - 1].btcTip;
  }
}

function trackedTxOf(row: ActionRow): TrackedTx {
  if (row.txid === null || row.signedTx === null || row.outpoints === null) {
    throw new Error(`action ${row.id} (${row.state}) has no signed transaction`);
  }
  return { txid: row.txid, wtxid: row.wtxid, raw: row.signedTx, outpoints: row.outpoints, owner: ownerOf(row) };
}

function ownerOf(row: ActionRow): TrackedTx["owner"] {
  return { actionId: row.id, wallet: row.walletPkh, W: row.W };
}

/** Where the action last saw its transaction, for a row older than its tracker. */
function heldOf(row: ActionRow): HeldStatus {
  if (row.state === "in_mempool") return { kind: "in_mempool", since: row.stateHeight };
  return row.state === "confirmed" ? { kind: "confirmed", height: row.stateHeight, hash: row.confHash } : { kind: "confirmed", height: null, hash: null };
}

function callOf(ctx: HandlerCallContext): ResponderCall {
  return { signal: ctx.signal, tip: ctx.heights.btcTip ?? null };
}
