// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./Wallets.sol";

/// @title Deposit sweep
/// @notice Records a confirmed deposit sweep (contracts.md 2.10): the swept
///         deposits are marked swept and the sweep output becomes the
///         wallet's main UTXO.
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
            uint256 key = BitcoinScripts.depositKey(
                sweptDeposits[i].fundingTxHash,
                sweptDeposits[i].fundingOutputIndex
            );
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

        Wallets.setMainUtxo(wallet, newMainUtxo, sweepTxHash);

        emit IBridgeEvents.DepositsSwept(walletPubKeyHash, sweepTxHash);
    }
}
