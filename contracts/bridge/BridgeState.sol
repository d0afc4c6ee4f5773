// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import "./BridgeTypes.sol";

/// @title Bridge state
/// @notice Storage layout, events, access checks and shared internal logic
///         of the Bridge. Both `Bridge` and its delegate `BridgeGovernanceLogic`
///         inherit it, so both see exactly the same storage layout.
/// @dev Contracts inheriting this one MUST NOT declare storage variables of
///      their own (immutables are fine): the delegate relies on the layout.
abstract contract BridgeState {
    /// @notice All Bridge storage, shared by the Bridge and its delegate
    ///         logic contract so that both see the same layout.
    struct Storage {
        // --- Roles ---
        // Governance: manages roles, parameters, wallets and vaults.
        address governance;
        // Accounts allowed to record Bitcoin outcomes.
        mapping(address => bool) isMaintainer;
        // Accounts allowed to request redemptions.
        mapping(address => bool) isRedemptionRequester;
        // Vaults deposits may target.
        mapping(address => bool) isVaultTrusted;
        // --- Wallets, deposits, redemptions, moved funds ---
        mapping(bytes20 => Wallet) registeredWallets;
        mapping(bytes20 => address[]) operators;
        mapping(bytes20 => bytes) publicKeys;
        mapping(uint256 => DepositRequest) depositRequests;
        mapping(uint256 => bytes20) depositWallet;
        mapping(uint256 => RedemptionRequest) redemptionRequests;
        mapping(uint256 => MovedFundsSweepRequest) movedFundsRequests;
        // The wallet new deposits should go to; 0 when there is none.
        bytes20 activeWalletPubKeyHash;
        // Number of wallets in Live state.
        uint32 liveWalletsCount;
        // Optional redemption watchtower; 0 means none.
        address redemptionWatchtower;
        // --- Parameters (contracts.md 2.3), in getter order ---
        uint64 depositDustThreshold;
        uint64 depositTreasuryFeeDivisor;
        uint64 depositTxMaxFee;
        uint32 depositRevealAheadPeriod;
        uint64 redemptionDustThreshold;
        uint64 redemptionTreasuryFeeDivisor;
        uint64 redemptionTxMaxFee;
        uint64 redemptionTxMaxTotalFee;
        uint32 redemptionTimeout;
        uint96 redemptionTimeoutSlashingAmount;
        uint32 redemptionTimeoutNotifierRewardMultiplier;
        uint64 movingFundsTxMaxTotalFee;
        uint64 movingFundsDustThreshold;
        uint32 movingFundsTimeoutResetDelay;
        uint32 movingFundsTimeout;
        uint96 movingFundsTimeoutSlashingAmount;
        uint32 movingFundsTimeoutNotifierRewardMultiplier;
        uint16 movingFundsCommitmentGasOffset;
        uint64 movedFundsSweepTxMaxTotalFee;
        uint32 movedFundsSweepTimeout;
        uint96 movedFundsSweepTimeoutSlashingAmount;
        uint32 movedFundsSweepTimeoutNotifierRewardMultiplier;
        uint32 walletCreationPeriod;
        uint64 walletCreationMinBtcBalance;
        uint64 walletCreationMaxBtcBalance;
        uint64 walletClosureMinBtcBalance;
        uint32 walletMaxAge;
        uint64 walletMaxBtcTransfer;
        uint32 walletClosingPeriod;
    }

    /// @dev The only storage variable (slot 0 onwards).
    Storage internal self;

    // ------------------------------------------------------------------
    // Events (tBTC-identical signatures where tBTC has the event)
    // ------------------------------------------------------------------

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

    modifier onlyGovernance() {
        requireGovernance();
        _;
    }

    modifier onlyMaintainer() {
        requireMaintainer();
        _;
    }

    /// @notice Reverts unless the caller is the governance.
    function requireGovernance() internal view {
        require(msg.sender == self.governance, "Caller is not the governance");
    }

    /// @notice Reverts unless the caller is a maintainer.
    function requireMaintainer() internal view {
        require(self.isMaintainer[msg.sender], "Caller is not a maintainer");
    }

    /// @notice Moves the wallet to Closing and emits `WalletClosing`.
    function beginWalletClosing(
        Wallet storage wallet,
        bytes20 walletPubKeyHash
    ) internal {
        wallet.state = WalletState.Closing;
        /* solhint-disable-next-line not-rely-on-time */
        wallet.closingStartedAt = uint32(block.timestamp);
        emit WalletClosing(wallet.ecdsaWalletID, walletPubKeyHash);
    }
}
