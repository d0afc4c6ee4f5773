// Incremental Bridge event index with a persisted cursor (coordination.md §13.2, reliability.md R5,
// §4.2, §7.2 row 14), kept up to head − lagBlocks. The jobs: event-scan.ts walks block ranges and
// guards against reorgs, event-decode.ts turns logs into rows by event name, event-persist.ts writes
// rows and cursor in one transaction. This file runs them: one call at a time, following new heads
// while started. The `wallet_state` cache of §13.2 has no table in the schema; ev_wallets answers that.
import { getAddress } from "ethers";
import { silentLogger, type Logger } from "../util/logger.js";
import type { DepositStatusRow } from "../store/repos/deposit-status-repo.js";
import type { Store } from "../store/store.js";
import { errorMessage } from "../util/errors.js";
import { backoffMs, sleep } from "../util/sleep.js";
import { EventIndexStore, type IndexCursor } from "./event-persist.js";
import { EventScanner, type RewindInfo, type SyncResult } from "./event-scan.js";
import type { EthereumChain } from "./ethereum-chain.js";
import type { AbortOptions, Startable } from "../util/lifecycle.js";

export type { IndexCursor, RewindInfo, SyncResult };

export interface EventIndexerComponents {
  chain: EthereumChain;
  store: Store;
  logger?: Logger;
}

export interface EventIndexerInit {
  bridgeAddress: string;
  /**
   * The FrostWalletRegistry (`bridge.frostWalletRegistry`, threshold.md §3.1): its DKG events are
   * indexed with the Bridge's, in the same chunks under the same cursor. None when undefined.
   */
  frostWalletRegistryAddress?: string;
  /** First block to index when there is no cursor (`bridge.deployBlock`). */
  deployBlock: number;
  /** Index up to head − lagBlocks (`indexer.lagBlocks`). Default 32. */
  lagBlocks?: number;
  /** Initial eth_getLogs span (`indexer.chunkBlocks`). Default 5000. */
  chunkBlocks?: number;
  /** Halving stops here; a refusal at this size is an error. Default 100. */
  minChunkBlocks?: number;
  /** Rewind on a cursor hash mismatch (`indexer.rewindBlocks`). Default 128. */
  rewindBlocks?: number;
  /** Reorg guard period in committed chunks (besides startup). Default 100. */
  reorgCheckEveryChunks?: number;
  /** Base of the transient-error backoff (reliability.md §6). Default 500 ms. */
  retryBaseMs?: number;
}

export const DEFAULT_INDEXER_OPTIONS = {
  lagBlocks: 32,
  chunkBlocks: 5000,
  minChunkBlocks: 100,
  rewindBlocks: 128,
  reorgCheckEveryChunks: 100,
  retryBaseMs: 500,
} as const;

export class EventIndexer implements Startable {
  /** First indexed block (`bridge.deployBlock`). */
  readonly deployBlock: number;
  private readonly chain: EthereumChain;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly lag: number;
  private readonly retryBaseMs: number;
  private readonly index: EventIndexStore;
  private readonly scanner: EventScanner;
  private readonly registryAddress: string | undefined;
  /** useRegistry ran (once per process, before the first scan or guard). */
  private registryChecked = false;
  private queue: Promise<unknown> = Promise.resolve();
  private life = new AbortController();
  private running = false;
  private unsubscribe: (() => void) | undefined;
  private followTask: Promise<void> | undefined;
  private latestHead = -1;
  private wake: (() => void) | undefined;

  constructor(components: EventIndexerComponents, init: EventIndexerInit) {
    const o = { ...DEFAULT_INDEXER_OPTIONS, ...definedOnly(init) };
    for (const [k, v] of Object.entries({ deployBlock: init.deployBlock, lagBlocks: o.lagBlocks, rewindBlocks: o.rewindBlocks })) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`event indexer: invalid ${k} ${v}`);
    }
    for (const [k, v] of Object.entries({ chunkBlocks: o.chunkBlocks, minChunkBlocks: o.minChunkBlocks, reorgCheckEveryChunks: o.reorgCheckEveryChunks })) {
      if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`event indexer: invalid ${k} ${v}`);
    }
    this.chain = components.chain;
    this.store = components.store;
    this.log = (components.logger ?? silentLogger).child({ module: "event-indexer" });
    this.deployBlock = init.deployBlock;
    this.lag = o.lagBlocks;
    this.retryBaseMs = o.retryBaseMs;
    this.index = new EventIndexStore({ store: this.store }, { deployBlock: init.deployBlock });
    this.registryAddress = init.frostWalletRegistryAddress === undefined ? undefined : getAddress(init.frostWalletRegistryAddress);
    this.scanner = new EventScanner(
      { chain: this.chain, index: this.index, logger: this.log },
      {
        ...o,
        bridgeAddress: getAddress(init.bridgeAddress),
        frostWalletRegistryAddress: this.registryAddress,
        deployBlock: init.deployBlock,
        minChunkBlocks: Math.min(o.minChunkBlocks, o.chunkBlocks),
      },
    );
  }

  /** The persisted cursor: the last fully indexed block, or undefined before the first chunk. */
  indexedTo(): IndexCursor | undefined {
    return this.index.cursor();
  }

  /**
   * Indexes complete chunks up to `head − lagBlocks`, each in one transaction with the cursor.
   * Transient RPC errors are retried with backoff until `signal` (or, while started, stop())
   * aborts. Calls are serialized with each other and with checkReorg().
   */
  syncTo(head: number, o: AbortOptions = {}): Promise<SyncResult> {
    return this.indexThrough(head - this.lag, o);
  }

  /** Like syncTo, up to block `target` itself (the wallet registry's W−32, whose logs are complete once it exists). */
  indexThrough(target: number, o: AbortOptions = {}): Promise<SyncResult> {
    return this.serial(() => this.scanner.scanTo(target, this.signalOf(o)));
  }

  /**
   * Reorg guard: if the cursor's stored hash is no longer the chain's, rewinds `rewindBlocks`
   * (again while the newest kept row is off the chain too), deletes the rows above the new cursor
   * and moves the cursor there, in one transaction. Returns the rewind, or undefined when the
   * cursor is canonical.
   */
  checkReorg(o: AbortOptions = {}): Promise<RewindInfo | undefined> {
    return this.serial(() => this.scanner.guard(this.signalOf(o)));
  }

  /** Final observation `deposits(key).sweptAt != 0` from a pinned read at `observedBlock`. */
  markSwept(depositKey: string, observedBlock: number): boolean {
    return this.store.depositStatus.mark(depositKey, "swept", observedBlock);
  }

  /** Final observation that the deposit's script check failed (coordination.md §13.4.1). */
  markUnsweepable(depositKey: string, observedBlock: number, reason: string): boolean {
    return this.store.depositStatus.mark(depositKey, "unsweepable", observedBlock, reason);
  }

  depositStatus(depositKey: string): DepositStatusRow | undefined {
    return this.store.depositStatus.get(depositKey);
  }

  /**
   * Subscribes to heads, runs the startup reorg guard and catches up to head − lag (reliability.md
   * §5 step 4), then follows new heads in the background until stop().
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.life = new AbortController();
    const signal = this.life.signal;
    this.unsubscribe = this.chain.onHead((h) => this.noteHead(h));
    try {
      await this.checkReorg({ signal });
      const latest = await this.scanner.latest(signal);
      this.noteHead(Math.max(latest.number, this.chain.head()));
      await this.syncTo(this.latestHead, { signal });
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.followTask = this.follow(signal);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.life.abort(new DOMException("event indexer stopped", "AbortError"));
    this.wake?.();
    await this.followTask?.catch(() => undefined);
    this.followTask = undefined;
    await this.queue.catch(() => undefined);
  }

  private noteHead(h: number): void {
    if (h <= this.latestHead) return;
    this.latestHead = h;
    this.wake?.();
  }

  private async follow(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      if (this.latestHead - this.lag <= this.index.cursorHeight()) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        await this.syncTo(this.latestHead, { signal });
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.log.warn({ err: errorMessage(err), failures }, "event index sync failed; retrying");
        await sleep(backoffMs(failures, this.retryBaseMs), signal).catch(() => undefined);
      }
    }
  }

  /** An index built following another FrostWalletRegistry (or none) is rebuilt from the deploy block. */
  private checkRegistry(): void {
    if (this.registryChecked) return;
    if (this.index.useRegistry(this.registryAddress)) {
      this.log.warn({ frostWalletRegistry: this.registryAddress ?? "none" }, "event index built for another FrostWalletRegistry: cleared, rebuilding from the deploy block");
    }
    this.registryChecked = true;
  }

  private signalOf(o: AbortOptions): AbortSignal {
    if (!this.running) return o.signal ?? new AbortController().signal;
    return o.signal === undefined ? this.life.signal : AbortSignal.any([o.signal, this.life.signal]);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.checkRegistry();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
