// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

/// @title Shared Bridge and validator types
/// @notice File-level enums and structs shared by the Bridge, the
///         WalletProposalValidator, the view interface and the test doubles.
///         Field order is the ABI tuple order and matches tBTC v2 exactly.

/// @notice Wallet lifecycle states (ABI `uint8`).
enum WalletState {
    Unknown,
    Live,
    MovingFunds,
    Closing,
    Closed,
    Terminated
}

/// @notice A wallet's signing scheme (ABI `uint8`; threshold.md 2): ECDSA
///         wallets (registered by governance) sign with one key and take
///         P2SH/P2WSH deposits; FROST wallets (registered by the FROST wallet
///         registry) sign as a threshold group, own P2TR outputs and take
///         Taproot deposits.
enum WalletScheme {
    ECDSA,
    FROST
}

/// @notice Moved-funds sweep request states (ABI `uint8`).
enum MovedFundsSweepRequestState {
    Unknown,
    Pending,
    Processed,
    TimedOut
}

/// @notice A registered wallet: `(bytes32,bytes32,uint64,uint32,uint32,uint32,uint32,uint8,bytes32)`.
struct Wallet {
    // keccak256(X || Y) of the wallet's uncompressed public key coordinates.
    bytes32 ecdsaWalletID;
    // Main UTXO hash; 0 means no main UTXO.
    bytes32 mainUtxoHash;
    // Sum of `requestedAmount - treasuryFee` over pending requests.
    uint64 pendingRedemptionsValue;
    // Registration timestamp.
    uint32 createdAt;
    // When the wallet entered MovingFunds.
    uint32 movingFundsRequestedAt;
    // When the wallet entered Closing.
    uint32 closingStartedAt;
    // Moved-funds sweep requests targeting this wallet still Pending.
    uint32 pendingMovedFundsSweepRequestsCount;
    WalletState state;
    // 0 until a commitment is submitted.
    bytes32 movingFundsTargetWalletsCommitmentHash;
}

/// @notice A revealed deposit: `(address,uint64,uint32,address,uint64,uint32,bytes32)`.
struct DepositRequest {
    address depositor;
    uint64 amount;
    uint32 revealedAt;
    address vault;
    uint64 treasuryFee;
    uint32 sweptAt;
    bytes32 extraData;
}

/// @notice A pending redemption request: `(address,uint64,uint64,uint64,uint32)`.
struct RedemptionRequest {
    address redeemer;
    uint64 requestedAmount;
    uint64 treasuryFee;
    uint64 txMaxFee;
    uint32 requestedAt;
}

/// @notice A moved-funds sweep request: `(bytes20,uint64,uint32,uint8)`.
struct MovedFundsSweepRequest {
    bytes20 walletPubKeyHash;
    uint64 value;
    uint32 createdAt;
    MovedFundsSweepRequestState state;
}

/// @notice Non-witness Bitcoin transaction serialization (tBTC `BitcoinTx.Info`).
struct BitcoinTxInfo {
    bytes4 version;
    bytes inputVector;
    bytes outputVector;
    bytes4 locktime;
}

/// @notice A Bitcoin UTXO (tBTC `BitcoinTx.UTXO`).
struct BitcoinUtxo {
    bytes32 txHash;
    uint32 txOutputIndex;
    uint64 txOutputValue;
}

/// @notice Deposit reveal data: `(uint32,bytes8,bytes20,bytes20,bytes4,address)`.
struct DepositRevealInfo {
    uint32 fundingOutputIndex;
    bytes8 blindingFactor;
    bytes20 walletPubKeyHash;
    bytes20 refundPubKeyHash;
    bytes4 refundLocktime;
    address vault;
}

/// @notice Taproot deposit reveal data (threshold.md 4.3):
///         `(uint32,bytes8,bytes20,bytes32,bytes4,address)`.
struct TaprootDepositRevealInfo {
    uint32 fundingOutputIndex;
    bytes8 blindingFactor;
    bytes20 walletPubKeyHash;
    // x-only key of the refund leaf's OP_CHECKSIG.
    bytes32 refundX;
    bytes4 refundLocktime;
    address vault;
}

/// @notice Deposit key used by the validator: `(bytes32,uint32)`.
struct DepositKey {
    bytes32 fundingTxHash;
    uint32 fundingOutputIndex;
}

/// @notice `(bytes20,(bytes32,uint32)[],uint256,uint256[])`.
struct DepositSweepProposal {
    bytes20 walletPubKeyHash;
    DepositKey[] depositsKeys;
    uint256 sweepTxFee;
    uint256[] depositsRevealBlocks;
}

/// @notice `((bytes4,bytes,bytes,bytes4),bytes8,bytes20,bytes20,bytes4)`.
struct DepositExtraInfo {
    BitcoinTxInfo fundingTx;
    bytes8 blindingFactor;
    bytes20 walletPubKeyHash;
    bytes20 refundPubKeyHash;
    bytes4 refundLocktime;
}

/// @notice Taproot deposit data for the validator (threshold.md 4.4):
///         `((bytes4,bytes,bytes,bytes4),bytes8,bytes20,bytes32,bytes20,bytes32,bytes4)`.
struct TaprootDepositExtraInfo {
    BitcoinTxInfo fundingTx;
    bytes8 blindingFactor;
    bytes20 walletPubKeyHash;
    // The wallet's x-only key; walletPubKeyHash = HASH160(0x02 || walletX).
    bytes32 walletX;
    // HASH160(0x02 || refundX).
    bytes20 refundPubKeyHash;
    bytes32 refundX;
    bytes4 refundLocktime;
}

/// @notice `(bytes20,bytes[],uint256)`; scripts are length-prefixed.
struct RedemptionProposal {
    bytes20 walletPubKeyHash;
    bytes[] redeemersOutputScripts;
    uint256 redemptionTxFee;
}

/// @notice `(bytes20,bytes20[],uint256)`.
struct MovingFundsProposal {
    bytes20 walletPubKeyHash;
    bytes20[] targetWallets;
    uint256 movingFundsTxFee;
}

/// @notice `(bytes20,bytes32,uint32,uint256)`.
struct MovedFundsSweepProposal {
    bytes20 walletPubKeyHash;
    bytes32 movingFundsTxHash;
    uint32 movingFundsTxOutputIndex;
    uint256 movedFundsSweepTxFee;
}

/// @notice `(bytes20,bytes)`.
struct HeartbeatProposal {
    bytes20 walletPubKeyHash;
    bytes message;
}
