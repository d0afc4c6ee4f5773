// FROST wallets in the event index and the wallet registry (threshold.md §2, §3.1, §4.2) against the
// real Bridge and FrostWalletRegistry on a `hardhat node`: Taproot reveals with their refundX, the DKG
// requests (accepted, timed out), the reorg rewind, the registry switch, and the wallets' schemes.
// The chain is shared by the tests in file order; the reorg test comes last because it reverts it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, getAddress, keccak256, toBeHex, toUtf8Bytes, type Contract, type JsonRpcSigner } from "ethers";
import { schnorr } from "@noble/curves/secp256k1.js";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { taprootDepositRevealArgs } from "../../deploy/dev-fixtures.js";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import type { EthereumChain, LogFilter } from "../../src/chain/ethereum-chain.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { EventIndexer, type EventIndexerInit } from "../../src/chain/event-indexer.js";
import { WalletRegistry } from "../../src/chain/wallet-registry.js";
import { WalletState } from "../../src/protocol/constants.js";
import { Store } from "../../src/store/store.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import { DAY } from "../contracts/helpers/bitcoin-fixtures.js";
import { dkgDigest, signDigest } from "../contracts/helpers/frost-fixture.js";
import { xOnlyPubKeyHash } from "../contracts/helpers/taproot-fixtures.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { deployBridge, mine, sendBridge, walletKey } from "../fixtures/indexer-bridge.js";
import { spyChain } from "../fakes/spy-chain.js";

const DKG_TIMEOUT_BLOCKS = 40;
const SMALL: Pick<EventIndexerInit, "chunkBlocks" | "minChunkBlocks" | "retryBaseMs"> = { chunkBlocks: 10, minChunkBlocks: 2, retryBaseMs: 20 };

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let registry: Contract;
let bridgeAddress: string;
let registryAddress: string;
let deployBlock: number;
let gov: JsonRpcSigner;
let depositor: JsonRpcSigner;
let members: Wallet[];
const chains: EthereumChain[] = [];
const stores: Store[] = [];

const ecdsa = walletKey(1);

interface Request {
  requestId: bigint;
  seed: string;
  deadline: number;
  block: number;
}
interface TaprootReveal {
  walletPkh: string;
  fundingTxHash: string;
  refundX: string;
  block: number;
  txHash: string;
}
let req1: Request;
let req2: Request;
let frostX: string;
let tap: TaprootReveal;
let head: number;

function newChain(): EthersChain {
  const c = new EthersChain({}, { rpcUrl: node.url, chainId: 31337n, callTimeoutMs: 5000, pollIntervalMs: 50 });
  chains.push(c);
  return c;
}

function newStore(): Store {
  const s = Store.openMemory();
  stores.push(s);
  return s;
}

function indexer(store: Store, chain: EthereumChain, init: Partial<EventIndexerInit> = {}): EventIndexer {
  return new EventIndexer({ chain, store }, { bridgeAddress, frostWalletRegistryAddress: registryAddress, deployBlock, ...SMALL, ...init });
}


async function request(from: Wallet[], threshold: number, dkgQuorum: number): Promise<Request> {
  const receipt = await sendBridge(registry, gov, "requestNewWallet", from.map((m) => m.address), threshold, dkgQuorum);
  const ev = receipt.logs.map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
  return { requestId: ev.args.requestId as bigint, seed: ev.args.seed as string, deadline: Number(ev.args.deadline), block: receipt.blockNumber };
}

/** A result for `r` signed by every member, submitted by the first: the wallet `walletX` is registered. */
async function accept(r: Request, walletX: string): Promise<number> {
  const digest = dkgDigest({ chainId: 31337n, registry: registryAddress, bridge: bridgeAddress, requestId: r.requestId, seed: r.seed, walletX, members: members.map((m) => m.address), excluded: [] });
  const result = { requestId: r.requestId, walletX, excluded: [], signerIndices: members.map((_, i) => i + 1), signatures: signDigest(members, digest) };
  const tx = await (registry.connect(members[0]) as Contract).getFunction("submitDkgResult")(result);
  return (await tx.wait())!.blockNumber;
}

async function revealTaproot(walletX: string, nonce: number): Promise<TaprootReveal> {
  const now = (await provider.getBlock("latest"))!.timestamp;
  const { fundingTx, reveal, deposit } = await taprootDepositRevealArgs(depositor, fromHex(walletX), 10_000_000n, now + 30 * DAY, nonce);
  const receipt = await sendBridge(bridge, depositor, "revealTaprootDeposit", fundingTx, reveal);
  return {
    walletPkh: toHex(deposit.extraInfo.walletPubKeyHash),
    fundingTxHash: to0x(deposit.key.fundingTxHash),
    refundX: to0x(deposit.extraInfo.refundX),
    block: receipt.blockNumber,
    txHash: receipt.hash.toLowerCase(),
  };
}

const xKey = (tag: string): string => to0x(schnorr.getPublicKey(fromHex(keccak256(toUtf8Bytes(tag)))));

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const d = await deployBridge(provider);
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = d);
  depositor = await provider.getSigner(3);
  const reg = await deployArtifact(readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"), gov, [bridgeAddress, DKG_TIMEOUT_BLOCKS]);
  registry = reg.contract;
  registryAddress = getAddress(reg.address);
  await sendBridge(bridge, gov, "setFrostWalletRegistry", registryAddress);
  members = [0, 1, 2].map((i) => new Wallet(keccak256(toUtf8Bytes(`frost-index-member-${i}`)), provider));
  members.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const m of members) await provider.send("hardhat_setBalance", [m.address, toBeHex(10n ** 20n)]);

  await sendBridge(bridge, gov, "registerWallet", ecdsa.x, ecdsa.y, [await gov.getAddress()]);
  req1 = await request(members, 2, 3);
  frostX = xKey("frost-index-wallet-1");
  await accept(req1, frostX);
  req2 = await request(members, 2, 2);
  await mine(provider, 3);
  tap = await revealTaproot(frostX, 1);
  await mine(provider, DKG_TIMEOUT_BLOCKS);
  await sendBridge(registry, gov, "notifyDkgTimeout", req2.requestId);
  head = await mine(provider, 40);
});

afterAll(async () => {
  for (const c of chains) await c.stop();
  for (const s of stores) s.close();
  provider?.destroy();
  await node?.stop();
});

describe("FROST wallets in the event index", () => {
  it("indexes the Taproot reveal with its refundX and the DKG requests, one eth_getLogs per chunk over both contracts", async () => {
    const store = newStore();
    const filters: LogFilter[] = [];
    const ix = indexer(store, spyChain(newChain(), filters));
    const res = await ix.syncTo(head);
    expect(res.chunks).toBe(Math.ceil((head - 32 - deployBlock + 1) / 10));
    expect(filters).toHaveLength(res.chunks);
    for (const f of filters) expect(f.address).toEqual([bridgeAddress, registryAddress]);

    // The deposit row of the Taproot reveal carries the refund key; its refund PKH is HASH160(0x02 ‖ refundX).
    const [row] = store.evDeposits.byWallet(tap.walletPkh);
    expect(store.evDeposits.byWallet(tap.walletPkh)).toHaveLength(1);
    expect(row).toMatchObject({ txHash: tap.txHash, blockNumber: tap.block, fundingTxHash: tap.fundingTxHash, fundingOutputIndex: 0, refundX: tap.refundX });
    expect(row!.refundPkh).toBe(xOnlyPubKeyHash(tap.refundX));
    expect(tap.walletPkh).toBe(xOnlyPubKeyHash(frostX).slice(2));

    // DkgRequested → accepted with walletX and the PKH; the second request timed out.
    const onChain = (await registry.getFunction("getDkgRequest")(req1.requestId)) as { members: string[]; threshold: bigint; dkgQuorum: bigint };
    const one = store.evDkgRequests.request(req1.requestId)!;
    expect(one).toMatchObject({
      requestId: req1.requestId,
      seed: req1.seed,
      members: onChain.members.map((a) => getAddress(a)),
      threshold: 2,
      dkgQuorum: 3,
      deadline: req1.deadline,
      status: "accepted",
      walletX: frostX,
      walletPkh: tap.walletPkh,
    });
    expect(one.members).toEqual(members.map((m) => m.address));
    expect(one.requestedAt.blockNumber).toBe(req1.block);
    const two = store.evDkgRequests.request(req2.requestId)!;
    expect([two.status, two.dkgQuorum, two.walletX, two.walletPkh]).toEqual(["timed_out", 2, null, null]);
    expect(two.settledAt!.blockNumber).toBeGreaterThan(req2.deadline);
    expect(store.evDkgRequests.requests({ member: members[1]!.address }).map((r) => r.requestId)).toEqual([req1.requestId, req2.requestId]);
    expect(store.evDkgRequests.byWalletPkh(tap.walletPkh)?.requestId).toBe(req1.requestId);
    // The Bridge's own wallet event for the FROST wallet is indexed as for any wallet.
    expect(store.evWallets.knownWallets()).toEqual([ecdsa.pkhKey, tap.walletPkh].sort());
    expect(store.evWallets.latestOperators(tap.walletPkh)).toEqual(members.map((m) => m.address));
  });

  it("without a registry address the DKG events are left out; configuring one rebuilds the index with them", async () => {
    const store = newStore();
    const filters: LogFilter[] = [];
    await indexer(store, spyChain(newChain(), filters), { frostWalletRegistryAddress: undefined }).syncTo(head);
    expect(filters.every((f) => f.address === bridgeAddress)).toBe(true);
    expect(store.evDkgRequests.count()).toBe(0);
    expect(store.evDeposits.byWallet(tap.walletPkh)[0]?.refundX).toBe(tap.refundX);
    const wallets = store.evWallets.count();

    const ix = indexer(store, newChain());
    const res = await ix.syncTo(head);
    // Cleared and rebuilt from the deploy block, now with the registry's events.
    expect(res.chunks).toBe(Math.ceil((head - 32 - deployBlock + 1) / 10));
    expect(store.evDkgRequests.requests().map((r) => r.status)).toEqual(["accepted", "timed_out"]);
    expect(store.evWallets.count()).toBe(wallets);
    // Same registry again: nothing to redo.
    expect((await indexer(store, newChain()).syncTo(head)).chunks).toBe(0);
  });

  it("the wallet registry reports FROST with threshold and walletX for the FROST wallet, ECDSA for the others", async () => {
    const chain = newChain();
    const store = newStore();
    const ix = indexer(store, chain);
    const views: string[] = [];
    const bridgeClient = new BridgeClient({ caller: chain }, { address: bridgeAddress });
    for (const m of ["walletScheme", "walletPublicKey"] as const) {
      const read = (bridgeClient[m] as (...a: unknown[]) => Promise<unknown>).bind(bridgeClient);
      (bridgeClient as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (views.push(m), read(...a));
    }
    const wr = new WalletRegistry({ chain, store, indexer: ix, bridge: bridgeClient });
    const frostPkh = fromHex(tap.walletPkh);
    const at = await provider.getBlockNumber();

    const frost = await wr.schemeAt(frostPkh, at);
    expect(frost).toEqual({ scheme: "frost", threshold: 2, walletX: fromHex(frostX) });
    expect(await wr.schemeAt(fromHex(ecdsa.pkhKey), at)).toEqual({ scheme: "ecdsa" });
    expect(await wr.schemeAt(fromHex("00".repeat(20)), at)).toBeUndefined();
    expect(views).toHaveLength(6);
    // Cached: a scheme never changes once the wallet exists.
    expect(await wr.schemeAt(frostPkh, at)).toEqual(frost);
    expect(views).toHaveLength(6);
    expect(toHex((await bridgeClient.walletPublicKey(frostPkh, { blockNumber: at, blockHash: (await provider.getBlock(at))!.hash! })).slice(0, 32))).toBe(frostX.slice(2));

    // Participation at W−32 carries the scheme (mined as the end of a range: see wallet-registry.test.ts).
    const W = Math.ceil((at + 40) / 900) * 900;
    await mine(provider, W - 32 - at);
    const [p] = await wr.participation(W, members[1]!.address);
    expect(p).toMatchObject({ walletPkh: frostPkh, ownSeats: [2], state: WalletState.Live, scheme: { scheme: "frost", threshold: 2, walletX: fromHex(frostX) } });
    const [q] = await wr.participation(W, await gov.getAddress());
    expect(q).toMatchObject({ walletPkh: fromHex(ecdsa.pkhKey), ownSeats: [1], scheme: { scheme: "ecdsa" } });
    // The wallet info carries the cached scheme.
    expect(wr.knownWallets().map((w) => [toHex(w.walletPkh), w.scheme?.scheme])).toEqual([
      [ecdsa.pkhKey, "ecdsa"],
      [tap.walletPkh, "frost"],
    ]);
    head = await mine(provider, 40);
  });

  it("a reorg rewind removes the abandoned branch's DKG rows and Taproot reveal; a request accepted there is pending again", async () => {
    const store = newStore();
    const req3 = await request(members, 3, 3);
    head = await mine(provider, 15); // well before its deadline (40 blocks)
    const ix = indexer(store, newChain(), { lagBlocks: 4, rewindBlocks: 8, reorgCheckEveryChunks: 1 });
    await ix.syncTo(head);
    expect(store.evDkgRequests.request(req3.requestId)?.status).toBe("requested");
    const snapshot = (await provider.send("evm_snapshot", [])) as string;

    // Branch A: req3 accepted, a deposit to the new wallet, a fourth request.
    const xA = xKey("frost-index-wallet-A");
    await accept(req3, xA);
    const tapA = await revealTaproot(xA, 2);
    const req4 = await request(members, 2, 3);
    const hA = await mine(provider, 30);
    await ix.syncTo(hA);
    expect(store.evDkgRequests.request(req3.requestId)).toMatchObject({ status: "accepted", walletX: xA });
    expect(store.evDkgRequests.request(req4.requestId)?.status).toBe("requested");
    expect(store.evDeposits.byWallet(tapA.walletPkh).map((r) => r.refundX)).toEqual([tapA.refundX]);

    // Branch B: no result; req3 times out.
    expect(await provider.send("evm_revert", [snapshot])).toBe(true);
    await mine(provider, DKG_TIMEOUT_BLOCKS + 5);
    await sendBridge(registry, gov, "notifyDkgTimeout", req3.requestId);
    const hB = await mine(provider, 30);
    const res = await ix.syncTo(hB);
    expect(res.rewinds).toHaveLength(1);
    expect(res.rewinds[0]!.deletedRows).toBeGreaterThanOrEqual(5); // accept, NewWalletRegistered, operators, deposit, request 4
    expect(store.evDeposits.byWallet(tapA.walletPkh)).toEqual([]);
    expect(store.evDkgRequests.byWalletX(xA)).toBeUndefined();
    expect(store.evDkgRequests.request(req4.requestId)).toBeUndefined();
    const three = store.evDkgRequests.request(req3.requestId)!;
    expect([three.status, three.walletX, three.walletPkh]).toEqual(["timed_out", null, null]);
    expect(three.settledAt!.blockHash).toBe((await provider.getBlock(three.settledAt!.blockNumber))!.hash!.toLowerCase());
    // The untouched rows below the fork are still there.
    expect(store.evDkgRequests.requests().map((r) => [r.requestId, r.status])).toEqual([
      [req1.requestId, "accepted"],
      [req2.requestId, "timed_out"],
      [req3.requestId, "timed_out"],
    ]);
    expect(store.evDeposits.byWallet(tap.walletPkh).map((r) => r.refundX)).toEqual([tap.refundX]);
  });
});
