// Shared plumbing for the coordination integration tests: a LocalNetwork whose nodes all propose a
// heartbeat every window, a per-(wallet, window) script for the leader's proposal, block-timed hooks
// inside a window and forged, correctly signed messages.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress } from "ethers";
import { ActionType, PROTOCOL_VERSION } from "../../../src/protocol/constants.js";
import { heartbeatMessage } from "../../../src/protocol/heartbeat.js";
import type { CoordinationProposal } from "../../../src/protocol/message.js";
import type { LocalNetwork } from "../../../src/devnet/local-network.js";
import { LocalNetwork as Net } from "../../../src/devnet/local-network.js";
import { encodeCoordinationMessage } from "../../../src/protocol/codec.js";
import { coordinationDomain, messageDigest, signCoordinationMessage } from "../../../src/network/eip712.js";
import { encodePayload } from "../../../src/protocol/payloads.js";
import type { ConfigInput } from "../../../src/node/options.js";
import type { NodeOverrides, WcoordNode } from "../../../src/node/node.js";
import type { GenerationRequest } from "../../../src/proposals/generator.js";
import { fromHex, toHex } from "../../../src/util/hex.js";
import { sleep } from "../../../src/util/sleep.js";

/** Every window's checklist carries Heartbeat, so an honest leader always proposes one. */
export const HEARTBEAT_PROFILE = { heartbeatProbabilityPpm: 1_000_000 } as const;

export type GenerateFn = (req: GenerationRequest, signal: AbortSignal) => Promise<CoordinationProposal>;

export function heartbeatProposal(message: Uint8Array): CoordinationProposal {
  return { actionType: ActionType.Heartbeat, payload: encodePayload(ActionType.Heartbeat, { message }) };
}

/** What the honest generator proposes (coordination.md §13.7), without its leader-side pre-check. */
export const honestGenerate: GenerateFn = async (req) => heartbeatProposal(heartbeatMessage(req.walletPkh, req.L.blockNumber));

/** The leader's proposal per (wallet, W); honest unless a scenario scripted that window. */
export class ScriptedLeaders {
  private readonly scripts = new Map<string, GenerateFn>();

  set(walletHex: string, W: number, fn: GenerateFn): void {
    this.scripts.set(`${walletHex}:${W}`, fn);
  }

  readonly generate: GenerateFn = (req, signal) => (this.scripts.get(`${req.wallet}:${req.W}`) ?? honestGenerate)(req, signal);
}

export interface TestNetwork {
  net: LocalNetwork;
  scripts: ScriptedLeaders;
  /** (Re)starts node i with the scripted generator plus `extra`. */
  start(i: number, extra?: Partial<NodeOverrides>, config?: ConfigInput): Promise<WcoordNode>;
  /** (Re)starts node i with another protocol profile (its database accepts the change). */
  startWithProfile(i: number, profile: ConfigInput["profile"], config?: ConfigInput): Promise<WcoordNode>;
  close(): Promise<void>;
}

export async function startTestNetwork(opts: { nodes: number; wallets: number; seed: string; blockMs: number; scripted: boolean }): Promise<TestNetwork> {
  const dataDir = mkdtempSync(join(tmpdir(), "wcoord-it-"));
  const net = await Net.start({ ...opts, dataDir, profile: HEARTBEAT_PROFILE, logLevel: "debug" });
  const scripts = new ScriptedLeaders();
  const base = (): Partial<NodeOverrides> => (opts.scripted ? { generate: scripts.generate, acceptProfileChange: true } : {});
  const start = (i: number, extra: Partial<NodeOverrides> = {}, config: ConfigInput = {}) => net.startNode(i, { ...base(), ...extra }, config);
  const startWithProfile = (i: number, profile: ConfigInput["profile"], config: ConfigInput = {}) => {
    // startNode always applies the network's profile, so swap it for the duration of the (synchronous)
    // config load at the start of startNode.
    const opts = net.opts as { profile?: ConfigInput["profile"] };
    const saved = opts.profile;
    opts.profile = { ...saved, ...profile };
    try {
      return start(i, {}, config);
    } finally {
      opts.profile = saved;
    }
  };
  for (let i = 0; i < opts.nodes; i++) await start(i);
  return {
    net,
    scripts,
    start,
    startWithProfile,
    close: async () => {
      await net.stop();
      // WCOORD_IT_KEEP=1 keeps the node logs and databases for a failing run.
      if (process.env.WCOORD_IT_KEEP) console.log(`data kept in ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitForHead(net: LocalNetwork, block: number, signal?: AbortSignal): Promise<number> {
  for (;;) {
    const head = await net.miner.head();
    if (head >= block) return head;
    await sleep(10, signal);
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface WindowScript {
  /** Runs at W−8 with mining paused; W−32 is mined, so leaders are known. */
  before?: (W: number) => Promise<void> | void;
  /** Runs concurrently once the head reaches W+offset (mining continues). */
  at?: { offset: number; run: (W: number) => Promise<void> | void }[];
  /** Runs after W+104 with mining paused. */
  after?: (W: number) => Promise<void> | void;
}

/** Mines through the next window with the script's hooks; rethrows any hook failure. */
export async function runWindow(net: LocalNetwork, script: WindowScript = {}): Promise<number> {
  const controller = new AbortController();
  const tasks: Promise<void>[] = [];
  const W = await net.miner.nextWindow(
    {
      beforeWindow: async (W) => {
        await script.before?.(W);
        for (const { offset, run } of script.at ?? []) {
          const task = waitForHead(net, W + offset, controller.signal).then(() => run(W));
          task.catch(() => controller.abort()); // a failed hook stops the window instead of hanging it
          tasks.push(task);
        }
      },
      afterWindow: script.after,
    },
    controller.signal,
  );
  await Promise.all(tasks);
  return W;
}

/** Distinct operators holding seats of wallet w (EIP-55). */
export function members(net: LocalNetwork, w: number): string[] {
  return [...new Set(net.wallets[w].operators.map((a) => getAddress(a)))];
}

/** Node indexes of wallet w's members other than `exclude`. */
export function memberNodes(net: LocalNetwork, w: number, ...exclude: string[]): number[] {
  const ex = new Set(exclude.map((a) => getAddress(a)));
  return members(net, w)
    .filter((a) => !ex.has(a))
    .map((a) => net.nodeIndexOf(a));
}

export function node(net: LocalNetwork, i: number): WcoordNode {
  const n = net.nodes[i];
  if (!n?.store || n.status !== "started") throw new Error(`node ${i} is not running`);
  return n;
}

/** Waits until every listed node has a final (`done`) row for (wallet, W). */
export async function settle(net: LocalNetwork, w: number, W: number, nodes: number[]): Promise<void> {
  const wh = net.walletHex(w);
  await waitFor(`results of W=${W}`, () => nodes.every((i) => node(net, i).store!.windows.get(wh, W)?.status === "done"));
}

/** The leader's own stored statement for (wallet, W). */
export function ownStatement(net: LocalNetwork, w: number, W: number, leaderNode: number): { digest: string; wire: Uint8Array } {
  const s = node(net, leaderNode).store!.leaderStatements.list(net.walletHex(w), W).find((x) => x.own);
  if (!s) throw new Error(`node ${leaderNode} holds no own statement for wallet ${w} at W=${W}`);
  return { digest: toHex(s.digest), wire: s.wire };
}

/** A correctly signed coordination message from node i (its own key, its lowest seat). */
export async function signedWire(
  net: LocalNetwork,
  i: number,
  w: number,
  W: number,
  proposal: CoordinationProposal,
  profileHash = node(net, i).profileHash!,
): Promise<{ wire: Uint8Array; digest: string }> {
  const sender = net.operatorAddress(i);
  const seat = net.wallets[w].operators.findIndex((a) => getAddress(a) === sender) + 1;
  if (seat < 1) throw new Error(`node ${i} holds no seat of wallet ${w}`);
  const domain = coordinationDomain(BigInt(net.deployment.chainId), net.deployment.bridge);
  const unsigned = {
    protocolVersion: PROTOCOL_VERSION,
    chainId: BigInt(net.deployment.chainId),
    profileHash: fromHex(profileHash),
    coordinationBlock: W,
    walletPubKeyHash: net.wallets[w].walletPubKeyHash,
    sender: fromHex(sender),
    senderSeat: seat,
    proposal,
  };
  const signed = await signCoordinationMessage(net.operators[i], unsigned, domain);
  return { wire: encodeCoordinationMessage(signed), digest: toHex(messageDigest(unsigned, domain)) };
}

/** Publishes raw bytes on wallet w's topic from node i. */
export async function publishFrom(net: LocalNetwork, i: number, w: number, wire: Uint8Array): Promise<void> {
  const out = await node(net, i).network!.publish(net.wallets[w].walletPubKeyHash, wire);
  if (!out.ok) throw new Error(`publish from node ${i} failed: ${String(out.error)}`);
}

export function normHex(h: string): string {
  return h.toLowerCase().replace(/^0x/, "");
}
