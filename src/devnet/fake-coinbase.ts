// The fake chain's coinbase transactions (fake-block.ts): first in every block, as on Bitcoin, so
// an SPV proof has a real coinbase to commit to. BIP-34 height first in the scriptSig; an extra
// nonce after it keeps a fork's coinbase (hence its merkle root and header) unlike the old one's;
// the BIP-141 witness commitment and reserved value, so the proof builder meets a witness coinbase.
import { opcodes, script as bscript, Transaction } from "bitcoinjs-lib";
import { hash256 } from "../bitcoin/tx.js";
import { merkleRoot } from "../bitcoin/merkle.js";
import { concatBytes } from "../util/hex.js";

const SUBSIDY = 50_0000_0000n;
/** Regtest halves the subsidy every 150 blocks. */
const HALVING_INTERVAL = 150;
const WITNESS_RESERVED = new Uint8Array(32);
const COMMITMENT_HEADER = Uint8Array.of(0xaa, 0x21, 0xa9, 0xed);

/** The coinbase of block `height`, whose other transactions have witness hashes `wtxHashes` (internal order). */
export function fakeCoinbase(height: number, extraNonce: number, wtxHashes: readonly Uint8Array[]): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  // Bitcoin Core's push of the height: OP_0 / OP_1..OP_16 for small heights, else a minimal number.
  const heightPush = height === 0 ? opcodes.OP_0 : height <= 16 ? opcodes.OP_1 + height - 1 : bscript.number.encode(height);
  const tag = concatBytes(new TextEncoder().encode("wcoord"), u32le(extraNonce));
  tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, bscript.compile([heightPush, tag]));
  tx.addOutput(Uint8Array.of(opcodes.OP_TRUE), SUBSIDY >> BigInt(Math.min(63, Math.floor(height / HALVING_INTERVAL))));
  // BIP-141: the coinbase's own wtxid counts as zero in the witness tree.
  const witnessRoot = merkleRoot([new Uint8Array(32), ...wtxHashes]);
  const commitment = concatBytes(COMMITMENT_HEADER, hash256(concatBytes(witnessRoot, WITNESS_RESERVED)));
  tx.addOutput(bscript.compile([opcodes.OP_RETURN, commitment]), 0n);
  tx.setWitness(0, [WITNESS_RESERVED]);
  return tx;
}

/** 4 bytes, little-endian (Bitcoin's header and script integers). */
export function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}
