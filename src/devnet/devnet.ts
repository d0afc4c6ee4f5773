// The embedded devnet (`wcoord devnet`, `npm start`): a LocalNetwork, a miner that makes a window come
// every few seconds, a readable timeline and, on request, a summary and a stopped leader.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { getAddress } from "ethers";
import { holdsLock, type ActionState } from "../actions/state-machine.js";
import { COORDINATION_FREQUENCY_BLOCKS } from "../protocol/constants.js";
import { to0x, toHex } from "../util/hex.js";
import { sleep } from "../util/sleep.js";
import { ensureContractsBuilt } from "./contract-build.js";
import { LocalNetwork, type DevnetWallet } from "./local-network.js";
import { txShapeOf } from "./tx-shape.js";
import { Scenario } from "./scenario.js";
import { isTerminalOutcome, Timeline, type ActionSummary, type Printer, type WindowSummary } from "./timeline.js";

export interface DevnetOptions {
  nodes: number;
  wallets: number;
  /** The last `frostWallets` wallets are FROST wallets on Taproot, created by DKG among their members. */
  frostWallets: number;
  /** FROST signers per signature (undefined: ⌊m/2⌋ + 1 of m members). */
  threshold?: number;
  /** Members of wallet 0 (never its leader) stopped before the first window, for the rest of the run. */
  killSigners: number;
  /** Stop after this many windows (0: run until aborted). */
  windows: number;
  /**
   * After the last of `windows` windows, keep both chains going until every action is terminal
   * (at most DRAIN_BTC_BLOCKS Bitcoin blocks). False: stop right after the last window.
   */
  drain: boolean;
  seed: string;
  killLeader: boolean;
  dataDir?: string;
  blockMs: number;
  print: Printer;
  signal: AbortSignal;
}

/** A wallet of the devnet as the summary lists it (threshold.md §6). */
export interface WalletSummary {
  wallet: string;
  scheme: "ecdsa" | "frost";
  /** FROST: the 32-byte x-only wallet key. */
  walletX?: string;
  members: string[];
  /** FROST: signers needed. */
  threshold?: number;
}

export interface DevnetSummary {
  wallets: WalletSummary[];
  windows: WindowSummary[];
  /** Every wallet action with its state history (as seen when the devnet stopped). */
  actions: ActionSummary[];
  nodes: number;
}

/** Bitcoin block interval: funding transactions confirm and actions settle within a window or two. */
const BTC_BLOCK_MS = 250;

/** The window (1-based, counted from the start) in which --kill-leader stops a leader. */
const KILL_WINDOW = 2;

/**
 * The drain's limit in Bitcoin blocks (50 s at a block every 250 ms). An action of the last window is
 * broadcast by W+140, confirms in a block or two, is recorded at depth 6 to 14 (maintainer rank) and
 * is final at depth 100 (reliability.md §3.6): about 105 blocks, so 200 leaves room for a rebroadcast
 * or a slow recording.
 */
export const DRAIN_BTC_BLOCKS = 200;
/** Single Ethereum blocks (one per Bitcoin block) the devnet waits at most for wallets to be released before the next window. */
const SETTLE_MAX_BLOCKS = 160;
/** A progress line every this many Bitcoin blocks of the drain. */
const DRAIN_PROGRESS_BLOCKS = 20;
/** The drain never mines the Ethereum chain closer than this to the next window (no new window opens). */
const DRAIN_ETH_MARGIN = 40;

export async function runDevnet(opts: DevnetOptions): Promise<DevnetSummary> {
  const print = opts.print;
  const ownDir = opts.dataDir === undefined;
  const dataDir = ownDir ? mkdtempSync(join(tmpdir(), "wcoord-devnet-")) : resolve(opts.dataDir!);
  const summary: DevnetSummary = { wallets: [], windows: [], actions: [], nodes: opts.nodes };
  let net: LocalNetwork | undefined;
  try {
    ensureContractsBuilt(print);
    net = await LocalNetwork.start({
      nodes: opts.nodes,
      wallets: opts.wallets,
      frostWallets: opts.frostWallets,
      threshold: opts.threshold,
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
    const timeline = new Timeline(print, (txid) => txShapeOf(net!.bitcoin, txid));
    net.operators.forEach((_, i) => timeline.labels.set(net!.operatorAddress(i), `node${i}`));
    net.onEvent(({ node, event }) => timeline.record(net!.operatorAddress(node), event));
    for (let i = 0; i < opts.nodes; i++) await net.startNode(i);
    print(`nodes: ${opts.nodes} operators connected over libp2p on 127.0.0.1; status pages: ${net.nodes.map((n) => n!.statusUrl ?? "-").join(" ")}`);
    if (opts.frostWallets > 0) {
      print(`dkg: ${opts.frostWallets} FROST wallet(s) requested from the FrostWalletRegistry; their members create each key by DKG over libp2p`);
      await net.createFrostWallets(({ request, ms, wallet }) =>
        print(`dkg: request ${request.requestId} → wallet 0x${toHex(wallet.walletPubKeyHash)} registered after ${(ms / 1000).toFixed(1)} s (members ${request.members.map((a) => timeline.labels.get(a)).join(", ")})`),
      );
    }
    for (const [i, w] of net.wallets.entries()) {
      const kind = w.scheme === "frost" ? `FROST ${w.threshold}-of-${w.operators.length} on Taproot (created by DKG; each member holds its own share, a quorum signs)` : "ECDSA (dev key)";
      print(`wallet 0x${net.walletHex(i)}: ${kind}, seats ${w.operators.map((a) => timeline.labels.get(a)).join(", ")}`);
      timeline.followers.set(net.walletHex(i), new Set(w.operators).size - 1);
      summary.wallets.push(walletSummary(net.walletHex(i), w));
    }

    print(`bitcoin: test chain at height ${net.bitcoin.tip().height}, Electrum server ${net.electrum.url}; a block every ${BTC_BLOCK_MS} ms`);
    net.mineBitcoin(BTC_BLOCK_MS);
    const scenario = await Scenario.create(net, print);
    await scenario.step(0);
    let killed: number | undefined;
    let lastW: number | undefined;
    for (let n = 1; opts.windows === 0 || n <= opts.windows; n++) {
      const W = await net.miner.nextWindow(
        {
          beforeWindow: async (W) => {
            if (n === 1 && opts.killSigners > 0) await killSigners(net!, W, opts.killSigners, print);
            if (!opts.killLeader || n !== KILL_WINDOW) return;
            killed = net!.nodeIndexOf(await net!.leaderOf(0, W));
            print(`W=${W} --kill-leader: stopping node${killed}, leader of wallet 0x${net!.walletHex(0).slice(0, 8)}…`);
            await net!.stopNode(killed);
          },
          afterWindow: async () => {
            await settle(net!, timeline, print, opts.signal);
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
      lastW = W;
    }
    if (opts.drain && lastW !== undefined) {
      await drain(net, timeline, lastW, print, opts.signal);
      summary.actions = timeline.actions();
    }
    return summary;
  } finally {
    await net?.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function walletSummary(hex: string, w: DevnetWallet): WalletSummary {
  const members = w.operators.map((a) => getAddress(a));
  if (w.scheme === "ecdsa") return { wallet: "0x" + hex, scheme: "ecdsa", members };
  return { wallet: "0x" + hex, scheme: "frost", walletX: to0x(w.walletX), members, threshold: w.threshold };
}

/** Stops `k` members of wallet 0 other than its leader of window W, the last seats first. */
async function killSigners(net: LocalNetwork, W: number, k: number, print: Printer): Promise<void> {
  const leader = getAddress(await net.leaderOf(0, W));
  const victims = net.wallets[0]!.operators.filter((a) => getAddress(a) !== leader).slice(-k).map((a) => net.nodeIndexOf(a));
  print(`W=${W} --kill-signers ${k}: stopping ${victims.map((v) => `node${v}`).join(", ")} (members of wallet 0x${net.walletHex(0).slice(0, 8)}…, not its leader node${net.nodeIndexOf(leader)}); wallet 0 signs with the others`);
  for (const v of victims) await net.stopNode(v);
}

/** Actions of the summary that are not done, expired or backed out. */
export function pendingActions(actions: readonly ActionSummary[]): ActionSummary[] {
  return actions.filter((a) => !isTerminalOutcome(a.state));
}

/**
 * After the last window: Bitcoin blocks keep coming every BTC_BLOCK_MS and an Ethereum block is mined
 * about as often (so recording, settlement and signing deadlines move on), never into the next window,
 * until every action of the timeline is terminal or DRAIN_BTC_BLOCKS Bitcoin blocks were mined. What
 * is still pending at the limit is printed; the command then exits non-zero.
 */
async function drain(net: LocalNetwork, timeline: Timeline, lastW: number, print: Printer, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  const from = net.bitcoin.tip().height;
  const ethCap = lastW + COORDINATION_FREQUENCY_BLOCKS - DRAIN_ETH_MARGIN;
  let pending = pendingActions(timeline.actions());
  if (pending.length === 0) return;
  print(`drain: ${pending.length} action(s) not terminal yet; waiting for done/expired/backedOut, at most ${DRAIN_BTC_BLOCKS} Bitcoin blocks (~${(DRAIN_BTC_BLOCKS * BTC_BLOCK_MS) / 1000} s)`);
  let nextProgress = DRAIN_PROGRESS_BLOCKS;
  let mined = 0;
  while (mined < DRAIN_BTC_BLOCKS) {
    if ((await net.miner.head()) < ethCap) await net.miner.mine(1);
    await sleep(BTC_BLOCK_MS, signal);
    mined = net.bitcoin.tip().height - from;
    pending = pendingActions(timeline.actions());
    if (pending.length === 0) break;
    if (mined >= nextProgress) {
      nextProgress += DRAIN_PROGRESS_BLOCKS;
      print(`drain: +${mined} Bitcoin blocks, ${pending.length} action(s) not terminal: ${tally(pending)}`);
    }
  }
  const took = `+${mined} Bitcoin blocks, ${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (pending.length === 0) {
    print(`drain: every action is terminal (${took})`);
    return;
  }
  print(`drain: gave up after ${took}; ${pending.length} action(s) not terminal:`);
  for (const a of pending) {
    const nodes = Object.entries(a.nodes).map(([n, st]) => `${n} ${st}`).join(", ");
    print(`  W=${a.window} wallet ${a.wallet} ${a.type}: ${a.state} (${nodes}); history ${a.history.join(" → ")}`);
  }
}

/**
 * After a window's single blocks: the devnet compresses 900 blocks (3 hours) into seconds, so an action
 * started late in the window (moving funds signs from W+132) could still hold its wallet's lock when
 * the next window opens on some nodes and not on others, which would then disagree about `wallet_busy`.
 * A real network has hours for this; the devnet keeps mining single blocks until every running node's
 * every action has released its wallet (settled or terminal), at most SETTLE_MAX_BLOCKS blocks.
 */
async function settle(net: LocalNetwork, timeline: Timeline, print: Printer, signal: AbortSignal): Promise<void> {
  const running = new Set(net.nodes.flatMap((n, i) => (n?.status === "started" ? [`node${i}`] : [])));
  const holding = (): ActionSummary[] => timeline.actions().filter((a) => Object.entries(a.nodes).some(([node, st]) => running.has(node) && holdsLock(st as ActionState)));
  for (let mined = 0; holding().length > 0; mined++) {
    if (mined === SETTLE_MAX_BLOCKS) {
      print(`settle: after ${mined} blocks, ${holding().length} action(s) still hold their wallet: ${tally(holding())}`);
      return;
    }
    await net.miner.mine(1);
    await sleep(BTC_BLOCK_MS, signal);
  }
}

/** "settled 3, in_mempool 1" */
function tally(actions: readonly ActionSummary[]): string {
  const counts = new Map<string, number>();
  for (const a of actions) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  return [...counts].map(([st, n]) => `${st} ${n}`).join(", ");
}

export function writeSummary(file: string, summary: DevnetSummary): void {
  writeFileSync(file, JSON.stringify(summary, null, 2) + "\n");
}
