// Encryption of one round-2 share to its recipient (threshold.md §1, §3.2): static ECDH between the
// sender's and the recipient's operator secp256k1 keys, HKDF-SHA256, ChaCha20-Poly1305.
//
// Why a zero nonce is safe here: the key is HKDF(ikm = x(ECDH), salt = request seed, info = label ‖
// requestId ‖ attempt ‖ sender ‖ recipient ‖ the sender's round-1 commitment[0]). The last field names
// the sender's polynomial, and the share of a recipient is that polynomial at the recipient's index: so
// a key only ever encrypts one plaintext, even if a sender (against §3.2) made two polynomials for one
// attempt. (A restart makes the same polynomial anyway: round1-randomness.ts.) The associated data is
// requestId ‖ attempt ‖ sender ‖ recipient. Static keys are what let a member rebuild its share from the
// transcript and its operator key alone (§3.2 last bullet), and let a complaint reveal the pair's ECDH
// point (complaint.ts).
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../../util/hex.js";
import { pairContext, type DkgSession } from "./dkg-session.js";

/** A round-2 share is a 32-byte scalar; its ciphertext carries a 16-byte Poly1305 tag. */
export const SHARE_BYTES = 32;
export const SHARE_CIPHERTEXT_BYTES = SHARE_BYTES + 16;

const INFO_LABEL = new TextEncoder().encode("wcoord-frost-dkg-share-v1");
const ZERO_NONCE = new Uint8Array(12);

/** One share's place: the attempt, the ordered pair, and the sender's polynomial it comes from. */
export interface SharePair {
  readonly session: DkgSession;
  readonly sender: number;
  readonly recipient: number;
  /** The sender's round-1 `commitment[0]` (33 bytes), which names its polynomial. */
  readonly senderCommitment: Uint8Array;
}

/** The 33-byte compressed ECDH point `myKey · theirPublicKey` (the same from either side of the pair). */
export function ecdhPoint(myOperatorKey: Uint8Array, theirPublicKey: Uint8Array): Uint8Array {
  return secp256k1.getSharedSecret(myOperatorKey, theirPublicKey, true);
}

/** The ChaCha20-Poly1305 key of one share, from the pair's ECDH point. */
export function shareKeyFromEcdh(ecdh33: Uint8Array, pair: SharePair): Uint8Array {
  if (ecdh33.length !== 33) throw new RangeError(`ECDH point must be 33 bytes, got ${ecdh33.length}`);
  if (pair.senderCommitment.length !== 33) throw new RangeError(`sender commitment must be 33 bytes, got ${pair.senderCommitment.length}`);
  const info = concatBytes(INFO_LABEL, pairAad(pair), pair.senderCommitment);
  return hkdf(sha256, ecdh33.subarray(1), pair.session.requestSeed, info, 32);
}

function pairAad(pair: SharePair): Uint8Array {
  return pairContext(pair.session, pair.sender, pair.recipient);
}

/** Encrypts the 32-byte `share` of `pair` to the recipient: 48 bytes. */
export function encryptShare(share: Uint8Array, senderOperatorKey: Uint8Array, recipientPublicKey: Uint8Array, pair: SharePair): Uint8Array {
  if (share.length !== SHARE_BYTES) throw new RangeError(`share must be ${SHARE_BYTES} bytes, got ${share.length}`);
  const key = shareKeyFromEcdh(ecdhPoint(senderOperatorKey, recipientPublicKey), pair);
  return chacha20poly1305(key, ZERO_NONCE, pairAad(pair)).encrypt(share);
}

/**
 * The share in `ciphertext`, given the pair's ECDH point (the recipient's own computation, or the point a
 * complaint reveals). Null on anything wrong (length, tag, point): never throws on hostile input.
 */
export function decryptShareWithEcdh(ciphertext: Uint8Array, ecdh33: Uint8Array, pair: SharePair): Uint8Array | null {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== SHARE_CIPHERTEXT_BYTES) return null;
  if (!(ecdh33 instanceof Uint8Array) || ecdh33.length !== 33) return null;
  try {
    const key = shareKeyFromEcdh(ecdh33, pair);
    return chacha20poly1305(key, ZERO_NONCE, pairAad(pair)).decrypt(ciphertext);
  } catch {
    return null;
  }
}

/** The recipient's decryption of its share of `pair`; null on a bad tag or a bad key (never throws). */
export function decryptShare(ciphertext: Uint8Array, recipientOperatorKey: Uint8Array, senderPublicKey: Uint8Array, pair: SharePair): Uint8Array | null {
  let ecdh: Uint8Array;
  try {
    ecdh = ecdhPoint(recipientOperatorKey, senderPublicKey);
  } catch {
    return null;
  }
  return decryptShareWithEcdh(ciphertext, ecdh, pair);
}
