// Table `faults` (coordination.md §11.1): one row per (wallet, W, type, culprit); a DKG fault
// (threshold.md §5.3, types 9–11), which has no wallet or window yet, one per (request, attempt, type,
// culprit) instead (migration 0006).
import { DKG_FAULT_TYPES, FaultType } from "../../protocol/constants.js";
import { col, encodeFields, pkhFilter, type RowSchema } from "../columns.js";
import { Table } from "../table.js";
import { limitOf, nowMs, type RepoContext } from "./repo-context.js";

export interface FaultRow {
  readonly id: number;
  /** Null for a DKG fault. */
  readonly walletPkh: string | null;
  readonly W: number | null;
  /** A DKG fault's request (DkgRequested.requestId, decimal) and attempt; null for the others. */
  readonly requestId: string | null;
  readonly attempt: number | null;
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

type FaultFacts = Omit<FaultRow, "id" | "createdAt" | "walletPkh" | "W" | "requestId" | "attempt">;
/** A window fault (types 1–8) or a DKG fault (types 9–11). */
export type FaultInput = FaultFacts & ({ walletPkh: string; W: number; requestId?: undefined; attempt?: undefined } | { requestId: string; attempt: number; walletPkh?: undefined; W?: undefined });

const schema: RowSchema<FaultRow> = {
  id: col.int("id"),
  walletPkh: col.nullable(col.pkh("wallet_pkh")),
  W: col.nullable(col.int("coordination_block")),
  requestId: col.nullable(col.text("request_id")),
  attempt: col.nullable(col.int("attempt")),
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
   * Records a fault. A second fault with the same key — (wallet, W, type, culprit), or (request,
   * attempt, type, culprit) for a DKG fault — is not inserted and does not throw; the existing row's id
   * is returned.
   */
  record(f: FaultInput): { inserted: boolean; id: number } {
    if (f.type === FaultType.Unknown) throw new RangeError("fault type Unknown is never recorded");
    const dkg = f.requestId !== undefined;
    if (dkg !== DKG_FAULT_TYPES.has(f.type)) throw new RangeError(`fault type ${FaultType[f.type]} is keyed by ${dkg ? "wallet and window" : "request and attempt"}`);
    return this.ctx.transaction(() => {
      // No conflict target: each kind of row has its own UNIQUE key (the other's columns are NULL).
      const r = this.table.insert({ ...f, createdAt: nowMs() }, "ON CONFLICT DO NOTHING");
      if (r.changes === 1) return { inserted: true, id: r.rowid };
      const key = encodeFields(schema, { walletPkh: f.walletPkh, W: f.W, requestId: f.requestId, attempt: f.attempt, type: f.type, culprit: f.culprit });
      const where = dkg
        ? "WHERE request_id = :request_id AND attempt = :attempt AND type = :type AND culprit = :culprit"
        : "WHERE wallet_pkh = :wallet_pkh AND coordination_block = :coordination_block AND type = :type AND culprit = :culprit";
      const existing = this.table.one(where, key);
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

  /** Count per recordable type (1–11), zeros included. */
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
      [FaultType.DkgInvalidProof]: 0,
      [FaultType.DkgInvalidShare]: 0,
      [FaultType.DkgNoParticipation]: 0,
    };
    const rows = this.ctx.db.prepare("SELECT type, count(*) AS n FROM faults GROUP BY type").all() as { type: number; n: number }[];
    for (const r of rows) out[r.type as keyof typeof out] = r.n;
    return out;
  }
}
