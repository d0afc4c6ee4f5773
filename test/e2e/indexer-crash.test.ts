// kill -9 inside an indexer chunk's transaction (reliability.md §7.2 row 14): after the restart the
// chunk is redone; there is never a partial chunk, and the cursor equals the last complete chunk.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, type Contract, type JsonRpcSigner } from "ethers";
import { bridgeInterface } from "../../src/chain/abi.js";
import { Store } from "../../src/store/store.js";
import { to0x } from "../../src/util/hex.js";
import {
  DAY,
  ZERO_ADDRESS,
  buildDepositScript,
  depositKey,
  fundingTxHash,
  locktimeLE,
  p2wshOutputScript,
  randomHex,
  singleInputVector,
  txOutput,
  vector,
} from "../contracts/helpers/bitcoin-fixtures.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { runTsx, type ChildExit } from "../fixtures/crash-child.js";
import { deployBridge, mine, sendBridge, walletKey } from "../fixtures/indexer-bridge.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RUNNER = join(ROOT, "test/fixtures/indexer-crash-runner.ts");
const CHUNK = 2;

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let bridgeAddress: string;
let deployBlock: number;
let head: number;
let gov: JsonRpcSigner;
let depositKeyHex: string;
const dirs: string[] = [];

function run(dataDir: string, crashAt?: string): Promise<ChildExit> {
  return runTsx(RUNNER, [dataDir, node.url, bridgeAddress, String(deployBlock), String(head), String(CHUNK)], crashAt);
}

/** "block:txHash:logIndex" of the Bridge's indexed events in [deployBlock, to], straight from the node. */
async function chainLogs(to: number): Promise<string[]> {
  const topics = ["NewWalletRegistered", "WalletOperatorsSet", "WalletClosing", "DepositRevealed"].map((n) => bridgeInterface.getEvent(n)!.topicHash);
  const logs = await provider.getLogs({ address: bridgeAddress, fromBlock: deployBlock, toBlock: to, topics: [topics] });
  return logs.map((l) => `${l.blockNumber}:${l.transactionHash.toLowerCase()}:${l.index}`);
}

function indexed(store: Store): string[] {
  const rows = [...store.evWallets.list(), ...store.evDeposits.list(), ...store.evRedemptions.list(), ...store.evMovingFunds.list()];
  return rows.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex).map((r) => `${r.blockNumber}:${r.txHash}:${r.logIndex}`);
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = await deployBridge(provider));
  const depositor = await provider.getSigner(3);
  const [w1, w2, w3, w4] = [1, 2, 3, 4].map(walletKey);
  // One block per transaction: chunk 1 = [D, D+1], chunk 2 = [D+2, D+3] (a wallet and a deposit), …
  await sendBridge(bridge, gov, "registerWallet", w1!.x, w1!.y, [await gov.getAddress()]);
  await sendBridge(bridge, gov, "registerWallet", w2!.x, w2!.y, [await gov.getAddress()]);
  const now = (await provider.getBlock("latest"))!.timestamp;
  const reveal = {
    fundingOutputIndex: 0,
    blindingFactor: randomHex(8),
    walletPubKeyHash: w1!.pkh,
    refundPubKeyHash: randomHex(20),
    refundLocktime: locktimeLE(now + 30 * DAY),
    vault: ZERO_ADDRESS,
  };
  const script = buildDepositScript({ depositor: await depositor.getAddress(), ...reveal });
  const tx = { version: "0x01000000", inputVector: singleInputVector(), outputVector: to0x(vector([txOutput(5_000_000n, p2wshOutputScript(script))])), locktime: "0x00000000" };
  const r = await sendBridge(bridge, depositor, "revealDeposit", tx, reveal);
  expect(r.blockNumber).toBe(deployBlock + 3);
  depositKeyHex = depositKey(fundingTxHash(tx), 0);
  await sendBridge(bridge, gov, "registerWallet", w3!.x, w3!.y, [await gov.getAddress()]);
  await sendBridge(bridge, gov, "beginMovingFunds", w3!.pkh);
  await sendBridge(bridge, gov, "registerWallet", w4!.x, w4!.y, [await gov.getAddress()]);
  head = await mine(provider, 3);
});

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  provider?.destroy();
  await node?.stop();
});

describe("indexer crash inside a chunk's transaction", () => {
  it("leaves no partial chunk; the restart redoes it and ends with exactly the chain's rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wcoord-indexer-crash-"));
    dirs.push(dir);
    const expected = await chainLogs(head);
    expect(expected).toHaveLength(10);

    const crashed = await run(dir, "indexer.chunk.inside-tx:2");
    expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
    expect(crashed.stdout).toBe("");

    // Chunk 2 ([D+2, D+3]: a wallet's two events and the deposit) was being written when killed.
    let store = Store.open(dir);
    const cursor = store.cursors.get("eth.events");
    expect(cursor?.height).toBe(deployBlock + CHUNK - 1);
    expect(cursor?.hash).toBe((await provider.getBlock(deployBlock + CHUNK - 1))!.hash!.toLowerCase());
    expect(indexed(store)).toEqual(expected.filter((p) => Number(p.split(":")[0]) <= cursor!.height));
    expect(indexed(store)).toHaveLength(2);
    expect(store.evDeposits.count()).toBe(0);
    store.close();

    const rerun = await run(dir);
    expect(rerun.code, rerun.stderr).toBe(0);
    const out = JSON.parse(rerun.stdout) as { chunks: number; rows: number; cursor: { height: number; hash: string } };
    // It resumed after the last complete chunk.
    expect(out.chunks).toBe(Math.ceil((head - (deployBlock + CHUNK) + 1) / CHUNK));
    expect(out.rows).toBe(expected.length - 2);
    expect(out.cursor).toEqual({ height: head, hash: (await provider.getBlock(head))!.hash!.toLowerCase() });

    store = Store.open(dir);
    expect(indexed(store)).toEqual(expected);
    expect(store.evDeposits.list().map((d) => d.depositKey)).toEqual([depositKeyHex]);
    expect(store.evWallets.count()).toBe(9);
    store.close();
  });
});
