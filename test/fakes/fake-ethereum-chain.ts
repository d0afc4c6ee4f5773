// In-memory EthereumChain for tests (style.md §1.14, reliability.md §7.4): a chain of blocks with
// linked hashes, per-block call results, logs, reorgs, an unreachable switch and an endpoint's log
// range limit. It answers like EthersChain: the same error classes, retry of transient errors until
// the caller's signal or stop() aborts, heads only while started.
//
// Usage:
//   const eth = new FakeEthereumChain();                  // blocks 0..100
//   eth.setCall(addr, { returns: "0x…" });                // state of the next mined block on
//   eth.addLog(addr, [topic], "0x");                      // goes into the next mined block
//   eth.mine(3); eth.forkAt(98);                          // reorg: later blocks get other hashes
//   eth.setUnreachable(true); eth.setMaxLogRange(0);      // transport errors, RANGE_TOO_LARGE
import { AbstractProvider, Network, id, type Provider } from "ethers";
import { CallRevertedError, RpcError, RpcErrorCode } from "../../src/chain/errors.js";
import type { BlockHeader, BlockRef, ChainCallOptions, ChainLog, EthereumChain, LogFilter } from "../../src/chain/ethereum-chain.js";
import { backoffMs, sleep } from "../../src/util/sleep.js";

export interface FakeEthereumChainInit {
  /** Number of the latest block at construction (a chain of empty blocks from 0). Default 100. */
  startBlock?: number;
  /** The provider's network. Default 31337. */
  chainId?: bigint;
  /** Seconds between block timestamps. Default 12. */
  blockTimeSec?: number;
}

/** What a call to an address answers at a block: return data or a revert with data. */
export type FakeCallResult = { returns: string } | { reverts: string };

interface FakeBlock extends BlockHeader {
  readonly calls: ReadonlyMap<string, FakeCallResult>;
  readonly logs: readonly ChainLog[];
}

type PendingLog = Pick<ChainLog, "address" | "topics" | "data">;

const GENESIS_TIMESTAMP = 1_700_000_000;
/** Backoff of the retry loop: short, as the fake's transient errors are switched off by the test. */
const RETRY_BASE_MS = 20;
const RETRY_CAP_MS = 200;

/** Answers getNetwork() with the fixed chain id; every other provider call is unsupported. */
class NetworkOnlyProvider extends AbstractProvider {
  constructor(private readonly fixed: Network) {
    super(fixed);
  }
  override async _detectNetwork(): Promise<Network> {
    return this.fixed;
  }
}

export class FakeEthereumChain implements EthereumChain {
  readonly provider: Provider;
  private readonly blocks: FakeBlock[] = [];
  private readonly blockTimeSec: number;
  private readonly headListeners = new Set<(head: number) => void>();
  private pendingCalls = new Map<string, FakeCallResult>();
  private pendingLogs: PendingLog[] = [];
  private fork = 0;
  private highest = -1;
  private running = false;
  private unreachable = false;
  private maxLogRange: number | null = null;
  private life = new AbortController();

  constructor(init: FakeEthereumChainInit = {}) {
    this.provider = new NetworkOnlyProvider(Network.from(init.chainId ?? 31337n));
    this.blockTimeSec = init.blockTimeSec ?? 12;
    for (let n = 0; n <= (init.startBlock ?? 100); n++) this.append();
  }

  // ---- EthereumChain ----

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.life.signal.aborted) this.life = new AbortController();
    this.announce();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.life.abort(new DOMException("chain stopped", "AbortError"));
  }

  head(): number {
    return this.highest;
  }

  onHead(listener: (head: number) => void): () => void {
    this.headListeners.add(listener);
    return () => {
      this.headListeners.delete(listener);
    };
  }

  block(n: number | "latest", o?: ChainCallOptions): Promise<BlockHeader> {
    return this.answer("eth_getBlockByNumber", o, () => {
      const { number, hash, parentHash, timestamp } = this.blockAt(n === "latest" ? this.latest().number : n);
      return { number, hash, parentHash, timestamp };
    });
  }

  call(tx: { to: string; data: string }, at: BlockRef, o?: ChainCallOptions): Promise<string> {
    return this.answer("eth_call", o, () => {
      const b = this.blocks[at.blockNumber];
      if (b === undefined || b.hash !== at.blockHash.toLowerCase()) throw notFound("eth_call", `header for hash ${at.blockHash} not found`);
      const result = b.calls.get(tx.to.toLowerCase()) ?? { returns: "0x" };
      if ("reverts" in result) throw new CallRevertedError(result.reverts, `call reverted: execution reverted (fake, ${tx.to})`);
      return result.returns;
    });
  }

  logs(filter: LogFilter, o?: ChainCallOptions): Promise<ChainLog[]> {
    return this.answer("eth_getLogs", o, () => {
      if (this.maxLogRange !== null && filter.toBlock - filter.fromBlock + 1 > this.maxLogRange) {
        throw new RpcError(RpcErrorCode.RANGE_TOO_LARGE, `block range exceeds ${this.maxLogRange} (fake)`, { method: "eth_getLogs", transient: false });
      }
      const addresses = new Set((Array.isArray(filter.address) ? filter.address : [filter.address]).map((a) => a.toLowerCase()));
      const out: ChainLog[] = [];
      for (let n = Math.max(0, filter.fromBlock); n <= Math.min(filter.toBlock, this.latest().number); n++) {
        out.push(...this.blocks[n].logs.filter((l) => addresses.has(l.address) && topicsMatch(l.topics, filter.topics ?? [])));
      }
      return out;
    });
  }

  // ---- test controls ----

  /** From the next mined block on, a call to `address` answers `result`. */
  setCall(address: string, result: FakeCallResult): void {
    this.pendingCalls.set(address.toLowerCase(), result);
  }

  /** A log of `address` in the next mined block. */
  addLog(address: string, topics: string[], data = "0x"): void {
    this.pendingLogs.push({ address: address.toLowerCase(), topics: topics.map((t) => t.toLowerCase()), data: data.toLowerCase() });
  }

  /** Mines `n` blocks (the pending calls and logs go into the first); returns their headers. */
  mine(n = 1): BlockHeader[] {
    const mined: BlockHeader[] = [];
    for (let i = 0; i < n; i++) mined.push(this.append());
    this.announce();
    return mined;
  }

  /** Drops every block above `n`; the blocks mined next get other hashes (a reorg). */
  forkAt(n: number): void {
    if (n < 0 || n >= this.blocks.length) throw new Error(`no block ${n} to fork at`);
    this.blocks.length = n + 1;
    this.fork++;
  }

  /** While on, every call fails as a transient NETWORK error and no head is announced. */
  setUnreachable(on: boolean): void {
    this.unreachable = on;
    if (!on) this.announce();
  }

  /** eth_getLogs refuses ranges of more than `blocks` blocks (null: no limit; 0 refuses every range). */
  setMaxLogRange(blocks: number | null): void {
    this.maxLogRange = blocks;
  }

  latest(): BlockHeader {
    return this.blocks[this.blocks.length - 1];
  }

  // ---- internals ----

  private append(): FakeBlock {
    const parent = this.blocks.at(-1);
    const number = this.blocks.length;
    const parentHash = parent?.hash ?? "0x" + "00".repeat(32);
    const hash = id(`fake-eth ${this.fork} ${number} ${parentHash}`);
    const logs = this.pendingLogs.map((l, i): ChainLog => {
      const transactionHash = id(`fake-eth-tx ${hash} ${i}`);
      return { ...l, blockNumber: number, blockHash: hash, transactionHash, transactionIndex: i, logIndex: i, removed: false };
    });
    const calls = new Map([...(parent?.calls ?? []), ...this.pendingCalls]);
    const b: FakeBlock = { number, hash, parentHash, timestamp: GENESIS_TIMESTAMP + number * this.blockTimeSec, calls, logs };
    this.pendingCalls = new Map();
    this.pendingLogs = [];
    this.blocks.push(b);
    return b;
  }

  private blockAt(n: number): FakeBlock {
    const b = this.blocks[n];
    if (b === undefined) throw notFound("eth_getBlockByNumber", `block ${n} not found`);
    return b;
  }

  private announce(): void {
    const n = this.latest().number;
    if (!this.running || this.unreachable || n <= this.highest) return;
    this.highest = n;
    for (const listener of [...this.headListeners]) listener(n);
  }

  /** One JSON-RPC answer, retried like EthersChain while transient, until `o.signal` or stop() aborts. */
  private async answer<T>(method: string, o: ChainCallOptions | undefined, read: () => T): Promise<T> {
    const outer = o?.signal ? AbortSignal.any([o.signal, this.life.signal]) : this.life.signal;
    for (let attempt = 0; ; attempt++) {
      outer.throwIfAborted();
      await Promise.resolve(); // an answer is never synchronous, as over the wire
      outer.throwIfAborted();
      try {
        if (this.unreachable) throw new RpcError(RpcErrorCode.NETWORK, "connect ECONNREFUSED (fake)", { method, transient: true });
        return read();
      } catch (err) {
        if (!(err instanceof RpcError) || !err.transient || o?.retry === false) throw err;
      }
      await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS), outer);
    }
  }
}

function notFound(method: string, message: string): RpcError {
  return new RpcError(RpcErrorCode.HEADER_NOT_FOUND, message, { method, transient: true });
}

/** eth_getLogs topic matching: position by position, null matches anything, an array means any of. */
function topicsMatch(topics: readonly string[], filter: ReadonlyArray<string | string[] | null>): boolean {
  return filter.every((want, i) => {
    if (want === null) return true;
    const options = (Array.isArray(want) ? want : [want]).map((t) => t.toLowerCase());
    return topics[i] !== undefined && options.includes(topics[i]);
  });
}
