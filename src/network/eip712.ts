// EIP-712 signature of coordination messages (coordination.md §7.4): domain, digest, sign, verify.
import { BaseWallet, getAddress, getBytes, hexlify, recoverAddress, Signature, SigningKey, TypedDataEncoder } from "ethers";
import type { TypedDataDomain } from "ethers";
import type { CoordinationMessage, UnsignedCoordinationMessage } from "../protocol/message.js";
import { concatBytes } from "../util/hex.js";

export const COORDINATION_DOMAIN_NAME = "wallet-coordinator";
export const COORDINATION_DOMAIN_VERSION = "1";

/** Field order defines the canonical type string of §7.4. */
export const COORDINATION_TYPES = {
  CoordinationMessage: [
    { name: "protocolVersion", type: "uint32" },
    { name: "chainId", type: "uint256" },
    { name: "profileHash", type: "bytes32" },
    { name: "coordinationBlock", type: "uint64" },
    { name: "walletPubKeyHash", type: "bytes20" },
    { name: "sender", type: "address" },
    { name: "senderSeat", type: "uint32" },
    { name: "proposal", type: "Proposal" },
  ],
  Proposal: [
    { name: "actionType", type: "uint8" },
    { name: "payload", type: "bytes" },
  ],
};

/** secp256k1 n / 2: signatures with a larger s are rejected (low-s rule). */
export const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface CoordinationDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

export function coordinationDomain(chainId: bigint, bridge: string): CoordinationDomain {
  return {
    name: COORDINATION_DOMAIN_NAME,
    version: COORDINATION_DOMAIN_VERSION,
    chainId,
    verifyingContract: getAddress(bridge.toLowerCase()),
  };
}

export function domainSeparator(domain: CoordinationDomain): string {
  return TypedDataEncoder.hashDomain(domain as TypedDataDomain);
}

/** The EIP-712 value: one-to-one with the wire fields, payload as its exact bytes. */
export function typedValue(msg: UnsignedCoordinationMessage): Record<string, unknown> {
  if (msg.profileHash.length !== 32) throw new Error("profileHash must be 32 bytes");
  if (msg.walletPubKeyHash.length !== 20) throw new Error("walletPubKeyHash must be 20 bytes");
  if (msg.sender.length !== 20) throw new Error("sender must be 20 bytes");
  return {
    protocolVersion: msg.protocolVersion,
    chainId: msg.chainId,
    profileHash: hexlify(msg.profileHash),
    coordinationBlock: msg.coordinationBlock,
    walletPubKeyHash: hexlify(msg.walletPubKeyHash),
    sender: getAddress(hexlify(msg.sender)),
    senderSeat: msg.senderSeat,
    proposal: { actionType: msg.proposal.actionType, payload: hexlify(msg.proposal.payload) },
  };
}

/** hashStruct(message), 0x-hex. */
export function messageHashStruct(msg: UnsignedCoordinationMessage): string {
  return TypedDataEncoder.from(COORDINATION_TYPES).hash(typedValue(msg));
}

/** keccak256(0x19 0x01 || domainSeparator || hashStruct): the message id. */
export function messageDigest(msg: UnsignedCoordinationMessage, domain: CoordinationDomain): Uint8Array {
  return getBytes(TypedDataEncoder.hash(domain as TypedDataDomain, COORDINATION_TYPES, typedValue(msg)));
}

function unsignedPart(msg: UnsignedCoordinationMessage): UnsignedCoordinationMessage {
  return {
    protocolVersion: msg.protocolVersion,
    chainId: msg.chainId,
    profileHash: msg.profileHash,
    coordinationBlock: msg.coordinationBlock,
    walletPubKeyHash: msg.walletPubKeyHash,
    sender: msg.sender,
    senderSeat: msg.senderSeat,
    proposal: msg.proposal,
  };
}

/** Signs with the operator key (deterministic RFC 6979); signature = r || s || v, v in {27, 28}. */
export async function signCoordinationMessage(
  signer: BaseWallet | SigningKey,
  msg: UnsignedCoordinationMessage,
  domain: CoordinationDomain,
): Promise<CoordinationMessage> {
  let sig: Signature;
  if (signer instanceof SigningKey) {
    sig = signer.sign(messageDigest(msg, domain));
  } else {
    sig = Signature.from(await signer.signTypedData(domain as TypedDataDomain, COORDINATION_TYPES, typedValue(msg)));
  }
  const signature = concatBytes(getBytes(sig.r), getBytes(sig.s), Uint8Array.of(sig.v));
  return { ...unsignedPart(msg), signature };
}

function toBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** EIP-55 address of the signer, or null for high-s, bad v, bad length or an unrecoverable signature. Never throws. */
export function recoverSender(msg: CoordinationMessage, domain: CoordinationDomain): string | null {
  try {
    const sig = msg.signature;
    if (!(sig instanceof Uint8Array) || sig.length !== 65) return null;
    const r = toBigInt(sig.subarray(0, 32));
    const s = toBigInt(sig.subarray(32, 64));
    const v = sig[64];
    if (v !== 27 && v !== 28) return null;
    if (r === 0n || r >= SECP256K1_N || s === 0n || s > SECP256K1_HALF_N) return null;
    const digest = messageDigest(msg, domain);
    return recoverAddress(digest, { r: hexlify(sig.subarray(0, 32)), s: hexlify(sig.subarray(32, 64)), v });
  } catch {
    return null;
  }
}

/** True iff the signature is valid (low-s, v in {27, 28}) and its signer is the sender field. Never throws. */
export function verifySignature(msg: CoordinationMessage, domain: CoordinationDomain): boolean {
  try {
    const recovered = recoverSender(msg, domain);
    return recovered !== null && msg.sender.length === 20 && recovered === getAddress(hexlify(msg.sender));
  } catch {
    return false;
  }
}
