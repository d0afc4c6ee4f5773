// Bytes are Uint8Array inside the node; hex appears only at the edges (JSON, logs, RPC).
import { bytesToHex as nobleBytesToHex, hexToBytes as nobleHexToBytes, concatBytes } from "@noble/hashes/utils.js";

export { concatBytes };

/** Lowercase hex without 0x. */
export function toHex(bytes: Uint8Array): string {
  return nobleBytesToHex(bytes);
}

/** 0x-prefixed lowercase hex. */
export function to0x(bytes: Uint8Array): string {
  return "0x" + nobleBytesToHex(bytes);
}

/** Accepts hex with or without 0x; throws on odd length or non-hex characters. */
export function fromHex(hex: string): Uint8Array {
  const h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error(`invalid hex string: ${hex.slice(0, 20)}`);
  return nobleHexToBytes(h);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
