// Table `key_shares`: this node's share of each FROST wallet it is a member of (threshold.md §3.2,
// §6). The share itself is only ever stored sealed; the public columns serve `wcoord keys`.
import { col, type RowSchema } from "../columns.js";
import { Table } from "../table.js";
import { nowMs, type RepoContext } from "./repo-context.js";
import { StoreError } from "../store-error.js";

export interface KeyShareRow {
  readonly walletPkh: string;
  /** 0x-hex, 32 bytes. */
  readonly walletX: string;
  /** The DKG request (uint256, decimal). */
  readonly requestId: string;
  /** This node's member index (1-based) = its FROST identifier. */
  readonly memberIndex: number;
  readonly threshold: number;
  /** The wallet's members, EIP-55, by member index. */
  readonly members: string[];
  /** The key share encrypted at rest; opaque here. */
  readonly sealed: Uint8Array;
  /** The successful DKG attempt's public transcript. */
  readonly transcript: Uint8Array;
  /** Wall-clock ms, for humans only. */
  readonly createdAt: number;
}

/** What `wcoord keys` and the status page may show: everything but the sealed share and the transcript. */
export type KeyShareInfo = Omit<KeyShareRow, "sealed" | "transcript">;

const schema: RowSchema<KeyShareRow> = {
  walletPkh: col.pkh("wallet_pkh"),
  walletX: col.hex("wallet_x"),
  requestId: col.text("request_id"),
  memberIndex: col.int("member_index"),
  threshold: col.int("threshold"),
  members: col.json<string[]>("members"),
  sealed: col.bytes("sealed"),
  transcript: col.bytes("transcript"),
  createdAt: col.int("created_at"),
};

const info: RowSchema<KeyShareInfo> = {
  walletPkh: schema.walletPkh,
  walletX: schema.walletX,
  requestId: schema.requestId,
  memberIndex: schema.memberIndex,
  threshold: schema.threshold,
  members: schema.members,
  createdAt: schema.createdAt,
};

export class KeySharesRepo {
  private readonly table: Table<KeyShareRow>;
  private readonly infos: Table<KeyShareInfo>;

  constructor(ctx: RepoContext) {
    this.table = new Table(ctx, { name: "key_shares", schema });
    this.infos = new Table(ctx, { name: "key_shares", schema: info });
  }

  /**
   * Stores the share of a wallet. Storing the same share again is a no-op (a DKG step repeated after a
   * crash); a different share for a wallet already held is refused: a share is never overwritten.
   */
  put(row: Omit<KeyShareRow, "createdAt">): void {
    const r = this.table.insert({ ...row, createdAt: nowMs() }, "ON CONFLICT (wallet_pkh) DO NOTHING");
    if (r.changes === 1) return;
    const held = this.get(row.walletPkh)!;
    const same = held.walletX === row.walletX.toLowerCase() && held.memberIndex === row.memberIndex && Buffer.from(held.sealed).equals(row.sealed);
    if (!same) {
      throw new StoreError("DUPLICATE", `a different key share of wallet ${held.walletPkh} is already stored; shares are never overwritten`, { wallet: held.walletPkh });
    }
  }

  get(walletPkh: string): KeyShareRow | undefined {
    return this.table.one("WHERE wallet_pkh = ?", walletPkh.replace(/^0x/, "").toLowerCase());
  }

  /** Every held share's public part, oldest first. */
  list(): KeyShareInfo[] {
    return this.infos.all("ORDER BY created_at, wallet_pkh");
  }
}
