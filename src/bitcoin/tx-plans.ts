// Per-type plans of wallet transactions (reliability.md §3.4 table), built by tx-builder.ts. They take
// decoded proposal data plus chain data and only arrange inputs and outputs; fee rules and limits are
// the proposal tasks' and the validator's business. Given a FROST wallet's walletX (threshold.md §4.1),
// the wallet's own outputs are P2TR `0x5120 ‖ walletX` instead of P2WPKH(walletPkh).
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, toHex } from "../util/hex.js";
import { equalShares } from "./fees.js";
import type { MainUtxo } from "./main-utxo.js";
import { hash160, p2shScript, p2wpkhScript, p2wshScript } from "./scripts.js";
import { p2trScript, taprootDepositOutput, xOnlyPubKeyHash } from "./taproot.js";
import { TxBuildError } from "./tx-build-error.js";
import type { TxInput, TxPlan } from "./tx-builder.js";

function requirePkh(pkh: Uint8Array, what: string): Uint8Array {
  if (pkh.length !== 20) throw new TxBuildError("TX_INVALID_OUTPUT", `${what} must be a 20-byte PKH, got ${pkh.length} bytes`);
  return pkh;
}

function requireFee(fee: bigint): bigint {
  if (fee < 0n) throw new TxBuildError("TX_NEGATIVE_OUTPUT", `negative fee ${fee}`);
  return fee;
}

/** Throws TX_NEGATIVE_OUTPUT unless `value` is positive (a zero output would be dust). */
function positive(value: bigint, what: string): bigint {
  if (value <= 0n) throw new TxBuildError("TX_NEGATIVE_OUTPUT", `${what} would be ${value} sat`);
  return value;
}

/**
 * The wallet's own output: P2WPKH(walletPkh) for an ECDSA wallet, P2TR `0x5120 ‖ walletX` for a FROST
 * wallet (walletX given), whose PKH must then be HASH160(0x02 ‖ walletX).
 */
function walletOutput(walletPkh: Uint8Array, walletX: Uint8Array | undefined, what = "walletPkh"): Uint8Array {
  requirePkh(walletPkh, what);
  if (walletX === undefined) return p2wpkhScript(walletPkh);
  if (walletX.length !== 32 || !bytesEqual(xOnlyPubKeyHash(walletX), walletPkh)) {
    throw new TxBuildError("TX_INVALID_OUTPUT", `${what}: the FROST key ${toHex(walletX)} does not hash to ${toHex(walletPkh)}`);
  }
  return p2trScript(walletX);
}

function mainInput(m: MainUtxo): TxInput {
  return { txHash: m.txHash, index: m.index, value: m.value, script: m.script };
}

function sum(inputs: readonly TxInput[]): bigint {
  return inputs.reduce((acc, i) => acc + i.value, 0n);
}

interface Outpoint {
  /** Funding tx hash, internal byte order. */
  readonly txHash: Uint8Array;
  readonly index: number;
  readonly value: bigint;
}

/** A P2WSH or P2SH deposit (ECDSA wallets) or a Taproot deposit (FROST wallets, threshold.md §4.2). */
export type DepositToSweep =
  | (Outpoint & {
      /** The 92- or 126-byte deposit script. */
      readonly redeemScript: Uint8Array;
      /** The funding output is P2SH (else P2WSH) of the script. */
      readonly p2sh: boolean;
    })
  | (Outpoint & {
      /** The 73- or 107-byte refund leaf; the funding output is the P2TR of walletX with this one leaf. */
      readonly taprootLeaf: Uint8Array;
    });

function depositInput(d: DepositToSweep, walletX: Uint8Array | undefined): TxInput {
  if (!("taprootLeaf" in d)) {
    const script = d.p2sh ? p2shScript(hash160(d.redeemScript)) : p2wshScript(sha256(d.redeemScript));
    return { txHash: d.txHash, index: d.index, value: d.value, script, redeemScript: d.redeemScript };
  }
  if (walletX === undefined) throw new TxBuildError("TX_INVALID_INPUT", "a Taproot deposit is swept by a FROST wallet only (walletX)");
  const { script } = taprootDepositOutput(walletX, d.taprootLeaf);
  return { txHash: d.txHash, index: d.index, value: d.value, script, taprootLeaf: d.taprootLeaf };
}

/**
 * Main UTXO (if any) then the deposits in proposal order → one wallet output = Σ inputs − fee:
 * P2WPKH(wallet), or P2TR(walletX) for a FROST wallet.
 */
export function depositSweepTx(p: {
  walletPkh: Uint8Array;
  /** The FROST wallet's x-only key; absent for an ECDSA wallet. */
  walletX?: Uint8Array;
  mainUtxo: MainUtxo | null;
  deposits: readonly DepositToSweep[];
  fee: bigint;
}): TxPlan {
  if (p.deposits.length === 0) throw new TxBuildError("TX_INVALID_INPUT", "a deposit sweep needs at least one deposit");
  const inputs: TxInput[] = p.mainUtxo === null ? [] : [mainInput(p.mainUtxo)];
  for (const d of p.deposits) inputs.push(depositInput(d, p.walletX));
  const value = positive(sum(inputs) - requireFee(p.fee), "the sweep output");
  return { inputs, outputs: [{ script: walletOutput(p.walletPkh, p.walletX), value }] };
}

export interface RedemptionToPay {
  /** The redeemer's output script, without a length prefix. */
  readonly script: Uint8Array;
  readonly requestedAmount: bigint;
  readonly treasuryFee: bigint;
}

/**
 * Main UTXO → change P2WPKH(wallet) first (only if > 0; P2TR(walletX) for a FROST wallet), then per
 * request in proposal order requestedAmount − treasuryFee − share_i (fee split equally, remainder on the last).
 */
export function redemptionTx(p: {
  walletPkh: Uint8Array;
  walletX?: Uint8Array;
  mainUtxo: MainUtxo;
  requests: readonly RedemptionToPay[];
  fee: bigint;
}): TxPlan {
  if (p.requests.length === 0) throw new TxBuildError("TX_INVALID_OUTPUT", "a redemption needs at least one request");
  const shares = equalShares(requireFee(p.fee), p.requests.length);
  const payments = p.requests.map((r, i) => ({
    script: r.script,
    value: positive(r.requestedAmount - r.treasuryFee - shares[i]!, `redemption output ${i}`),
  }));
  const change = p.mainUtxo.value - payments.reduce((acc, o) => acc + o.value, 0n) - p.fee;
  if (change < 0n) throw new TxBuildError("TX_NEGATIVE_OUTPUT", `the change would be ${change} sat: the main UTXO cannot pay these requests`);
  const outputs = change > 0n ? [{ script: walletOutput(p.walletPkh, p.walletX), value: change }, ...payments] : payments;
  return { inputs: [mainInput(p.mainUtxo)], outputs };
}

/**
 * Main UTXO → P2WPKH(target_i) in commitment order, each floor((value − fee) / k), remainder on the last;
 * P2TR(targetKeys[i]) for a target that is a FROST wallet (`targetKeys[i]` its walletX, else null/absent).
 */
export function movingFundsTx(p: {
  mainUtxo: MainUtxo;
  targets: readonly Uint8Array[];
  targetKeys?: readonly (Uint8Array | null)[];
  fee: bigint;
}): TxPlan {
  if (p.targets.length === 0) throw new TxBuildError("TX_INVALID_OUTPUT", "moving funds needs at least one target wallet");
  const available = positive(p.mainUtxo.value - requireFee(p.fee), "the amount to move");
  const shares = equalShares(available, p.targets.length);
  const outputs = p.targets.map((t, i) => ({
    script: walletOutput(t, p.targetKeys?.[i] ?? undefined, `target ${i}`),
    value: positive(shares[i]!, `moving-funds output ${i}`),
  }));
  return { inputs: [mainInput(p.mainUtxo)], outputs };
}

export interface MovedFundsOutpoint {
  /** The moving-funds tx hash, internal byte order. */
  readonly txHash: Uint8Array;
  readonly index: number;
  /** Read from the moving-funds transaction. */
  readonly value: bigint;
  /** P2WPKH (or P2PKH) of this wallet; P2TR(walletX) for a FROST wallet. */
  readonly script: Uint8Array;
}

/** The moved-funds outpoint first, then the main UTXO if any → one wallet output (P2WPKH, or P2TR(walletX)) = Σ inputs − fee. */
export function movedFundsSweepTx(p: {
  walletPkh: Uint8Array;
  walletX?: Uint8Array;
  movedFunds: MovedFundsOutpoint;
  mainUtxo: MainUtxo | null;
  fee: bigint;
}): TxPlan {
  const m = p.movedFunds;
  const inputs: TxInput[] = [{ txHash: m.txHash, index: m.index, value: m.value, script: m.script }];
  if (p.mainUtxo !== null) inputs.push(mainInput(p.mainUtxo));
  const value = positive(sum(inputs) - requireFee(p.fee), "the sweep output");
  return { inputs, outputs: [{ script: walletOutput(p.walletPkh, p.walletX), value }] };
}
