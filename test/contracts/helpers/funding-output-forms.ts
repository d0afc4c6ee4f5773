// Every standard output form (plus a bare and a non-standard one) carrying the
// hash of a deposit script, for the funding-output form checks of the Bridge
// and the validator (contracts.md §2.7 check 7, §3.5 step 4; tBTC advisory
// GHSA-8986): only the exact P2SH and P2WSH forms lock a deposit.
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, fromHex } from "../../../src/util/hex.js";
import { hash160 } from "./bitcoin-fixtures.js";

export interface FundingOutputForm {
  name: string;
  /** Serialized output script with its length byte. */
  prefixedScript: Uint8Array;
  /** True only for the exact P2SH and P2WSH forms. */
  accepted: boolean;
}

export function fundingOutputForms(script: Uint8Array): FundingOutputForm[] {
  const h20 = hash160(script);
  const h32 = sha256(script);
  const form = (name: string, prefix: string, body: Uint8Array, suffix = "", accepted = false): FundingOutputForm => ({
    name,
    prefixedScript: concatBytes(fromHex(prefix), body, fromHex(suffix)),
    accepted,
  });
  if (script.length > 0xfc) throw new Error(`script of ${script.length} bytes needs a longer CompactSize`);
  return [
    form("P2PKH carrying hash160(script)", "1976a914", h20, "88ac"),
    form("P2WPKH carrying hash160(script)", "160014", h20),
    form("P2SH of the script", "17a914", h20, "87", true),
    form("P2WSH of the script", "220020", h32, "", true),
    form("P2TR carrying sha256(script)", "225120", h32),
    form("bare (the deposit script itself as the output script)", hexByte(script.length), script),
    form("non-standard P2SH look-alike ending in OP_EQUALVERIFY", "17a914", h20, "88"),
  ];
}

function hexByte(n: number): string {
  return n.toString(16).padStart(2, "0");
}
