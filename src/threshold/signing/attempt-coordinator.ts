// Who coordinates each attempt of a signing session (threshold.md §5.2). Attempt 0 belongs to the
// window's leader, whom every member already agrees on; a later attempt draws from the members still
// included, by a hash of the session id and the attempt, so every member computes the same coordinator
// without a message and a silent coordinator is not chosen forever.
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../../util/hex.js";

/** What the coordinator of one attempt is computed from. */
export interface AttemptCoordinatorInput {
  /** The 32-byte session id (the signing round id). */
  readonly sessionId: Uint8Array;
  /** 0, 1, 2, … */
  readonly attempt: number;
  /** Member index of the window's leader (attempt 0's coordinator). */
  readonly leader: number;
  /** Ascending member indices not excluded so far (used for attempts ≥ 1). */
  readonly included: readonly number[];
}

function u32BE(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** `u64BE(sha256(sessionId ‖ u32BE(attempt))[0..8]) mod count`: the position drawn for an attempt ≥ 1. */
export function drawPosition(sessionId: Uint8Array, attempt: number, count: number): number {
  if (sessionId.length !== 32) throw new Error(`session id must be 32 bytes, got ${sessionId.length}`);
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > 0xffffffff) throw new Error(`invalid attempt ${attempt}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`cannot draw from ${count} members`);
  const h = sha256(concatBytes(sessionId, u32BE(attempt)));
  const draw = new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0);
  return Number(draw % BigInt(count));
}

/** The member index that coordinates `attempt` (threshold.md §5.2). */
export function attemptCoordinator(input: AttemptCoordinatorInput): number {
  const { sessionId, attempt, leader, included } = input;
  if (attempt === 0) {
    if (!Number.isInteger(leader) || leader < 1 || leader > 255) throw new Error(`invalid leader member index ${leader}`);
    return leader;
  }
  for (let i = 1; i < included.length; i++) {
    if (included[i] <= included[i - 1]) throw new Error("included member indices must be strictly ascending");
  }
  return included[drawPosition(sessionId, attempt, included.length)];
}
