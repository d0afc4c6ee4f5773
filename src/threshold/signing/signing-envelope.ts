// Operator signatures on signing messages (threshold.md §5.2: "every message signed by its operator").
// EIP-191 personal-message signature over "wcoord-frost-signing-v1" ‖ u256BE(chainId) ‖ walletPKH ‖ body,
// so a message of one chain or wallet never verifies for another. Wire form: body ‖ r ‖ s ‖ v (65 bytes,
// v ∈ {27, 28}, low s). Opening a wire decodes the body strictly and recovers the sender's address.
import { getAddress, getBytes, hashMessage, hexlify, recoverAddress, type SigningKey } from "ethers";
import { concatBytes } from "../../util/hex.js";
import { SigningDecodeError } from "./signing-codec.js";
import { decodeSigningBody, encodeSigningBody, type SigningMessage } from "./signing-messages.js";

export const SIGNING_DOMAIN_TAG = "wcoord-frost-signing-v1";
const TAG_BYTES = new TextEncoder().encode(SIGNING_DOMAIN_TAG);
const SIGNATURE_BYTES = 65;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

/** Which chain and wallet a message belongs to; both are signed, neither is sent. */
export interface SigningDomain {
  readonly chainId: bigint;
  /** 20 bytes. */
  readonly walletPkh: Uint8Array;
}

/** A decoded, signature-checked message and who signed it. */
export interface OpenedSigningMessage<M extends SigningMessage = SigningMessage> {
  readonly message: M;
  /** The canonical body (signed bytes after the domain prefix). */
  readonly body: Uint8Array;
  /** The whole wire (body ‖ signature), kept as evidence. */
  readonly wire: Uint8Array;
  /** EIP-55 address recovered from the signature. */
  readonly sender: string;
}

function u256BE(v: bigint): Uint8Array {
  if (v < 0n || v >= 1n << 256n) throw new Error(`chain id out of range: ${v}`);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The 32-byte EIP-191 digest an operator signs for `body` in `domain`. */
export function signingMessageDigest(domain: SigningDomain, body: Uint8Array): string {
  if (domain.walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${domain.walletPkh.length}`);
  return hashMessage(concatBytes(TAG_BYTES, u256BE(domain.chainId), domain.walletPkh, body));
}

/** Encodes and signs `message` with the operator key (RFC 6979, low s); returns the wire bytes. */
export function sealSigningMessage(operatorKey: SigningKey, domain: SigningDomain, message: SigningMessage): Uint8Array {
  const body = encodeSigningBody(message);
  const sig = operatorKey.sign(signingMessageDigest(domain, body));
  return concatBytes(body, getBytes(sig.r), getBytes(sig.s), Uint8Array.of(sig.v));
}

function bigOf(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Decodes the body, checks the signature (v, r, low s) and recovers the sender. Throws SigningDecodeError only. */
export function openSigningMessage(wire: Uint8Array, domain: SigningDomain): OpenedSigningMessage {
  if (!(wire instanceof Uint8Array)) throw new SigningDecodeError("message is not bytes");
  if (wire.length <= SIGNATURE_BYTES) throw new SigningDecodeError(`message of ${wire.length} bytes is too short`);
  const body = wire.slice(0, wire.length - SIGNATURE_BYTES);
  const sig = wire.subarray(wire.length - SIGNATURE_BYTES);
  const message = decodeSigningBody(body);
  const r = bigOf(sig.subarray(0, 32));
  const s = bigOf(sig.subarray(32, 64));
  const v = sig[64];
  if (v !== 27 && v !== 28) throw new SigningDecodeError(`signature v ${v} is not 27 or 28`);
  if (r === 0n || r >= N || s === 0n || s > HALF_N) throw new SigningDecodeError("signature r or s out of range (high s?)");
  let sender: string;
  try {
    sender = getAddress(recoverAddress(signingMessageDigest(domain, body), { r: hexlify(sig.subarray(0, 32)), s: hexlify(sig.subarray(32, 64)), v }));
  } catch {
    throw new SigningDecodeError("signature does not recover a key");
  }
  return { message, body, wire: wire.slice(), sender };
}

/** `openSigningMessage`, then a check that the message is of `kind`. */
export function openSigningMessageOf<K extends SigningMessage["kind"]>(
  wire: Uint8Array,
  domain: SigningDomain,
  kind: K,
): OpenedSigningMessage<Extract<SigningMessage, { kind: K }>> {
  const opened = openSigningMessage(wire, domain);
  if (opened.message.kind !== kind) throw new SigningDecodeError(`expected a ${kind} message, got ${opened.message.kind}`);
  return opened as OpenedSigningMessage<Extract<SigningMessage, { kind: K }>>;
}
