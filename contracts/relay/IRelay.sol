// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

/// @title Bitcoin difficulty relay
/// @notice The two numbers an SPV proof is checked against: the difficulty
///         of Bitcoin's current and of its previous 2016-block epoch
///         (issue 14; tbtc-v2 `IRelay`).
interface IRelay {
    /// @notice Difficulty of the current epoch; 0 before the relay is set up.
    function getCurrentEpochDifficulty() external view returns (uint256);

    /// @notice Difficulty of the previous epoch; 0 until one is known.
    function getPrevEpochDifficulty() external view returns (uint256);
}
