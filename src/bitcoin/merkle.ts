// Bitcoin's transaction merkle tree over internal-order hashes (an odd level pairs its last hash with
// itself): the root a header commits to and the sibling path that proves one leaf (SPV proofs).
import { hash256 } from "./tx.js";
import { concatBytes } from "../util/hex.js";

/** The merkle root of `leaves` (internal order); 32 zero bytes for none. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  let level = leaves;
  while (level.length > 1) level = parentLevel(level);
  return level[0]!;
}

/** The siblings of leaf `index` from the bottom up (internal order); empty for a one-leaf tree. */
export function merkleBranch(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`merkle leaf ${index} of ${leaves.length}`);
  const branch: Uint8Array[] = [];
  let level = leaves;
  let i = index;
  while (level.length > 1) {
    branch.push(level[i ^ 1] ?? level[i]!);
    level = parentLevel(level);
    i >>= 1;
  }
  return branch;
}

function parentLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const next: Uint8Array[] = [];
  for (let i = 0; i < level.length; i += 2) next.push(hash256(concatBytes(level[i]!, level[i + 1] ?? level[i]!)));
  return next;
}
