// The embedded devnet (`wcoord devnet`, `npm start`): a LocalNetwork, a miner that makes a window come
// every few seconds, a readable timeline and, on request, a summary and a stopped leader.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureContractsBuilt } from "./contract-build.js";
import { LocalNetwork } from "./local-network.js";
import { Scenario } from "./scenario.js";
import { Timeline, type ActionSummary, type Printer, type WindowSummary } from "./timeline.js";

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
  /** Every wallet action with its state history (as seen when the devnet stopped). */
  actions: ActionSummary[];
  nodes: number;
  wallets: number;
}

/** Bitcoin block interval: funding transactions confirm and actions settle within a window or two. */
const BTC_BLOCK_MS = 250;

/** The window (1-based, counted from the start) in which --kill-leader stops a leader. */
const KILL_WINDOW = 2;

export async function runDevnet(opts: DevnetOptions): Promise<DevnetSummary> {
  const print = opts.print;
  const ownDir = opts.dataDir === undefined;
  const dataDir = ownDir ? mkdtempSync(join(tmpdir(), "wcoord-devnet-")) : resolve(opts.dataDir!);
  const summary: DevnetSummary = { windows: [], actions: [], nodes: opts.nodes, wallets: opts.wallets };
  let net: LocalNetwork | undefined;
  try {
    ensureContractsBuilt(print);
    net = await LocalNetwork.start({
      nodes: opts.nodes,
      wallets: opts.wallets,
      seed: opts.seed,
      dataDir,
      blockMs: opts.blockMs,
      // Every checklist item every window, and a heartbeat whenever nothing else is due, so every
      // window carries a real, validated proposal.
      profile: { heartbeatProbabilityPpm: 1_000_000, frequencyWindows: 1 },
    });
    const { deployment } = net;
    print(`chain: hardhat node ${net.chain.url} (pid ${net.chain.pid}); data in ${dataDir}`);
    print(`contracts: Bridge ${deployment.bridge}, WalletProposalValidator ${deployment.walletProposalValidator} (block ${deployment.deployBlock})`);
    const timeline = new Timeline(print);
    net.operators.forEach((_, i) => timeline.labels.set(net!.operatorAddress(i), `node${i}`));
    net.wallets.forEach((w, i) => timeline.followers.set(net!.walletHex(i), new Set(w.operators).size - 1));
    net.onEvent(({ node, event }) => timeline.record(net!.operatorAddress(node), event));
    for (const [i, w] of net.wallets.entries()) {
      print(`wallet 0x${net.walletHex(i)}: seats ${w.operators.map((a) => timeline.labels.get(a)).join(", ")}`);
    }
    for (let i = 0; i < opts.nodes; i++) await net.startNode(i);
    print(`nodes: ${opts.nodes} operators connected over libp2p on 127.0.0.1; status pages: ${net.nodes.map((n) => n!.statusUrl ?? "-").join(" ")}`);

    print(`bitcoin: test chain at height ${net.bitcoin.tip().height}, Electrum server ${net.electrum.url}; a block every ${BTC_BLOCK_MS} ms`);
    net.mineBitcoin(BTC_BLOCK_MS);
    const scenario = await Scenario.create(net, print);
    await scenario.step(0);
    let killed: number | undefined;
    for (let n = 1; opts.windows === 0 || n <= opts.windows; n++) {
      const W = await net.miner.nextWindow(
        {
          beforeWindow: async (W) => {
            if (!opts.killLeader || n !== KILL_WINDOW) return;
            killed = net!.nodeIndexOf(await net!.leaderOf(0, W));
            print(`W=${W} --kill-leader: stopping node${killed}, leader of wallet 0x${net!.walletHex(0).slice(0, 8)}…`);
            await net!.stopNode(killed);
          },
          afterWindow: async () => {
            await scenario.step(n);
            if (killed === undefined) return;
            print(`restarting node${killed} on its data directory`);
            await net!.startNode(killed);
            killed = undefined;
          },
        },
        opts.signal,
      );
      timeline.printWindow(W);
      summary.windows.push(timeline.summary(W));
      summary.actions = timeline.actions();
    }
    return summary;
  } finally {
    await net?.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function writeSummary(file: string, summary: DevnetSummary): void {
  writeFileSync(file, JSON.stringify(summary, null, 2) + "\n");
}
