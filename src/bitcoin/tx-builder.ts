// Wallet transaction building (reliability.md §3.4 step 5): the unsigned transaction and one
// SIGHASH_ALL digest per input (BIP-341 SIGHASH_DEFAULT for a FROST wallet's P2TR inputs, taproot-tx.ts),
// then the signed transaction once the wallet's signatures are back; the per-type input/output plans
// of the §3.4 table are in tx-plans.ts (P2TR wallet outputs when given the FROST wallet's walletX).
// Pure and deterministic: the same inputs always give the same bytes and digests, so a restarted node
// rejoins the same signing round.
import { script as bscript, Transaction } from "bitcoinjs-lib";
import { bytesEqual, concatBytes, toHex } from "../util/hex.js";
import { fundingOutputKind, hash160, outputScriptKind, p2pkhScript } from "./scripts.js";
import { p2trKeyOf } from "./taproot.js";
import { setTaprootWitnesses, taprootSighash, type FrostWalletKey } from "./taproot-tx.js";
import { TxBuildError } from "./tx-build-error.js";
import { txidFromHash } from "./tx.js";

export interface TxInput {
  /** Internal byte order. */
  readonly txHash: Uint8Array;
  readonly index: number;
  readonly value: bigint;
  /** The prevout's locking script. */
  readonly script: Uint8Array;
  /** The deposit script, for P2WSH and P2SH inputs only. */
  readonly redeemScript?: Uint8Array;
  /** The refund leaf of a Taproot deposit (P2TR input spent with the leaf-tweaked wallet key); absent otherwise. */
  readonly taprootLeaf?: Uint8Array;
}

export interface TxOutput {
  readonly script: Uint8Array;
  readonly value: bigint;
}

export interface TxPlan {
  readonly inputs: TxInput[];
  readonly outputs: TxOutput[];
}

export { TxBuildError, type TxBuildErrorCode } from "./tx-build-error.js";
// The per-type plans live in tx-plans.ts; re-exported so callers keep one import.
export {
  depositSweepTx,
  movedFundsSweepTx,
  movingFundsTx,
  redemptionTx,
  type DepositToSweep,
  type MovedFundsOutpoint,
  type RedemptionToPay,
} from "./tx-plans.js";

const VERSION = 1;
const LOCKTIME = 0;
const SEQUENCE = 0xffffffff;
const SIGHASH_ALL = Transaction.SIGHASH_ALL;
/** Consensus limit of a P2SH redeem script (a single stack push). */
const MAX_REDEEM_SCRIPT = 520;

type SpendKind = "p2wpkh" | "p2pkh" | "p2wsh" | "p2sh" | "p2tr";

/** How the input is spent; checks that a deposit input carries the script its prevout commits to. */
function spendKind(input: TxInput, i: number): SpendKind {
  if (p2trKeyOf(input.script) !== null) {
    if (input.redeemScript !== undefined) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: a P2TR input takes no redeem script`);
    return "p2tr";
  }
  if (input.taprootLeaf !== undefined) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: a Taproot leaf needs a P2TR prevout`);
  const kind = outputScriptKind(input.script);
  if (kind === null) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: prevout script ${toHex(input.script)} is not P2PKH, P2WPKH, P2SH or P2WSH`);
  const rs = input.redeemScript;
  if (kind === "p2pkh" || kind === "p2wpkh") {
    if (rs !== undefined) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: a ${kind} input takes no redeem script`);
    return kind;
  }
  if (rs === undefined) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: a ${kind} input needs its deposit script`);
  if (rs.length > MAX_REDEEM_SCRIPT) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: redeem script of ${rs.length} bytes exceeds ${MAX_REDEEM_SCRIPT}`);
  if (fundingOutputKind(input.script, rs) !== kind) {
    throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: the deposit script does not hash to the ${kind} prevout script ${toHex(input.script)}`);
  }
  return kind;
}

/** The digest input `i` signs: BIP-341 for P2TR, BIP-143 for v0 witness inputs (P2WPKH scriptCode = P2PKH template), legacy otherwise. */
function sighashOf(tx: Transaction, i: number, inputs: readonly TxInput[], kind: SpendKind): Uint8Array {
  const input = inputs[i]!;
  switch (kind) {
    case "p2tr":
      return taprootSighash(tx, i, inputs);
    case "p2wpkh":
      return tx.hashForWitnessV0(i, p2pkhScript(input.script.subarray(2, 22)), input.value, SIGHASH_ALL);
    case "p2wsh":
      return tx.hashForWitnessV0(i, input.redeemScript!, input.value, SIGHASH_ALL);
    case "p2pkh":
      return tx.hashForSignature(i, input.script, SIGHASH_ALL);
    case "p2sh":
      return tx.hashForSignature(i, input.redeemScript!, SIGHASH_ALL);
  }
}

/** The unsigned transaction (no scriptSigs, no witnesses) as a bitcoinjs object. */
function unsignedTransaction(inputs: readonly TxInput[], outputs: readonly TxOutput[]): { tx: Transaction; kinds: SpendKind[] } {
  if (inputs.length === 0) throw new TxBuildError("TX_INVALID_INPUT", "a transaction needs at least one input");
  if (outputs.length === 0) throw new TxBuildError("TX_INVALID_OUTPUT", "a transaction needs at least one output");
  const seen = new Set<string>();
  let total = 0n;
  const kinds = inputs.map((input, i) => {
    if (input.txHash.length !== 32) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: tx hash must be 32 bytes, got ${input.txHash.length}`);
    if (!Number.isInteger(input.index) || input.index < 0 || input.index > 0xffffffff) {
      throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: invalid output index ${input.index}`);
    }
    if (input.value <= 0n) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: value must be positive, got ${input.value}`);
    const key = `${toHex(input.txHash)}:${input.index}`;
    if (seen.has(key)) throw new TxBuildError("TX_INVALID_INPUT", `input ${i}: outpoint ${key} is spent twice`);
    seen.add(key);
    total += input.value;
    return spendKind(input, i);
  });
  let spent = 0n;
  outputs.forEach((o, i) => {
    if (o.value < 0n) throw new TxBuildError("TX_NEGATIVE_OUTPUT", `output ${i}: negative value ${o.value}`);
    if (o.script.length === 0) throw new TxBuildError("TX_INVALID_OUTPUT", `output ${i}: empty script`);
    spent += o.value;
  });
  if (spent > total) throw new TxBuildError("TX_NEGATIVE_OUTPUT", `outputs (${spent}) exceed inputs (${total}): negative fee`);

  const tx = new Transaction();
  tx.version = VERSION;
  tx.locktime = LOCKTIME;
  for (const input of inputs) tx.addInput(input.txHash, input.index, SEQUENCE);
  for (const o of outputs) tx.addOutput(o.script, o.value);
  return { tx, kinds };
}

/**
 * The unsigned transaction bytes and, per input in order, the 32-byte digest to sign: SIGHASH_ALL
 * (ECDSA), or BIP-341 SIGHASH_DEFAULT for a P2TR input (its key: taprootSigningKeys in taproot-tx.ts).
 */
export function buildUnsigned(inputs: readonly TxInput[], outputs: readonly TxOutput[]): { unsignedTx: Uint8Array; sighashes: Uint8Array[] } {
  const { tx, kinds } = unsignedTransaction(inputs, outputs);
  const sighashes = inputs.map((_, i) => sighashOf(tx, i, inputs, kinds[i]!));
  return { unsignedTx: tx.toBuffer(), sighashes };
}

/** A minimal data push: direct up to 75 bytes, OP_PUSHDATA1 up to 255, OP_PUSHDATA2 up to 520. */
function push(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n <= 75) return concatBytes(Uint8Array.of(n), data);
  if (n <= 0xff) return concatBytes(Uint8Array.of(0x4c, n), data);
  return concatBytes(Uint8Array.of(0x4d, n & 0xff, n >> 8), data);
}

/**
 * The signed transaction: `signatures[i]` (64-byte r ‖ s, low-s, already verified by the caller)
 * becomes DER + SIGHASH_ALL. P2WPKH witness [sig, pubkey]; P2WSH witness [sig, pubkey, script];
 * P2PKH scriptSig sig pubkey; P2SH scriptSig sig pubkey script (the deposit script's IF branch).
 * `txid`/`wtxid` are display-order hex; a P2SH input makes the txid depend on the signature.
 * A FROST wallet (`{ scheme: "frost", walletX }`): every input is P2TR, `signatures[i]` is its 64-byte
 * BIP-340 signature (checked here), the witness is `[sig]`.
 */
export function finalizeSigned(
  unsignedTx: Uint8Array,
  inputs: readonly TxInput[],
  signatures: readonly Uint8Array[],
  walletPublicKey: Uint8Array | FrostWalletKey,
): { raw: Uint8Array; txid: string; wtxid: string } {
  if (!(walletPublicKey instanceof Uint8Array)) return finalizeTaproot(unsignedTx, inputs, signatures, walletPublicKey.walletX);
  if (walletPublicKey.length !== 33 || (walletPublicKey[0] !== 0x02 && walletPublicKey[0] !== 0x03)) {
    throw new TxBuildError("TX_MISMATCH", "the wallet public key must be 33 bytes, compressed");
  }
  const tx = unsignedToFinalize(unsignedTx, inputs, signatures);
  const walletPkh = hash160(walletPublicKey);
  inputs.forEach((input, i) => {
    const sig = signatures[i]!;
    if (sig.length !== 64) throw new TxBuildError("TX_MISMATCH", `input ${i}: signature must be 64 bytes (r ‖ s), got ${sig.length}`);
    const kind = spendKind(input, i);
    if (kind === "p2tr") throw new TxBuildError("TX_MISMATCH", `input ${i}: a P2TR input is signed by a FROST wallet key, not an ECDSA key`);
    // A wrong key would only surface as a rejected broadcast; catch it here with a clear message.
    const keyed = kind === "p2pkh" ? input.script.subarray(3, 23) : kind === "p2wpkh" ? input.script.subarray(2, 22) : null;
    if (keyed !== null && !bytesEqual(keyed, walletPkh)) throw new TxBuildError("TX_MISMATCH", `input ${i}: the prevout does not pay the wallet key`);
    if (keyed === null && !containsWalletBranch(input.redeemScript!, walletPkh)) {
      throw new TxBuildError("TX_MISMATCH", `input ${i}: the deposit script is not spendable by the wallet key`);
    }
    const der = bscript.signature.encode(sig, SIGHASH_ALL);
    switch (kind) {
      case "p2wpkh":
        tx.setWitness(i, [der, walletPublicKey]);
        break;
      case "p2wsh":
        tx.setWitness(i, [der, walletPublicKey, input.redeemScript!]);
        break;
      case "p2pkh":
        tx.setInputScript(i, concatBytes(push(der), push(walletPublicKey)));
        break;
      case "p2sh":
        tx.setInputScript(i, concatBytes(push(der), push(walletPublicKey), push(input.redeemScript!)));
        break;
    }
  });
  return { raw: tx.toBuffer(), txid: txidFromHash(tx.getHash(false)), wtxid: txidFromHash(tx.getHash(true)) };
}

/** The unsigned transaction, checked against the inputs it spends and the number of signatures. */
function unsignedToFinalize(unsignedTx: Uint8Array, inputs: readonly TxInput[], signatures: readonly Uint8Array[]): Transaction {
  const tx = Transaction.fromBuffer(unsignedTx);
  if (tx.ins.length !== inputs.length || signatures.length !== inputs.length) {
    throw new TxBuildError(
      "TX_MISMATCH",
      `the unsigned transaction has ${tx.ins.length} inputs, ${inputs.length} inputs and ${signatures.length} signatures were given`,
    );
  }
  inputs.forEach((input, i) => {
    const txIn = tx.ins[i]!;
    if (!bytesEqual(txIn.hash, input.txHash) || txIn.index !== input.index) {
      throw new TxBuildError("TX_MISMATCH", `input ${i}: the unsigned transaction spends another outpoint`);
    }
    if (txIn.script.length !== 0 || txIn.witness.length !== 0) throw new TxBuildError("TX_MISMATCH", `input ${i}: the transaction is already signed`);
  });
  return tx;
}

/** The FROST path of finalizeSigned: the key-path witness of every (P2TR) input. */
function finalizeTaproot(unsignedTx: Uint8Array, inputs: readonly TxInput[], signatures: readonly Uint8Array[], walletX: Uint8Array): { raw: Uint8Array; txid: string; wtxid: string } {
  const tx = unsignedToFinalize(unsignedTx, inputs, signatures);
  inputs.forEach((input, i) => spendKind(input, i));
  setTaprootWitnesses(tx, inputs, signatures, walletX);
  return { raw: tx.toBuffer(), txid: txidFromHash(tx.getHash(false)), wtxid: txidFromHash(tx.getHash(true)) };
}

/** The deposit script's wallet branch: OP_DUP OP_HASH160 <walletPKH> OP_EQUAL OP_IF OP_CHECKSIG (contracts.md §1.4). */
function containsWalletBranch(script: Uint8Array, walletPkh: Uint8Array): boolean {
  const needle = concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), walletPkh, Uint8Array.of(0x87, 0x63, 0xac, 0x67));
  outer: for (let i = 0; i + needle.length <= script.length; i++) {
    for (let k = 0; k < needle.length; k++) if (script[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}
