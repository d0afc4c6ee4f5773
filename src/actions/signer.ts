// The node's only view of threshold signing (reliability.md §3.5): WalletSigner (its contract lives in
// threshold/wallet-signer.ts and is re-exported here), the deterministic signing round id (§3.4 item 6),
// signature verification against the Bridge's wallet key (ECDSA, and BIP-340 for FROST wallets), and
// LocalKeySigner for development networks (the wallet key in a file).
import { readFileSync } from "node:fs";
import { Signature, SigningKey, keccak256 } from "ethers";
import { walletPkhFromPublicKey } from "../coordination/seed.js";
import { UnknownWalletError, digestKeysOf, type SignRequest, type WalletSigner } from "../threshold/wallet-signer.js";
import { bytesEqual, concatBytes, fromHex, to0x, toHex } from "../util/hex.js";

export { ECDSA_DIGEST, UnknownWalletError, digestKeysOf } from "../threshold/wallet-signer.js";
export type { DigestKey, SignRequest, WalletSigner } from "../threshold/wallet-signer.js";
export { bip340KeyOf, tapLeafOutputKey, verifyBip340Signature } from "../threshold/taproot.js";

/** secp256k1 group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
const ROUND_TAG = new TextEncoder().encode("wcoord-sign");

/** keccak256(utf8("wcoord-sign") ‖ walletPKH ‖ uint64BE(W) ‖ concat(digests)). */
export function signingRoundId(walletPkh: Uint8Array, W: number, digests: readonly Uint8Array[]): Uint8Array {
  if (walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${walletPkh.length}`);
  if (!Number.isSafeInteger(W) || W < 0) throw new Error(`invalid window block ${W}`);
  const be = new Uint8Array(8);
  new DataView(be.buffer).setBigUint64(0, BigInt(W));
  return fromHex(keccak256(concatBytes(ROUND_TAG, walletPkh, be, ...digests)));
}

function bigOf(bytes: Uint8Array): bigint {
  return BigInt(to0x(bytes));
}

/**
 * True when `sig64` (r ‖ s, low-s) is a valid ECDSA signature of `digest` by the key X ‖ Y
 * (64 bytes, as the Bridge's `walletPublicKey` returns it). Never throws.
 */
export function verifyWalletSignature(digest: Uint8Array, sig64: Uint8Array, publicKeyXY64: Uint8Array): boolean {
  if (digest.length !== 32 || sig64.length !== 64 || publicKeyXY64.length !== 64) return false;
  const r = bigOf(sig64.subarray(0, 32));
  const s = bigOf(sig64.subarray(32));
  if (r <= 0n || r >= N || s <= 0n || s > HALF_N) return false;
  const expected = concatBytes(Uint8Array.of(4), publicKeyXY64);
  // No recovery id in r ‖ s: the key matches under one of the two parities or not at all.
  for (const yParity of [0, 1] as const) {
    try {
      const sig = Signature.from({ r: to0x(sig64.subarray(0, 32)), s: to0x(sig64.subarray(32)), yParity });
      if (bytesEqual(fromHex(SigningKey.recoverPublicKey(digest, sig)), expected)) return true;
    } catch {
      // r is not the x coordinate of a curve point for this parity.
    }
  }
  return false;
}

/** r ‖ s of an ethers signature (ethers signs canonically: low-s). */
function rs64(sig: Signature): Uint8Array {
  return concatBytes(fromHex(sig.r), fromHex(sig.s));
}

/**
 * Development signer: holds whole wallet private keys by PKH. Every key is checked against its PKH
 * (HASH160 of the compressed public key) when loaded, so a mislabelled file fails at start.
 */
export class LocalKeySigner implements WalletSigner {
  private readonly keys = new Map<string, SigningKey>();

  constructor(privateKeys: Iterable<string | Uint8Array>) {
    for (const pk of privateKeys) {
      const key = new SigningKey(typeof pk === "string" ? pk : to0x(pk));
      this.keys.set(toHex(walletPkhFromPublicKey(fromHex(key.publicKey))), key);
    }
  }

  /** Reads `{ "<pkh hex>": "<0x private key>" }`; throws if a key does not belong to its PKH. */
  static fromFile(path: string): LocalKeySigner {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error(`${path}: expected a JSON object { "<wallet pkh hex>": "<0x private key>" }`);
    }
    const signer = new LocalKeySigner([]);
    for (const [pkh, pk] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof pk !== "string") throw new Error(`${path}: the key of wallet ${pkh} is not a string`);
      const key = new SigningKey(pk);
      const derived = toHex(walletPkhFromPublicKey(fromHex(key.publicKey)));
      const named = toHex(fromHex(pkh));
      if (derived !== named) throw new Error(`${path}: the key listed for wallet ${named} belongs to wallet ${derived}`);
      signer.keys.set(derived, key);
    }
    return signer;
  }

  /** Wallet PKHs (lowercase hex) this signer holds. */
  wallets(): string[] {
    return [...this.keys.keys()];
  }

  async sign(req: SignRequest): Promise<Uint8Array[]> {
    req.signal?.throwIfAborted();
    const key = this.keys.get(toHex(req.walletPkh));
    if (key === undefined) throw new UnknownWalletError(toHex(req.walletPkh));
    if (digestKeysOf(req).some((k) => k.scheme !== "ecdsa")) throw new Error("LocalKeySigner signs ECDSA digests only");
    return req.digests.map((d) => {
      if (d.length !== 32) throw new Error(`digest must be 32 bytes, got ${d.length}`);
      return rs64(key.sign(d));
    });
  }
}
