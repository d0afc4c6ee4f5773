// deployments/<network>.json (contracts.md §7.4): what the deploy command writes and the node reads.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getAddress, isAddress } from "ethers";
import { z } from "zod";

export interface Deployment {
  chainId: number;
  /** EIP-55. */
  bridge: string;
  /** EIP-55. */
  walletProposalValidator: string;
  /** Block of the Bridge deployment transaction; the event indexer starts here. */
  deployBlock: number;
  /** 0x-hex hashStruct of the default protocol profile for this chain and these contracts. */
  profileHash: string;
  /** EIP-55; the FROST wallet registry (threshold.md §3.1). Absent in files written before it existed. */
  frostWalletRegistry?: string;
}

const address = z
  .string()
  .refine((s) => isAddress(s), { message: "must be a 0x-prefixed 20-byte address" })
  .transform((s) => getAddress(s));

export const deploymentSchema = z
  .object({
    chainId: z.number().int().positive(),
    bridge: address,
    walletProposalValidator: address,
    deployBlock: z.number().int().nonnegative(),
    profileHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits"),
    frostWalletRegistry: address.optional(),
  })
  .strict();

export class DeploymentFileError extends Error {
  override readonly name = "DeploymentFileError";
}

/** Validates already-parsed JSON; `source` names the file in error messages. */
export function parseDeployment(json: unknown, source = "deployment"): Deployment {
  const parsed = deploymentSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      if (i.code === "unrecognized_keys") return `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(", ")}`;
      return i.path.length > 0 ? `key "${i.path.join(".")}": ${i.message}` : i.message;
    });
    throw new DeploymentFileError(`${source}: ${problems.join("; ")}`);
  }
  return { ...parsed.data, profileHash: parsed.data.profileHash.toLowerCase() };
}

export async function readDeploymentFile(path: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new DeploymentFileError(`${path}: cannot read deployments file (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DeploymentFileError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseDeployment(json, path);
}

/** Writes `<dir>/<network>.json` atomically (temp file + rename); returns the path. */
export async function writeDeploymentFile(dir: string, network: string, deployment: Deployment): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(network)) throw new Error(`unsafe network name for a file: ${network}`);
  const checked = parseDeployment(deployment, `${network} deployment`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${network}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(checked, null, 2) + "\n");
  await rename(tmp, path);
  return path;
}
