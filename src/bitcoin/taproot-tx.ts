// The FROST path of the transaction builder (threshold.md §4.1–4.2, §5.1): P2TR key-path inputs, their
// BIP-341 SIGHASH_DEFAULT digests, the key each input's signature verifies under (the wallet key for
// the wallet's own outputs, the leaf-tweaked key Q for a Taproot deposit) and the 64-byte witness.
//
// Usage (a FROST wallet):
//   const plan = depositSweepTx({ walletPkh, walletX, mainUtxo, deposits, fee });   // tx-builder.ts
//   const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);       // BIP-341 digests
//   const keys = taprootSigningKeys(plan.inputs, walletX);    // per input: merkleRoot/tweak for the signer
//   finalizeSigned(unsignedTx, plan.inputs, signatures64, { scheme: "frost", walletX });
import { schnorr } from "@noble/curves/secp256k1.js";
import { Transaction } from "bitcoinjs-lib";
import { bytesEqual, toHex } from "../util/hex.js";
import { p2trKeyOf, taprootDepositOutput } from "./taproot.js";
import { TxBuildError } from "./tx-build-error.js";

/** BIP-341 SIGHASH_DEFAULT (0x00): commits to all inputs and outputs; the signature is 64 bytes. */
export const SIGHASH_DEFAULT = Transaction.SIGHASH_DEFAULT;

/** How finalizeSigned is told that the wallet is a FROST wallet. */
export interface FrostWalletKey {
  readonly scheme: "frost";
  /** The 32-byte x-only wallet key (threshold.md §2). */
  readonly walletX: Uint8Array;
}

/** The part of a transaction input the Taproot path reads (tx-builder.ts TxInput has it). */
export interface TaprootInputLike {
  readonly script: Uint8Array;
  readonly value: bigint;
  /** The refund leaf of a Taproot deposit input; absent for the wallet's own P2TR outputs. */
  readonly taprootLeaf?: Uint8Array;
}

/** The key a P2TR input's BIP-340 signature must verify under, and how the signer derives it from the wallet key. */
export interface TaprootSigningKey {
  /** x(Q): the key of the prevout (`0x5120 ‖ outputX`). */
  readonly outputX: Uint8Array;
  /** The refund leaf hash (the merkle root of the one-leaf tree) of a deposit; null for the wallet key itself. */
  readonly merkleRoot: Uint8Array | null;
  /** The BIP-341 tweak `t` added to the wallet key (`Q = lift_x(walletX) + t·G`); 0n for the wallet key itself. */
  readonly tweak: bigint;
}

function requireWalletX(walletX: Uint8Array): void {
  if (walletX.length !== 32) throw new TxBuildError("TX_MISMATCH", `walletX must be 32 bytes, got ${walletX.length}`);
}

/** The signing key of input `i`; throws TX_MISMATCH when the prevout is not spendable by the wallet key. */
export function taprootSigningKey(input: TaprootInputLike, walletX: Uint8Array, i: number): TaprootSigningKey {
  requireWalletX(walletX);
  const key = p2trKeyOf(input.script);
  if (key === null) throw new TxBuildError("TX_MISMATCH", `input ${i}: prevout script ${toHex(input.script)} is not P2TR`);
  if (input.taprootLeaf === undefined) {
    if (!bytesEqual(key, walletX)) throw new TxBuildError("TX_MISMATCH", `input ${i}: the prevout does not pay the wallet key`);
    return { outputX: walletX, merkleRoot: null, tweak: 0n };
  }
  let out;
  try {
    out = taprootDepositOutput(walletX, input.taprootLeaf);
  } catch (err) {
    throw new TxBuildError("TX_MISMATCH", `input ${i}: ${(err as Error).message}`);
  }
  if (!bytesEqual(out.outputX, key)) throw new TxBuildError("TX_MISMATCH", `input ${i}: the prevout is not the wallet's Taproot deposit of this leaf`);
  return { outputX: out.outputX, merkleRoot: out.leafHash, tweak: out.tweak };
}

/** Per input in order, the key its signature verifies under (every input must be a P2TR output of the wallet). */
export function taprootSigningKeys(inputs: readonly TaprootInputLike[], walletX: Uint8Array): TaprootSigningKey[] {
  return inputs.map((input, i) => taprootSigningKey(input, walletX, i));
}

/** The BIP-341 SIGHASH_DEFAULT digest of input `i` (key path, no annex): every prevout's script and value. */
export function taprootSighash(tx: Transaction, i: number, inputs: readonly TaprootInputLike[]): Uint8Array {
  return tx.hashForWitnessV1(
    i,
    inputs.map((p) => p.script),
    inputs.map((p) => p.value),
    SIGHASH_DEFAULT,
  );
}

/**
 * Sets the key-path witness `[sig]` of every input of `tx` (64-byte BIP-340 signatures, SIGHASH_DEFAULT),
 * after checking each signature against its input's key and digest: a wrong share or key is caught here,
 * not by a refused broadcast.
 */
export function setTaprootWitnesses(tx: Transaction, inputs: readonly TaprootInputLike[], signatures: readonly Uint8Array[], walletX: Uint8Array): void {
  const keys = taprootSigningKeys(inputs, walletX);
  inputs.forEach((_, i) => {
    const sig = signatures[i]!;
    if (sig.length !== 64) throw new TxBuildError("TX_MISMATCH", `input ${i}: a Taproot signature must be 64 bytes, got ${sig.length}`);
    if (!schnorr.verify(sig, taprootSighash(tx, i, inputs), keys[i]!.outputX)) {
      throw new TxBuildError("TX_MISMATCH", `input ${i}: the signature does not verify under the input's Taproot key`);
    }
    tx.setWitness(i, [sig]);
  });
}
