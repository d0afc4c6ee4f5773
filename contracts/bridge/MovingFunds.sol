// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./BitcoinTx.sol";
import "./MovingFundsTx.sol";
import "./WalletTx.sol";
import "./Wallets.sol";

/// @title Moving funds
/// @notice A MovingFunds wallet commits to its target wallets
///         (contracts.md 2.9); the confirmed moving funds transaction is
///         recorded (2.10) or proven (issue 14) with one moved funds sweep
///         request per target, and each target's confirmed sweep of its
///         request is recorded or proven. Recording and proof make their
///         changes through the same private functions.
library MovingFunds {
    /// @notice Submits the target wallets a MovingFunds wallet will move
    ///         its funds to. Only a member of the source wallet, at the seat
    ///         it names, may submit.
    /// @param walletPubKeyHash The source wallet.
    /// @param walletMainUtxo The source wallet's main UTXO (ignored when it
    ///        has none).
    /// @param walletMemberIndex The caller's seat (1-based).
    /// @param targetWallets Target wallets, strictly ascending.
    /// @dev Requirements:
    ///      - The source wallet must be in MovingFunds state,
    ///      - It must have no pending redemptions,
    ///      - It must have no pending moved funds sweep requests,
    ///      - No commitment may be submitted yet,
    ///      - The caller must sit at `walletMemberIndex` in the seat list,
    ///      - `walletMainUtxo` must match the wallet's main UTXO (if any),
    ///      - The wallet's BTC balance must be non-zero,
    ///      - min(liveWalletsCount, ceil(balance / walletMaxBtcTransfer))
    ///        must be non-zero and equal to the number of targets,
    ///      - Each target must differ from the source, be strictly greater
    ///        than the previous one, and be Live.
    function submitMovingFundsCommitment(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        BitcoinUtxo calldata walletMainUtxo,
        uint256 walletMemberIndex,
        bytes20[] calldata targetWallets
    ) external {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.MovingFunds,
            "Source wallet must be in MovingFunds state"
        );
        require(
            wallet.pendingRedemptionsValue == 0,
            "Source wallet must handle all pending redemptions first"
        );
        require(
            wallet.pendingMovedFundsSweepRequestsCount == 0,
            "Source wallet must handle all pending moved funds sweep requests first"
        );
        require(
            wallet.movingFundsTargetWalletsCommitmentHash == bytes32(0),
            "Target wallets commitment already submitted"
        );

        address[] storage seats = self.walletOperators[walletPubKeyHash];
        require(
            walletMemberIndex >= 1 &&
                walletMemberIndex <= seats.length &&
                seats[walletMemberIndex - 1] == msg.sender,
            "Caller is not a member of the source wallet"
        );

        uint64 walletBtcBalance = BitcoinScripts.mainUtxoBalance(
            wallet.mainUtxoHash,
            walletMainUtxo
        );
        require(walletBtcBalance > 0, "Wallet BTC balance is zero");

        uint256 expectedTargetWalletsCount = Math.min(
            self.liveWalletsCount,
            Math.ceilDiv(
                walletBtcBalance,
                self.walletParameters.walletMaxBtcTransfer
            )
        );
        require(
            expectedTargetWalletsCount > 0,
            "No target wallets available"
        );
        require(
            targetWallets.length == expectedTargetWalletsCount,
            "Submitted target wallets count is other than expected"
        );

        uint160 lastTargetWallet = 0;
        for (uint256 i = 0; i < targetWallets.length; i++) {
            bytes20 targetWallet = targetWallets[i];
            require(
                targetWallet != walletPubKeyHash,
                "Submitted target wallet cannot be equal to the source wallet"
            );
            require(
                uint160(targetWallet) > lastTargetWallet,
                "Submitted target wallet breaks the expected order"
            );
            require(
                self.registeredWallets[targetWallet].state == WalletState.Live,
                "Submitted target wallet must be in Live state"
            );
            lastTargetWallet = uint160(targetWallet);
        }

        wallet.movingFundsTargetWalletsCommitmentHash = BitcoinScripts
            .targetWalletsCommitment(targetWallets);

        emit IBridgeEvents.MovingFundsCommitmentSubmitted(
            walletPubKeyHash,
            targetWallets,
            msg.sender
        );
    }

    /// @notice Records a confirmed moving funds transaction: creates one
    ///         Pending moved funds sweep request per target and moves the
    ///         source wallet to Closing.
    /// @param walletPubKeyHash The source wallet.
    /// @param movingFundsTxHash The moving funds transaction hash.
    /// @param targetWallets The committed target wallets, in order.
    /// @param outputValues The output value for each target.
    /// @dev Requirements:
    ///      - The caller must be a maintainer (checked by the Bridge),
    ///      - Then those of `completeMovingFunds`.
    function recordMovingFunds(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        bytes20[] calldata targetWallets,
        uint64[] calldata outputValues
    ) external {
        completeMovingFunds(
            self,
            walletPubKeyHash,
            movingFundsTxHash,
            targetWallets,
            outputValues
        );
    }

    /// @notice Proves a moving funds transaction (tbtc-v2's
    ///         `submitMovingFundsProof`); permissionless, the proof is the
    ///         authority.
    /// @param movingFundsTx The moving funds transaction.
    /// @param movingFundsProof Its SPV proof.
    /// @param mainUtxo The source wallet's main UTXO.
    /// @param walletPubKeyHash The source wallet.
    /// @dev Requirements:
    ///      - The proof must be valid (`WalletTx.validateProof`),
    ///      - The wallet must be in MovingFunds state,
    ///      - It must have a main UTXO, `mainUtxo` must hash to it, and the
    ///        transaction's single input must spend it,
    ///      - Each output must pay a wallet in its scheme's form
    ///        (`WalletTx.outputAt`),
    ///      - The output values must be equal but for the remainder of the
    ///        total divided by the output count,
    ///      - The fee (main UTXO value less the outputs) must not exceed
    ///        `movingFundsTxMaxTotalFee`,
    ///      - Then those of `completeMovingFunds` with the paid wallets and
    ///        values, in output order: they must be the commitment's.
    function submitMovingFundsProof(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata movingFundsTx,
        BitcoinTx.Proof calldata movingFundsProof,
        BitcoinUtxo calldata mainUtxo,
        bytes20 walletPubKeyHash
    ) external {
        bytes32 movingFundsTxHash = WalletTx.validateProof(
            self,
            movingFundsTx,
            movingFundsProof
        );

        Wallet storage wallet = movingFundsWallet(self, walletPubKeyHash);
        WalletTx.requireSpendsMainUtxoOnly(
            wallet,
            movingFundsTx.inputVector,
            mainUtxo
        );

        (
            bytes20[] memory targetWallets,
            uint64[] memory outputValues,
            uint256 outputsValue
        ) = MovingFundsTx.movingFundsOutputs(self, movingFundsTx.outputVector);

        require(
            mainUtxo.txOutputValue - outputsValue <=
                self.movingFundsParameters.movingFundsTxMaxTotalFee,
            "Transaction fee is too high"
        );

        completeMovingFunds(
            self,
            walletPubKeyHash,
            movingFundsTxHash,
            targetWallets,
            outputValues
        );
    }

    /// @notice Creates one Pending moved funds sweep request per target and
    ///         moves the source wallet to Closing (both paths).
    /// @dev Requirements:
    ///      - The wallet must be in MovingFunds state,
    ///      - A commitment must be submitted and match `targetWallets`,
    ///      - Each target must have a matching output value,
    ///      - No sweep request may exist yet at any output's key.
    function completeMovingFunds(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        bytes20[] memory targetWallets,
        uint64[] memory outputValues
    ) private {
        Wallet storage wallet = movingFundsWallet(self, walletPubKeyHash);
        bytes32 commitment = wallet.movingFundsTargetWalletsCommitmentHash;
        require(
            commitment != bytes32(0),
            "Target wallets commitment is not submitted"
        );
        require(
            commitment ==
                BitcoinScripts.targetWalletsCommitment(targetWallets),
            "Target wallets don't correspond to the commitment"
        );
        require(
            outputValues.length == targetWallets.length,
            "Each target wallet must have a matching output value"
        );

        for (uint256 i = 0; i < targetWallets.length; i++) {
            MovedFundsSweepRequest storage request = self
                .movedFundsSweepRequests[
                    BitcoinScripts.movedFundsKey(movingFundsTxHash, uint32(i))
                ];
            require(
                request.state == MovedFundsSweepRequestState.Unknown,
                "Moved funds sweep request already exists"
            );
            request.walletPubKeyHash = targetWallets[i];
            request.value = outputValues[i];
            /* solhint-disable-next-line not-rely-on-time */
            request.createdAt = uint32(block.timestamp);
            request.state = MovedFundsSweepRequestState.Pending;
            self
                .registeredWallets[targetWallets[i]]
                .pendingMovedFundsSweepRequestsCount++;
        }

        delete wallet.mainUtxoHash;

        emit IBridgeEvents.MovingFundsCompleted(
            walletPubKeyHash,
            movingFundsTxHash
        );

        Wallets.beginWalletClosing(wallet, walletPubKeyHash);
    }

    /// @notice Records a confirmed moved funds sweep.
    /// @param walletPubKeyHash The sweeping (target) wallet.
    /// @param sweepTxHash The sweep transaction hash.
    /// @param movingFundsTxHash The moving funds transaction hash.
    /// @param movingFundsTxOutputIndex The swept output's index.
    /// @param newMainUtxo The wallet's new main UTXO (the sweep output).
    /// @dev Requirements:
    ///      - The caller must be a maintainer (checked by the Bridge),
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The sweep request must be Pending,
    ///      - It must belong to the wallet,
    ///      - `newMainUtxo.txHash` must equal `sweepTxHash`.
    function recordMovedFundsSweep(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        bytes32 movingFundsTxHash,
        uint32 movingFundsTxOutputIndex,
        BitcoinUtxo calldata newMainUtxo
    ) external {
        Wallet storage wallet = Wallets.liveOrMovingFundsWallet(
            self,
            walletPubKeyHash
        );
        MovingFundsTx.processSweepRequest(
            self,
            wallet,
            walletPubKeyHash,
            movingFundsTxHash,
            movingFundsTxOutputIndex
        );
        completeMovedFundsSweep(
            wallet,
            walletPubKeyHash,
            sweepTxHash,
            newMainUtxo
        );
    }

    /// @notice Proves a moved funds sweep (tbtc-v2's
    ///         `submitMovedFundsSweepProof`); permissionless, the proof is
    ///         the authority.
    /// @param sweepTx The moved funds sweep transaction.
    /// @param sweepProof Its SPV proof.
    /// @param mainUtxo The sweeping wallet's main UTXO; ignored when it has
    ///        none.
    /// @dev Requirements:
    ///      - The proof must be valid (`WalletTx.validateProof`),
    ///      - The transaction must have exactly one output, paying a wallet
    ///        in its scheme's form (`WalletTx.outputAt`),
    ///      - That wallet must be in Live or MovingFunds state,
    ///      - If it has a main UTXO, `mainUtxo` must hash to it,
    ///      - The transaction must have two inputs if the wallet has a main
    ///        UTXO, else one: the main UTXO, and an output of a moving funds
    ///        transaction whose sweep request is Pending and belongs to the
    ///        wallet,
    ///      - The fee (inputs less the output) must not exceed
    ///        `movedFundsSweepTxMaxTotalFee`.
    ///      Effects: those of `recordMovedFundsSweep` with that request and
    ///      main UTXO `(sweepTxHash, 0, output value)`.
    function submitMovedFundsSweepProof(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata sweepTx,
        BitcoinTx.Proof calldata sweepProof,
        BitcoinUtxo calldata mainUtxo
    ) external {
        (
            bytes32 sweepTxHash,
            bytes20 walletPubKeyHash,
            uint64 outputValue,
            Wallet storage wallet,
            BitcoinUtxo memory resolvedMainUtxo
        ) = WalletTx.provenSweep(self, sweepTx, sweepProof, mainUtxo);

        uint256 inputsValue = MovingFundsTx.movedFundsSweepInputs(
            self,
            wallet,
            walletPubKeyHash,
            sweepTx.inputVector,
            resolvedMainUtxo
        );
        require(
            inputsValue - outputValue <=
                self.movingFundsParameters.movedFundsSweepTxMaxTotalFee,
            "Transaction fee is too high"
        );

        completeMovedFundsSweep(
            wallet,
            walletPubKeyHash,
            sweepTxHash,
            BitcoinUtxo(sweepTxHash, 0, outputValue)
        );
    }

    /// @notice Sets the new main UTXO and emits `MovedFundsSwept` (both
    ///         paths).
    function completeMovedFundsSweep(
        Wallet storage wallet,
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        BitcoinUtxo memory newMainUtxo
    ) private {
        Wallets.setMainUtxo(wallet, newMainUtxo, sweepTxHash);
        emit IBridgeEvents.MovedFundsSwept(walletPubKeyHash, sweepTxHash);
    }

    /// @notice Returns the wallet, requiring MovingFunds state.
    function movingFundsWallet(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash
    ) private view returns (Wallet storage wallet) {
        wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.MovingFunds,
            "Wallet must be in MovingFunds state"
        );
    }
}
