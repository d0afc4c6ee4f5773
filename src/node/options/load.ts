// Loading the configuration: the file, then WCOORD_* env vars, then CLI overrides, validated by the
// schema, then the bridge filled from the deployment file. Errors name the key and where it came from.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { DeploymentFileError, parseDeployment, type Deployment } from "../../chain/deployment-file.js";
import { ConfigError, toConfigError } from "./config-error.js";
import { coerceValue, configKeys, envVarName } from "./key-table.js";
import { deepMerge, getDeep, isPlainObject, setDeep } from "./nested.js";
import { configSchema, type NodeConfig, type ParsedConfig } from "./schema.js";

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
  for (const k of configKeys()) {
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
  for (const k of configKeys()) {
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
  fill("bridge.frostWalletRegistry", () => cfg.bridge.frostWalletRegistry, (v) => (cfg.bridge.frostWalletRegistry = v), d.frostWalletRegistry);
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
    for (const k of configKeys()) if (getDeep(input, k.key.split(".")) !== undefined) sources.set(k.key, opts.file);
  }
  const env = envLayer(opts.env);
  input = deepMerge(input, env.layer);
  for (const [k, s] of env.sources) sources.set(k, s);
  if (opts.overrides !== undefined) {
    if (!isPlainObject(opts.overrides)) throw new ConfigError("", "overrides must be an object");
    input = deepMerge(input, opts.overrides);
    for (const k of configKeys()) if (getDeep(opts.overrides, k.key.split(".")) !== undefined) sources.set(k.key, "command line");
  }

  const r = configSchema.safeParse(input);
  if (!r.success) throw toConfigError(issuesToErrors(r.error.issues, input, sources));
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
  if (errors.length > 0) throw toConfigError(errors);
  return cfg as NodeConfig;
}
