// Table `faults` (coordination.md §11.1): one row per (wallet, W, type, culprit).
import { FaultType } from "../../protocol/constants.js";
import { col, encodeFields, pkhFilter, windowKey, type RowSchema } from "../columns.js";
import { Table } from "../table.js";
import { limitOf, nowMs, type RepoContext } from "./repo-context.js";

export interface FaultRow {
  readonly id: number;
  readonly walletPkh: string;
  readonly W: number;
  readonly type: FaultType;
  /** EIP-55 operator address. */
  readonly culprit: string;
  readonly reason: string;
  readonly detectedBlock: number;
  /** JSON evidence of coordination.md §11.2 (bytes as hex strings). */
  readonly evidence: Record<string, unknown>;
  /** Wall-clock ms, for humans only. */
  readonly createdAt: number;
}

export type FaultInput = Omit<FaultRow, "id" | "createdAt">;

const schema: RowSchema<FaultRow> = {
  id: col.int("id"),
  ...windowKey,
  type: col.enumInt<FaultType>("type"),
  culprit: col.address("culprit"),
  reason: col.text("reason"),
  detectedBlock: col.int("detected_block"),
  evidence: col.json<Record<string, unknown>>("evidence"),
  createdAt: col.int("created_at"),
};
export class FaultsRepo {
  private readonly table: Table<FaultRow>;

  constructor(private readonly ctx: RepoContext) {
    this.table = new Table(ctx, { name: "faults", schema });
  }

  /**
   * Records a fault. A second fault with the same (wallet, W, type, culprit) is not inserted and
   * does not throw; the existing row's id is returned.
   */
  record(f: FaultInput): { inserted: boolean; id: number } {
    if (f.type === FaultType.Unknown) throw new RangeError("fault type Unknown is never recorded");
    return this.ctx.transaction(() => {
      const r = this.table.insert({ ...f, createdAt: nowMs() }, "ON CONFLICT (wallet_pkh, coordination_block, type, culprit) DO NOTHING");
      if (r.changes === 1) return { inserted: true, id: r.rowid };
      const key = encodeFields(schema, { walletPkh: f.walletPkh, W: f.W, type: f.type, culprit: f.culprit });
      const existing = this.table.one("WHERE wallet_pkh = :wallet_pkh AND coordination_block = :coordination_block AND type = :type AND culprit = :culprit", key);
      return { inserted: false, id: existing!.id };
    });
  }

  /** Newest first (detected block, then id); sinceBlock filters on the detected block. */
  list(opts: { wallet?: string; type?: FaultType; sinceBlock?: number; limit?: number } = {}): FaultRow[] {
    return this.table.all(
      `WHERE (:wallet IS NULL OR wallet_pkh = :wallet) AND (:type IS NULL OR type = :type)
       AND (:since IS NULL OR detected_block >= :since) ORDER BY detected_block DESC, id DESC LIMIT :limit`,
      { wallet: pkhFilter(opts.wallet), type: opts.type ?? null, since: opts.sinceBlock ?? null, limit: limitOf(opts.limit) },
    );
  }

  get(id: number): FaultRow | undefined {
    return this.table.one("WHERE id = ?", id);
  }

  /** Count per recordable type (1–8), zeros included. */
  countByType(): Record<Exclude<FaultType, FaultType.Unknown>, number> {
    const out = {
      [FaultType.LeaderIdleness]: 0,
      [FaultType.LeaderMistake]: 0,
      [FaultType.LeaderImpersonation]: 0,
      [FaultType.LeaderEquivocation]: 0,
      [FaultType.InvalidProposal]: 0,
      [FaultType.SigningInvalidShare]: 0,
      [FaultType.SigningCoordinatorEquivocation]: 0,
      [FaultType.SigningNoShare]: 0,
    };
    const rows = this.ctx.db.prepare("SELECT type, count(*) AS n FROM faults GROUP BY type").all() as { type: number; n: number }[];
    for (const r of rows) out[r.type as keyof typeof out] = r.n;
    return out;
  }
}
