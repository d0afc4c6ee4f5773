// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./BitcoinScripts.sol";
import "./WalletTx.sol";

/// @title Moving funds transactions
/// @notice How `MovingFunds` reads a moving funds transaction's outputs and a
///         moved funds sweep's inputs, for recording and proof alike.
///         Internal only: compiled into `MovingFunds`, never deployed or
///         linked on its own.
library MovingFundsTx {
    /// @notice The wallets a moving funds transaction pays and the values,
    ///         in output order, and their sum; requires each output to pay a
    ///         wallet and the values to be evenly distributed.
    function movingFundsOutputs(
        BridgeState.Storage storage self,
        bytes memory outputVector
    )
        internal
        view
        returns (
            bytes20[] memory targetWallets,
            uint64[] memory outputValues,
            uint256 outputsValue
        )
    {
        (uint256 offset, uint256 count) = WalletTx.vectorStart(outputVector);
        targetWallets = new bytes20[](count);
        outputValues = new uint64[](count);
        for (uint256 i = 0; i < count; i++) {
            uint256 length;
            (targetWallets[i], outputValues[i], , length) = WalletTx.outputAt(
                self,
                outputVector,
                offset
            );
            require(
                targetWallets[i] != bytes20(0),
                "Output must be P2PKH or P2WPKH, or P2TR of a FROST wallet"
            );
            outputsValue += outputValues[i];
            offset += length;
        }

        uint256 minValue = outputsValue / count;
        uint256 maxValue = minValue + (outputsValue % count);
        for (uint256 i = 0; i < count; i++) {
            require(
                minValue <= outputValues[i] && outputValues[i] <= maxValue,
                "Transaction amount is not distributed evenly"
            );
        }
    }

    /// @notice Processes the sweep's inputs: the main UTXO, if expected, and
    ///         one moved funds output; returns their total value.
    function movedFundsSweepInputs(
        BridgeState.Storage storage self,
        Wallet storage wallet,
        bytes20 walletPubKeyHash,
        bytes memory inputVector,
        BitcoinUtxo memory mainUtxo
    ) internal returns (uint256 inputsValue) {
        bool mainUtxoExpected = mainUtxo.txHash != bytes32(0);
        bool mainUtxoFound = false;

        (uint256 offset, uint256 count) = WalletTx.vectorStart(inputVector);
        require(
            count == (mainUtxoExpected ? 2 : 1),
            "Moved funds sweep transaction must have a proper inputs count"
        );
        for (uint256 i = 0; i < count; i++) {
            (bytes32 txHash, uint32 outputIndex, uint256 length) = WalletTx
                .outpointAt(inputVector, offset);
            if (
                mainUtxoExpected &&
                !mainUtxoFound &&
                txHash == mainUtxo.txHash &&
                outputIndex == mainUtxo.txOutputIndex
            ) {
                inputsValue += mainUtxo.txOutputValue;
                mainUtxoFound = true;
            } else {
                inputsValue += processSweepRequest(
                    self,
                    wallet,
                    walletPubKeyHash,
                    txHash,
                    outputIndex
                );
            }
            offset += length;
        }
        require(
            mainUtxoExpected == mainUtxoFound,
            "Expected main UTXO not present in sweep transaction inputs"
        );
    }

    /// @notice Marks a sweep request Processed (both paths); returns its
    ///         value.
    /// @dev Requirements: the request must be Pending and belong to the
    ///      wallet.
    function processSweepRequest(
        BridgeState.Storage storage self,
        Wallet storage wallet,
        bytes20 walletPubKeyHash,
        bytes32 movingFundsTxHash,
        uint32 movingFundsTxOutputIndex
    ) internal returns (uint64) {
        MovedFundsSweepRequest storage request = self.movedFundsSweepRequests[
            BitcoinScripts.movedFundsKey(
                movingFundsTxHash,
                movingFundsTxOutputIndex
            )
        ];
        require(
            request.state == MovedFundsSweepRequestState.Pending,
            "Sweep request is not in Pending state"
        );
        require(
            request.walletPubKeyHash == walletPubKeyHash,
            "Sweep request does not belong to the wallet"
        );

        request.state = MovedFundsSweepRequestState.Processed;
        wallet.pendingMovedFundsSweepRequestsCount--;
        return request.value;
    }
}
