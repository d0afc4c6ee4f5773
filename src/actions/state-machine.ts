// The action state machine (reliability.md §3.1–§3.3) as pure functions: the allowed edges, the lock
// rule, and the stall monitor's next step computed from the persisted row and current heights only
// (R3), so the same decision is made live, after a restart, or in a replay (style.md §1.13).
import {
  ACTION_STATES,
  FROZEN_STATES,
  LOCK_RELEASING_STATES,
  type ActionState,
} from "../store/repos/action-states.js";

export { ACTION_STATES, type ActionState };

/**
 * Allowed transitions. Everything moves forward except the reorg edge `confirmed → in_mempool`
 * (an observation of the chain, logged as `reorg`). `signing → signing` is a new signing attempt:
 * each attempt is its own committed intent (R1) with a higher attempt number.
 */
export const EDGES: Readonly<Record<ActionState, readonly ActionState[]>> = {
  // aborted: leader equivocation detected before W+100; expired: down past the signing deadline.
  scheduled: ["validating", "aborted", "expired"],
  // Heartbeat goes straight to signing (nothing to build).
  validating: ["built", "signing", "aborted", "expired"],
  // in_mempool / confirmed from built, signing or signed: adoption of a broadcast by another member (§3.5).
  built: ["signing", "expired", "in_mempool", "confirmed"],
  signing: ["signing", "signed", "done", "expired", "in_mempool", "confirmed"],
  signed: ["broadcast_pending", "in_mempool", "confirmed"],
  broadcast_pending: ["in_mempool", "confirmed", "conflicted", "failed_invalid"],
  in_mempool: ["confirmed", "conflicted", "failed_invalid"],
  confirmed: ["in_mempool", "recording", "settled"],
  recording: ["settled"],
  settled: ["final"],
  final: [],
  done: [],
  aborted: [],
  expired: [],
  conflicted: [],
  failed_invalid: [],
};

/** The only backward move (§3.1). */
export const REORG_EDGE = { from: "confirmed", to: "in_mempool" } as const satisfies { from: ActionState; to: ActionState };

export function canTransition(from: ActionState, to: ActionState): boolean {
  return EDGES[from].includes(to);
}

export function isReorgEdge(from: ActionState, to: ActionState): boolean {
  return from === REORG_EDGE.from && to === REORG_EDGE.to;
}

/** Frozen states accept no transition (R13). */
export function isTerminal(state: ActionState): boolean {
  return FROZEN_STATES.has(state);
}

/**
 * §3.3: held from `scheduled` until `settled`, `final`, `done` or a frozen state other than
 * `failed_invalid` (the wallet's main UTXO is then unknown, so the lock stays).
 */
export function holdsLock(state: ActionState): boolean {
  return !LOCK_RELEASING_STATES.has(state);
}

/** The persisted fields the decision reads. */
export interface StepRow {
  readonly state: ActionState;
  readonly start: number;
  readonly expiry: number;
  readonly signingStart: number;
  readonly signingDeadline: number;
}

export interface Heights {
  /** Current Ethereum head. */
  readonly ethHead: number;
  /** Current Bitcoin tip, when a Bitcoin backend is configured. */
  readonly btcTip?: number | null;
}

/** Side effects (or reads) the shell performs for a state; the result is recorded by the next transition. */
export type Effect =
  | "validate" // §3.4: re-validate pinned at the head (reads only)
  | "sign" // §3.5: join the signing round with the stored round id
  | "broadcast" // §3.6: broadcast the stored raw transaction
  | "track" // §3.6: confirmation tracking on each Bitcoin tip
  | "settle" // §3.8: watch the Bridge for the outcome (maintainers record)
  | "record"; // §3.7: the Ethereum intent protocol

export type Step =
  | { readonly kind: "frozen" }
  /** Nothing to do before `untilBlock` (Ethereum head), or before the next head/tip when absent. */
  | { readonly kind: "wait"; readonly untilBlock?: number }
  | { readonly kind: "advance"; readonly to: ActionState; readonly reason?: string }
  | { readonly kind: "effect"; readonly effect: Effect };

export const EXPIRED_SIGNING_DEADLINE = "signing_deadline";
/** The deadline passed while the wallet was still not synced between chains (§3.4 step 2). */
export const EXPIRED_NOT_SYNCED = "not_synced";

/**
 * The stall monitor's predicate (§3.2) and the resume rule (§5 step 6). Deadlines are blocks:
 * a pre-signing state expires once `ethHead ≥ signingDeadline`, checked before anything else.
 * From `signed` on there is no expiry: a signed transaction is never abandoned.
 */
export function nextStep(row: StepRow, heights: Heights): Step {
  const head = heights.ethHead;
  const pastSigningDeadline = head >= row.signingDeadline;
  switch (row.state) {
    case "scheduled":
      if (pastSigningDeadline) return { kind: "advance", to: "expired", reason: EXPIRED_SIGNING_DEADLINE };
      if (head >= row.start) return { kind: "advance", to: "validating" };
      return { kind: "wait", untilBlock: row.start };
    case "validating":
      if (pastSigningDeadline) return { kind: "advance", to: "expired", reason: EXPIRED_SIGNING_DEADLINE };
      return { kind: "effect", effect: "validate" };
    case "built":
      if (pastSigningDeadline) return { kind: "advance", to: "expired", reason: EXPIRED_SIGNING_DEADLINE };
      if (head < row.signingStart) return { kind: "wait", untilBlock: row.signingStart };
      return { kind: "advance", to: "signing" };
    case "signing":
      if (pastSigningDeadline) return { kind: "advance", to: "expired", reason: EXPIRED_SIGNING_DEADLINE };
      return { kind: "effect", effect: "sign" };
    case "signed":
      return { kind: "advance", to: "broadcast_pending" };
    case "broadcast_pending":
      return { kind: "effect", effect: "broadcast" };
    case "in_mempool":
    case "settled":
      return { kind: "effect", effect: "track" };
    case "confirmed":
      return { kind: "effect", effect: "settle" };
    case "recording":
      return { kind: "effect", effect: "record" };
    case "final":
    case "done":
    case "aborted":
    case "expired":
    case "conflicted":
    case "failed_invalid":
      return { kind: "frozen" };
  }
}

/** Outcome classes of the re-validation at start (the follower's classes, coordination.md §10.3). */
export type StartValidation =
  | { readonly class: "valid" }
  | { readonly class: "invalid"; readonly reason: string }
  /** `expiryReason`: the reason to expire with if the signing deadline passes in this condition. */
  | { readonly class: "unverified"; readonly error: string; readonly expiryReason?: string };

/**
 * §3.4 step 1 applied to `validating`: invalid → `aborted(invalid_at_start: reason)` (not a fault),
 * unverified → retry on the next block, valid → `built` for actions with a transaction, else `signing`.
 */
export function afterValidation(outcome: StartValidation, builds: boolean): Step {
  switch (outcome.class) {
    case "valid":
      return { kind: "advance", to: builds ? "built" : "signing" };
    case "invalid":
      return { kind: "advance", to: "aborted", reason: `invalid_at_start: ${outcome.reason}` };
    case "unverified":
      return { kind: "wait" };
  }
}
