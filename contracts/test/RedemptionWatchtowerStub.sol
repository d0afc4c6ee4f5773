// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {IRedemptionWatchtower} from "../bridge/IRedemptionWatchtower.sol";

/// @title Redemption watchtower test double
/// @notice Per-key redemption delays (default 0) and one global safety
///         verdict (default true), both settable.
/// @dev Test-only. No access control.
contract RedemptionWatchtowerStub is IRedemptionWatchtower {
    mapping(uint256 => uint32) private _delays;
    bool private _isSafe = true;

    function setRedemptionDelay(uint256 redemptionKey, uint32 delay) external {
        _delays[redemptionKey] = delay;
    }

    function setIsSafe(bool isSafe) external {
        _isSafe = isSafe;
    }

    function getRedemptionDelay(uint256 redemptionKey)
        external
        view
        returns (uint32)
    {
        return _delays[redemptionKey];
    }

    function isSafeRedemption(
        bytes20,
        bytes calldata,
        address,
        address
    ) external view returns (bool) {
        return _isSafe;
    }
}
