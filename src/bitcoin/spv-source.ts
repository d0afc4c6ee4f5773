// What an SPV proof is built from (spv-proof.ts): Electrum's `blockchain.transaction.get_merkle`,
// `blockchain.transaction.id_from_pos` (merkle: true) and `blockchain.block.headers`, with the
// byte order already turned from Electrum's display order into Bitcoin's internal order.
// Implemented by ElectrumBitcoinChain and FakeBitcoinChain.
import type { AbortOptions } from "../util/lifecycle.js";
import type { BitcoinChain } from "./bitcoin-chain.js";

export interface TxMerkle {
  /** Height of the block that holds the transaction. */
  readonly blockHeight: number;
  /** 0-based position in the block (0 = coinbase). */
  readonly pos: number;
  /** Sibling hashes from the leaf up, internal byte order. */
  readonly merkle: readonly Uint8Array[];
}

export interface SpvSource extends Pick<BitcoinChain, "tip" | "getTransaction" | "confirmations"> {
  /** `blockchain.transaction.get_merkle(txid, height)`; a server error when the tx is not in that block. */
  transactionMerkle(txid: string, height: number, o?: AbortOptions): Promise<TxMerkle>;
  /** `blockchain.transaction.id_from_pos(height, pos, true)`: display-order txid and its sibling path. */
  txIdFromPos(height: number, pos: number, o?: AbortOptions): Promise<{ txid: string; merkle: readonly Uint8Array[] }>;
  /** `blockchain.block.headers(start, count)`: up to `count` 80-byte headers of the best chain from `start`, concatenated (fewer at the tip). */
  blockHeaders(start: number, count: number, o?: AbortOptions): Promise<Uint8Array>;
}
