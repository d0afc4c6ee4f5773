// Window results and action scheduling (coordination.md §10.6, §12): the result and the action it
// schedules are written in one DB transaction, so there is never one without the other.
import {
  ACTION_VALIDITY_BLOCKS,
  ActionType,
  MOVING_FUNDS_SIGNING_START_OFFSET,
  SIGNING_DEADLINE_BEFORE_EXPIRY,
  WINDOW_DURATION_BLOCKS,
  actionName,
} from "../protocol/constants.js";
import type { WindowResult } from "../protocol/events.js";
import type { CoordinationProposal } from "../protocol/message.js";
import type { WindowContext } from "./window-context.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { report, type CoordinationEventTarget } from "./coordination-events.js";

/** Takes up the actions that `action:scheduled` announces (the action executor). */
export interface ActionDispatcher {
  scheduled(actionId: number): void;
}

export interface ResultProcessorComponents {
  store: Store;
  logger: Logger;
  metrics: Metrics | null;
  /** Receives `coordination` (each result) and `action:scheduled` (each new action). */
  events: CoordinationEventTarget;
}

export interface ActionSchedule {
  start: number;
  expiry: number;
  signingStart: number;
  signingDeadline: number;
}

export function actionSchedule(W: number, type: Exclude<ActionType, ActionType.Noop>): ActionSchedule {
  const start = W + WINDOW_DURATION_BLOCKS;
  const expiry = start + ACTION_VALIDITY_BLOCKS[type];
  const signingStart = type === ActionType.MovingFunds ? W + MOVING_FUNDS_SIGNING_START_OFFSET : start;
  return { start, expiry, signingStart, signingDeadline: expiry - SIGNING_DEADLINE_BEFORE_EXPIRY };
}

export class ResultProcessor {
  private readonly log: Logger;

  constructor(private readonly components: ResultProcessorComponents) {
    this.log = components.logger.child({ module: "coordination" });
  }

  /** An accepted proposal (own or the leader's): persist the result and schedule its action. */
  accept(ctx: WindowContext, result: "accepted" | "accepted_own", proposal: CoordinationProposal, digest: Uint8Array): WindowResult {
    const { store } = this.components;
    let final: WindowResult = result;
    let actionId: number | undefined;
    store.transaction(() => {
      const type = proposal.actionType;
      if (type !== ActionType.Noop) {
        const holder = store.actions.lockHolder(ctx.wallet);
        if (holder !== undefined) {
          final = "wallet_busy";
          this.log.warn({ wallet: ctx.wallet, W: ctx.W, busyWith: holder.id }, "wallet busy: proposal not scheduled");
        } else {
          actionId = store.actions.create({
            walletPkh: ctx.wallet,
            W: ctx.W,
            type,
            payload: proposal.payload,
            ...actionSchedule(ctx.W, type),
          }).id;
        }
      }
      crashPoint("follower.accept.inside-tx");
      store.windows.update(ctx.wallet, ctx.W, { status: "done", result: final, resultDigest: digest });
    });
    this.announce(ctx, final, proposal.actionType, actionId);
    if (actionId !== undefined) this.components.events.safeDispatchEvent<number>("action:scheduled", { detail: actionId });
    return final;
  }

  /** A result without an action. */
  finish(ctx: WindowContext, result: WindowResult): WindowResult {
    this.components.store.windows.update(ctx.wallet, ctx.W, { status: "done", result });
    this.announce(ctx, result);
    return result;
  }

  /** §10.4: equivocation overrides the result and aborts an action not yet started. */
  equivocated(ctx: WindowContext): void {
    const { store } = this.components;
    store.transaction(() => {
      store.windows.update(ctx.wallet, ctx.W, { status: "done", result: "equivocated" });
      const action = store.actions.byWindow(ctx.wallet, ctx.W);
      if (action && action.state === "scheduled") {
        store.actions.advance(action.id, "scheduled", "aborted", { reason: "leader_equivocation" }, { ethHead: null, btcTip: null, detail: { reason: "leader_equivocation" } });
      }
    });
    this.announce(ctx, "equivocated");
  }

  private announce(ctx: WindowContext, result: WindowResult, type?: ActionType, actionId?: number): void {
    this.components.metrics?.windowResults.inc({ result });
    this.log.info({ wallet: ctx.wallet, W: ctx.W, leader: ctx.leader, result, action: type === undefined ? undefined : actionName(type) }, "window result");
    report(this.components.events, {
      type: "result",
      W: ctx.W,
      wallet: ctx.wallet,
      result,
      ...(type !== undefined ? { action: actionName(type) } : {}),
      ...(actionId !== undefined ? { actionId } : {}),
    });
  }
}
