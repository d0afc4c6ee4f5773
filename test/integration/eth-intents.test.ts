// Ethereum transaction intents (reliability.md §3.7) against a real Bridge on a hardhat node: the
// operator is the Bridge's governance and a maintainer, and its intents are real Bridge calls.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, Transaction, Wallet, hexlify, id, parseEther, toQuantity, type JsonRpcSigner } from "ethers";
import { bridgeInterface } from "../../src/chain/abi.js";
import { ALREADY_DONE_REASONS, EthIntentError, EthIntentSender, type EthIntentRequest } from "../../src/chain/eth-intents.js";
import type { BlockRef } from "../../src/chain/ethereum-chain.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { Store } from "../../src/store/store.js";
import { to0x } from "../../src/util/hex.js";
import {
  DAY,
  ZERO_ADDRESS,
  buildDepositScript,
  fundingTxHash,
  locktimeLE,
  p2wshOutputScript,
  randomHex,
  singleInputVector,
  txOutput,
  vector,
} from "../contracts/helpers/bitcoin-fixtures.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { startRpcProxy, type RpcProxy } from "../fakes/rpc-proxy.js";
import { deployBridge, sendBridge, walletKey } from "../fixtures/indexer-bridge.js";

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let bridgeAddress: string;
let gov: JsonRpcSigner;
let rival: JsonRpcSigner;
let operator: Wallet;
let walletPkh: string;
const chains: EthersChain[] = [];
const stores: Store[] = [];
const dirs: string[] = [];
const proxies: RpcProxy[] = [];

function newChain(url = node.url): EthersChain {
  const c = new EthersChain({}, { rpcUrl: url, chainId: 31337n, callTimeoutMs: 5000 });
  chains.push(c);
  return c;
}

function newStore(dir?: string): Store {
  const d = dir ?? mkdtempSync(join(tmpdir(), "wcoord-intents-"));
  if (dir === undefined) dirs.push(d);
  const s = Store.open(d);
  stores.push(s);
  return s;
}

function sender(store: Store, chain = newChain(), replaceAfterBlocks?: number): EthIntentSender {
  return new EthIntentSender({ store, chain, wallet: operator }, { replaceAfterBlocks });
}

async function isMaintainer(addr: string, at: BlockRef | "latest" = "latest"): Promise<boolean> {
  const blockTag = at === "latest" ? "latest" : at.blockNumber;
  return (await bridge.getFunction("isMaintainer").staticCall(addr, { blockTag })) as boolean;
}

/** An intent that makes `addr` a maintainer (the operator is governance). */
function grantMaintainer(addr: string): EthIntentRequest {
  return {
    purpose: "test:maintainer",
    dedupeKey: `maintainer:${addr}`,
    to: bridgeAddress,
    data: bridgeInterface.encodeFunctionData("setMaintainerStatus", [addr, true]),
    goalReached: (at) => isMaintainer(addr, at),
  };
}

async function operatorNonce(tag: "latest" | "pending" = "latest"): Promise<number> {
  return provider.getTransactionCount(operator.address, tag);
}

async function automine(on: boolean): Promise<void> {
  await provider.send("evm_setAutomine", [on]);
}

async function mineOne(): Promise<number> {
  await provider.send("evm_mine", []);
  return provider.getBlockNumber();
}

/** Reveals a fresh P2WSH deposit to the test wallet; returns its DepositKey struct. */
async function revealDeposit(): Promise<{ fundingTxHash: string; fundingOutputIndex: number }> {
  const depositor = await provider.getSigner(3);
  const now = (await provider.getBlock("latest"))!.timestamp;
  const reveal = {
    fundingOutputIndex: 0,
    blindingFactor: randomHex(8),
    walletPubKeyHash: walletPkh,
    refundPubKeyHash: randomHex(20),
    refundLocktime: locktimeLE(now + 30 * DAY),
    vault: ZERO_ADDRESS,
  };
  const script = buildDepositScript({ depositor: await depositor.getAddress(), ...reveal });
  const tx = { version: "0x01000000", inputVector: singleInputVector(), outputVector: to0x(vector([txOutput(5_000_000n, p2wshOutputScript(script))])), locktime: "0x00000000" };
  await sendBridge(bridge, depositor, "revealDeposit", tx, reveal);
  return { fundingTxHash: fundingTxHash(tx), fundingOutputIndex: 0 };
}

function sweepArgs(deposit: { fundingTxHash: string; fundingOutputIndex: number }): unknown[] {
  const sweepTx = randomHex(32);
  return [walletPkh, sweepTx, [deposit], { txHash: sweepTx, txOutputIndex: 0, txOutputValue: 4_990_000n }];
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  ({ bridge, address: bridgeAddress, governance: gov } = await deployBridge(provider));
  rival = await provider.getSigner(1);
  operator = new Wallet(id("wcoord eth-intents test operator"));
  await (await gov.sendTransaction({ to: operator.address, value: parseEther("100") })).wait();
  const w = walletKey(7);
  walletPkh = w.pkh;
  await sendBridge(bridge, gov, "registerWallet", w.x, w.y, [await gov.getAddress()]);
  await sendBridge(bridge, gov, "setMaintainerStatus", operator.address, true);
  await sendBridge(bridge, gov, "setMaintainerStatus", await rival.getAddress(), true);
  await sendBridge(bridge, gov, "transferGovernance", operator.address);
}, 60_000);

afterEach(async () => {
  await automine(true);
});

afterAll(async () => {
  for (const c of chains) await c.stop();
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const p of proxies) await p.close();
  provider?.destroy();
  await node?.stop();
});

describe("EthIntentSender on the real Bridge", () => {
  it("happy path: prepared with the reserved nonce, sent, then mined; the goal is reached", async () => {
    const store = newStore();
    const s = sender(store);
    const m = Wallet.createRandom().address;
    const nonce = await operatorNonce("pending");
    const row = await s.submit(grantMaintainer(m));
    expect(row.status).toBe("sent");
    expect(row.nonce).toBe(nonce);
    expect(row.from).toBe(operator.address);
    const tx = Transaction.from(hexlify(row.signedRaw!));
    expect(row.txHash).toBe(tx.hash!.toLowerCase());
    expect(tx.nonce).toBe(nonce);
    expect(tx.chainId).toBe(31337n);
    expect(tx.type).toBe(2);
    expect(tx.maxFeePerGas).toBe(row.maxFeePerGas);
    expect(tx.maxPriorityFeePerGas).toBe(row.maxPriorityFeePerGas);
    expect(hexlify(row.data!)).toBe(grantMaintainer(m).data);

    await s.poll();
    const done = s.get(`maintainer:${m}`)!;
    const receipt = (await provider.getTransactionReceipt(row.txHash!))!;
    expect(done).toMatchObject({ id: row.id, status: "mined", minedBlock: receipt.blockNumber, revertReason: null });
    expect(receipt.status).toBe(1);
    expect(await isMaintainer(m)).toBe(true);
    expect(await operatorNonce()).toBe(nonce + 1);
  });

  it("goal already reached at the latest block → not_needed, nothing signed or sent", async () => {
    const store = newStore();
    const s = sender(store);
    const before = await operatorNonce("pending");
    const row = await s.submit(grantMaintainer(operator.address)); // already a maintainer
    expect(row).toMatchObject({ status: "not_needed", nonce: null, signedRaw: null, txHash: null });
    expect(await operatorNonce("pending")).toBe(before);
    // The estimate is the second guard: the Bridge itself says "already swept".
    const deposit = await revealDeposit();
    await sendBridge(bridge, rival, "recordDepositSweep", ...sweepArgs(deposit));
    const swept = await s.submit({
      purpose: "test:sweep",
      dedupeKey: `sweep:${deposit.fundingTxHash}`,
      to: bridgeAddress,
      data: bridgeInterface.encodeFunctionData("recordDepositSweep", sweepArgs(deposit)),
      goalReached: async () => false,
    });
    expect(swept).toMatchObject({ status: "not_needed", revertReason: "Deposit already swept", txHash: null });
    // Any other revert at estimation is refused before anything is persisted.
    const unknown = { fundingTxHash: randomHex(32), fundingOutputIndex: 0 };
    const req = {
      purpose: "test:sweep",
      dedupeKey: `sweep:${unknown.fundingTxHash}`,
      to: bridgeAddress,
      data: bridgeInterface.encodeFunctionData("recordDepositSweep", sweepArgs(unknown)),
      goalReached: async () => false,
    };
    await expect(s.submit(req)).rejects.toSatisfy((e: unknown) => e instanceof EthIntentError && e.code === "WOULD_REVERT" && /Deposit not revealed/.test(e.message));
    expect(s.get(req.dedupeKey)).toBeUndefined();
    expect(await operatorNonce("pending")).toBe(before);
  });

  it("a second submit with the same dedupe key returns the same intent and sends nothing", async () => {
    const store = newStore();
    const s = sender(store);
    const m = Wallet.createRandom().address;
    await automine(false);
    const first = await s.submit(grantMaintainer(m));
    const second = await s.submit(grantMaintainer(m));
    expect(second).toEqual(first);
    // Concurrent submits are serialized too.
    const [a, b] = await Promise.all([s.submit(grantMaintainer(m)), s.submit(grantMaintainer(m))]);
    expect(a.id).toBe(first.id);
    expect(b.id).toBe(first.id);
    expect(store.ethIntents.byDedupeKey(`maintainer:${m}`)).toHaveLength(1);
    expect(await operatorNonce("pending")).toBe(first.nonce! + 1);
    await mineOne();
    await s.poll();
    expect(s.get(`maintainer:${m}`)!.status).toBe("mined");
    expect(await operatorNonce()).toBe(first.nonce! + 1);
  });

  it("the exported 'already done' reasons are the Bridge's (and the registry's) own require texts", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    // The Bridge's code (Bridge.sol, the libraries it links and the internal ones compiled into them) and the FrostWalletRegistry.
    const dir = new URL("../../contracts/bridge/", import.meta.url);
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".sol"))
      .map((f) => readFileSync(new URL(f, dir), "utf8"))
      .join("\n");
    for (const reason of ALREADY_DONE_REASONS) expect(source).toContain(`"${reason}"`);
  });

  it("a rival records the sweep first in the same block: the receipt reverts 'Deposit already swept' → superseded", async () => {
    const store = newStore();
    const s = sender(store);
    const deposit = await revealDeposit();
    await automine(false);
    const key = `sweep:${deposit.fundingTxHash}`;
    const row = await s.submit({
      purpose: "test:sweep",
      dedupeKey: key,
      to: bridgeAddress,
      data: bridgeInterface.encodeFunctionData("recordDepositSweep", sweepArgs(deposit)),
      goalReached: async () => false,
    });
    expect(row.status).toBe("sent");
    // The rival pays a higher tip, so the block puts it first.
    const rivalTx = (await (bridge.connect(rival) as Contract).getFunction("recordDepositSweep")(...sweepArgs(deposit), {
      maxPriorityFeePerGas: row.maxPriorityFeePerGas! * 10n,
      maxFeePerGas: row.maxFeePerGas! * 10n,
      gasLimit: 300_000n, // the estimate would see our pending sweep and refuse
    })) as { hash: string };
    const block = await mineOne();
    const ours = (await provider.getTransactionReceipt(row.txHash!))!;
    expect(ours.blockNumber).toBe(block);
    expect(ours.status).toBe(0);
    expect((await provider.getTransactionReceipt(rivalTx.hash))!.status).toBe(1);

    await s.poll();
    expect(s.get(key)).toMatchObject({ id: row.id, status: "superseded", revertReason: "Deposit already swept", minedBlock: block });
    expect(store.ethIntents.active()).toEqual([]);
  });

  /** Submits a sweep record of a deposit nobody revealed; an explicit gas limit skips the estimate, so the revert happens on chain. */
  async function submitUnrevealedSweep(s: EthIntentSender): Promise<{ key: string; row: Awaited<ReturnType<EthIntentSender["submit"]>> }> {
    const unknown = { fundingTxHash: randomHex(32), fundingOutputIndex: 0 };
    const key = `sweep:${unknown.fundingTxHash}`;
    const row = await s.submit({
      purpose: "test:sweep",
      dedupeKey: key,
      to: bridgeAddress,
      data: bridgeInterface.encodeFunctionData("recordDepositSweep", sweepArgs(unknown)),
      goalReached: async () => false,
      gasLimit: 300_000n,
    });
    return { key, row };
  }

  it("any other revert reason → reverted with the decoded reason", async () => {
    const s = sender(newStore());
    // A real pool accepts a reverting send; without automine Hardhat does too.
    await automine(false);
    const { key, row } = await submitUnrevealedSweep(s);
    expect(row.status).toBe("sent");
    await mineOne();
    await s.poll();
    const receipt = (await provider.getTransactionReceipt(row.txHash!))!;
    expect(receipt.status).toBe(0);
    expect(s.get(key)).toMatchObject({ status: "reverted", revertReason: "Deposit not revealed", minedBlock: receipt.blockNumber });
    // Tracking ended: later polls change nothing.
    await s.poll();
    expect(s.get(key)!.status).toBe("reverted");
  });

  it("an automining chain answers the send with the revert after mining it: the intent counts as sent and the receipt decides", async () => {
    const s = sender(newStore());
    const { key, row } = await submitUnrevealedSweep(s);
    expect(row.status).toBe("sent");
    const receipt = (await provider.getTransactionReceipt(row.txHash!))!;
    expect(receipt.status).toBe(0);
    await s.poll();
    expect(s.get(key)).toMatchObject({ status: "reverted", revertReason: "Deposit not revealed", minedBlock: receipt.blockNumber });
  });

  it("a transaction dropped from the node's pool is re-sent as the same raw bytes", async () => {
    const store = newStore();
    const s = sender(store);
    const m = Wallet.createRandom().address;
    await automine(false);
    const row = await s.submit(grantMaintainer(m));
    expect(await provider.send("hardhat_dropTransaction", [row.txHash])).toBe(true);
    expect(await provider.getTransaction(row.txHash!)).toBeNull();
    await s.poll();
    const pending = await provider.getTransaction(row.txHash!);
    expect(pending?.hash.toLowerCase()).toBe(row.txHash);
    // A poll while it waits in the pool sends nothing new.
    await s.poll();
    expect(store.ethIntents.byDedupeKey(`maintainer:${m}`)).toHaveLength(1);
    await mineOne();
    await s.poll();
    expect(s.get(`maintainer:${m}`)).toMatchObject({ id: row.id, status: "mined", txHash: row.txHash });
    expect(await isMaintainer(m)).toBe(true);
  });

  it("stuck for replaceAfterBlocks blocks → one replacement with the same nonce and fees +12.5 %; only one version mines", async () => {
    const store = newStore();
    const s = sender(store, newChain(), 12);
    const m = Wallet.createRandom().address;
    const key = `maintainer:${m}`;
    await automine(false);
    const original = await s.submit(grantMaintainer(m));
    const sentBlock = original.sentBlock!;
    // A base fee far above the transaction's fee cap keeps it out of every block.
    await provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(original.maxFeePerGas! * 8n)]);
    await provider.send("hardhat_mine", [toQuantity(11)]);
    expect(await provider.getBlockNumber()).toBe(sentBlock + 11);
    await s.poll();
    expect(store.ethIntents.byDedupeKey(key)).toHaveLength(1); // 11 < 12: not yet

    await mineOne(); // head = sent + 12
    await s.poll();
    const versions = store.ethIntents.byDedupeKey(key);
    expect(versions).toHaveLength(2);
    const replacement = versions[1]!;
    expect(replacement).toMatchObject({ status: "sent", replacesId: original.id, nonce: original.nonce, sentBlock: sentBlock + 12 });
    expect(replacement.txHash).not.toBe(original.txHash);
    expect(replacement.maxPriorityFeePerGas).toBe((original.maxPriorityFeePerGas! * 9n + 7n) / 8n);
    expect(replacement.maxFeePerGas! >= (original.maxFeePerGas! * 9n + 7n) / 8n).toBe(true);
    // The replacement pays at least the current fee data, so it is includable now.
    const fee = await provider.getFeeData();
    expect(replacement.maxFeePerGas! >= fee.maxFeePerGas!).toBe(true);
    expect(Transaction.from(hexlify(replacement.signedRaw!)).gasLimit).toBe(Transaction.from(hexlify(original.signedRaw!)).gasLimit);

    const block = await mineOne();
    await s.poll();
    expect(s.get(key)).toMatchObject({ id: replacement.id, status: "mined", minedBlock: block });
    expect(store.ethIntents.get(original.id)!.status).toBe("superseded");
    expect(await provider.getTransactionReceipt(original.txHash!)).toBeNull();
    expect(await operatorNonce()).toBe(original.nonce! + 1);
    expect(await isMaintainer(m)).toBe(true);
  });

  it("restart: a new sender over the same database file sends a `prepared` intent's stored raw bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wcoord-intents-restart-"));
    dirs.push(dir);
    const proxy = await startRpcProxy(node.url);
    proxies.push(proxy);
    proxy.setFault("eth_sendRawTransaction", { kind: "fail", error: { code: -32603, message: "connection reset by peer" } });
    const m = Wallet.createRandom().address;
    const key = `maintainer:${m}`;
    let store = newStore(dir);
    const before = await operatorNonce("pending");
    const row = await sender(store, newChain(proxy.url)).submit(grantMaintainer(m));
    expect(row.status).toBe("prepared");
    expect(proxy.seen.get("eth_sendRawTransaction")).toBe(1);
    expect(await provider.getTransaction(row.txHash!)).toBeNull();
    store.close();

    store = newStore(dir);
    const again = sender(store); // no submit in this process: the look-up alone finishes it
    // Boot step 5 watches before acting: nothing is sent yet.
    await again.poll({ lookUpOnly: true });
    expect(store.ethIntents.get(row.id)!.status).toBe("prepared");
    expect(await provider.getTransaction(row.txHash!)).toBeNull();
    await again.poll();
    expect(store.ethIntents.get(row.id)).toMatchObject({ status: "sent", txHash: row.txHash, nonce: before });
    await again.poll();
    expect(again.get(key)).toMatchObject({ id: row.id, status: "mined", txHash: row.txHash });
    expect(await operatorNonce()).toBe(before + 1);
    expect(await isMaintainer(m)).toBe(true);
  });

  it("watch(): look-ups run on every new head until stopped", async () => {
    const store = newStore();
    const chain = new EthersChain({}, { rpcUrl: node.url, chainId: 31337n, callTimeoutMs: 5000, pollIntervalMs: 50 });
    chains.push(chain);
    await chain.start();
    const s = sender(store, chain);
    const stop = s.watch();
    const m = Wallet.createRandom().address;
    await automine(false);
    const row = await s.submit(grantMaintainer(m));
    await mineOne();
    const deadline = Date.now() + 10_000;
    while (s.get(`maintainer:${m}`)!.status !== "mined" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.get(`maintainer:${m}`)).toMatchObject({ id: row.id, status: "mined" });
    stop();
    await chain.stop();
  });

  it("nonce taken by another transaction: fresh intent with a new nonce if the goal is not reached, superseded if it is", async () => {
    const store = newStore();
    const s = sender(store);
    const m1 = Wallet.createRandom().address;
    const m2 = Wallet.createRandom().address;
    const live = operator.connect(provider);
    await automine(false);

    // 1. Another transaction (a plain transfer) takes the nonce: the goal is still open.
    const a = await s.submit(grantMaintainer(m1));
    await provider.send("hardhat_dropTransaction", [a.txHash]);
    await live.sendTransaction({ to: operator.address, value: 1n, nonce: a.nonce!, type: 2 });
    await mineOne();
    await s.poll();
    const versions = store.ethIntents.byDedupeKey(`maintainer:${m1}`);
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({ id: a.id, status: "superseded" });
    expect(versions[0]!.revertReason).toMatch(/used by another transaction/);
    const fresh = versions[1]!;
    expect(fresh).toMatchObject({ status: "sent", replacesId: a.id, nonce: a.nonce! + 1 });
    await mineOne();
    await s.poll();
    expect(s.get(`maintainer:${m1}`)).toMatchObject({ id: fresh.id, status: "mined" });
    expect(await isMaintainer(m1)).toBe(true);

    // 2. The other transaction itself reached the goal: superseded, no fresh intent, no nonce spent.
    const b = await s.submit(grantMaintainer(m2));
    await provider.send("hardhat_dropTransaction", [b.txHash]);
    await live.sendTransaction({ to: bridgeAddress, data: grantMaintainer(m2).data, nonce: b.nonce!, type: 2, gasLimit: 200_000n });
    await mineOne();
    const used = await operatorNonce("pending");
    await s.poll();
    expect(store.ethIntents.byDedupeKey(`maintainer:${m2}`)).toHaveLength(1);
    expect(s.get(`maintainer:${m2}`)).toMatchObject({ id: b.id, status: "superseded" });
    expect(s.get(`maintainer:${m2}`)!.revertReason).toMatch(/goal reached/);
    expect(await operatorNonce("pending")).toBe(used);
    expect(store.ethIntents.active()).toEqual([]);
  });
});
