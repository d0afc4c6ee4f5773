// The responder's own vocabulary (after rust-teos' ConfirmationStatus): what it is asked to track and
// what it reports about it, in heights (R4). It names no action state: the caller maps each status
// onto its own states and decides what follows.

/** An outpoint a tracked transaction spends, with the script it locks (its history is searched). */
export interface TrackedOutpoint {
  /** 0x-hex, internal byte order. */
  readonly txHash: string;
  readonly index: number;
  readonly script: Uint8Array;
}

/** Whose transaction it is: the tracker row's owner, and the context of every log line about it. */
export interface TrackerOwner {
  readonly actionId: number;
  readonly wallet: string;
  readonly W: number;
}

/** A signed transaction the responder broadcasts and tracks. */
export interface TrackedTx {
  readonly txid: string;
  readonly wtxid: string | null;
  readonly raw: Uint8Array;
  readonly outpoints: readonly TrackedOutpoint[];
  readonly owner: TrackerOwner;
}

/** A built, not yet signed transaction that another member may already have broadcast (§3.5). */
export interface BuiltTx {
  readonly unsignedTx: Uint8Array;
  readonly outpoints: readonly TrackedOutpoint[];
  readonly owner: TrackerOwner;
}

export type TrackerStatus =
  /** InMempoolSince(h): accepted or seen unconfirmed at tip h. */
  | { readonly kind: "in_mempool"; readonly since: number }
  /** ConfirmedIn(h, hash). */
  | { readonly kind: "confirmed"; readonly at: BlockPlace }
  /** Confirmed at least IRREVOCABLY_RESOLVED deep (`depth` counted from the tip of the check). */
  | { readonly kind: "irrevocable"; readonly at: BlockPlace; readonly depth: number }
  /** No longer in its block: InMempoolSince(h) again, watched and rebroadcast. */
  | { readonly kind: "reorged"; readonly since: number }
  /** Another spend of its outpoints is CONFLICT_CONFIRMATIONS deep: it can never confirm. */
  | { readonly kind: "conflicted"; readonly spender: Spender }
  /** The network rejects it as invalid (script or consensus failure). */
  | { readonly kind: "rejected"; readonly message: string };

export interface BlockPlace {
  readonly height: number;
  /** Display-order hex. */
  readonly hash: string;
}

/** Another transaction spending one of the tracked outpoints. */
export interface Spender {
  readonly txid: string;
  readonly raw: Uint8Array;
  /** Its depth; 0 in the mempool. */
  readonly confirmations: number;
}

/** Where a caller that held the transaction before its tracker row existed last saw it. */
export type HeldStatus =
  | { readonly kind: "in_mempool"; readonly since: number | null }
  | { readonly kind: "confirmed"; readonly height: number | null; readonly hash: string | null };

/** Every look-up or broadcast the responder makes for one caller's pass. */
export interface ResponderCall {
  /** Fires at the caller's deadline or at shutdown. */
  readonly signal: AbortSignal;
  /** The caller's Bitcoin tip, used while the server has not announced one. */
  readonly tip: number | null;
}

export function conflictReason(spender: Spender): string {
  return `conflicting spend ${spender.txid} with ${spender.confirmations} confirmations`;
}
