// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import {
    Wallet,
    DepositRequest,
    RedemptionRequest,
    MovedFundsSweepRequest
} from "../bridge/BridgeTypes.sol";
import {BridgeState} from "../bridge/BridgeState.sol";
import {BridgeViews} from "../bridge/BridgeViews.sol";

/// @title Bridge test double
/// @notice The Bridge's storage and views (`BridgeViews`) with unchecked
///         setters, so validator tests can put the Bridge into any state,
///         including states the real Bridge never reaches.
/// @dev Test-only. No access control, no validation, no events. The
///      parameter setters take the fields of the `BridgeState` parameter
///      struct, in order, like the Bridge's update functions.
contract BridgeStub is BridgeViews {
    // --- Wallets ---

    function setWallet(bytes20 walletPubKeyHash, Wallet calldata wallet)
        external
    {
        self.registeredWallets[walletPubKeyHash] = wallet;
    }

    function setWalletOperators(
        bytes20 walletPubKeyHash,
        address[] calldata operators
    ) external {
        self.walletOperators[walletPubKeyHash] = operators;
    }

    function setWalletPublicKey(bytes20 walletPubKeyHash, bytes calldata key)
        external
    {
        self.walletPublicKeys[walletPubKeyHash] = key;
    }

    function setWalletParameters(
        uint32, uint64, uint64, uint64, uint32, uint64, uint32
    ) external {
        self.walletParameters = abi.decode(
            msg.data[4:],
            (BridgeState.WalletParameters)
        );
    }

    function setActiveWalletPubKeyHash(bytes20 walletPubKeyHash) external {
        self.activeWalletPubKeyHash = walletPubKeyHash;
    }

    function setLiveWalletsCount(uint32 count) external {
        self.liveWalletsCount = count;
    }

    // --- Deposits ---

    function setDeposit(uint256 depositKey, DepositRequest calldata request)
        external
    {
        self.deposits[depositKey] = request;
    }

    function setDepositWalletPubKeyHash(
        uint256 depositKey,
        bytes20 walletPubKeyHash
    ) external {
        self.depositWallet[depositKey] = walletPubKeyHash;
    }

    function setDepositParameters(uint64, uint64, uint64, uint32) external {
        self.depositParameters = abi.decode(
            msg.data[4:],
            (BridgeState.DepositParameters)
        );
    }

    function setVaultStatus(address vault, bool isTrusted) external {
        self.isVaultTrusted[vault] = isTrusted;
    }

    // --- Redemptions ---

    function setPendingRedemption(
        uint256 redemptionKey,
        RedemptionRequest calldata request
    ) external {
        self.pendingRedemptions[redemptionKey] = request;
    }

    function setRedemptionParameters(
        uint64, uint64, uint64, uint64, uint32, uint96, uint32
    ) external {
        self.redemptionParameters = abi.decode(
            msg.data[4:],
            (BridgeState.RedemptionParameters)
        );
    }

    function setRedemptionWatchtower(address watchtower) external {
        self.redemptionWatchtower = watchtower;
    }

    function setRedemptionRequesterStatus(address account, bool status)
        external
    {
        self.isRedemptionRequester[account] = status;
    }

    // --- Moving funds ---

    function setMovedFundsSweepRequest(
        uint256 requestKey,
        MovedFundsSweepRequest calldata request
    ) external {
        self.movedFundsSweepRequests[requestKey] = request;
    }

    function setMovingFundsParameters(
        uint64, uint64, uint32, uint32, uint96, uint32,
        uint16, uint64, uint32, uint96, uint32
    ) external {
        self.movingFundsParameters = abi.decode(
            msg.data[4:],
            (BridgeState.MovingFundsParameters)
        );
    }

    // --- Roles ---

    function setGovernance(address account) external {
        self.governance = account;
    }

    function setMaintainerStatus(address account, bool status) external {
        self.isMaintainer[account] = status;
    }
}
