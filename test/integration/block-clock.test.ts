// BlockClock + EthersChain against a real `hardhat node` (coordination.md §3.2, §15.7 item 1).
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toQuantity } from "ethers";
import { BlockClock, type WindowCursorStore, type WindowEvent, type WindowMissed, type WindowOpened } from "../../src/chain/block-clock.js";
import { EthersChain, type EthersChainInit } from "../../src/chain/ethers-chain.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { startRpcProxy, type RpcProxy } from "../fakes/rpc-proxy.js";
import { rpcCall } from "../fakes/json-rpc.js";

let node: HardhatNode;
let snapshot: string;

const rpc = <T = unknown>(method: string, params: unknown[] = []): Promise<T> => rpcCall<T>(node.url, method, params);

const chainHead = async (): Promise<number> => Number(await rpc<string>("eth_blockNumber"));
async function mineTo(h: number): Promise<void> {
  const cur = await chainHead();
  if (h > cur) await rpc("hardhat_mine", [toQuantity(h - cur)]);
}

/** In-memory WindowCursorStore that also records what it was asked to commit. */
class MemoryCursorStore implements WindowCursorStore {
  cursor: number | undefined;
  readonly committed: WindowEvent[] = [];
  constructor(cursor?: number) {
    this.cursor = cursor;
  }
  load(): number | undefined {
    return this.cursor;
  }
  commit(windows: WindowEvent[], cursor: number): void {
    this.committed.push(...windows);
    this.cursor = cursor;
  }
}

interface Harness {
  chain: EthersChain;
  clock: BlockClock;
  blocks: number[];
  opened: WindowOpened[];
  missed: WindowMissed[];
  /** Committed-but-not-yet-emitted check: every emitted window was committed first. */
  emittedBeforeCommit: number;
  stop(): Promise<void>;
}

const running: Harness[] = [];

async function startClock(store: MemoryCursorStore, init: Partial<EthersChainInit> = {}): Promise<Harness> {
  const chain = new EthersChain({}, { rpcUrl: node.url, chainId: 31337n, pollIntervalMs: 20, callTimeoutMs: 500, ...init });
  const clock = new BlockClock({ chain, cursorStore: store });
  const h: Harness = {
    chain,
    clock,
    blocks: [],
    opened: [],
    missed: [],
    emittedBeforeCommit: 0,
    async stop() {
      await clock.stop();
      await chain.stop();
    },
  };
  const committed = (W: number): boolean => store.committed.some((w) => w.W === W);
  clock.on("block", (b) => h.blocks.push(b));
  clock.on("windowOpened", (w) => {
    if (!committed(w.W)) h.emittedBeforeCommit++;
    h.opened.push(w);
  });
  clock.on("windowMissed", (w) => {
    if (!committed(w.W)) h.emittedBeforeCommit++;
    h.missed.push(w);
  });
  await chain.start();
  await clock.start();
  running.push(h);
  return h;
}

const waitFor = (h: Harness, n: number, ms = 10_000): Promise<number> => h.clock.waitForBlock(n, { signal: AbortSignal.timeout(ms) });
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  node = await startHardhatNode();
  snapshot = await rpc<string>("evm_snapshot");
});

beforeEach(async () => {
  // Every test starts from block 0; a Hardhat snapshot is used up by reverting to it.
  expect(await rpc<boolean>("evm_revert", [snapshot])).toBe(true);
  snapshot = await rpc<string>("evm_snapshot");
  expect(await chainHead()).toBe(0);
});

afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

afterAll(async () => {
  await node?.stop();
});

describe("BlockClock on hardhat", () => {
  it("a stream of heads emits every block once in order and opens 900 and 1800 exactly once", async () => {
    const store = new MemoryCursorStore();
    const h = await startClock(store);
    const steps = [...range(1, 22).map((i) => i * 40), ...range(881, 905), 1000, 1400, 1799, 1800, 1801, 1850];
    for (const target of steps) {
      await mineTo(target);
      await waitFor(h, target);
    }
    expect(h.blocks).toEqual(range(0, 1850));
    expect(h.opened.map((w) => w.W)).toEqual([900, 1800]);
    // Heads 899 → 900 were mined one by one: window 900 opens on time, not as a late join.
    expect(h.opened[0]).toEqual({ W: 900, head: 900, lateJoin: false });
    expect(h.missed).toEqual([]);
    expect(store.committed.map((w) => w.W)).toEqual([900, 1800]);
    expect(h.emittedBeforeCommit).toBe(0);
    expect(store.cursor).toBe(1850);
  });

  it("a jump 1799 → 2705 records 1800 as missed and opens 2700", async () => {
    await mineTo(1799);
    const store = new MemoryCursorStore(1799);
    const h = await startClock(store);
    expect(h.clock.head).toBe(1799);
    await mineTo(2705);
    await waitFor(h, 2705);
    expect(h.missed).toEqual([{ W: 1800, head: 2705 }]);
    expect(h.opened).toEqual([{ W: 2700, head: 2705, lateJoin: true }]);
    expect(h.blocks).toEqual(range(1799, 2705));
    expect(store.committed).toEqual([
      { type: "windowMissed", W: 1800, head: 2705 },
      { type: "windowOpened", W: 2700, head: 2705, lateJoin: true },
    ]);
  });

  it("a jump 1799 → 1850 opens 1800 as a late join at 1850", async () => {
    await mineTo(1799);
    const h = await startClock(new MemoryCursorStore(1799));
    await mineTo(1850);
    await waitFor(h, 1850);
    expect(h.opened).toEqual([{ W: 1800, head: 1850, lateJoin: true }]);
    expect(h.missed).toEqual([]);
  });

  it("a fresh store catches up only the current window", async () => {
    await mineTo(2730);
    const store = new MemoryCursorStore();
    const h = await startClock(store);
    expect(h.opened).toEqual([{ W: 2700, head: 2730, lateJoin: true }]);
    expect(h.missed).toEqual([]);
    expect(store.cursor).toBe(2730);
  });

  it("a restart with the persisted cursor does not re-emit, and catches up windows crossed while down", async () => {
    await mineTo(1790);
    const store = new MemoryCursorStore();
    const a = await startClock(store);
    await mineTo(1850);
    await waitFor(a, 1850);
    expect(a.opened.map((w) => w.W)).toEqual([1800]);
    // Fresh store at 1790: the current window (900) is visited, too late to take part.
    expect(a.missed).toEqual([{ W: 900, head: 1790 }]);
    await a.stop();

    await mineTo(1870);
    const b = await startClock(store);
    await mineTo(1900);
    await waitFor(b, 1900);
    expect(b.opened).toEqual([]);
    expect(b.missed).toEqual([]);
    expect(b.blocks).toEqual(range(1870, 1900));
    await b.stop();

    await mineTo(2710);
    const c = await startClock(store);
    await mineTo(2712);
    await waitFor(c, 2712);
    expect(c.opened).toEqual([{ W: 2700, head: 2710, lateJoin: true }]);
    expect(c.missed).toEqual([]);
    expect(store.committed.map((w) => w.W)).toEqual([900, 1800, 2700]);
  });

  it("RPC failures (fail, http500, drop, delay) lose and duplicate no window", async () => {
    const proxy: RpcProxy = await startRpcProxy(node.url);
    try {
      await mineTo(850);
      const store = new MemoryCursorStore();
      const h = await startClock(store, { rpcUrl: proxy.url, callTimeoutMs: 200 });
      expect(h.clock.head).toBe(850);

      // eth_blockNumber fails across the 900 boundary; no head gets through while it does.
      proxy.setFault("eth_blockNumber", { kind: "fail" });
      await mineTo(905);
      const seen = proxy.seen.get("eth_blockNumber") ?? 0;
      await sleepMs(300);
      expect((proxy.seen.get("eth_blockNumber") ?? 0) - seen).toBeGreaterThan(3);
      expect(h.clock.head).toBe(850);
      proxy.setFault("eth_blockNumber", null);
      await waitFor(h, 905);
      expect(h.opened).toEqual([{ W: 900, head: 905, lateJoin: true }]);

      proxy.setFault("*", { kind: "http500" });
      await mineTo(1000);
      await sleepMs(150);
      expect(h.clock.head).toBe(905);
      proxy.setFault("*", null);
      await waitFor(h, 1000);

      proxy.setFault("eth_blockNumber", { kind: "drop", count: 5 });
      await mineTo(1795);
      await waitFor(h, 1795);

      // Slower than the per-call limit: every poll times out until the delay is lifted.
      proxy.setFault("eth_blockNumber", { kind: "delay", ms: 1000 });
      await mineTo(1810);
      await sleepMs(400);
      expect(h.clock.head).toBe(1795);
      proxy.setFault("eth_blockNumber", null);
      await waitFor(h, 1810);

      expect(h.opened.map((w) => w.W)).toEqual([900, 1800]);
      expect(h.missed).toEqual([]);
      expect(h.blocks).toEqual(range(850, 1810));
      expect(store.committed.map((w) => w.W)).toEqual([900, 1800]);
      expect(h.emittedBeforeCommit).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("WebSocket newHeads deliver heads without polling", async () => {
    await mineTo(890);
    const h = await startClock(new MemoryCursorStore(), { wsUrl: node.wsUrl, pollIntervalMs: 600_000 });
    expect(h.clock.head).toBe(890);
    await sleepMs(300); // let the subscription settle
    for (let i = 0; i < 3; i++) {
      await rpc("hardhat_mine", ["0x1"]);
      await waitFor(h, 891 + i, 5000);
    }
    await mineTo(905);
    await waitFor(h, 905, 5000);
    expect(h.opened.map((w) => w.W)).toEqual([900]);
    expect(h.blocks).toEqual(range(890, 905));
  });

  it("the WebSocket reconnects after the connection drops", async () => {
    const fwd = await startTcpForwarder(Number(new URL(node.url).port));
    try {
      await mineTo(10);
      const h = await startClock(new MemoryCursorStore(), { wsUrl: `ws://127.0.0.1:${fwd.port}`, pollIntervalMs: 600_000 });
      await sleepMs(300);
      await rpc("hardhat_mine", ["0x1"]);
      await waitFor(h, 11, 5000);
      const before = fwd.connections;
      fwd.dropAll();
      await until(() => fwd.connections > before, 10_000);
      await sleepMs(300);
      await rpc("hardhat_mine", ["0x1"]);
      await waitFor(h, 12, 5000);
      expect(h.blocks).toEqual(range(10, 12));
    } finally {
      await fwd.close();
    }
  });

  it("waitForBlock and signalAtBlock follow the chain and abort cleanly", async () => {
    await mineTo(100);
    const h = await startClock(new MemoryCursorStore());
    const deadline = h.clock.signalAtBlock(103);
    const fired = new Promise<number>((resolve) => deadline.addEventListener("abort", () => resolve(h.clock.head), { once: true }));
    const later = h.clock.waitForBlock(105);
    const gaveUp = h.clock.waitForBlock(1_000, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    await mineTo(102);
    await waitFor(h, 102);
    expect(deadline.aborted).toBe(false);
    await mineTo(103);
    expect(await fired).toBeGreaterThanOrEqual(103);
    expect((deadline.reason as DOMException).name).toBe("TimeoutError");
    await mineTo(105);
    expect(await later).toBeGreaterThanOrEqual(105);
    expect(await gaveUp).toMatchObject({ name: "TimeoutError" });
    expect(h.clock.signalAtBlock(50).aborted).toBe(true);
    const pending = h.clock.waitForBlock(2_000);
    await h.stop();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});

/** A TCP forwarder to the hardhat port whose connections can be cut, to exercise WebSocket reconnects. */
async function startTcpForwarder(targetPort: number): Promise<{ port: number; connections: number; dropAll(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((client) => {
    state.connections++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const cleanup = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", cleanup).on("close", cleanup);
    upstream.on("error", cleanup).on("close", cleanup);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    port,
    get connections() {
      return state.connections;
    },
    dropAll() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleepMs(20);
  }
}
