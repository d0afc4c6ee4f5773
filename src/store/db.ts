// Opens the node's database (reliability.md §4.1, §4.3, §5 step 1): data-dir lock, pragmas,
// quick_check, migrations. Everything that can refuse a start happens here, before any network use.
import fs from "node:fs";
import path from "node:path";
import { acquireDataDirLock, type DataDirLock } from "./lock-file.js";
import { assertNotNewer, DEFAULT_MIGRATIONS_DIR, migrate, supportedVersion, userVersion } from "./migrations.js";
import { DatabaseSyncCtor, type DatabaseSync, type StatementSync } from "./sqlite.js";
import { sqliteCode, SQLITE_CORRUPT, SQLITE_NOTADB, StoreError } from "./store-error.js";

export const DATABASE_FILE_NAME = "wcoord.sqlite";
export const MEMORY = ":memory:";

export interface OpenOptions {
  /**
   * Read-only access for tools (`wcoord db check|backup`, status CLIs) next to a running node:
   * no lock, no migrations, no quick_check. The database must exist at the supported version.
   */
  readonly readonly?: boolean;
  /** Migration folder; tests point it at a copy with extra migrations. */
  readonly migrationsDir?: string;
}

export interface DatabaseComponents {
  raw: DatabaseSync;
  /** The data-dir lock, released by close(); null for read-only and in-memory opens. */
  lock: DataDirLock | null;
}

export interface DatabaseInit {
  /** Absolute database file path, or ":memory:". */
  file: string;
}

/** The raw connection plus the lock and a prepared-statement cache. */
export class Database {
  readonly raw: DatabaseSync;
  /** Absolute database file path, or ":memory:". */
  readonly file: string;
  private readonly lock: DataDirLock | null;
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;

  constructor(components: DatabaseComponents, init: DatabaseInit) {
    this.raw = components.raw;
    this.lock = components.lock;
    this.file = init.file;
  }

  /** Prepared once per SQL text and reused. */
  prepare(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.raw.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Idempotent. Closing checkpoints the WAL (SQLite does it for the last connection), then releases the lock. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    try {
      if (this.raw.isOpen) this.raw.close();
    } finally {
      this.lock?.release();
    }
  }
}

function corrupt(file: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    "CORRUPT",
    `database corrupted: ${file}: ${detail}; restore a backup or start with a fresh data directory (see wcoord db --help)`,
    { file, detail },
    { cause },
  );
}

/** Runs `fn`; SQLITE_CORRUPT and SQLITE_NOTADB become StoreError CORRUPT naming the file. */
function guardCorruption<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = sqliteCode(err);
    if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) throw corrupt(file, (err as Error).message, err);
    throw err;
  }
}

/**
 * PRAGMA quick_check / integrity_check problems; empty when the database is fine. The check can
 * itself hit SQLITE_CORRUPT after reporting some rows, so rows are collected one by one and the
 * error that stopped the check becomes the last problem.
 */
export function checkRows(db: DatabaseSync, pragma: "quick_check" | "integrity_check"): string[] {
  const problems: string[] = [];
  try {
    for (const row of db.prepare(`PRAGMA ${pragma}`).iterate()) problems.push(String(Object.values(row)[0]).replace(/\s*\n\s*/g, " "));
  } catch (err) {
    const code = sqliteCode(err);
    if (code !== SQLITE_CORRUPT && code !== SQLITE_NOTADB) throw err;
    problems.push(`${(err as Error).message} (${pragma} stopped here)`);
  }
  return problems.length === 1 && problems[0] === "ok" ? [] : problems;
}

function configure(db: DatabaseSync): void {
  const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
  if (mode.journal_mode !== "wal" && mode.journal_mode !== "memory") {
    throw new Error(`could not enable WAL journal mode (got ${mode.journal_mode})`);
  }
  // FULL: a committed intent survives power loss, not only a process kill (reliability.md §4.1).
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
}

function openConnection(file: string, opts: OpenOptions, migrationsDir: string): DatabaseSync {
  const readonly = opts.readonly === true;
  const db = guardCorruption(file, () => new DatabaseSyncCtor(file, { readOnly: readonly }));
  try {
    guardCorruption(file, () => {
      if (readonly) {
        db.exec("PRAGMA busy_timeout = 5000");
        const version = assertNotNewer(db, file, supportedVersion(migrationsDir));
        if (version === 0) throw new StoreError("NOT_INITIALISED", `database ${file} has no schema yet`, { file });
        return;
      }
      configure(db);
      const problems = checkRows(db, "quick_check");
      if (problems.length > 0) throw corrupt(file, problems.slice(0, 5).join("; "));
      migrate(db, file, migrationsDir);
    });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens `<dataDir>/wcoord.sqlite`, creating `dataDir` if needed. Read-write opens take the
 * data-dir lock first (StoreError LOCKED), then check integrity (CORRUPT) and migrate
 * (NEWER_SCHEMA). The lock is released by `close()` or when opening fails.
 */
export function openDatabase(dataDir: string, opts: OpenOptions = {}): Database {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, DATABASE_FILE_NAME);
  const migrationsDir = opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  if (opts.readonly === true) {
    if (!fs.existsSync(file)) throw new StoreError("NOT_INITIALISED", `no database at ${file}`, { file });
    return new Database({ raw: openConnection(file, opts, migrationsDir), lock: null }, { file });
  }
  fs.mkdirSync(dir, { recursive: true });
  const lock = acquireDataDirLock(dir);
  try {
    return new Database({ raw: openConnection(file, opts, migrationsDir), lock }, { file });
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** A migrated in-memory database (tests, tools); no lock. */
export function openMemoryDatabase(opts: Pick<OpenOptions, "migrationsDir"> = {}): Database {
  const db = new DatabaseSyncCtor(MEMORY);
  try {
    configure(db);
    migrate(db, MEMORY, opts.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  } catch (err) {
    db.close();
    throw err;
  }
  return new Database({ raw: db, lock: null }, { file: MEMORY });
}

export { userVersion };
