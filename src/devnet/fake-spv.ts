// The fake chain's answers to the Electrum methods an SPV proof is built from (issue 14):
// `blockchain.transaction.get_merkle`, `blockchain.transaction.id_from_pos` (with its merkle branch)
// and `blockchain.block.headers`, in internal byte order (the Electrum server turns them around).
import { BitcoinServerError } from "../bitcoin/bitcoin-chain.js";
import type { TxMerkle } from "../bitcoin/spv-source.js";
import { concatBytes } from "../util/hex.js";
import { branchOf, type FakeBlock } from "./fake-block.js";

/** Electrum's `max` for `blockchain.block.headers`: the server never returns more in one answer. */
export const MAX_HEADERS_PER_REQUEST = 2016;

export function merkleAnswer(block: FakeBlock, txid: string): TxMerkle {
  const pos = [block.coinbase.txid, ...block.txids].indexOf(txid);
  if (pos < 0) throw new BitcoinServerError(`tx ${txid} not in block ${block.hash} at height ${block.height}`, "blockchain.transaction.get_merkle", 1);
  return { blockHeight: block.height, pos, merkle: branchOf(block, pos).merkle };
}

export function positionAnswer(block: FakeBlock, pos: number): { txid: string; merkle: Uint8Array[] } {
  if (!Number.isInteger(pos) || pos < 0 || pos > block.txids.length) {
    throw new BitcoinServerError(`no tx at position ${pos} in block at height ${block.height}`, "blockchain.transaction.id_from_pos", 1);
  }
  return branchOf(block, pos);
}

/** Up to MAX_HEADERS_PER_REQUEST concatenated 80-byte headers from `start`, fewer at the tip. */
export function headersAnswer(blocks: readonly FakeBlock[], start: number, count: number): Uint8Array {
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0) {
    throw new BitcoinServerError(`bad header range ${start}+${count}`, "blockchain.block.headers", 1);
  }
  return concatBytes(...blocks.slice(start, start + Math.min(count, MAX_HEADERS_PER_REQUEST)).map((b) => b.header));
}
