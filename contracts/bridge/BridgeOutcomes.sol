// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./BridgeViews.sol";
import "./DepositSweep.sol";
import "./Redemption.sol";
import "./MovingFunds.sol";
import "./BitcoinTx.sol";

/// @title Bridge: Bitcoin outcomes
/// @notice The Bridge's entry points that tell it what happened on Bitcoin:
///         recorded by governance-listed maintainers (contracts.md 2.10) or
///         proven by anyone with an SPV proof against `relay()` (issue 14).
///         Both make their changes through the same library functions.
/// @dev Part of the one `Bridge` contract (inherited), kept in a file of its
///      own; the record* half goes once the node proves outcomes.
abstract contract BridgeOutcomes is BridgeViews {
    using DepositSweep for BridgeState.Storage;
    using Redemption for BridgeState.Storage;
    using MovingFunds for BridgeState.Storage;

    modifier onlyMaintainer() {
        require(self.isMaintainer[msg.sender], "Caller is not a maintainer");
        _;
    }

    // ------------------------------------------------------------------
    // Recording Bitcoin outcomes (contracts.md 2.10): maintainers only
    // ------------------------------------------------------------------

    /// @notice Records a confirmed deposit sweep; see
    ///         `DepositSweep.recordDepositSweep`.
    function recordDepositSweep(
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        DepositKey[] calldata sweptDeposits,
        BitcoinUtxo calldata newMainUtxo
    ) external onlyMaintainer {
        self.recordDepositSweep(
            walletPubKeyHash,
            sweepTxHash,
            sweptDeposits,
            newMainUtxo
        );
    }

    /// @notice Records a confirmed redemption; see
    ///         `Redemption.recordRedemption`.
    function recordRedemption(
        bytes20 walletPubKeyHash,
        bytes32 redemptionTxHash,
        bytes[] calldata redeemerOutputScripts,
        BitcoinUtxo calldata newMainUtxo
    ) external onlyMaintainer {
        self.recordRedemption(
            walletPubKeyHash,
            redemptionTxHash,
            redeemerOutputScripts,
            newMainUtxo
        );
    }

    /// @notice Records a confirmed moving funds transaction; see
    ///         `MovingFunds.recordMovingFunds`.
    function recordMovingFunds(
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        bytes20[] calldata targetWallets,
        uint64[] calldata outputValues
    ) external onlyMaintainer {
        self.recordMovingFunds(
            walletPubKeyHash,
            movingFundsTxHash,
            targetWallets,
            outputValues
        );
    }

    /// @notice Records a confirmed moved funds sweep; see
    ///         `MovingFunds.recordMovedFundsSweep`.
    function recordMovedFundsSweep(
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        bytes32 movingFundsTxHash,
        uint32 movingFundsTxOutputIndex,
        BitcoinUtxo calldata newMainUtxo
    ) external onlyMaintainer {
        self.recordMovedFundsSweep(
            walletPubKeyHash,
            sweepTxHash,
            movingFundsTxHash,
            movingFundsTxOutputIndex,
            newMainUtxo
        );
    }

    // ------------------------------------------------------------------
    // Proving Bitcoin outcomes (issue 14): permissionless, SPV proofs
    // against `relay()`; the same state changes as the record* functions
    // ------------------------------------------------------------------

    /// @notice Proves a deposit sweep; see
    ///         `DepositSweep.submitDepositSweepProof`.
    function submitDepositSweepProof(
        BitcoinTxInfo calldata sweepTx,
        BitcoinTx.Proof calldata sweepProof,
        BitcoinUtxo calldata mainUtxo,
        address vault
    ) external {
        self.submitDepositSweepProof(sweepTx, sweepProof, mainUtxo, vault);
    }

    /// @notice Proves a redemption; see `Redemption.submitRedemptionProof`.
    function submitRedemptionProof(
        BitcoinTxInfo calldata redemptionTx,
        BitcoinTx.Proof calldata redemptionProof,
        BitcoinUtxo calldata mainUtxo,
        bytes20 walletPubKeyHash
    ) external {
        self.submitRedemptionProof(
            redemptionTx,
            redemptionProof,
            mainUtxo,
            walletPubKeyHash
        );
    }

    /// @notice Proves a moving funds transaction; see
    ///         `MovingFunds.submitMovingFundsProof`.
    function submitMovingFundsProof(
        BitcoinTxInfo calldata movingFundsTx,
        BitcoinTx.Proof calldata movingFundsProof,
        BitcoinUtxo calldata mainUtxo,
        bytes20 walletPubKeyHash
    ) external {
        self.submitMovingFundsProof(
            movingFundsTx,
            movingFundsProof,
            mainUtxo,
            walletPubKeyHash
        );
    }

    /// @notice Proves a moved funds sweep; see
    ///         `MovingFunds.submitMovedFundsSweepProof`.
    function submitMovedFundsSweepProof(
        BitcoinTxInfo calldata sweepTx,
        BitcoinTx.Proof calldata sweepProof,
        BitcoinUtxo calldata mainUtxo
    ) external {
        self.submitMovedFundsSweepProof(sweepTx, sweepProof, mainUtxo);
    }
}
