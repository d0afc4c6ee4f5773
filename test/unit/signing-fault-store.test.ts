// Signing faults in the fault store and `wcoord faults verify` (threshold.md §5.3): evidence made by
// real signing sessions (a cheating member, an equivocating coordinator), stored as self-contained JSON
// in a real database file, checked by the command from that JSON alone; altered evidence is not
// proven, a missing share is unverifiable. Migration 0004 keeps the faults recorded before it.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runFaultsCommand } from "../../src/node/faults-command.js";
import { FaultType } from "../../src/protocol/constants.js";
import { DEFAULT_MIGRATIONS_DIR } from "../../src/store/migrations.js";
import { Store } from "../../src/store/store.js";
import { frostIdentifier } from "../../src/threshold/dev-wallet.js";
import type { SigningFault, SigningPublicInfo } from "../../src/threshold/signing/evidence.js";
import { checkSigningFaultEvidence, signingFaultEvidence } from "../../src/threshold/signing/evidence-json.js";
import { sealSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import type { PackageMessage } from "../../src/threshold/signing/signing-messages.js";
import { to0x, toHex } from "../../src/util/hex.js";
import { garbageShares, MIXED_KEYS, SigningNetwork, signingWorld, WALLET_KEY, type OutgoingFilter, type SigningWorld } from "./signing-harness.js";
import { tempDirs } from "../fixtures/temp-dirs.js";

const tmpDir = tempDirs("wcoord-signing-faults-");

const infoOf = (world: SigningWorld): SigningPublicInfo => ({ domain: world.domain, operators: world.operators, public: world.wallet.public });

async function faultsOf(world: SigningWorld, outgoing: Record<number, OutgoingFilter>, at: number): Promise<SigningFault[]> {
  const net = new SigningNetwork(world, { outgoing });
  await net.runToEnd();
  return net.logs.get(at)!.faults;
}

async function verify(dir: string, id: number): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = { write: (s: string) => (out += s) };
  const code = await runFaultsCommand(["verify", String(id), "--data-dir", dir], sink, sink, {});
  return { code, out };
}

describe("signing faults in the fault store", () => {
  it("an invalid share and an equivocation are proven from the stored JSON alone; altered evidence is not; a missing share is unverifiable", async () => {
    const cheat = signingWorld(5, 3, MIXED_KEYS, "store-cheat");
    const invalid = (await faultsOf(cheat, { 2: garbageShares(cheat, 2) }, 1)).find((f) => f.kind === "SigningInvalidShare")!;
    expect(invalid).toBeDefined();

    const equivocating = signingWorld(5, 3, MIXED_KEYS, "store-equivocate");
    const twoPackages: OutgoingFilter = (opened, wire) => {
      if (opened.message.kind !== "package") return [wire];
      const pkg = opened.message as PackageMessage;
      return [wire, sealSigningMessage(equivocating.operatorKeys[0], equivocating.domain, { ...pkg, keys: [WALLET_KEY, WALLET_KEY, WALLET_KEY] })];
    };
    const equivocation = (await faultsOf(equivocating, { 1: twoPackages }, 2)).find((f) => f.kind === "SigningCoordinatorEquivocation")!;
    expect(equivocation).toBeDefined();

    const dir = tmpDir();
    const store = Store.open(dir);
    const record = (world: SigningWorld, type: FaultType, culprit: number, evidence: Record<string, unknown>): number =>
      store.faults.record({ walletPkh: toHex(world.wallet.walletPkh), W: 900, type, culprit: world.operators[culprit - 1]!, reason: "test", detectedBlock: 950, evidence }).id;
    const invalidId = record(cheat, FaultType.SigningInvalidShare, 2, signingFaultEvidence(invalid, infoOf(cheat)));
    const equivocationId = record(equivocating, FaultType.SigningCoordinatorEquivocation, 1, signingFaultEvidence(equivocation, infoOf(equivocating)));
    // Another member's verifying share: the accusation no longer holds.
    const altered = { ...signingFaultEvidence(invalid, infoOf(cheat)), verifyingShare: to0x(cheat.wallet.public.verifyingShares[frostIdentifier(3)]!) };
    const alteredId = record(cheat, FaultType.SigningInvalidShare, 3, altered);
    const noShareId = record(cheat, FaultType.SigningNoShare, 4, signingFaultEvidence({ kind: "SigningNoShare", member: 4, attempt: 0 }, infoOf(cheat)));
    store.close();

    const proven = await verify(dir, invalidId);
    expect(proven.code, proven.out).toBe(0);
    expect(proven.out).toContain(`SigningInvalidShare by ${cheat.operators[1]} (W=900, wallet ${toHex(cheat.wallet.walletPkh)}): proven — a signature share that does not verify`);
    expect((await verify(dir, equivocationId)).code).toBe(0);
    const notProven = await verify(dir, alteredId);
    expect(notProven.code).toBe(1);
    expect(notProven.out).toContain("not proven");
    expect((await verify(dir, noShareId)).code).toBe(3);
    // Hostile JSON is never a throw.
    for (const evidence of [{}, { kind: "SigningInvalidShare" }, { ...altered, public: null }, { ...altered, packageWire: "zz" }]) {
      expect(checkSigningFaultEvidence(evidence as Record<string, unknown>).verdict).toBe("not_proven");
    }
  });

  it("migration 0004 keeps the faults of an older database, ids included, and takes the new types", () => {
    const dir = tmpDir();
    const upTo3 = tmpDir();
    for (const f of fs.readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^000[123]_/.test(f))) fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, f), path.join(upTo3, f));
    const old = Store.open(dir, { migrationsDir: upTo3 });
    expect(old.schemaVersion).toBe(3);
    const culprit = "0x" + "ab".repeat(20);
    const id = old.faults.record({ walletPkh: "cd".repeat(20), W: 1800, type: FaultType.LeaderIdleness, culprit, reason: "idle", detectedBlock: 1900, evidence: { W: 1800 } }).id;
    expect(() => old.faults.record({ walletPkh: "cd".repeat(20), W: 1800, type: FaultType.SigningNoShare, culprit, reason: "x", detectedBlock: 1900, evidence: {} })).toThrow(/CHECK constraint/);
    old.close();
    const s = Store.open(dir);
    try {
      expect(s.schemaVersion).toBe(6);
      expect(s.faults.get(id)).toMatchObject({ W: 1800, type: FaultType.LeaderIdleness, reason: "idle" });
      const next = s.faults.record({ walletPkh: "cd".repeat(20), W: 1800, type: FaultType.SigningNoShare, culprit, reason: "x", detectedBlock: 1900, evidence: {} });
      expect(next).toEqual({ inserted: true, id: id + 1 });
      expect(s.faults.countByType()[FaultType.SigningNoShare]).toBe(1);
    } finally {
      s.close();
    }
  });
});
