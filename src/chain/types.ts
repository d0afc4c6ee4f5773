// Typed views of the on-chain structs (contracts.md §1.2, §2.3), generated from the artifacts into
// ./gen: bytes are Uint8Array, addresses EIP-55 strings, uint64/uint96/uint256 bigint,
// uint32/uint16/uint8 number. Here the enum fields get their enums. As the Bridge keys them, Bitcoin
// hashes are in internal byte order, `BitcoinTxInfo` holds the non-witness serialization parts
// (version and locktime 4 bytes as serialized) and `RedemptionProposal.redeemersOutputScripts` are
// length-prefixed (CompactSize).
import type { WalletState } from "../protocol/constants.js";
import type * as bridge from "./gen/bridge.js";

export type {
  BitcoinTxInfo,
  BitcoinUtxo,
  DepositKey,
  DepositParameters,
  DepositRequest,
  MovingFundsParameters,
  RedemptionParameters,
  RedemptionRequest,
  WalletParameters,
} from "./gen/bridge.js";
export type {
  DepositExtraInfo,
  DepositSweepProposal,
  HeartbeatProposal,
  MovedFundsSweepProposal,
  MovingFundsProposal,
  RedemptionProposal,
} from "./gen/validator.js";

export enum MovedFundsSweepRequestState {
  Unknown = 0,
  Pending = 1,
  Processed = 2,
  TimedOut = 3,
}

/** `walletScheme(pkh).scheme` (threshold.md §2): ECDSA also for a wallet the Bridge does not know. */
export enum WalletSchemeId {
  ECDSA = 0,
  FROST = 1,
}

/** `walletScheme(pkh)` as the Bridge returns it; threshold is 0 for an ECDSA (or unknown) wallet. */
export interface WalletSchemeView {
  scheme: WalletSchemeId;
  threshold: number;
}

/**
 * How a registered wallet signs (threshold.md §2, §4): ECDSA, or FROST with its signing threshold and
 * its x-only key `walletX` (the first 32 bytes of `walletPublicKey(pkh)`). The FROST form is the
 * `{ scheme: "frost", walletX }` the Bitcoin transaction builder takes.
 */
export type WalletSigningScheme = { readonly scheme: "ecdsa" } | { readonly scheme: "frost"; readonly threshold: number; readonly walletX: Uint8Array };

export interface WalletRecord extends Omit<bridge.Wallet, "state"> {
  state: WalletState;
}

export interface MovedFundsSweepRequest extends Omit<bridge.MovedFundsSweepRequest, "state"> {
  state: MovedFundsSweepRequestState;
}
