// A whole local network in one process: a `hardhat node` child, the contracts deployed with the
// project's deploy code, dev wallets with overlapping signing groups (ECDSA dev keys, or FROST wallets
// from a trusted dealer registered through the FrostWalletRegistry) and N operator nodes on loopback.
// The devnet drives it for people; integration tests drive it for assertions.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, Network, Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import type { DevWallet } from "../../deploy/dev-bootstrap.js";
import type { DevFrostWalletEntry } from "../../deploy/dev-frost-wallets.js";
import { LocalKeySigner } from "../actions/signer.js";
import { sealKeyShare } from "../threshold/dkg/key-share-store.js";
import { FrostDealerSigner } from "../threshold/frost-dealer-signer.js";
import { WalletSignerSet } from "../threshold/signer-set.js";
import { Store } from "../store/store.js";
import type { Deployment } from "../chain/deployment-file.js";
import type { CoordinationEvent } from "../protocol/events.js";
import { selectLeader } from "../coordination/leader.js";
import { computeSeed } from "../coordination/seed.js";
import { createLogger, type LogLevel } from "../util/logger.js";
import { createNode, type NodeOverrides, type WcoordNode } from "../node/node.js";
import { loadConfig, type ConfigInput } from "../node/options.js";
import { fromHex, toHex } from "../util/hex.js";
import { startElectrumServer, type ElectrumServerHandle } from "./electrum-server.js";
import { FakeBitcoinChain } from "./fake-bitcoin-chain.js";
import { startHardhatNode, type HardhatNode } from "./hardhat-node.js";
import { Miner } from "./miner.js";

export interface LocalNetworkOptions {
  nodes: number;
  wallets: number;
  /** The last `frostWallets` of the wallets are FROST wallets (Taproot), the others ECDSA; default 0. */
  frostWallets?: number;
  /**
   * FROST wallets signed by a quorum of their members over libp2p, each node holding only its own
   * share (sealed in its database). False: every node signs them alone with all the dealer's shares.
   */
  quorumSigning?: boolean;
  /** Same seed, same operator keys, wallets and therefore leaders. */
  seed: string;
  dataDir: string;
  blockMs: number;
  /** Protocol profile of every node; the devnet proposes a heartbeat in every window. */
  profile?: ConfigInput["profile"];
  logLevel?: LogLevel;
}

/** A devnet wallet: an ECDSA dev key, or a FROST wallet whose shares a trusted dealer made. */
export type DevnetWallet = (DevWallet & { readonly scheme: "ecdsa" }) | (DevFrostWalletEntry & { readonly scheme: "frost" });

export interface RecordedEvent {
  node: number;
  event: CoordinationEvent;
}

/** Seals the devnet's FROST key shares in each node's database (a test password, never for real funds). */
export const DEVNET_KEY_SHARE_PASSWORD = "wcoord-devnet";
/** A low scrypt cost: the devnet seals a dozen shares at start. */
const DEVNET_SCRYPT_N = 2 ** 12;
/** One signing attempt on the devnet (threshold.md §6): windows come every few seconds. */
const DEVNET_SIGNING_ATTEMPT_MS = 3_000;

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
    readonly wallets: DevnetWallet[],
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
      const { registerDevFrostWallets } = await import("../../deploy/dev-frost-wallets.js");
      const conn = await hre.network.create("localhost");
      const deployment = await deployWalletCoordinator(conn, { deploymentId });
      const operators = Array.from({ length: opts.nodes }, (_, i) => new Wallet(devnetOperatorKey(opts.seed, i)));
      const [governance] = await conn.ethers.getSigners();
      const frostCount = opts.frostWallets ?? 0;
      if (!Number.isInteger(frostCount) || frostCount < 0 || frostCount > opts.wallets) throw new Error(`frostWallets must be 0…${opts.wallets}, got ${frostCount}`);
      const operatorsPerWallet = Math.max(2, Math.min(opts.nodes - 1, 4));
      const ecdsa = await registerDevWallets(deployment.bridge, governance, {
        count: opts.wallets - frostCount,
        operatorsPerWallet,
        operators: operators.map((o) => o.address),
        seed: opts.seed,
      });
      const frost = await registerDevFrostWallets(deployment.bridge, governance, {
        indices: Array.from({ length: frostCount }, (_, k) => opts.wallets - frostCount + k),
        membersPerWallet: operatorsPerWallet,
        members: operators,
        seed: opts.seed,
      });
      const wallets: DevnetWallet[] = [
        ...ecdsa.map((w) => ({ ...w, scheme: "ecdsa" as const })),
        ...frost.map((w) => ({ ...w, scheme: "frost" as const })),
      ];
      await conn.close?.();
      const provider = new JsonRpcProvider(chain.url, Network.from(deployment.chainId), { staticNetwork: true, cacheTimeout: -1 });
      const bitcoin = new FakeBitcoinChain();
      const electrum = await startElectrumServer(bitcoin);
      const net = new LocalNetwork(opts, chain, deployment, operators, wallets, provider, new Miner(provider, { blockMs: opts.blockMs }), bitcoin, electrum);
      net.journal = journal;
      return net;
    } catch (err) {
      await chain.stop();
      rmSync(journal, { recursive: true, force: true });
      throw err;
    }
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
    if (this.opts.quorumSigning) await this.provisionKeyShares(i, nodeDir);
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
   * Stands in for threshold signing where the devnet has no quorum: every node holds the ECDSA
   * wallets' keys and, without quorumSigning, the FROST wallets' dealer shares. With quorumSigning a
   * FROST wallet is signed by a quorum of its members over libp2p, each with its own share only.
   */
  private devSigner(chainId: number): LocalKeySigner | WalletSignerSet {
    const local = new LocalKeySigner(this.wallets.flatMap((w) => (w.scheme === "ecdsa" ? [w.privateKey] : [])));
    if (this.opts.quorumSigning) return local;
    return new WalletSignerSet([local, new FrostDealerSigner(this.wallets.flatMap((w) => (w.scheme === "frost" ? [w.frost] : [])), { chainId: BigInt(chainId) })]);
  }

  /**
   * Node i's own share of each FROST wallet it is a member of, sealed into its database before its
   * first start: member index = seat = the position in the wallet's ascending member list.
   */
  private async provisionKeyShares(i: number, nodeDir: string): Promise<void> {
    const operator = this.operatorAddress(i);
    const store = Store.open(nodeDir);
    try {
      for (const w of this.wallets) {
        if (w.scheme !== "frost") continue;
        const memberIndex = w.operators.findIndex((a) => getAddress(a) === operator) + 1;
        if (memberIndex === 0 || store.keyShares.get(toHex(w.walletPubKeyHash)) !== undefined) continue;
        const sealed = await sealKeyShare({ public: w.frost.public, secret: w.frost.shares.get(memberIndex)! }, DEVNET_KEY_SHARE_PASSWORD, { scryptN: DEVNET_SCRYPT_N });
        store.keyShares.put({
          walletPkh: toHex(w.walletPubKeyHash),
          walletX: toHex(w.frost.walletX),
          requestId: "0",
          memberIndex,
          threshold: w.frost.threshold,
          members: w.operators.map((a) => getAddress(a)),
          sealed: new TextEncoder().encode(sealed),
          // A dealer's share has no DKG transcript to rebuild it from.
          transcript: new Uint8Array(0),
        });
      }
    } finally {
      store.close();
    }
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
