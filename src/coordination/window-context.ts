import type { ActionType } from "../protocol/constants.js";

/** Everything one (wallet, window) routine needs, fixed when the window opens (coordination.md §3.4). */
export interface WindowContext {
  W: number;
  walletPkh: Uint8Array;
  wallet: string; // lowercase hex of walletPkh, the key used in the store and logs
  seats: string[]; // EIP-55 seat list at W−32
  ownSeats: number[]; // 1-based seats this operator holds
  leader: string; // EIP-55
  checklist: ActionType[];
  seedHex: string;
  safeBlockHash: string; // 0x-hex
  profileHash: string; // 0x-hex
  joinedAtBlock: number;
}

export function windowEvidence(ctx: WindowContext): { W: number; safeBlockHash: string; seats: string[]; profileHash: string } {
  return { W: ctx.W, safeBlockHash: ctx.safeBlockHash, seats: ctx.seats, profileHash: ctx.profileHash };
}
