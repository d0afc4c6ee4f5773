// Window arithmetic (coordination.md §0, §3). Pure functions over block numbers.
import {
  ACTIVE_PHASE_BLOCKS,
  COORDINATION_FREQUENCY_BLOCKS,
  SAFE_BLOCK_SHIFT,
  WINDOW_DURATION_BLOCKS,
} from "./constants.js";

/** A coordination block: b > 0 and b % 900 == 0. */
export function isWindowBlock(b: number): boolean {
  return Number.isSafeInteger(b) && b > 0 && b % COORDINATION_FREQUENCY_BLOCKS === 0;
}

/** W / 900 for a window block; 0 for anything that is not a window block (index 0 is never valid). */
export function windowIndex(b: number): number {
  if (!Number.isSafeInteger(b) || b < 0 || b % COORDINATION_FREQUENCY_BLOCKS !== 0) return 0;
  return b / COORDINATION_FREQUENCY_BLOCKS;
}

/** Block whose hash feeds the seed and at which the seat list is read. */
export function safeBlockNumber(W: number): number {
  return W - SAFE_BLOCK_SHIFT;
}

/** First block of the passive phase: acceptance stops when head >= this. */
export function activePhaseEnd(W: number): number {
  return W + ACTIVE_PHASE_BLOCKS;
}

/** Processing start of an accepted action. */
export function windowEnd(W: number): number {
  return W + WINDOW_DURATION_BLOCKS;
}

/** The latest multiple of 900 at or below head (0 before the first window). */
export function currentWindowBlock(head: number): number {
  return COORDINATION_FREQUENCY_BLOCKS * Math.floor(head / COORDINATION_FREQUENCY_BLOCKS);
}

/** Every window block W with cursor < W <= head and W > 0, ascending (the watcher's crossings, §3.2). */
export function windowsCrossed(cursor: number, head: number): number[] {
  const out: number[] = [];
  if (head <= cursor) return out;
  let W = currentWindowBlock(cursor) + COORDINATION_FREQUENCY_BLOCKS;
  if (W <= 0) W = COORDINATION_FREQUENCY_BLOCKS;
  for (; W <= head; W += COORDINATION_FREQUENCY_BLOCKS) out.push(W);
  return out;
}
