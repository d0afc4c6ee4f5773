// The FrostWalletRegistry's DKG result as the members produce it (threshold.md §3.1): the digest every
// member signs, each member's EIP-191 signature of it (65 bytes, low s), and the `submitDkgResult`
// calldata. The registry verifies all of it at submission, so these must agree with it byte for byte.
import { AbiCoder, SigningKey, getAddress, hashMessage, keccak256 } from "ethers";
import { frostWalletRegistryInterface } from "./abi.js";
import { concatBytes, fromHex, to0x } from "../util/hex.js";

/** The registry's DKG_RESULT_DIGEST_DOMAIN. */
export const DKG_RESULT_DIGEST_DOMAIN = "wcoord-frost-dkg-v1";

export interface DkgResultDigestInput {
  readonly chainId: bigint;
  readonly registry: string;
  readonly bridge: string;
  readonly requestId: bigint;
  /** The request's seed (DkgRequested), 32 bytes. */
  readonly seed: Uint8Array;
  /** 32-byte x-only wallet key. */
  readonly walletX: Uint8Array;
  /** The request's members, ascending (as DkgRequested lists them). */
  readonly members: readonly string[];
  /** Excluded member indices (1-based), strictly ascending. */
  readonly excluded: readonly number[];
}

/**
 * keccak256(abi.encode("wcoord-frost-dkg-v1", chainId, registry, bridge, requestId, seed, walletX,
 * keccak256(abi.encode(members)), keccak256(abi.encode(excluded)))).
 */
export function dkgResultDigest(d: DkgResultDigestInput): Uint8Array {
  if (d.seed.length !== 32 || d.walletX.length !== 32) throw new Error("seed and walletX must be 32 bytes");
  const coder = AbiCoder.defaultAbiCoder();
  const members = keccak256(coder.encode(["address[]"], [d.members.map((m) => getAddress(m))]));
  const excluded = keccak256(coder.encode(["uint8[]"], [d.excluded]));
  return fromHex(
    keccak256(
      coder.encode(
        ["string", "uint256", "address", "address", "uint256", "bytes32", "bytes32", "bytes32", "bytes32"],
        [DKG_RESULT_DIGEST_DOMAIN, d.chainId, getAddress(d.registry), getAddress(d.bridge), d.requestId, to0x(d.seed), to0x(d.walletX), members, excluded],
      ),
    ),
  );
}

/** A member's signature of the digest: EIP-191 over the 32 bytes, r ‖ s ‖ v (65 bytes; ethers signs low-s). */
export function signDkgResult(operatorKey: SigningKey, digest: Uint8Array): Uint8Array {
  return fromHex(operatorKey.sign(hashMessage(digest)).serialized);
}

export interface DkgResultSubmission {
  readonly requestId: bigint;
  readonly walletX: Uint8Array;
  readonly excluded: readonly number[];
  /** Signers' member indices, strictly ascending; `signatures[i]` is signerIndices[i]'s. */
  readonly signerIndices: readonly number[];
  readonly signatures: readonly Uint8Array[];
}

/** Calldata of `submitDkgResult(result)`; any member may send it before the deadline. */
export function submitDkgResultCalldata(r: DkgResultSubmission): string {
  if (r.signatures.length !== r.signerIndices.length) throw new Error(`${r.signerIndices.length} signers but ${r.signatures.length} signatures`);
  for (const s of r.signatures) if (s.length !== 65) throw new Error(`a DKG result signature is 65 bytes, got ${s.length}`);
  return frostWalletRegistryInterface.encodeFunctionData("submitDkgResult", [
    { requestId: r.requestId, walletX: to0x(r.walletX), excluded: [...r.excluded], signerIndices: [...r.signerIndices], signatures: to0x(concatBytes(...r.signatures)) },
  ]);
}
