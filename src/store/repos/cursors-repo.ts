// Table `cursors`: per-chain progress under well-known names (reliability.md R5, §4.2). Write a
// cursor inside the same Store.transaction as the rows derived from the blocks it covers.
import type { RepoContext } from "./repo-context.js";
import { nowMs } from "./repo-context.js";

export const CURSOR = {
  ethEvents: "eth.events",
  ethWindowWatch: "eth.windowWatch",
  btcTip: "btc.tip",
} as const;

export interface Cursor {
  readonly height: number;
  readonly hash: string;
  /** Wall-clock ms of the last update (for humans). */
  readonly updatedAt: number;
}

export class CursorsRepo {
  constructor(private readonly ctx: RepoContext) {}

  get(name: string): Cursor | undefined {
    const row = this.ctx.db.prepare("SELECT height, hash, updated_at FROM cursors WHERE name = ?").get(name) as
      | { height: number; hash: string; updated_at: number }
      | undefined;
    return row && { height: row.height, hash: row.hash, updatedAt: row.updated_at };
  }

  set(name: string, value: { height: number; hash: string }): void {
    if (!Number.isSafeInteger(value.height) || value.height < -1) throw new RangeError(`cursor ${name}: bad height ${value.height}`);
    this.ctx.db
      .prepare(
        `INSERT INTO cursors (name, height, hash, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET height = excluded.height, hash = excluded.hash, updated_at = excluded.updated_at`,
      )
      .run(name, value.height, value.hash, nowMs());
  }

  delete(name: string): boolean {
    return Number(this.ctx.db.prepare("DELETE FROM cursors WHERE name = ?").run(name).changes) === 1;
  }

  all(): Record<string, Cursor> {
    const rows = this.ctx.db.prepare("SELECT name, height, hash, updated_at FROM cursors ORDER BY name").all() as {
      name: string;
      height: number;
      hash: string;
      updated_at: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, { height: r.height, hash: r.hash, updatedAt: r.updated_at }]));
  }
}
