// threshold.md §7 "bad input": 100 000 random and mutated inputs to the strict body decoder for each
// message kind. Nothing but SigningDecodeError may escape, and every accepted input re-encodes to the
// very same bytes (one encoding per message).
import { describe, expect, it } from "vitest";
import { SigningDecodeError } from "../../src/threshold/signing/signing-codec.js";
import { decodeSigningBody, encodeSigningBody, type SigningMessage } from "../../src/threshold/signing/signing-messages.js";
import { bytesEqual } from "../../src/util/hex.js";
import { mutate, prng, randomInput, SAMPLES } from "./signing-fuzz-helpers.js";

const TOTAL = 100_000;

describe("signing body decoder fuzz", () => {
  it.each(Object.keys(SAMPLES) as SigningMessage["kind"][])("%s: 100 000 inputs, only SigningDecodeError, accepted inputs are canonical", (kind) => {
    const valid = encodeSigningBody(SAMPLES[kind]);
    const seed = 0x5eed + valid.length;
    const r = prng(seed);
    let accepted = 0;
    for (let i = 0; i < TOTAL; i++) {
      const input = i % 2 === 0 ? randomInput(r) : mutate(r, valid);
      let decoded: SigningMessage;
      try {
        decoded = decodeSigningBody(input);
      } catch (err) {
        if (!(err instanceof SigningDecodeError) || err.message.includes("\n")) throw new Error(`seed ${seed} iteration ${i}: ${String(err)}`);
        continue;
      }
      accepted++;
      if (!bytesEqual(encodeSigningBody(decoded), input)) throw new Error(`seed ${seed} iteration ${i}: accepted a non-canonical body`);
    }
    // Bit flips inside fixed-width fields keep a valid body: some inputs must have been accepted.
    expect(accepted).toBeGreaterThan(0);
  });
});
