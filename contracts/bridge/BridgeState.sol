// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";

/// @title Bridge state
/// @notice The Bridge's storage struct and its four parameter groups. The
///         Bridge holds one `Storage` and hands it to the domain libraries
///         (`Deposit`, `DepositSweep`, `Redemption`, `MovingFunds`,
///         `Wallets`, `BridgeParameters`).
/// @dev Each parameter group is one struct, in the order of its getter tuple
///      (contracts.md 2.3); only the ABI declarations (`IBridgeEvents`, the
///      getters' and update functions' type lists) repeat its shape. A struct
///      of value types ABI-encodes exactly like the flat tuple of its fields,
///      so the Bridge decodes update arguments straight into the struct, its
///      getters return the struct's encoding and the
///      `<Group>ParametersUpdated` events log it.
library BridgeState {
    /// @notice `depositParameters()`.
    struct DepositParameters {
        // Minimum deposit amount, in satoshi.
        uint64 depositDustThreshold;
        // Treasury fee = amount / divisor; 0 means no fee.
        uint64 depositTreasuryFeeDivisor;
        // Maximum sweep transaction fee share of one deposit, in satoshi.
        uint64 depositTxMaxFee;
        // Minimum time, in seconds, between a reveal and the refund
        // locktime; 0 disables the locktime checks.
        uint32 depositRevealAheadPeriod;
    }

    /// @notice `redemptionParameters()`.
    struct RedemptionParameters {
        // Minimum redemption amount, in satoshi.
        uint64 redemptionDustThreshold;
        // Treasury fee = amount / divisor; 0 means no fee.
        uint64 redemptionTreasuryFeeDivisor;
        // Maximum fee share of one request, snapshotted at request time.
        uint64 redemptionTxMaxFee;
        // Maximum fee of a whole redemption transaction.
        uint64 redemptionTxMaxTotalFee;
        // Seconds after which a request times out.
        uint32 redemptionTimeout;
        // Stored and returned only (tBTC tuple shape).
        uint96 redemptionTimeoutSlashingAmount;
        // Stored and returned only, in [0, 100].
        uint32 redemptionTimeoutNotifierRewardMultiplier;
    }

    /// @notice `movingFundsParameters()`.
    struct MovingFundsParameters {
        // Maximum fee of a moving funds transaction.
        uint64 movingFundsTxMaxTotalFee;
        // Minimum balance worth moving, in satoshi.
        uint64 movingFundsDustThreshold;
        // Stored and returned only: the timeout reset delay, in seconds.
        uint32 movingFundsTimeoutResetDelay;
        // Stored and returned only: the timeout, in seconds.
        uint32 movingFundsTimeout;
        // Stored and returned only (tBTC tuple shape).
        uint96 movingFundsTimeoutSlashingAmount;
        // Stored and returned only, in [0, 100].
        uint32 movingFundsTimeoutNotifierRewardMultiplier;
        // Stored and returned only (tBTC's gas reimbursement offset).
        uint16 movingFundsCommitmentGasOffset;
        // Maximum fee of a moved funds sweep transaction.
        uint64 movedFundsSweepTxMaxTotalFee;
        // Stored and returned only: the sweep timeout, in seconds.
        uint32 movedFundsSweepTimeout;
        // Stored and returned only (tBTC tuple shape).
        uint96 movedFundsSweepTimeoutSlashingAmount;
        // Stored and returned only, in [0, 100].
        uint32 movedFundsSweepTimeoutNotifierRewardMultiplier;
    }

    /// @notice `walletParameters()`.
    struct WalletParameters {
        // Stored and returned only (tBTC's wallet creation period).
        uint32 walletCreationPeriod;
        // Stored and returned only, in satoshi.
        uint64 walletCreationMinBtcBalance;
        // Stored and returned only, in satoshi.
        uint64 walletCreationMaxBtcBalance;
        // Stored and returned only, in satoshi.
        uint64 walletClosureMinBtcBalance;
        // Stored and returned only, in seconds.
        uint32 walletMaxAge;
        // Maximum BTC one moving funds target receives, in satoshi.
        uint64 walletMaxBtcTransfer;
        // Seconds a Closing wallet waits before it can be Closed.
        uint32 walletClosingPeriod;
    }

    /// @notice All Bridge storage (contracts.md 2.2).
    struct Storage {
        // Manages roles, parameters, wallets and vaults.
        address governance;
        // Accounts allowed to record Bitcoin outcomes.
        mapping(address => bool) isMaintainer;
        // Accounts allowed to request redemptions.
        mapping(address => bool) isRedemptionRequester;
        // Vaults deposits may target.
        mapping(address => bool) isVaultTrusted;
        mapping(bytes20 => Wallet) registeredWallets;
        // Seat lists: seat `k` is index `k - 1`.
        mapping(bytes20 => address[]) walletOperators;
        // 64-byte X || Y public keys.
        mapping(bytes20 => bytes) walletPublicKeys;
        mapping(uint256 => DepositRequest) deposits;
        // The wallet each deposit was revealed for.
        mapping(uint256 => bytes20) depositWallet;
        mapping(uint256 => RedemptionRequest) pendingRedemptions;
        mapping(uint256 => MovedFundsSweepRequest) movedFundsSweepRequests;
        // The wallet new deposits should go to; 0 when there is none.
        bytes20 activeWalletPubKeyHash;
        // Number of wallets in Live state.
        uint32 liveWalletsCount;
        // Optional redemption watchtower; 0 means none.
        address redemptionWatchtower;
        DepositParameters depositParameters;
        RedemptionParameters redemptionParameters;
        MovingFundsParameters movingFundsParameters;
        WalletParameters walletParameters;
        // Each wallet's signing scheme; ECDSA (0) unless the FROST wallet
        // registry registered it (threshold.md 2).
        mapping(bytes20 => WalletScheme) walletSchemes;
        // FROST wallets' signing thresholds; 0 for ECDSA wallets.
        mapping(bytes20 => uint16) walletThresholds;
        // The only caller of `registerFrostWallet`; set once by governance.
        address frostWalletRegistry;
        // Source of the Bitcoin epoch difficulties SPV proofs are checked
        // against (issue 14); 0 until governance sets one, and proofs are
        // refused while it is 0.
        address relay;
        // Required work of a proof's headers, in units of the epoch
        // difficulty (tbtc-v2's `txProofDifficultyFactor`, default 6).
        uint256 txProofDifficultyFactor;
    }

    /// @notice Sets every parameter to tBTC v2's initial value
    ///         (contracts.md 2.3); the Bridge's constructor calls it.
    function setInitialParameters(Storage storage self) internal {
        self.txProofDifficultyFactor = 6;
        self.depositParameters = DepositParameters({
            depositDustThreshold: 1_000_000,
            depositTreasuryFeeDivisor: 2000,
            depositTxMaxFee: 100_000,
            depositRevealAheadPeriod: 15 days
        });
        self.redemptionParameters = RedemptionParameters({
            redemptionDustThreshold: 1_000_000,
            redemptionTreasuryFeeDivisor: 2000,
            redemptionTxMaxFee: 100_000,
            redemptionTxMaxTotalFee: 1_000_000,
            redemptionTimeout: 5 days,
            redemptionTimeoutSlashingAmount: 100e18,
            redemptionTimeoutNotifierRewardMultiplier: 100
        });
        self.movingFundsParameters = MovingFundsParameters({
            movingFundsTxMaxTotalFee: 100_000,
            movingFundsDustThreshold: 200_000,
            movingFundsTimeoutResetDelay: 6 days,
            movingFundsTimeout: 7 days,
            movingFundsTimeoutSlashingAmount: 100e18,
            movingFundsTimeoutNotifierRewardMultiplier: 100,
            movingFundsCommitmentGasOffset: 15_000,
            movedFundsSweepTxMaxTotalFee: 100_000,
            movedFundsSweepTimeout: 7 days,
            movedFundsSweepTimeoutSlashingAmount: 100e18,
            movedFundsSweepTimeoutNotifierRewardMultiplier: 100
        });
        self.walletParameters = WalletParameters({
            walletCreationPeriod: 1 weeks,
            walletCreationMinBtcBalance: 1e8,
            walletCreationMaxBtcBalance: 100e8,
            walletClosureMinBtcBalance: 5e7,
            walletMaxAge: 26 weeks,
            walletMaxBtcTransfer: 10e8,
            walletClosingPeriod: 40 days
        });
    }
}
