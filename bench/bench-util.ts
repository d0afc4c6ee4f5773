// What every benchmark shares: its parsed flags, a timer, and the short table it prints (with --json,
// exactly one JSON object on stdout instead).
import { performance } from "node:perf_hooks";

export interface BenchArgs {
  readonly json: boolean;
  /** --name value pairs, values as given. */
  readonly flags: ReadonlyMap<string, string>;
}

/** `[--json] [--name value]…`; throws on anything else. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") json = true;
    else if (a.startsWith("--") && i + 1 < argv.length) flags.set(a.slice(2), argv[++i]!);
    else throw new Error(`unexpected argument ${JSON.stringify(a)}`);
  }
  return { json, flags };
}

/** A comma-separated list of positive integers, or the default. */
export function flagList(args: BenchArgs, name: string, fallback: number[]): number[] {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  const list = v.split(",").map((s) => Number(s));
  if (list.some((x) => !Number.isSafeInteger(x) || x < 1)) throw new Error(`--${name} must be positive integers separated by commas, got ${JSON.stringify(v)}`);
  return list;
}

/** One positive integer, or the default. */
export function flagOne(args: BenchArgs, name: string, fallback: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isSafeInteger(x) || x < 1) throw new Error(`--${name} must be one positive integer, got ${JSON.stringify(v)}`);
  return x;
}

/** Throws on a flag the benchmark does not know. */
export function onlyFlags(args: BenchArgs, known: readonly string[]): void {
  for (const k of args.flags.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k} (known: ${known.map((n) => "--" + n).join(", ") || "only --json"})`);
}

/** Runs `fn` once; its value and wall time in ms. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  process.stdout.write([line(head), ...rows.map(line)].join("\n") + "\n");
}
