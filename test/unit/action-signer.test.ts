// WalletSigner pieces (reliability.md §3.4 item 6, §3.5): round id, LocalKeySigner, verification.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningKey, keccak256, toUtf8Bytes } from "ethers";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { hash256 } from "../../src/bitcoin/tx.js";
import { LocalKeySigner, UnknownWalletError, signingRoundId, verifyWalletSignature } from "../../src/actions/signer.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { concatBytes, fromHex, to0x, toHex } from "../../src/util/hex.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const KEY = "0x" + "0".repeat(63) + "7";
const OTHER = "0x" + "0".repeat(63) + "8";

function xy(privateKey: string): Uint8Array {
  return fromHex(new SigningKey(privateKey).publicKey).subarray(1);
}
function pkhOf(privateKey: string): Uint8Array {
  return walletPkhFromPublicKey(fromHex(new SigningKey(privateKey).publicKey));
}
const req = (walletPkh: Uint8Array, digests: Uint8Array[]) => ({ walletPkh, roundId: new Uint8Array(32), digests, startBlock: 1000, deadlineBlock: 1300 });

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("signingRoundId", () => {
  it("is keccak256(utf8('wcoord-sign') ‖ pkh ‖ uint64BE(W) ‖ digests)", () => {
    const pkh = fromHex("0102000000000000000000000000000000000000");
    const d1 = fromHex("11".repeat(32));
    const d2 = fromHex("22".repeat(32));
    const manual = keccak256(concatBytes(toUtf8Bytes("wcoord-sign"), pkh, fromHex("0000000000000384"), d1, d2));
    expect(to0x(signingRoundId(pkh, 900, [d1, d2]))).toBe(manual);
  });
  it("depends on the window and on every digest", () => {
    const pkh = fromHex("01".repeat(20));
    const d = fromHex("11".repeat(32));
    const base = toHex(signingRoundId(pkh, 900, [d]));
    expect(toHex(signingRoundId(pkh, 1800, [d]))).not.toBe(base);
    expect(toHex(signingRoundId(pkh, 900, [fromHex("12".repeat(32))]))).not.toBe(base);
    expect(toHex(signingRoundId(pkh, 900, [d]))).toBe(base);
  });
});

describe("LocalKeySigner", () => {
  it("signs each digest with the wallet key: 64-byte low-s r‖s that verify", async () => {
    const signer = new LocalKeySigner([KEY]);
    const pub = xy(KEY);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 4 }), async (digests) => {
        const sigs = await signer.sign(req(pkhOf(KEY), digests));
        expect(sigs).toHaveLength(digests.length);
        sigs.forEach((sig, i) => {
          expect(sig).toHaveLength(64);
          expect(BigInt(to0x(sig.subarray(32)))).toBeLessThanOrEqual(N >> 1n);
          expect(verifyWalletSignature(digests[i], sig, pub)).toBe(true);
          expect(verifyWalletSignature(digests[i], sig, xy(OTHER))).toBe(false);
        });
      }),
      { numRuns: 20 },
    );
  });

  it("refuses a wallet it has no key for", async () => {
    const signer = new LocalKeySigner([KEY]);
    await expect(signer.sign(req(pkhOf(OTHER), [new Uint8Array(32)]))).rejects.toBeInstanceOf(UnknownWalletError);
  });

  it("refuses an aborted request", async () => {
    const signer = new LocalKeySigner([KEY]);
    const signal = AbortSignal.abort(new DOMException("stop", "AbortError"));
    await expect(signer.sign({ ...req(pkhOf(KEY), [new Uint8Array(32)]), signal })).rejects.toThrow("stop");
  });

  it("loads keys by PKH from a JSON file and rejects a key filed under another wallet", () => {
    const dir = mkdtempSync(join(tmpdir(), "wcoord-signer-"));
    dirs.push(dir);
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ [toHex(pkhOf(KEY))]: KEY, ["0x" + toHex(pkhOf(OTHER))]: OTHER }));
    expect(LocalKeySigner.fromFile(good).wallets().sort()).toEqual([toHex(pkhOf(KEY)), toHex(pkhOf(OTHER))].sort());
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ [toHex(pkhOf(KEY))]: OTHER }));
    expect(() => LocalKeySigner.fromFile(bad)).toThrow(/belongs to wallet/);
    const notObject = join(dir, "array.json");
    writeFileSync(notObject, "[]");
    expect(() => LocalKeySigner.fromFile(notObject)).toThrow(/expected a JSON object/);
  });
});

describe("verifyWalletSignature", () => {
  const digest = hash256(fromHex("ffffffffffffffffe0d75aecd29e5bca"));
  const sk = new SigningKey(KEY);
  const sig = sk.sign(digest);
  const rs = concatBytes(fromHex(sig.r), fromHex(sig.s));

  it("accepts the signature of the digest", () => {
    expect(verifyWalletSignature(digest, rs, xy(KEY))).toBe(true);
  });
  it("rejects the high-s twin of a valid signature", () => {
    const highS = fromHex((N - BigInt(sig.s)).toString(16).padStart(64, "0"));
    expect(verifyWalletSignature(digest, concatBytes(fromHex(sig.r), highS), xy(KEY))).toBe(false);
  });
  it("rejects another digest, a flipped bit, wrong lengths and zero r/s", () => {
    expect(verifyWalletSignature(hash256(new Uint8Array(16)), rs, xy(KEY))).toBe(false);
    const flipped = rs.slice();
    flipped[10] ^= 1;
    expect(verifyWalletSignature(digest, flipped, xy(KEY))).toBe(false);
    expect(verifyWalletSignature(digest, rs.subarray(0, 63), xy(KEY))).toBe(false);
    expect(verifyWalletSignature(digest, rs, xy(KEY).subarray(1))).toBe(false);
    expect(verifyWalletSignature(digest.subarray(1), rs, xy(KEY))).toBe(false);
    expect(verifyWalletSignature(digest, new Uint8Array(64), xy(KEY))).toBe(false);
  });
  it("hash256 is double SHA-256", () => {
    // SHA-256(SHA-256("")) is the well-known 5df6e0e2…
    expect(toHex(hash256(new Uint8Array(0)))).toBe("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
  });
});
