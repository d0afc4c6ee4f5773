// `wcoord db check|backup|reindex` (reliability.md §4.3). check and backup open the database
// read-only and without the data-dir lock, so they also work next to a running node; reindex writes,
// so it takes the lock and refuses while the node runs.
import { existsSync } from "node:fs";
import path from "node:path";
import { checkRows, DATABASE_FILE_NAME, openDatabase, type Database } from "./db.js";
import { sqliteBackup } from "./sqlite.js";
import { isStoreError, sqliteCode, SQLITE_CORRUPT, SQLITE_NOTADB } from "./store-error.js";
import { Store } from "./store.js";
import { CommandExit, defineCommand, parseCommand, UsageError, type TextSink } from "../util/cli-args.js";

const SUBCOMMANDS = ["check", "backup", "reindex"] as const;
type DbSubcommand = (typeof SUBCOMMANDS)[number];

const DB = defineCommand({
  name: "wcoord db",
  usage: "usage: wcoord db <command> --data-dir DIR",
  about: `commands:
  check                 Run SQLite's full integrity_check on DIR/${DATABASE_FILE_NAME}.
                        Prints "ok" (exit 0) or every problem found (exit 3).
  backup <file>         Write a consistent copy of the database to <file> using SQLite's
                        online backup; safe while the node is running.
  reindex               Forget the Bridge event index (deposits, redemptions, moving funds,
                        wallet events, deposit status and its cursor). The next start rebuilds
                        it from bridge.deployBlock before coordinating. Stop the node first.`,
  positionals: true,
  flags: {
    "data-dir": { type: "string", value: "DIR", help: "the node's data directory (required)" },
  },
  // The recovery steps that the "database corrupted" error points to (see wcoord db --help).
  notes: `When the node refuses to start with "database corrupted":
  1. Stop the node and keep the damaged data directory for inspection.
  2. Either restore a backup: create an empty data directory, copy the backup file into it as
     ${DATABASE_FILE_NAME}, and start the node with --data-dir pointing at it; on start, recovery
     reconciles the restored rows with both chains before acting (cursors, trackers, intents).
  3. Or start with a fresh (empty) data directory. The node then runs in fresh-database mode:
     it does not lead the window in progress, records no idleness faults until it has observed a
     full window, and treats wallets with an unknown spend as not synced until the Bridge catches
     up. The event index is rebuilt from bridge.deployBlock. Leader statements, actions, trackers,
     Ethereum intents, faults, FROST key shares and signing nonce marks of the lost database
     cannot be rebuilt: back the database up after every new wallet.`,
  // `wcoord db` has always exited 1 on bad arguments (2 is what a locked data directory gives here).
  usageExitCode: 1,
});

function isSubcommand(name: string): name is DbSubcommand {
  return (SUBCOMMANDS as readonly string[]).includes(name);
}

/** Runs `wcoord db …` with the arguments after "db". Returns the process exit code. */
export async function runDbCommand(argv: readonly string[], out: TextSink, err: TextSink): Promise<number> {
  const args = parseCommand(DB, argv, { out, err }, ({ values, positionals: [command, ...rest] }) => {
    if (command === undefined) throw new UsageError();
    if (!isSubcommand(command)) throw new UsageError(`unknown command ${command}`);
    return { command, rest, dataDir: values["data-dir"] };
  });
  if (args instanceof CommandExit) return args.code;
  const { command, rest, dataDir } = args;
  if (dataDir === undefined) {
    err.write(`wcoord db ${command}: --data-dir is required\n`);
    return 1;
  }
  if (command === "check" || command === "reindex") {
    if (rest.length > 0) {
      err.write(`wcoord db ${command}: unexpected argument ${rest[0]}\n`);
      return 1;
    }
    return command === "check" ? check(dataDir, out, err) : reindex(dataDir, out, err);
  }
  if (rest.length !== 1) {
    err.write("wcoord db backup: expected exactly one <file>\n");
    return 1;
  }
  return backup(dataDir, rest[0]!, out, err);
}

function check(dataDir: string, out: TextSink, err: TextSink): number {
  const file = path.join(path.resolve(dataDir), DATABASE_FILE_NAME);
  let db: Database | undefined;
  try {
    db = openDatabase(dataDir, { readonly: true });
    const problems = checkRows(db.raw, "integrity_check");
    if (problems.length === 0) {
      out.write(`${file}: ok\n`);
      return 0;
    }
    err.write(`${file}: ${problems.length} problem(s) found:\n${problems.map((p) => `  ${p}\n`).join("")}`);
    return 3;
  } catch (e) {
    if (isStoreError(e, "CORRUPT")) {
      err.write(`${e.message}\n`);
      return 3;
    }
    const code = sqliteCode(e);
    if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) {
      err.write(`database corrupted: ${file}: ${(e as Error).message}\n`);
      return 3;
    }
    err.write(`wcoord db check: ${(e as Error).message}\n`);
    return isStoreError(e) ? e.exitCode : 1;
  } finally {
    db?.close();
  }
}

function reindex(dataDir: string, out: TextSink, err: TextSink): number {
  let store: Store | undefined;
  try {
    const file = path.join(path.resolve(dataDir), DATABASE_FILE_NAME);
    if (!existsSync(file)) throw new Error(`no database at ${file}`);
    store = Store.open(dataDir);
    const rows = store.clearEventIndex();
    out.write(`${store.file}: event index cleared (${rows} rows); the next start rebuilds it from bridge.deployBlock\n`);
    return 0;
  } catch (e) {
    const hint = isStoreError(e, "LOCKED") ? "; stop the node first" : "";
    err.write(`wcoord db reindex: ${(e as Error).message}${hint}\n`);
    return isStoreError(e) ? e.exitCode : 1;
  } finally {
    store?.close();
  }
}

async function backup(dataDir: string, target: string, out: TextSink, err: TextSink): Promise<number> {
  let db: Database | undefined;
  try {
    db = openDatabase(dataDir, { readonly: true });
    const pages = await sqliteBackup(db.raw, path.resolve(target));
    out.write(`backup of ${db.file} written to ${path.resolve(target)} (${pages} pages)\n`);
    return 0;
  } catch (e) {
    err.write(`wcoord db backup: ${(e as Error).message}\n`);
    return isStoreError(e) ? e.exitCode : 1;
  } finally {
    db?.close();
  }
}
