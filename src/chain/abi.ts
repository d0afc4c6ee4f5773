// Human-readable ethers v6 fragments for the Bridge, the WalletProposalValidator, the FROST wallet
// registry and the redemption watchtower (contracts.md §1.2, §2.4–2.11, §3.2–3.3). Tuple components are named so
// decoded results can be read by field name. test/unit/abi.test.ts pins every selector and topic.
import { Interface } from "ethers";

// Struct tuples (contracts.md §1.2); field order is the ABI order.
const WALLET =
  "tuple(bytes32 ecdsaWalletID, bytes32 mainUtxoHash, uint64 pendingRedemptionsValue, uint32 createdAt, uint32 movingFundsRequestedAt, uint32 closingStartedAt, uint32 pendingMovedFundsSweepRequestsCount, uint8 state, bytes32 movingFundsTargetWalletsCommitmentHash)";
const DEPOSIT_REQUEST =
  "tuple(address depositor, uint64 amount, uint32 revealedAt, address vault, uint64 treasuryFee, uint32 sweptAt, bytes32 extraData)";
const REDEMPTION_REQUEST =
  "tuple(address redeemer, uint64 requestedAmount, uint64 treasuryFee, uint64 txMaxFee, uint32 requestedAt)";
const MOVED_FUNDS_SWEEP_REQUEST = "tuple(bytes20 walletPubKeyHash, uint64 value, uint32 createdAt, uint8 state)";
const BITCOIN_TX_INFO = "tuple(bytes4 version, bytes inputVector, bytes outputVector, bytes4 locktime)";
const BITCOIN_UTXO = "tuple(bytes32 txHash, uint32 txOutputIndex, uint64 txOutputValue)";
const DEPOSIT_REVEAL_INFO =
  "tuple(uint32 fundingOutputIndex, bytes8 blindingFactor, bytes20 walletPubKeyHash, bytes20 refundPubKeyHash, bytes4 refundLocktime, address vault)";
const DEPOSIT_KEY = "tuple(bytes32 fundingTxHash, uint32 fundingOutputIndex)";
const DEPOSIT_SWEEP_PROPOSAL = `tuple(bytes20 walletPubKeyHash, ${DEPOSIT_KEY}[] depositsKeys, uint256 sweepTxFee, uint256[] depositsRevealBlocks)`;
const DEPOSIT_EXTRA_INFO = `tuple(${BITCOIN_TX_INFO} fundingTx, bytes8 blindingFactor, bytes20 walletPubKeyHash, bytes20 refundPubKeyHash, bytes4 refundLocktime)`;
const REDEMPTION_PROPOSAL = "tuple(bytes20 walletPubKeyHash, bytes[] redeemersOutputScripts, uint256 redemptionTxFee)";
const MOVING_FUNDS_PROPOSAL = "tuple(bytes20 walletPubKeyHash, bytes20[] targetWallets, uint256 movingFundsTxFee)";
const MOVED_FUNDS_SWEEP_PROPOSAL =
  "tuple(bytes20 walletPubKeyHash, bytes32 movingFundsTxHash, uint32 movingFundsTxOutputIndex, uint256 movedFundsSweepTxFee)";
const HEARTBEAT_PROPOSAL = "tuple(bytes20 walletPubKeyHash, bytes message)";
// Threshold wallets (threshold.md §3.1, §4.3, §4.4).
const TAPROOT_DEPOSIT_REVEAL_INFO =
  "tuple(uint32 fundingOutputIndex, bytes8 blindingFactor, bytes20 walletPubKeyHash, bytes32 refundX, bytes4 refundLocktime, address vault)";
const TAPROOT_DEPOSIT_EXTRA_INFO = `tuple(${BITCOIN_TX_INFO} fundingTx, bytes8 blindingFactor, bytes20 walletPubKeyHash, bytes32 walletX, bytes20 refundPubKeyHash, bytes32 refundX, bytes4 refundLocktime)`;
const DKG_REQUEST =
  "tuple(address[] members, bytes32 seed, uint64 deadline, uint16 threshold, uint16 dkgQuorum, uint8 state)";
const DKG_RESULT = "tuple(uint256 requestId, bytes32 walletX, uint8[] excluded, uint8[] signerIndices, bytes signatures)";

// Parameter tuples (contracts.md §2.3), shared by getters, updates and events.
const DEPOSIT_PARAMS =
  "uint64 depositDustThreshold, uint64 depositTreasuryFeeDivisor, uint64 depositTxMaxFee, uint32 depositRevealAheadPeriod";
const REDEMPTION_PARAMS =
  "uint64 redemptionDustThreshold, uint64 redemptionTreasuryFeeDivisor, uint64 redemptionTxMaxFee, uint64 redemptionTxMaxTotalFee, uint32 redemptionTimeout, uint96 redemptionTimeoutSlashingAmount, uint32 redemptionTimeoutNotifierRewardMultiplier";
const MOVING_FUNDS_PARAMS =
  "uint64 movingFundsTxMaxTotalFee, uint64 movingFundsDustThreshold, uint32 movingFundsTimeoutResetDelay, uint32 movingFundsTimeout, uint96 movingFundsTimeoutSlashingAmount, uint32 movingFundsTimeoutNotifierRewardMultiplier, uint16 movingFundsCommitmentGasOffset, uint64 movedFundsSweepTxMaxTotalFee, uint32 movedFundsSweepTimeout, uint96 movedFundsSweepTimeoutSlashingAmount, uint32 movedFundsSweepTimeoutNotifierRewardMultiplier";
const WALLET_PARAMS =
  "uint32 walletCreationPeriod, uint64 walletCreationMinBtcBalance, uint64 walletCreationMaxBtcBalance, uint64 walletClosureMinBtcBalance, uint32 walletMaxAge, uint64 walletMaxBtcTransfer, uint32 walletClosingPeriod";

/** Bridge views (§2.4). */
export const bridgeViewAbi = [
  `function wallets(bytes20 walletPubKeyHash) view returns (${WALLET} wallet)`,
  `function deposits(uint256 depositKey) view returns (${DEPOSIT_REQUEST} deposit)`,
  `function pendingRedemptions(uint256 redemptionKey) view returns (${REDEMPTION_REQUEST} request)`,
  `function movedFundsSweepRequests(uint256 requestKey) view returns (${MOVED_FUNDS_SWEEP_REQUEST} request)`,
  `function depositParameters() view returns (${DEPOSIT_PARAMS})`,
  `function redemptionParameters() view returns (${REDEMPTION_PARAMS})`,
  `function movingFundsParameters() view returns (${MOVING_FUNDS_PARAMS})`,
  `function walletParameters() view returns (${WALLET_PARAMS})`,
  "function getRedemptionWatchtower() view returns (address)",
  "function liveWalletsCount() view returns (uint32)",
  "function activeWalletPubKeyHash() view returns (bytes20)",
  "function isVaultTrusted(address vault) view returns (bool)",
  "function walletOperators(bytes20 walletPubKeyHash) view returns (address[])",
  "function walletPublicKey(bytes20 walletPubKeyHash) view returns (bytes)",
  "function depositWalletPubKeyHash(uint256 depositKey) view returns (bytes20)",
  "function isMaintainer(address account) view returns (bool)",
  "function isRedemptionRequester(address account) view returns (bool)",
  "function governance() view returns (address)",
  // threshold.md §2: scheme 0 ECDSA, 1 FROST; threshold 0 but for FROST wallets.
  "function walletScheme(bytes20 walletPubKeyHash) view returns (uint8 scheme, uint16 threshold)",
  "function frostWalletRegistry() view returns (address)",
] as const;

/** Bridge write functions (§2.1, §2.3, §2.6–2.11). */
export const bridgeWriteAbi = [
  "function transferGovernance(address newGovernance)",
  "function setMaintainerStatus(address maintainer, bool isMaintainer)",
  "function setRedemptionRequesterStatus(address requester, bool isRequester)",
  `function updateDepositParameters(${DEPOSIT_PARAMS})`,
  `function updateRedemptionParameters(${REDEMPTION_PARAMS})`,
  `function updateMovingFundsParameters(${MOVING_FUNDS_PARAMS})`,
  `function updateWalletParameters(${WALLET_PARAMS})`,
  "function registerWallet(bytes32 publicKeyX, bytes32 publicKeyY, address[] operators)",
  "function beginMovingFunds(bytes20 walletPubKeyHash)",
  "function finalizeWalletClosing(bytes20 walletPubKeyHash)",
  "function terminateWallet(bytes20 walletPubKeyHash)",
  `function revealDeposit(${BITCOIN_TX_INFO} fundingTx, ${DEPOSIT_REVEAL_INFO} reveal)`,
  `function revealDepositWithExtraData(${BITCOIN_TX_INFO} fundingTx, ${DEPOSIT_REVEAL_INFO} reveal, bytes32 extraData)`,
  `function requestRedemption(bytes20 walletPubKeyHash, ${BITCOIN_UTXO} mainUtxo, bytes redeemerOutputScript, uint64 amount)`,
  `function submitMovingFundsCommitment(bytes20 walletPubKeyHash, ${BITCOIN_UTXO} walletMainUtxo, uint256 walletMemberIndex, bytes20[] targetWallets)`,
  `function recordDepositSweep(bytes20 walletPubKeyHash, bytes32 sweepTxHash, ${DEPOSIT_KEY}[] deposits, ${BITCOIN_UTXO} newMainUtxo)`,
  `function recordRedemption(bytes20 walletPubKeyHash, bytes32 redemptionTxHash, bytes[] redeemerOutputScripts, ${BITCOIN_UTXO} newMainUtxo)`,
  "function recordMovingFunds(bytes20 walletPubKeyHash, bytes32 movingFundsTxHash, bytes20[] targetWallets, uint64[] outputValues)",
  `function recordMovedFundsSweep(bytes20 walletPubKeyHash, bytes32 sweepTxHash, bytes32 movingFundsTxHash, uint32 movingFundsTxOutputIndex, ${BITCOIN_UTXO} newMainUtxo)`,
  "function setVaultStatus(address vault, bool isTrusted)",
  "function setRedemptionWatchtower(address redemptionWatchtower)",
  // threshold.md §3.1, §4.3.
  "function setFrostWalletRegistry(address registry)",
  "function registerFrostWallet(bytes32 walletX, address[] members, uint16 threshold)",
  `function revealTaprootDeposit(${BITCOIN_TX_INFO} fundingTx, ${TAPROOT_DEPOSIT_REVEAL_INFO} reveal)`,
  `function revealTaprootDepositWithExtraData(${BITCOIN_TX_INFO} fundingTx, ${TAPROOT_DEPOSIT_REVEAL_INFO} reveal, bytes32 extraData)`,
] as const;

/** Bridge events (§2.5, plus the parameter-update events of §2.3). */
export const bridgeEventAbi = [
  "event DepositRevealed(bytes32 fundingTxHash, uint32 fundingOutputIndex, address indexed depositor, uint64 amount, bytes8 blindingFactor, bytes20 indexed walletPubKeyHash, bytes20 refundPubKeyHash, bytes4 refundLocktime, address vault)",
  "event DepositsSwept(bytes20 walletPubKeyHash, bytes32 sweepTxHash)",
  "event RedemptionRequested(bytes20 indexed walletPubKeyHash, bytes redeemerOutputScript, address indexed redeemer, uint64 requestedAmount, uint64 treasuryFee, uint64 txMaxFee)",
  "event RedemptionsCompleted(bytes20 indexed walletPubKeyHash, bytes32 redemptionTxHash)",
  "event WalletMovingFunds(bytes32 indexed ecdsaWalletID, bytes20 indexed walletPubKeyHash)",
  "event MovingFundsCommitmentSubmitted(bytes20 indexed walletPubKeyHash, bytes20[] targetWallets, address submitter)",
  "event MovingFundsCompleted(bytes20 indexed walletPubKeyHash, bytes32 movingFundsTxHash)",
  "event MovedFundsSwept(bytes20 indexed walletPubKeyHash, bytes32 sweepTxHash)",
  "event NewWalletRegistered(bytes32 indexed ecdsaWalletID, bytes20 indexed walletPubKeyHash)",
  "event WalletClosing(bytes32 indexed ecdsaWalletID, bytes20 indexed walletPubKeyHash)",
  "event WalletClosed(bytes32 indexed ecdsaWalletID, bytes20 indexed walletPubKeyHash)",
  "event WalletTerminated(bytes32 indexed ecdsaWalletID, bytes20 indexed walletPubKeyHash)",
  "event VaultStatusUpdated(address indexed vault, bool isTrusted)",
  "event RedemptionWatchtowerSet(address redemptionWatchtower)",
  "event WalletOperatorsSet(bytes20 indexed walletPubKeyHash, address[] operators)",
  "event MaintainerStatusUpdated(address indexed maintainer, bool isMaintainer)",
  "event GovernanceTransferred(address oldGovernance, address newGovernance)",
  "event RedemptionRequesterStatusUpdated(address indexed requester, bool isRequester)",
  `event DepositParametersUpdated(${DEPOSIT_PARAMS})`,
  `event RedemptionParametersUpdated(${REDEMPTION_PARAMS})`,
  `event MovingFundsParametersUpdated(${MOVING_FUNDS_PARAMS})`,
  `event WalletParametersUpdated(${WALLET_PARAMS})`,
  // threshold.md §4.3: after DepositRevealed, the refund leaf's key the wallet needs for the tweak.
  "event TaprootDepositRevealed(bytes32 fundingTxHash, uint32 fundingOutputIndex, bytes20 indexed walletPubKeyHash, bytes32 refundX)",
  "event FrostWalletRegistrySet(address frostWalletRegistry)",
] as const;

export const bridgeAbi = [...bridgeViewAbi, ...bridgeWriteAbi, ...bridgeEventAbi] as const;

/** WalletProposalValidator (§3.1–3.3). */
export const validatorAbi = [
  "function bridge() view returns (address)",
  "function DEPOSIT_MIN_AGE() view returns (uint32)",
  "function DEPOSIT_REFUND_SAFETY_MARGIN() view returns (uint32)",
  "function DEPOSIT_SWEEP_MAX_SIZE() view returns (uint16)",
  "function REDEMPTION_REQUEST_MIN_AGE() view returns (uint32)",
  "function REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN() view returns (uint32)",
  "function REDEMPTION_MAX_SIZE() view returns (uint16)",
  `function validateDepositSweepProposal(${DEPOSIT_SWEEP_PROPOSAL} proposal, ${DEPOSIT_EXTRA_INFO}[] depositsExtraInfo) view returns (bool)`,
  `function validateRedemptionProposal(${REDEMPTION_PROPOSAL} proposal) view returns (bool)`,
  `function validateMovingFundsProposal(${MOVING_FUNDS_PROPOSAL} proposal, ${BITCOIN_UTXO} walletMainUtxo) view returns (bool)`,
  `function validateMovedFundsSweepProposal(${MOVED_FUNDS_SWEEP_PROPOSAL} proposal) view returns (bool)`,
  `function validateHeartbeatProposal(${HEARTBEAT_PROPOSAL} proposal) view returns (bool)`,
  // threshold.md §4.4.
  `function validateTaprootDepositSweepProposal(${DEPOSIT_SWEEP_PROPOSAL} proposal, ${TAPROOT_DEPOSIT_EXTRA_INFO}[] depositsExtraInfo) view returns (bool)`,
] as const;

/** Redemption watchtower as called by the Bridge and the validator (§2.11). */
export const watchtowerAbi = [
  "function getRedemptionDelay(uint256 redemptionKey) view returns (uint32)",
  "function isSafeRedemption(bytes20 walletPubKeyHash, bytes redeemerOutputScript, address balanceOwner, address redeemer) view returns (bool)",
] as const;

/** FrostWalletRegistry (threshold.md §3.1): DKG requests, results and timeouts. */
export const frostWalletRegistryAbi = [
  "function bridge() view returns (address)",
  "function dkgTimeoutBlocks() view returns (uint64)",
  "function dkgRequestCount() view returns (uint256)",
  "function DKG_RESULT_DIGEST_DOMAIN() view returns (string)",
  `function getDkgRequest(uint256 requestId) view returns (${DKG_REQUEST} request)`,
  "function dkgResultDigest(uint256 requestId, bytes32 walletX, uint8[] excluded) view returns (bytes32)",
  "function requestNewWallet(address[] members, uint16 threshold, uint16 dkgQuorum) returns (uint256 requestId)",
  `function submitDkgResult(${DKG_RESULT} result)`,
  "function notifyDkgTimeout(uint256 requestId)",
  "event DkgRequested(uint256 indexed requestId, bytes32 seed, address[] members, uint16 threshold, uint16 dkgQuorum, uint64 deadline)",
  "event DkgResultAccepted(uint256 indexed requestId, bytes32 walletX, bytes20 indexed walletPubKeyHash)",
  "event DkgTimedOut(uint256 indexed requestId)",
] as const;

export const bridgeInterface = new Interface(bridgeAbi);
export const validatorInterface = new Interface(validatorAbi);
export const watchtowerInterface = new Interface(watchtowerAbi);
export const frostWalletRegistryInterface = new Interface(frostWalletRegistryAbi);
