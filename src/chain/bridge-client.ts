// Typed, pinned reads of the Bridge views (contracts.md §2.4). Every read names its block.
import { getAddress, getBytes, type Result } from "ethers";
import { bridgeInterface } from "./abi.js";
import { toPinnedCaller, type BlockRef, type CallSource, type PinnedCallOptions, type PinnedCaller } from "./pinned-call.js";
import type {
  MovedFundsSweepRequestState,
  DepositParameters,
  DepositRequest,
  MovedFundsSweepRequest,
  MovingFundsParameters,
  RedemptionParameters,
  RedemptionRequest,
  WalletParameters,
  WalletRecord,
} from "./types.js";
import type { WalletState } from "../protocol/constants.js";

/** eth_call returned no bytes: there is no contract at the address at that block. */
export class EmptyCallResultError extends Error {
  override readonly name = "EmptyCallResultError";
  constructor(readonly fn: string, readonly address: string, readonly at: BlockRef) {
    super(`${fn}: empty result from ${address} at block ${at.blockNumber} (no contract code there?)`);
  }
}

const num = (v: unknown): number => Number(v as bigint);
const big = (v: unknown): bigint => v as bigint;
const bytes = (v: unknown): Uint8Array => getBytes(v as string);

export class BridgeClient {
  readonly address: string;
  private readonly caller: PinnedCaller;

  constructor(source: CallSource, address: string, options: PinnedCallOptions = {}) {
    this.address = getAddress(address);
    this.caller = toPinnedCaller(source, options);
  }

  async wallets(walletPubKeyHash: Uint8Array, at: BlockRef): Promise<WalletRecord> {
    const [w] = await this.read("wallets", [walletPubKeyHash], at);
    return {
      ecdsaWalletID: bytes(w.ecdsaWalletID),
      mainUtxoHash: bytes(w.mainUtxoHash),
      pendingRedemptionsValue: big(w.pendingRedemptionsValue),
      createdAt: num(w.createdAt),
      movingFundsRequestedAt: num(w.movingFundsRequestedAt),
      closingStartedAt: num(w.closingStartedAt),
      pendingMovedFundsSweepRequestsCount: num(w.pendingMovedFundsSweepRequestsCount),
      state: num(w.state) as WalletState,
      movingFundsTargetWalletsCommitmentHash: bytes(w.movingFundsTargetWalletsCommitmentHash),
    };
  }

  /** Seat list (seat k is index k−1), EIP-55 checksummed; empty for an unknown wallet. */
  async walletOperators(walletPubKeyHash: Uint8Array, at: BlockRef): Promise<string[]> {
    const [ops] = await this.read("walletOperators", [walletPubKeyHash], at);
    return (ops as string[]).map((a) => getAddress(a));
  }

  /** 64 bytes X ‖ Y; empty for an unknown wallet. */
  async walletPublicKey(walletPubKeyHash: Uint8Array, at: BlockRef): Promise<Uint8Array> {
    const [key] = await this.read("walletPublicKey", [walletPubKeyHash], at);
    return bytes(key);
  }

  async deposits(depositKey: bigint, at: BlockRef): Promise<DepositRequest> {
    const [d] = await this.read("deposits", [depositKey], at);
    return {
      depositor: getAddress(d.depositor),
      amount: big(d.amount),
      revealedAt: num(d.revealedAt),
      vault: getAddress(d.vault),
      treasuryFee: big(d.treasuryFee),
      sweptAt: num(d.sweptAt),
      extraData: bytes(d.extraData),
    };
  }

  async depositWalletPubKeyHash(depositKey: bigint, at: BlockRef): Promise<Uint8Array> {
    const [pkh] = await this.read("depositWalletPubKeyHash", [depositKey], at);
    return bytes(pkh);
  }

  async pendingRedemptions(redemptionKey: bigint, at: BlockRef): Promise<RedemptionRequest> {
    const [r] = await this.read("pendingRedemptions", [redemptionKey], at);
    return {
      redeemer: getAddress(r.redeemer),
      requestedAmount: big(r.requestedAmount),
      treasuryFee: big(r.treasuryFee),
      txMaxFee: big(r.txMaxFee),
      requestedAt: num(r.requestedAt),
    };
  }

  async movedFundsSweepRequests(requestKey: bigint, at: BlockRef): Promise<MovedFundsSweepRequest> {
    const [r] = await this.read("movedFundsSweepRequests", [requestKey], at);
    return {
      walletPubKeyHash: bytes(r.walletPubKeyHash),
      value: big(r.value),
      createdAt: num(r.createdAt),
      state: num(r.state) as MovedFundsSweepRequestState,
    };
  }

  async depositParameters(at: BlockRef): Promise<DepositParameters> {
    const r = await this.read("depositParameters", [], at);
    return {
      depositDustThreshold: big(r[0]),
      depositTreasuryFeeDivisor: big(r[1]),
      depositTxMaxFee: big(r[2]),
      depositRevealAheadPeriod: num(r[3]),
    };
  }

  async redemptionParameters(at: BlockRef): Promise<RedemptionParameters> {
    const r = await this.read("redemptionParameters", [], at);
    return {
      redemptionDustThreshold: big(r[0]),
      redemptionTreasuryFeeDivisor: big(r[1]),
      redemptionTxMaxFee: big(r[2]),
      redemptionTxMaxTotalFee: big(r[3]),
      redemptionTimeout: num(r[4]),
      redemptionTimeoutSlashingAmount: big(r[5]),
      redemptionTimeoutNotifierRewardMultiplier: num(r[6]),
    };
  }

  async movingFundsParameters(at: BlockRef): Promise<MovingFundsParameters> {
    const r = await this.read("movingFundsParameters", [], at);
    return {
      movingFundsTxMaxTotalFee: big(r[0]),
      movingFundsDustThreshold: big(r[1]),
      movingFundsTimeoutResetDelay: num(r[2]),
      movingFundsTimeout: num(r[3]),
      movingFundsTimeoutSlashingAmount: big(r[4]),
      movingFundsTimeoutNotifierRewardMultiplier: num(r[5]),
      movingFundsCommitmentGasOffset: num(r[6]),
      movedFundsSweepTxMaxTotalFee: big(r[7]),
      movedFundsSweepTimeout: num(r[8]),
      movedFundsSweepTimeoutSlashingAmount: big(r[9]),
      movedFundsSweepTimeoutNotifierRewardMultiplier: num(r[10]),
    };
  }

  async walletParameters(at: BlockRef): Promise<WalletParameters> {
    const r = await this.read("walletParameters", [], at);
    return {
      walletCreationPeriod: num(r[0]),
      walletCreationMinBtcBalance: big(r[1]),
      walletCreationMaxBtcBalance: big(r[2]),
      walletClosureMinBtcBalance: big(r[3]),
      walletMaxAge: num(r[4]),
      walletMaxBtcTransfer: big(r[5]),
      walletClosingPeriod: num(r[6]),
    };
  }

  /** The zero address means no watchtower. */
  async getRedemptionWatchtower(at: BlockRef): Promise<string> {
    const [a] = await this.read("getRedemptionWatchtower", [], at);
    return getAddress(a as string);
  }

  async liveWalletsCount(at: BlockRef): Promise<number> {
    const [n] = await this.read("liveWalletsCount", [], at);
    return num(n);
  }

  async activeWalletPubKeyHash(at: BlockRef): Promise<Uint8Array> {
    const [pkh] = await this.read("activeWalletPubKeyHash", [], at);
    return bytes(pkh);
  }

  async isVaultTrusted(vault: string, at: BlockRef): Promise<boolean> {
    const [b] = await this.read("isVaultTrusted", [vault], at);
    return b as boolean;
  }

  async isMaintainer(account: string, at: BlockRef): Promise<boolean> {
    const [b] = await this.read("isMaintainer", [account], at);
    return b as boolean;
  }

  async isRedemptionRequester(account: string, at: BlockRef): Promise<boolean> {
    const [b] = await this.read("isRedemptionRequester", [account], at);
    return b as boolean;
  }

  async governance(at: BlockRef): Promise<string> {
    const [a] = await this.read("governance", [], at);
    return getAddress(a as string);
  }

  private async read(fn: string, args: unknown[], at: BlockRef): Promise<Result> {
    const data = bridgeInterface.encodeFunctionData(fn, args);
    const result = await this.caller.call({ to: this.address, data }, at);
    if (result === "0x") throw new EmptyCallResultError(fn, this.address, at);
    return bridgeInterface.decodeFunctionResult(fn, result);
  }
}
