// The node's only view of the Bitcoin chain (style.md §3, reliability.md §3.6, §7.4). Implemented by
// the Electrum adapter (electrum-client.ts) and by FakeBitcoinChain (devnet and tests). Txids and
// block hashes are display-order hex (as Electrum uses them); script hashes are Electrum's
// `sha256(script)` reversed, hex (scripts.ts `electrumScriptHash`).
import type { AbortOptions, Startable } from "../util/lifecycle.js";

export interface BtcTip {
  readonly height: number;
  /** Display-order hex, 64 chars, lowercase. */
  readonly hash: string;
}

export interface BtcHeader extends BtcTip {
  /** Display-order hex of the previous block. */
  readonly prevHash: string;
}

export interface HistoryItem {
  readonly txid: string;
  /** Block height; 0 or −1 means mempool (Electrum: −1 = unconfirmed parent). */
  readonly height: number;
}

export interface Utxo {
  readonly txid: string;
  readonly vout: number;
  readonly value: bigint;
  /** Block height; 0 means mempool. */
  readonly height: number;
}

/** The broadcast answer already classified by the table of reliability.md §3.6 (broadcast-outcome.ts). */
export type BroadcastOutcome =
  | { readonly kind: "accepted"; readonly txid: string }
  /** "already in block chain", "txn-already-known", …: look it up. */
  | { readonly kind: "known"; readonly message: string }
  /** "missing inputs", "bad-txns-inputs-missingorspent", …: look it up (confirmed? conflict? parent unknown?). */
  | { readonly kind: "missing_inputs"; readonly message: string }
  /** "min relay fee not met", …: stay broadcast_pending, retry each block. */
  | { readonly kind: "fee_too_low"; readonly message: string }
  /** Script or consensus failure: failed_invalid. */
  | { readonly kind: "invalid"; readonly message: string }
  /** Transport error or timeout: nothing can be concluded; retry with backoff. */
  | { readonly kind: "unknown"; readonly message: string };

/** Transport failure, timeout or no healthy server: transient, never conclusive (R10). */
export class BitcoinUnavailableError extends Error {
  override readonly name = "BitcoinUnavailableError";
  readonly code = "BTC_UNAVAILABLE";
  readonly transient = true;
}

/** The server answered with a JSON-RPC error (definitive for this request). */
export class BitcoinServerError extends Error {
  override readonly name = "BitcoinServerError";
  readonly code = "BTC_SERVER_ERROR";
  readonly transient = false;
  constructor(
    message: string,
    readonly method: string,
    readonly rpcCode?: number,
  ) {
    super(message);
  }
}

/** `blockchain.estimatefee` returned −1, or the estimate failed (coordination.md §13.8). */
export class FeeEstimateUnavailableError extends Error {
  override readonly name = "FeeEstimateUnavailableError";
  readonly code = "FEE_ESTIMATE_UNAVAILABLE";
}

export interface BitcoinChain extends Startable {
  /** The latest tip seen (subscription), null before the first one. */
  tip(): BtcTip | null;
  /** Called on every new tip (including reorgs to a different tip); returns an unsubscribe function. */
  onTip(listener: (tip: BtcHeader) => void): () => void;
  /** The header at a height of the current best chain. */
  header(height: number, o?: AbortOptions): Promise<BtcHeader>;
  /** Raw transaction bytes (with witness if any), null when the server does not know it. */
  getTransaction(txid: string, o?: AbortOptions): Promise<Uint8Array | null>;
  /** Depth tip − h + 1 when in block h, 0 in the mempool, −1 unknown. */
  confirmations(txid: string, o?: AbortOptions): Promise<number>;
  history(scriptHash: string, o?: AbortOptions): Promise<HistoryItem[]>;
  unspent(scriptHash: string, o?: AbortOptions): Promise<Utxo[]>;
  /**
   * `blockchain.estimatefee(1)` converted as §13.8: round(max(1, btcPerKb × 100 000)).
   * Throws FeeEstimateUnavailableError on −1 or on any failure.
   */
  estimateSatPerVByte(o?: AbortOptions): Promise<number>;
  /** Never throws for a server answer: errors are classified into the outcome. */
  broadcast(raw: Uint8Array, o?: AbortOptions): Promise<BroadcastOutcome>;
}
