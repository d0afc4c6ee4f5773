// `wcoord start` as an operator runs it: a `hardhat node` started here, contracts deployed with the
// deploy command, then the node process started from flags, checked over its status API, and stopped
// with SIGTERM. Bad configuration exits 2 with the bad key named.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startHardhatNode, type HardhatNode } from "../../src/devnet/hardhat-node.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE_ENV_PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`;

function run(cmd: string, args: string[], env: Record<string, string> = {}, onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, PATH: NODE_ENV_PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split("\n")) if (line) onLine?.(line, () => child.kill("SIGTERM"));
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

describe("wcoord start", () => {
  let chain: HardhatNode;
  let dir: string;
  let deploymentFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wcoord-start-"));
    chain = await startHardhatNode();
    const deployed = await run(join(ROOT, "node_modules/.bin/hardhat"), ["run", "deploy/deploy.ts", "--network", "localhost"], {
      WCOORD_LOCALHOST_URL: chain.url,
      WCOORD_DEPLOYMENTS_DIR: dir,
      WCOORD_IGNITION_DEPLOYMENT_ID: `start-test-${process.pid}`,
    });
    expect(deployed.code, deployed.err).toBe(0);
    deploymentFile = join(dir, "localhost.json");
  }, 120_000);

  afterAll(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(ROOT, "ignition", "deployments", `start-test-${process.pid}`), { recursive: true, force: true });
  });

  it("runs against the deployed contracts, answers /health and stops cleanly on SIGTERM", async () => {
    const keyFile = join(dir, "operator.key");
    writeFileSync(keyFile, Wallet.createRandom().privateKey);
    const statusPort = await freePort();
    let health: { status: number; body: { status: string } } | undefined;
    const res = await run(
      "node",
      ["bin/wcoord.js", "start", "--rpc", chain.url, "--deployment", deploymentFile, "--data-dir", join(dir, "node"), "--status", `127.0.0.1:${statusPort}`,
        "--listen", "/ip4/127.0.0.1/tcp/0", "--keystore", keyFile, "--insecure-plaintext-key", "--log-level", "warn"],
      {},
      (line, kill) => {
        if (!line.includes("ready")) return;
        void fetch(`http://127.0.0.1:${statusPort}/health`).then(async (r) => {
          health = { status: r.status, body: (await r.json()) as { status: string } };
          kill();
        });
      },
    );
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(health?.status).toBe(200);
    expect(health?.body.status).toBe("ready");
  }, 60_000);

  it("refuses a plaintext key without --insecure-plaintext-key", async () => {
    const keyFile = join(dir, "plain.key");
    writeFileSync(keyFile, Wallet.createRandom().privateKey);
    const res = await run("node", ["bin/wcoord.js", "start", "--rpc", chain.url, "--deployment", deploymentFile, "--data-dir", join(dir, "n2"), "--keystore", keyFile]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("keys.keystore");
    expect(res.err).toContain("--insecure-plaintext-key");
  }, 30_000);

  it("names the bad key of a bad configuration file and exits 2", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, `eth:\n  rpcUrl: "not a url"\nbridge:\n  deploymentFile: ${deploymentFile}\n`);
    const res = await run("node", ["bin/wcoord.js", "start", "--config", file]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/eth\.rpcUrl/);
  }, 30_000);
});
