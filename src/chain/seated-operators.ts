// The operators a node accepts connections from (coordination.md §8.1 connection policy): every seat of
// every wallet this operator takes part in. Read from the wallet index, whose lag (head − 32) would hide
// a wallet registered in the last blocks, plus the seat lists set in the blocks after the index up to
// head, rescanned at every refresh (so a reorg there is forgotten). A hint like the index itself: it
// decides who may connect, never who signs.
import { getAddress } from "ethers";
import { WalletState } from "../protocol/constants.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { fromHex, toHex } from "../util/hex.js";
import { bridgeInterface, decodeBridgeLog } from "./abi.js";
import type { EthereumChain } from "./ethereum-chain.js";
import type { AbortOptions } from "../util/lifecycle.js";
import { TAKING_PART, type KnownWallet, type WalletRegistry } from "./wallet-registry.js";

/** Default minimum time between two refreshes driven by new blocks. */
export const DEFAULT_SEAT_REFRESH_MS = 30_000;

/** Every seat (EIP-55) of the wallets whose seat list holds `self` and whose state takes part (Live, MovingFunds, Closing). */
export function coMemberOperators(wallets: Iterable<{ operators: readonly string[]; state: number }>, self: string): Set<string> {
  const me = getAddress(self);
  const out = new Set<string>();
  for (const w of wallets) {
    if (!TAKING_PART.has(w.state)) continue;
    const seats = w.operators.map((a) => getAddress(a));
    if (seats.includes(me)) for (const s of seats) out.add(s);
  }
  return out;
}

export interface SeatedOperatorsComponents {
  registry: Pick<WalletRegistry, "sync" | "knownWallets" | "indexedTo">;
  chain: Pick<EthereumChain, "head" | "logs">;
  logger?: Logger;
}

export interface SeatedOperatorsInit {
  bridgeAddress: string;
  /** This node's operator address. */
  operator: string;
  /** Minimum time between two refreshes started by maybeRefresh(). Default DEFAULT_SEAT_REFRESH_MS. */
  refreshIntervalMs?: number;
}

export class SeatedOperators {
  private readonly c: SeatedOperatorsComponents;
  private readonly log: Logger;
  private readonly bridge: string;
  private readonly operator: string;
  private readonly interval: number;
  private readonly topic: string;
  private set: ReadonlySet<string> = new Set();
  private inFlight: Promise<boolean> | undefined;
  private lastStart = -Infinity;

  constructor(components: SeatedOperatorsComponents, init: SeatedOperatorsInit) {
    this.c = components;
    this.log = (components.logger ?? silentLogger).child({ module: "seats" });
    this.bridge = getAddress(init.bridgeAddress);
    this.operator = getAddress(init.operator);
    this.interval = init.refreshIntervalMs ?? DEFAULT_SEAT_REFRESH_MS;
    this.topic = bridgeInterface.getEvent("WalletOperatorsSet")!.topicHash;
  }

  /** The current set (empty until the first successful refresh). */
  get current(): ReadonlySet<string> {
    return this.set;
  }

  /** Syncs the wallet index, scans the blocks after it up to head and replaces the set. Never throws; false on failure (the previous set stays). */
  refresh(o: AbortOptions = {}): Promise<boolean> {
    if (this.inFlight !== undefined) return this.inFlight;
    this.lastStart = Date.now();
    const run = this.doRefresh(o).then(
      () => true,
      (err: unknown) => {
        if (!o.signal?.aborted) this.log.debug({ err: String(err) }, "seat list refresh failed; keeping the previous set");
        return false;
      },
    );
    this.inFlight = run.finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** refresh() unless one ran less than refreshIntervalMs ago; for the block listener. */
  maybeRefresh(o: AbortOptions = {}): void {
    if (this.inFlight === undefined && Date.now() - this.lastStart >= this.interval) void this.refresh(o);
  }

  private async doRefresh(o: AbortOptions): Promise<void> {
    await this.c.registry.sync({ signal: o.signal });
    const wallets = new Map<string, { operators: readonly string[]; state: number }>();
    for (const w of this.c.registry.knownWallets()) wallets.set(toHex(w.walletPkh), w);
    const from = this.c.registry.indexedTo + 1;
    const to = this.c.chain.head();
    if (from <= to) {
      const logs = await this.c.chain.logs({ address: this.bridge, topics: [this.topic], fromBlock: from, toBlock: to }, { signal: o.signal });
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
      for (const l of logs) {
        if (l.removed) continue;
        const ev = decodeBridgeLog(l);
        if (ev?.name !== "WalletOperatorsSet") continue;
        const key = toHex(fromHex(ev.args.walletPubKeyHash));
        // A wallet new since the index is Live; a known one keeps its state hint.
        const known: Pick<KnownWallet, "state"> | undefined = wallets.get(key);
        wallets.set(key, { operators: ev.args.operators, state: known?.state ?? WalletState.Live });
      }
    }
    const next = coMemberOperators(wallets.values(), this.operator);
    if (next.size !== this.set.size) this.log.debug({ operators: next.size }, "seated operators updated");
    this.set = next;
  }
}
