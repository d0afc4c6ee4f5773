// Deploys Bridge + WalletProposalValidator + FrostWalletRegistry with Ignition over a Hardhat network
// connection and describes the result as a `Deployment` (contracts.md §7.3–7.4, threshold.md §3.1).
// Used by deploy/deploy.ts and devnet.
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Contract, getAddress, toQuantity } from "ethers";
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import WalletCoordinatorModule, { WALLET_COORDINATOR_MODULE_ID } from "../ignition/modules/WalletCoordinator.js";
import { bridgeAbi, frostWalletRegistryAbi, validatorAbi } from "../src/chain/abi.js";
import { parseDeployment, type Deployment } from "../src/chain/deployment-file.js";
import { defaultProfile, profileHash } from "../src/protocol/profile.js";
import { DEV_CHAIN_IDS } from "./dev-bootstrap.js";

export { readDeploymentFile, writeDeploymentFile, type Deployment } from "../src/chain/deployment-file.js";

export interface DeployOptions {
  /** Bridge governance (and so the FROST wallet registry's); default: account 0 of the connection. */
  governance?: string;
  /** Ignition deployment id (journal folder for non-simulated networks); default `chain-<chainId>`. */
  deploymentId?: string;
  /** Ignition parameters, or the path of a parameters JSON file. */
  parameters?: Record<string, Record<string, unknown>> | string;
  /** Ignition's folder, to find the journal of a resumed deployment; default `<cwd>/ignition`. */
  ignitionDir?: string;
}

/** How far to look back for the Bridge creation when the deployment ran in this call. */
const MAX_SCAN_BLOCKS = 64;

interface RpcBlock {
  number: string;
  transactions: { hash: string; to: string | null }[];
}

type Rpc = { send(method: string, params: unknown[]): Promise<unknown> };

/** Block of the transaction that created `address`, among blocks (from, to]. */
async function findCreationBlock(rpc: Rpc, address: string, from: number, to: number): Promise<number | null> {
  for (let n = Math.max(from + 1, to - MAX_SCAN_BLOCKS + 1); n <= to; n++) {
    const block = (await rpc.send("eth_getBlockByNumber", [toQuantity(n), true])) as RpcBlock | null;
    for (const tx of block?.transactions ?? []) {
      if (tx.to !== null) continue;
      const receipt = (await rpc.send("eth_getTransactionReceipt", [tx.hash])) as { contractAddress: string | null } | null;
      if (receipt?.contractAddress && getAddress(receipt.contractAddress) === address) return n;
    }
  }
  return null;
}

/** A resumed (already complete) deployment: take the confirmed Bridge transaction from Ignition's journal. */
async function journalCreationBlock(rpc: Rpc, journal: string): Promise<number | null> {
  if (!existsSync(journal)) return null;
  const futureId = `${WALLET_COORDINATOR_MODULE_ID}#Bridge`;
  for (const line of (await readFile(journal, "utf8")).split("\n")) {
    if (!line.includes(futureId)) continue;
    const entry = JSON.parse(line) as { type?: string; futureId?: string; hash?: string };
    if (entry.futureId !== futureId || entry.type !== "TRANSACTION_CONFIRM" || !entry.hash) continue;
    // Ask the chain rather than trust the journal: a restarted dev node has forgotten it.
    const receipt = (await rpc.send("eth_getTransactionReceipt", [entry.hash])) as { blockNumber: string } | null;
    if (receipt) return Number(receipt.blockNumber);
  }
  return null;
}

/**
 * A journal whose Bridge has no code on the chain was written for an earlier chain (a restarted dev
 * node). Ignition would "resume" it and return dead addresses: on dev chains start over, elsewhere stop.
 */
async function dropStaleJournal(
  connection: NetworkConnection<ChainType | string>,
  chainId: number,
  deploymentDir: string,
): Promise<void> {
  const file = join(deploymentDir, "deployed_addresses.json");
  if (!existsSync(file)) return;
  const addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  const recorded = addresses[`${WALLET_COORDINATOR_MODULE_ID}#Bridge`];
  if (recorded === undefined || (await connection.ethers.provider.getCode(recorded)) !== "0x") return;
  if (!DEV_CHAIN_IDS.has(chainId)) {
    throw new Error(`Ignition journal ${deploymentDir} records a Bridge at ${recorded}, but chain ${chainId} has no code there`);
  }
  console.warn(`dropping stale Ignition journal ${deploymentDir} (Bridge ${recorded} not on this dev chain)`);
  await rm(deploymentDir, { recursive: true, force: true });
}

export async function deployWalletCoordinator<C extends ChainType | string>(
  connection: NetworkConnection<C>,
  options: DeployOptions = {},
): Promise<Deployment> {
  const provider = connection.ethers.provider;
  const chainId = Number((await provider.getNetwork()).chainId);
  const deploymentId = options.deploymentId ?? `chain-${chainId}`;
  const ignitionDir = options.ignitionDir ?? join(process.cwd(), "ignition");
  const deploymentDir = join(ignitionDir, "deployments", deploymentId);
  // In-process networks keep the journal in memory; only file journals can go stale.
  if (connection.networkConfig.type !== "edr-simulated") await dropStaleJournal(connection, chainId, deploymentDir);
  const startBlock = await provider.getBlockNumber();

  let parameters = options.parameters ?? {};
  if (options.governance !== undefined) {
    if (typeof parameters === "string") throw new Error("give either a parameters file or governance, not both");
    parameters = { ...parameters, [WALLET_COORDINATOR_MODULE_ID]: { ...parameters[WALLET_COORDINATOR_MODULE_ID], governance: options.governance } };
  }
  const deployed = await connection.ignition.deploy(WalletCoordinatorModule, {
    parameters: parameters as never,
    deploymentId,
  });
  const bridge = getAddress(await deployed.bridge.getAddress());
  const walletProposalValidator = getAddress(await deployed.walletProposalValidator.getAddress());
  const frostWalletRegistry = getAddress(await deployed.frostWalletRegistry.getAddress());

  // Sanity: all have code, the validator and the registry point at this Bridge, and it at the registry.
  for (const a of [bridge, walletProposalValidator, frostWalletRegistry]) {
    if ((await provider.getCode(a)) === "0x") throw new Error(`no contract code at ${a} after deployment`);
  }
  const validatorBridge = getAddress(await new Contract(walletProposalValidator, validatorAbi, provider).getFunction("bridge")());
  if (validatorBridge !== bridge) throw new Error(`validator.bridge() is ${validatorBridge}, expected ${bridge}`);
  const registryBridge = getAddress(await new Contract(frostWalletRegistry, frostWalletRegistryAbi, provider).getFunction("bridge")());
  if (registryBridge !== bridge) throw new Error(`frostWalletRegistry.bridge() is ${registryBridge}, expected ${bridge}`);
  const bridgeRegistry = getAddress(await new Contract(bridge, bridgeAbi, provider).getFunction("frostWalletRegistry")());
  if (bridgeRegistry !== frostWalletRegistry) throw new Error(`bridge.frostWalletRegistry() is ${bridgeRegistry}, expected ${frostWalletRegistry}`);

  const head = await provider.getBlockNumber();
  const deployBlock =
    (await findCreationBlock(provider, bridge, startBlock, head)) ??
    (await journalCreationBlock(provider, join(deploymentDir, "journal.jsonl")));
  if (deployBlock === null) throw new Error(`cannot find the block that created the Bridge at ${bridge}`);

  const hash = profileHash(defaultProfile(BigInt(chainId), bridge, walletProposalValidator));
  return parseDeployment({ chainId, bridge, walletProposalValidator, deployBlock, profileHash: hash, frostWalletRegistry }, "deployment");
}
