// Table `btc_trackers`: Bitcoin transactions tracked until a verified resolution (reliability.md
// §3.6). Keyed by txid and also by the spent-outpoint set (§3.5: P2SH inputs make txids vary).
import { col, hex0x, type Column, type RowSchema } from "../columns.js";
import { StoreError } from "../store-error.js";
import { Table } from "../table.js";
import { nowMs, type RepoContext } from "./repo-context.js";

export type BtcTrackerStatus = "broadcast_pending" | "in_mempool" | "confirmed" | "final" | "conflicted" | "failed_invalid";

/** Statuses after which a tracker is no longer watched. */
export const RESOLVED_TRACKER_STATUSES: readonly BtcTrackerStatus[] = ["final", "conflicted", "failed_invalid"];

export interface OutpointRef {
  /** 0x-hex, internal byte order. */
  readonly txHash: string;
  readonly index: number;
}

export interface BtcTrackerRow {
  /** Hex as used with Electrum. */
  readonly txid: string;
  readonly actionId: number | null;
  readonly wtxid: string | null;
  readonly raw: Uint8Array;
  readonly outpoints: readonly OutpointRef[];
  readonly status: BtcTrackerStatus;
  /** InMempoolSince(h). */
  readonly sinceHeight: number | null;
  /** ConfirmedIn(h, hash). */
  readonly confHeight: number | null;
  readonly confHash: string | null;
  readonly reorged: boolean;
  readonly waitingInputs: boolean;
  readonly rebroadcasts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type NewBtcTracker = Pick<BtcTrackerRow, "txid" | "raw" | "outpoints" | "status"> &
  Partial<Omit<BtcTrackerRow, "txid" | "raw" | "outpoints" | "status" | "createdAt" | "updatedAt">>;
export type BtcTrackerUpdate = Partial<Omit<BtcTrackerRow, "txid" | "raw" | "outpoints" | "actionId" | "createdAt" | "updatedAt">>;

function normalise(o: OutpointRef): OutpointRef {
  return { txHash: hex0x(o.txHash), index: o.index };
}

/** Canonical key of a spent-outpoint set: sorted "txHash:index" joined by commas. */
export function outpointsKey(outpoints: readonly OutpointRef[]): string {
  return outpoints
    .map(normalise)
    .map((o) => `${o.txHash}:${o.index}`)
    .sort()
    .join(",");
}

const outpointsColumn: Column<readonly OutpointRef[]> = {
  col: "outpoints",
  enc: (v) => JSON.stringify(v.map(normalise)),
  dec: (v) => JSON.parse(v as string) as OutpointRef[],
};

const schema: RowSchema<BtcTrackerRow> = {
  txid: col.text("txid"),
  actionId: col.nullable(col.int("action_id")),
  wtxid: col.nullable(col.text("wtxid")),
  raw: col.bytes("raw"),
  outpoints: outpointsColumn,
  status: col.enumText<BtcTrackerStatus>("status"),
  sinceHeight: col.nullable(col.int("since_height")),
  confHeight: col.nullable(col.int("conf_height")),
  confHash: col.nullable(col.text("conf_hash")),
  reorged: col.bool("reorged"),
  waitingInputs: col.bool("waiting_inputs"),
  rebroadcasts: col.int("rebroadcasts"),
  lastError: col.nullable(col.text("last_error")),
  createdAt: col.int("created_at"),
  updatedAt: col.int("updated_at"),
};
const ORDER = "ORDER BY created_at, txid";

export class BtcTrackersRepo {
  private readonly table: Table<BtcTrackerRow>;

  constructor(ctx: RepoContext) {
    this.table = new Table(ctx, { name: "btc_trackers", schema });
  }

  /** Inserts a tracker; StoreError DUPLICATE if the txid is already tracked. */
  insert(t: NewBtcTracker): BtcTrackerRow {
    const now = nowMs();
    const row = {
      actionId: null,
      wtxid: null,
      sinceHeight: null,
      confHeight: null,
      confHash: null,
      reorged: false,
      waitingInputs: false,
      rebroadcasts: 0,
      lastError: null,
      ...t,
      createdAt: now,
      updatedAt: now,
    };
    if (this.table.insert(row, "ON CONFLICT (txid) DO NOTHING", { outpoints_key: outpointsKey(t.outpoints) }).changes !== 1) {
      throw new StoreError("DUPLICATE", `transaction ${t.txid} is already tracked`, { txid: t.txid });
    }
    return this.get(t.txid)!;
  }

  get(txid: string): BtcTrackerRow | undefined {
    return this.table.one("WHERE txid = ?", txid);
  }

  /** Sets the given fields; StoreError NOT_FOUND if the txid is not tracked. */
  update(txid: string, fields: BtcTrackerUpdate): BtcTrackerRow {
    if (this.table.update({ ...fields, updatedAt: nowMs() }, "txid = :k_txid", { k_txid: txid }) !== 1) {
      throw new StoreError("NOT_FOUND", `transaction ${txid} is not tracked`, { txid });
    }
    return this.get(txid)!;
  }

  byAction(actionId: number): BtcTrackerRow[] {
    return this.table.all(`WHERE action_id = ? ${ORDER}`, actionId);
  }

  /** Trackers spending exactly this outpoint set (any order). */
  byOutpoints(outpoints: readonly OutpointRef[]): BtcTrackerRow[] {
    return this.table.all(`WHERE outpoints_key = ? ${ORDER}`, outpointsKey(outpoints));
  }

  /** Trackers whose transaction spends the given outpoint. */
  spending(outpoint: OutpointRef): BtcTrackerRow[] {
    const o = normalise(outpoint);
    return this.table.all(
      `WHERE EXISTS (SELECT 1 FROM json_each(btc_trackers.outpoints) AS e
       WHERE json_extract(e.value, '$.txHash') = ? AND json_extract(e.value, '$.index') = ?) ${ORDER}`,
      o.txHash,
      o.index,
    );
  }

  list(opts: { status?: BtcTrackerStatus } = {}): BtcTrackerRow[] {
    return this.table.all(`WHERE (:status IS NULL OR status = :status) ${ORDER}`, { status: opts.status ?? null });
  }

  /** Trackers still watched (not final, conflicted or failed_invalid). */
  active(): BtcTrackerRow[] {
    return this.table.all(`WHERE status NOT IN ('final', 'conflicted', 'failed_invalid') ${ORDER}`);
  }
}
