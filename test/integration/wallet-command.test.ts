// `wcoord wallet show|request` against a `hardhat node` with the project's contracts (a LocalNetwork
// with one ECDSA and one FROST wallet, no operator node started): show prints each wallet as the
// Bridge holds it; request sends requestNewWallet with the governance keystore and the registry holds
// the request; bad arguments and a foreign keystore are refused with one line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { writeDeploymentFile } from "../../src/chain/deployment-file.js";
import { LocalNetwork } from "../../src/devnet/local-network.js";
import { createKeystore } from "../../src/node/keys.js";
import { runWalletCommand } from "../../src/node/wallet-command.js";
import { to0x, toHex } from "../../src/util/hex.js";

/** Hardhat's account 0: the Bridge's governance after deployment. */
const GOVERNANCE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const PASSWORD = "wallet-command-test";

let net: LocalNetwork;
let dir: string;
let deploymentFile: string;
let keystore: string;
let passwordFile: string;

async function wallet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runWalletCommand(
    [...argv, "--rpc", net.chain.url, "--deployment", deploymentFile],
    { write: (t: string) => (out += t) },
    { write: (t: string) => (err += t) },
    {},
  );
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wcoord-wallet-command-"));
  net = await LocalNetwork.start({ nodes: 3, wallets: 2, frostWallets: 1, frostKeys: "dealer", seed: "wallet-command", dataDir: join(dir, "net"), blockMs: 0 });
  deploymentFile = await writeDeploymentFile(dir, "localhost", net.deployment);
  keystore = join(dir, "governance.json");
  writeFileSync(keystore, await createKeystore(GOVERNANCE_KEY, PASSWORD, { scryptN: 1024 }));
  passwordFile = join(dir, "password");
  writeFileSync(passwordFile, PASSWORD + "\n");
}, 120_000);

afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("wcoord wallet show", () => {
  it("prints a FROST wallet: state, threshold, walletX and its members in seat order", async () => {
    const w = net.wallets[1];
    if (w.scheme !== "frost") throw new Error("wallet 1 should be FROST");
    const res = await wallet("show", toHex(w.walletPubKeyHash));
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toContain(`wallet 0x${toHex(w.walletPubKeyHash)}: Live, FROST ${w.threshold}-of-${w.operators.length}`);
    expect(res.out).toContain(`walletX     ${to0x(w.walletX)}`);
    w.operators.forEach((m, i) => expect(res.out).toContain(`${i + 1} ${m}`));
    expect(res.out).toContain("main UTXO   none");
  });

  it("prints an ECDSA wallet as JSON", async () => {
    const w = net.wallets[0];
    if (w.scheme !== "ecdsa") throw new Error("wallet 0 should be ECDSA");
    const res = await wallet("show", "0x" + toHex(w.walletPubKeyHash), "--json");
    expect(res.code, res.err).toBe(0);
    const view = JSON.parse(res.out) as Record<string, unknown>;
    expect(view).toMatchObject({ wallet: "0x" + toHex(w.walletPubKeyHash), state: "Live", scheme: "ecdsa", publicKey: to0x(w.uncompressedPublicKey), members: w.operators, mainUtxoHash: null });
  });

  it("refuses an unknown wallet and a malformed PKH with one line", async () => {
    const unknown = await wallet("show", "11".repeat(20));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^wcoord wallet: wallet 0x1{40} is not registered on the Bridge 0x[0-9a-fA-F]{40}\n$/);
    const bad = await wallet("show", "0x1234");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("wallet PKH must be 20 bytes of hex");
  });
});

describe("wcoord wallet request", () => {
  it("sends requestNewWallet with the governance keystore: members sorted, the request pending on the registry", async () => {
    const members = net.operators.map((o) => o.address);
    const res = await wallet("request", "--members", [...members].reverse().join(","), "--threshold", "2", "--keystore", keystore, "--password-file", passwordFile);
    expect(res.code, res.err).toBe(0);
    const m = /^DKG request (\d+) for 3 members \(threshold 2, quorum 3\) in block \d+, tx 0x[0-9a-f]{64}; the members must submit the result by block (\d+)$/m.exec(res.out);
    expect(m, res.out).not.toBeNull();
    const registry = new Contract(net.deployment.frostWalletRegistry!, frostWalletRegistryInterface, net.provider);
    const request = await registry.getFunction("getDkgRequest")(BigInt(m![1]!));
    const sorted = [...members].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    expect([...request.members]).toEqual(sorted);
    expect(Number(request.threshold)).toBe(2);
    expect(Number(request.dkgQuorum)).toBe(3);
    expect(request.deadline.toString()).toBe(m![2]);
    sorted.forEach((a, i) => expect(res.out).toContain(`member ${i + 1} ${a}`));
  });

  it("refuses bad members, thresholds and a keystore that is not governance's, before sending anything", async () => {
    const [a, b] = net.operators.map((o) => o.address);
    const cases: [string[], number, string][] = [
      [["--members", `${a},nope`, "--threshold", "2"], 2, '--members: "nope" is not an address'],
      [["--members", `${a},${a}`, "--threshold", "2"], 2, "--members names an address twice"],
      [["--members", `${a},${b}`, "--threshold", "3"], 2, "need 2 ≤ threshold ≤ quorum ≤ members, got threshold 3, quorum 2, 2 members"],
      [["--members", `${a},${b}`], 2, "--threshold is required"],
    ];
    for (const [args, code, text] of cases) {
      const res = await wallet("request", ...args, "--keystore", keystore, "--password-file", passwordFile);
      expect(res.code, args.join(" ")).toBe(code);
      expect(res.err).toContain(text);
    }
    const stranger = join(dir, "stranger.json");
    writeFileSync(stranger, await createKeystore(Wallet.createRandom().privateKey, PASSWORD, { scryptN: 1024 }));
    const foreign = await wallet("request", "--members", `${a},${b}`, "--threshold", "2", "--keystore", stranger, "--password-file", passwordFile);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/^wcoord wallet: the keystore holds 0x[0-9a-fA-F]{40}, but the Bridge's governance is 0x[0-9a-fA-F]{40}\n$/);
    const wrongPassword = join(dir, "wrong");
    writeFileSync(wrongPassword, "not it");
    const locked = await wallet("request", "--members", `${a},${b}`, "--threshold", "2", "--keystore", keystore, "--password-file", wrongPassword);
    expect(locked.code).toBe(1);
    expect(locked.err).toBe("wcoord wallet: governance keystore --keystore: wrong keystore password\n");
  });
});
