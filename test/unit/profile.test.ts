import { describe, expect, it } from "vitest";
import {
  defaultProfile,
  profileHash,
  profileTypeHash,
  profileTypeString,
  validateProfile,
  type ProtocolProfile,
} from "../../src/protocol/profile.js";
import vectors from "../vectors/profile.json" with { type: "json" };

const base = () => defaultProfile(BigInt(vectors.inputs.chainId), vectors.inputs.bridge, vectors.inputs.walletProposalValidator);

describe("protocol profile (§2, §15.5)", () => {
  it("type string and type hash", () => {
    expect(profileTypeString()).toBe(vectors.typeString);
    expect(profileTypeHash()).toBe(vectors.typeHash);
  });

  it("defaults", () => {
    const p = base();
    expect(p).toMatchObject(vectors.defaults);
    expect(p.chainId).toBe(31337n);
    expect(p.bridge).toBe(vectors.inputs.bridge);
    expect(p.walletProposalValidator).toBe(vectors.inputs.walletProposalValidator);
    expect(() => validateProfile(p)).not.toThrow();
  });

  it("defaultProfile normalises address case", () => {
    const p = defaultProfile(31337n, vectors.inputs.bridge.toLowerCase(), vectors.inputs.walletProposalValidator.toUpperCase().replace("0X", "0x"));
    expect(profileHash(p)).toBe(vectors.hashes[0].profileHash);
  });

  it("hash vectors", () => {
    for (const h of vectors.hashes) {
      const p: ProtocolProfile = { ...base(), rngScheme: h.rngScheme as ProtocolProfile["rngScheme"] };
      expect(profileHash(p), h.rngScheme).toBe(h.profileHash);
    }
  });

  it("any field change changes the hash", () => {
    const h0 = profileHash(base());
    expect(profileHash({ ...base(), frequencyWindows: 16 })).not.toBe(h0);
    expect(profileHash({ ...base(), heartbeatProbabilityPpm: 125000 })).not.toBe(h0);
    expect(profileHash({ ...base(), fundingTxMinConfirmations: 3 })).not.toBe(h0);
    expect(profileHash({ ...base(), chainId: 1n })).not.toBe(h0);
  });

  const cases: [keyof ProtocolProfile, unknown][] = [
    ["protocolVersion", 2],
    ["chainId", 0n],
    ["bridge", "0x5fbdb2315678afecb367f032d93f642f64180aa3"],
    ["bridge", "0x1234"],
    ["walletProposalValidator", "not an address"],
    ["coordinationFrequencyBlocks", 1000],
    ["activePhaseBlocks", 81],
    ["passivePhaseBlocks", 19],
    ["safeBlockShift", 64],
    ["frequencyWindows", 0],
    ["frequencyWindows", 1.5],
    ["heartbeatProbabilityPpm", 1_000_001],
    ["heartbeatProbabilityPpm", -1],
    ["rngScheme", "xorshift"],
    ["checklistVersion", 2],
    ["fundingTxMinConfirmations", -1],
  ];
  it.each(cases)("validateProfile rejects %s = %s and names the field", (field, value) => {
    const p = { ...base(), [field]: value } as ProtocolProfile;
    expect(() => validateProfile(p)).toThrow(new RegExp(`\\b${field}\\b`));
  });

  it("accepts the edges of the allowed ranges", () => {
    expect(() => validateProfile({ ...base(), frequencyWindows: 1, heartbeatProbabilityPpm: 0 })).not.toThrow();
    expect(() => validateProfile({ ...base(), heartbeatProbabilityPpm: 1_000_000, rngScheme: "go-math-rand" })).not.toThrow();
  });
});
