// Bitcoin actions end to end (reliability.md §3.1–§3.8) with the real ActionExecutor on a `hardhat
// node` (real Bridge + WalletProposalValidator), a FakeBitcoinChain that verifies every input's
// signature, the real responder, tip tracker, Ethereum intents and a real SQLite store. The tests
// share one chain and run in file order: each action leaves the wallet state the next one builds on.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ContractFactory,
  JsonRpcProvider,
  Signature,
  SigningKey,
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
import { LocalKeySigner } from "../../src/actions/signer.js";
import { BitcoinTipTracker } from "../../src/bitcoin/bitcoin-tip.js";
import { BitcoinResponder } from "../../src/bitcoin/responder.js";
import { p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { buildUnsigned, depositSweepTx, finalizeSigned } from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid, txHashOf, txOutputs } from "../../src/bitcoin/tx.js";
import { outpointKey, utxoHash } from "../../src/protocol/bridge-keys.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import { EthIntentSender } from "../../src/chain/eth-intents.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { EventIndexer } from "../../src/chain/event-indexer.js";
import { MovedFundsSweepRequestState, type BitcoinUtxo } from "../../src/chain/types.js";
import { ValidatorClient } from "../../src/chain/validator-client.js";
import { bitcoinContentValidator } from "../../src/coordination/bitcoin-content-validation.js";
import { ActionType, WalletState } from "../../src/protocol/constants.js";
import { prefixScript } from "../../src/protocol/bridge-keys.js";
import { actionSchedule } from "../../src/coordination/result-processor.js";
import { encodePayload, type PayloadOf } from "../../src/protocol/payloads.js";
import type { ActionRow } from "../../src/store/repos/actions-repo.js";
import { Store } from "../../src/store/store.js";
import { bytesEqual, to0x, toHex } from "../../src/util/hex.js";
import { randomHex } from "../contracts/helpers/bitcoin-fixtures.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { ManualClock } from "../fixtures/manual-clock.js";
import { revealDeposit } from "../fixtures/deposit-chain.js";
import { deployBridge, sendBridge, walletKey, type WalletKey } from "../fixtures/indexer-bridge.js";

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
let member: JsonRpcSigner;
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
const [A, C, D] = [11, 12, 13].map(walletKey) as [WalletKey, WalletKey, WalletKey];
const walletPrivateKey = (n: number): string => zeroPadValue(toBeHex(n), 32);

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

async function registerWallet(w: WalletKey): Promise<void> {
  await sendBridge(bridge, gov, "registerWallet", w.x, w.y, [operator.address, await member.getAddress()]);
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

/** Funds a deposit script on the fake chain (mined) and reveals exactly that funding transaction. */
async function deposit(w: WalletKey, p2sh: boolean): Promise<Deposit> {
  const now = (await provider.getBlock("latest"))!.timestamp;
  const d = await revealDeposit({ provider, btc, bridge, depositor }, { wallet: w, locktime: now + 30 * DAY, amount: DEPOSIT_SAT, p2sh });
  btc.mine(1);
  return { fundingTxHash: getBytes(d.fundingTxHash), txid: d.txid, block: d.block, value: DEPOSIT_SAT, script: d.script };
}

/** Schedules an action for a window W just above the head, as the result processor would. */
async function schedule<T extends ActionType.DepositSweep | ActionType.Redemption | ActionType.MovingFunds | ActionType.MovedFundsSweep>(
  w: WalletKey,
  type: T,
  payload: PayloadOf<T>,
): Promise<ActionRow> {
  const W = (await syncClock()) + 1;
  const row = store.actions.create({ walletPkh: w.pkhKey, W, type, payload: encodePayload(type, payload), ...actionSchedule(W, type) });
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
    signer: new LocalKeySigner([11, 12, 13].map(walletPrivateKey)),
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
  [requester, depositor, member] = await Promise.all([2, 3, 4].map((i) => provider.getSigner(i)));
  await provider.send("hardhat_setBalance", [operator.address, toQuantity(10n ** 20n)]);
  await sendBridge(bridge, gov, "setMaintainerStatus", operator.address, true);
  await sendBridge(bridge, gov, "setRedemptionRequesterStatus", await requester.getAddress(), true);
  for (const w of [A, C, D]) await registerWallet(w);

  dir = mkdtempSync(join(tmpdir(), "wcoord-btc-actions-"));
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

/** Wallet A's main UTXO as the Bridge knows it, checked against the Bitcoin transaction that made it. */
let mainUtxoA: BitcoinUtxo;

describe("Bitcoin actions through the executor", () => {
  it("DepositSweep without a main UTXO (a P2WSH and a P2SH deposit) goes from scheduled to final", async () => {
    const d1 = await deposit(A, false);
    const d2 = await deposit(A, true);
    await passTime(3 * HOUR); // past the validator's 2 h minimum deposit age
    await indexAll();
    const payload = {
      depositsKeys: [d1, d2].map((d) => ({ fundingTxHash: d.fundingTxHash, fundingOutputIndex: 0 })),
      sweepTxFee: 2000n,
      depositsRevealBlocks: [d1.block, d2.block],
    };
    const row = await schedule(A, ActionType.DepositSweep, payload);
    await mineEthTo(row.start - 1);
    await executor.idle();
    expect(store.actions.get(row.id)!.state).toBe("scheduled");

    const pending = await runToMempool(row);
    // Built per the §3.4 table: the two deposits in proposal order, one P2WPKH output of Σ − fee.
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([d1, d2].map((d) => [to0x(d.fundingTxHash), 0]));
    expect(pending.outpoints!.every((o) => o.redeemScript?.length === 92)).toBe(true);
    expect(pending.fee).toBe(2000n);
    const outs = txOutputs(pending.signedTx!);
    expect(outs).toHaveLength(1);
    expect(outs[0].value).toBe(2n * DEPOSIT_SAT - 2000n);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(A.pkh))));
    // The P2SH input's signature sits in the scriptSig, so the txid is the finalized one, not the unsigned one.
    expect(hashFromTxid(pending.txid!)).toEqual(txHashOf(pending.signedTx!));

    const settled = await runToSettled(row);
    expect(states(row.id)).toEqual(BTC_PATH);
    expect(settled.holdsLock).toBe(false);
    // The maintainer's record call, from the persisted data: deposits swept, main UTXO = (txHash, 0, value).
    const at = await pinned();
    const txHash = hashFromTxid(settled.txid!);
    mainUtxoA = { txHash, txOutputIndex: 0, txOutputValue: outs[0].value };
    expect((await bridgeClient.wallets(getBytes(A.pkh), at)).mainUtxoHash).toEqual(utxoHash(txHash, 0, outs[0].value));
    for (const d of [d1, d2]) expect((await bridgeClient.deposits(outpointKey(d.fundingTxHash, 0), at)).sweptAt).not.toBe(0);
    const intent = store.ethIntents.get(settled.ethIntentId!)!;
    expect(intent).toMatchObject({ purpose: "record:deposit_sweep", dedupeKey: `record:deposit_sweep:${settled.txid}`, status: "mined", actionId: row.id });
    expect(settled.extra).toMatchObject({ settledAtEthBlock: expect.any(Number) });

    await runToFinal(row);
    expect(states(row.id)).toEqual([...BTC_PATH, "final"]);
  });

  it("Redemption pays the request and the change first, from scheduled to final", async () => {
    const script = p2wpkhScript(getBytes(randomHex(20)));
    await sendBridge(bridge, requester, "requestRedemption", A.pkh, mainUtxoA, to0x(prefixScript(script)), 2_000_000n);
    await passTime(700); // the validator's 10 min minimum request age
    const row = await schedule(A, ActionType.Redemption, { redeemersOutputScripts: [script], redemptionTxFee: 1500n });
    const pending = await runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(mainUtxoA.txHash), 0]]);
    const outs = txOutputs(pending.signedTx!);
    const payment = 2_000_000n - 2_000_000n / 2000n - 1500n;
    expect(outs.map((o) => o.value)).toEqual([mainUtxoA.txOutputValue - payment - 1500n, payment]);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(A.pkh))));
    expect(toHex(outs[1].script)).toBe(toHex(script));

    // §5: a restarted node continues from the persisted row alone.
    await restartNode();
    const settled = await runToSettled(row);
    expect(states(row.id)).toEqual(BTC_PATH);
    const at = await pinned();
    const txHash = hashFromTxid(settled.txid!);
    const w = await bridgeClient.wallets(getBytes(A.pkh), at);
    expect(w.mainUtxoHash).toEqual(utxoHash(txHash, 0, outs[0].value));
    expect(w.pendingRedemptionsValue).toBe(0n);
    mainUtxoA = { txHash, txOutputIndex: 0, txOutputValue: outs[0].value };

    await runToFinal(row);
  });

  it("DepositSweep with a main UTXO spends it first and ends final", async () => {
    const d3 = await deposit(A, false);
    await passTime(3 * HOUR);
    await indexAll();
    const row = await schedule(A, ActionType.DepositSweep, {
      depositsKeys: [{ fundingTxHash: d3.fundingTxHash, fundingOutputIndex: 0 }],
      sweepTxFee: 1800n,
      depositsRevealBlocks: [d3.block],
    });
    const pending = await runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([
      [to0x(mainUtxoA.txHash), 0],
      [to0x(d3.fundingTxHash), 0],
    ]);
    expect(pending.outpoints![0].redeemScript).toBeUndefined();
    const outs = txOutputs(pending.signedTx!);
    expect(outs.map((o) => o.value)).toEqual([mainUtxoA.txOutputValue + DEPOSIT_SAT - 1800n]);
    const settled = await runToSettled(row);
    mainUtxoA = { txHash: hashFromTxid(settled.txid!), txOutputIndex: 0, txOutputValue: outs[0].value };
    await runToFinal(row);
  });

  let movingFundsTxHash: Uint8Array;

  it("MovingFunds waits for the commitment, signs from W+132 and settles with the wallet Closing", async () => {
    await sendBridge(bridge, gov, "beginMovingFunds", A.pkh);
    await passTime(25 * HOUR); // past the 24 h moving-funds safety margin
    // The leader's commitment (§13.6 step 7), sent by the operator from its seat 1.
    const asOperator = bridge.connect(operator.connect(provider)) as Contract;
    await (await asOperator.getFunction("submitMovingFundsCommitment")(A.pkh, mainUtxoA, 1, [C.pkh])).wait();
    await indexAll();
    const row = await schedule(A, ActionType.MovingFunds, { targetWallets: [getBytes(C.pkh)], movingFundsTxFee: 1000n });
    expect(row.signingStart).toBe(row.W + 132);
    await mineEthTo(row.start);
    const built = await untilState(row.id, "built");
    await mineEthTo(row.signingStart - 1);
    await executor.idle();
    expect(store.actions.get(row.id)!.state).toBe("built");
    expect(built.validationBlock).toBe(row.start);

    const pending = await runToMempool(row);
    const outs = txOutputs(pending.signedTx!);
    expect(outs.map((o) => o.value)).toEqual([mainUtxoA.txOutputValue - 1000n]);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(C.pkh))));

    const settled = await runToSettled(row);
    expect(states(row.id)).toEqual(BTC_PATH);
    movingFundsTxHash = hashFromTxid(settled.txid!);
    const at = await pinned();
    expect((await bridgeClient.wallets(getBytes(A.pkh), at)).state).toBe(WalletState.Closing);
    const req = await bridgeClient.movedFundsSweepRequests(outpointKey(movingFundsTxHash, 0), at);
    expect(req).toMatchObject({ state: MovedFundsSweepRequestState.Pending, value: outs[0].value });
  });

  it("MovedFundsSweep sweeps the moved funds into the target wallet and settles as Processed", async () => {
    const row = await schedule(C, ActionType.MovedFundsSweep, { movingFundsTxHash, movingFundsTxOutputIndex: 0, sweepTxFee: 1000n });
    const pending = await runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(movingFundsTxHash), 0]]);
    const outs = txOutputs(pending.signedTx!);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(C.pkh))));
    const settled = await runToSettled(row);
    expect(states(row.id)).toEqual(BTC_PATH);
    const at = await pinned();
    expect((await bridgeClient.movedFundsSweepRequests(outpointKey(movingFundsTxHash, 0), at)).state).toBe(MovedFundsSweepRequestState.Processed);
    const w = await bridgeClient.wallets(getBytes(C.pkh), at);
    expect(bytesEqual(w.mainUtxoHash, utxoHash(hashFromTxid(settled.txid!), 0, outs[0].value))).toBe(true);
  });

  it("maintainers of one wallet stagger recording by the rank of their lowest seat (6 + 2r)", async () => {
    const E = walletKey(14);
    const other = await member.getAddress();
    await sendBridge(bridge, gov, "registerWallet", E.x, E.y, [other, operator.address, other]);
    const recorder = new OutcomeRecorder({ bridge: bridgeClient, intents }, { operator: operator.address, enabled: true });
    expect(await recorder.recordDepth(getBytes(E.pkh), await pinned())).toEqual({ depth: 6, rank: 0 });
    await sendBridge(bridge, gov, "setMaintainerStatus", other, true);
    expect(await recorder.recordDepth(getBytes(E.pkh), await pinned())).toEqual({ depth: 8, rank: 1 });
    // Wallet A seats the operator first: rank 0 whatever the other seats are.
    expect(await recorder.recordDepth(getBytes(A.pkh), await pinned())).toEqual({ depth: 6, rank: 0 });
    await sendBridge(bridge, gov, "setMaintainerStatus", other, false);
    const disabled = new OutcomeRecorder({ bridge: bridgeClient, intents }, { operator: operator.address, enabled: false });
    expect(await disabled.recordDepth(getBytes(E.pkh), await pinned())).toBeNull();
    const notMaintainer = new OutcomeRecorder({ bridge: bridgeClient, intents }, { operator: other, enabled: true });
    expect(await notMaintainer.recordDepth(getBytes(E.pkh), await pinned())).toBeNull();
  });

  it("an action whose proposal is invalid at start is aborted without building or signing", async () => {
    const script = p2wpkhScript(getBytes(randomHex(20)));
    const row = await schedule(D, ActionType.Redemption, { redeemersOutputScripts: [script], redemptionTxFee: 1000n });
    await mineEthTo(row.start);
    const aborted = await untilState(row.id, "aborted");
    expect(aborted.reason).toBe("invalid_at_start: Not a pending redemption request");
    expect(aborted.unsignedTx).toBeNull();
    expect(states(row.id)).toEqual(["scheduled", "validating", "aborted"]);
    expect(store.actions.lockHolder(D.pkhKey)).toBeUndefined();
  });

  it("a wallet never synced between chains expires at the signing deadline with reason not_synced", async () => {
    const [d4, d5] = [await deposit(D, false), await deposit(D, false)];
    await passTime(3 * HOUR);
    await indexAll();
    // Wallet D sweeps d4 on Bitcoin outside this node, and nobody records it on the Bridge.
    const plan = depositSweepTx({
      walletPkh: getBytes(D.pkh),
      mainUtxo: null,
      deposits: [{ txHash: d4.fundingTxHash, index: 0, value: d4.value, redeemScript: d4.script, p2sh: false }],
      fee: 1000n,
    });
    const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
    const key = new SigningKey(walletPrivateKey(13));
    const sigs = sighashes.map((h) => getBytes(Signature.from(key.sign(h)).serialized).subarray(0, 64));
    const unrecorded = finalizeSigned(unsignedTx, plan.inputs, sigs, getBytes(key.compressedPublicKey));
    expect(btc.submit(unrecorded.raw)).toMatchObject({ kind: "accepted" });
    await mineBtc(1);

    const row = await schedule(D, ActionType.DepositSweep, {
      depositsKeys: [{ fundingTxHash: d5.fundingTxHash, fundingOutputIndex: 0 }],
      sweepTxFee: 1000n,
      depositsRevealBlocks: [d5.block],
    });
    await mineEthTo(row.start + 3);
    await executor.idle();
    expect(store.actions.get(row.id)!.state).toBe("validating");
    await mineEthTo(row.signingDeadline);
    const expired = await untilState(row.id, "expired");
    expect(expired.reason).toBe("not_synced");
    expect(expired.unsignedTx).toBeNull();
    expect(states(row.id)).toEqual(["scheduled", "validating", "expired"]);
    expect(store.actions.lockHolder(D.pkhKey)).toBeUndefined();
  });
});
