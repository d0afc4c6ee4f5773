// Incremental Bridge event index with a persisted cursor (coordination.md §13.2, reliability.md R5,
// §4.2, §7.2 row 14). Each chunk's rows and the `eth.events` cursor are committed in one DB
// transaction; rows are upserted by (txHash, logIndex), so a redone chunk is harmless. A reorg
// guard compares the cursor's hash with the chain at startup and every `reorgCheckEveryChunks`;
// besides, a chunk whose first block does not extend the cursor block triggers the guard at once.
// The `wallet_state` cache of §13.2 has no table in the schema; ev_wallets answers that question.
import { getAddress, toBeHex, type LogDescription } from "ethers";
import { outpointKey, redemptionKey } from "../protocol/bridge-keys.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { DepositStatusRow } from "../store/repos/deposit-status-repo.js";
import { CURSOR } from "../store/repos/cursors-repo.js";
import type { EventPosition } from "../store/repos/event-repo-base.js";
import type { MovingFundsEventName } from "../store/repos/ev-moving-funds-repo.js";
import type { WalletEventName } from "../store/repos/ev-wallets-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { fromHex } from "../util/hex.js";
import { backoffMs, sleep } from "../util/sleep.js";
import { bridgeInterface } from "./abi.js";
import { halvedLogRange, isTransientError } from "./errors.js";
import type { BlockHeader, ChainLog, EthereumChain } from "./ethereum-chain.js";
import type { AbortOptions, Startable } from "../util/lifecycle.js";

export interface EventIndexerComponents {
  chain: EthereumChain;
  store: Store;
  logger?: Logger;
}

export interface EventIndexerInit {
  bridgeAddress: string;
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

/** The last fully indexed block. */
export interface IndexCursor {
  readonly height: number;
  readonly hash: string;
}

export interface RewindInfo {
  /** Cursor height whose hash no longer matched the chain. */
  readonly from: number;
  /** New cursor height (deployBlock − 1 when everything was dropped). */
  readonly to: number;
  /** Event rows deleted (all four tables). */
  readonly deletedRows: number;
}

export interface SyncResult {
  /** Chunks committed by this call. */
  readonly chunks: number;
  /** Event rows written by this call. */
  readonly rows: number;
  /** Reorg rewinds performed by the periodic guard during this call. */
  readonly rewinds: readonly RewindInfo[];
  readonly cursor: IndexCursor | undefined;
}

/** Wallet lifecycle events (also what the wallet registry follows). */
export const WALLET_EVENTS: readonly WalletEventName[] = [
  "NewWalletRegistered",
  "WalletMovingFunds",
  "WalletClosing",
  "WalletClosed",
  "WalletTerminated",
  "WalletOperatorsSet",
];
const MOVING_FUNDS_EVENTS: readonly MovingFundsEventName[] = [
  "MovingFundsCommitmentSubmitted",
  "MovingFundsCompleted",
  "MovedFundsSwept",
  "DepositsSwept",
  "RedemptionsCompleted",
];
/** The events of §13.2, in the spec's order. */
export const INDEXED_EVENTS: readonly string[] = [
  "NewWalletRegistered",
  "WalletMovingFunds",
  "WalletClosing",
  "WalletClosed",
  "WalletTerminated",
  "DepositRevealed",
  "DepositsSwept",
  "RedemptionRequested",
  "RedemptionsCompleted",
  "MovingFundsCommitmentSubmitted",
  "MovingFundsCompleted",
  "MovedFundsSwept",
  "WalletOperatorsSet",
];

export class EventIndexer implements Startable {
  private readonly chain: EthereumChain;
  private readonly store: Store;
  private readonly log: Logger;
  private readonly bridge: string;
  private readonly topics: string[];
  private readonly deployBlock: number;
  private readonly lag: number;
  private readonly minChunk: number;
  private readonly rewind: number;
  private readonly reorgEvery: number;
  private readonly retryBaseMs: number;
  /** Current eth_getLogs span; halved on "range too large", kept for the process lifetime. */
  private chunk: number;
  private chunksSinceCheck = 0;
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
    this.bridge = getAddress(init.bridgeAddress);
    this.deployBlock = init.deployBlock;
    this.lag = o.lagBlocks;
    this.chunk = o.chunkBlocks;
    this.minChunk = Math.min(o.minChunkBlocks, o.chunkBlocks);
    this.rewind = o.rewindBlocks;
    this.reorgEvery = o.reorgCheckEveryChunks;
    this.retryBaseMs = o.retryBaseMs;
    this.topics = INDEXED_EVENTS.map((name) => bridgeInterface.getEvent(name)!.topicHash);
  }

  /** The persisted cursor: the last fully indexed block, or undefined before the first chunk. */
  indexedTo(): IndexCursor | undefined {
    const c = this.store.cursors.get(CURSOR.ethEvents);
    return c && { height: c.height, hash: c.hash };
  }

  /**
   * Indexes complete chunks up to `head − lagBlocks`, each in one transaction with the cursor.
   * Transient RPC errors are retried with backoff until `signal` (or, while started, stop())
   * aborts. Calls are serialized with each other and with checkReorg().
   */
  syncTo(head: number, o: AbortOptions = {}): Promise<SyncResult> {
    return this.serial(() => this.doSync(head, this.signalOf(o)));
  }

  /**
   * Reorg guard: if the cursor's stored hash is no longer the chain's, rewinds `rewindBlocks`
   * (again while the newest kept row is off the chain too), deletes the rows above the new cursor
   * and moves the cursor there, in one transaction. Returns the rewind, or undefined when the
   * cursor is canonical.
   */
  checkReorg(o: AbortOptions = {}): Promise<RewindInfo | undefined> {
    return this.serial(() => this.guard(this.signalOf(o)));
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
      const latest = await this.retrying("eth_getBlockByNumber", () => this.chain.block("latest", { signal, retry: false }), signal);
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
      if (this.latestHead - this.lag <= this.cursorHeight()) {
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
        this.log.warn({ err: describe(err), failures }, "event index sync failed; retrying");
        await sleep(backoffMs(failures, this.retryBaseMs), signal).catch(() => undefined);
      }
    }
  }

  private async doSync(head: number, signal: AbortSignal): Promise<SyncResult> {
    const target = head - this.lag;
    const rewinds: RewindInfo[] = [];
    let chunks = 0;
    let rows = 0;
    let unconfirmed = 0;
    for (;;) {
      signal.throwIfAborted();
      if (this.chunksSinceCheck >= this.reorgEvery) {
        const r = await this.guard(signal);
        if (r !== undefined) rewinds.push(r);
      }
      const cursor = this.indexedTo();
      const from = (cursor?.height ?? this.deployBlock - 1) + 1;
      if (from > target) break;
      const chunk = await this.fetchChunk(from, target, cursor?.hash, signal);
      if (chunk === "discontinuous") {
        const r = await this.guard(signal);
        if (r !== undefined) {
          rewinds.push(r);
          unconfirmed = 0;
        } else {
          // The cursor still matched when re-read: the endpoint is flapping between branches.
          const delay = backoffMs(unconfirmed++, this.retryBaseMs);
          this.log.warn({ from, delay }, "chunk does not continue the cursor block, but the cursor is canonical; retrying");
          await sleep(delay, signal);
        }
        continue;
      }
      rows += this.commitChunk(from - 1, chunk.to, chunk.header, chunk.logs);
      chunks++;
      this.chunksSinceCheck++;
    }
    return { chunks, rows, rewinds, cursor: this.indexedTo() };
  }

  /**
   * Headers of the chunk's last and first block, then its logs; halves the span on "range too
   * large". "discontinuous" when the first block's parent is not the cursor block: a reorg below
   * the cursor, found at the next chunk rather than only at the periodic guard.
   */
  private async fetchChunk(
    from: number,
    target: number,
    cursorHash: string | undefined,
    signal: AbortSignal,
  ): Promise<{ to: number; header: BlockHeader; logs: ChainLog[] } | "discontinuous"> {
    for (let attempt = 0; ; ) {
      const to = Math.min(target, from + this.chunk - 1);
      // Headers first: if the chain reorgs in between, the stored hash is the stale one and the
      // guard catches it; the other order could pair new-branch hashes with old-branch rows.
      const header = await this.header(to, signal);
      if (cursorHash !== undefined) {
        const first = from === to ? header : await this.header(from, signal);
        let parent = first.parentHash.toLowerCase();
        // Hardhat reports a zero parent hash for blocks inside a hardhat_mine range: ask for the cursor block itself.
        if (/^0x0*$/.test(parent)) parent = await this.hashAt(from - 1, signal);
        if (parent !== cursorHash.toLowerCase()) return "discontinuous";
      }
      let logs: ChainLog[];
      try {
        logs = await this.retrying(
          "eth_getLogs",
          () => this.chain.logs({ address: this.bridge, topics: [this.topics], fromBlock: from, toBlock: to }, { signal, retry: false }),
          signal,
        );
      } catch (err) {
        const smaller = halvedLogRange(err, to - from + 1, this.minChunk);
        if (smaller === undefined) throw err;
        this.chunk = smaller;
        this.log.warn({ from, to, chunk: this.chunk }, "eth_getLogs range too large; halving the chunk");
        continue;
      }
      const hash = header.hash.toLowerCase();
      const stale = logs.find(
        (l) => l.removed || l.blockNumber < from || l.blockNumber > to || (l.blockNumber === to && l.blockHash.toLowerCase() !== hash),
      );
      if (stale === undefined) return { to, header, logs };
      // The endpoint answered from another branch than the header: ask again.
      const delay = backoffMs(attempt++, this.retryBaseMs);
      this.log.debug({ from, to, block: stale.blockNumber, delay }, "logs inconsistent with the chunk header; refetching");
      await sleep(delay, signal);
    }
  }

  /** One transaction: the chunk's rows, then the cursor. Returns the number of rows written. */
  private commitChunk(expectedCursor: number, to: number, header: BlockHeader, logs: ChainLog[]): number {
    const ordered = [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    return this.store.transaction(() => {
      // Serialized callers cannot move it, but a second indexer on the same store could.
      if (this.cursorHeight() !== expectedCursor) throw new Error(`eth.events cursor moved during chunk ${expectedCursor + 1}..${to}`);
      let rows = 0;
      for (const l of ordered) if (this.writeLog(l)) rows++;
      crashPoint("indexer.chunk.inside-tx");
      this.store.cursors.set(CURSOR.ethEvents, { height: to, hash: header.hash.toLowerCase() });
      return rows;
    });
  }

  private writeLog(l: ChainLog): boolean {
    if (getAddress(l.address) !== this.bridge) return false;
    let ev: LogDescription | null;
    try {
      ev = bridgeInterface.parseLog({ topics: l.topics, data: l.data });
    } catch (err) {
      this.log.error({ tx: l.transactionHash, logIndex: l.logIndex, err: describe(err) }, "undecodable Bridge log; skipped");
      return false;
    }
    if (ev === null) return false;
    const pos: EventPosition = { txHash: l.transactionHash, logIndex: l.logIndex, blockNumber: l.blockNumber, blockHash: l.blockHash };
    const a = ev.args;
    const name = ev.name;
    if ((WALLET_EVENTS as readonly string[]).includes(name)) {
      const operators = name === "WalletOperatorsSet" ? (a.operators as string[]).map((x) => getAddress(x)) : null;
      this.store.evWallets.upsert({
        ...pos,
        event: name as WalletEventName,
        walletPkh: String(a.walletPubKeyHash),
        ecdsaWalletId: operators === null ? String(a.ecdsaWalletID) : null,
        operators,
      });
      return true;
    }
    if (name === "DepositRevealed") {
      const fundingTxHash = String(a.fundingTxHash);
      const fundingOutputIndex = Number(a.fundingOutputIndex);
      this.store.evDeposits.upsert({
        ...pos,
        depositKey: toBeHex(outpointKey(fromHex(fundingTxHash), fundingOutputIndex), 32),
        fundingTxHash,
        fundingOutputIndex,
        depositor: String(a.depositor),
        amount: BigInt(a.amount as bigint),
        blindingFactor: String(a.blindingFactor),
        walletPkh: String(a.walletPubKeyHash),
        refundPkh: String(a.refundPubKeyHash),
        refundLocktime: String(a.refundLocktime),
        vault: String(a.vault),
      });
      return true;
    }
    if (name === "RedemptionRequested") {
      const script = String(a.redeemerOutputScript);
      const walletPkh = String(a.walletPubKeyHash);
      this.store.evRedemptions.upsert({
        ...pos,
        redemptionKey: toBeHex(redemptionKey(fromHex(script), fromHex(walletPkh)), 32),
        walletPkh,
        redeemerOutputScript: script,
        redeemer: String(a.redeemer),
        requestedAmount: BigInt(a.requestedAmount as bigint),
        treasuryFee: BigInt(a.treasuryFee as bigint),
        txMaxFee: BigInt(a.txMaxFee as bigint),
      });
      return true;
    }
    if ((MOVING_FUNDS_EVENTS as readonly string[]).includes(name)) {
      const commitment = name === "MovingFundsCommitmentSubmitted";
      const btcTxHash = commitment
        ? null
        : String(name === "MovingFundsCompleted" ? a.movingFundsTxHash : name === "RedemptionsCompleted" ? a.redemptionTxHash : a.sweepTxHash);
      this.store.evMovingFunds.upsert({
        ...pos,
        event: name as MovingFundsEventName,
        walletPkh: String(a.walletPubKeyHash),
        targetWallets: commitment ? (a.targetWallets as string[]).map(String) : null,
        submitter: commitment ? String(a.submitter) : null,
        btcTxHash,
      });
      return true;
    }
    return false;
  }

  private async guard(signal: AbortSignal): Promise<RewindInfo | undefined> {
    const cursor = this.indexedTo();
    if (cursor === undefined) {
      this.chunksSinceCheck = 0;
      return undefined;
    }
    const onChain = await this.hashAt(cursor.height, signal);
    if (onChain === cursor.hash.toLowerCase()) {
      this.chunksSinceCheck = 0;
      return undefined;
    }
    // Rewind, and keep rewinding while the newest row we would keep is off the chain as well
    // (a reorg deeper than rewindBlocks).
    let h = cursor.height;
    for (;;) {
      h = Math.max(this.deployBlock - 1, h - this.rewind);
      if (h < this.deployBlock) break;
      const kept = this.newestRowAtOrBelow(h);
      if (kept === undefined || (await this.hashAt(kept.blockNumber, signal)) === kept.blockHash.toLowerCase()) break;
    }
    const newHash = h >= this.deployBlock ? await this.hashAt(h, signal) : undefined;
    const deletedRows = this.store.transaction(() => {
      if (this.cursorHeight() !== cursor.height) throw new Error("eth.events cursor moved during the reorg guard");
      const n =
        this.store.evWallets.deleteAbove(h) +
        this.store.evDeposits.deleteAbove(h) +
        this.store.evRedemptions.deleteAbove(h) +
        this.store.evMovingFunds.deleteAbove(h);
      this.store.depositStatus.deleteAbove(h);
      if (newHash === undefined) this.store.cursors.delete(CURSOR.ethEvents);
      else this.store.cursors.set(CURSOR.ethEvents, { height: h, hash: newHash });
      return n;
    });
    this.chunksSinceCheck = 0;
    this.log.warn({ from: cursor.height, storedHash: cursor.hash, chainHash: onChain, to: h, deletedRows }, "event index reorg: rewound");
    return { from: cursor.height, to: h, deletedRows };
  }

  private newestRowAtOrBelow(h: number): EventPosition | undefined {
    const q = { toBlock: h, order: "desc", limit: 1 } as const;
    const rows: EventPosition[] = [
      ...this.store.evWallets.list(q),
      ...this.store.evDeposits.list(q),
      ...this.store.evRedemptions.list(q),
      ...this.store.evMovingFunds.list(q),
    ];
    return rows.sort((a, b) => b.blockNumber - a.blockNumber)[0];
  }

  private header(n: number, signal: AbortSignal): Promise<BlockHeader> {
    return this.retrying("eth_getBlockByNumber", () => this.chain.block(n, { signal, retry: false }), signal);
  }

  private async hashAt(n: number, signal: AbortSignal): Promise<string> {
    return (await this.header(n, signal)).hash.toLowerCase();
  }

  private cursorHeight(): number {
    return this.store.cursors.get(CURSOR.ethEvents)?.height ?? this.deployBlock - 1;
  }

  /** Retries transient errors with full-jitter backoff until `signal` aborts (reliability.md §6). */
  private async retrying<T>(method: string, fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (!isTransientError(err)) throw err;
        const delay = backoffMs(attempt, this.retryBaseMs);
        this.log.debug({ method, attempt, delay, err: describe(err) }, "transient RPC error; retrying");
        await sleep(delay, signal);
      }
    }
  }

  private signalOf(o: AbortOptions): AbortSignal {
    if (!this.running) return o.signal ?? new AbortController().signal;
    return o.signal === undefined ? this.life.signal : AbortSignal.any([o.signal, this.life.signal]);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
