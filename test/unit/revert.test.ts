// Revert decoding and error classification (contracts.md §5; coordination.md §10.3), against
// ethers' own error objects and a real Hardhat chain with a contract that reverts with any data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import hre from "hardhat";
import { AbiCoder, FetchRequest, JsonRpcProvider, Network, concat, id, makeError, type JsonRpcPayload } from "ethers";
import { classifyCallError, decodeRevertData } from "../../src/chain/revert.js";
import { CallTimeoutError, PinnedBlockMismatchError, RpcPinnedCaller, type BlockRef } from "../../src/chain/pinned-call.js";

const coder = AbiCoder.defaultAbiCoder();
const errorData = (s: string): string => concat(["0x08c379a0", coder.encode(["string"], [s])]);
const panicData = (code: number): string => concat(["0x4e487b71", coder.encode(["uint256"], [code])]);

describe("decodeRevertData", () => {
  it("Error(string) gives the text", () => {
    expect(decodeRevertData(errorData("Deposit min age not achieved yet"))).toBe("Deposit min age not achieved yet");
    expect(decodeRevertData(errorData(""))).toBe("");
  });

  it("Panic(uint256) gives panic:0x<code> with at least two hex digits", () => {
    expect(decodeRevertData(panicData(0x11))).toBe("panic:0x11");
    expect(decodeRevertData(panicData(0x32))).toBe("panic:0x32");
    expect(decodeRevertData(panicData(1))).toBe("panic:0x01");
    expect(decodeRevertData(panicData(0x100))).toBe("panic:0x100");
  });

  it("other data gives revert:0x<first 36 bytes>", () => {
    expect(decodeRevertData("0x")).toBe("revert:0x");
    expect(decodeRevertData("0xDEADBEEF")).toBe("revert:0xdeadbeef");
    const custom = concat([id("Custom(uint256)").slice(0, 10), coder.encode(["uint256", "uint256"], [7, 8])]);
    expect(decodeRevertData(custom)).toBe("revert:" + custom.slice(0, 2 + 72));
    expect(custom.length).toBeGreaterThan(2 + 72);
  });

  it("a malformed Error or Panic payload falls back to the raw prefix", () => {
    expect(decodeRevertData("0x08c379a0" + "00".repeat(5))).toBe("revert:0x08c379a00000000000");
    expect(decodeRevertData("0x4e487b71")).toBe("revert:0x4e487b71");
  });
});

describe("classifyCallError on ethers error objects", () => {
  // ethers maps JSON-RPC errors of eth_call through getRpcError; use it to build realistic errors.
  const provider = new JsonRpcProvider("http://127.0.0.1:1", Network.from(1), { staticNetwork: true });
  const payload: JsonRpcPayload = { method: "eth_call", params: [{ to: "0x" + "11".repeat(20), data: "0x1234" }, "latest"], id: 1, jsonrpc: "2.0" };
  const rpcError = (error: { code: number; message: string; data?: unknown }): Error =>
    provider.getRpcError(payload, { id: 1, error });
  afterAll(() => provider.destroy());

  it("geth revert with Error(string) data", () => {
    const e = rpcError({ code: 3, message: "execution reverted: Not a valid heartbeat message", data: errorData("Not a valid heartbeat message") });
    expect(classifyCallError(e)).toEqual({ kind: "revert", reason: "Not a valid heartbeat message" });
  });

  it("geth revert with Panic data", () => {
    expect(classifyCallError(rpcError({ code: 3, message: "execution reverted", data: panicData(0x11) }))).toEqual({
      kind: "revert",
      reason: "panic:0x11",
    });
  });

  it("geth empty revert (no data field) is a revert with empty data", () => {
    expect(classifyCallError(rpcError({ code: -32000, message: "execution reverted" }))).toEqual({
      kind: "revert",
      reason: "revert:0x",
    });
  });

  it("header not found / missing trie node are transport errors though ethers calls them CALL_EXCEPTION", () => {
    for (const message of ["header not found", "missing trie node 1234 (path ) <nil>"]) {
      const e = rpcError({ code: -32000, message });
      expect((e as { code?: string }).code).toBe("CALL_EXCEPTION");
      const c = classifyCallError(e);
      expect(c.kind).toBe("transport");
      expect(c.kind === "transport" && c.error).toContain(message);
    }
  });

  it("ethers CALL_EXCEPTION with data is a revert", () => {
    const e = AbiCoder.getBuiltinCallException("call", { to: null, data: "0x" }, errorData("Duplicated request"));
    expect(classifyCallError(e)).toEqual({ kind: "revert", reason: "Duplicated request" });
  });

  it("network, HTTP 5xx, timeout and pinned-block errors are transport errors", () => {
    const req = new FetchRequest("http://127.0.0.1:1");
    const server = makeError("server response 503 Service Unavailable", "SERVER_ERROR", { request: req });
    const conn = Object.assign(new Error("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) });
    const at: BlockRef = { blockHash: "0x" + "ab".repeat(32), blockNumber: 5 };
    for (const e of [server, conn, new CallTimeoutError(10_000), new PinnedBlockMismatchError(at, null), "boom"]) {
      expect(classifyCallError(e).kind).toBe("transport");
    }
  });
});

describe("classifyCallError against a real Hardhat chain", () => {
  // Runtime code: copy calldata to memory and revert with it, so the call's data is the revert data.
  const RUNTIME = "3660006000373660" + "00fd";
  // Init code: CODECOPY the 10 runtime bytes at offset 12 and RETURN them.
  const INIT = "0x600a600c600039600a6000f3" + RUNTIME;
  let conn: Awaited<ReturnType<typeof hre.network.create>>;
  let echo: string;
  let at: BlockRef;
  let caller: RpcPinnedCaller;

  beforeAll(async () => {
    conn = await hre.network.create();
    const [signer] = await conn.ethers.getSigners();
    const tx = await signer.sendTransaction({ data: INIT });
    const receipt = (await tx.wait())!;
    echo = receipt.contractAddress!;
    const block = (await conn.ethers.provider.getBlock("latest"))!;
    at = { blockHash: block.hash!, blockNumber: block.number };
    caller = new RpcPinnedCaller({ rpc: conn.ethers.provider });
    expect(await conn.ethers.provider.getCode(echo)).toBe("0x" + RUNTIME);
  });
  afterAll(async () => {
    await conn?.close();
  });

  async function failureOf(data: string) {
    try {
      await caller.call({ to: echo, data }, at);
    } catch (err) {
      return classifyCallError(err);
    }
    throw new Error("call did not revert");
  }

  it("decodes Error(string), Panic, custom data and empty reverts", async () => {
    expect(await failureOf(errorData("Sweep request is not in Pending state"))).toEqual({
      kind: "revert",
      reason: "Sweep request is not in Pending state",
    });
    expect(await failureOf(panicData(0x32))).toEqual({ kind: "revert", reason: "panic:0x32" });
    expect(await failureOf("0xdeadbeef")).toEqual({ kind: "revert", reason: "revert:0xdeadbeef" });
    expect(await failureOf("0x")).toEqual({ kind: "revert", reason: "revert:0x" });
  });

  it("an unknown pinned block hash is a transport error", async () => {
    try {
      await caller.call({ to: echo, data: "0x" }, { blockHash: "0x" + "12".repeat(32), blockNumber: 1 });
      throw new Error("no error");
    } catch (err) {
      expect(classifyCallError(err).kind).toBe("transport");
    }
  });
});
