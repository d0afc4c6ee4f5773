// Moved funds sweep task (coordination.md §13.5): sweep the oldest moving-funds output paid to this
// wallet whose sweep request is still Pending, together with the main UTXO if there is one.
import { signingSchemeAt } from "../chain/bridge-client.js";
import { ActionType } from "../protocol/constants.js";
import { MovedFundsSweepRequestState } from "../chain/types.js";
import { encodePayload } from "../protocol/payloads.js";
import { outpointKey } from "../protocol/bridge-keys.js";
import { walletInputShape, walletOutputLength, vsize } from "../bitcoin/vsize.js";
import type { EvMovingFundsRow } from "../store/repos/ev-moving-funds-repo.js";
import { bytesEqual, fromHex, toHex } from "../util/hex.js";
import { appliedFeeRate, DEFAULT_FEE_POLICY, feeFor } from "../bitcoin/fees.js";
import { BitcoinTask } from "./bitcoin-task.js";
import type { ProposalTaskContext } from "./generator.js";
import { COMMITMENT_LOOKBACK_BLOCKS } from "./moving-funds-margin.js";
import { checkWalletPreconditions } from "./wallet-preconditions.js";
import { ProposalTaskError } from "./task-error.js";

export class MovedFundsSweepTask extends BitcoinTask {
  readonly action = ActionType.MovedFundsSweep;

  async propose(ctx: ProposalTaskContext): Promise<Uint8Array | null> {
    const { bridge, validator, btc, store } = this.components;
    const { walletPkh, L, signal } = ctx;
    const wallet = await this.walletThatMayMove(ctx);
    if (wallet === null) return null;
    if (wallet.pendingMovedFundsSweepRequestsCount === 0) return this.skip(ctx, "NO_PENDING_SWEEP_REQUESTS");

    const outpoints = this.candidates(walletPkh, L.blockNumber);
    let chosen: MovedOutpoint | undefined;
    for (const o of outpoints) {
      signal.throwIfAborted();
      const request = await bridge.movedFundsSweepRequests(outpointKey(o.movingFundsTxHash, o.position), L);
      if (request.state === MovedFundsSweepRequestState.Pending && bytesEqual(request.walletPubKeyHash, walletPkh)) {
        chosen = o;
        break;
      }
    }
    if (chosen === undefined) return this.skip(ctx, "NO_PENDING_OUTPOINT", { outpoints: outpoints.length });

    // A FROST wallet's outputs (the moved funds, its main UTXO, the sweep output) are P2TR (threshold.md §4).
    const scheme = await signingSchemeAt(bridge, walletPkh, L, { signal });
    const own = walletInputShape(scheme.scheme === "frost");
    const blocked = await checkWalletPreconditions({ btc, bridge, store }, walletPkh, L, { signal }, scheme);
    if (blocked !== null) return this.skip(ctx, blocked);

    const hasMainUtxo = wallet.mainUtxoHash.some((b) => b !== 0);
    const { movedFundsSweepTxMaxTotalFee } = await bridge.movingFundsParameters(L);
    const rate = appliedFeeRate(await btc.estimateSatPerVByte({ signal }), this.init.fee ?? DEFAULT_FEE_POLICY);
    const inputs = hasMainUtxo ? [own, own] : [own];
    const size = vsize(inputs, [walletOutputLength(scheme.scheme === "frost")]);
    const fee = feeFor(rate, size);
    if (fee > movedFundsSweepTxMaxTotalFee) {
      return this.skip(ctx, "FEE_ABOVE_MAX", { fee: fee.toString(), maxTotal: movedFundsSweepTxMaxTotalFee.toString(), feeRate: rate, vsize: size });
    }

    const proposal = {
      walletPubKeyHash: walletPkh,
      movingFundsTxHash: chosen.movingFundsTxHash,
      movingFundsTxOutputIndex: chosen.position,
      movedFundsSweepTxFee: fee,
    };
    const outcome = await validator.validateMovedFundsSweep(proposal, L);
    if (outcome.outcome === "unverified") throw new ProposalTaskError("VALIDATION_UNVERIFIED", outcome.error);
    if (outcome.outcome === "invalid") return this.skip(ctx, "VALIDATOR_REJECTED", { revert: outcome.reason });
    return encodePayload(ActionType.MovedFundsSweep, {
      movingFundsTxHash: chosen.movingFundsTxHash,
      movingFundsTxOutputIndex: chosen.position,
      sweepTxFee: fee,
    });
  }

  /**
   * Steps 2–4: outputs paid to this wallet by recorded moving-funds transactions, ordered by
   * completion block, log index, position. A completion pairs with the source's latest commitment
   * before it (a source commits again only after its earlier commitment was reset).
   */
  private candidates(walletPkh: Uint8Array, L: number): MovedOutpoint[] {
    const fromBlock = Math.max(0, L - COMMITMENT_LOOKBACK_BLOCKS);
    const targeting = this.components.store.evMovingFunds.commitmentsTargeting(toHex(walletPkh), fromBlock);
    const sources = [...new Set(targeting.map((t) => t.row.walletPkh))];
    const out: MovedOutpoint[] = [];
    for (const completion of this.components.store.evMovingFunds.completedFor(sources, fromBlock)) {
      if (completion.btcTxHash === null || completion.blockNumber > L) continue;
      const commitment = targeting
        .filter((t) => t.row.walletPkh === completion.walletPkh && before(t.row, completion))
        .at(-1);
      if (commitment === undefined) continue;
      out.push({ completion, movingFundsTxHash: fromHex(completion.btcTxHash), position: commitment.position });
    }
    return out.sort(
      (a, b) =>
        a.completion.blockNumber - b.completion.blockNumber || a.completion.logIndex - b.completion.logIndex || a.position - b.position,
    );
  }
}

/** One output of a recorded moving-funds transaction paying this wallet. */
interface MovedOutpoint {
  completion: EvMovingFundsRow;
  /** Internal byte order. */
  movingFundsTxHash: Uint8Array;
  position: number;
}

function before(a: EvMovingFundsRow, b: EvMovingFundsRow): boolean {
  return a.blockNumber < b.blockNumber || (a.blockNumber === b.blockNumber && a.logIndex < b.logIndex);
}
