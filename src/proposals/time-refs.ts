// The two reference times of coordination.md §13.1. Time comes from block timestamps only:
// lower bounds use the window block W, upper bounds project to the action's expiry plus slack.
import { ACTION_VALIDITY_BLOCKS, ActionType } from "../protocol/constants.js";

/** Seconds per block assumed when projecting forward (the validity arithmetic of §13.1). */
const SECONDS_PER_BLOCK = 12;
/** The action starts at W + 100 (§12). */
const START_OFFSET_BLOCKS = 100;

/** tLow = timestamp(W): every follower validates at V ≥ W, so a bound true at tLow stays true. */
export function tLow(windowBlockTimestamp: number): number {
  return windowBlockTimestamp;
}

/** tHigh(action) = timestamp(L) + (W + 100 + validityBlocks(action) − L) × 12 + extraSafetyMarginSec. */
export function tHigh(
  L: { blockNumber: number; timestamp: number },
  W: number,
  action: ActionType,
  extraSafetyMarginSec: number,
): number {
  if (action === ActionType.Noop) throw new Error("tHigh: Noop has no validity");
  const validity = ACTION_VALIDITY_BLOCKS[action];
  return L.timestamp + (W + START_OFFSET_BLOCKS + validity - L.blockNumber) * SECONDS_PER_BLOCK + extraSafetyMarginSec;
}
