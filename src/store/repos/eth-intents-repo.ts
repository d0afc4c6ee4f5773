// Table `eth_intents`: Ethereum transactions persisted before they are sent (reliability.md §3.7).
import { col, type RowSchema } from "../columns.js";
import { sqliteCode, SQLITE_CONSTRAINT, StoreError } from "../store-error.js";
import { Table } from "../table.js";
import { limitOf, nowMs, type RepoContext } from "./repo-context.js";

export type EthIntentStatus = "prepared" | "sent" | "mined" | "reverted" | "superseded" | "not_needed";

export interface EthIntentRow {
  readonly id: number;
  readonly purpose: string;
  /** Unique among root intents; replacements (replacesId set) share their root's key. */
  readonly dedupeKey: string;
  readonly actionId: number | null;
  /** EIP-55. */
  readonly to: string | null;
  readonly data: Uint8Array | null;
  readonly from: string | null;
  readonly nonce: number | null;
  readonly maxFeePerGas: bigint | null;
  readonly maxPriorityFeePerGas: bigint | null;
  readonly signedRaw: Uint8Array | null;
  /** 0x-hex. */
  readonly txHash: string | null;
  readonly status: EthIntentStatus;
  readonly sentBlock: number | null;
  readonly minedBlock: number | null;
  readonly replacesId: number | null;
  readonly revertReason: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewEthIntent = Pick<EthIntentRow, "purpose" | "dedupeKey" | "status"> &
  Partial<Omit<EthIntentRow, "id" | "purpose" | "dedupeKey" | "status" | "createdAt" | "updatedAt">>;
export type EthIntentUpdate = Partial<Omit<EthIntentRow, "id" | "purpose" | "dedupeKey" | "createdAt" | "updatedAt">>;

const schema: RowSchema<EthIntentRow> = {
  id: col.int("id"),
  purpose: col.text("purpose"),
  dedupeKey: col.text("dedupe_key"),
  actionId: col.nullable(col.int("action_id")),
  to: col.nullable(col.address("to_address")),
  data: col.nullable(col.bytes("data")),
  from: col.nullable(col.address("from_address")),
  nonce: col.nullable(col.int("nonce")),
  maxFeePerGas: col.nullable(col.bigDec("max_fee_per_gas")),
  maxPriorityFeePerGas: col.nullable(col.bigDec("max_priority_fee_per_gas")),
  signedRaw: col.nullable(col.bytes("signed_raw")),
  txHash: col.nullable(col.hex("tx_hash")),
  status: col.enumText<EthIntentStatus>("status"),
  sentBlock: col.nullable(col.int("sent_block")),
  minedBlock: col.nullable(col.int("mined_block")),
  replacesId: col.nullable(col.int("replaces_id")),
  revertReason: col.nullable(col.text("revert_reason")),
  createdAt: col.int("created_at"),
  updatedAt: col.int("updated_at"),
};

export class EthIntentsRepo {
  private readonly table: Table<EthIntentRow>;

  constructor(private readonly ctx: RepoContext) {
    this.table = new Table(ctx, { name: "eth_intents", schema });
  }

  /** Persists an intent; StoreError DUPLICATE if a root intent with the dedupe key exists. */
  insert(i: NewEthIntent): EthIntentRow {
    const now = nowMs();
    let id: number;
    try {
      id = this.table.insert({ ...i, createdAt: now, updatedAt: now }).rowid;
    } catch (err) {
      if (sqliteCode(err) === SQLITE_CONSTRAINT && i.replacesId == null && this.byDedupeKey(i.dedupeKey).length > 0) {
        throw new StoreError("DUPLICATE", `an Ethereum intent with dedupe key ${i.dedupeKey} exists`, { dedupeKey: i.dedupeKey }, { cause: err });
      }
      throw err;
    }
    return this.get(id)!;
  }

  get(id: number): EthIntentRow | undefined {
    return this.table.one("WHERE id = ?", id);
  }

  /** Sets the given fields; StoreError NOT_FOUND if there is no such intent. */
  update(id: number, fields: EthIntentUpdate): EthIntentRow {
    if (this.table.update({ ...fields, updatedAt: nowMs() }, "id = :k_id", { k_id: id }) !== 1) {
      throw new StoreError("NOT_FOUND", `no Ethereum intent ${id}`, { id });
    }
    return this.get(id)!;
  }

  /** Every version for the key (root first, then replacements by id). */
  byDedupeKey(dedupeKey: string): EthIntentRow[] {
    return this.table.all("WHERE dedupe_key = ? ORDER BY id", dedupeKey);
  }

  byAction(actionId: number): EthIntentRow[] {
    return this.table.all("WHERE action_id = ? ORDER BY id", actionId);
  }

  /** Newest first. */
  list(opts: { status?: EthIntentStatus; purpose?: string; limit?: number } = {}): EthIntentRow[] {
    return this.table.all(
      "WHERE (:status IS NULL OR status = :status) AND (:purpose IS NULL OR purpose = :purpose) ORDER BY id DESC LIMIT :limit",
      { status: opts.status ?? null, purpose: opts.purpose ?? null, limit: limitOf(opts.limit) },
    );
  }

  /** Intents still needing look-ups (prepared or sent), oldest first. */
  active(): EthIntentRow[] {
    return this.table.all("WHERE status IN ('prepared', 'sent') ORDER BY id");
  }

  /** Highest nonce ever reserved for `from` (reliability.md §3.7 step 2), or undefined. */
  maxNonce(from: string): number | undefined {
    const row = this.ctx.db
      .prepare("SELECT max(nonce) AS n FROM eth_intents WHERE from_address = ?")
      .get(schema.from.enc(from) as string) as { n: number | null };
    return row.n ?? undefined;
  }
}
