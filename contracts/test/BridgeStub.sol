// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {
    Wallet,
    DepositRequest,
    RedemptionRequest,
    MovedFundsSweepRequest
} from "../bridge/BridgeTypes.sol";
import {IBridgeView} from "../bridge/IBridgeView.sol";

/// @title Bridge test double
/// @notice Implements every view of `IBridgeView` with plain storage and
///         unchecked setters, so validator tests can put the Bridge into any
///         state, including states the real Bridge never reaches.
/// @dev Test-only. No access control, no validation, no events.
contract BridgeStub is IBridgeView {
    struct DepositParams {
        uint64 depositDustThreshold;
        uint64 depositTreasuryFeeDivisor;
        uint64 depositTxMaxFee;
        uint32 depositRevealAheadPeriod;
    }

    struct RedemptionParams {
        uint64 redemptionDustThreshold;
        uint64 redemptionTreasuryFeeDivisor;
        uint64 redemptionTxMaxFee;
        uint64 redemptionTxMaxTotalFee;
        uint32 redemptionTimeout;
        uint96 redemptionTimeoutSlashingAmount;
        uint32 redemptionTimeoutNotifierRewardMultiplier;
    }

    struct MovingFundsParams {
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
    }

    struct WalletParams {
        uint32 walletCreationPeriod;
        uint64 walletCreationMinBtcBalance;
        uint64 walletCreationMaxBtcBalance;
        uint64 walletClosureMinBtcBalance;
        uint32 walletMaxAge;
        uint64 walletMaxBtcTransfer;
        uint32 walletClosingPeriod;
    }

    mapping(bytes20 => Wallet) private _wallets;
    mapping(bytes20 => address[]) private _walletOperators;
    mapping(bytes20 => bytes) private _walletPublicKeys;
    mapping(uint256 => DepositRequest) private _deposits;
    mapping(uint256 => bytes20) private _depositWallets;
    mapping(uint256 => RedemptionRequest) private _pendingRedemptions;
    mapping(uint256 => MovedFundsSweepRequest) private _movedFundsSweepRequests;
    mapping(address => bool) private _trustedVaults;
    mapping(address => bool) private _maintainers;
    mapping(address => bool) private _redemptionRequesters;

    DepositParams private _depositParams;
    RedemptionParams private _redemptionParams;
    MovingFundsParams private _movingFundsParams;
    WalletParams private _walletParams;

    address private _redemptionWatchtower;
    uint32 private _liveWalletsCount;
    bytes20 private _activeWalletPubKeyHash;
    address private _governance;

    // --- Setters ---

    function setWallet(bytes20 walletPubKeyHash, Wallet calldata wallet)
        external
    {
        _wallets[walletPubKeyHash] = wallet;
    }

    function setWalletOperators(
        bytes20 walletPubKeyHash,
        address[] calldata operators
    ) external {
        _walletOperators[walletPubKeyHash] = operators;
    }

    function setWalletPublicKey(bytes20 walletPubKeyHash, bytes calldata key)
        external
    {
        _walletPublicKeys[walletPubKeyHash] = key;
    }

    function setDeposit(uint256 depositKey, DepositRequest calldata request)
        external
    {
        _deposits[depositKey] = request;
    }

    function setDepositWalletPubKeyHash(
        uint256 depositKey,
        bytes20 walletPubKeyHash
    ) external {
        _depositWallets[depositKey] = walletPubKeyHash;
    }

    function setPendingRedemption(
        uint256 redemptionKey,
        RedemptionRequest calldata request
    ) external {
        _pendingRedemptions[redemptionKey] = request;
    }

    function setMovedFundsSweepRequest(
        uint256 requestKey,
        MovedFundsSweepRequest calldata request
    ) external {
        _movedFundsSweepRequests[requestKey] = request;
    }

    function setDepositParameters(
        uint64 depositDustThreshold,
        uint64 depositTreasuryFeeDivisor,
        uint64 depositTxMaxFee,
        uint32 depositRevealAheadPeriod
    ) external {
        _depositParams = DepositParams(
            depositDustThreshold,
            depositTreasuryFeeDivisor,
            depositTxMaxFee,
            depositRevealAheadPeriod
        );
    }

    function setRedemptionParameters(
        uint64 redemptionDustThreshold,
        uint64 redemptionTreasuryFeeDivisor,
        uint64 redemptionTxMaxFee,
        uint64 redemptionTxMaxTotalFee,
        uint32 redemptionTimeout,
        uint96 redemptionTimeoutSlashingAmount,
        uint32 redemptionTimeoutNotifierRewardMultiplier
    ) external {
        _redemptionParams = RedemptionParams(
            redemptionDustThreshold,
            redemptionTreasuryFeeDivisor,
            redemptionTxMaxFee,
            redemptionTxMaxTotalFee,
            redemptionTimeout,
            redemptionTimeoutSlashingAmount,
            redemptionTimeoutNotifierRewardMultiplier
        );
    }

    /// @dev Eleven arguments in getter order. Stored field by field to stay
    ///      within the legacy code generator's stack limit.
    function setMovingFundsParameters(
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
    ) external {
        MovingFundsParams storage p = _movingFundsParams;
        p.movingFundsTxMaxTotalFee = movingFundsTxMaxTotalFee;
        p.movingFundsDustThreshold = movingFundsDustThreshold;
        p.movingFundsTimeoutResetDelay = movingFundsTimeoutResetDelay;
        p.movingFundsTimeout = movingFundsTimeout;
        p.movingFundsTimeoutSlashingAmount = movingFundsTimeoutSlashingAmount;
        p
            .movingFundsTimeoutNotifierRewardMultiplier = movingFundsTimeoutNotifierRewardMultiplier;
        p.movingFundsCommitmentGasOffset = movingFundsCommitmentGasOffset;
        p.movedFundsSweepTxMaxTotalFee = movedFundsSweepTxMaxTotalFee;
        p.movedFundsSweepTimeout = movedFundsSweepTimeout;
        p
            .movedFundsSweepTimeoutSlashingAmount = movedFundsSweepTimeoutSlashingAmount;
        p
            .movedFundsSweepTimeoutNotifierRewardMultiplier = movedFundsSweepTimeoutNotifierRewardMultiplier;
    }

    function setWalletParameters(
        uint32 walletCreationPeriod,
        uint64 walletCreationMinBtcBalance,
        uint64 walletCreationMaxBtcBalance,
        uint64 walletClosureMinBtcBalance,
        uint32 walletMaxAge,
        uint64 walletMaxBtcTransfer,
        uint32 walletClosingPeriod
    ) external {
        _walletParams = WalletParams(
            walletCreationPeriod,
            walletCreationMinBtcBalance,
            walletCreationMaxBtcBalance,
            walletClosureMinBtcBalance,
            walletMaxAge,
            walletMaxBtcTransfer,
            walletClosingPeriod
        );
    }

    function setRedemptionWatchtower(address watchtower) external {
        _redemptionWatchtower = watchtower;
    }

    function setLiveWalletsCount(uint32 count) external {
        _liveWalletsCount = count;
    }

    function setActiveWalletPubKeyHash(bytes20 walletPubKeyHash) external {
        _activeWalletPubKeyHash = walletPubKeyHash;
    }

    function setVaultStatus(address vault, bool isTrusted) external {
        _trustedVaults[vault] = isTrusted;
    }

    function setMaintainerStatus(address account, bool status) external {
        _maintainers[account] = status;
    }

    function setRedemptionRequesterStatus(address account, bool status)
        external
    {
        _redemptionRequesters[account] = status;
    }

    function setGovernance(address account) external {
        _governance = account;
    }

    // --- tBTC-compatible views ---

    function wallets(bytes20 walletPubKeyHash)
        external
        view
        returns (Wallet memory)
    {
        return _wallets[walletPubKeyHash];
    }

    function deposits(uint256 depositKey)
        external
        view
        returns (DepositRequest memory)
    {
        return _deposits[depositKey];
    }

    function pendingRedemptions(uint256 redemptionKey)
        external
        view
        returns (RedemptionRequest memory)
    {
        return _pendingRedemptions[redemptionKey];
    }

    function movedFundsSweepRequests(uint256 requestKey)
        external
        view
        returns (MovedFundsSweepRequest memory)
    {
        return _movedFundsSweepRequests[requestKey];
    }

    function depositParameters()
        external
        view
        returns (
            uint64 depositDustThreshold,
            uint64 depositTreasuryFeeDivisor,
            uint64 depositTxMaxFee,
            uint32 depositRevealAheadPeriod
        )
    {
        DepositParams storage p = _depositParams;
        return (
            p.depositDustThreshold,
            p.depositTreasuryFeeDivisor,
            p.depositTxMaxFee,
            p.depositRevealAheadPeriod
        );
    }

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
        )
    {
        RedemptionParams storage p = _redemptionParams;
        redemptionDustThreshold = p.redemptionDustThreshold;
        redemptionTreasuryFeeDivisor = p.redemptionTreasuryFeeDivisor;
        redemptionTxMaxFee = p.redemptionTxMaxFee;
        redemptionTxMaxTotalFee = p.redemptionTxMaxTotalFee;
        redemptionTimeout = p.redemptionTimeout;
        redemptionTimeoutSlashingAmount = p.redemptionTimeoutSlashingAmount;
        redemptionTimeoutNotifierRewardMultiplier = p
            .redemptionTimeoutNotifierRewardMultiplier;
    }

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
        )
    {
        MovingFundsParams storage p = _movingFundsParams;
        movingFundsTxMaxTotalFee = p.movingFundsTxMaxTotalFee;
        movingFundsDustThreshold = p.movingFundsDustThreshold;
        movingFundsTimeoutResetDelay = p.movingFundsTimeoutResetDelay;
        movingFundsTimeout = p.movingFundsTimeout;
        movingFundsTimeoutSlashingAmount = p.movingFundsTimeoutSlashingAmount;
        movingFundsTimeoutNotifierRewardMultiplier = p
            .movingFundsTimeoutNotifierRewardMultiplier;
        movingFundsCommitmentGasOffset = p.movingFundsCommitmentGasOffset;
        movedFundsSweepTxMaxTotalFee = p.movedFundsSweepTxMaxTotalFee;
        movedFundsSweepTimeout = p.movedFundsSweepTimeout;
        movedFundsSweepTimeoutSlashingAmount = p
            .movedFundsSweepTimeoutSlashingAmount;
        movedFundsSweepTimeoutNotifierRewardMultiplier = p
            .movedFundsSweepTimeoutNotifierRewardMultiplier;
    }

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
        )
    {
        WalletParams storage p = _walletParams;
        walletCreationPeriod = p.walletCreationPeriod;
        walletCreationMinBtcBalance = p.walletCreationMinBtcBalance;
        walletCreationMaxBtcBalance = p.walletCreationMaxBtcBalance;
        walletClosureMinBtcBalance = p.walletClosureMinBtcBalance;
        walletMaxAge = p.walletMaxAge;
        walletMaxBtcTransfer = p.walletMaxBtcTransfer;
        walletClosingPeriod = p.walletClosingPeriod;
    }

    function getRedemptionWatchtower() external view returns (address) {
        return _redemptionWatchtower;
    }

    function liveWalletsCount() external view returns (uint32) {
        return _liveWalletsCount;
    }

    function activeWalletPubKeyHash() external view returns (bytes20) {
        return _activeWalletPubKeyHash;
    }

    function isVaultTrusted(address vault) external view returns (bool) {
        return _trustedVaults[vault];
    }

    // --- Project views ---

    function walletOperators(bytes20 walletPubKeyHash)
        external
        view
        returns (address[] memory)
    {
        return _walletOperators[walletPubKeyHash];
    }

    function walletPublicKey(bytes20 walletPubKeyHash)
        external
        view
        returns (bytes memory)
    {
        return _walletPublicKeys[walletPubKeyHash];
    }

    function depositWalletPubKeyHash(uint256 depositKey)
        external
        view
        returns (bytes20)
    {
        return _depositWallets[depositKey];
    }

    function isMaintainer(address account) external view returns (bool) {
        return _maintainers[account];
    }

    function isRedemptionRequester(address account)
        external
        view
        returns (bool)
    {
        return _redemptionRequesters[account];
    }

    function governance() external view returns (address) {
        return _governance;
    }
}
