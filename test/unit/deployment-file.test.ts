// deployments/<network>.json round trip and the reader's error messages (contracts.md §7.4).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeploymentFileError, readDeploymentFile, writeDeploymentFile, type Deployment } from "../../src/chain/deployment-file.js";

const good: Deployment = {
  chainId: 31337,
  bridge: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  walletProposalValidator: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  deployBlock: 1,
  profileHash: "0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca",
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wcoord-depfile-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readWith(json: unknown): Promise<Deployment> {
  const path = join(dir, `case-${Math.random().toString(16).slice(2)}.json`);
  await writeFile(path, typeof json === "string" ? json : JSON.stringify(json));
  return readDeploymentFile(path);
}

describe("deployment file", () => {
  it("round-trips through write and read", async () => {
    const path = await writeDeploymentFile(dir, "localhost", good);
    expect(path).toBe(join(dir, "localhost.json"));
    expect(await readDeploymentFile(path)).toEqual(good);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(good);
  });

  it("normalizes lowercase addresses to EIP-55", async () => {
    const d = await readWith({ ...good, bridge: good.bridge.toLowerCase() });
    expect(d.bridge).toBe(good.bridge);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["bridge", { bridge: "0x1234" }, /key "bridge"/],
    ["walletProposalValidator", { walletProposalValidator: undefined }, /key "walletProposalValidator"/],
    ["chainId", { chainId: "31337" }, /key "chainId"/],
    ["deployBlock", { deployBlock: -1 }, /key "deployBlock"/],
    ["profileHash", { profileHash: "0x1234" }, /key "profileHash": must be 0x followed by 64 hex digits/],
    ["unknown key", { extra: 1 }, /unknown key\(s\) "extra"/],
  ];
  for (const [name, patch, message] of bad) {
    it(`names the bad key: ${name}`, async () => {
      const err = await readWith({ ...good, ...patch }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeploymentFileError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(dir);
    });
  }

  it("reports unreadable files and invalid JSON with the path", async () => {
    await expect(readDeploymentFile(join(dir, "missing.json"))).rejects.toThrow(/missing\.json: cannot read/);
    await expect(readWith("{not json")).rejects.toThrow(/not valid JSON/);
  });

  it("refuses to write an invalid deployment or an unsafe network name", async () => {
    await expect(writeDeploymentFile(dir, "x", { ...good, deployBlock: 1.5 })).rejects.toThrow(/deployBlock/);
    await expect(writeDeploymentFile(dir, "../evil", good)).rejects.toThrow(/unsafe network name/);
  });
});
