// The binary form of a member's FROST key package (the library's `Key`: secret share + group public
// package), the plaintext that key-share-store.ts seals. Strict like the messages: exact lengths, no
// trailing bytes, DkgDecodeError on anything else.
//
//   0x20 ‖ identifier(32) ‖ signingShare(32) ‖ min u8 ‖ max u8 ‖ c u8 ‖ c × commitment(33)
//   ‖ v u8 ‖ v × (identifier(32) ‖ verifying share(33))
import type { Key } from "@noble/curves/abstract/frost.js";
import { fromHex, toHex } from "../../util/hex.js";
import { ByteReader, ByteWriter } from "./dkg-wire.js";

const KIND = 0x20;

export function encodeKeyShare(k: Key): Uint8Array {
  const w = new ByteWriter().u8(KIND).fixed(fromHex(k.secret.identifier), 32, "identifier").fixed(k.secret.signingShare, 32, "signing share");
  w.u8(k.public.signers.min).u8(k.public.signers.max).u8(k.public.commitments.length);
  for (const c of k.public.commitments) w.fixed(c, 33, "commitment");
  const shares = Object.entries(k.public.verifyingShares);
  w.u8(shares.length);
  for (const [id, point] of shares) w.fixed(fromHex(id), 32, "identifier").fixed(point, 33, "verifying share");
  return w.bytes();
}

export function decodeKeyShare(bytes: Uint8Array): Key {
  const r = new ByteReader(bytes, "FROST key share");
  if (r.u8("kind") !== KIND) r.fail("not a FROST key share");
  const identifier = toHex(r.fixed(32, "identifier"));
  const signingShare = r.fixed(32, "signing share");
  const min = r.u8("min");
  const max = r.u8("max");
  if (min < 2 || max < min) r.fail("signer counts inconsistent");
  const commitments = Array.from({ length: r.u8("commitment count") }, () => r.fixed(33, "commitment"));
  if (commitments.length !== min) r.fail("commitment count is not the threshold");
  const verifyingShares: Record<string, Uint8Array<ArrayBuffer>> = {};
  const v = r.u8("verifying share count");
  for (let i = 0; i < v; i++) {
    const id = toHex(r.fixed(32, "identifier"));
    if (id in verifyingShares) r.fail("duplicate verifying share");
    verifyingShares[id] = r.fixed(33, "verifying share");
  }
  r.end();
  return { secret: { identifier, signingShare }, public: { signers: { min, max }, commitments, verifyingShares } };
}
