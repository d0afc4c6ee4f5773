// One FROST signature from the shares of `t` members through the library's real round functions
// (RFC 9591: commit, signShare, aggregate; threshold.md §1, §5.2), all members in this process. Never
// signs with a whole secret: the suite is passed in as the three round functions only.
import { __TEST } from "@noble/curves/secp256k1.js";
import type { FROST, FrostPublic, FrostSecret, Identifier } from "@noble/curves/abstract/frost.js";

/** The round functions a signature is made with (the library's `schnorr_FROST`, or a test wrapper). */
export type FrostRounds = Pick<FROST, "commit" | "signShare" | "aggregate">;

/** One signing member: its 1-based member index and its secret share (FROST identifier = index). */
export interface FrostMemberShare {
  readonly member: number;
  readonly secret: FrostSecret;
}

/** `aggregate` found shares that fail RFC 9591 share verification; `members` names their senders. */
export class FrostCheaterError extends Error {
  override readonly name = "FrostCheaterError";
  constructor(readonly members: readonly number[], options?: ErrorOptions) {
    super(`FROST aggregate failed: invalid signature share from member${members.length === 1 ? "" : "s"} ${members.join(", ")}`, options);
  }
}

/**
 * The BIP-340 signature of `digest` by `signers` (exactly the `t` members of this session). With
 * `leafHash`, the key and the shares are tweaked by the library (`frostTweakPublic/frostTweakSecret`,
 * BIP-341 TapTweak with the leaf hash as merkle root, even-y normalised) and the signature verifies
 * under the deposit's output key Q; without it, under the untweaked group key's x (walletX).
 * Throws FrostCheaterError when a share is invalid (the library's aggregate names the cheaters).
 */
export function frostSignDigest(
  rounds: FrostRounds,
  pub: FrostPublic,
  signers: readonly FrostMemberShare[],
  digest: Uint8Array,
  leafHash?: Uint8Array,
): Uint8Array {
  const key = leafHash === undefined ? pub : __TEST.frostTweakPublic(pub, leafHash);
  const secrets = signers.map((s) => (leafHash === undefined ? s.secret : __TEST.frostTweakSecret(s.secret, pub, leafHash)));
  // Round 1: every member commits to fresh nonces (OS RNG); the nonces stay with this call.
  const round1 = secrets.map((s) => rounds.commit(s));
  const commitments = round1.map((r) => r.commitments);
  // Round 2: every member signs with its nonces (signShare zeroes them: one use only).
  const shares: Record<Identifier, Uint8Array> = {};
  secrets.forEach((s, i) => {
    shares[s.identifier] = rounds.signShare(s, key, round1[i].nonces, commitments, digest);
  });
  try {
    return rounds.aggregate(key, commitments, digest, shares);
  } catch (err) {
    const cheaters = (err as { cheaters?: unknown }).cheaters;
    if (!Array.isArray(cheaters) || cheaters.length === 0) throw err;
    const memberOf = new Map(signers.map((s) => [s.secret.identifier, s.member]));
    throw new FrostCheaterError(cheaters.map((id: Identifier) => memberOf.get(id) ?? -1), { cause: err });
  }
}
