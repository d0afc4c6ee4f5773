// Crash-point matrix rows 1–5 (reliability.md §7.2): the window claim, the leader's statement
// (signed, persisted, published) and the follower's accept transaction. One operator of the wallet
// runs as a real `wcoord start` child process that SIGKILLs itself at the named point; it is
// restarted on the same data directory while the other members run on, and the window must end as
// if nothing happened: one windows row per (wallet, W), one digest at every follower, no fault
// anywhere, never a window result without its action.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/devnet/hardhat-node.js";
import { LocalNetwork, devnetOperatorKey } from "../../src/devnet/local-network.js";
import { multiaddr } from "@multiformats/multiaddr";
import { peerIdOfOperatorKey } from "../../src/network/libp2p.js";
import { Store } from "../../src/store/store.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import { sleep } from "../../src/util/sleep.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SEED = "window-crash";
const PROFILE = { heartbeatProbabilityPpm: 1_000_000 };

let net: LocalNetwork;
let dir: string;

/** The wallet's members (node indexes), seat order, deduplicated. */
function members(): number[] {
  return [...new Set(net.wallets[0].operators.map((a) => net.nodeIndexOf(getAddress(a))))];
}

interface Child {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** `wcoord start` for operator i on the data directory LocalNetwork uses for node i. */
async function startChild(i: number, crashAt: string | undefined, ports: { p2p: number; status: number }): Promise<Child> {
  const nodeDir = join(dir, `node${i}`);
  const keyFile = join(dir, `operator${i}.key`);
  writeFileSync(keyFile, devnetOperatorKey(SEED, i));
  const localKeys = join(dir, "wallet-keys.json");
  writeFileSync(localKeys, JSON.stringify(Object.fromEntries(net.wallets.flatMap((w) => (w.scheme === "ecdsa" ? [[toHex(w.walletPubKeyHash), to0x(w.privateKey)]] : [])))));
  const peers = net.nodes.filter((n) => n?.status === "started").flatMap((n) => n!.listenAddresses().slice(0, 1));
  const config = {
    dataDir: nodeDir,
    eth: { rpcUrl: net.chain.url, wsUrl: net.chain.wsUrl, chainId: net.deployment.chainId },
    bridge: { address: net.deployment.bridge, validator: net.deployment.walletProposalValidator, deployBlock: net.deployment.deployBlock },
    keys: { privateKeyFile: keyFile },
    network: { listen: [`/ip4/127.0.0.1/tcp/${ports.p2p}`], bootstrapPeers: peers },
    status: { listen: `127.0.0.1:${ports.status}` },
    profile: PROFILE,
    signer: { localKeysFile: localKeys },
    log: { level: "debug", format: "json", file: true },
  };
  const configFile = join(dir, `node${i}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const env = { ...process.env, ...(crashAt === undefined ? {} : { WCOORD_CRASH_AT: crashAt }) };
  if (crashAt === undefined) delete env.WCOORD_CRASH_AT;
  const proc = spawn(process.execPath, ["bin/wcoord.js", "start", "--config", configFile, "--insecure-plaintext-key"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  // Ready when /health says so (or it died trying).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const done = await Promise.race([exited.then(() => true), sleep(200).then(() => false)]);
    if (done) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`node${i} (child) not ready within 60 s; stderr: ${err.slice(-2000)}`);
    }
    const ok = await fetch(`http://127.0.0.1:${ports.status}/health`)
      .then(async (r) => (await r.json()) as { status?: string })
      .then((b) => b.status === "ready")
      .catch(() => false);
    if (ok) break;
  }
  return { proc, exited, stderr: () => err };
}

/** Dials the child from every running in-process node (gossip needs a connection to the topic's subscribers). */
async function dialChild(i: number, port: number): Promise<void> {
  const peerId = peerIdOfOperatorKey(fromHex(devnetOperatorKey(SEED, i)));
  for (const n of net.nodes) {
    if (n?.status !== "started") continue;
    await n.libp2p!.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`)).catch(() => undefined);
  }
}

/** Waits (at most `ms`) until the child's status API shows a result for window W. */
async function childHasResult(statusPort: number, W: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const rows = await fetch(`http://127.0.0.1:${statusPort}/windows?wallet=${net.walletHex(0)}`)
      .then(async (r) => (await r.json()) as { W: number; result: string | null }[])
      .catch(() => []);
    if (rows.some((r) => r.W === W && r.result !== null)) return;
    await sleep(200);
  }
}

function openStore(i: number): Store {
  return Store.open(join(dir, `node${i}`), { readonly: true });
}

interface RowResult {
  W: number;
  child: number;
  killed: boolean;
}

/**
 * Runs one window with operator `pick(leader)` as the crashing child: mines to W−8, starts the child
 * with WCOORD_CRASH_AT, restarts it without the variable as soon as it dies, mines to the end of the
 * window, then hands the operator back to an in-process node on the same data directory.
 */
async function crashRow(crashAt: string, pick: (leader: number, wallet: number[]) => number): Promise<RowResult> {
  let child: Child | undefined;
  let childIndex = -1;
  let killed = false;
  let restarting: Promise<void> = Promise.resolve();
  const ports = { p2p: await freePort(), status: await freePort() };
  const W = await net.miner.nextWindow(
    {
      beforeWindow: async (W) => {
        const leader = net.nodeIndexOf(await net.leaderOf(0, W));
        childIndex = pick(leader, members());
        await net.stopNode(childIndex);
        net.nodes[childIndex] = undefined;
        child = await startChild(childIndex, crashAt, ports);
        await dialChild(childIndex, ports.p2p);
        const first = child;
        restarting = first.exited.then(async ({ signal }) => {
          if (signal !== "SIGKILL") return;
          killed = true;
          child = await startChild(childIndex, undefined, ports);
          await dialChild(childIndex, ports.p2p);
        });
      },
      // Hold the active phase until the child has crashed and is back: on a slow machine the kill and
      // the restart must not turn into a missed window.
      beforeBlock: async (n, W) => {
        if (n === W + 60) await Promise.race([restarting, sleep(60_000)]);
        if (n === W + 79) await childHasResult(ports.status, W, 30_000);
      },
    },
    AbortSignal.timeout(180_000),
  );
  // A child that never reached its crash point is stopped here (no restart) and the row fails on `killed`.
  await Promise.race([restarting, sleep(30_000)]);
  // Let the last results settle, then hand the operator back.
  await sleep(1500);
  child!.proc.kill("SIGTERM");
  const end = await child!.exited;
  expect(end.code, child!.stderr()).toBe(0);
  await net.startNode(childIndex);
  return { W, child: childIndex, killed };
}

/** The invariants of rows 1–5 for window W. */
function assertWindow(W: number): void {
  const wallet = net.walletHex(0);
  const digests = new Set<string>();
  for (const i of members()) {
    const store = openStore(i);
    try {
      const row = store.windows.get(wallet, W);
      expect(row, `node${i} has the window row`).toBeDefined();
      expect(["accepted", "accepted_own"], `node${i} result ${row!.result}`).toContain(row!.result);
      const action = store.actions.byWindow(wallet, W);
      expect(action, `node${i}: an accepted window always has its action`).toBeDefined();
      const statements = store.leaderStatements.list(wallet, W);
      expect(statements, `node${i} saw exactly one leader statement`).toHaveLength(1);
      digests.add(toHex(statements[0].digest));
      expect(store.faults.list({}).filter((f) => f.W === W), `node${i} recorded no fault`).toEqual([]);
    } finally {
      store.close();
    }
  }
  expect(digests.size, "every member holds the same single digest").toBe(1);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wcoord-window-crash-"));
  net = await LocalNetwork.start({ nodes: 4, wallets: 1, seed: SEED, dataDir: dir, blockMs: 100, profile: PROFILE, logLevel: "debug" });
  for (let i = 0; i < 4; i++) await net.startNode(i);
}, 120_000);

afterAll(async () => {
  await net?.stop();
  if (!process.env.WCOORD_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
});

describe("crash-point matrix rows 1–5 (kill -9 of a wallet member, restart on the same data directory)", () => {
  it("row 1: killed right after claiming the window row resumes the same row", async () => {
    const r = await crashRow("window.claimed", (leader) => leader);
    expect(r.killed).toBe(true);
    assertWindow(r.W);
  }, 150_000);

  it("row 2: a leader killed after signing, before persisting, signs again; followers see one digest", async () => {
    const r = await crashRow("leader.signed", (leader) => leader);
    expect(r.killed).toBe(true);
    assertWindow(r.W);
  }, 150_000);

  it("row 3: a leader killed after persisting, before the first publish, publishes the stored bytes", async () => {
    const r = await crashRow("leader.persisted", (leader) => leader);
    expect(r.killed).toBe(true);
    assertWindow(r.W);
  }, 150_000);

  it("row 4: a leader killed after publishing, before the status update, republishes the same bytes", async () => {
    const r = await crashRow("leader.published", (leader) => leader);
    expect(r.killed).toBe(true);
    assertWindow(r.W);
  }, 150_000);

  it("row 5: a follower killed inside the accept transaction has the result and the action, or neither, then accepts", async () => {
    const r = await crashRow("follower.accept.inside-tx", (leader, wallet) => wallet.find((i) => i !== leader)!);
    expect(r.killed).toBe(true);
    assertWindow(r.W);
  }, 150_000);
});
