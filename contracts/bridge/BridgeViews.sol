// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeView.sol";

/// @title Bridge views
/// @notice The Bridge's storage and every view of `IBridgeView`
///         (contracts.md 2.4), whose return encodings are identical to
///         tBTC v2's Bridge. The Bridge and its test double `BridgeStub`
///         both inherit it, so the validator tests read the real views.
/// @dev `self` is the only storage variable (slot 0 onwards).
abstract contract BridgeViews is IBridgeView {
    BridgeState.Storage internal self;

    // Grouped by domain. All but the project views (contracts.md 2.4)
    // encode exactly like tBTC v2's Bridge.

    // --- Wallets ---

    /// @notice The wallet registered under `walletPubKeyHash`; all zero
    ///         (state Unknown) for an unknown wallet.
    function wallets(bytes20 walletPubKeyHash)
        external
        view
        returns (Wallet memory)
    {
        return self.registeredWallets[walletPubKeyHash];
    }

    /// @notice Project view: the wallet's seat list (seat `k` is index
    ///         `k - 1`, duplicates allowed); empty for an unknown wallet.
    function walletOperators(bytes20 walletPubKeyHash)
        external
        view
        returns (address[] memory)
    {
        return self.walletOperators[walletPubKeyHash];
    }

    /// @notice Project view: the wallet's 64-byte public key X || Y; empty
    ///         for an unknown wallet. A FROST wallet's is walletX || y with
    ///         y even.
    function walletPublicKey(bytes20 walletPubKeyHash)
        external
        view
        returns (bytes memory)
    {
        return self.walletPublicKeys[walletPubKeyHash];
    }

    /// @notice The wallet's signing scheme (threshold.md 2) and, for a
    ///         FROST wallet, its signing threshold; ECDSA (0) and 0 for an
    ///         ECDSA or unknown wallet.
    function walletScheme(bytes20 walletPubKeyHash)
        external
        view
        returns (WalletScheme scheme, uint16 threshold)
    {
        scheme = self.walletSchemes[walletPubKeyHash];
        threshold = self.walletThresholds[walletPubKeyHash];
    }

    /// @notice The FROST wallet registry; 0 until governance sets it.
    function frostWalletRegistry() external view returns (address) {
        return self.frostWalletRegistry;
    }

    /// @return The fields of `BridgeState.WalletParameters`, in order.
    function walletParameters()
        external
        view
        returns (uint32, uint64, uint64, uint64, uint32, uint64, uint32)
    {
        returnEncoded(abi.encode(self.walletParameters));
    }

    /// @notice The wallet new deposits should go to; 0 when there is none.
    function activeWalletPubKeyHash() external view returns (bytes20) {
        return self.activeWalletPubKeyHash;
    }

    /// @notice The number of wallets in Live state.
    function liveWalletsCount() external view returns (uint32) {
        return self.liveWalletsCount;
    }

    // --- Deposits ---

    /// @notice The deposit at `depositKey` (contracts.md 1.3); all zero when
    ///         it was never revealed.
    function deposits(uint256 depositKey)
        external
        view
        returns (DepositRequest memory)
    {
        return self.deposits[depositKey];
    }

    /// @notice Project view: the wallet the deposit at `depositKey` was
    ///         revealed for.
    function depositWalletPubKeyHash(uint256 depositKey)
        external
        view
        returns (bytes20)
    {
        return self.depositWallet[depositKey];
    }

    /// @return The fields of `BridgeState.DepositParameters`, in order.
    function depositParameters()
        external
        view
        returns (uint64, uint64, uint64, uint32)
    {
        returnEncoded(abi.encode(self.depositParameters));
    }

    /// @notice Whether deposits may target `vault`.
    function isVaultTrusted(address vault) external view returns (bool) {
        return self.isVaultTrusted[vault];
    }

    // --- Redemptions ---

    /// @notice The pending redemption request at `redemptionKey`
    ///         (contracts.md 1.3); `requestedAt` 0 when none is pending.
    function pendingRedemptions(uint256 redemptionKey)
        external
        view
        returns (RedemptionRequest memory)
    {
        return self.pendingRedemptions[redemptionKey];
    }

    /// @return The fields of `BridgeState.RedemptionParameters`, in order.
    function redemptionParameters()
        external
        view
        returns (uint64, uint64, uint64, uint64, uint32, uint96, uint32)
    {
        returnEncoded(abi.encode(self.redemptionParameters));
    }

    /// @notice The redemption watchtower; 0 when none is set.
    function getRedemptionWatchtower() external view returns (address) {
        return self.redemptionWatchtower;
    }

    /// @notice Project view: whether `account` may request redemptions.
    function isRedemptionRequester(address account)
        external
        view
        returns (bool)
    {
        return self.isRedemptionRequester[account];
    }

    // --- Moving funds ---

    /// @notice The moved funds sweep request at `requestKey`
    ///         (contracts.md 1.3).
    function movedFundsSweepRequests(uint256 requestKey)
        external
        view
        returns (MovedFundsSweepRequest memory)
    {
        return self.movedFundsSweepRequests[requestKey];
    }

    /// @return The fields of `BridgeState.MovingFundsParameters`, in order.
    function movingFundsParameters()
        external
        view
        returns (uint64, uint64, uint32, uint32, uint96, uint32, uint16, uint64, uint32, uint96, uint32)
    {
        returnEncoded(abi.encode(self.movingFundsParameters));
    }

    // --- SPV proofs (issue 14) ---

    /// @notice The Bitcoin difficulty relay proofs are checked against; 0
    ///         while none is set (proofs are then refused).
    function relay() external view returns (address) {
        return self.relay;
    }

    /// @notice Required work of a proof's headers, in epoch difficulties.
    function txProofDifficultyFactor() external view returns (uint256) {
        return self.txProofDifficultyFactor;
    }

    // --- Roles ---

    /// @notice Project view: the governance.
    function governance() external view returns (address) {
        return self.governance;
    }

    /// @notice Project view: whether `account` may record Bitcoin outcomes.
    function isMaintainer(address account) external view returns (bool) {
        return self.isMaintainer[account];
    }

    /// @notice Ends the call, returning `encoded` as the return data. A
    ///         parameter struct ABI-encodes exactly like the flat tuple its
    ///         getter declares.
    function returnEncoded(bytes memory encoded) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(add(encoded, 32), mload(encoded))
        }
    }
}
