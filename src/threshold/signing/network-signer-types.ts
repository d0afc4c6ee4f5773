// The public types of NetworkSigner (network-signer.ts): what it holds per wallet, its components and
// options with their defaults, its errors, and what it reports (faults, session summaries, counters).
import type { FrostPublic, FrostSecret } from "@noble/curves/abstract/frost.js";
import type { SigningKey } from "ethers";
import type { MemberTopics } from "../../network/member-topics.js";
import type { SigningNonceMarksRepo } from "../../store/repos/signing-nonce-marks-repo.js";
import type { Logger } from "../../util/logger.js";
import type { SigningFault } from "./evidence.js";

export const DEFAULT_SIGNING_ATTEMPT_MS = 20_000;
export const DEFAULT_PENDING_TTL_MS = 60_000;
export const DEFAULT_MAX_PENDING_SESSIONS = 16;
export const DEFAULT_MAX_PENDING_MESSAGES = 512;
export const DEFAULT_FINISHED_MEMORY = 1024;
/** About 70 sessions' worth of messages of a 5-member wallet signing 255 inputs. */
export const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;

/** One wallet this node is a member of: its public package and this node's own share only. */
export interface HeldWalletShare {
  readonly walletPkh: Uint8Array;
  /** The wallet's public package, in the form whose group key is the wallet key (dev-wallet.ts). */
  readonly public: FrostPublic;
  /** This node's member index (1-based; FROST identifier = index). */
  readonly memberIndex: number;
  /** This node's secret share; never logged, never sent. */
  readonly secret: FrostSecret;
  /** EIP-55 operator address of member index i at position i − 1 (the wallet's sorted seats). */
  readonly members: readonly string[];
}

export interface SigningFaultContext {
  /** Lowercase hex. */
  readonly walletPkh: string;
  /** 0x-hex session (round) id. */
  readonly sessionId: string;
  /** `self`: found by this node's engine; `peer`: evidence a peer published, verified here. */
  readonly origin: "self" | "peer";
}

export interface SigningSessionSummary {
  readonly walletPkh: string;
  readonly sessionId: string;
  readonly outcome: "signed" | "infeasible" | "aborted";
  /** Attempts begun by this node (for an aborted session, up to the abort). */
  readonly attempts: number;
  /** The subset whose shares made the signatures (signed only, when this node saw the package). */
  readonly signers: readonly number[];
  readonly ms: number;
}

export interface NetworkSignerComponents {
  /** The node's members-only topics (started and stopped by its owner). */
  readonly topics: Pick<MemberTopics, "join">;
  /** This node's operator key: signs every signing message (its address is the member's seat). */
  readonly operatorKey: SigningKey;
  /** The store's durable consumed-nonce marks. */
  readonly nonceMarks: Pick<SigningNonceMarksRepo, "mark" | "packageOf">;
  readonly logger: Logger;
  readonly onFault?: (fault: SigningFault, ctx: SigningFaultContext) => void;
  readonly onSessionEnd?: (summary: SigningSessionSummary) => void;
}

export interface NetworkSignerInit {
  readonly chainId: bigint;
  readonly wallets: readonly HeldWalletShare[];
  /** Time of one attempt. Default DEFAULT_SIGNING_ATTEMPT_MS (devnet 3 s). */
  readonly signingAttemptMs?: number;
  /** Default DEFAULT_PENDING_TTL_MS. */
  readonly pendingTtlMs?: number;
  /** Per wallet. Default DEFAULT_MAX_PENDING_SESSIONS. */
  readonly maxPendingSessions?: number;
  /** Per session. Default DEFAULT_MAX_PENDING_MESSAGES. */
  readonly maxPendingMessages?: number;
  /** Bytes of kept messages, per wallet. Default DEFAULT_MAX_PENDING_BYTES. */
  readonly maxPendingBytes?: number;
  /** Finished session ids remembered per wallet. Default DEFAULT_FINISHED_MEMORY. */
  readonly finishedMemory?: number;
}

export type SigningErrorCode = "SIGNING_INFEASIBLE" | "SIGNING_BAD_REQUEST" | "SIGNING_SESSION_ACTIVE" | "SIGNER_STOPPED";

export class SigningSessionError extends Error {
  override readonly name = "SigningSessionError";
  constructor(
    readonly code: SigningErrorCode,
    message: string,
    readonly metadata: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Counters for metrics: by refusal code, fault kind, drop reason and session outcome. */
export interface NetworkSignerStats {
  readonly sessions: Record<string, number>;
  readonly refusals: Record<string, number>;
  readonly faults: Record<string, number>;
  readonly dropped: Record<string, number>;
}
