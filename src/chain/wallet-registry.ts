// Which wallets the node takes part in (coordination.md §3.3): the Bridge's wallet events, as the
// event indexer persisted them (the candidate list), plus pinned reads at W−32 that decide; and each
// wallet's signing scheme (threshold.md §2: ECDSA, or FROST with its threshold and walletX), read once.
import { getAddress } from "ethers";
import { WalletState } from "../protocol/constants.js";
import { safeBlockNumber } from "../protocol/window.js";
import type { EvWalletRow } from "../store/repos/ev-wallets-repo.js";
import type { Store } from "../store/store.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { fromHex, toHex } from "../util/hex.js";
import type { AbortOptions } from "../util/lifecycle.js";
import type { BridgeClient } from "./bridge-client.js";
import type { EventIndexer } from "./event-indexer.js";
import type { BlockRef, EthereumChain } from "./ethereum-chain.js";
import { WalletSchemeId, type WalletSigningScheme } from "./types.js";

export interface WalletRegistryComponents {
  chain: EthereumChain;
  /** Keeps the Bridge event index; sync() has it index what the registry reads. */
  indexer: Pick<EventIndexer, "syncTo" | "indexThrough" | "indexedTo" | "deployBlock">;
  /** Where the indexer persisted the wallet events (ev_wallets). */
  store: Store;
  /** The pinned reads that decide participation. */
  bridge: BridgeClient;
  logger?: Logger;
}

export interface WalletRegistryInit {
  /** Pinned reads in flight at once. Default DEFAULT_READ_CONCURRENCY. */
  concurrency?: number;
}

export const DEFAULT_READ_CONCURRENCY = 8;

export interface KnownWallet {
  walletPkh: Uint8Array;
  ecdsaWalletID: string;
  registeredAt: number;
  /** Last state seen in events. A hint only: decisions use pinned reads. */
  state: WalletState;
  stateChangedAt: number;
  /** Seat list from the last WalletOperatorsSet event (EIP-55). */
  operators: string[];
  /** The signing scheme, once read (schemeAt, participation); undefined before. */
  scheme?: WalletSigningScheme;
}

export interface WalletParticipation {
  walletPkh: Uint8Array;
  /** Seat list at W−32, EIP-55; seat k is index k−1. */
  seats: string[];
  state: number;
  /** 1-based seats held by the operator, ascending. */
  ownSeats: number[];
  /** How the wallet signs: ECDSA, or FROST with threshold and walletX. */
  scheme: WalletSigningScheme;
}

/** A state change seen by sync(), for topic subscribe/unsubscribe (coordination.md §8.4). */
export interface WalletChange {
  walletPkh: Uint8Array;
  state: WalletState;
  blockNumber: number;
}

const STATE_OF_EVENT: Record<Exclude<EvWalletRow["event"], "WalletOperatorsSet" | "NewWalletRegistered">, WalletState> = {
  WalletMovingFunds: WalletState.MovingFunds,
  WalletClosing: WalletState.Closing,
  WalletClosed: WalletState.Closed,
  WalletTerminated: WalletState.Terminated,
};

/** Wallet states in which an operator with a seat takes part in coordination. */
export const TAKING_PART: ReadonlySet<number> = new Set<number>([WalletState.Live, WalletState.MovingFunds, WalletState.Closing]);
const FINAL = new Set<number>([WalletState.Closed, WalletState.Terminated]);

export class WalletRegistry {
  private readonly c: WalletRegistryComponents;
  private readonly log: Logger;
  private readonly concurrency: number;
  /** Last block whose wallet events have been read. */
  private cursor: number;
  private wallets = new Map<string, KnownWallet>();
  /** Signing schemes of registered wallets by PKH hex: fixed at registration, so read once. */
  private readonly schemes = new Map<string, WalletSigningScheme>();
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(components: WalletRegistryComponents, init: WalletRegistryInit = {}) {
    this.c = components;
    this.log = (components.logger ?? silentLogger).child({ module: "wallet-registry" });
    this.concurrency = init.concurrency ?? DEFAULT_READ_CONCURRENCY;
    this.cursor = components.indexer.deployBlock - 1;
  }

  /** Last block whose wallet events are in the index. */
  get indexedTo(): number {
    return this.cursor;
  }

  knownWallets(): KnownWallet[] {
    return [...this.wallets.values()].map((w) => {
      const scheme = this.schemes.get(toHex(w.walletPkh));
      return { ...w, walletPkh: w.walletPkh.slice(), operators: [...w.operators], ...(scheme && { scheme: copyScheme(scheme) }) };
    });
  }

  /**
   * Reads the wallet events up to `toBlock` (default: as far as the index goes at head − its lag),
   * having the indexer index them first. Calls are serialized. Returns the state changes seen, in
   * chain order.
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
    const header = await this.c.chain.block(safe, o);
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
      const scheme = await this.schemeAt(w.walletPkh, at, o);
      // The state read says the wallet exists at `at`, so its key does too.
      if (scheme === undefined) throw new Error(`wallet ${toHex(w.walletPkh)} is in state ${state} but has no public key at block ${at.blockNumber}`);
      return { walletPkh: w.walletPkh.slice(), seats, state, ownSeats, scheme };
    });
    return rows.filter((r): r is WalletParticipation => r !== undefined);
  }

  /** `walletOperators(pkh)` at a pinned block (or a block number, pinned to its current hash). EIP-55. */
  async seatsAt(walletPkh: Uint8Array, at: BlockRef | number, o: AbortOptions = {}): Promise<string[]> {
    return this.c.bridge.walletOperators(walletPkh, await this.pin(at, o), o);
  }

  /** `wallets(pkh).state` at a pinned block. */
  async stateAt(walletPkh: Uint8Array, at: BlockRef | number, o: AbortOptions = {}): Promise<number> {
    return (await this.c.bridge.wallets(walletPkh, await this.pin(at, o), o)).state;
  }

  /**
   * The wallet's signing scheme (`walletScheme(pkh)`; for FROST, `walletX` = the first 32 bytes of
   * `walletPublicKey(pkh)`) at a pinned block, or a block number pinned to its current hash. Read once
   * per wallet and cached: a wallet's scheme and key never change once it is registered. Undefined
   * for a wallet the Bridge does not know at that block (not cached).
   */
  async schemeAt(walletPkh: Uint8Array, at: BlockRef | number, o: AbortOptions = {}): Promise<WalletSigningScheme | undefined> {
    const key = toHex(walletPkh);
    const cached = this.schemes.get(key);
    if (cached !== undefined) return copyScheme(cached);
    const pinned = await this.pin(at, o);
    const [view, publicKey] = await Promise.all([this.c.bridge.walletScheme(walletPkh, pinned, o), this.c.bridge.walletPublicKey(walletPkh, pinned, o)]);
    if (publicKey.length === 0) return undefined;
    let scheme: WalletSigningScheme;
    if (view.scheme === WalletSchemeId.ECDSA) scheme = { scheme: "ecdsa" };
    else if (view.scheme === WalletSchemeId.FROST) scheme = { scheme: "frost", threshold: view.threshold, walletX: publicKey.slice(0, 32) };
    else throw new Error(`wallet ${key}: unknown signing scheme ${view.scheme as number}`);
    this.schemes.set(key, scheme);
    return copyScheme(scheme);
  }

  private async pin(at: BlockRef | number, o: AbortOptions): Promise<BlockRef> {
    if (typeof at !== "number") return at;
    const b = await this.c.chain.block(at, o);
    return { blockHash: b.hash, blockNumber: b.number };
  }

  private async doSync(o: AbortOptions & { toBlock?: number }): Promise<WalletChange[]> {
    if (o.toBlock === undefined) await this.c.indexer.syncTo(this.c.chain.head(), o);
    else if ((this.c.indexer.indexedTo()?.height ?? this.cursor) < o.toBlock) await this.c.indexer.indexThrough(o.toBlock, o);
    const target = o.toBlock ?? this.c.indexer.indexedTo()?.height ?? this.cursor;
    if (target <= this.cursor) return [];
    // Replayed from the first event, so a reorg rewind of the index is followed; changes are the
    // ones after the previous read.
    const wallets = new Map<string, KnownWallet>();
    const changes: WalletChange[] = [];
    for (const row of this.c.store.evWallets.list({ toBlock: target })) {
      const change = apply(wallets, row);
      if (change === undefined || row.blockNumber <= this.cursor) continue;
      if (change === "unknown wallet") this.log.warn({ event: row.event, wallet: row.walletPkh, block: row.blockNumber }, "event for a wallet not in the index");
      else changes.push(change);
    }
    this.wallets = wallets;
    this.cursor = target;
    return changes;
  }
}

/** Applies one wallet event; returns the state change it makes, if any. */
function apply(wallets: Map<string, KnownWallet>, row: EvWalletRow): WalletChange | "unknown wallet" | undefined {
  const { walletPkh: key, blockNumber } = row;
  if (row.event === "NewWalletRegistered") {
    if (wallets.has(key)) return undefined;
    const walletPkh = fromHex(key);
    const state = WalletState.Live;
    wallets.set(key, { walletPkh, ecdsaWalletID: row.ecdsaWalletId!, registeredAt: blockNumber, state, stateChangedAt: blockNumber, operators: [] });
    return { walletPkh: walletPkh.slice(), state, blockNumber };
  }
  const w = wallets.get(key);
  if (w === undefined) return "unknown wallet";
  if (row.event === "WalletOperatorsSet") {
    w.operators = [...row.operators!];
    return undefined;
  }
  const state = STATE_OF_EVENT[row.event];
  if (w.state === state) return undefined;
  w.state = state;
  w.stateChangedAt = blockNumber;
  return { walletPkh: w.walletPkh.slice(), state, blockNumber };
}

function copyScheme(s: WalletSigningScheme): WalletSigningScheme {
  return s.scheme === "frost" ? { ...s, walletX: s.walletX.slice() } : { ...s };
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
