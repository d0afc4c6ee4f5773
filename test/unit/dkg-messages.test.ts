// The DKG's binary forms (dkg-messages.ts, transcript.ts, key-share-codec.ts): round trips and the
// refusals one by one. The fuzz of every decoder is dkg-fuzz.test.ts.
import { describe, expect, it } from "vitest";
import {
  decodeComplaint,
  decodeResultSignature,
  decodeRound1,
  decodeRound2,
  DkgDecodeError,
  encodeComplaint,
  encodeResultSignature,
  encodeRound1,
  encodeRound2,
} from "../../src/threshold/dkg/dkg-messages.js";
import { toHex } from "../../src/util/hex.js";
import { CODECS, complaint, result, t } from "./dkg-codec-samples.js";

describe("DKG message encodings", () => {
  it("round-trip byte for byte", () => {
    for (const c of CODECS) for (const s of c.samples) expect(toHex(c.encode(c.decode(s) as never)), c.name).toBe(toHex(s));
    expect(decodeComplaint(encodeComplaint(complaint))).toEqual(complaint);
    expect(decodeResultSignature(encodeResultSignature(result))).toEqual(result);
  });

  it("round 1: kind, exact length, member index, commitment count", () => {
    const b = encodeRound1(t.round1[0]);
    expect(b.length).toBe(1 + 32 + 4 + 1 + 1 + 3 * 33 + 64);
    expect(() => decodeRound1(Uint8Array.of(...b, 0))).toThrow(/1 trailing bytes/);
    expect(() => decodeRound1(b.subarray(0, b.length - 1))).toThrow(/truncated at proof of knowledge/);
    expect(() => decodeRound1(Uint8Array.of(0x02, ...b.subarray(1)))).toThrow(/kind 0x02, expected 0x01/);
    const zeroSender = b.slice();
    zeroSender[37] = 0;
    expect(() => decodeRound1(zeroSender)).toThrow(/sender is 0/);
    const oneCommitment = b.slice();
    oneCommitment[38] = 1;
    expect(() => decodeRound1(oneCommitment)).toThrow(/below 2/);
  });

  it("round 2: recipients strictly ascending, never the sender, at least one", () => {
    const m = t.round2[0];
    expect(() => encodeRound2({ ...m, shares: [...m.shares].reverse() })).toThrow(RangeError);
    const b = encodeRound2(m);
    const swapped = b.slice();
    swapped[39] = 3; // first recipient 2 → 3, equal to the next one
    expect(() => decodeRound2(swapped)).toThrow(/not strictly ascending/);
    const toSelf = b.slice();
    toSelf[39] = 1;
    expect(() => decodeRound2(toSelf)).toThrow(/own sender/);
    expect(() => decodeRound2(Uint8Array.of(...b.subarray(0, 38), 0))).toThrow(/no shares/);
  });

  it("complaint and result: no self-accusation, the signer not excluded, exact lengths", () => {
    const b = encodeComplaint(complaint);
    const self = b.slice();
    self[38] = self[37];
    expect(() => decodeComplaint(self)).toThrow(/accuses itself/);
    expect(() => encodeResultSignature({ ...result, excluded: [2] })).toThrow(RangeError);
    const r = encodeResultSignature(result);
    const withSigner = r.slice();
    withSigner[38 + 32 + 1] = 2;
    expect(() => decodeResultSignature(withSigner)).toThrow(/own excluded list/);
    expect(() => decodeResultSignature(r.subarray(0, r.length - 1))).toThrow(DkgDecodeError);
  });
});

