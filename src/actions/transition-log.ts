// Every action state change goes through here: store.actions.advance (R2) with the rows written in
// the same DB transaction (R1), then the structured log line, the metric of reliability.md §8 (R14)
// and the observer's event.
import type { ChainClock } from "../coordination/clock.js";
import type { Metrics } from "../metrics/metrics.js";
import { actionName } from "../protocol/constants.js";
import type { CoordinationObserver } from "../protocol/events.js";
import type { ActionData, ActionRow } from "../store/repos/actions-repo.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../util/logger.js";
import { canTransition, isReorgEdge, type ActionState } from "./state-machine.js";
import { actionIds } from "./step-host.js";

export interface TransitionLogComponents {
  store: Store;
  clock: ChainClock;
  /** The node's processed Bitcoin tip height, recorded with each transition. */
  btcTip: () => number | null;
  /** Told of every transition (the devnet timeline). */
  observer?: CoordinationObserver;
  logger: Logger;
  metrics: Metrics | null;
}

export class TransitionLog {
  private readonly store: Store;
  private readonly clock: ChainClock;
  private readonly btcTip: () => number | null;
  private readonly observer: CoordinationObserver | undefined;
  private readonly log: Logger;
  private readonly metrics: Metrics | null;

  constructor(components: TransitionLogComponents) {
    this.store = components.store;
    this.clock = components.clock;
    this.btcTip = components.btcTip;
    this.observer = components.observer;
    this.log = components.logger;
    this.metrics = components.metrics;
  }

  commit(row: ActionRow, to: ActionState, data: ActionData, detail: Record<string, unknown>, writes?: () => void): ActionRow {
    if (!canTransition(row.state, to)) throw new Error(`action ${row.id}: illegal transition ${row.state} → ${to}`);
    const ethHead = this.clock.head;
    const btcTip = this.btcTip();
    const next = this.store.transaction(() => {
      const advanced = this.store.actions.advance(row.id, row.state, to, data, { ethHead, btcTip, detail });
      writes?.();
      return advanced;
    });
    const reorg = isReorgEdge(row.state, to) ? { reorg: true } : {};
    this.log.info(
      { ...actionIds(row), from: row.state, to, ethHead, btcTip, ...(next.txid !== null ? { txid: next.txid } : {}), ...reorg, ...(data.reason != null ? { reason: data.reason } : {}) },
      "action transition",
    );
    this.metrics?.actionTransitions.inc({ type: actionName(row.type), to });
    this.observer?.({
      type: "action",
      W: row.W,
      wallet: row.walletPkh,
      action: actionName(row.type),
      actionId: row.id,
      from: row.state,
      to,
      ethHead,
      btcTip,
      ...(next.txid !== null ? { txid: next.txid } : {}),
      ...(data.reason != null ? { reason: data.reason } : {}),
    });
    return next;
  }
}
