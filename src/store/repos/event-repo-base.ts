// Shared behaviour of the event-index tables (coordination.md §13.2): upsert by (txHash, logIndex)
// so replaying a chunk is idempotent, deletion above a block for the reorg rewind, ordered lists.
import { col, decodeRow, encodeFields, insertSql, selectList, type RowSchema } from "../columns.js";
import type { SQLInputValue } from "../sqlite.js";
import { limitOf, type RepoContext } from "./repo-context.js";

/** Log position common to every indexed event. Hashes are lowercase 0x-hex. */
export interface EventPosition {
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  readonly blockHash: string;
}

export const positionSchema: RowSchema<EventPosition> = {
  txHash: col.hex("tx_hash"),
  logIndex: col.int("log_index"),
  blockNumber: col.int("block_number"),
  blockHash: col.hex("block_hash"),
};

export interface EventListOptions {
  /** Wallet PKH (any case, with or without 0x). */
  readonly wallet?: string;
  readonly fromBlock?: number;
  readonly toBlock?: number;
  /** Default "asc": oldest first (block, then log index). */
  readonly order?: "asc" | "desc";
  readonly limit?: number;
}

export abstract class EventRepoBase<R extends EventPosition & { readonly walletPkh: string }> {
  protected readonly columns: string;
  private readonly upsertSql: string;

  protected constructor(
    protected readonly ctx: RepoContext,
    protected readonly table: string,
    protected readonly schema: RowSchema<R>,
  ) {
    this.columns = selectList(schema);
    const cols = Object.values<{ col: string }>(schema as Record<string, { col: string }>).map((c) => c.col);
    const updates = cols.filter((c) => c !== "tx_hash" && c !== "log_index").map((c) => `${c} = excluded.${c}`);
    this.upsertSql = `${insertSql(table, cols)} ON CONFLICT (tx_hash, log_index) DO UPDATE SET ${updates.join(", ")}`;
  }

  /** Inserts or replaces the row with the same (txHash, logIndex). */
  upsert(row: R): void {
    this.ctx.db.prepare(this.upsertSql).run(encodeFields(this.schema, row));
  }

  upsertMany(rows: readonly R[]): void {
    this.ctx.transaction(() => {
      for (const r of rows) this.upsert(r);
    });
  }

  /** Reorg rewind: removes rows with blockNumber > `blockNumber`. */
  deleteAbove(blockNumber: number): number {
    return Number(this.ctx.db.prepare(`DELETE FROM ${this.table} WHERE block_number > ?`).run(blockNumber).changes);
  }

  get(txHash: string, logIndex: number): R | undefined {
    const raw = this.ctx.db
      .prepare(`SELECT ${this.columns} FROM ${this.table} WHERE tx_hash = ? AND log_index = ?`)
      .get(positionSchema.txHash.enc(txHash), logIndex);
    return raw === undefined ? undefined : decodeRow(this.schema, raw);
  }

  list(opts: EventListOptions = {}): R[] {
    return this.query("", {}, opts);
  }

  count(): number {
    return (this.ctx.db.prepare(`SELECT count(*) AS n FROM ${this.table}`).get() as { n: number }).n;
  }

  /** For `wcoord db reindex`: the index is rebuildable. */
  clear(): number {
    return Number(this.ctx.db.prepare(`DELETE FROM ${this.table}`).run().changes);
  }

  /** Filtered, ordered select. `extraWhere` uses named parameters given in `params`. */
  protected query(extraWhere: string, params: Record<string, SQLInputValue>, opts: EventListOptions = {}): R[] {
    const dir = opts.order === "desc" ? "DESC" : "ASC";
    const where = [
      "(:wallet IS NULL OR wallet_pkh = :wallet)",
      "(:fromBlock IS NULL OR block_number >= :fromBlock)",
      "(:toBlock IS NULL OR block_number <= :toBlock)",
      ...(extraWhere ? [extraWhere] : []),
    ].join(" AND ");
    const sql = `SELECT ${this.columns} FROM ${this.table} WHERE ${where} ORDER BY block_number ${dir}, log_index ${dir} LIMIT :limit`;
    const rows = this.ctx.db.prepare(sql).all({
      ...params,
      wallet: opts.wallet === undefined ? null : (this.schema.walletPkh.enc(opts.wallet) as string),
      fromBlock: opts.fromBlock ?? null,
      toBlock: opts.toBlock ?? null,
      limit: limitOf(opts.limit),
    });
    return rows.map((r) => decodeRow(this.schema, r));
  }
}
