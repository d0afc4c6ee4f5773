// Settlement of an action's Bitcoin transaction (reliability.md §3.7–§3.8): from `confirmed`, the
// Bridge shows the outcome once the transaction is deep enough, or a maintainer records it through
// the Ethereum intent protocol and `recording` waits for the Bridge to show it. Every pass first lets
// the tracking step follow the chain: a reorg moves `confirmed` back to `in_mempool`.
import type { BridgeClient } from "../chain/bridge-client.js";
import type { Store } from "../store/store.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { BroadcastStep } from "./broadcast-step.js";
import type { HandlerCallContext, HandlerTransition } from "./handlers/handler.js";
import { DEFAULT_RECORD_MIN_CONFIRMATIONS, type OutcomeRecorder } from "./recording.js";
import { confirmationDepth, isSettled, outcomeOf, type BitcoinActionType, type Outcome } from "./settlement.js";

export interface SettlementStepComponents {
  bridge: BridgeClient;
  store: Store;
  tracking: BroadcastStep;
  /** Present on nodes that may record outcomes (maintainer role, §3.8). */
  recorder?: OutcomeRecorder | null;
  logger?: Logger;
}

export interface SettlementStepInit<T extends BitcoinActionType> {
  /** The action type whose outcome is settled. */
  type: T;
  /** `record.minConfirmations`: depth before an outcome counts as settled. Default: the recorder's, else 6. */
  minConfirmations?: number;
}

export class SettlementStep<T extends BitcoinActionType> {
  private readonly bridge: BridgeClient;
  private readonly store: Store;
  private readonly tracking: BroadcastStep;
  private readonly recorder: OutcomeRecorder | null;
  private readonly log: Logger;
  private readonly type: T;
  private readonly minConfirmations: number;
  /** Record intents already reported as reverted (logged once per action). */
  private readonly alerted = new Set<number>();

  constructor(components: SettlementStepComponents, init: SettlementStepInit<T>) {
    this.bridge = components.bridge;
    this.store = components.store;
    this.tracking = components.tracking;
    this.recorder = components.recorder ?? null;
    this.log = (components.logger ?? silentLogger).child({ module: "bitcoin-action" });
    this.type = init.type;
    this.minConfirmations = init.minConfirmations ?? this.recorder?.minConfirmations ?? DEFAULT_RECORD_MIN_CONFIRMATIONS;
  }

  /** `confirmed`: reorg check first, then settlement observed on the Bridge, or the maintainer records. */
  async settle(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    const moved = await this.tracking.track(row, ctx);
    if (moved !== null) return moved;
    const depth = confirmationDepth(this.store, row, ctx.heights.btcTip);
    if (depth < this.minConfirmations) return null;
    const outcome = outcomeOf(row, this.type);
    if (await isSettled(this.bridge, outcome, ctx.at)) return this.settledTransition(row, ctx, depth);

    const recorder = this.recorder;
    if (recorder === null) return null;
    const role = await recorder.recordDepth(outcome.walletPkh, ctx.at);
    if (role === null || depth < role.depth) return null;
    const intent = await recorder.submit(outcome, row.id, (at) => isSettled(this.bridge, outcome, at), ctx.signal);
    // Already shown at the latest block: the next head observes settlement from `confirmed`.
    if (intent.status === "not_needed") return null;
    return {
      to: "recording",
      data: { ethIntentId: intent.id },
      detail: { intentId: intent.id, dedupeKey: intent.dedupeKey, rank: role.rank, depth },
    };
  }

  /** `recording`: the intent protocol runs on its own (§3.7); this waits for the Bridge to show the outcome. */
  async record(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    // Keeps the tracker current (a reorg here moves only the tracker: `recording` has no backward edge).
    const moved = await this.tracking.track(row, ctx);
    if (moved !== null) return moved;
    const outcome = outcomeOf(row, this.type);
    const depth = confirmationDepth(this.store, row, ctx.heights.btcTip);
    if (depth >= this.minConfirmations && (await isSettled(this.bridge, outcome, ctx.at))) return this.settledTransition(row, ctx, depth);
    this.alertOnRevert(row, outcome);
    return null;
  }

  private settledTransition(row: ActionRow, ctx: HandlerCallContext, depth: number): HandlerTransition {
    // stateHeight keeps ConfirmedIn(h); the Ethereum block of observation goes with the transition.
    const settledAt = ctx.at.blockNumber;
    return { to: "settled", data: { extra: { ...(row.extra ?? {}), settledAtEthBlock: settledAt } }, detail: { settledAtEthBlock: settledAt, depth } };
  }

  private alertOnRevert(row: ActionRow, outcome: Outcome): void {
    const intent = row.ethIntentId === null ? undefined : this.store.ethIntents.get(row.ethIntentId);
    const latest = intent === undefined ? undefined : (this.recorder?.intentOf(outcome) ?? intent);
    if (latest?.status !== "reverted" || this.alerted.has(row.id)) return;
    this.alerted.add(row.id);
    this.log.error(
      { actionId: row.id, wallet: row.walletPkh, txid: row.txid, intentId: latest.id, reason: latest.revertReason, alert: true },
      "record call reverted; waiting for the Bridge to show the outcome",
    );
  }
}
