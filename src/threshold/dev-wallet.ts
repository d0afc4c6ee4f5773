// Development FROST wallets from the library's trusted dealer (threshold.md §1, §2), deterministic from
// a seed so the devnet and tests can rebuild the same wallet. A dealer sees the whole key while it deals:
// these wallets are for development only; real wallets come from the DKG (§3).
//
// Form of the key held here: the trusted dealer's output is NOT tweaked (the library's DKG output is
// BIP-86-tweaked with an empty script tree; this one is not). `public.commitments[0]` is the 33-byte
// group key, whose y may be odd; `walletX` is its x coordinate, used x-only: a Schnorr signature of the
// group verifies under `walletX` with no further tweak, so `walletX` is the wallet key of §1 as it is.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { FrostPublic, FrostSecret, Identifier } from "@noble/curves/abstract/frost.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { walletPkhFromPublicKey } from "../coordination/seed.js";
import { concatBytes } from "../util/hex.js";

export interface DevFrostWallet {
  /** 32-byte x-only wallet key (BIP-340, the point with even y). */
  readonly walletX: Uint8Array;
  /** HASH160(0x02 ‖ walletX). */
  readonly walletPkh: Uint8Array;
  /** Signers needed (`t`). */
  readonly threshold: number;
  /** The dealer's public package (untweaked; see the head of this file). */
  readonly public: FrostPublic;
  /** Member index (1-based) → that member's secret share; member `i` has FROST identifier `i`. */
  readonly shares: ReadonlyMap<number, FrostSecret>;
}

const RNG_TAG = new TextEncoder().encode("wcoord-frost-dev-dealer");

/** The RFC 9591 identifier of member index `i` (1-based): the scalar `i` (threshold.md §2). */
export function frostIdentifier(memberIndex: number): Identifier {
  return schnorr_FROST.Identifier.fromNumber(memberIndex);
}

/** A deterministic byte stream: sha256(tag ‖ seed ‖ u32BE(counter)) blocks, consumed in order. */
function seededRng(seed: Uint8Array): (bytesLength?: number) => Uint8Array {
  let counter = 0;
  return (bytesLength = 32) => {
    const out = new Uint8Array(bytesLength);
    for (let off = 0; off < bytesLength; off += 32) {
      const ctr = new Uint8Array(4);
      new DataView(ctr.buffer).setUint32(0, counter++);
      const block = sha256(concatBytes(RNG_TAG, seed, ctr));
      out.set(block.subarray(0, Math.min(32, bytesLength - off)), off);
    }
    return out;
  };
}

/**
 * Deals a `threshold`-of-`members` FROST wallet with the library's trusted dealer, every coefficient
 * (the group secret included) drawn from a stream seeded by `seed`: the same seed gives the same wallet.
 * The group secret exists only inside `trustedDealer`; what it returns, and this function keeps, is
 * the public package and one share per member.
 */
export function createDevFrostWallet(seed: Uint8Array, members: number, threshold: number): DevFrostWallet {
  if (!Number.isInteger(members) || members < 2 || members > 255) throw new Error(`members must be 2…255, got ${members}`);
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > members) throw new Error(`threshold must be 2…${members}, got ${threshold}`);
  const ids = Array.from({ length: members }, (_, i) => frostIdentifier(i + 1));
  const deal = schnorr_FROST.trustedDealer({ min: threshold, max: members }, ids, undefined, seededRng(seed));
  const groupKey = deal.public.commitments[0];
  const walletX = groupKey.slice(1);
  const shares = new Map<number, FrostSecret>(ids.map((id, i) => [i + 1, deal.secretShares[id]]));
  return {
    walletX,
    walletPkh: walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), walletX)),
    threshold,
    public: deal.public,
    shares,
  };
}
