// The embedded devnet: a Hardhat chain, the contracts deployed with the project's own deploy code,
// dev wallets with overlapping signing groups, N operator nodes on loopback, and a miner that makes a
// window come every few seconds. Everything it starts, it stops.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { JsonRpcProvider, Network, Wallet, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { pino } from "pino";
import type { CoordinationEvent } from "../coordination/events.js";
import { computeSeed } from "../coordination/seed.js";
import { selectLeader } from "../coordination/leader.js";
import { WcoordNode } from "../node/node.js";
import { loadConfig } from "../node/options.js";
import { fromHex } from "../util/hex.js";
import { startHardhatNode, type HardhatNode } from "./hardhat-node.js";
import { Miner } from "./miner.js";
import { Timeline, type Printer, type WindowSummary } from "./timeline.js";

export interface DevnetOptions {
  nodes: number;
  wallets: number;
  /** Stop after this many windows (0: run until aborted). */
  windows: number;
  seed: string;
  killLeader: boolean;
  dataDir?: string;
  blockMs: number;
  print: Printer;
  signal: AbortSignal;
}

export interface DevnetSummary {
  windows: WindowSummary[];
  nodes: number;
  wallets: number;
}

/** Devnet operators: deterministic keys from the scenario seed (test keys, never for real funds). */
export function devnetOperatorKey(seed: string, i: number): string {
  return keccak256(toUtf8Bytes(`wcoord-devnet-operator-${seed}-${i}`));
}

export async function runDevnet(opts: DevnetOptions): Promise<DevnetSummary> {
  const print = opts.print;
  const ownDir = opts.dataDir === undefined;
  const dataDir = ownDir ? mkdtempSync(join(tmpdir(), "wcoord-devnet-")) : resolve(opts.dataDir!);
  mkdirSync(dataDir, { recursive: true });
  const nodes: (WcoordNode | undefined)[] = [];
  let chain: HardhatNode | undefined;
  let ignitionJournal: string | undefined;
  const summary: DevnetSummary = { windows: [], nodes: opts.nodes, wallets: opts.wallets };

  try {
    chain = await startHardhatNode();
    print(`chain: hardhat node ${chain.url} (pid ${chain.pid}), data in ${dataDir}`);

    // Deploy with the project's deploy code over a Hardhat connection to that node.
    process.env.WCOORD_LOCALHOST_URL = chain.url;
    const { default: hre } = await import("hardhat");
    const { deployWalletCoordinator, writeDeploymentFile } = await import("../../deploy/deploy-lib.js");
    const { registerDevWallets } = await import("../../deploy/dev-bootstrap.js");
    const conn = await hre.network.create("localhost");
    // A journal of its own: a devnet chain is new every run, so its Ignition record is thrown away after.
    const deploymentId = `devnet-${process.pid}-${Date.now()}`;
    ignitionJournal = join(process.cwd(), "ignition", "deployments", deploymentId);
    const deployment = await deployWalletCoordinator(conn, { deploymentId });
    writeDeploymentFile(join(dataDir, "deployments"), "localhost", deployment);
    print(`contracts: Bridge ${deployment.bridge}, WalletProposalValidator ${deployment.walletProposalValidator} (block ${deployment.deployBlock})`);

    const operators = Array.from({ length: opts.nodes }, (_, i) => new Wallet(devnetOperatorKey(opts.seed, i)));
    const [governance] = await conn.ethers.getSigners();
    const operatorsPerWallet = Math.max(2, Math.min(opts.nodes - 1, 4));
    const wallets = await registerDevWallets(deployment.bridge, governance, {
      count: opts.wallets,
      operatorsPerWallet,
      operators: operators.map((o) => o.address),
      seed: opts.seed,
    });
    await conn.close?.();
    const timeline = new Timeline(print);
    operators.forEach((o, i) => timeline.labels.set(getAddress(o.address), `node${i}`));
    for (const w of wallets) {
      print(`wallet 0x${Buffer.from(w.walletPubKeyHash).toString("hex")}: seats ${w.operators.map((a) => timeline.labels.get(a)).join(", ")}`);
    }

    // Operator nodes, in process, each with its own data directory, port and log file.
    const startNode = async (i: number): Promise<WcoordNode> => {
      const nodeDir = join(dataDir, `node${i}`);
      mkdirSync(nodeDir, { recursive: true });
      // Gossip only travels between subscribers of a topic, so every node dials every other one.
      const peers = nodes.filter((n, j) => j !== i && n?.status === "ready").flatMap((n) => n!.listenAddresses().slice(0, 1));
      const config = loadConfig({
        env: {},
        overrides: {
          dataDir: nodeDir,
          eth: { rpcUrl: chain!.url, wsUrl: chain!.wsUrl, chainId: deployment.chainId },
          bridge: { address: deployment.bridge, validator: deployment.walletProposalValidator, deployBlock: deployment.deployBlock },
          network: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrapPeers: peers },
          status: { listen: "127.0.0.1:0" },
          // Every window proposes a heartbeat, so every window carries a real, validated proposal.
          profile: { heartbeatProbabilityPpm: 1_000_000 },
        },
      });
      const logger = pino({ level: "debug" }, pino.destination({ dest: join(nodeDir, "wcoord.log"), sync: false }));
      const operator = getAddress(operators[i].address);
      const node = new WcoordNode(config, operators[i], {
        logger,
        observer: (e: CoordinationEvent) => timeline.record(operator, e),
        pollIntervalMs: 100,
        gossipHeartbeatMs: 200,
      });
      await node.start();
      nodes[i] = node;
      return node;
    };
    for (let i = 0; i < opts.nodes; i++) await startNode(i);
    print(`nodes: ${opts.nodes} operators connected over libp2p on 127.0.0.1`);

    const provider = new JsonRpcProvider(chain.url, Network.from(deployment.chainId), { staticNetwork: true, cacheTimeout: -1 });
    const miner = new Miner(provider, { blockMs: opts.blockMs });
    let killed: number | undefined;
    for (let n = 1; opts.windows === 0 || n <= opts.windows; n++) {
      const W = await miner.nextWindow(
        {
          beforeWindow: async (W) => {
            if (!opts.killLeader || n !== 2) return;
            // Stop the leader of the first wallet for this window to show LeaderIdleness.
            const safe = await provider.getBlock(W - 32);
            const seed = computeSeed(wallets[0].walletPubKeyHash, fromHex(safe!.hash!));
            const { leader } = selectLeader(wallets[0].operators, seed, "seedrandom");
            killed = operators.findIndex((o) => getAddress(o.address) === leader);
            print(`W=${W} --kill-leader: stopping node${killed} (leader of wallet 0x${Buffer.from(wallets[0].walletPubKeyHash).toString("hex").slice(0, 8)}…)`);
            await nodes[killed]!.stop();
          },
          afterWindow: async () => {
            if (killed === undefined) return;
            print(`restarting node${killed}`);
            await startNode(killed);
            killed = undefined;
          },
        },
        opts.signal,
      );
      timeline.printWindow(W);
      summary.windows.push(timeline.summary(W));
    }
    await provider.destroy();
    return summary;
  } finally {
    for (const n of nodes) await n?.stop().catch(() => undefined);
    await chain?.stop();
    if (ignitionJournal) rmSync(ignitionJournal, { recursive: true, force: true });
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function writeSummary(file: string, summary: DevnetSummary): void {
  writeFileSync(file, JSON.stringify(summary, null, 2) + "\n");
}
