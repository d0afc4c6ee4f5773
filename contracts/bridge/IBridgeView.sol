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

    // The parameter getters return the fields of the `BridgeState` structs
    // of the same names, in order (contracts.md 2.3).

    function depositParameters()
        external
        view
        returns (uint64, uint64, uint64, uint32);

    function redemptionParameters()
        external
        view
        returns (uint64, uint64, uint64, uint64, uint32, uint96, uint32);

    function movingFundsParameters()
        external
        view
        returns (uint64, uint64, uint32, uint32, uint96, uint32, uint16, uint64, uint32, uint96, uint32);

    function walletParameters()
        external
        view
        returns (uint32, uint64, uint64, uint64, uint32, uint64, uint32);

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

    // --- Threshold wallets (threshold.md 2) ---

    function walletScheme(bytes20 walletPubKeyHash)
        external
        view
        returns (WalletScheme scheme, uint16 threshold);

    function frostWalletRegistry() external view returns (address);
}
