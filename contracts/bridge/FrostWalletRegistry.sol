// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./IBridgeView.sol";
import "./BitcoinScripts.sol";
import "./Taproot.sol";

/// @notice The Bridge as the FROST wallet registry sees it: its views and
///         the registration it alone may call.
interface IFrostWalletBridge is IBridgeView {
    function registerFrostWallet(
        bytes32 walletX,
        address[] calldata members,
        uint16 threshold
    ) external;
}

/// @title FROST wallet registry
/// @notice Creates FROST wallets by DKG coordinated on chain (threshold.md
///         3.1): governance requests a wallet from a signing group, the
///         group runs the DKG off chain, and a member submits the result,
///         which at least `dkgQuorum` members signed. The registry checks
///         every signature at submission and registers the wallet with the
///         Bridge at once; a request with no result by its deadline block
///         can be declared timed out by anyone.
/// @dev Governance is the Bridge's governance, read at each request. The
///      Bridge learns this registry's address once, from governance
///      (`Bridge.setFrostWalletRegistry`).
contract FrostWalletRegistry {
    enum DkgState {
        None,
        Pending,
        Accepted,
        TimedOut
    }

    /// @notice A wallet request.
    struct DkgRequest {
        // The signing group, strictly ascending: member index `i` (1-based)
        // is `members[i - 1]`; these become the wallet's seats.
        address[] members;
        // keccak256(abi.encode(blockhash(requestBlock - 1), requestId)).
        bytes32 seed;
        // Last block in which a result can be submitted.
        uint64 deadline;
        // Members that sign together once the wallet exists.
        uint16 threshold;
        // Members that must sign the DKG result.
        uint16 dkgQuorum;
        DkgState state;
    }

    /// @notice A DKG result.
    struct DkgResult {
        uint256 requestId;
        // The wallet's x-only key (BIP-340).
        bytes32 walletX;
        // Member indices left out of the DKG, strictly ascending.
        uint8[] excluded;
        // Member indices of the signers, strictly ascending.
        uint8[] signerIndices;
        // 65 bytes (r, s, v) per signer, in `signerIndices` order: EIP-191
        // signatures of `dkgResultDigest`.
        bytes signatures;
    }

    /// @notice The domain string at the head of the DKG result digest.
    string public constant DKG_RESULT_DIGEST_DOMAIN = "wcoord-frost-dkg-v1";

    /// @notice The largest `s` of a low-s signature: n / 2.
    uint256 private constant MAX_LOW_S = Taproot.N / 2;

    /// @notice The Bridge that registers the wallets.
    IFrostWalletBridge public immutable bridge;

    /// @notice Blocks from a request to its deadline.
    uint64 public immutable dkgTimeoutBlocks;

    /// @notice Number of requests made; request IDs are 1 to this.
    uint256 public dkgRequestCount;

    mapping(uint256 => DkgRequest) private requests;

    event DkgRequested(
        uint256 indexed requestId,
        bytes32 seed,
        address[] members,
        uint16 threshold,
        uint16 dkgQuorum,
        uint64 deadline
    );

    event DkgResultAccepted(
        uint256 indexed requestId,
        bytes32 walletX,
        bytes20 indexed walletPubKeyHash
    );

    event DkgTimedOut(uint256 indexed requestId);

    /// @param _bridge The Bridge.
    /// @param _dkgTimeoutBlocks Blocks from a request to its deadline.
    constructor(address _bridge, uint64 _dkgTimeoutBlocks) {
        require(_bridge != address(0), "Bridge address cannot be zero");
        require(_dkgTimeoutBlocks > 0, "DKG timeout must be positive");
        bridge = IFrostWalletBridge(_bridge);
        dkgTimeoutBlocks = _dkgTimeoutBlocks;
    }

    /// @notice Requests a new FROST wallet from a signing group.
    /// @param members The group, strictly ascending.
    /// @param threshold Members that will sign together.
    /// @param dkgQuorum Members that must sign the DKG result.
    /// @return requestId The new request's ID.
    /// @dev Requirements:
    ///      - The caller must be the Bridge's governance,
    ///      - There must be 2 to 255 members,
    ///      - Members must be non-zero and strictly ascending,
    ///      - 2 <= threshold <= dkgQuorum <= members.length.
    function requestNewWallet(
        address[] calldata members,
        uint16 threshold,
        uint16 dkgQuorum
    ) external returns (uint256 requestId) {
        require(
            msg.sender == bridge.governance(),
            "Caller is not the governance"
        );
        require(
            members.length >= 2 && members.length <= 255,
            "DKG group must have 2 to 255 members"
        );
        uint160 previous = 0;
        for (uint256 i = 0; i < members.length; i++) {
            require(
                uint160(members[i]) > previous,
                "Members must be non-zero and strictly ascending"
            );
            previous = uint160(members[i]);
        }
        require(threshold >= 2, "Threshold must be at least 2");
        require(threshold <= dkgQuorum, "Threshold cannot exceed DKG quorum");
        require(
            dkgQuorum <= members.length,
            "DKG quorum cannot exceed the group size"
        );

        requestId = ++dkgRequestCount;
        DkgRequest storage request = requests[requestId];
        request.members = members;
        request.seed = keccak256(
            abi.encode(blockhash(block.number - 1), requestId)
        );
        request.deadline = uint64(block.number) + dkgTimeoutBlocks;
        request.threshold = threshold;
        request.dkgQuorum = dkgQuorum;
        request.state = DkgState.Pending;

        emit DkgRequested(
            requestId,
            request.seed,
            members,
            threshold,
            dkgQuorum,
            request.deadline
        );
    }

    /// @notice Submits a DKG result; the wallet is registered with the
    ///         Bridge at once.
    /// @dev Requirements, in order (threshold.md 3.1):
    ///      - The request must be pending,
    ///      - The deadline block must not have passed,
    ///      - `walletX` must be the x coordinate of a point (`< p`,
    ///        `x^3 + 7` a square),
    ///      - No wallet with that key (PKH HASH160(0x02 || walletX)) may
    ///        exist,
    ///      - `excluded` and then `signerIndices` must be strictly ascending
    ///        member indices (1 to members.length),
    ///      - No signer may be excluded,
    ///      - There must be at least `dkgQuorum` signers, and at least
    ///        `dkgQuorum` members not excluded,
    ///      - `signatures` must hold 65 bytes per signer, each a low-s
    ///        EIP-191 signature of the digest by the member at its index,
    ///      - The caller must be a member.
    function submitDkgResult(DkgResult calldata result) external {
        DkgRequest storage request = requests[result.requestId];
        require(
            request.state == DkgState.Pending,
            "DKG request is not pending"
        );
        require(block.number <= request.deadline, "DKG deadline has passed");
        (, bool onCurve) = Taproot.liftX(uint256(result.walletX));
        require(onCurve, "Wallet key is not a valid x coordinate");
        bytes20 walletPubKeyHash = BitcoinScripts.xOnlyPubKeyHash(
            result.walletX
        );
        require(
            bridge.wallets(walletPubKeyHash).state == WalletState.Unknown,
            "Wallet with this key already exists"
        );

        address[] memory members = request.members;
        checkSigners(result, members.length, request.dkgQuorum);
        checkSignatures(
            result,
            members,
            digest(result.requestId, request.seed, result.walletX, members, result.excluded)
        );
        require(
            isMember(members, msg.sender),
            "Caller is not a member of the DKG group"
        );

        request.state = DkgState.Accepted;
        emit DkgResultAccepted(
            result.requestId,
            result.walletX,
            walletPubKeyHash
        );
        bridge.registerFrostWallet(result.walletX, members, request.threshold);
    }

    /// @notice Declares a request with no result by its deadline timed out.
    ///         Permissionless.
    /// @dev Requirements:
    ///      - The request must be pending,
    ///      - The deadline block must have passed.
    function notifyDkgTimeout(uint256 requestId) external {
        DkgRequest storage request = requests[requestId];
        require(
            request.state == DkgState.Pending,
            "DKG request is not pending"
        );
        require(
            block.number > request.deadline,
            "DKG deadline has not passed yet"
        );
        request.state = DkgState.TimedOut;
        emit DkgTimedOut(requestId);
    }

    /// @notice The request; all zero (state None) for an unknown ID.
    function getDkgRequest(uint256 requestId)
        external
        view
        returns (DkgRequest memory)
    {
        return requests[requestId];
    }

    /// @notice The digest the members sign (EIP-191) for a result of the
    ///         request (threshold.md 3.1): keccak256(abi.encode(
    ///         "wcoord-frost-dkg-v1", chainid, registry, bridge, requestId,
    ///         seed, walletX, keccak256(abi.encode(members)),
    ///         keccak256(abi.encode(excluded)))).
    function dkgResultDigest(
        uint256 requestId,
        bytes32 walletX,
        uint8[] calldata excluded
    ) external view returns (bytes32) {
        DkgRequest storage request = requests[requestId];
        return
            digest(
                requestId,
                request.seed,
                walletX,
                request.members,
                excluded
            );
    }

    function digest(
        uint256 requestId,
        bytes32 seed,
        bytes32 walletX,
        address[] memory members,
        uint8[] calldata excluded
    ) private view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    DKG_RESULT_DIGEST_DOMAIN,
                    block.chainid,
                    address(this),
                    address(bridge),
                    requestId,
                    seed,
                    walletX,
                    keccak256(abi.encode(members)),
                    keccak256(abi.encode(excluded))
                )
            );
    }

    /// @notice The index checks of a result: format, disjointness, quorum.
    function checkSigners(
        DkgResult calldata result,
        uint256 membersCount,
        uint16 dkgQuorum
    ) private pure {
        require(
            areAscendingIndices(result.excluded, membersCount),
            "Excluded indices must be strictly ascending member indices"
        );
        require(
            areAscendingIndices(result.signerIndices, membersCount),
            "Signer indices must be strictly ascending member indices"
        );
        uint256 e = 0;
        for (uint256 i = 0; i < result.signerIndices.length; i++) {
            uint8 signer = result.signerIndices[i];
            while (e < result.excluded.length && result.excluded[e] < signer) {
                e++;
            }
            require(
                e == result.excluded.length || result.excluded[e] != signer,
                "Signer is excluded"
            );
        }
        require(
            result.signerIndices.length >= dkgQuorum,
            "Too few signers for the DKG quorum"
        );
        require(
            membersCount - result.excluded.length >= dkgQuorum,
            "Too many members excluded for the DKG quorum"
        );
    }

    /// @notice Checks every signature of the result against the member at
    ///         its index.
    function checkSignatures(
        DkgResult calldata result,
        address[] memory members,
        bytes32 resultDigest
    ) private pure {
        require(
            result.signatures.length == 65 * result.signerIndices.length,
            "Signatures length does not match the signers"
        );
        bytes32 signedHash = keccak256(
            abi.encodePacked("\x19Ethereum Signed Message:\n32", resultDigest)
        );
        for (uint256 i = 0; i < result.signerIndices.length; i++) {
            bytes calldata signature = result.signatures[65 * i:65 * i + 65];
            bytes32 s = bytes32(signature[32:64]);
            require(uint256(s) <= MAX_LOW_S, "Signature s value is too high");
            address signer = ecrecover(
                signedHash,
                uint8(signature[64]),
                bytes32(signature[0:32]),
                s
            );
            require(
                signer != address(0) &&
                    signer == members[result.signerIndices[i] - 1],
                "Signature is not from the member at its index"
            );
        }
    }

    /// @notice Whether `indices` are strictly ascending, in [1, count].
    function areAscendingIndices(uint8[] calldata indices, uint256 count)
        private
        pure
        returns (bool)
    {
        uint256 previous = 0;
        for (uint256 i = 0; i < indices.length; i++) {
            if (indices[i] <= previous || indices[i] > count) {
                return false;
            }
            previous = indices[i];
        }
        return true;
    }

    function isMember(address[] memory members, address account)
        private
        pure
        returns (bool)
    {
        for (uint256 i = 0; i < members.length; i++) {
            if (members[i] == account) {
                return true;
            }
        }
        return false;
    }
}
