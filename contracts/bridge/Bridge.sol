// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./BridgeGovernanceLogic.sol";
import "./IBridgeView.sol";
import "./IRedemptionWatchtower.sol";
import "./BitcoinScripts.sol";

/// @title Bridge
/// @notice Holds exactly the state the WalletProposalValidator and the node
///         read: the wallet registry with per-wallet signing-group operators,
///         deposits, redemption requests, moving-funds commitments, moved-funds
///         sweep requests, parameters and an optional redemption watchtower.
///         View encodings and events are identical to tBTC v2's Bridge.
/// @dev Not upgradeable: no proxy, no initializer; the constructor sets
///      everything. Bitcoin outcomes are recorded by governance-listed
///      maintainers (a first step; the target is SPV proofs).
///      Parameter updates and the wallet registry/lifecycle run in
///      `BridgeGovernanceLogic`, deployed by the constructor and called with
///      `delegatecall` on this contract's storage, to keep the deployed code
///      under 24 576 bytes.
contract Bridge is BridgeState, IBridgeView {
    using BTCUtils for bytes;
    using BytesLib for bytes;

    /// @dev Delegate holding the governance-side logic.
    address private immutable governanceLogic;

    /// @param _governance Initial governance.
    /// @dev Sets every parameter to tBTC v2's initial value.
    constructor(address _governance) {
        governanceLogic = address(new BridgeGovernanceLogic());
        self.governance = _governance;

        self.depositDustThreshold = 1_000_000;
        self.depositTreasuryFeeDivisor = 2000;
        self.depositTxMaxFee = 100_000;
        self.depositRevealAheadPeriod = 15 days;

        self.redemptionDustThreshold = 1_000_000;
        self.redemptionTreasuryFeeDivisor = 2000;
        self.redemptionTxMaxFee = 100_000;
        self.redemptionTxMaxTotalFee = 1_000_000;
        self.redemptionTimeout = 5 days;
        self.redemptionTimeoutSlashingAmount = 100e18;
        self.redemptionTimeoutNotifierRewardMultiplier = 100;

        self.movingFundsTxMaxTotalFee = 100_000;
        self.movingFundsDustThreshold = 200_000;
        self.movingFundsTimeoutResetDelay = 6 days;
        self.movingFundsTimeout = 7 days;
        self.movingFundsTimeoutSlashingAmount = 100e18;
        self.movingFundsTimeoutNotifierRewardMultiplier = 100;
        self.movingFundsCommitmentGasOffset = 15_000;
        self.movedFundsSweepTxMaxTotalFee = 100_000;
        self.movedFundsSweepTimeout = 7 days;
        self.movedFundsSweepTimeoutSlashingAmount = 100e18;
        self.movedFundsSweepTimeoutNotifierRewardMultiplier = 100;

        self.walletCreationPeriod = 1 weeks;
        self.walletCreationMinBtcBalance = 1e8;
        self.walletCreationMaxBtcBalance = 100e8;
        self.walletClosureMinBtcBalance = 5e7;
        self.walletMaxAge = 26 weeks;
        self.walletMaxBtcTransfer = 10e8;
        self.walletClosingPeriod = 40 days;
    }

    // ------------------------------------------------------------------
    // Roles
    // ------------------------------------------------------------------

    /// @notice Transfers governance to a new address.
    /// @param newGovernance The new governance.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - `newGovernance` must not be zero.
    function transferGovernance(address newGovernance)
        external
        onlyGovernance
    {
        require(
            newGovernance != address(0),
            "New governance address cannot be zero"
        );
        address oldGovernance = self.governance;
        self.governance = newGovernance;
        emit GovernanceTransferred(oldGovernance, newGovernance);
    }

    /// @notice Grants or revokes the maintainer role.
    /// @param maintainer The account.
    /// @param status True to grant, false to revoke.
    /// @dev Requirements:
    ///      - The caller must be the governance.
    function setMaintainerStatus(address maintainer, bool status)
        external
        onlyGovernance
    {
        self.isMaintainer[maintainer] = status;
        emit MaintainerStatusUpdated(maintainer, status);
    }

    /// @notice Grants or revokes the redemption requester role.
    /// @param requester The account.
    /// @param status True to grant, false to revoke.
    /// @dev Requirements:
    ///      - The caller must be the governance.
    function setRedemptionRequesterStatus(address requester, bool status)
        external
        onlyGovernance
    {
        self.isRedemptionRequester[requester] = status;
        emit RedemptionRequesterStatusUpdated(requester, status);
    }

    /// @notice Marks a vault as trusted or untrusted.
    /// @param vault The vault.
    /// @param isTrusted New trust status.
    /// @dev Requirements:
    ///      - The caller must be the governance.
    function setVaultStatus(address vault, bool isTrusted)
        external
        onlyGovernance
    {
        self.isVaultTrusted[vault] = isTrusted;
        emit VaultStatusUpdated(vault, isTrusted);
    }

    /// @notice Sets the redemption watchtower. It can be set only once.
    /// @param watchtower The watchtower.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - No watchtower may be set yet,
    ///      - `watchtower` must not be zero.
    function setRedemptionWatchtower(address watchtower)
        external
        onlyGovernance
    {
        require(
            self.redemptionWatchtower == address(0),
            "Redemption watchtower already set"
        );
        require(
            watchtower != address(0),
            "Redemption watchtower address must not be 0x0"
        );
        self.redemptionWatchtower = watchtower;
        emit RedemptionWatchtowerSet(watchtower);
    }

    // ------------------------------------------------------------------
    // Parameters, wallet registry and lifecycle (run in the delegate)
    // ------------------------------------------------------------------

    /// @notice Updates the deposit parameters.
    ///         Arguments are in the order of the getter tuple.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - Dust threshold must be greater than zero,
    ///      - Dust threshold must be greater than the deposit TX max fee,
    ///      - Deposit TX max fee must be greater than zero.
    function updateDepositParameters(uint64, uint64, uint64, uint32) external {
        delegateToGovernanceLogic();
    }

    /// @notice Updates the redemption parameters.
    ///         Arguments are in the order of the getter tuple.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - Dust threshold must be greater than the moving funds dust
    ///        threshold,
    ///      - Dust threshold must be greater than the redemption TX max fee,
    ///      - Redemption TX max fee must be greater than zero,
    ///      - Redemption TX max total fee must be at least the per-request
    ///        max fee,
    ///      - Redemption timeout must be greater than zero,
    ///      - Notifier reward multiplier must be in [0, 100].
    function updateRedemptionParameters(
        uint64,
        uint64,
        uint64,
        uint64,
        uint32,
        uint96,
        uint32
    ) external {
        delegateToGovernanceLogic();
    }

    /// @notice Updates the moving funds and moved funds sweep parameters.
    ///         Arguments are in the order of the getter tuple.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - Moving funds TX max total fee must be greater than zero,
    ///      - Moving funds dust threshold must be greater than zero and
    ///        lower than the redemption dust threshold,
    ///      - Moving funds timeout reset delay must be greater than zero,
    ///      - Moving funds timeout must be greater than its reset delay,
    ///      - Moving funds notifier reward multiplier must be in [0, 100],
    ///      - Moved funds sweep TX max total fee must be greater than zero,
    ///      - Moved funds sweep timeout must be greater than zero,
    ///      - Moved funds sweep notifier reward multiplier must be in
    ///        [0, 100].
    function updateMovingFundsParameters(
        uint64,
        uint64,
        uint32,
        uint32,
        uint96,
        uint32,
        uint16,
        uint64,
        uint32,
        uint96,
        uint32
    ) external {
        delegateToGovernanceLogic();
    }

    /// @notice Updates the wallet parameters.
    ///         Arguments are in the order of the getter tuple.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - Wallet creation maximum BTC balance must be greater than the
    ///        creation minimum BTC balance,
    ///      - Wallet maximum BTC transfer must be greater than zero,
    ///      - Wallet closing period must be greater than zero.
    function updateWalletParameters(
        uint32,
        uint64,
        uint64,
        uint64,
        uint32,
        uint64,
        uint32
    ) external {
        delegateToGovernanceLogic();
    }

    /// @notice Registers a new Live wallet with its signing group (stands
    ///         in for tBTC's DKG result callback). It becomes the active
    ///         wallet.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - The signing group size must be in [1, 255],
    ///      - No operator may be the zero address,
    ///      - The wallet (by its public key hash) must not be registered.
    function registerWallet(bytes32, bytes32, address[] calldata) external {
        delegateToGovernanceLogic();
    }

    /// @notice Moves a Live wallet out of Live: to MovingFunds if it has a
    ///         main UTXO, otherwise straight to Closing (stands in for tBTC's
    ///         triggers: redemption timeout, heartbeat failure, wallet age).
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - The wallet must be in Live state.
    function beginMovingFunds(bytes20) external {
        delegateToGovernanceLogic();
    }

    /// @notice Closes a Closing wallet once its closing period has elapsed.
    ///         Permissionless.
    /// @dev Requirements:
    ///      - The wallet must be in Closing state,
    ///      - `block.timestamp` must be strictly after `closingStartedAt +
    ///        walletClosingPeriod`.
    function finalizeWalletClosing(bytes20) external {
        delegateToGovernanceLogic();
    }

    /// @notice Terminates a wallet.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - The wallet must be in Live, MovingFunds or Closing state.
    function terminateWallet(bytes20) external {
        delegateToGovernanceLogic();
    }

    // ------------------------------------------------------------------
    // Deposits
    // ------------------------------------------------------------------

    /// @notice Reveals a deposit: a funding output locking the 92-byte
    ///         deposit script (contracts.md 1.4) with P2SH or P2WSH, with
    ///         `msg.sender` as the depositor. Permissionless.
    /// @param fundingTx Non-witness funding transaction.
    /// @param reveal Deposit script data.
    /// @dev Requirements:
    ///      - The wallet must be in Live state,
    ///      - The vault must be zero or trusted,
    ///      - If `depositRevealAheadPeriod > 0`: the refund locktime must be
    ///        >= 500M and at least `depositRevealAheadPeriod` after now,
    ///      - The output at `fundingOutputIndex` must exist (bitcoin-spv
    ///        messages otherwise) and lock the expected script: a 20-byte
    ///        payload must be hash160(script), a 32-byte payload
    ///        sha256(script), other lengths are rejected,
    ///      - The deposit must not be revealed yet,
    ///      - The output value must be at least `depositDustThreshold`.
    function revealDeposit(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal
    ) external {
        revealDepositInternal(fundingTx, reveal, bytes32(0));
    }

    /// @notice Reveals a deposit whose script carries 32 bytes of extra data
    ///         (the 126-byte script). Permissionless.
    /// @param fundingTx Non-witness funding transaction.
    /// @param reveal Deposit script data.
    /// @param extraData Extra data embedded in the script.
    /// @dev Requirements:
    ///      - `extraData` must not be zero,
    ///      - Then all the requirements of `revealDeposit`, in its order.
    function revealDepositWithExtraData(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal,
        bytes32 extraData
    ) external {
        require(extraData != bytes32(0), "Extra data must not be empty");
        revealDepositInternal(fundingTx, reveal, extraData);
    }

    // ------------------------------------------------------------------
    // Redemptions
    // ------------------------------------------------------------------

    /// @notice Requests a redemption from a Live wallet to a Bitcoin output
    ///         script. There is no token transfer: requesters are
    ///         allow-listed by governance.
    /// @param walletPubKeyHash The wallet.
    /// @param mainUtxo The wallet's main UTXO.
    /// @param redeemerOutputScript Length-prefixed output script.
    /// @param amount Requested amount, in satoshi.
    /// @dev Requirements:
    ///      - The caller must be an authorized redemption requester,
    ///      - If a watchtower is set, it must deem the redemption safe,
    ///      - The wallet must be in Live state,
    ///      - The wallet must have a main UTXO and `mainUtxo` must match it,
    ///      - The script must be standard (P2PKH, P2WPKH, P2SH, P2WSH),
    ///      - The script must not pay the wallet's own PKH,
    ///      - `amount` must be at least `redemptionDustThreshold`,
    ///      - No request from this wallet to this script may be pending,
    ///      - The main UTXO value must cover all pending redemptions
    ///        including this one (less treasury fees).
    function requestRedemption(
        bytes20 walletPubKeyHash,
        BitcoinUtxo calldata mainUtxo,
        bytes calldata redeemerOutputScript,
        uint64 amount
    ) external {
        require(
            self.isRedemptionRequester[msg.sender],
            "Caller is not an authorized redemption requester"
        );

        if (self.redemptionWatchtower != address(0)) {
            require(
                IRedemptionWatchtower(self.redemptionWatchtower).isSafeRedemption(
                    walletPubKeyHash,
                    redeemerOutputScript,
                    msg.sender,
                    msg.sender
                ),
                "Redemption request rejected by the watchtower"
            );
        }

        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Live,
            "Wallet must be in Live state"
        );
        require(
            wallet.mainUtxoHash != bytes32(0),
            "No main UTXO for the given wallet"
        );
        require(
            BitcoinScripts.mainUtxoHash(mainUtxo) == wallet.mainUtxoHash,
            "Invalid main UTXO data"
        );

        validateRedeemerOutputScript(redeemerOutputScript, walletPubKeyHash);

        require(
            amount >= self.redemptionDustThreshold,
            "Redemption amount too small"
        );

        uint256 redemptionKey = BitcoinScripts.redemptionKey(
            redeemerOutputScript,
            walletPubKeyHash
        );
        RedemptionRequest storage request = self.redemptionRequests[redemptionKey];
        require(
            request.requestedAt == 0,
            "There is a pending redemption request from this wallet to the same address"
        );

        uint64 treasuryFee = self.redemptionTreasuryFeeDivisor > 0
            ? amount / self.redemptionTreasuryFeeDivisor
            : 0;
        uint64 txMaxFee = self.redemptionTxMaxFee;

        wallet.pendingRedemptionsValue += amount - treasuryFee;
        require(
            mainUtxo.txOutputValue >= wallet.pendingRedemptionsValue,
            "Insufficient wallet funds"
        );

        request.redeemer = msg.sender;
        request.requestedAmount = amount;
        request.treasuryFee = treasuryFee;
        request.txMaxFee = txMaxFee;
        /* solhint-disable-next-line not-rely-on-time */
        request.requestedAt = uint32(block.timestamp);

        emit RedemptionRequested(
            walletPubKeyHash,
            redeemerOutputScript,
            msg.sender,
            amount,
            treasuryFee,
            txMaxFee
        );
    }

    // ------------------------------------------------------------------
    // Moving funds
    // ------------------------------------------------------------------

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

        address[] storage seats = self.operators[walletPubKeyHash];
        require(
            walletMemberIndex >= 1 &&
                walletMemberIndex <= seats.length &&
                seats[walletMemberIndex - 1] == msg.sender,
            "Caller is not a member of the source wallet"
        );

        uint64 walletBtcBalance = 0;
        if (wallet.mainUtxoHash != bytes32(0)) {
            require(
                BitcoinScripts.mainUtxoHash(walletMainUtxo) ==
                    wallet.mainUtxoHash,
                "Invalid wallet main UTXO data"
            );
            walletBtcBalance = walletMainUtxo.txOutputValue;
        }
        require(walletBtcBalance > 0, "Wallet BTC balance is zero");

        uint256 expectedTargetWalletsCount = Math.min(
            self.liveWalletsCount,
            Math.ceilDiv(walletBtcBalance, self.walletMaxBtcTransfer)
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

        wallet.movingFundsTargetWalletsCommitmentHash = keccak256(
            abi.encodePacked(targetWallets)
        );

        emit MovingFundsCommitmentSubmitted(
            walletPubKeyHash,
            targetWallets,
            msg.sender
        );
    }

    // ------------------------------------------------------------------
    // Recording Bitcoin outcomes (maintainers)
    // ------------------------------------------------------------------

    /// @notice Records a confirmed deposit sweep.
    /// @param walletPubKeyHash The sweeping wallet.
    /// @param sweepTxHash The sweep transaction hash.
    /// @param sweptDeposits Keys of the swept deposits.
    /// @param newMainUtxo The wallet's new main UTXO (the sweep output).
    /// @dev Requirements:
    ///      - The caller must be a maintainer,
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - At least one deposit must be given,
    ///      - Each deposit must be revealed, not yet swept, and revealed for
    ///        this wallet,
    ///      - `newMainUtxo.txHash` must equal `sweepTxHash`.
    function recordDepositSweep(
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        DepositKey[] calldata sweptDeposits,
        BitcoinUtxo calldata newMainUtxo
    ) external onlyMaintainer {
        Wallet storage wallet = liveOrMovingFundsWallet(walletPubKeyHash);
        require(sweptDeposits.length > 0, "No deposits to record");

        for (uint256 i = 0; i < sweptDeposits.length; i++) {
            uint256 key = BitcoinScripts.depositKey(
                sweptDeposits[i].fundingTxHash,
                sweptDeposits[i].fundingOutputIndex
            );
            DepositRequest storage deposit = self.depositRequests[key];
            require(deposit.revealedAt != 0, "Deposit not revealed");
            require(deposit.sweptAt == 0, "Deposit already swept");
            require(
                self.depositWallet[key] == walletPubKeyHash,
                "Deposit controlled by different wallet"
            );
            /* solhint-disable-next-line not-rely-on-time */
            deposit.sweptAt = uint32(block.timestamp);
        }

        setMainUtxo(wallet, newMainUtxo, sweepTxHash);

        emit DepositsSwept(walletPubKeyHash, sweepTxHash);
    }

    /// @notice Records a confirmed redemption.
    /// @param walletPubKeyHash The redeeming wallet.
    /// @param redemptionTxHash The redemption transaction hash.
    /// @param redeemerOutputScripts Length-prefixed scripts of the handled
    ///        requests.
    /// @param newMainUtxo The change output; a zero value means none.
    /// @dev Requirements:
    ///      - The caller must be a maintainer,
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The wallet must have a main UTXO,
    ///      - At least one script must be given,
    ///      - Each request must be pending,
    ///      - If `newMainUtxo.txOutputValue > 0`, `newMainUtxo.txHash` must
    ///        equal `redemptionTxHash`.
    function recordRedemption(
        bytes20 walletPubKeyHash,
        bytes32 redemptionTxHash,
        bytes[] calldata redeemerOutputScripts,
        BitcoinUtxo calldata newMainUtxo
    ) external onlyMaintainer {
        Wallet storage wallet = liveOrMovingFundsWallet(walletPubKeyHash);
        require(
            wallet.mainUtxoHash != bytes32(0),
            "No main UTXO for given wallet"
        );
        require(
            redeemerOutputScripts.length > 0,
            "No redemptions to record"
        );

        for (uint256 i = 0; i < redeemerOutputScripts.length; i++) {
            uint256 key = BitcoinScripts.redemptionKey(
                redeemerOutputScripts[i],
                walletPubKeyHash
            );
            RedemptionRequest storage request = self.redemptionRequests[key];
            require(
                request.requestedAt != 0,
                "Not a pending redemption request"
            );
            wallet.pendingRedemptionsValue -=
                request.requestedAmount -
                request.treasuryFee;
            delete self.redemptionRequests[key];
        }

        if (newMainUtxo.txOutputValue == 0) {
            delete wallet.mainUtxoHash;
        } else {
            setMainUtxo(wallet, newMainUtxo, redemptionTxHash);
        }

        emit RedemptionsCompleted(walletPubKeyHash, redemptionTxHash);
    }

    /// @notice Records a confirmed moving funds transaction: creates one
    ///         Pending moved funds sweep request per target and moves the
    ///         source wallet to Closing.
    /// @param walletPubKeyHash The source wallet.
    /// @param movingFundsTxHash The moving funds transaction hash.
    /// @param targetWallets The committed target wallets, in order.
    /// @param outputValues The output value for each target.
    /// @dev Requirements:
    ///      - The caller must be a maintainer,
    ///      - The wallet must be in MovingFunds state,
    ///      - A commitment must be submitted and match `targetWallets`,
    ///      - Each target must have a matching output value,
    ///      - No sweep request may exist yet at any output's key.
    function recordMovingFunds(
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        bytes20[] calldata targetWallets,
        uint64[] calldata outputValues
    ) external onlyMaintainer {
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
            commitment == keccak256(abi.encodePacked(targetWallets)),
            "Target wallets don't correspond to the commitment"
        );
        require(
            outputValues.length == targetWallets.length,
            "Each target wallet must have a matching output value"
        );

        for (uint256 i = 0; i < targetWallets.length; i++) {
            MovedFundsSweepRequest storage request = self.movedFundsRequests[
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
            self.registeredWallets[targetWallets[i]]
                .pendingMovedFundsSweepRequestsCount++;
        }

        delete wallet.mainUtxoHash;

        emit MovingFundsCompleted(walletPubKeyHash, movingFundsTxHash);

        beginWalletClosing(wallet, walletPubKeyHash);
    }

    /// @notice Records a confirmed moved funds sweep.
    /// @param walletPubKeyHash The sweeping (target) wallet.
    /// @param sweepTxHash The sweep transaction hash.
    /// @param movingFundsTxHash The moving funds transaction hash.
    /// @param movingFundsTxOutputIndex The swept output's index.
    /// @param newMainUtxo The wallet's new main UTXO (the sweep output).
    /// @dev Requirements:
    ///      - The caller must be a maintainer,
    ///      - The wallet must be in Live or MovingFunds state,
    ///      - The sweep request must be Pending,
    ///      - It must belong to the wallet,
    ///      - `newMainUtxo.txHash` must equal `sweepTxHash`.
    function recordMovedFundsSweep(
        bytes20 walletPubKeyHash,
        bytes32 sweepTxHash,
        bytes32 movingFundsTxHash,
        uint32 movingFundsTxOutputIndex,
        BitcoinUtxo calldata newMainUtxo
    ) external onlyMaintainer {
        Wallet storage wallet = liveOrMovingFundsWallet(walletPubKeyHash);

        MovedFundsSweepRequest storage request = self.movedFundsRequests[
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

        setMainUtxo(wallet, newMainUtxo, sweepTxHash);

        emit MovedFundsSwept(walletPubKeyHash, sweepTxHash);
    }

    // ------------------------------------------------------------------
    // Views (contracts.md 2.4)
    // ------------------------------------------------------------------

    /// @inheritdoc IBridgeView
    function wallets(bytes20 walletPubKeyHash)
        external
        view
        returns (Wallet memory)
    {
        return self.registeredWallets[walletPubKeyHash];
    }

    /// @inheritdoc IBridgeView
    function deposits(uint256 depositKey)
        external
        view
        returns (DepositRequest memory)
    {
        return self.depositRequests[depositKey];
    }

    /// @inheritdoc IBridgeView
    function pendingRedemptions(uint256 redemptionKey)
        external
        view
        returns (RedemptionRequest memory)
    {
        return self.redemptionRequests[redemptionKey];
    }

    /// @inheritdoc IBridgeView
    function movedFundsSweepRequests(uint256 requestKey)
        external
        view
        returns (MovedFundsSweepRequest memory)
    {
        return self.movedFundsRequests[requestKey];
    }

    /// @inheritdoc IBridgeView
    function depositParameters()
        external
        view
        returns (uint64, uint64, uint64, uint32)
    {
        return (
            self.depositDustThreshold,
            self.depositTreasuryFeeDivisor,
            self.depositTxMaxFee,
            self.depositRevealAheadPeriod
        );
    }

    /// @inheritdoc IBridgeView
    function redemptionParameters()
        external
        view
        returns (uint64, uint64, uint64, uint64, uint32, uint96, uint32)
    {
        return (
            self.redemptionDustThreshold,
            self.redemptionTreasuryFeeDivisor,
            self.redemptionTxMaxFee,
            self.redemptionTxMaxTotalFee,
            self.redemptionTimeout,
            self.redemptionTimeoutSlashingAmount,
            self.redemptionTimeoutNotifierRewardMultiplier
        );
    }

    /// @inheritdoc IBridgeView
    function movingFundsParameters()
        external
        view
        returns (
            uint64,
            uint64,
            uint32,
            uint32,
            uint96,
            uint32,
            uint16,
            uint64,
            uint32,
            uint96,
            uint32
        )
    {
        return (
            self.movingFundsTxMaxTotalFee,
            self.movingFundsDustThreshold,
            self.movingFundsTimeoutResetDelay,
            self.movingFundsTimeout,
            self.movingFundsTimeoutSlashingAmount,
            self.movingFundsTimeoutNotifierRewardMultiplier,
            self.movingFundsCommitmentGasOffset,
            self.movedFundsSweepTxMaxTotalFee,
            self.movedFundsSweepTimeout,
            self.movedFundsSweepTimeoutSlashingAmount,
            self.movedFundsSweepTimeoutNotifierRewardMultiplier
        );
    }

    /// @inheritdoc IBridgeView
    function walletParameters()
        external
        view
        returns (uint32, uint64, uint64, uint64, uint32, uint64, uint32)
    {
        return (
            self.walletCreationPeriod,
            self.walletCreationMinBtcBalance,
            self.walletCreationMaxBtcBalance,
            self.walletClosureMinBtcBalance,
            self.walletMaxAge,
            self.walletMaxBtcTransfer,
            self.walletClosingPeriod
        );
    }

    /// @inheritdoc IBridgeView
    function getRedemptionWatchtower() external view returns (address) {
        return self.redemptionWatchtower;
    }

    /// @inheritdoc IBridgeView
    function walletOperators(bytes20 walletPubKeyHash)
        external
        view
        returns (address[] memory)
    {
        return self.operators[walletPubKeyHash];
    }

    /// @inheritdoc IBridgeView
    function walletPublicKey(bytes20 walletPubKeyHash)
        external
        view
        returns (bytes memory)
    {
        return self.publicKeys[walletPubKeyHash];
    }

    /// @inheritdoc IBridgeView
    function depositWalletPubKeyHash(uint256 depositKey)
        external
        view
        returns (bytes20)
    {
        return self.depositWallet[depositKey];
    }


    /// @inheritdoc IBridgeView
    function governance() external view returns (address) {
        return self.governance;
    }

    /// @inheritdoc IBridgeView
    function isMaintainer(address account) external view returns (bool) {
        return self.isMaintainer[account];
    }

    /// @inheritdoc IBridgeView
    function isRedemptionRequester(address account)
        external
        view
        returns (bool)
    {
        return self.isRedemptionRequester[account];
    }

    /// @inheritdoc IBridgeView
    function isVaultTrusted(address vault) external view returns (bool) {
        return self.isVaultTrusted[vault];
    }

    /// @inheritdoc IBridgeView
    function activeWalletPubKeyHash() external view returns (bytes20) {
        return self.activeWalletPubKeyHash;
    }

    /// @inheritdoc IBridgeView
    function liveWalletsCount() external view returns (uint32) {
        return self.liveWalletsCount;
    }
    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    /// @notice Reveal checks 1-10 of contracts.md 2.7 and the effects.
    function revealDepositInternal(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal,
        bytes32 extraData
    ) internal {
        require(
            self.registeredWallets[reveal.walletPubKeyHash].state ==
                WalletState.Live,
            "Wallet must be in Live state"
        );
        require(
            reveal.vault == address(0) || self.isVaultTrusted[reveal.vault],
            "Vault is not trusted"
        );

        if (self.depositRevealAheadPeriod > 0) {
            uint32 locktime = BTCUtils.reverseUint32(
                uint32(reveal.refundLocktime)
            );
            require(
                locktime >= 500_000_000,
                "Refund locktime must be a value >= 500M"
            );
            require(
                /* solhint-disable-next-line not-rely-on-time */
                block.timestamp + self.depositRevealAheadPeriod <= locktime,
                "Deposit refund locktime is too close"
            );
        }

        uint64 amount = fundingOutputAmount(fundingTx, reveal, extraData);

        bytes32 fundingTxHash = BitcoinScripts.txHash(fundingTx);
        uint256 key = BitcoinScripts.depositKey(
            fundingTxHash,
            reveal.fundingOutputIndex
        );

        DepositRequest storage deposit = self.depositRequests[key];
        require(deposit.revealedAt == 0, "Deposit already revealed");
        require(amount >= self.depositDustThreshold, "Deposit amount too small");

        deposit.depositor = msg.sender;
        deposit.amount = amount;
        /* solhint-disable-next-line not-rely-on-time */
        deposit.revealedAt = uint32(block.timestamp);
        deposit.vault = reveal.vault;
        deposit.treasuryFee = self.depositTreasuryFeeDivisor > 0
            ? amount / self.depositTreasuryFeeDivisor
            : 0;
        deposit.extraData = extraData;
        self.depositWallet[key] = reveal.walletPubKeyHash;

        emit DepositRevealed(
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

    /// @notice Builds the expected deposit script, checks that the funding
    ///         output locks it and returns the output value.
    function fundingOutputAmount(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal,
        bytes32 extraData
    ) internal view returns (uint64) {
        bytes memory expectedScript = BitcoinScripts.depositScript(
            msg.sender,
            reveal.blindingFactor,
            reveal.walletPubKeyHash,
            reveal.refundPubKeyHash,
            reveal.refundLocktime,
            extraData
        );

        bytes memory fundingOutput = fundingTx
            .outputVector
            .extractOutputAtIndex(reveal.fundingOutputIndex);

        BitcoinScripts.ScriptMatch result = BitcoinScripts.matchFundingOutput(
            fundingOutput,
            expectedScript
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

    /// @notice Checks 6-7 of contracts.md 2.8.
    function validateRedeemerOutputScript(
        bytes memory redeemerOutputScript,
        bytes20 walletPubKeyHash
    ) internal pure {
        bytes memory payload = redeemerOutputScript.extractHashAt(
            0,
            redeemerOutputScript.length
        );
        require(
            payload.length > 0,
            "Redeemer output script must be a standard type"
        );
        require(
            payload.length != 20 || payload.slice20(0) != walletPubKeyHash,
            "Redeemer output script must not point to the wallet PKH"
        );
    }

    /// @notice Returns the wallet, requiring Live or MovingFunds state.
    function liveOrMovingFundsWallet(bytes20 walletPubKeyHash)
        internal
        view
        returns (Wallet storage wallet)
    {
        wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Live ||
                wallet.state == WalletState.MovingFunds,
            "Wallet must be in Live or MovingFunds state"
        );
    }

    /// @notice Sets the wallet's main UTXO, requiring it to come from the
    ///         recorded transaction.
    function setMainUtxo(
        Wallet storage wallet,
        BitcoinUtxo calldata newMainUtxo,
        bytes32 recordedTxHash
    ) internal {
        require(
            newMainUtxo.txHash == recordedTxHash,
            "Main UTXO must come from the recorded transaction"
        );
        wallet.mainUtxoHash = BitcoinScripts.mainUtxoHash(newMainUtxo);
    }

    /// @notice Runs the current call in `BridgeGovernanceLogic` with
    ///         `delegatecall` and returns or reverts with its result.
    function delegateToGovernanceLogic() internal {
        address logic = governanceLogic;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), logic, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }
}
