// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeState.sol";
import "./IBridgeEvents.sol";

/// @title Bridge parameters
/// @notice The governance's parameter updates (contracts.md 2.3): each
///         checks the new `BridgeState` parameter struct, stores it and emits
///         `<Group>ParametersUpdated` with the full tuple. The Bridge checks
///         that the caller is the governance before calling in.
library BridgeParameters {
    /// @notice Sets the deposit parameters.
    /// @dev Requirements:
    ///      - Dust threshold must be greater than zero,
    ///      - Dust threshold must be greater than the deposit TX max fee,
    ///      - Deposit TX max fee must be greater than zero.
    function updateDepositParameters(
        BridgeState.Storage storage self,
        BridgeState.DepositParameters calldata p
    ) external {
        require(
            p.depositDustThreshold > 0,
            "Deposit dust threshold must be greater than zero"
        );
        require(
            p.depositDustThreshold > p.depositTxMaxFee,
            "Deposit dust threshold must be greater than deposit TX max fee"
        );
        require(
            p.depositTxMaxFee > 0,
            "Deposit transaction max fee must be greater than zero"
        );

        self.depositParameters = p;
        logParameters(
            IBridgeEvents.DepositParametersUpdated.selector,
            abi.encode(p)
        );
    }

    /// @notice Sets the redemption parameters.
    /// @dev Requirements:
    ///      - Dust threshold must be greater than the current moving funds
    ///        dust threshold,
    ///      - Dust threshold must be greater than the redemption TX max fee,
    ///      - Redemption TX max fee must be greater than zero,
    ///      - Redemption TX max total fee must be at least the per-request
    ///        max fee,
    ///      - Redemption timeout must be greater than zero,
    ///      - Notifier reward multiplier must be in [0, 100].
    function updateRedemptionParameters(
        BridgeState.Storage storage self,
        BridgeState.RedemptionParameters calldata p
    ) external {
        require(
            p.redemptionDustThreshold >
                self.movingFundsParameters.movingFundsDustThreshold,
            "Redemption dust threshold must be greater than moving funds dust threshold"
        );
        require(
            p.redemptionDustThreshold > p.redemptionTxMaxFee,
            "Redemption dust threshold must be greater than redemption TX max fee"
        );
        require(
            p.redemptionTxMaxFee > 0,
            "Redemption transaction max fee must be greater than zero"
        );
        require(
            p.redemptionTxMaxTotalFee >= p.redemptionTxMaxFee,
            "Redemption transaction max total fee must be greater than or equal to the redemption transaction per-request max fee"
        );
        require(
            p.redemptionTimeout > 0,
            "Redemption timeout must be greater than zero"
        );
        require(
            p.redemptionTimeoutNotifierRewardMultiplier <= 100,
            "Redemption timeout notifier reward multiplier must be in the range [0, 100]"
        );

        self.redemptionParameters = p;
        logParameters(
            IBridgeEvents.RedemptionParametersUpdated.selector,
            abi.encode(p)
        );
    }

    /// @notice Sets the moving funds and moved funds sweep parameters.
    /// @dev Requirements:
    ///      - Moving funds TX max total fee must be greater than zero,
    ///      - Moving funds dust threshold must be greater than zero and
    ///        lower than the current redemption dust threshold,
    ///      - Moving funds timeout reset delay must be greater than zero,
    ///      - Moving funds timeout must be greater than its reset delay,
    ///      - Moving funds notifier reward multiplier must be in [0, 100],
    ///      - Moved funds sweep TX max total fee must be greater than zero,
    ///      - Moved funds sweep timeout must be greater than zero,
    ///      - Moved funds sweep notifier reward multiplier must be in
    ///        [0, 100].
    function updateMovingFundsParameters(
        BridgeState.Storage storage self,
        BridgeState.MovingFundsParameters calldata p
    ) external {
        require(
            p.movingFundsTxMaxTotalFee > 0,
            "Moving funds transaction max total fee must be greater than zero"
        );
        require(
            p.movingFundsDustThreshold > 0 &&
                p.movingFundsDustThreshold <
                self.redemptionParameters.redemptionDustThreshold,
            "Moving funds dust threshold must be greater than zero and lower than redemption dust threshold"
        );
        require(
            p.movingFundsTimeoutResetDelay > 0,
            "Moving funds timeout reset delay must be greater than zero"
        );
        require(
            p.movingFundsTimeout > p.movingFundsTimeoutResetDelay,
            "Moving funds timeout must be greater than its reset delay"
        );
        require(
            p.movingFundsTimeoutNotifierRewardMultiplier <= 100,
            "Moving funds timeout notifier reward multiplier must be in the range [0, 100]"
        );
        require(
            p.movedFundsSweepTxMaxTotalFee > 0,
            "Moved funds sweep transaction max total fee must be greater than zero"
        );
        require(
            p.movedFundsSweepTimeout > 0,
            "Moved funds sweep timeout must be greater than zero"
        );
        require(
            p.movedFundsSweepTimeoutNotifierRewardMultiplier <= 100,
            "Moved funds sweep timeout notifier reward multiplier must be in the range [0, 100]"
        );

        self.movingFundsParameters = p;
        logParameters(
            IBridgeEvents.MovingFundsParametersUpdated.selector,
            abi.encode(p)
        );
    }

    /// @notice Sets the wallet parameters.
    /// @dev Requirements:
    ///      - Wallet creation maximum BTC balance must be greater than the
    ///        creation minimum BTC balance,
    ///      - Wallet maximum BTC transfer must be greater than zero,
    ///      - Wallet closing period must be greater than zero.
    function updateWalletParameters(
        BridgeState.Storage storage self,
        BridgeState.WalletParameters calldata p
    ) external {
        require(
            p.walletCreationMaxBtcBalance > p.walletCreationMinBtcBalance,
            "Wallet creation maximum BTC balance must be greater than the creation minimum BTC balance"
        );
        require(
            p.walletMaxBtcTransfer > 0,
            "Wallet maximum BTC transfer must be greater than zero"
        );
        require(
            p.walletClosingPeriod > 0,
            "Wallet closing period must be greater than zero"
        );

        self.walletParameters = p;
        logParameters(
            IBridgeEvents.WalletParametersUpdated.selector,
            abi.encode(p)
        );
    }

    /// @notice Emits the `<Group>ParametersUpdated` event whose topic is
    ///         `topic`, with the ABI-encoded parameter struct as its data
    ///         (none of those events has an indexed field).
    function logParameters(bytes32 topic, bytes memory data) private {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            log1(add(data, 32), mload(data), topic)
        }
    }
}
