// Typed views of the on-chain structs (contracts.md §1.2, §2.3). Bytes are Uint8Array, addresses
// EIP-55 strings, uint64/uint96/uint256 bigint, uint32/uint16/uint8 number.
import type { WalletState } from "../protocol/constants.js";

export enum MovedFundsSweepRequestState {
  Unknown = 0,
  Pending = 1,
  Processed = 2,
  TimedOut = 3,
}

export interface WalletRecord {
  ecdsaWalletID: Uint8Array;
  mainUtxoHash: Uint8Array;
  pendingRedemptionsValue: bigint;
  createdAt: number;
  movingFundsRequestedAt: number;
  closingStartedAt: number;
  pendingMovedFundsSweepRequestsCount: number;
  state: WalletState;
  movingFundsTargetWalletsCommitmentHash: Uint8Array;
}

export interface DepositRequest {
  depositor: string;
  amount: bigint;
  revealedAt: number;
  vault: string;
  treasuryFee: bigint;
  sweptAt: number;
  extraData: Uint8Array;
}

export interface RedemptionRequest {
  redeemer: string;
  requestedAmount: bigint;
  treasuryFee: bigint;
  txMaxFee: bigint;
  requestedAt: number;
}

export interface MovedFundsSweepRequest {
  walletPubKeyHash: Uint8Array;
  value: bigint;
  createdAt: number;
  state: MovedFundsSweepRequestState;
}

export interface DepositParameters {
  depositDustThreshold: bigint;
  depositTreasuryFeeDivisor: bigint;
  depositTxMaxFee: bigint;
  depositRevealAheadPeriod: number;
}

export interface RedemptionParameters {
  redemptionDustThreshold: bigint;
  redemptionTreasuryFeeDivisor: bigint;
  redemptionTxMaxFee: bigint;
  redemptionTxMaxTotalFee: bigint;
  redemptionTimeout: number;
  redemptionTimeoutSlashingAmount: bigint;
  redemptionTimeoutNotifierRewardMultiplier: number;
}

export interface MovingFundsParameters {
  movingFundsTxMaxTotalFee: bigint;
  movingFundsDustThreshold: bigint;
  movingFundsTimeoutResetDelay: number;
  movingFundsTimeout: number;
  movingFundsTimeoutSlashingAmount: bigint;
  movingFundsTimeoutNotifierRewardMultiplier: number;
  movingFundsCommitmentGasOffset: number;
  movedFundsSweepTxMaxTotalFee: bigint;
  movedFundsSweepTimeout: number;
  movedFundsSweepTimeoutSlashingAmount: bigint;
  movedFundsSweepTimeoutNotifierRewardMultiplier: number;
}

export interface WalletParameters {
  walletCreationPeriod: number;
  walletCreationMinBtcBalance: bigint;
  walletCreationMaxBtcBalance: bigint;
  walletClosureMinBtcBalance: bigint;
  walletMaxAge: number;
  walletMaxBtcTransfer: bigint;
  walletClosingPeriod: number;
}

/** tBTC `BitcoinTx.Info`: the non-witness serialization parts. */
export interface BitcoinTxInfo {
  version: Uint8Array; // 4 bytes, as serialized
  inputVector: Uint8Array;
  outputVector: Uint8Array;
  locktime: Uint8Array; // 4 bytes, as serialized
}

export interface BitcoinUtxo {
  txHash: Uint8Array; // internal byte order
  txOutputIndex: number;
  txOutputValue: bigint;
}

export interface DepositKey {
  fundingTxHash: Uint8Array; // internal byte order
  fundingOutputIndex: number;
}

// Validator inputs (contracts.md §1.2, validator structs).

export interface DepositSweepProposal {
  walletPubKeyHash: Uint8Array;
  depositsKeys: DepositKey[];
  sweepTxFee: bigint;
  depositsRevealBlocks: bigint[];
}

export interface DepositExtraInfo {
  fundingTx: BitcoinTxInfo;
  blindingFactor: Uint8Array; // 8 bytes
  walletPubKeyHash: Uint8Array;
  refundPubKeyHash: Uint8Array;
  refundLocktime: Uint8Array; // 4 bytes little-endian
}

export interface RedemptionProposal {
  walletPubKeyHash: Uint8Array;
  /** Each script length-prefixed (CompactSize), as the Bridge keys them. */
  redeemersOutputScripts: Uint8Array[];
  redemptionTxFee: bigint;
}

export interface MovingFundsProposal {
  walletPubKeyHash: Uint8Array;
  targetWallets: Uint8Array[];
  movingFundsTxFee: bigint;
}

export interface MovedFundsSweepProposal {
  walletPubKeyHash: Uint8Array;
  movingFundsTxHash: Uint8Array;
  movingFundsTxOutputIndex: number;
  movedFundsSweepTxFee: bigint;
}

export interface HeartbeatProposal {
  walletPubKeyHash: Uint8Array;
  message: Uint8Array;
}
