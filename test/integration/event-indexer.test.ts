// EventIndexer against the real Bridge on a `hardhat node` (coordination.md §13.2, reliability.md R5).
// The chain is shared by the tests in file order; the reorg tests come last because they revert it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, type Contract, type JsonRpcSigner } from "ethers";
import { bridgeInterface } from "../../src/chain/abi.js";
import type { EthereumChain, LogFilter } from "../../src/chain/ethereum-chain.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { EventIndexer, type EventIndexerInit } from "../../src/chain/event-indexer.js";
import { runDbCommand } from "../../src/store/db-command.js";
import { CURSOR } from "../../src/store/repos/cursors-repo.js";
import { Store } from "../../src/store/store.js";
import { fromHex, to0x } from "../../src/util/hex.js";
import {
  DAY,
  ZERO_ADDRESS,
  buildDepositScript,
  depositKey,
  fundingTxHash,
  locktimeLE,
  p2shOutputScript,
  p2wshOutputScript,
  randomHex,
  redemptionKey,
  singleInputVector,
  txOutput,
  vector,
  type BitcoinTxInfo,
} from "../contracts/helpers/bitcoin-fixtures.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { startRpcProxy, type RpcProxy } from "../fakes/rpc-proxy.js";
import { deployBridge, mine, sendBridge, walletKey, type WalletKey } from "../fixtures/indexer-bridge.js";
import { spyChain } from "../fakes/spy-chain.js";

const INDEXED = [
  "NewWalletRegistered",
  "WalletMovingFunds",
  "WalletClosing",
  "WalletClosed",
  "WalletTerminated",
  "DepositRevealed",
  "DepositsSwept",
  "RedemptionRequested",
  "RedemptionsCompleted",
  "MovingFundsCommitmentSubmitted",
  "MovingFundsCompleted",
  "MovedFundsSwept",
  "WalletOperatorsSet",
];
const INDEXED_TOPICS = new Map(INDEXED.map((n) => [bridgeInterface.getEvent(n)!.topicHash, n]));
// Small chunks so chunking is exercised without mining thousands of blocks.
const SMALL: Pick<EventIndexerInit, "chunkBlocks" | "minChunkBlocks" | "retryBaseMs"> = { chunkBlocks: 10, minChunkBlocks: 2, retryBaseMs: 20 };

let node: HardhatNode;
let proxy: RpcProxy;
let provider: JsonRpcProvider;
let bridge: Contract;
let bridgeAddress: string;
let deployBlock: number;
let gov: JsonRpcSigner;
let maintainer: JsonRpcSigner;
let requester: JsonRpcSigner;
let depositor: JsonRpcSigner;
let member2: JsonRpcSigner;
/** Head after the scenario; every scenario event is at or below head − 40. */
let head: number;
const chains: EthereumChain[] = [];
const stores: Store[] = [];
const dirs: string[] = [];

const [w1, w2, w3, w4] = [1, 2, 3, 4].map(walletKey);

interface Funding {
  tx: BitcoinTxInfo;
  reveal: { fundingOutputIndex: number; blindingFactor: string; walletPubKeyHash: string; refundPubKeyHash: string; refundLocktime: string; vault: string };
  txHash: string;
  key: string;
  amount: bigint;
  block: number;
}
let d1: Funding;
let d2: Funding;
let redemption: { script: string; key: string; block: number; amount: bigint };
const btc = { sweep: randomHex(32), redemption: randomHex(32), movingFunds: randomHex(32), movedSweep: randomHex(32) };

async function reveal(wallet: WalletKey, amount: bigint, p2sh: boolean): Promise<Funding> {
  const now = (await provider.getBlock("latest"))!.timestamp;
  const blindingFactor = randomHex(8);
  const refundPubKeyHash = randomHex(20);
  const refundLocktime = locktimeLE(now + 30 * DAY);
  const script = buildDepositScript({ depositor: await depositor.getAddress(), blindingFactor, walletPubKeyHash: wallet.pkh, refundPubKeyHash, refundLocktime });
  const out = txOutput(amount, p2sh ? p2shOutputScript(script) : p2wshOutputScript(script));
  // The deposit is output 1 after an unrelated output, so the index in the key is not trivially 0.
  const other = txOutput(5000n, fromHex("160014" + "22".repeat(20)));
  const tx: BitcoinTxInfo = { version: "0x01000000", inputVector: singleInputVector(), outputVector: to0x(vector([other, out])), locktime: "0x00000000" };
  const r = { fundingOutputIndex: 1, blindingFactor, walletPubKeyHash: wallet.pkh, refundPubKeyHash, refundLocktime, vault: ZERO_ADDRESS };
  const receipt = await sendBridge(bridge, depositor, "revealDeposit", tx, r);
  const txHash = fundingTxHash(tx);
  return { tx, reveal: r, txHash, key: depositKey(txHash, 1), amount, block: receipt.blockNumber };
}

function newStore(persistent = false): Store {
  if (!persistent) {
    const s = Store.openMemory();
    stores.push(s);
    return s;
  }
  const dir = mkdtempSync(join(tmpdir(), "wcoord-indexer-"));
  dirs.push(dir);
  return Store.open(dir);
}

function newChain(url = node.url): EthersChain {
  const c = new EthersChain({}, { rpcUrl: url, chainId: 31337n, callTimeoutMs: 5000, pollIntervalMs: 50 });
  chains.push(c);
  return c;
}

function indexer(store: Store, chain: EthereumChain, init: Partial<EventIndexerInit> = {}): EventIndexer {
  return new EventIndexer({ chain, store }, { bridgeAddress, deployBlock, ...SMALL, ...init });
}

function dump(store: Store) {
  return {
    wallets: store.evWallets.list(),
    deposits: store.evDeposits.list(),
    redemptions: store.evRedemptions.list(),
    movingFunds: store.evMovingFunds.list(),
  };
}

const pos = (block: number, tx: string, logIndex: number, event: string) => `${String(block).padStart(8, "0")}:${tx}:${logIndex}:${event}`;

/** "block:txHash:logIndex:event" of every indexed row, in chain order. */
function positions(store: Store): string[] {
  const d = dump(store);
  return [
    ...d.wallets.map((r) => pos(r.blockNumber, r.txHash, r.logIndex, r.event)),
    ...d.deposits.map((r) => pos(r.blockNumber, r.txHash, r.logIndex, "DepositRevealed")),
    ...d.redemptions.map((r) => pos(r.blockNumber, r.txHash, r.logIndex, "RedemptionRequested")),
    ...d.movingFunds.map((r) => pos(r.blockNumber, r.txHash, r.logIndex, r.event)),
  ].sort();
}

/** The same, straight from eth_getLogs over [deployBlock, to]. */
async function chainPositions(to: number): Promise<string[]> {
  const logs = (await provider.send("eth_getLogs", [{ address: bridgeAddress, fromBlock: "0x" + deployBlock.toString(16), toBlock: "0x" + to.toString(16) }])) as {
    blockNumber: string;
    transactionHash: string;
    logIndex: string;
    topics: string[];
  }[];
  return logs
    .filter((l) => INDEXED_TOPICS.has(l.topics[0]!))
    .map((l) => pos(Number(l.blockNumber), l.transactionHash.toLowerCase(), Number(l.logIndex), INDEXED_TOPICS.get(l.topics[0]!)!))
    .sort();
}

async function blockHash(n: number): Promise<string> {
  return (await provider.getBlock(n))!.hash!.toLowerCase();
}


async function waitFor(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  node = await startHardhatNode();
  proxy = await startRpcProxy(node.url);
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const d = await deployBridge(provider);
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = d);
  [maintainer, requester, depositor, member2] = await Promise.all([1, 2, 3, 4].map((i) => provider.getSigner(i)));

  // Not indexed: role events.
  await sendBridge(bridge, gov, "setMaintainerStatus", await maintainer.getAddress(), true);
  await sendBridge(bridge, gov, "setRedemptionRequesterStatus", await requester.getAddress(), true);
  await sendBridge(bridge, gov, "registerWallet", w1.x, w1.y, [await gov.getAddress(), await member2.getAddress()]);
  for (const w of [w2, w3, w4]) await sendBridge(bridge, gov, "registerWallet", w.x, w.y, [await member2.getAddress()]);
  await mine(provider, 7);
  d1 = await reveal(w1, 10_000_000n, false);
  d2 = await reveal(w1, 20_000_000n, true);
  const sweepUtxo = { txHash: btc.sweep, txOutputIndex: 0, txOutputValue: 50_000_000n };
  await sendBridge(bridge, maintainer, "recordDepositSweep", w1.pkh, btc.sweep, [{ fundingTxHash: d1.txHash, fundingOutputIndex: 1 }], sweepUtxo);
  await mine(provider, 12);
  const script = "0x160014" + randomHex(20).slice(2);
  const rr = await sendBridge(bridge, requester, "requestRedemption", w1.pkh, sweepUtxo, script, 2_000_000n);
  redemption = { script, key: redemptionKey(script, w1.pkh), block: rr.blockNumber, amount: 2_000_000n };
  const mainUtxo = { txHash: btc.redemption, txOutputIndex: 0, txOutputValue: 47_000_000n };
  await sendBridge(bridge, maintainer, "recordRedemption", w1.pkh, btc.redemption, [script], mainUtxo);
  await sendBridge(bridge, gov, "beginMovingFunds", w1.pkh);
  await sendBridge(bridge, gov, "beginMovingFunds", w3.pkh); // no main UTXO: straight to Closing
  await sendBridge(bridge, gov, "terminateWallet", w4.pkh);
  await mine(provider, 5);
  await sendBridge(bridge, gov, "submitMovingFundsCommitment", w1.pkh, mainUtxo, 1, [w2.pkh]);
  await sendBridge(bridge, maintainer, "recordMovingFunds", w1.pkh, btc.movingFunds, [w2.pkh], [46_990_000n]);
  const moved = { txHash: btc.movedSweep, txOutputIndex: 0, txOutputValue: 46_980_000n };
  await sendBridge(bridge, maintainer, "recordMovedFundsSweep", w2.pkh, btc.movedSweep, btc.movingFunds, 0, moved);
  await provider.send("evm_increaseTime", [41 * DAY]);
  await sendBridge(bridge, gov, "finalizeWalletClosing", w1.pkh);
  head = await mine(provider, 40);
});

afterAll(async () => {
  for (const c of chains) await c.stop();
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  provider?.destroy();
  await proxy?.close();
  await node?.stop();
});

describe("EventIndexer on the real Bridge", () => {
  it("decodes every §13.2 event into the ev_* tables with keys matching the contract", async () => {
    const store = newStore();
    const ix = indexer(store, newChain());
    const res = await ix.syncTo(head);
    const target = head - 32;
    expect(ix.indexedTo()).toEqual({ height: target, hash: await blockHash(target) });
    expect(res.cursor).toEqual(ix.indexedTo());
    expect(res.chunks).toBe(Math.ceil((target - deployBlock + 1) / 10));
    // Exactly the indexed events, nothing else (the role events are not indexed).
    const expected = await chainPositions(target);
    expect(expected).toHaveLength(21);
    expect(positions(store)).toEqual(expected);
    expect(res.rows).toBe(21);

    // Deposits: all fields, and the computed key is the contract's storage key.
    const deps = store.evDeposits.list();
    expect(deps.map((r) => r.depositKey)).toEqual([d1.key, d2.key]);
    for (const [row, d] of [
      [deps[0]!, d1],
      [deps[1]!, d2],
    ] as const) {
      expect(row).toMatchObject({
        blockNumber: d.block,
        blockHash: await blockHash(d.block),
        fundingTxHash: d.txHash,
        fundingOutputIndex: 1,
        depositor: await depositor.getAddress(),
        amount: d.amount,
        blindingFactor: d.reveal.blindingFactor,
        walletPkh: w1.pkhKey,
        refundPkh: d.reveal.refundPubKeyHash,
        refundLocktime: d.reveal.refundLocktime,
        vault: ZERO_ADDRESS,
      });
      const onChain = (await bridge.getFunction("deposits")(row.depositKey)) as { revealedAt: bigint; amount: bigint };
      expect(onChain.revealedAt).toBeGreaterThan(0n);
      expect(onChain.amount).toBe(d.amount);
      expect(store.evDeposits.byFundingOutpoint(d.txHash, 1)?.depositKey).toBe(d.key);
    }

    // Redemption: the key is the contract's pendingRedemptions key (read at the request block).
    const [red] = store.evRedemptions.list();
    expect(red).toMatchObject({
      blockNumber: redemption.block,
      redemptionKey: redemption.key,
      walletPkh: w1.pkhKey,
      redeemerOutputScript: redemption.script,
      redeemer: await requester.getAddress(),
      requestedAmount: 2_000_000n,
      treasuryFee: 1000n,
      txMaxFee: 100_000n,
    });
    const pending = (await bridge.getFunction("pendingRedemptions")(red!.redemptionKey, { blockTag: redemption.block })) as { requestedAt: bigint; requestedAmount: bigint };
    expect(pending.requestedAt).toBeGreaterThan(0n);
    expect(pending.requestedAmount).toBe(2_000_000n);

    // Wallet lifecycle and operators.
    const wallets = store.evWallets.list();
    const lifecycle = wallets.filter((r) => r.event !== "WalletOperatorsSet").map((r) => [r.event, r.walletPkh, r.ecdsaWalletId]);
    expect(lifecycle).toEqual([
      ["NewWalletRegistered", w1.pkhKey, w1.ecdsaWalletID],
      ["NewWalletRegistered", w2.pkhKey, w2.ecdsaWalletID],
      ["NewWalletRegistered", w3.pkhKey, w3.ecdsaWalletID],
      ["NewWalletRegistered", w4.pkhKey, w4.ecdsaWalletID],
      ["WalletMovingFunds", w1.pkhKey, w1.ecdsaWalletID],
      ["WalletClosing", w3.pkhKey, w3.ecdsaWalletID],
      ["WalletTerminated", w4.pkhKey, w4.ecdsaWalletID],
      ["WalletClosing", w1.pkhKey, w1.ecdsaWalletID],
      ["WalletClosed", w1.pkhKey, w1.ecdsaWalletID],
    ]);
    expect(store.evWallets.latestOperators(w1.pkh)).toEqual([await gov.getAddress(), await member2.getAddress()]);
    expect(wallets.filter((r) => r.event === "WalletOperatorsSet").every((r) => r.ecdsaWalletId === null)).toBe(true);
    expect(store.evWallets.knownWallets()).toEqual([w1, w2, w3, w4].map((w) => w.pkhKey).sort());

    // Moving funds and the Bitcoin-outcome events.
    expect(store.evMovingFunds.list().map((r) => [r.event, r.walletPkh, r.btcTxHash, r.targetWallets, r.submitter])).toEqual([
      ["DepositsSwept", w1.pkhKey, btc.sweep, null, null],
      ["RedemptionsCompleted", w1.pkhKey, btc.redemption, null, null],
      ["MovingFundsCommitmentSubmitted", w1.pkhKey, null, [w2.pkhKey], await gov.getAddress()],
      ["MovingFundsCompleted", w1.pkhKey, btc.movingFunds, null, null],
      ["MovedFundsSwept", w2.pkhKey, btc.movedSweep, null, null],
    ]);
    expect(store.evMovingFunds.commitmentsTargeting(w2.pkh).map((c) => c.position)).toEqual([0]);

    // deposit_status: final observations offered to callers; the first one wins.
    expect(ix.markSwept(d1.key, d1.block + 3)).toBe(true);
    expect(ix.markUnsweepable(d1.key, d1.block + 4, "late")).toBe(false);
    expect(ix.markUnsweepable(d2.key, d2.block + 1, "script mismatch")).toBe(true);
    expect(ix.depositStatus(d1.key)).toEqual({ depositKey: d1.key, status: "swept", observedBlock: d1.block + 3, reason: null });
    expect(ix.depositStatus(d2.key)?.status).toBe("unsweepable");
    expect(store.evDeposits.sweepCandidates(w1.pkh)).toEqual([]);

    // Nothing new to do at the same head.
    expect((await ix.syncTo(head)).chunks).toBe(0);
  });

  it("respects the lag: nothing above head − lag is indexed and the cursor is exactly there", async () => {
    const store = newStore();
    // The redemption request is the first block above head − lag.
    const lagBlocks = head - redemption.block + 1;
    const ix = indexer(store, newChain(), { lagBlocks });
    await ix.syncTo(head);
    const target = redemption.block - 1;
    expect(ix.indexedTo()).toEqual({ height: target, hash: await blockHash(target) });
    expect(positions(store)).toEqual(await chainPositions(target));
    expect(store.evRedemptions.count()).toBe(0);
    expect(Math.max(...positions(store).map((p) => Number(p.split(":")[0])))).toBeLessThanOrEqual(target);
    // One more head, one more block: the request comes in.
    const res = await ix.syncTo(head + 1);
    expect(res.chunks).toBe(1);
    expect(ix.indexedTo()?.height).toBe(redemption.block);
    expect(store.evRedemptions.count()).toBe(1);
  });

  it("halves the chunk on 'range too large', retries transient errors, and fails at the minimum size", async () => {
    const store = newStore();
    const ix = indexer(store, newChain(proxy.url));
    const target = head - 32;
    const seen0 = proxy.seen.get("eth_getLogs") ?? 0;
    proxy.setFault("eth_getLogs", { kind: "fail", count: 2, error: { code: -32005, message: "query returned more than 10000 results" } });
    proxy.setFault("eth_getBlockByNumber", { kind: "fail", count: 3 }); // "header not found": transient
    const res = await ix.syncTo(head);
    // 10 → 5 → 2 blocks, then 2-block chunks over [deployBlock, target].
    const calls = (proxy.seen.get("eth_getLogs") ?? 0) - seen0;
    expect(calls).toBe(2 + Math.ceil((target - deployBlock + 1) / 2));
    expect(res.chunks).toBe(Math.ceil((target - deployBlock + 1) / 2));
    expect(ix.indexedTo()).toEqual({ height: target, hash: await blockHash(target) });
    expect(positions(store)).toEqual(await chainPositions(target));

    // At the minimum chunk size a refusal is an error; the cursor does not move.
    const store2 = newStore();
    const tiny = indexer(store2, newChain(proxy.url), { chunkBlocks: 2, minChunkBlocks: 2 });
    proxy.setFault("eth_getLogs", { kind: "fail", count: 1, error: { code: -32005, message: "query returned more than 10000 results" } });
    await expect(tiny.syncTo(head)).rejects.toMatchObject({ name: "RpcError", code: "RANGE_TOO_LARGE" });
    expect(tiny.indexedTo()).toBeUndefined();
    proxy.setFault("eth_getLogs", null);

    // A transient error is retried only until the signal aborts.
    proxy.setFault("eth_getLogs", { kind: "fail" });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("deadline")), 300);
    await expect(tiny.syncTo(head, { signal: ac.signal })).rejects.toThrow("deadline");
    expect(tiny.indexedTo()).toBeUndefined();
    proxy.setFault("eth_getLogs", null);
  });

  it("replaying indexed ranges is idempotent", async () => {
    const store = newStore();
    const ix = indexer(store, newChain());
    await ix.syncTo(head);
    const before = dump(store);
    // Move the cursor back (as after a crash before the cursor write) and index again.
    store.cursors.set(CURSOR.ethEvents, { height: d1.block - 1, hash: await blockHash(d1.block - 1) });
    const res = await ix.syncTo(head);
    expect(res.rows).toBeGreaterThan(10);
    expect(dump(store)).toEqual(before);
    store.cursors.delete(CURSOR.ethEvents);
    await ix.syncTo(head);
    expect(dump(store)).toEqual(before);
    expect(positions(store)).toEqual(await chainPositions(head - 32));
  });

  it("a restart resumes from the persisted cursor with no duplicates", async () => {
    let store = newStore(true);
    const dir = dirname(store.file);
    const firstFilters: LogFilter[] = [];
    await indexer(store, spyChain(newChain(), firstFilters)).syncTo(redemption.block + 32);
    const cursor = store.cursors.get(CURSOR.ethEvents)!;
    expect(cursor.height).toBe(redemption.block);
    const partial = positions(store);
    store.close();

    store = Store.open(dir);
    const filters: LogFilter[] = [];
    const ix = indexer(store, spyChain(newChain(), filters));
    expect(ix.indexedTo()).toEqual({ height: cursor.height, hash: cursor.hash });
    await ix.syncTo(head);
    expect(filters[0]!.fromBlock).toBe(cursor.height + 1);
    // Every block is fetched exactly once across both runs.
    const covered = [...firstFilters, ...filters].flatMap((f) => Array.from({ length: f.toBlock - f.fromBlock + 1 }, (_, i) => f.fromBlock + i));
    expect(covered).toEqual(Array.from({ length: head - 32 - deployBlock + 1 }, (_, i) => deployBlock + i));
    const all = positions(store);
    expect(all).toEqual(await chainPositions(head - 32));
    expect(all.slice(0, partial.length)).toEqual(partial);
    store.close();
  });

  it("wcoord db reindex forgets the index (not while the node holds the lock); the next run rebuilds the same rows", async () => {
    let store = newStore(true);
    const dir = dirname(store.file);
    await indexer(store, newChain()).syncTo(head);
    const before = dump(store);
    expect(store.depositStatus.mark(d1.key, "swept", d1.block + 3)).toBe(true);
    store.windows.claim("11".repeat(20), 900);
    const out: string[] = [];
    const err: string[] = [];
    const sink = (a: string[]) => ({ write: (t: string) => a.push(t) });
    // A running node holds the data-dir lock: refused, exit code 2, nothing touched.
    expect(await runDbCommand(["reindex", "--data-dir", dir], sink(out), sink(err))).toBe(2);
    expect(err.join("")).toMatch(/wcoord db reindex: data directory in use by pid \d+/);
    expect(dump(store)).toEqual(before);
    store.close();

    expect(await runDbCommand(["reindex", "--data-dir", dir], sink(out), sink(err))).toBe(0);
    expect(out.join("")).toMatch(/event index cleared \(\d+ rows\)/);
    store = Store.open(dir);
    expect(dump(store)).toEqual({ wallets: [], deposits: [], redemptions: [], movingFunds: [] });
    expect(store.depositStatus.get(d1.key)).toBeUndefined();
    expect(store.cursors.get(CURSOR.ethEvents)).toBeUndefined();
    // Only the rebuildable part is gone.
    expect(store.windows.get("11".repeat(20), 900)).toBeDefined();
    await indexer(store, newChain()).syncTo(head);
    expect(dump(store)).toEqual(before);
    // deposit_status is a cache of pinned reads: the proposal tasks observe it again when they next look.
    expect(store.depositStatus.get(d1.key)).toBeUndefined();
    store.close();
    expect(await runDbCommand(["reindex", "--data-dir", join(dir, "missing")], sink(out), sink(err))).toBe(1);
    expect(err.join("")).toContain("no database at");
  });

  it("start() catches up and then follows new heads", async () => {
    const store = newStore();
    const chain = newChain();
    await chain.start();
    const ix = indexer(store, chain, { lagBlocks: 5 });
    await ix.start();
    const h0 = await provider.getBlockNumber();
    expect(ix.indexedTo()?.height).toBeGreaterThanOrEqual(h0 - 5);
    const w5 = walletKey(5);
    const reg = await sendBridge(bridge, gov, "registerWallet", w5.x, w5.y, [await gov.getAddress()]);
    expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: w5.pkh })).toEqual([]);
    const h1 = await mine(provider, 5);
    await waitFor(() => (ix.indexedTo()?.height ?? 0) >= h1 - 5);
    expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: w5.pkh }).map((r) => r.blockNumber)).toEqual([reg.blockNumber]);
    await ix.stop();
    await ix.stop(); // idempotent
    const at = ix.indexedTo()!.height;
    await mine(provider, 5);
    await new Promise((r) => setTimeout(r, 300));
    expect(ix.indexedTo()!.height).toBe(at);
    await chain.stop();
  });

  it("reorg at startup: the guard sees the cursor hash change, rewinds 128, drops orphaned rows and re-indexes", async () => {
    const store = newStore();
    const before = await indexer(store, newChain()).syncTo(await provider.getBlockNumber() + 32);
    const h0 = await provider.getBlockNumber();
    expect(before.cursor?.height).toBe(h0);
    const snapshot = (await provider.send("evm_snapshot", [])) as string;

    // Branch A: a wallet and a deposit, then enough blocks to index past them.
    const wA = walletKey(10);
    const regA = await sendBridge(bridge, gov, "registerWallet", wA.x, wA.y, [await gov.getAddress()]);
    const dA = await reveal(w2, 3_000_000n, false);
    const h1 = await mine(provider, 150);
    const ix1 = indexer(store, newChain());
    await ix1.syncTo(h1);
    const c = ix1.indexedTo()!;
    expect(c.height).toBe(h1 - 32);
    expect(store.evDeposits.byKey(dA.key)).toHaveLength(1);
    expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: wA.pkh })).toHaveLength(1);
    // deposit_status observations on the abandoned branch go with it; older ones stay.
    expect(ix1.markSwept(dA.key, dA.block)).toBe(true);
    expect(ix1.markSwept(d2.key, d2.block)).toBe(true);
    const keptRows = dump(store);

    // Branch B replaces everything above h0 with other blocks and events.
    expect(await provider.send("evm_revert", [snapshot])).toBe(true);
    const wB = walletKey(11);
    const regB = await sendBridge(bridge, gov, "registerWallet", wB.x, wB.y, [await gov.getAddress()]);
    expect(regB.blockNumber).toBe(regA.blockNumber);
    const h2 = await mine(provider, 170);
    expect(await blockHash(c.height)).not.toBe(c.hash);

    const chain = newChain();
    await chain.start();
    const ix2 = indexer(store, chain);
    const rewound = await ix2.checkReorg();
    // 128 below the old cursor, which is under the fork point (h0): everything above it is gone.
    expect(rewound).toMatchObject({ from: c.height, to: c.height - 128 });
    expect(c.height - 128).toBeLessThan(h0);
    expect(ix2.indexedTo()).toEqual({ height: c.height - 128, hash: await blockHash(c.height - 128) });
    expect(Math.max(...positions(store).map((p) => Number(p.split(":")[0])))).toBeLessThanOrEqual(c.height - 128);
    expect(store.depositStatus.get(dA.key)).toBeUndefined();
    expect(store.depositStatus.get(d2.key)?.status).toBe("swept");
    expect(await ix2.checkReorg()).toBeUndefined();

    // start(): guard (clean now) and catch-up on branch B.
    await ix2.start();
    expect(ix2.indexedTo()).toEqual({ height: h2 - 32, hash: await blockHash(h2 - 32) });
    expect(store.evDeposits.byKey(dA.key)).toEqual([]);
    expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: wA.pkh })).toEqual([]);
    expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: wB.pkh }).map((r) => r.blockHash)).toEqual([await blockHash(regB.blockNumber)]);
    expect(positions(store)).toEqual(await chainPositions(h2 - 32));
    // Rows at or below the fork point are unchanged.
    const upTo = (d: ReturnType<typeof dump>, h: number) =>
      Object.fromEntries(Object.entries(d).map(([k, rows]) => [k, (rows as { blockNumber: number }[]).filter((r) => r.blockNumber <= h)]));
    expect(upTo(dump(store), h0)).toEqual(upTo(keptRows, h0));
    await ix2.stop();
    await chain.stop();
  });

  it("a reorg found while syncing, deeper than rewindBlocks, rewinds until no orphaned row remains", async () => {
    const base = await provider.getBlockNumber();
    // Store P checks the cursor before every chunk (periodic guard); store Q relies on the
    // chunk-to-cursor parent check, with the default period of 100 chunks.
    const [sp, sq] = [newStore(), newStore()];
    const init = { lagBlocks: 4, rewindBlocks: 8 };
    const ixP = indexer(sp, newChain(), { ...init, reorgCheckEveryChunks: 1 });
    const ixQ = indexer(sq, newChain(), init);
    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    const wC = walletKey(20);
    await sendBridge(bridge, gov, "registerWallet", wC.x, wC.y, [await gov.getAddress()]);
    const hC = await mine(provider, 60);
    for (const ix of [ixP, ixQ]) await ix.syncTo(hC);
    const cC = ixP.indexedTo()!;
    expect(cC.height).toBe(hC - 4);
    expect(sp.evWallets.byEvent("NewWalletRegistered", { wallet: wC.pkh })).toHaveLength(1);

    expect(await provider.send("evm_revert", [snapshot])).toBe(true);
    const wD = walletKey(21);
    await sendBridge(bridge, gov, "registerWallet", wD.x, wD.y, [await gov.getAddress()]);
    const hD = await mine(provider, 70);

    for (const [ix, store] of [
      [ixP, sp],
      [ixQ, sq],
    ] as const) {
      const res = await ix.syncTo(hD);
      expect(res.rewinds).toHaveLength(1);
      const r = res.rewinds[0]!;
      expect(r.from).toBe(cC.height);
      // Rewound in steps of 8 until below the fork point (base + 1), not further.
      expect((cC.height - r.to) % 8).toBe(0);
      expect(r.to).toBeLessThanOrEqual(base);
      expect(r.to).toBeGreaterThan(base - 8);
      expect(r.deletedRows).toBe(2);
      expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: wC.pkh })).toEqual([]);
      expect(store.evWallets.byEvent("NewWalletRegistered", { wallet: wD.pkh })).toHaveLength(1);
      expect(ix.indexedTo()).toEqual({ height: hD - 4, hash: await blockHash(hD - 4) });
      expect(positions(store)).toEqual(await chainPositions(hD - 4));
    }
  });
});
