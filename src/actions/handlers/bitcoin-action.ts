// The shared part of every action that produces a Bitcoin transaction (reliability.md §3.4–§3.8):
// validation at start (content validator, wallet synced, main UTXO, type preconditions), building
// through the per-type plan of tx-builder.ts, finalizing the signed transaction, then broadcast and
// tracking through the responder, settlement observed on the Bridge, and recording by maintainers.
// Every method works from the persisted row and pinned reads only, so it resumes after a restart (§5).
import type { BitcoinChain } from "../../bitcoin/bitcoin-chain.js";
import { findMainUtxo, walletSynced, type MainUtxo } from "../../bitcoin/main-utxo.js";
import type { BitcoinResponder } from "../../bitcoin/responder.js";
import { compressedPublicKey } from "../../bitcoin/scripts.js";
import { buildUnsigned, finalizeSigned, type TxInput, type TxPlan } from "../../bitcoin/tx-builder.js";
import type { BridgeClient } from "../../chain/bridge-client.js";
import type { BlockRef } from "../../chain/pinned-call.js";
import type { ContentValidator } from "../../coordination/content-validation.js";
import { decodePayload, type PayloadOf } from "../../protocol/payloads.js";
import { silentLogger, type Logger } from "../../util/logger.js";
import type { ActionRow, SpentOutpoint } from "../../store/repos/actions-repo.js";
import type { Store } from "../../store/store.js";
import { fromHex, to0x } from "../../util/hex.js";
import { DEFAULT_RECORD_MIN_CONFIRMATIONS, type OutcomeRecorder } from "../recording.js";
import { confirmationDepth, isSettled, outcomeOf, type BitcoinActionType, type Outcome } from "../settlement.js";
import { EXPIRED_NOT_SYNCED, type Effect, type StartValidation } from "../state-machine.js";
import { actionWindowContext, type ActionHandler, type BitcoinStateHandler, type BuildResult, type HandlerCallContext, type HandlerTransition } from "./handler.js";
import { errorMessage } from "../../util/errors.js";

export interface BitcoinActionDeps {
  /** The follower's content validation (coordination.md §10.3, with Bitcoin look-ups). */
  contentValidator: ContentValidator;
  bridge: BridgeClient;
  btc: BitcoinChain;
  store: Store;
  responder: BitcoinResponder;
  /** Present on nodes that may record outcomes (maintainer role, §3.8). */
  recorder?: OutcomeRecorder | null;
  /** `record.minConfirmations`: depth before an outcome counts as settled. Default 6. */
  minConfirmations?: number;
  logger?: Logger;
}

/** What a per-type plan may read besides the decoded payload. */
export interface PlanContext<T extends BitcoinActionType> {
  readonly deps: BitcoinActionDeps;
  readonly row: ActionRow;
  readonly walletPkh: Uint8Array;
  readonly payload: PayloadOf<T>;
  readonly mainUtxo: MainUtxo | null;
  readonly at: BlockRef;
  readonly signal: AbortSignal;
}

/** The type-specific parts of a Bitcoin action. */
export interface BitcoinActionSpec<T extends BitcoinActionType> {
  readonly type: T;
  /** Redemption and MovingFunds spend the main UTXO and cannot run without one. */
  readonly needsMainUtxo: boolean;
  /**
   * §3.4 step 4 and other type-specific preconditions, after the main UTXO: null when they hold,
   * otherwise the outcome to report (unverified retries next block).
   */
  preconditions?(ctx: PlanContext<T>): Promise<StartValidation | null>;
  /** MovingFunds: re-validate once more after the preconditions (§3.4 step 4). */
  readonly revalidateAfterPreconditions?: boolean;
  /** The §3.4 table: inputs and outputs from the payload and chain data. */
  plan(ctx: PlanContext<T>): Promise<TxPlan>;
}


/** Inputs of the built transaction as persisted with `built`, back in builder form. */
export function txInputsOf(outpoints: readonly SpentOutpoint[]): TxInput[] {
  return outpoints.map((o) => ({
    txHash: fromHex(o.txHash),
    index: o.index,
    value: o.value,
    script: o.script,
    ...(o.redeemScript !== undefined ? { redeemScript: o.redeemScript } : {}),
  }));
}

export class BitcoinActionHandler<T extends BitcoinActionType> implements ActionHandler, BitcoinStateHandler {
  readonly type: T;
  readonly bitcoin: BitcoinStateHandler = this;
  protected readonly log: Logger;
  private readonly minConfirmations: number;
  /** Record intents already reported as reverted (logged once per action). */
  private readonly alerted = new Set<number>();

  constructor(
    protected readonly deps: BitcoinActionDeps,
    private readonly spec: BitcoinActionSpec<T>,
  ) {
    this.type = spec.type;
    this.log = (deps.logger ?? silentLogger).child({ module: "bitcoin-action" });
    this.minConfirmations = deps.minConfirmations ?? deps.recorder?.minConfirmations ?? DEFAULT_RECORD_MIN_CONFIRMATIONS;
  }

  // ---- §3.4 validation at start -----------------------------------------------------------------

  private payloadOf(row: ActionRow): PayloadOf<T> | null {
    const decoded = decodePayload(this.type, row.payload);
    return decoded.ok ? (decoded.payload as PayloadOf<T>) : null;
  }

  private async contentCheck(row: ActionRow, payload: PayloadOf<T>, ctx: HandlerCallContext): Promise<StartValidation> {
    try {
      const o = await this.deps.contentValidator({ ctx: actionWindowContext(row), actionType: this.type, payload, at: ctx.at }, ctx.signal);
      return o.class === "invalid" ? { class: "invalid", reason: o.reason } : o;
    } catch (err) {
      // A validator that throws could not check: retry, never abort on it (R10).
      return { class: "unverified", error: errorMessage(err) };
    }
  }

  private async mainUtxoOf(walletPkh: Uint8Array, at: BlockRef, signal: AbortSignal): Promise<MainUtxo | null> {
    const wallet = await this.deps.bridge.wallets(walletPkh, at);
    return findMainUtxo(this.deps.btc, walletPkh, wallet.mainUtxoHash, { signal });
  }

  async validateAtStart(row: ActionRow, ctx: HandlerCallContext): Promise<StartValidation> {
    const payload = this.payloadOf(row);
    // The payload was accepted in the window, so this only trips on a damaged row.
    if (payload === null) return { class: "invalid", reason: "PAYLOAD_INVALID" };
    const first = await this.contentCheck(row, payload, ctx);
    if (first.class !== "valid") return first;

    const walletPkh = fromHex(row.walletPkh);
    let mainUtxo: MainUtxo | null;
    try {
      // Step 2: the Bridge knows the wallet's latest transaction; otherwise wait (expiry ends it).
      const synced = await walletSynced({ btc: this.deps.btc, bridge: this.deps.bridge }, walletPkh, ctx.at, { signal: ctx.signal });
      if (!synced.synced) return { class: "unverified", error: `not synced: ${synced.reason}`, expiryReason: EXPIRED_NOT_SYNCED };
      // Step 3: a synced wallet's main UTXO is in its history; a miss here is a lagging server.
      mainUtxo = await this.mainUtxoOf(walletPkh, ctx.at, ctx.signal);
    } catch (err) {
      return { class: "unverified", error: errorMessage(err) };
    }
    if (mainUtxo === null && this.spec.needsMainUtxo) return { class: "invalid", reason: "NO_MAIN_UTXO" };

    if (this.spec.preconditions !== undefined) {
      let pre: StartValidation | null;
      try {
        pre = await this.spec.preconditions({ deps: this.deps, row, walletPkh, payload, mainUtxo, at: ctx.at, signal: ctx.signal });
      } catch (err) {
        return { class: "unverified", error: errorMessage(err) };
      }
      if (pre !== null) return pre;
      if (this.spec.revalidateAfterPreconditions) return this.contentCheck(row, payload, ctx);
    }
    return { class: "valid" };
  }

  // ---- §3.4 step 5 building ---------------------------------------------------------------------

  async build(row: ActionRow, ctx: HandlerCallContext): Promise<BuildResult> {
    const payload = this.payloadOf(row);
    if (payload === null) throw new Error(`action ${row.id}: payload does not decode`);
    const walletPkh = fromHex(row.walletPkh);
    const mainUtxo = await this.mainUtxoOf(walletPkh, ctx.at, ctx.signal);
    if (mainUtxo === null && this.spec.needsMainUtxo) throw new Error(`action ${row.id}: the wallet has no main UTXO`);
    const plan = await this.spec.plan({ deps: this.deps, row, walletPkh, payload, mainUtxo, at: ctx.at, signal: ctx.signal });
    const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
    const outpoints: SpentOutpoint[] = plan.inputs.map((i) => ({
      txHash: to0x(i.txHash),
      index: i.index,
      value: i.value,
      script: i.script,
      ...(i.redeemScript !== undefined ? { redeemScript: i.redeemScript } : {}),
    }));
    const fee = plan.inputs.reduce((a, i) => a + i.value, 0n) - plan.outputs.reduce((a, o) => a + o.value, 0n);
    return { unsignedTx, outpoints, sighashes, fee };
  }

  // ---- §3.5 signing -----------------------------------------------------------------------------

  digests(row: ActionRow): Uint8Array[] {
    if (row.sighashes === null) throw new Error(`action ${row.id}: no sighashes before built`);
    return [...row.sighashes];
  }

  signed(row: ActionRow, signatures: readonly Uint8Array[], walletPublicKey: Uint8Array): HandlerTransition {
    if (row.unsignedTx === null || row.outpoints === null || row.sighashes === null) {
      throw new Error(`action ${row.id}: signatures without a built transaction`);
    }
    const publicKey = compressedPublicKey(walletPublicKey);
    const { raw, txid, wtxid } = finalizeSigned(row.unsignedTx, txInputsOf(row.outpoints), signatures, publicKey);
    return { to: "signed", data: { signedTx: raw, txid, wtxid }, detail: { txid, wtxid } };
  }

  // ---- §3.6–§3.8 after signed -------------------------------------------------------------------

  enterBroadcastPending(row: ActionRow): HandlerTransition {
    return this.deps.responder.enterBroadcastPending(row);
  }

  /** §3.5 adoption (checked by the executor before each signing attempt), through the responder. */
  adopt(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    return this.deps.responder.adopt(row, ctx);
  }

  async continue(effect: Exclude<Effect, "validate" | "sign">, row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    switch (effect) {
      case "broadcast":
        return this.deps.responder.broadcast(row, ctx);
      case "track":
        // in_mempool (confirmations, rebroadcast) and settled (→ final at depth ≥ 100).
        return this.deps.responder.track(row, ctx);
      case "settle":
        return this.settle(row, ctx);
      case "record":
        return this.record(row, ctx);
    }
  }

  private settledTransition(row: ActionRow, ctx: HandlerCallContext, depth: number): HandlerTransition {
    // stateHeight keeps ConfirmedIn(h); the Ethereum block of observation goes with the transition.
    const settledAt = ctx.at.blockNumber;
    return { to: "settled", data: { extra: { ...(row.extra ?? {}), settledAtEthBlock: settledAt } }, detail: { settledAtEthBlock: settledAt, depth } };
  }

  lookUp(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    return this.deps.responder.track(row, ctx, { observeOnly: true });
  }

  /** `confirmed`: reorg check first, then settlement observed on the Bridge, or the maintainer records. */
  private async settle(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    const moved = await this.deps.responder.track(row, ctx);
    if (moved !== null) return moved;
    const depth = confirmationDepth(this.deps.store, row, ctx.heights.btcTip);
    if (depth < this.minConfirmations) return null;
    const outcome = outcomeOf(row, this.type);
    if (await isSettled(this.deps.bridge, outcome, ctx.at)) return this.settledTransition(row, ctx, depth);

    const recorder = this.deps.recorder;
    if (recorder === undefined || recorder === null) return null;
    const role = await recorder.recordDepth(outcome.walletPkh, ctx.at);
    if (role === null || depth < role.depth) return null;
    const intent = await recorder.submit(outcome, row.id, (at) => isSettled(this.deps.bridge, outcome, at), ctx.signal);
    // Already shown at the latest block: the next head observes settlement from `confirmed`.
    if (intent.status === "not_needed") return null;
    return {
      to: "recording",
      data: { ethIntentId: intent.id },
      detail: { intentId: intent.id, dedupeKey: intent.dedupeKey, rank: role.rank, depth },
    };
  }

  /** `recording`: the intent protocol runs on its own (§3.7); this waits for the Bridge to show the outcome. */
  private async record(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    // Keeps the tracker current (a reorg here moves only the tracker: `recording` has no backward edge).
    const moved = await this.deps.responder.track(row, ctx);
    if (moved !== null) return moved;
    const outcome = outcomeOf(row, this.type);
    const depth = confirmationDepth(this.deps.store, row, ctx.heights.btcTip);
    if (depth >= this.minConfirmations && (await isSettled(this.deps.bridge, outcome, ctx.at))) return this.settledTransition(row, ctx, depth);
    this.alertOnRevert(row, outcome);
    return null;
  }

  private alertOnRevert(row: ActionRow, outcome: Outcome): void {
    const intent = row.ethIntentId === null ? undefined : this.deps.store.ethIntents.get(row.ethIntentId);
    const latest = intent === undefined ? undefined : (this.deps.recorder?.intentOf(outcome) ?? intent);
    if (latest?.status !== "reverted" || this.alerted.has(row.id)) return;
    this.alerted.add(row.id);
    this.log.error(
      { actionId: row.id, wallet: row.walletPkh, txid: row.txid, intentId: latest.id, reason: latest.revertReason, alert: true },
      "record call reverted; waiting for the Bridge to show the outcome",
    );
  }
}
