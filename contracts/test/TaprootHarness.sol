// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {Taproot} from "../bridge/Taproot.sol";

/// @title Taproot library harness
/// @notice Exposes the internal functions of `Taproot` (threshold.md 4.2,
///         4.3) so tests can check them against an independent elliptic
///         curve and BIP-341 implementation.
/// @dev Test-only.
contract TaprootHarness {
    /// @notice The refund leaf of `abi.encode(depositor, extraData,
    ///         blindingFactor, refundLocktime, refundX)`.
    function refundLeaf(bytes calldata parts)
        external
        pure
        returns (bytes memory)
    {
        (address d, bytes32 e, bytes8 b, bytes4 l, bytes32 r) = abi.decode(
            parts,
            (address, bytes32, bytes8, bytes4, bytes32)
        );
        return Taproot.refundLeaf(d, e, b, l, r);
    }

    function leafHash(bytes calldata script) external pure returns (bytes32) {
        return Taproot.leafHash(script);
    }

    function tweak(bytes32 internalX, bytes32 merkleRoot)
        external
        pure
        returns (uint256)
    {
        return Taproot.tweak(internalX, merkleRoot);
    }

    function tweakedKeyAddress(bytes32 internalX, uint256 t)
        external
        pure
        returns (address)
    {
        return Taproot.tweakedKeyAddress(internalX, t);
    }

    function liftX(uint256 x) external view returns (uint256, bool) {
        return Taproot.liftX(x);
    }

    /// @notice Whether `outputX` is the x-only key of `lift_x(internalX) +
    ///         t*G`, checked as a reveal checks it.
    function isTweakedKey(
        bytes32 internalX,
        uint256 t,
        bytes32 outputX
    ) external view returns (bool) {
        return
            Taproot.isKeyOfAddress(
                outputX,
                Taproot.tweakedKeyAddress(internalX, t)
            );
    }
}
