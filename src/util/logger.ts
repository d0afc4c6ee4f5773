// Root logger (style.md §1.10): pino, pretty or JSON on the console, JSON lines into the data dir,
// secrets redacted. Components receive `logger.child({ module })`. Every logger the project makes
// comes from createLogger, and its children share one RepeatLimiter: a warning or error repeated
// with the same identity is logged once, then at most once per interval with `repeated: N`.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { pino, type DestinationStream, type LogFn, type Logger, type StreamEntry } from "pino";
import { build as pinoPretty } from "pino-pretty";

export type { Logger };

/** For components and tests that are given no logger. */
export const silentLogger: Logger = pino({ level: "silent" });

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export type LogFormat = "pretty" | "json";

export interface CreateLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** JSON lines file, e.g. `<dataDir>/wcoord.log`; written at the same level (synchronously unless fileSync is false). */
  file?: string;
  /** Write the file synchronously (default true: no line is lost on a crash). */
  fileSync?: boolean;
  /** Console stream; default stdout. Colours only when it is a TTY. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
  /** Also log to the console (default true); the devnet's nodes log to their file only. */
  console?: boolean;
  /** Interval of the repeated-warning limiter (default REPEAT_INTERVAL_MS; 0 turns it off). */
  repeatIntervalMs?: number;
}

const SECRET_FIELDS = ["password", "passphrase", "privateKey", "private_key", "secret", "mnemonic", "seedPhrase", "signingKey"];

/** Redaction paths: the secret field names at the top level and up to two levels down. */
export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

/** A repeated identical warning or error is logged at most once per this interval. */
export const REPEAT_INTERVAL_MS = 60_000;
/** pino's numeric levels the limiter applies to: warn (40) and error (50); fatal is never held back. */
const LIMITED_LEVELS: ReadonlySet<number> = new Set([40, 50]);
/** Distinct identities remembered at most (the oldest quiet ones are forgotten first). */
const MAX_KEYS = 1_000;

interface Held {
  /** When the last line of this identity was written. */
  since: number;
  /** Occurrences held back since then. */
  held: number;
  /** The last one held back, to write when the interval ends without a new occurrence. */
  last: { logger: Logger; method: LogFn; args: unknown[] } | null;
}

export interface RepeatLimiterOptions {
  intervalMs?: number;
  /** Clock (tests pass a fake one). */
  now?: () => number;
  /** Schedules the flush of held-back counts; tests pass null and call flush() themselves. */
  schedule?: ((fn: () => void, ms: number) => { cancel(): void }) | null;
}

/**
 * Holds back repeated identical warnings and errors (reliability.md §8 keeps alerts readable). The
 * identity of a line is its level, its `module` binding, its message and the error's name or code
 * (`code`, `err`/`error` as an Error or as a "SomeError: …" string), not ids such as wallet or txid:
 * the same failure for ten transactions is one identity. The first occurrence is written; the next
 * ones within the interval are counted, and the first line written after the interval (the next
 * occurrence, or the last held-back one when the interval ends quietly) carries `repeated: N`, the
 * number of occurrences that were not written in between. Lines written + Σ repeated = occurrences.
 */
export class RepeatLimiter {
  readonly intervalMs: number;
  private readonly now: () => number;
  private readonly schedule: RepeatLimiterOptions["schedule"];
  private readonly entries = new Map<string, Held>();
  private timer: { cancel(): void } | null = null;

  constructor(o: RepeatLimiterOptions = {}) {
    this.intervalMs = o.intervalMs ?? REPEAT_INTERVAL_MS;
    this.now = o.now ?? Date.now;
    this.schedule =
      o.schedule === undefined
        ? (fn, ms) => {
            const t = setTimeout(fn, ms);
            t.unref();
            return { cancel: () => clearTimeout(t) };
          }
        : o.schedule;
  }

  /** The pino `logMethod` hook: writes, or counts and holds back. */
  hook(logger: Logger, args: unknown[], method: LogFn, level: number): void {
    if (this.intervalMs <= 0 || !LIMITED_LEVELS.has(level)) return void method.apply(logger, args as Parameters<LogFn>);
    const key = identity(logger, args, level);
    const now = this.now();
    const e = this.entries.get(key);
    if (e !== undefined && now - e.since < this.intervalMs) {
      e.held++;
      e.last = { logger, method, args };
      this.arm();
    } else {
      // This occurrence is written and carries the count of those held back since the last line.
      const repeated = e?.held ?? 0;
      this.entries.delete(key); // re-inserted last: the map stays ordered by last write
      this.entries.set(key, { since: now, held: 0, last: null });
      this.trim();
      method.apply(logger, (repeated > 0 ? withRepeated(args, repeated) : args) as Parameters<LogFn>);
    }
    this.flush(now);
  }

  /**
   * Writes the last held-back line of every identity whose interval has ended, with the count of the
   * others, and forgets identities quiet for a whole interval.
   */
  flush(now = this.now()): void {
    for (const [key, e] of this.entries) {
      if (now - e.since < this.intervalMs) continue;
      if (e.last === null) {
        this.entries.delete(key);
        continue;
      }
      const { logger, method, args } = e.last;
      const repeated = e.held - 1;
      e.since = now;
      e.held = 0;
      e.last = null;
      method.apply(logger, (repeated > 0 ? withRepeated(args, repeated) : args) as Parameters<LogFn>);
    }
  }

  /** Identities currently remembered (tests). */
  get size(): number {
    return this.entries.size;
  }

  /** One timer at a time, only while something is held back. */
  private arm(): void {
    if (this.timer !== null || this.schedule === null || this.schedule === undefined) return;
    let earliest = Infinity;
    for (const e of this.entries.values()) if (e.last !== null) earliest = Math.min(earliest, e.since + this.intervalMs);
    if (earliest === Infinity) return;
    this.timer = this.schedule(() => {
      this.timer = null;
      this.flush();
      this.arm();
    }, Math.max(0, earliest - this.now()));
  }

  private trim(): void {
    if (this.entries.size <= MAX_KEYS) return;
    for (const [key, e] of this.entries) {
      if (this.entries.size <= MAX_KEYS) break;
      if (e.last === null) this.entries.delete(key);
    }
  }
}

/** level · module · message · error name or code: what makes two lines "the same warning". */
function identity(logger: Logger, args: unknown[], level: number): string {
  const [first, second] = args;
  let msg = "";
  let err = "";
  if (typeof first === "string") msg = first;
  else if (first !== null && typeof first === "object") {
    msg = typeof second === "string" ? second : "";
    const o = first as Record<string, unknown>;
    if (first instanceof Error) {
      err = errorName(first);
      if (msg === "") msg = first.message;
    } else {
      err = [typeof o.code === "string" ? o.code : "", errorName(o.err), errorName(o.error)].join("/");
    }
  }
  const module = (logger.bindings() as { module?: unknown }).module;
  return JSON.stringify([level, typeof module === "string" ? module : "", msg, err]);
}

function errorName(v: unknown): string {
  if (v instanceof Error) {
    const code = (v as { code?: unknown }).code;
    return typeof code === "string" ? `${v.name}:${code}` : v.name;
  }
  if (typeof v === "string") return /^([A-Za-z_$][\w$]*(?:Error|Exception))\b/.exec(v)?.[1] ?? "";
  if (v !== null && typeof v === "object") {
    const n = (v as { name?: unknown; type?: unknown }).name ?? (v as { type?: unknown }).type;
    return typeof n === "string" ? n : "";
  }
  return "";
}

/** The same call with `repeated: N` merged into its object (a message-only call gets one). */
function withRepeated(args: unknown[], repeated: number): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) return [{ err: first, repeated }, ...(rest.length > 0 ? rest : [first.message])];
  if (first !== null && typeof first === "object") return [{ ...(first as object), repeated }, ...rest];
  return [{ repeated }, first, ...rest];
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const out = opts.destination ?? process.stdout;
  const level = opts.level === "silent" ? "fatal" : opts.level;
  const streams: StreamEntry[] = [];
  if (opts.console === false) {
    // file only
  } else if (opts.format === "pretty") {
    // In-process and synchronous: no worker thread, lines are never lost on exit.
    const pretty = pinoPretty({
      sync: true,
      colorize: out.isTTY === true,
      destination: out as unknown as DestinationStream,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
    });
    streams.push({ level, stream: pretty });
  } else {
    streams.push({ level, stream: out as unknown as DestinationStream });
  }
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    const file = pino.destination({ dest: opts.file, sync: opts.fileSync ?? true, append: true });
    streams.push({ level, stream: file });
  }
  // One limiter for the root and every child: pino children inherit the root's hooks.
  const limiter = new RepeatLimiter({ intervalMs: opts.repeatIntervalMs });
  return pino(
    {
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method, level) {
          limiter.hook(this, args, method, level);
        },
      },
    },
    pino.multistream(streams),
  );
}
