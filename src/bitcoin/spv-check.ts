// The local check of an SPV proof, exactly as tbtc-v2's BitcoinTx.validateProof runs it on chain
// (same checks, same order, the revert strings as reasons), so the node never submits a proof the
// Bridge refuses. The epoch difficulties are the relay's; the factor is `txProofDifficultyFactor`.
// The first header must be at the current or previous epoch difficulty (the rule of issue #14;
// upstream's later testnet4 variant that skips leading difficulty-1 headers is not followed).
import { sha256 } from "@noble/hashes/sha2.js";
import type { BitcoinTxInfo } from "../chain/types.js";
import { concatBytes } from "../util/hex.js";
import { hash256 } from "./tx.js";
import { difficultyOf, SpvPanic, targetAt, validateHeaderChain } from "./spv-headers.js";
import type { SpvProof } from "./spv-proof.js";

export interface ProofDifficulty {
  readonly currentEpochDifficulty: bigint;
  readonly previousEpochDifficulty: bigint;
  /** The Bridge's `txProofDifficultyFactor` (default 6). */
  readonly factor: bigint;
}

export type SpvCheck = { readonly ok: true; readonly txHash: Uint8Array } | { readonly ok: false; readonly reason: string };

export function checkSpvProof(info: BitcoinTxInfo, proof: SpvProof, difficulty: ProofDifficulty): SpvCheck {
  try {
    return check(info, proof, difficulty);
  } catch (err) {
    if (err instanceof SpvPanic) return { ok: false, reason: err.message };
    throw err;
  }
}

function check(info: BitcoinTxInfo, proof: SpvProof, d: ProofDifficulty): SpvCheck {
  const refuse = (reason: string): SpvCheck => ({ ok: false, reason });
  if (!validVector(info.inputVector, inputLength)) return refuse("Invalid input vector provided");
  if (!validVector(info.outputVector, outputLength)) return refuse("Invalid output vector provided");
  if (proof.merkleProof.length !== proof.coinbaseProof.length) return refuse("Tx not on same level of merkle tree as coinbase");

  const txHash = hash256(concatBytes(info.version, info.inputVector, info.outputVector, info.locktime));
  // On chain a short header string yields memory garbage as the root: the proofs then fail.
  const root = proof.bitcoinHeaders.length >= 68 ? proof.bitcoinHeaders.slice(36, 68) : null;
  if (root === null || !prove(txHash, root, proof.merkleProof, BigInt(proof.txIndexInBlock))) {
    return refuse("Tx merkle proof is not valid for provided header and tx hash");
  }
  const coinbaseHash = sha256(proof.coinbasePreimage);
  if (!prove(coinbaseHash, root, proof.coinbaseProof, 0n)) return refuse("Coinbase merkle proof is not valid for provided header and hash");

  // evaluateProofDifficulty
  const headers = proof.bitcoinHeaders;
  if (headers.length < 76) return refuse("Not at current or previous difficulty");
  const firstDiff = difficultyOf(targetAt(headers, 0));
  let requested: bigint;
  if (firstDiff === d.currentEpochDifficulty) requested = d.currentEpochDifficulty;
  else if (firstDiff === d.previousEpochDifficulty) requested = d.previousEpochDifficulty;
  else return refuse("Not at current or previous difficulty");

  const chain = validateHeaderChain(headers);
  if ("error" in chain) {
    if (chain.error === "bad-length") return refuse("Invalid length of the headers chain");
    if (chain.error === "invalid-chain") return refuse("Invalid headers chain");
    return refuse("Insufficient work in a header");
  }
  if (chain.totalDifficulty < requested * d.factor) return refuse("Insufficient accumulated difficulty in header chain");
  return { ok: true, txHash };
}

/** ValidateSPV.prove: the one-transaction-block shortcut, then the sibling walk led by the index bits. */
function prove(leaf: Uint8Array, root: Uint8Array, nodes: Uint8Array, index: bigint): boolean {
  if (equal(leaf, root) && index === 0n && nodes.length === 0) return true;
  if (nodes.length % 32 !== 0 || nodes.length === 0) return false;
  let current = leaf;
  let idx = index;
  for (let i = 0; i < nodes.length; i += 32) {
    const sibling = nodes.subarray(i, i + 32);
    current = idx % 2n === 1n ? hash256(concatBytes(sibling, current)) : hash256(concatBytes(current, sibling));
    idx >>= 1n;
  }
  return equal(current, root);
}

/** BTCUtils.parseVarIntAt: [data length, value], or null when the bytes run out. */
function varIntAt(b: Uint8Array, at: number): [number, bigint] | null {
  const flag = b[at];
  if (flag === undefined) return null; // on chain an out-of-bounds panic: refused either way
  const len = flag === 0xff ? 8 : flag === 0xfe ? 4 : flag === 0xfd ? 2 : 0;
  if (len === 0) return [0, BigInt(flag)];
  if (b.length < 1 + len + at) return null;
  let n = 0n;
  for (let i = len; i >= 1; i--) n = (n << 8n) | BigInt(b[at + i]!);
  return [len, n];
}

/** BTCUtils.determineInputLengthAt. */
function inputLength(b: Uint8Array, at: number): bigint | null {
  if (b.length < 37 + at) return null;
  const v = varIntAt(b, at + 36);
  return v === null ? null : 41n + BigInt(v[0]) + v[1];
}

/** BTCUtils.determineOutputLengthAt. */
function outputLength(b: Uint8Array, at: number): bigint | null {
  if (b.length < 9 + at) return null;
  const v = varIntAt(b, at + 8);
  return v === null ? null : 9n + BigInt(v[0]) + v[1];
}

/** BTCUtils.validateVin / validateVout: a count ≥ 1, then the items end exactly at the vector's end. */
function validVector(b: Uint8Array, itemLength: (b: Uint8Array, at: number) => bigint | null): boolean {
  const head = varIntAt(b, 0);
  if (head === null || head[1] === 0n) return false;
  let offset = BigInt(1 + head[0]);
  for (let i = 0n; i < head[1]; i++) {
    if (offset >= BigInt(b.length)) return false;
    const len = itemLength(b, Number(offset));
    if (len === null) return false;
    offset += len;
  }
  return offset === BigInt(b.length);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
