// The fake chain's blocks (fake-bitcoin-chain.ts): regtest-style 80-byte headers linked by hash,
// with a real merkle root, so the Electrum client and the tip tracker check them as real ones.
import type { BtcHeader } from "../bitcoin/bitcoin-chain.js";
import { hash256 } from "../bitcoin/tx.js";
import { concatBytes, toHex } from "../util/hex.js";

const GENESIS_TIME = 1_700_000_000;
const REGTEST_BITS = 0x207fffff;

export interface FakeBlock {
  readonly height: number;
  /** The 80-byte header; its hash256 is the block hash. */
  readonly header: Uint8Array;
  readonly hash: string;
  readonly prevHash: string;
  readonly txids: readonly string[];
}

/**
 * The block after `prev` (genesis when undefined) holding `txids`, whose internal hashes are
 * `txHashes`; `nonce` makes every header unique, so a fork's blocks never share a hash with the old ones.
 */
export function nextBlock(prev: FakeBlock | undefined, txids: readonly string[], txHashes: Uint8Array[], nonce: number): FakeBlock {
  const height = prev === undefined ? 0 : prev.height + 1;
  const prevInternal = prev ? hash256(prev.header) : new Uint8Array(32);
  const header = concatBytes(
    u32le(0x20000000), prevInternal, merkleRoot(txHashes),
    u32le(GENESIS_TIME + height * 600), u32le(REGTEST_BITS), u32le(nonce),
  );
  return { height, header, hash: toHex(reverse(hash256(header))), prevHash: prev?.hash ?? "00".repeat(32), txids: [...txids] };
}

export function headerOf(b: FakeBlock): BtcHeader {
  return { height: b.height, hash: b.hash, prevHash: b.prevHash };
}

function merkleRoot(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return new Uint8Array(32);
  let level = hashes;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hash256(concatBytes(level[i], level[i + 1] ?? level[i])));
    level = next;
  }
  return level[0];
}

function reverse(b: Uint8Array): Uint8Array {
  return Uint8Array.from(b).reverse();
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}
