// What the footprint and startup benches share: a devnet chain (a `hardhat node` on 127.0.0.1, the
// contracts deployed with the project's deploy code, W ECDSA dev wallets whose one seat is operator 0)
// and operator 0 run as a real `wcoord start` child process, as an operator runs it, with its figures
// read from /proc/<pid>. Every child is stopped by its PID (SIGTERM, then SIGKILL).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/devnet/hardhat-node.js";
import { LocalNetwork, devnetOperatorKey } from "../src/devnet/local-network.js";
import { to0x, toHex } from "../src/util/hex.js";
import { sleep } from "../src/util/sleep.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SEED = "bench-child";
const READY_TIMEOUT_MS = 180_000;

/** A chain with `wallets` dev wallets, each with operator 0 as its only seat (so operator 0 coordinates all of them). */
export function startChain(dataDir: string, wallets: number, blockMs: number): Promise<LocalNetwork> {
  return LocalNetwork.start({ nodes: 1, members: 1, wallets, seed: SEED, dataDir, blockMs, logLevel: "warn" });
}

/**
 * Which code the child runs (bin/wcoord.js, WCOORD_RUN): "src" through tsx, as a clone runs it, or the
 * compiled "dist" (npm run build), as the installed package runs it.
 */
export type WcoordRun = "src" | "dist";

/** `--run src|dist` (default src); dist must be built. */
export function runFlag(value: string | undefined): WcoordRun {
  if (value === undefined || value === "src") return "src";
  if (value !== "dist") throw new Error(`--run must be src or dist, got ${JSON.stringify(value)}`);
  if (!existsSync(join(ROOT, "dist", "cli", "cli.js"))) throw new Error("--run dist: dist/ is not built (npm run build)");
  return "dist";
}

export interface WcoordChild {
  readonly pid: number;
  readonly statusPort: number;
  /** Spawn → first `/health` answer "ready", ms. */
  readonly readyMs: number;
  /** The last few kB of its stderr. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Operator 0's data directory: where a bench may pre-fill the store before `startWcoord`. */
export function nodeDataDir(dir: string): string {
  return join(dir, "node0");
}

/**
 * `wcoord start --config <file>` for operator 0 (the config keys an operator sets, plaintext key
 * file, the wallets' dev keys as local signer keys), polled on /health until it answers "ready".
 */
export async function startWcoord(net: LocalNetwork, dir: string, opts: { profile?: Record<string, unknown>; run?: WcoordRun } = {}): Promise<WcoordChild> {
  const keyFile = join(dir, "operator0.key");
  writeFileSync(keyFile, devnetOperatorKey(SEED, 0));
  const localKeys = join(dir, "wallet-keys.json");
  writeFileSync(localKeys, JSON.stringify(Object.fromEntries(net.wallets.flatMap((w) => (w.scheme === "ecdsa" ? [[toHex(w.walletPubKeyHash), to0x(w.privateKey)]] : [])))));
  const statusPort = await freePort();
  const dataDir = nodeDataDir(dir);
  mkdirSync(dataDir, { recursive: true });
  const config = {
    dataDir,
    eth: { rpcUrl: net.chain.url, wsUrl: net.chain.wsUrl, chainId: net.deployment.chainId },
    bridge: { address: net.deployment.bridge, validator: net.deployment.walletProposalValidator, deployBlock: net.deployment.deployBlock, frostWalletRegistry: net.deployment.frostWalletRegistry },
    btc: { electrumUrls: [net.electrum.url] },
    keys: { privateKeyFile: keyFile },
    network: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrapPeers: [] },
    status: { listen: `127.0.0.1:${statusPort}` },
    ...(opts.profile === undefined ? {} : { profile: opts.profile }),
    signer: { localKeysFile: localKeys },
    log: { level: "warn", format: "json" },
  };
  const configFile = join(dir, "node0.json");
  writeFileSync(configFile, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { ...process.env, WCOORD_RUN: opts.run ?? "src" };
  delete env.WCOORD_CRASH_AT;
  const started = performance.now();
  const proc = spawn(process.execPath, [join(ROOT, "bin", "wcoord.js"), "start", "--config", configFile, "--insecure-plaintext-key"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let tail = "";
  proc.stderr!.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const killOnExit = (): void => void kill(proc, "SIGKILL");
  process.on("exit", killOnExit);
  const stop = async (): Promise<void> => {
    process.off("exit", killOnExit);
    await stopChild(proc, exited);
  };
  if (proc.pid === undefined) throw new Error("wcoord start did not spawn");
  let readyMs = -1;
  while (readyMs < 0) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`wcoord start exited (${proc.exitCode ?? proc.signalCode}) before ready; stderr: ${tail}`);
    }
    if (performance.now() - started > READY_TIMEOUT_MS) {
      await stop();
      throw new Error(`wcoord start not ready within ${READY_TIMEOUT_MS / 1000} s; stderr: ${tail}`);
    }
    const ready = await fetch(`http://127.0.0.1:${statusPort}/health`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => ((await r.json()) as { status?: string }).status === "ready")
      .catch(() => false);
    if (ready) readyMs = performance.now() - started;
    else await sleep(20);
  }
  return { pid: proc.pid, statusPort, readyMs, stderr: () => tail, stop };
}

function kill(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
    try {
      process.kill(proc.pid, signal);
    } catch {
      // already gone
    }
  }
}

async function stopChild(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  kill(proc, "SIGTERM");
  const timer = setTimeout(() => kill(proc, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

let clockTicks: number | undefined;

/** Resident set (VmRSS, MB) and CPU seconds so far (utime + stime) of a live process. */
export function procStats(pid: number): { rssMb: number; cpuS: number } {
  clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: kb / 1024, cpuS: ticks / clockTicks };
}

/** The child's window rows (status API), at most 1000. */
export async function windowRows(child: WcoordChild): Promise<{ W: number; result: string | null }[]> {
  const r = await fetch(`http://127.0.0.1:${child.statusPort}/windows?limit=1000`);
  return (await r.json()) as { W: number; result: string | null }[];
}
