// Loads node:sqlite. We use Node's built-in SQLite instead of better-sqlite3: its prebuilt binary
// cannot be downloaded in every environment, and a source build against Node 20 headers breaks
// on Node 22. node:sqlite needs no native build and has the same synchronous API shape.
import { createRequire } from "node:module";
import type * as NodeSqlite from "node:sqlite";

export type { DatabaseSync, StatementSync, SQLInputValue, SQLOutputValue } from "node:sqlite";

/**
 * Node 22 prints "SQLite is an experimental feature" once, when node:sqlite is first loaded. A
 * static import would load it before any code of ours runs, so load it with require() while a
 * filter that drops exactly that warning is installed, then restore emitWarning.
 */
function loadQuietly(): typeof NodeSqlite {
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const opt = rest[0];
    const type = typeof opt === "string" ? opt : (opt as { type?: string } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && text.startsWith("SQLite is an experimental feature")) return;
    (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)("node:sqlite") as typeof NodeSqlite;
  } finally {
    process.emitWarning = original;
  }
}

const sqlite = loadQuietly();

export const DatabaseSyncCtor: typeof NodeSqlite.DatabaseSync = sqlite.DatabaseSync;
export const sqliteBackup: typeof NodeSqlite.backup = sqlite.backup;
