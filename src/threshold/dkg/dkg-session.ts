// What names one DKG attempt everywhere in the engine: the on-chain request (its id and the seed of
// `DkgRequested`, threshold.md §3.1) and the attempt number. The seed makes every derived key and every
// round-1 polynomial unique to one request of one registry on one chain, even where request ids repeat
// (another chain, a redeployed registry) and the same operator keys take part.
import { ByteWriter } from "./dkg-wire.js";

export interface DkgSession {
  /** `requestId` of `DkgRequested` (uint256). */
  readonly requestId: bigint;
  /** `seed` of `DkgRequested` (32 bytes). */
  readonly requestSeed: Uint8Array;
  /** Attempt number `a` (u32). */
  readonly attempt: number;
}

/** Throws when a session field is out of its range (caller input, not network input). */
export function checkSession(s: DkgSession): void {
  if (typeof s.requestId !== "bigint" || s.requestId < 0n || s.requestId >= 1n << 256n) throw new RangeError("requestId must be a uint256");
  if (!(s.requestSeed instanceof Uint8Array) || s.requestSeed.length !== 32) throw new RangeError("requestSeed must be 32 bytes");
  if (!Number.isInteger(s.attempt) || s.attempt < 0 || s.attempt > 0xffffffff) throw new RangeError(`attempt must be a u32, got ${s.attempt}`);
}

/**
 * `requestId (uint256) ‖ attempt (u32) ‖ senderIndex (u8) ‖ recipientIndex (u8)`, 38 bytes: the
 * associated data of one round-2 ciphertext, and the context its key and a complaint's proof are bound to.
 */
export function pairContext(s: DkgSession, sender: number, recipient: number): Uint8Array {
  return new ByteWriter().uint256(s.requestId).u32(s.attempt).u8(sender).u8(recipient).bytes();
}
