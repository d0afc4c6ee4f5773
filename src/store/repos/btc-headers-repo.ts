// Table `btc_headers`: the last Bitcoin headers, for the reorg walk-back (reliability.md §5 step 4).
import type { RepoContext } from "./repo-context.js";

export interface BtcHeader {
  readonly height: number;
  /** Block hash as hex (the form the Bitcoin adapter uses). */
  readonly hash: string;
  readonly prevHash: string;
}

export const BTC_HEADERS_KEPT = 200;

type Raw = { height: number; hash: string; prev_hash: string };
const toRow = (r: Raw): BtcHeader => ({ height: r.height, hash: r.hash, prevHash: r.prev_hash });

export class BtcHeadersRepo {
  constructor(private readonly ctx: RepoContext) {}

  put(h: BtcHeader): void {
    this.ctx.db
      .prepare(
        `INSERT INTO btc_headers (height, hash, prev_hash) VALUES (?, ?, ?)
         ON CONFLICT (height) DO UPDATE SET hash = excluded.hash, prev_hash = excluded.prev_hash`,
      )
      .run(h.height, h.hash, h.prevHash);
  }

  get(height: number): BtcHeader | undefined {
    const r = this.ctx.db.prepare("SELECT height, hash, prev_hash FROM btc_headers WHERE height = ?").get(height) as Raw | undefined;
    return r && toRow(r);
  }

  /** Highest stored header. */
  tip(): BtcHeader | undefined {
    const r = this.ctx.db.prepare("SELECT height, hash, prev_hash FROM btc_headers ORDER BY height DESC LIMIT 1").get() as
      | Raw
      | undefined;
    return r && toRow(r);
  }

  /** Headers with from <= height <= to, ascending. */
  range(from: number, to: number): BtcHeader[] {
    const rows = this.ctx.db
      .prepare("SELECT height, hash, prev_hash FROM btc_headers WHERE height BETWEEN ? AND ? ORDER BY height")
      .all(from, to) as Raw[];
    return rows.map(toRow);
  }

  /** Removes disconnected headers (height > `height`). */
  deleteAbove(height: number): number {
    return Number(this.ctx.db.prepare("DELETE FROM btc_headers WHERE height > ?").run(height).changes);
  }

  /** Keeps only the `keep` highest headers. */
  prune(keep: number = BTC_HEADERS_KEPT): number {
    const tip = this.tip();
    if (tip === undefined) return 0;
    return Number(this.ctx.db.prepare("DELETE FROM btc_headers WHERE height <= ?").run(tip.height - keep).changes);
  }
}
