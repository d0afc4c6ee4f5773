// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

/// @title Redemption watchtower interface
/// @notice The calls the Bridge and the WalletProposalValidator make on an
///         optional redemption watchtower.
interface IRedemptionWatchtower {
    /// @notice Returns the extra delay, in seconds, a redemption request
    ///         must wait before it may be processed.
    /// @param redemptionKey Redemption key (contracts.md 1.3).
    function getRedemptionDelay(uint256 redemptionKey)
        external
        view
        returns (uint32);

    /// @notice Tells whether a redemption request is safe to accept.
    /// @param walletPubKeyHash Wallet the redemption is requested from.
    /// @param redeemerOutputScript Length-prefixed redeemer output script.
    /// @param balanceOwner Owner of the redeemed balance.
    /// @param redeemer Address requesting the redemption.
    function isSafeRedemption(
        bytes20 walletPubKeyHash,
        bytes calldata redeemerOutputScript,
        address balanceOwner,
        address redeemer
    ) external view returns (bool);
}
