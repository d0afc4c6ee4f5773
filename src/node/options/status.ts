// What the operator watches: the status API (`status`) and the logs (`log`).
import { z } from "zod";
import { bool, enumKey, leaf, section } from "./leaf.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const LOG_FORMATS = ["pretty", "json"] as const;

export const defaultStatusOptions = { listen: "127.0.0.1:9601" };
export const defaultLogOptions = {
  level: "info" as (typeof LOG_LEVELS)[number],
  format: "pretty" as (typeof LOG_FORMATS)[number],
  file: true,
};

/** Splits "host:port" or "[v6]:port"; null when malformed. */
export function parseHostPort(v: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(v);
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1].startsWith("[") ? m[1].slice(1, -1) : m[1], port };
}

function hostPort(def: string, doc: string) {
  const expected = "expected host:port (port 0–65535)";
  const schema = z
    .string({ error: expected })
    .refine((v) => parseHostPort(v) !== null, { error: expected })
    .default(def);
  return leaf(schema, { kind: "hostport", expected, doc, default: def });
}

export const statusOptions = section({
  listen: hostPort(defaultStatusOptions.listen, "Status API, web page and `/metrics`."),
});
export type StatusOptions = z.output<typeof statusOptions>;

export const logOptions = section({
  level: enumKey(LOG_LEVELS, defaultLogOptions.level, "Log level."),
  format: enumKey(LOG_FORMATS, defaultLogOptions.format, "Console format: `pretty` (human) or `json` (lines)."),
  file: bool(defaultLogOptions.file, "Also write JSON lines to `<dataDir>/wcoord.log`."),
});
export type LogOptions = z.output<typeof logOptions>;
