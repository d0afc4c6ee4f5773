// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BitcoinTx} from "../bridge/BitcoinTx.sol";
import {BitcoinTxInfo} from "../bridge/BridgeTypes.sol";
import {IRelay} from "../relay/IRelay.sol";

/// @title BitcoinTx library harness
/// @notice Exposes `BitcoinTx.validateProof` (issue 14) so tests can check
///         each of its reverts against crafted and real proofs.
/// @dev Test-only.
contract BitcoinTxHarness {
    function validateProof(
        IRelay relay,
        uint256 txProofDifficultyFactor,
        BitcoinTxInfo calldata txInfo,
        BitcoinTx.Proof calldata proof
    ) external view returns (bytes32) {
        return
            BitcoinTx.validateProof(
                relay,
                txProofDifficultyFactor,
                txInfo,
                proof
            );
    }
}
