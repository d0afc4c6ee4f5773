// Walks the Bridge's logs (and the FrostWalletRegistry's, in the same eth_getLogs) from the index cursor in block ranges (coordination.md §13.2, reliability.md
// §7.2 row 14): eth_getLogs spans halve on "range too large"; each chunk checks that it extends the
// cursor block; a reorg guard compares the cursor's hash with the chain every `reorgCheckEveryChunks`
// (and whenever a chunk does not extend the cursor) and rewinds the index past the fork.
import { silentLogger, type Logger } from "../util/logger.js";
import { errorMessage } from "../util/errors.js";
import { backoffMs, sleep } from "../util/sleep.js";
import { bridgeInterface, frostWalletRegistryInterface } from "./abi.js";
import { decodeChunk, INDEXED_EVENTS, REGISTRY_EVENTS, type IndexedContracts } from "./event-decode.js";
import type { EventIndexStore, IndexCursor } from "./event-persist.js";
import { halvedLogRange, isTransientError } from "./errors.js";
import type { BlockHeader, ChainLog, EthereumChain } from "./ethereum-chain.js";

export interface RewindInfo {
  /** Cursor height whose hash no longer matched the chain. */
  readonly from: number;
  /** New cursor height (deployBlock − 1 when everything was dropped). */
  readonly to: number;
  /** Event rows deleted (all the event tables). */
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

export interface EventScannerComponents {
  chain: EthereumChain;
  index: EventIndexStore;
  logger?: Logger;
}

/** Checked and defaulted by the EventIndexer (its init documents each option). */
export interface EventScannerInit {
  bridgeAddress: string;
  /** The FrostWalletRegistry, whose logs are read with the Bridge's; none when undefined. */
  frostWalletRegistryAddress?: string;
  deployBlock: number;
  chunkBlocks: number;
  minChunkBlocks: number;
  rewindBlocks: number;
  reorgCheckEveryChunks: number;
  retryBaseMs: number;
}

interface Chunk {
  readonly to: number;
  readonly header: BlockHeader;
  readonly logs: ChainLog[];
}

export class EventScanner {
  private readonly chain: EthereumChain;
  private readonly index: EventIndexStore;
  private readonly log: Logger;
  private readonly o: EventScannerInit;
  private readonly topics: string[];
  private readonly contracts: IndexedContracts;
  /** Current eth_getLogs span; halved on "range too large", kept for the process lifetime. */
  private chunk: number;
  private chunksSinceCheck = 0;

  constructor(components: EventScannerComponents, init: EventScannerInit) {
    this.chain = components.chain;
    this.index = components.index;
    this.log = components.logger ?? silentLogger;
    this.o = init;
    this.chunk = init.chunkBlocks;
    this.contracts = { bridge: init.bridgeAddress, frostWalletRegistry: init.frostWalletRegistryAddress };
    this.topics = INDEXED_EVENTS.map((name) => bridgeInterface.getEvent(name)!.topicHash);
    if (init.frostWalletRegistryAddress !== undefined) this.topics.push(...REGISTRY_EVENTS.map((name) => frostWalletRegistryInterface.getEvent(name)!.topicHash));
  }

  /** Commits complete chunks up to block `target`; the guard runs first when it is due. */
  async scanTo(target: number, signal: AbortSignal): Promise<SyncResult> {
    const rewinds: RewindInfo[] = [];
    let chunks = 0;
    let rows = 0;
    let unconfirmed = 0;
    for (;;) {
      signal.throwIfAborted();
      if (this.chunksSinceCheck >= this.o.reorgCheckEveryChunks) {
        const r = await this.guard(signal);
        if (r !== undefined) rewinds.push(r);
      }
      const cursor = this.index.cursor();
      const from = (cursor?.height ?? this.o.deployBlock - 1) + 1;
      if (from > target) break;
      const chunk = await this.fetchChunk(from, target, cursor?.hash, signal);
      if (chunk === "discontinuous") {
        const r = await this.guard(signal);
        if (r !== undefined) {
          rewinds.push(r);
          unconfirmed = 0;
        } else {
          // The cursor still matched when re-read: the endpoint is flapping between branches.
          const delay = backoffMs(unconfirmed++, this.o.retryBaseMs);
          this.log.warn({ from, delay }, "chunk does not continue the cursor block, but the cursor is canonical; retrying");
          await sleep(delay, signal);
        }
        continue;
      }
      rows += this.index.commitChunk(from - 1, chunk.to, chunk.header.hash, decodeChunk(chunk.logs, this.contracts, this.log));
      chunks++;
      this.chunksSinceCheck++;
    }
    return { chunks, rows, rewinds, cursor: this.index.cursor() };
  }

  /**
   * Reorg guard: if the cursor's stored hash is no longer the chain's, rewinds `rewindBlocks` (again
   * while the newest kept row is off the chain too) and moves the index there. Undefined when the
   * cursor is canonical.
   */
  async guard(signal: AbortSignal): Promise<RewindInfo | undefined> {
    const cursor = this.index.cursor();
    const onChain = cursor && (await this.hashAt(cursor.height, signal));
    if (cursor === undefined || onChain === cursor.hash.toLowerCase()) {
      this.chunksSinceCheck = 0;
      return undefined;
    }
    // Rewind, and keep rewinding while the newest row we would keep is off the chain as well
    // (a reorg deeper than rewindBlocks).
    let h = cursor.height;
    for (;;) {
      h = Math.max(this.o.deployBlock - 1, h - this.o.rewindBlocks);
      if (h < this.o.deployBlock) break;
      const kept = this.index.newestRowAtOrBelow(h);
      if (kept === undefined || (await this.hashAt(kept.blockNumber, signal)) === kept.blockHash.toLowerCase()) break;
    }
    const newHash = h >= this.o.deployBlock ? await this.hashAt(h, signal) : undefined;
    const deletedRows = this.index.rewind(cursor.height, h, newHash);
    this.chunksSinceCheck = 0;
    this.log.warn({ from: cursor.height, storedHash: cursor.hash, chainHash: onChain, to: h, deletedRows }, "event index reorg: rewound");
    return { from: cursor.height, to: h, deletedRows };
  }

  /** The latest block, retried while the errors are transient. */
  latest(signal: AbortSignal): Promise<BlockHeader> {
    return this.retrying("eth_getBlockByNumber", () => this.chain.block("latest", { signal, retry: false }), signal);
  }

  /**
   * Headers of the chunk's last and first block, then its logs; halves the span on "range too
   * large". "discontinuous" when the first block's parent is not the cursor block: a reorg below
   * the cursor, found at the next chunk rather than only at the periodic guard.
   */
  private async fetchChunk(from: number, target: number, cursorHash: string | undefined, signal: AbortSignal): Promise<Chunk | "discontinuous"> {
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
      const logs = await this.logs(from, to, signal);
      if (logs === "halved") continue;
      const hash = header.hash.toLowerCase();
      const stale = logs.find(
        (l) => l.removed || l.blockNumber < from || l.blockNumber > to || (l.blockNumber === to && l.blockHash.toLowerCase() !== hash),
      );
      if (stale === undefined) return { to, header, logs };
      // The endpoint answered from another branch than the header: ask again.
      const delay = backoffMs(attempt++, this.o.retryBaseMs);
      this.log.debug({ from, to, block: stale.blockNumber, delay }, "logs inconsistent with the chunk header; refetching");
      await sleep(delay, signal);
    }
  }

  /** The indexed events' logs of [from, to]; "halved" when the endpoint refused the span and it was halved. */
  private async logs(from: number, to: number, signal: AbortSignal): Promise<ChainLog[] | "halved"> {
    const { bridge, frostWalletRegistry } = this.contracts;
    const address = frostWalletRegistry === undefined ? bridge : [bridge, frostWalletRegistry];
    const filter = { address, topics: [this.topics], fromBlock: from, toBlock: to };
    try {
      return await this.retrying("eth_getLogs", () => this.chain.logs(filter, { signal, retry: false }), signal);
    } catch (err) {
      const smaller = halvedLogRange(err, to - from + 1, this.o.minChunkBlocks);
      if (smaller === undefined) throw err;
      this.chunk = smaller;
      this.log.warn({ from, to, chunk: this.chunk }, "eth_getLogs range too large; halving the chunk");
      return "halved";
    }
  }

  private header(n: number, signal: AbortSignal): Promise<BlockHeader> {
    return this.retrying("eth_getBlockByNumber", () => this.chain.block(n, { signal, retry: false }), signal);
  }

  private async hashAt(n: number, signal: AbortSignal): Promise<string> {
    return (await this.header(n, signal)).hash.toLowerCase();
  }

  /** Retries transient errors with full-jitter backoff until `signal` aborts (reliability.md §6). */
  private async retrying<T>(method: string, fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (!isTransientError(err)) throw err;
        const delay = backoffMs(attempt, this.o.retryBaseMs);
        this.log.debug({ method, attempt, delay, err: errorMessage(err) }, "transient RPC error; retrying");
        await sleep(delay, signal);
      }
    }
  }
}
