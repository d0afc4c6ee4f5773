// The randomness a member feeds the library's `DKG.round1` (its secret polynomial and the nonce of its
// proof of knowledge), derived from its operator key and the attempt instead of the OS RNG. Why:
//  - a restarted member recomputes the very same round-1 package, so it can never send two different
//    packages for one (request, attempt) (threshold.md §3.2), without keeping the polynomial on disk;
//  - its round-2 shares are then the same too, so each pair key (share-encryption.ts) encrypts one plaintext;
//  - a member can rebuild its key share from its operator key and the transcript alone, rerunning the
//    library's round 1, 2 and 3 (transcript.ts), as ChillDKG's recovery does.
// The stream is HKDF-SHA256 keyed by the operator key and bound to the request seed (unique per request
// of one registry on one chain), the request id, the attempt, the threshold, the member and the
// included set, so no two attempts share a polynomial. Whoever holds the operator key can recompute it;
// that key already decrypts every share the member receives, so it exposes nothing new.
import { extract, expand } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../../util/hex.js";
import { ByteWriter } from "./dkg-wire.js";
import type { DkgSession } from "./dkg-session.js";

const LABEL = new TextEncoder().encode("wcoord-frost-dkg-round1-v1");

export interface Round1RandomnessInput {
  readonly session: DkgSession;
  readonly operatorKey: Uint8Array;
  readonly myIndex: number;
  readonly threshold: number;
  /** Ascending member indices taking part in the attempt. */
  readonly included: readonly number[];
}

/** An `rng(bytesLength)` for the library: each call returns the next fresh block of the stream. */
export function round1Randomness(input: Round1RandomnessInput): (bytesLength?: number) => Uint8Array {
  const { session } = input;
  const context = new ByteWriter().uint256(session.requestId).u32(session.attempt).u8(input.threshold).u8(input.myIndex).u8(input.included.length);
  for (const i of input.included) context.u8(i);
  const prk = extract(sha256, input.operatorKey, session.requestSeed);
  const info = concatBytes(LABEL, context.bytes());
  let counter = 0;
  return (bytesLength = 32) => {
    // expand() is limited to 255·32 bytes per call; the library asks for 48 at a time.
    const ctr = new ByteWriter().u32(counter++).u16(bytesLength).bytes();
    return expand(sha256, prk, concatBytes(info, ctr), bytesLength);
  };
}
