// Node configuration: one zod schema with defaults (style.md §1.3), the single source of truth for
// the YAML/JSON file, the WCOORD_* environment variables, CLI overrides and docs/config-reference.md.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { getAddress, isAddress } from "ethers";
import { multiaddr } from "@multiformats/multiaddr";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import {
  DEFAULT_FREQUENCY_WINDOWS,
  DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS,
  DEFAULT_HEARTBEAT_PROBABILITY_PPM,
  defaultProfile,
  validateProfile,
  type ProtocolProfile,
} from "../protocol/profile.js";
import { RNG_SCHEMES, type RngScheme } from "../protocol/profile.js";
import { DeploymentFileError, parseDeployment, type Deployment } from "../chain/deployment-file.js";

export const ENV_PREFIX = "WCOORD_";
/** Not a config key: the keystore password itself (read by keys.ts, never stored in the config). */
export const KEYSTORE_PASSWORD_ENV = "WCOORD_KEYSTORE_PASSWORD";
const UINT32_MAX = 0xffffffff;

/** How a leaf key is written in env vars and documented. */
export type KeyKind = "string" | "path" | "url" | "int" | "bool" | "list" | "enum" | "address" | "hostport";

export interface KeyInfo {
  /** Dotted key, e.g. "eth.rpcUrl". */
  key: string;
  /** Environment variable, e.g. "WCOORD_ETH_RPC_URL". */
  env: string;
  kind: KeyKind;
  /** What a valid value looks like; every validation message starts with it. */
  expected: string;
  doc: string;
  default?: unknown;
  /** Documented requirement, e.g. "required" or "required unless bridge.deploymentFile". */
  required?: string;
}

type LeafMeta = Omit<KeyInfo, "key" | "env">;
const leafMeta = new WeakMap<z.ZodType, LeafMeta>();

function leaf<T extends z.ZodType>(schema: T, meta: LeafMeta): T {
  leafMeta.set(schema, meta);
  return schema;
}

// ---- leaf builders: each sets one `expected` text on every check, so errors read the same ----

function intSchema(min: number, max: number): { schema: z.ZodNumber; expected: string } {
  const expected = max === Number.MAX_SAFE_INTEGER ? `expected an integer ≥ ${min}` : `expected an integer from ${min} to ${max}`;
  const schema = z
    .number({ error: expected })
    .int({ error: expected })
    .min(min, { error: expected })
    .max(max, { error: expected });
  return { schema, expected };
}

function int(def: number, min: number, max: number, doc: string) {
  const { schema, expected } = intSchema(min, max);
  return leaf(schema.default(def), { kind: "int", expected, doc, default: def });
}

function optInt(min: number, max: number, doc: string, required?: string) {
  const { schema, expected } = intSchema(min, max);
  return leaf(schema.optional(), { kind: "int", expected, doc, required });
}

function bool(def: boolean, doc: string) {
  const expected = "expected true or false";
  return leaf(z.boolean({ error: expected }).default(def), { kind: "bool", expected, doc, default: def });
}

function isUrl(v: string, protocols: readonly string[], needPort: boolean): boolean {
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) && u.hostname !== "" && (!needPort || u.port !== "");
  } catch {
    return false;
  }
}

function urlString(protocols: readonly string[], expected: string, needPort = false) {
  return z.string({ error: expected }).refine((v) => isUrl(v, protocols, needPort), { error: expected });
}

function optPath(doc: string, required?: string) {
  const expected = "expected a file path";
  return leaf(z.string({ error: expected }).min(1, { error: expected }).optional(), { kind: "path", expected, doc, required });
}

function optAddress(doc: string, required?: string) {
  const expected = "expected a 0x-prefixed 20-byte address";
  const schema = z
    .string({ error: expected })
    .refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isAddress(v), { error: expected })
    .transform((v) => getAddress(v))
    .optional();
  return leaf(schema, { kind: "address", expected, doc, required });
}

function isMultiaddr(v: string, needPeerId: boolean): boolean {
  try {
    const ma = multiaddr(v);
    return !needPeerId || ma.getComponents().some((c) => c.name === "p2p");
  } catch {
    return false;
  }
}

function multiaddrList(def: string[], needPeerId: boolean, doc: string) {
  const expected = needPeerId ? "expected a list of multiaddrs ending in /p2p/<peerId>" : "expected a list of multiaddrs";
  const item = z.string({ error: expected }).refine((v) => isMultiaddr(v, needPeerId), { error: expected });
  return leaf(z.array(item, { error: expected }).default(def), { kind: "list", expected, doc, default: def });
}

function hostPort(def: string, doc: string) {
  const expected = "expected host:port (port 0–65535)";
  const schema = z
    .string({ error: expected })
    .refine((v) => parseHostPort(v) !== null, { error: expected })
    .default(def);
  return leaf(schema, { kind: "hostport", expected, doc, default: def });
}

function enumKey<const T extends readonly [string, ...string[]]>(values: T, def: T[number], doc: string) {
  const expected = `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  return leaf(z.enum(values, { error: expected }).default(def as never), { kind: "enum", expected, doc, default: def });
}

/** Splits "host:port" or "[v6]:port"; null when malformed. */
export function parseHostPort(v: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(v);
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1].startsWith("[") ? m[1].slice(1, -1) : m[1], port };
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const RNG = RNG_SCHEMES as unknown as readonly [RngScheme, ...RngScheme[]];
const ETH_HTTP = ["http:", "https:", "ws:", "wss:"] as const;

function section<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape).prefault({} as never);
}

/** The whole configuration. Leaves carry their defaults; sections default to {} so defaults apply. */
export const configSchema = z.strictObject({
  dataDir: leaf(z.string({ error: "expected a directory path" }).min(1, { error: "expected a directory path" }).default(".data"), {
    kind: "path",
    expected: "expected a directory path",
    doc: "Data directory: `wcoord.sqlite`, `LOCK` and `wcoord.log` (reliability.md §4.1).",
    default: ".data",
  }),
  eth: section({
    rpcUrl: leaf(urlString(ETH_HTTP, "expected a URL (http, https, ws or wss)").optional(), {
      kind: "url",
      expected: "expected a URL (http, https, ws or wss)",
      doc: "Ethereum JSON-RPC endpoint.",
      required: "required",
    }),
    wsUrl: leaf(urlString(["ws:", "wss:"], "expected a ws:// or wss:// URL").optional(), {
      kind: "url",
      expected: "expected a ws:// or wss:// URL",
      doc: "Optional WebSocket endpoint for new-head subscriptions.",
    }),
    chainId: optInt(1, Number.MAX_SAFE_INTEGER, "Expected chain id; filled from the deployment file; the node checks it against the RPC."),
    replaceAfterBlocks: int(12, 1, 100_000, "Blocks without a receipt before a stuck Ethereum transaction is replaced (reliability.md §3.7)."),
  }),
  bridge: section({
    deploymentFile: optPath("`deployments/<network>.json` with `{chainId, bridge, walletProposalValidator, deployBlock}`."),
    address: optAddress("Bridge contract address.", "required unless bridge.deploymentFile"),
    validator: optAddress("WalletProposalValidator contract address.", "required unless bridge.deploymentFile"),
    deployBlock: optInt(0, Number.MAX_SAFE_INTEGER, "First block the event indexer reads.", "required unless bridge.deploymentFile"),
  }),
  btc: section({
    electrumUrls: leaf(
      z
        .array(urlString(["tcp:", "ssl:"], "expected a list of tcp://host:port or ssl://host:port URLs", true), {
          error: "expected a list of tcp://host:port or ssl://host:port URLs",
        })
        .default([]),
      {
        kind: "list",
        expected: "expected a list of tcp://host:port or ssl://host:port URLs",
        doc: "Electrum servers, tried in order (optional for now).",
        default: [],
      },
    ),
  }),
  keys: section({
    keystore: optPath("Encrypted JSON keystore of the operator key (`wcoord keys new|import`).", "required unless --insecure-plaintext-key"),
    passwordFile: optPath(`File holding the keystore password; otherwise the env var \`${KEYSTORE_PASSWORD_ENV}\`.`),
    privateKeyFile: optPath("Plaintext hex private key file; refused unless `--insecure-plaintext-key` is given."),
  }),
  network: section({
    listen: multiaddrList(["/ip4/0.0.0.0/tcp/3919"], false, "libp2p listen multiaddrs."),
    bootstrapPeers: multiaddrList([], true, "Peers dialled at startup and every 30 s while disconnected."),
    mdns: bool(false, "Discover peers on the local network with mDNS."),
  }),
  log: section({
    level: enumKey(LOG_LEVELS, "info", "Log level."),
    format: enumKey(["pretty", "json"] as const, "pretty", "Console format: `pretty` (human) or `json` (lines)."),
    file: bool(true, "Also write JSON lines to `<dataDir>/wcoord.log`."),
  }),
  status: section({
    listen: hostPort("127.0.0.1:9601", "Status API, web page and `/metrics`."),
  }),
  profile: section({
    frequencyWindows: int(DEFAULT_FREQUENCY_WINDOWS, 1, UINT32_MAX, "Protocol profile: windows between checklist items (coordination.md §6)."),
    heartbeatProbabilityPpm: int(
      DEFAULT_HEARTBEAT_PROBABILITY_PPM,
      0,
      1_000_000,
      "Protocol profile: heartbeat probability in parts per million.",
    ),
    rngScheme: enumKey(RNG, "seedrandom", "Protocol profile: leader shuffle RNG (coordination.md §5)."),
    fundingTxMinConfirmations: int(
      DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS,
      0,
      UINT32_MAX,
      "Protocol profile: Bitcoin confirmations a deposit funding transaction needs.",
    ),
  }),
  coordination: section({
    generationConcurrency: int(4, 1, 1024, "Wallets generating proposals at once."),
    extraSafetyMarginSec: int(3600, 0, UINT32_MAX, "Slack added to `tHigh` (coordination.md §13.1)."),
  }),
  fee: section({
    minSatPerVByte: int(5, 1, 1_000_000, "Fee-rate floor (sat/vB)."),
    bufferPercent: int(25, 0, 1000, "Percent added to the Electrum estimate."),
  }),
  indexer: section({
    lagBlocks: int(32, 0, 100_000, "Index up to `head − lag`."),
    chunkBlocks: int(5000, 100, 1_000_000, "Initial `eth_getLogs` block range."),
    rewindBlocks: int(128, 1, 100_000, "Rewind on cursor mismatch."),
  }),
  signer: section({
    localKeysFile: optPath(
      "Development only: JSON `{ \"<wallet PKH hex>\": \"0x<private key>\" }` for the local-key wallet signer. Without it, actions that need a wallet signature expire.",
    ),
  }),
  maintainer: section({
    enabled: bool(false, "Record outcomes on the Bridge when this operator is a maintainer (reliability.md §3.8)."),
  }),
  record: section({
    minConfirmations: int(6, 1, 1000, "Bitcoin depth before a maintainer records an outcome."),
  }),
});

type ParsedConfig = z.output<typeof configSchema>;
/** Validated configuration; bridge addresses and deploy block are always resolved. */
export type NodeConfig = Omit<ParsedConfig, "bridge"> & {
  bridge: ParsedConfig["bridge"] & { address: string; validator: string; deployBlock: number };
};
/** Partial nested input, as in the file (used for CLI overrides). */
export type ConfigInput = z.input<typeof configSchema>;

/** A configuration problem; `key` is the dotted key it concerns ("" when it concerns the whole file). */
export class ConfigError extends Error {
  static override readonly name = "ConfigError";
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(key ? `config error: ${key}: ${detail}` : `config error: ${detail}`);
    this.name = "ConfigError";
  }
}

/** Several problems at once; the message lists each on its own line. */
export class ConfigErrors extends ConfigError {
  constructor(readonly errors: ConfigError[]) {
    super(errors[0].key, errors[0].detail);
    this.message = errors.map((e) => e.message).join("\n");
    this.name = "ConfigError";
  }
}

// ---- key table derived from the schema ----

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

/** "eth.rpcUrl" → "WCOORD_ETH_RPC_URL". */
export function envVarName(key: string): string {
  return ENV_PREFIX + key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/\./g, "_").toUpperCase();
}

function collectKeys(obj: z.ZodObject, prefix: string, out: KeyInfo[]): void {
  for (const [name, child] of Object.entries(obj.shape) as [string, z.ZodType][]) {
    const key = prefix + name;
    const meta = leafMeta.get(child);
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

/** The defaults as a nested object (what an empty file yields, minus required keys). */
export const defaultOptions: ConfigInput = (() => {
  const out: Record<string, unknown> = {};
  for (const k of KEYS) if (k.default !== undefined) setDeep(out, k.key, structuredClone(k.default));
  return out as ConfigInput;
})();

// ---- helpers over nested plain objects ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function setDeep(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

function getDeep(obj: unknown, parts: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const p of parts) {
    if (isPlainObject(cur) || Array.isArray(cur)) cur = (cur as Record<string | number, unknown>)[p];
    else return undefined;
  }
  return cur;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
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

// ---- loading ----

export interface LoadConfigOptions {
  /** YAML (or JSON) file. Relative paths inside it are resolved against its directory. */
  file?: string;
  env: NodeJS.ProcessEnv;
  /** Nested partial config, highest precedence (CLI flags). */
  overrides?: object;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError("", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new ConfigError("", `${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) throw new ConfigError("", `${file}: expected a mapping of keys at the top level`);
  // Relative paths in the file mean "next to the file", whatever the working directory.
  const base = dirname(resolve(file));
  for (const k of KEYS) {
    if (k.kind !== "path") continue;
    const parts = k.key.split(".");
    const v = getDeep(doc, parts);
    if (typeof v === "string" && v !== "" && !isAbsolute(v)) setDeep(doc, k.key, resolve(base, v));
  }
  return doc;
}

function envLayer(env: NodeJS.ProcessEnv): { layer: Record<string, unknown>; sources: Map<string, string> } {
  const layer: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  for (const k of KEYS) {
    const raw = env[k.env];
    if (raw === undefined) continue;
    const v = coerceValue(k.key, raw);
    if (v === undefined) continue;
    setDeep(layer, k.key, v);
    sources.set(k.key, k.env);
  }
  return { layer, sources };
}

function formatValue(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + "…" : s;
}

function sourceOf(sources: Map<string, string>, path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const s = sources.get(path.slice(0, n).map(String).join("."));
    if (s) return s;
  }
  return undefined;
}

function issuesToErrors(issues: readonly z.core.$ZodIssue[], input: unknown, sources: Map<string, string>): ConfigError[] {
  const out: ConfigError[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) out.push(new ConfigError([...path, k].join("."), "unknown key"));
      continue;
    }
    const key = path.join(".");
    const value = getDeep(input, issue.path as (string | number)[]);
    const from = sourceOf(sources, issue.path);
    const detail =
      value === undefined ? `required: ${issue.message}` : `${issue.message}, got ${formatValue(value)}${from ? ` (from ${from})` : ""}`;
    out.push(new ConfigError(key, detail));
  }
  return out;
}

function applyDeployment(cfg: ParsedConfig): ConfigError[] {
  const file = cfg.bridge.deploymentFile;
  if (!file) return [];
  let d: Deployment;
  try {
    d = parseDeployment(JSON.parse(readFileSync(file, "utf8")), file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return [new ConfigError("bridge.deploymentFile", e instanceof DeploymentFileError ? why : `cannot read ${formatValue(file)}: ${why}`)];
  }
  const errors: ConfigError[] = [];
  const fill = <T>(key: string, get: () => T | undefined, set: (v: T) => void, fromFile: T | undefined): void => {
    if (fromFile === undefined) return;
    const current = get();
    if (current === undefined) set(fromFile);
    else if (current !== fromFile) errors.push(new ConfigError(key, `${formatValue(current)} differs from ${formatValue(fromFile)} in ${file}`));
  };
  fill("bridge.address", () => cfg.bridge.address, (v) => (cfg.bridge.address = v), d.bridge);
  fill("bridge.validator", () => cfg.bridge.validator, (v) => (cfg.bridge.validator = v), d.walletProposalValidator);
  fill("bridge.deployBlock", () => cfg.bridge.deployBlock, (v) => (cfg.bridge.deployBlock = v), d.deployBlock);
  fill("eth.chainId", () => cfg.eth.chainId, (v) => (cfg.eth.chainId = v), d.chainId);
  return errors;
}

/**
 * Reads the file (if any), then WCOORD_* env vars, then `overrides`; later layers win per key.
 * Throws ConfigError (ConfigErrors for several) naming every bad key.
 */
export function loadConfig(opts: LoadConfigOptions): NodeConfig {
  const sources = new Map<string, string>();
  let input: Record<string, unknown> = {};
  if (opts.file !== undefined) {
    input = readConfigFile(opts.file);
    for (const k of KEYS) if (getDeep(input, k.key.split(".")) !== undefined) sources.set(k.key, opts.file);
  }
  const env = envLayer(opts.env);
  input = deepMerge(input, env.layer);
  for (const [k, s] of env.sources) sources.set(k, s);
  if (opts.overrides !== undefined) {
    if (!isPlainObject(opts.overrides)) throw new ConfigError("", "overrides must be an object");
    input = deepMerge(input, opts.overrides);
    for (const k of KEYS) if (getDeep(opts.overrides, k.key.split(".")) !== undefined) sources.set(k.key, "command line");
  }

  const r = configSchema.safeParse(input);
  if (!r.success) throw toError(issuesToErrors(r.error.issues, input, sources));
  const cfg = r.data;

  const errors = applyDeployment(cfg);
  const requireKey = (key: string, v: unknown, hint: string): void => {
    if (v === undefined && !errors.some((e) => e.key === key)) errors.push(new ConfigError(key, `required: ${hint}`));
  };
  requireKey("eth.rpcUrl", cfg.eth.rpcUrl, `set it in the file or ${envVarName("eth.rpcUrl")}`);
  const viaDeployment = "set it, or bridge.deploymentFile";
  requireKey("bridge.address", cfg.bridge.address, viaDeployment);
  requireKey("bridge.validator", cfg.bridge.validator, viaDeployment);
  requireKey("bridge.deployBlock", cfg.bridge.deployBlock, viaDeployment);
  if (errors.length > 0) throw toError(errors);
  return cfg as NodeConfig;
}

function toError(errors: ConfigError[]): ConfigError {
  return errors.length === 1 ? errors[0] : new ConfigErrors(errors);
}

/** The protocol profile of this node (coordination.md §2); throws on a rule break. */
export function profileFromConfig(config: NodeConfig, chainId: bigint): ProtocolProfile {
  const p: ProtocolProfile = {
    ...defaultProfile(chainId, config.bridge.address, config.bridge.validator),
    frequencyWindows: config.profile.frequencyWindows,
    heartbeatProbabilityPpm: config.profile.heartbeatProbabilityPpm,
    rngScheme: config.profile.rngScheme,
    fundingTxMinConfirmations: config.profile.fundingTxMinConfirmations,
  };
  validateProfile(p);
  return p;
}

// ---- reference documentation ----

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function formatDefault(k: KeyInfo): string {
  if (k.default !== undefined) {
    if (Array.isArray(k.default)) return k.default.length === 0 ? "`[]`" : k.default.map((x) => `\`${String(x)}\``).join(", ");
    return `\`${String(k.default)}\``;
  }
  return k.required ? `*${k.required}*` : "*unset*";
}

/** Markdown reference of every key (docs/config-reference.md), generated from the schema. */
export function configReference(): string {
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated from src/node/options.ts (configReference()); test/unit/options.test.ts checks it. Regenerate:",
    "     node --import tsx -e \"import('./src/node/options.ts').then((m) => process.stdout.write(m.configReference()))\" > docs/config-reference.md -->",
    "",
    "`wcoord start --config FILE` reads a YAML file (JSON is valid YAML). Each key is written nested",
    "(`eth:` then `rpcUrl:`). Every key can also be set by an environment variable, which wins over the",
    "file; command-line flags win over both. Lists in environment variables are comma-separated, booleans",
    "are `true`/`false`. Relative paths in the file are resolved against the file's directory.",
    `The keystore password is never a config key: it comes from \`keys.passwordFile\` or \`${KEYSTORE_PASSWORD_ENV}\`.`,
    "Unknown keys are rejected.",
    "",
    "| key | env | default | accepted | meaning |",
    "|---|---|---|---|---|",
  ];
  for (const k of KEYS) {
    const accepted = k.expected.replace(/^expected /, "").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    lines.push(`| \`${k.key}\` | \`${k.env}\` | ${mdCell(formatDefault(k))} | ${mdCell(accepted)} | ${mdCell(k.doc)} |`);
  }
  return lines.join("\n") + "\n";
}
