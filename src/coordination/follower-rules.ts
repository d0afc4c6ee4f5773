// Pure acceptance checks B1–B8 of coordination.md §10.2, in the spec's order. The shell
// (follower-routine.ts) does the I/O around them.
import { getAddress } from "ethers";
import { ActionType } from "../protocol/constants.js";
import type { CoordinationMessage } from "../protocol/message.js";
import { bytesEqual, to0x } from "../util/hex.js";

export interface FollowerView {
  W: number;
  walletPkh: Uint8Array;
  ownOperator: string; // EIP-55
  leader: string; // EIP-55
  seats: string[]; // EIP-55 seat list at W−32
  checklist: ActionType[];
}

export type EnvelopeCheck =
  | { kind: "drop"; reason: "self" | "bad_seat_holder" | "other_window" | "other_wallet" }
  | { kind: "impersonation"; culprit: string }
  | { kind: "leader_statement" };

/** B1–B6: who sent this and is it about this window and wallet. */
export function checkEnvelope(msg: CoordinationMessage, view: FollowerView): EnvelopeCheck {
  const sender = getAddress(to0x(msg.sender));
  if (sender === view.ownOperator) return { kind: "drop", reason: "self" }; // B2
  const seat = msg.senderSeat;
  if (seat < 1 || seat > view.seats.length || view.seats[seat - 1] !== sender) {
    return { kind: "drop", reason: "bad_seat_holder" }; // B3
  }
  if (msg.coordinationBlock !== view.W) return { kind: "drop", reason: "other_window" }; // B4
  if (!bytesEqual(msg.walletPubKeyHash, view.walletPkh)) return { kind: "drop", reason: "other_wallet" }; // B5
  if (sender !== view.leader) return { kind: "impersonation", culprit: sender }; // B6
  return { kind: "leader_statement" };
}

/** B8: followers accept any action on the checklist, or Noop. */
export function isActionAllowed(actionType: ActionType, checklist: ActionType[]): boolean {
  return actionType === ActionType.Noop || checklist.includes(actionType);
}
