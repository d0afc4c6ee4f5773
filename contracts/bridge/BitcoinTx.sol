// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {ValidateSPV} from "@keep-network/bitcoin-spv-sol/contracts/ValidateSPV.sol";

import {IRelay} from "../relay/IRelay.sol";
import {BitcoinTxInfo} from "./BridgeTypes.sol";
import {BitcoinScripts} from "./BitcoinScripts.sol";

/// @title Bitcoin transaction SPV proof
/// @notice Proves that a Bitcoin transaction (a `BitcoinTxInfo`, the ABI
///         twin of tbtc-v2's `BitcoinTx.Info`) is in a block buried under
///         enough proof of work, measured against a difficulty relay
///         (issue 14). Same structs, checks, check order and revert strings
///         as tbtc-v2's `BitcoinTx.validateProof`; parsing, merkle proofs and
///         header checks come from bitcoin-spv-sol so that messages and
///         Panics match.
/// @dev The relay is trusted for the two epoch difficulties only. A relay
///      that reports 0 for an epoch (LightRelay before its first retarget)
///      accepts headers of difficulty 0, i.e. any target above the
///      difficulty-1 target such as regtest's: point a Bridge at a relay only
///      once both difficulties are real, unless it is a development network.
library BitcoinTx {
    using BTCUtils for bytes;
    using BTCUtils for uint256;
    using ValidateSPV for bytes;
    using ValidateSPV for bytes32;

    /// @notice The SPV proof of one transaction.
    struct Proof {
        /// @notice Merkle path from the transaction to the root of the first
        ///         header's block: the sibling hashes, lowest level first.
        bytes merkleProof;
        /// @notice The transaction's 0-based position in the block.
        uint256 txIndexInBlock;
        /// @notice Concatenated 80-byte headers, the transaction's block first.
        bytes bitcoinHeaders;
        /// @notice The single sha256 of the coinbase transaction; its sha256
        ///         is the coinbase txid.
        bytes32 coinbasePreimage;
        /// @notice Merkle path of the coinbase (index 0) in the same block.
        bytes coinbaseProof;
    }

    /// @notice Validates the SPV proof of `txInfo` and returns its hash.
    /// @param relay Source of the current and previous epoch difficulty.
    /// @param txProofDifficultyFactor How many blocks' worth of the epoch
    ///        difficulty the headers must carry together.
    /// @param txInfo The transaction.
    /// @param proof Its proof.
    /// @return txHash The transaction hash, internal byte order.
    /// @dev Requirements, in this order:
    ///      - the input and the output vector parse;
    ///      - merkle proof and coinbase proof have the same length: a
    ///        64-byte "transaction" that is really an inner merkle node could
    ///        otherwise be proven at a higher level of the tree, but the
    ///        coinbase, whose preimage we hash ourselves, is a real leaf;
    ///      - the transaction's merkle proof is valid for the first header;
    ///      - the coinbase's merkle proof is valid at index 0;
    ///      - the headers satisfy `evaluateProofDifficulty`.
    function validateProof(
        IRelay relay,
        uint256 txProofDifficultyFactor,
        BitcoinTxInfo calldata txInfo,
        Proof calldata proof
    ) internal view returns (bytes32 txHash) {
        require(
            txInfo.inputVector.validateVin(),
            "Invalid input vector provided"
        );
        require(
            txInfo.outputVector.validateVout(),
            "Invalid output vector provided"
        );
        require(
            proof.merkleProof.length == proof.coinbaseProof.length,
            "Tx not on same level of merkle tree as coinbase"
        );

        txHash = BitcoinScripts.txHash(txInfo);

        bytes32 root = proof.bitcoinHeaders.extractMerkleRootLE();
        require(
            txHash.prove(root, proof.merkleProof, proof.txIndexInBlock),
            "Tx merkle proof is not valid for provided header and tx hash"
        );

        bytes32 coinbaseHash = sha256(abi.encodePacked(proof.coinbasePreimage));
        require(
            coinbaseHash.prove(root, proof.coinbaseProof, 0),
            "Coinbase merkle proof is not valid for provided header and hash"
        );

        evaluateProofDifficulty(
            relay,
            txProofDifficultyFactor,
            proof.bitcoinHeaders
        );
    }

    /// @notice Checks the proof's headers against the relay's difficulties.
    /// @param relay Source of the current and previous epoch difficulty.
    /// @param txProofDifficultyFactor Required work in epoch-difficulty units.
    /// @param bitcoinHeaders The proof's headers, oldest first.
    /// @dev Requirements, in this order:
    ///      - the first header's difficulty is the relay's current epoch
    ///        difficulty, or else its previous one; that is the requested
    ///        difficulty;
    ///      - the headers are a whole number of 80-byte headers, each linked
    ///        to the one before and each meeting its own target
    ///        (bitcoin-spv `validateHeaderChain`; its error codes become
    ///        tbtc-v2's messages);
    ///      - their summed difficulty is at least requested difficulty times
    ///        `txProofDifficultyFactor`.
    function evaluateProofDifficulty(
        IRelay relay,
        uint256 txProofDifficultyFactor,
        bytes memory bitcoinHeaders
    ) internal view {
        uint256 currentEpochDifficulty = relay.getCurrentEpochDifficulty();
        uint256 previousEpochDifficulty = relay.getPrevEpochDifficulty();

        uint256 requestedDiff;
        uint256 firstHeaderDiff = bitcoinHeaders
            .extractTarget()
            .calculateDifficulty();
        if (firstHeaderDiff == currentEpochDifficulty) {
            requestedDiff = currentEpochDifficulty;
        } else if (firstHeaderDiff == previousEpochDifficulty) {
            requestedDiff = previousEpochDifficulty;
        } else {
            revert("Not at current or previous difficulty");
        }

        uint256 observedDiff = bitcoinHeaders.validateHeaderChain();
        require(
            observedDiff != ValidateSPV.getErrBadLength(),
            "Invalid length of the headers chain"
        );
        require(
            observedDiff != ValidateSPV.getErrInvalidChain(),
            "Invalid headers chain"
        );
        require(
            observedDiff != ValidateSPV.getErrLowWork(),
            "Insufficient work in a header"
        );
        require(
            observedDiff >= requestedDiff * txProofDifficultyFactor,
            "Insufficient accumulated difficulty in header chain"
        );
    }
}
