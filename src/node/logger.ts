// Root logger (style.md §1.10): pino, pretty or JSON on the console, JSON lines into the data dir,
// secrets redacted. Components receive `logger.child({ module })`.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { pino, type DestinationStream, type Logger, type StreamEntry } from "pino";
import { build as pinoPretty } from "pino-pretty";

export type { Logger };

/** For components and tests that are given no logger. */
export const silentLogger: Logger = pino({ level: "silent" });

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export type LogFormat = "pretty" | "json";

export interface CreateLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** JSON lines file, e.g. `<dataDir>/wcoord.log`; written synchronously at the same level. */
  file?: string;
  /** Console stream; default stdout. Colours only when it is a TTY. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
}

const SECRET_FIELDS = ["password", "passphrase", "privateKey", "private_key", "secret", "mnemonic", "seedPhrase", "signingKey"];

/** Redaction paths: the secret field names at the top level and up to two levels down. */
export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export function createLogger(opts: CreateLoggerOptions): Logger {
  const out = opts.destination ?? process.stdout;
  const streams: StreamEntry[] = [];
  if (opts.format === "pretty") {
    // In-process and synchronous: no worker thread, lines are never lost on exit.
    const pretty = pinoPretty({
      sync: true,
      colorize: out.isTTY === true,
      destination: out as unknown as DestinationStream,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
    });
    streams.push({ level: opts.level === "silent" ? "fatal" : opts.level, stream: pretty });
  } else {
    streams.push({ level: opts.level === "silent" ? "fatal" : opts.level, stream: out as unknown as DestinationStream });
  }
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    const file = pino.destination({ dest: opts.file, sync: true, append: true });
    streams.push({ level: opts.level === "silent" ? "fatal" : opts.level, stream: file });
  }
  return pino(
    {
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}
