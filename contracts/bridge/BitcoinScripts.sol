// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";

import "./BridgeTypes.sol";

/// @title Bitcoin scripts, keys and hashes
/// @notice Deposit script builder, key derivations and script-hash checks
///         shared by the Bridge and the WalletProposalValidator. Every value
///         here must match the node bit for bit (contracts.md 1.3, 1.4).
/// @dev Hashing and output parsing go through bitcoin-spv-sol so that
///      reverts and Panics are the same as tBTC's.
library BitcoinScripts {
    using BTCUtils for bytes;
    using BytesLib for bytes;

    /// @notice Result of matching a funding output against an expected
    ///         deposit script.
    enum ScriptMatch {
        // Exactly P2SH and its hash is hash160(script).
        Matched20,
        // Exactly P2WSH and its hash is sha256(script).
        Matched32,
        // Exactly P2SH of another script.
        Wrong20,
        // Exactly P2WSH of another script.
        Wrong32,
        // Neither exactly P2SH nor exactly P2WSH: P2PKH and P2WPKH (which
        // carry a 20-byte hash too, tBTC advisory GHSA-8986), P2TR,
        // OP_RETURN, non-standard.
        WrongForm
    }

    /// @notice Builds the deposit locking script (contracts.md 1.4): 92 bytes
    ///         for a regular deposit, 126 bytes when `extraData` is non-zero.
    /// @param depositor Ethereum address of the revealer.
    /// @param blindingFactor 8-byte blinding factor.
    /// @param walletPubKeyHash 20-byte wallet public key hash.
    /// @param refundPubKeyHash 20-byte refund public key hash.
    /// @param refundLocktime 4-byte little-endian refund locktime.
    /// @param extraData Optional 32-byte extra data; 0 means none.
    function depositScript(
        address depositor,
        bytes8 blindingFactor,
        bytes20 walletPubKeyHash,
        bytes20 refundPubKeyHash,
        bytes4 refundLocktime,
        bytes32 extraData
    ) internal pure returns (bytes memory) {
        return
            abi.encodePacked(
                depositorPushes(depositor, extraData),
                hex"08", // push 8
                blindingFactor,
                hex"75", // OP_DROP
                hex"76a914", // OP_DUP OP_HASH160 push 20
                walletPubKeyHash,
                hex"87", // OP_EQUAL
                hex"63ac67", // OP_IF OP_CHECKSIG OP_ELSE
                hex"76a914", // OP_DUP OP_HASH160 push 20
                refundPubKeyHash,
                hex"88", // OP_EQUALVERIFY
                hex"04", // push 4
                refundLocktime,
                hex"b175ac68" // OP_CHECKLOCKTIMEVERIFY OP_DROP OP_CHECKSIG OP_ENDIF
            );
    }

    /// @notice The head shared by the deposit script and the Taproot refund
    ///         leaf: `14 <depositor> 75`, then `20 <extraData> 75` when
    ///         `extraData` is non-zero (contracts.md 1.4, threshold.md 4.2).
    function depositorPushes(address depositor, bytes32 extraData)
        internal
        pure
        returns (bytes memory)
    {
        return
            extraData == bytes32(0)
                ? abi.encodePacked(hex"14", depositor, hex"75")
                : abi.encodePacked(
                    hex"14",
                    depositor,
                    hex"75",
                    hex"20",
                    extraData,
                    hex"75"
                );
    }

    /// @notice Matches a funding output against the expected deposit script
    ///         (contracts.md 1.4, 2.7 check 7, 3.5 step 4). Only the exact
    ///         P2SH (`17 a9 14 <20> 87`) and P2WSH (`22 00 20 <32>`) forms
    ///         lock a deposit: a P2PKH or P2WPKH output carrying
    ///         hash160(script) can never be spent with the script, so
    ///         nobody could sweep it (tBTC advisory GHSA-8986).
    /// @param output Output as returned by `extractOutputAtIndex`: 8-byte
    ///        value followed by the length-prefixed output script.
    /// @param script Expected deposit script.
    function matchFundingOutput(bytes memory output, bytes memory script)
        internal
        view
        returns (ScriptMatch)
    {
        // Called first for its Panics on malformed outputs (contracts.md 3.10).
        bytes memory payload = output.extractHash();
        if (
            output.length == 32 &&
            output.slice3(8) == hex"17a914" &&
            output[31] == 0x87
        ) {
            return
                payload.slice20(0) == script.hash160View()
                    ? ScriptMatch.Matched20
                    : ScriptMatch.Wrong20;
        }
        if (output.length == 43 && output.slice3(8) == hex"220020") {
            return
                payload.toBytes32() == sha256(script)
                    ? ScriptMatch.Matched32
                    : ScriptMatch.Wrong32;
        }
        return ScriptMatch.WrongForm;
    }

    /// @notice Takes output `outputIndex` of `outputVector` and matches it
    ///         against the expected deposit script (`matchFundingOutput`).
    /// @return result How the output matches the script.
    /// @return output The output: 8-byte value, then the length-prefixed
    ///         output script.
    /// @dev Reverts with the bitcoin-spv messages when the output cannot be
    ///      read, and Panics on malformed outputs (contracts.md 3.10).
    function matchFundingOutputAt(
        bytes calldata outputVector,
        uint32 outputIndex,
        bytes memory script
    ) internal view returns (ScriptMatch result, bytes memory output) {
        output = outputVector.extractOutputAtIndex(outputIndex);
        result = matchFundingOutput(output, script);
    }

    /// @notice Bitcoin transaction hash (hash256 of the non-witness
    ///         serialization), in internal byte order.
    function txHash(BitcoinTxInfo calldata txInfo)
        internal
        view
        returns (bytes32)
    {
        return
            abi
                .encodePacked(
                    txInfo.version,
                    txInfo.inputVector,
                    txInfo.outputVector,
                    txInfo.locktime
                )
                .hash256View();
    }

    /// @notice Deposit key: keccak256(fundingTxHash || uint32 outputIndex).
    function depositKey(bytes32 fundingTxHash, uint32 fundingOutputIndex)
        internal
        pure
        returns (uint256)
    {
        return
            uint256(
                keccak256(abi.encodePacked(fundingTxHash, fundingOutputIndex))
            );
    }

    /// @notice Redemption key:
    ///         keccak256(keccak256(lengthPrefixedScript) || walletPubKeyHash).
    function redemptionKey(
        bytes memory redeemerOutputScript,
        bytes20 walletPubKeyHash
    ) internal pure returns (uint256) {
        return
            uint256(
                keccak256(
                    abi.encodePacked(
                        keccak256(redeemerOutputScript),
                        walletPubKeyHash
                    )
                )
            );
    }

    /// @notice Moved-funds sweep request key:
    ///         keccak256(movingFundsTxHash || uint32 outputIndex).
    function movedFundsKey(bytes32 movingFundsTxHash, uint32 outputIndex)
        internal
        pure
        returns (uint256)
    {
        return
            uint256(
                keccak256(abi.encodePacked(movingFundsTxHash, outputIndex))
            );
    }

    /// @notice Main UTXO hash: keccak256(txHash || uint32 index || uint64 value).
    function mainUtxoHash(BitcoinUtxo memory utxo)
        internal
        pure
        returns (bytes32)
    {
        return
            keccak256(
                abi.encodePacked(
                    utxo.txHash,
                    utxo.txOutputIndex,
                    utxo.txOutputValue
                )
            );
    }

    /// @notice A wallet's BTC balance: the value of `mainUtxo`, which must
    ///         hash to `walletMainUtxoHash`; 0 (and `mainUtxo` ignored) when
    ///         the wallet has no main UTXO.
    function mainUtxoBalance(
        bytes32 walletMainUtxoHash,
        BitcoinUtxo calldata mainUtxo
    ) internal pure returns (uint64) {
        if (walletMainUtxoHash == bytes32(0)) {
            return 0;
        }
        require(
            mainUtxoHash(mainUtxo) == walletMainUtxoHash,
            "Invalid wallet main UTXO data"
        );
        return mainUtxo.txOutputValue;
    }

    /// @notice Target wallets commitment: keccak256 of the packed array,
    ///         where every bytes20 element is padded to 32 bytes.
    function targetWalletsCommitment(bytes20[] memory targetWallets)
        internal
        pure
        returns (bytes32)
    {
        // abi.encodePacked pads array elements to 32 bytes.
        return keccak256(abi.encodePacked(targetWallets));
    }

    /// @notice Wallet public key hash: hash160 of the compressed public key
    ///         (0x02 for an even Y, 0x03 for an odd Y, followed by X).
    function walletPubKeyHashFromKey(bytes32 publicKeyX, bytes32 publicKeyY)
        internal
        view
        returns (bytes20)
    {
        bytes1 prefix = uint256(publicKeyY) & 1 == 0
            ? bytes1(0x02)
            : bytes1(0x03);
        return abi.encodePacked(prefix, publicKeyX).hash160View();
    }

    /// @notice Public key hash of an x-only (BIP-340) key: hash160 of the
    ///         compressed key of its even-y point, HASH160(0x02 || x). A FROST
    ///         wallet's PKH and a Taproot deposit's refund PKH (threshold.md
    ///         2, 4.2).
    function xOnlyPubKeyHash(bytes32 x) internal view returns (bytes20) {
        return abi.encodePacked(bytes1(0x02), x).hash160View();
    }

    /// @notice ECDSA wallet ID: keccak256(X || Y).
    function ecdsaWalletIdFromKey(bytes32 publicKeyX, bytes32 publicKeyY)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(publicKeyX, publicKeyY));
    }
}
