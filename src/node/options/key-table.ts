// Every leaf key of the schema with its environment variable, derived once from the schema; and the
// conversion of strings (env vars, CLI pairs) to each key's type.
import { z } from "zod";
import { ConfigError } from "./config-error.js";
import { KEYSTORE_PASSWORD_ENV } from "./keys.js";
import { leafMetaOf, type KeyInfo } from "./leaf.js";
import { setDeep } from "./nested.js";
import { configSchema, type ConfigInput } from "./schema.js";

export const ENV_PREFIX = "WCOORD_";

/** "eth.rpcUrl" → "WCOORD_ETH_RPC_URL". */
export function envVarName(key: string): string {
  return ENV_PREFIX + key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/\./g, "_").toUpperCase();
}

function unwrapObject(s: z.ZodType): z.ZodObject | null {
  let cur: z.ZodType | undefined = s;
  while (cur) {
    if (cur instanceof z.ZodObject) return cur;
    const def = cur.def as { type: string; innerType?: z.ZodType };
    if (def.type !== "prefault" && def.type !== "default" && def.type !== "optional") return null;
    cur = def.innerType;
  }
  return null;
}

function collectKeys(obj: z.ZodObject, prefix: string, out: KeyInfo[]): void {
  for (const [name, child] of Object.entries(obj.shape) as [string, z.ZodType][]) {
    const key = prefix + name;
    const meta = leafMetaOf(child);
    if (meta) {
      out.push({ key, env: envVarName(key), ...meta });
      continue;
    }
    const sub = unwrapObject(child);
    if (!sub) throw new Error(`options schema: ${key} has no leaf metadata`);
    collectKeys(sub, key + ".", out);
  }
}

const KEYS: readonly KeyInfo[] = (() => {
  const out: KeyInfo[] = [];
  collectKeys(configSchema, "", out);
  const envs = new Set<string>();
  for (const k of out) {
    if (envs.has(k.env) || k.env === KEYSTORE_PASSWORD_ENV) throw new Error(`options schema: env name clash ${k.env}`);
    envs.add(k.env);
  }
  return out;
})();
const KEY_BY_NAME = new Map(KEYS.map((k) => [k.key, k]));

/** Every leaf key with its env var, kind, default and doc, in schema order. */
export function configKeys(): readonly KeyInfo[] {
  return KEYS;
}

/** Converts a string (env var or CLI flag) to the key's type; leaves it a string when it does not fit, so zod reports it. */
export function coerceValue(key: string, raw: string): unknown {
  const info = KEY_BY_NAME.get(key);
  if (!info) throw new ConfigError(key, "unknown key");
  const s = raw.trim();
  switch (info.kind) {
    case "int":
      return /^-?\d+$/.test(s) ? Number(s) : raw;
    case "bool": {
      const l = s.toLowerCase();
      if (["true", "1", "yes", "on"].includes(l)) return true;
      if (["false", "0", "no", "off"].includes(l)) return false;
      return raw;
    }
    case "list":
      return s === "" ? [] : s.split(",").map((x) => x.trim()).filter((x) => x !== "");
    default:
      return s === "" ? undefined : s;
  }
}

/** Nested overrides from `key=value`-style pairs (e.g. CLI `--set eth.rpcUrl=…`); throws ConfigError on an unknown key. */
export function overridesFromPairs(pairs: Iterable<readonly [string, string]>): ConfigInput {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of pairs) {
    const v = coerceValue(key, raw);
    if (v !== undefined) setDeep(out, key, v);
  }
  return out as ConfigInput;
}

/** WCOORD_* variables that name no config key (typos); the caller may warn about them. */
export function unknownEnvVars(env: NodeJS.ProcessEnv): string[] {
  const known = new Set(KEYS.map((k) => k.env));
  // Used elsewhere in the project, not config keys.
  known.add(KEYSTORE_PASSWORD_ENV);
  known.add("WCOORD_CRASH_AT");
  return Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && !known.has(n))
    .sort();
}
