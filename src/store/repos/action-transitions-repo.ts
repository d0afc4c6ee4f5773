// Table `action_transitions`: the append-only log of every action state change (reliability.md
// R2, R14). Rows are written only by ActionsRepo, in the same transaction as the state change;
// triggers in the schema refuse UPDATE and DELETE.
import { col, type RowSchema } from "../columns.js";
import { Table } from "../table.js";
import { nowMs, type RepoContext } from "./repo-context.js";
import type { ActionState } from "./action-states.js";

export interface TransitionContext {
  readonly ethHead?: number | null;
  readonly btcTip?: number | null;
  readonly detail?: Record<string, unknown> | null;
}

export interface ActionTransitionRow {
  readonly actionId: number;
  /** 1 for the creating row, then contiguous. */
  readonly seq: number;
  /** Null for the creating row. */
  readonly from: ActionState | null;
  readonly to: ActionState;
  readonly ethHead: number | null;
  readonly btcTip: number | null;
  readonly detail: Record<string, unknown> | null;
  /** Wall-clock ms, for humans. */
  readonly at: number;
}

const schema: RowSchema<ActionTransitionRow> = {
  actionId: col.int("action_id"),
  seq: col.int("seq"),
  from: col.nullable(col.enumText<ActionState>("from_state")),
  to: col.enumText<ActionState>("to_state"),
  ethHead: col.nullable(col.int("eth_head")),
  btcTip: col.nullable(col.int("btc_tip")),
  detail: col.nullable(col.json<Record<string, unknown>>("detail")),
  at: col.int("at"),
};
export class ActionTransitionsRepo {
  private readonly table: Table<ActionTransitionRow>;

  constructor(private readonly ctx: RepoContext) {
    this.table = new Table(ctx, { name: "action_transitions", schema });
  }

  /** Appends the next transition of the action; call only inside the transaction that changes its state. */
  append(actionId: number, from: ActionState | null, to: ActionState, c: TransitionContext = {}): ActionTransitionRow {
    const seq =
      (this.ctx.db.prepare("SELECT coalesce(max(seq), 0) AS s FROM action_transitions WHERE action_id = ?").get(actionId) as { s: number })
        .s + 1;
    const row: ActionTransitionRow = { actionId, seq, from, to, ethHead: c.ethHead ?? null, btcTip: c.btcTip ?? null, detail: c.detail ?? null, at: nowMs() };
    this.table.insert(row);
    return row;
  }

  /** The action's history, seq ascending. */
  list(actionId: number): ActionTransitionRow[] {
    return this.table.all("WHERE action_id = ? ORDER BY seq", actionId);
  }

  last(actionId: number): ActionTransitionRow | undefined {
    return this.table.one("WHERE action_id = ? ORDER BY seq DESC LIMIT 1", actionId);
  }
}
