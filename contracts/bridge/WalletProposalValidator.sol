// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import "./BridgeTypes.sol";
import "./BitcoinScripts.sol";
import "./Heartbeat.sol";
import "./WalletProposalChecks.sol";

/// @title Wallet proposal validator
/// @notice Read-only, non-upgradeable contract that tells whether a wallet
///         action proposal (deposit sweep, redemption, moving funds, moved
///         funds sweep, heartbeat) is valid against the Bridge state. Every
///         `validate*` function returns `true` or reverts; checks, their order
///         and revert strings are those of tBTC v2's validator
///         (contracts.md section 3).
/// @dev A change of rules means a new deployment and a new protocol profile.
///      The constants, the Bridge address and the per-item checks are in
///      `WalletProposalChecks`.
contract WalletProposalValidator is WalletProposalChecks {
    /// @param _bridge Address of the Bridge.
    constructor(address _bridge) WalletProposalChecks(_bridge) {}

    /// @notice Validates a deposit sweep proposal.
    /// @param proposal The proposal.
    /// @param depositsExtraInfo Funding transaction and script data of each
    ///        deposit, in the order of `proposal.depositsKeys`.
    /// @return True if valid; reverts otherwise.
    /// @dev Requirements:
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The number of deposits must be in [1, DEPOSIT_SWEEP_MAX_SIZE],
    ///      - Each deposit key must have matching extra info,
    ///      - The fee must be non-zero and the per-deposit share plus the
    ///        remainder must not exceed `depositTxMaxFee`,
    ///      - For each deposit, in order: revealed; older than
    ///        DEPOSIT_MIN_AGE (strict); not swept; the extra info matches the
    ///        funding tx hash and the funding output script; the refund
    ///        locktime minus DEPOSIT_REFUND_SAFETY_MARGIN is strictly in the
    ///        future; controlled by the proposal's wallet; same vault as the
    ///        first deposit; not a duplicate.
    function validateDepositSweepProposal(
        DepositSweepProposal calldata proposal,
        DepositExtraInfo[] calldata depositsExtraInfo
    ) external view returns (bool) {
        (, TaprootDepositExtraInfo[] calldata noTaprootInfo) = noExtraInfo();
        return validateSweep(proposal, depositsExtraInfo, noTaprootInfo);
    }

    /// @notice Validates a deposit sweep proposal of a FROST wallet's
    ///         Taproot deposits (threshold.md 4.4).
    /// @param proposal The proposal.
    /// @param depositsExtraInfo Funding transaction and leaf data of each
    ///        deposit, in the order of `proposal.depositsKeys`.
    /// @return True if valid; reverts otherwise.
    /// @dev Requirements: those of `validateDepositSweepProposal`, in its
    ///      order, with the output check of a Taproot reveal in place of the
    ///      script hash match: the funding output is exactly P2TR and pays
    ///      `walletX` tweaked with the deposit's refund leaf, `walletX` is
    ///      the key of the extra info's wallet PKH and `refundX` the key of
    ///      its refund PKH (HASH160(0x02 || x)); every mismatch reverts with
    ///      `Extra info funding output script does not match`.
    function validateTaprootDepositSweepProposal(
        DepositSweepProposal calldata proposal,
        TaprootDepositExtraInfo[] calldata depositsExtraInfo
    ) external view returns (bool) {
        (DepositExtraInfo[] calldata noLegacyInfo, ) = noExtraInfo();
        return validateSweep(proposal, noLegacyInfo, depositsExtraInfo);
    }

    /// @notice Checks a deposit sweep proposal (contracts.md 3.4) whose
    ///         deposits are either P2SH/P2WSH ones, described by
    ///         `legacyInfo`, or Taproot ones (threshold.md 4.4), described by
    ///         `taprootInfo`; the other array is empty. Both kinds go through
    ///         the same checks in the same order; only the funding output
    ///         check differs (step 8.6).
    function validateSweep(
        DepositSweepProposal calldata proposal,
        DepositExtraInfo[] calldata legacyInfo,
        TaprootDepositExtraInfo[] calldata taprootInfo
    ) private view returns (bool) {
        require(
            isLiveOrMovingFunds(proposal.walletPubKeyHash),
            "Wallet is not in Live or MovingFunds state"
        );

        uint256 depositsCount = proposal.depositsKeys.length;

        require(depositsCount > 0, "Sweep below the min size");

        require(
            depositsCount <= DEPOSIT_SWEEP_MAX_SIZE,
            "Sweep exceeds the max size"
        );

        require(
            depositsCount == legacyInfo.length + taprootInfo.length,
            "Each deposit key must have matching extra info"
        );

        validateSweepTxFee(proposal.sweepTxFee, depositsCount);

        address proposalVault = address(0);
        uint256[] memory processedDepositKeys = new uint256[](depositsCount);

        for (uint256 i = 0; i < depositsCount; i++) {
            (uint256 key, address depositVault) = validateSweptDeposit(
                proposal,
                i,
                legacyInfo,
                taprootInfo
            );

            if (i == 0) {
                proposalVault = depositVault;
            }
            require(
                depositVault == proposalVault,
                "Deposit targets different vault"
            );

            require(
                addUnique(processedDepositKeys, i, key),
                "Duplicated deposit"
            );
        }

        return true;
    }

    /// @notice Validates a redemption proposal.
    /// @param proposal The proposal; scripts are length-prefixed.
    /// @return True if valid; reverts otherwise.
    /// @dev Requirements:
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The number of requests must be in [1, REDEMPTION_MAX_SIZE],
    ///      - The fee must be non-zero and at most `redemptionTxMaxTotalFee`,
    ///      - For each request, in order: pending; older than
    ///        max(REDEMPTION_REQUEST_MIN_AGE, watchtower delay) (strict);
    ///        the timeout minus REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN is
    ///        strictly in the future; its fee share (the last one carries the
    ///        remainder) is at most the request's own `txMaxFee`; not a
    ///        duplicate.
    function validateRedemptionProposal(RedemptionProposal calldata proposal)
        external
        view
        returns (bool)
    {
        require(
            isLiveOrMovingFunds(proposal.walletPubKeyHash),
            "Wallet is not in Live or MovingFunds state"
        );

        uint256 requestsCount = proposal.redeemersOutputScripts.length;

        require(requestsCount > 0, "Redemption below the min size");

        require(
            requestsCount <= REDEMPTION_MAX_SIZE,
            "Redemption exceeds the max size"
        );

        (, , , uint64 redemptionTxMaxTotalFee, uint32 redemptionTimeout, , ) = bridge
            .redemptionParameters();

        require(
            proposal.redemptionTxFee > 0,
            "Proposed transaction fee cannot be zero"
        );

        require(
            proposal.redemptionTxFee <= redemptionTxMaxTotalFee,
            "Proposed transaction fee is too high"
        );

        uint256 feeRemainder = proposal.redemptionTxFee % requestsCount;
        uint256 feePerRequest = (proposal.redemptionTxFee - feeRemainder) /
            requestsCount;

        address redemptionWatchtower = bridge.getRedemptionWatchtower();

        uint256[] memory processedRedemptionKeys = new uint256[](
            requestsCount
        );

        for (uint256 i = 0; i < requestsCount; i++) {
            uint256 key = BitcoinScripts.redemptionKey(
                proposal.redeemersOutputScripts[i],
                proposal.walletPubKeyHash
            );

            validateRedemptionRequest(
                key,
                redemptionWatchtower,
                redemptionTimeout,
                i == requestsCount - 1
                    ? feePerRequest + feeRemainder
                    : feePerRequest
            );

            require(
                addUnique(processedRedemptionKeys, i, key),
                "Duplicated request"
            );
        }

        return true;
    }

    /// @notice Validates a moving funds proposal.
    /// @param proposal The proposal.
    /// @param walletMainUtxo The source wallet's main UTXO; ignored when the
    ///        wallet has none.
    /// @return True if valid; reverts otherwise.
    /// @dev Requirements:
    ///      - The source wallet must be in MovingFunds state,
    ///      - The target wallets commitment must be submitted,
    ///      - The target wallets must hash to the commitment,
    ///      - The main UTXO must match the wallet's main UTXO hash (if any),
    ///      - The balance must be at least `movingFundsDustThreshold`,
    ///      - The fee must be non-zero and at most `movingFundsTxMaxTotalFee`.
    function validateMovingFundsProposal(
        MovingFundsProposal calldata proposal,
        BitcoinUtxo calldata walletMainUtxo
    ) external view returns (bool) {
        Wallet memory sourceWallet = bridge.wallets(proposal.walletPubKeyHash);

        require(
            sourceWallet.state == WalletState.MovingFunds,
            "Source wallet is not in MovingFunds state"
        );

        require(
            sourceWallet.movingFundsTargetWalletsCommitmentHash != bytes32(0),
            "Target wallets commitment is not submitted"
        );

        require(
            sourceWallet.movingFundsTargetWalletsCommitmentHash ==
                BitcoinScripts.targetWalletsCommitment(proposal.targetWallets),
            "Target wallets do not match target wallets commitment hash"
        );

        (uint64 movingFundsTxMaxTotalFee, uint64 movingFundsDustThreshold, , , , , , , , , ) = bridge
            .movingFundsParameters();

        require(
            BitcoinScripts.mainUtxoBalance(
                sourceWallet.mainUtxoHash,
                walletMainUtxo
            ) >= movingFundsDustThreshold,
            "Source wallet BTC balance is below the moving funds dust threshold"
        );

        require(
            proposal.movingFundsTxFee > 0,
            "Proposed transaction fee cannot be zero"
        );

        require(
            proposal.movingFundsTxFee <= movingFundsTxMaxTotalFee,
            "Proposed transaction fee is too high"
        );

        return true;
    }

    /// @notice Validates a moved funds sweep proposal.
    /// @param proposal The proposal.
    /// @return True if valid; reverts otherwise.
    /// @dev Requirements:
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The sweep request must be Pending,
    ///      - The sweep request must belong to the wallet,
    ///      - The fee must be non-zero and at most
    ///        `movedFundsSweepTxMaxTotalFee`.
    function validateMovedFundsSweepProposal(
        MovedFundsSweepProposal calldata proposal
    ) external view returns (bool) {
        require(
            isLiveOrMovingFunds(proposal.walletPubKeyHash),
            "Source wallet is not in Live or MovingFunds state"
        );

        MovedFundsSweepRequest memory request = bridge.movedFundsSweepRequests(
            BitcoinScripts.movedFundsKey(
                proposal.movingFundsTxHash,
                proposal.movingFundsTxOutputIndex
            )
        );

        require(
            request.state == MovedFundsSweepRequestState.Pending,
            "Sweep request is not in Pending state"
        );

        require(
            request.walletPubKeyHash == proposal.walletPubKeyHash,
            "Sweep request does not belong to the wallet"
        );

        (, , , , , , , uint64 movedFundsSweepTxMaxTotalFee, , , ) = bridge
            .movingFundsParameters();

        require(
            proposal.movedFundsSweepTxFee > 0,
            "Proposed transaction fee cannot be zero"
        );

        require(
            proposal.movedFundsSweepTxFee <= movedFundsSweepTxMaxTotalFee,
            "Proposed transaction fee is too high"
        );

        return true;
    }

    /// @notice Validates a heartbeat proposal.
    /// @param proposal The proposal; only the message is checked.
    /// @return True if valid; reverts otherwise.
    /// @dev Requirements:
    ///      - The message must be a valid heartbeat message (16 bytes, the
    ///        first 8 of them 0xff).
    ///      Declared `view` although it reads no state, like every validate*
    ///      function and like tBTC's ABI (the compiler warns about it).
    function validateHeartbeatProposal(HeartbeatProposal calldata proposal)
        external
        view
        returns (bool)
    {
        require(
            Heartbeat.isValidHeartbeatMessage(proposal.message),
            "Not a valid heartbeat message"
        );

        return true;
    }
}
