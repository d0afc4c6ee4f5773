// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./IRedemptionWatchtower.sol";
import "./BitcoinScripts.sol";
import "./BitcoinTx.sol";
import "./WalletTx.sol";
import "./Wallets.sol";

/// @title Redemption
/// @notice Redemption requests (contracts.md 2.8) and confirmed
///         redemptions, recorded by a maintainer (2.10) or proven with an SPV
///         proof (issue 14) through the same `takeRedemption` and
///         `completeRedemptions`. There is no token: requesters are
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
            takeRedemption(
                self,
                wallet,
                BitcoinScripts.redemptionKey(
                    redeemerOutputScripts[i],
                    walletPubKeyHash
                )
            );
        }

        completeRedemptions(
            wallet,
            walletPubKeyHash,
            redemptionTxHash,
            newMainUtxo
        );
    }

    /// @notice Proves a redemption (tbtc-v2's `submitRedemptionProof`);
    ///         permissionless, the proof is the authority.
    /// @param redemptionTx The redemption transaction.
    /// @param redemptionProof Its SPV proof.
    /// @param mainUtxo The wallet's main UTXO.
    /// @param walletPubKeyHash The redeeming wallet.
    /// @dev Requirements:
    ///      - The proof must be valid (`WalletTx.validateProof`),
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - It must have a main UTXO, `mainUtxo` must hash to it, and the
    ///        transaction's single input must spend it,
    ///      - Each output is either the first non-zero output paying the
    ///        wallet itself in its scheme's form (the change), or pays a
    ///        pending request of this wallet to that script an amount between
    ///        `requestedAmount - treasuryFee - txMaxFee` and
    ///        `requestedAmount - treasuryFee`,
    ///      - At least one request must be paid,
    ///      - The fee (main UTXO value less all outputs) must not exceed
    ///        `redemptionTxMaxTotalFee`.
    ///      Effects: those of `recordRedemption` with the paid requests and
    ///      the change as new main UTXO (none without change).
    function submitRedemptionProof(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata redemptionTx,
        BitcoinTx.Proof calldata redemptionProof,
        BitcoinUtxo calldata mainUtxo,
        bytes20 walletPubKeyHash
    ) external {
        bytes32 redemptionTxHash = WalletTx.validateProof(
            self,
            redemptionTx,
            redemptionProof
        );

        Wallet storage wallet = Wallets.liveOrMovingFundsWallet(
            self,
            walletPubKeyHash
        );
        WalletTx.requireSpendsMainUtxoOnly(
            wallet,
            redemptionTx.inputVector,
            mainUtxo
        );

        (BitcoinUtxo memory change, uint256 outputsValue) = redemptionOutputs(
            self,
            wallet,
            redemptionTx.outputVector,
            walletPubKeyHash
        );
        change.txHash = redemptionTxHash;

        require(
            mainUtxo.txOutputValue - outputsValue <=
                self.redemptionParameters.redemptionTxMaxTotalFee,
            "Transaction fee is too high"
        );

        completeRedemptions(
            wallet,
            walletPubKeyHash,
            redemptionTxHash,
            change
        );
    }

    /// @notice Takes each output as the change or a paid request; returns
    ///         the change (index and value; value 0 for none) and the sum of
    ///         all outputs.
    function redemptionOutputs(
        BridgeState.Storage storage self,
        Wallet storage wallet,
        bytes memory outputVector,
        bytes20 walletPubKeyHash
    ) private returns (BitcoinUtxo memory change, uint256 outputsValue) {
        bool redemptionPresent = false;
        (uint256 offset, uint256 count) = WalletTx.vectorStart(outputVector);
        for (uint256 i = 0; i < count; i++) {
            (
                bytes20 payee,
                uint64 value,
                bytes memory script,
                uint256 length
            ) = WalletTx.outputAt(self, outputVector, offset);
            outputsValue += value;

            if (
                change.txOutputValue == 0 &&
                payee == walletPubKeyHash &&
                value > 0
            ) {
                change.txOutputIndex = uint32(i);
                change.txOutputValue = value;
            } else {
                payRedemption(
                    self,
                    wallet,
                    BitcoinScripts.redemptionKey(script, walletPubKeyHash),
                    value
                );
                redemptionPresent = true;
            }
            offset += length;
        }
        require(
            redemptionPresent,
            "Redemption transaction must process at least one redemption"
        );
    }

    /// @notice Takes the request an output pays (`takeRedemption`).
    /// @dev Requirements: the request must be pending and `value` between
    ///      its redeemable amount less `txMaxFee` and its redeemable amount.
    function payRedemption(
        BridgeState.Storage storage self,
        Wallet storage wallet,
        uint256 key,
        uint64 value
    ) private {
        RedemptionRequest memory request = takeRedemption(self, wallet, key);
        uint64 redeemable = request.requestedAmount - request.treasuryFee;
        require(
            redeemable - request.txMaxFee <= value && value <= redeemable,
            "Output value is not within the acceptable range of the pending request"
        );
    }

    /// @notice Removes a pending request and its value from the wallet's
    ///         pending redemptions (both paths); returns it.
    /// @dev Requirements: the request must be pending.
    function takeRedemption(
        BridgeState.Storage storage self,
        Wallet storage wallet,
        uint256 key
    ) private returns (RedemptionRequest memory request) {
        request = self.pendingRedemptions[key];
        require(request.requestedAt != 0, "Not a pending redemption request");
        wallet.pendingRedemptionsValue -=
            request.requestedAmount -
            request.treasuryFee;
        delete self.pendingRedemptions[key];
    }

    /// @notice Sets the change as the new main UTXO, or deletes the main
    ///         UTXO when `newMainUtxo.txOutputValue` is 0, and emits
    ///         `RedemptionsCompleted` (both paths).
    function completeRedemptions(
        Wallet storage wallet,
        bytes20 walletPubKeyHash,
        bytes32 redemptionTxHash,
        BitcoinUtxo memory newMainUtxo
    ) private {
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
