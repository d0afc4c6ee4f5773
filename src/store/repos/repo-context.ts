// What every repository receives from the Store: the connection and the transaction helper, so a
// repo method that writes several rows does it atomically and joins a caller's transaction.
import type { Database } from "../db.js";

export type Transact = <T>(fn: () => T) => T;

export interface RepoContext {
  readonly db: Database;
  readonly transaction: Transact;
}

/** Wall-clock milliseconds, for humans only (never for decisions: those use block heights). */
export function nowMs(): number {
  return Date.now();
}

/** `LIMIT` value: a positive integer, or -1 (no limit). */
export function limitOf(limit: number | undefined): number {
  if (limit === undefined) return -1;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`invalid limit ${limit}`);
  return limit;
}
