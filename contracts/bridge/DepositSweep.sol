// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./BitcoinTx.sol";
import "./WalletTx.sol";
import "./Wallets.sol";

/// @title Deposit sweep
/// @notice A confirmed deposit sweep, recorded by a maintainer
///         (contracts.md 2.10) or proven with an SPV proof (issue 14): the
///         swept deposits are marked swept and the sweep output becomes the
///         wallet's main UTXO. Both paths make their changes through
///         `sweepDeposit` and `completeSweep`.
library DepositSweep {
    /// @notice Records a confirmed deposit sweep.
    /// @param walletPubKeyHash The sweeping wallet.
    /// @param sweepTxHash The sweep transaction hash.
    /// @param sweptDeposits Keys of the swept deposits.
    /// @param newMainUtxo The wallet's new main UTXO (the sweep output).
    /// @dev Requirements:
    ///      - The caller must be a maintainer (checked by the Bridge),
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - At least one deposit must be given,
    ///      - Each deposit must be revealed, not yet swept, and revealed for
    ///        this wallet,
    ///      - `newMainUtxo.txHash` must equal `sweepTxHash`.
    function recordDepositSweep(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        DepositKey[] calldata sweptDeposits,
        BitcoinUtxo calldata newMainUtxo
    ) external {
        Wallet storage wallet = Wallets.liveOrMovingFundsWallet(
            self,
            walletPubKeyHash
        );
        require(sweptDeposits.length > 0, "No deposits to record");

        for (uint256 i = 0; i < sweptDeposits.length; i++) {
            sweepDeposit(
                self,
                BitcoinScripts.depositKey(
                    sweptDeposits[i].fundingTxHash,
                    sweptDeposits[i].fundingOutputIndex
                ),
                walletPubKeyHash
            );
        }

        completeSweep(wallet, walletPubKeyHash, sweepTxHash, newMainUtxo);
    }

    /// @notice Proves a deposit sweep (tbtc-v2's `submitDepositSweepProof`);
    ///         permissionless, the proof is the authority.
    /// @param sweepTx The sweep transaction.
    /// @param sweepProof Its SPV proof.
    /// @param mainUtxo The wallet's main UTXO; ignored when it has none.
    /// @param vault The vault every swept deposit was revealed with.
    /// @dev Requirements:
    ///      - The proof must be valid (`WalletTx.validateProof`),
    ///      - The transaction must have exactly one output, paying a wallet
    ///        in its scheme's form (`WalletTx.outputAt`),
    ///      - That wallet must be in Live or MovingFunds state,
    ///      - If it has a main UTXO, `mainUtxo` must hash to it,
    ///      - Each input must spend a revealed deposit or, once, the main
    ///        UTXO; each deposit must be not yet swept, revealed with `vault`
    ///        and for this wallet,
    ///      - At least one deposit must be swept,
    ///      - The main UTXO, if any, must be spent,
    ///      - The fee share of each deposit (the remainder on the last) must
    ///        not exceed `depositTxMaxFee`.
    ///      Effects: those of `recordDepositSweep` with the swept deposits
    ///      and main UTXO `(sweepTxHash, 0, output value)`.
    function submitDepositSweepProof(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata sweepTx,
        BitcoinTx.Proof calldata sweepProof,
        BitcoinUtxo calldata mainUtxo,
        address vault
    ) external {
        (
            bytes32 sweepTxHash,
            bytes20 walletPubKeyHash,
            uint64 outputValue,
            Wallet storage wallet,
            BitcoinUtxo memory resolvedMainUtxo
        ) = WalletTx.provenSweep(self, sweepTx, sweepProof, mainUtxo);

        (uint256 inputsValue, uint256 depositsCount) = sweepInputs(
            self,
            sweepTx.inputVector,
            resolvedMainUtxo,
            vault,
            walletPubKeyHash
        );

        uint256 fee = inputsValue - outputValue;
        require(
            fee / depositsCount + (fee % depositsCount) <=
                self.depositParameters.depositTxMaxFee,
            "Transaction fee is too high"
        );

        completeSweep(
            wallet,
            walletPubKeyHash,
            sweepTxHash,
            BitcoinUtxo(sweepTxHash, 0, outputValue)
        );
    }

    /// @notice Marks the sweep's inputs: each deposit swept, the main UTXO
    ///         found. Returns the inputs' total value and the deposit count.
    function sweepInputs(
        BridgeState.Storage storage self,
        bytes memory inputVector,
        BitcoinUtxo memory mainUtxo,
        address vault,
        bytes20 walletPubKeyHash
    ) private returns (uint256 inputsValue, uint256 depositsCount) {
        bool mainUtxoFound = false;

        (uint256 offset, uint256 count) = WalletTx.vectorStart(inputVector);
        for (uint256 i = 0; i < count; i++) {
            (bytes32 txHash, uint32 outputIndex, uint256 length) = WalletTx
                .outpointAt(inputVector, offset);
            offset += length;
            uint64 amount = sweepDepositInput(
                self,
                BitcoinScripts.depositKey(txHash, outputIndex),
                vault,
                walletPubKeyHash
            );
            if (amount > 0) {
                inputsValue += amount;
                depositsCount++;
            } else if (
                mainUtxo.txHash != bytes32(0) &&
                !mainUtxoFound &&
                txHash == mainUtxo.txHash &&
                outputIndex == mainUtxo.txOutputIndex
            ) {
                inputsValue += mainUtxo.txOutputValue;
                mainUtxoFound = true;
            } else {
                revert("Unknown input type");
            }
        }

        require(
            depositsCount > 0,
            "Sweep transaction must process at least one deposit"
        );
        require(
            (mainUtxo.txHash != bytes32(0)) == mainUtxoFound,
            "Expected main UTXO not present in sweep transaction inputs"
        );
    }

    /// @notice If the input at `key` is a revealed deposit, marks it swept
    ///         and returns its amount (never 0: the reveal requires at least
    ///         the dust threshold); else returns 0.
    /// @dev Requirements for a revealed deposit: it must be revealed with
    ///      `vault`, then those of `sweepDeposit`.
    function sweepDepositInput(
        BridgeState.Storage storage self,
        uint256 key,
        address vault,
        bytes20 walletPubKeyHash
    ) private returns (uint64) {
        DepositRequest storage deposit = self.deposits[key];
        if (deposit.revealedAt == 0) {
            return 0;
        }
        require(
            deposit.vault == vault,
            "Deposit should be routed to another vault"
        );
        sweepDeposit(self, key, walletPubKeyHash);
        return deposit.amount;
    }

    /// @notice Marks one deposit swept (both paths).
    /// @dev Requirements: the deposit must be revealed, not yet swept, and
    ///      revealed for `walletPubKeyHash`.
    function sweepDeposit(
        BridgeState.Storage storage self,
        uint256 key,
        bytes20 walletPubKeyHash
    ) private {
        DepositRequest storage deposit = self.deposits[key];
        require(deposit.revealedAt != 0, "Deposit not revealed");
        require(deposit.sweptAt == 0, "Deposit already swept");
        require(
            self.depositWallet[key] == walletPubKeyHash,
            "Deposit controlled by different wallet"
        );
        /* solhint-disable-next-line not-rely-on-time */
        deposit.sweptAt = uint32(block.timestamp);
    }

    /// @notice Sets the new main UTXO and emits `DepositsSwept` (both
    ///         paths).
    function completeSweep(
        Wallet storage wallet,
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        BitcoinUtxo memory newMainUtxo
    ) private {
        Wallets.setMainUtxo(wallet, newMainUtxo, sweepTxHash);
        emit IBridgeEvents.DepositsSwept(walletPubKeyHash, sweepTxHash);
    }
}
