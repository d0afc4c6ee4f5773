// What the executor's steps (validation-step.ts, signing-step.ts) use of the executor running them:
// the store and clock, the pass's heights and call context, and the one way to commit a transition.
import type { ChainClock } from "../coordination/clock.js";
import { actionName } from "../protocol/constants.js";
import type { ActionData, ActionRow } from "../store/repos/actions-repo.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../util/logger.js";
import type { ActionHandler, HandlerCallContext } from "./handlers/handler.js";
import type { ActionState, Effect, Heights } from "./state-machine.js";

export interface StepHost {
  readonly store: Store;
  readonly clock: ChainClock;
  readonly log: Logger;
  /** Aborted when the executor stops (a new one after a restart). */
  lifeSignal(): AbortSignal;
  heights(): Heights;
  handlerOf(row: ActionRow): ActionHandler | undefined;
  /** The action waits: nothing here can execute it yet (logged once per action and part). */
  missing(row: ActionRow, what: string): false;
  /** The head block to pin reads at, and a signal that fires at `deadlineBlock` (if any) or shutdown. */
  callContext(row: ActionRow, heights: Heights, deadlineBlock: number | null): Promise<HandlerCallContext>;
  /** The effect's result still applies: same state, and the decision at the current head is unchanged. */
  stillCalls(row: ActionRow, effect: Effect): boolean;
  /** advance() (R2) with the rows written in the same DB transaction, the log line, the metric and the observer. */
  transition(row: ActionRow, to: ActionState, data: ActionData, detail: Record<string, unknown>, writes?: () => void): ActionRow;
}

/** A pass's hook into its run: the side effect (the signer call) starts now. */
export interface RunHooks {
  effectStarted(): void;
}

/** The log context of an action. */
export function actionIds(row: ActionRow): { actionId: number; wallet: string; W: number; type: string } {
  return { actionId: row.id, wallet: row.walletPkh, W: row.W, type: actionName(row.type) };
}

/** A thrown value's code (or its class name) and message, for the log line. */
export function errorInfo(err: unknown): { code: string; error: string } {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "UNKNOWN";
  return { code, error: e?.message !== undefined ? String(e.message) : String(err) };
}
