// Table `leader_statements`: every leader statement per (wallet, W), own or received
// (coordination.md §9.1 step 3, §10.4). The stored bytes are what the leader republishes.
import { col, decodeRow, pkhKey, selectList, type RowSchema } from "../columns.js";
import type { RepoContext } from "./repo-context.js";

export interface LeaderStatementRow {
  readonly walletPkh: string;
  readonly W: number;
  readonly digest: Uint8Array;
  readonly wire: Uint8Array;
  readonly receivedAtBlock: number;
  /** True for the statement this node signed as leader. */
  readonly own: boolean;
}

const schema: RowSchema<LeaderStatementRow> = {
  walletPkh: col.pkh("wallet_pkh"),
  W: col.int("coordination_block"),
  digest: col.bytes("digest"),
  wire: col.bytes("wire"),
  receivedAtBlock: col.int("received_at_block"),
  own: col.bool("own"),
};
const COLUMNS = selectList(schema);

export class LeaderStatementsRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Stores a statement; a repeat of the same (wallet, W, digest) is ignored and returns false. */
  add(s: LeaderStatementRow): boolean {
    const r = this.ctx.db
      .prepare(
        `INSERT INTO leader_statements (wallet_pkh, coordination_block, digest, wire, received_at_block, own)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (wallet_pkh, coordination_block, digest) DO NOTHING`,
      )
      .run(pkhKey(s.walletPkh), s.W, s.digest, s.wire, s.receivedAtBlock, s.own ? 1 : 0);
    return Number(r.changes) === 1;
  }

  /** Statements of one window in arrival order. */
  list(walletPkh: string, W: number): LeaderStatementRow[] {
    const rows = this.ctx.db
      .prepare(`SELECT ${COLUMNS} FROM leader_statements WHERE wallet_pkh = ? AND coordination_block = ? ORDER BY rowid`)
      .all(pkhKey(walletPkh), W);
    return rows.map((r) => decodeRow(schema, r));
  }

  /** This node's own statement for the window, if it signed one. */
  own(walletPkh: string, W: number): LeaderStatementRow | undefined {
    return this.list(walletPkh, W).find((s) => s.own);
  }
}
