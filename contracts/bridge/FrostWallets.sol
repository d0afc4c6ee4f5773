// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./Taproot.sol";
import "./Wallets.sol";

/// @title FROST wallets
/// @notice Registration of FROST wallets (threshold.md 2, 3.1), whose keys
///         a signing group created by DKG and the FROST wallet registry
///         accepted, and the scheme checks of the other Bridge libraries.
///         A FROST wallet is identified by its x-only key `walletX`: its
///         PKH is HASH160(0x02 || walletX), its public key is stored as
///         `walletX || y` with y even, and its ID is keccak256 of that.
library FrostWallets {
    /// @notice Sets the FROST wallet registry, the only caller of
    ///         `registerFrostWallet`. It can be set only once.
    /// @param registry The registry.
    /// @dev Requirements:
    ///      - The caller must be the governance (checked by the Bridge),
    ///      - `registry` must not be zero,
    ///      - No registry may be set yet.
    function setFrostWalletRegistry(
        BridgeState.Storage storage self,
        address registry
    ) external {
        require(
            registry != address(0),
            "FROST wallet registry address must not be 0x0"
        );
        require(
            self.frostWalletRegistry == address(0),
            "FROST wallet registry already set"
        );
        self.frostWalletRegistry = registry;
        emit IBridgeEvents.FrostWalletRegistrySet(registry);
    }

    /// @notice Registers a new Live FROST wallet with its seat list. It
    ///         becomes the active wallet.
    /// @param walletX The wallet's x-only key.
    /// @param members Seat list (the DKG request's members, ascending).
    /// @param threshold Number of members that sign together.
    /// @dev Requirements:
    ///      - The caller must be the FROST wallet registry,
    ///      - `walletX` must be the x coordinate of a secp256k1 point,
    ///      - The signing group size must be in [1, 255],
    ///      - No member may be the zero address,
    ///      - The wallet (by its public key hash) must not be registered.
    function registerFrostWallet(
        BridgeState.Storage storage self,
        bytes32 walletX,
        address[] calldata members,
        uint16 threshold
    ) external {
        require(
            msg.sender == self.frostWalletRegistry,
            "Caller is not the FROST wallet registry"
        );
        (uint256 y, bool onCurve) = Taproot.liftX(uint256(walletX));
        require(onCurve, "FROST wallet key is not a valid x coordinate");
        Wallets.requireSigningGroup(members);

        bytes20 walletPubKeyHash = BitcoinScripts.xOnlyPubKeyHash(walletX);
        require(
            self.registeredWallets[walletPubKeyHash].state ==
                WalletState.Unknown,
            "FROST wallet has been already registered"
        );

        self.walletSchemes[walletPubKeyHash] = WalletScheme.FROST;
        self.walletThresholds[walletPubKeyHash] = threshold;
        Wallets.addWallet(
            self,
            walletPubKeyHash,
            walletX,
            bytes32(y),
            members
        );
    }

    /// @notice Requires the wallet's scheme to be the one that takes
    ///         deposits of the revealed form: FROST for Taproot deposits,
    ///         ECDSA for P2SH/P2WSH deposits (threshold.md 4.3).
    function requireDepositScheme(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        WalletScheme scheme
    ) internal view {
        if (scheme == WalletScheme.FROST) {
            require(
                self.walletSchemes[walletPubKeyHash] == WalletScheme.FROST,
                "Taproot deposits need a FROST wallet"
            );
        } else {
            require(
                self.walletSchemes[walletPubKeyHash] == WalletScheme.ECDSA,
                "FROST wallets take Taproot deposits only"
            );
        }
    }

    /// @notice A FROST wallet's x-only key: the first 32 bytes of its
    ///         stored public key.
    function frostWalletX(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash
    )
        internal
        view
        returns (bytes32)
    {
        bytes memory publicKey = self.walletPublicKeys[walletPubKeyHash];
        return bytes32(publicKey);
    }
}
