// A whole FROST wallet key for tests (what t members' shares sign as): the x-only walletX, and
// BIP-340 signatures of the wallet key or of its Taproot tweak (threshold.md §4.2: Q = lift_x(walletX) + t·G).
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import type { TaprootSigningKey } from "../../../src/bitcoin/taproot-tx.js";
import { xOnlyPubKeyHash } from "../../../src/bitcoin/taproot.js";

const N = secp256k1.Point.Fn.ORDER;

const toBytes32 = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));

export interface TestFrostWallet {
  readonly walletX: Uint8Array;
  readonly pkh: Uint8Array;
  /** The secret of lift_x(walletX) (even y), i.e. d or n − d. */
  readonly secret: bigint;
}

export function testFrostWallet(seed: number): TestFrostWallet {
  const d = BigInt(seed) * 0x1000003n + 7n;
  const p = secp256k1.Point.BASE.multiply(d);
  const secret = (p.toAffine().y & 1n) === 0n ? d : N - d;
  const walletX = schnorr.getPublicKey(toBytes32(d));
  return { walletX, pkh: xOnlyPubKeyHash(walletX), secret };
}

/** The 64-byte BIP-340 signature of `digest` under the input's key (the wallet key plus the input's tweak). */
export function signTaproot(wallet: TestFrostWallet, key: TaprootSigningKey, digest: Uint8Array): Uint8Array {
  return schnorr.sign(digest, toBytes32((wallet.secret + key.tweak) % N), new Uint8Array(32));
}
