// FrostDealerSigner and its helpers (threshold.md §1, §2, §4.2, §5.1): dev FROST wallets from the trusted
// dealer, signatures through the real FROST rounds under walletX and under a deposit's tweaked key
// (cross-checked with bitcoinjs-lib's P2TR), cheater naming, refusals, and no whole secret held.
import * as ecc from "@bitcoinerlab/secp256k1";
import { __TEST, schnorr, schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { FrostPublic, FrostSecret } from "@noble/curves/abstract/frost.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { initEccLib, payments } from "bitcoinjs-lib";
import { describe, expect, it } from "vitest";
import { LocalKeySigner, UnknownWalletError, verifyBip340Signature, type DigestKey, type SignRequest } from "../../src/actions/signer.js";
import { createDevFrostWallet, frostIdentifier, type DevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { FrostDealerSigner } from "../../src/threshold/frost-dealer-signer.js";
import { FrostCheaterError, frostSignDigest, type FrostRounds } from "../../src/threshold/frost-rounds.js";
import { tapLeafOutputKey } from "../../src/threshold/taproot.js";
import { NonLocalChainError } from "../../src/threshold/wallet-signer.js";
import { bytesEqual, concatBytes, toHex } from "../../src/util/hex.js";

initEccLib(ecc as never);

const seed = (n: number): Uint8Array => new TextEncoder().encode(`frost-dev-wallet-${n}`);
const WALLET = createDevFrostWallet(seed(1), 4, 3);
const OTHER = createDevFrostWallet(seed(2), 3, 2);
const CHAIN = 31337n;
const WALLET_KEY: DigestKey = { scheme: "bip340", key: "wallet" };

/** A 73-byte refund leaf of §4.2's shape and its TapLeaf hash (leaf version 0xc0). */
const LEAF = concatBytes(
  Uint8Array.of(0x14), new Uint8Array(20).fill(0x11), Uint8Array.of(0x75, 0x08), new Uint8Array(8).fill(0x22),
  Uint8Array.of(0x75, 0x04), Uint8Array.of(0x80, 0x96, 0x98, 0x00), Uint8Array.of(0xb1, 0x75, 0x20), schnorr.getPublicKey(new Uint8Array(32).fill(3)), Uint8Array.of(0xac),
);
const LEAF_HASH = schnorr.utils.taggedHash("TapLeaf", Uint8Array.of(0xc0, LEAF.length), LEAF);
const LEAF_KEY: DigestKey = { scheme: "bip340", key: "tapLeaf", leafHash: LEAF_HASH };

const digests = (...fills: number[]): Uint8Array[] => fills.map((f) => new Uint8Array(32).fill(f));
const request = (w: { walletPkh: Uint8Array }, ds: Uint8Array[], keys?: DigestKey[]): SignRequest =>
  ({ walletPkh: w.walletPkh, roundId: new Uint8Array(32), digests: ds, keys, startBlock: 1000, deadlineBlock: 1300 });
const rejection = (p: Promise<unknown>): Promise<unknown> => p.then((v) => { throw new Error(`expected a rejection, got ${String(v)}`); }, (e: unknown) => e);
const hasOddY = (w: DevFrostWallet): boolean => w.public.commitments[0][0] === 3;
const groupSecret = (w: DevFrostWallet): Uint8Array => schnorr_FROST.combineSecret([...w.shares.values()].slice(0, w.threshold), w.public.signers);

describe("createDevFrostWallet", () => {
  it("is deterministic from its seed; wallet PKH = HASH160(0x02 ‖ walletX); one share per member", () => {
    const again = createDevFrostWallet(seed(1), 4, 3);
    expect(toHex(again.walletX)).toBe(toHex(WALLET.walletX));
    expect([...again.shares.values()].map((s) => toHex(s.signingShare))).toEqual([...WALLET.shares.values()].map((s) => toHex(s.signingShare)));
    expect(toHex(WALLET.walletX)).not.toBe(toHex(OTHER.walletX));
    expect(toHex(WALLET.walletPkh)).toBe(toHex(ripemd160(sha256(concatBytes(Uint8Array.of(2), WALLET.walletX)))));
    expect([...WALLET.shares.keys()]).toEqual([1, 2, 3, 4]);
    for (const [i, s] of WALLET.shares) expect(s.identifier).toBe(frostIdentifier(i));
    expect(WALLET.public.signers).toEqual({ min: 3, max: 4 });
    expect(() => createDevFrostWallet(seed(1), 4, 5)).toThrow(/threshold/);
    expect(() => createDevFrostWallet(seed(1), 4, 1)).toThrow(/threshold/);
  });

  it("holds the dealer's UNTWEAKED key: walletX is x(commitments[0]) and the group secret's x-only key", () => {
    expect(toHex(WALLET.public.commitments[0].subarray(1))).toBe(toHex(WALLET.walletX));
    expect(toHex(schnorr.getPublicKey(groupSecret(WALLET)))).toBe(toHex(WALLET.walletX));
    // Not the BIP-86 form the library's DKG gives (its output is tweaked with an empty script tree).
    const bip86 = __TEST.frostTweakPublic(WALLET.public, new Uint8Array(0));
    expect(toHex(bip86.commitments[0].subarray(1))).not.toBe(toHex(WALLET.walletX));
  });

  it("the library's DKG output is the BIP-86 tweak of the untweaked key: both forms on one vector", () => {
    const ids = [1, 2, 3].map(frostIdentifier);
    const signers = { min: 2, max: 3 };
    const r1 = ids.map((id) => schnorr_FROST.DKG.round1(id, signers));
    const r2 = r1.map((r) => schnorr_FROST.DKG.round2(r.secret, r1.filter((o) => o !== r).map((o) => o.public)));
    const keys = r1.map((r, i) =>
      schnorr_FROST.DKG.round3(r.secret, r1.filter((o) => o !== r).map((o) => o.public), r2.filter((_, j) => j !== i).map((m) => m[ids[i]])),
    );
    const untweaked = r1.map((r) => schnorr.Point.fromBytes(r.public.commitment[0])).reduce((a, b) => a.add(b));
    const pub: FrostPublic = { signers, commitments: [untweaked.toBytes(true)], verifyingShares: {} };
    expect(toHex(keys[0].public.commitments[0])).toBe(toHex(__TEST.frostTweakPublic(pub, new Uint8Array(0)).commitments[0]));
  });
});

describe("FrostDealerSigner", () => {
  it("signs wallet-key digests that verify with schnorr.verify under walletX, odd-y and even-y group keys alike", async () => {
    const wallets = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => createDevFrostWallet(seed(n), 3, 2));
    const picked = [wallets.find(hasOddY)!, wallets.find((w) => !hasOddY(w))!];
    const signer = new FrostDealerSigner(picked, { chainId: CHAIN });
    for (const w of picked) {
      const ds = digests(1, 2);
      const sigs = await signer.sign(request(w, ds, [WALLET_KEY, WALLET_KEY]));
      expect(sigs.map((s) => s.length)).toEqual([64, 64]);
      expect(schnorr.verify(sigs[0], ds[0], w.walletX)).toBe(true);
      expect(schnorr.verify(sigs[1], ds[1], w.walletX)).toBe(true);
      expect(schnorr.verify(sigs[0], ds[1], w.walletX)).toBe(false);
    }
  });

  it("signs a deposit input under the leaf-tweaked key, which is bitcoinjs-lib's P2TR output key", async () => {
    const signer = new FrostDealerSigner([WALLET], { chainId: CHAIN });
    const ds = digests(5, 6);
    const [leafSig, walletSig] = await signer.sign(request(WALLET, ds, [LEAF_KEY, WALLET_KEY]));
    const q = payments.p2tr({ internalPubkey: WALLET.walletX, scriptTree: { output: LEAF } }).pubkey!;
    expect(toHex(tapLeafOutputKey(WALLET.walletX, LEAF_HASH))).toBe(toHex(q));
    expect(toHex(__TEST.frostTweakPublic(WALLET.public, LEAF_HASH).commitments[0].subarray(1))).toBe(toHex(q));
    expect(schnorr.verify(leafSig, ds[0], q)).toBe(true);
    expect(schnorr.verify(leafSig, ds[0], WALLET.walletX)).toBe(false);
    expect(schnorr.verify(walletSig, ds[1], WALLET.walletX)).toBe(true);
  });

  it("a wrong share makes aggregate throw naming the cheater", async () => {
    const cheating = (cheater: number): FrostRounds => ({
      commit: (s, rng) => schnorr_FROST.commit(s, rng),
      aggregate: (p, c, m, shares) => schnorr_FROST.aggregate(p, c, m, shares),
      signShare: (s, p, n, c, m) => {
        const share = schnorr_FROST.signShare(s, p, n, c, m);
        if (s.identifier === frostIdentifier(cheater)) share[31] ^= 1;
        return share;
      },
    });
    const signer = new FrostDealerSigner([WALLET], { chainId: CHAIN, rounds: cheating(2) });
    for (const key of [WALLET_KEY, LEAF_KEY]) {
      const err = await rejection(signer.sign(request(WALLET, digests(9), [key])));
      expect(err).toBeInstanceOf(FrostCheaterError);
      expect((err as FrostCheaterError).members).toEqual([2]);
      expect((err as Error).message).toMatch(/member 2\b/);
    }
    // A share made with another wallet's secret: the same, through the round function directly.
    const forged: FrostSecret = { identifier: frostIdentifier(3), signingShare: OTHER.shares.get(1)!.signingShare };
    const signers = [{ member: 1, secret: WALLET.shares.get(1)! }, { member: 2, secret: WALLET.shares.get(2)! }, { member: 3, secret: forged }];
    expect(() => frostSignDigest(schnorr_FROST, WALLET.public, signers, digests(4)[0])).toThrow(FrostCheaterError);
  });

  it("refuses non-local chains, unknown wallets, ECDSA digests, digests or leaf hashes not 32 bytes, a keys/digests mismatch", async () => {
    for (const chainId of [1n, 11155111n, 5n]) {
      expect(() => new FrostDealerSigner([WALLET], { chainId })).toThrow(NonLocalChainError);
    }
    const signer = new FrostDealerSigner([WALLET], { chainId: 1337n });
    expect(signer.wallets()).toEqual([toHex(WALLET.walletPkh)]);
    expect(await rejection(signer.sign(request(OTHER, digests(1), [WALLET_KEY])))).toBeInstanceOf(UnknownWalletError);
    expect(String(await rejection(signer.sign(request(WALLET, digests(1)))))).toMatch(/BIP-340 digests only/);
    expect(String(await rejection(signer.sign(request(WALLET, digests(1), [{ scheme: "ecdsa" }]))))).toMatch(/BIP-340 digests only/);
    for (const bad of [new Uint8Array(31), new Uint8Array(33)]) {
      expect(String(await rejection(signer.sign(request(WALLET, [digests(1)[0], bad], [WALLET_KEY, WALLET_KEY]))))).toMatch(/32 bytes/);
      const badLeaf: DigestKey = { scheme: "bip340", key: "tapLeaf", leafHash: bad };
      expect(String(await rejection(signer.sign(request(WALLET, digests(1), [badLeaf]))))).toMatch(/leaf hash must be 32 bytes/);
    }
    expect(String(await rejection(signer.sign(request(WALLET, digests(1, 2), [WALLET_KEY]))))).toMatch(/2 digests but 1 digest keys/);
    const mislabelled = { ...WALLET, walletPkh: OTHER.walletPkh };
    expect(() => new FrostDealerSigner([mislabelled], { chainId: CHAIN })).toThrow(/HASH160/);
    const tooFew = { ...WALLET, shares: new Map([...WALLET.shares].slice(0, 2)) };
    expect(() => new FrostDealerSigner([tooFew], { chainId: CHAIN })).toThrow(/2 shares held, 3 needed/);
  });

  it("never holds the group secret: only shares, signatures made by t commits, t signShares and one aggregate per digest", async () => {
    const calls: string[] = [];
    const rounds: FrostRounds = {
      commit: (s, rng) => (calls.push(`commit ${s.identifier}`), schnorr_FROST.commit(s, rng)),
      signShare: (s, p, n, c, m) => (calls.push(`signShare ${s.identifier}`), schnorr_FROST.signShare(s, p, n, c, m)),
      aggregate: (p, c, m, shares) => (calls.push(`aggregate ${Object.keys(shares).length}`), schnorr_FROST.aggregate(p, c, m, shares)),
    };
    const signer = new FrostDealerSigner([WALLET, OTHER], { chainId: CHAIN, rounds });
    const ds = digests(1, 2);
    const sigs = await signer.sign(request(WALLET, ds, [WALLET_KEY, LEAF_KEY]));
    expect(verifyBip340Signature(ds[0], sigs[0], WALLET.walletX)).toBe(true);
    const ids = [1, 2, 3].map(frostIdentifier);
    const perDigest = [...ids.map((id) => `commit ${id}`), ...ids.map((id) => `signShare ${id}`), "aggregate 3"];
    expect(calls).toEqual([...perDigest, ...perDigest]);
    // Walk everything the signer holds: no byte string or scalar equals either wallet's group secret (or its negation).
    const n = schnorr.Point.Fn.ORDER;
    const forbidden = new Set<string>();
    for (const w of [WALLET, OTHER]) {
      const s = BigInt("0x" + toHex(groupSecret(w)));
      for (const v of [s, n - s]) forbidden.add(v.toString(16).padStart(64, "0"));
    }
    const seen = new Set<unknown>();
    let values = 0;
    const walk = (v: unknown): void => {
      if (v === null || (typeof v !== "object" && typeof v !== "bigint") || seen.has(v)) return;
      if (typeof v === "bigint") return void (values++, expect(forbidden.has(v.toString(16).padStart(64, "0"))).toBe(false));
      seen.add(v);
      if (v instanceof Uint8Array) return void (values++, expect(forbidden.has(toHex(v))).toBe(false));
      if (v instanceof Map) return [...v.entries()].forEach(walk);
      Object.values(v).forEach(walk);
    };
    walk(signer);
    expect(values).toBeGreaterThan(10); // the walk reached the shares and keys
    // Nor does what createDevFrostWallet returns: the secret existed only inside trustedDealer.
    walk(WALLET);
    walk(OTHER);
    expect(bytesEqual(groupSecret(WALLET), WALLET.shares.get(1)!.signingShare)).toBe(false);
  });
});

describe("the contract's other signers", () => {
  it("LocalKeySigner refuses BIP-340 digests and still signs ECDSA ones", async () => {
    const key = "0x" + "0".repeat(63) + "7";
    const signer = new LocalKeySigner([key]);
    const [pkh] = signer.wallets();
    const walletPkh = Uint8Array.from(Buffer.from(pkh, "hex"));
    expect(String(await rejection(signer.sign(request({ walletPkh }, digests(1), [WALLET_KEY]))))).toMatch(/ECDSA digests only/);
    expect(await signer.sign(request({ walletPkh }, digests(1), [{ scheme: "ecdsa" }]))).toHaveLength(1);
  });

  it("verifyBip340Signature never throws on malformed input", () => {
    const sig = new Uint8Array(64).fill(0xff);
    expect(verifyBip340Signature(digests(1)[0], sig, WALLET.walletX)).toBe(false);
    expect(verifyBip340Signature(digests(1)[0], new Uint8Array(63), WALLET.walletX)).toBe(false);
    expect(verifyBip340Signature(new Uint8Array(31), sig, WALLET.walletX)).toBe(false);
    expect(verifyBip340Signature(digests(1)[0], sig, new Uint8Array(32).fill(0xff))).toBe(false);
  });
});
