// Gas figures (bench/gas-report.ts prints them: a table, or one JSON object with --json): each
// validate function for 1 and 20 items, revealDeposit and requestRedemption, via eth_estimateGas on
// the in-process network against the real Bridge with real deposits, redemption requests and moving-funds commitments (time advanced so all are valid);
// threshold wallets (threshold.md §8): submitDkgResult with 10 and 51 signers, revealTaprootDeposit
// beside the P2WSH reveal, validateTaprootDepositSweepProposal for 1 and 20 Taproot deposits.
// Run: npm run bench -- gas [--json]
import hre from "hardhat";
import { Contract, Wallet, getBytes, hashMessage, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { schnorr } from "@noble/curves/secp256k1.js";
import { deployWalletCoordinator } from "../deploy/deploy-lib.js";
import { devBootstrap, type DevWallet } from "../deploy/dev-bootstrap.js";
import {
  depositRevealArgs,
  recordDevSweep,
  requestDevRedemption,
  revealDevDeposit,
  taprootDepositRevealArgs,
  type RevealedDeposit,
  type RevealedTaprootDeposit,
} from "../deploy/dev-fixtures.js";
import { bridgeAbi, frostWalletRegistryAbi, validatorInterface } from "../src/chain/abi.js";
import type { BitcoinUtxo } from "../src/chain/types.js";
import { ValidatorClient } from "../src/chain/validator-client.js";
import { toHex } from "../src/util/hex.js";

const DAY = 86_400;
const BTC = 100_000_000n;

const conn = await hre.network.create();
const provider = conn.ethers.provider;
const signers: Signer[] = await conn.ethers.getSigners();
const governance = signers[0];
const deployment = await deployWalletCoordinator(conn);
const bridge = new Contract(deployment.bridge, bridgeAbi, governance);
const addressOf = async (s: Signer): Promise<string> => s.getAddress();

// 24 wallets; seats drawn from signers 1..5. W0: deposits; W1: redemptions; W2, W3: moving funds.
const operatorSigners = signers.slice(1, 6);
const { wallets } = await devBootstrap(deployment.bridge, governance, {
  count: 24,
  operatorsPerWallet: 3,
  operators: await Promise.all(operatorSigners.map(addressOf)),
  seed: "bench",
  maintainers: [await addressOf(governance)],
  redemptionRequesters: [await addressOf(governance)],
});
const [w0, w1, w2, w3] = wallets;

const now = async (): Promise<number> => (await provider.getBlock("latest"))!.timestamp;
const refundLocktime = (await now()) + 30 * DAY;
let nonce = 0;

// FROST wallets (threshold.md §3.1): members with their own keys, results signed by all of them.
const registry = new Contract(deployment.frostWalletRegistry!, frostWalletRegistryAbi, governance);
const memberKeys = Array.from({ length: 51 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`bench-member-${i}`)), provider));
for (const m of memberKeys) await conn.networkHelpers.setBalance(m.address, 10n ** 20n);
async function dkgResult(n: number, seed: string) {
  const members = memberKeys.slice(0, n).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const receipt = await (await registry.getFunction("requestNewWallet")(members.map((m) => m.address), Math.floor(n / 2) + 1, n)).wait();
  const requestId = registry.interface.parseLog(receipt!.logs[0])!.args.requestId as bigint;
  const walletX = schnorr.getPublicKey(getBytes(keccak256(toUtf8Bytes(seed))));
  const digest = (await registry.getFunction("dkgResultDigest")(requestId, walletX, [])) as string;
  const signatures = getBytes("0x" + members.map((m) => m.signingKey.sign(hashMessage(getBytes(digest))).serialized.slice(2)).join(""));
  const result = { requestId, walletX, excluded: [], signerIndices: members.map((_, i) => i + 1), signatures };
  return { result, submitter: registry.connect(members[0]) as Contract, walletX };
}
const submitDkgResult: Record<string, number> = {};
const frostWallets: Uint8Array[] = [];
for (const n of [10, 51]) {
  const { result, submitter, walletX } = await dkgResult(n, `bench-frost-${n}`);
  submitDkgResult[n] = Number(await submitter.getFunction("submitDkgResult").estimateGas(result));
  await (await submitter.getFunction("submitDkgResult")(result)).wait();
  frostWallets.push(walletX);
}
const frostX = frostWallets[0];

// W0: 20 revealed, unswept deposits.
const deposits: RevealedDeposit[] = [];
for (let i = 0; i < 20; i++) deposits.push(await revealDevDeposit(deployment.bridge, governance, w0.walletPubKeyHash, 2_000_000n, refundLocktime, ++nonce));

async function mainUtxoFor(w: DevWallet, value: bigint): Promise<BitcoinUtxo> {
  const d = await revealDevDeposit(deployment.bridge, governance, w.walletPubKeyHash, 2_000_000n, refundLocktime, ++nonce);
  return recordDevSweep(deployment.bridge, governance, w.walletPubKeyHash, [d.key], value, nonce);
}

// The first FROST wallet: 20 revealed, unswept Taproot deposits.
const taprootDeposits: RevealedTaprootDeposit[] = [];
for (let i = 0; i < 20; i++) {
  const { fundingTx, reveal, deposit } = await taprootDepositRevealArgs(governance, frostX, 2_000_000n, refundLocktime, ++nonce);
  await (await bridge.getFunction("revealTaprootDeposit")(fundingTx, reveal)).wait();
  taprootDeposits.push(deposit);
}

// W1: 20 pending redemption requests.
const w1Utxo = await mainUtxoFor(w1, 1n * BTC);
const scripts: Uint8Array[] = [];
for (let i = 0; i < 20; i++) scripts.push(await requestDevRedemption(deployment.bridge, governance, w1.walletPubKeyHash, w1Utxo, 1_000_000n, ++nonce));

// W2 (1 target: balance ≤ walletMaxBtcTransfer) and W3 (20 targets: ceil(195 BTC / 10 BTC) = 20).
const w2Utxo = await mainUtxoFor(w2, 5n * BTC);
const w3Utxo = await mainUtxoFor(w3, 195n * BTC);
const operatorByAddress = new Map(await Promise.all(operatorSigners.map(async (s) => [await addressOf(s), s] as const)));
async function commit(source: DevWallet, utxo: BitcoinUtxo, count: number): Promise<Uint8Array[]> {
  await (await bridge.getFunction("beginMovingFunds")(source.walletPubKeyHash)).wait();
  const targets = wallets
    .filter((w) => w !== w2 && w !== w3)
    .map((w) => w.walletPubKeyHash)
    .sort((a, b) => (BigInt("0x" + toHex(a)) < BigInt("0x" + toHex(b)) ? -1 : 1))
    .slice(0, count);
  const member = operatorByAddress.get(source.operators[0])!;
  const asMember = new Contract(deployment.bridge, bridgeAbi, member);
  await (await asMember.getFunction("submitMovingFundsCommitment")(source.walletPubKeyHash, utxo, 1, targets)).wait();
  return targets;
}
const w2Targets = await commit(w2, w2Utxo, 1);
const w3Targets = await commit(w3, w3Utxo, 20);

// Past DEPOSIT_MIN_AGE (2 h) and REDEMPTION_REQUEST_MIN_AGE, well before the timeouts.
await conn.networkHelpers.time.increase(7300);
let head = (await provider.getBlock("latest"))!;
let at = { blockHash: head.hash!, blockNumber: head.number };
const validator = new ValidatorClient({ caller: provider }, { address: deployment.walletProposalValidator });

async function gasOf(fn: string, args: unknown[], check: () => ReturnType<ValidatorClient["validateHeartbeat"]>): Promise<number> {
  const outcome = await check();
  if (outcome.outcome !== "valid") throw new Error(`${fn}: proposal not valid: ${JSON.stringify(outcome)}`);
  const data = validatorInterface.encodeFunctionData(fn, args);
  return Number(await provider.estimateGas({ to: deployment.walletProposalValidator, data }));
}

function sweepArgs(n: number) {
  const ds = deposits.slice(0, n);
  const proposal = {
    walletPubKeyHash: w0.walletPubKeyHash,
    depositsKeys: ds.map((d) => d.key),
    sweepTxFee: 20_000n,
    depositsRevealBlocks: ds.map(() => 0n),
  };
  return [proposal, ds.map((d) => d.extraInfo)] as const;
}
function taprootSweepArgs(n: number) {
  const ds = taprootDeposits.slice(0, n);
  const proposal = {
    walletPubKeyHash: ds[0].extraInfo.walletPubKeyHash,
    depositsKeys: ds.map((d) => d.key),
    sweepTxFee: 20_000n,
    depositsRevealBlocks: ds.map(() => 0n),
  };
  return [proposal, ds.map((d) => d.extraInfo)] as const;
}
function redemptionProposal(n: number) {
  return { walletPubKeyHash: w1.walletPubKeyHash, redeemersOutputScripts: scripts.slice(0, n), redemptionTxFee: 20_000n };
}
function movingFunds(source: DevWallet, targets: Uint8Array[]) {
  return { walletPubKeyHash: source.walletPubKeyHash, targetWallets: targets, movingFundsTxFee: 50_000n };
}
const heartbeat = { walletPubKeyHash: w0.walletPubKeyHash, message: getBytes("0xffffffffffffffff0000000000000001") };

const gas: Record<string, unknown> = {};
gas.validateHeartbeatProposal = await gasOf("validateHeartbeatProposal", [heartbeat], () => validator.validateHeartbeat(heartbeat, at));
const sweep: Record<string, number> = {};
const taprootSweep: Record<string, number> = {};
const redemption: Record<string, number> = {};
const moving: Record<string, number> = {};
for (const n of [1, 20]) {
  const [p, extra] = sweepArgs(n);
  sweep[n] = await gasOf("validateDepositSweepProposal", [p, extra], () => validator.validateDepositSweep(p, extra, at));
  const [tp, textra] = taprootSweepArgs(n);
  const data = validatorInterface.encodeFunctionData("validateTaprootDepositSweepProposal", [tp, textra]);
  if (validatorInterface.decodeFunctionResult("validateTaprootDepositSweepProposal", await provider.call({ to: deployment.walletProposalValidator, data }))[0] !== true) {
    throw new Error("validateTaprootDepositSweepProposal: proposal not valid");
  }
  taprootSweep[n] = Number(await provider.estimateGas({ to: deployment.walletProposalValidator, data }));
  const r = redemptionProposal(n);
  redemption[n] = await gasOf("validateRedemptionProposal", [r], () => validator.validateRedemption(r, at));
}
for (const [n, source, utxo, targets] of [[1, w2, w2Utxo, w2Targets], [20, w3, w3Utxo, w3Targets]] as const) {
  const m = movingFunds(source, targets);
  moving[n] = await gasOf("validateMovingFundsProposal", [m, utxo], () => validator.validateMovingFunds(m, utxo, at));
}
gas.validateDepositSweepProposal = { deposits: sweep };
gas.validateTaprootDepositSweepProposal = { deposits: taprootSweep };
gas.validateRedemptionProposal = { requests: redemption };
gas.validateMovingFundsProposal = { targetWallets: moving };

// Moved funds sweep: record W2's moving-funds transaction, creating a request for its one target.
const movingFundsTxHash = getBytes("0x" + "ab".repeat(32));
await (await bridge.getFunction("recordMovingFunds")(w2.walletPubKeyHash, movingFundsTxHash, w2Targets, [5n * BTC - 50_000n])).wait();
head = (await provider.getBlock("latest"))!;
at = { blockHash: head.hash!, blockNumber: head.number };
const mfs = { walletPubKeyHash: w2Targets[0], movingFundsTxHash, movingFundsTxOutputIndex: 0, movedFundsSweepTxFee: 10_000n };
gas.validateMovedFundsSweepProposal = await gasOf("validateMovedFundsSweepProposal", [mfs], () => validator.validateMovedFundsSweep(mfs, at));

// Writes: a fresh reveal and a fresh redemption request, estimated but not sent.
const { fundingTx, reveal } = await depositRevealArgs(governance, w0.walletPubKeyHash, 2_000_000n, refundLocktime + 7300, ++nonce);
gas.revealDeposit = Number(await bridge.getFunction("revealDeposit").estimateGas(fundingTx, reveal));
// The same with a P2WSH output (nonce even), beside the Taproot reveal of the same amount and locktime.
const p2wsh = await depositRevealArgs(governance, w0.walletPubKeyHash, 2_000_000n, refundLocktime + 7300, (nonce += nonce % 2 === 0 ? 2 : 1));
gas.revealDepositP2WSH = Number(await bridge.getFunction("revealDeposit").estimateGas(p2wsh.fundingTx, p2wsh.reveal));
const taproot = await taprootDepositRevealArgs(governance, frostX, 2_000_000n, refundLocktime + 7300, ++nonce);
gas.revealTaprootDeposit = Number(await bridge.getFunction("revealTaprootDeposit").estimateGas(taproot.fundingTx, taproot.reveal));
gas.submitDkgResult = { signers: submitDkgResult };
const freshScript = getBytes("0x160014" + "5a".repeat(20));
gas.requestRedemption = Number(await bridge.getFunction("requestRedemption").estimateGas(w1.walletPubKeyHash, w1Utxo, freshScript, 1_000_000n));

/** What `npm run bench -- gas` prints: a table, or with --json this object on one line (bench/gas-report.ts). */
export const gasReport = {
  bench: "gas" as const,
  network: "in-process (Hardhat EDR), chainId " + deployment.chainId,
  method: "eth_estimateGas; includes the 21000 intrinsic gas and calldata",
  gas,
};
await conn.close();
