// Action recovery on boot (reliability.md §5 step 6) and the side-effect-free fold of the transition
// log (§1.2 Farcaster: recovery as a fold over the transcript). Runs before any new coordination work.
import type { ChainClock } from "../coordination/clock.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import type { ActionTransitionRow } from "../store/repos/action-transitions-repo.js";
import type { Store } from "../store/store.js";
import type { ActionExecutor } from "./executor.js";
import { canTransition, holdsLock, nextStep, type ActionState, type Heights, type Step } from "./state-machine.js";

/** What the transition log says about one action. */
export interface FoldedAction {
  readonly state: ActionState;
  /** Last transition's sequence number. */
  readonly seq: number;
  readonly holdsLock: boolean;
  /** Latest `reason` recorded in a transition's detail (aborted / expired). */
  readonly reason: string | null;
  /** Latest signing round id (hex) and attempt. */
  readonly roundId: string | null;
  readonly signingAttempt: number | null;
  readonly validationBlock: number | null;
}

export class TranscriptError extends Error {
  override readonly name = "TranscriptError";
  constructor(
    readonly actionId: number,
    readonly seq: number,
    message: string,
  ) {
    super(`action ${actionId} transition ${seq}: ${message}`);
  }
}

/**
 * Replays `action_transitions` into the state of every action, with no side effects. Throws
 * TranscriptError on a gap in the sequence, a transition not from the previous state, or an edge
 * the state machine does not allow.
 */
export function foldTranscript(transitions: Iterable<ActionTransitionRow>): Map<number, FoldedAction> {
  const sorted = [...transitions].sort((a, b) => a.actionId - b.actionId || a.seq - b.seq);
  const out = new Map<number, FoldedAction>();
  for (const t of sorted) {
    const prev = out.get(t.actionId);
    if (prev === undefined) {
      if (t.seq !== 1 || t.from !== null || t.to !== "scheduled") {
        throw new TranscriptError(t.actionId, t.seq, `expected the creating transition (1: → scheduled), found ${t.from} → ${t.to}`);
      }
    } else {
      if (t.seq !== prev.seq + 1) throw new TranscriptError(t.actionId, t.seq, `gap after transition ${prev.seq}`);
      if (t.from !== prev.state) throw new TranscriptError(t.actionId, t.seq, `from ${t.from} but the action was ${prev.state}`);
      if (!canTransition(prev.state, t.to)) throw new TranscriptError(t.actionId, t.seq, `illegal edge ${prev.state} → ${t.to}`);
    }
    const d = t.detail ?? {};
    out.set(t.actionId, {
      state: t.to,
      seq: t.seq,
      holdsLock: holdsLock(t.to),
      reason: typeof d.reason === "string" ? d.reason : (prev?.reason ?? null),
      roundId: typeof d.roundId === "string" ? d.roundId : (prev?.roundId ?? null),
      signingAttempt: typeof d.attempt === "number" ? d.attempt : (prev?.signingAttempt ?? null),
      validationBlock: typeof d.validationBlock === "number" ? d.validationBlock : (prev?.validationBlock ?? null),
    });
  }
  return out;
}

export interface RecoveryItem {
  readonly actionId: number;
  readonly state: ActionState;
  readonly step: Step;
}

/** The pure part of step 6: what each non-terminal action does next at these heights. */
export function planRecovery(rows: readonly ActionRow[], heights: Heights): RecoveryItem[] {
  return rows.map((row) => ({ actionId: row.id, state: row.state, step: nextStep(row, heights) }));
}

export interface RecoveryComponents {
  store: Store;
  clock: ChainClock;
  executor: ActionExecutor;
  logger?: Logger;
}

export interface RecoveryReport {
  /** Non-terminal actions found. */
  readonly actions: number;
  readonly plan: readonly RecoveryItem[];
}

/**
 * Resumes every non-terminal action: computes its next step with the pure function, then performs
 * at most the one side effect it calls for (`scheduled`/`validating` continue with expiry checked
 * first; `signing` before the deadline rejoins with the stored round id; …). Resolves once each action
 * has waited, frozen, or started its effect; a signing round that takes many blocks is not awaited.
 */
export async function recoverActions(c: RecoveryComponents, o: { signal?: AbortSignal } = {}): Promise<RecoveryReport> {
  const log = (c.logger ?? silentLogger).child({ module: "actions" });
  const head = c.clock.head >= 0 ? c.clock.head : await c.clock.waitForBlock(0, { signal: o.signal });
  // Step 5 before step 6: transactions that may have gone out are looked up, not sent again.
  await c.executor.lookUpBroadcasts();
  const rows = c.store.actions.nonTerminal();
  const plan = planRecovery(rows, { ethHead: head });
  for (const item of plan) {
    const row = rows.find((r) => r.id === item.actionId)!;
    log.info(
      { actionId: row.id, wallet: row.walletPkh, W: row.W, state: row.state, next: item.step, ethHead: head },
      "recovering action",
    );
  }
  await Promise.all(
    plan.map((item) => {
      const run = c.executor.kick(item.actionId, { maxEffects: 1 });
      return run === undefined ? undefined : Promise.race([run.done, run.effectStarted]);
    }),
  );
  log.info({ actions: plan.length, ethHead: head }, "action recovery complete");
  return { actions: plan.length, plan };
}
