// The shared part of every action that produces a Bitcoin transaction (reliability.md §3.4–§3.8):
// validation at start (content validator, wallet synced, main UTXO, type preconditions), building
// through the per-type plan of tx-builder.ts and finalizing the signed transaction; broadcast and
// tracking go to the broadcast step (the responder's statuses mapped onto the action's states),
// settlement and recording to the settlement step. Every method works from the persisted row and
// pinned reads only, so it resumes after a restart (§5).
import type { BitcoinChain } from "../../bitcoin/bitcoin-chain.js";
import { findMainUtxo, walletSynced, type MainUtxo } from "../../bitcoin/main-utxo.js";
import type { BitcoinResponder } from "../../bitcoin/responder.js";
import { compressedPublicKey } from "../../bitcoin/scripts.js";
import { tapLeafHash } from "../../bitcoin/taproot.js";
import { buildUnsigned, finalizeSigned, type TxInput, type TxPlan } from "../../bitcoin/tx-builder.js";
import { signingSchemeAt, type BridgeClient } from "../../chain/bridge-client.js";
import type { BlockRef } from "../../chain/pinned-call.js";
import type { WalletSigningScheme } from "../../chain/types.js";
import type { DigestKey } from "../../threshold/wallet-signer.js";
import type { ContentValidator } from "../../coordination/content-validation.js";
import { decodePayload, type PayloadOf } from "../../protocol/payloads.js";
import type { ActionRow, SpentOutpoint } from "../../store/repos/actions-repo.js";
import type { Store } from "../../store/store.js";
import { errorMessage } from "../../util/errors.js";
import { fromHex, to0x } from "../../util/hex.js";
import type { Logger } from "../../util/logger.js";
import { BroadcastStep } from "../broadcast-step.js";
import type { OutcomeRecorder } from "../recording.js";
import { SettlementStep } from "../settlement-step.js";
import type { BitcoinActionType } from "../settlement.js";
import { EXPIRED_NOT_SYNCED, type Effect, type StartValidation } from "../state-machine.js";
import { actionWindowContext, type ActionHandler, type BitcoinStateHandler, type BuildResult, type HandlerCallContext, type HandlerTransition } from "./handler.js";

export interface BitcoinActionComponents {
  /** The follower's content validation (coordination.md §10.3, with Bitcoin look-ups). */
  contentValidator: ContentValidator;
  bridge: BridgeClient;
  btc: BitcoinChain;
  store: Store;
  responder: BitcoinResponder;
  /** Present on nodes that may record outcomes (maintainer role, §3.8). */
  recorder?: OutcomeRecorder | null;
  logger?: Logger;
}

export interface BitcoinActionInit {
  /** `record.minConfirmations`: depth before an outcome counts as settled. Default: the recorder's, else 6. */
  minConfirmations?: number;
}

/** What a per-type plan may read besides the decoded payload. */
export interface PlanContext<T extends BitcoinActionType> {
  readonly components: BitcoinActionComponents;
  readonly row: ActionRow;
  readonly walletPkh: Uint8Array;
  readonly payload: PayloadOf<T>;
  readonly mainUtxo: MainUtxo | null;
  /** The wallet's signing scheme; a FROST wallet's outputs are P2TR of walletX (threshold.md §4). */
  readonly scheme: WalletSigningScheme;
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
    ...(o.taprootLeaf !== undefined ? { taprootLeaf: o.taprootLeaf } : {}),
  }));
}

/** What `built` persists of each input: enough to finish the transaction after a restart (txInputsOf). */
export function spentOutpointsOf(inputs: readonly TxInput[]): SpentOutpoint[] {
  return inputs.map((i) => ({
    txHash: to0x(i.txHash),
    index: i.index,
    value: i.value,
    script: i.script,
    ...(i.redeemScript !== undefined ? { redeemScript: i.redeemScript } : {}),
    ...(i.taprootLeaf !== undefined ? { taprootLeaf: i.taprootLeaf } : {}),
  }));
}

const ECDSA: WalletSigningScheme = { scheme: "ecdsa" };


export class BitcoinActionHandler<T extends BitcoinActionType> implements ActionHandler, BitcoinStateHandler {
  readonly type: T;
  readonly bitcoin: BitcoinStateHandler = this;
  protected readonly components: BitcoinActionComponents;
  private readonly spec: BitcoinActionSpec<T>;
  private readonly tracking: BroadcastStep;
  private readonly settlement: SettlementStep<T>;

  constructor(components: BitcoinActionComponents, init: BitcoinActionInit, spec: BitcoinActionSpec<T>) {
    this.type = spec.type;
    this.components = components;
    this.spec = spec;
    this.tracking = new BroadcastStep(components);
    this.settlement = new SettlementStep({ ...components, tracking: this.tracking }, { type: spec.type, minConfirmations: init.minConfirmations });
  }

  // ---- §3.4 validation at start -----------------------------------------------------------------

  private payloadOf(row: ActionRow): PayloadOf<T> | null {
    const decoded = decodePayload(this.type, row.payload);
    return decoded.ok ? (decoded.payload as PayloadOf<T>) : null;
  }

  private async contentCheck(row: ActionRow, payload: PayloadOf<T>, ctx: HandlerCallContext): Promise<StartValidation> {
    try {
      const o = await this.components.contentValidator({ ctx: actionWindowContext(row), actionType: this.type, payload, at: ctx.at }, ctx.signal);
      return o.class === "invalid" ? { class: "invalid", reason: o.reason } : o;
    } catch (err) {
      // A validator that throws could not check: retry, never abort on it (R10).
      return { class: "unverified", error: errorMessage(err) };
    }
  }

  /** Fixed once a wallet is registered, so read once per wallet. */
  private readonly schemes = new Map<string, WalletSigningScheme>();

  private async schemeOf(walletPkh: Uint8Array, at: BlockRef, signal: AbortSignal): Promise<WalletSigningScheme> {
    const key = to0x(walletPkh);
    const cached = this.schemes.get(key);
    if (cached !== undefined) return cached;
    const scheme = await signingSchemeAt(this.components.bridge, walletPkh, at, { signal });
    this.schemes.set(key, scheme);
    return scheme;
  }

  private async mainUtxoOf(walletPkh: Uint8Array, at: BlockRef, signal: AbortSignal, scheme: WalletSigningScheme): Promise<MainUtxo | null> {
    const wallet = await this.components.bridge.wallets(walletPkh, at);
    return findMainUtxo(this.components.btc, walletPkh, wallet.mainUtxoHash, { signal }, scheme);
  }

  async validateAtStart(row: ActionRow, ctx: HandlerCallContext): Promise<StartValidation> {
    const payload = this.payloadOf(row);
    // The payload was accepted in the window, so this only trips on a damaged row.
    if (payload === null) return { class: "invalid", reason: "PAYLOAD_INVALID" };
    const first = await this.contentCheck(row, payload, ctx);
    if (first.class !== "valid") return first;

    const walletPkh = fromHex(row.walletPkh);
    let mainUtxo: MainUtxo | null;
    let scheme: WalletSigningScheme;
    try {
      scheme = await this.schemeOf(walletPkh, ctx.at, ctx.signal);
      // Step 2: the Bridge knows the wallet's latest transaction; otherwise wait (expiry ends it).
      const synced = await walletSynced({ btc: this.components.btc, bridge: this.components.bridge }, walletPkh, ctx.at, { signal: ctx.signal }, scheme);
      if (!synced.synced) return { class: "unverified", error: `not synced: ${synced.reason}`, expiryReason: EXPIRED_NOT_SYNCED };
      // Step 3: a synced wallet's main UTXO is in its history; a miss here is a lagging server.
      mainUtxo = await this.mainUtxoOf(walletPkh, ctx.at, ctx.signal, scheme);
    } catch (err) {
      return { class: "unverified", error: errorMessage(err) };
    }
    if (mainUtxo === null && this.spec.needsMainUtxo) return { class: "invalid", reason: "NO_MAIN_UTXO" };

    if (this.spec.preconditions !== undefined) {
      let pre: StartValidation | null;
      try {
        pre = await this.spec.preconditions({ components: this.components, row, walletPkh, payload, mainUtxo, scheme, at: ctx.at, signal: ctx.signal });
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
    const scheme = await this.schemeOf(walletPkh, ctx.at, ctx.signal);
    const mainUtxo = await this.mainUtxoOf(walletPkh, ctx.at, ctx.signal, scheme);
    if (mainUtxo === null && this.spec.needsMainUtxo) throw new Error(`action ${row.id}: the wallet has no main UTXO`);
    const plan = await this.spec.plan({ components: this.components, row, walletPkh, payload, mainUtxo, scheme, at: ctx.at, signal: ctx.signal });
    const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
    const outpoints = spentOutpointsOf(plan.inputs);
    const fee = plan.inputs.reduce((a, i) => a + i.value, 0n) - plan.outputs.reduce((a, o) => a + o.value, 0n);
    return { unsignedTx, outpoints, sighashes, fee };
  }

  // ---- §3.5 signing -----------------------------------------------------------------------------

  digests(row: ActionRow): Uint8Array[] {
    if (row.sighashes === null) throw new Error(`action ${row.id}: no sighashes before built`);
    return [...row.sighashes];
  }

  /** FROST: the wallet key for the wallet's own P2TR inputs, the refund leaf's tweak for a Taproot deposit. */
  digestKeys(row: ActionRow): DigestKey[] {
    if (row.outpoints === null) throw new Error(`action ${row.id}: no inputs before built`);
    return row.outpoints.map((o) =>
      o.taprootLeaf !== undefined ? { scheme: "bip340", key: "tapLeaf", leafHash: tapLeafHash(o.taprootLeaf) } : { scheme: "bip340", key: "wallet" },
    );
  }

  signed(row: ActionRow, signatures: readonly Uint8Array[], walletPublicKey: Uint8Array, scheme: WalletSigningScheme = ECDSA): HandlerTransition {
    if (row.unsignedTx === null || row.outpoints === null || row.sighashes === null) {
      throw new Error(`action ${row.id}: signatures without a built transaction`);
    }
    const key = scheme.scheme === "frost" ? { scheme: "frost" as const, walletX: scheme.walletX } : compressedPublicKey(walletPublicKey);
    const { raw, txid, wtxid } = finalizeSigned(row.unsignedTx, txInputsOf(row.outpoints), signatures, key);
    return { to: "signed", data: { signedTx: raw, txid, wtxid }, detail: { txid, wtxid } };
  }

  // ---- §3.5–§3.8 after signed ------------------------------------------------------------------

  enterBroadcastPending(row: ActionRow): HandlerTransition {
    return this.tracking.enterBroadcastPending(row);
  }

  /** §3.5 adoption (checked by the executor before each signing attempt). */
  adopt(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    return this.tracking.adopt(row, ctx);
  }

  lookUp(row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    return this.tracking.track(row, ctx, { observeOnly: true });
  }

  continue(effect: Exclude<Effect, "validate" | "sign">, row: ActionRow, ctx: HandlerCallContext): Promise<HandlerTransition | null> {
    switch (effect) {
      case "broadcast":
        return this.tracking.broadcast(row, ctx);
      case "track":
        // in_mempool (confirmations, rebroadcast) and settled (→ final at depth ≥ 100).
        return this.tracking.track(row, ctx);
      case "settle":
        return this.settlement.settle(row, ctx);
      case "record":
        return this.settlement.record(row, ctx);
    }
  }
}
