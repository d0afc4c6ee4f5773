// The transcript of a successful DKG attempt (threshold.md §3.2): everything public that made the wallet,
// kept with it by every member. With an operator key it is enough to rebuild that member's key share
// (rebuild-key-share.ts), since the shares travel encrypted to their recipients' operator keys.
//
//   0x10 ‖ version 0x01 ‖ requestId u256 ‖ requestSeed(32) ‖ attempt u32 ‖ threshold u8
//   ‖ n u8 ‖ n × (member address(20) ‖ operator public key(33))
//   ‖ k u8 ‖ k × included index u8 (ascending)
//   ‖ k × (u32 length ‖ round-1 message) ‖ k × (u32 length ‖ round-2 message)   (both in `included` order)
//
// The transport's signatures over each message are not part of this form yet (the wiring change adds
// them beside each message); the content and order here do not change when it does.
import { fromHex, to0x } from "../../util/hex.js";
import {
  decodeRound1,
  decodeRound2,
  encodeRound1,
  encodeRound2,
  type DkgRound1Message,
  type DkgRound2Message,
} from "./dkg-messages.js";
import { ByteReader, ByteWriter } from "./dkg-wire.js";

const KIND = 0x10;
const VERSION = 0x01;

export interface DkgTranscript {
  readonly requestId: bigint;
  readonly requestSeed: Uint8Array;
  readonly attempt: number;
  readonly threshold: number;
  /** All members of the request, ascending 0x addresses (the seats). */
  readonly members: readonly string[];
  /** Their operator public keys (33 bytes compressed), in the same order. */
  readonly operatorPublicKeys: readonly Uint8Array[];
  /** Ascending member indices of the successful attempt. */
  readonly included: readonly number[];
  /** One round-1 message per included member, in `included` order. */
  readonly round1: readonly DkgRound1Message[];
  /** One round-2 message per included member, in `included` order. */
  readonly round2: readonly DkgRound2Message[];
}

export function encodeTranscript(t: DkgTranscript): Uint8Array {
  if (t.members.length !== t.operatorPublicKeys.length) throw new RangeError("transcript: members and operator keys differ in count");
  if (t.round1.length !== t.included.length || t.round2.length !== t.included.length) throw new RangeError("transcript: one round-1 and one round-2 message per included member");
  const w = new ByteWriter().u8(KIND).u8(VERSION).uint256(t.requestId).fixed(t.requestSeed, 32, "requestSeed").u32(t.attempt).u8(t.threshold);
  w.u8(t.members.length);
  t.members.forEach((m, i) => w.fixed(fromHex(m), 20, "member address").fixed(t.operatorPublicKeys[i], 33, "operator public key"));
  w.u8(t.included.length);
  for (const i of t.included) w.u8(i);
  for (const m of t.round1) w.lengthPrefixed(encodeRound1(m));
  for (const m of t.round2) w.lengthPrefixed(encodeRound2(m));
  return w.bytes();
}

/** Strict decoding, including the consistency of every embedded message with the header. */
export function decodeTranscript(bytes: Uint8Array): DkgTranscript {
  const r = new ByteReader(bytes, "DKG transcript");
  if (r.u8("kind") !== KIND) r.fail("not a DKG transcript");
  if (r.u8("version") !== VERSION) r.fail("unknown transcript version");
  const requestId = r.uint256("requestId");
  const requestSeed = r.fixed(32, "requestSeed");
  const attempt = r.u32("attempt");
  const threshold = r.u8("threshold");
  const n = r.u8("member count");
  const members: string[] = [];
  const operatorPublicKeys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const address = to0x(r.fixed(20, "member address"));
    if (members.length > 0 && address <= members[members.length - 1]) r.fail("members not strictly ascending");
    members.push(address);
    operatorPublicKeys.push(r.fixed(33, "operator public key"));
  }
  const included = r.ascendingIndices(r.u8("included count"), "included");
  if (n < 2 || included.length < threshold || threshold < 2) r.fail("threshold, member and included counts inconsistent");
  if (included[included.length - 1] > n) r.fail("an included index is not a member");
  const embedded = <M extends { requestId: bigint; attempt: number; sender: number }>(decode: (b: Uint8Array) => M, what: string): M[] =>
    included.map((sender) => {
      const m = decode(r.lengthPrefixed(what));
      if (m.requestId !== requestId || m.attempt !== attempt) r.fail(`${what} of another request or attempt`);
      if (m.sender !== sender) r.fail(`${what} out of included order`);
      return m;
    });
  // An embedded message's own DkgDecodeError ("DKG round 1: …") propagates as it is.
  const round1 = embedded(decodeRound1, "round-1 message");
  const round2 = embedded(decodeRound2, "round-2 message");
  r.end();
  return { requestId, requestSeed, attempt, threshold, members, operatorPublicKeys, included, round1, round2 };
}
