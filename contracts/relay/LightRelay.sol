// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.17;

import {BTCUtils} from "@keep-network/bitcoin-spv-sol/contracts/BTCUtils.sol";
import {BytesLib} from "@keep-network/bitcoin-spv-sol/contracts/BytesLib.sol";
import {ValidateSPV} from "@keep-network/bitcoin-spv-sol/contracts/ValidateSPV.sol";

import {IRelay} from "./IRelay.sol";

/// @title Light relay of Bitcoin epoch difficulties
/// @notice Follows Bitcoin's 2016-block difficulty epochs from submitted
///         header chains (issue 14), as tbtc-v2's `LightRelay`: the owner
///         sets a genesis epoch once; then anyone moves the relay to the next
///         epoch with `proofLength` headers before a retarget and
///         `proofLength` after it. Reverts carry tbtc-v2's messages.
///         Submitter authorization is left out: the proof of work is the
///         authority.
/// @dev THE RELAY MUST NOT BACK SPV PROOFS BEFORE GENESIS AND ONE RETARGET:
///      until then the previous epoch difficulty is 0 (see `BitcoinTx`).
///      The relay knows no heights; it trusts that a valid retarget proof sits
///      on a real 2016-block boundary, which forging would take more work
///      than mining `proofLength` honest blocks.
contract LightRelay is IRelay {
    using BytesLib for bytes;
    using BTCUtils for bytes;
    using ValidateSPV for bytes;

    /// @notice A proven epoch: its first block's timestamp and its target.
    /// @dev A target fits in 224 bits: it has at least 32 leading zeros.
    struct Epoch {
        uint32 timestamp;
        uint224 target;
    }

    event Genesis(uint256 blockHeight);
    event Retarget(uint256 oldDifficulty, uint256 newDifficulty);
    event ProofLengthChanged(uint256 newLength);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The account allowed to perform genesis and set the proof length.
    address public owner;
    /// @notice Whether genesis has been performed.
    bool public ready;
    /// @notice Headers required on each side of a retarget (below 2016).
    uint64 public proofLength;
    /// @notice Number of the genesis epoch (its first block's height / 2016).
    uint64 public genesisEpoch;
    /// @notice Number of the latest proven epoch.
    uint64 public currentEpoch;

    uint256 internal currentEpochDifficulty;
    uint256 internal prevEpochDifficulty;
    mapping(uint256 => Epoch) internal epochs;

    modifier onlyOwner() {
        require(msg.sender == owner, "Ownable: caller is not the owner");
        _;
    }

    modifier relayActive() {
        require(ready, "Relay is not ready for use");
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// @notice Hands the owner role to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "Ownable: new owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Sets the relay's starting epoch, once.
    /// @param genesisHeader The first header of the genesis epoch.
    /// @param genesisHeight Its height, a multiple of 2016.
    /// @param genesisProofLength Headers per side of a retarget, 1..2015.
    /// @dev Only the header's target and timestamp are recorded: the height
    ///      cannot be checked on chain and is the owner's word.
    function genesis(
        bytes calldata genesisHeader,
        uint256 genesisHeight,
        uint64 genesisProofLength
    ) external onlyOwner {
        require(!ready, "Genesis already performed");
        require(genesisHeader.length == 80, "Invalid genesis header length");
        require(genesisHeight % 2016 == 0, "Invalid height of relay genesis block");
        require(genesisProofLength < 2016, "Proof length excessive");
        require(genesisProofLength > 0, "Proof length may not be zero");

        genesisEpoch = uint64(genesisHeight / 2016);
        currentEpoch = genesisEpoch;
        uint256 target = genesisHeader.extractTarget();
        epochs[genesisEpoch] = Epoch(
            genesisHeader.extractTimestamp(),
            uint224(target)
        );
        proofLength = genesisProofLength;
        currentEpochDifficulty = BTCUtils.calculateDifficulty(target);
        ready = true;

        emit Genesis(genesisHeight);
    }

    /// @notice Sets the number of headers required per side of a retarget.
    function setProofLength(uint64 newLength) external relayActive onlyOwner {
        require(newLength < 2016, "Proof length excessive");
        require(newLength > 0, "Proof length may not be zero");
        require(newLength != proofLength, "Proof length unchanged");
        proofLength = newLength;
        emit ProofLengthChanged(newLength);
    }

    /// @notice Moves the relay to the next epoch. Anyone may call it.
    /// @param headers The last `proofLength` headers of the current epoch
    ///        followed by the first `proofLength` of the next, chained.
    /// @dev Requirements, in this order:
    ///      - exactly `2 * proofLength` headers;
    ///      - each header links to the one before ("Invalid chain") and meets
    ///        its target ("Invalid work");
    ///      - the first half is at the current epoch's target;
    ///      - the last old header's timestamp is before this block's (a
    ///        future end would lower the computed next target);
    ///      - the first new header's target is the retarget algorithm's
    ///        result, at its compact precision, and the rest keep it.
    function retarget(bytes memory headers) external relayActive {
        uint256 len = proofLength;
        require(headers.length == len * 2 * 80, "Invalid header length");

        Epoch storage latest = epochs[currentEpoch];
        uint256 oldTarget = latest.target;
        bytes32 digest;
        uint256 target;

        for (uint256 i = 0; i < len; i++) {
            (digest, target) = validateHeader(headers, i * 80, digest);
            require(target == oldTarget, "Invalid target in pre-retarget headers");
        }

        uint256 epochEndTimestamp = timestampAt(headers, (len - 1) * 80);
        // solhint-disable-next-line not-rely-on-time
        require(epochEndTimestamp < block.timestamp, "Epoch cannot end in the future");

        uint256 expectedTarget = BTCUtils.retargetAlgorithm(
            oldTarget,
            latest.timestamp,
            epochEndTimestamp
        );
        uint256 epochStartTimestamp = timestampAt(headers, len * 80);

        uint256 minedTarget;
        for (uint256 j = len; j < len * 2; j++) {
            (digest, target) = validateHeader(headers, j * 80, digest);
            if (j == len) {
                // The header's compact target drops low bits of the exact
                // one: it must be the exact target with those bits cleared.
                minedTarget = target;
                require(target == (expectedTarget & target), "Invalid target in new epoch");
            } else {
                require(target == minedTarget, "Unexpected target change after retarget");
            }
        }

        currentEpoch += 1;
        epochs[currentEpoch] = Epoch(uint32(epochStartTimestamp), uint224(minedTarget));

        uint256 oldDifficulty = currentEpochDifficulty;
        uint256 newDifficulty = BTCUtils.calculateDifficulty(minedTarget);
        prevEpochDifficulty = oldDifficulty;
        currentEpochDifficulty = newDifficulty;

        emit Retarget(oldDifficulty, newDifficulty);
    }

    /// @notice Checks a chain of 2..2015 headers against the proven epochs.
    /// @param headers Concatenated 80-byte headers, oldest first.
    /// @return startingHeaderTimestamp The first header's timestamp.
    /// @return headerCount The number of headers.
    /// @dev Each header must link to the one before, meet its target, and
    ///      carry the target of the proven epoch its timestamp falls in. The
    ///      epoch is found from the first header's timestamp, allowing for
    ///      Bitcoin's timestamp slack around epoch starts by trying the
    ///      neighbouring epochs; one retarget inside the chain is accepted
    ///      where the next proven epoch starts, at that epoch's start
    ///      timestamp.
    function validateChain(bytes memory headers)
        external
        view
        returns (uint256 startingHeaderTimestamp, uint256 headerCount)
    {
        require(headers.length % 80 == 0, "Invalid header length");
        headerCount = headers.length / 80;
        require(headerCount > 1 && headerCount < 2016, "Invalid number of headers");

        startingHeaderTimestamp = headers.extractTimestamp();
        (bytes32 digest, uint256 target) = validateHeader(headers, 0, bytes32(0));

        uint256 epochNumber = currentEpoch;
        Epoch memory epoch = epochs[epochNumber];
        Epoch memory nextEpoch;

        // Walk back to the latest epoch starting at or before the header.
        while (startingHeaderTimestamp < epoch.timestamp) {
            epochNumber -= 1;
            nextEpoch = epoch;
            epoch = epochs[epochNumber];
        }
        require(epoch.timestamp > 0, "Cannot validate chains before relay genesis");

        if (target != epoch.target) {
            if (target == nextEpoch.target) {
                // Early timestamp in the next epoch: no retarget can follow.
                epoch = nextEpoch;
                nextEpoch = Epoch(0, 0);
            } else {
                // Late timestamp at the end of the epoch before.
                epochNumber -= 1;
                nextEpoch = epoch;
                epoch = epochs[epochNumber];
                require(target == epoch.target, "Invalid target in header chain");
            }
        }

        for (uint256 i = 1; i < headerCount; i++) {
            (digest, target) = validateHeader(headers, i * 80, digest);
            if (target != epoch.target) {
                require(
                    nextEpoch.timestamp != 0 &&
                        target == nextEpoch.target &&
                        timestampAt(headers, i * 80) == nextEpoch.timestamp,
                    "Invalid target in header chain"
                );
                epoch = nextEpoch;
                nextEpoch = Epoch(0, 0);
            }
        }
    }

    /// @notice Difficulty of the epoch that holds block `blockNumber`.
    function getBlockDifficulty(uint256 blockNumber) external view returns (uint256) {
        return getEpochDifficulty(blockNumber / 2016);
    }

    /// @notice Heights of the first and the last block the relay can judge.
    function getRelayRange()
        external
        view
        returns (uint256 relayGenesis, uint256 currentEpochEnd)
    {
        relayGenesis = uint256(genesisEpoch) * 2016;
        currentEpochEnd = uint256(currentEpoch) * 2016 + 2015;
    }

    /// @inheritdoc IRelay
    function getCurrentEpochDifficulty() external view returns (uint256) {
        return currentEpochDifficulty;
    }

    /// @inheritdoc IRelay
    function getPrevEpochDifficulty() external view returns (uint256) {
        return prevEpochDifficulty;
    }

    /// @notice Both epoch difficulties in one call.
    function getCurrentAndPrevEpochDifficulty()
        external
        view
        returns (uint256 current, uint256 previous)
    {
        return (currentEpochDifficulty, prevEpochDifficulty);
    }

    /// @notice Difficulty of a proven epoch, by number (first height / 2016).
    function getEpochDifficulty(uint256 epochNumber) public view returns (uint256) {
        require(epochNumber >= genesisEpoch, "Epoch is before relay genesis");
        require(epochNumber <= currentEpoch, "Epoch is not proven to the relay yet");
        return BTCUtils.calculateDifficulty(epochs[epochNumber].target);
    }

    /// @dev Checks the header at `start` links to `prevDigest` (skipped when
    ///      zero) and meets its own target; returns its digest and target.
    function validateHeader(
        bytes memory headers,
        uint256 start,
        bytes32 prevDigest
    ) internal view returns (bytes32 digest, uint256 target) {
        if (prevDigest != bytes32(0)) {
            require(headers.validateHeaderPrevHash(start, prevDigest), "Invalid chain");
        }
        target = headers.extractTargetAt(start);
        digest = headers.hash256Slice(start, 80);
        require(ValidateSPV.validateHeaderWork(digest, target), "Invalid work");
    }

    /// @dev The timestamp of the header at `offset`; no validation.
    function timestampAt(bytes memory headers, uint256 offset) internal pure returns (uint32) {
        return BTCUtils.reverseUint32(uint32(headers.slice4(68 + offset)));
    }
}
