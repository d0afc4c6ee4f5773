// Builds tbtc-v2's SPV proof (BitcoinTx.Info + BitcoinTx.Proof) of a confirmed transaction from an
// Electrum server (spv-source.ts), as tbtc-v2's typescript `assembleBitcoinSpvProof` does: the
// tx's merkle path, the coinbase's (id_from_pos at position 0), the block's header and the ones
// after it. Byte orders are the contract's: hashes internal order, headers as serialized.
// Check the result with checkSpvProof (spv-check.ts) before submitting it.
import { sha256 } from "@noble/hashes/sha2.js";
import type { BitcoinTxInfo } from "../chain/types.js";
import type { AbortOptions } from "../util/lifecycle.js";
import { bytesEqual, concatBytes } from "../util/hex.js";
import { BitcoinUnavailableError } from "./bitcoin-chain.js";
import type { SpvSource } from "./spv-source.js";
import { hash256, hashFromTxid, txInfoOf } from "./tx.js";

/** tbtc-v2's `BitcoinTx.Proof`. */
export interface SpvProof {
  /** Sibling hashes of the tx, bottom up, concatenated (internal order). */
  readonly merkleProof: Uint8Array;
  readonly txIndexInBlock: number;
  /** The tx's block header and the following ones, 80 bytes each, lowest first. */
  readonly bitcoinHeaders: Uint8Array;
  /** sha256 of the coinbase's non-witness serialization: its txid is sha256 of this. */
  readonly coinbasePreimage: Uint8Array;
  readonly coinbaseProof: Uint8Array;
}

export interface ProvenTx {
  readonly info: BitcoinTxInfo;
  readonly proof: SpvProof;
  readonly blockHeight: number;
}

/** The proof cannot be built yet or the server's answers do not fit together; retry later (a reorg, a lagging tip). */
export class SpvProofUnavailableError extends Error {
  override readonly name = "SpvProofUnavailableError";
  readonly code = "SPV_PROOF_UNAVAILABLE";
  readonly transient = true;
}

/**
 * The proof of `txid` with `headerCount` headers (the tx's block and headerCount − 1 after it).
 * `blockHeight` when known (a history item); otherwise from its confirmations and the tip.
 */
export async function buildSpvProof(
  source: SpvSource,
  txid: string,
  headerCount: number,
  o: AbortOptions & { blockHeight?: number } = {},
): Promise<ProvenTx> {
  if (!Number.isInteger(headerCount) || headerCount < 1) throw new RangeError(`headerCount must be ≥ 1, got ${headerCount}`);
  const raw = await source.getTransaction(txid, o);
  if (raw === null) throw new SpvProofUnavailableError(`transaction ${txid} unknown to the server`);
  const height = o.blockHeight ?? (await heightOf(source, txid, o));

  const branch = await source.transactionMerkle(txid, height, o);
  const coinbase = await source.txIdFromPos(height, 0, o);
  const coinbaseRaw = await source.getTransaction(coinbase.txid, o);
  if (coinbaseRaw === null) throw new SpvProofUnavailableError(`coinbase ${coinbase.txid} at height ${height} unknown to the server`);
  const headers = await source.blockHeaders(height, headerCount, o);
  if (headers.length < headerCount * 80) {
    throw new SpvProofUnavailableError(`only ${headers.length / 80} of ${headerCount} headers from height ${height}`);
  }

  // A server that sent another transaction than asked for is caught here, not by the contract.
  const info = txInfoOf(raw);
  if (!bytesEqual(hash256(concatBytes(info.version, info.inputVector, info.outputVector, info.locktime)), hashFromTxid(txid))) {
    throw new SpvProofUnavailableError(`transaction answer does not hash to ${txid}`);
  }
  const cb = txInfoOf(coinbaseRaw);
  const coinbasePreimage = sha256(concatBytes(cb.version, cb.inputVector, cb.outputVector, cb.locktime));
  if (!bytesEqual(sha256(coinbasePreimage), hashFromTxid(coinbase.txid))) {
    throw new SpvProofUnavailableError(`coinbase answer does not hash to ${coinbase.txid}`);
  }
  return {
    info,
    blockHeight: height,
    proof: {
      merkleProof: concatBytes(...branch.merkle),
      txIndexInBlock: branch.pos,
      bitcoinHeaders: headers.slice(0, headerCount * 80),
      coinbasePreimage,
      coinbaseProof: concatBytes(...coinbase.merkle),
    },
  };
}

/** tip − confirmations + 1, as tbtc-v2 does; a tip that moved in between shows up as a failed merkle answer. */
async function heightOf(source: SpvSource, txid: string, o: AbortOptions): Promise<number> {
  const confirmations = await source.confirmations(txid, o);
  if (confirmations < 1) throw new SpvProofUnavailableError(`transaction ${txid} not confirmed (${confirmations})`);
  const tip = source.tip();
  if (tip === null) throw new BitcoinUnavailableError("no Bitcoin tip yet");
  return tip.height - confirmations + 1;
}
