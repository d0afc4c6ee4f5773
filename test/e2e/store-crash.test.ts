// Torn and corrupt storage (reliability.md §7.3, §7.2 row 17): real database files, real child
// processes killed with SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { runDbCommand } from "../../src/store/db-command.js";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, supportedVersion } from "../../src/store/migrations.js";
import { DatabaseSyncCtor } from "../../src/store/sqlite.js";
import { expectStoreError } from "../fixtures/store-errors.js";
import { Store } from "../../src/store/store.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = path.join(ROOT, "test/fixtures");
const CORRUPT_SUFFIX = "; restore a backup or start with a fresh data directory (see wcoord db --help)";

const tmpDirs: string[] = [];
const children: ChildProcess[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "wcoord-crash-"));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp): Promise<string>;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function runFixture(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(FIXTURES, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(proc);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = "";
  let err = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.re.test(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    exited,
    stderr: () => err,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) return resolve(hit);
        waiters.push({ re, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`child exited (${code ?? signal}) before ${re}: ${err}`)));
      }),
  };
}

function sink() {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join("") };
}

/** user_version and table names, read without the store (no migrations, no lock). */
function inspect(file: string): { version: number; tables: string[] } {
  const db = new DatabaseSyncCtor(file, { readOnly: true });
  try {
    const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
    }[]).map((r) => r.name);
    return { version, tables };
  } finally {
    db.close();
  }
}

/** The tables of migration 0001 alone. */
const TABLES_0001 = [
  "action_transitions",
  "actions",
  "btc_headers",
  "btc_trackers",
  "cursors",
  "deposit_status",
  "eth_intents",
  "ev_deposits",
  "ev_moving_funds",
  "ev_redemptions",
  "ev_wallets",
  "faults",
  "inbound_messages",
  "leader_statements",
  "meta",
  "windows",
];
/** Every table of the current schema. */
const ALL_TABLES = [...TABLES_0001, "dkg_sessions", "ev_dkg_requests", "key_shares", "signing_nonce_marks"].sort();

describe("second instance (reliability.md §7.3.4)", () => {
  it("is refused with LOCKED while another process holds the data directory; a dead holder's LOCK is taken over", async () => {
    const dir = tmpDir();
    const holder = runFixture("store-holder.ts", [dir]);
    await holder.waitFor(/^ready$/);
    const e = expectStoreError(() => Store.open(dir), "LOCKED");
    expect(e.message).toBe(`data directory in use by pid ${holder.proc.pid}`);
    expect(e.exitCode).toBe(2);

    holder.proc.kill("SIGKILL");
    expect((await holder.exited).signal).toBe("SIGKILL");
    expect(fs.readFileSync(path.join(dir, "LOCK"), "utf8").trim()).toBe(String(holder.proc.pid));
    const s = Store.open(dir);
    try {
      expect(fs.readFileSync(path.join(dir, "LOCK"), "utf8").trim()).toBe(String(process.pid));
    } finally {
      s.close();
    }
  });
});

describe("corrupt database (reliability.md §7.3.2)", () => {
  function populated(): { dir: string; file: string } {
    const dir = tmpDir();
    const s = Store.open(dir);
    s.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        s.inboundMessages.append({ wire: new Uint8Array(200).fill(i % 251), fromPeer: `peer${i}`, receivedAtBlock: i, verdict: "accept" });
      }
    });
    s.close(); // last connection: checkpoints the WAL into the main file
    const file = path.join(dir, "wcoord.sqlite");
    expect(fs.existsSync(file + "-wal")).toBe(false);
    return { dir, file };
  }

  function overwrite(file: string, offset: number, data: Buffer): void {
    const fd = fs.openSync(file, "r+");
    try {
      fs.writeSync(fd, data, 0, data.length, offset);
    } finally {
      fs.closeSync(fd);
    }
  }

  it("4 KiB of garbage after page 1: open fails with CORRUPT and the documented message; db check and integrityCheck report it", async () => {
    const { dir, file } = populated();
    const size = fs.statSync(file).size;
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 151 + 7) & 0xff;
    overwrite(file, Math.floor(size / 2 / 4096) * 4096, garbage);

    const e = expectStoreError(() => Store.open(dir), "CORRUPT");
    expect(e.message.startsWith(`database corrupted: ${file}: `)).toBe(true);
    expect(e.message.endsWith(CORRUPT_SUFFIX)).toBe(true);
    expect(e.exitCode).toBe(3);
    expect(fs.existsSync(path.join(dir, "LOCK"))).toBe(false); // a refused open releases the lock

    const out = sink();
    const err = sink();
    expect(await runDbCommand(["check", "--data-dir", dir], out, err)).toBe(3);
    expect(out.text()).toBe("");
    expect(err.text()).toMatch(/problem\(s\) found:\n {2}\S/);

    const ro = Store.open(dir, { readonly: true });
    try {
      expect(ro.integrityCheck().length).toBeGreaterThan(0);
    } finally {
      ro.close();
    }
  });

  it("garbage over page 1 (SQLITE_NOTADB) is reported as CORRUPT too", async () => {
    const { dir, file } = populated();
    overwrite(file, 0, Buffer.alloc(4096, 0x5a));
    const e = expectStoreError(() => Store.open(dir), "CORRUPT");
    expect(e.message.startsWith(`database corrupted: ${file}: `)).toBe(true);
    expect(e.message.endsWith(CORRUPT_SUFFIX)).toBe(true);
    const err = sink();
    expect(await runDbCommand(["check", "--data-dir", dir], sink(), err)).toBe(3);
    expect(err.text()).toContain("database corrupted");
  });
});

describe("torn WAL (reliability.md §7.3.1)", () => {
  it("after kill -9 mid-burst and a truncated -wal, every action's history is gap-free and matches its row", async () => {
    const dir = tmpDir();
    const writer = runFixture("store-writer.ts", [dir]);
    await writer.waitFor(/^ready$/);
    await writer.waitFor(/^committed 60$/);
    await new Promise((r) => setTimeout(r, randomInt(0, 40)));
    writer.proc.kill("SIGKILL");
    expect((await writer.exited).signal).toBe("SIGKILL");
    const reported = Math.max(...writer.lines.filter((l) => l.startsWith("committed ")).map((l) => Number(l.split(" ")[1])));

    const wal = path.join(dir, "wcoord.sqlite-wal");
    const walSize = fs.statSync(wal).size;
    expect(walSize).toBeGreaterThan(100_000);
    // Untouched, the WAL header only, a torn last byte, and random offsets.
    const cuts = [walSize, 0, 32, walSize - 1, ...Array.from({ length: 6 }, () => randomInt(33, walSize - 1))];
    const totals: number[] = [];
    for (const cut of cuts) {
      const copy = tmpDir();
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      fs.truncateSync(path.join(copy, "wcoord.sqlite-wal"), cut);
      const s = Store.open(copy);
      try {
        expect(s.integrityCheck(), `cut ${cut}`).toEqual([]);
        const actions = s.actions.list();
        expect(actions, `cut ${cut}`).toHaveLength(3);
        let advances = 0;
        for (const a of actions) {
          const h = s.actions.history(a.id);
          expect(h.map((t) => t.seq), `cut ${cut}, action ${a.id}`).toEqual(h.map((_, i) => i + 1));
          for (let i = 1; i < h.length; i++) expect(h[i]!.from, `cut ${cut}`).toBe(h[i - 1]!.to);
          expect(a.state, `cut ${cut}`).toBe(h[h.length - 1]!.to);
          // Effects written in the same transaction as each transition are all there, or none.
          expect(a.stateHeight ?? 1, `cut ${cut}`).toBe(h.length);
          expect(s.inboundMessages.list({ wallet: a.walletPkh }), `cut ${cut}`).toHaveLength(h.length - 1);
          advances += h.length - 1;
        }
        // Every transaction advances all three actions together.
        expect(advances % 3, `cut ${cut}`).toBe(0);
        totals.push(advances / 3);
      } finally {
        s.close();
      }
    }
    // Untouched WAL: every transaction the writer reported as committed survived the kill.
    expect(totals[0]).toBeGreaterThanOrEqual(reported);
    // Header-only WAL: only the checkpointed baseline remains.
    expect(totals[1]).toBe(0);
    expect(totals[2]).toBe(0);
    for (const t of totals) expect(t).toBeLessThanOrEqual(totals[0]!);
  });
});

describe("schema versions (reliability.md §4.3)", () => {
  function migrationsWithExtra(): string {
    const dir = tmpDir();
    fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, "0001_init.sql"), path.join(dir, "0001_init.sql"));
    fs.writeFileSync(path.join(dir, "0002_extra.sql"), "CREATE TABLE extra (x INTEGER) STRICT;\nINSERT INTO extra VALUES (1);\n");
    return dir;
  }

  /** Every migration of this binary plus one more, as a newer binary would have them. */
  function migrationsOfANewerBinary(): { dir: string; version: number } {
    const dir = tmpDir();
    for (const m of loadMigrations()) fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, m.name), path.join(dir, m.name));
    const version = supportedVersion() + 1;
    fs.writeFileSync(path.join(dir, `${String(version).padStart(4, "0")}_extra.sql`), "CREATE TABLE extra (x INTEGER) STRICT;\n");
    return { dir, version };
  }

  it("a database newer than the binary is refused with NEWER_SCHEMA naming file, versions and what to do", () => {
    const dir = tmpDir();
    const newer = migrationsOfANewerBinary();
    Store.open(dir, { migrationsDir: newer.dir }).close();
    const file = path.join(dir, "wcoord.sqlite");
    expect(inspect(file).version).toBe(newer.version);
    const e = expectStoreError(() => Store.open(dir), "NEWER_SCHEMA");
    expect(e.message).toContain(file);
    expect(e.message).toContain(`schema version ${newer.version}`);
    expect(e.message).toContain(`supports up to version ${newer.version - 1}`);
    expect(e.message).toMatch(new RegExp(`run a wcoord release that supports schema ${newer.version}, or start with a fresh data directory`));
    expect(fs.existsSync(path.join(dir, "LOCK"))).toBe(false);
    expectStoreError(() => Store.open(dir, { readonly: true }), "NEWER_SCHEMA");
  });

  it("kill -9 during migration 0001 leaves version 0; reopening re-applies it (§7.2 row 17)", async () => {
    const dir = tmpDir();
    const child = runFixture("store-open.ts", [dir], { WCOORD_CRASH_AT: "migration.0001" });
    expect((await child.exited).signal).toBe("SIGKILL");
    const file = path.join(dir, "wcoord.sqlite");
    expect(inspect(file)).toEqual({ version: 0, tables: [] });

    const s = Store.open(dir);
    try {
      expect(s.schemaVersion).toBe(supportedVersion());
      expect(s.meta.get("schema_version")).toBe(String(supportedVersion()));
      expect(inspect(file).tables).toEqual(ALL_TABLES);
    } finally {
      s.close();
    }
  });

  it("kill -9 during migration 0002 keeps 0001 and re-applies only 0002; name:n kills on the n-th hit only", async () => {
    const dir = tmpDir();
    const migrations = migrationsWithExtra();
    const child = runFixture("store-open.ts", [dir, migrations], { WCOORD_CRASH_AT: "migration.0002" });
    expect((await child.exited).signal).toBe("SIGKILL");
    const file = path.join(dir, "wcoord.sqlite");
    expect(inspect(file)).toEqual({ version: 1, tables: TABLES_0001 });

    // One migration.0002 hit per run: ":2" never fires, the migration completes.
    const second = runFixture("store-open.ts", [dir, migrations], { WCOORD_CRASH_AT: "migration.0002:2" });
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.lines).toEqual(["version 2"]);
    // Loading node:sqlite printed no "experimental feature" warning (src/store/sqlite.ts).
    expect(second.stderr()).not.toContain("SQLite is an experimental feature");
    const after = inspect(file);
    expect(after.version).toBe(2);
    expect(after.tables).toContain("extra");
    const s = Store.open(dir, { migrationsDir: migrations });
    try {
      expect(s.meta.get("schema_version")).toBe("2");
      expect((s.db.raw.prepare("SELECT count(*) AS n FROM extra").get() as { n: number }).n).toBe(1);
    } finally {
      s.close();
    }
  });
});

describe("identity across restarts (reliability.md §7.3.5)", () => {
  it("a database from another network or profile is refused, naming the differing field", () => {
    const dir = tmpDir();
    const id = { chainId: 31337, bridge: "0x" + "ab".repeat(20), profileHash: "0x" + "f7".repeat(32) };
    const s1 = Store.open(dir);
    s1.checkIdentity(id);
    s1.close();

    for (const [field, changed] of [
      ["chainId", { ...id, chainId: 1 }],
      ["bridge", { ...id, bridge: "0x" + "cd".repeat(20) }],
      ["profileHash", { ...id, profileHash: "0x" + "12".repeat(32) }],
    ] as const) {
      const s = Store.open(dir);
      try {
        const e = expectStoreError(() => s.checkIdentity(changed), "IDENTITY_MISMATCH");
        expect(e.metadata.field).toBe(field);
        expect(e.message).toContain(`${field} is `);
      } finally {
        s.close();
      }
    }
    const s2 = Store.open(dir);
    try {
      expect(s2.checkIdentity({ ...id, profileHash: "0x" + "12".repeat(32) }, { acceptProfileChange: true }).profileChanged).toBe(true);
    } finally {
      s2.close();
    }
    const s3 = Store.open(dir);
    try {
      expect(s3.checkIdentity({ ...id, profileHash: "0x" + "12".repeat(32) })).toEqual({ firstRun: false, profileChanged: false });
    } finally {
      s3.close();
    }
  });
});
