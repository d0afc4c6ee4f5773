// Table `leader_statements`: every leader statement per (wallet, W), own or received
// (coordination.md §9.1 step 3, §10.4). The stored bytes are what the leader republishes.
import { col, pkhKey, windowKey, type RowSchema } from "../columns.js";
import { Table } from "../table.js";
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
  ...windowKey,
  digest: col.bytes("digest"),
  wire: col.bytes("wire"),
  receivedAtBlock: col.int("received_at_block"),
  own: col.bool("own"),
};
export class LeaderStatementsRepo {
  private readonly table: Table<LeaderStatementRow>;

  constructor(ctx: RepoContext) {
    this.table = new Table(ctx, { name: "leader_statements", schema });
  }

  /** Stores a statement; a repeat of the same (wallet, W, digest) is ignored and returns false. */
  add(s: LeaderStatementRow): boolean {
    return this.table.insert(s, "ON CONFLICT (wallet_pkh, coordination_block, digest) DO NOTHING").changes === 1;
  }

  /** Statements of one window in arrival order. */
  list(walletPkh: string, W: number): LeaderStatementRow[] {
    return this.table.all("WHERE wallet_pkh = ? AND coordination_block = ? ORDER BY rowid", pkhKey(walletPkh), W);
  }

  /** This node's own statement for the window, if it signed one. */
  own(walletPkh: string, W: number): LeaderStatementRow | undefined {
    return this.list(walletPkh, W).find((s) => s.own);
  }
}
