// The per-wallet window procedure (coordination.md §3.3–3.4): for every window the watcher hands
// over, take part for each eligible wallet — claim the (wallet, W) row, derive seed, leader and
// checklist, then run the leader or follower routine. Restarts resume persisted rows.
import { getAddress, type BaseWallet } from "ethers";
import { WalletState, actionName, type ActionType } from "../protocol/constants.js";
import { checklist as computeChecklist } from "./checklist.js";
import type { ChainClock } from "./clock.js";
import type { ContentValidator } from "./content-validation.js";
import { report, type CoordinationEventTarget } from "./coordination-events.js";
import type { WindowResult } from "../protocol/events.js";
import type { CoordinationProposal } from "../protocol/message.js";
import type { FaultRecorder } from "./faults.js";
import { runFollower } from "./follower-routine.js";
import { runLeader } from "./leader-routine.js";
import { seatsOf, selectLeader } from "./leader.js";
import type { ProtocolProfile } from "../protocol/profile.js";
import type { ResultProcessor } from "./result-processor.js";
import { computeSeed } from "./seed.js";
import type { WalletSeats } from "./wallet-seats.js";
import type { WindowContext } from "./window-context.js";
import { activePhaseEnd, safeBlockNumber, windowEnd } from "../protocol/window.js";
import type { WindowOpened } from "../chain/block-clock.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import type { WalletRegistry } from "../chain/wallet-registry.js";
import type { CoordinationNetwork } from "../network/coordination-network.js";
import type { CoordinationDomain } from "../network/eip712.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { GenerationRequest } from "../proposals/generator.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { fromHex, toHex } from "../util/hex.js";
import type { Startable } from "../util/lifecycle.js";
import { backoffMs, isAbortError, sleep } from "../util/sleep.js";

/** Where the windows come from: the block clock's `windowOpened` events. */
export interface WindowSource extends ChainClock {
  on(type: "windowOpened", fn: (w: WindowOpened) => void): () => void;
}

/** What makes the leader's proposal (the ProposalGenerator; tests script a misbehaving leader). */
export interface ProposalSource {
  generate(req: GenerationRequest, signal: AbortSignal): Promise<CoordinationProposal>;
}

export interface CoordinatorComponents {
  store: Store;
  chain: EthereumChain;
  clock: WindowSource;
  registry: WalletRegistry;
  network: CoordinationNetwork;
  seats: WalletSeats;
  generator: ProposalSource;
  validateContent: ContentValidator;
  faults: FaultRecorder;
  results: ResultProcessor;
  operatorKey: BaseWallet;
  logger: Logger;
  metrics: Metrics | null;
  events: CoordinationEventTarget;
  identity: CoordinatorIdentity;
}

/** The chain and profile this node coordinates on: known once the chain has first answered, read from start() on. */
export interface CoordinatorIdentity {
  readonly profile: ProtocolProfile;
  /** 0x-hex. */
  readonly profileHash: string;
  readonly domain: CoordinationDomain;
  /** Head when this database was created: no leadership for windows it did not see open (§9.6). */
  readonly freshSinceHead: number;
}

const ELIGIBLE_STATES = new Set<number>([WalletState.Live, WalletState.MovingFunds, WalletState.Closing]);

export class Coordinator implements Startable {
  readonly operator: string;
  private readonly running = new Set<Promise<unknown>>();
  private readonly log: Logger;
  private readonly controller = new AbortController();
  /** Windows opened before start(): they wait until recovery is done (reliability.md R6). */
  private early: WindowOpened[] | undefined = [];
  private readonly stopListening: () => void;

  constructor(private readonly c: CoordinatorComponents) {
    this.operator = getAddress(c.operatorKey.address);
    this.log = c.logger.child({ module: "coordination" });
    this.stopListening = c.clock.on("windowOpened", (w) => (this.early ? this.early.push(w) : this.windowOpened(w.W, w.head)));
  }

  /** Runs the windows opened so far, then resumes the windows a previous run left running. */
  async start(): Promise<void> {
    const early = this.early ?? [];
    this.early = undefined;
    for (const w of early) this.windowOpened(w.W, w.head);
    this.resumeRunning();
  }

  /**
   * Subscribes to the topic of every wallet this operator holds a seat in (Live, MovingFunds or
   * Closing, latest state) and unsubscribes from the others. Run at start and every window.
   */
  async refreshWallets(signal?: AbortSignal): Promise<void> {
    await this.c.registry.sync({ signal });
    let coordinated = 0;
    // Event-derived seat lists and states are hints, good enough for subscriptions and gossip check
    // A10; every decision of a window re-reads them pinned at W−32.
    for (const w of this.c.registry.knownWallets()) {
      this.c.seats.set(w.walletPkh, w.operators);
      if (w.operators.includes(this.operator) && ELIGIBLE_STATES.has(w.state)) {
        this.c.network.subscribeWallet(w.walletPkh);
        coordinated++;
      } else {
        this.c.network.unsubscribeWallet(w.walletPkh);
      }
    }
    this.c.metrics?.walletsCoordinated.set(coordinated);
  }

  /** A window whose active phase is still running (live or late join). Never throws. */
  private windowOpened(W: number, head: number): void {
    this.c.metrics?.windows.inc({ outcome: head > W ? "caught_up" : "opened" });
    this.track(this.runWindow(W, head));
  }

  /** Resumes windows left `running` or `leader_signed` by a previous run whose active phase is not over. */
  private resumeRunning(): void {
    for (const row of this.c.store.windows.listRunning()) {
      if (this.c.clock.head >= activePhaseEnd(row.W)) {
        const result: WindowResult = "observation_incomplete";
        this.c.store.windows.update(row.walletPkh, row.W, { status: "done", result });
        continue;
      }
      this.track(this.runWallet(row.W, fromHex(row.walletPkh), this.c.clock.head, undefined));
    }
  }

  async stop(): Promise<void> {
    this.stopListening();
    this.controller.abort();
    await Promise.allSettled([...this.running]);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => {
      if (!isAbortError(err) && !this.controller.signal.aborted) this.log.error({ err }, "window procedure failed");
    });
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  private async runWindow(W: number, head: number): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, this.c.clock.signalAtBlock(activePhaseEnd(W))]);
    const participation = await this.retry(() => this.c.registry.participation(W, this.operator), signal, `wallets of window ${W}`);
    if (!participation) return;
    await this.refreshWallets(signal).catch((err: unknown) => this.log.warn({ err }, "wallet refresh failed"));
    await Promise.all(participation.map((p) => this.runWallet(W, p.walletPkh, head, p.seats)));
  }

  /** §3.4 for one wallet. `seats` is undefined when resuming; then it is read again at W−32. */
  private async runWallet(W: number, walletPkh: Uint8Array, head: number, seatsAtSafeBlock: string[] | undefined): Promise<void> {
    const wallet = toHex(walletPkh);
    const claim = this.c.store.windows.claim(wallet, W, { joinedAtBlock: head });
    if (!claim.claimed && !["running", "leader_signed"].includes(claim.row.status)) return;
    crashPoint("window.claimed");
    const joinedAtBlock = claim.claimed ? head : (claim.row.joinedAtBlock ?? head);
    const signal = AbortSignal.any([this.controller.signal, this.c.clock.signalAtBlock(windowEnd(W))]);

    // Seed (§4): failure to read W−32 is transient until W+80, then the window is unverified.
    const activeSignal = AbortSignal.any([signal, this.c.clock.signalAtBlock(activePhaseEnd(W))]);
    const inputs = await this.retry(
      async () => {
        const safe = await this.c.chain.block(safeBlockNumber(W), { signal: activeSignal });
        const seats = seatsAtSafeBlock ?? (await this.c.registry.seatsAt(walletPkh, { blockHash: safe.hash, blockNumber: safe.number }));
        return { safeHash: safe.hash, seats };
      },
      activeSignal,
      `seed inputs of ${wallet}/${W}`,
    );
    if (!inputs) {
      if (!this.controller.signal.aborted) this.c.store.windows.update(wallet, W, { status: "done", result: "unverified" });
      return;
    }

    const seed = computeSeed(walletPkh, fromHex(inputs.safeHash));
    const seedHex = toHex(seed);
    const { leader } = selectLeader(inputs.seats, seed, this.c.identity.profile.rngScheme);
    const list: ActionType[] = computeChecklist(W, seed, this.c.identity.profile);
    const ownSeats = seatsOf(inputs.seats, this.operator);
    const role = leader === this.operator ? "leader" : "follower";
    this.c.store.windows.update(wallet, W, {
      seedHex,
      safeBlockHash: inputs.safeHash,
      leader,
      role,
      checklist: list.map(actionName),
    });
    const ctx: WindowContext = {
      W,
      walletPkh,
      wallet,
      seats: inputs.seats,
      ownSeats,
      leader,
      checklist: list,
      seedHex,
      safeBlockHash: inputs.safeHash,
      profileHash: this.c.identity.profileHash,
      joinedAtBlock,
    };
    this.log.info({ wallet, W, leader, role, checklist: list.map(actionName), seed: seedHex, lateJoin: head > W }, "window opened");
    report(this.c.events, { type: "window", W, wallet, leader, role, checklist: list.map(actionName), seed: seedHex, lateJoin: head > W });

    if (role === "leader") {
      this.c.metrics?.leaderWindows.inc();
      const firstTime = claim.claimed || claim.row.status === "running";
      if (firstTime && this.c.identity.freshSinceHead > W) {
        // §9.6: a previous instance may already have published for W; regenerating could equivocate.
        this.c.results.finish(ctx, "skipped_fresh_db");
        return;
      }
      const draining = this.drain(walletPkh, signal);
      await runLeader(
        ctx,
        {
          store: this.c.store,
          chain: this.c.chain,
          clock: this.c.clock,
          generate: (req, s) => this.c.generator.generate(req, s),
          publish: (wire) => this.c.network.publish(walletPkh, wire),
          waitForPeers: (s) => this.c.network.waitForPeers(walletPkh, { signal: s }),
          results: this.c.results,
          operatorKey: this.c.operatorKey,
          domain: this.c.identity.domain,
          chainId: this.c.identity.profile.chainId,
          logger: this.log,
          metrics: this.c.metrics,
          events: this.c.events,
        },
        signal,
      );
      await draining;
      return;
    }
    await runFollower(
      ctx,
      {
        store: this.c.store,
        chain: this.c.chain,
        clock: this.c.clock,
        queue: this.c.network.queue(walletPkh),
        subscriberCount: () => this.c.network.subscriberCount(walletPkh),
        validateContent: this.c.validateContent,
        faults: this.c.faults,
        results: this.c.results,
        ownOperator: this.operator,
        logger: this.log,
        metrics: this.c.metrics,
        events: this.c.events,
      },
      signal,
    );
  }

  /** The leader has nothing to accept; it drains its queue so stale items don't pile up. */
  private async drain(walletPkh: Uint8Array, signal: AbortSignal): Promise<void> {
    const queue = this.c.network.queue(walletPkh);
    while (!signal.aborted) {
      try {
        await queue.shift(signal);
      } catch {
        return;
      }
    }
  }

  /** Retries a transient read with backoff until it succeeds or the signal fires (then undefined). */
  private async retry<T>(fn: () => Promise<T>, signal: AbortSignal, what: string): Promise<T | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn({ err, attempt }, `reading ${what} failed; retrying`);
        await sleep(backoffMs(attempt, 250, 5_000), signal).catch(() => undefined);
      }
    }
    return undefined;
  }
}
