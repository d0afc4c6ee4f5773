// Table `ev_deposits`: DepositRevealed events plus their deposit key (coordination.md §13.2, §13.4),
// and for a Taproot deposit the refund key of its TaprootDepositRevealed (threshold.md §4.2).
import { col, hex0x, type RowSchema } from "../columns.js";
import { EventRepoBase, eventRowSchema, type EventRow } from "./event-repo-base.js";
import type { RepoContext } from "./repo-context.js";

/** Byte fields are lowercase 0x-hex as decoded from the log; walletPkh is the bare key form. */
export interface EvDepositRow extends EventRow {
  /** uint256 deposit key as 0x-hex (32 bytes). */
  readonly depositKey: string;
  /** Internal byte order, as in the event. */
  readonly fundingTxHash: string;
  readonly fundingOutputIndex: number;
  readonly depositor: string;
  readonly amount: bigint;
  readonly blindingFactor: string;
  readonly refundPkh: string;
  /** 4 raw bytes (little-endian as in the funding script). */
  readonly refundLocktime: string;
  readonly vault: string;
  /**
   * Taproot deposits only (TaprootDepositRevealed, threshold.md §4.2): the 32-byte x-only refund key
   * of the refund leaf, 0x-hex. Null (read back) or absent (written) for a P2SH/P2WSH deposit.
   */
  readonly refundX?: string | null;
}

const schema: RowSchema<EvDepositRow> = {
  ...eventRowSchema,
  depositKey: col.hex("deposit_key"),
  fundingTxHash: col.hex("funding_tx_hash"),
  fundingOutputIndex: col.int("funding_output_index"),
  depositor: col.address("depositor"),
  amount: col.sats("amount"),
  blindingFactor: col.hex("blinding_factor"),
  refundPkh: col.hex("refund_pkh"),
  refundLocktime: col.hex("refund_locktime"),
  vault: col.address("vault"),
  refundX: col.nullable(col.hex("refund_x")),
};

export class EvDepositsRepo extends EventRepoBase<EvDepositRow> {
  constructor(ctx: RepoContext) {
    super(ctx, { name: "ev_deposits", schema });
  }

  /**
   * Sweep candidates (coordination.md §13.4.1 step 3): the wallet's reveals whose deposit key has
   * no final `deposit_status`, oldest first (reveal block, then log index).
   */
  sweepCandidates(walletPkh: string): EvDepositRow[] {
    return this.query("deposit_key NOT IN (SELECT deposit_key FROM deposit_status)", {}, { wallet: walletPkh });
  }

  byKey(depositKey: string): EvDepositRow[] {
    return this.query("deposit_key = :key", { key: hex0x(depositKey) });
  }

  byFundingOutpoint(fundingTxHash: string, fundingOutputIndex: number): EvDepositRow | undefined {
    return this.table.one(
      "WHERE funding_tx_hash = ? AND funding_output_index = ? ORDER BY block_number DESC, log_index DESC LIMIT 1",
      hex0x(fundingTxHash),
      fundingOutputIndex,
    );
  }
}
