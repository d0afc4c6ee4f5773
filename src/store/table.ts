// One table seen through its row schema: the SELECT list, decoded rows, inserts and updates of typed
// fields. The repositories keep their own conditions and orders; the shape around them lives here.
import { decodeRow, encodeFields, insertSql, selectList, type RowSchema } from "./columns.js";
import type { Database } from "./db.js";
import type { SQLInputValue } from "./sqlite.js";

/** Positional parameters, or one object of named ones (`:name`). */
export type SqlParams = SQLInputValue[] | [Record<string, SQLInputValue>];

export interface TableComponents {
  db: Database;
}

export interface TableInit<R> {
  name: string;
  schema: RowSchema<R>;
}

export class Table<R> {
  readonly name: string;
  readonly schema: RowSchema<R>;
  /** Every column of the schema, in field order. */
  readonly columns: string;
  private readonly db: Database;

  constructor(components: TableComponents, init: TableInit<R>) {
    this.db = components.db;
    this.name = init.name;
    this.schema = init.schema;
    this.columns = selectList(init.schema);
  }

  /** The first row of `SELECT <columns> FROM <table> <rest>`, decoded. */
  one(rest: string, ...params: SqlParams): R | undefined {
    const raw = this.db.prepare(`SELECT ${this.columns} FROM ${this.name} ${rest}`).get(...(params as SQLInputValue[]));
    return raw === undefined ? undefined : decodeRow(this.schema, raw);
  }

  /** Every row of `SELECT <columns> FROM <table> <rest>`, decoded. */
  all(rest: string, ...params: SqlParams): R[] {
    return this.db
      .prepare(`SELECT ${this.columns} FROM ${this.name} ${rest}`)
      .all(...(params as SQLInputValue[]))
      .map((raw) => decodeRow(this.schema, raw));
  }

  /**
   * Inserts the defined fields (plus `extra` raw columns), followed by `onConflict` (e.g.
   * `ON CONFLICT (txid) DO NOTHING`). Returns the rows changed and the new rowid.
   */
  insert(fields: Partial<R>, onConflict = "", extra: Record<string, SQLInputValue> = {}): { changes: number; rowid: number } {
    const values = { ...encodeFields(this.schema, fields), ...extra };
    const r = this.db.prepare(`${insertSql(this.name, Object.keys(values))} ${onConflict}`.trimEnd()).run(values);
    return { changes: Number(r.changes), rowid: Number(r.lastInsertRowid) };
  }

  /**
   * Sets the defined fields on the rows matching `where`, whose named parameters are `keys` (name
   * them apart from the columns, e.g. `:k_id`); `extraSets` are raw assignments. Returns the rows changed.
   */
  update(fields: Partial<R>, where: string, keys: Record<string, SQLInputValue>, extraSets: readonly string[] = []): number {
    const values = encodeFields(this.schema, fields);
    const sets = [...Object.keys(values).map((c) => `${c} = :${c}`), ...extraSets];
    if (sets.length === 0) return Number((this.db.prepare(`SELECT count(*) AS n FROM ${this.name} WHERE ${where}`).get(keys) as { n: number }).n);
    return Number(this.db.prepare(`UPDATE ${this.name} SET ${sets.join(", ")} WHERE ${where}`).run({ ...values, ...keys }).changes);
  }
}
