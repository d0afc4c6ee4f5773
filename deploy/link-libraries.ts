// Deployment from compiled artifacts with library linking. The Bridge calls external libraries
// (Deposit, DepositSweep, Redemption, MovingFunds, Wallets, BridgeParameters): its bytecode holds a
// placeholder for each library's address until the library is deployed. Ignition links them in
// ignition/modules/WalletCoordinator.ts; this links them for code that deploys artifacts directly
// (test fixtures on a `hardhat node` or the in-process network).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Contract, ContractFactory, type InterfaceAbi, type Signer } from "ethers";

/** Byte offsets of one library's address placeholders, by input source name and library name. */
type LinkReferences = Record<string, Record<string, { start: number; length: number }[]>>;

/** The fields of a Hardhat artifact this module reads. */
export interface LinkableArtifact {
  abi: unknown;
  bytecode: string;
  linkReferences?: LinkReferences;
}

export const ARTIFACTS_DIR = join(import.meta.dirname, "..", "artifacts");

/** The artifact of contract `name` in `sourceName` (e.g. `contracts/bridge/Bridge.sol`), as `hardhat build` wrote it. */
export function readArtifact(sourceName: string, name: string, artifactsDir = ARTIFACTS_DIR): LinkableArtifact {
  return JSON.parse(readFileSync(join(artifactsDir, sourceName, `${name}.json`), "utf8")) as LinkableArtifact;
}

/**
 * `artifact.bytecode` with every library it calls deployed by `signer` (a fresh copy each, itself
 * linked the same way) and the library's address written over each placeholder.
 */
export async function linkedBytecode(artifact: LinkableArtifact, signer: Signer, artifactsDir = ARTIFACTS_DIR): Promise<string> {
  let bytecode = artifact.bytecode;
  for (const [inputSourceName, libraries] of Object.entries(artifact.linkReferences ?? {})) {
    // Hardhat 3 names project sources `project/<path>`; the artifact lies under `<path>`.
    const sourceName = inputSourceName.replace(/^project\//, "");
    for (const [name, places] of Object.entries(libraries)) {
      const library = readArtifact(sourceName, name, artifactsDir);
      const { address } = await deployArtifact(library, signer, [], artifactsDir);
      const hex = address.slice(2).toLowerCase();
      for (const { start, length } of places) {
        bytecode = bytecode.slice(0, 2 + 2 * start) + hex + bytecode.slice(2 + 2 * (start + length));
      }
    }
  }
  return bytecode;
}

/** Deploys `artifact` with constructor `args` as `signer`, after its libraries, and waits for the receipt. */
export async function deployArtifact(
  artifact: LinkableArtifact,
  signer: Signer,
  args: unknown[] = [],
  artifactsDir = ARTIFACTS_DIR,
): Promise<{ contract: Contract; address: string; blockNumber: number }> {
  const abi = artifact.abi as InterfaceAbi;
  const factory = new ContractFactory(abi, await linkedBytecode(artifact, signer, artifactsDir), signer);
  const deployed = await factory.deploy(...args);
  const receipt = await deployed.deploymentTransaction()!.wait();
  const address = await deployed.getAddress();
  return { contract: new Contract(address, abi, signer), address, blockNumber: receipt!.blockNumber };
}
