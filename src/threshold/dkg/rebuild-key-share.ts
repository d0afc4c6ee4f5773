// Rebuilding one member's key share from its operator key and a copy of the transcript alone (threshold.md
// §3.2 last bullet, like ChillDKG's recovery). The member's round-1 polynomial is derived from its
// operator key (round1-randomness.ts), so the library's round 1 and 2 give its own package again; the
// shares addressed to it are decrypted from the transcript's round-2 messages; the library's round 3
// then gives the key share, checked against the wallet's registered walletX.
import type { Key } from "@noble/curves/abstract/frost.js";
import { bytesEqual, toHex } from "../../util/hex.js";
import { DkgAttempt } from "./dkg-attempt.js";
import { encodeRound1, encodeRound2 } from "./dkg-messages.js";
import type { DkgTranscript } from "./transcript.js";

/** The transcript does not give this member the expected key share (wrong key, damaged or foreign transcript). */
export class KeyShareRebuildError extends Error {
  override readonly name = "KeyShareRebuildError";
}

/** The key share of member `myIndex` of the wallet `expectedWalletX`, rebuilt from `transcript`. */
export function rebuildKeyShare(transcript: DkgTranscript, myIndex: number, myOperatorKey: Uint8Array, expectedWalletX: Uint8Array): Key {
  const position = transcript.included.indexOf(myIndex);
  if (position < 0) throw new KeyShareRebuildError(`member ${myIndex} did not take part in the transcript's attempt`);
  let attempt: DkgAttempt;
  try {
    attempt = new DkgAttempt({
      requestId: transcript.requestId,
      requestSeed: transcript.requestSeed,
      attempt: transcript.attempt,
      members: transcript.members,
      operatorPublicKeys: transcript.operatorPublicKeys,
      myIndex,
      myOperatorKey,
      threshold: transcript.threshold,
      included: transcript.included,
    });
  } catch (err) {
    throw new KeyShareRebuildError(`cannot rebuild member ${myIndex}: ${(err as Error).message}`, { cause: err });
  }
  if (!bytesEqual(encodeRound1(attempt.round1().message), encodeRound1(transcript.round1[position]))) {
    throw new KeyShareRebuildError(`this operator key does not give member ${myIndex}'s round-1 package of the transcript`);
  }
  transcript.included.forEach((sender, i) => {
    if (sender === myIndex) return;
    const r = attempt.acceptRound1(sender, transcript.round1[i]);
    if (r.kind !== "accepted") throw new KeyShareRebuildError(`round-1 message of member ${sender} in the transcript is not valid (${r.kind})`);
  });
  if (!bytesEqual(encodeRound2(attempt.round2()), encodeRound2(transcript.round2[position]))) {
    throw new KeyShareRebuildError(`this operator key does not give member ${myIndex}'s round-2 message of the transcript`);
  }
  transcript.included.forEach((sender, i) => {
    if (sender === myIndex) return;
    const r = attempt.acceptRound2(sender, transcript.round2[i]);
    if (r.kind !== "accepted") throw new KeyShareRebuildError(`the share from member ${sender} in the transcript does not verify (${r.kind})`);
  });
  const outcome = attempt.finish();
  if (!bytesEqual(outcome.walletX, expectedWalletX)) {
    throw new KeyShareRebuildError(`the transcript gives walletX ${toHex(outcome.walletX)}, not the expected ${toHex(expectedWalletX)}`);
  }
  return outcome.keyShare;
}
