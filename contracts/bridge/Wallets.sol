// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";

/// @title Wallets
/// @notice The wallet registry and lifecycle (contracts.md 2.6): registration
///         with the signing group's seat list, moving funds, closing and
///         termination; plus the wallet checks the other Bridge libraries
///         share. The Bridge checks the caller's role before calling in.
library Wallets {
    /// @notice Registers a new Live wallet with its signing group (stands
    ///         in for tBTC's DKG result callback). It becomes the active
    ///         wallet.
    /// @param publicKeyX X coordinate of the wallet's public key.
    /// @param publicKeyY Y coordinate of the wallet's public key.
    /// @param operators Seat list: seat `k` is index `k - 1`; duplicates
    ///        allowed.
    /// @dev Requirements:
    ///      - The caller must be the governance (checked by the Bridge),
    ///      - The signing group size must be in [1, 255],
    ///      - No operator may be the zero address,
    ///      - The wallet (by its public key hash) must not be registered.
    function registerWallet(
        BridgeState.Storage storage self,
        bytes32 publicKeyX,
        bytes32 publicKeyY,
        address[] calldata operators
    ) external {
        requireSigningGroup(operators);

        bytes20 walletPubKeyHash = BitcoinScripts.walletPubKeyHashFromKey(
            publicKeyX,
            publicKeyY
        );
        require(
            self.registeredWallets[walletPubKeyHash].state ==
                WalletState.Unknown,
            "ECDSA wallet has been already registered"
        );

        addWallet(self, walletPubKeyHash, publicKeyX, publicKeyY, operators);
    }

    /// @notice Moves a Live wallet out of Live: to MovingFunds if it has a
    ///         main UTXO, otherwise straight to Closing (stands in for tBTC's
    ///         triggers: redemption timeout, heartbeat failure, wallet age).
    /// @param walletPubKeyHash The wallet.
    /// @dev Requirements:
    ///      - The caller must be the governance (checked by the Bridge),
    ///      - The wallet must be in Live state.
    function beginMovingFunds(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash
    ) external {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Live,
            "Wallet must be in Live state"
        );

        if (wallet.mainUtxoHash == bytes32(0)) {
            beginWalletClosing(wallet, walletPubKeyHash);
        } else {
            wallet.state = WalletState.MovingFunds;
            /* solhint-disable-next-line not-rely-on-time */
            wallet.movingFundsRequestedAt = uint32(block.timestamp);
            emit IBridgeEvents.WalletMovingFunds(
                wallet.ecdsaWalletID,
                walletPubKeyHash
            );
        }

        if (self.activeWalletPubKeyHash == walletPubKeyHash) {
            delete self.activeWalletPubKeyHash;
        }
        self.liveWalletsCount--;
    }

    /// @notice Closes a Closing wallet once its closing period has elapsed.
    ///         Permissionless.
    /// @param walletPubKeyHash The wallet.
    /// @dev Requirements:
    ///      - The wallet must be in Closing state,
    ///      - `block.timestamp` must be strictly after `closingStartedAt +
    ///        walletClosingPeriod`.
    function finalizeWalletClosing(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash
    ) external {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Closing,
            "Wallet must be in Closing state"
        );
        require(
            /* solhint-disable-next-line not-rely-on-time */
            block.timestamp >
                uint256(wallet.closingStartedAt) +
                    self.walletParameters.walletClosingPeriod,
            "Closing period has not elapsed yet"
        );

        wallet.state = WalletState.Closed;
        emit IBridgeEvents.WalletClosed(wallet.ecdsaWalletID, walletPubKeyHash);
    }

    /// @notice Terminates a wallet.
    /// @param walletPubKeyHash The wallet.
    /// @dev Requirements:
    ///      - The caller must be the governance (checked by the Bridge),
    ///      - The wallet must be in Live, MovingFunds or Closing state.
    function terminateWallet(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash
    ) external {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        WalletState state = wallet.state;
        require(
            state == WalletState.Live ||
                state == WalletState.MovingFunds ||
                state == WalletState.Closing,
            "Wallet cannot be terminated in its current state"
        );

        if (state == WalletState.Live) {
            self.liveWalletsCount--;
        }

        wallet.state = WalletState.Terminated;
        if (self.activeWalletPubKeyHash == walletPubKeyHash) {
            delete self.activeWalletPubKeyHash;
        }

        emit IBridgeEvents.WalletTerminated(
            wallet.ecdsaWalletID,
            walletPubKeyHash
        );
    }

    /// @notice Requires a signing group of 1 to 255 seats, none of them the
    ///         zero address.
    function requireSigningGroup(address[] calldata operators) internal pure {
        require(
            operators.length >= 1 && operators.length <= 255,
            "Invalid signing group size"
        );
        for (uint256 i = 0; i < operators.length; i++) {
            require(
                operators[i] != address(0),
                "Operator address cannot be zero"
            );
        }
    }

    /// @notice Adds a new Live wallet, the active one, with its key
    ///         `X || Y` and its seat list, and emits `NewWalletRegistered`
    ///         then `WalletOperatorsSet`. The caller has checked that the
    ///         wallet is unknown.
    function addWallet(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 publicKeyX,
        bytes32 publicKeyY,
        address[] calldata operators
    ) internal {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        bytes32 ecdsaWalletID = BitcoinScripts.ecdsaWalletIdFromKey(
            publicKeyX,
            publicKeyY
        );
        wallet.ecdsaWalletID = ecdsaWalletID;
        wallet.state = WalletState.Live;
        /* solhint-disable-next-line not-rely-on-time */
        wallet.createdAt = uint32(block.timestamp);

        self.walletOperators[walletPubKeyHash] = operators;
        self.walletPublicKeys[walletPubKeyHash] = abi.encodePacked(
            publicKeyX,
            publicKeyY
        );

        self.activeWalletPubKeyHash = walletPubKeyHash;
        self.liveWalletsCount++;

        emit IBridgeEvents.NewWalletRegistered(ecdsaWalletID, walletPubKeyHash);
        emit IBridgeEvents.WalletOperatorsSet(walletPubKeyHash, operators);
    }

    /// @notice Moves the wallet to Closing and emits `WalletClosing`.
    function beginWalletClosing(
        Wallet storage wallet,
        bytes20 walletPubKeyHash
    ) internal {
        wallet.state = WalletState.Closing;
        /* solhint-disable-next-line not-rely-on-time */
        wallet.closingStartedAt = uint32(block.timestamp);
        emit IBridgeEvents.WalletClosing(wallet.ecdsaWalletID, walletPubKeyHash);
    }

    /// @notice Returns the wallet, requiring Live or MovingFunds state (the
    ///         first check of every `record*` function but moving funds).
    function liveOrMovingFundsWallet(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash
    ) internal view returns (Wallet storage wallet) {
        wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Live ||
                wallet.state == WalletState.MovingFunds,
            "Wallet must be in Live or MovingFunds state"
        );
    }

    /// @notice Sets the wallet's main UTXO, requiring it to come from the
    ///         recorded transaction.
    function setMainUtxo(
        Wallet storage wallet,
        BitcoinUtxo memory newMainUtxo,
        bytes32 recordedTxHash
    ) internal {
        require(
            newMainUtxo.txHash == recordedTxHash,
            "Main UTXO must come from the recorded transaction"
        );
        wallet.mainUtxoHash = BitcoinScripts.mainUtxoHash(newMainUtxo);
    }
}
