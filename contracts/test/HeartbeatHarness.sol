// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {Heartbeat} from "../bridge/Heartbeat.sol";

/// @title Heartbeat library harness
/// @notice Exposes the internal `Heartbeat.isValidHeartbeatMessage` rule
///         (contracts.md 1.5) so tests can call it directly.
/// @dev Test-only.
contract HeartbeatHarness {
    function isValidHeartbeatMessage(bytes calldata message)
        external
        pure
        returns (bool)
    {
        return Heartbeat.isValidHeartbeatMessage(message);
    }
}
