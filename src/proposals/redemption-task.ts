// Redemption task (coordination.md §13.3): the oldest pending requests of the wallet that are past
// their (watchtower-extended) minimum age and still far enough from their timeout, at most
// REDEMPTION_MAX_SIZE, paid from the main UTXO with one change output.
import { signingSchemeAt } from "../chain/bridge-client.js";
import { ZeroAddress } from "ethers";
import { ActionType, ASSUMED_BLOCK_TIME_SEC } from "../protocol/constants.js";
import { watchtowerInterface } from "../chain/abi.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { RedemptionRequest } from "../chain/types.js";
import { prefixScript } from "../protocol/bridge-keys.js";
import { encodePayload } from "../protocol/payloads.js";
import { outputScriptKind } from "../bitcoin/scripts.js";
import { walletInputShape, walletOutputLength, vsize } from "../bitcoin/vsize.js";
import { fromHex, toHex } from "../util/hex.js";
import { appliedFeeRate, DEFAULT_FEE_POLICY, equalShares, feeFor } from "../bitcoin/fees.js";
import { BitcoinTask } from "./bitcoin-task.js";
import type { ProposalTaskContext } from "./generator.js";
import { tHigh, tLow } from "./time-refs.js";
import { checkWalletPreconditions, DEFAULT_EXTRA_SAFETY_MARGIN_SEC } from "./wallet-preconditions.js";
import { ProposalTaskError } from "./task-error.js";

/** Upstream's look-back beyond the redemption timeout, in blocks. */
const LOOKBACK_EXTRA_BLOCKS = 1000;

interface Candidate {
  key: bigint;
  /** Without the CompactSize prefix. */
  script: Uint8Array;
  request: RedemptionRequest;
}

export class RedemptionTask extends BitcoinTask {
  readonly action = ActionType.Redemption;

  async propose(ctx: ProposalTaskContext): Promise<Uint8Array | null> {
    const { bridge, validator, btc, store, chain } = this.components;
    const { walletPkh, L, W, signal } = ctx;
    const wallet = await this.walletThatMayMove(ctx);
    if (wallet === null) return null;
    if (wallet.mainUtxoHash.every((b) => b === 0)) return this.skip(ctx, "NO_MAIN_UTXO");

    const [constants, params, watchtower, windowBlock] = await Promise.all([
      validator.constants(L),
      bridge.redemptionParameters(L),
      bridge.getRedemptionWatchtower(L),
      chain.block(W, { signal }),
    ]);
    const low = tLow(windowBlock.timestamp);
    const high = tHigh(L, W, ActionType.Redemption, this.init.extraSafetyMarginSec ?? DEFAULT_EXTRA_SAFETY_MARGIN_SEC);

    // Candidate keys from the index; every decision below reads the request pinned at L.
    const fromBlock = L.blockNumber - (Math.floor(params.redemptionTimeout / ASSUMED_BLOCK_TIME_SEC) + LOOKBACK_EXTRA_BLOCKS);
    const rows = store.evRedemptions.latestPerKey(toHex(walletPkh), Math.max(0, fromBlock));
    const candidates: Candidate[] = [];
    for (const row of rows) {
      signal.throwIfAborted();
      const key = BigInt(row.redemptionKey);
      const request = await bridge.pendingRedemptions(key, L);
      if (request.requestedAt === 0) continue;
      const delay = watchtower === ZeroAddress ? 0 : await this.redemptionDelay(watchtower, key, L);
      const minAge = Math.max(constants.REDEMPTION_REQUEST_MIN_AGE, delay);
      if (!(request.requestedAt + minAge < low)) continue;
      if (!(request.requestedAt + params.redemptionTimeout - constants.REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN > high)) continue;
      const script = unprefixed(fromHex(row.redeemerOutputScript));
      if (script === null || outputScriptKind(script) === null) continue;
      candidates.push({ key, script, request });
    }
    candidates.sort((a, b) => a.request.requestedAt - b.request.requestedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const selected = candidates.slice(0, constants.REDEMPTION_MAX_SIZE);
    if (selected.length === 0) return this.skip(ctx, "NO_ELIGIBLE_REQUESTS", { pendingRows: rows.length });

    // A FROST wallet's main UTXO and change are P2TR (threshold.md §4).
    const scheme = await signingSchemeAt(bridge, walletPkh, L, { signal });
    const frost = scheme.scheme === "frost";
    const blocked = await checkWalletPreconditions({ btc, bridge, store }, walletPkh, L, { signal }, scheme);
    if (blocked !== null) return this.skip(ctx, blocked);

    const rate = appliedFeeRate(await btc.estimateSatPerVByte({ signal }), this.init.fee ?? DEFAULT_FEE_POLICY);
    const size = vsize([walletInputShape(frost)], [walletOutputLength(frost), ...selected.map((c) => c.script.length)]);
    const fee = feeFor(rate, size);
    const shares = equalShares(fee, selected.length);
    const shareAboveMax = selected.findIndex((c, i) => shares[i]! > c.request.txMaxFee);
    if (fee > params.redemptionTxMaxTotalFee || shareAboveMax >= 0) {
      return this.skip(ctx, "FEE_ABOVE_MAX", {
        fee: fee.toString(),
        maxTotal: params.redemptionTxMaxTotalFee.toString(),
        feeRate: rate,
        vsize: size,
        ...(shareAboveMax >= 0 ? { share: shares[shareAboveMax]!.toString(), txMaxFee: selected[shareAboveMax]!.request.txMaxFee.toString() } : {}),
      });
    }

    const outcome = await validator.validateRedemption(
      { walletPubKeyHash: walletPkh, redeemersOutputScripts: selected.map((c) => prefixScript(c.script)), redemptionTxFee: fee },
      L,
    );
    if (outcome.outcome === "unverified") throw new ProposalTaskError("VALIDATION_UNVERIFIED", outcome.error);
    if (outcome.outcome === "invalid") return this.skip(ctx, "VALIDATOR_REJECTED", { revert: outcome.reason });
    return encodePayload(ActionType.Redemption, { redeemersOutputScripts: selected.map((c) => c.script), redemptionTxFee: fee });
  }

  private async redemptionDelay(watchtower: string, key: bigint, at: BlockRef): Promise<number> {
    const data = watchtowerInterface.encodeFunctionData("getRedemptionDelay", [key]);
    const result = await this.components.chain.call({ to: watchtower, data }, at);
    return Number(watchtowerInterface.decodeFunctionResult("getRedemptionDelay", result)[0] as bigint);
  }
}

/** The script without its one-byte CompactSize prefix; null when the prefix does not match. */
function unprefixed(prefixed: Uint8Array): Uint8Array | null {
  if (prefixed.length === 0 || prefixed[0] !== prefixed.length - 1 || prefixed[0]! >= 0xfd) return null;
  return prefixed.subarray(1);
}
