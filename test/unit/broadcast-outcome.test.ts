// Every response text of reliability.md §3.6, as bitcoind words it and as Electrum servers wrap it.
import { describe, expect, it } from "vitest";
import { classifyBroadcastError } from "../../src/bitcoin/broadcast-outcome.js";

const CASES: [string, string][] = [
  ["known", "already in block chain"],
  ["known", "Transaction already in block chain"],
  ["known", "txn-already-known"],
  ["known", "txn-already-in-mempool"],
  ["known", "already have transaction"],
  ["missing_inputs", "missing inputs"],
  ["missing_inputs", "Missing inputs"],
  ["missing_inputs", "bad-txns-inputs-missingorspent"],
  ["missing_inputs", "missingorspent"],
  ["fee_too_low", "min relay fee not met"],
  ["fee_too_low", "min relay fee not met, 100 < 141"],
  ["fee_too_low", "mempool min fee not met, 150 < 200"],
  ["fee_too_low", "insufficient fee, rejecting replacement"],
  ["invalid", "mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)"],
  ["invalid", "non-mandatory-script-verify-flag (Non-canonical signature: S value is unnecessarily high)"],
  ["invalid", "bad-txns-in-belowout"],
  ["invalid", "bad-txns-vout-negative"],
  ["invalid", "bad-txns-inputs-duplicate"],
  ["invalid", "bad-txns-nonstandard-inputs"],
  ["unknown", "connection reset by peer"],
  ["unknown", "request timed out"],
  ["unknown", "TX decode failed"],
  ["unknown", ""],
];

describe("classifyBroadcastError (reliability §3.6)", () => {
  it.each(CASES)("%s ← %j", (kind, message) => {
    expect(classifyBroadcastError(message)).toEqual({ kind, message });
  });

  it("matches case-insensitively inside the wrapping of Electrum servers", () => {
    const electrumx = "the transaction was rejected by network rules.\n\nBAD-TXNS-INPUTS-MISSINGORSPENT\n[0200…]";
    expect(classifyBroadcastError(electrumx).kind).toBe("missing_inputs");
    const fulcrum = "sendrawtransaction: Mandatory-Script-Verify-Flag-Failed (Script evaluated without error but finished with a false/empty top stack element) (code -26)";
    expect(classifyBroadcastError(fulcrum).kind).toBe("invalid");
    expect(classifyBroadcastError("Transaction Already In Block Chain (code -27)").kind).toBe("known");
  });

  it("keeps the original text in the outcome", () => {
    expect(classifyBroadcastError("Min Relay Fee Not Met")).toEqual({ kind: "fee_too_low", message: "Min Relay Fee Not Met" });
  });
});
