// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

/// @title Heartbeat message rule
/// @notice A heartbeat message is exactly 16 bytes whose first 8 bytes are
///         all 0xff; the last 8 bytes are free. A Bitcoin sighash preimage is
///         at least 48 bytes, so such a message can never be a transaction
///         preimage (contracts.md 1.5).
library Heartbeat {
    /// @notice Tells whether `message` is a valid heartbeat message.
    /// @param message Message to check.
    /// @return True iff the length is 16 and the first 8 bytes are 0xff.
    function isValidHeartbeatMessage(bytes memory message)
        internal
        pure
        returns (bool)
    {
        if (message.length != 16) {
            return false;
        }

        bytes32 word;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            word := mload(add(message, 32))
        }

        return bytes8(word) == 0xffffffffffffffff;
    }
}
