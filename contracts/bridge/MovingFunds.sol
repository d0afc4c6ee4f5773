// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./Wallets.sol";

/// @title Moving funds
/// @notice A MovingFunds wallet commits to its target wallets
///         (contracts.md 2.9); the confirmed moving funds transaction is
///         recorded with one moved funds sweep request per target, and each
///         target's confirmed sweep of its request is recorded (2.10).
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
    ///      - The wallet must be in MovingFunds state,
    ///      - A commitment must be submitted and match `targetWallets`,
    ///      - Each target must have a matching output value,
    ///      - No sweep request may exist yet at any output's key.
    function recordMovingFunds(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        bytes20[] calldata targetWallets,
        uint64[] calldata outputValues
    ) external {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.MovingFunds,
            "Wallet must be in MovingFunds state"
        );
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

        MovedFundsSweepRequest storage request = self.movedFundsSweepRequests[
            BitcoinScripts.movedFundsKey(
                movingFundsTxHash,
                movingFundsTxOutputIndex
            )
        ];
        require(
            request.state == MovedFundsSweepRequestState.Pending,
            "Sweep request is not in Pending state"
        );
        require(
            request.walletPubKeyHash == walletPubKeyHash,
            "Sweep request does not belong to the wallet"
        );

        request.state = MovedFundsSweepRequestState.Processed;
        wallet.pendingMovedFundsSweepRequestsCount--;

        Wallets.setMainUtxo(wallet, newMainUtxo, sweepTxHash);

        emit IBridgeEvents.MovedFundsSwept(walletPubKeyHash, sweepTxHash);
    }
}
