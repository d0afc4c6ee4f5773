// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";

import "./BitcoinScripts.sol";

/// @title Taproot deposits on secp256k1
/// @notice The Taproot form of a deposit to a FROST wallet (threshold.md
///         4.2, 4.3): the refund leaf, its BIP-341 leaf hash and key tweak,
///         and the check that a funding output pays the wallet key tweaked
///         with that leaf. Shared by the Bridge (reveals), the validator
///         (sweep proposals) and the FROST wallet registry (key checks).
/// @dev The tweaked key `Q = lift_x(walletX) + t*G` is computed by one
///      `ecrecover` instead of a scalar multiplication: with `P` the point of
///      even y over `r = walletX`, `ecrecover(h, 27, r, r)` with
///      `h = n - t*r mod n` recovers `r^-1 * (r*P - h*G) = P + t*G` and
///      returns its address. The output's x-only key `X` is lifted to both
///      of its points through the modexp precompile, and the output matches
///      when the address of one of them is that address.
library Taproot {
    using BTCUtils for bytes;
    using BytesLib for bytes;

    /// @notice The secp256k1 field prime.
    uint256 internal constant P =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    /// @notice The secp256k1 group order.
    uint256 internal constant N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @notice `(P + 1) / 4`: `c^((P + 1) / 4)` is a square root of a
    ///         square `c` because `P = 3 mod 4`.
    uint256 private constant SQRT_EXPONENT =
        0x3fffffffffffffffffffffffffffffffffffffffffffffffffffffffbfffff0c;

    /// @notice sha256("TapLeaf"), the BIP-340 tag of leaf hashes.
    bytes32 private constant TAP_LEAF_TAG =
        0xaeea8fdc4208983105734b58081d1e2638d35f1cb54008d4d357ca03be78e9ee;

    /// @notice sha256("TapTweak"), the BIP-340 tag of key tweaks.
    bytes32 private constant TAP_TWEAK_TAG =
        0xe80fe1639c9ca050e3af1b39c143c63e429cbceb15d940fbb5c5a1f4af57c5e9;

    /// @notice BIP-342 Tapscript leaf version.
    bytes1 private constant LEAF_VERSION = 0xc0;

    /// @notice Result of matching a funding output against a Taproot key.
    enum OutputMatch {
        // Exactly P2TR (`22 51 20 <32>`) and its key is the tweaked key.
        Matched,
        // Not exactly P2TR.
        WrongForm,
        // Exactly P2TR of another key.
        WrongKey
    }

    /// @notice The deposit's refund leaf (threshold.md 4.2): 73 bytes, 107
    ///         when `extraData` is non-zero.
    ///         `14 <depositor> 75 [20 <extraData> 75] 08 <blindingFactor> 75
    ///         04 <refundLocktime> b1 75 20 <refundX> ac`.
    function refundLeaf(
        address depositor,
        bytes32 extraData,
        bytes8 blindingFactor,
        bytes4 refundLocktime,
        bytes32 refundX
    ) internal pure returns (bytes memory) {
        return
            abi.encodePacked(
                BitcoinScripts.depositorPushes(depositor, extraData),
                hex"08", // push 8
                blindingFactor,
                hex"75", // OP_DROP
                hex"04", // push 4
                refundLocktime,
                hex"b175", // OP_CHECKLOCKTIMEVERIFY OP_DROP
                hex"20", // push 32
                refundX,
                hex"ac" // OP_CHECKSIG
            );
    }

    /// @notice BIP-341 leaf hash of a Tapscript leaf shorter than 253 bytes:
    ///         TaggedHash("TapLeaf", 0xc0 || compactSize(len) || script).
    function leafHash(bytes memory script) internal pure returns (bytes32) {
        require(script.length < 253, "Taproot leaf too long");
        return
            sha256(
                abi.encodePacked(
                    TAP_LEAF_TAG,
                    TAP_LEAF_TAG,
                    LEAF_VERSION,
                    uint8(script.length),
                    script
                )
            );
    }

    /// @notice BIP-341 tweak of `internalX` committing to a script tree of
    ///         root `merkleRoot`: TaggedHash("TapTweak", internalX ||
    ///         merkleRoot), which must be below the group order.
    function tweak(bytes32 internalX, bytes32 merkleRoot)
        internal
        pure
        returns (uint256 t)
    {
        t = uint256(
            sha256(
                abi.encodePacked(
                    TAP_TWEAK_TAG,
                    TAP_TWEAK_TAG,
                    internalX,
                    merkleRoot
                )
            )
        );
        require(t < N, "Taproot tweak is not below the group order");
    }

    /// @notice Address of `lift_x(internalX) + t*G` (the point of even y
    ///         over `internalX` plus `t` times the generator), by one
    ///         `ecrecover`.
    /// @dev Reverts where the trick does not apply (`internalX >= N` or
    ///      `t*internalX = 0 mod N`) or the precompile fails (`internalX` is
    ///      not the x coordinate of a point, or `P + t*G` is the point at
    ///      infinity): never a wrong address.
    function tweakedKeyAddress(bytes32 internalX, uint256 t)
        internal
        pure
        returns (address q)
    {
        uint256 r = uint256(internalX);
        require(r != 0 && r < N, "Taproot internal key out of range");
        uint256 h = (N - mulmod(t, r, N)) % N;
        require(h != 0, "Taproot tweak out of range");
        q = ecrecover(bytes32(h), 27, internalX, internalX);
        require(q != address(0), "Taproot key tweak failed");
    }

    /// @notice The even y of the point over `x`, if `x` is the x coordinate
    ///         of a secp256k1 point (`x < P` and `x^3 + 7` a square).
    /// @return y The even y coordinate; 0 when there is none.
    /// @return onCurve Whether `x` is the x coordinate of a point.
    function liftX(uint256 x) internal view returns (uint256 y, bool onCurve) {
        if (x >= P) {
            return (0, false);
        }
        uint256 c = addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
        y = modExp(c, SQRT_EXPONENT, P);
        if (mulmod(y, y, P) != c) {
            return (0, false);
        }
        if (y & 1 == 1) {
            y = P - y;
        }
        return (y, true);
    }

    /// @notice Whether `q` is the address of one of the two points over the
    ///         x-only key `x`.
    function isKeyOfAddress(bytes32 x, address q) internal view returns (bool) {
        (uint256 y, bool onCurve) = liftX(uint256(x));
        return
            onCurve &&
            (pointAddress(x, y) == q || pointAddress(x, P - y) == q);
    }

    /// @notice Takes output `outputIndex` of `outputVector` and matches it
    ///         against the P2TR output of `internalX` tweaked with the single
    ///         leaf `leaf` (threshold.md 4.3): exactly 43 bytes (8-byte value,
    ///         `22 51 20`, 32-byte key) and the key is `x(Q)`.
    /// @return result How the output matches.
    /// @return output The output: 8-byte value, then the length-prefixed
    ///         output script.
    /// @dev Reverts with the bitcoin-spv messages when the output cannot be
    ///      read.
    function matchFundingOutputAt(
        bytes calldata outputVector,
        uint32 outputIndex,
        bytes32 internalX,
        bytes memory leaf
    ) internal view returns (OutputMatch result, bytes memory output) {
        output = outputVector.extractOutputAtIndex(outputIndex);
        if (output.length != 43 || output.slice3(8) != hex"225120") {
            return (OutputMatch.WrongForm, output);
        }
        address q = tweakedKeyAddress(
            internalX,
            tweak(internalX, leafHash(leaf))
        );
        result = isKeyOfAddress(output.slice32(11), q)
            ? OutputMatch.Matched
            : OutputMatch.WrongKey;
    }

    /// @notice The Ethereum address of the point `(x, y)`.
    function pointAddress(bytes32 x, uint256 y) private pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }

    /// @notice `base^exponent mod modulus` through the modexp precompile.
    function modExp(
        uint256 base,
        uint256 exponent,
        uint256 modulus
    ) private view returns (uint256 result) {
        bool success;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x20)
            mstore(add(p, 0x20), 0x20)
            mstore(add(p, 0x40), 0x20)
            mstore(add(p, 0x60), base)
            mstore(add(p, 0x80), exponent)
            mstore(add(p, 0xa0), modulus)
            success := staticcall(gas(), 0x05, p, 0xc0, p, 0x20)
            result := mload(p)
        }
        require(success, "Modular exponentiation failed");
    }
}
