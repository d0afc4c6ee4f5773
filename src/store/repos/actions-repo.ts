// Table `actions` (reliability.md §3, §4.2). Every state change goes through advance(): a
// compare-and-set on the state plus an appended transition, in one transaction (R2).
import type { ActionType } from "../../protocol/constants.js";
import { fromHex, toHex } from "../../util/hex.js";
import { col, pkhFilter, pkhKey, windowKey, type Column, type RowSchema } from "../columns.js";
import { sqliteCode, SQLITE_CONSTRAINT, StoreError } from "../store-error.js";
import { ACTION_STATES, FROZEN_STATES, LOCK_RELEASING_STATES, type ActionState } from "./action-states.js";
import type { ActionTransitionRow, ActionTransitionsRepo, TransitionContext } from "./action-transitions-repo.js";
import { limitOf, nowMs, type RepoContext } from "./repo-context.js";
import { Table } from "../table.js";

/** An input of the built transaction, with what is needed to sign it again identically. */
export interface SpentOutpoint {
  /** 0x-hex, internal byte order. */
  readonly txHash: string;
  readonly index: number;
  readonly value: bigint;
  readonly script: Uint8Array;
  /** The deposit script of a P2WSH/P2SH input (its witness/redeem script); absent for wallet outputs. */
  readonly redeemScript?: Uint8Array;
  /** The refund leaf of a Taproot deposit input (a FROST wallet's sweep, threshold.md §4.2); absent otherwise. */
  readonly taprootLeaf?: Uint8Array;
}

export interface ActionRow {
  readonly id: number;
  readonly walletPkh: string;
  readonly W: number;
  readonly type: ActionType;
  /** The proposal payload bytes (coordination.md §7.3). */
  readonly payload: Uint8Array;
  readonly state: ActionState;
  /** Height tied to the state: InMempoolSince(h), ConfirmedIn(h), the settling block … */
  readonly stateHeight: number | null;
  readonly start: number;
  readonly expiry: number;
  readonly signingStart: number;
  readonly signingDeadline: number;
  readonly validationBlock: number | null;
  readonly unsignedTx: Uint8Array | null;
  readonly outpoints: readonly SpentOutpoint[] | null;
  readonly sighashes: readonly Uint8Array[] | null;
  readonly fee: bigint | null;
  readonly roundId: Uint8Array | null;
  readonly signingAttempt: number | null;
  readonly signingStartedBlock: number | null;
  readonly signedTx: Uint8Array | null;
  /** Hex as used with Electrum (display order). */
  readonly txid: string | null;
  readonly wtxid: string | null;
  /** Block hash of ConfirmedIn(h, hash). */
  readonly confHash: string | null;
  readonly ethIntentId: number | null;
  readonly reason: string | null;
  /** Anything else a state persists (signer report, conflicting txid …), JSON. */
  readonly extra: Record<string, unknown> | null;
  /** Derived from the state by advance(); never set directly (reliability.md §3.3). */
  readonly holdsLock: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Fields a transition may set together with the new state. */
export type ActionData = Partial<
  Omit<ActionRow, "id" | "walletPkh" | "W" | "type" | "payload" | "state" | "start" | "expiry" | "holdsLock" | "createdAt" | "updatedAt">
>;

export interface NewAction {
  readonly walletPkh: string;
  readonly W: number;
  readonly type: ActionType;
  readonly payload: Uint8Array;
  readonly start: number;
  readonly expiry: number;
  readonly signingStart: number;
  readonly signingDeadline: number;
}

// `redeemScript` and `taprootLeaf` are written only when present, so rows stored before it existed decode unchanged.
const outpointsColumn: Column<readonly SpentOutpoint[]> = {
  col: "outpoints",
  enc: (v) =>
    JSON.stringify(
      v.map((o) => ({
        txHash: o.txHash.toLowerCase(),
        index: o.index,
        value: o.value.toString(),
        script: toHex(o.script),
        ...(o.redeemScript === undefined ? {} : { redeemScript: toHex(o.redeemScript) }),
        ...(o.taprootLeaf === undefined ? {} : { taprootLeaf: toHex(o.taprootLeaf) }),
      })),
    ),
  dec: (v) =>
    (JSON.parse(v as string) as { txHash: string; index: number; value: string; script: string; redeemScript?: string; taprootLeaf?: string }[]).map((o) => ({
      txHash: o.txHash,
      index: o.index,
      value: BigInt(o.value),
      script: fromHex(o.script),
      ...(o.redeemScript === undefined ? {} : { redeemScript: fromHex(o.redeemScript) }),
      ...(o.taprootLeaf === undefined ? {} : { taprootLeaf: fromHex(o.taprootLeaf) }),
    })),
};

const digestsColumn: Column<readonly Uint8Array[]> = {
  col: "sighashes",
  enc: (v) => JSON.stringify(v.map(toHex)),
  dec: (v) => (JSON.parse(v as string) as string[]).map(fromHex),
};

const schema: RowSchema<ActionRow> = {
  id: col.int("id"),
  ...windowKey,
  type: col.enumInt<ActionType>("type"),
  payload: col.bytes("payload"),
  state: col.enumText<ActionState>("state"),
  stateHeight: col.nullable(col.int("state_height")),
  start: col.int("start_block"),
  expiry: col.int("expiry_block"),
  signingStart: col.int("signing_start_block"),
  signingDeadline: col.int("signing_deadline_block"),
  validationBlock: col.nullable(col.int("validation_block")),
  unsignedTx: col.nullable(col.bytes("unsigned_tx")),
  outpoints: col.nullable(outpointsColumn),
  sighashes: col.nullable(digestsColumn),
  fee: col.nullable(col.sats("fee")),
  roundId: col.nullable(col.bytes("round_id")),
  signingAttempt: col.nullable(col.int("signing_attempt")),
  signingStartedBlock: col.nullable(col.int("signing_started_block")),
  signedTx: col.nullable(col.bytes("signed_tx")),
  txid: col.nullable(col.text("txid")),
  wtxid: col.nullable(col.text("wtxid")),
  confHash: col.nullable(col.text("conf_hash")),
  ethIntentId: col.nullable(col.int("eth_intent_id")),
  reason: col.nullable(col.text("reason")),
  extra: col.nullable(col.json<Record<string, unknown>>("extra")),
  holdsLock: col.bool("holds_lock"),
  createdAt: col.int("created_at"),
  updatedAt: col.int("updated_at"),
};
const NON_TERMINAL = ACTION_STATES.filter((s) => !FROZEN_STATES.has(s));

export interface ActionsRepoComponents extends RepoContext {
  /** The transition log every state change appends to (R2). */
  transitions: ActionTransitionsRepo;
}

export class ActionsRepo {
  private readonly ctx: RepoContext;
  private readonly transitions: ActionTransitionsRepo;
  private readonly table: Table<ActionRow>;

  constructor(components: ActionsRepoComponents) {
    this.ctx = components;
    this.transitions = components.transitions;
    this.table = new Table(components, { name: "actions", schema });
  }

  /**
   * Creates the action in state `scheduled`, holding the wallet lock, with its first transition
   * (seq 1, from null). Throws StoreError WALLET_BUSY if another action of the wallet holds the
   * lock, and DUPLICATE if the window already has an action.
   */
  create(a: NewAction, c: TransitionContext = {}): ActionRow {
    return this.ctx.transaction(() => {
      const holder = this.lockHolder(a.walletPkh);
      if (holder !== undefined) {
        throw new StoreError("WALLET_BUSY", `wallet ${pkhKey(a.walletPkh)} is locked by action ${holder.id} (${holder.state})`, {
          walletPkh: pkhKey(a.walletPkh),
          holder: holder.id,
        });
      }
      const now = nowMs();
      let id: number;
      try {
        id = this.table.insert({ ...a, state: "scheduled", holdsLock: true, createdAt: now, updatedAt: now }).rowid;
      } catch (err) {
        if (sqliteCode(err) === SQLITE_CONSTRAINT && this.byWindow(a.walletPkh, a.W) !== undefined) {
          throw new StoreError("DUPLICATE", `window ${pkhKey(a.walletPkh)}@${a.W} already has an action`, { walletPkh: a.walletPkh, W: a.W }, { cause: err });
        }
        throw err;
      }
      this.transitions.append(id, null, "scheduled", c);
      return this.mustGet(id);
    });
  }

  /**
   * Moves action `id` from `from` to `to`, setting `data`, and appends the transition, atomically.
   * Throws StoreError CAS_FAILED (nothing written) if the action is not in `from`, and FROZEN if
   * `from` is terminal. The wallet lock is released on entering a lock-releasing state.
   */
  advance(id: number, from: ActionState, to: ActionState, data: ActionData = {}, c: TransitionContext = {}): ActionRow {
    if (FROZEN_STATES.has(from)) {
      throw new StoreError("FROZEN", `action ${id} is in terminal state ${from}; no transition to ${to} is accepted`, { id, from, to });
    }
    return this.ctx.transaction(() => {
      const sets = ["state = :k_to", ...(LOCK_RELEASING_STATES.has(to) ? ["holds_lock = 0"] : [])];
      if (this.table.update({ ...data, updatedAt: nowMs() }, "id = :k_id AND state = :k_from", { k_to: to, k_id: id, k_from: from }, sets) !== 1) {
        const current = this.get(id);
        throw new StoreError(
          "CAS_FAILED",
          `action ${id}: expected state ${from}, found ${current === undefined ? "no such action" : current.state} (wanted ${to})`,
          { id, from, to, found: current?.state },
        );
      }
      this.transitions.append(id, from, to, c);
      return this.mustGet(id);
    });
  }

  get(id: number): ActionRow | undefined {
    return this.table.one("WHERE id = ?", id);
  }

  /** The action whose signing round (session) id this is, if any. */
  byRoundId(roundId: Uint8Array): ActionRow | undefined {
    return this.table.one("WHERE round_id = ? ORDER BY id DESC", roundId);
  }

  byWindow(walletPkh: string, W: number): ActionRow | undefined {
    return this.table.one("WHERE wallet_pkh = ? AND coordination_block = ?", pkhKey(walletPkh), W);
  }

  /** Newest first (id descending). */
  list(opts: { wallet?: string; state?: ActionState | readonly ActionState[]; limit?: number } = {}): ActionRow[] {
    const states = opts.state === undefined ? null : JSON.stringify(Array.isArray(opts.state) ? opts.state : [opts.state]);
    return this.table.all(
      `WHERE (:wallet IS NULL OR wallet_pkh = :wallet) AND (:states IS NULL OR state IN (SELECT value FROM json_each(:states)))
       ORDER BY id DESC LIMIT :limit`,
      { wallet: pkhFilter(opts.wallet), states, limit: limitOf(opts.limit) },
    );
  }

  /** Actions not in a frozen state, oldest first: the work list of recovery and the stall monitor. */
  nonTerminal(): ActionRow[] {
    return this.list({ state: NON_TERMINAL }).reverse();
  }

  /** The action holding the wallet lock, if any (reliability.md §3.3). */
  lockHolder(walletPkh: string): ActionRow | undefined {
    return this.table.one("WHERE wallet_pkh = ? AND holds_lock = 1", pkhKey(walletPkh));
  }

  /** Transition history, seq ascending. */
  history(id: number): ActionTransitionRow[] {
    return this.transitions.list(id);
  }

  private mustGet(id: number): ActionRow {
    const row = this.get(id);
    if (row === undefined) throw new StoreError("NOT_FOUND", `no action ${id}`, { id });
    return row;
  }
}
