// EthersChain against a real `hardhat node`, directly and through the fault-injecting RPC proxy:
// pinned calls, reverts, logs, and the error classes of reliability.md §6.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toQuantity } from "ethers";
import { CallRevertedError, RpcError, RpcErrorCode } from "../../src/chain/errors.js";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import { freePort, startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { startRpcProxy, type RpcProxy } from "../fakes/rpc-proxy.js";
import { rpcCall } from "../fakes/json-rpc.js";

let node: HardhatNode;
let proxy: RpcProxy;

const rpc = <T = unknown>(method: string, params: unknown[] = []): Promise<T> => rpcCall<T>(node.url, method, params);

const mine = (n = 1): Promise<unknown> => rpc("hardhat_mine", [toQuantity(n)]);

// Runtime bytecodes installed with hardhat_setCode.
// if calldata: sstore(0, calldataload(0)); return sload(0)
const STORE_AND_RETURN_SLOT0 = "0x3615600b576000356000555b60005460005260206000f3";
const REVERT_DEADBEEF = "0x63deadbeef6000526004601cfd"; // revert(0xdeadbeef)
const REVERT_EMPTY = "0x60006000fd"; // revert()
const TOPIC = "0x" + "ab".repeat(32);
const EMIT_LOG1 = `0x7f${TOPIC.slice(2)}60006000a100`; // log1(0, 0, TOPIC)

const SLOT_CONTRACT = "0x00000000000000000000000000000000000c0de1";
const REVERT_CONTRACT = "0x00000000000000000000000000000000000c0de2";
const REVERT_EMPTY_CONTRACT = "0x00000000000000000000000000000000000c0de3";
const LOG_CONTRACT = "0x00000000000000000000000000000000000c0de4";

function chainFor(url: string, extra: Partial<ConstructorParameters<typeof EthersChain>[1]> = {}): EthersChain {
  return new EthersChain({}, { rpcUrl: url, chainId: 31337n, pollIntervalMs: 50, callTimeoutMs: 2000, ...extra });
}

beforeAll(async () => {
  node = await startHardhatNode();
  proxy = await startRpcProxy(node.url);
  await rpc("hardhat_setCode", [SLOT_CONTRACT, STORE_AND_RETURN_SLOT0]);
  await rpc("hardhat_setCode", [REVERT_CONTRACT, REVERT_DEADBEEF]);
  await rpc("hardhat_setCode", [REVERT_EMPTY_CONTRACT, REVERT_EMPTY]);
  await rpc("hardhat_setCode", [LOG_CONTRACT, EMIT_LOG1]);
});

afterAll(async () => {
  await proxy?.close();
  await node?.stop();
});

describe("EthersChain against hardhat", () => {
  it("start/stop are idempotent, stop without start is legal, and head() follows the chain", async () => {
    const never = chainFor(node.url);
    await never.stop();
    const chain = chainFor(node.url);
    const heads: number[] = [];
    chain.onHead((h) => heads.push(h));
    await chain.start();
    await chain.start();
    const h0 = await rpc<string>("eth_blockNumber").then(Number);
    expect(chain.head()).toBe(h0);
    await mine(3);
    await until(() => chain.head() === h0 + 3);
    expect(heads[0]).toBe(h0);
    expect(heads.at(-1)).toBe(h0 + 3);
    expect([...heads].sort((a, b) => a - b)).toEqual(heads); // strictly increasing, no repeats
    expect(new Set(heads).size).toBe(heads.length);
    await chain.stop();
    await chain.stop();
  });

  it("block(n) and block('latest') return linked headers", async () => {
    const chain = chainFor(node.url);
    await mine(2);
    const latest = await chain.block("latest");
    const prev = await chain.block(latest.number - 1);
    expect(latest.parentHash).toBe(prev.hash);
    expect(latest.hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(latest.timestamp).toBeGreaterThanOrEqual(prev.timestamp);
    const err = await chain.block(latest.number + 1000, { retry: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: RpcErrorCode.HEADER_NOT_FOUND, transient: true });
  });

  it("call is pinned to the given block hash (EIP-1898)", async () => {
    const chain = chainFor(node.url);
    // Real transactions: Hardhat does not keep history for hardhat_setStorageAt.
    const [from] = await rpc<string[]>("eth_accounts");
    await rpc("eth_sendTransaction", [{ from, to: SLOT_CONTRACT, data: "0x" + "01".padStart(64, "0"), gas: "0x186a0" }]);
    const a = await chain.block("latest");
    await rpc("eth_sendTransaction", [{ from, to: SLOT_CONTRACT, data: "0x" + "02".padStart(64, "0"), gas: "0x186a0" }]);
    const b = await chain.block("latest");
    expect(b.number).toBeGreaterThan(a.number);
    const at = (x: typeof a) => ({ blockHash: x.hash, blockNumber: x.number });
    expect(BigInt(await chain.call({ to: SLOT_CONTRACT, data: "0x" }, at(a)))).toBe(1n);
    expect(BigInt(await chain.call({ to: SLOT_CONTRACT, data: "0x" }, at(b)))).toBe(2n);
  });

  it("reverts become CallRevertedError with the revert data, and are not retried", async () => {
    const onRpc: Array<[string, boolean]> = [];
    const chain = chainFor(node.url, { onRpc: (m, _ms, ok) => onRpc.push([m, ok]) });
    const b = await chain.block("latest");
    const at = { blockHash: b.hash, blockNumber: b.number };
    const e1 = await chain.call({ to: REVERT_CONTRACT, data: "0x12345678" }, at).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CallRevertedError);
    expect((e1 as CallRevertedError).data).toBe("0xdeadbeef");
    const e2 = await chain.call({ to: REVERT_EMPTY_CONTRACT, data: "0x" }, at).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(CallRevertedError);
    expect((e2 as CallRevertedError).data).toBe("0x");
    expect(onRpc.filter(([m]) => m === "eth_call")).toEqual([
      ["eth_call", false],
      ["eth_call", false],
    ]);
  });

  it("a call at an unknown block hash is transient: retried until the signal aborts", async () => {
    const chain = chainFor(node.url);
    const at = { blockHash: "0x" + "11".repeat(32), blockNumber: 1 };
    const once = await chain.call({ to: SLOT_CONTRACT, data: "0x" }, at, { retry: false }).catch((e: unknown) => e);
    expect(once).toMatchObject({ name: "RpcError", code: RpcErrorCode.HEADER_NOT_FOUND, transient: true });
    const attempts: string[] = [];
    const retrying = chainFor(node.url, { onRpc: (m) => attempts.push(m) });
    const err = await retrying
      .call({ to: SLOT_CONTRACT, data: "0x" }, at, { signal: AbortSignal.timeout(1500) })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "TimeoutError" });
    expect(attempts.length).toBeGreaterThanOrEqual(2);
  });

  it("logs filters by address, topic and range", async () => {
    const chain = chainFor(node.url);
    const [from] = await rpc<string[]>("eth_accounts");
    const before = (await chain.block("latest")).number;
    await rpc("eth_sendTransaction", [{ from, to: LOG_CONTRACT, gas: "0x186a0" }]);
    await mine();
    await rpc("eth_sendTransaction", [{ from, to: LOG_CONTRACT, gas: "0x186a0" }]);
    await mine();
    const latest = (await chain.block("latest")).number;
    const all = await chain.logs({ address: LOG_CONTRACT, topics: [TOPIC], fromBlock: before + 1, toBlock: latest });
    expect(all).toHaveLength(2);
    expect(all[0].topics).toEqual([TOPIC]);
    expect(all[0].address.toLowerCase()).toBe(LOG_CONTRACT);
    expect(all[0].blockNumber).toBeLessThan(all[1].blockNumber);
    const first = await chain.logs({ address: LOG_CONTRACT, topics: [TOPIC], fromBlock: before + 1, toBlock: all[0].blockNumber });
    expect(first).toHaveLength(1);
    const other = await chain.logs({ address: LOG_CONTRACT, topics: ["0x" + "cd".repeat(32)], fromBlock: before + 1, toBlock: latest });
    expect(other).toHaveLength(0);
  });

  it("a refused connection is a transient NETWORK error", async () => {
    const port = await freePort();
    const chain = chainFor(`http://127.0.0.1:${port}`);
    const err = await chain.block("latest", { retry: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "RpcError", code: RpcErrorCode.NETWORK, transient: true });
  });

  it("stop() ends retry loops that have no signal of their own", async () => {
    const port = await freePort();
    const chain = chainFor(`http://127.0.0.1:${port}`);
    await chain.start();
    const pending = chain.block("latest").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await chain.stop();
    expect(await pending).toMatchObject({ name: "AbortError" });
  });
});

describe("EthersChain through the fault proxy", () => {
  it("retries transient failures and succeeds", async () => {
    const chain = chainFor(proxy.url);
    const seen0 = proxy.seen.get("eth_getBlockByNumber") ?? 0;
    proxy.setFault("eth_getBlockByNumber", { kind: "fail", count: 2 });
    const b = await chain.block(1);
    expect(b.number).toBe(1);
    expect((proxy.seen.get("eth_getBlockByNumber") ?? 0) - seen0).toBe(3);
  });

  it("classifies fail / http500 / drop / delay as transient and invalid params as definitive", async () => {
    const chain = chainFor(proxy.url, { callTimeoutMs: 300 });
    const once = () => chain.block(1, { retry: false }).catch((e: unknown) => e);

    proxy.setFault("eth_getBlockByNumber", { kind: "fail", count: 1 });
    expect(await once()).toMatchObject({ code: RpcErrorCode.HEADER_NOT_FOUND, transient: true });

    proxy.setFault("eth_getBlockByNumber", { kind: "fail", count: 1, error: { code: -32000, message: "missing trie node abc" } });
    expect(await once()).toMatchObject({ code: RpcErrorCode.MISSING_TRIE_NODE, transient: true });

    proxy.setFault("*", { kind: "http500", count: 1 });
    expect(await once()).toMatchObject({ code: RpcErrorCode.HTTP_STATUS, httpStatus: 500, transient: true });

    proxy.setFault("eth_getBlockByNumber", { kind: "drop", count: 1 });
    expect(await once()).toMatchObject({ code: RpcErrorCode.NETWORK, transient: true });

    proxy.setFault("eth_getBlockByNumber", { kind: "delay", ms: 1000, count: 1 });
    expect(await once()).toMatchObject({ code: RpcErrorCode.TIMEOUT, transient: true });

    proxy.setFault("eth_getBlockByNumber", { kind: "fail", count: 1, error: { code: -32602, message: "invalid params" } });
    expect(await once()).toMatchObject({ code: RpcErrorCode.RPC_ERROR, transient: false, rpcCode: -32602 });

    // Definitive errors are not retried even when retry is on.
    const seen0 = proxy.seen.get("eth_getBlockByNumber") ?? 0;
    proxy.setFault("eth_getBlockByNumber", { kind: "fail", count: 1, error: { code: -32602, message: "invalid params" } });
    const err = await chain.block(1).catch((e: unknown) => e);
    expect(err).toMatchObject({ transient: false });
    expect((proxy.seen.get("eth_getBlockByNumber") ?? 0) - seen0).toBe(1);
    expect((await chain.block(1)).number).toBe(1);
  });

  it("an endpoint refusing EIP-1898 tags gets calls pinned by number with a hash re-check", async () => {
    const chain = chainFor(proxy.url);
    const b = await chain.block("latest");
    const seenBlocks = proxy.seen.get("eth_getBlockByNumber") ?? 0;
    proxy.setFault("eth_call", { kind: "fail", count: 1, error: { code: -32602, message: "invalid argument 1: hex string without 0x prefix" } });
    const v = await chain.call({ to: SLOT_CONTRACT, data: "0x" }, { blockHash: b.hash, blockNumber: b.number });
    expect(v).toMatch(/^0x[0-9a-f]{64}$/);
    expect((proxy.seen.get("eth_getBlockByNumber") ?? 0) - seenBlocks).toBe(1);
    // A hash that is not the block at that number is refused.
    const err = await chain
      .call({ to: SLOT_CONTRACT, data: "0x" }, { blockHash: "0x" + "22".repeat(32), blockNumber: b.number })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "RpcError", code: RpcErrorCode.BLOCK_HASH_MISMATCH });
  });

  it("eth_getLogs 'range too large' is RANGE_TOO_LARGE and not retried", async () => {
    const chain = chainFor(proxy.url);
    const seen0 = proxy.seen.get("eth_getLogs") ?? 0;
    proxy.setFault("eth_getLogs", { kind: "fail", count: 1, error: { code: -32005, message: "query returned more than 10000 results" } });
    const err = await chain.logs({ address: LOG_CONTRACT, fromBlock: 0, toBlock: 10 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "RpcError", code: RpcErrorCode.RANGE_TOO_LARGE, transient: false });
    expect((proxy.seen.get("eth_getLogs") ?? 0) - seen0).toBe(1);
  });

  it("the proxy forwards JSON-RPC batches element by element", async () => {
    proxy.setFault("eth_chainId", { kind: "fail", count: 1 });
    const res = await fetch(proxy.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 7, method: "eth_blockNumber", params: [] },
        { jsonrpc: "2.0", id: 8, method: "eth_chainId", params: [] },
      ]),
    });
    const body = (await res.json()) as Array<{ id: number; result?: string; error?: { message: string } }>;
    expect(body[0]).toMatchObject({ id: 7 });
    expect(typeof body[0].result).toBe("string");
    expect(body[1]).toMatchObject({ id: 8, error: { message: "header not found" } });
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
