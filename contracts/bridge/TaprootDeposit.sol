// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./Deposit.sol";
import "./FrostWallets.sol";
import "./Taproot.sol";

/// @title Taproot deposit
/// @notice Taproot deposit reveals (threshold.md 4.2, 4.3): the depositor
///         shows the Bridge a Bitcoin funding output paying, by P2TR, a FROST
///         wallet's key tweaked with the deposit's refund leaf, and the Bridge
///         records the deposit for the wallet as it records a P2SH/P2WSH
///         deposit (`Deposit`), with the same `DepositRevealed` event.
library TaprootDeposit {
    using BTCUtils for bytes;

    /// @notice Reveals a Taproot deposit with `msg.sender` as the depositor.
    ///         Permissionless.
    /// @param fundingTx Non-witness funding transaction.
    /// @param reveal Deposit leaf data.
    /// @param extraData Extra data embedded in the leaf; 0 for the 73-byte
    ///        leaf without extra data (the Bridge rejects a zero value passed
    ///        to `revealTaprootDepositWithExtraData` before calling in).
    /// @dev Requirements:
    ///      - The wallet must be in Live state,
    ///      - The wallet must be a FROST wallet,
    ///      - The vault must be zero or trusted,
    ///      - If `depositRevealAheadPeriod > 0`: the refund locktime must be
    ///        >= 500M and at least `depositRevealAheadPeriod` after now,
    ///      - The output at `fundingOutputIndex` must exist (bitcoin-spv
    ///        messages otherwise), be exactly P2TR (43 bytes: value,
    ///        `22 51 20`, key), and its key must be the wallet's key tweaked
    ///        with the refund leaf,
    ///      - The deposit must not be revealed yet,
    ///      - The output value must be at least `depositDustThreshold`.
    ///      Emits `DepositRevealed` with HASH160(0x02 || refundX) as the
    ///      refund public key hash, then `TaprootDepositRevealed` with
    ///      `refundX`, which the wallet needs to rebuild the leaf.
    function revealTaprootDeposit(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata fundingTx,
        TaprootDepositRevealInfo calldata reveal,
        bytes32 extraData
    ) external {
        Deposit.checkReveal(
            self,
            reveal.walletPubKeyHash,
            WalletScheme.FROST,
            reveal.vault,
            reveal.refundLocktime
        );

        uint64 amount = fundingOutputAmount(self, fundingTx, reveal, extraData);

        bytes32 fundingTxHash = Deposit.recordDeposit(
            self,
            fundingTx,
            DepositRevealInfo({
                fundingOutputIndex: reveal.fundingOutputIndex,
                blindingFactor: reveal.blindingFactor,
                walletPubKeyHash: reveal.walletPubKeyHash,
                refundPubKeyHash: BitcoinScripts.xOnlyPubKeyHash(
                    reveal.refundX
                ),
                refundLocktime: reveal.refundLocktime,
                vault: reveal.vault
            }),
            amount,
            extraData
        );

        emit IBridgeEvents.TaprootDepositRevealed(
            fundingTxHash,
            reveal.fundingOutputIndex,
            reveal.walletPubKeyHash,
            reveal.refundX
        );
    }

    /// @notice Checks that the funding output pays the wallet's key tweaked
    ///         with the refund leaf and returns the output value.
    function fundingOutputAmount(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata fundingTx,
        TaprootDepositRevealInfo calldata reveal,
        bytes32 extraData
    ) private view returns (uint64) {
        (Taproot.OutputMatch result, bytes memory fundingOutput) = Taproot
            .matchFundingOutputAt(
                fundingTx.outputVector,
                reveal.fundingOutputIndex,
                FrostWallets.frostWalletX(self, reveal.walletPubKeyHash),
                Taproot.refundLeaf(
                    msg.sender,
                    extraData,
                    reveal.blindingFactor,
                    reveal.refundLocktime,
                    reveal.refundX
                )
            );
        if (result != Taproot.OutputMatch.Matched) {
            revert(
                result == Taproot.OutputMatch.WrongForm
                    ? "Funding output must be P2TR"
                    : "Wrong Taproot output key"
            );
        }

        return fundingOutput.extractValue();
    }
}
