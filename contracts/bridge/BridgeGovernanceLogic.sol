// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./BitcoinScripts.sol";

/// @title Bridge governance logic
/// @notice Governance-side logic of the Bridge (parameter updates, wallet
///         registry and lifecycle), run by the Bridge with `delegatecall` on
///         the Bridge's own storage. It exists only to keep the Bridge's
///         deployed code under 24 576 bytes; the Bridge deploys it in its
///         constructor. Called directly, it acts on its own empty storage,
///         where no governance is set and no wallet exists, so every call
///         reverts.
contract BridgeGovernanceLogic is BridgeState {
    // ------------------------------------------------------------------
    // Parameters
    // ------------------------------------------------------------------

    /// @notice Updates the deposit parameters.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - Dust threshold must be greater than zero,
    ///      - Dust threshold must be greater than the deposit TX max fee,
    ///      - Deposit TX max fee must be greater than zero.
    function updateDepositParameters(
        uint64 _depositDustThreshold,
        uint64 _depositTreasuryFeeDivisor,
        uint64 _depositTxMaxFee,
        uint32 _depositRevealAheadPeriod
    ) external onlyGovernance {
        require(
            _depositDustThreshold > 0,
            "Deposit dust threshold must be greater than zero"
        );
        require(
            _depositDustThreshold > _depositTxMaxFee,
            "Deposit dust threshold must be greater than deposit TX max fee"
        );
        require(
            _depositTxMaxFee > 0,
            "Deposit transaction max fee must be greater than zero"
        );

        self.depositDustThreshold = _depositDustThreshold;
        self.depositTreasuryFeeDivisor = _depositTreasuryFeeDivisor;
        self.depositTxMaxFee = _depositTxMaxFee;
        self.depositRevealAheadPeriod = _depositRevealAheadPeriod;

        emit DepositParametersUpdated(
            _depositDustThreshold,
            _depositTreasuryFeeDivisor,
            _depositTxMaxFee,
            _depositRevealAheadPeriod
        );
    }

    /// @notice Updates the redemption parameters.
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
        uint64 _redemptionDustThreshold,
        uint64 _redemptionTreasuryFeeDivisor,
        uint64 _redemptionTxMaxFee,
        uint64 _redemptionTxMaxTotalFee,
        uint32 _redemptionTimeout,
        uint96 _redemptionTimeoutSlashingAmount,
        uint32 _redemptionTimeoutNotifierRewardMultiplier
    ) external onlyGovernance {
        require(
            _redemptionDustThreshold > self.movingFundsDustThreshold,
            "Redemption dust threshold must be greater than moving funds dust threshold"
        );
        require(
            _redemptionDustThreshold > _redemptionTxMaxFee,
            "Redemption dust threshold must be greater than redemption TX max fee"
        );
        require(
            _redemptionTxMaxFee > 0,
            "Redemption transaction max fee must be greater than zero"
        );
        require(
            _redemptionTxMaxTotalFee >= _redemptionTxMaxFee,
            "Redemption transaction max total fee must be greater than or equal to the redemption transaction per-request max fee"
        );
        require(
            _redemptionTimeout > 0,
            "Redemption timeout must be greater than zero"
        );
        require(
            _redemptionTimeoutNotifierRewardMultiplier <= 100,
            "Redemption timeout notifier reward multiplier must be in the range [0, 100]"
        );

        self.redemptionDustThreshold = _redemptionDustThreshold;
        self.redemptionTreasuryFeeDivisor = _redemptionTreasuryFeeDivisor;
        self.redemptionTxMaxFee = _redemptionTxMaxFee;
        self.redemptionTxMaxTotalFee = _redemptionTxMaxTotalFee;
        self.redemptionTimeout = _redemptionTimeout;
        self.redemptionTimeoutSlashingAmount = _redemptionTimeoutSlashingAmount;
        self.redemptionTimeoutNotifierRewardMultiplier = _redemptionTimeoutNotifierRewardMultiplier;

        emit RedemptionParametersUpdated(
            _redemptionDustThreshold,
            _redemptionTreasuryFeeDivisor,
            _redemptionTxMaxFee,
            _redemptionTxMaxTotalFee,
            _redemptionTimeout,
            _redemptionTimeoutSlashingAmount,
            _redemptionTimeoutNotifierRewardMultiplier
        );
    }

    /// @notice Updates the moving funds and moved funds sweep parameters.
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
        uint64 _movingFundsTxMaxTotalFee,
        uint64 _movingFundsDustThreshold,
        uint32 _movingFundsTimeoutResetDelay,
        uint32 _movingFundsTimeout,
        uint96 _movingFundsTimeoutSlashingAmount,
        uint32 _movingFundsTimeoutNotifierRewardMultiplier,
        uint16 _movingFundsCommitmentGasOffset,
        uint64 _movedFundsSweepTxMaxTotalFee,
        uint32 _movedFundsSweepTimeout,
        uint96 _movedFundsSweepTimeoutSlashingAmount,
        uint32 _movedFundsSweepTimeoutNotifierRewardMultiplier
    ) external onlyGovernance {
        require(
            _movingFundsTxMaxTotalFee > 0,
            "Moving funds transaction max total fee must be greater than zero"
        );
        require(
            _movingFundsDustThreshold > 0 &&
                _movingFundsDustThreshold < self.redemptionDustThreshold,
            "Moving funds dust threshold must be greater than zero and lower than redemption dust threshold"
        );
        require(
            _movingFundsTimeoutResetDelay > 0,
            "Moving funds timeout reset delay must be greater than zero"
        );
        require(
            _movingFundsTimeout > _movingFundsTimeoutResetDelay,
            "Moving funds timeout must be greater than its reset delay"
        );
        require(
            _movingFundsTimeoutNotifierRewardMultiplier <= 100,
            "Moving funds timeout notifier reward multiplier must be in the range [0, 100]"
        );
        require(
            _movedFundsSweepTxMaxTotalFee > 0,
            "Moved funds sweep transaction max total fee must be greater than zero"
        );
        require(
            _movedFundsSweepTimeout > 0,
            "Moved funds sweep timeout must be greater than zero"
        );
        require(
            _movedFundsSweepTimeoutNotifierRewardMultiplier <= 100,
            "Moved funds sweep timeout notifier reward multiplier must be in the range [0, 100]"
        );

        self.movingFundsTxMaxTotalFee = _movingFundsTxMaxTotalFee;
        self.movingFundsDustThreshold = _movingFundsDustThreshold;
        self.movingFundsTimeoutResetDelay = _movingFundsTimeoutResetDelay;
        self.movingFundsTimeout = _movingFundsTimeout;
        self.movingFundsTimeoutSlashingAmount = _movingFundsTimeoutSlashingAmount;
        self.movingFundsTimeoutNotifierRewardMultiplier = _movingFundsTimeoutNotifierRewardMultiplier;
        self.movingFundsCommitmentGasOffset = _movingFundsCommitmentGasOffset;
        self.movedFundsSweepTxMaxTotalFee = _movedFundsSweepTxMaxTotalFee;
        self.movedFundsSweepTimeout = _movedFundsSweepTimeout;
        self.movedFundsSweepTimeoutSlashingAmount = _movedFundsSweepTimeoutSlashingAmount;
        self.movedFundsSweepTimeoutNotifierRewardMultiplier = _movedFundsSweepTimeoutNotifierRewardMultiplier;

        emitMovingFundsParametersUpdated();
    }

    /// @notice Updates the wallet parameters.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - Wallet creation maximum BTC balance must be greater than the
    ///        creation minimum BTC balance,
    ///      - Wallet maximum BTC transfer must be greater than zero,
    ///      - Wallet closing period must be greater than zero.
    function updateWalletParameters(
        uint32 _walletCreationPeriod,
        uint64 _walletCreationMinBtcBalance,
        uint64 _walletCreationMaxBtcBalance,
        uint64 _walletClosureMinBtcBalance,
        uint32 _walletMaxAge,
        uint64 _walletMaxBtcTransfer,
        uint32 _walletClosingPeriod
    ) external onlyGovernance {
        require(
            _walletCreationMaxBtcBalance > _walletCreationMinBtcBalance,
            "Wallet creation maximum BTC balance must be greater than the creation minimum BTC balance"
        );
        require(
            _walletMaxBtcTransfer > 0,
            "Wallet maximum BTC transfer must be greater than zero"
        );
        require(
            _walletClosingPeriod > 0,
            "Wallet closing period must be greater than zero"
        );

        self.walletCreationPeriod = _walletCreationPeriod;
        self.walletCreationMinBtcBalance = _walletCreationMinBtcBalance;
        self.walletCreationMaxBtcBalance = _walletCreationMaxBtcBalance;
        self.walletClosureMinBtcBalance = _walletClosureMinBtcBalance;
        self.walletMaxAge = _walletMaxAge;
        self.walletMaxBtcTransfer = _walletMaxBtcTransfer;
        self.walletClosingPeriod = _walletClosingPeriod;

        emit WalletParametersUpdated(
            _walletCreationPeriod,
            _walletCreationMinBtcBalance,
            _walletCreationMaxBtcBalance,
            _walletClosureMinBtcBalance,
            _walletMaxAge,
            _walletMaxBtcTransfer,
            _walletClosingPeriod
        );
    }

    // ------------------------------------------------------------------
    // Wallet registry and lifecycle
    // ------------------------------------------------------------------

    /// @notice Registers a new Live wallet with its signing group (stands
    ///         in for tBTC's DKG result callback). It becomes the active
    ///         wallet.
    /// @param publicKeyX X coordinate of the wallet's public key.
    /// @param publicKeyY Y coordinate of the wallet's public key.
    /// @param walletOperators_ Seat list: seat `k` is index `k - 1`;
    ///        duplicates allowed.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - The signing group size must be in [1, 255],
    ///      - No operator may be the zero address,
    ///      - The wallet (by its public key hash) must not be registered.
    function registerWallet(
        bytes32 publicKeyX,
        bytes32 publicKeyY,
        address[] calldata walletOperators_
    ) external onlyGovernance {
        require(
            walletOperators_.length >= 1 && walletOperators_.length <= 255,
            "Invalid signing group size"
        );
        for (uint256 i = 0; i < walletOperators_.length; i++) {
            require(
                walletOperators_[i] != address(0),
                "Operator address cannot be zero"
            );
        }

        bytes20 walletPubKeyHash = BitcoinScripts.walletPubKeyHashFromKey(
            publicKeyX,
            publicKeyY
        );

        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Unknown,
            "ECDSA wallet has been already registered"
        );

        bytes32 ecdsaWalletID = BitcoinScripts.ecdsaWalletIdFromKey(
            publicKeyX,
            publicKeyY
        );
        wallet.ecdsaWalletID = ecdsaWalletID;
        wallet.state = WalletState.Live;
        /* solhint-disable-next-line not-rely-on-time */
        wallet.createdAt = uint32(block.timestamp);

        self.operators[walletPubKeyHash] = walletOperators_;
        self.publicKeys[walletPubKeyHash] = abi.encodePacked(publicKeyX, publicKeyY);

        self.activeWalletPubKeyHash = walletPubKeyHash;
        self.liveWalletsCount++;

        emit NewWalletRegistered(ecdsaWalletID, walletPubKeyHash);
        emit WalletOperatorsSet(walletPubKeyHash, walletOperators_);
    }

    /// @notice Moves a Live wallet out of Live: to MovingFunds if it has a
    ///         main UTXO, otherwise straight to Closing (stands in for tBTC's
    ///         triggers: redemption timeout, heartbeat failure, wallet age).
    /// @param walletPubKeyHash The wallet.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - The wallet must be in Live state.
    function beginMovingFunds(bytes20 walletPubKeyHash)
        external
        onlyGovernance
    {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Live,
            "Wallet must be in Live state"
        );

        if (wallet.mainUtxoHash == bytes32(0)) {
            beginWalletClosing(wallet, walletPubKeyHash);
        } else {
            wallet.state = WalletState.MovingFunds;
            /* solhint-disable-next-line not-rely-on-time */
            wallet.movingFundsRequestedAt = uint32(block.timestamp);
            emit WalletMovingFunds(wallet.ecdsaWalletID, walletPubKeyHash);
        }

        if (self.activeWalletPubKeyHash == walletPubKeyHash) {
            delete self.activeWalletPubKeyHash;
        }
        self.liveWalletsCount--;
    }

    /// @notice Closes a Closing wallet once its closing period has elapsed.
    ///         Permissionless.
    /// @param walletPubKeyHash The wallet.
    /// @dev Requirements:
    ///      - The wallet must be in Closing state,
    ///      - `block.timestamp` must be strictly after `closingStartedAt +
    ///        walletClosingPeriod`.
    function finalizeWalletClosing(bytes20 walletPubKeyHash) external {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        require(
            wallet.state == WalletState.Closing,
            "Wallet must be in Closing state"
        );
        require(
            /* solhint-disable-next-line not-rely-on-time */
            block.timestamp >
                uint256(wallet.closingStartedAt) + self.walletClosingPeriod,
            "Closing period has not elapsed yet"
        );

        wallet.state = WalletState.Closed;
        emit WalletClosed(wallet.ecdsaWalletID, walletPubKeyHash);
    }

    /// @notice Terminates a wallet.
    /// @param walletPubKeyHash The wallet.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - The wallet must be in Live, MovingFunds or Closing state.
    function terminateWallet(bytes20 walletPubKeyHash)
        external
        onlyGovernance
    {
        Wallet storage wallet = self.registeredWallets[walletPubKeyHash];
        WalletState state = wallet.state;
        require(
            state == WalletState.Live ||
                state == WalletState.MovingFunds ||
                state == WalletState.Closing,
            "Wallet cannot be terminated in its current state"
        );

        if (state == WalletState.Live) {
            self.liveWalletsCount--;
        }

        wallet.state = WalletState.Terminated;
        if (self.activeWalletPubKeyHash == walletPubKeyHash) {
            delete self.activeWalletPubKeyHash;
        }

        emit WalletTerminated(wallet.ecdsaWalletID, walletPubKeyHash);
    }


    /// @notice Emits `MovingFundsParametersUpdated` from storage (keeps the
    ///         update function's stack small).
    function emitMovingFundsParametersUpdated() internal {
        emit MovingFundsParametersUpdated(
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
}
