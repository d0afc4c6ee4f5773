// kill -9 between an Ethereum intent write and its side effect (reliability.md §7.2 rows 12 and 13):
// after the restart the stored raw bytes are sent (or found), one transaction is mined for the dedupe
// key, and no second nonce is used for it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, id, parseEther, type Contract } from "ethers";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { inspectStore, runTsx, type ChildExit } from "../fixtures/crash-child.js";
import { deployBridge, sendBridge } from "../fixtures/indexer-bridge.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RUNNER = join(ROOT, "test/fixtures/eth-intent-crash-runner.ts");

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let bridgeAddress: string;
const operator = new Wallet(id("wcoord eth-intent crash test operator"));
const dirs: string[] = [];

function run(dataDir: string, target: string, crashAt?: string): Promise<ChildExit> {
  return runTsx(RUNNER, [dataDir, node.url, bridgeAddress, operator.privateKey, target], crashAt);
}

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "wcoord-intent-crash-"));
  dirs.push(d);
  return d;
}

/** The stored versions of the target's intent (read and closed at once: the runner opens the same file). */
function stored(dir: string, target: string) {
  return inspectStore(dir, (store) => store.ethIntents.byDedupeKey(`maintainer:${target}`));
}

async function isMaintainer(addr: string): Promise<boolean> {
  return (await bridge.getFunction("isMaintainer").staticCall(addr)) as boolean;
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const d = await deployBridge(provider);
  ({ bridge, address: bridgeAddress } = d);
  await (await d.governance.sendTransaction({ to: operator.address, value: parseEther("10") })).wait();
  await sendBridge(bridge, d.governance, "transferGovernance", operator.address);
}, 60_000);

afterEach(async () => {
  await provider.send("evm_setAutomine", [true]);
});

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  provider?.destroy();
  await node?.stop();
});

describe("Ethereum intent crash points", () => {
  it("row 12: killed after `prepared` is committed, before the send → the restart sends the same raw; one mined transaction", async () => {
    const dir = freshDir();
    const target = Wallet.createRandom().address;
    const nonce = await provider.getTransactionCount(operator.address, "pending");

    const crashed = await run(dir, target, "eth.intent.prepared");
    expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
    expect(crashed.stdout).toBe("");
    const [prepared, ...others] = stored(dir, target);
    expect(others).toEqual([]);
    expect(prepared).toMatchObject({ status: "prepared", nonce });
    // Nothing left the process.
    expect(await provider.getTransaction(prepared!.txHash!)).toBeNull();
    expect(await provider.getTransactionCount(operator.address, "pending")).toBe(nonce);

    const rerun = await run(dir, target);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toEqual({ id: prepared!.id, status: "mined", txHash: prepared!.txHash, nonce });
    expect(stored(dir, target)).toHaveLength(1);
    expect((await provider.getTransactionReceipt(prepared!.txHash!))!.status).toBe(1);
    expect(await provider.getTransactionCount(operator.address, "latest")).toBe(nonce + 1);
    expect(await isMaintainer(target)).toBe(true);
  });

  it("row 13: killed after the send, before `sent` is committed (mined meanwhile) → the receipt look-up finds it", async () => {
    const dir = freshDir();
    const target = Wallet.createRandom().address;
    const nonce = await provider.getTransactionCount(operator.address, "pending");

    const crashed = await run(dir, target, "eth.intent.sent-before-commit");
    expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
    const [row] = stored(dir, target);
    expect(row).toMatchObject({ status: "prepared", nonce });
    // Automine: the transaction was mined before the kill.
    expect((await provider.getTransactionReceipt(row!.txHash!))!.status).toBe(1);

    const rerun = await run(dir, target);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toEqual({ id: row!.id, status: "mined", txHash: row!.txHash, nonce });
    expect(stored(dir, target)).toHaveLength(1);
    expect(await provider.getTransactionCount(operator.address, "pending")).toBe(nonce + 1);
  });

  it("row 13: killed after the send, before `sent` is committed (still in the pool) → 'already known', then mined once", async () => {
    const dir = freshDir();
    const target = Wallet.createRandom().address;
    await provider.send("evm_setAutomine", [false]);
    const nonce = await provider.getTransactionCount(operator.address, "pending");

    const crashed = await run(dir, target, "eth.intent.sent-before-commit");
    expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
    const [row] = stored(dir, target);
    expect(row).toMatchObject({ status: "prepared", nonce });
    expect((await provider.getTransaction(row!.txHash!))?.hash.toLowerCase()).toBe(row!.txHash);

    // The restart re-sends the same bytes; the node already has them.
    const rerun = await run(dir, target);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toEqual({ id: row!.id, status: "sent", txHash: row!.txHash, nonce });
    expect(await provider.getTransactionCount(operator.address, "pending")).toBe(nonce + 1);

    await provider.send("evm_mine", []);
    const last = await run(dir, target);
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toEqual({ id: row!.id, status: "mined", txHash: row!.txHash, nonce });
    expect(stored(dir, target)).toHaveLength(1);
    expect(await provider.getTransactionCount(operator.address, "latest")).toBe(nonce + 1);
    expect(await isMaintainer(target)).toBe(true);
  });
});
