// threshold.md §7 "bad input": 100 000 random and mutated wires per message kind into the decoder +
// signature verifier. Nothing but SigningDecodeError may escape, and no changed body verifies as the
// original signer's. Signature recovery costs ≈ 2–3 ms here, so most mutations are framing ones
// (truncation, extension, insertion, deletion, bad v, high s) that must fail before recovery, and one
// input in 400 is an arbitrary bit flip that may reach it.
import { computeAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { SigningDecodeError } from "../../src/threshold/signing/signing-codec.js";
import { openSigningMessage, sealSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import type { SigningMessage } from "../../src/threshold/signing/signing-messages.js";
import { bytesEqual } from "../../src/util/hex.js";
import { FUZZ_DOMAIN, FUZZ_KEY, mutate, prng, randomInput, SAMPLES, type Prng } from "./signing-fuzz-helpers.js";

const TOTAL = 100_000;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The same wire with s replaced by n − s: a valid signature, but high s (refused). */
function highS(wire: Uint8Array): Uint8Array {
  const out = wire.slice();
  const at = out.length - 33;
  let s = 0n;
  for (const x of out.subarray(at, at + 32)) s = (s << 8n) | BigInt(x);
  let hs = N - s;
  for (let i = 31; i >= 0; i--, hs >>= 8n) out[at + i] = Number(hs & 0xffn);
  out[out.length - 1] ^= 27 ^ 28;
  return out;
}

function framingMutation(r: Prng, wire: Uint8Array): Uint8Array {
  switch (r.int(5)) {
    case 0: {
      const out = wire.slice();
      out[out.length - 1] = [0, 1, 26, 29, 255][r.int(5)];
      return out;
    }
    case 1:
      return highS(wire);
    case 2:
      return wire.slice(0, r.int(wire.length));
    default: {
      // Insert / delete / append: the body no longer has its exact length.
      const m = mutate(r, wire);
      return m.length === wire.length ? m.slice(0, -1) : m;
    }
  }
}

describe("signing envelope fuzz", () => {
  const signer = computeAddress(FUZZ_KEY.publicKey);
  it.each(Object.keys(SAMPLES) as SigningMessage["kind"][])("%s: 100 000 wires, only SigningDecodeError, no forged sender", (kind) => {
    const wire = sealSigningMessage(FUZZ_KEY, FUZZ_DOMAIN, SAMPLES[kind]);
    expect(openSigningMessage(wire, FUZZ_DOMAIN).sender).toBe(signer);
    const seed = 0xe4e1 + wire.length;
    const r = prng(seed);
    for (let i = 0; i < TOTAL; i++) {
      const input = i % 400 === 399 ? mutate(r, wire) : i % 2 === 0 ? randomInput(r) : framingMutation(r, wire);
      try {
        const opened = openSigningMessage(input, FUZZ_DOMAIN);
        if (!bytesEqual(input, wire) && opened.sender === signer) throw new Error(`seed ${seed} iteration ${i}: a changed wire verified as the signer`);
      } catch (err) {
        if (!(err instanceof SigningDecodeError) || err.message.includes("\n")) throw new Error(`seed ${seed} iteration ${i}: ${String(err)}`);
      }
    }
  });

  it("a wire of another chain or another wallet does not verify as its signer", () => {
    const wire = sealSigningMessage(FUZZ_KEY, FUZZ_DOMAIN, SAMPLES.shares);
    expect(openSigningMessage(wire, { ...FUZZ_DOMAIN, chainId: 1n }).sender).not.toBe(signer);
    expect(openSigningMessage(wire, { ...FUZZ_DOMAIN, walletPkh: new Uint8Array(20) }).sender).not.toBe(signer);
  });
});
