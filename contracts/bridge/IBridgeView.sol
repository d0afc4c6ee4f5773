// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import "./BridgeTypes.sol";

/// @title Bridge view interface
/// @notice Every view of the Bridge: the tBTC-compatible ones the validator
///         and the node call (return encoding identical to tBTC's Bridge),
///         and the project views the node reads.
interface IBridgeView {
    // --- tBTC-compatible views ---

    function wallets(bytes20 walletPubKeyHash)
        external
        view
        returns (Wallet memory);

    function deposits(uint256 depositKey)
        external
        view
        returns (DepositRequest memory);

    function pendingRedemptions(uint256 redemptionKey)
        external
        view
        returns (RedemptionRequest memory);

    function movedFundsSweepRequests(uint256 requestKey)
        external
        view
        returns (MovedFundsSweepRequest memory);

    function depositParameters()
        external
        view
        returns (
            uint64 depositDustThreshold,
            uint64 depositTreasuryFeeDivisor,
            uint64 depositTxMaxFee,
            uint32 depositRevealAheadPeriod
        );

    function redemptionParameters()
        external
        view
        returns (
            uint64 redemptionDustThreshold,
            uint64 redemptionTreasuryFeeDivisor,
            uint64 redemptionTxMaxFee,
            uint64 redemptionTxMaxTotalFee,
            uint32 redemptionTimeout,
            uint96 redemptionTimeoutSlashingAmount,
            uint32 redemptionTimeoutNotifierRewardMultiplier
        );

    function movingFundsParameters()
        external
        view
        returns (
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

    function walletParameters()
        external
        view
        returns (
            uint32 walletCreationPeriod,
            uint64 walletCreationMinBtcBalance,
            uint64 walletCreationMaxBtcBalance,
            uint64 walletClosureMinBtcBalance,
            uint32 walletMaxAge,
            uint64 walletMaxBtcTransfer,
            uint32 walletClosingPeriod
        );

    function getRedemptionWatchtower() external view returns (address);

    function liveWalletsCount() external view returns (uint32);

    function activeWalletPubKeyHash() external view returns (bytes20);

    function isVaultTrusted(address vault) external view returns (bool);

    // --- Project views ---

    function walletOperators(bytes20 walletPubKeyHash)
        external
        view
        returns (address[] memory);

    function walletPublicKey(bytes20 walletPubKeyHash)
        external
        view
        returns (bytes memory);

    function depositWalletPubKeyHash(uint256 depositKey)
        external
        view
        returns (bytes20);

    function isMaintainer(address account) external view returns (bool);

    function isRedemptionRequester(address account)
        external
        view
        returns (bool);

    function governance() external view returns (address);
}
