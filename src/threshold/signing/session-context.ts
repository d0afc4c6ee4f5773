// What every party of one signing session knows before it starts (threshold.md §5.1): the chain and
// wallet, the operators behind the member indices, the wallet's FROST public package, and the digests
// with their keys that this node computed itself from the accepted proposal.
import type { FrostPublic } from "@noble/curves/abstract/frost.js";
import { getAddress } from "ethers";
import type { SigningDomain } from "./signing-envelope.js";
import type { Bip340DigestKey } from "./signing-messages.js";

export interface SigningSessionContext {
  readonly domain: SigningDomain;
  /** Operator address of member index i at position i − 1 (the wallet's sorted seats). */
  readonly operators: readonly string[];
  /** 32 bytes: the signing round id. */
  readonly sessionId: Uint8Array;
  /** The wallet's public package, in the form whose group key is the wallet key (see dev-wallet.ts). */
  readonly public: FrostPublic;
  /** `t`. */
  readonly threshold: number;
  /** The digests this node computed itself, in input order. */
  readonly digests: readonly Uint8Array[];
  /** One key per digest. */
  readonly keys: readonly Bip340DigestKey[];
}

/** The 1-based member index of an operator address, or undefined for a non-member. */
export function memberOfAddress(operators: readonly string[], address: string): number | undefined {
  let wanted: string;
  try {
    wanted = getAddress(address);
  } catch {
    return undefined;
  }
  const i = operators.findIndex((op) => getAddress(op) === wanted);
  return i < 0 ? undefined : i + 1;
}

/** Throws on a context no session can run with (an integration bug, never a peer's fault). */
export function checkSessionContext(ctx: SigningSessionContext): void {
  if (ctx.sessionId.length !== 32) throw new Error(`session id must be 32 bytes, got ${ctx.sessionId.length}`);
  const k = ctx.digests.length;
  if (k < 1 || k > 255) throw new Error(`a session signs 1…255 digests, got ${k}`);
  if (ctx.keys.length !== k) throw new Error(`${k} digests but ${ctx.keys.length} keys`);
  if (ctx.digests.some((d) => d.length !== 32)) throw new Error("every digest must be 32 bytes");
  if (ctx.keys.some((key) => key.scheme !== "bip340" || (key.key === "tapLeaf" && key.leafHash.length !== 32))) {
    throw new Error("every key must be a BIP-340 wallet key or a tapLeaf key with a 32-byte leaf hash");
  }
  if (ctx.operators.length < 2 || ctx.operators.length > 255) throw new Error(`a wallet has 2…255 members, got ${ctx.operators.length}`);
  if (ctx.threshold < 1 || ctx.threshold > ctx.operators.length) throw new Error(`threshold ${ctx.threshold} out of range`);
}
