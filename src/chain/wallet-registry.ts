// Which wallets the node takes part in (coordination.md §3.3): an in-memory index of the Bridge's
// wallet events (the candidate list) plus pinned reads at W−32 that decide.
import { getAddress } from "ethers";
import { WalletState } from "../protocol/constants.js";
import { safeBlockNumber } from "../protocol/window.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { fromHex, to0x, toHex } from "../util/hex.js";
import { bridgeInterface } from "./abi.js";
import { halvedLogRange } from "./errors.js";
import { WALLET_EVENTS } from "./event-indexer.js";
import type { BlockRef, ChainLog, EthereumChain } from "./ethereum-chain.js";
import type { AbortOptions } from "../util/lifecycle.js";

export interface WalletRegistryComponents {
  chain: EthereumChain;
  logger?: Logger;
}

export interface WalletRegistryInit {
  bridgeAddress: string;
  /** First block to index (bridge.deployBlock). */
  deployBlock: number;
  /** eth_getLogs span. Default 5000; halved on "range too large" down to minChunkBlocks. */
  chunkBlocks?: number;
  /** Default 100. */
  minChunkBlocks?: number;
  /** sync() without toBlock indexes up to head − lagBlocks. Default 32. */
  lagBlocks?: number;
  /** Pinned reads in flight at once. Default 8. */
  concurrency?: number;
}

export interface KnownWallet {
  walletPkh: Uint8Array;
  ecdsaWalletID: string;
  registeredAt: number;
  /** Last state seen in events. A hint only: decisions use pinned reads. */
  state: WalletState;
  stateChangedAt: number;
  /** Seat list from the last WalletOperatorsSet event (EIP-55). */
  operators: string[];
}

export interface WalletParticipation {
  walletPkh: Uint8Array;
  /** Seat list at W−32, EIP-55; seat k is index k−1. */
  seats: string[];
  state: number;
  /** 1-based seats held by the operator, ascending. */
  ownSeats: number[];
}

/** A state change seen by sync(), for topic subscribe/unsubscribe (coordination.md §8.4). */
export interface WalletChange {
  walletPkh: Uint8Array;
  state: WalletState;
  blockNumber: number;
}

const STATE_OF_EVENT: Record<string, WalletState> = {
  NewWalletRegistered: WalletState.Live,
  WalletMovingFunds: WalletState.MovingFunds,
  WalletClosing: WalletState.Closing,
  WalletClosed: WalletState.Closed,
  WalletTerminated: WalletState.Terminated,
};

/** Wallet states in which an operator with a seat takes part in coordination. */
export const TAKING_PART: ReadonlySet<number> = new Set<number>([WalletState.Live, WalletState.MovingFunds, WalletState.Closing]);
const FINAL = new Set<number>([WalletState.Closed, WalletState.Terminated]);

export class WalletRegistry {
  private readonly chain: EthereumChain;
  private readonly log: Logger;
  private readonly bridge: string;
  private readonly topics: string[];
  private readonly minChunk: number;
  private readonly lag: number;
  private readonly concurrency: number;
  private chunk: number;
  /** Last fully indexed block. */
  private cursor: number;
  private readonly wallets = new Map<string, KnownWallet>();
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(components: WalletRegistryComponents, init: WalletRegistryInit) {
    this.chain = components.chain;
    this.log = (components.logger ?? silentLogger).child({ module: "wallet-registry" });
    this.bridge = getAddress(init.bridgeAddress);
    this.chunk = init.chunkBlocks ?? 5000;
    this.minChunk = Math.min(init.minChunkBlocks ?? 100, this.chunk);
    this.lag = init.lagBlocks ?? 32;
    this.concurrency = init.concurrency ?? 8;
    this.cursor = init.deployBlock - 1;
    this.topics = WALLET_EVENTS.map((name) => bridgeInterface.getEvent(name)!.topicHash);
  }

  /** Last block whose wallet events are in the index. */
  get indexedTo(): number {
    return this.cursor;
  }

  knownWallets(): KnownWallet[] {
    return [...this.wallets.values()].map((w) => ({ ...w, walletPkh: w.walletPkh.slice(), operators: [...w.operators] }));
  }

  /**
   * Indexes wallet events up to `toBlock` (default head − lagBlocks) in chunks. Calls are serialized.
   * Returns the state changes seen, in chain order.
   */
  sync(o: AbortOptions & { toBlock?: number } = {}): Promise<WalletChange[]> {
    const run = this.syncing.then(() => this.doSync(o));
    this.syncing = run.catch(() => undefined);
    return run;
  }

  /**
   * Wallets the operator takes part in for window W: by pinned reads at W−32, it holds at least one
   * seat and the state is Live, MovingFunds or Closing.
   */
  async participation(W: number, operator: string, o: AbortOptions = {}): Promise<WalletParticipation[]> {
    const safe = safeBlockNumber(W);
    // The header first: once block W−32 exists, its logs are complete and can be indexed.
    const header = await this.chain.block(safe, o);
    const at: BlockRef = { blockHash: header.hash, blockNumber: header.number };
    if (this.cursor < safe) await this.sync({ toBlock: safe, signal: o.signal });
    const me = getAddress(operator);
    const candidates = [...this.wallets.values()].filter(
      (w) => w.registeredAt <= safe && !(FINAL.has(w.state) && w.stateChangedAt <= safe),
    );
    const rows = await mapLimit(candidates, this.concurrency, async (w): Promise<WalletParticipation | undefined> => {
      const [seats, state] = await Promise.all([this.seatsAt(w.walletPkh, at, o), this.stateAt(w.walletPkh, at, o)]);
      const ownSeats = seats.flatMap((s, i) => (s === me ? [i + 1] : []));
      if (!TAKING_PART.has(state) || ownSeats.length === 0) return undefined;
      return { walletPkh: w.walletPkh.slice(), seats, state, ownSeats };
    });
    return rows.filter((r): r is WalletParticipation => r !== undefined);
  }

  /** `walletOperators(pkh)` at a pinned block (or a block number, pinned to its current hash). EIP-55. */
  async seatsAt(walletPkh: Uint8Array, at: BlockRef | number, o: AbortOptions = {}): Promise<string[]> {
    const ref = await this.pin(at, o);
    const data = await this.chain.call(
      { to: this.bridge, data: bridgeInterface.encodeFunctionData("walletOperators", [to0x(walletPkh)]) },
      ref,
      o,
    );
    const [seats] = bridgeInterface.decodeFunctionResult("walletOperators", data);
    return (seats as string[]).map((s) => getAddress(s));
  }

  /** `wallets(pkh).state` at a pinned block. */
  async stateAt(walletPkh: Uint8Array, at: BlockRef | number, o: AbortOptions = {}): Promise<number> {
    const ref = await this.pin(at, o);
    const data = await this.chain.call({ to: this.bridge, data: bridgeInterface.encodeFunctionData("wallets", [to0x(walletPkh)]) }, ref, o);
    const [wallet] = bridgeInterface.decodeFunctionResult("wallets", data);
    return Number((wallet as { state: bigint }).state);
  }

  private async pin(at: BlockRef | number, o: AbortOptions): Promise<BlockRef> {
    if (typeof at !== "number") return at;
    const b = await this.chain.block(at, o);
    return { blockHash: b.hash, blockNumber: b.number };
  }

  private async doSync(o: AbortOptions & { toBlock?: number }): Promise<WalletChange[]> {
    const target = o.toBlock ?? this.chain.head() - this.lag;
    const changes: WalletChange[] = [];
    let from = this.cursor + 1;
    while (from <= target) {
      const to = Math.min(target, from + this.chunk - 1);
      let logs: ChainLog[];
      try {
        logs = await this.chain.logs({ address: this.bridge, topics: [this.topics], fromBlock: from, toBlock: to }, { signal: o.signal });
      } catch (err) {
        const smaller = halvedLogRange(err, to - from + 1, this.minChunk);
        if (smaller === undefined) throw err;
        this.chunk = smaller;
        this.log.warn({ from, to, chunk: this.chunk }, "getLogs range too large; halving the chunk");
        continue;
      }
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
      for (const l of logs) this.apply(l, changes);
      this.cursor = to;
      from = to + 1;
    }
    return changes;
  }

  private apply(l: ChainLog, changes: WalletChange[]): void {
    if (l.removed) return;
    const parsed = bridgeInterface.parseLog({ topics: l.topics, data: l.data });
    if (parsed === null) return;
    const pkhHex = toHex(fromHex(String(parsed.args.walletPubKeyHash)));
    if (parsed.name === "NewWalletRegistered") {
      if (!this.wallets.has(pkhHex)) {
        this.wallets.set(pkhHex, {
          walletPkh: fromHex(pkhHex),
          ecdsaWalletID: String(parsed.args.ecdsaWalletID).toLowerCase(),
          registeredAt: l.blockNumber,
          state: WalletState.Live,
          stateChangedAt: l.blockNumber,
          operators: [],
        });
        changes.push({ walletPkh: fromHex(pkhHex), state: WalletState.Live, blockNumber: l.blockNumber });
      }
      return;
    }
    const w = this.wallets.get(pkhHex);
    if (w === undefined) {
      this.log.warn({ event: parsed.name, wallet: pkhHex, block: l.blockNumber }, "event for a wallet not in the index");
      return;
    }
    if (parsed.name === "WalletOperatorsSet") {
      w.operators = (parsed.args.operators as string[]).map((a) => getAddress(a));
      return;
    }
    const state = STATE_OF_EVENT[parsed.name];
    if (state === undefined || w.state === state) return;
    w.state = state;
    w.stateChangedAt = l.blockNumber;
    changes.push({ walletPkh: w.walletPkh.slice(), state, blockNumber: l.blockNumber });
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}
