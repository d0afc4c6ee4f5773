// Composition root (style.md §1.1): builds every component in dependency order, runs the boot and
// recovery sequence (reliability.md §5) and shuts down in a fixed order.
import { setMaxListeners } from "node:events";
import { createRequire } from "node:module";
import { Wallet, getAddress, type BaseWallet } from "ethers";
import { ActionExecutor } from "../actions/executor.js";
import type { ActionHandler } from "../actions/handlers/handler.js";
import { DepositSweepHandler } from "../actions/handlers/deposit-sweep.js";
import { HeartbeatHandler } from "../actions/handlers/heartbeat.js";
import { MovedFundsSweepHandler } from "../actions/handlers/moved-funds-sweep.js";
import { MovingFundsHandler } from "../actions/handlers/moving-funds.js";
import { RedemptionHandler } from "../actions/handlers/redemption.js";
import { OutcomeRecorder } from "../actions/recording.js";
import { BitcoinTipTracker } from "../bitcoin/bitcoin-tip.js";
import { ElectrumBitcoinChain } from "../bitcoin/electrum-client.js";
import { BitcoinResponder } from "../bitcoin/responder.js";
import { recoverActions } from "../actions/recovery.js";
import { LocalKeySigner, type WalletSigner } from "../actions/signer.js";
import { BlockClock, type WindowEvent } from "../chain/block-clock.js";
import { BridgeClient } from "../chain/bridge-client.js";
import { ActionType } from "../protocol/constants.js";
import { EthIntentSender } from "../chain/eth-intents.js";
import { EthersChain } from "../chain/ethers-chain.js";
import { EventIndexer } from "../chain/event-indexer.js";
import { SeatedOperators } from "../chain/seated-operators.js";
import { ValidatorClient } from "../chain/validator-client.js";
import { WalletRegistry } from "../chain/wallet-registry.js";
import { bitcoinContentValidator } from "../coordination/bitcoin-content-validation.js";
import { onChainContentValidator, type ContentValidator } from "../coordination/content-validation.js";
import { Coordinator } from "../coordination/coordinator.js";
import type { CoordinationObserver } from "../protocol/events.js";
import { FaultRecorder } from "../coordination/faults.js";
import type { CoordinationProposal, MalformedReason } from "../protocol/message.js";
import { profileHash as computeProfileHash, type ProtocolProfile } from "../protocol/profile.js";
import { ResultProcessor } from "../coordination/result-processor.js";
import { lowestSeat } from "../coordination/leader.js";
import { currentWindowBlock } from "../protocol/window.js";
import { createConnectionGate } from "../network/connection-gate.js";
import { CoordinationNetwork } from "../network/coordination-network.js";
import { coordinationDomain } from "../network/eip712.js";
import { createLibp2pNode, type CoordinationLibp2p } from "../network/libp2p.js";
import { ProposalGenerator, type GenerationRequest, type ProposalTask } from "../proposals/generator.js";
import { DepositSweepTask } from "../proposals/deposit-sweep-task.js";
import { HeartbeatTask } from "../proposals/heartbeat-task.js";
import { MovedFundsSweepTask } from "../proposals/moved-funds-sweep-task.js";
import { MovingFundsTask } from "../proposals/moving-funds-task.js";
import { RedemptionTask } from "../proposals/redemption-task.js";
import type { BitcoinTaskDeps } from "../proposals/wallet-preconditions.js";
import { META_KEYS } from "../store/repos/meta-repo.js";
import { CURSOR } from "../store/repos/cursors-repo.js";
import { Store } from "../store/store.js";
import { fromHex, toHex } from "../util/hex.js";
import type { Logger } from "../util/logger.js";
import { healthOf } from "./health.js";
import { createMetrics, type Metrics } from "../metrics/metrics.js";
import { profileFromConfig, type NodeConfig } from "./options.js";
import { StatusServer, storeStatusSource } from "./status-server.js";
import { storeScrapeSources } from "./status-source.js";
import { type HealthStatus } from "../metrics/metrics.js";

const VERSION: string = createRequire(import.meta.url)("../../package.json").version;

export interface NodeOverrides {
  logger?: Logger;
  metrics?: Metrics | null;
  observer?: CoordinationObserver;
  /** Replaces proposal generation (tests: a misbehaving leader). */
  generate?: (req: GenerationRequest, signal: AbortSignal) => Promise<CoordinationProposal>;
  tasks?: ProposalTask[];
  validateContent?: ContentValidator;
  pollIntervalMs?: number;
  gossipHeartbeatMs?: number;
  acceptProfileChange?: boolean;
  signer?: WalletSigner;
}

type Status = "created" | "recovering" | "ready" | "closing" | "closed";

export class WcoordNode {
  status: Status = "created";
  readonly operator: string;
  readonly metrics: Metrics | null;
  readonly controller = new AbortController();
  store: Store | undefined;
  chain: EthersChain | undefined;
  clock: BlockClock | undefined;
  libp2p: CoordinationLibp2p | undefined;
  network: CoordinationNetwork | undefined;
  coordinator: Coordinator | undefined;
  statusServer: StatusServer | undefined;
  executor: ActionExecutor | undefined;
  indexer: EventIndexer | undefined;
  bitcoin: ElectrumBitcoinChain | undefined;
  bitcoinTip: BitcoinTipTracker | undefined;
  intents: EthIntentSender | undefined;
  private stopIntentWatch: (() => void) | undefined;
  /** Wall clock of the last successful Ethereum RPC call (health only, reliability.md §5). */
  private lastEthRpcOk = Date.now();
  profile: ProtocolProfile | undefined;
  profileHash: string | undefined;
  private readonly log: Logger;

  constructor(
    readonly config: NodeConfig,
    private readonly operatorKey: BaseWallet,
    private readonly overrides: NodeOverrides & { logger: Logger },
  ) {
    this.operator = getAddress(operatorKey.address);
    this.metrics = overrides.metrics === undefined ? createMetrics() : overrides.metrics;
    this.log = overrides.logger.child({ module: "node" });
    setMaxListeners(Infinity, this.controller.signal);
  }

  /** Boot and recovery (reliability.md §5). Coordination work starts only at the end. */
  async start(): Promise<void> {
    if (this.status !== "created") return;
    this.status = "recovering";
    const { config, overrides, metrics } = this;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- getters below read fields set later in boot
    const self = this;
    const logger = overrides.logger;

    // 1. Lock and open the database.
    const store = (this.store = Store.open(config.dataDir));

    // 2. The status server answers from the start, with health `recovering` until boot is done.
    const health = (): HealthStatus =>
      healthOf({
        booted: this.status === "ready",
        now: Date.now(),
        lastEthRpcOk: this.lastEthRpcOk,
        bitcoinUnreachableSince: this.bitcoin?.unreachableSince ?? null,
      });
    const ethHead = (): number | null => (this.clock && this.clock.head >= 0 ? this.clock.head : null);
    // Gauges read at each scrape: what the database holds, the health and each chain's silence.
    metrics?.setScrapeSources({
      ...storeScrapeSources(store, ethHead),
      health,
      chainUnreachableSeconds: () => {
        const now = Date.now();
        const btcSince = this.bitcoin?.unreachableSince ?? null;
        return { eth: (now - this.lastEthRpcOk) / 1000, ...(this.bitcoin ? { btc: btcSince === null ? 0 : (now - btcSince) / 1000 } : {}) };
      },
    });
    this.statusServer = new StatusServer(
      {
        source: storeStatusSource(store, {
          health,
          ethHead,
          btcTip: () => this.bitcoinTip?.cursor()?.height ?? null,
          operator: this.operator,
          peerId: () => this.libp2p?.peerId.toString() ?? null,
          get profile() {
            return self.profile as unknown as Record<string, unknown> | undefined;
          },
          get profileHash() {
            return self.profileHash;
          },
          wallets: () => this.network?.subscribedWallets().map(toHex) ?? [],
          peers: () => this.network?.connectedPeers() ?? 0,
          version: VERSION,
        }),
        metrics,
        logger,
      },
      { listen: config.status.listen },
    );
    await this.statusServer.start();

    // 3. Connect to the chain (retries inside until reachable).
    const chain = (this.chain = new EthersChain(
      { logger: logger.child({ module: "chain" }) },
      {
        rpcUrl: config.eth.rpcUrl!,
        wsUrl: config.eth.wsUrl,
        pollIntervalMs: overrides.pollIntervalMs,
        chainId: config.eth.chainId === undefined ? undefined : BigInt(config.eth.chainId),
        onRpc: (method, ms, ok) => {
          if (ok) this.lastEthRpcOk = Date.now();
          metrics?.rpcCalls.inc({ method, ok: ok ? "true" : "false" });
          metrics?.rpcLatency.observe({ method }, ms / 1000);
        },
      },
    ));
    await chain.start();
    const chainId = (await chain.provider.getNetwork()).chainId;
    if (config.eth.chainId !== undefined && BigInt(config.eth.chainId) !== chainId) {
      throw new Error(`eth.rpcUrl serves chain ${chainId}, but the configuration expects chain ${config.eth.chainId}`);
    }
    const profile = (this.profile = profileFromConfig(config, chainId));
    const profileHash = (this.profileHash = computeProfileHash(profile));
    logger.info({ profile: { ...profile, chainId: profile.chainId.toString() }, profileHash }, "protocol profile");
    store.checkIdentity({ chainId, bridge: profile.bridge, profileHash }, { acceptProfileChange: overrides.acceptProfileChange });
    const head = await chain.block("latest");
    if (store.meta.get(META_KEYS.freshSince) === undefined) store.meta.set(META_KEYS.freshSince, String(head.number));
    const freshSinceHead = Number(store.meta.get(META_KEYS.freshSince));
    // Electrum, when configured (first healthy server in order). Without it the node coordinates and
    // validates what needs no Bitcoin look-up; Bitcoin proposals stay unverified and are never made.
    const btc = config.btc.electrumUrls.length > 0
      ? (this.bitcoin = new ElectrumBitcoinChain({ urls: config.btc.electrumUrls, logger: logger.child({ module: "bitcoin" }), metrics }))
      : null;
    await btc?.start();

    // 4. Wallet index and the clock (listening starts before catch-up; windows are buffered).
    const validator = new ValidatorClient({ caller: chain }, { address: profile.walletProposalValidator });
    const bridge = new BridgeClient({ caller: chain }, { address: profile.bridge });
    // The Bridge event index (coordination.md §13.2): caught up to head − lag before any proposal.
    const indexer = (this.indexer = new EventIndexer(
      { chain, store, logger: logger.child({ module: "indexer" }) },
      {
        bridgeAddress: profile.bridge,
        deployBlock: config.bridge.deployBlock,
        lagBlocks: config.indexer.lagBlocks,
        chunkBlocks: config.indexer.chunkBlocks,
        rewindBlocks: config.indexer.rewindBlocks,
      },
    ));
    await indexer.start();
    const registry = new WalletRegistry({ chain, indexer, store, bridge, logger: logger.child({ module: "wallets" }) });
    const intents = (this.intents = new EthIntentSender(
      { store, chain, wallet: new Wallet(this.operatorKey.privateKey), logger: logger.child({ module: "intents" }), metrics },
      { replaceAfterBlocks: config.eth.replaceAfterBlocks },
    ));
    const clock = (this.clock = new BlockClock({
      chain,
      logger,
      cursorStore: {
        load: () => store.cursors.get(CURSOR.ethWindowWatch)?.height,
        commit: (windows: WindowEvent[], cursor: number) =>
          store.transaction(() => {
            for (const w of windows) if (w.type === "windowMissed") this.coordinator?.windowMissed(w.W);
            store.cursors.set(CURSOR.ethWindowWatch, { height: cursor, hash: "" });
          }),
      },
    }));

    // 7. Coordination: libp2p, topics, routines.
    const domain = coordinationDomain(chainId, profile.bridge);
    const observer = overrides.observer;
    const faults = new FaultRecorder({ store, logger: logger.child({ module: "faults" }), metrics, observer });
    const results = new ResultProcessor({ store, logger: logger.child({ module: "coordination" }), metrics, observer });
    const validateContent =
      overrides.validateContent ??
      (btc ? bitcoinContentValidator({ validator, bridge, btc, chain, bridgeAddress: profile.bridge, profile, store }) : onChainContentValidator(validator));
    const taskDeps: BitcoinTaskDeps | null = btc && {
      bridge,
      validator,
      btc,
      store,
      chain,
      logger: logger.child({ module: "proposals" }),
      fee: config.fee,
      extraSafetyMarginSec: config.coordination.extraSafetyMarginSec,
      fundingTxMinConfirmations: profile.fundingTxMinConfirmations,
      intents,
      operator: this.operator,
      ownLowestSeat: (pkh) => lowestSeat(coordinator?.seatsOf(pkh) ?? [], this.operator) ?? 0,
    };
    const bitcoinTasks = taskDeps
      ? [new RedemptionTask(taskDeps), new DepositSweepTask(taskDeps), new MovedFundsSweepTask(taskDeps), new MovingFundsTask(taskDeps)]
      : [];
    const generator = new ProposalGenerator(overrides.tasks ?? [...bitcoinTasks, new HeartbeatTask({ validator, logger })], { logger, metrics });
    const netLog = logger.child({ module: "network" });
    // Connection policy (§8.1): inbound only from configured peers and co-members of our wallets.
    const seated = new SeatedOperators({ registry, chain, logger }, { bridgeAddress: profile.bridge, operator: this.operator });
    this.libp2p = await createLibp2pNode({
      operatorPrivateKey: fromHex(this.operatorKey.privateKey),
      listen: config.network.listen,
      mdns: config.network.mdns,
      gossipHeartbeatMs: overrides.gossipHeartbeatMs,
      connectionGater: createConnectionGate({
        configuredPeers: config.network.bootstrapPeers,
        seatedOperators: () => seated.current,
        onRefused: (reason) => metrics?.p2pConnectionsRefused.inc({ reason }),
        logger: netLog,
      }),
    });
    let coordinator: Coordinator | undefined;
    const network = (this.network = new CoordinationNetwork(
      { libp2p: this.libp2p, logger: logger.child({ module: "network" }) },
      {
        chainId,
        profileHash: fromHex(profileHash),
        domain,
        currentWindow: () => currentWindowBlock(Math.max(clock.head, 0)),
        seatsOf: (pkh) => coordinator?.seatsOf(pkh),
        bootstrapPeers: config.network.bootstrapPeers,
        beforeEnqueue: (item) => {
          // The transcript (R8): written before the follower sees the message.
          store.inboundMessages.append({
            wire: item.wire,
            fromPeer: item.fromPeer,
            walletPkh: toHex(item.message.walletPubKeyHash),
            W: item.message.coordinationBlock,
            receivedAtBlock: clock.head,
            verdict: "accept",
            reason: "ok",
          });
        },
        onVerdict: (verdict, reason) => {
          metrics?.gossipMessages.inc({ verdict, reason });
          if (verdict !== "accept") netLog.debug({ verdict, reason }, "gossip message not accepted");
        },
        onMalformed: (reason) => metrics?.malformedMessages.inc({ reason: reason as MalformedReason }),
      },
    ));
    coordinator = this.coordinator = new Coordinator(
      {
        store,
        chain,
        clock,
        registry,
        network,
        generate: overrides.generate ?? ((req, signal) => generator.generate(req, signal)),
        validateContent,
        faults,
        results,
        operatorKey: this.operatorKey,
        logger,
        metrics,
        observer,
      },
      { profile, profileHash, domain, freshSinceHead },
    );
    await network.start();
    await coordinator.refreshWallets(this.controller.signal);
    await seated.refresh({ signal: this.controller.signal });
    clock.on("block", () => seated.maybeRefresh({ signal: this.controller.signal }));
    // Windows found while actions are still recovering wait for it (R6: nothing new before recovery).
    const early: { W: number; head: number }[] = [];
    let coordinating = false;
    clock.on("windowOpened", (w) => (coordinating ? coordinator!.windowOpened(w.W, w.head) : early.push(w)));
    clock.on("block", (h) => metrics?.chainHead.set({ chain: "eth" }, h));
    await clock.start();

    // 5. Watch before acting (R6): the Bitcoin cursor reconciled with the server (reorgs applied to
    // the trackers) and every Ethereum intent looked up, without sending anything.
    const handlers = new Map<ActionType, ActionHandler>([[ActionType.Heartbeat, new HeartbeatHandler({ contentValidator: validateContent })]]);
    if (btc) {
      const tip = (this.bitcoinTip = new BitcoinTipTracker({ store, bitcoin: btc, logger: logger.child({ module: "bitcoin" }), metrics }));
      await tip.start();
      await tip.idle();
      const responder = new BitcoinResponder({
        store,
        bitcoin: btc,
        tip,
        logger: logger.child({ module: "responder" }),
        metrics: metrics && { broadcast: (result) => metrics.btcBroadcast.inc({ result }), rebroadcast: () => metrics.btcRebroadcast.inc() },
      });
      const recorder = new OutcomeRecorder({
        bridge,
        intents,
        operator: this.operator,
        enabled: config.maintainer.enabled,
        minConfirmations: config.record.minConfirmations,
        logger: logger.child({ module: "recording" }),
      });
      const deps = { contentValidator: validateContent, bridge, btc, store, responder, recorder, minConfirmations: config.record.minConfirmations, logger };
      for (const h of [new DepositSweepHandler(deps), new RedemptionHandler(deps), new MovingFundsHandler(deps), new MovedFundsSweepHandler(deps)]) {
        handlers.set(h.type, h);
      }
    }
    await intents.poll({ lookUpOnly: true, signal: this.controller.signal });

    // 6. Actions: resume each with at most one side effect.
    const executor = (this.executor = new ActionExecutor({
      store,
      clock,
      blocks: chain,
      bridge,
      signer: overrides.signer ?? (config.signer.localKeysFile ? LocalKeySigner.fromFile(config.signer.localKeysFile) : new LocalKeySigner([])),
      handlers,
      bitcoinTip: this.bitcoinTip ?? null,
      observer,
      logger,
      metrics,
    }));
    results.dispatcher = executor;
    await recoverActions({ store, clock, executor, logger }, { signal: this.controller.signal });
    await executor.start();
    this.stopIntentWatch = intents.watch();

    coordinating = true;
    for (const w of early) coordinator.windowOpened(w.W, w.head);
    coordinator.resumeRunning();

    this.status = "ready";
    this.log.info({ operator: this.operator, peerId: this.libp2p.peerId.toString(), addrs: this.listenAddresses(), head: clock.head }, "node ready");
  }

  /** Base URL of the status API and page, once started. */
  get statusUrl(): string | undefined {
    return this.statusServer?.address() ? this.statusServer.url : undefined;
  }

  listenAddresses(): string[] {
    return this.libp2p?.getMultiaddrs().map((a) => a.toString()) ?? [];
  }

  /** Shutdown order of style.md §1.1: gossip, watchers, coordination, libp2p, abort, database. */
  async stop(): Promise<void> {
    if (this.status === "closing" || this.status === "closed") return;
    this.status = "closing";
    await this.network?.stop();
    await this.clock?.stop();
    await this.coordinator?.stop();
    this.stopIntentWatch?.();
    await this.executor?.stop();
    await this.bitcoinTip?.stop();
    await this.indexer?.stop();
    await this.bitcoin?.stop();
    await this.libp2p?.stop();
    await this.statusServer?.stop();
    await this.chain?.stop();
    this.controller.abort();
    this.store?.close();
    this.status = "closed";
  }
}
