// The deploy command against a real `hardhat node`, then dev bootstrap, pinned Bridge reads and
// validator outcomes (contracts.md §5, §6.3 item 9, §7.4; coordination.md §10.3).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Network, getAddress, getBytes, keccak256, type JsonRpcSigner } from "ethers";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import { readDeploymentFile, type Deployment } from "../../src/chain/deployment-file.js";
import type { BlockRef } from "../../src/chain/pinned-call.js";
import { ValidatorClient } from "../../src/chain/validator-client.js";
import { WalletState } from "../../src/protocol/constants.js";
import { defaultProfile, profileHash } from "../../src/protocol/profile.js";
import { DEV_VAULT, devBootstrap, type DevWallet } from "../../deploy/dev-bootstrap.js";
import { recordDevSweep, requestDevRedemption, revealDevDeposit } from "../../deploy/dev-fixtures.js";
import { fromHex } from "../../src/util/hex.js";
import { rpcCall } from "../fakes/json-rpc.js";

const ROOT = join(import.meta.dirname, "..", "..");
const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");
const DAY = 86_400;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const rpc = rpcCall;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

let node: ChildProcess | undefined;
let url: string;
let deploymentsDir: string;
const deploymentId = `it-deploy-${process.pid}-${Date.now()}`;
let deployment: Deployment;
let provider: JsonRpcProvider;
let accounts: string[];

async function pinnedHead(): Promise<BlockRef> {
  const b = (await provider.getBlock("latest"))!;
  return { blockHash: b.hash!, blockNumber: b.number };
}

async function advance(seconds: number): Promise<BlockRef> {
  await rpc(url, "evm_increaseTime", [seconds]);
  await rpc(url, "evm_mine");
  return pinnedHead();
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  node = spawn(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT, stdio: "ignore" });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("hardhat node did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  deploymentsDir = await mkdtemp(join(tmpdir(), "wcoord-deploy-"));
  const { code, output } = await run(HARDHAT, ["run", "deploy/deploy.ts", "--network", "localhost"], {
    WCOORD_LOCALHOST_URL: url,
    WCOORD_DEPLOYMENTS_DIR: deploymentsDir,
    WCOORD_IGNITION_DEPLOYMENT_ID: deploymentId,
  });
  if (code !== 0) throw new Error(`deploy failed (${code}):\n${output}`);
  deployment = await readDeploymentFile(join(deploymentsDir, "localhost.json"));
  provider = new JsonRpcProvider(url, Network.from(31337), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  accounts = ((await rpc(url, "eth_accounts")) as string[]).map((a) => getAddress(a));
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  // The last test stops the node itself; kill it here only if it is still running.
  if (node?.pid !== undefined && node.exitCode === null && node.signalCode === null) process.kill(node.pid, "SIGTERM");
  if (deploymentsDir) await rm(deploymentsDir, { recursive: true, force: true });
  await rm(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
});

describe("deploy command (--network localhost)", () => {
  it("writes deployments/localhost.json describing the live contracts", async () => {
    expect(deployment.chainId).toBe(Number(await rpc(url, "eth_chainId")));
    for (const a of [deployment.bridge, deployment.walletProposalValidator]) {
      expect(await provider.getCode(a)).not.toBe("0x");
    }
    const head = await provider.getBlockNumber();
    expect(deployment.deployBlock).toBeLessThanOrEqual(head);
    // deployBlock is exactly the Bridge's creation block.
    expect(await provider.getCode(deployment.bridge, deployment.deployBlock)).not.toBe("0x");
    if (deployment.deployBlock > 0) expect(await provider.getCode(deployment.bridge, deployment.deployBlock - 1)).toBe("0x");
    const validator = new ValidatorClient({ caller: provider }, { address: deployment.walletProposalValidator });
    expect(await validator.bridge(await pinnedHead())).toBe(deployment.bridge);
    expect(deployment.profileHash).toBe(profileHash(defaultProfile(31337n, deployment.bridge, deployment.walletProposalValidator)));
  });

  it("governance is account 0 and the parameters are the defaults", async () => {
    const bridge = new BridgeClient({ caller: provider }, { address: deployment.bridge });
    const at = await pinnedHead();
    expect(await bridge.governance(at)).toBe(accounts[0]);
    expect(await bridge.depositParameters(at)).toEqual({
      depositDustThreshold: 1_000_000n,
      depositTreasuryFeeDivisor: 2000n,
      depositTxMaxFee: 100_000n,
      depositRevealAheadPeriod: 15 * DAY,
    });
    const r = await bridge.redemptionParameters(at);
    expect([r.redemptionTxMaxTotalFee, r.redemptionTimeout]).toEqual([1_000_000n, 5 * DAY]);
    const m = await bridge.movingFundsParameters(at);
    expect([m.movingFundsTxMaxTotalFee, m.movingFundsDustThreshold, m.movedFundsSweepTxMaxTotalFee]).toEqual([100_000n, 200_000n, 100_000n]);
    expect((await bridge.walletParameters(at)).walletMaxBtcTransfer).toBe(1_000_000_000n);
    expect(await bridge.getRedemptionWatchtower(at)).toBe("0x0000000000000000000000000000000000000000");
  });
});

describe("dev bootstrap, pinned reads and validator outcomes", () => {
  let wallets: DevWallet[];
  let before: BlockRef;
  let after: BlockRef;
  let bridge: BridgeClient;
  let validator: ValidatorClient;
  let governance: JsonRpcSigner;

  beforeAll(async () => {
    bridge = new BridgeClient({ caller: provider }, { address: deployment.bridge });
    validator = new ValidatorClient({ caller: provider }, { address: deployment.walletProposalValidator });
    governance = await provider.getSigner(accounts[0]);
    before = await pinnedHead();
    ({ wallets } = await devBootstrap(deployment.bridge, governance, {
      count: 3,
      operatorsPerWallet: 3,
      operators: accounts.slice(1, 6),
      seed: "it",
      maintainers: [accounts[0]],
      redemptionRequesters: [accounts[6]],
    }));
    after = await pinnedHead();
  });

  it("registers the wallets with overlapping operator sets, readable at a pinned block", async () => {
    expect(wallets.map((w) => w.operators)).toEqual([accounts.slice(1, 4), accounts.slice(2, 5), accounts.slice(3, 6)]);
    for (const w of wallets) {
      const rec = await bridge.wallets(w.walletPubKeyHash, after);
      expect(rec.state).toBe(WalletState.Live);
      expect(rec.ecdsaWalletID).toEqual(getBytes(keccak256(w.uncompressedPublicKey)));
      expect(await bridge.walletOperators(w.walletPubKeyHash, after)).toEqual(w.operators);
      expect(await bridge.walletPublicKey(w.walletPubKeyHash, after)).toEqual(w.uncompressedPublicKey);
    }
    expect(await bridge.liveWalletsCount(after)).toBe(3);
    expect(await bridge.activeWalletPubKeyHash(after)).toEqual(wallets[2].walletPubKeyHash);
    expect(await bridge.isMaintainer(accounts[0], after)).toBe(true);
    expect(await bridge.isRedemptionRequester(accounts[6], after)).toBe(true);
    expect(await bridge.isRedemptionRequester(accounts[5], after)).toBe(false);
    expect(await bridge.isVaultTrusted(DEV_VAULT, after)).toBe(true);
  });

  it("reads pinned before the bootstrap see none of it", async () => {
    const w = wallets[0];
    expect((await bridge.wallets(w.walletPubKeyHash, before)).state).toBe(WalletState.Unknown);
    expect(await bridge.walletOperators(w.walletPubKeyHash, before)).toEqual([]);
    expect(await bridge.walletPublicKey(w.walletPubKeyHash, before)).toEqual(new Uint8Array());
    expect(await bridge.liveWalletsCount(before)).toBe(0);
    expect(await bridge.isMaintainer(accounts[0], before)).toBe(false);
  });

  it("heartbeat: valid and invalid with the exact reason", async () => {
    const at = await pinnedHead();
    const pkh = wallets[0].walletPubKeyHash;
    expect(await validator.validateHeartbeat({ walletPubKeyHash: pkh, message: fromHex("ffffffffffffffff1111111111111111") }, at)).toEqual({
      outcome: "valid",
    });
    expect(await validator.validateHeartbeat({ walletPubKeyHash: pkh, message: fromHex("fffffffffffffff21111111111111111") }, at)).toEqual({
      outcome: "invalid",
      reason: "Not a valid heartbeat message",
    });
    expect(await validator.constants(at)).toEqual({
      DEPOSIT_MIN_AGE: 7200,
      DEPOSIT_REFUND_SAFETY_MARGIN: 86400,
      DEPOSIT_SWEEP_MAX_SIZE: 20,
      REDEMPTION_REQUEST_MIN_AGE: 600,
      REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN: 7200,
      REDEMPTION_MAX_SIZE: 20,
    });
  });

  it("redemption: the outcome at a pinned block does not change as time passes (§6.3 item 9)", async () => {
    const w = wallets[0];
    const depositor = await provider.getSigner(accounts[7]);
    const requester = await provider.getSigner(accounts[6]);
    const now = (await provider.getBlock("latest"))!.timestamp;
    const deposit = await revealDevDeposit(deployment.bridge, depositor, w.walletPubKeyHash, 5_000_000n, now + 30 * DAY, 1);
    const stored = await bridge.deposits(deposit.depositKey, await pinnedHead());
    expect([stored.depositor, stored.amount, stored.treasuryFee]).toEqual([accounts[7], 5_000_000n, 2500n]);
    const mainUtxo = await recordDevSweep(deployment.bridge, governance, w.walletPubKeyHash, [deposit.key], 4_990_000n, 1);
    const script = await requestDevRedemption(deployment.bridge, requester, w.walletPubKeyHash, mainUtxo, 2_000_000n, 1);
    const proposal = { walletPubKeyHash: w.walletPubKeyHash, redeemersOutputScripts: [script], redemptionTxFee: 10_000n };

    const fresh = await pinnedHead();
    const valid = await advance(601);
    const late = await advance(5 * DAY);

    expect(await validator.validateRedemption(proposal, fresh)).toEqual({
      outcome: "invalid",
      reason: "Redemption request min age not achieved yet",
    });
    expect(await validator.validateRedemption(proposal, late)).toEqual({
      outcome: "invalid",
      reason: "Redemption request timeout safety margin is not preserved",
    });
    // Pinned at the earlier block, the proposal is still valid although the head says otherwise.
    expect(await validator.validateRedemption(proposal, valid)).toEqual({ outcome: "valid" });
    expect(await validator.validateRedemption({ ...proposal, redemptionTxFee: 0n }, valid)).toEqual({
      outcome: "invalid",
      reason: "Proposed transaction fee cannot be zero",
    });
  });

  it("a pinned block hash the node does not know is unverified, not invalid", async () => {
    const bogus = { blockHash: "0x" + "42".repeat(32), blockNumber: after.blockNumber };
    const out = await validator.validateHeartbeat({ walletPubKeyHash: wallets[0].walletPubKeyHash, message: fromHex("ff".repeat(16)) }, bogus);
    expect(out.outcome).toBe("unverified");
  });

  it("with the RPC down every outcome is unverified", async () => {
    const at = await pinnedHead();
    const pid = node!.pid!;
    const exited = new Promise((r) => node!.once("exit", r));
    process.kill(pid, "SIGTERM");
    await exited;
    const down = new ValidatorClient(
      { caller: new JsonRpcProvider(url, Network.from(31337), { staticNetwork: true, cacheTimeout: -1 }) },
      { address: deployment.walletProposalValidator, timeoutMs: 5_000 },
    );
    const out = await down.validateHeartbeat({ walletPubKeyHash: wallets[0].walletPubKeyHash, message: fromHex("ff".repeat(16)) }, at);
    expect(out.outcome).toBe("unverified");
  });
});
