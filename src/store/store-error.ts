// Storage errors carry a code so callers branch on it, never on message text (style.md §1.9).

export type StoreErrorCode =
  | "LOCKED" // another live process holds <dataDir>/LOCK
  | "CORRUPT" // quick_check failed, or SQLite reported SQLITE_CORRUPT / SQLITE_NOTADB
  | "NEWER_SCHEMA" // the database was written by a newer binary
  | "NOT_INITIALISED" // read-only open of a missing or unmigrated database
  | "IDENTITY_MISMATCH" // chainId, bridge or profileHash differ from the configured ones
  | "CAS_FAILED" // advance(): the action was not in the expected state
  | "FROZEN" // advance() from a terminal state (reliability.md R13)
  | "WALLET_BUSY" // another action of the wallet holds the wallet lock (reliability.md §3.3)
  | "DUPLICATE" // a unique key already exists where the caller required a new row
  | "NOT_FOUND"; // update of a row that does not exist

/** Process exit codes of reliability.md §4.1 and §4.3; everything else exits 1. */
const EXIT_CODES: Partial<Record<StoreErrorCode, number>> = { LOCKED: 2, CORRUPT: 3 };

export class StoreError extends Error {
  override readonly name = "StoreError";

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly metadata: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): number {
    return EXIT_CODES[this.code] ?? 1;
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** SQLite primary result code of an error thrown by node:sqlite, if any. */
export function sqliteCode(err: unknown): number | undefined {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === "number" ? errcode & 0xff : undefined;
}

export const SQLITE_CONSTRAINT = 19;
export const SQLITE_CORRUPT = 11;
export const SQLITE_NOTADB = 26;
