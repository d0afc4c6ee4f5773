// Table `windows`: one row per (wallet, W), claimed before any window work (coordination.md §3.2, §3.4).
import type { ActionName } from "../../protocol/constants.js";
import type { WindowResult } from "../../protocol/events.js";
import { col, pkhFilter, pkhKey, windowKey, type RowSchema } from "../columns.js";
import { StoreError } from "../store-error.js";
import { Table } from "../table.js";
import { limitOf, type RepoContext } from "./repo-context.js";

/** `running` until a result is persisted; `leader_signed` once the own statement is stored (§9.1). */
export type WindowStatus = "running" | "leader_signed" | "done" | "missed";
export type WindowRole = "leader" | "follower";
export type { WindowResult };

export interface WindowRow {
  readonly walletPkh: string;
  readonly W: number;
  readonly status: WindowStatus;
  readonly role: WindowRole | null;
  /** EIP-55. */
  readonly leader: string | null;
  readonly seedHex: string | null;
  /** 0x-hex hash of block W−32. */
  readonly safeBlockHash: string | null;
  readonly checklist: readonly ActionName[] | null;
  readonly joinedAtBlock: number | null;
  readonly firstPublishBlock: number | null;
  readonly result: WindowResult | null;
  /** Digest of the accepted (or own) statement. */
  readonly resultDigest: Uint8Array | null;
  readonly resultDetail: string | null;
}

export type WindowFields = Partial<Omit<WindowRow, "walletPkh" | "W">>;

const schema: RowSchema<WindowRow> = {
  ...windowKey,
  status: col.enumText<WindowStatus>("status"),
  role: col.nullable(col.enumText<WindowRole>("role")),
  leader: col.nullable(col.address("leader")),
  seedHex: col.nullable(col.text("seed_hex")),
  safeBlockHash: col.nullable(col.hex("safe_block_hash")),
  checklist: col.nullable(col.json<readonly ActionName[]>("checklist")),
  joinedAtBlock: col.nullable(col.int("joined_at_block")),
  firstPublishBlock: col.nullable(col.int("first_publish_block")),
  result: col.nullable(col.enumText<WindowResult>("result")),
  resultDigest: col.nullable(col.bytes("result_digest")),
  resultDetail: col.nullable(col.text("result_detail")),
};
const WINDOW = "wallet_pkh = :k_wallet AND coordination_block = :k_w";

export type ClaimResult = { readonly claimed: true } | { readonly claimed: false; readonly row: WindowRow };

export class WindowsRepo {
  private readonly table: Table<WindowRow>;

  constructor(private readonly ctx: RepoContext) {
    this.table = new Table(ctx, { name: "windows", schema });
  }

  /**
   * Claims (walletPkh, W) with status `running`. If the row exists, nothing is written and the
   * existing row is returned: the caller resumes it or stops (coordination.md §3.4 step 1).
   */
  claim(walletPkh: string, W: number, fields: Omit<WindowFields, "status"> = {}): ClaimResult {
    return this.ctx.transaction(() => {
      if (this.insert(walletPkh, W, { ...fields, status: "running" })) return { claimed: true };
      return { claimed: false, row: this.mustGet(walletPkh, W) };
    });
  }

  /** Records a window whose active phase was over when detected (§3.2). False if a row existed. */
  recordMissed(walletPkh: string, W: number): boolean {
    return this.insert(walletPkh, W, { status: "missed", result: "missed" });
  }

  get(walletPkh: string, W: number): WindowRow | undefined {
    return this.table.one(`WHERE ${WINDOW}`, { k_wallet: pkhKey(walletPkh), k_w: W });
  }

  /** Sets the given fields; throws StoreError NOT_FOUND if the window was never claimed. */
  update(walletPkh: string, W: number, fields: WindowFields): WindowRow {
    if (this.table.update(fields, WINDOW, { k_wallet: pkhKey(walletPkh), k_w: W }) !== 1) throw notFound(walletPkh, W);
    return this.mustGet(walletPkh, W);
  }

  /** Newest windows first (W descending, then wallet). */
  listRecent(opts: { wallet?: string; limit?: number } = {}): WindowRow[] {
    return this.table.all("WHERE (:wallet IS NULL OR wallet_pkh = :wallet) ORDER BY coordination_block DESC, wallet_pkh LIMIT :limit", {
      wallet: pkhFilter(opts.wallet),
      limit: limitOf(opts.limit),
    });
  }

  /** Rows to resume after a restart: status `running` or `leader_signed` (reliability.md §5 step 7), oldest first. */
  listRunning(): WindowRow[] {
    return this.table.all("WHERE status IN ('running', 'leader_signed') ORDER BY coordination_block, wallet_pkh");
  }

  private insert(walletPkh: string, W: number, fields: WindowFields): boolean {
    return this.table.insert({ ...fields, walletPkh, W }, "ON CONFLICT (wallet_pkh, coordination_block) DO NOTHING").changes === 1;
  }

  private mustGet(walletPkh: string, W: number): WindowRow {
    const row = this.get(walletPkh, W);
    if (row === undefined) throw notFound(walletPkh, W);
    return row;
  }
}

function notFound(walletPkh: string, W: number): StoreError {
  return new StoreError("NOT_FOUND", `no window row for wallet ${pkhKey(walletPkh)} at W=${W}`, { walletPkh, W });
}
