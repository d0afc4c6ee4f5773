// Starts an external `hardhat node` on 127.0.0.1 (the devnet chain, and integration tests). The binary is
// spawned directly (not through npx), so the PID we kill is the server itself.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface HardhatNode {
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port> (Hardhat serves both on one port). */
  wsUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const HARDHAT_BIN = join(ROOT, "node_modules", ".bin", "hardhat");
const START_TIMEOUT_MS = 60_000;

/** A currently free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startHardhatNode(opts: { port?: number } = {}): Promise<HardhatNode> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // The .bin script is `#!/usr/bin/env node`: put this process's Node (>= 22) first on PATH.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  const child = spawn(HARDHAT_BIN, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Keep only the tail of the output for error messages; always drain so the pipe never fills.
  let tail = "";
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForRpc(url, child, () => tail);
  } catch (err) {
    process.off("exit", killOnExit);
    await killChild(child, exited);
    throw err;
  }
  if (child.pid === undefined) throw new Error("hardhat node has no pid");
  const pid = child.pid;
  let stopped = false;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", killOnExit);
      await killChild(child, exited);
    },
  };
}

async function waitForRpc(url: string, child: ChildProcess, tail: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hardhat node exited early (${child.exitCode ?? child.signalCode}):\n${tail()}`);
    }
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(1000),
      });
      const body = (await res.json()) as { result?: string };
      if (typeof body.result === "string") return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hardhat node did not answer eth_chainId within ${START_TIMEOUT_MS} ms:\n${tail()}`);
}

async function killChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid!, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
  }, 3000);
  await exited;
  clearTimeout(timer);
}
