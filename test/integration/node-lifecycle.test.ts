// The composition root's lifecycle against an Ethereum RPC on a closed port (no hardhat): a node built
// and stopped without start, and a node stopped while its boot waits for the RPC to answer: the boot
// is abandoned at once through the root signal, the status server is closed and the database lock is
// released.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { createNode } from "../../src/node/node.js";
import { loadConfig } from "../../src/node/options.js";
import { Store } from "../../src/store/store.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { KeyShareOpenError, sealKeyShare } from "../../src/threshold/dkg/key-share-store.js";
import { toHex } from "../../src/util/hex.js";
import { isAbortError, sleep } from "../../src/util/sleep.js";
import { freePort } from "../../src/devnet/hardhat-node.js";

const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const dir = mkdtempSync(join(tmpdir(), "wcoord-node-lifecycle-"));

async function options(name: string, chainId?: number, rpcUrl?: string, extra: Record<string, unknown> = {}) {
  const config = loadConfig({
    env: {},
    overrides: {
      ...extra,
      dataDir: join(dir, name),
      eth: { rpcUrl: rpcUrl ?? `http://127.0.0.1:${await freePort()}`, ...(chainId !== undefined ? { chainId } : {}) },
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

  it("refuses to start with whole wallet keys (signer.localKeysFile) on a chain that is not local", async () => {
    // A JSON-RPC endpoint that says it is Ethereum mainnet (chain 1).
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const calls = [JSON.parse(body)].flat() as { id: number; method: string }[];
        const answer = calls.map(({ id, method }) =>
          method === "eth_chainId" ? { jsonrpc: "2.0", id, result: "0x1" } : method === "eth_blockNumber" ? { jsonrpc: "2.0", id, result: "0x64" } : { jsonrpc: "2.0", id, error: { code: -32601, message: "not here" } },
        );
        res.setHeader("content-type", "application/json").end(JSON.stringify(Array.isArray(JSON.parse(body)) ? answer : answer[0]));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const keys = join(dir, "keys.json");
    writeFileSync(keys, "{}");
    try {
      const port = (server.address() as AddressInfo).port;
      const opts = await options("mainnet", undefined, `http://127.0.0.1:${port}`, { signer: { localKeysFile: keys } });
      const node = await createNode(opts, { metrics: null });
      await expect(node.start()).rejects.toThrow(/^signer\.localKeysFile \(LocalKeySigner, whole wallet keys\) is a development signer and refuses chain 1 /);
      await node.stop();
      expect(node.status).toBe("closed");
    } finally {
      server.close();
    }
  });

  it("opens the FROST key shares sealed in its database with the keystore password, and refuses to build without it or with a wrong one", async () => {
    const opts = await options("key-shares", 31337);
    const wallet = createDevFrostWallet(new TextEncoder().encode("node-lifecycle-shares"), 3, 2);
    const members = [opts.operatorKey.address, Wallet.createRandom().address, Wallet.createRandom().address];
    const store = Store.open(opts.config.dataDir);
    store.keyShares.put({
      walletPkh: toHex(wallet.walletPkh),
      walletX: toHex(wallet.walletX),
      requestId: "1",
      memberIndex: 1,
      threshold: 2,
      members,
      sealed: new TextEncoder().encode(await sealKeyShare({ public: wallet.public, secret: wallet.shares.get(1)! }, "right", { scryptN: 1024 })),
      transcript: new Uint8Array(0),
    });
    store.close();
    await expect(createNode(opts, { metrics: null })).rejects.toThrow(
      "the database holds 1 sealed FROST key share(s) but no password opens them: run with keys.keystore and its password",
    );
    await expect(createNode({ ...opts, keySharePassword: "wrong" }, { metrics: null })).rejects.toThrow(KeyShareOpenError);
    // Each refusal released the database; the right password builds a node that signs for the wallet.
    const node = await createNode({ ...opts, keySharePassword: "right" }, { metrics: null });
    await node.stop();
  });
});
