// Leaf builders of the config schema. Each leaf carries its documentation (kind, accepted values, doc,
// default) beside the zod check, and sets one `expected` text on every check, so errors read the same.
import { z } from "zod";

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

export type LeafMeta = Omit<KeyInfo, "key" | "env">;
const leafMeta = new WeakMap<z.ZodType, LeafMeta>();

/** Attaches the documentation of a leaf key to its schema. */
export function leaf<T extends z.ZodType>(schema: T, meta: LeafMeta): T {
  leafMeta.set(schema, meta);
  return schema;
}

/** The documentation of a leaf key's schema; undefined for a section. */
export function leafMetaOf(schema: z.ZodType): LeafMeta | undefined {
  return leafMeta.get(schema);
}

/** A config section: unknown keys are refused, and a missing section is {} so its defaults apply. */
export function section<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape).prefault({} as never);
}

function intSchema(min: number, max: number): { schema: z.ZodNumber; expected: string } {
  const expected = max === Number.MAX_SAFE_INTEGER ? `expected an integer ≥ ${min}` : `expected an integer from ${min} to ${max}`;
  const schema = z
    .number({ error: expected })
    .int({ error: expected })
    .min(min, { error: expected })
    .max(max, { error: expected });
  return { schema, expected };
}

export function int(def: number, min: number, max: number, doc: string) {
  const { schema, expected } = intSchema(min, max);
  return leaf(schema.default(def), { kind: "int", expected, doc, default: def });
}

export function optInt(min: number, max: number, doc: string, required?: string) {
  const { schema, expected } = intSchema(min, max);
  return leaf(schema.optional(), { kind: "int", expected, doc, required });
}

export function bool(def: boolean, doc: string) {
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

/** A URL with one of `protocols` (e.g. "https:"); the bare check, for a leaf or a list item. */
export function urlString(protocols: readonly string[], expected: string, needPort = false) {
  return z.string({ error: expected }).refine((v) => isUrl(v, protocols, needPort), { error: expected });
}

export function optPath(doc: string, required?: string) {
  const expected = "expected a file path";
  return leaf(z.string({ error: expected }).min(1, { error: expected }).optional(), { kind: "path", expected, doc, required });
}

export function enumKey<const T extends readonly [string, ...string[]]>(values: T, def: T[number], doc: string) {
  const expected = `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  return leaf(z.enum(values, { error: expected }).default(def as never), { kind: "enum", expected, doc, default: def });
}
