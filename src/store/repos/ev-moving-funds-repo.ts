// Table `ev_moving_funds`: moving-funds commitments and the Bitcoin-outcome events
// (coordination.md §13.2, §13.5, §13.6, §13.9.3).
import { col, decodeRow, pkhKey, type RowSchema } from "../columns.js";
import { EventRepoBase, eventRowSchema, type EventListOptions, type EventRow } from "./event-repo-base.js";
import type { RepoContext } from "./repo-context.js";

export type MovingFundsEventName =
  | "MovingFundsCommitmentSubmitted"
  | "MovingFundsCompleted"
  | "MovedFundsSwept"
  | "DepositsSwept"
  | "RedemptionsCompleted";

export interface EvMovingFundsRow extends EventRow {
  readonly event: MovingFundsEventName;
  /** The wallet the event is about (the source wallet for a commitment). */
  readonly walletPkh: string;
  /** MovingFundsCommitmentSubmitted only: target wallet PKHs (bare lowercase hex) in commitment order. */
  readonly targetWallets: readonly string[] | null;
  /** MovingFundsCommitmentSubmitted only: EIP-55. */
  readonly submitter: string | null;
  /** movingFundsTxHash / sweepTxHash / redemptionTxHash (0x-hex, internal order); null for commitments. */
  readonly btcTxHash: string | null;
}

const pkhList = {
  col: "target_wallets",
  enc: (v: readonly string[]) => JSON.stringify(v.map(pkhKey)),
  dec: (v: unknown) => JSON.parse(v as string) as string[],
};

const schema: RowSchema<EvMovingFundsRow> = {
  ...eventRowSchema,
  event: col.enumText<MovingFundsEventName>("event"),
  targetWallets: col.nullable(pkhList),
  submitter: col.nullable(col.address("submitter")),
  btcTxHash: col.nullable(col.hex("btc_tx_hash")),
};

export interface CommitmentTargeting {
  readonly row: EvMovingFundsRow;
  /** 0-based position of the target in the commitment's list (the moving-funds output index). */
  readonly position: number;
}

export class EvMovingFundsRepo extends EventRepoBase<EvMovingFundsRow> {
  constructor(ctx: RepoContext) {
    super(ctx, { name: "ev_moving_funds", schema });
  }

  override byWallet(walletPkh: string, opts: Omit<EventListOptions, "wallet"> & { event?: MovingFundsEventName } = {}): EvMovingFundsRow[] {
    return this.query("(:event IS NULL OR event = :event)", { event: opts.event ?? null }, { ...opts, wallet: walletPkh });
  }

  /** The wallet's latest MovingFundsCommitmentSubmitted with block >= fromBlock (§13.6 step 6). */
  latestCommitment(walletPkh: string, fromBlock = 0): EvMovingFundsRow | undefined {
    return this.byWallet(walletPkh, { event: "MovingFundsCommitmentSubmitted", fromBlock, order: "desc", limit: 1 })[0];
  }

  /**
   * Commitments with block >= fromBlock that list `targetPkh` among their targets, with its
   * position, oldest first (§13.5 step 2, §13.9.3).
   */
  commitmentsTargeting(targetPkh: string, fromBlock = 0): CommitmentTargeting[] {
    const rows = this.ctx.db
      .prepare(
        `SELECT ${this.table.columns}, t.key AS position FROM ev_moving_funds, json_each(ev_moving_funds.target_wallets) AS t
         WHERE event = 'MovingFundsCommitmentSubmitted' AND t.value = :target AND block_number >= :fromBlock
         ORDER BY block_number, log_index, t.key`,
      )
      .all({ target: pkhKey(targetPkh), fromBlock });
    return rows.map((r) => ({ row: decodeRow(schema, r), position: Number(r.position) }));
  }

  /** MovingFundsCompleted rows of the given source wallets with block >= fromBlock, oldest first (§13.5 step 3). */
  completedFor(sourceWallets: readonly string[], fromBlock = 0): EvMovingFundsRow[] {
    if (sourceWallets.length === 0) return [];
    return this.query(
      "event = 'MovingFundsCompleted' AND wallet_pkh IN (SELECT value FROM json_each(:wallets))",
      { wallets: JSON.stringify(sourceWallets.map(pkhKey)) },
      { fromBlock },
    );
  }
}
