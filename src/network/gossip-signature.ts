// A member-topic message's gossipsub signature, kept as evidence (threshold.md §5.3). The DKG messages
// carry no signature of their own: what binds one to its sender is the libp2p message signature under
// StrictSign, made with the operator key (the node's libp2p identity). Kept with the message, it lets
// anyone check offline, from the operator's public key alone, that the operator published exactly
// these bytes on this topic.
//
// The signed bytes are gossipsub's (libp2p pubsub spec): "libp2p-pubsub:" ‖ protobuf Message
// {1 from = the peer id's multihash, 2 data, 3 seqno (8 bytes), 4 topic} (signature and key left out),
// signed as libp2p secp256k1 keys sign: ECDSA over SHA-256, DER. Encoded here rather than through
// gossipsub's internal codec (not exported); test/integration/member-topics.test.ts checks a signature
// captured from real gossip against it.
import { publicKeyFromRaw } from "@libp2p/crypto/keys";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../util/hex.js";

/** What gossipsub signed beside the data and the publisher: the topic, the sequence number and the signature. */
export interface GossipSignature {
  readonly topic: string;
  /** 8 bytes, big-endian. */
  readonly seqno: Uint8Array;
  /** DER-encoded ECDSA signature. */
  readonly signature: Uint8Array;
}

const SIGN_PREFIX = new TextEncoder().encode("libp2p-pubsub:");

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** One length-delimited protobuf field (wire type 2). */
function field(num: number, bytes: Uint8Array): Uint8Array {
  return concatBytes(varint((num << 3) | 2), varint(bytes.length), bytes);
}

/** The bytes an operator (33-byte compressed key) signs when it publishes `data` on `topic`. */
export function gossipSignedBytes(publicKey: Uint8Array, topic: string, data: Uint8Array, seqno: Uint8Array): Uint8Array {
  const from = publicKeyFromRaw(publicKey).toMultihash().bytes;
  const parts = [field(1, from), field(2, data), field(3, seqno)];
  if (topic !== "") parts.push(field(4, new TextEncoder().encode(topic)));
  return concatBytes(SIGN_PREFIX, ...parts);
}

/** Whether `sig` shows that the operator with `publicKey` published `data` on its topic. Never throws. */
export function verifyGossipSignature(publicKey: Uint8Array, data: Uint8Array, sig: GossipSignature): boolean {
  try {
    if (sig.seqno.length !== 8) return false;
    const digest = sha256(gossipSignedBytes(publicKey, sig.topic, data, sig.seqno));
    return secp256k1.verify(sig.signature, digest, publicKey, { prehash: false, format: "der" });
  } catch {
    return false;
  }
}

/**
 * Signs `data` as gossipsub would publish it on `topic` with `seqno`: how a member gives its own
 * messages (which it never receives from gossip) the same evidence form as everyone else's.
 */
export function signGossipMessage(privateKey: Uint8Array, topic: string, data: Uint8Array, seqno: Uint8Array = new Uint8Array(8)): GossipSignature {
  const publicKey = secp256k1.getPublicKey(privateKey, true);
  const signature = secp256k1.sign(sha256(gossipSignedBytes(publicKey, topic, data, seqno)), privateKey, { prehash: false, format: "der" });
  return { topic, seqno: seqno.slice(), signature };
}
