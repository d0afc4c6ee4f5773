// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {IRelay} from "./IRelay.sol";

/// @title Development relay
/// @notice FOR DEVELOPMENT NETWORKS ONLY. Reports whatever current and
///         previous epoch difficulties its owner sets, without any proof of
///         work behind them: on a real network its owner could make any
///         fabricated SPV proof pass. Local devnets and tests use it with
///         regtest-difficulty blocks; real networks use `LightRelay`.
contract DevRelay is IRelay {
    /// @notice The account allowed to set the difficulties.
    address public immutable owner;

    uint256 internal currentEpochDifficulty;
    uint256 internal prevEpochDifficulty;

    event DifficultiesSet(uint256 current, uint256 previous);

    /// @param currentDifficulty Initial current epoch difficulty.
    /// @param prevDifficulty Initial previous epoch difficulty.
    constructor(uint256 currentDifficulty, uint256 prevDifficulty) {
        owner = msg.sender;
        currentEpochDifficulty = currentDifficulty;
        prevEpochDifficulty = prevDifficulty;
        emit DifficultiesSet(currentDifficulty, prevDifficulty);
    }

    /// @notice Sets both epoch difficulties.
    /// @dev Requirements: the caller is the owner.
    function setDifficulties(uint256 current, uint256 previous) external {
        require(msg.sender == owner, "Ownable: caller is not the owner");
        currentEpochDifficulty = current;
        prevEpochDifficulty = previous;
        emit DifficultiesSet(current, previous);
    }

    /// @inheritdoc IRelay
    function getCurrentEpochDifficulty() external view returns (uint256) {
        return currentEpochDifficulty;
    }

    /// @inheritdoc IRelay
    function getPrevEpochDifficulty() external view returns (uint256) {
        return prevEpochDifficulty;
    }
}
