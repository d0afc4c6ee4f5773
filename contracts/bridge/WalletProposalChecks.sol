// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";

import "./BridgeTypes.sol";
import "./IBridgeView.sol";
import "./IRedemptionWatchtower.sol";
import "./BitcoinScripts.sol";
import "./Taproot.sol";

/// @title Wallet proposal checks
/// @notice The rules of the WalletProposalValidator (its public constants)
///         and the checks its `validate*` functions run per deposit and per
///         redemption request, against the Bridge it is wired to.
/// @dev Only `WalletProposalValidator` inherits it.
abstract contract WalletProposalChecks {
    /// @notice Minimum age of a deposit, in seconds, before it can be swept.
    uint32 public constant DEPOSIT_MIN_AGE = 2 hours;

    /// @notice Minimum time, in seconds, between the sweep and the moment a
    ///         deposit becomes refundable.
    uint32 public constant DEPOSIT_REFUND_SAFETY_MARGIN = 24 hours;

    /// @notice Maximum number of deposits in one sweep.
    uint16 public constant DEPOSIT_SWEEP_MAX_SIZE = 20;

    /// @notice Minimum age of a redemption request, in seconds, before it
    ///         can be processed (a watchtower delay may raise it).
    uint32 public constant REDEMPTION_REQUEST_MIN_AGE = 600;

    /// @notice Minimum time, in seconds, between the redemption and the
    ///         moment the request times out.
    uint32 public constant REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN = 2 hours;

    /// @notice Maximum number of requests in one redemption.
    uint16 public constant REDEMPTION_MAX_SIZE = 20;

    /// @notice The one message of every funding output mismatch of a sweep
    ///         (contracts.md 3.5, threshold.md 4.4).
    string private constant FUNDING_OUTPUT_MISMATCH =
        "Extra info funding output script does not match";

    /// @notice The Bridge whose state the proposals are validated against.
    IBridgeView public immutable bridge;

    /// @param _bridge Address of the Bridge.
    constructor(address _bridge) {
        require(_bridge != address(0), "Bridge address cannot be zero");
        bridge = IBridgeView(_bridge);
    }

    /// @notice Tells whether the wallet is in Live or MovingFunds state.
    function isLiveOrMovingFunds(bytes20 walletPubKeyHash)
        internal
        view
        returns (bool)
    {
        WalletState state = bridge.wallets(walletPubKeyHash).state;
        return state == WalletState.Live || state == WalletState.MovingFunds;
    }

    /// @notice Appends `key` to the first `count` entries of `seen` unless
    ///         it is among them.
    /// @return False if `key` is already among them.
    function addUnique(
        uint256[] memory seen,
        uint256 count,
        uint256 key
    ) internal pure returns (bool) {
        for (uint256 i = 0; i < count; i++) {
            if (seen[i] == key) {
                return false;
            }
        }
        seen[count] = key;
        return true;
    }

    /// @notice Empty extra info arrays of both kinds: a sweep passes its
    ///         own and the other kind's empty one to `validateSweep`.
    function noExtraInfo()
        internal
        pure
        returns (
            DepositExtraInfo[] calldata noLegacyInfo,
            TaprootDepositExtraInfo[] calldata noTaprootInfo
        )
    {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            noLegacyInfo.offset := 0
            noLegacyInfo.length := 0
            noTaprootInfo.offset := 0
            noTaprootInfo.length := 0
        }
    }

    /// @notice Checks the sweep fee against `depositTxMaxFee`; the last
    ///         deposit carries the indivisible remainder.
    function validateSweepTxFee(uint256 sweepTxFee, uint256 depositsCount)
        internal
        view
    {
        require(sweepTxFee > 0, "Proposed transaction fee cannot be zero");

        uint256 feeRemainder = sweepTxFee % depositsCount;
        uint256 feePerDeposit = (sweepTxFee - feeRemainder) / depositsCount;

        (, , uint64 depositTxMaxFee, ) = bridge.depositParameters();

        require(
            feePerDeposit + feeRemainder <= depositTxMaxFee,
            "Proposed transaction fee is too high"
        );
    }

    /// @notice Per-deposit checks 8.1-8.8 of contracts.md 3.4 for deposit
    ///         `i` of the proposal.
    /// @return key The deposit key.
    /// @return vault The deposit's vault, for the vault check done by the
    ///         caller.
    function validateSweptDeposit(
        DepositSweepProposal calldata proposal,
        uint256 i,
        DepositExtraInfo[] calldata legacyInfo,
        TaprootDepositExtraInfo[] calldata taprootInfo
    ) internal view returns (uint256 key, address vault) {
        DepositKey calldata depositKey = proposal.depositsKeys[i];
        key = BitcoinScripts.depositKey(
            depositKey.fundingTxHash,
            depositKey.fundingOutputIndex
        );
        DepositRequest memory depositRequest = bridge.deposits(key);

        require(depositRequest.revealedAt != 0, "Deposit not revealed");

        require(
            // solhint-disable-next-line not-rely-on-time
            block.timestamp > depositRequest.revealedAt + DEPOSIT_MIN_AGE,
            "Deposit min age not achieved yet"
        );

        require(depositRequest.sweptAt == 0, "Deposit already swept");

        requireFundingTxHash(
            depositKey,
            taprootInfo.length > 0
                ? taprootInfo[i].fundingTx
                : legacyInfo[i].fundingTx
        );
        (bytes4 refundLocktime, bytes20 walletPubKeyHash) = taprootInfo
            .length > 0
            ? validateTaprootDepositExtraInfo(
                depositKey,
                depositRequest,
                taprootInfo[i]
            )
            : validateDepositExtraInfo(
                depositKey,
                depositRequest,
                legacyInfo[i]
            );

        uint32 depositRefundableTimestamp = BTCUtils.reverseUint32(
            uint32(refundLocktime)
        );
        require(
            // solhint-disable-next-line not-rely-on-time
            block.timestamp <
                depositRefundableTimestamp - DEPOSIT_REFUND_SAFETY_MARGIN,
            "Deposit refund safety margin is not preserved"
        );

        require(
            walletPubKeyHash == proposal.walletPubKeyHash,
            "Deposit controlled by different wallet"
        );

        vault = depositRequest.vault;
    }

    /// @notice Checks that the funding output of the extra info locks the
    ///         expected deposit script (exactly P2SH or P2WSH).
    /// @return The extra info's refund locktime and wallet PKH.
    function validateDepositExtraInfo(
        DepositKey calldata depositKey,
        DepositRequest memory depositRequest,
        DepositExtraInfo calldata depositExtraInfo
    ) private view returns (bytes4, bytes20) {
        bytes memory script = BitcoinScripts.depositScript(
            depositRequest.depositor,
            depositExtraInfo.blindingFactor,
            depositExtraInfo.walletPubKeyHash,
            depositExtraInfo.refundPubKeyHash,
            depositExtraInfo.refundLocktime,
            depositRequest.extraData
        );
        (BitcoinScripts.ScriptMatch result, ) = BitcoinScripts
            .matchFundingOutputAt(
                depositExtraInfo.fundingTx.outputVector,
                depositKey.fundingOutputIndex,
                script
            );
        require(
            result == BitcoinScripts.ScriptMatch.Matched20 ||
                result == BitcoinScripts.ScriptMatch.Matched32,
            FUNDING_OUTPUT_MISMATCH
        );
        return (
            depositExtraInfo.refundLocktime,
            depositExtraInfo.walletPubKeyHash
        );
    }

    /// @notice Checks that the funding output of the Taproot extra info
    ///         (threshold.md 4.4) is the P2TR output of
    ///         `walletX` tweaked with the deposit's refund leaf, where
    ///         `walletX` is the key of `walletPubKeyHash` and `refundX` the
    ///         key of `refundPubKeyHash` (both HASH160(0x02 || x)).
    /// @return The extra info's refund locktime and wallet PKH.
    function validateTaprootDepositExtraInfo(
        DepositKey calldata depositKey,
        DepositRequest memory depositRequest,
        TaprootDepositExtraInfo calldata info
    ) private view returns (bytes4, bytes20) {
        (Taproot.OutputMatch result, ) = Taproot.matchFundingOutputAt(
            info.fundingTx.outputVector,
            depositKey.fundingOutputIndex,
            info.walletX,
            Taproot.refundLeaf(
                depositRequest.depositor,
                depositRequest.extraData,
                info.blindingFactor,
                info.refundLocktime,
                info.refundX
            )
        );
        require(
            result == Taproot.OutputMatch.Matched &&
                BitcoinScripts.xOnlyPubKeyHash(info.walletX) ==
                info.walletPubKeyHash &&
                BitcoinScripts.xOnlyPubKeyHash(info.refundX) ==
                info.refundPubKeyHash,
            FUNDING_OUTPUT_MISMATCH
        );
        return (info.refundLocktime, info.walletPubKeyHash);
    }

    /// @notice Requires the funding tx to hash to the deposit key's funding
    ///         tx hash (checked before the funding output).
    function requireFundingTxHash(
        DepositKey calldata depositKey,
        BitcoinTxInfo calldata fundingTx
    ) private view {
        require(
            BitcoinScripts.txHash(fundingTx) == depositKey.fundingTxHash,
            "Extra info funding tx hash does not match"
        );
    }

    /// @notice Per-request checks 9.2-9.6 of contracts.md 3.6.
    function validateRedemptionRequest(
        uint256 key,
        address redemptionWatchtower,
        uint32 redemptionTimeout,
        uint256 feeShare
    ) internal view {
        RedemptionRequest memory request = bridge.pendingRedemptions(key);

        require(request.requestedAt != 0, "Not a pending redemption request");

        uint32 minAge = REDEMPTION_REQUEST_MIN_AGE;
        if (redemptionWatchtower != address(0)) {
            uint32 redemptionDelay = IRedemptionWatchtower(
                redemptionWatchtower
            ).getRedemptionDelay(key);
            if (redemptionDelay > minAge) {
                minAge = redemptionDelay;
            }
        }

        require(
            // solhint-disable-next-line not-rely-on-time
            block.timestamp > request.requestedAt + minAge,
            "Redemption request min age not achieved yet"
        );

        uint32 requestTimeout = request.requestedAt + redemptionTimeout;
        require(
            // solhint-disable-next-line not-rely-on-time
            block.timestamp <
                requestTimeout - REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN,
            "Redemption request timeout safety margin is not preserved"
        );

        require(
            feeShare <= request.txMaxFee,
            "Proposed transaction per-request fee share is too high"
        );
    }
}
