// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";

import {IRelay} from "../relay/IRelay.sol";
import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./BitcoinTx.sol";
import "./BitcoinScripts.sol";
import "./Wallets.sol";

/// @title Wallet transactions
/// @notice What the four `submit*Proof` paths (issue 14) share: the proof
///         check against the Bridge's relay, and reading a proven wallet
///         transaction's inputs and outputs. Internal only: each domain
///         library (`DepositSweep`, `Redemption`, `MovingFunds`) inlines the
///         pieces it uses.
/// @dev Every function reading a vector assumes `BitcoinTx.validateProof`
///      has validated it (`validateVin` / `validateVout`).
library WalletTx {
    using BTCUtils for bytes;
    using BytesLib for bytes;

    /// @notice Validates the SPV proof of `txInfo` against the Bridge's relay
    ///         and `txProofDifficultyFactor`; returns the transaction hash.
    /// @dev Requirements:
    ///      - A relay must be set (`setRelay`),
    ///      - Then those of `BitcoinTx.validateProof`, in its order.
    function validateProof(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata txInfo,
        BitcoinTx.Proof calldata proof
    ) internal view returns (bytes32) {
        address relay = self.relay;
        require(relay != address(0), "Relay not set");
        return
            BitcoinTx.validateProof(
                IRelay(relay),
                self.txProofDifficultyFactor,
                txInfo,
                proof
            );
    }

    /// @notice Start of the first element and element count of an input or
    ///         output vector.
    function vectorStart(bytes memory vector)
        internal
        pure
        returns (uint256 start, uint256 count)
    {
        uint256 varIntDataLength;
        (varIntDataLength, count) = vector.parseVarInt();
        start = 1 + varIntDataLength;
    }

    /// @notice The outpoint of the input at `offset` and the input's length.
    function outpointAt(bytes memory inputVector, uint256 offset)
        internal
        pure
        returns (bytes32 txHash, uint32 outputIndex, uint256 length)
    {
        txHash = inputVector.extractInputTxIdLeAt(offset);
        outputIndex = BTCUtils.reverseUint32(
            uint32(inputVector.extractTxIndexLeAt(offset))
        );
        length = inputVector.determineInputLengthAt(offset);
    }

    /// @notice Reads the output at `offset`.
    /// @return walletPubKeyHash The public key hash of the wallet the output
    ///         pays in its own scheme's form, else 0: P2PKH or P2WPKH of the
    ///         PKH for an ECDSA wallet, P2TR `OP_1 PUSH32 walletX` for a FROST
    ///         wallet (PKH = HASH160(0x02 || walletX)). A P2TR output whose
    ///         PKH is not a FROST wallet's, or a P2(W)PKH of a FROST wallet's
    ///         PKH, is nobody's: no signing group can spend it.
    /// @return value The output value.
    /// @return script The length-prefixed output script.
    /// @return length The output's length.
    function outputAt(
        BridgeState.Storage storage self,
        bytes memory outputVector,
        uint256 offset
    )
        internal
        view
        returns (
            bytes20 walletPubKeyHash,
            uint64 value,
            bytes memory script,
            uint256 length
        )
    {
        length = outputVector.determineOutputLengthAt(offset);
        value = outputVector.extractValueAt(offset);
        script = outputVector.slice(offset + 8, length - 8);

        bool taproot = false;
        if (
            script.length == 26 &&
            bytes4(script.slice4(0)) == 0x1976a914 &&
            bytes2(script.slice2(24)) == 0x88ac
        ) {
            walletPubKeyHash = script.slice20(4);
        } else if (
            script.length == 23 && bytes3(script.slice3(0)) == 0x160014
        ) {
            walletPubKeyHash = script.slice20(3);
        } else if (
            script.length == 35 && bytes3(script.slice3(0)) == 0x225120
        ) {
            walletPubKeyHash = BitcoinScripts.xOnlyPubKeyHash(
                script.slice32(3)
            );
            taproot = true;
        }

        if (
            walletPubKeyHash != bytes20(0) &&
            (self.walletSchemes[walletPubKeyHash] == WalletScheme.FROST) !=
            taproot
        ) {
            walletPubKeyHash = bytes20(0);
        }
    }

    /// @notice The single output of a sweep: the wallet it pays and its
    ///         value.
    /// @dev Requirements:
    ///      - The output vector must hold exactly one output,
    ///      - It must pay a wallet in its scheme's form (`outputAt`).
    function singleWalletOutput(
        BridgeState.Storage storage self,
        bytes memory outputVector
    ) internal view returns (bytes20 walletPubKeyHash, uint64 value) {
        (uint256 start, uint256 count) = vectorStart(outputVector);
        require(count == 1, "Sweep transaction must have a single output");
        (walletPubKeyHash, value, , ) = outputAt(self, outputVector, start);
        require(
            walletPubKeyHash != bytes20(0),
            "Output must be P2PKH or P2WPKH, or P2TR of a FROST wallet"
        );
    }

    /// @notice Where a proven sweep into one wallet output (deposit sweep,
    ///         moved funds sweep) starts: the proof checked, the wallet its
    ///         single output pays, and that wallet's main UTXO as given.
    /// @dev Requirements: those of `validateProof`, `singleWalletOutput`,
    ///      `Wallets.liveOrMovingFundsWallet` and `optionalMainUtxo`.
    function provenSweep(
        BridgeState.Storage storage self,
        BitcoinTxInfo calldata sweepTx,
        BitcoinTx.Proof calldata sweepProof,
        BitcoinUtxo calldata mainUtxo
    )
        internal
        view
        returns (
            bytes32 sweepTxHash,
            bytes20 walletPubKeyHash,
            uint64 outputValue,
            Wallet storage wallet,
            BitcoinUtxo memory resolvedMainUtxo
        )
    {
        sweepTxHash = validateProof(self, sweepTx, sweepProof);
        (walletPubKeyHash, outputValue) = singleWalletOutput(self, sweepTx.outputVector);
        wallet = Wallets.liveOrMovingFundsWallet(self, walletPubKeyHash);
        resolvedMainUtxo = optionalMainUtxo(wallet, mainUtxo);
    }

    /// @notice The wallet's main UTXO as given, checked against the stored
    ///         hash; all zero when the wallet has none (`mainUtxo` ignored).
    /// @dev Requirements: if the wallet has a main UTXO, `mainUtxo` must
    ///      hash to it.
    function optionalMainUtxo(
        Wallet storage wallet,
        BitcoinUtxo calldata mainUtxo
    ) internal view returns (BitcoinUtxo memory resolved) {
        bytes32 stored = wallet.mainUtxoHash;
        if (stored != bytes32(0)) {
            require(
                BitcoinScripts.mainUtxoHash(mainUtxo) == stored,
                "Invalid main UTXO data"
            );
            resolved = mainUtxo;
        }
    }

    /// @notice Checks that an outbound transaction (redemption, moving
    ///         funds) spends the wallet's main UTXO and nothing else.
    /// @dev Requirements:
    ///      - The wallet must have a main UTXO and `mainUtxo` must hash to it,
    ///      - The input vector must hold exactly one input,
    ///      - It must spend the main UTXO.
    function requireSpendsMainUtxoOnly(
        Wallet storage wallet,
        bytes memory inputVector,
        BitcoinUtxo calldata mainUtxo
    ) internal view {
        bytes32 stored = wallet.mainUtxoHash;
        require(stored != bytes32(0), "No main UTXO for given wallet");
        require(
            BitcoinScripts.mainUtxoHash(mainUtxo) == stored,
            "Invalid main UTXO data"
        );
        (uint256 start, uint256 count) = vectorStart(inputVector);
        require(count == 1, "Outbound transaction must have a single input");
        (bytes32 txHash, uint32 outputIndex, ) = outpointAt(inputVector, start);
        require(
            txHash == mainUtxo.txHash && outputIndex == mainUtxo.txOutputIndex,
            "Outbound transaction input must point to the wallet's main UTXO"
        );
    }
}
