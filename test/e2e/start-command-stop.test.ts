// `wcoord start` stopped while it boots: against an Ethereum RPC that never answers (a closed port) the
// node waits in boot step 3 with health `recovering`; SIGTERM abandons the boot through the root
// AbortSignal, and the process exits 0 within a few seconds instead of retrying forever.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/devnet/hardhat-node.js";
import { sleep } from "../../src/util/sleep.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/** Time from SIGTERM to exit that counts as prompt (tsx is already loaded by then). */
const PROMPT_MS = 5_000;

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  health: number;
  stopMs: number;
  stderr: string;
}

/** Starts a node on a closed RPC port, waits for /health, sends SIGTERM and times the exit. */
async function startAndStop(dir: string, env: Record<string, string>): Promise<Stopped> {
  const keyFile = join(dir, "operator.key");
  writeFileSync(keyFile, Wallet.createRandom().privateKey);
  const [rpcPort, statusPort] = [await freePort(), await freePort()];
  const args = ["bin/wcoord.js", "start", "--rpc", `http://127.0.0.1:${rpcPort}`, "--data-dir", join(dir, "node"), "--status", `127.0.0.1:${statusPort}`];
  args.push("--listen", "/ip4/127.0.0.1/tcp/0", "--keystore", keyFile, "--insecure-plaintext-key", "--log-level", "warn");
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, WCOORD_BRIDGE_ADDRESS: ADDRESS, WCOORD_BRIDGE_VALIDATOR: ADDRESS, WCOORD_BRIDGE_DEPLOY_BLOCK: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  let health = 0;
  const deadline = Date.now() + 60_000;
  while (health === 0 && Date.now() < deadline && child.exitCode === null) {
    health = await fetch(`http://127.0.0.1:${statusPort}/health`).then((r) => r.status, () => 0);
    if (health === 0) await sleep(200);
  }
  // Well into step 3: the chain has been asked and has not answered.
  await sleep(1_000);
  const t0 = Date.now();
  child.kill("SIGTERM");
  const end = await Promise.race([exited, sleep(30_000).then(() => ({ code: null, signal: null }))]);
  const stopMs = Date.now() - t0;
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  return { ...end, health, stopMs, stderr };
}

describe("wcoord start stopped during boot", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wcoord-start-stop-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<{ name: string; env: Record<string, string> }>([
    { name: "the chain id is asked", env: {} },
    { name: "eth.chainId is configured, so the head is asked", env: { WCOORD_ETH_CHAIN_ID: "31337" } },
  ])("exits 0 promptly on SIGTERM while the Ethereum RPC never answers ($name)", async ({ env }) => {
    const r = await startAndStop(mkdtempSync(join(dir, "node-")), env);
    expect(r.health, "health while booting").toBe(503);
    expect(r.stderr).toBe("");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stopMs).toBeLessThan(PROMPT_MS);
  }, 90_000);
});
