// Column encoders shared by the repositories: one place decides how each TypeScript field type is
// stored (style.md §1.12 "typed rows and encoders").
//   - wallet PKH keys: lowercase hex without 0x (coordination.md §0 "hex")
//   - addresses: EIP-55 with 0x
//   - wire bytes and digests: BLOB <-> Uint8Array
//   - satoshi amounts: INTEGER <-> bigint (they fit in 2^53); wei amounts: decimal TEXT <-> bigint
//   - structured values: JSON TEXT, parsed on read
import { getAddress } from "ethers";
import type { SQLInputValue, SQLOutputValue } from "./sqlite.js";

export interface Column<T> {
  readonly col: string;
  enc(value: T): SQLInputValue;
  dec(value: SQLOutputValue): T;
}

/** How each field of row type R maps to a column. */
export type RowSchema<R> = { readonly [K in keyof R]-?: Column<R[K]> };

type Raw = Record<string, SQLOutputValue>;

function nullable<T>(c: Column<T>): Column<T | null> {
  return {
    col: c.col,
    enc: (v) => (v === null || v === undefined ? null : c.enc(v)),
    dec: (v) => (v === null ? null : c.dec(v)),
  };
}

function num(v: SQLOutputValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new TypeError(`expected an integer column, got ${typeof v}`);
}

function str(v: SQLOutputValue): string {
  if (typeof v !== "string") throw new TypeError(`expected a text column, got ${typeof v}`);
  return v;
}

/** Normalises a wallet PKH (20 bytes, with or without 0x, any case) to the stored key form. */
export function pkhKey(pkh: string): string {
  const h = pkh.startsWith("0x") || pkh.startsWith("0X") ? pkh.slice(2) : pkh;
  if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new TypeError(`invalid wallet PKH: ${pkh}`);
  return h.toLowerCase();
}

/** A wallet filter parameter: the key form, or null (any wallet) when absent. */
export function pkhFilter(pkh: string | undefined): string | null {
  return pkh === undefined ? null : pkhKey(pkh);
}

/** Lowercase 0x-hex; accepts either case, with or without 0x. */
export function hex0x(value: string): string {
  const h = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError(`invalid hex: ${value.slice(0, 24)}`);
  return "0x" + h.toLowerCase();
}

export const col = {
  int: (name: string): Column<number> => ({
    col: name,
    enc: (v) => {
      if (!Number.isSafeInteger(v)) throw new TypeError(`${name}: not a safe integer: ${v}`);
      return v;
    },
    dec: num,
  }),
  text: (name: string): Column<string> => ({ col: name, enc: (v) => v, dec: str }),
  /** A string union stored as TEXT (values are checked by the type system, and by CHECK where the set is normative). */
  enumText: <T extends string>(name: string): Column<T> => ({ col: name, enc: (v) => v, dec: (v) => str(v) as T }),
  enumInt: <T extends number>(name: string): Column<T> => ({ col: name, enc: (v) => v, dec: (v) => num(v) as T }),
  bool: (name: string): Column<boolean> => ({ col: name, enc: (v) => (v ? 1 : 0), dec: (v) => num(v) !== 0 }),
  bytes: (name: string): Column<Uint8Array> => ({
    col: name,
    enc: (v) => v,
    dec: (v) => {
      if (!(v instanceof Uint8Array)) throw new TypeError(`${name}: expected a blob`);
      // node:sqlite returns Uint8Array views; copy to a plain Uint8Array so rows compare equal.
      return new Uint8Array(v);
    },
  }),
  pkh: (name: string): Column<string> => ({ col: name, enc: pkhKey, dec: str }),
  hex: (name: string): Column<string> => ({ col: name, enc: hex0x, dec: str }),
  address: (name: string): Column<string> => ({ col: name, enc: (v) => getAddress(v), dec: str }),
  /** Satoshi amount: INTEGER (always < 2^53) exposed as bigint. */
  sats: (name: string): Column<bigint> => ({
    col: name,
    enc: (v) => {
      if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${name}: amount out of range: ${v}`);
      return v;
    },
    dec: (v) => BigInt(num(v)),
  }),
  /** Arbitrary-size non-negative integer (wei): decimal TEXT exposed as bigint. */
  bigDec: (name: string): Column<bigint> => ({ col: name, enc: (v) => v.toString(10), dec: (v) => BigInt(str(v)) }),
  json: <T>(name: string): Column<T> => ({
    col: name,
    enc: (v) => JSON.stringify(v),
    dec: (v) => JSON.parse(str(v)) as T,
  }),
  nullable,
};

/** Decodes a raw result row through its schema. */
export function decodeRow<R>(schema: RowSchema<R>, raw: Raw): R {
  const out = {} as Record<string, unknown>;
  for (const key of Object.keys(schema) as (keyof R & string)[]) {
    const c = schema[key];
    out[key] = c.dec(raw[c.col] as SQLOutputValue);
  }
  return out as R;
}

/** Encodes the defined fields of `values` as named parameters keyed by column name. */
export function encodeFields<R>(schema: RowSchema<R>, values: Partial<R>): Record<string, SQLInputValue> {
  const out: Record<string, SQLInputValue> = {};
  for (const key of Object.keys(values) as (keyof R & string)[]) {
    const v = values[key];
    if (v === undefined) continue;
    const c = schema[key];
    if (c === undefined) throw new TypeError(`unknown field ${key}`);
    out[c.col] = c.enc(v as R[typeof key]);
  }
  return out;
}

/** SELECT list of every column in the schema, in field order. */
export function selectList<R>(schema: RowSchema<R>): string {
  return Object.values<Column<unknown>>(schema as Record<string, Column<unknown>>)
    .map((c) => c.col)
    .join(", ");
}

/** `INSERT INTO table (cols) VALUES (:cols)` for the given column names. */
export function insertSql(table: string, cols: readonly string[]): string {
  return `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((c) => ":" + c).join(", ")})`;
}

/** The (wallet, W) key of the per-window tables: `wallet_pkh`, `coordination_block`. */
export const windowKey: RowSchema<{ walletPkh: string; W: number }> = {
  walletPkh: col.pkh("wallet_pkh"),
  W: col.int("coordination_block"),
};
