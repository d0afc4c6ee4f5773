// The small pieces the DKG adds on top of the libraries, each checked: share encryption (against a pinned
// vector rebuilt here from the primitives), the DLEQ proof of a complaint, and the per-sender proof-of-
// knowledge check against the library's own round 2.
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { schnorr_FROST, secp256k1 } from "@noble/curves/secp256k1.js";
import type { DKG_Round1 } from "@noble/curves/abstract/frost.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { makeComplaint } from "../../src/threshold/dkg/complaint.js";
import { pairContext } from "../../src/threshold/dkg/dkg-session.js";
import { proveDleq, verifyDleq } from "../../src/threshold/dkg/dleq-proof.js";
import { verifyRound1Message } from "../../src/threshold/dkg/round1-check.js";
import { decryptShare, decryptShareWithEcdh, ecdhPoint, encryptShare, shareKeyFromEcdh } from "../../src/threshold/dkg/share-encryption.js";
import { frostIdentifier } from "../../src/threshold/dev-wallet.js";
import { concatBytes, fromHex, toHex } from "../../src/util/hex.js";
import vector from "../vectors/dkg-share-encryption.json" with { type: "json" };

const enc = (s: string) => new TextEncoder().encode(s);
const session = { requestId: BigInt(vector.requestId), requestSeed: fromHex(vector.requestSeed), attempt: vector.attempt };
const [sk, rk] = [fromHex(vector.senderKey), fromHex(vector.recipientKey)];
const [spub, rpub] = [fromHex(vector.senderPublicKey), fromHex(vector.recipientPublicKey)];
const pair = { session, sender: 2, recipient: 5, senderCommitment: fromHex(vector.senderCommitment) };

describe("share encryption", () => {
  it("matches the pinned vector, rebuilt here from HKDF and ChaCha20-Poly1305 directly", () => {
    const shared = secp256k1.getSharedSecret(rk, spub, true); // the recipient's side of the ECDH
    expect(toHex(shared)).toBe(vector.ecdhPoint);
    const aad = concatBytes(fromHex(vector.requestId.slice(2).padStart(64, "0")), Uint8Array.of(0, 0, 0, vector.attempt, vector.sender, vector.recipient));
    expect(toHex(pairContext(session, 2, 5))).toBe(toHex(aad));
    const info = concatBytes(enc("wcoord-frost-dkg-share-v1"), aad, fromHex(vector.senderCommitment));
    const key = hkdf(sha256, shared.slice(1), session.requestSeed, info, 32);
    expect(toHex(key)).toBe(vector.key);
    expect(toHex(shareKeyFromEcdh(shared, pair))).toBe(vector.key);
    const ct = chacha20poly1305(key, new Uint8Array(12), aad).encrypt(fromHex(vector.share));
    expect(toHex(ct)).toBe(vector.ciphertext);
    expect(toHex(encryptShare(fromHex(vector.share), sk, rpub, pair))).toBe(vector.ciphertext);
    expect(toHex(decryptShare(fromHex(vector.ciphertext), rk, spub, pair)!)).toBe(vector.share);
    expect(toHex(makeComplaint(session, 5, 2, rk, spub).proof)).toBe(vector.complaintProof);
  });

  it("another request seed, request, attempt, pair (either direction) or sender polynomial does not decrypt: a key per share", () => {
    const ct = fromHex(vector.ciphertext);
    const otherCommitment = secp256k1.getPublicKey(sha256(enc("another polynomial")), true);
    const variants = [
      { ...pair, session: { ...session, requestSeed: sha256(enc("other")) } },
      { ...pair, session: { ...session, requestId: session.requestId + 1n } },
      { ...pair, session: { ...session, attempt: 4 } },
      { ...pair, sender: 5, recipient: 2 },
      { ...pair, recipient: 4 },
      { ...pair, senderCommitment: otherCommitment },
    ];
    for (const v of variants) expect(decryptShare(ct, rk, spub, v)).toBeNull();
    const e = ecdhPoint(sk, rpub);
    expect(new Set([pair, ...variants].map((v) => toHex(shareKeyFromEcdh(e, v)))).size).toBe(variants.length + 1);
  });

  it("never throws on hostile input: bad tags, lengths, keys and commitments give null", () => {
    const ct = fromHex(vector.ciphertext);
    const flipped = ct.slice();
    flipped[47] ^= 1;
    expect(decryptShare(flipped, rk, spub, pair)).toBeNull();
    expect(decryptShare(ct.subarray(0, 47), rk, spub, pair)).toBeNull();
    expect(decryptShare(new Uint8Array(0), rk, spub, pair)).toBeNull();
    expect(decryptShare(ct, rk, new Uint8Array(33), pair)).toBeNull();
    expect(decryptShare(ct, rk, Uint8Array.of(4, ...new Uint8Array(32)), pair)).toBeNull();
    expect(decryptShare(ct, rk, spub, { ...pair, senderCommitment: new Uint8Array(3) })).toBeNull();
    expect(decryptShareWithEcdh(ct, new Uint8Array(33).fill(0xff), pair)).toBeNull();
    expect(decryptShareWithEcdh(ct, new Uint8Array(5), pair)).toBeNull();
    for (let i = 0; i < 200; i++) expect(decryptShare(secp256k1.utils.randomSecretKey().slice(0, 32 + (i % 20)), rk, spub, pair)).toBeNull();
  });
});

describe("DLEQ proof (complaint)", () => {
  const ctx = pairContext(session, 2, 5);

  it("proves that the revealed point is the complainer's key times the accused's key", () => {
    const { point, proof } = proveDleq(rk, spub, ctx);
    expect(toHex(point)).toBe(toHex(secp256k1.getSharedSecret(sk, rpub, true)));
    expect(verifyDleq(rpub, spub, point, proof, ctx)).toBe(true);
    // Deterministic: the same complaint after a restart.
    expect(toHex(proveDleq(rk, spub, ctx).proof)).toBe(toHex(proof));
  });

  it("fails for any other point, key, context, or a changed proof; never throws", () => {
    const { point, proof } = proveDleq(rk, spub, ctx);
    const other = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
    expect(verifyDleq(rpub, spub, other, proof, ctx)).toBe(false);
    expect(verifyDleq(other, spub, point, proof, ctx)).toBe(false);
    expect(verifyDleq(rpub, other, point, proof, ctx)).toBe(false);
    expect(verifyDleq(rpub, spub, point, proof, pairContext(session, 5, 2))).toBe(false);
    for (let i = 0; i < 64; i += 7) {
      const p = proof.slice();
      p[i] ^= 0x10;
      expect(verifyDleq(rpub, spub, point, p, ctx)).toBe(false);
    }
    // A point made with another secret cannot carry a valid proof for rpub (no framing).
    const fake = secp256k1.utils.randomSecretKey();
    const forged = proveDleq(fake, spub, ctx);
    expect(verifyDleq(rpub, spub, forged.point, forged.proof, ctx)).toBe(false);
    expect(verifyDleq(rpub, spub, point, new Uint8Array(64).fill(0xff), ctx)).toBe(false);
    expect(verifyDleq(rpub, spub, point, proof.subarray(0, 63), ctx)).toBe(false);
    expect(verifyDleq(new Uint8Array(33), spub, point, proof, ctx)).toBe(false);
  });
});

describe("verifyRound1Message agrees with the library's own round 2", () => {
  /** The library's verdict on one package: round 2 of a DKG of `t` members whose other packages are valid. */
  function libraryAccepts(pkg: DKG_Round1, t: number, helpers: DKG_Round1[]): boolean {
    const probe = schnorr_FROST.DKG.round1(frostIdentifier(200), { min: t, max: t });
    try {
      schnorr_FROST.DKG.round2(probe.secret, [pkg, ...helpers.slice(0, t - 2)]);
      return true;
    } catch {
      return false;
    }
  }

  it("on valid packages and on every kind of mutation, for t = 2 and t = 3", () => {
    let accepted = 0;
    for (const t of [2, 3]) {
      const helpers = [schnorr_FROST.DKG.round1(frostIdentifier(201), { min: t, max: t }).public];
      for (let i = 0; i < 60; i++) {
        const sender = 1 + (i % 9);
        const pub = schnorr_FROST.DKG.round1(frostIdentifier(sender), { min: t, max: t }).public;
        const commitment = pub.commitment.map((c) => c.slice());
        const proofOfKnowledge = pub.proofOfKnowledge.slice();
        const kind = i % 6;
        if (kind === 1) proofOfKnowledge[i % 64] ^= 1 << (i % 8);
        if (kind === 2) commitment[0][1 + (i % 32)] ^= 1;
        if (kind === 3) commitment[t - 1] = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true); // other coefficient: proof still holds
        if (kind === 4) proofOfKnowledge.fill(0xff, 32);
        const claimed = kind === 5 ? sender + 1 : sender;
        const message = { requestId: 1n, attempt: 0, sender: claimed, commitment, proofOfKnowledge };
        const pkg = { identifier: frostIdentifier(claimed), commitment, proofOfKnowledge };
        const ours = verifyRound1Message(message, t);
        expect(ours, `t=${t} i=${i} kind=${kind}`).toBe(libraryAccepts(pkg, t, helpers));
        if (ours) accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(30); // valid packages and kind 3 (or a bad point rejected by both)
  });

  it("refuses a wrong commitment count or threshold", () => {
    const pub = schnorr_FROST.DKG.round1(frostIdentifier(3), { min: 3, max: 5 }).public;
    const m = { requestId: 1n, attempt: 0, sender: 3, commitment: pub.commitment, proofOfKnowledge: pub.proofOfKnowledge };
    expect(verifyRound1Message(m, 3)).toBe(true);
    expect(verifyRound1Message(m, 2)).toBe(false);
    // The proof binds commitment[0] only (as in the library); the rest is bound by the VSS checks of round 3.
    expect(verifyRound1Message({ ...m, commitment: m.commitment.slice(0, 2) }, 2)).toBe(true);
    expect(verifyRound1Message({ ...m, commitment: [] }, 0)).toBe(false);
  });
});
