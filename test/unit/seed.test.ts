import { SigningKey } from "ethers";
import { describe, expect, it } from "vitest";
import { computeSeed, walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/seed.json" with { type: "json" };

describe("seed (§4, §15.1)", () => {
  it("seed vector", () => {
    for (const v of vectors.seed) {
      expect(toHex(computeSeed(fromHex(v.walletPkh), fromHex(v.safeBlockHash)))).toBe(v.seed);
    }
  });

  it("wallet PKH from the uncompressed and the compressed key", () => {
    for (const v of vectors.seed) {
      const uncompressed = fromHex(v.walletPublicKeyUncompressed);
      expect(toHex(walletPkhFromPublicKey(uncompressed))).toBe(v.walletPkh);
      const compressed = fromHex(SigningKey.computePublicKey(uncompressed, true));
      expect(toHex(walletPkhFromPublicKey(compressed))).toBe(v.walletPkh);
    }
    for (const v of vectors.pkhFromCompressed) {
      const compressed = fromHex(new SigningKey(v.privateKey).compressedPublicKey);
      expect(toHex(walletPkhFromPublicKey(compressed))).toBe(v.walletPkh);
    }
  });

  it("rejects wrong input lengths", () => {
    expect(() => computeSeed(new Uint8Array(19), new Uint8Array(32))).toThrow();
    expect(() => computeSeed(new Uint8Array(20), new Uint8Array(31))).toThrow();
    expect(() => walletPkhFromPublicKey(new Uint8Array(32))).toThrow();
  });
});
