// A synthetic Bitcoin chain at regtest difficulty (nBits 0x207fffff) for SPV proof tests: real
// transaction and merkle encodings and mined headers, with no claim to be on any network. Regtest's
// target is above the difficulty-1 target, so bitcoin-spv rates each header at difficulty 0.
import { concat, getBytes, hexlify, sha256, toBeHex, zeroPadValue } from "ethers";

export const REGTEST_BITS = 0x207fffff;

/** Double sha256, in internal byte order. */
export function hash256(data: Uint8Array | string): string {
  return sha256(sha256(data));
}

function le32(n: number): string {
  return hexlify(Uint8Array.from(getBytes(zeroPadValue(toBeHex(n), 4))).reverse());
}

/** The target a compact `bits` value encodes. */
export function targetOf(bits: number): bigint {
  return BigInt(bits & 0xffffff) << (8n * (BigInt(bits >>> 24) - 3n));
}

/** The header hash read as a little-endian number, as proof-of-work compares it. */
export function headerWork(header: string): bigint {
  return BigInt(hexlify(getBytes(hash256(header)).reverse()));
}

/** An 80-byte header; with `mined`, the first nonce from `nonce` at or below the target, else that nonce. */
export function makeHeader(
  prevHashLE: string,
  merkleRootLE: string,
  time: number,
  opts: { bits?: number; nonce?: number; mined?: boolean } = {},
): string {
  const bits = opts.bits ?? REGTEST_BITS;
  const build = (nonce: number): string =>
    hexlify(concat(["0x00000020", prevHashLE, merkleRootLE, le32(time), le32(bits), le32(nonce)]));
  let nonce = opts.nonce ?? 0;
  if (opts.mined === false) return build(nonce);
  while (headerWork(build(nonce)) > targetOf(bits)) nonce++;
  return build(nonce);
}

/** A header at `nonce` or the next one whose hash is above the target (fails the work check). */
export function unminedHeader(prevHashLE: string, merkleRootLE: string, time: number): string {
  for (let nonce = 0; ; nonce++) {
    const h = makeHeader(prevHashLE, merkleRootLE, time, { nonce, mined: false });
    if (headerWork(h) > targetOf(REGTEST_BITS)) return h;
  }
}

/** Merkle root and the path of leaf `index` (siblings, lowest first), Bitcoin's odd-level duplication. */
export function merklePath(leavesLE: readonly string[], index: number): { root: string; path: string } {
  let level = [...leavesLE];
  let i = index;
  const path: string[] = [];
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]);
    path.push(level[i ^ 1]);
    const next: string[] = [];
    for (let k = 0; k < level.length; k += 2) next.push(hash256(concat([level[k], level[k + 1]])));
    level = next;
    i >>= 1;
  }
  return { root: level[0], path: path.length === 0 ? "0x" : hexlify(concat(path)) };
}

/** A coinbase transaction (BIP-34 height push), non-witness serialization. */
export function coinbaseTx(height: number): string {
  const heightPush = concat(["0x03", le32(height).slice(0, 8)]);
  const script = concat([heightPush, "0x00"]);
  return hexlify(
    concat([
      "0x01000000",
      "0x01",
      zeroPadValue("0x", 32),
      "0xffffffff",
      toBeHex(getBytes(script).length, 1),
      script,
      "0xffffffff",
      "0x01",
      "0x00f2052a01000000",
      "0x160014",
      "0x" + "11".repeat(20),
      "0x00000000",
    ]),
  );
}

/** A one-input, one-output payment spending `prevTxLE:0`, split as `BitcoinTx.Info`. */
export function paymentTx(prevTxLE: string, value: bigint): { version: string; inputVector: string; outputVector: string; locktime: string } {
  const valueLE = hexlify(getBytes(zeroPadValue(toBeHex(value), 8)).reverse());
  return {
    version: "0x02000000",
    inputVector: hexlify(concat(["0x01", prevTxLE, "0x00000000", "0x00", "0xffffffff"])),
    outputVector: hexlify(concat(["0x01", valueLE, "0x160014", "0x" + "22".repeat(20)])),
    locktime: "0x00000000",
  };
}

export function serialize(info: { version: string; inputVector: string; outputVector: string; locktime: string }): string {
  return hexlify(concat([info.version, info.inputVector, info.outputVector, info.locktime]));
}
