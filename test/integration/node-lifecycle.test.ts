// The composition root's lifecycle against an Ethereum RPC on a closed port (no hardhat): a node built
// and stopped without start, and a node stopped while its boot waits for the RPC to answer: the boot
// is abandoned at once through the root signal, the status server is closed and the database lock is
// released.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { createNode } from "../../src/node/node.js";
import { loadConfig } from "../../src/node/options.js";
import { Store } from "../../src/store/store.js";
import { isAbortError, sleep } from "../../src/util/sleep.js";
import { freePort } from "../../src/devnet/hardhat-node.js";

const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const dir = mkdtempSync(join(tmpdir(), "wcoord-node-lifecycle-"));

async function options(name: string, chainId?: number) {
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, name),
      eth: { rpcUrl: `http://127.0.0.1:${await freePort()}`, ...(chainId !== undefined ? { chainId } : {}) },
      bridge: { address: ADDRESS, validator: ADDRESS, deployBlock: 0 },
      network: { listen: ["/ip4/127.0.0.1/tcp/0"] },
      status: { listen: "127.0.0.1:0" },
    },
  });
  return { config, operatorKey: Wallet.createRandom() };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("createNode and the node's lifecycle", () => {
  it("builds a node that can be stopped without being started, and releases the database", async () => {
    const opts = await options("unstarted");
    const node = await createNode(opts, { metrics: null });
    expect(node.status).toBe("created");
    await node.stop();
    expect(node.status).toBe("closed");
    Store.open(opts.config.dataDir).close();
  });

  it.each([undefined, 31337])("abandons the boot at once when stopped while the Ethereum RPC does not answer (eth.chainId %s)", async (chainId) => {
    const opts = await options(`booting-${chainId}`, chainId);
    const node = await createNode(opts, { metrics: null });
    const boot = node.start();
    const outcome = boot.then(
      () => "started",
      (err: unknown) => (isAbortError(err) ? "aborted" : String(err)),
    );
    while (node.statusUrl === undefined) await sleep(20);
    const health = await fetch(`${node.statusUrl}/health`);
    expect(health.status).toBe(503);
    await sleep(300);
    expect(node.status).toBe("starting");
    const t0 = Date.now();
    await node.stop();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await outcome).toBe("aborted");
    expect(node.status).toBe("closed");
    expect(node.statusUrl).toBeUndefined();
    Store.open(opts.config.dataDir).close();
  });
});
