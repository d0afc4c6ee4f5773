// Heartbeat message (coordination.md §13.7) and its validity rule (contracts.md §1.5).
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../util/hex.js";

const HEARTBEAT_PREFIX = new Uint8Array(8).fill(0xff);

/** ff×8 || SHA-256(walletPKH[20] || uint64BE(blockNumber))[0..8]. */
export function heartbeatMessage(walletPkh: Uint8Array, blockNumber: number): Uint8Array {
  if (walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${walletPkh.length}`);
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) throw new Error(`invalid block number ${blockNumber}`);
  const be = new Uint8Array(8);
  new DataView(be.buffer).setBigUint64(0, BigInt(blockNumber));
  return concatBytes(HEARTBEAT_PREFIX, sha256(concatBytes(walletPkh, be)).subarray(0, 8));
}

/** Exactly 16 bytes whose first 8 are 0xff. */
export function isValidHeartbeatMessage(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== 0xff) return false;
  return true;
}
