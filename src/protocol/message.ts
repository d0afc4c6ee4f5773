import type { ActionType } from "./constants.js";

/** A coordination message as carried on the wire (coordination.md §7.1), decoded. */
export interface CoordinationProposal {
  actionType: ActionType;
  /** Serialized inner proposal (§7.3); empty for Noop. */
  payload: Uint8Array;
}

export interface UnsignedCoordinationMessage {
  protocolVersion: number;
  chainId: bigint;
  profileHash: Uint8Array; // 32 bytes
  coordinationBlock: number; // W
  walletPubKeyHash: Uint8Array; // 20 bytes
  sender: Uint8Array; // 20 bytes, operator address
  senderSeat: number; // 1-based
  proposal: CoordinationProposal;
}

export interface CoordinationMessage extends UnsignedCoordinationMessage {
  signature: Uint8Array; // 65 bytes r || s || v, v in {27, 28}
}

/** Reasons counted in wcoord_malformed_messages_total{reason} (§7.2). */
export type MalformedReason =
  | "oversize"
  | "decode_error"
  | "unknown_field"
  | "missing_proposal"
  | "bad_length"
  | "bad_action_type"
  | "bad_seat"
  | "non_canonical";

export type DecodeResult = { ok: true; message: CoordinationMessage } | { ok: false; reason: MalformedReason };

/** What gossipsub is told about a message (coordination.md §8.3). */
export type GossipAction = "accept" | "ignore" | "reject";

/** The bounded reason codes of coordination.md §8.3 ("ok" when every check passed). */
export type GossipReason =
  | "ok"
  | MalformedReason
  | "version"
  | "chain_mismatch"
  | "profile_mismatch"
  | "topic_mismatch"
  | "window_out_of_range"
  | "bad_signature"
  | "from_mismatch"
  | "not_member"
  | "duplicate"
  | "duplicate_flood"
  | "sender_cap"
  /** A bug or an unexpected throw below; never penalises the peer. */
  | "internal_error";
