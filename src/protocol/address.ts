// Operator addresses as the protocol compares them (coordination.md §5.1).
import { getAddress } from "ethers";

/**
 * EIP-55 with 0x for any 20-byte hex address, with or without 0x, in any letter case.
 * Lowercasing first means a wrong-checksum mixed-case input is normalised instead of rejected.
 */
export function normalizeAddress(address: string): string {
  const h = address.startsWith("0x") || address.startsWith("0X") ? address.slice(2) : address;
  if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new Error(`invalid operator address: ${address}`);
  return getAddress("0x" + h.toLowerCase());
}
