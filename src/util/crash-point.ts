// Crash-point mechanism for the kill -9 tests (reliability.md §7.1). Production code calls
// crashPoint(name) at named points; only a process started with WCOORD_CRASH_AT dies there.

const hits = new Map<string, number>();

/**
 * Kills this process with SIGKILL when `WCOORD_CRASH_AT` equals `name` (first hit) or `name:n`
 * (n-th hit, 1-based). Without the variable it costs one property read and one comparison.
 */
export function crashPoint(name: string): void {
  const at = process.env.WCOORD_CRASH_AT;
  if (at === undefined || !at.startsWith(name)) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (at === name ? n === 1 : at === `${name}:${n}`) {
    process.kill(process.pid, "SIGKILL");
    // SIGKILL to self is delivered before kill() returns; never continue past a crash point.
    throw new Error(`crash point ${name} reached but the process is still alive`);
  }
}
