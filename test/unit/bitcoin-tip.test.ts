// BitcoinTipTracker (reliability.md R5, R11, §3.6 reorgs, §5 step 4) over FakeBitcoinChain and a real Store.
import { afterEach, describe, expect, it } from "vitest";
import { BitcoinTipTracker, type TipProcessed } from "../../src/bitcoin/bitcoin-tip.js";
import { BTC_HEADERS_KEPT } from "../../src/store/repos/btc-headers-repo.js";
import { CURSOR } from "../../src/store/repos/cursors-repo.js";
import { Store } from "../../src/store/store.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";

const open: { store: Store; tracker: BitcoinTipTracker }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.tracker.stop();
    o.store.close();
  }
});

async function setup(chain = new FakeBitcoinChain(), store = Store.openMemory()) {
  const tracker = new BitcoinTipTracker({ store, bitcoin: chain });
  const events: TipProcessed[] = [];
  tracker.onProcessed((e) => events.push(e));
  open.push({ store, tracker });
  await tracker.start();
  await tracker.idle();
  return { chain, store, tracker, events };
}

/** A tracker row confirmed at `height` (what the responder writes). */
function confirmedTracker(store: Store, n: number, height: number): string {
  const txid = n.toString(16).padStart(64, "0");
  store.btcTrackers.insert({
    txid,
    raw: Uint8Array.of(n),
    outpoints: [{ txHash: "0x" + "ab".repeat(32), index: n }],
    status: "confirmed",
    confHeight: height,
    confHash: `hash-at-${height}`,
  });
  return txid;
}

/** The stored headers equal the server's best chain over `from … to`, and the cursor is its tip. */
async function expectConsistent(store: Store, chain: FakeBitcoinChain, from: number): Promise<void> {
  const tip = chain.tip();
  expect(store.cursors.get(CURSOR.btcTip)).toMatchObject({ height: tip.height, hash: tip.hash });
  for (const h of store.btcHeaders.range(from, tip.height)) {
    expect(h).toEqual(await chain.header(h.height));
  }
  expect(store.btcHeaders.tip()?.height).toBe(tip.height);
}

describe("BitcoinTipTracker", () => {
  it("persists the first tip as the cursor at start and follows new blocks", async () => {
    const { chain, store, tracker, events } = await setup();
    expect(tracker.cursor()).toEqual(chain.tip());
    expect(tracker.synced()).toBe(true);
    expect(events).toHaveLength(1);

    chain.mine(3);
    await tracker.idle();
    await expectConsistent(store, chain, 100);
    expect(store.btcHeaders.range(101, 103)).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ tip: chain.tip(), ancestor: null, disconnected: 0, reorged: [] });
  });

  it("keeps only the last 200 headers", async () => {
    const { chain, store, tracker } = await setup();
    chain.mine(BTC_HEADERS_KEPT + 50);
    await tracker.idle();
    const tip = chain.tip().height;
    expect(store.btcHeaders.range(0, tip)).toHaveLength(BTC_HEADERS_KEPT);
    expect(store.btcHeaders.get(tip - BTC_HEADERS_KEPT)).toBeUndefined();
    expect(store.btcHeaders.get(tip - BTC_HEADERS_KEPT + 1)).toBeDefined();
  });

  it("is behind (not synced) while the server has a newer tip, and a processed tip is never processed twice", async () => {
    const { chain, tracker } = await setup();
    await tracker.stop();
    chain.mine();
    expect(tracker.synced()).toBe(false);
    expect(await tracker.process(await chain.header(chain.tip().height))).not.toBeNull();
    expect(tracker.synced()).toBe(true);
    expect(await tracker.process(await chain.header(chain.tip().height))).toBeNull();
  });

  it("a 1-block reorg flips only the trackers confirmed in the disconnected block, in the cursor's transaction", async () => {
    const { chain, store, tracker, events } = await setup();
    chain.mine(5); // tip 105
    await tracker.idle();
    const atTip = confirmedTracker(store, 1, 105);
    const below = confirmedTracker(store, 2, 104);

    chain.disconnectTip(); // tip 104
    await tracker.idle();
    expect(store.btcTrackers.get(atTip)).toMatchObject({ status: "in_mempool", sinceHeight: 104, confHeight: null, confHash: null, reorged: true });
    expect(store.btcTrackers.get(below)).toMatchObject({ status: "confirmed", confHeight: 104, reorged: false });
    expect(events.at(-1)).toMatchObject({ ancestor: 104, disconnected: 1, reorged: [atTip] });
    expect(store.btcHeaders.get(105)).toBeUndefined();

    chain.mine(2); // a new 105 and 106
    await tracker.idle();
    await expectConsistent(store, chain, 100);
  });

  it("a 10-block reorg while stopped is found at start by walking back to the common ancestor", async () => {
    const { chain, store, tracker, events } = await setup();
    chain.mine(20); // tip 120
    await tracker.idle();
    const old = await chain.header(115);
    const reorgedOut = [confirmedTracker(store, 1, 111), confirmedTracker(store, 2, 120)];
    const kept = confirmedTracker(store, 3, 110);
    await tracker.stop();

    chain.forkAt(110); // 10 blocks disconnected
    chain.mine(12); // tip 122 on the new branch
    await tracker.start();
    await tracker.idle();

    for (const txid of reorgedOut) expect(store.btcTrackers.get(txid)).toMatchObject({ status: "in_mempool", sinceHeight: 110, reorged: true });
    expect(store.btcTrackers.get(kept)).toMatchObject({ status: "confirmed", confHeight: 110 });
    expect(events.at(-1)).toMatchObject({ ancestor: 110, disconnected: 10, tip: chain.tip() });
    expect(store.btcHeaders.get(115)?.hash).not.toBe(old.hash);
    await expectConsistent(store, chain, 100);
  });

  it("a tip that cannot be walked (server unreachable) commits nothing and the next tip catches up", async () => {
    const { chain, store, tracker } = await setup();
    chain.mine(2);
    await tracker.idle();
    const tracked = confirmedTracker(store, 1, 102);
    const before = store.cursors.get(CURSOR.btcTip);

    // The fake reports tips only when reachable: feed the new tip by hand while unreachable.
    await tracker.stop();
    chain.disconnectTip();
    chain.mine(1); // a competing 102: the walk back needs header reads
    chain.setUnreachable(true);
    const tip = { ...chain.tip(), prevHash: (await headerWhenReachable(chain, 101)).hash };
    await expect(tracker.process(tip)).rejects.toThrow(/unreachable/);
    expect(store.cursors.get(CURSOR.btcTip)).toEqual(before);
    expect(store.btcTrackers.get(tracked)?.status).toBe("confirmed");

    chain.setUnreachable(false);
    await tracker.start();
    await tracker.idle();
    expect(store.btcTrackers.get(tracked)).toMatchObject({ status: "in_mempool", reorged: true, sinceHeight: 101 });
    await expectConsistent(store, chain, 100);
  });

  it("reopening the database resumes from the stored cursor", async () => {
    const chain = new FakeBitcoinChain();
    const store = Store.openMemory();
    const first = new BitcoinTipTracker({ store, bitcoin: chain });
    await first.start();
    chain.mine(3);
    await first.idle();
    await first.stop();
    chain.mine(2);
    const { tracker, events } = await setup(chain, store);
    expect(tracker.cursor()).toEqual(chain.tip());
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ previous: { height: 103 }, ancestor: null });
    expect(store.btcHeaders.range(101, 105)).toHaveLength(5);
  });
});

/** Reads a header with the fake made reachable for the duration of the call. */
async function headerWhenReachable(chain: FakeBitcoinChain, height: number) {
  const was = chain.isUnreachable();
  chain.setUnreachable(false);
  try {
    return await chain.header(height);
  } finally {
    chain.setUnreachable(was);
  }
}
