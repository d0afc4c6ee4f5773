// Virtual size of a transaction before it is signed (coordination.md §13.8): btcd's rule
// floor((3·base + total + 3) / 4) with placeholder signatures, so the estimate is an upper bound
// of the signed transaction (DER signatures are at most 72 bytes with the sighash byte). A P2TR
// key-path input (threshold.md §4.1) is exact: its witness is one 64-byte BIP-340 signature
// (SIGHASH_DEFAULT), 41 bytes + 66 WU = 57.5 vB; a P2TR output is 43 bytes.
import { compactSize } from "./scripts.js";

export type InputShape =
  | { kind: "p2wpkh" }
  | { kind: "p2tr" }
  | { kind: "p2pkh" }
  | { kind: "p2wsh"; scriptLength: number }
  | { kind: "p2sh"; scriptLength: number };

export const OUTPUT_SCRIPT_LENGTH = { p2pkh: 25, p2wpkh: 22, p2sh: 23, p2wsh: 34, p2tr: 34 } as const;

/** A wallet's own coins (main UTXO, change, sweep outputs): P2TR for a FROST wallet, P2WPKH for an ECDSA one (threshold.md §4.1). */
export function walletInputShape(frost: boolean): InputShape {
  return frost ? { kind: "p2tr" } : { kind: "p2wpkh" };
}

/** The script length of a wallet's own output (see walletInputShape). */
export function walletOutputLength(frost: boolean): number {
  return frost ? OUTPUT_SCRIPT_LENGTH.p2tr : OUTPUT_SCRIPT_LENGTH.p2wpkh;
}

const SIGNATURE_PLACEHOLDER = 72;
/** BIP-340 signature with SIGHASH_DEFAULT (no sighash byte). */
const SCHNORR_SIGNATURE = 64;
const PUBLIC_KEY_LENGTH = 33;
/** Outpoint (32 + 4) and sequence (4); the scriptSig length and bytes come on top. */
const INPUT_FIXED = 40;

const len = (n: number): number => compactSize(n).length;

/** A script push of n bytes: one length byte up to 75, then OP_PUSHDATA1 (2), OP_PUSHDATA2 (3). */
function pushSize(n: number): number {
  return (n <= 75 ? 1 : n <= 0xff ? 2 : 3) + n;
}

function scriptSigLength(input: InputShape): number {
  switch (input.kind) {
    case "p2wpkh":
    case "p2wsh":
    case "p2tr":
      return 0;
    case "p2pkh":
      return pushSize(SIGNATURE_PLACEHOLDER) + pushSize(PUBLIC_KEY_LENGTH);
    case "p2sh":
      return pushSize(SIGNATURE_PLACEHOLDER) + pushSize(PUBLIC_KEY_LENGTH) + pushSize(input.scriptLength);
  }
}

/** Witness item lengths; empty for legacy inputs. */
function witnessItems(input: InputShape): number[] {
  switch (input.kind) {
    case "p2wpkh":
      return [SIGNATURE_PLACEHOLDER, PUBLIC_KEY_LENGTH];
    case "p2wsh":
      return [SIGNATURE_PLACEHOLDER, PUBLIC_KEY_LENGTH, input.scriptLength];
    case "p2tr":
      return [SCHNORR_SIGNATURE];
    default:
      return [];
  }
}

export function vsize(inputs: InputShape[], outputScriptLengths: number[]): number {
  for (const i of inputs) {
    if ((i.kind === "p2wsh" || i.kind === "p2sh") && (!Number.isInteger(i.scriptLength) || i.scriptLength <= 0)) {
      throw new Error(`invalid ${i.kind} script length ${i.scriptLength}`);
    }
  }
  let base = 4 + len(inputs.length) + len(outputScriptLengths.length) + 4;
  for (const i of inputs) {
    const sig = scriptSigLength(i);
    base += INPUT_FIXED + len(sig) + sig;
  }
  for (const l of outputScriptLengths) base += 8 + len(l) + l;

  let total = base;
  const witnesses = inputs.map(witnessItems);
  if (witnesses.some((w) => w.length > 0)) {
    total += 2; // marker and flag
    // Every input has an item count, a legacy input's being the single byte 0.
    for (const items of witnesses) total += len(items.length) + items.reduce((s, n) => s + len(n) + n, 0);
  }
  return Math.floor((3 * base + total + 3) / 4);
}
