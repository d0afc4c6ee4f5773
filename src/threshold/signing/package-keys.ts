// The FROST inputs of one digest of a package (threshold.md §4.2, §5.1): the group key it is signed
// under (the wallet key as held, or its leaf tweak for a deposit input, through the library's own
// tweak), and the subset's commitment list for that digest. Shared by members, coordinator and the
// offline evidence check so the three compute exactly the same thing.
import { __TEST } from "@noble/curves/secp256k1.js";
import type { FrostPublic, FrostSecret, NonceCommitments } from "@noble/curves/abstract/frost.js";
import type { TArg } from "@noble/curves/utils.js";
import { bytesEqual, toHex } from "../../util/hex.js";
import { frostIdentifier } from "../dev-wallet.js";
import type { Bip340DigestKey, PackageMessage } from "./signing-messages.js";

/** The public package a digest's shares are made and checked under. */
export function publicForKey(pub: FrostPublic, key: Bip340DigestKey): FrostPublic {
  return key.key === "wallet" ? pub : __TEST.frostTweakPublic(pub, key.leafHash);
}

/** The secret share a member signs a digest with (tweaked for a deposit's leaf key). */
export function secretForKey(secret: FrostSecret, pub: FrostPublic, key: Bip340DigestKey): FrostSecret {
  return key.key === "wallet" ? secret : __TEST.frostTweakSecret(secret, pub, key.leafHash);
}

/** Memoises `publicForKey` per leaf hash: tweaking costs one point addition per verifying share. */
export class TweakedPublics {
  private readonly byLeaf = new Map<string, FrostPublic>();
  constructor(readonly base: FrostPublic) {}

  of(key: Bip340DigestKey): FrostPublic {
    if (key.key === "wallet") return this.base;
    const id = toHex(key.leafHash);
    let pub = this.byLeaf.get(id);
    if (pub === undefined) {
      pub = publicForKey(this.base, key);
      this.byLeaf.set(id, pub);
    }
    return pub;
  }
}

/** The library's commitment list of digest `i`: one entry per subset member, identifier = member index. */
export function commitmentListOf(pkg: PackageMessage, i: number): TArg<NonceCommitments[]> {
  return pkg.subset.map((member, j) => ({
    identifier: frostIdentifier(member),
    hiding: pkg.commitments[j][i].hiding,
    binding: pkg.commitments[j][i].binding,
  }));
}

export function sameDigestKey(a: Bip340DigestKey, b: Bip340DigestKey): boolean {
  if (a.key === "wallet" || b.key === "wallet") return a.key === b.key;
  return bytesEqual(a.leafHash, b.leafHash);
}

/** The x-only wallet key of a public package: x of `commitments[0]` (the form dev-wallet.ts holds). */
export function walletXOf(pub: FrostPublic): Uint8Array {
  return pub.commitments[0].slice(1);
}
