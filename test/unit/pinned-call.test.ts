// Pinned eth_call (coordination.md §0) against a real in-process Hardhat chain: EIP-1898 by hash,
// fallback to number + hash re-check when an endpoint rejects the object form, and reorg detection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import hre from "hardhat";
import { toQuantity } from "ethers";
import { PinnedBlockMismatchError, RpcPinnedCaller, CallTimeoutError, type BlockRef, type RpcSender } from "../../src/chain/pinned-call.js";

// Runtime code returning block.number as one word; init code copies the 9 runtime bytes out.
const RUNTIME = "4360005260206000f3";
const INIT = "0x6009600c60003960096000f3" + RUNTIME;

let conn: Awaited<ReturnType<typeof hre.network.create>>;
let contract: string;
const blocks: BlockRef[] = [];

async function blockAt(n: number): Promise<BlockRef> {
  const b = (await conn.ethers.provider.getBlock(n))!;
  return { blockHash: b.hash!, blockNumber: b.number };
}

beforeAll(async () => {
  conn = await hre.network.create();
  const [signer] = await conn.ethers.getSigners();
  contract = (await (await signer.sendTransaction({ data: INIT })).wait())!.contractAddress!;
  for (let i = 0; i < 3; i++) await conn.provider.request({ method: "evm_mine", params: [] });
  const head = await conn.ethers.provider.getBlockNumber();
  for (const n of [head - 2, head]) blocks.push(await blockAt(n));
});
afterAll(async () => {
  await conn?.close();
});

/** A sender that logs requests and refuses EIP-1898 objects the way old geth did. */
function legacyEndpoint(shape: "rpc" | "ethers", log: unknown[][]): RpcSender {
  return {
    async send(method, params) {
      log.push(structuredClone([method, ...params]));
      if (method === "eth_call" && typeof params[1] === "object") {
        const error = { code: -32602, message: "invalid argument 1: hex string without 0x prefix" };
        throw shape === "rpc" ? Object.assign(new Error(error.message), error) : Object.assign(new Error("missing revert data"), { code: "CALL_EXCEPTION", info: { error } });
      }
      return conn.ethers.provider.send(method, params);
    },
  };
}

describe("RpcPinnedCaller", () => {
  it("reads state as of the pinned block, not the head", async () => {
    const caller = new RpcPinnedCaller({ rpc: conn.ethers.provider });
    for (const at of blocks) expect(BigInt(await caller.call({ to: contract, data: "0x" }, at))).toBe(BigInt(at.blockNumber));
  });

  it("sends the EIP-1898 { blockHash } form", async () => {
    const log: unknown[][] = [];
    const caller = new RpcPinnedCaller({ rpc: { send: (m, p) => (log.push(structuredClone([m, ...p])), conn.ethers.provider.send(m, p)) } });
    await caller.call({ to: contract, data: "0x" }, blocks[0]);
    expect(log).toEqual([["eth_call", { to: contract, data: "0x" }, { blockHash: blocks[0].blockHash }]]);
  });

  for (const shape of ["rpc", "ethers"] as const) {
    it(`falls back to number + hash re-check when the endpoint rejects blockHash (${shape} error shape)`, async () => {
      const log: unknown[][] = [];
      const caller = new RpcPinnedCaller({ rpc: legacyEndpoint(shape, log) });
      expect(BigInt(await caller.call({ to: contract, data: "0x" }, blocks[0]))).toBe(BigInt(blocks[0].blockNumber));
      const q = toQuantity(blocks[0].blockNumber);
      expect(log.map((l) => (l[0] === "eth_call" ? [l[0], l[2]] : l))).toEqual([
        ["eth_call", { blockHash: blocks[0].blockHash }],
        ["eth_call", q],
        ["eth_getBlockByNumber", q, false],
      ]);
      // Remembered: the second call goes straight to the number form.
      log.length = 0;
      await caller.call({ to: contract, data: "0x" }, blocks[1]);
      expect(log.map((l) => l[0])).toEqual(["eth_call", "eth_getBlockByNumber"]);
    });
  }

  it("in fallback mode a changed hash at that height (reorg) is an error", async () => {
    const caller = new RpcPinnedCaller({ rpc: legacyEndpoint("rpc", []) });
    const wrong = { blockHash: "0x" + "77".repeat(32), blockNumber: blocks[0].blockNumber };
    await expect(caller.call({ to: contract, data: "0x" }, wrong)).rejects.toBeInstanceOf(PinnedBlockMismatchError);
  });

  it("does not fall back when the block hash is simply unknown", async () => {
    const log: unknown[][] = [];
    const caller = new RpcPinnedCaller({ rpc: { send: (m, p) => (log.push([m]), conn.ethers.provider.send(m, p)) } });
    await expect(caller.call({ to: contract, data: "0x" }, { blockHash: "0x" + "77".repeat(32), blockNumber: 1 })).rejects.toThrow();
    expect(log).toEqual([["eth_call"]]);
  });

  it("times out a call that never answers", async () => {
    const caller = new RpcPinnedCaller({ rpc: { send: () => new Promise(() => {}) } }, { timeoutMs: 50 });
    await expect(caller.call({ to: contract, data: "0x" }, blocks[0])).rejects.toBeInstanceOf(CallTimeoutError);
  });
});
