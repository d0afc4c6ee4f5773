// Shared behaviour of the event-index tables (coordination.md §13.2): upsert by (txHash, logIndex)
// so replaying a chunk is idempotent, deletion above a block for the reorg rewind, ordered lists.
import { col, type Column, type RowSchema } from "../columns.js";
import type { SQLInputValue } from "../sqlite.js";
import { Table } from "../table.js";
import { limitOf, type RepoContext } from "./repo-context.js";

/** Log position common to every indexed event. Hashes are lowercase 0x-hex. */
export interface EventPosition {
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  readonly blockHash: string;
}

/** What every Bridge event row has: its log position and the wallet it is about. */
export interface EventRow extends EventPosition {
  readonly walletPkh: string;
}

/** The columns of EventRow, shared by the four event tables. */
export const eventRowSchema: RowSchema<EventRow> = {
  txHash: col.hex("tx_hash"),
  logIndex: col.int("log_index"),
  blockNumber: col.int("block_number"),
  blockHash: col.hex("block_hash"),
  walletPkh: col.pkh("wallet_pkh"),
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

export interface EventRepoInit<R> {
  /** The table. */
  name: string;
  /** Its columns: eventRowSchema's and the event's own. */
  schema: RowSchema<R>;
}

/** R: a Bridge event row (EventRow), or a row whose wallet_pkh column is nullable (ev_dkg_requests). */
export abstract class EventRepoBase<R extends EventPosition> {
  protected readonly table: Table<R>;
  private readonly upsertConflict: string;

  protected constructor(
    protected readonly ctx: RepoContext,
    init: EventRepoInit<R>,
  ) {
    this.table = new Table(ctx, init);
    const updates = Object.values<Column<unknown>>(init.schema as Record<string, Column<unknown>>)
      .filter((c) => c.col !== "tx_hash" && c.col !== "log_index")
      .map((c) => `${c.col} = excluded.${c.col}`);
    this.upsertConflict = `ON CONFLICT (tx_hash, log_index) DO UPDATE SET ${updates.join(", ")}`;
  }

  /** Inserts or replaces the row with the same (txHash, logIndex). */
  upsert(row: R): void {
    this.table.insert(row, this.upsertConflict);
  }

  upsertMany(rows: readonly R[]): void {
    this.ctx.transaction(() => {
      for (const r of rows) this.upsert(r);
    });
  }

  /** Reorg rewind: removes rows with blockNumber > `blockNumber`. */
  deleteAbove(blockNumber: number): number {
    return Number(this.ctx.db.prepare(`DELETE FROM ${this.table.name} WHERE block_number > ?`).run(blockNumber).changes);
  }

  get(txHash: string, logIndex: number): R | undefined {
    return this.table.one("WHERE tx_hash = ? AND log_index = ?", eventRowSchema.txHash.enc(txHash), logIndex);
  }

  list(opts: EventListOptions = {}): R[] {
    return this.query("", {}, opts);
  }

  /** The wallet's rows, ordered like `list`. */
  byWallet(walletPkh: string, opts: Omit<EventListOptions, "wallet"> = {}): R[] {
    return this.list({ ...opts, wallet: walletPkh });
  }

  count(): number {
    return (this.ctx.db.prepare(`SELECT count(*) AS n FROM ${this.table.name}`).get() as { n: number }).n;
  }

  /** For `wcoord db reindex`: the index is rebuildable. */
  clear(): number {
    return Number(this.ctx.db.prepare(`DELETE FROM ${this.table.name}`).run().changes);
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
    return this.table.all(`WHERE ${where} ORDER BY block_number ${dir}, log_index ${dir} LIMIT :limit`, {
      ...params,
      wallet: opts.wallet === undefined ? null : (eventRowSchema.walletPkh.enc(opts.wallet) as string),
      fromBlock: opts.fromBlock ?? null,
      toBlock: opts.toBlock ?? null,
      limit: limitOf(opts.limit),
    });
  }
}
