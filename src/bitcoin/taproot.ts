// Taproot forms of FROST wallets (threshold.md §2, §4.1–4.2): the wallet's P2TR output
// `0x5120 ‖ walletX` (the key untweaked, spent by key path), the deposit's refund leaf, its leaf hash,
// the TapTweak `t` and the output key `x(lift_x(walletX) + t·G)`, and the 20-byte PKH alias of an
// x-only key. BIP-340/341 arithmetic from @noble/curves; checked against bitcoinjs-lib in the tests.
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesEqual, concatBytes } from "../util/hex.js";
import { compactSize, expectLength, extraDataPart, hash160 } from "./scripts.js";

/** BIP-341 leaf version of a tapscript. */
export const TAPSCRIPT_LEAF_VERSION = 0xc0;
const N = secp256k1.Point.CURVE().n;

function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** OP_1 <32-byte x-only key> (34 bytes): a FROST wallet's own output, or a deposit's tweaked output. */
export function p2trScript(x: Uint8Array): Uint8Array {
  expectLength("P2TR key", x, 32);
  return concatBytes(Uint8Array.of(0x51, 0x20), x);
}

/** The 32-byte key of a P2TR output script, or null when the script is not P2TR. */
export function p2trKeyOf(script: Uint8Array): Uint8Array | null {
  return script.length === 34 && script[0] === 0x51 && script[1] === 0x20 ? script.subarray(2) : null;
}

/** HASH160(0x02 ‖ x): the 20-byte alias of an x-only key (a FROST wallet's PKH, a Taproot refund PKH). */
export function xOnlyPubKeyHash(x: Uint8Array): Uint8Array {
  expectLength("x-only key", x, 32);
  return hash160(concatBytes(Uint8Array.of(0x02), x));
}

/** Whether `x` is the x coordinate of a curve point (BIP-340 lift_x succeeds). */
export function isValidXOnlyKey(x: Uint8Array): boolean {
  if (x.length !== 32) return false;
  try {
    schnorr.utils.lift_x(bytesToBigInt(x));
    return true;
  } catch {
    return false;
  }
}

export interface TaprootRefundLeafParts {
  depositor: Uint8Array; // 20 bytes: the revealer's address
  blindingFactor: Uint8Array; // 8
  refundLocktime: Uint8Array; // 4, little-endian
  refundX: Uint8Array; // 32: the depositor's x-only refund key
  extraData?: Uint8Array; // 32; absent or zero for a regular deposit
}

/**
 * The refund leaf of §4.2, exactly (73 bytes; 107 with non-zero extra data):
 * `0x14 <depositor> 0x75 [0x20 <extraData> 0x75] 0x08 <blinding> 0x75 0x04 <locktime LE> 0xb1 0x75 0x20 <refundX> 0xac`.
 */
export function taprootRefundLeaf(p: TaprootRefundLeafParts): Uint8Array {
  const lengths: [string, Uint8Array, number][] = [
    ["depositor", p.depositor, 20], ["blinding factor", p.blindingFactor, 8], ["refund locktime", p.refundLocktime, 4], ["refund x", p.refundX, 32],
  ];
  for (const [what, b, n] of lengths) expectLength(what, b, n);
  return concatBytes(
    Uint8Array.of(0x14), p.depositor, Uint8Array.of(0x75),
    extraDataPart(p.extraData),
    Uint8Array.of(0x08), p.blindingFactor, Uint8Array.of(0x75),
    Uint8Array.of(0x04), p.refundLocktime, Uint8Array.of(0xb1, 0x75),
    Uint8Array.of(0x20), p.refundX, Uint8Array.of(0xac),
  );
}

/** `TaggedHash("TapLeaf", leafVersion ‖ compactSize(len) ‖ script)`. */
export function tapLeafHash(script: Uint8Array, leafVersion = TAPSCRIPT_LEAF_VERSION): Uint8Array {
  return schnorr.utils.taggedHash("TapLeaf", Uint8Array.of(leafVersion), compactSize(script.length), script);
}

/** `t = TaggedHash("TapTweak", internalX ‖ merkleRoot)` as a scalar; throws when `t ≥ n` (BIP-341). */
export function tapTweak(internalX: Uint8Array, merkleRoot: Uint8Array): bigint {
  expectLength("internal key", internalX, 32);
  expectLength("merkle root", merkleRoot, 32);
  const t = bytesToBigInt(schnorr.utils.taggedHash("TapTweak", internalX, merkleRoot));
  if (t >= N) throw new Error("Taproot tweak out of range (t ≥ n)");
  return t;
}

/** `Q = lift_x(internalX) + t·G`: its x coordinate and whether its y is odd (the control block's parity bit). */
export function tweakedOutputKey(internalX: Uint8Array, t: bigint): { outputX: Uint8Array; oddY: boolean } {
  const p = schnorr.utils.lift_x(bytesToBigInt(internalX));
  const q = t === 0n ? p : p.add(secp256k1.Point.BASE.multiply(t));
  if (q.equals(secp256k1.Point.ZERO)) throw new Error("Taproot key tweak gives the point at infinity");
  const { y } = q.toAffine();
  return { outputX: schnorr.utils.pointToBytes(q), oddY: (y & 1n) === 1n };
}

/** Everything a Taproot deposit to `walletX` commits to, and the key that spends it by key path. */
export interface TaprootDepositOutput {
  /** The funding output script `0x5120 ‖ x(Q)`. */
  readonly script: Uint8Array;
  /** The refund leaf's hash: the merkle root of the one-leaf tree, the signer's tweak input. */
  readonly leafHash: Uint8Array;
  /** `t`, the scalar added to the wallet key. */
  readonly tweak: bigint;
  /** x(Q), the key the key-path signature verifies under. */
  readonly outputX: Uint8Array;
  readonly oddY: boolean;
}

/** The P2TR output of a deposit: internal key `walletX`, one leaf `leaf` (version 0xc0). */
export function taprootDepositOutput(walletX: Uint8Array, leaf: Uint8Array): TaprootDepositOutput {
  const leafHash = tapLeafHash(leaf);
  const tweak = tapTweak(walletX, leafHash);
  const { outputX, oddY } = tweakedOutputKey(walletX, tweak);
  return { script: p2trScript(outputX), leafHash, tweak, outputX, oddY };
}

/** Whether `outputScript` is exactly the P2TR output of the deposit leaf `leaf` to `walletX`. */
export function isTaprootDepositOutput(outputScript: Uint8Array, walletX: Uint8Array, leaf: Uint8Array): boolean {
  return bytesEqual(outputScript, taprootDepositOutput(walletX, leaf).script);
}
