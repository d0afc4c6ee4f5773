// BlockClock against a scripted head source: ordering, commit-before-emit, bounded queue, deadlines.
import { describe, expect, it } from "vitest";
import type { Provider } from "ethers";
import { BlockClock, type WindowCursorStore, type WindowEvent } from "../../src/chain/block-clock.js";
import type { EthereumChain } from "../../src/chain/ethereum-chain.js";
import { isAbortError } from "../../src/util/sleep.js";

class ScriptedHeads implements EthereumChain {
  private highest = -1;
  private readonly listeners = new Set<(h: number) => void>();
  readonly provider = {} as Provider;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  head(): number {
    return this.highest;
  }
  push(h: number): void {
    if (h <= this.highest) return;
    this.highest = h;
    for (const l of [...this.listeners]) l(h);
  }
  onHead(l: (h: number) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  block(): never {
    throw new Error("unused");
  }
  call(): never {
    throw new Error("unused");
  }
  logs(): never {
    throw new Error("unused");
  }
}

type Entry = { kind: "commit"; windows: WindowEvent[]; cursor: number } | { kind: "event"; type: string; detail: unknown };

function memoryStore(log: Entry[], initial?: number): WindowCursorStore & { cursor: number | undefined; failNext: boolean } {
  return {
    cursor: initial,
    failNext: false,
    load() {
      return this.cursor;
    },
    commit(windows, cursor) {
      if (this.failNext) {
        this.failNext = false;
        throw new Error("disk full");
      }
      log.push({ kind: "commit", windows, cursor });
      this.cursor = cursor;
    },
  };
}

function record(clock: BlockClock, log: Entry[]): void {
  for (const type of ["block", "windowOpened", "windowMissed"] as const) {
    clock.addEventListener(type, (e) => log.push({ kind: "event", type, detail: e.detail }));
  }
}

const events = (log: Entry[], type: string): unknown[] =>
  log.filter((e): e is Extract<Entry, { kind: "event" }> => e.kind === "event" && e.type === type).map((e) => e.detail);

describe("BlockClock (scripted heads)", () => {
  it("back-fills block events in order and commits windows before emitting them", async () => {
    const chain = new ScriptedHeads();
    const log: Entry[] = [];
    const store = memoryStore(log, 1790);
    const clock = new BlockClock({ chain, cursorStore: store });
    record(clock, log);
    chain.push(1795);
    await clock.start();
    chain.push(1799);
    chain.push(1850);
    chain.push(1850);
    chain.push(1840);
    expect(events(log, "block")).toEqual([1795, 1796, 1797, 1798, 1799, ...Array.from({ length: 51 }, (_, i) => 1800 + i)]);
    expect(events(log, "windowOpened")).toEqual([{ W: 1800, head: 1850, lateJoin: true }]);
    const commitIdx = log.findIndex((e) => e.kind === "commit" && e.windows.length === 1);
    const openIdx = log.findIndex((e) => e.kind === "event" && e.type === "windowOpened");
    expect(commitIdx).toBeGreaterThanOrEqual(0);
    expect(commitIdx).toBeLessThan(openIdx);
    expect(log[commitIdx]).toEqual({ kind: "commit", windows: [{ type: "windowOpened", W: 1800, head: 1850, lateJoin: true }], cursor: 1850 });
    expect(store.cursor).toBe(1850);
    expect(clock.head).toBe(1850);
  });

  it("on a full queue holds the cursor below the undelivered window and delivers it on the next head", async () => {
    const chain = new ScriptedHeads();
    const log: Entry[] = [];
    const store = memoryStore(log, 0);
    const clock = new BlockClock({ chain, cursorStore: store }, { windowQueueCapacity: 2 });
    record(clock, log);
    await clock.start();
    chain.push(4600);
    expect(events(log, "windowMissed")).toEqual([
      { W: 900, head: 4600 },
      { W: 1800, head: 4600 },
    ]);
    expect(store.cursor).toBe(2699);
    chain.push(4601);
    chain.push(4602);
    chain.push(4603);
    expect(events(log, "windowMissed").map((d) => (d as { W: number }).W)).toEqual([900, 1800, 2700, 3600, 4500]);
    expect(store.cursor).toBe(4603);
  });

  it("a failed commit emits nothing and the windows come on the next head", async () => {
    const chain = new ScriptedHeads();
    const log: Entry[] = [];
    const store = memoryStore(log, 1799);
    const clock = new BlockClock({ chain, cursorStore: store });
    record(clock, log);
    await clock.start();
    store.failNext = true;
    chain.push(1805);
    expect(events(log, "windowOpened")).toEqual([]);
    expect(events(log, "block")).toEqual([1805]);
    expect(store.cursor).toBe(1799);
    chain.push(1806);
    expect(events(log, "windowOpened")).toEqual([{ W: 1800, head: 1806, lateJoin: true }]);
  });

  it("fresh store: cursor from the first head, current window caught up, nothing older", async () => {
    const chain = new ScriptedHeads();
    const log: Entry[] = [];
    const store = memoryStore(log);
    chain.push(2705);
    const clock = new BlockClock({ chain, cursorStore: store });
    record(clock, log);
    await clock.start();
    expect(events(log, "windowOpened")).toEqual([{ W: 2700, head: 2705, lateJoin: true }]);
    expect(events(log, "windowMissed")).toEqual([]);
    expect(store.cursor).toBe(2705);
  });

  it("a throwing listener registered with on() is contained", async () => {
    const chain = new ScriptedHeads();
    const clock = new BlockClock({ chain, cursorStore: memoryStore([], 899) });
    const seen: number[] = [];
    clock.on("windowOpened", () => {
      throw new Error("boom");
    });
    const off = clock.on("block", (b) => seen.push(b));
    await clock.start();
    chain.push(900);
    chain.push(901);
    off();
    chain.push(902);
    expect(seen).toEqual([900, 901]);
  });

  it("waitForBlock, signalAtBlock and stop", async () => {
    const chain = new ScriptedHeads();
    const clock = new BlockClock({ chain, cursorStore: memoryStore([], 0) });
    await clock.start();
    chain.push(10);
    await expect(clock.waitForBlock(5)).resolves.toBe(10);
    const w = clock.waitForBlock(12);
    const ac = new AbortController();
    const aborted = clock.waitForBlock(100, { signal: ac.signal });
    const s12 = clock.signalAtBlock(12);
    expect(clock.signalAtBlock(12)).toBe(s12);
    expect(clock.signalAtBlock(3).aborted).toBe(true);
    chain.push(11);
    expect(s12.aborted).toBe(false);
    ac.abort(new Error("caller gave up"));
    await expect(aborted).rejects.toThrow("caller gave up");
    chain.push(13);
    await expect(w).resolves.toBe(13);
    expect(s12.aborted).toBe(true);
    expect(isAbortError(s12.reason)).toBe(true);
    expect((s12.reason as DOMException).name).toBe("TimeoutError");

    const pending = clock.waitForBlock(50);
    const s50 = clock.signalAtBlock(50);
    await clock.stop();
    await clock.stop();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(s50.aborted).toBe(true);
  });
});
