// The node's Bitcoin cursor (reliability.md R5, R11, §3.6 "Reorgs", §5 step 4): every new tip is
// processed serially; the `btc.tip` cursor, the last 200 headers and the reorg flips of the trackers
// are written in one DB transaction, so a crash replays the tip instead of leaving them apart.
// Listening starts before the catch-up at start (teos PR #206), and the catch-up goes through the
// same code as a live tip.
import type { Startable } from "../util/lifecycle.js";
import { errorCode } from "../util/errors.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { BTC_HEADERS_KEPT } from "../store/repos/btc-headers-repo.js";
import { CURSOR } from "../store/repos/cursors-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { isAbortError } from "../util/sleep.js";
import type { BitcoinChain, BtcHeader, BtcTip } from "./bitcoin-chain.js";
import { backInMempool } from "./tracker-records.js";

/** What one processed tip changed; handed to the listeners (the executor sweeps on it). */
export interface TipProcessed {
  readonly tip: BtcTip;
  readonly previous: BtcTip | null;
  /** The common ancestor when blocks were disconnected, else null. */
  readonly ancestor: number | null;
  /** Number of blocks disconnected (0 without a reorg). */
  readonly disconnected: number;
  /** Txids of the trackers flipped from ConfirmedIn back to InMempoolSince(ancestor). */
  readonly reorged: readonly string[];
}

/** The server's chain changed while this tip was walked: the next tip retries. */
export class ChainMovedError extends Error {
  override readonly name = "ChainMovedError";
  readonly code = "BTC_CHAIN_MOVED";
  readonly transient = true;
}

/** What the responder needs from the cursor (the sync guard of §3.6). */
export interface BitcoinTipView {
  /** The node's processed Bitcoin tip, null before the first one. */
  cursor(): BtcTip | null;
  /** True when the node's cursor equals the server's tip (bounces and missing txs may be interpreted). */
  synced(): boolean;
}

export interface BitcoinTipTrackerComponents {
  store: Store;
  bitcoin: BitcoinChain;
  logger?: Logger;
  metrics?: Metrics | null;
}

export class BitcoinTipTracker implements Startable, BitcoinTipView {
  private readonly store: Store;
  private readonly bitcoin: BitcoinChain;
  private readonly log: Logger;
  private readonly metrics: Metrics | null;
  private readonly listeners = new Set<(e: TipProcessed) => void>();
  private unsubscribe: (() => void) | undefined;
  /** Latest tip not yet processed: tips coalesce, since one walk covers every block up to it. */
  private pending: BtcHeader | null = null;
  private loop: Promise<void> | undefined;
  private running = false;

  constructor(components: BitcoinTipTrackerComponents) {
    this.store = components.store;
    this.bitcoin = components.bitcoin;
    this.log = (components.logger ?? silentLogger).child({ module: "btc-tip" });
    this.metrics = components.metrics ?? null;
  }

  /**
   * Subscribes first (no tip is missed), then reconciles the stored cursor with the server's tip.
   * Idempotent. Does not wait for the catch-up: use idle() for that.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.bitcoin.onTip((tip) => this.enqueue(tip));
    const tip = this.bitcoin.tip();
    if (tip !== null && this.pending === null) {
      try {
        this.enqueue(await this.bitcoin.header(tip.height));
      } catch (err) {
        // The next tip notification reconciles instead.
        this.log.warn({ code: errorCode(err), error: String(err) }, "bitcoin tip: header of the current tip unavailable at start");
      }
    }
  }

  /** Unsubscribes and waits for the tip being processed. Idempotent; legal without start. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.pending = null;
    await this.loop;
  }

  cursor(): BtcTip | null {
    const c = this.store.cursors.get(CURSOR.btcTip);
    return c === undefined ? null : { height: c.height, hash: c.hash };
  }

  synced(): boolean {
    const server = this.bitcoin.tip();
    const cur = this.cursor();
    return server !== null && cur !== null && server.hash === cur.hash && server.height === cur.height;
  }

  /** Called after every processed tip (after its commit); returns an unsubscribe function. */
  onProcessed(listener: (e: TipProcessed) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once no tip is queued or being processed. */
  async idle(): Promise<void> {
    while (this.loop !== undefined) await this.loop;
  }

  private enqueue(tip: BtcHeader): void {
    if (!this.running) return;
    this.pending = tip;
    if (this.loop !== undefined) return;
    this.loop = this.drain().finally(() => (this.loop = undefined));
  }

  private async drain(): Promise<void> {
    while (this.pending !== null) {
      const tip = this.pending;
      this.pending = null;
      let done: TipProcessed | null = null;
      try {
        done = await this.process(tip);
      } catch (err) {
        if (isAbortError(err)) return;
        // Nothing was committed: the next tip walks again from the same cursor (R10).
        this.log.warn({ code: errorCode(err), error: String(err), height: tip.height, hash: tip.hash }, "bitcoin tip not processed; retry on the next tip");
      }
      if (done !== null) this.emit(done);
    }
  }

  private emit(e: TipProcessed): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ code: errorCode(err), error: String(err) }, "bitcoin tip listener failed");
      }
    }
  }

  /**
   * Moves the cursor to `tip`: finds the common ancestor with the stored headers, flips every
   * tracker confirmed above it to InMempoolSince(ancestor) with reorged = 1, stores the connected
   * headers, all in one transaction. Returns null when the tip is already the cursor.
   */
  async process(tip: BtcHeader): Promise<TipProcessed | null> {
    const cur = this.cursor();
    if (cur !== null && cur.hash === tip.hash && cur.height === tip.height) return null;

    let ancestor: number;
    if (cur === null) ancestor = tip.height - 1;
    else if (tip.height === cur.height + 1 && tip.prevHash === cur.hash) ancestor = cur.height;
    else ancestor = await this.commonAncestor(cur, tip);

    const connect = await this.headersToConnect(ancestor, tip);
    const disconnectedFrom = cur !== null && cur.height > ancestor ? ancestor : null;

    const reorged = this.store.transaction(() => {
      const flipped: string[] = [];
      if (disconnectedFrom !== null) {
        for (const t of this.store.btcTrackers.list({ status: "confirmed" })) {
          if (t.confHeight === null || t.confHeight <= disconnectedFrom) continue;
          this.store.btcTrackers.update(t.txid, backInMempool(disconnectedFrom));
          flipped.push(t.txid);
        }
      }
      // Headers above the ancestor are replaced by the new branch (and a shorter branch drops the rest).
      this.store.btcHeaders.deleteAbove(ancestor);
      for (const h of connect) this.store.btcHeaders.put(h);
      this.store.cursors.set(CURSOR.btcTip, { height: tip.height, hash: tip.hash });
      this.store.btcHeaders.prune(BTC_HEADERS_KEPT);
      crashPoint("btc.tip.before-commit");
      return flipped;
    });

    this.metrics?.cursorHeight.set({ cursor: CURSOR.btcTip }, tip.height);
    const e: TipProcessed = {
      tip: { height: tip.height, hash: tip.hash },
      previous: cur,
      ancestor: disconnectedFrom,
      disconnected: disconnectedFrom === null || cur === null ? 0 : cur.height - disconnectedFrom,
      reorged,
    };
    if (disconnectedFrom !== null) {
      this.log.warn({ from: cur, to: e.tip, ancestor: disconnectedFrom, disconnected: e.disconnected, reorged }, "bitcoin reorg");
    } else {
      this.log.debug({ height: tip.height, hash: tip.hash }, "bitcoin tip");
    }
    return e;
  }

  /**
   * Walks down from min(cursor, tip) comparing the stored headers with the server's chain. Beyond
   * the stored headers nothing can be compared: the lowest unknown height is taken as the ancestor.
   */
  private async commonAncestor(cur: BtcTip, tip: BtcHeader): Promise<number> {
    for (let h = Math.min(cur.height, tip.height); h >= 0; h--) {
      const stored = h === cur.height ? cur.hash : this.store.btcHeaders.get(h)?.hash;
      if (stored === undefined) {
        this.log.error({ cursor: cur, tip: { height: tip.height, hash: tip.hash }, height: h }, "bitcoin reorg deeper than the stored headers");
        return h;
      }
      const server = h === tip.height ? tip.hash : (await this.bitcoin.header(h)).hash;
      if (server === stored) return h;
    }
    return -1;
  }

  /** The server's headers ancestor+1 … tip (at most the kept 200), checked to link up to `tip`. */
  private async headersToConnect(ancestor: number, tip: BtcHeader): Promise<BtcHeader[]> {
    const from = Math.max(ancestor + 1, tip.height - BTC_HEADERS_KEPT + 1, 0);
    const out: BtcHeader[] = [tip];
    for (let h = tip.height - 1; h >= from; h--) {
      const header = await this.bitcoin.header(h);
      if (header.hash !== out[0].prevHash) {
        throw new ChainMovedError(`bitcoin chain moved while walking: header ${h} is ${header.hash}, expected ${out[0].prevHash}`);
      }
      out.unshift(header);
    }
    // A tip at the ancestor (a shorter branch) links to nothing new.
    if (out[0].height === ancestor + 1 && ancestor >= 0) {
      const anc = ancestor === this.cursor()?.height ? this.cursor()!.hash : this.store.btcHeaders.get(ancestor)?.hash;
      if (anc !== undefined && out[0].prevHash !== anc) {
        throw new ChainMovedError(`bitcoin chain moved while walking: block ${from} does not build on the ancestor ${anc}`);
      }
    }
    return out;
  }
}

