// Builders for the Bridge stub's struct setters (contracts.md §1.2).
import { ZERO_BYTES32 } from "./bitcoin-fixtures.js";

export interface WalletStruct {
  ecdsaWalletID: string;
  mainUtxoHash: string;
  pendingRedemptionsValue: bigint;
  createdAt: number;
  movingFundsRequestedAt: number;
  closingStartedAt: number;
  pendingMovedFundsSweepRequestsCount: number;
  state: number;
  movingFundsTargetWalletsCommitmentHash: string;
}

export function walletStruct(state: number, overrides: Partial<WalletStruct> = {}): WalletStruct {
  return {
    ecdsaWalletID: ZERO_BYTES32,
    mainUtxoHash: ZERO_BYTES32,
    pendingRedemptionsValue: 0n,
    createdAt: 0,
    movingFundsRequestedAt: 0,
    closingStartedAt: 0,
    pendingMovedFundsSweepRequestsCount: 0,
    state,
    movingFundsTargetWalletsCommitmentHash: ZERO_BYTES32,
    ...overrides,
  };
}

export enum MovedFundsSweepRequestState {
  Unknown = 0,
  Pending = 1,
  Processed = 2,
  TimedOut = 3,
}
