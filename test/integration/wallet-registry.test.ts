// WalletRegistry against the real Bridge on a `hardhat node` (coordination.md §3.3, pinned at W−32).
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractFactory, JsonRpcProvider, getAddress, keccak256, toQuantity, toUtf8Bytes, type BaseContract, type ContractTransactionResponse } from "ethers";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { linkedBytecode } from "../../deploy/link-libraries.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { EventIndexer, type EventIndexerInit } from "../../src/chain/event-indexer.js";
import { WalletRegistry } from "../../src/chain/wallet-registry.js";
import { Store } from "../../src/store/store.js";
import { WalletState } from "../../src/protocol/constants.js";
import { concatBytes, fromHex, toHex } from "../../src/util/hex.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { startRpcProxy, type RpcProxy } from "../fakes/rpc-proxy.js";

const ARTIFACT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts", "contracts", "bridge", "Bridge.sol", "Bridge.json");

const A = getAddress("0x00000000000000000000000000000000000000a1");
const B = getAddress("0x00000000000000000000000000000000000000b2");
const C = getAddress("0x00000000000000000000000000000000000000c3");
const D = getAddress("0x00000000000000000000000000000000000000d4");

interface TestWallet {
  x: string;
  y: string;
  pkh: string; // hex, no 0x
  operators: string[];
}

/** HASH160 of the compressed key, computed independently of the contract. */
function makeWallet(tag: string, operators: string[]): TestWallet {
  const x = keccak256(toUtf8Bytes(`x-${tag}`));
  const y = keccak256(toUtf8Bytes(`y-${tag}`));
  const prefix = (fromHex(y)[31] & 1) === 0 ? 0x02 : 0x03;
  const pkh = toHex(ripemd160(sha256(concatBytes(new Uint8Array([prefix]), fromHex(x)))));
  return { x, y, pkh, operators };
}

type BridgeContract = BaseContract & {
  registerWallet(x: string, y: string, ops: string[]): Promise<ContractTransactionResponse>;
  terminateWallet(pkh: string): Promise<ContractTransactionResponse>;
  beginMovingFunds(pkh: string): Promise<ContractTransactionResponse>;
};

let node: HardhatNode;
let proxy: RpcProxy;
let provider: JsonRpcProvider;
let bridge: BridgeContract;
let bridgeAddress: string;
let deployBlock: number;

const w1 = makeWallet("one", [A, B, A]);
const w2 = makeWallet("two", [B, C]);
const w3 = makeWallet("three", [C, A, D]);

// Hardhat (EDR) serves empty state for blocks strictly inside one hardhat_mine range; the first and
// last block of a range are real. So every block we pin at (W−32) is mined as the end of a range.
async function mineTo(h: number): Promise<void> {
  const cur = await provider.getBlockNumber();
  if (h > cur) await provider.send("hardhat_mine", [toQuantity(h - cur)]);
}

async function send(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return receipt!.blockNumber;
}

/** A registry reading its own event index (the node's shares the node's indexer and store). */
function registryOn(chain: EthersChain, index: Partial<EventIndexerInit> = {}): WalletRegistry {
  const store = Store.openMemory();
  const indexer = new EventIndexer({ chain, store }, { bridgeAddress, deployBlock, ...index });
  return new WalletRegistry({ chain, store, indexer, bridge: new BridgeClient({ caller: chain }, { address: bridgeAddress }) });
}

const summary = (rows: Array<{ walletPkh: Uint8Array; ownSeats: number[]; state: number }>) =>
  rows.map((r) => ({ pkh: toHex(r.walletPkh), ownSeats: r.ownSeats, state: r.state }));

beforeAll(async () => {
  if (!existsSync(ARTIFACT)) throw new Error(`Bridge artifact missing (${ARTIFACT}); run ./node_modules/.bin/hardhat build --quiet`);
  const artifact = JSON.parse(readFileSync(ARTIFACT, "utf8")) as { abi: unknown[]; bytecode: string };
  node = await startHardhatNode();
  proxy = await startRpcProxy(node.url);
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const governance = await provider.getSigner(0);
  const factory = new ContractFactory(artifact.abi as never, await linkedBytecode(artifact, governance), governance);
  const deployed = await factory.deploy(await governance.getAddress());
  await deployed.waitForDeployment();
  bridge = deployed as unknown as BridgeContract;
  bridgeAddress = await deployed.getAddress();
  deployBlock = (await deployed.deploymentTransaction()!.wait())!.blockNumber;
});

afterAll(async () => {
  provider?.destroy();
  await proxy?.close();
  await node?.stop();
});

describe("WalletRegistry on the real Bridge", () => {
  it("participation is decided at W−32 and follows wallet lifecycle across windows", async () => {
    const chain = new EthersChain({}, { rpcUrl: node.url, chainId: 31337n, callTimeoutMs: 5000 });
    const registry = registryOn(chain);

    const reg1 = await send(bridge.registerWallet(w1.x, w1.y, w1.operators));
    await send(bridge.registerWallet(w2.x, w2.y, w2.operators));
    await mineTo(868); // W−32 for W = 900 (see mineTo)
    // Registered after W−32: not part of window 900, even though A holds a seat.
    await send(bridge.registerWallet(w3.x, w3.y, w3.operators));
    await mineTo(900);

    const p900A = await registry.participation(900, A);
    expect(summary(p900A)).toEqual([{ pkh: w1.pkh, ownSeats: [1, 3], state: WalletState.Live }]);
    expect(p900A[0].seats).toEqual([A, B, A]);
    expect(summary(await registry.participation(900, B.toLowerCase()))).toEqual([
      { pkh: w1.pkh, ownSeats: [2], state: WalletState.Live },
      { pkh: w2.pkh, ownSeats: [1], state: WalletState.Live },
    ]);
    expect(summary(await registry.participation(900, C))).toEqual([{ pkh: w2.pkh, ownSeats: [2], state: WalletState.Live }]);
    expect(await registry.participation(900, D)).toEqual([]);

    // Lifecycle after window 900: w1 terminated, w2 (no main UTXO) goes straight to Closing.
    const terminatedAt = await send(bridge.terminateWallet("0x" + w1.pkh));
    await send(bridge.beginMovingFunds("0x" + w2.pkh));
    await mineTo(1768);
    await mineTo(1800);

    expect(summary(await registry.participation(1800, A))).toEqual([{ pkh: w3.pkh, ownSeats: [2], state: WalletState.Live }]);
    expect(summary(await registry.participation(1800, B))).toEqual([{ pkh: w2.pkh, ownSeats: [1], state: WalletState.Closing }]);
    expect(summary(await registry.participation(1800, C))).toEqual([
      { pkh: w2.pkh, ownSeats: [2], state: WalletState.Closing },
      { pkh: w3.pkh, ownSeats: [1], state: WalletState.Live },
    ]);
    expect(summary(await registry.participation(1800, D))).toEqual([{ pkh: w3.pkh, ownSeats: [3], state: WalletState.Live }]);
    // Window 900 is still answered from block 868: the later termination does not leak into it.
    expect(summary(await registry.participation(900, A))).toEqual([{ pkh: w1.pkh, ownSeats: [1, 3], state: WalletState.Live }]);

    // Pinned reads by block number.
    expect(await registry.seatsAt(fromHex(w3.pkh), 1800)).toEqual([C, A, D]);
    expect(await registry.seatsAt(fromHex(w3.pkh), 868)).toEqual([]);
    expect(await registry.stateAt(fromHex(w1.pkh), terminatedAt - 1)).toBe(WalletState.Live);
    expect(await registry.stateAt(fromHex(w1.pkh), terminatedAt)).toBe(WalletState.Terminated);

    const known = registry.knownWallets();
    expect(known.map((w) => ({ pkh: toHex(w.walletPkh), state: w.state, operators: w.operators }))).toEqual([
      { pkh: w1.pkh, state: WalletState.Terminated, operators: [A, B, A] },
      { pkh: w2.pkh, state: WalletState.Closing, operators: [B, C] },
      { pkh: w3.pkh, state: WalletState.Live, operators: [C, A, D] },
    ]);
    expect(known[0].registeredAt).toBe(reg1);
    expect(known[0].stateChangedAt).toBe(terminatedAt);
  });

  it("sync indexes in chunks, halves the chunk on 'range too large', and reports state changes", async () => {
    const chain = new EthersChain({}, { rpcUrl: proxy.url, chainId: 31337n, callTimeoutMs: 5000 });
    const registry = registryOn(chain, { chunkBlocks: 400, minChunkBlocks: 50 });
    const head = await provider.getBlockNumber();
    const seen0 = proxy.seen.get("eth_getLogs") ?? 0;
    proxy.setFault("eth_getLogs", { kind: "fail", count: 2, error: { code: -32005, message: "query returned more than 10000 results" } });
    const changes = await registry.sync({ toBlock: head });
    expect(registry.indexedTo).toBe(head);
    // Two refusals (400 → 200 → 100), then 100-block chunks over [deployBlock, head].
    const calls = (proxy.seen.get("eth_getLogs") ?? 0) - seen0;
    expect(calls).toBe(2 + Math.ceil((head - deployBlock + 1) / 100));
    expect(changes.map((c) => ({ pkh: toHex(c.walletPkh), state: c.state }))).toEqual([
      { pkh: w1.pkh, state: WalletState.Live },
      { pkh: w2.pkh, state: WalletState.Live },
      { pkh: w3.pkh, state: WalletState.Live },
      { pkh: w1.pkh, state: WalletState.Terminated },
      { pkh: w2.pkh, state: WalletState.Closing },
    ]);
    expect(await registry.sync({ toBlock: head })).toEqual([]);
    // A refusal at the minimum chunk size is an error, not a loop.
    const tiny = registryOn(chain, { chunkBlocks: 50, minChunkBlocks: 50 });
    proxy.setFault("eth_getLogs", { kind: "fail", count: 1, error: { code: -32005, message: "query returned more than 10000 results" } });
    await expect(tiny.sync({ toBlock: head })).rejects.toMatchObject({ name: "RpcError", code: "RANGE_TOO_LARGE" });
    proxy.setFault("eth_getLogs", null);
  });
});
