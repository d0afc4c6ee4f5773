// A key share sealed at rest (threshold.md §3.2, §6): round trip, a wrong password refused with one clear
// line, metadata readable without the password, tampering refused, and the secret never in the sealed bytes.
import { beforeAll, describe, expect, it } from "vitest";
import type { DkgOutcome } from "../../src/threshold/dkg/dkg-attempt.js";
import { decodeKeyShare, encodeKeyShare } from "../../src/threshold/dkg/key-share-codec.js";
import { DEFAULT_SCRYPT_N, KeyShareOpenError, openKeyShare, readKeyShareMetadata, sealKeyShare } from "../../src/threshold/dkg/key-share-store.js";
import { toHex } from "../../src/util/hex.js";
import { runHonestDkg, testOperators } from "./dkg-fixture.js";

const FAST = { scryptN: 2 ** 10 };
let outcome: DkgOutcome;
let sealed: string;

beforeAll(async () => {
  outcome = runHonestDkg(testOperators(3, "store"), 2, [1, 2, 3]).get(2)!;
  sealed = await sealKeyShare(outcome.keyShare, "correct horse", FAST);
});

describe("sealed key share", () => {
  it("opens with the password to the same key share and metadata", async () => {
    const { metadata, keyShare } = await openKeyShare(sealed, "correct horse");
    expect(toHex(encodeKeyShare(keyShare))).toBe(toHex(encodeKeyShare(outcome.keyShare)));
    expect(metadata).toEqual({ walletPkh: outcome.walletPkh, walletX: outcome.walletX, memberIndex: 2, threshold: 2 });
  });

  it("lists its public metadata without the password", () => {
    expect(readKeyShareMetadata(sealed)).toEqual({ walletPkh: outcome.walletPkh, walletX: outcome.walletX, memberIndex: 2, threshold: 2 });
  });

  it("refuses a wrong password with a one-line KeyShareOpenError", async () => {
    const err = await openKeyShare(sealed, "wrong horse").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyShareOpenError);
    expect((err as Error).message).toMatch(/wrong password or damaged file/);
    expect((err as Error).message).not.toContain("\n");
  });

  it("never holds the secret share in the sealed bytes (raw or hex), and uses a fresh salt and nonce", async () => {
    const secret = outcome.keyShare.secret.signingShare;
    const bytes = new TextEncoder().encode(sealed);
    expect(Buffer.from(bytes).indexOf(Buffer.from(secret))).toBe(-1);
    expect(sealed.toLowerCase()).not.toContain(toHex(secret));
    expect(sealed.toLowerCase()).not.toContain(toHex(encodeKeyShare(outcome.keyShare)));
    const again = await sealKeyShare(outcome.keyShare, "correct horse", FAST);
    expect(JSON.parse(again).kdf.salt).not.toBe(JSON.parse(sealed).kdf.salt);
    expect(JSON.parse(again).ciphertext).not.toBe(JSON.parse(sealed).ciphertext);
  });

  it("refuses changed metadata (bound as associated data) and a file that is not a sealed share", async () => {
    const j = JSON.parse(sealed);
    await expect(openKeyShare(JSON.stringify({ ...j, memberIndex: 3 }), "correct horse")).rejects.toThrow(KeyShareOpenError);
    await expect(openKeyShare(JSON.stringify({ ...j, kdf: { ...j.kdf, n: 2 ** 11 } }), "correct horse")).rejects.toThrow(KeyShareOpenError);
    await expect(openKeyShare(JSON.stringify({ ...j, kdf: { ...j.kdf, n: 2 ** 30 } }), "correct horse")).rejects.toThrow(/not a sealed key share/);
    await expect(openKeyShare("{", "correct horse")).rejects.toThrow(/not JSON/);
    expect(() => readKeyShareMetadata(JSON.stringify({ ...j, walletX: "zz" }))).toThrow(KeyShareOpenError);
  });

  it("uses the operator keystore's scrypt cost by default", () => {
    expect(DEFAULT_SCRYPT_N).toBe(2 ** 17);
    expect(JSON.parse(sealed).kdf).toMatchObject({ name: "scrypt", n: 2 ** 10, r: 8, p: 1 });
  });

  it("key-share codec round-trips and refuses trailing bytes", () => {
    const b = encodeKeyShare(outcome.keyShare);
    expect(toHex(encodeKeyShare(decodeKeyShare(b)))).toBe(toHex(b));
    expect(() => decodeKeyShare(Uint8Array.of(...b, 0))).toThrow(/trailing/);
  });
});
