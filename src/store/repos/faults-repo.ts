// Table `faults` (coordination.md §11.1): one row per (wallet, W, type, culprit).
import { FaultType } from "../../protocol/constants.js";
import { col, decodeRow, encodeFields, insertSql, pkhKey, selectList, type RowSchema } from "../columns.js";
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
  walletPkh: col.pkh("wallet_pkh"),
  W: col.int("coordination_block"),
  type: col.enumInt<FaultType>("type"),
  culprit: col.address("culprit"),
  reason: col.text("reason"),
  detectedBlock: col.int("detected_block"),
  evidence: col.json<Record<string, unknown>>("evidence"),
  createdAt: col.int("created_at"),
};
const COLUMNS = selectList(schema);

export class FaultsRepo {
  constructor(private readonly ctx: RepoContext) {}

  /**
   * Records a fault. A second fault with the same (wallet, W, type, culprit) is not inserted and
   * does not throw; the existing row's id is returned.
   */
  record(f: FaultInput): { inserted: boolean; id: number } {
    if (f.type === FaultType.Unknown) throw new RangeError("fault type Unknown is never recorded");
    return this.ctx.transaction(() => {
      const values = encodeFields(schema, { ...f, createdAt: nowMs() });
      const sql = `${insertSql("faults", Object.keys(values))} ON CONFLICT (wallet_pkh, coordination_block, type, culprit) DO NOTHING`;
      const r = this.ctx.db.prepare(sql).run(values);
      if (Number(r.changes) === 1) return { inserted: true, id: Number(r.lastInsertRowid) };
      const existing = this.ctx.db
        .prepare("SELECT id FROM faults WHERE wallet_pkh = ? AND coordination_block = ? AND type = ? AND culprit = ?")
        .get(values.wallet_pkh!, values.coordination_block!, values.type!, values.culprit!) as { id: number };
      return { inserted: false, id: existing.id };
    });
  }

  /** Newest first (detected block, then id); sinceBlock filters on the detected block. */
  list(opts: { wallet?: string; type?: FaultType; sinceBlock?: number; limit?: number } = {}): FaultRow[] {
    const rows = this.ctx.db
      .prepare(
        `SELECT ${COLUMNS} FROM faults WHERE (:wallet IS NULL OR wallet_pkh = :wallet) AND (:type IS NULL OR type = :type)
         AND (:since IS NULL OR detected_block >= :since) ORDER BY detected_block DESC, id DESC LIMIT :limit`,
      )
      .all({
        wallet: opts.wallet === undefined ? null : pkhKey(opts.wallet),
        type: opts.type ?? null,
        since: opts.sinceBlock ?? null,
        limit: limitOf(opts.limit),
      });
    return rows.map((r) => decodeRow(schema, r));
  }

  get(id: number): FaultRow | undefined {
    const raw = this.ctx.db.prepare(`SELECT ${COLUMNS} FROM faults WHERE id = ?`).get(id);
    return raw === undefined ? undefined : decodeRow(schema, raw);
  }

  /** Count per recordable type (1–5), zeros included. */
  countByType(): Record<Exclude<FaultType, FaultType.Unknown>, number> {
    const out = {
      [FaultType.LeaderIdleness]: 0,
      [FaultType.LeaderMistake]: 0,
      [FaultType.LeaderImpersonation]: 0,
      [FaultType.LeaderEquivocation]: 0,
      [FaultType.InvalidProposal]: 0,
    };
    const rows = this.ctx.db.prepare("SELECT type, count(*) AS n FROM faults GROUP BY type").all() as { type: number; n: number }[];
    for (const r of rows) out[r.type as keyof typeof out] = r.n;
    return out;
  }
}
