import { getAddress, hexlify } from "ethers";
import { COORDINATION_FREQUENCY_BLOCKS, MAX_MESSAGE_BYTES, PER_SENDER_WINDOW_CAP, PROTOCOL_VERSION } from "../protocol/constants.js";
import type { CoordinationMessage, GossipAction, GossipReason, MalformedReason } from "../protocol/message.js";
import { bytesEqual } from "../util/hex.js";
import { decodeCoordinationMessage, MALFORMED_REASONS } from "../protocol/codec.js";
import type { DuplicateTracker } from "./duplicate-tracker.js";
import { messageDigest, verifySignature, type CoordinationDomain } from "./eip712.js";

/** A digest seen this many times (first arrival included) is no longer propagated (A11). */
export const DUPLICATE_PROPAGATION_LIMIT = 16;

const MALFORMED = new Set<string>(MALFORMED_REASONS);

/** A1/A2 failures: counted as malformed (wcoord_malformed_messages_total), no authenticated author. */
export function isMalformedReason(reason: GossipReason): boolean {
  return MALFORMED.has(reason);
}

/** Typed validation failure (style.md §1.8); thrown inside this module, mapped to a verdict at its edge. */
export class CoordinationMessageError extends Error {
  static override readonly name = "CoordinationMessageError";
  constructor(
    readonly code: GossipReason,
    readonly action: GossipAction,
  ) {
    super(`${action}: ${code}`);
    this.name = "CoordinationMessageError";
  }
}

export interface GossipVerdict {
  verdict: GossipAction;
  reason: GossipReason;
  /** True only for the first acceptance of a digest: hand it to the follower. */
  enqueue: boolean;
  /** Present once decoding succeeded (also on later failures, e.g. for the profile-mismatch log). */
  message?: CoordinationMessage;
  /** EIP-712 digest = message id; present once computed. */
  digest?: Uint8Array;
}

export type { CoordinationDomain };

export interface GossipValidationContext {
  chainId: bigint;
  profileHash: Uint8Array;
  /** Current W (a block number, multiple of 900) from the block clock. */
  currentWindow(): number;
  /** Latest cached seat list of a wallet (EIP-55 addresses, seat i at index i−1); undefined if unknown. */
  seatsOf(walletPkh: Uint8Array): string[] | undefined;
  domain: CoordinationDomain;
  duplicates: DuplicateTracker;
}

export interface GossipInput {
  data: Uint8Array;
  /** Wallet PKH of the topic the message arrived on. */
  topicWallet: Uint8Array;
  /** Operator address (EIP-55) of the gossip `from` peer; null if it is not a secp256k1 peer. */
  fromOperator: string | null;
}

/** Network-stage validation A1–A12 (coordination.md §8.3), in the spec's order. Never throws. */
export function validateGossipMessage(input: GossipInput, ctx: GossipValidationContext): GossipVerdict {
  const state: { message?: CoordinationMessage; digest?: Uint8Array } = {};
  try {
    return runChecks(input, ctx, state);
  } catch (err) {
    const { code, action } = err instanceof CoordinationMessageError ? err : { code: "internal_error" as const, action: "ignore" as const };
    return { verdict: action, reason: code, enqueue: false, ...state };
  }
}

function fail(code: GossipReason, action: GossipAction): never {
  throw new CoordinationMessageError(code, action);
}

function runChecks(input: GossipInput, ctx: GossipValidationContext, state: { message?: CoordinationMessage; digest?: Uint8Array }): GossipVerdict {
  // A1: size before any parsing.
  if (input.data.length > MAX_MESSAGE_BYTES) fail("oversize", "reject");

  // A2: strict canonical decode.
  const decoded = decodeCoordinationMessage(input.data);
  if (!decoded.ok) fail(decoded.reason, "reject");
  const msg = decoded.message;
  state.message = msg;

  // A3: a future version is not penalised.
  if (msg.protocolVersion !== PROTOCOL_VERSION) fail("version", "ignore");
  // A4
  if (msg.chainId !== ctx.chainId) fail("chain_mismatch", "reject");
  // A5
  if (!bytesEqual(msg.profileHash, ctx.profileHash)) fail("profile_mismatch", "reject");
  // A6
  if (!bytesEqual(msg.walletPubKeyHash, input.topicWallet)) fail("topic_mismatch", "reject");

  // A7: a valid window, at most one window away from the current one.
  const w = msg.coordinationBlock;
  const current = ctx.currentWindow();
  if (!Number.isSafeInteger(w) || w <= 0 || w % COORDINATION_FREQUENCY_BLOCKS !== 0 || Math.abs(w - current) > COORDINATION_FREQUENCY_BLOCKS) {
    fail("window_out_of_range", "ignore");
  }

  // A8: low-s, v ∈ {27, 28}, recovered signer == sender.
  if (!verifySignature(msg, ctx.domain)) fail("bad_signature", "reject");
  const digest = messageDigest(msg, ctx.domain);
  state.digest = digest;
  const sender = getAddress(hexlify(msg.sender));

  // A9: only the original publisher counts; relays may be anyone.
  if (input.fromOperator === null || input.fromOperator.toLowerCase() !== sender.toLowerCase()) fail("from_mismatch", "reject");

  // A10: an unknown seat list is our gap, not the peer's fault, so it is not penalised.
  const seats = ctx.seatsOf(msg.walletPubKeyHash);
  if (seats === undefined) fail("not_member", "ignore");
  const lower = sender.toLowerCase();
  if (!seats.some((s) => s.toLowerCase() === lower)) fail("not_member", "reject");

  // A11: republishes keep propagating (new gossip seqno) but are handed to the follower only once.
  const dup = ctx.duplicates;
  dup.prune(current);
  const seen = dup.timesSeen(msg.walletPubKeyHash, w, digest);
  if (seen > 0) {
    if (seen >= DUPLICATE_PROPAGATION_LIMIT) fail("duplicate_flood", "ignore");
    dup.recordRepeat(msg.walletPubKeyHash, w, digest);
    return { verdict: "accept", reason: "duplicate", enqueue: false, message: msg, digest };
  }

  // A12
  if (dup.distinctFromSender(msg.walletPubKeyHash, w, sender) >= PER_SENDER_WINDOW_CAP) fail("sender_cap", "ignore");

  dup.recordNew(msg.walletPubKeyHash, w, sender, digest);
  return { verdict: "accept", reason: "ok", enqueue: true, message: msg, digest };
}
