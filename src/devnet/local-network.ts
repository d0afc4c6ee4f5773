// A whole local network in one process: a `hardhat node` child, the contracts deployed with the
// project's deploy code, wallets with overlapping signing groups and N operator nodes on loopback.
// FROST wallets are requested from the FrostWalletRegistry and created by the nodes by DKG
// (createFrostWallets); ECDSA wallets hold dev keys every node knows. The devnet drives it for people;
// integration tests drive it for assertions.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, Network, Wallet, getAddress, keccak256, parseEther, toUtf8Bytes } from "ethers";
import type { DevWallet } from "../../deploy/dev-bootstrap.js";
import type { DevFrostWalletRequest } from "../../deploy/dev-frost-wallets.js";
import { LocalKeySigner } from "../actions/signer.js";
import type { DevFrostWallet } from "../threshold/dev-wallet.js";
import { FrostDealerSigner } from "../threshold/frost-dealer-signer.js";
import { WalletSignerSet } from "../threshold/signer-set.js";
import type { Deployment } from "../chain/deployment-file.js";
import type { CoordinationEvent } from "../protocol/events.js";
import { selectLeader } from "../coordination/leader.js";
import { computeSeed } from "../coordination/seed.js";
import { createLogger, type LogLevel } from "../util/logger.js";
import { createNode, type NodeOverrides, type WcoordNode } from "../node/node.js";
import { loadConfig, type ConfigInput } from "../node/options.js";
import { defaultIndexerOptions } from "../node/options/chain.js";
import { fromHex, toHex } from "../util/hex.js";
import { startElectrumServer, type ElectrumServerHandle } from "./electrum-server.js";
import { FakeBitcoinChain } from "./fake-bitcoin-chain.js";
import { startHardhatNode, type HardhatNode } from "./hardhat-node.js";
import { Miner } from "./miner.js";
import { awaitDkgWallets, type DkgProgress } from "./dkg-wallets.js";

export interface LocalNetworkOptions {
  nodes: number;
  wallets: number;
  /** The last `frostWallets` of the wallets are FROST wallets (Taproot), the others ECDSA; default 0. */
  frostWallets?: number;
  /**
   * Where FROST keys come from. "dkg" (default): the wallets are requested at start and the nodes
   * create them by DKG once they run (createFrostWallets); each node holds its own share only and
   * a quorum signs. "dealer": the library's trusted dealer keys them and they are registered at start
   * (tests that need a FROST wallet without nodes); every node signs alone with all the shares.
   */
  frostKeys?: "dkg" | "dealer";
  /** FROST signers per signature; default ⌊m/2⌋ + 1 of m members. */
  threshold?: number;
  /** Members (seats) per wallet; default membersPerWallet(nodes). */
  members?: number;
  /** Same seed, same operator keys, wallets and therefore leaders. */
  seed: string;
  dataDir: string;
  blockMs: number;
  /** Protocol profile of every node; the devnet proposes a heartbeat in every window. */
  profile?: ConfigInput["profile"];
  logLevel?: LogLevel;
}

/** A FROST wallet of the devnet: created by DKG among its members, or keyed by a trusted dealer. */
export interface DevnetFrostWallet {
  readonly scheme: "frost";
  readonly index: number;
  readonly walletPubKeyHash: Uint8Array;
  /** Seat list = the registry request's members, ascending (seat k is member index k). */
  readonly operators: string[];
  readonly walletX: Uint8Array;
  readonly threshold: number;
  /** Only for dealer wallets: every share (development only). */
  readonly dealer?: DevFrostWallet;
}

/** A devnet wallet: an ECDSA dev key, or a FROST wallet. */
export type DevnetWallet = (DevWallet & { readonly scheme: "ecdsa" }) | DevnetFrostWallet;

export interface RecordedEvent {
  node: number;
  event: CoordinationEvent;
}

/** Seals the FROST key shares the nodes create by DKG in their databases (a test password, never for real funds). */
export const DEVNET_KEY_SHARE_PASSWORD = "wcoord-devnet";
/** One signing attempt on the devnet (threshold.md §6): windows come every few seconds. */
const DEVNET_SIGNING_ATTEMPT_MS = 3_000;

/** Members (seats) of each devnet wallet: 4, fewer on a smaller network, at least 2. */
export function membersPerWallet(nodes: number): number {
  return Math.max(2, Math.min(nodes - 1, 4));
}

/** Devnet operators: deterministic keys from the scenario seed (test keys, never for real funds). */
export function devnetOperatorKey(seed: string, i: number): string {
  return keccak256(toUtf8Bytes(`wcoord-devnet-operator-${seed}-${i}`));
}

export class LocalNetwork {
  readonly nodes: (WcoordNode | undefined)[] = [];
  readonly events: RecordedEvent[] = [];
  private readonly listeners: ((e: RecordedEvent) => void)[] = [];
  private journal: string | undefined;
  private btcMiner: NodeJS.Timeout | undefined;

  private constructor(
    readonly opts: LocalNetworkOptions,
    readonly chain: HardhatNode,
    readonly deployment: Deployment,
    readonly operators: Wallet[],
    /** ECDSA and dealer wallets from the start; DKG wallets once createFrostWallets has run. */
    readonly wallets: DevnetWallet[],
    /** DKG wallets requested at start, not created yet. */
    private readonly requests: DevFrostWalletRequest[],
    readonly provider: JsonRpcProvider,
    readonly miner: Miner,
    /** The Bitcoin test chain, served to the nodes by a local Electrum server. */
    readonly bitcoin: FakeBitcoinChain,
    readonly electrum: ElectrumServerHandle,
  ) {}

  static async start(opts: LocalNetworkOptions): Promise<LocalNetwork> {
    mkdirSync(opts.dataDir, { recursive: true });
    const chain = await startHardhatNode();
    // A journal of its own: a devnet chain is new every run, so its Ignition record is thrown away after.
    const deploymentId = `devnet-${process.pid}-${Date.now()}`;
    const journal = join(process.cwd(), "ignition", "deployments", deploymentId);
    try {
      process.env.WCOORD_LOCALHOST_URL = chain.url;
      const { default: hre } = await import("hardhat");
      const { deployWalletCoordinator } = await import("../../deploy/deploy-lib.js");
      const { registerDevWallets } = await import("../../deploy/dev-bootstrap.js");
      const { registerDevFrostWallets, requestDevFrostWallets } = await import("../../deploy/dev-frost-wallets.js");
      // The URL overrides the config (read once per process), so a process can start several devnets.
      const conn = await hre.network.create({ network: "localhost", override: { url: chain.url } });
      const deployment = await deployWalletCoordinator(conn, { deploymentId });
      const operators = Array.from({ length: opts.nodes }, (_, i) => new Wallet(devnetOperatorKey(opts.seed, i)));
      const [governance] = await conn.ethers.getSigners();
      // Operators pay gas: DKG results, maintainer records, moving-funds commitments.
      for (const o of operators) await (await governance.sendTransaction({ to: o.address, value: parseEther("100") })).wait();
      const frostCount = opts.frostWallets ?? 0;
      if (!Number.isInteger(frostCount) || frostCount < 0 || frostCount > opts.wallets) throw new Error(`frostWallets must be 0…${opts.wallets}, got ${frostCount}`);
      const operatorsPerWallet = opts.members ?? membersPerWallet(opts.nodes);
      const ecdsa = await registerDevWallets(deployment.bridge, governance, {
        count: opts.wallets - frostCount,
        operatorsPerWallet,
        operators: operators.map((o) => o.address),
        seed: opts.seed,
      });
      const frostOptions = {
        indices: Array.from({ length: frostCount }, (_, k) => opts.wallets - frostCount + k),
        membersPerWallet: operatorsPerWallet,
        members: operators,
        seed: opts.seed,
        threshold: opts.threshold,
      };
      const dealt = opts.frostKeys === "dealer" ? await registerDevFrostWallets(deployment.bridge, governance, frostOptions) : [];
      const requests = opts.frostKeys === "dealer" ? [] : await requestDevFrostWallets(deployment.bridge, governance, frostOptions);
      const wallets: DevnetWallet[] = [
        ...ecdsa.map((w) => ({ ...w, scheme: "ecdsa" as const })),
        ...dealt.map((w) => ({ scheme: "frost" as const, index: w.index, walletPubKeyHash: w.walletPubKeyHash, operators: w.operators, walletX: w.frost.walletX, threshold: w.frost.threshold, dealer: w.frost })),
      ];
      await conn.close?.();
      const provider = new JsonRpcProvider(chain.url, Network.from(deployment.chainId), { staticNetwork: true, cacheTimeout: -1 });
      const bitcoin = new FakeBitcoinChain();
      const electrum = await startElectrumServer(bitcoin);
      const net = new LocalNetwork(opts, chain, deployment, operators, wallets, requests, provider, new Miner(provider, { blockMs: opts.blockMs }), bitcoin, electrum);
      net.journal = journal;
      return net;
    } catch (err) {
      await chain.stop();
      rmSync(journal, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Waits, mining an Ethereum block every 250 ms, until the running nodes have created every
   * requested FROST wallet by DKG and registered it; then they join `wallets`, in their places.
   */
  async createFrostWallets(onProgress: (p: DkgProgress) => void = () => undefined, timeoutMs = 180_000): Promise<void> {
    const chain = { provider: this.provider, miner: this.miner, registry: this.deployment.frostWalletRegistry!, indexerLagBlocks: defaultIndexerOptions.lagBlocks };
    const created = await awaitDkgWallets(chain, this.requests, onProgress, timeoutMs);
    this.wallets.push(...created);
    this.wallets.sort((a, b) => a.index - b.index);
    this.requests.length = 0;
  }

  /** Mines a Bitcoin block every `ms` (0 stops it). */
  mineBitcoin(ms: number): void {
    clearInterval(this.btcMiner);
    this.btcMiner = ms > 0 ? setInterval(() => this.bitcoin.mine(1), ms) : undefined;
  }

  onEvent(fn: (e: RecordedEvent) => void): void {
    this.listeners.push(fn);
  }

  operatorAddress(i: number): string {
    return getAddress(this.operators[i].address);
  }

  nodeIndexOf(operator: string): number {
    return this.operators.findIndex((o) => getAddress(o.address) === getAddress(operator));
  }

  walletHex(w: number): string {
    return toHex(this.wallets[w].walletPubKeyHash);
  }

  /** Starts (or restarts, on the same data directory) node i; it dials every other running node. */
  async startNode(i: number, overrides: Partial<NodeOverrides> = {}, config: ConfigInput = {}): Promise<WcoordNode> {
    const nodeDir = join(this.opts.dataDir, `node${i}`);
    mkdirSync(nodeDir, { recursive: true });
    // Gossip only travels between subscribers of a topic, so every node dials every other one.
    const peers = this.nodes.filter((n, j) => j !== i && n?.status === "started").flatMap((n) => n!.listenAddresses().slice(0, 1));
    const { deployment } = this;
    const cfg = loadConfig({
      env: {},
      overrides: {
        ...config,
        dataDir: nodeDir,
        eth: { rpcUrl: this.chain.url, wsUrl: this.chain.wsUrl, chainId: deployment.chainId, ...config.eth },
        bridge: { address: deployment.bridge, validator: deployment.walletProposalValidator, deployBlock: deployment.deployBlock, frostWalletRegistry: deployment.frostWalletRegistry },
        btc: { electrumUrls: [this.electrum.url] },
        maintainer: { enabled: true },
        network: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrapPeers: peers },
        status: { listen: "127.0.0.1:0" },
        profile: { ...this.opts.profile, ...config.profile },
        threshold: { signingAttemptMs: DEVNET_SIGNING_ATTEMPT_MS, ...config.threshold },
      },
    });
    // The project's logger (redaction, the repeated-warning limiter), into the node's file only.
    const logger = createLogger({
      level: this.opts.logLevel ?? "debug",
      format: "json",
      console: false,
      file: join(nodeDir, "wcoord.log"),
      fileSync: false,
    });
    const node = await createNode({ config: cfg, operatorKey: this.operators[i], keySharePassword: DEVNET_KEY_SHARE_PASSWORD }, {
      logger,
      pollIntervalMs: 100,
      gossipHeartbeatMs: 200,
      signer: this.devSigner(deployment.chainId),
      ...overrides,
    });
    node.events.addEventListener("coordination", ({ detail: event }) => {
      const e = { node: i, event };
      this.events.push(e);
      for (const l of this.listeners) l(e);
    });
    this.nodes[i] = node;
    await node.start();
    return node;
  }

  /**
   * The signers that hold whole keys, development only: the ECDSA wallets' dev keys and the dealer
   * wallets' shares. DKG wallets are signed by a quorum of their members' NetworkSigners.
   */
  private devSigner(chainId: number): LocalKeySigner | WalletSignerSet {
    const local = new LocalKeySigner(this.wallets.flatMap((w) => (w.scheme === "ecdsa" ? [w.privateKey] : [])));
    const dealt = this.wallets.flatMap((w) => (w.scheme === "frost" && w.dealer ? [w.dealer] : []));
    return dealt.length === 0 ? local : new WalletSignerSet([local, new FrostDealerSigner(dealt, { chainId: BigInt(chainId) })]);
  }

  async stopNode(i: number): Promise<void> {
    await this.nodes[i]?.stop();
  }

  /** The leader of wallet `w` for window W, computed like every node does (W−32 must be mined). */
  async leaderOf(w: number, W: number): Promise<string> {
    const safe = await this.provider.getBlock(W - 32);
    if (!safe?.hash) throw new Error(`block ${W - 32} is not mined yet`);
    const seed = computeSeed(this.wallets[w].walletPubKeyHash, fromHex(safe.hash));
    return selectLeader(this.wallets[w].operators, seed, this.opts.profile?.rngScheme ?? "seedrandom").leader;
  }

  async stop(): Promise<void> {
    this.mineBitcoin(0);
    for (const n of this.nodes) await n?.stop().catch(() => undefined);
    await this.electrum.close();
    await this.provider.destroy();
    await this.chain.stop();
    if (this.journal) rmSync(this.journal, { recursive: true, force: true });
  }
}
