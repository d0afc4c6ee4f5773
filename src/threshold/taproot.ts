// BIP-340 keys and signatures of FROST wallets (threshold.md §2, §4.2): the Taproot tweak of a deposit's
// refund leaf, the key each digest of a sign request is signed under, and BIP-340 verification.
import { schnorr } from "@noble/curves/secp256k1.js";
import type { DigestKey } from "./wallet-signer.js";

const N = schnorr.Point.Fn.ORDER;

function bigOf(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function check32(name: string, bytes: Uint8Array): void {
  if (bytes.length !== 32) throw new Error(`${name} must be 32 bytes, got ${bytes.length}`);
}

/** `t = TaggedHash("TapTweak", walletX ‖ leafHash)` as a scalar; throws where `t ≥ n` (BIP-341). */
export function tapTweak(walletX: Uint8Array, leafHash: Uint8Array): bigint {
  check32("walletX", walletX);
  check32("leafHash", leafHash);
  const t = bigOf(schnorr.utils.taggedHash("TapTweak", walletX, leafHash));
  if (t >= N) throw new Error("TapTweak hash is not below the group order");
  return t;
}

/** x(Q), `Q = lift_x(walletX) + t·G`: the output key of a Taproot deposit with one leaf (§4.2). */
export function tapLeafOutputKey(walletX: Uint8Array, leafHash: Uint8Array): Uint8Array {
  const t = tapTweak(walletX, leafHash);
  const P = schnorr.utils.lift_x(bigOf(walletX));
  return schnorr.utils.pointToBytes(P.add(schnorr.Point.BASE.multiply(t)));
}

/** The 32-byte x-only key a BIP-340 digest of a FROST wallet `walletX` verifies under. */
export function bip340KeyOf(walletX: Uint8Array, key: Extract<DigestKey, { scheme: "bip340" }>): Uint8Array {
  check32("walletX", walletX);
  return key.key === "wallet" ? walletX : tapLeafOutputKey(walletX, key.leafHash);
}

/**
 * True when `sig64` is a valid BIP-340 signature of the 32-byte `digest` under the x-only key
 * `xOnlyKey32` (the executor checks every Schnorr signature with it before `signed`). Never throws.
 */
export function verifyBip340Signature(digest: Uint8Array, sig64: Uint8Array, xOnlyKey32: Uint8Array): boolean {
  if (digest.length !== 32 || sig64.length !== 64 || xOnlyKey32.length !== 32) return false;
  try {
    return schnorr.verify(sig64, digest, xOnlyKey32);
  } catch {
    return false;
  }
}
