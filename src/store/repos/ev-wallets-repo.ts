// Table `ev_wallets`: wallet lifecycle and operator events (coordination.md §13.2).
import { col, type RowSchema } from "../columns.js";
import { EventRepoBase, eventRowSchema, type EventListOptions, type EventRow } from "./event-repo-base.js";
import type { RepoContext } from "./repo-context.js";

export type WalletEventName =
  | "NewWalletRegistered"
  | "WalletMovingFunds"
  | "WalletClosing"
  | "WalletClosed"
  | "WalletTerminated"
  | "WalletOperatorsSet";

export interface EvWalletRow extends EventRow {
  readonly event: WalletEventName;
  /** 0x-hex; null for WalletOperatorsSet. */
  readonly ecdsaWalletId: string | null;
  /** EIP-55 addresses in seat order; only for WalletOperatorsSet. */
  readonly operators: readonly string[] | null;
}

const addressList = {
  col: "operators",
  enc: (v: readonly string[]) => JSON.stringify(v.map((a) => col.address("").enc(a))),
  dec: (v: unknown) => JSON.parse(v as string) as string[],
};

const schema: RowSchema<EvWalletRow> = {
  ...eventRowSchema,
  event: col.enumText<WalletEventName>("event"),
  ecdsaWalletId: col.nullable(col.hex("ecdsa_wallet_id")),
  operators: col.nullable(addressList),
};

export class EvWalletsRepo extends EventRepoBase<EvWalletRow> {
  constructor(ctx: RepoContext) {
    super(ctx, { name: "ev_wallets", schema });
  }

  /** Rows of one event type (optionally one wallet), ordered like `list`. */
  byEvent(event: WalletEventName, opts: EventListOptions = {}): EvWalletRow[] {
    return this.query("event = :event", { event }, opts);
  }

  /** NewWalletRegistered rows newest first (moving-funds target walk, coordination.md §13.6). */
  registeredNewestFirst(): EvWalletRow[] {
    return this.byEvent("NewWalletRegistered", { order: "desc" });
  }

  /** Wallet PKHs in the node's wallet index (coordination.md §3.3), ascending. */
  knownWallets(): string[] {
    const rows = this.ctx.db
      .prepare("SELECT DISTINCT wallet_pkh FROM ev_wallets WHERE event = 'NewWalletRegistered' ORDER BY wallet_pkh")
      .all() as { wallet_pkh: string }[];
    return rows.map((r) => r.wallet_pkh);
  }

  /** Operators from the latest WalletOperatorsSet of the wallet at or below `atBlock`. */
  latestOperators(walletPkh: string, atBlock?: number): string[] | undefined {
    const row = this.table.one(
      `WHERE wallet_pkh = :wallet AND event = 'WalletOperatorsSet' AND (:atBlock IS NULL OR block_number <= :atBlock)
       ORDER BY block_number DESC, log_index DESC LIMIT 1`,
      { wallet: schema.walletPkh.enc(walletPkh), atBlock: atBlock ?? null },
    );
    return row && [...(row.operators ?? [])];
  }
}
