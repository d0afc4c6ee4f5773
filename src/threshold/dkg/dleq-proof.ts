// A Chaum–Pedersen proof of discrete-log equality on secp256k1: "I know x with A = x·G and C = x·B".
// A complaint (complaint.ts) uses it with A = the complainer's operator key, B = the accused sender's
// operator key and C = their ECDH point, so the revealed point is provably the real pair secret and a
// complainer cannot frame a sender with a made-up key. Built on the library's exported Point and scalar
// field only (threshold.md §1); checked in test/unit/dkg-complaint.test.ts.
//
//   prove:  k = H_nonce(x, context, A, B, C) (deterministic, like RFC 6979); R1 = k·G, R2 = k·B;
//           c = H(tag ‖ context ‖ A ‖ B ‖ C ‖ R1 ‖ R2) mod n; s = k + c·x mod n; proof = c ‖ s (64 bytes)
//   verify: R1 = s·G − c·A, R2 = s·B − c·C (neither the identity), c == H(… R1 ‖ R2)
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../../util/hex.js";
import { uint256Bytes } from "./dkg-wire.js";

const Point = secp256k1.Point;
const Fn = Point.Fn;
type P = InstanceType<typeof Point>;

const CHALLENGE_TAG = new TextEncoder().encode("wcoord-frost-dkg-dleq-v1");
const NONCE_TAG = new TextEncoder().encode("wcoord-frost-dkg-dleq-nonce-v1");

function scalarOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return Fn.create(v);
}

function challenge(context: Uint8Array, A: P, B: P, C: P, R1: P, R2: P): bigint {
  return scalarOf(sha256(concatBytes(CHALLENGE_TAG, context, A.toBytes(), B.toBytes(), C.toBytes(), R1.toBytes(), R2.toBytes())));
}

/** The proof `c ‖ s` that `x·B` (the point it returns too) shares its discrete log with `x·G`, bound to `context`. */
export function proveDleq(secretKey: Uint8Array, otherPublicKey: Uint8Array, context: Uint8Array): { point: Uint8Array; proof: Uint8Array } {
  const x = Fn.fromBytes(secretKey);
  if (Fn.is0(x)) throw new RangeError("secret key is zero");
  const B = Point.fromBytes(otherPublicKey);
  const A = Point.BASE.multiply(x);
  const C = B.multiply(x);
  const k = scalarOf(hmac(sha256, secretKey, concatBytes(NONCE_TAG, context, A.toBytes(), B.toBytes(), C.toBytes())));
  if (Fn.is0(k)) throw new Error("DLEQ nonce is zero"); // probability 2^-256
  const c = challenge(context, A, B, C, Point.BASE.multiply(k), B.multiply(k));
  const s = Fn.add(k, Fn.mul(c, x));
  return { point: C.toBytes(true), proof: concatBytes(uint256Bytes(c), uint256Bytes(s)) };
}

/** Whether `proof` shows log_G(publicKey) = log_otherPublicKey(point) under `context`. Never throws. */
export function verifyDleq(publicKey: Uint8Array, otherPublicKey: Uint8Array, point: Uint8Array, proof: Uint8Array, context: Uint8Array): boolean {
  try {
    if (proof.length !== 64) return false;
    const A = Point.fromBytes(publicKey);
    const B = Point.fromBytes(otherPublicKey);
    const C = Point.fromBytes(point);
    const c = Fn.fromBytes(proof.subarray(0, 32));
    const s = Fn.fromBytes(proof.subarray(32));
    // All inputs are public: variable-time multiplication is fine.
    const R1 = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(c));
    const R2 = B.multiplyUnsafe(s).subtract(C.multiplyUnsafe(c));
    if (R1.is0() || R2.is0()) return false;
    return Fn.eql(c, challenge(context, A, B, C, R1, R2));
  } catch {
    return false;
  }
}
