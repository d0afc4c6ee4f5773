import { describe, expect, it } from "vitest";
import { FOLLOWER_QUEUE_CAPACITY } from "../../src/protocol/constants.js";
import { WalletQueue } from "../../src/network/wallet-queue.js";

describe("WalletQueue", () => {
  it("defaults to FOLLOWER_QUEUE_CAPACITY and drops when full", () => {
    const q = new WalletQueue<number>();
    expect(q.capacity).toBe(FOLLOWER_QUEUE_CAPACITY);
    for (let i = 0; i < FOLLOWER_QUEUE_CAPACITY; i++) expect(q.push(i)).toBe(true);
    expect(q.isFull).toBe(true);
    expect(q.push(999)).toBe(false);
    expect(q.push(1000)).toBe(false);
    expect(q.length).toBe(FOLLOWER_QUEUE_CAPACITY);
    expect(q.dropped).toBe(2);
  });

  it("hands items out in arrival order and makes room again", async () => {
    const q = new WalletQueue<number>(3);
    [1, 2, 3].forEach((i) => q.push(i));
    expect(q.push(4)).toBe(false);
    expect(await q.shift()).toBe(1);
    expect(q.push(5)).toBe(true);
    const out = [await q.shift(), await q.shift(), await q.shift()];
    expect(out).toEqual([2, 3, 5]);
    expect(q.length).toBe(0);
  });

  it("shift waits for the next push", async () => {
    const q = new WalletQueue<string>(2);
    let got: string | undefined;
    const p = q.shift().then((v) => (got = v));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBeUndefined();
    expect(q.push("a")).toBe(true);
    await p;
    expect(got).toBe("a");
    expect(q.length).toBe(0);
  });

  it("a waiting consumer receives the item even with capacity 1 and a full queue never blocks it", async () => {
    const q = new WalletQueue<number>(1);
    const waiting = q.shift();
    expect(q.isFull).toBe(false);
    expect(q.push(1)).toBe(true); // to the waiter, not the buffer
    expect(q.push(2)).toBe(true); // buffered
    expect(q.push(3)).toBe(false);
    expect(await waiting).toBe(1);
    expect(await q.shift()).toBe(2);
  });

  it("rejects on abort, before and while waiting, and leaves no waiter behind", async () => {
    const q = new WalletQueue<number>(4);
    const pre = new AbortController();
    pre.abort(new Error("already"));
    await expect(q.shift(pre.signal)).rejects.toThrow("already");

    const ac = new AbortController();
    const p = q.shift(ac.signal);
    ac.abort(new Error("stopped"));
    await expect(p).rejects.toThrow("stopped");
    // The aborted waiter must not swallow the next item.
    expect(q.push(7)).toBe(true);
    expect(q.length).toBe(1);
    expect(await q.shift()).toBe(7);
  });

  it("serves several waiters in FIFO order", async () => {
    const q = new WalletQueue<number>(4);
    const a = q.shift();
    const b = q.shift();
    q.push(1);
    q.push(2);
    expect(await Promise.all([a, b])).toEqual([1, 2]);
  });

  it("clear drops queued items but keeps waiters", async () => {
    const q = new WalletQueue<number>(4);
    q.push(1);
    q.push(2);
    q.clear();
    expect(q.length).toBe(0);
    const p = q.shift();
    q.push(3);
    expect(await p).toBe(3);
  });

  it("yields to the event loop while draining a long backlog", async () => {
    const q = new WalletQueue<number>(512);
    for (let i = 0; i < 512; i++) q.push(i);
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const drained: number[] = [];
    // Without yields this loop runs entirely on microtasks and the macrotask ticker never runs.
    while (q.length > 0) drained.push(await q.shift());
    running = false;
    expect(drained).toEqual(Array.from({ length: 512 }, (_, i) => i));
    expect(ticks).toBeGreaterThan(0);
  });

  it("refuses a nonsensical capacity", () => {
    expect(() => new WalletQueue(0)).toThrow();
  });
});
