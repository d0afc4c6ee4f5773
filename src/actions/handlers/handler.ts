// What every action type implements for the executor (reliability.md §3.4–§3.8). The executor owns
// the state machine, persistence, the wallet lock, signing and verification; a handler supplies only
// the type-specific parts. Bitcoin-transaction types add `build` and `bitcoin`; Heartbeat needs neither.
import type { ActionType } from "../../protocol/constants.js";
import type { WindowContext } from "../../coordination/window-context.js";
import { fromHex, toHex } from "../../util/hex.js";
import type { ActionData, ActionRow } from "../../store/repos/actions-repo.js";
import type { BlockRef } from "../../chain/ethereum-chain.js";
import type { WalletSigningScheme } from "../../chain/types.js";
import type { DigestKey } from "../../threshold/wallet-signer.js";
import type { ActionState, Effect, Heights, StartValidation } from "../state-machine.js";

export interface HandlerCallContext {
  /** The current head, to which every Ethereum read is pinned. */
  readonly at: BlockRef;
  readonly heights: Heights;
  /** Fires at the relevant block deadline or at shutdown. */
  readonly signal: AbortSignal;
}

/** §3.4 step 5 result, persisted with `built`. */
export interface BuildResult {
  readonly unsignedTx: Uint8Array;
  readonly outpoints: NonNullable<ActionRow["outpoints"]>;
  /** One digest per input, in input order: what the wallet signs. */
  readonly sighashes: readonly Uint8Array[];
  readonly fee: bigint;
}

/** A state change a handler asks for; the executor applies it through advance() (R2). */
export interface HandlerTransition {
  readonly to: ActionState;
  readonly data?: ActionData;
  /** Goes into the transition log. */
  readonly detail?: Record<string, unknown>;
  /**
   * Other rows written in the same DB transaction as the state change (R1): e.g. the
   * `btc_trackers` row with `broadcast_pending`. Must be synchronous store writes only.
   */
  readonly writes?: () => void;
}

/** Bitcoin-side steps from `signed` on (§3.6–§3.8); returns null when nothing changed this block. */
export interface BitcoinStateHandler {
  continue(effect: Exclude<Effect, "validate" | "sign">, row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null>;
  /** `signed → broadcast_pending`: the tracker row is written in the same transaction (§3.6). */
  enterBroadcastPending(row: ActionRow): HandlerTransition;
  /**
   * §3.5 adoption, checked before each signing attempt: another member already broadcast the built
   * transaction, so the node moves to `in_mempool`/`confirmed` with its bytes instead of signing.
   */
  adopt?(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null>;
  /**
   * Recovery's "watch before acting" (reliability.md §5 step 5): where is the stored transaction of a
   * `broadcast_pending` action now? Looks up only, never broadcasts.
   */
  lookUp?(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null>;
}

export interface ActionHandler {
  readonly type: ActionType;
  /**
   * §3.4 steps 1–4: the follower's content validation pinned at `ctx.at`, then the type's
   * preconditions. Transient failures are `unverified` (retried next block until the deadline).
   */
  validateAtStart(row: ActionRow, ctx: HandlerCallContext): Promise<StartValidation>;
  /** §3.4 step 5. Absent: the action signs `digests` directly (Heartbeat) and skips `built`. */
  build?(row: ActionRow, ctx: HandlerCallContext): Promise<BuildResult>;
  /** The digests to sign, from the persisted row only (so a rejoin signs the same bytes). */
  digests(row: ActionRow): Uint8Array[];
  /**
   * A FROST wallet (threshold.md §4): the BIP-340 key of each digest, from the persisted row only.
   * Absent: every digest is signed under the wallet key. Never called for an ECDSA wallet.
   */
  digestKeys?(row: ActionRow): DigestKey[];
  /**
   * Every signature verified against the wallet key: the state to enter (`done` or `signed`) and what
   * to persist. `walletPublicKey` is that key as the Bridge holds it (64 bytes X ‖ Y); `scheme` is
   * the wallet's signing scheme (ECDSA when absent).
   */
  signed(row: ActionRow, signatures: readonly Uint8Array[], walletPublicKey: Uint8Array, scheme?: WalletSigningScheme): HandlerTransition;
  /** Bitcoin-transaction types only. */
  readonly bitcoin?: BitcoinStateHandler;
}

/** Handlers by action type; the executor waits (and logs) on an action whose type has none. */
export type ActionHandlers = ReadonlyMap<ActionType, ActionHandler>;

/**
 * The window context the content validator reads for an action. Content validation uses only the
 * wallet and W; the seat-related fields belong to the window routine and are left empty here.
 */
export function actionWindowContext(row: Pick<ActionRow, "walletPkh" | "W">): WindowContext {
  return {
    W: row.W,
    walletPkh: fromHex(row.walletPkh),
    wallet: toHex(fromHex(row.walletPkh)),
    seats: [],
    ownSeats: [],
    leader: "",
    checklist: [],
    seedHex: "",
    safeBlockHash: "",
    profileHash: "",
    joinedAtBlock: row.W,
  };
}
