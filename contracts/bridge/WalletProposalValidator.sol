// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";

import "./BridgeTypes.sol";
import "./IBridgeView.sol";
import "./IRedemptionWatchtower.sol";
import "./BitcoinScripts.sol";
import "./Heartbeat.sol";

/// @title Wallet proposal validator
/// @notice Read-only, non-upgradeable contract that tells whether a wallet
///         action proposal (deposit sweep, redemption, moving funds, moved
///         funds sweep, heartbeat) is valid against the Bridge state. Every
///         `validate*` function returns `true` or reverts; checks, their order
///         and revert strings are those of tBTC v2's validator
///         (contracts.md section 3).
/// @dev A change of rules means a new deployment and a new protocol profile.
contract WalletProposalValidator {
    using BTCUtils for bytes;

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

    /// @notice The Bridge whose state the proposals are validated against.
    IBridgeView public immutable bridge;

    /// @param _bridge Address of the Bridge.
    constructor(address _bridge) {
        require(_bridge != address(0), "Bridge address cannot be zero");
        bridge = IBridgeView(_bridge);
    }

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
        WalletState walletState = bridge
            .wallets(proposal.walletPubKeyHash)
            .state;
        require(
            walletState == WalletState.Live ||
                walletState == WalletState.MovingFunds,
            "Wallet is not in Live or MovingFunds state"
        );

        uint256 depositsCount = proposal.depositsKeys.length;

        require(depositsCount > 0, "Sweep below the min size");

        require(
            depositsCount <= DEPOSIT_SWEEP_MAX_SIZE,
            "Sweep exceeds the max size"
        );

        require(
            depositsCount == depositsExtraInfo.length,
            "Each deposit key must have matching extra info"
        );

        validateSweepTxFee(proposal.sweepTxFee, depositsCount);

        address proposalVault = address(0);
        uint256[] memory processedDepositKeys = new uint256[](depositsCount);

        for (uint256 i = 0; i < depositsCount; i++) {
            uint256 key = BitcoinScripts.depositKey(
                proposal.depositsKeys[i].fundingTxHash,
                proposal.depositsKeys[i].fundingOutputIndex
            );

            address depositVault = validateDeposit(
                proposal.walletPubKeyHash,
                proposal.depositsKeys[i],
                key,
                depositsExtraInfo[i]
            );

            if (i == 0) {
                proposalVault = depositVault;
            }
            require(
                depositVault == proposalVault,
                "Deposit targets different vault"
            );

            for (uint256 j = 0; j < i; j++) {
                require(
                    processedDepositKeys[j] != key,
                    "Duplicated deposit"
                );
            }
            processedDepositKeys[i] = key;
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
        WalletState walletState = bridge
            .wallets(proposal.walletPubKeyHash)
            .state;
        require(
            walletState == WalletState.Live ||
                walletState == WalletState.MovingFunds,
            "Wallet is not in Live or MovingFunds state"
        );

        uint256 requestsCount = proposal.redeemersOutputScripts.length;

        require(requestsCount > 0, "Redemption below the min size");

        require(
            requestsCount <= REDEMPTION_MAX_SIZE,
            "Redemption exceeds the max size"
        );

        (
            ,
            ,
            ,
            uint64 redemptionTxMaxTotalFee,
            uint32 redemptionTimeout,
            ,

        ) = bridge.redemptionParameters();

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

            for (uint256 j = 0; j < i; j++) {
                require(
                    processedRedemptionKeys[j] != key,
                    "Duplicated request"
                );
            }
            processedRedemptionKeys[i] = key;
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
                keccak256(abi.encodePacked(proposal.targetWallets)),
            "Target wallets do not match target wallets commitment hash"
        );

        (
            uint64 movingFundsTxMaxTotalFee,
            uint64 movingFundsDustThreshold,
            ,
            ,
            ,
            ,
            ,
            ,
            ,
            ,

        ) = bridge.movingFundsParameters();

        uint64 sourceWalletBtcBalance = 0;
        if (sourceWallet.mainUtxoHash != bytes32(0)) {
            require(
                BitcoinScripts.mainUtxoHash(walletMainUtxo) ==
                    sourceWallet.mainUtxoHash,
                "Invalid wallet main UTXO data"
            );
            sourceWalletBtcBalance = walletMainUtxo.txOutputValue;
        }

        require(
            sourceWalletBtcBalance >= movingFundsDustThreshold,
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
        WalletState walletState = bridge
            .wallets(proposal.walletPubKeyHash)
            .state;
        require(
            walletState == WalletState.Live ||
                walletState == WalletState.MovingFunds,
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

    /// @notice Per-deposit checks 8.2-8.8 of contracts.md 3.4.
    /// @return The deposit's vault, for the vault check done by the caller.
    function validateDeposit(
        bytes20 walletPubKeyHash,
        DepositKey calldata depositKey,
        uint256 key,
        DepositExtraInfo calldata depositExtraInfo
    ) internal view returns (address) {
        DepositRequest memory depositRequest = bridge.deposits(key);

        require(depositRequest.revealedAt != 0, "Deposit not revealed");

        require(
            // solhint-disable-next-line not-rely-on-time
            block.timestamp > depositRequest.revealedAt + DEPOSIT_MIN_AGE,
            "Deposit min age not achieved yet"
        );

        require(depositRequest.sweptAt == 0, "Deposit already swept");

        validateDepositExtraInfo(
            depositKey,
            depositRequest.depositor,
            depositRequest.extraData,
            depositExtraInfo
        );

        uint32 depositRefundableTimestamp = BTCUtils.reverseUint32(
            uint32(depositExtraInfo.refundLocktime)
        );
        require(
            // solhint-disable-next-line not-rely-on-time
            block.timestamp <
                depositRefundableTimestamp - DEPOSIT_REFUND_SAFETY_MARGIN,
            "Deposit refund safety margin is not preserved"
        );

        require(
            depositExtraInfo.walletPubKeyHash == walletPubKeyHash,
            "Deposit controlled by different wallet"
        );

        return depositRequest.vault;
    }

    /// @notice Checks that the extra info matches the deposit: the funding
    ///         tx hashes to the key's funding tx hash, and the funding output
    ///         locks the expected deposit script (exactly P2SH or P2WSH).
    function validateDepositExtraInfo(
        DepositKey calldata depositKey,
        address depositor,
        bytes32 extraData,
        DepositExtraInfo calldata depositExtraInfo
    ) internal view {
        require(
            BitcoinScripts.txHash(depositExtraInfo.fundingTx) ==
                depositKey.fundingTxHash,
            "Extra info funding tx hash does not match"
        );

        bytes memory expectedScript = BitcoinScripts.depositScript(
            depositor,
            depositExtraInfo.blindingFactor,
            depositExtraInfo.walletPubKeyHash,
            depositExtraInfo.refundPubKeyHash,
            depositExtraInfo.refundLocktime,
            extraData
        );

        bytes memory fundingOutput = depositExtraInfo
            .fundingTx
            .outputVector
            .extractOutputAtIndex(depositKey.fundingOutputIndex);

        BitcoinScripts.ScriptMatch result = BitcoinScripts.matchFundingOutput(
            fundingOutput,
            expectedScript
        );

        require(
            result == BitcoinScripts.ScriptMatch.Matched20 ||
                result == BitcoinScripts.ScriptMatch.Matched32,
            "Extra info funding output script does not match"
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
