// Action states (reliability.md §3.1) and the two properties the store enforces: frozen states
// accept no transition (R13), and which states release the wallet lock (§3.3).

export const ACTION_STATES = [
  "scheduled",
  "validating",
  "built",
  "signing",
  "signed",
  "broadcast_pending",
  "in_mempool",
  "confirmed",
  "recording",
  "settled",
  "final",
  "done",
  "aborted",
  "expired",
  "conflicted",
  "failed_invalid",
] as const;

export type ActionState = (typeof ACTION_STATES)[number];

/** Terminal states (R13). */
export const FROZEN_STATES: ReadonlySet<ActionState> = new Set<ActionState>(["aborted", "expired", "conflicted", "final", "done", "failed_invalid"]);

/**
 * Entering one of these releases the wallet lock (§3.3): `settled` and the terminal states but
 * `failed_invalid`, after which the wallet's main UTXO is unknown, so the lock stays.
 */
export const LOCK_RELEASING_STATES: ReadonlySet<ActionState> = new Set<ActionState>([
  "settled",
  ...[...FROZEN_STATES].filter((s) => s !== "failed_invalid"),
]);

export function isFrozen(state: ActionState): boolean {
  return FROZEN_STATES.has(state);
}
