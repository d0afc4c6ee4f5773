import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContractFactory, JsonRpcProvider } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probabilityToPpm, runWindowCommand } from "../../src/coordination/window-command.js";
import leaderVectors from "../vectors/leader.json" with { type: "json" };
import seedVectors from "../vectors/seed.json" with { type: "json" };

class Sink {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await runWindowCommand(argv, out, err);
  return { code, out: out.text, err: err.text };
}

const { o7, k123 } = leaderVectors;
const SEED_9F86 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const full = (prefix: string) => o7.sorted.find((a) => a.slice(2, 10) === prefix)!;

describe("wcoord window (offline)", () => {
  it("O7 with seed 9f86… → leader 0xD2662604… (seedrandom, §15.2)", async () => {
    const r = await run(["--seed", SEED_9F86, "--block", "900", "--operators", o7.seats.join(","), "--json"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    // index 1 is not a multiple of 4; first draw 0.142… ≥ 0.0625: Redemption only.
    expect(r.out).toBe(
      `{"index":1,"seed":"0x${SEED_9F86}","leader":"0xD2662604f8b4540336fBd3c1F48d7e9cdFbD079c","checklist":["Redemption"]}\n`,
    );
  });

  it("go-math-rand, 0x-less lowercase operators, frequency window", async () => {
    const ops = o7.seats.map((a) => a.slice(2).toLowerCase()).join(",");
    const r = await run(["--seed", "0x" + SEED_9F86, "--block", "3600", "--operators", ops, "--rng", "go-math-rand", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toEqual({
      index: 4,
      seed: "0x" + SEED_9F86,
      leader: full("D2662604"),
      checklist: ["Redemption", "DepositSweep", "MovedFundsSweep", "MovingFunds"],
    });
  });

  it("wallet + safe block hash (§15.1) gives the e55c… seed and its leaders", async () => {
    const v = seedVectors.seed[0];
    const base = ["--wallet", v.walletPkh, "--safe-block-hash", v.safeBlockHash, "--block", "900", "--operators", o7.seats.join(","), "--json"];
    const sr = JSON.parse((await run(base)).out);
    expect(sr.seed).toBe("0x" + v.seed);
    expect(sr.leader).toBe(full("FAc73b03"));
    expect(sr.checklist).toEqual(["Redemption"]);
    const go = JSON.parse((await run([...base, "--rng", "go-math-rand"])).out);
    expect(go.leader).toBe(full("D2662604"));
    // seedrandom draw 0.164…: passes at 0.2, not at 0.164.
    expect(JSON.parse((await run([...base, "--heartbeat-probability", "0.2"])).out).checklist).toEqual(["Redemption", "Heartbeat"]);
    expect(JSON.parse((await run([...base, "--heartbeat-probability", "0.164"])).out).checklist).toEqual(["Redemption"]);
    expect(JSON.parse((await run([...base, "--frequency-windows", "1"])).out).checklist).toEqual([
      "Redemption",
      "DepositSweep",
      "MovedFundsSweep",
      "MovingFunds",
    ]);
  });

  it("k1/k2/k3 vector with 0x-prefixed wallet", async () => {
    const ops = k123.operators as Record<string, string>;
    const seats = k123.seats.map((k) => ops[k]).join(",");
    const base = ["--wallet", "0x" + k123.walletPkh, "--safe-block-hash", "0x" + k123.safeBlockHash, "--block", "900", "--operators", seats, "--json"];
    const sr = JSON.parse((await run(base)).out);
    expect(sr.seed).toBe("0x" + k123.seed);
    expect(sr.leader).toBe(ops.k1);
    const go = JSON.parse((await run([...base, "--rng", "go-math-rand"])).out);
    expect(go.leader).toBe(ops.k3);
    // go-math-rand first Float64 0.12775…: passes at 0.13, not at 0.125.
    expect(JSON.parse((await run([...base, "--rng", "go-math-rand", "--heartbeat-probability", "0.13"])).out).checklist).toContain("Heartbeat");
    expect(JSON.parse((await run([...base, "--rng", "go-math-rand", "--heartbeat-probability", ".125"])).out).checklist).not.toContain("Heartbeat");
  });

  it("text output lists index, seed, safe block, sorted operators, order and leader", async () => {
    const v = seedVectors.seed[0];
    const r = await run(["--wallet", v.walletPkh, "--safe-block-hash", v.safeBlockHash, "--block", "900", "--operators", o7.seats.join(",")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("index 1");
    expect(r.out).toContain("0x" + v.seed);
    expect(r.out).toContain("868 0x" + v.safeBlockHash);
    for (const a of o7.sorted) expect(r.out).toContain(a);
    expect(r.out).toMatch(/leader\s+0xFAc73b03884d94a08a5c6c7BB12Ac0b20571F162/);
    expect(r.out).toContain("1. 0xFAc73b03884d94a08a5c6c7BB12Ac0b20571F162");
    expect(r.out).toContain("checklist         Redemption");
  });

  it("--help prints usage and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage:");
  });

  const bad: [string, string[], RegExp][] = [
    ["no arguments", [], /--block is required/],
    ["block not a window", ["--seed", SEED_9F86, "--block", "901", "--operators", o7.sorted[0]], /window block/],
    ["block 0", ["--seed", SEED_9F86, "--block", "0", "--operators", o7.sorted[0]], /window block/],
    ["block not a number", ["--seed", SEED_9F86, "--block", "9e2", "--operators", o7.sorted[0]], /window block/],
    ["unknown option", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--frob"], /Unknown option/],
    ["missing option value", ["--seed", SEED_9F86, "--block"], /argument missing|--block/],
    ["bad address", ["--seed", SEED_9F86, "--block", "900", "--operators", "0x1234"], /invalid address/],
    ["empty operator entry", ["--seed", SEED_9F86, "--block", "900", "--operators", `${o7.sorted[0]},,${o7.sorted[1]}`], /comma-separated/],
    ["bad pkh", ["--wallet", "abcd", "--safe-block-hash", SEED_9F86, "--block", "900", "--operators", o7.sorted[0]], /--wallet/],
    ["bad hash", ["--wallet", k123.walletPkh, "--safe-block-hash", "12", "--block", "900", "--operators", o7.sorted[0]], /--safe-block-hash/],
    ["bad seed", ["--seed", "xyz", "--block", "900", "--operators", o7.sorted[0]], /--seed/],
    ["seed with wallet", ["--seed", SEED_9F86, "--wallet", k123.walletPkh, "--block", "900", "--operators", o7.sorted[0]], /--seed replaces/],
    ["wallet without hash", ["--wallet", k123.walletPkh, "--block", "900", "--operators", o7.sorted[0]], /--safe-block-hash/],
    ["no operators offline", ["--seed", SEED_9F86, "--block", "900"], /--operators is required/],
    ["bad rng", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--rng", "mt19937"], /--rng/],
    ["frequency 0", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--frequency-windows", "0"], /--frequency-windows/],
    ["probability > 1", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--heartbeat-probability", "1.5"], /between 0 and 1/],
    ["probability too fine", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--heartbeat-probability", "0.0000001"], /0\.000001/],
    ["probability not a number", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--heartbeat-probability", "abc"], /fraction/],
    ["rpc without bridge", ["--rpc", "http://127.0.0.1:1", "--wallet", k123.walletPkh, "--block", "900"], /--bridge or --deployment/],
    ["rpc with operators", ["--rpc", "http://127.0.0.1:1", "--bridge", o7.sorted[0], "--wallet", k123.walletPkh, "--block", "900", "--operators", o7.sorted[0]], /cannot be combined/],
    ["rpc without wallet", ["--rpc", "http://127.0.0.1:1", "--bridge", o7.sorted[0], "--block", "900"], /--wallet is required/],
    ["bridge offline", ["--seed", SEED_9F86, "--block", "900", "--operators", o7.sorted[0], "--bridge", o7.sorted[0]], /only used with --rpc/],
    ["positional", ["900"], /unexpected argument/],
  ];
  it.each(bad)("%s → exit 2, one-line error plus usage", async (_name, argv, msg) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const [first, ...rest] = r.err.split("\n");
    expect(first).toMatch(/^wcoord window: /);
    expect(first).toMatch(msg);
    expect(rest.join("\n")).toContain("usage:");
  });

  it("probability to ppm is exact", () => {
    expect(probabilityToPpm("0.0625")).toBe(62500);
    expect(probabilityToPpm("0.125")).toBe(125000);
    expect(probabilityToPpm("1")).toBe(1_000_000);
    expect(probabilityToPpm("1.0")).toBe(1_000_000);
    expect(probabilityToPpm("0")).toBe(0);
    expect(probabilityToPpm("0.000001")).toBe(1);
    expect(probabilityToPpm("0.0625000")).toBe(62500);
    expect(() => probabilityToPpm("1.000001")).toThrow();
    expect(() => probabilityToPpm("-0.1")).toThrow();
    expect(() => probabilityToPpm("1e-2")).toThrow();
  });
});

// Online mode against a local `hardhat node` with BridgeStub (only when the artifact exists).
const STUB = join(import.meta.dirname, "..", "..", "artifacts", "contracts", "test", "BridgeStub.sol", "BridgeStub.json");
const FAKE_NODE = join(import.meta.dirname, "..", "fakes", "hardhat-node.ts");

describe.skipIf(!existsSync(STUB) || !existsSync(FAKE_NODE))("wcoord window (online, hardhat node)", () => {
  let node: { url: string; stop(): Promise<void> };
  let provider: JsonRpcProvider;
  let bridge: string;
  let tmp: string;
  const ops = k123.operators as Record<string, string>;
  const pkh = k123.walletPkh;

  beforeAll(async () => {
    const { startHardhatNode } = (await import(FAKE_NODE)) as { startHardhatNode(): Promise<{ url: string; stop(): Promise<void> }> };
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const artifact = JSON.parse(readFileSync(STUB, "utf8")) as { abi: unknown[]; bytecode: string };
    const signer = await provider.getSigner(0);
    const stub = await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy();
    await stub.waitForDeployment();
    bridge = await stub.getAddress();
    const set = (list: string[]) => stub.getFunction("setWalletOperators")("0x" + pkh, list).then((tx) => tx.wait());
    await set([ops.k2, ops.k3, ops.k1, ops.k1]);
    const head = await provider.getBlockNumber();
    // Hardhat's state at blocks strictly inside a hardhat_mine range reads as empty, so W−32 = 868
    // must be a block mined singly.
    await provider.send("hardhat_mine", ["0x" + (867 - head).toString(16)]);
    while ((await provider.getBlockNumber()) < 880) await provider.send("evm_mine", []);
    // Changed after W−32 = 868: the command must not see it.
    await set([ops.k2]);
    tmp = mkdtempSync(join(tmpdir(), "wcoord-window-"));
  }, 120_000);

  afterAll(async () => {
    provider?.destroy();
    await node?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("reads seats and block hash pinned at W−32 and matches the offline computation", async () => {
    const block = (await provider.send("eth_getBlockByNumber", ["0x364", false])) as { hash: string }; // 868
    const expectedSeed = createHash("sha256").update(Buffer.from(pkh + block.hash.slice(2), "hex")).digest("hex");
    for (const rng of ["seedrandom", "go-math-rand"]) {
      const online = await run(["--rpc", node.url, "--bridge", bridge.toLowerCase(), "--wallet", pkh, "--block", "900", "--rng", rng, "--json"]);
      expect(online.err).toBe("");
      expect(online.code).toBe(0);
      const offline = await run([
        "--wallet", pkh, "--safe-block-hash", block.hash, "--block", "900", "--operators", [ops.k2, ops.k3, ops.k1, ops.k1].join(","), "--rng", rng, "--json",
      ]);
      expect(online.out).toBe(offline.out);
      expect(JSON.parse(online.out).seed).toBe("0x" + expectedSeed);
    }
    const text = await run(["--rpc", node.url, "--bridge", bridge, "--wallet", pkh, "--block", "900"]);
    for (const k of ["k1", "k2", "k3"]) expect(text.out).toContain(ops[k]); // the pre-change seat list
  });

  it("--deployment file, chain id check, unavailable block, unknown wallet", async () => {
    const dep = join(tmp, "hardhat.json");
    writeFileSync(dep, JSON.stringify({ chainId: 31337, bridge, walletProposalValidator: bridge, deployBlock: 1, profileHash: "0x" }));
    const viaFile = await run(["--rpc", node.url, "--deployment", dep, "--wallet", pkh, "--block", "900", "--json"]);
    const viaFlag = await run(["--rpc", node.url, "--bridge", bridge, "--wallet", pkh, "--block", "900", "--json"]);
    expect(viaFile.code).toBe(0);
    expect(viaFile.out).toBe(viaFlag.out);

    writeFileSync(dep, JSON.stringify({ chainId: 1, bridge }));
    const wrongChain = await run(["--rpc", node.url, "--deployment", dep, "--wallet", pkh, "--block", "900"]);
    expect(wrongChain.code).toBe(1);
    expect(wrongChain.err).toMatch(/chain 31337/);

    const future = await run(["--rpc", node.url, "--bridge", bridge, "--wallet", pkh, "--block", "90000"]);
    expect(future.code).toBe(1);
    expect(future.err).toMatch(/89968/);

    const unknown = await run(["--rpc", node.url, "--bridge", bridge, "--wallet", "11".repeat(20), "--block", "900"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no operators/);

    const missingFile = await run(["--rpc", node.url, "--deployment", join(tmp, "nope.json"), "--wallet", pkh, "--block", "900"]);
    expect(missingFile.code).toBe(2);
  });
});
