// `wcoord devnet` as a user runs it (what `npm start` does), as a child process: FROST wallets created
// by DKG among their members, every wallet of every window accepted and validated by all its followers,
// and every action type run to its end on the Bitcoin test chain, signed by a quorum, those of the last
// window too (the drain after --windows K), with no node ever holding a wallet key; the same with a
// member of wallet 0 stopped (--kill-signers), with the old ECDSA dev-key wallets (--ecdsa), and an
// ECDSA wallet moving its funds into a FROST wallet; --kill-leader shows LeaderIdleness.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { Wallet, getAddress } from "ethers";
import type { DevnetSummary } from "../../src/devnet/devnet.js";
import { DEVNET_KEY_SHARE_PASSWORD, devnetOperatorKey } from "../../src/devnet/local-network.js";
import { Store } from "../../src/store/store.js";
import { openKeyShare } from "../../src/threshold/dkg/key-share-store.js";
import { toHex } from "../../src/util/hex.js";

const { Fn, BASE: G } = secp256k1.Point;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = mkdtempSync(join(tmpdir(), "wcoord-devnet-test-"));

function devnet(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/wcoord.js", "devnet", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every node's log of the run holds no warning and no error (a healthy run). */
function expectQuietLogs(data: string, nodes: number): void {
  for (let n = 0; n < nodes; n++) {
    const warnings = readFileSync(join(data, `node${n}`, "wcoord.log"), "utf8").split("\n").filter((l) => /"level":(40|50)/.test(l));
    expect(warnings, `node${n}`).toEqual([]);
  }
}

/**
 * No node holds a wallet key (threshold.md §6): each node's database holds, per FROST wallet it sits in,
 * its own share only, sealed; t of the shares (opened with the devnet's password) interpolate to the
 * wallet's key, which no node's data directory holds, as bytes or as hex text; and one node's shares
 * alone give no wallet key.
 */
async function expectNoWholeKey(data: string, s: DevnetSummary, nodes: number): Promise<void> {
  const shares = new Map<string, Map<number, bigint>>();
  for (let n = 0; n < nodes; n++) {
    const store = Store.open(join(data, `node${n}`));
    try {
      const operator = getAddress(new Wallet(devnetOperatorKey("ci", n)).address);
      for (const row of store.keyShares.list()) {
        const wallet = s.wallets.find((w) => w.wallet === "0x" + row.walletPkh)!;
        expect(wallet.members[row.memberIndex - 1]).toBe(operator);
        const { keyShare } = await openKeyShare(new TextDecoder().decode(store.keyShares.get(row.walletPkh)!.sealed), DEVNET_KEY_SHARE_PASSWORD);
        const mine = shares.get(row.walletPkh) ?? new Map<number, bigint>();
        expect(mine.has(row.memberIndex)).toBe(false);
        shares.set(row.walletPkh, mine.set(row.memberIndex, Fn.fromBytes(keyShare.secret.signingShare)));
        // One share alone is not the wallet key.
        expect(toHex(G.multiply(Fn.fromBytes(keyShare.secret.signingShare)).toBytes(true).slice(1))).not.toBe(wallet.walletX!.slice(2));
      }
    } finally {
      store.close();
    }
  }
  const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));
  const contents = Array.from({ length: nodes }, (_, n) => files(join(data, `node${n}`)).map((f) => readFileSync(f))).flat();
  for (const w of s.wallets) {
    const held = shares.get(w.wallet.slice(2))!;
    expect([...held.keys()].sort()).toEqual(w.members.map((_, i) => i + 1));
    const subset = [...held.keys()].slice(0, w.threshold!);
    const secret = subset.reduce((acc, i) => Fn.add(acc, Fn.mul(held.get(i)!, lagrangeAtZero(i, subset))), 0n);
    // The first t shares are the wallet's: they interpolate to its key (up to the sign BIP-340 drops).
    expect(toHex(G.multiply(secret).toBytes(true).slice(1))).toBe(w.walletX!.slice(2));
    for (const k of [secret, Fn.neg(secret)]) {
      const [bytes, hex] = [Buffer.from(Fn.toBytes(k)), toHex(Fn.toBytes(k))];
      for (const c of contents) expect(c.includes(bytes) || c.toString("latin1").toLowerCase().includes(hex)).toBe(false);
    }
  }
}

function lagrangeAtZero(i: number, subset: readonly number[]): bigint {
  return subset.filter((j) => j !== i).reduce((acc, j) => Fn.mul(acc, Fn.div(BigInt(j), Fn.sub(BigInt(j), BigInt(i)))), 1n);
}

describe("wcoord devnet", () => {
  it("default: FROST wallets created by DKG run every action type to its end, each transaction signed by a quorum, no node holding a key", async () => {
    const file = join(dir, "s.json");
    const data = join(dir, "default");
    const res = await devnet(["--windows", "5", "--summary", file, "--data-dir", data, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(s.nodes).toBe(5);
    expect(s.wallets).toHaveLength(3);
    for (const w of s.wallets) {
      expect(w.scheme).toBe("frost");
      expect(w.walletX).toMatch(/^0x[0-9a-f]{64}$/);
      expect(w.threshold).toBe(3);
      expect(w.members).toHaveLength(4);
      expect([...w.members].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))).toEqual(w.members);
    }
    expect(res.out.match(/^dkg: request \d+ → wallet 0x[0-9a-f]{40} registered after [\d.]+ s/gm)).toHaveLength(3);
    expect(s.windows).toHaveLength(5);
    for (const w of s.windows) {
      expect(w.block % 900).toBe(0);
      expect(w.wallets).toHaveLength(3);
      for (const ww of w.wallets) {
        expect(ww.leader).toMatch(/^0x[0-9a-fA-F]{40}$/);
        expect(ww.action).not.toBeNull();
        expect(ww.followers).toBe(3);
        expect(ww.accepted, `${ww.wallet} W=${w.block}`).toBe(ww.followers);
        expect(ww.validated).toBe(ww.followers);
        expect(ww.faults).toEqual([]);
      }
    }
    // Every wallet swept its deposit in the first window; wallet 0 then moved its funds, the others
    // paid redemptions, and the moving-funds target swept what it received. After the last window the
    // devnet drains: every action, the last window's too, is done.
    const bitcoinActions = s.actions.filter((a) => a.type !== "Heartbeat");
    expect(new Set(s.actions.map((a) => a.type))).toEqual(new Set(["DepositSweep", "Heartbeat", "MovedFundsSweep", "MovingFunds", "Redemption"]));
    expect(s.actions.filter((a) => a.type === "DepositSweep").map((a) => a.window)).toEqual([900, 900, 900]);
    for (const a of s.actions) {
      const what = `${a.type} W=${a.window}: ${a.history.join(" → ")} (${JSON.stringify(a.nodes)})`;
      expect(a.state, what).toBe("done");
      if (a.type === "Heartbeat") expect(a.history).toEqual(["scheduled", "validating", "signing", "done"]);
      else {
        expect(a.history.slice(0, 8)).toEqual(["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed"]);
        expect(a.history.at(-1)).toBe("final");
      }
      // Signed by 3 of the wallet's 4 members in a session of its own.
      expect(a.signing, what).toBeDefined();
      expect(a.signing!.signers).toHaveLength(3);
      expect(a.signing!.attempts).toBeGreaterThanOrEqual(1);
      expect(a.signing!.ms).toBeGreaterThan(0);
    }
    expect(s.actions.filter((a) => a.window === s.windows[4].block).length).toBeGreaterThan(0);
    // The FakeBitcoinChain accepted each transaction only with valid BIP-340 key-path signatures; every
    // coin a FROST wallet spends or keeps is P2TR, and only a redeemer's output is not.
    for (const a of bitcoinActions) {
      const what = `${a.type} W=${a.window} ${JSON.stringify(a.tx)}`;
      expect(a.tx!.inputs.every((k) => k === "p2tr"), what).toBe(true);
      const own = a.type === "Redemption" ? a.tx!.outputs.slice(0, 1) : a.tx!.outputs;
      expect(own.every((k) => k === "p2tr"), what).toBe(true);
      if (a.type === "Redemption") expect(a.tx!.outputs.slice(1)).toEqual(["p2wpkh"]);
    }
    expect(res.out).toMatch(/wallet 0x[0-9a-f]{40}: FROST 3-of-4 on Taproot \(created by DKG/);
    expect(res.out).toMatch(/deposit of [\d.]+ BTC \(P2TR Taproot deposit address/);
    expect(res.out).toMatch(/MovingFunds action → in_mempool txid \S+ \[p2tr → p2tr\]/);
    expect(res.out).toMatch(/signed by node\d, node\d, node\d in \d attempt\(s\), \d+ ms/);
    expect(res.out).toMatch(/drain: every action is terminal \(\+\d+ Bitcoin blocks, [\d.]+ s\)/);
    await expectNoWholeKey(data, s, 5);
    expectQuietLogs(data, 5);
  }, 240_000);

  it("--ecdsa: the old dev-key wallets run every action type to its end", async () => {
    const file = join(dir, "e.json");
    const res = await devnet(["--ecdsa", "--windows", "5", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(s.wallets.map((w) => w.scheme)).toEqual(["ecdsa", "ecdsa", "ecdsa"]);
    expect(new Set(s.actions.map((a) => a.type))).toEqual(new Set(["DepositSweep", "Heartbeat", "MovedFundsSweep", "MovingFunds", "Redemption"]));
    for (const a of s.actions) expect(a.state, `${a.type} W=${a.window}: ${a.history.join(" → ")}`).toBe("done");
    expect(res.out).toMatch(/DepositSweep: accepted 3\/3, validated 3\/3/);
    expect(res.out).toMatch(/MovingFunds action → settled txid/);
    expect(res.out).not.toContain("dkg:");
  }, 180_000);

  it("--kill-signers 1: a member of wallet 0 stopped before the first window; every action still ends done, signed by the other three", async () => {
    const file = join(dir, "ks.json");
    const res = await devnet(["--windows", "5", "--kill-signers", "1", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    const killed = /--kill-signers 1: stopping node(\d)/.exec(res.out);
    expect(killed, res.out).not.toBeNull();
    const victim = getAddress(new Wallet(devnetOperatorKey("ci", Number(killed![1]))).address);
    expect(s.wallets[0]!.members).toContain(victim);
    const types = new Set(s.actions.map((a) => a.type));
    for (const t of ["DepositSweep", "MovingFunds", "Heartbeat"]) expect(types).toContain(t);
    for (const a of s.actions) {
      expect(a.state, `${a.type} W=${a.window}: ${a.history.join(" → ")}`).toBe("done");
      expect(a.signing!.signers).toHaveLength(3);
      expect(a.signing!.signers).not.toContain(`node${killed![1]}`);
    }
  }, 240_000);

  it("--wallets 2 --frost-wallets 1: an ECDSA wallet moves its funds into a FROST wallet, which sweeps them by key path", async () => {
    const file = join(dir, "m.json");
    const res = await devnet(["--wallets", "2", "--frost-wallets", "1", "--windows", "4", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    const [ecdsa, frost] = s.wallets;
    expect([ecdsa.scheme, frost.scheme]).toEqual(["ecdsa", "frost"]);
    for (const a of s.actions) expect(a.state, `${a.type} W=${a.window}: ${a.history.join(" → ")}`).toBe("done");
    const moving = s.actions.find((a) => a.type === "MovingFunds")!;
    expect(moving.wallet).toBe(ecdsa.wallet);
    expect(moving.tx).toMatchObject({ inputs: ["p2wpkh"], outputs: ["p2tr"] });
    const sweep = s.actions.find((a) => a.type === "MovedFundsSweep")!;
    expect(sweep.wallet).toBe(frost.wallet);
    expect(sweep.tx!.inputs[0]).toBe("p2tr");
    expect(sweep.tx!.outputs).toEqual(["p2tr"]);
  }, 180_000);

  it("--kill-leader: the stopped leader's wallet shows LeaderIdleness in the timeline and the summary", async () => {
    const file = join(dir, "k.json");
    // --no-drain: stops right after window 2, as before the drain existed (and keeps this test short).
    const res = await devnet(["--windows", "2", "--no-drain", "--kill-leader", "--summary", file, "--seed", "ci", "--nodes", "4", "--wallets", "2"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    const idle = s.windows[1].wallets.filter((w) => w.faults.some((f) => f.type === "LeaderIdleness"));
    expect(s.windows[1].wallets).toHaveLength(2);
    expect(idle.length).toBeGreaterThanOrEqual(1);
    for (const w of idle) {
      expect(w.faults.find((f) => f.type === "LeaderIdleness")!.culprit).toBe(w.leader);
      expect(w.accepted).toBe(0);
    }
    expect(res.out).toMatch(/--kill-leader: stopping node\d/);
    expect(res.out).toMatch(/FAULT LeaderIdleness culprit node\d/);
    expect(res.out).not.toContain("drain:");
  }, 120_000);

  it("rejects bad flags with exit code 2", async () => {
    const res = await devnet(["--nodes", "one"]);
    expect(res.code).toBe(2);
    expect(res.err).toContain("--nodes must be an integer");
    const frost = await devnet(["--wallets", "2", "--frost-wallets", "3"]);
    expect(frost.code).toBe(2);
    expect(frost.err).toContain("--frost-wallets must be at most --wallets (2), got 3");
    for (const [args, message] of [
      [["--kill-signers", "2"], "--kill-signers must be at most members − t = 1, so wallet 0 keeps a quorum; got 2"],
      [["--ecdsa", "--kill-signers", "1"], "--kill-signers needs wallet 0 to be a FROST wallet"],
      [["--ecdsa", "--frost-wallets", "1"], "give either --ecdsa or --frost-wallets, not both"],
      [["--threshold", "5"], "--threshold must be 2 to 4 (the members per wallet with 5 nodes), got 5"],
    ] as const) {
      const bad = await devnet([...args]);
      expect(bad.code, args.join(" ")).toBe(2);
      // One line saying what is wrong, then the usage.
      expect(bad.err.split("\n")[0]).toContain(message);
    }
  });
});
