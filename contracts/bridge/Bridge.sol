// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.21;

import "./BridgeTypes.sol";
import "./BridgeState.sol";
import "./BridgeOutcomes.sol";
import "./IBridgeEvents.sol";
import "./BridgeParameters.sol";
import "./Deposit.sol";
import "./Redemption.sol";
import "./MovingFunds.sol";
import "./Wallets.sol";
import "./FrostWallets.sol";
import "./TaprootDeposit.sol";

/// @title Bridge
/// @notice Holds exactly the state the WalletProposalValidator and the node
///         read: the wallet registry with per-wallet signing-group operators,
///         deposits, redemption requests, moving-funds commitments, moved-funds
///         sweep requests, parameters and an optional redemption watchtower.
///         View encodings and events are identical to tBTC v2's Bridge.
/// @dev Not upgradeable: no proxy, no initializer; the constructor sets
///      everything. Bitcoin outcomes are proven by anyone with an SPV
///      proof against a governance-set relay (`submit*Proof`, issue 14) or,
///      until the node switches over, recorded by governance-listed
///      maintainers (`record*`).
///      The Bridge checks roles and hands its storage to one library per
///      domain, as tBTC v2 does: `Deposit`, `DepositSweep`, `Redemption`,
///      `MovingFunds`, `Wallets` and `BridgeParameters`. They are external
///      libraries, linked at deployment and called by the compiler with
///      `delegatecall` on the Bridge's storage, which keeps the Bridge's own
///      code far below 24 576 bytes. Each library function lists its
///      requirements in check order.
///      Threshold wallets (threshold.md): `FrostWallets` (registration by the
///      FROST wallet registry) and `TaprootDeposit` (Taproot reveals). The
///      Bitcoin outcome entry points are in `BridgeOutcomes`.
contract Bridge is BridgeOutcomes, IBridgeEvents {
    using BridgeState for BridgeState.Storage;
    using BridgeParameters for BridgeState.Storage;
    using Deposit for BridgeState.Storage;
    using Redemption for BridgeState.Storage;
    using MovingFunds for BridgeState.Storage;
    using Wallets for BridgeState.Storage;
    using FrostWallets for BridgeState.Storage;
    using TaprootDeposit for BridgeState.Storage;

    modifier onlyGovernance() {
        require(msg.sender == self.governance, "Caller is not the governance");
        _;
    }

    modifier nonZeroExtraData(bytes32 extraData) {
        require(extraData != bytes32(0), "Extra data must not be empty");
        _;
    }

    /// @param _governance Initial governance.
    /// @dev Sets every parameter to tBTC v2's initial value
    ///      (`BridgeState.setInitialParameters`).
    constructor(address _governance) {
        self.governance = _governance;

        self.setInitialParameters();
    }

    // ------------------------------------------------------------------
    // Roles, vaults and the watchtower (contracts.md 2.1, 2.11)
    // ------------------------------------------------------------------

    /// @notice Transfers governance to a new address.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - `newGovernance` must not be zero.
    function transferGovernance(address newGovernance)
        external
        onlyGovernance
    {
        require(
            newGovernance != address(0),
            "New governance address cannot be zero"
        );
        address oldGovernance = self.governance;
        self.governance = newGovernance;
        emit GovernanceTransferred(oldGovernance, newGovernance);
    }

    /// @notice Grants (`status` true) or revokes the maintainer role.
    /// @dev Requirements: the caller must be the governance.
    function setMaintainerStatus(address maintainer, bool status)
        external
        onlyGovernance
    {
        self.isMaintainer[maintainer] = status;
        emit MaintainerStatusUpdated(maintainer, status);
    }

    /// @notice Grants (`status` true) or revokes the redemption requester
    ///         role.
    /// @dev Requirements: the caller must be the governance.
    function setRedemptionRequesterStatus(address requester, bool status)
        external
        onlyGovernance
    {
        self.isRedemptionRequester[requester] = status;
        emit RedemptionRequesterStatusUpdated(requester, status);
    }

    /// @notice Marks a vault as trusted or untrusted.
    /// @dev Requirements: the caller must be the governance.
    function setVaultStatus(address vault, bool isTrusted)
        external
        onlyGovernance
    {
        self.isVaultTrusted[vault] = isTrusted;
        emit VaultStatusUpdated(vault, isTrusted);
    }

    /// @notice Sets the redemption watchtower. It can be set only once.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - No watchtower may be set yet,
    ///      - `watchtower` must not be zero.
    function setRedemptionWatchtower(address watchtower)
        external
        onlyGovernance
    {
        require(
            self.redemptionWatchtower == address(0),
            "Redemption watchtower already set"
        );
        require(
            watchtower != address(0),
            "Redemption watchtower address must not be 0x0"
        );
        self.redemptionWatchtower = watchtower;
        emit RedemptionWatchtowerSet(watchtower);
    }

    /// @notice Sets the Bitcoin difficulty relay SPV proofs are checked
    ///         against; until one is set, every `submit*Proof` reverts.
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - `newRelay` must not be zero.
    ///      THE RELAY IS TRUSTED FOR THE EPOCH DIFFICULTIES: a relay reporting
    ///      difficulty 0 for an epoch (a `LightRelay` before its first
    ///      retarget, a `DevRelay` set so) accepts headers of any target at
    ///      or above the difficulty-1 target, regtest's included, so anyone
    ///      can then prove a fabricated transaction. On a real network set
    ///      only a `LightRelay` after genesis and one retarget; a `DevRelay`
    ///      only on a local development network. The deploy decides.
    function setRelay(address newRelay) external onlyGovernance {
        require(newRelay != address(0), "Relay address cannot be zero");
        self.relay = newRelay;
        emit RelaySet(newRelay);
    }

    /// @notice Sets how many epoch difficulties of work a proof's headers
    ///         must carry together (default 6).
    /// @dev Requirements:
    ///      - The caller must be the governance,
    ///      - `factor` must be greater than zero.
    function updateTxProofDifficultyFactor(uint256 factor)
        external
        onlyGovernance
    {
        require(
            factor > 0,
            "Transaction proof difficulty factor must be greater than zero"
        );
        self.txProofDifficultyFactor = factor;
        emit TxProofDifficultyFactorUpdated(factor);
    }

    /// @notice See `FrostWallets.setFrostWalletRegistry`.
    function setFrostWalletRegistry(address registry) external onlyGovernance {
        self.setFrostWalletRegistry(registry);
    }

    // ------------------------------------------------------------------
    // Wallet registry and lifecycle (contracts.md 2.6): see `Wallets`;
    // parameters (2.3): see `BridgeParameters`
    // ------------------------------------------------------------------

    /// @notice Registers a new Live wallet; see `Wallets.registerWallet`.
    function registerWallet(
        bytes32 publicKeyX,
        bytes32 publicKeyY,
        address[] calldata operators
    ) external onlyGovernance {
        self.registerWallet(publicKeyX, publicKeyY, operators);
    }

    /// @notice See `FrostWallets.registerFrostWallet`.
    function registerFrostWallet(
        bytes32 walletX,
        address[] calldata members,
        uint16 threshold
    ) external {
        self.registerFrostWallet(walletX, members, threshold);
    }

    /// @notice Moves a Live wallet to MovingFunds or Closing; see
    ///         `Wallets.beginMovingFunds`.
    function beginMovingFunds(bytes20 walletPubKeyHash)
        external
        onlyGovernance
    {
        self.beginMovingFunds(walletPubKeyHash);
    }

    /// @notice Closes a Closing wallet after its closing period;
    ///         permissionless. See `Wallets.finalizeWalletClosing`.
    function finalizeWalletClosing(bytes20 walletPubKeyHash) external {
        self.finalizeWalletClosing(walletPubKeyHash);
    }

    /// @notice Terminates a wallet; see `Wallets.terminateWallet`.
    function terminateWallet(bytes20 walletPubKeyHash)
        external
        onlyGovernance
    {
        self.terminateWallet(walletPubKeyHash);
    }

    /// @notice Updates the wallet parameters: the fields of
    ///         `BridgeState.WalletParameters`, in order. Governance only; see
    ///         `BridgeParameters.updateWalletParameters`.
    function updateWalletParameters(
        uint32, uint64, uint64, uint64, uint32, uint64, uint32
    ) external onlyGovernance {
        self.updateWalletParameters(
            abi.decode(msg.data[4:], (BridgeState.WalletParameters))
        );
    }

    // ------------------------------------------------------------------
    // Deposits (contracts.md 2.7): see `Deposit`
    // ------------------------------------------------------------------

    /// @notice Reveals a deposit locked by the 92-byte deposit script, with
    ///         `msg.sender` as the depositor; permissionless. See
    ///         `Deposit.revealDeposit`.
    function revealDeposit(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal
    ) external {
        self.revealDeposit(fundingTx, reveal, bytes32(0));
    }

    /// @notice Reveals a deposit whose 126-byte script carries 32 bytes of
    ///         extra data; permissionless.
    /// @dev Requirements:
    ///      - `extraData` must not be zero,
    ///      - Then those of `Deposit.revealDeposit`, in its order.
    function revealDepositWithExtraData(
        BitcoinTxInfo calldata fundingTx,
        DepositRevealInfo calldata reveal,
        bytes32 extraData
    ) external nonZeroExtraData(extraData) {
        self.revealDeposit(fundingTx, reveal, extraData);
    }

    /// @notice Reveals a Taproot deposit (73-byte refund leaf) to a FROST
    ///         wallet; see `TaprootDeposit.revealTaprootDeposit`.
    function revealTaprootDeposit(
        BitcoinTxInfo calldata fundingTx,
        TaprootDepositRevealInfo calldata reveal
    ) external {
        self.revealTaprootDeposit(fundingTx, reveal, bytes32(0));
    }

    /// @notice Reveals a Taproot deposit whose 107-byte refund leaf carries
    ///         extra data, which must not be zero; then as
    ///         `revealTaprootDeposit`.
    function revealTaprootDepositWithExtraData(
        BitcoinTxInfo calldata fundingTx,
        TaprootDepositRevealInfo calldata reveal,
        bytes32 extraData
    ) external nonZeroExtraData(extraData) {
        self.revealTaprootDeposit(fundingTx, reveal, extraData);
    }

    /// @notice Updates the deposit parameters: the fields of
    ///         `BridgeState.DepositParameters`, in order. Governance only; see
    ///         `BridgeParameters.updateDepositParameters`.
    function updateDepositParameters(uint64, uint64, uint64, uint32)
        external
        onlyGovernance
    {
        self.updateDepositParameters(
            abi.decode(msg.data[4:], (BridgeState.DepositParameters))
        );
    }

    // ------------------------------------------------------------------
    // Redemptions (contracts.md 2.8): see `Redemption`
    // ------------------------------------------------------------------

    /// @notice Requests a redemption; the caller must be an allow-listed
    ///         requester. See `Redemption.requestRedemption`.
    function requestRedemption(
        bytes20 walletPubKeyHash,
        BitcoinUtxo calldata mainUtxo,
        bytes calldata redeemerOutputScript,
        uint64 amount
    ) external {
        self.requestRedemption(
            walletPubKeyHash,
            mainUtxo,
            redeemerOutputScript,
            amount
        );
    }

    /// @notice Updates the redemption parameters: the fields of
    ///         `BridgeState.RedemptionParameters`, in order. Governance only;
    ///         see `BridgeParameters.updateRedemptionParameters`.
    function updateRedemptionParameters(
        uint64, uint64, uint64, uint64, uint32, uint96, uint32
    ) external onlyGovernance {
        self.updateRedemptionParameters(
            abi.decode(msg.data[4:], (BridgeState.RedemptionParameters))
        );
    }

    // ------------------------------------------------------------------
    // Moving funds (contracts.md 2.9): see `MovingFunds`
    // ------------------------------------------------------------------

    /// @notice Submits the target wallets of a MovingFunds wallet; the
    ///         caller must sit at `walletMemberIndex` in its seat list. See
    ///         `MovingFunds.submitMovingFundsCommitment`.
    function submitMovingFundsCommitment(
        bytes20 walletPubKeyHash,
        BitcoinUtxo calldata walletMainUtxo,
        uint256 walletMemberIndex,
        bytes20[] calldata targetWallets
    ) external {
        self.submitMovingFundsCommitment(
            walletPubKeyHash,
            walletMainUtxo,
            walletMemberIndex,
            targetWallets
        );
    }

    /// @notice Updates the moving funds and moved funds sweep parameters: the
    ///         fields of `BridgeState.MovingFundsParameters`, in order.
    ///         Governance only; see
    ///         `BridgeParameters.updateMovingFundsParameters`.
    function updateMovingFundsParameters(
        uint64, uint64, uint32, uint32, uint96, uint32,
        uint16, uint64, uint32, uint96, uint32
    ) external onlyGovernance {
        self.updateMovingFundsParameters(
            abi.decode(msg.data[4:], (BridgeState.MovingFundsParameters))
        );
    }
}
