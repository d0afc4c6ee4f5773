// A FROST wallet's Bitcoin actions end to end (issue #11, threshold.md §2, §4) with the real
// ActionExecutor on a `hardhat node` (real Bridge, FrostWalletRegistry and WalletProposalValidator):
// the wallet registered through the registry (dev dealer walletX, members' EIP-191 signatures of the
// DKG digest), a Taproot deposit funded on the FakeBitcoinChain (which checks BIP-340 signatures) and
// revealed, a DepositSweep proposed by the real task and validated on chain, then executed with the
// FrostDealerSigner to final; then a redemption from the wallet's P2TR main UTXO.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ContractFactory,
  JsonRpcProvider,
  Wallet,
  getBytes,
  toBeHex,
  toQuantity,
  zeroPadValue,
  type Contract,
  type JsonRpcSigner,
} from "ethers";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionExecutor, type BlockSource } from "../../src/actions/executor.js";
import { DepositSweepHandler } from "../../src/actions/handlers/deposit-sweep.js";
import { MovedFundsSweepHandler } from "../../src/actions/handlers/moved-funds-sweep.js";
import { MovingFundsHandler } from "../../src/actions/handlers/moving-funds.js";
import { RedemptionHandler } from "../../src/actions/handlers/redemption.js";
import type { BitcoinActionComponents } from "../../src/actions/handlers/bitcoin-action.js";
import type { ActionHandler } from "../../src/actions/handlers/handler.js";
import { OutcomeRecorder } from "../../src/actions/recording.js";
import { FrostDealerSigner } from "../../src/threshold/frost-dealer-signer.js";
import type { DigestKey, WalletSigner } from "../../src/actions/signer.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { DepositSweepTask } from "../../src/proposals/deposit-sweep-task.js";
import { RedemptionTask } from "../../src/proposals/redemption-task.js";
import { appliedFeeRate, feeFor } from "../../src/bitcoin/fees.js";
import { OUTPUT_SCRIPT_LENGTH, vsize } from "../../src/bitcoin/vsize.js";
import { decodePayload } from "../../src/protocol/payloads.js";
import { p2trScript, taprootDepositOutput, taprootRefundLeaf } from "../../src/bitcoin/taproot.js";
import { txInfoOf } from "../../src/bitcoin/tx.js";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { dkgDigest, signDigest } from "../contracts/helpers/frost-fixture.js";
import { locktimeBytes } from "../fixtures/deposit-chain.js";
import { schnorr } from "@noble/curves/secp256k1.js";
import { BitcoinTipTracker } from "../../src/bitcoin/bitcoin-tip.js";
import { BitcoinResponder } from "../../src/bitcoin/responder.js";
import { p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { hashFromTxid, txHashOf, txOutputs } from "../../src/bitcoin/tx.js";
import { outpointKey, utxoHash } from "../../src/protocol/bridge-keys.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import { EthIntentSender } from "../../src/chain/eth-intents.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { EventIndexer } from "../../src/chain/event-indexer.js";
import type { BitcoinUtxo } from "../../src/chain/types.js";
import { ValidatorClient } from "../../src/chain/validator-client.js";
import { bitcoinContentValidator } from "../../src/coordination/bitcoin-content-validation.js";
import { ActionType } from "../../src/protocol/constants.js";
import { prefixScript } from "../../src/protocol/bridge-keys.js";
import { actionSchedule } from "../../src/coordination/result-processor.js";
import { encodePayload, type PayloadOf } from "../../src/protocol/payloads.js";
import type { ActionRow } from "../../src/store/repos/actions-repo.js";
import { Store } from "../../src/store/store.js";
import { to0x, toHex } from "../../src/util/hex.js";
import { randomHex } from "../contracts/helpers/bitcoin-fixtures.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { ManualClock } from "../fixtures/manual-clock.js";
import { deployBridge, sendBridge } from "../fixtures/indexer-bridge.js";

const VALIDATOR_ARTIFACT = join(
  dirname(fileURLToPath(import.meta.url)),
  "..", "..", "artifacts", "contracts", "bridge", "WalletProposalValidator.sol", "WalletProposalValidator.json",
);
const HOUR = 3600;
const DAY = 24 * HOUR;
const DEPOSIT_SAT = 10_000_000n;

let node: HardhatNode;
let provider: JsonRpcProvider;
let chain: EthersChain;
let bridge: Contract;
let bridgeAddress: string;
let deployBlock: number;
let gov: JsonRpcSigner;
let requester: JsonRpcSigner;
let depositor: JsonRpcSigner;
let bridgeClient: BridgeClient;
let validatorClient: ValidatorClient;
let store: Store;
let dir: string;
let btc: FakeBitcoinChain;
let tipTracker: BitcoinTipTracker;
let executor: ActionExecutor;
let intents: EthIntentSender;
const clock = new ManualClock();
/** The node's operator: seat 1 of every wallet, maintainer on the Bridge. */
const operator = new Wallet("0x" + "7b".repeat(32));
const logLines: Record<string, unknown>[] = [];
const FROST = createDevFrostWallet(new TextEncoder().encode("frost-wallet-actions"), 3, 2);
const FROST_PKH = toHex(FROST.walletPkh);

async function syncClock(): Promise<number> {
  const head = await provider.getBlockNumber();
  clock.setHead(head);
  await new Promise((r) => setImmediate(r));
  return head;
}

async function mineEthTo(n: number): Promise<void> {
  const head = await provider.getBlockNumber();
  if (n > head) await provider.send("hardhat_mine", [toQuantity(n - head)]);
  await syncClock();
}

async function passTime(seconds: number): Promise<void> {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
  await syncClock();
}

/** Mines Bitcoin blocks one at a time, letting the tip tracker and the executor see each tip. */
async function mineBtc(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    btc.mine(1);
    await tipTracker.idle();
    executor.sweep();
    await executor.idle();
  }
}

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last state ${JSON.stringify(logLines.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function untilState(id: number, state: ActionRow["state"]): Promise<ActionRow> {
  return until(`action ${id} in ${state}`, () => {
    const r = store.actions.get(id)!;
    return r.state === state && r;
  });
}

const states = (id: number): string[] => store.actions.history(id).map((t) => t.to);

async function pinned(): Promise<{ blockHash: string; blockNumber: number }> {
  const b = (await provider.getBlock("latest"))!;
  return { blockHash: b.hash!, blockNumber: b.number };
}

/** The FrostWalletRegistry on the Bridge, a DKG request and its result signed by every member (EIP-191). */
async function registerFrostWallet(): Promise<void> {
  const reg = await deployArtifact(readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"), gov, [bridgeAddress, 40]);
  const registry = reg.contract;
  const registryAddress = await registry.getAddress();
  await sendBridge(bridge, gov, "setFrostWalletRegistry", registryAddress);
  const members = [0, 1, 2].map((i) => new Wallet(zeroPadValue(toBeHex(0x5100 + i), 32), provider));
  members.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const m of members) await provider.send("hardhat_setBalance", [m.address, toQuantity(10n ** 20n)]);
  const receipt = await sendBridge(registry, gov, "requestNewWallet", members.map((m) => m.address), 2, 3);
  const ev = receipt.logs.map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
  const requestId = ev.args.requestId as bigint;
  const walletX = to0x(FROST.walletX);
  const digest = dkgDigest({ chainId: 31337n, registry: registryAddress, bridge: bridgeAddress, requestId, seed: ev.args.seed as string, walletX, members: members.map((m) => m.address), excluded: [] });
  const result = { requestId, walletX, excluded: [], signerIndices: members.map((_, i) => i + 1), signatures: signDigest(members, digest) };
  await (await (registry.connect(members[0]) as Contract).getFunction("submitDkgResult")(result)).wait();
}

async function indexAll(): Promise<void> {
  const indexer = new EventIndexer({ chain, store }, { bridgeAddress, deployBlock, lagBlocks: 0, retryBaseMs: 20 });
  await indexer.syncTo(await provider.getBlockNumber());
}

interface Deposit {
  fundingTxHash: Uint8Array;
  txid: string;
  block: number;
  value: bigint;
  script: Uint8Array;
}

/** Funds a Taproot deposit (P2TR of walletX with its refund leaf) on the fake chain (mined) and reveals it. */
async function deposit(nonce: number): Promise<Deposit> {
  const now = (await provider.getBlock("latest"))!.timestamp;
  const refundX = schnorr.getPublicKey(getBytes(zeroPadValue(toBeHex(0x7700 + nonce), 32)));
  const blindingFactor = getBytes(randomHex(8));
  const refundLocktime = getBytes(locktimeBytes(now + 30 * DAY));
  const leaf = taprootRefundLeaf({ depositor: getBytes(await depositor.getAddress()), blindingFactor, refundLocktime, refundX });
  const script = taprootDepositOutput(FROST.walletX, leaf).script;
  const funded = btc.fund(script, DEPOSIT_SAT);
  const reveal = { fundingOutputIndex: 0, blindingFactor, walletPubKeyHash: FROST.walletPkh, refundX, refundLocktime, vault: "0x" + "00".repeat(20) };
  const receipt = await sendBridge(bridge, depositor, "revealTaprootDeposit", txInfoOf(funded.raw), reveal);
  btc.mine(1);
  return { fundingTxHash: txHashOf(funded.raw), txid: funded.txid, block: receipt.blockNumber, value: DEPOSIT_SAT, script };
}

/** Schedules an action for a window W just above the head, as the result processor would. */
async function schedule<T extends ActionType.DepositSweep | ActionType.Redemption | ActionType.MovingFunds | ActionType.MovedFundsSweep>(
  type: T,
  payload: PayloadOf<T>,
): Promise<ActionRow> {
  const W = (await syncClock()) + 1;
  const row = store.actions.create({ walletPkh: FROST_PKH, W, type, payload: encodePayload(type, payload), ...actionSchedule(W, type) });
  executor.scheduled(row.id);
  return row;
}

/** Mines Ethereum to the action's signing start and waits for the broadcast to land in the mempool. */
async function runToMempool(row: ActionRow): Promise<ActionRow> {
  await mineEthTo(row.signingStart);
  const r = await untilState(row.id, "in_mempool");
  expect(btc.inMempool(r.txid!)).toBe(true);
  return r;
}

/** Confirms the transaction, lets the maintainer record it, and waits for settlement. */
async function runToSettled(scheduled: ActionRow): Promise<ActionRow> {
  const row = store.actions.get(scheduled.id)!;
  await mineBtc(1);
  const confirmed = await untilState(row.id, "confirmed");
  expect(confirmed.stateHeight).toBe(btc.txHeight(row.txid!));
  // Depth 5: nobody records yet (record.minConfirmations = 6).
  await mineBtc(4);
  expect(store.actions.get(row.id)!.state).toBe("confirmed");
  await mineBtc(1);
  const recording = await untilState(row.id, "recording");
  expect(recording.ethIntentId).not.toBeNull();
  // The record transaction is mined (automine); the intent look-up (every block in the node) and the
  // next head observe it.
  await syncClock();
  await intents.poll();
  executor.sweep();
  return untilState(row.id, "settled");
}

async function runToFinal(scheduled: ActionRow): Promise<ActionRow> {
  const row = store.actions.get(scheduled.id)!;
  const settled = row;
  const depth = btc.tip().height - btc.txHeight(row.txid!)! + 1;
  await mineBtc(99 - depth);
  expect(store.actions.get(row.id)!.state).toBe("settled");
  await mineBtc(1);
  const final = await untilState(row.id, "final");
  expect(store.btcTrackers.get(row.txid!)!.status).toBe("final");
  expect(settled.holdsLock).toBe(false);
  return final;
}

/** The dealer signer; with `tamper`, every digest is signed under the untweaked wallet key (wrong for a deposit). */
const dealer = new FrostDealerSigner([FROST], { chainId: 31337n });
let tamper = false;
const signer: WalletSigner = {
  sign: (req) => dealer.sign(tamper && req.keys ? { ...req, keys: req.keys.map((): DigestKey => ({ scheme: "bip340", key: "wallet" })) } : req),
};

const logger = pino({ level: "info" }, { write: (s: string) => void logLines.push(JSON.parse(s) as Record<string, unknown>) });
const blocks: BlockSource = {
  block: async (n) => {
    const b = await provider.getBlock(n);
    if (b === null || b.hash === null) throw new Error(`no block ${n}`);
    return { number: b.number, hash: b.hash };
  },
};

/**
 * The node's action side, built from nothing but the store and the chains: used at start and to
 * simulate a restart (fresh handlers, responder, tip tracker, intent sender and executor).
 */
async function startNode(): Promise<void> {
  tipTracker = new BitcoinTipTracker({ store, bitcoin: btc, logger });
  await tipTracker.start();
  await tipTracker.idle();
  const responder = new BitcoinResponder({ store, bitcoin: btc, tip: tipTracker, logger });
  intents = new EthIntentSender({ store, chain, wallet: operator, logger });
  const recorder = new OutcomeRecorder({ bridge: bridgeClient, intents, logger }, { operator: operator.address, enabled: true });
  const contentValidator = bitcoinContentValidator(
    { validator: validatorClient, bridge: bridgeClient, btc, chain, store },
    { bridgeAddress, profile: { fundingTxMinConfirmations: 1 } },
  );
  const deps: BitcoinActionComponents = { contentValidator, bridge: bridgeClient, btc, store, responder, recorder, logger };
  executor = new ActionExecutor({
    store,
    clock,
    blocks,
    bridge: bridgeClient,
    signer,
    handlers: new Map<ActionType, ActionHandler>([
      [ActionType.DepositSweep, new DepositSweepHandler(deps)],
      [ActionType.Redemption, new RedemptionHandler(deps)],
      [ActionType.MovingFunds, new MovingFundsHandler(deps)],
      [ActionType.MovedFundsSweep, new MovedFundsSweepHandler(deps)],
    ]),
    bitcoinTip: tipTracker,
    logger,
  });
  await executor.start();
}

async function restartNode(): Promise<void> {
  await executor.stop();
  await tipTracker.stop();
  await startNode();
  executor.sweep();
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  chain = new EthersChain({}, { rpcUrl: node.url, chainId: 31337n, callTimeoutMs: 10_000, pollIntervalMs: 50 });
  const deployed = await deployBridge(provider);
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = deployed);
  const artifact = JSON.parse(readFileSync(VALIDATOR_ARTIFACT, "utf8")) as { abi: unknown[]; bytecode: string };
  const validator = await new ContractFactory(artifact.abi as never, artifact.bytecode, gov).deploy(bridgeAddress);
  await validator.deploymentTransaction()!.wait();
  [requester, depositor] = await Promise.all([2, 3].map((i) => provider.getSigner(i)));
  await provider.send("hardhat_setBalance", [operator.address, toQuantity(10n ** 20n)]);
  await sendBridge(bridge, gov, "setMaintainerStatus", operator.address, true);
  await sendBridge(bridge, gov, "setRedemptionRequesterStatus", await requester.getAddress(), true);
  await registerFrostWallet();

  dir = mkdtempSync(join(tmpdir(), "wcoord-frost-actions-"));
  store = Store.open(dir);
  bridgeClient = new BridgeClient({ caller: provider }, { address: bridgeAddress });
  validatorClient = new ValidatorClient({ caller: provider }, { address: await validator.getAddress() });
  btc = new FakeBitcoinChain();
  tipTracker = new BitcoinTipTracker({ store, bitcoin: btc });
  await tipTracker.start();
  await tipTracker.idle();
  await syncClock();
  await startNode();
}, 60_000);

afterAll(async () => {
  await executor?.stop();
  await tipTracker?.stop();
  await chain?.stop();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  provider?.destroy();
  await node?.stop();
});

const BTC_PATH = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "recording", "settled"];

/** The FROST wallet's main UTXO as the Bridge knows it. */
let mainUtxo: BitcoinUtxo;

describe("FROST wallet actions through the executor", () => {
  it("a Taproot deposit: the real task proposes the sweep, the executor signs it with FROST and it ends final", async () => {
    const d = await deposit(1);
    btc.mine(6); // the task's funding-confirmation rule
    await passTime(3 * HOUR); // past the validator's 2 h minimum deposit age
    await indexAll();
    const L = (await provider.getBlock("latest"))!;
    const task = new DepositSweepTask(
      { bridge: bridgeClient, validator: validatorClient, btc, store, logger, chain },
      { fee: { minSatPerVByte: 1, bufferPercent: 0 } },
    );
    const ref = { blockNumber: L.number, blockHash: L.hash!, timestamp: L.timestamp };
    const bytes = await task.propose({ W: L.number, walletPkh: FROST.walletPkh, wallet: FROST_PKH, L: ref, signal: new AbortController().signal });
    expect(bytes).not.toBeNull();
    const decoded = decodePayload(ActionType.DepositSweep, bytes!);
    if (!decoded.ok) throw new Error(decoded.reason);
    const payload = decoded.payload as PayloadOf<ActionType.DepositSweep>;
    expect(payload.depositsKeys.map((k) => toHex(k.fundingTxHash))).toEqual([toHex(d.fundingTxHash)]);

    const row = await schedule(ActionType.DepositSweep, payload);
    const pending = await runToMempool(row);
    // The Taproot deposit's refund leaf is persisted with the inputs (a restart signs the same keys).
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(d.fundingTxHash), 0]]);
    expect(pending.outpoints![0]!.taprootLeaf?.length).toBe(73);
    const outs = txOutputs(pending.signedTx!);
    expect(outs).toHaveLength(1);
    expect(outs[0]!.value).toBe(DEPOSIT_SAT - payload.sweepTxFee);
    expect(toHex(outs[0]!.script)).toBe(toHex(p2trScript(FROST.walletX)));

    const settled = await runToSettled(row);
    expect(states(row.id)).toEqual(BTC_PATH);
    const at = await pinned();
    const txHash = hashFromTxid(settled.txid!);
    expect((await bridgeClient.wallets(FROST.walletPkh, at)).mainUtxoHash).toEqual(utxoHash(txHash, 0, outs[0]!.value));
    expect((await bridgeClient.deposits(outpointKey(d.fundingTxHash, 0), at)).sweptAt).not.toBe(0);
    mainUtxo = { txHash, txOutputIndex: 0, txOutputValue: outs[0]!.value };
    await runToFinal(row);
    expect(states(row.id)).toEqual([...BTC_PATH, "final"]);
  });

  it("Redemption from the P2TR main UTXO: change to P2TR(walletX) first, signed with FROST, to final", async () => {
    const script = p2wpkhScript(getBytes(randomHex(20)));
    await sendBridge(bridge, requester, "requestRedemption", FROST.walletPkh, mainUtxo, to0x(prefixScript(script)), 2_000_000n);
    await passTime(700); // the validator's 10 min minimum request age
    await indexAll();
    // The real task proposes it for the FROST wallet (P2TR input and change in the fee estimate).
    const L = (await provider.getBlock("latest"))!;
    const task = new RedemptionTask({ bridge: bridgeClient, validator: validatorClient, btc, store, logger, chain }, { fee: { minSatPerVByte: 1, bufferPercent: 0 } });
    const ref = { blockNumber: L.number, blockHash: L.hash!, timestamp: L.timestamp };
    const bytes = await task.propose({ W: L.number, walletPkh: FROST.walletPkh, wallet: FROST_PKH, L: ref, signal: new AbortController().signal });
    expect(bytes).not.toBeNull();
    const decoded = decodePayload(ActionType.Redemption, bytes!);
    if (!decoded.ok) throw new Error(decoded.reason);
    const proposed = decoded.payload as PayloadOf<ActionType.Redemption>;
    expect(proposed.redeemersOutputScripts.map(toHex)).toEqual([toHex(script)]);
    const rate = appliedFeeRate(await btc.estimateSatPerVByte(), { minSatPerVByte: 1, bufferPercent: 0 });
    expect(proposed.redemptionTxFee).toBe(feeFor(rate, vsize([{ kind: "p2tr" }], [OUTPUT_SCRIPT_LENGTH.p2tr, script.length])));
    const row = await schedule(ActionType.Redemption, { redeemersOutputScripts: [script], redemptionTxFee: 1500n });
    const pending = await runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(mainUtxo.txHash), 0]]);
    const outs = txOutputs(pending.signedTx!);
    const payment = 2_000_000n - 2_000_000n / 2000n - 1500n;
    expect(outs.map((o) => o.value)).toEqual([mainUtxo.txOutputValue - payment - 1500n, payment]);
    expect(toHex(outs[0]!.script)).toBe(toHex(p2trScript(FROST.walletX)));
    // §5: a restarted node continues from the persisted row alone.
    await restartNode();
    const settled = await runToSettled(row);
    expect(states(row.id)).toEqual(BTC_PATH);
    const w = await bridgeClient.wallets(FROST.walletPkh, await pinned());
    expect(w.mainUtxoHash).toEqual(utxoHash(hashFromTxid(settled.txid!), 0, outs[0]!.value));
    expect(w.pendingRedemptionsValue).toBe(0n);
    await runToFinal(row);
  });

  it("a signature under the wrong BIP-340 key is refused before signed; the next attempt signs the deposit under its leaf key", async () => {
    const d = await deposit(2);
    await passTime(3 * HOUR);
    await indexAll();
    tamper = true;
    const row = await schedule(ActionType.DepositSweep, {
      depositsKeys: [{ fundingTxHash: d.fundingTxHash, fundingOutputIndex: 0 }],
      sweepTxFee: 1800n,
      depositsRevealBlocks: [d.block],
    });
    await mineEthTo(row.signingStart);
    await until("BAD_SIGNATURE", () => logLines.some((l) => l.code === "BAD_SIGNATURE" && l.actionId === row.id && l.detail === "signature 1 does not verify"));
    expect(store.actions.get(row.id)!.state).toBe("signing");
    expect(store.actions.get(row.id)!.signedTx).toBeNull();
    tamper = false;
    await mineEthTo((await provider.getBlockNumber()) + 1);
    const r = await untilState(row.id, "in_mempool");
    expect(r.outpoints!.map((o) => o.taprootLeaf === undefined)).toEqual([true, false]);
    const settled = await runToSettled(row);
    mainUtxo = { txHash: hashFromTxid(settled.txid!), txOutputIndex: 0, txOutputValue: txOutputs(r.signedTx!)[0]!.value };
    await runToFinal(row);
  });
});
