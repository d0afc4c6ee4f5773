// Header-chain arithmetic of an SPV proof, as @keep-network/bitcoin-spv-sol (BTCUtils, ValidateSPV)
// computes it on chain, so the local check (spv-check.ts) refuses exactly what the contract refuses:
// targets from nBits, difficulty = DIFF1_TARGET / target (integer division), the chain walk.
import { hash256 } from "./tx.js";

/** The target of difficulty 1 (nBits 0x1d00ffff). */
export const DIFF1_TARGET = 0xffffn << 208n;
const UINT256 = 1n << 256n;

/** A Solidity panic (checked arithmetic) where the contract would revert without a message. */
export class SpvPanic extends Error {
  override readonly name = "SpvPanic";
}

/** BTCUtils.extractTargetAt: mantissa × 256^(exponent − 3), with Solidity 0.8's overflow checks. */
export function targetAt(headers: Uint8Array, at: number): bigint {
  const mantissa = BigInt(headers[at + 72]! | (headers[at + 73]! << 8) | (headers[at + 74]! << 16));
  const exponent = headers[at + 75]!;
  if (exponent < 3) throw new SpvPanic("Panic: arithmetic underflow in the header's nBits exponent");
  if (exponent - 3 >= 32) throw new SpvPanic("Panic: arithmetic overflow in the header's nBits exponent");
  const target = mantissa * 256n ** BigInt(exponent - 3);
  if (target >= UINT256) throw new SpvPanic("Panic: arithmetic overflow in the header's target");
  return target;
}

/** BTCUtils.calculateDifficulty. Regtest's target (nBits 0x207fffff) is easier than difficulty 1: 0. */
export function difficultyOf(target: bigint): bigint {
  if (target === 0n) throw new SpvPanic("Panic: division by zero (header target 0)");
  return DIFF1_TARGET / target;
}

/** The header hash as the number compared with the target (its bytes read little-endian). */
export function headerWork(headers: Uint8Array, at: number): bigint {
  const digest = hash256(headers.subarray(at, at + 80));
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(digest[i]!);
  return n;
}

export type HeaderChainResult = { readonly totalDifficulty: bigint } | { readonly error: "bad-length" | "invalid-chain" | "low-work" };

/** ValidateSPV.validateHeaderChain: length, then per header its link to the previous one and its work. */
export function validateHeaderChain(headers: Uint8Array): HeaderChainResult {
  if (headers.length % 80 !== 0) return { error: "bad-length" };
  let total = 0n;
  let prevDigest: Uint8Array | null = null;
  for (let at = 0; at < headers.length; at += 80) {
    if (prevDigest !== null && !sameBytes(headers.subarray(at + 4, at + 36), prevDigest)) return { error: "invalid-chain" };
    const target = targetAt(headers, at);
    prevDigest = hash256(headers.subarray(at, at + 80));
    if (headerWork(headers, at) > target) return { error: "low-work" };
    total += difficultyOf(target);
  }
  return { totalDifficulty: total };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
