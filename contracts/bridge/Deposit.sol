// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./IBridgeEvents.sol";
import "./BitcoinScripts.sol";
import "./FrostWallets.sol";

/// @title Deposit
/// @notice Deposit reveals (contracts.md 2.7): the depositor shows the
///         Bridge a Bitcoin funding output locking the deposit script with
///         P2SH or P2WSH, and the Bridge records the deposit for its wallet.
///         The checks before and the effects after the funding output are
///         shared with Taproot reveals (`TaprootDeposit`).
library Deposit {
    using BTCUtils for bytes;

    /// @notice Reveals a deposit with `msg.sender` as the depositor.
    ///         Permissionless.
    /// @param fundingTx Non-witness funding transaction.
    /// @param reveal Deposit script data.
    /// @param extraData Extra data embedded in the script; 0 for the 92-byte
    ///        script without extra data (the Bridge rejects a zero value
    ///        passed to `revealDepositWithExtraData` before calling in).
    /// @dev Requirements:
    ///      - The wallet must be in Live state,
    ///      - The wallet must be an ECDSA wallet (a FROST wallet takes
    ///        Taproot deposits only),
    ///      - The vault must be zero or trusted,
    ///      - If `depositRevealAheadPeriod > 0`: the refund locktime must be
    ///        >= 500M and at least `depositRevealAheadPeriod` after now,
    ///      - The output at `fundingOutputIndex` must exist (bitcoin-spv
    ///        messages otherwise), be exactly P2SH or P2WSH, and lock the
    ///        expected script: hash160(script) for P2SH, sha256(script) for
    ///        P2WSH,
    ///      - The deposit must not be revealed yet,
    ///      - The output value must be at least `depositDustThreshold`.
    function revealDeposit(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal,
        bytes32 extraData
    ) external {
        checkReveal(
            self,
            reveal.walletPubKeyHash,
            WalletScheme.ECDSA,
            reveal.vault,
            reveal.refundLocktime
        );
        uint64 amount = fundingOutputAmount(fundingTx, reveal, extraData);
        recordDeposit(self, fundingTx, reveal, amount, extraData);
    }

    /// @notice The checks of a reveal that come before the funding output:
    ///         the wallet is Live and of the scheme that takes deposits of
    ///         this form, the vault is zero or trusted, and the refund
    ///         locktime is far enough (when `depositRevealAheadPeriod > 0`).
    function checkReveal(
        BridgeState.Storage storage self,
        bytes20 walletPubKeyHash,
        WalletScheme scheme,
        address vault,
        bytes4 refundLocktime
    ) internal view {
        require(
            self.registeredWallets[walletPubKeyHash].state == WalletState.Live,
            "Wallet must be in Live state"
        );
        FrostWallets.requireDepositScheme(self, walletPubKeyHash, scheme);
        require(
            vault == address(0) || self.isVaultTrusted[vault],
            "Vault is not trusted"
        );

        BridgeState.DepositParameters storage params = self.depositParameters;
        if (params.depositRevealAheadPeriod > 0) {
            uint32 locktime = BTCUtils.reverseUint32(uint32(refundLocktime));
            require(
                locktime >= 500_000_000,
                "Refund locktime must be a value >= 500M"
            );
            require(
                /* solhint-disable-next-line not-rely-on-time */
                block.timestamp + params.depositRevealAheadPeriod <= locktime,
                "Deposit refund locktime is too close"
            );
        }
    }

    /// @notice The end of a reveal, once the funding output is checked:
    ///         requires the deposit not to be revealed yet and its amount to
    ///         be at least the dust threshold, records it with `msg.sender`
    ///         as the depositor and emits `DepositRevealed`.
    /// @param reveal The reveal data; a Taproot reveal passes the refund
    ///        key's hash as `refundPubKeyHash`.
    /// @param amount The funding output's value.
    /// @return fundingTxHash The funding transaction's hash.
    function recordDeposit(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo memory reveal,
        uint64 amount,
        bytes32 extraData
    ) internal returns (bytes32 fundingTxHash) {
        fundingTxHash = BitcoinScripts.txHash(fundingTx);
        uint256 key = BitcoinScripts.depositKey(
            fundingTxHash,
            reveal.fundingOutputIndex
        );

        BridgeState.DepositParameters storage params = self.depositParameters;
        DepositRequest storage deposit = self.deposits[key];
        require(deposit.revealedAt == 0, "Deposit already revealed");
        require(
            amount >= params.depositDustThreshold,
            "Deposit amount too small"
        );

        deposit.depositor = msg.sender;
        deposit.amount = amount;
        /* solhint-disable-next-line not-rely-on-time */
        deposit.revealedAt = uint32(block.timestamp);
        deposit.vault = reveal.vault;
        deposit.treasuryFee = params.depositTreasuryFeeDivisor > 0
            ? amount / params.depositTreasuryFeeDivisor
            : 0;
        deposit.extraData = extraData;
        self.depositWallet[key] = reveal.walletPubKeyHash;

        emit IBridgeEvents.DepositRevealed(
            fundingTxHash,
            reveal.fundingOutputIndex,
            msg.sender,
            amount,
            reveal.blindingFactor,
            reveal.walletPubKeyHash,
            reveal.refundPubKeyHash,
            reveal.refundLocktime,
            reveal.vault
        );
    }

    /// @notice Checks that the funding output locks the expected deposit
    ///         script and returns the output value.
    function fundingOutputAmount(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal,
        bytes32 extraData
    ) private view returns (uint64) {
        bytes memory script = BitcoinScripts.depositScript(
            msg.sender,
            reveal.blindingFactor,
            reveal.walletPubKeyHash,
            reveal.refundPubKeyHash,
            reveal.refundLocktime,
            extraData
        );
        (
            BitcoinScripts.ScriptMatch result,
            bytes memory fundingOutput
        ) = BitcoinScripts.matchFundingOutputAt(
                fundingTx.outputVector,
                reveal.fundingOutputIndex,
                script
            );
        require(
            result != BitcoinScripts.ScriptMatch.WrongForm,
            "Funding output must be P2SH or P2WSH"
        );
        require(
            result != BitcoinScripts.ScriptMatch.Wrong20,
            "Wrong 20-byte script hash"
        );
        require(
            result != BitcoinScripts.ScriptMatch.Wrong32,
            "Wrong 32-byte script hash"
        );

        return fundingOutput.extractValue();
    }
}
