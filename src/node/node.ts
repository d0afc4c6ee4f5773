// Composition root (style.md §1.1): createNode builds every component in dependency order; start()
// runs the boot and recovery sequence (reliability.md §5); stop() shuts down in a fixed order. One
// root AbortSignal runs through everything, so stopping during boot abandons the boot at once.
import type { ProtocolProfile } from "../protocol/profile.js";
import { setMaxListeners } from "node:events";
import { createRequire } from "node:module";
import { getAddress } from "ethers";
import { recoverActions } from "../actions/recovery.js";
import { ElectrumBitcoinChain } from "../bitcoin/electrum-client.js";
import { createMetrics } from "../metrics/metrics.js";
import { Store } from "../store/store.js";
import { toHex } from "../util/hex.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { abortable } from "../util/sleep.js";
import { buildActionSide, type ActionSide } from "./build-actions.js";
import { buildCoordinationSide, type CoordinationSide } from "./build-coordination.js";
import { buildEthereumSide, type EthereumSide } from "./build-ethereum.js";
import { buildThresholdSide, type ThresholdSide } from "./build-threshold.js";
import { NodeHealth } from "./health.js";
import type { BitcoinClient, NodeBase, NodeOptions, NodeOverrides } from "./node-base.js";
import { countNetworkEvents, createNodeEvents } from "./node-events.js";
import { StatusServer } from "./status-server.js";
import { storeScrapeSources, storeStatusSource, type LiveStatus } from "./status-source.js";

export type { NodeOptions, NodeOverrides } from "./node-base.js";

const VERSION: string = createRequire(import.meta.url)("../../package.json").version;

/** A node's life: built, booting (start() running), started, then closing and closed. */
export type NodeStatus = "created" | "starting" | "started" | "closing" | "closed";

type NodeComponents = NodeBase &
  EthereumSide &
  CoordinationSide &
  ThresholdSide &
  ActionSide & {
    controller: AbortController;
    bitcoin: BitcoinClient | null;
    health: NodeHealth;
    statusServer: StatusServer;
  };

/**
 * Builds a node. Takes the data directory's lock and opens the database (boot step 1); nothing else
 * runs or connects until start().
 */
export async function createNode(options: NodeOptions, overrides: NodeOverrides = {}): Promise<WcoordNode> {
  const controller = new AbortController();
  // Every loop and every per-window signal listens to the root signal.
  setMaxListeners(Infinity, controller.signal);
  const metrics = overrides.metrics === undefined ? createMetrics() : overrides.metrics;
  const events = createNodeEvents();
  countNetworkEvents(events, metrics);
  const store = Store.open(options.config.dataDir);
  const base: NodeBase = {
    ...options,
    overrides,
    operator: getAddress(options.operatorKey.address),
    logger: overrides.logger ?? silentLogger,
    metrics,
    events,
    signal: controller.signal,
    store,
  };
  try {
    // Electrum, when configured (first healthy server in order).
    const bitcoin = overrides.bitcoin !== undefined ? overrides.bitcoin : electrumOf(base);
    const health = new NodeHealth({ bitcoin });
    const eth = buildEthereumSide(base, health);
    const coordination = await buildCoordinationSide(base, eth, bitcoin);
    const threshold = await buildThresholdSide(base, eth, coordination);
    const actions = buildActionSide(base, eth, bitcoin, coordination.validateContent, threshold.networkSigner);
    const statusServer = new StatusServer(
      { source: storeStatusSource(store, liveStatus(base, health, eth, coordination, actions)), metrics, logger: base.logger },
      { listen: base.config.status.listen },
    );
    // Gauges read at each scrape: what the database holds, the health and each chain's silence.
    metrics?.setScrapeSources({
      ...storeScrapeSources(store, () => headOf(eth)),
      health: () => health.status(),
      chainUnreachableSeconds: () => health.chainUnreachableSeconds(),
    });
    return new WcoordNode({ ...base, ...eth, ...coordination, ...threshold, ...actions, controller, bitcoin, health, statusServer });
  } catch (err) {
    store.close();
    throw err;
  }
}

export class WcoordNode {
  status: NodeStatus = "created";
  private booting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private stopIntentWatch: (() => void) | undefined;
  private readonly log: Logger;

  constructor(private readonly c: NodeComponents) {
    this.log = c.logger.child({ module: "node" });
  }

  /** Boot and recovery (reliability.md §5). Rejects with the abort reason when stopped meanwhile. */
  start(): Promise<void> {
    if (this.status !== "created") return this.booting ?? Promise.resolve();
    this.status = "starting";
    this.booting = this.boot();
    return this.booting;
  }

  /** Stops in the order of style.md §1.1; during boot, aborts the boot first. Idempotent. */
  stop(): Promise<void> {
    this.closing ??= this.close();
    return this.closing;
  }

  get operator(): string {
    return this.c.operator;
  }

  get metrics(): NodeComponents["metrics"] {
    return this.c.metrics;
  }

  /** The node's event bus (the devnet listens to `coordination`). */
  get events(): NodeComponents["events"] {
    return this.c.events;
  }

  /** The NetworkSigner of the FROST wallets whose shares this node holds; null when it can hold none. */
  get networkSigner(): NodeComponents["networkSigner"] {
    return this.c.networkSigner;
  }

  /** The signer the action executor signs with (the NetworkSigner first, then the local keys). */
  get walletSigner(): NodeComponents["walletSigner"] {
    return this.c.walletSigner;
  }

  get store(): NodeComponents["store"] {
    return this.c.store;
  }

  get network(): NodeComponents["network"] {
    return this.c.network;
  }

  get libp2p(): NodeComponents["libp2p"] {
    return this.c.libp2p;
  }

  /** The protocol profile's hash (0x-hex), once the chain has answered. */
  get profileHash(): string | undefined {
    return this.c.identity.established ? this.c.identity.profileHash : undefined;
  }

  /** The protocol profile, once the chain has answered (what `wcoord faults verify` checks evidence against). */
  get profile(): ProtocolProfile | undefined {
    return this.c.identity.established ? this.c.identity.profile : undefined;
  }

  /** Base URL of the status API and page, once started. */
  get statusUrl(): string | undefined {
    return this.c.statusServer.address() ? this.c.statusServer.url : undefined;
  }

  listenAddresses(): string[] {
    return this.c.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  private async boot(): Promise<void> {
    await this.c.statusServer.start(); // 2. health `recovering` from here on
    await this.connectChains(); // 3.
    await this.listenAndCatchUp(); // 4.
    await this.watchBeforeActing(); // 5.
    await this.resumeActions(); // 6.
    await this.c.coordinator.start(); // 7. the windows found meanwhile, then the rows left running
    this.c.controller.signal.throwIfAborted(); // stopped meanwhile: close() owns the status now
    this.c.health.bootDone(); // 8.
    this.status = "started";
    this.log.info({ operator: this.operator, peerId: this.c.libp2p.peerId.toString(), addrs: this.listenAddresses(), head: this.c.clock.head }, "node ready");
  }

  /** Step 3: the Ethereum RPC, the chain's identity (asked until the RPC answers), then Electrum. */
  private async connectChains(): Promise<void> {
    const { ethereum, identity, bitcoin, controller } = this.c;
    await this.waitFor(ethereum.start());
    await identity.establish({ signal: controller.signal });
    if (bitcoin !== null) await this.waitFor(bitcoin.start());
  }

  /**
   * Step 4: the Bridge event index caught up, gossip on the wallets' topics, the seat set of the
   * connection gate, then the block clock (the windows it finds wait in the coordinator until step 7).
   */
  private async listenAndCatchUp(): Promise<void> {
    const { indexer, libp2p, network, memberTopics, networkSigner, dkgService, coordinator, seated, clock, controller } = this.c;
    await this.waitFor(indexer.start());
    await libp2p.start();
    await network.start();
    await memberTopics.start();
    await networkSigner?.start();
    await dkgService?.start();
    await coordinator.refreshWallets(controller.signal);
    await seated.refresh({ signal: controller.signal });
    await clock.start();
  }

  /**
   * Step 5 (R6): the Bitcoin cursor reconciled with the server (reorgs applied to the trackers) and
   * every Ethereum intent looked up, without sending anything.
   */
  private async watchBeforeActing(): Promise<void> {
    const { bitcoinTip, intents, controller } = this.c;
    if (bitcoinTip !== null) {
      await this.waitFor(bitcoinTip.start());
      await this.waitFor(bitcoinTip.idle());
    }
    await intents.poll({ lookUpOnly: true, signal: controller.signal });
  }

  /** Step 6: every action resumes with at most one side effect; then the executor and the intent watch run. */
  private async resumeActions(): Promise<void> {
    const { store, clock, executor, intents, logger, controller } = this.c;
    await recoverActions({ store, clock, executor, logger }, { signal: controller.signal });
    this.c.controller.signal.throwIfAborted();
    await executor.start();
    this.stopIntentWatch = intents.watch();
  }

  /**
   * Waits on the world outside for a start() that takes no signal; stopping the node abandons the
   * wait at once, and the component's own stop() ends what is left of it.
   */
  private waitFor<T>(p: Promise<T>): Promise<T> {
    return abortable(p, this.c.controller.signal);
  }

  private async close(): Promise<void> {
    const c = this.c;
    const booting = this.status === "starting" ? this.booting : undefined;
    this.status = "closing";
    if (booting !== undefined) {
      c.controller.abort(new DOMException("node stopped during boot", "AbortError"));
      await booting.catch(() => undefined);
    }
    await c.network.stop(); // 1. gossip, the signing sessions first
    await c.dkgService?.stop();
    await c.networkSigner?.stop();
    await c.memberTopics.stop();
    await c.clock.stop(); // 2. watchers, and the windows they started
    await c.coordinator.stop();
    this.stopIntentWatch?.();
    await c.executor.stop(); // 3. action executor, then the chain state it reads
    await c.bitcoinTip?.stop();
    await c.indexer.stop();
    await c.bitcoin?.stop();
    await c.libp2p.stop(); // 4.
    await c.statusServer.stop(); // 5. then the Ethereum client, which nothing reads any more
    await c.ethereum.stop();
    // ethers retries network detection forever unless destroyed (an RPC that never answered); an
    // injected chain belongs to the test that made it.
    if (c.overrides.ethereum === undefined) c.ethereum.provider.destroy();
    c.controller.abort(); // 6.
    c.store.close(); // 7.
    this.status = "closed";
  }
}

function electrumOf({ config, logger, metrics }: NodeBase): BitcoinClient | null {
  return config.btc.electrumUrls.length > 0 ? new ElectrumBitcoinChain({ logger, metrics }, { urls: config.btc.electrumUrls }) : null;
}

function headOf(eth: EthereumSide): number | null {
  return eth.clock.head >= 0 ? eth.clock.head : null;
}

/** What the status API tells besides the database: live heights, identity and peers. */
function liveStatus(base: NodeBase, health: NodeHealth, eth: EthereumSide, coordination: CoordinationSide, actions: ActionSide): LiveStatus {
  const { identity } = eth;
  const { libp2p, network } = coordination;
  return {
    health: () => health.status(),
    ethHead: () => headOf(eth),
    btcTip: () => actions.bitcoinTip?.cursor()?.height ?? null,
    operator: base.operator,
    peerId: () => (libp2p.status === "started" ? libp2p.peerId.toString() : null),
    profile: () => (identity.established ? (identity.profile as unknown as Record<string, unknown>) : undefined),
    profileHash: () => (identity.established ? identity.profileHash : undefined),
    wallets: () => network.subscribedWallets().map(toHex),
    peers: () => network.connectedPeers(),
    version: VERSION,
  };
}
