// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./IRedemptionWatchtower.sol";
import "./BitcoinScripts.sol";
import "./Wallets.sol";

/// @title Redemption
/// @notice Redemption requests (contracts.md 2.8) and the recording of
///         confirmed redemptions (2.10). There is no token: requesters are
///         allow-listed by governance and nothing is burnt or paid out.
library Redemption {
    using BTCUtils for bytes;
    using BytesLib for bytes;

    /// @notice Requests a redemption from a Live wallet to a Bitcoin output
    ///         script.
    /// @param walletPubKeyHash The wallet.
    /// @param mainUtxo The wallet's main UTXO.
    /// @param redeemerOutputScript Length-prefixed output script.
    /// @param amount Requested amount, in satoshi.
    /// @dev Requirements:
    ///      - The caller must be an authorized redemption requester,
    ///      - If a watchtower is set, it must deem the redemption safe,
    ///      - The wallet must be in Live state,
    ///      - The wallet must have a main UTXO and `mainUtxo` must match it,
    ///      - The script must be standard (P2PKH, P2WPKH, P2SH, P2WSH),
    ///      - The script must not pay the wallet's own PKH,
    ///      - `amount` must be at least `redemptionDustThreshold`,
    ///      - No request from this wallet to this script may be pending,
    ///      - The main UTXO value must cover all pending redemptions
    ///        including this one (less treasury fees).
    function requestRedemption(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        BitcoinUtxo calldata mainUtxo,
        bytes calldata redeemerOutputScript,
        uint64 amount
    ) external {
        require(
            self.isRedemptionRequester[msg.sender],
            "Caller is not an authorized redemption requester"
        );

        address watchtower = self.redemptionWatchtower;
        if (watchtower != address(0)) {
            require(
                IRedemptionWatchtower(watchtower).isSafeRedemption(
                    walletPubKeyHash,
                    redeemerOutputScript,
                    msg.sender,
                    msg.sender
                ),
                "Redemption request rejected by the watchtower"
            );
        }

        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Live,
            "Wallet must be in Live state"
        );
        require(
            wallet.mainUtxoHash != bytes32(0),
            "No main UTXO for the given wallet"
        );
        require(
            BitcoinScripts.mainUtxoHash(mainUtxo) == wallet.mainUtxoHash,
            "Invalid main UTXO data"
        );

        validateRedeemerOutputScript(redeemerOutputScript, walletPubKeyHash);

        BridgeState.RedemptionParameters storage params = self
            .redemptionParameters;
        require(
            amount >= params.redemptionDustThreshold,
            "Redemption amount too small"
        );

        uint256 redemptionKey = BitcoinScripts.redemptionKey(
            redeemerOutputScript,
            walletPubKeyHash
        );
        RedemptionRequest storage request = self.pendingRedemptions[
            redemptionKey
        ];
        require(
            request.requestedAt == 0,
            "There is a pending redemption request from this wallet to the same address"
        );

        uint64 treasuryFee = params.redemptionTreasuryFeeDivisor > 0
            ? amount / params.redemptionTreasuryFeeDivisor
            : 0;
        uint64 txMaxFee = params.redemptionTxMaxFee;

        wallet.pendingRedemptionsValue += amount - treasuryFee;
        require(
            mainUtxo.txOutputValue >= wallet.pendingRedemptionsValue,
            "Insufficient wallet funds"
        );

        request.redeemer = msg.sender;
        request.requestedAmount = amount;
        request.treasuryFee = treasuryFee;
        request.txMaxFee = txMaxFee;
        /* solhint-disable-next-line not-rely-on-time */
        request.requestedAt = uint32(block.timestamp);

        emit IBridgeEvents.RedemptionRequested(
            walletPubKeyHash,
            redeemerOutputScript,
            msg.sender,
            amount,
            treasuryFee,
            txMaxFee
        );
    }

    /// @notice Records a confirmed redemption.
    /// @param walletPubKeyHash The redeeming wallet.
    /// @param redemptionTxHash The redemption transaction hash.
    /// @param redeemerOutputScripts Length-prefixed scripts of the handled
    ///        requests.
    /// @param newMainUtxo The change output; a zero value means none.
    /// @dev Requirements:
    ///      - The caller must be a maintainer (checked by the Bridge),
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The wallet must have a main UTXO,
    ///      - At least one script must be given,
    ///      - Each request must be pending,
    ///      - If `newMainUtxo.txOutputValue > 0`, `newMainUtxo.txHash` must
    ///        equal `redemptionTxHash`.
    function recordRedemption(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 redemptionTxHash,
        bytes[] calldata redeemerOutputScripts,
        BitcoinUtxo calldata newMainUtxo
    ) external {
        Wallet storage wallet = Wallets.liveOrMovingFundsWallet(
            self,
            walletPubKeyHash
        );
        require(
            wallet.mainUtxoHash != bytes32(0),
            "No main UTXO for given wallet"
        );
        require(
            redeemerOutputScripts.length > 0,
            "No redemptions to record"
        );

        for (uint256 i = 0; i < redeemerOutputScripts.length; i++) {
            uint256 key = BitcoinScripts.redemptionKey(
                redeemerOutputScripts[i],
                walletPubKeyHash
            );
            RedemptionRequest storage request = self.pendingRedemptions[key];
            require(
                request.requestedAt != 0,
                "Not a pending redemption request"
            );
            wallet.pendingRedemptionsValue -=
                request.requestedAmount -
                request.treasuryFee;
            delete self.pendingRedemptions[key];
        }

        if (newMainUtxo.txOutputValue == 0) {
            delete wallet.mainUtxoHash;
        } else {
            Wallets.setMainUtxo(wallet, newMainUtxo, redemptionTxHash);
        }

        emit IBridgeEvents.RedemptionsCompleted(
            walletPubKeyHash,
            redemptionTxHash
        );
    }

    /// @notice Requires the redeemer output script to be standard and not
    ///         to pay the wallet's own public key hash.
    function validateRedeemerOutputScript(
        bytes memory redeemerOutputScript,
        bytes20 walletPubKeyHash
    ) private pure {
        bytes memory payload = redeemerOutputScript.extractHashAt(
            0,
            redeemerOutputScript.length
        );
        require(
            payload.length > 0,
            "Redeemer output script must be a standard type"
        );
        require(
            payload.length != 20 || payload.slice20(0) != walletPubKeyHash,
            "Redeemer output script must not point to the wallet PKH"
        );
    }
}
