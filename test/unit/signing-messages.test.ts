// threshold.md §5.2: the signing messages' strict bodies and their operator signatures.
import { computeAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { SigningDecodeError } from "../../src/threshold/signing/signing-codec.js";
import { openSigningMessage, openSigningMessageOf, sealSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import {
  decodeSigningBody,
  encodeSigningBody,
  invalidCommitmentPoint,
  packageHashOf,
  type PackageMessage,
  type SigningMessage,
} from "../../src/threshold/signing/signing-messages.js";
import { bytesEqual } from "../../src/util/hex.js";
import { FUZZ_DOMAIN, FUZZ_KEY, SAMPLES } from "./signing-fuzz-helpers.js";

const KINDS = Object.keys(SAMPLES) as SigningMessage["kind"][];
const body = (kind: SigningMessage["kind"]) => encodeSigningBody(SAMPLES[kind]);
const decodeError = (bytes: Uint8Array) => {
  try {
    decodeSigningBody(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(SigningDecodeError);
    return (err as Error).message;
  }
  throw new Error("decoded");
};
const with_ = (b: Uint8Array, at: number, value: number) => {
  const out = b.slice();
  out[at] = value;
  return out;
};

describe("signing message bodies", () => {
  it.each(KINDS)("%s: decode(encode(m)) = m and re-encodes to the same bytes", (kind) => {
    const decoded = decodeSigningBody(body(kind));
    expect(decoded).toEqual(SAMPLES[kind]);
    expect(bytesEqual(encodeSigningBody(decoded), body(kind))).toBe(true);
  });

  it.each(KINDS)("%s: a trailing byte, a missing byte and an unknown kind byte are refused", (kind) => {
    const b = body(kind);
    expect(decodeError(new Uint8Array([...b, 0]))).toMatch(/trailing/);
    expect(decodeError(b.slice(0, -1))).toMatch(/truncated/);
    expect(decodeError(with_(b, 0, 9))).toMatch(/unknown message kind/);
  });

  // Package layout: kind 1, session 32, attempt 4, coordinator @37, subset size @38, subset @39…
  it("package: a zero coordinator, a subset not strictly ascending, a zero or oversized count, an unknown key kind are refused", () => {
    const b = body("package");
    expect(decodeError(with_(b, 37, 0))).toMatch(/not a member index/);
    expect(decodeError(with_(with_(b, 39, 2), 40, 2))).toMatch(/ascending/);
    expect(decodeError(with_(b, 38, 0))).toMatch(/out of range/);
    expect(decodeError(with_(b, 38, 3))).toMatch(/truncated|ascending|compressed/);
    expect(decodeError(with_(b, b.length - 33, 7))).toMatch(/unknown key kind/);
  });

  it("a commitment with an uncompressed prefix or an x at or above the field prime is refused; off-curve x is found at use", () => {
    const b = body("commitments");
    // commitments: kind, session 32, attempt 4, count @37, hiding @38.
    expect(decodeError(with_(b, 38, 4))).toMatch(/compressed/);
    const bigX = b.slice();
    bigX.fill(0xff, 39, 71);
    expect(decodeError(bigX)).toMatch(/field prime/);
    const valid = (SAMPLES.package as PackageMessage).commitments[0];
    expect(invalidCommitmentPoint(valid)).toBeUndefined();
    // x = 5: 5³ + 7 = 132 is not a square mod p.
    const offCurve = { hiding: valid[0].hiding, binding: new Uint8Array([2, ...new Uint8Array(31), 5]) };
    expect(invalidCommitmentPoint([valid[0], offCurve])).toBe("1/binding");
  });

  it("a share at or above the group order is refused", () => {
    const b = body("shares");
    const high = b.slice();
    high.fill(0xff, b.length - 32);
    expect(decodeError(high)).toMatch(/group order/);
  });

  it("packageHashOf is keccak256 of the package body and changes with any field", () => {
    const p = SAMPLES.package as PackageMessage;
    expect(bytesEqual(packageHashOf(p), packageHashOf({ ...p }))).toBe(true);
    expect(bytesEqual(packageHashOf(p), packageHashOf({ ...p, attempt: 4 }))).toBe(false);
    expect(bytesEqual(packageHashOf(p), packageHashOf({ ...p, keys: [{ scheme: "bip340", key: "wallet" }] }))).toBe(false);
  });
});

describe("signing message envelope", () => {
  const signer = computeAddress(FUZZ_KEY.publicKey);

  it.each(KINDS)("%s: opening a sealed wire recovers the operator's address and the message", (kind) => {
    const opened = openSigningMessage(sealSigningMessage(FUZZ_KEY, FUZZ_DOMAIN, SAMPLES[kind]), FUZZ_DOMAIN);
    expect(opened.sender).toBe(signer);
    expect(opened.message).toEqual(SAMPLES[kind]);
  });

  it("refuses v outside {27, 28}, high s, and a message of an unexpected kind", () => {
    const wire = sealSigningMessage(FUZZ_KEY, FUZZ_DOMAIN, SAMPLES.signatures);
    expect(() => openSigningMessage(with_(wire, wire.length - 1, 29), FUZZ_DOMAIN)).toThrow(SigningDecodeError);
    const highS = wire.slice();
    highS.fill(0xff, wire.length - 33, wire.length - 1);
    expect(() => openSigningMessage(highS, FUZZ_DOMAIN)).toThrow(/high s/);
    expect(() => openSigningMessageOf(wire, FUZZ_DOMAIN, "package")).toThrow(/expected a package/);
    expect(() => openSigningMessage(new Uint8Array(10), FUZZ_DOMAIN)).toThrow(SigningDecodeError);
    expect(() => openSigningMessage("nope" as unknown as Uint8Array, FUZZ_DOMAIN)).toThrow(SigningDecodeError);
  });
});
