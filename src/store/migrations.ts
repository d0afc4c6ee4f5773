// Versioned schema migrations (reliability.md §4.3). Files `NNNN_name.sql` in ./migrations are
// applied in order; each runs in one transaction that also sets PRAGMA user_version, so a crash
// mid-migration leaves the previous version and the migration is re-applied from scratch.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crashPoint } from "../util/crash-point.js";
import type { DatabaseSync } from "./sqlite.js";
import { StoreError } from "./store-error.js";

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Reads `NNNN_*.sql` files, checking that versions run 1, 2, 3 … without gaps or duplicates. */
export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();
  return files.map((file, i) => {
    const version = Number.parseInt(file.slice(0, 4), 10);
    if (version !== i + 1) throw new Error(`migration ${file}: expected version ${i + 1} (versions must be contiguous from 0001)`);
    return { version, name: file, sql: fs.readFileSync(path.join(dir, file), "utf8") };
  });
}

export function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

/** Highest version the binary knows. */
export function supportedVersion(dir: string = DEFAULT_MIGRATIONS_DIR): number {
  return loadMigrations(dir).length;
}

/**
 * Refuses a database written by a newer binary: its schema may hold data this binary would
 * misread or silently drop.
 */
export function assertNotNewer(db: DatabaseSync, file: string, supported: number): number {
  const current = userVersion(db);
  if (current > supported) {
    throw new StoreError(
      "NEWER_SCHEMA",
      `database ${file} has schema version ${current}, but this wcoord supports up to version ${supported}; ` +
        `run a wcoord release that supports schema ${current}, or start with a fresh data directory`,
      { file, version: current, supported },
    );
  }
  return current;
}

/** Applies every migration above the database's user_version. Returns the versions applied. */
export function migrate(db: DatabaseSync, file: string, dir: string = DEFAULT_MIGRATIONS_DIR): number[] {
  const migrations = loadMigrations(dir);
  const current = assertNotNewer(db, file, migrations.length);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      crashPoint(`migration.${String(m.version).padStart(4, "0")}`);
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
        String(m.version),
      );
      // user_version lives in the database header and is written by this same transaction.
      db.exec(`PRAGMA user_version = ${m.version}`);
      db.exec("COMMIT");
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    }
    applied.push(m.version);
  }
  return applied;
}
