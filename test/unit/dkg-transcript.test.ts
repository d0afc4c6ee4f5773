// The transcript of a successful attempt (threshold.md §3.2): its strict encoding, and the rebuild of a
// member's key share from the operator key and a copy of the transcript alone (ChillDKG-style recovery),
// which must sign exactly as the original share does.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { DkgOutcome } from "../../src/threshold/dkg/dkg-attempt.js";
import { DkgDecodeError } from "../../src/threshold/dkg/dkg-messages.js";
import { encodeKeyShare } from "../../src/threshold/dkg/key-share-codec.js";
import { KeyShareRebuildError, rebuildKeyShare } from "../../src/threshold/dkg/rebuild-key-share.js";
import { decodeTranscript, encodeTranscript, type DkgTranscript } from "../../src/threshold/dkg/transcript.js";
import { frostSignDigest } from "../../src/threshold/frost-rounds.js";
import { verifyBip340Signature } from "../../src/threshold/taproot.js";
import { toHex } from "../../src/util/hex.js";
import { runHonestDkg, testOperators } from "./dkg-fixture.js";

const ops = testOperators(5);
const INCLUDED = [1, 2, 3, 5]; // an attempt after member 4 was excluded
let outcomes: Map<number, DkgOutcome>;
let transcriptBytes: Uint8Array;

beforeAll(() => {
  outcomes = runHonestDkg(ops, 3, INCLUDED, 2);
  transcriptBytes = encodeTranscript(outcomes.get(1)!.transcript);
});

describe("transcript encoding", () => {
  it("round-trips byte for byte and holds every included member's two messages", () => {
    const t = decodeTranscript(transcriptBytes);
    expect(toHex(encodeTranscript(t))).toBe(toHex(transcriptBytes));
    expect(t).toMatchObject({ requestId: 42n, attempt: 2, threshold: 3, included: INCLUDED });
    expect(t.members).toEqual(ops.map((o) => o.address));
    expect(t.round1.map((m) => m.sender)).toEqual(INCLUDED);
    expect(t.round2.map((m) => m.sender)).toEqual(INCLUDED);
    expect(t.round2[0].shares.map((s) => s.recipient)).toEqual([2, 3, 5]);
  });

  it("refuses trailing bytes, truncation, another kind, and messages out of order", () => {
    expect(() => decodeTranscript(Uint8Array.of(...transcriptBytes, 0))).toThrow(DkgDecodeError);
    expect(() => decodeTranscript(transcriptBytes.subarray(0, transcriptBytes.length - 1))).toThrow(DkgDecodeError);
    expect(() => decodeTranscript(Uint8Array.of(0x11, ...transcriptBytes.subarray(1)))).toThrow(/not a DKG transcript/);
    const t = decodeTranscript(transcriptBytes);
    const swapped: DkgTranscript = { ...t, round1: [t.round1[1], t.round1[0], ...t.round1.slice(2)] };
    expect(() => decodeTranscript(encodeTranscript(swapped))).toThrow(/out of included order/);
    const otherAttempt: DkgTranscript = { ...t, round2: [{ ...t.round2[0], attempt: 1 }, ...t.round2.slice(1)] };
    expect(() => decodeTranscript(encodeTranscript(otherAttempt))).toThrow(/another request or attempt/);
  });
});

describe("rebuildKeyShare", () => {
  it("reproduces member 2's key share from its operator key and the transcript alone, and it signs the same way", () => {
    const original = outcomes.get(2)!;
    const rebuilt = rebuildKeyShare(decodeTranscript(transcriptBytes), 2, ops[1].privateKey, original.walletX);
    expect(toHex(encodeKeyShare(rebuilt))).toBe(toHex(encodeKeyShare(original.keyShare)));
    const digest = sha256(Uint8Array.of(9));
    const signers = [
      { member: 2, secret: rebuilt.secret },
      { member: 3, secret: outcomes.get(3)!.keyShare.secret },
      { member: 5, secret: outcomes.get(5)!.keyShare.secret },
    ];
    const sig = frostSignDigest(schnorr_FROST, rebuilt.public, signers, digest);
    expect(verifyBip340Signature(digest, sig, original.walletX)).toBe(true);
  });

  it("refuses another member's key, a member not in the attempt, another walletX, and a damaged share", () => {
    const t = decodeTranscript(transcriptBytes);
    const walletX = outcomes.get(2)!.walletX;
    expect(() => rebuildKeyShare(t, 2, ops[2].privateKey, walletX)).toThrow(KeyShareRebuildError);
    expect(() => rebuildKeyShare(t, 4, ops[3].privateKey, walletX)).toThrow(/did not take part/);
    expect(() => rebuildKeyShare(t, 2, ops[1].privateKey, new Uint8Array(32).fill(1))).toThrow(/not the expected/);
    const ciphertext = t.round2[0].shares[0].ciphertext.slice(); // member 1's share to member 2
    ciphertext[0] ^= 1;
    const damaged: DkgTranscript = { ...t, round2: [{ ...t.round2[0], shares: [{ recipient: 2, ciphertext }, ...t.round2[0].shares.slice(1)] }, ...t.round2.slice(1)] };
    expect(() => rebuildKeyShare(damaged, 2, ops[1].privateKey, walletX)).toThrow(/from member 1/);
    // Member 3's rebuild does not need member 2's ciphertext: still fine from the damaged copy.
    expect(toHex(encodeKeyShare(rebuildKeyShare(damaged, 3, ops[2].privateKey, walletX)))).toBe(toHex(encodeKeyShare(outcomes.get(3)!.keyShare)));
  });
});
