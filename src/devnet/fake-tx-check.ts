// The script checks of the fake chain's acceptance (fake-bitcoin-chain.ts): the ECDSA signature of
// every P2WPKH, P2PKH, P2WSH and P2SH input, the deposit scripts spent through their wallet branch,
// and the BIP-340 key-path signature of every P2TR input (BIP-341 sighash over all prevouts; the
// script path is not verified and is refused). Failures answer bitcoind's texts, so the node's
// broadcast classification sees what it would see.
import { schnorr } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { opcodes, script as bscript, type Transaction } from "bitcoinjs-lib";
import { Signature, SigningKey } from "ethers";
import { hash160, p2pkhScript } from "../bitcoin/scripts.js";
import { p2trKeyOf } from "../bitcoin/taproot.js";
import { bytesEqual, toHex } from "../util/hex.js";

const SIGNATURE_FAILED = "mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)";
const SCHNORR_FAILED = "mandatory-script-verify-flag-failed (Invalid Schnorr signature)";
const SCHNORR_SIZE = "mandatory-script-verify-flag-failed (Invalid Schnorr signature size)";
const SCHNORR_HASHTYPE = "mandatory-script-verify-flag-failed (Invalid Schnorr signature hash type)";
const EMPTY_WITNESS = "mandatory-script-verify-flag-failed (Witness program was passed an empty witness)";
const SCRIPT_PATH_UNSUPPORTED = "fake chain: Taproot script-path spends are not verified";
/** BIP-341 hash types a 65-byte signature may carry (0x00 only as the 64-byte form). */
const TAPROOT_HASH_TYPES = new Set([0x01, 0x02, 0x03, 0x81, 0x82, 0x83]);

export interface Prevout {
  readonly script: Uint8Array;
  readonly value: bigint;
}

/** Checks input `i` against the prevouts of all inputs (P2TR needs them all); null when valid, else bitcoind's error text. */
export function verifyInput(tx: Transaction, i: number, prevouts: readonly Prevout[]): string | null {
  const prev = prevouts[i]!;
  const s = prev.script;
  const taprootKey = p2trKeyOf(s);
  if (taprootKey !== null) return verifyTaprootKeyPath(tx, i, prevouts, taprootKey);
  const input = tx.ins[i];
  let items: Uint8Array[] | null;
  let digest: (hashType: number) => Uint8Array;
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) {
    items = input.witness.length === 2 ? input.witness : null;
    if (!items || input.script.length !== 0 || !bytesEqual(hash160(items[1]), s.subarray(2))) return SIGNATURE_FAILED;
    const scriptCode = p2pkhScript(s.subarray(2));
    digest = (ht) => tx.hashForWitnessV0(i, scriptCode, prev.value, ht);
  } else if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) {
    items = pushes(input.script, 2);
    if (!items || !bytesEqual(hash160(items[1]), s.subarray(3, 23))) return SIGNATURE_FAILED;
    digest = (ht) => tx.hashForSignature(i, s, ht);
  } else if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) {
    items = input.witness.length === 3 ? input.witness : null;
    if (!items || input.script.length !== 0 || !bytesEqual(sha256(items[2]), s.subarray(2))) return SIGNATURE_FAILED;
    if (!walletBranchKeyMatches(items[2], items[1])) return SIGNATURE_FAILED;
    const redeem = items[2];
    digest = (ht) => tx.hashForWitnessV0(i, redeem, prev.value, ht);
  } else if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) {
    items = pushes(input.script, 3);
    if (!items || !bytesEqual(hash160(items[2]), s.subarray(2, 22))) return SIGNATURE_FAILED;
    if (!walletBranchKeyMatches(items[2], items[1])) return SIGNATURE_FAILED;
    const redeem = items[2];
    digest = (ht) => tx.hashForSignature(i, redeem, ht);
  } else {
    return "bad-txns-nonstandard-inputs";
  }
  let decoded: { signature: Uint8Array; hashType: number };
  try {
    decoded = bscript.signature.decode(items[0]);
  } catch {
    return SIGNATURE_FAILED;
  }
  return ecdsaVerify(digest(decoded.hashType), decoded.signature, items[1]) ? null : SIGNATURE_FAILED;
}

/** BIP-341 key path: witness `[sig]` (an annex, 0x50…, is dropped), sig 64 bytes (SIGHASH_DEFAULT) or 65 with its hash type. */
function verifyTaprootKeyPath(tx: Transaction, i: number, prevouts: readonly Prevout[], key: Uint8Array): string | null {
  const input = tx.ins[i]!;
  if (input.script.length !== 0) return "mandatory-script-verify-flag-failed (Witness requires empty scriptSig)";
  let stack = input.witness;
  const last = stack[stack.length - 1];
  const annex = stack.length >= 2 && last !== undefined && last[0] === 0x50 ? last : undefined;
  if (annex !== undefined) stack = stack.slice(0, -1);
  if (stack.length === 0) return EMPTY_WITNESS;
  if (stack.length > 1) return SCRIPT_PATH_UNSUPPORTED;
  const sig = stack[0]!;
  if (sig.length !== 64 && sig.length !== 65) return SCHNORR_SIZE;
  const hashType = sig.length === 64 ? 0x00 : sig[64]!;
  if (sig.length === 65 && !TAPROOT_HASH_TYPES.has(hashType)) return SCHNORR_HASHTYPE;
  let digest: Uint8Array;
  try {
    digest = tx.hashForWitnessV1(i, prevouts.map((p) => p.script), prevouts.map((p) => p.value), hashType, undefined, annex);
  } catch {
    return SCHNORR_HASHTYPE; // SIGHASH_SINGLE without its output
  }
  return schnorr.verify(sig.subarray(0, 64), digest, key) ? null : SCHNORR_FAILED;
}

/** The scriptSig's data pushes, when it is exactly `n` of them. */
function pushes(scriptSig: Uint8Array, n: number): Uint8Array[] | null {
  const chunks = bscript.decompile(scriptSig);
  if (!chunks || chunks.length !== n || !chunks.every((c) => c instanceof Uint8Array)) return null;
  return chunks as Uint8Array[];
}

/** The deposit script's IF branch: `DUP HASH160 <walletPkh> EQUAL IF CHECKSIG`; the key must hash to walletPkh. */
function walletBranchKeyMatches(redeem: Uint8Array, pubKey: Uint8Array): boolean {
  const c = bscript.decompile(redeem);
  if (!c) return false;
  for (let j = 0; j + 5 < c.length; j++) {
    const pkh = c[j + 2];
    if (c[j] === opcodes.OP_DUP && c[j + 1] === opcodes.OP_HASH160 && pkh instanceof Uint8Array && pkh.length === 20 &&
        c[j + 3] === opcodes.OP_EQUAL && c[j + 4] === opcodes.OP_IF && c[j + 5] === opcodes.OP_CHECKSIG) {
      return bytesEqual(hash160(pubKey), pkh);
    }
  }
  return false;
}

/** ECDSA verification by public-key recovery (ethers' secp256k1); `sig64` is r ‖ s. */
function ecdsaVerify(digest: Uint8Array, sig64: Uint8Array, pubKey: Uint8Array): boolean {
  if (pubKey.length !== 33 && pubKey.length !== 65) return false;
  for (const v of [27, 28]) {
    try {
      const sig = Signature.from({ r: "0x" + toHex(sig64.subarray(0, 32)), s: "0x" + toHex(sig64.subarray(32)), v });
      const recovered = SigningKey.recoverPublicKey(digest, sig);
      if (SigningKey.computePublicKey(recovered, pubKey.length === 33) === "0x" + toHex(pubKey)) return true;
    } catch {
      // High s or an invalid point: not a valid signature for this recovery id.
    }
  }
  return false;
}
