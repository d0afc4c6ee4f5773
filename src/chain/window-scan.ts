// The window watcher's decision (coordination.md §3.2) as a pure function: which window boundaries a
// new head crosses, which of them are still live, and where the cursor goes.
import { ACTIVE_PHASE_BLOCKS } from "../protocol/constants.js";
import { currentWindowBlock, windowsCrossed } from "../protocol/window.js";

export interface WindowScan {
  /** Windows whose active phase is still running at `head` (W <= head < W+80), ascending. */
  opened: number[];
  /** Windows crossed too late to take part (head >= W+80), ascending. Always older than every opened one. */
  missed: number[];
  /** The cursor to persist together with the windows above. */
  newCursor: number;
  /** True when `limit` stopped the scan: the cursor stays just below the first window not visited. */
  truncated: boolean;
}

/** Cursor for a fresh database: only the current window (the one at or below `head`) can be caught up. */
export function freshWindowCursor(head: number): number {
  return currentWindowBlock(head) - 1;
}

/**
 * One pass of the watcher for head `head` against the persisted `cursor`. A stale or repeated head
 * (`head <= cursor`) changes nothing. At most `limit` windows are visited (the bounded queue's free
 * space); the cursor never moves past a window that was not visited.
 */
export function scanWindows(cursor: number, head: number, limit = Number.POSITIVE_INFINITY): WindowScan {
  if (head <= cursor) return { opened: [], missed: [], newCursor: cursor, truncated: false };
  const crossed = windowsCrossed(cursor, head);
  const visited = crossed.slice(0, Math.max(0, limit));
  const truncated = visited.length < crossed.length;
  const opened: number[] = [];
  const missed: number[] = [];
  for (const W of visited) (head < W + ACTIVE_PHASE_BLOCKS ? opened : missed).push(W);
  const newCursor = truncated ? crossed[visited.length] - 1 : head;
  return { opened, missed, newCursor, truncated };
}
