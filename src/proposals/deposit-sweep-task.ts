// Deposit sweep task (coordination.md §13.4): picks the wallet's oldest sweepable deposits from the
// local index, re-checks each at L and on Bitcoin, prices the sweep and validates it at L.
import { getBytes } from "ethers";
import { BitcoinUnavailableError } from "../bitcoin/bitcoin-chain.js";
import { depositScript, fundingOutputKind } from "../bitcoin/scripts.js";
import { isTaprootDepositOutput, taprootRefundLeaf } from "../bitcoin/taproot.js";
import { signingSchemeAt } from "../chain/bridge-client.js";
import type { TaprootDepositExtraInfo } from "../chain/gen/validator.js";
import type { WalletSigningScheme } from "../chain/types.js";
import { txHashOf, txInfoOf, txOutputs, txidFromHash } from "../bitcoin/tx.js";
import { walletInputShape, walletOutputLength, vsize, type InputShape } from "../bitcoin/vsize.js";
import type { DepositExtraInfo, DepositRequest, DepositSweepProposal } from "../chain/types.js";
import { ActionType } from "../protocol/constants.js";
import { DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS } from "../protocol/profile.js";
import { encodePayload } from "../protocol/payloads.js";
import type { EvDepositRow } from "../store/repos/ev-deposits-repo.js";
import { bytesEqual, fromHex, toHex } from "../util/hex.js";
import { appliedFeeRate, DEFAULT_FEE_POLICY, equalShares, feeFor } from "../bitcoin/fees.js";
import { BitcoinTask, type BitcoinTaskBaseComponents } from "./bitcoin-task.js";
import type { ProposalTaskContext } from "./generator.js";
import { tHigh, tLow } from "./time-refs.js";
import { checkWalletPreconditions } from "./wallet-preconditions.js";
import { ProposalTaskError } from "./task-error.js";

/** Locktimes below this are block heights (or dates before 1985): the validator cannot accept them. */
export const LOCKTIME_THRESHOLD = 500_000_000;
const DEFAULT_EXTRA_SAFETY_MARGIN_SEC = 3600;

/** What the task reads: the Bitcoin-task components without the moving-funds commitment sender. */
export type DepositSweepTaskComponents = BitcoinTaskBaseComponents;

/** A deposit that passed every selection check (§13.4.1 step 4). */
interface Selected {
  row: EvDepositRow;
  deposit: DepositRequest;
  extraInfo: DepositExtraInfo;
  /** A FROST wallet's Taproot deposit (threshold.md §4.2). */
  taprootExtraInfo?: TaprootDepositExtraInfo;
  input: InputShape;
}

/** The refund locktime integer: the 4 event bytes are little-endian. */
export function locktimeInt(le: Uint8Array): number {
  if (le.length !== 4) throw new Error(`refund locktime must be 4 bytes, got ${le.length}`);
  return new DataView(le.buffer, le.byteOffset, 4).getUint32(0, true);
}

export class DepositSweepTask extends BitcoinTask<DepositSweepTaskComponents> {
  readonly action = ActionType.DepositSweep;

  async propose(ctx: ProposalTaskContext): Promise<Uint8Array | null> {
    const { bridge, validator } = this.components;
    const { walletPkh, L, signal } = ctx;
    const skip = (reason: string, extra: Record<string, unknown> = {}): null => this.skip(ctx, reason, extra);

    const wallet = await this.walletThatMayMove(ctx);
    if (wallet === null) return null;
    const scheme = await signingSchemeAt(bridge, walletPkh, L, { signal });
    const frost = scheme.scheme === "frost";
    const pre = await checkWalletPreconditions(this.components, walletPkh, L, { signal }, scheme);
    if (pre !== null) return skip(pre);

    const constants = await validator.constants(L);
    const { depositTxMaxFee } = await bridge.depositParameters(L);
    const low = tLow((await this.components.chain.block(ctx.W, { signal })).timestamp);
    const high = tHigh(L, ctx.W, ActionType.DepositSweep, this.init.extraSafetyMarginSec ?? DEFAULT_EXTRA_SAFETY_MARGIN_SEC);

    const selected = await this.select(ctx, constants.DEPOSIT_SWEEP_MAX_SIZE, constants.DEPOSIT_MIN_AGE, constants.DEPOSIT_REFUND_SAFETY_MARGIN, low, high, scheme);
    if (selected.length === 0) return skip("NO_SWEEPABLE_DEPOSITS");

    // §13.4.2: main UTXO input only when the wallet has one; one P2WPKH output (P2TR for a FROST wallet).
    const hasMainUtxo = wallet.mainUtxoHash.some((b) => b !== 0);
    const mainShape = walletInputShape(frost);
    const inputs: InputShape[] = [...(hasMainUtxo ? [mainShape] : []), ...selected.map((s) => s.input)];
    const rate = appliedFeeRate(await this.components.btc.estimateSatPerVByte({ signal }), this.init.fee ?? DEFAULT_FEE_POLICY);
    const fee = feeFor(rate, vsize(inputs, [walletOutputLength(frost)]));
    const shares = equalShares(fee, selected.length);
    // The last share carries the remainder, which is what the contract bounds.
    if (shares[shares.length - 1]! > depositTxMaxFee) return skip("FEE_ABOVE_MAX", { fee: fee.toString(), depositTxMaxFee: depositTxMaxFee.toString() });

    const depositsKeys = selected.map((s) => ({ fundingTxHash: getBytes(s.row.fundingTxHash), fundingOutputIndex: s.row.fundingOutputIndex }));
    const depositsRevealBlocks = selected.map((s) => s.row.blockNumber);
    const proposal: DepositSweepProposal = {
      walletPubKeyHash: walletPkh,
      depositsKeys,
      sweepTxFee: fee,
      depositsRevealBlocks: depositsRevealBlocks.map(BigInt),
    };
    const outcome = frost
      ? await validator.validateTaprootDepositSweep(proposal, selected.map((s) => s.taprootExtraInfo!), L)
      : await validator.validateDepositSweep(proposal, selected.map((s) => s.extraInfo), L);
    if (outcome.outcome === "unverified") throw new ProposalTaskError("VALIDATION_UNVERIFIED", outcome.error);
    if (outcome.outcome === "invalid") {
      this.log.warn({ task: "DepositSweep", wallet: ctx.wallet, W: ctx.W, reason: outcome.reason }, "deposit sweep proposal rejected by the validator");
      return null;
    }
    return encodePayload(ActionType.DepositSweep, { depositsKeys, sweepTxFee: fee, depositsRevealBlocks });
  }

  /** §13.4.1 steps 3–4: walk the candidates oldest first until maxSize are selected. */
  private async select(
    ctx: ProposalTaskContext,
    maxSize: number,
    minAge: number,
    refundMargin: number,
    low: number,
    high: number,
    scheme: WalletSigningScheme = { scheme: "ecdsa" },
  ): Promise<Selected[]> {
    const { bridge, store } = this.components;
    const { L, signal } = ctx;
    const minConfirmations = this.init.fundingTxMinConfirmations ?? DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS;
    const selected: Selected[] = [];
    const note = (row: EvDepositRow, reason: string, extra: Record<string, unknown> = {}): void =>
      this.log.debug({ task: "DepositSweep", wallet: ctx.wallet, W: ctx.W, depositKey: row.depositKey, reason, ...extra }, "deposit skipped");

    for (const row of store.evDeposits.sweepCandidates(toHex(ctx.walletPkh))) {
      if (selected.length >= maxSize) break;
      signal.throwIfAborted();
      const deposit = await bridge.deposits(BigInt(row.depositKey), L);
      if (deposit.revealedAt === 0) {
        note(row, "NOT_REVEALED");
        continue;
      }
      if (deposit.sweptAt !== 0) {
        store.depositStatus.mark(row.depositKey, "swept", L.blockNumber);
        continue;
      }
      if (!(deposit.revealedAt + minAge < low)) {
        note(row, "MIN_AGE", { revealedAt: deposit.revealedAt, tLow: low });
        continue;
      }
      const refundLocktime = fromHex(row.refundLocktime);
      const lockInt = locktimeInt(refundLocktime);
      if (lockInt < LOCKTIME_THRESHOLD) {
        store.depositStatus.mark(row.depositKey, "unsweepable", L.blockNumber, "LOCKTIME_BELOW_500M");
        note(row, "LOCKTIME_BELOW_500M", { lockInt });
        continue;
      }
      if (!(high < lockInt - refundMargin)) {
        note(row, "REFUND_MARGIN", { lockInt, tHigh: high });
        continue;
      }
      if (selected.length > 0 && deposit.vault !== selected[0]!.deposit.vault) {
        note(row, "OTHER_VAULT", { vault: deposit.vault });
        continue;
      }

      // A FROST wallet sweeps Taproot deposits only (its validator takes that form only); ECDSA unchanged.
      if (scheme.scheme === "frost" && row.refundX == null) {
        note(row, "NOT_TAPROOT_DEPOSIT");
        continue;
      }

      const fundingTxHash = fromHex(row.fundingTxHash);
      const txid = txidFromHash(fundingTxHash);
      let raw: Uint8Array | null;
      try {
        const confirmations = await this.components.btc.confirmations(txid, { signal });
        if (confirmations < minConfirmations) {
          note(row, "FUNDING_TX_UNCONFIRMED", { txid, confirmations });
          continue;
        }
        raw = await this.components.btc.getTransaction(txid, { signal });
      } catch (err) {
        if (signal.aborted) throw err;
        // One unreachable or failing look-up costs this candidate only (§13.4.1 step 4.5).
        note(row, err instanceof BitcoinUnavailableError ? "BITCOIN_UNAVAILABLE" : "BITCOIN_ERROR", { txid, error: (err as Error).message });
        continue;
      }
      if (raw === null) {
        note(row, "FUNDING_TX_NOT_FOUND", { txid });
        continue;
      }
      let outputs: { value: bigint; script: Uint8Array }[];
      try {
        // A server answering with another transaction is not the deposit's fault: skip, do not mark.
        if (!bytesEqual(txHashOf(raw), fundingTxHash)) throw new Error(`transaction ${txid} from the server hashes differently`);
        outputs = txOutputs(raw);
      } catch (err) {
        note(row, "FUNDING_TX_MISMATCH", { txid, error: (err as Error).message });
        continue;
      }

      if (scheme.scheme === "frost") {
        const walletX = scheme.walletX;
        const refundX = fromHex(row.refundX!);
        const leaf = taprootRefundLeaf({
          depositor: getBytes(deposit.depositor),
          blindingFactor: fromHex(row.blindingFactor),
          refundLocktime,
          refundX,
          extraData: deposit.extraData,
        });
        const out = outputs[row.fundingOutputIndex]?.script;
        if (out === undefined || !isTaprootDepositOutput(out, walletX, leaf)) {
          store.depositStatus.mark(row.depositKey, "unsweepable", L.blockNumber, "SCRIPT_MISMATCH");
          note(row, "SCRIPT_MISMATCH", { txid });
          continue;
        }
        const fundingTx = txInfoOf(raw);
        const taprootExtraInfo: TaprootDepositExtraInfo = {
          fundingTx,
          blindingFactor: fromHex(row.blindingFactor),
          walletPubKeyHash: fromHex(row.walletPkh),
          walletX,
          refundPubKeyHash: fromHex(row.refundPkh),
          refundX,
          refundLocktime,
        };
        selected.push({
          row,
          deposit,
          extraInfo: { fundingTx, blindingFactor: taprootExtraInfo.blindingFactor, walletPubKeyHash: taprootExtraInfo.walletPubKeyHash, refundPubKeyHash: taprootExtraInfo.refundPubKeyHash, refundLocktime },
          taprootExtraInfo,
          input: { kind: "p2tr" },
        });
        continue;
      }

      const parts = {
        blindingFactor: fromHex(row.blindingFactor),
        walletPubKeyHash: fromHex(row.walletPkh),
        refundPubKeyHash: fromHex(row.refundPkh),
        refundLocktime,
      };
      const script = depositScript({ depositor: getBytes(deposit.depositor), ...parts, extraData: deposit.extraData });
      const out = outputs[row.fundingOutputIndex]?.script;
      const kind = out === undefined ? null : fundingOutputKind(out, script);
      if (kind === null) {
        store.depositStatus.mark(row.depositKey, "unsweepable", L.blockNumber, "SCRIPT_MISMATCH");
        note(row, "SCRIPT_MISMATCH", { txid });
        continue;
      }
      selected.push({
        row,
        deposit,
        extraInfo: { fundingTx: txInfoOf(raw), ...parts },
        input: { kind, scriptLength: script.length },
      });
    }
    return selected;
  }
}
