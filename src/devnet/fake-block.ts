// The fake chain's blocks (fake-bitcoin-chain.ts), real enough for SPV proofs: a coinbase first
// (fake-coinbase.ts), the merkle root over the block's txids, and a nonce searched until the header
// hash meets the regtest target of nBits 0x207fffff (about every second try), linked by prevHash.
import type { Transaction } from "bitcoinjs-lib";
import type { BtcHeader } from "../bitcoin/bitcoin-chain.js";
import { merkleBranch, merkleRoot } from "../bitcoin/merkle.js";
import { hash256, txidFromHash } from "../bitcoin/tx.js";
import { concatBytes } from "../util/hex.js";
import { fakeCoinbase, u32le } from "./fake-coinbase.js";

const GENESIS_TIME = 1_700_000_000;
export const REGTEST_BITS = 0x207fffff;
const REGTEST_TARGET = 0x7fffffn << BigInt(8 * (0x20 - 3));

export interface FakeBlock {
  readonly height: number;
  /** The 80-byte header; its hash256 is the block hash. */
  readonly header: Uint8Array;
  readonly hash: string;
  readonly prevHash: string;
  /** The block's transactions after the coinbase, display-order txids. */
  readonly txids: readonly string[];
  readonly coinbase: { readonly txid: string; readonly raw: Uint8Array; readonly tx: Transaction };
  /** Internal-order hashes of every transaction, coinbase first: the merkle leaves. */
  readonly leaves: readonly Uint8Array[];
}

/** A block transaction: display txid and the bitcoinjs transaction (for its hashes). */
export interface BlockTx {
  readonly txid: string;
  readonly tx: Transaction;
}

/**
 * The block after `prev` (genesis when undefined) holding `txs`; `extraNonce` goes into the coinbase,
 * so a fork's blocks never share a hash with the old ones.
 */
export function nextBlock(prev: FakeBlock | undefined, txs: readonly BlockTx[], extraNonce: number): FakeBlock {
  const height = prev === undefined ? 0 : prev.height + 1;
  const coinbaseTx = fakeCoinbase(height, extraNonce, txs.map((t) => t.tx.getHash(true)));
  const leaves = [coinbaseTx.getHash(), ...txs.map((t) => t.tx.getHash())];
  const prevInternal = prev ? hash256(prev.header) : new Uint8Array(32);
  const root = merkleRoot(leaves);
  for (let nonce = 0; ; nonce++) {
    const header = concatBytes(u32le(0x20000000), prevInternal, root, u32le(GENESIS_TIME + height * 600), u32le(REGTEST_BITS), u32le(nonce));
    const hash = txidFromHash(hash256(header)); // display order, as txids
    if (BigInt("0x" + hash) > REGTEST_TARGET) continue;
    return {
      height,
      header,
      hash,
      prevHash: prev?.hash ?? "00".repeat(32),
      txids: txs.map((t) => t.txid),
      coinbase: { txid: coinbaseTx.getId(), raw: coinbaseTx.toBuffer(), tx: coinbaseTx },
      leaves,
    };
  }
}

export function headerOf(b: FakeBlock): BtcHeader {
  return { height: b.height, hash: b.hash, prevHash: b.prevHash };
}

/** Electrum's `get_merkle` / `id_from_pos` data for the transaction at `pos` (0 = coinbase). */
export function branchOf(b: FakeBlock, pos: number): { txid: string; merkle: Uint8Array[] } {
  const txid = pos === 0 ? b.coinbase.txid : b.txids[pos - 1];
  if (txid === undefined) throw new RangeError(`no tx at position ${pos} in block at height ${b.height}`);
  return { txid, merkle: merkleBranch(b.leaves, pos) };
}
