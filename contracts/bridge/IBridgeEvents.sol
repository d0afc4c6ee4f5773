// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

/// @title Bridge events
/// @notice Every event the Bridge emits, declared once. The Bridge inherits
///         this interface, so the events are part of its ABI; the libraries
///         holding the Bridge's logic emit them as `IBridgeEvents.<Event>`.
///         Signatures and indexed fields are identical to tBTC v2's Bridge
///         for the events tBTC has (contracts.md 2.5).
interface IBridgeEvents {
    event DepositRevealed(
        bytes32 fundingTxHash,
        uint32 fundingOutputIndex,
        address indexed depositor,
        uint64 amount,
        bytes8 blindingFactor,
        bytes20 indexed walletPubKeyHash,
        bytes20 refundPubKeyHash,
        bytes4 refundLocktime,
        address vault
    );

    event DepositsSwept(bytes20 walletPubKeyHash, bytes32 sweepTxHash);

    event RedemptionRequested(
        bytes20 indexed walletPubKeyHash,
        bytes redeemerOutputScript,
        address indexed redeemer,
        uint64 requestedAmount,
        uint64 treasuryFee,
        uint64 txMaxFee
    );

    event RedemptionsCompleted(
        bytes20 indexed walletPubKeyHash,
        bytes32 redemptionTxHash
    );

    event WalletMovingFunds(
        bytes32 indexed ecdsaWalletID,
        bytes20 indexed walletPubKeyHash
    );

    event MovingFundsCommitmentSubmitted(
        bytes20 indexed walletPubKeyHash,
        bytes20[] targetWallets,
        address submitter
    );

    event MovingFundsCompleted(
        bytes20 indexed walletPubKeyHash,
        bytes32 movingFundsTxHash
    );

    event MovedFundsSwept(bytes20 indexed walletPubKeyHash, bytes32 sweepTxHash);

    event NewWalletRegistered(
        bytes32 indexed ecdsaWalletID,
        bytes20 indexed walletPubKeyHash
    );

    event WalletClosing(
        bytes32 indexed ecdsaWalletID,
        bytes20 indexed walletPubKeyHash
    );

    event WalletClosed(
        bytes32 indexed ecdsaWalletID,
        bytes20 indexed walletPubKeyHash
    );

    event WalletTerminated(
        bytes32 indexed ecdsaWalletID,
        bytes20 indexed walletPubKeyHash
    );

    event VaultStatusUpdated(address indexed vault, bool isTrusted);

    event RedemptionWatchtowerSet(address redemptionWatchtower);

    event WalletOperatorsSet(bytes20 indexed walletPubKeyHash, address[] operators);

    event MaintainerStatusUpdated(address indexed maintainer, bool isMaintainer);

    event GovernanceTransferred(address oldGovernance, address newGovernance);

    event RedemptionRequesterStatusUpdated(
        address indexed requester,
        bool isRequester
    );

    // --- Threshold wallets (threshold.md) ---

    /// @notice Emitted after `DepositRevealed` by a Taproot reveal: the
    ///         refund leaf's x-only key, which the wallet needs to rebuild
    ///         the leaf and its tweak (`DepositRevealed` carries only its
    ///         hash).
    event TaprootDepositRevealed(
        bytes32 fundingTxHash,
        uint32 fundingOutputIndex,
        bytes20 indexed walletPubKeyHash,
        bytes32 refundX
    );

    event FrostWalletRegistrySet(address frostWalletRegistry);

    event RelaySet(address relay);

    event TxProofDifficultyFactorUpdated(uint256 txProofDifficultyFactor);

    // The data of the four `<Group>ParametersUpdated` events is the ABI
    // encoding of the matching `BridgeState.<Group>Parameters` struct.

    event DepositParametersUpdated(
        uint64 depositDustThreshold,
        uint64 depositTreasuryFeeDivisor,
        uint64 depositTxMaxFee,
        uint32 depositRevealAheadPeriod
    );

    event RedemptionParametersUpdated(
        uint64 redemptionDustThreshold,
        uint64 redemptionTreasuryFeeDivisor,
        uint64 redemptionTxMaxFee,
        uint64 redemptionTxMaxTotalFee,
        uint32 redemptionTimeout,
        uint96 redemptionTimeoutSlashingAmount,
        uint32 redemptionTimeoutNotifierRewardMultiplier
    );

    event MovingFundsParametersUpdated(
        uint64 movingFundsTxMaxTotalFee,
        uint64 movingFundsDustThreshold,
        uint32 movingFundsTimeoutResetDelay,
        uint32 movingFundsTimeout,
        uint96 movingFundsTimeoutSlashingAmount,
        uint32 movingFundsTimeoutNotifierRewardMultiplier,
        uint16 movingFundsCommitmentGasOffset,
        uint64 movedFundsSweepTxMaxTotalFee,
        uint32 movedFundsSweepTimeout,
        uint96 movedFundsSweepTimeoutSlashingAmount,
        uint32 movedFundsSweepTimeoutNotifierRewardMultiplier
    );

    event WalletParametersUpdated(
        uint32 walletCreationPeriod,
        uint64 walletCreationMinBtcBalance,
        uint64 walletCreationMaxBtcBalance,
        uint64 walletClosureMinBtcBalance,
        uint32 walletMaxAge,
        uint64 walletMaxBtcTransfer,
        uint32 walletClosingPeriod
    );
}
