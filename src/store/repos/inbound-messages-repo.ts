// Table `inbound_messages`: transcript of coordination messages, appended before processing (R8).
import { col, pkhFilter, type RowSchema } from "../columns.js";
import { Table } from "../table.js";
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

export class InboundMessagesRepo {
  private readonly table: Table<InboundMessageRow>;

  constructor(private readonly ctx: RepoContext) {
    this.table = new Table(ctx, { name: "inbound_messages", schema });
  }

  /** Appends one message; returns its id (ids increase in arrival order). */
  append(m: InboundMessageInput): number {
    const { wire, fromPeer, receivedAtBlock, verdict } = m;
    const row = { wire, fromPeer, walletPkh: m.walletPkh ?? null, W: m.W ?? null, receivedAtBlock, verdict, reason: m.reason ?? null };
    return this.table.insert({ ...row, receivedAt: nowMs() }).rowid;
  }

  /** Messages with id > afterId, oldest first; optionally one window's. */
  list(opts: { afterId?: number; limit?: number; wallet?: string; W?: number } = {}): InboundMessageRow[] {
    return this.table.all(
      `WHERE id > :afterId AND (:wallet IS NULL OR wallet_pkh = :wallet) AND (:w IS NULL OR coordination_block = :w)
       ORDER BY id LIMIT :limit`,
      { afterId: opts.afterId ?? 0, wallet: pkhFilter(opts.wallet), w: opts.W ?? null, limit: limitOf(opts.limit) },
    );
  }

  get(id: number): InboundMessageRow | undefined {
    return this.table.one("WHERE id = ?", id);
  }

  count(): number {
    return (this.ctx.db.prepare("SELECT count(*) AS n FROM inbound_messages").get() as { n: number }).n;
  }
}
