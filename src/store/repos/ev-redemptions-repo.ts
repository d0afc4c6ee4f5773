// Table `ev_redemptions`: RedemptionRequested events plus their redemption key (coordination.md §13.3).
import { col, hex0x, type RowSchema } from "../columns.js";
import { EventRepoBase, eventRowSchema, type EventRow } from "./event-repo-base.js";
import type { RepoContext } from "./repo-context.js";

export interface EvRedemptionRow extends EventRow {
  /** uint256 redemption key as 0x-hex. */
  readonly redemptionKey: string;
  /** The script exactly as emitted, 0x-hex. */
  readonly redeemerOutputScript: string;
  readonly redeemer: string;
  readonly requestedAmount: bigint;
  readonly treasuryFee: bigint;
  readonly txMaxFee: bigint;
}

const schema: RowSchema<EvRedemptionRow> = {
  ...eventRowSchema,
  redemptionKey: col.hex("redemption_key"),
  redeemerOutputScript: col.hex("redeemer_output_script"),
  redeemer: col.address("redeemer"),
  requestedAmount: col.sats("requested_amount"),
  treasuryFee: col.sats("treasury_fee"),
  txMaxFee: col.sats("tx_max_fee"),
};

export class EvRedemptionsRepo extends EventRepoBase<EvRedemptionRow> {
  constructor(ctx: RepoContext) {
    super(ctx, { name: "ev_redemptions", schema });
  }

  /**
   * The latest row per redemption key (highest block, then log index) among the wallet's rows
   * with block >= fromBlock (coordination.md §13.3 step 3), ordered by block then log index.
   */
  latestPerKey(walletPkh: string, fromBlock: number): EvRedemptionRow[] {
    return this.query(
      `NOT EXISTS (SELECT 1 FROM ev_redemptions later WHERE later.redemption_key = ev_redemptions.redemption_key
         AND later.wallet_pkh = ev_redemptions.wallet_pkh AND later.block_number >= :fromBlock
         AND (later.block_number > ev_redemptions.block_number
              OR (later.block_number = ev_redemptions.block_number AND later.log_index > ev_redemptions.log_index)))`,
      {},
      { wallet: walletPkh, fromBlock },
    );
  }

  byKey(redemptionKey: string): EvRedemptionRow[] {
    return this.query("redemption_key = :key", { key: hex0x(redemptionKey) });
  }
}
