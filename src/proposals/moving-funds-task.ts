// Moving funds task (coordination.md §13.6): a MovingFunds wallet with nothing left to redeem, sweep
// or move in moves its whole main UTXO to Live target wallets. Without a commitment yet, the leader
// picks the targets and submits the commitment as an Ethereum intent (reliability.md §3.7) first.
import { signingSchemeAt, targetWalletKeys } from "../chain/bridge-client.js";
import { getAddress } from "ethers";
import { ActionType, WalletState } from "../protocol/constants.js";
import { bridgeInterface } from "../chain/abi.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { WalletRecord } from "../chain/types.js";
import { encodePayload } from "../protocol/payloads.js";
import { targetsCommitmentHash } from "../protocol/bridge-keys.js";
import { findMainUtxo, toBitcoinUtxo, type MainUtxo } from "../bitcoin/main-utxo.js";
import { txidFromHash } from "../bitcoin/tx.js";
import { walletInputShape, walletOutputLength, vsize } from "../bitcoin/vsize.js";
import { DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS } from "../protocol/profile.js";
import { bytesEqual, fromHex, toHex } from "../util/hex.js";
import { sleep } from "../util/sleep.js";
import { appliedFeeRate, DEFAULT_FEE_POLICY, feeFor } from "../bitcoin/fees.js";
import { BitcoinTask } from "./bitcoin-task.js";
import type { ProposalTaskContext } from "./generator.js";
import { COMMITMENT_LOOKBACK_BLOCKS, movingFundsMarginInForce } from "./moving-funds-margin.js";
import { tLow } from "./time-refs.js";
import { checkWalletPreconditions } from "./wallet-preconditions.js";
import { ProposalTaskError } from "./task-error.js";

/** Blocks to wait for a just-sent commitment (§13.6 step 7.3). */
export const COMMITMENT_WAIT_BLOCKS = 6;
const HEAD_POLL_MS = 500;

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** One commitment intent per wallet and target set. */
export function commitmentDedupeKey(walletPkh: Uint8Array, commitmentHash: Uint8Array): string {
  return `moving_funds_commitment:${toHex(walletPkh)}:${toHex(commitmentHash)}`;
}

export class MovingFundsTask extends BitcoinTask {
  readonly action = ActionType.MovingFunds;

  async propose(ctx: ProposalTaskContext): Promise<Uint8Array | null> {
    const { bridge, btc, store, chain } = this.components;
    const { walletPkh, L, W, signal } = ctx;
    const wallet = await bridge.wallets(walletPkh, L);
    if (wallet.state !== WalletState.MovingFunds) return this.skip(ctx, "WALLET_STATE", { state: wallet.state });

    const low = tLow((await chain.block(W, { signal })).timestamp);
    if (await movingFundsMarginInForce({ bridge, store }, walletPkh, wallet, L, low)) return this.skip(ctx, "SAFETY_MARGIN");
    if (wallet.pendingRedemptionsValue > 0n) return this.skip(ctx, "PENDING_REDEMPTIONS");
    if (wallet.pendingMovedFundsSweepRequestsCount > 0) return this.skip(ctx, "PENDING_MOVED_FUNDS_SWEEPS");
    const deposit = await this.sweepableDeposit(walletPkh, L, low, signal);
    if (deposit !== null) return this.skip(ctx, "SWEEPABLE_DEPOSIT", { depositKey: deposit });

    // A FROST wallet's main UTXO is P2TR (threshold.md §4), and so is the output to a FROST target.
    const scheme = await signingSchemeAt(bridge, walletPkh, L, { signal });
    const blocked = await checkWalletPreconditions({ btc, bridge, store }, walletPkh, L, { signal }, scheme);
    if (blocked !== null) return this.skip(ctx, blocked);

    const main = await findMainUtxo(btc, walletPkh, wallet.mainUtxoHash, { signal }, scheme);
    if (main === null || main.value === 0n) return this.skip(ctx, "ZERO_BALANCE");
    const liveWallets = await bridge.liveWalletsCount(L);
    if (liveWallets === 0) return this.skip(ctx, "NO_LIVE_WALLETS");

    let targets: Uint8Array[];
    let validateAt: BlockRef = L;
    if (isZero(wallet.movingFundsTargetWalletsCommitmentHash)) {
      targets = await this.pickTargets(walletPkh, main.value, liveWallets, L);
      validateAt = await this.submitCommitment(ctx, main, targets);
    } else {
      targets = this.committedTargets(walletPkh, wallet, L);
    }

    const { movingFundsTxMaxTotalFee } = await bridge.movingFundsParameters(validateAt);
    const rate = appliedFeeRate(await btc.estimateSatPerVByte({ signal }), this.init.fee ?? DEFAULT_FEE_POLICY);
    const targetKeys = await targetWalletKeys(bridge, targets, validateAt, { signal });
    const size = vsize([walletInputShape(scheme.scheme === "frost")], targetKeys.map((k) => walletOutputLength(k !== null)));
    const fee = feeFor(rate, size);
    if (fee > movingFundsTxMaxTotalFee) {
      return this.skip(ctx, "FEE_ABOVE_MAX", { fee: fee.toString(), maxTotal: movingFundsTxMaxTotalFee.toString(), feeRate: rate, vsize: size });
    }

    const outcome = await this.components.validator.validateMovingFunds(
      { walletPubKeyHash: walletPkh, targetWallets: targets, movingFundsTxFee: fee },
      toBitcoinUtxo(main),
      validateAt,
    );
    if (outcome.outcome === "unverified") throw new ProposalTaskError("VALIDATION_UNVERIFIED", outcome.error);
    if (outcome.outcome === "invalid") return this.skip(ctx, "VALIDATOR_REJECTED", { revert: outcome.reason });
    return encodePayload(ActionType.MovingFunds, { targetWallets: targets, movingFundsTxFee: fee });
  }

  /**
   * Step 3: the key (0x-hex) of a deposit that must be swept first — revealed and unswept at L,
   * past its minimum age at tLow, and confirmed on Bitcoin — or null.
   */
  private async sweepableDeposit(walletPkh: Uint8Array, L: BlockRef, low: number, signal: AbortSignal): Promise<string | null> {
    const minConf = this.init.fundingTxMinConfirmations ?? DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS;
    const rows = this.components.store.evDeposits.sweepCandidates(toHex(walletPkh));
    if (rows.length === 0) return null;
    const { DEPOSIT_MIN_AGE } = await this.components.validator.constants(L);
    for (const row of rows) {
      signal.throwIfAborted();
      const d = await this.components.bridge.deposits(BigInt(row.depositKey), L);
      if (d.revealedAt === 0 || d.sweptAt !== 0) continue;
      if (!(d.revealedAt + DEPOSIT_MIN_AGE < low)) continue;
      const confirmations = await this.components.btc.confirmations(txidFromHash(fromHex(row.fundingTxHash)), { signal });
      if (confirmations >= minConf) return row.depositKey;
    }
    return null;
  }

  /** Step 6, no commitment yet: the newest Live wallets other than the source, ascending. */
  private async pickTargets(walletPkh: Uint8Array, balance: bigint, liveWallets: number, L: BlockRef): Promise<Uint8Array[]> {
    const { walletMaxBtcTransfer } = await this.components.bridge.walletParameters(L);
    if (walletMaxBtcTransfer === 0n) throw new ProposalTaskError("WALLET_MAX_BTC_TRANSFER_ZERO", "walletMaxBtcTransfer is 0");
    const ceilDiv = (balance + walletMaxBtcTransfer - 1n) / walletMaxBtcTransfer;
    const count = Number(BigInt(liveWallets) < ceilDiv ? BigInt(liveWallets) : ceilDiv);
    const source = toHex(walletPkh);
    const seen = new Set<string>([source]);
    const picked: string[] = [];
    for (const row of this.components.store.evWallets.registeredNewestFirst()) {
      if (picked.length === count) break;
      if (seen.has(row.walletPkh) || row.blockNumber > L.blockNumber) continue;
      seen.add(row.walletPkh);
      if ((await this.components.bridge.wallets(fromHex(row.walletPkh), L)).state === WalletState.Live) picked.push(row.walletPkh);
    }
    if (picked.length < count) {
      throw new ProposalTaskError("NOT_ENOUGH_TARGET_WALLETS", `need ${count} Live target wallets, found ${picked.length}`);
    }
    return picked.sort().map(fromHex);
  }

  /**
   * Step 6, commitment exists: the targets of the wallet's latest indexed commitment, checked against
   * the hash. The index lags the head, so a commitment this node sent itself is also taken from its
   * own intent's calldata.
   */
  private committedTargets(walletPkh: Uint8Array, wallet: WalletRecord, L: BlockRef): Uint8Array[] {
    const commitment = wallet.movingFundsTargetWalletsCommitmentHash;
    const row = this.components.store.evMovingFunds.latestCommitment(toHex(walletPkh), Math.max(0, L.blockNumber - COMMITMENT_LOOKBACK_BLOCKS));
    if (row !== undefined && row.targetWallets !== null) {
      const targets = row.targetWallets.map(fromHex);
      if (!bytesEqual(targetsCommitmentHash(targets), commitment)) {
        throw new ProposalTaskError("COMMITMENT_MISMATCH", `indexed commitment targets of ${toHex(walletPkh)} do not hash to the on-chain commitment`);
      }
      return targets;
    }
    const own = this.components.store.ethIntents.byDedupeKey(commitmentDedupeKey(walletPkh, commitment)).find((r) => r.data !== null);
    if (own === undefined) {
      throw new ProposalTaskError("COMMITMENT_NOT_INDEXED", `the commitment of wallet ${toHex(walletPkh)} is not in the event index yet`);
    }
    const args = bridgeInterface.decodeFunctionData("submitMovingFundsCommitment", own.data!);
    return (args[3] as string[]).map((t) => fromHex(t));
  }

  /**
   * Step 7: sends `submitMovingFundsCommitment` as an intent and waits up to 6 blocks (never past
   * the generation deadline) for the commitment; returns the block where it was seen.
   */
  private async submitCommitment(ctx: ProposalTaskContext, main: MainUtxo, targets: Uint8Array[]): Promise<BlockRef> {
    const { intents, ownLowestSeat, bridge, chain } = this.components;
    const { operator } = this.init;
    const { walletPkh, signal } = ctx;
    if (intents === undefined || ownLowestSeat === undefined) {
      throw new ProposalTaskError("COMMITMENT_SENDER_MISSING", "no Ethereum intent sender or seat configured for the moving-funds commitment");
    }
    const seat = ownLowestSeat(walletPkh);
    if (operator !== undefined) {
      const seats = await bridge.walletOperators(walletPkh, ctx.L);
      if (seats[seat - 1] !== getAddress(operator)) throw new ProposalTaskError("NOT_A_MEMBER", `operator ${operator} does not sit at seat ${seat}`);
    }
    const hash = targetsCommitmentHash(targets);
    const data = bridgeInterface.encodeFunctionData("submitMovingFundsCommitment", [walletPkh, toBitcoinUtxo(main), seat, targets]);
    const committed = async (at: BlockRef): Promise<boolean> => !isZero((await bridge.wallets(walletPkh, at)).movingFundsTargetWalletsCommitmentHash);
    const startHead = (await chain.block("latest", { signal })).number;
    const intent = await intents.submit(
      {
        purpose: "moving_funds_commitment",
        // Same targets in a later window → the same intent, still tracked (§13.6 step 7.4).
        dedupeKey: commitmentDedupeKey(walletPkh, hash),
        to: bridge.address,
        data,
        goalReached: committed,
      },
      { signal },
    );
    if (intent.status === "reverted") {
      throw new ProposalTaskError("COMMITMENT_REVERTED", `commitment intent ${intent.id} reverted: ${intent.revertReason ?? "no reason"}`);
    }
    for (;;) {
      const head = await chain.block("latest", { signal });
      const at = { blockNumber: head.number, blockHash: head.hash };
      const current = (await bridge.wallets(walletPkh, at)).movingFundsTargetWalletsCommitmentHash;
      if (!isZero(current)) {
        // Someone else's commitment (or an earlier one) landed: its targets come from the index next window.
        if (!bytesEqual(current, hash)) throw new ProposalTaskError("COMMITMENT_MISMATCH", `wallet ${toHex(walletPkh)} committed to other targets`);
        return at;
      }
      if (head.number >= startHead + COMMITMENT_WAIT_BLOCKS) {
        throw new ProposalTaskError("COMMITMENT_NOT_INCLUDED", `commitment intent ${intent.id} not included within ${COMMITMENT_WAIT_BLOCKS} blocks`);
      }
      await sleep(HEAD_POLL_MS, signal);
    }
  }
}
