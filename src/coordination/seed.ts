// Shared window seed (coordination.md §4) and wallet PKH derivation.
import { sha256 } from "@noble/hashes/sha2.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { SigningKey } from "ethers";
import { concatBytes, fromHex } from "../util/hex.js";

/** SHA-256(walletPKH[20] || safeBlockHash[32]). */
export function computeSeed(walletPkh: Uint8Array, safeBlockHash: Uint8Array): Uint8Array {
  if (walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${walletPkh.length}`);
  if (safeBlockHash.length !== 32) throw new Error(`safe block hash must be 32 bytes, got ${safeBlockHash.length}`);
  return sha256(concatBytes(walletPkh, safeBlockHash));
}

/** HASH160 of the compressed key; an uncompressed (65-byte) key is compressed first. */
export function walletPkhFromPublicKey(compressedOrUncompressed: Uint8Array): Uint8Array {
  const len = compressedOrUncompressed.length;
  if (len !== 33 && len !== 65) throw new Error(`public key must be 33 or 65 bytes, got ${len}`);
  // computePublicKey validates the point and yields the 33-byte compressed form.
  const compressed = fromHex(SigningKey.computePublicKey(compressedOrUncompressed, true));
  return ripemd160(sha256(compressed));
}
