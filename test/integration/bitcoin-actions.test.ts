// Bitcoin actions end to end (reliability.md §3.1–§3.8) with the real ActionExecutor on a `hardhat
// node` (real Bridge + WalletProposalValidator), a FakeBitcoinChain that verifies every input's
// signature, the real responder, tip tracker, Ethereum intents and a real SQLite store. The tests
// share one chain and run in file order: each action leaves the wallet state the next one builds on.
import { Signature, SigningKey, getBytes, toBeHex, zeroPadValue, type Contract, type JsonRpcSigner } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutcomeRecorder } from "../../src/actions/recording.js";
import { LocalKeySigner } from "../../src/actions/signer.js";
import { p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { buildUnsigned, depositSweepTx, finalizeSigned } from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid, txHashOf, txOutputs } from "../../src/bitcoin/tx.js";
import { outpointKey, utxoHash } from "../../src/protocol/bridge-keys.js";
import { MovedFundsSweepRequestState, type BitcoinUtxo } from "../../src/chain/types.js";
import { ActionType, WalletState } from "../../src/protocol/constants.js";
import { prefixScript } from "../../src/protocol/bridge-keys.js";
import { bytesEqual, to0x, toHex } from "../../src/util/hex.js";
import { randomHex } from "../contracts/helpers/bitcoin-fixtures.js";
import { ActionHarness, type Deposit } from "../fixtures/action-harness.js";
import { revealDeposit } from "../fixtures/deposit-chain.js";
import { sendBridge, walletKey, type WalletKey } from "../fixtures/indexer-bridge.js";

const HOUR = 3600;
const DAY = 24 * HOUR;
const DEPOSIT_SAT = 10_000_000n;

const [A, C, D] = [11, 12, 13].map(walletKey) as [WalletKey, WalletKey, WalletKey];
const walletPrivateKey = (n: number): string => zeroPadValue(toBeHex(n), 32);
const h = new ActionHarness({ dirPrefix: "wcoord-btc-actions-", signer: () => new LocalKeySigner([11, 12, 13].map(walletPrivateKey)) });
/** Account 4: the second seat of every wallet. */
let member: JsonRpcSigner;

async function registerWallet(w: WalletKey): Promise<void> {
  await sendBridge(h.bridge, h.gov, "registerWallet", w.x, w.y, [h.operator.address, await member.getAddress()]);
}

/** Funds a deposit script on the fake chain (mined) and reveals exactly that funding transaction. */
async function deposit(w: WalletKey, p2sh: boolean): Promise<Deposit> {
  const now = (await h.provider.getBlock("latest"))!.timestamp;
  const d = await revealDeposit({ provider: h.provider, btc: h.btc, bridge: h.bridge, depositor: h.depositor }, { wallet: w, locktime: now + 30 * DAY, amount: DEPOSIT_SAT, p2sh });
  h.btc.mine(1);
  return { fundingTxHash: getBytes(d.fundingTxHash), txid: d.txid, block: d.block, value: DEPOSIT_SAT, script: d.script };
}

beforeAll(async () => {
  await h.deploy();
  member = await h.provider.getSigner(4);
  for (const w of [A, C, D]) await registerWallet(w);
  await h.open();
}, 60_000);

afterAll(() => h.close());

const BTC_PATH = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "recording", "settled"];

/** Wallet A's main UTXO as the Bridge knows it, checked against the Bitcoin transaction that made it. */
let mainUtxoA: BitcoinUtxo;

describe("Bitcoin actions through the executor", () => {
  it("DepositSweep without a main UTXO (a P2WSH and a P2SH deposit) goes from scheduled to final", async () => {
    const d1 = await deposit(A, false);
    const d2 = await deposit(A, true);
    await h.passTime(3 * HOUR); // past the validator's 2 h minimum deposit age
    await h.indexAll();
    const payload = {
      depositsKeys: [d1, d2].map((d) => ({ fundingTxHash: d.fundingTxHash, fundingOutputIndex: 0 })),
      sweepTxFee: 2000n,
      depositsRevealBlocks: [d1.block, d2.block],
    };
    const row = await h.schedule(A.pkhKey, ActionType.DepositSweep, payload);
    await h.mineEthTo(row.start - 1);
    await h.executor.idle();
    expect(h.store.actions.get(row.id)!.state).toBe("scheduled");

    const pending = await h.runToMempool(row);
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

    const settled = await h.runToSettled(row);
    expect(h.states(row.id)).toEqual(BTC_PATH);
    expect(settled.holdsLock).toBe(false);
    // The maintainer's record call, from the persisted data: deposits swept, main UTXO = (txHash, 0, value).
    const at = await h.pinned();
    const txHash = hashFromTxid(settled.txid!);
    mainUtxoA = { txHash, txOutputIndex: 0, txOutputValue: outs[0].value };
    expect((await h.bridgeClient.wallets(getBytes(A.pkh), at)).mainUtxoHash).toEqual(utxoHash(txHash, 0, outs[0].value));
    for (const d of [d1, d2]) expect((await h.bridgeClient.deposits(outpointKey(d.fundingTxHash, 0), at)).sweptAt).not.toBe(0);
    const intent = h.store.ethIntents.get(settled.ethIntentId!)!;
    expect(intent).toMatchObject({ purpose: "record:deposit_sweep", dedupeKey: `record:deposit_sweep:${settled.txid}`, status: "mined", actionId: row.id });
    expect(settled.extra).toMatchObject({ settledAtEthBlock: expect.any(Number) });

    await h.runToFinal(row);
    expect(h.states(row.id)).toEqual([...BTC_PATH, "final"]);
  });

  it("Redemption pays the request and the change first, from scheduled to final", async () => {
    const script = p2wpkhScript(getBytes(randomHex(20)));
    await sendBridge(h.bridge, h.requester, "requestRedemption", A.pkh, mainUtxoA, to0x(prefixScript(script)), 2_000_000n);
    await h.passTime(700); // the validator's 10 min minimum request age
    const row = await h.schedule(A.pkhKey, ActionType.Redemption, { redeemersOutputScripts: [script], redemptionTxFee: 1500n });
    const pending = await h.runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(mainUtxoA.txHash), 0]]);
    const outs = txOutputs(pending.signedTx!);
    const payment = 2_000_000n - 2_000_000n / 2000n - 1500n;
    expect(outs.map((o) => o.value)).toEqual([mainUtxoA.txOutputValue - payment - 1500n, payment]);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(A.pkh))));
    expect(toHex(outs[1].script)).toBe(toHex(script));

    // §5: a restarted node continues from the persisted row alone.
    await h.restartNode();
    const settled = await h.runToSettled(row);
    expect(h.states(row.id)).toEqual(BTC_PATH);
    const at = await h.pinned();
    const txHash = hashFromTxid(settled.txid!);
    const w = await h.bridgeClient.wallets(getBytes(A.pkh), at);
    expect(w.mainUtxoHash).toEqual(utxoHash(txHash, 0, outs[0].value));
    expect(w.pendingRedemptionsValue).toBe(0n);
    mainUtxoA = { txHash, txOutputIndex: 0, txOutputValue: outs[0].value };

    await h.runToFinal(row);
  });

  it("DepositSweep with a main UTXO spends it first and ends final", async () => {
    const d3 = await deposit(A, false);
    await h.passTime(3 * HOUR);
    await h.indexAll();
    const row = await h.schedule(A.pkhKey, ActionType.DepositSweep, {
      depositsKeys: [{ fundingTxHash: d3.fundingTxHash, fundingOutputIndex: 0 }],
      sweepTxFee: 1800n,
      depositsRevealBlocks: [d3.block],
    });
    const pending = await h.runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([
      [to0x(mainUtxoA.txHash), 0],
      [to0x(d3.fundingTxHash), 0],
    ]);
    expect(pending.outpoints![0].redeemScript).toBeUndefined();
    const outs = txOutputs(pending.signedTx!);
    expect(outs.map((o) => o.value)).toEqual([mainUtxoA.txOutputValue + DEPOSIT_SAT - 1800n]);
    const settled = await h.runToSettled(row);
    mainUtxoA = { txHash: hashFromTxid(settled.txid!), txOutputIndex: 0, txOutputValue: outs[0].value };
    await h.runToFinal(row);
  });

  let movingFundsTxHash: Uint8Array;

  it("MovingFunds waits for the commitment, signs from W+132 and settles with the wallet Closing", async () => {
    await sendBridge(h.bridge, h.gov, "beginMovingFunds", A.pkh);
    await h.passTime(25 * HOUR); // past the 24 h moving-funds safety margin
    // The leader's commitment (§13.6 step 7), sent by the operator from its seat 1.
    const asOperator = h.bridge.connect(h.operator.connect(h.provider)) as Contract;
    await (await asOperator.getFunction("submitMovingFundsCommitment")(A.pkh, mainUtxoA, 1, [C.pkh])).wait();
    await h.indexAll();
    const row = await h.schedule(A.pkhKey, ActionType.MovingFunds, { targetWallets: [getBytes(C.pkh)], movingFundsTxFee: 1000n });
    expect(row.signingStart).toBe(row.W + 132);
    await h.mineEthTo(row.start);
    const built = await h.untilState(row.id, "built");
    await h.mineEthTo(row.signingStart - 1);
    await h.executor.idle();
    expect(h.store.actions.get(row.id)!.state).toBe("built");
    expect(built.validationBlock).toBe(row.start);

    const pending = await h.runToMempool(row);
    const outs = txOutputs(pending.signedTx!);
    expect(outs.map((o) => o.value)).toEqual([mainUtxoA.txOutputValue - 1000n]);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(C.pkh))));

    const settled = await h.runToSettled(row);
    expect(h.states(row.id)).toEqual(BTC_PATH);
    movingFundsTxHash = hashFromTxid(settled.txid!);
    const at = await h.pinned();
    expect((await h.bridgeClient.wallets(getBytes(A.pkh), at)).state).toBe(WalletState.Closing);
    const req = await h.bridgeClient.movedFundsSweepRequests(outpointKey(movingFundsTxHash, 0), at);
    expect(req).toMatchObject({ state: MovedFundsSweepRequestState.Pending, value: outs[0].value });
  });

  it("MovedFundsSweep sweeps the moved funds into the target wallet and settles as Processed", async () => {
    const row = await h.schedule(C.pkhKey, ActionType.MovedFundsSweep, { movingFundsTxHash, movingFundsTxOutputIndex: 0, sweepTxFee: 1000n });
    const pending = await h.runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(movingFundsTxHash), 0]]);
    const outs = txOutputs(pending.signedTx!);
    expect(toHex(outs[0].script)).toBe(toHex(p2wpkhScript(getBytes(C.pkh))));
    const settled = await h.runToSettled(row);
    expect(h.states(row.id)).toEqual(BTC_PATH);
    const at = await h.pinned();
    expect((await h.bridgeClient.movedFundsSweepRequests(outpointKey(movingFundsTxHash, 0), at)).state).toBe(MovedFundsSweepRequestState.Processed);
    const w = await h.bridgeClient.wallets(getBytes(C.pkh), at);
    expect(bytesEqual(w.mainUtxoHash, utxoHash(hashFromTxid(settled.txid!), 0, outs[0].value))).toBe(true);
  });

  it("maintainers of one wallet stagger recording by the rank of their lowest seat (6 + 2r)", async () => {
    const E = walletKey(14);
    const other = await member.getAddress();
    await sendBridge(h.bridge, h.gov, "registerWallet", E.x, E.y, [other, h.operator.address, other]);
    const recorder = new OutcomeRecorder({ bridge: h.bridgeClient, intents: h.intents }, { operator: h.operator.address, enabled: true });
    expect(await recorder.recordDepth(getBytes(E.pkh), await h.pinned())).toEqual({ depth: 6, rank: 0 });
    await sendBridge(h.bridge, h.gov, "setMaintainerStatus", other, true);
    expect(await recorder.recordDepth(getBytes(E.pkh), await h.pinned())).toEqual({ depth: 8, rank: 1 });
    // Wallet A seats the operator first: rank 0 whatever the other seats are.
    expect(await recorder.recordDepth(getBytes(A.pkh), await h.pinned())).toEqual({ depth: 6, rank: 0 });
    await sendBridge(h.bridge, h.gov, "setMaintainerStatus", other, false);
    const disabled = new OutcomeRecorder({ bridge: h.bridgeClient, intents: h.intents }, { operator: h.operator.address, enabled: false });
    expect(await disabled.recordDepth(getBytes(E.pkh), await h.pinned())).toBeNull();
    const notMaintainer = new OutcomeRecorder({ bridge: h.bridgeClient, intents: h.intents }, { operator: other, enabled: true });
    expect(await notMaintainer.recordDepth(getBytes(E.pkh), await h.pinned())).toBeNull();
  });

  it("an action whose proposal is invalid at start is aborted without building or signing", async () => {
    const script = p2wpkhScript(getBytes(randomHex(20)));
    const row = await h.schedule(D.pkhKey, ActionType.Redemption, { redeemersOutputScripts: [script], redemptionTxFee: 1000n });
    await h.mineEthTo(row.start);
    const aborted = await h.untilState(row.id, "aborted");
    expect(aborted.reason).toBe("invalid_at_start: Not a pending redemption request");
    expect(aborted.unsignedTx).toBeNull();
    expect(h.states(row.id)).toEqual(["scheduled", "validating", "aborted"]);
    expect(h.store.actions.lockHolder(D.pkhKey)).toBeUndefined();
  });

  it("a wallet never synced between chains expires at the signing deadline with reason not_synced", async () => {
    const [d4, d5] = [await deposit(D, false), await deposit(D, false)];
    await h.passTime(3 * HOUR);
    await h.indexAll();
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
    expect(h.btc.submit(unrecorded.raw)).toMatchObject({ kind: "accepted" });
    await h.mineBtc(1);

    const row = await h.schedule(D.pkhKey, ActionType.DepositSweep, {
      depositsKeys: [{ fundingTxHash: d5.fundingTxHash, fundingOutputIndex: 0 }],
      sweepTxFee: 1000n,
      depositsRevealBlocks: [d5.block],
    });
    await h.mineEthTo(row.start + 3);
    await h.executor.idle();
    expect(h.store.actions.get(row.id)!.state).toBe("validating");
    await h.mineEthTo(row.signingDeadline);
    const expired = await h.untilState(row.id, "expired");
    expect(expired.reason).toBe("not_synced");
    expect(expired.unsignedTx).toBeNull();
    expect(h.states(row.id)).toEqual(["scheduled", "validating", "expired"]);
    expect(h.store.actions.lockHolder(D.pkhKey)).toBeUndefined();
  });
});
