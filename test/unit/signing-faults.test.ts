// threshold.md §5.1–§5.3: faults in whole signing sessions among engine instances over in-memory
// broadcast (real library, dev FROST wallet, 5 members, t = 3): a cheating member, an equivocating
// coordinator, a package with digests or keys the members did not compute.
import { describe, expect, it } from "vitest";
import { frostIdentifier } from "../../src/threshold/dev-wallet.js";
import { verifySigningEvidence, type SigningEvidence, type SigningPublicInfo } from "../../src/threshold/signing/evidence.js";
import { sealSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import type { PackageMessage } from "../../src/threshold/signing/signing-messages.js";
import { fromHex } from "../../src/util/hex.js";
import { expectAllSigned, garbageShares, leafKey, MIXED_KEYS, SigningNetwork, signingWorld, WALLET_KEY, type OutgoingFilter, type SigningWorld } from "./signing-harness.js";


function publicInfo(world: SigningWorld): SigningPublicInfo {
  return { domain: world.domain, operators: world.operators, public: world.wallet.public };
}

describe("signing session: a cheating member", () => {
  it("a garbage share fails the attempt, names the cheater with evidence that verifies offline, and the next attempt excludes it", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "cheat");
    const net = new SigningNetwork(world, { outgoing: { 2: garbageShares(world, 2) } });
    await net.start();
    const evidence = net.logs.get(1)!.faults.filter((f): f is SigningEvidence => f.kind === "SigningInvalidShare");
    expect(evidence).toHaveLength(1);
    expect(evidence[0].kind === "SigningInvalidShare" && evidence[0].member).toBe(2);
    expect(verifySigningEvidence(evidence[0], publicInfo(world))).toEqual({ valid: true });
    await net.timeout(0);
    expectAllSigned(net, 2);
    const outcome = net.outcomes().get(1)!;
    expect(outcome.kind === "signed" && outcome.signers).not.toContain(2);
  });

  it("evidence that was tampered with does not verify, and the check never throws", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "cheat");
    const net = new SigningNetwork(world, { outgoing: { 2: garbageShares(world, 2) } });
    await net.start();
    const e = net.logs.get(1)!.faults.find((f) => f.kind === "SigningInvalidShare");
    if (e?.kind !== "SigningInvalidShare") throw new Error("no evidence");
    const honestShares = net.sent.find((s) => s.from === 3 && s.wire[0] === 3)!.wire;
    const info = publicInfo(world);
    const honest3 = { ...e, member: 3, sharesWire: honestShares, verifyingShare: world.wallet.public.verifyingShares[frostIdentifier(3)] };
    expect(verifySigningEvidence(honest3, info)).toEqual({ valid: false, reason: "the share verifies" });
    expect(verifySigningEvidence({ ...e, member: 3 }, info).valid).toBe(false);
    expect(verifySigningEvidence({ ...e, verifyingShare: world.wallet.public.verifyingShares[Object.keys(world.wallet.public.verifyingShares)[0]] }, info).valid).toBe(false);
    expect(verifySigningEvidence({ ...e, packageWire: e.packageWire.slice(1) }, info).valid).toBe(false);
    expect(verifySigningEvidence({ ...e, digestIndex: 99 }, info).valid).toBe(false);
    expect(verifySigningEvidence({ ...e, sharesWire: null as unknown as Uint8Array }, info).valid).toBe(false);
    expect(verifySigningEvidence(null as unknown as SigningEvidence, info).valid).toBe(false);
  });
});

describe("signing session: an equivocating coordinator", () => {
  it("two different packages signed by the coordinator for one attempt: equivocation evidence that verifies offline; the second gets no shares", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "equivocate");
    const twoPackages: OutgoingFilter = (opened, wire) => {
      if (opened.message.kind !== "package") return [wire];
      const pkg = opened.message as PackageMessage;
      const other = sealSigningMessage(world.operatorKeys[0], world.domain, { ...pkg, keys: [WALLET_KEY, WALLET_KEY, WALLET_KEY] });
      return [wire, other];
    };
    const net = new SigningNetwork(world, { outgoing: { 1: twoPackages } });
    await net.start();
    for (const m of [2, 3, 4, 5]) {
      const log = net.logs.get(m)!;
      const e = log.faults.find((f) => f.kind === "SigningCoordinatorEquivocation");
      expect(e, `member ${m}`).toBeDefined();
      expect(verifySigningEvidence(e as SigningEvidence, publicInfo(world))).toEqual({ valid: true });
      expect(log.events.filter((ev) => ev.startsWith("shares:")).length).toBeLessThanOrEqual(1);
    }
    // The same package twice is not equivocation.
    const e = net.logs.get(2)!.faults.find((f) => f.kind === "SigningCoordinatorEquivocation");
    if (e?.kind !== "SigningCoordinatorEquivocation") throw new Error("no evidence");
    expect(verifySigningEvidence({ ...e, secondPackageWire: e.firstPackageWire }, publicInfo(world)).valid).toBe(false);
    expect(verifySigningEvidence({ ...e, coordinator: 2 }, publicInfo(world)).valid).toBe(false);
  });
});

describe("signing session: a package the members did not compute", () => {
  const cases = [
    ["a foreign digest", "DIGESTS_DIFFER", (w: SigningWorld) => ({ digests: { 1: [fromHex("ab".repeat(32)), ...w.digests.slice(1)] } })],
    ["a wrong leaf tweak", "KEYS_DIFFER", (w: SigningWorld) => ({ keys: { 1: [w.keys[0], leafKey("foreign"), w.keys[2]] } })],
    ["an untweaked key for a deposit input", "KEYS_DIFFER", (w: SigningWorld) => ({ keys: { 1: [w.keys[0], WALLET_KEY, w.keys[2]] } })],
    ["a tweak on a wallet output", "KEYS_DIFFER", (w: SigningWorld) => ({ keys: { 1: [leafKey("x"), w.keys[1], w.keys[2]] } })],
  ] as const;
  it.each(cases)("%s: every honest member in the subset refuses with %s and releases no share", async (_, code, override) => {
    const world = signingWorld(5, 3, MIXED_KEYS, "foreign");
    const net = new SigningNetwork(world, override(world));
    await net.start();
    for (const m of [2, 3]) {
      const log = net.logs.get(m)!;
      expect(log.events.filter((e) => e.startsWith("shares:"))).toEqual([]);
      expect(log.events.filter((e) => e.startsWith("mark:"))).toEqual([]);
      expect(log.refusals.map((r) => r.code)).toContain(code);
    }
    expect([...net.outcomes().values()].every((o) => o === undefined)).toBe(true);
  });
});

