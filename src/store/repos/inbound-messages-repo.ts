// Table `inbound_messages`: transcript of coordination messages, appended before processing (R8).
import { col, decodeRow, encodeFields, insertSql, pkhKey, selectList, type RowSchema } from "../columns.js";
import { limitOf, nowMs, type RepoContext } from "./repo-context.js";

export interface InboundMessageRow {
  readonly id: number;
  readonly wire: Uint8Array;
  /** libp2p peer id of the forwarding peer. */
  readonly fromPeer: string;
  /** Null when the message did not decode far enough to name its window. */
  readonly walletPkh: string | null;
  readonly W: number | null;
  readonly receivedAtBlock: number;
  /** Gossip verdict (accept / reject / ignore) or a finer outcome chosen by the caller. */
  readonly verdict: string;
  readonly reason: string | null;
  /** Wall-clock ms, for humans. */
  readonly receivedAt: number;
}

export type InboundMessageInput = Omit<InboundMessageRow, "id" | "receivedAt" | "reason" | "walletPkh" | "W"> & {
  readonly walletPkh?: string | null;
  readonly W?: number | null;
  readonly reason?: string | null;
};

const schema: RowSchema<InboundMessageRow> = {
  id: col.int("id"),
  wire: col.bytes("wire"),
  fromPeer: col.text("from_peer"),
  walletPkh: col.nullable(col.pkh("wallet_pkh")),
  W: col.nullable(col.int("coordination_block")),
  receivedAtBlock: col.int("received_at_block"),
  verdict: col.text("verdict"),
  reason: col.nullable(col.text("reason")),
  receivedAt: col.int("received_at"),
};
const COLUMNS = selectList(schema);

export class InboundMessagesRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Appends one message; returns its id (ids increase in arrival order). */
  append(m: InboundMessageInput): number {
    const values = encodeFields(schema, {
      wire: m.wire,
      fromPeer: m.fromPeer,
      walletPkh: m.walletPkh ?? null,
      W: m.W ?? null,
      receivedAtBlock: m.receivedAtBlock,
      verdict: m.verdict,
      reason: m.reason ?? null,
      receivedAt: nowMs(),
    });
    return Number(this.ctx.db.prepare(insertSql("inbound_messages", Object.keys(values))).run(values).lastInsertRowid);
  }

  /** Messages with id > afterId, oldest first; optionally one window's. */
  list(opts: { afterId?: number; limit?: number; wallet?: string; W?: number } = {}): InboundMessageRow[] {
    const rows = this.ctx.db
      .prepare(
        `SELECT ${COLUMNS} FROM inbound_messages WHERE id > :afterId
         AND (:wallet IS NULL OR wallet_pkh = :wallet) AND (:w IS NULL OR coordination_block = :w)
         ORDER BY id LIMIT :limit`,
      )
      .all({
        afterId: opts.afterId ?? 0,
        wallet: opts.wallet === undefined ? null : pkhKey(opts.wallet),
        w: opts.W ?? null,
        limit: limitOf(opts.limit),
      });
    return rows.map((r) => decodeRow(schema, r));
  }

  get(id: number): InboundMessageRow | undefined {
    const raw = this.ctx.db.prepare(`SELECT ${COLUMNS} FROM inbound_messages WHERE id = ?`).get(id);
    return raw === undefined ? undefined : decodeRow(schema, raw);
  }

  count(): number {
    return (this.ctx.db.prepare("SELECT count(*) AS n FROM inbound_messages").get() as { n: number }).n;
  }
}
