// `wcoord devnet` as a user runs it (what `npm start` does), as a child process: every wallet of every
// window accepted and validated by all its followers, and every action type run to its end on the
// Bitcoin test chain, those of the last window too (the drain after --windows K); the same with FROST
// wallets on Taproot (--frost-wallets), and an ECDSA wallet moving its funds into a FROST wallet;
// --kill-leader shows LeaderIdleness in the timeline and the summary.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Wallet, getAddress, getBytes, keccak256, toUtf8Bytes } from "ethers";
import type { DevnetSummary } from "../../src/devnet/devnet.js";
import { devnetOperatorKey } from "../../src/devnet/local-network.js";
import { Store } from "../../src/store/store.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { toHex } from "../../src/util/hex.js";

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

describe("wcoord devnet", () => {
  it("runs every action type to its end: sweeps, moving funds, redemptions, moved-funds sweep, heartbeats", async () => {
    const file = join(dir, "s.json");
    const res = await devnet(["--windows", "5", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(s.nodes).toBe(5);
    expect(s.wallets.map((w) => w.scheme)).toEqual(["ecdsa", "ecdsa", "ecdsa"]);
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
    // paid redemptions, and the moving-funds target swept what it received.
    const byType = new Map<string, DevnetSummary["actions"]>();
    for (const a of s.actions) byType.set(a.type, [...(byType.get(a.type) ?? []), a]);
    expect([...byType.keys()].sort()).toEqual(["DepositSweep", "Heartbeat", "MovedFundsSweep", "MovingFunds", "Redemption"]);
    expect(byType.get("DepositSweep")!.map((a) => a.window)).toEqual([900, 900, 900]);
    // After the last window the devnet drains: every action of every window, the last one included,
    // is terminal in the summary, and in this healthy run every one is done (a Bitcoin transaction
    // settled on the Bridge and final at 100 confirmations).
    for (const a of s.actions) {
      const what = `${a.type} W=${a.window}: ${a.history.join(" → ")} (${JSON.stringify(a.nodes)})`;
      expect(["done", "expired", "backedOut"], what).toContain(a.state);
      expect(a.state, what).toBe("done");
      expect(a.history[0]).toBe("scheduled");
      if (a.type === "Heartbeat") {
        expect(a.history).toEqual(["scheduled", "validating", "signing", "done"]);
      } else {
        expect(a.history.slice(0, 8)).toEqual(["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed"]);
        expect(a.history.at(-1)).toBe("final");
      }
    }
    expect(s.actions.filter((a) => a.window === s.windows[4].block).length).toBeGreaterThan(0);
    expect(res.out).toMatch(/drain: every action is terminal \(\+\d+ Bitcoin blocks, [\d.]+ s\)/);
    expect(res.out).toMatch(/W=900 wallet .* leader node\d/);
    expect(res.out).toMatch(/DepositSweep: accepted 3\/3, validated 3\/3/);
    expect(res.out).toMatch(/MovingFunds action → settled txid/);
  }, 180_000);

  it("--frost-wallets 3: FROST wallets sweep a Taproot deposit, pay a redemption and move funds, every transaction P2TR", async () => {
    const file = join(dir, "f.json");
    const res = await devnet(["--frost-wallets", "3", "--windows", "5", "--summary", file, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(s.wallets).toHaveLength(3);
    for (const w of s.wallets) {
      expect(w.scheme).toBe("frost");
      expect(w.walletX).toMatch(/^0x[0-9a-f]{64}$/);
      expect(w.threshold).toBe(3);
      expect(w.members).toHaveLength(4);
      expect([...w.members].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))).toEqual(w.members);
    }
    const bitcoinActions = s.actions.filter((a) => a.type !== "Heartbeat");
    expect(new Set(bitcoinActions.map((a) => a.type))).toEqual(new Set(["DepositSweep", "MovingFunds", "Redemption", "MovedFundsSweep"]));
    for (const a of s.actions) expect(a.state, `${a.type} W=${a.window}: ${a.history.join(" → ")}`).toBe("done");
    // The FakeBitcoinChain accepted each one only with valid BIP-340 key-path signatures; every coin
    // a FROST wallet spends or keeps is P2TR, and only a redeemer's output is not.
    for (const a of bitcoinActions) {
      const what = `${a.type} W=${a.window} ${JSON.stringify(a.tx)}`;
      expect(a.tx, what).toBeDefined();
      expect(a.tx!.inputs.every((k) => k === "p2tr"), what).toBe(true);
      const own = a.type === "Redemption" ? a.tx!.outputs.slice(0, 1) : a.tx!.outputs;
      expect(own.every((k) => k === "p2tr"), what).toBe(true);
      if (a.type === "Redemption") expect(a.tx!.outputs.slice(1)).toEqual(["p2wpkh"]);
    }
    expect(res.out).toMatch(/wallet 0x[0-9a-f]{40}: FROST 3-of-4 on Taproot/);
    expect(res.out).toMatch(/deposit of [\d.]+ BTC \(P2TR Taproot deposit address/);
    expect(res.out).toMatch(/MovingFunds action → in_mempool txid \S+ \[p2tr → p2tr\]/);
  }, 180_000);

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

  it("--quorum-signing: each FROST wallet signed by t of its members over libp2p, no node holding more than its own share", async () => {
    const file = join(dir, "q.json");
    const data = join(dir, "quorum");
    const res = await devnet(["--frost-wallets", "3", "--quorum-signing", "--windows", "2", "--summary", file, "--data-dir", data, "--seed", "ci"]);
    expect(res.code, res.err).toBe(0);
    const s = JSON.parse(readFileSync(file, "utf8")) as DevnetSummary;
    expect(new Set(s.actions.map((a) => a.type))).toEqual(new Set(["DepositSweep", "MovingFunds", "Heartbeat"]));
    for (const a of s.actions) expect(a.state, `${a.type} W=${a.window}: ${a.history.join(" → ")}`).toBe("done");
    expect(res.out).toMatch(/FROST 3-of-4 on Taproot \(signed by a quorum over libp2p, each node holding its own share\)/);
    // Each Bitcoin action and heartbeat was signed by 3 members of its wallet in a session of its own.
    for (const a of s.actions) {
      const members = s.wallets.find((w) => w.wallet === a.wallet)!.members;
      expect(a.signing, `${a.type} W=${a.window}`).toBeDefined();
      expect(a.signing!.signers).toHaveLength(3);
      expect(a.signing!.attempts).toBeGreaterThanOrEqual(1);
      expect(a.signing!.ms).toBeGreaterThan(0);
      expect(members.length).toBe(4);
    }
    expect(res.out).toMatch(/signed by node\d, node\d, node\d in \d attempt\(s\), \d+ ms/);
    // Every node's database holds, per FROST wallet it sits in, its own share only, sealed.
    const secrets = s.wallets.map((w, i) => createDevFrostWallet(getBytes(keccak256(toUtf8Bytes(`wcoord-dev-frost-wallet-ci-${i}`))), w.members.length, w.threshold!));
    const holders = new Map<string, number[]>();
    for (let n = 0; n < 5; n++) {
      const nodeDir = join(data, `node${n}`);
      const store = Store.open(nodeDir);
      try {
        const operator = getAddress(new Wallet(devnetOperatorKey("ci", n)).address);
        for (const share of store.keyShares.list()) {
          const wallet = s.wallets.find((w) => w.wallet === "0x" + share.walletPkh)!;
          expect(wallet.members[share.memberIndex - 1]).toBe(operator);
          holders.set(share.walletPkh, [...(holders.get(share.walletPkh) ?? []), share.memberIndex]);
        }
      } finally {
        store.close();
      }
      // No share of any wallet in clear, as bytes or as hex text, anywhere in the node's database file.
      const raw = readFileSync(join(nodeDir, "wcoord.sqlite"));
      const [asBytes, asText] = [raw.toString("hex"), raw.toString("latin1").toLowerCase()];
      for (const w of secrets) for (const sh of w.shares.values()) expect(asBytes.includes(toHex(sh.signingShare)) || asText.includes(toHex(sh.signingShare))).toBe(false);
      const warnings = readFileSync(join(nodeDir, "wcoord.log"), "utf8").split("\n").filter((l) => /"level":(40|50)/.test(l));
      expect(warnings, `node${n}`).toEqual([]);
    }
    for (const w of s.wallets) expect([...holders.get(w.wallet.slice(2))!].sort()).toEqual([1, 2, 3, 4]);
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
  });
});
