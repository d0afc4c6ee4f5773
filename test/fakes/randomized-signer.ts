// A WalletSigner whose every run uses fresh nonce randomness (still low-s, still valid): two signing
// runs of one transaction give different signatures, so P2SH txids differ (reliability.md §3.5).
// It answers like LocalKeySigner: only for its own wallet, only 32-byte digests, not once aborted.
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { UnknownWalletError, type SignRequest, type WalletSigner } from "../../src/actions/signer.js";
import { bytesEqual, toHex } from "../../src/util/hex.js";

export class RandomizedSigner implements WalletSigner {
  /** HASH160 of the compressed public key of `key`. */
  readonly walletPkh: Uint8Array;

  constructor(private readonly key: Uint8Array) {
    this.walletPkh = ripemd160(sha256(secp256k1.getPublicKey(key, true)));
  }

  async sign(req: SignRequest): Promise<Uint8Array[]> {
    req.signal?.throwIfAborted();
    if (!bytesEqual(req.walletPkh, this.walletPkh)) throw new UnknownWalletError(toHex(req.walletPkh));
    return req.digests.map((d) => {
      if (d.length !== 32) throw new Error(`digest must be 32 bytes, got ${d.length}`);
      return secp256k1.sign(d, this.key, { prehash: false, extraEntropy: true, lowS: true });
    });
  }
}
