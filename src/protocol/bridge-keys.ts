// The Bridge's keys for Bitcoin objects (contracts.md §1.3): main UTXO hash, deposit and moved-funds
// keys, redemption keys over length-prefixed scripts, the moving-funds targets commitment. The node and the contracts must agree byte for byte.
import { keccak256 } from "ethers";
import { concatBytes, fromHex } from "../util/hex.js";

/** CompactSize length prefix; redeemer scripts are at most 34 bytes, so one byte. */
export function prefixScript(script: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(script.length), script);
}

/** Main UTXO hash: keccak256(txHash ‖ uint32BE(index) ‖ uint64BE(value)), contracts.md §1.3. */
export function utxoHash(txHashInternal: Uint8Array, index: number, value: bigint): Uint8Array {
  if (txHashInternal.length !== 32) throw new Error(`tx hash must be 32 bytes, got ${txHashInternal.length}`);
  const tail = new Uint8Array(12);
  const dv = new DataView(tail.buffer);
  dv.setUint32(0, index, false);
  dv.setBigUint64(4, value, false);
  return fromHex(keccak256(concatBytes(txHashInternal, tail)));
}

/**
 * keccak256(txHash ‖ uint32BE(index)) as uint256: both the deposit key and the moved-funds sweep
 * request key (contracts.md §1.3), txHash in internal order.
 */
export function outpointKey(txHashInternal: Uint8Array, index: number): bigint {
  if (txHashInternal.length !== 32) throw new Error(`tx hash must be 32 bytes, got ${txHashInternal.length}`);
  const idx = new Uint8Array(4);
  new DataView(idx.buffer).setUint32(0, index, false);
  return BigInt(keccak256(concatBytes(txHashInternal, idx)));
}

/** Redemption key (contracts.md §1.3): keccak256(keccak256(prefixedScript) ‖ walletPkh) as uint256. */
export function redemptionKey(prefixedScript: Uint8Array, walletPkh: Uint8Array): bigint {
  if (walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${walletPkh.length}`);
  return BigInt(keccak256(concatBytes(fromHex(keccak256(prefixedScript)), walletPkh)));
}

/** Moving-funds targets commitment: keccak256(abi.encodePacked(bytes20[])), each target padded on the right to 32 bytes. */
export function targetsCommitmentHash(targets: readonly Uint8Array[]): Uint8Array {
  return fromHex(keccak256(concatBytes(...targets.map((t) => concatBytes(t, new Uint8Array(12))))));
}
