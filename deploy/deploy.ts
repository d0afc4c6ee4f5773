// The one deploy command (contracts.md §7.4):
//   npx hardhat run deploy/deploy.ts                       in-process network (writes deployments/hardhat.json)
//   npx hardhat run deploy/deploy.ts --network localhost   a `hardhat node` (WCOORD_LOCALHOST_URL, default :8545)
//   WCOORD_RPC_URL=… WCOORD_DEPLOYER_KEY=… npx hardhat run deploy/deploy.ts --network custom
// Env: WCOORD_DEPLOYMENTS_DIR (default ./deployments), WCOORD_IGNITION_DEPLOYMENT_ID (default chain-<id>).
// Ignition parameters come from ignition/parameters/<network>.json when that file exists.
import { existsSync } from "node:fs";
import { join } from "node:path";
import hre from "hardhat";
import { deployWalletCoordinator } from "./deploy-lib.js";
import { writeDeploymentFile } from "../src/chain/deployment-file.js";

const connection = await hre.network.create();
// Hardhat 3 calls the in-process network "default"; the file keeps the familiar name.
const network = connection.networkName === "default" ? "hardhat" : connection.networkName;
const parametersFile = join(hre.config.paths.ignition, "parameters", `${network}.json`);

const deployment = await deployWalletCoordinator(connection, {
  parameters: existsSync(parametersFile) ? parametersFile : undefined,
  deploymentId: process.env.WCOORD_IGNITION_DEPLOYMENT_ID || undefined,
  ignitionDir: hre.config.paths.ignition,
});
const dir = process.env.WCOORD_DEPLOYMENTS_DIR || join(hre.config.paths.root, "deployments");
const path = await writeDeploymentFile(dir, network, deployment);
console.log(JSON.stringify({ network, path, ...deployment }, null, 2));
await connection.close();
