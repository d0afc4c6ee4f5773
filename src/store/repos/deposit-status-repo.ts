// Table `deposit_status`: final observations per deposit key (coordination.md §13.2). Both
// statuses are final, so the first observation is kept and later ones are ignored.
import type { RepoContext } from "./repo-context.js";
import { hex0x } from "../columns.js";

export type DepositStatus = "swept" | "unsweepable";

export interface DepositStatusRow {
  /** 0x-hex uint256. */
  readonly depositKey: string;
  readonly status: DepositStatus;
  readonly observedBlock: number;
  readonly reason: string | null;
}

type Raw = { deposit_key: string; status: DepositStatus; observed_block: number; reason: string | null };
const toRow = (r: Raw): DepositStatusRow => ({
  depositKey: r.deposit_key,
  status: r.status,
  observedBlock: r.observed_block,
  reason: r.reason,
});

export class DepositStatusRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Records a final observation; false if the key already had one (it is never overwritten). */
  mark(depositKey: string, status: DepositStatus, observedBlock: number, reason: string | null = null): boolean {
    const r = this.ctx.db
      .prepare(
        "INSERT INTO deposit_status (deposit_key, status, observed_block, reason) VALUES (?, ?, ?, ?) ON CONFLICT (deposit_key) DO NOTHING",
      )
      .run(hex0x(depositKey), status, observedBlock, reason);
    return Number(r.changes) === 1;
  }

  get(depositKey: string): DepositStatusRow | undefined {
    const r = this.ctx.db
      .prepare("SELECT deposit_key, status, observed_block, reason FROM deposit_status WHERE deposit_key = ?")
      .get(hex0x(depositKey)) as Raw | undefined;
    return r && toRow(r);
  }

  list(opts: { status?: DepositStatus } = {}): DepositStatusRow[] {
    const rows = this.ctx.db
      .prepare(
        "SELECT deposit_key, status, observed_block, reason FROM deposit_status WHERE (:status IS NULL OR status = :status) ORDER BY deposit_key",
      )
      .all({ status: opts.status ?? null }) as Raw[];
    return rows.map(toRow);
  }

  /**
   * Reorg rewind of the event index: removes observations made at blocks > `blockNumber`, which
   * may belong to the abandoned branch. They are re-observed by the next pinned read.
   */
  deleteAbove(blockNumber: number): number {
    return Number(this.ctx.db.prepare("DELETE FROM deposit_status WHERE observed_block > ?").run(blockNumber).changes);
  }

  /** For `wcoord db reindex`: the cache is rebuildable. */
  clear(): number {
    return Number(this.ctx.db.prepare("DELETE FROM deposit_status").run().changes);
  }
}
