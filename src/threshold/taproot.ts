// BIP-340 keys and signatures of FROST wallets (threshold.md §2, §4.2): the key each digest of a sign
// request is signed under, and BIP-340 verification. The Taproot arithmetic itself is bitcoin/taproot.ts.
import { schnorr } from "@noble/curves/secp256k1.js";
import { tapTweak, tweakedOutputKey } from "../bitcoin/taproot.js";
import type { DigestKey } from "./wallet-signer.js";

function check32(name: string, bytes: Uint8Array): void {
  if (bytes.length !== 32) throw new Error(`${name} must be 32 bytes, got ${bytes.length}`);
}

/** x(Q), `Q = lift_x(walletX) + t·G` with `t = TapTweak(walletX ‖ leafHash)`: a one-leaf Taproot deposit's output key (§4.2). */
export function tapLeafOutputKey(walletX: Uint8Array, leafHash: Uint8Array): Uint8Array {
  return tweakedOutputKey(walletX, tapTweak(walletX, leafHash)).outputX;
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
