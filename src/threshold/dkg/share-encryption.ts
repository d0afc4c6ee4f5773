// Encryption of one round-2 share to its recipient (threshold.md §1, §3.2): static ECDH between the
// sender's and the recipient's operator secp256k1 keys, HKDF-SHA256, ChaCha20-Poly1305.
//
// Why a zero nonce is safe here: the key is HKDF(ikm = x(ECDH), salt = request seed, info = label ‖
// requestId ‖ attempt ‖ sender ‖ recipient), so each (request, attempt, ordered pair) has its own key, and
// a sender's round-1 polynomial is derived deterministically for that same context (round1-randomness.ts):
// a key only ever encrypts one plaintext (a restart re-encrypts the identical share to the identical
// ciphertext). Static keys are what let a member rebuild its share from the transcript and its operator
// key alone (§3.2 last bullet), and let a complaint reveal the pair's ECDH point (complaint.ts).
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

/** The 33-byte compressed ECDH point `myKey · theirPublicKey` (the same from either side of the pair). */
export function ecdhPoint(myOperatorKey: Uint8Array, theirPublicKey: Uint8Array): Uint8Array {
  return secp256k1.getSharedSecret(myOperatorKey, theirPublicKey, true);
}

/** The ChaCha20-Poly1305 key of the pair `sender → recipient` in `session`, from their ECDH point. */
export function shareKeyFromEcdh(ecdh33: Uint8Array, session: DkgSession, sender: number, recipient: number): Uint8Array {
  if (ecdh33.length !== 33) throw new RangeError(`ECDH point must be 33 bytes, got ${ecdh33.length}`);
  const info = concatBytes(INFO_LABEL, pairContext(session, sender, recipient));
  return hkdf(sha256, ecdh33.subarray(1), session.requestSeed, info, 32);
}

/** Encrypts the 32-byte `share` from member `sender` to member `recipient`: 48 bytes. */
export function encryptShare(
  share: Uint8Array,
  senderOperatorKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  session: DkgSession,
  sender: number,
  recipient: number,
): Uint8Array {
  if (share.length !== SHARE_BYTES) throw new RangeError(`share must be ${SHARE_BYTES} bytes, got ${share.length}`);
  const key = shareKeyFromEcdh(ecdhPoint(senderOperatorKey, recipientPublicKey), session, sender, recipient);
  return chacha20poly1305(key, ZERO_NONCE, pairContext(session, sender, recipient)).encrypt(share);
}

/**
 * The share in `ciphertext`, given the pair's ECDH point (the recipient's own computation, or the point a
 * complaint reveals). Null on anything wrong (length, tag, point): never throws on hostile input.
 */
export function decryptShareWithEcdh(
  ciphertext: Uint8Array,
  ecdh33: Uint8Array,
  session: DkgSession,
  sender: number,
  recipient: number,
): Uint8Array | null {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== SHARE_CIPHERTEXT_BYTES) return null;
  if (!(ecdh33 instanceof Uint8Array) || ecdh33.length !== 33) return null;
  try {
    const key = shareKeyFromEcdh(ecdh33, session, sender, recipient);
    return chacha20poly1305(key, ZERO_NONCE, pairContext(session, sender, recipient)).decrypt(ciphertext);
  } catch {
    return null;
  }
}

/** The recipient's decryption of a share from `sender`; null on a bad tag or a bad key (never throws). */
export function decryptShare(
  ciphertext: Uint8Array,
  recipientOperatorKey: Uint8Array,
  senderPublicKey: Uint8Array,
  session: DkgSession,
  sender: number,
  recipient: number,
): Uint8Array | null {
  let ecdh: Uint8Array;
  try {
    ecdh = ecdhPoint(recipientOperatorKey, senderPublicKey);
  } catch {
    return null;
  }
  return decryptShareWithEcdh(ciphertext, ecdh, session, sender, recipient);
}
