// Single-instance lock on the data directory (reliability.md §4.1). Node has no flock(), so the
// lock is a file created with O_EXCL that holds the owner's pid; a lock whose pid is dead is stale.
import fs from "node:fs";
import path from "node:path";
import { StoreError } from "./store-error.js";

export const LOCK_FILE_NAME = "LOCK";

/** Locks held by this process: a second open in the same process is refused like any other. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(file: string): { pid: number; raw: string } | undefined {
  try {
    const raw = fs.readFileSync(file, "utf8");
    return { pid: Number.parseInt(raw.trim(), 10), raw };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes `<dataDir>/LOCK` or throws StoreError LOCKED ("data directory in use by pid N").
 * A LOCK left by a dead process is taken over. A LOCK holding our own pid that this process does
 * not hold is stale too: in containers the node is often pid 1 on every start.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = path.join(path.resolve(dataDir), LOCK_FILE_NAME);
  if (heldHere.has(file)) {
    throw new StoreError("LOCKED", `data directory in use by pid ${process.pid}`, { pid: process.pid, file });
  }
  const content = `${process.pid}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
      try {
        fs.writeSync(fd, content);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      heldHere.add(file);
      return { file, release: () => release(file, content) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = readPid(file);
    if (owner === undefined) continue; // released meanwhile
    if (Number.isSafeInteger(owner.pid) && owner.pid > 0 && owner.pid !== process.pid && isAlive(owner.pid)) {
      throw new StoreError("LOCKED", `data directory in use by pid ${owner.pid}`, { pid: owner.pid, file });
    }
    // Stale (dead pid, our own pid, or unreadable content). Remove it only if it is still the
    // same stale lock, then race for O_EXCL again; a concurrent starter that wins makes us LOCKED.
    if (readPid(file)?.raw === owner.raw) fs.rmSync(file, { force: true });
  }
  const owner = readPid(file);
  throw new StoreError("LOCKED", `data directory in use by pid ${owner?.pid ?? "unknown"}`, { pid: owner?.pid, file });
}

function release(file: string, content: string): void {
  if (!heldHere.delete(file)) return;
  // Remove only our own lock: never a lock another process took over.
  if (readPid(file)?.raw === content) fs.rmSync(file, { force: true });
}
