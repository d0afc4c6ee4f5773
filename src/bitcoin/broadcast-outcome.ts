// Classifies a `blockchain.transaction.broadcast` error text (reliability.md §3.6). Backends word
// their errors differently (bitcoind, electrs, Fulcrum, ElectrumX wrapping), so the match is a
// case-insensitive substring test, and this table is the only place that knows the texts.
// Usage: `classifyBroadcastError(err.message)` for a server's JSON-RPC error; an accepted broadcast
// is `{ kind: "accepted", txid }` and is built by the caller.
import type { BroadcastOutcome } from "./bitcoin-chain.js";

type ErrorKind = Exclude<BroadcastOutcome["kind"], "accepted">;

/** Checked in order: the first row with a matching substring wins. */
const TABLE: readonly { readonly kind: ErrorKind; readonly needles: readonly string[] }[] = [
  { kind: "known", needles: ["already in block chain", "txn-already-known", "txn-already-in-mempool", "already have transaction"] },
  // "missingorspent" covers "bad-txns-inputs-missingorspent"; it must win over the generic bad-txns- row.
  { kind: "missing_inputs", needles: ["missing inputs", "missingorspent"] },
  { kind: "fee_too_low", needles: ["min relay fee not met", "mempool min fee not met", "insufficient fee"] },
  { kind: "invalid", needles: ["mandatory-script-verify-flag-failed", "non-mandatory-script-verify-flag", "bad-txns-"] },
];

export function classifyBroadcastError(message: string): BroadcastOutcome {
  const text = message.toLowerCase();
  for (const row of TABLE) {
    if (row.needles.some((n) => text.includes(n))) return { kind: row.kind, message };
  }
  // Anything else (including transport texts) proves nothing: retry later.
  return { kind: "unknown", message };
}
