// The FROST path of the transaction builder (threshold.md §4.1–4.2): P2TR wallet outputs in every plan,
// Taproot deposit inputs, BIP-341 SIGHASH_DEFAULT digests against bitcoinjs-lib, the per-input signing
// keys, the 64-byte witness, and the fake chain accepting the signed transactions and refusing a
// tampered one with bitcoind's text.
import * as ecc from "@bitcoinerlab/secp256k1";
import { schnorr } from "@noble/curves/secp256k1.js";
import { initEccLib, payments, Transaction } from "bitcoinjs-lib";
import { describe, expect, it } from "vitest";
import type { MainUtxo } from "../../src/bitcoin/main-utxo.js";
import { p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { SIGHASH_DEFAULT, taprootSigningKeys } from "../../src/bitcoin/taproot-tx.js";
import { p2trScript, taprootDepositOutput, taprootRefundLeaf } from "../../src/bitcoin/taproot.js";
import { buildUnsigned, depositSweepTx, finalizeSigned, movedFundsSweepTx, movingFundsTx, redemptionTx, type TxInput, type TxPlan } from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid, txOutputs } from "../../src/bitcoin/tx.js";
import { concatBytes, toHex } from "../../src/util/hex.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import { signTaproot, testFrostWallet, type TestFrostWallet } from "./helpers/frost-test-key.js";

initEccLib(ecc as never);

const fill = (b: number, n: number): Uint8Array => new Uint8Array(n).fill(b);
const A = testFrostWallet(1);
const B = testFrostWallet(2);
const frost = (w: TestFrostWallet) => ({ scheme: "frost" as const, walletX: w.walletX });

function leafOf(k: number): Uint8Array {
  return taprootRefundLeaf({ depositor: fill(k, 20), blindingFactor: fill(k + 1, 8), refundLocktime: fill(k + 2, 4), refundX: testFrostWallet(100 + k).walletX });
}

/** Builds, signs with the whole test key and finalizes. */
function buildAndSign(plan: TxPlan, w: TestFrostWallet = A) {
  const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
  const keys = taprootSigningKeys(plan.inputs, w.walletX);
  const signatures = sighashes.map((h, i) => signTaproot(w, keys[i]!, h));
  return { unsignedTx, sighashes, signatures, ...finalizeSigned(unsignedTx, plan.inputs, signatures, frost(w)) };
}

const mainOf = (w: TestFrostWallet, value = 2_000_000n, k = 0x0a): MainUtxo => ({ txHash: fill(k, 32), index: 1, value, script: p2trScript(w.walletX) });
const deposits = [1, 2].map((k) => ({ txHash: fill(0x20 + k, 32), index: k, value: 1_000_000n * BigInt(k), taprootLeaf: leafOf(k) }));

describe("FROST plans: P2TR wallet outputs and Taproot deposit inputs", () => {
  it("deposit sweep: main UTXO then Taproot deposits (P2TR of the leaf) → one P2TR(walletX) output", () => {
    const plan = depositSweepTx({ walletPkh: A.pkh, walletX: A.walletX, mainUtxo: mainOf(A), deposits, fee: 3_000n });
    expect(plan.inputs.map((i) => toHex(i.script))).toEqual([
      toHex(p2trScript(A.walletX)),
      ...deposits.map((d) => toHex(payments.p2tr({ internalPubkey: A.walletX, scriptTree: { output: d.taprootLeaf } }).output!)),
    ]);
    expect(plan.inputs[1]!.taprootLeaf).toEqual(deposits[0]!.taprootLeaf);
    expect(plan.outputs).toEqual([{ script: p2trScript(A.walletX), value: 5_000_000n - 3_000n }]);
  });

  it("redemption change, moving-funds targets and moved-funds sweep outputs are P2TR for FROST wallets", () => {
    const r = redemptionTx({ walletPkh: A.pkh, walletX: A.walletX, mainUtxo: mainOf(A), requests: [{ script: p2wpkhScript(fill(7, 20)), requestedAmount: 500_000n, treasuryFee: 0n }], fee: 1_000n });
    expect(r.outputs.map((o) => toHex(o.script))).toEqual([toHex(p2trScript(A.walletX)), toHex(p2wpkhScript(fill(7, 20)))]);
    const m = movingFundsTx({ mainUtxo: mainOf(A), targets: [B.pkh, fill(0x99, 20)], targetKeys: [B.walletX, null], fee: 2_000n });
    expect(m.outputs.map((o) => toHex(o.script))).toEqual([toHex(p2trScript(B.walletX)), toHex(p2wpkhScript(fill(0x99, 20)))]);
    const s = movedFundsSweepTx({ walletPkh: B.pkh, walletX: B.walletX, movedFunds: { txHash: fill(3, 32), index: 0, value: 9_000n, script: p2trScript(B.walletX) }, mainUtxo: null, fee: 500n });
    expect(s.outputs).toEqual([{ script: p2trScript(B.walletX), value: 8_500n }]);
  });

  it("refuses a walletX that does not hash to the PKH, and a Taproot deposit without walletX", () => {
    expect(() => depositSweepTx({ walletPkh: A.pkh, walletX: B.walletX, mainUtxo: null, deposits, fee: 1n })).toThrow(/does not hash to/);
    expect(() => movingFundsTx({ mainUtxo: mainOf(A), targets: [B.pkh], targetKeys: [A.walletX], fee: 1n })).toThrow(/target 0: the FROST key/);
    expect(() => depositSweepTx({ walletPkh: A.pkh, mainUtxo: null, deposits, fee: 1n })).toThrow(/FROST wallet only/);
    const leafOnP2wpkh: TxInput = { txHash: fill(1, 32), index: 0, value: 1n, script: p2wpkhScript(A.pkh), taprootLeaf: leafOf(1) };
    expect(() => buildUnsigned([leafOnP2wpkh], [{ script: p2wpkhScript(A.pkh), value: 1n }])).toThrow(/needs a P2TR prevout/);
  });
});

describe("BIP-341 sighashes and signing keys", () => {
  const plan = depositSweepTx({ walletPkh: A.pkh, walletX: A.walletX, mainUtxo: mainOf(A), deposits, fee: 3_000n });

  it("are bitcoinjs-lib's hashForWitnessV1 with SIGHASH_DEFAULT over every prevout, on an independently built transaction", () => {
    const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
    const tx = new Transaction();
    tx.version = 1;
    for (const i of plan.inputs) tx.addInput(i.txHash, i.index, 0xffffffff);
    for (const o of plan.outputs) tx.addOutput(o.script, o.value);
    expect(toHex(unsignedTx)).toBe(toHex(tx.toBuffer()));
    const scripts = plan.inputs.map((i) => i.script);
    const values = plan.inputs.map((i) => i.value);
    expect(SIGHASH_DEFAULT).toBe(0);
    expect(sighashes.map(toHex)).toEqual(plan.inputs.map((_, i) => toHex(tx.hashForWitnessV1(i, scripts, values, 0x00))));
    // Every prevout value is committed: another value of input 2 changes the digest of input 0.
    const other = buildUnsigned(plan.inputs.map((i, k) => (k === 2 ? { ...i, value: i.value + 1n } : i)), plan.outputs);
    expect(toHex(other.sighashes[0]!)).not.toBe(toHex(sighashes[0]!));
  });

  it("give the wallet key for its own output and the leaf-tweaked key (bitcoinjs-lib's) for a deposit", () => {
    const keys = taprootSigningKeys(plan.inputs, A.walletX);
    expect(keys[0]).toEqual({ outputX: A.walletX, merkleRoot: null, tweak: 0n });
    deposits.forEach((d, k) => {
      const bjs = payments.p2tr({ internalPubkey: A.walletX, scriptTree: { output: d.taprootLeaf } });
      const key = keys[k + 1]!;
      expect(toHex(key.outputX)).toBe(toHex(bjs.pubkey!));
      expect(toHex(key.merkleRoot!)).toBe(toHex(bjs.hash!));
      expect(key.tweak).toBe(taprootDepositOutput(A.walletX, d.taprootLeaf).tweak);
    });
    expect(() => taprootSigningKeys(plan.inputs, B.walletX)).toThrow(/input 0: the prevout does not pay the wallet key/);
    expect(() => taprootSigningKeys([{ ...plan.inputs[1]!, taprootLeaf: leafOf(9) }], A.walletX)).toThrow(/not the wallet's Taproot deposit/);
  });

  it("finalize: witness [64-byte sig]; wrong key, wrong size, an ECDSA key or a non-P2TR input are refused", () => {
    const s = buildAndSign(plan);
    const tx = Transaction.fromBuffer(s.raw);
    expect(tx.ins.map((i) => i.witness.map(toHex))).toEqual(s.signatures.map((sig) => [toHex(sig)]));
    expect(tx.ins.every((i) => i.script.length === 0)).toBe(true);
    expect(s.txid).toBe(tx.getId());
    expect(s.sighashes.every((h, i) => schnorr.verify(s.signatures[i]!, h, taprootSigningKeys(plan.inputs, A.walletX)[i]!.outputX))).toBe(true);
    // The untweaked wallet key cannot sign a deposit input.
    const untweaked = s.signatures.map((sig, i) => (i === 1 ? signTaproot(A, { outputX: A.walletX, merkleRoot: null, tweak: 0n }, s.sighashes[1]!) : sig));
    expect(() => finalizeSigned(s.unsignedTx, plan.inputs, untweaked, frost(A))).toThrow(/input 1: the signature does not verify/);
    expect(() => finalizeSigned(s.unsignedTx, plan.inputs, s.signatures.map((x) => concatBytes(x, Uint8Array.of(1))), frost(A))).toThrow(/must be 64 bytes/);
    expect(() => finalizeSigned(s.unsignedTx, plan.inputs, s.signatures, concatBytes(Uint8Array.of(2), A.walletX))).toThrow(/FROST wallet key, not an ECDSA key/);
    const ecdsaInput: TxInput = { txHash: fill(1, 32), index: 0, value: 10_000n, script: p2wpkhScript(A.pkh) };
    const mixed = buildUnsigned([ecdsaInput], [{ script: p2trScript(A.walletX), value: 9_000n }]);
    expect(() => finalizeSigned(mixed.unsignedTx, [ecdsaInput], [fill(1, 64)], frost(A))).toThrow(/is not P2TR/);
  });
});

describe("FakeBitcoinChain verifies P2TR key-path signatures", () => {
  function chainWith(w: TestFrostWallet) {
    const chain = new FakeBitcoinChain();
    const funded = (script: Uint8Array, value: bigint) => ({ txHash: hashFromTxid(chain.fund(script, value).txid), index: 0, value, script });
    const main: MainUtxo = funded(p2trScript(w.walletX), 2_000_000n);
    const deps = [1, 2, 3].map((k) => ({ ...funded(taprootDepositOutput(w.walletX, leafOf(k)).script, 1_000_000n), taprootLeaf: leafOf(k) }));
    chain.mine(1);
    return { chain, funded, main, deps };
  }

  it("deposit sweep → redemption → moving funds to a FROST and an ECDSA target → moved funds sweep", () => {
    const { chain, funded, main, deps } = chainWith(A);
    const sweep = buildAndSign(depositSweepTx({ walletPkh: A.pkh, walletX: A.walletX, mainUtxo: main, deposits: deps, fee: 4_000n }));
    expect(chain.submit(sweep.raw)).toEqual({ kind: "accepted", txid: sweep.txid });
    chain.mine(1);

    const afterSweep: MainUtxo = { txHash: hashFromTxid(sweep.txid), index: 0, ...txOutputs(sweep.raw)[0]! };
    expect(afterSweep).toMatchObject({ script: p2trScript(A.walletX), value: 5_000_000n - 4_000n });
    const requests = [{ script: p2wpkhScript(fill(0x72, 20)), requestedAmount: 500_000n, treasuryFee: 0n }];
    const redemption = buildAndSign(redemptionTx({ walletPkh: A.pkh, walletX: A.walletX, mainUtxo: afterSweep, requests, fee: 2_000n }));
    expect(chain.submit(redemption.raw)).toEqual({ kind: "accepted", txid: redemption.txid });

    const change: MainUtxo = { txHash: hashFromTxid(redemption.txid), index: 0, ...txOutputs(redemption.raw)[0]! };
    const moving = buildAndSign(movingFundsTx({ mainUtxo: change, targets: [B.pkh, fill(0x99, 20)], targetKeys: [B.walletX, null], fee: 2_500n }));
    expect(chain.submit(moving.raw)).toEqual({ kind: "accepted", txid: moving.txid });
    chain.mine(1);

    const target = txOutputs(moving.raw)[0]!;
    const bMain = funded(p2trScript(B.walletX), 40_000n);
    const movedFunds = { txHash: hashFromTxid(moving.txid), index: 0, ...target };
    const movedSweep = buildAndSign(movedFundsSweepTx({ walletPkh: B.pkh, walletX: B.walletX, movedFunds, mainUtxo: bMain, fee: 1_000n }), B);
    expect(chain.submit(movedSweep.raw)).toEqual({ kind: "accepted", txid: movedSweep.txid });
    expect(txOutputs(movedSweep.raw)).toEqual([{ script: p2trScript(B.walletX), value: target.value + 40_000n - 1_000n }]);
  });

  it("refuses a tampered signature, another key's and a bad size with bitcoind's texts", () => {
    const { chain, main, deps } = chainWith(A);
    const s = buildAndSign(depositSweepTx({ walletPkh: A.pkh, walletX: A.walletX, mainUtxo: main, deposits: deps, fee: 4_000n }));
    const withWitness = (i: number, item: Uint8Array): Uint8Array => {
      const tx = Transaction.fromBuffer(s.raw);
      tx.setWitness(i, [item]);
      return tx.toBuffer();
    };
    const tampered = Uint8Array.from(s.signatures[2]!);
    tampered[10]! ^= 1;
    const invalid = "mandatory-script-verify-flag-failed (Invalid Schnorr signature)";
    expect(chain.acceptRaw(withWitness(2, tampered))).toEqual({ error: invalid });
    expect(chain.submit(withWitness(2, tampered))).toEqual({ kind: "invalid", message: invalid });
    // B's key over the right digest.
    const byB = signTaproot(B, { outputX: B.walletX, merkleRoot: null, tweak: 0n }, s.sighashes[0]!);
    expect(chain.acceptRaw(withWitness(0, byB))).toEqual({ error: invalid });
    expect(chain.acceptRaw(withWitness(0, fill(1, 63)))).toEqual({ error: "mandatory-script-verify-flag-failed (Invalid Schnorr signature size)" });
    expect(chain.acceptRaw(withWitness(0, concatBytes(s.signatures[0]!, Uint8Array.of(0x00))))).toEqual({
      error: "mandatory-script-verify-flag-failed (Invalid Schnorr signature hash type)",
    });
    const empty = Transaction.fromBuffer(s.raw);
    empty.setWitness(1, []);
    expect(chain.acceptRaw(empty.toBuffer())).toEqual({ error: "mandatory-script-verify-flag-failed (Witness program was passed an empty witness)" });
    expect(chain.submit(s.raw)).toEqual({ kind: "accepted", txid: s.txid });
  });

  it("accepts a 65-byte signature with an explicit SIGHASH_ALL (0x01)", () => {
    const { chain, main } = chainWith(A);
    const plan = movingFundsTx({ mainUtxo: main, targets: [B.pkh], targetKeys: [B.walletX], fee: 1_000n });
    const tx = Transaction.fromBuffer(buildUnsigned(plan.inputs, plan.outputs).unsignedTx);
    const digest = tx.hashForWitnessV1(0, [main.script], [main.value], Transaction.SIGHASH_ALL);
    tx.setWitness(0, [concatBytes(signTaproot(A, taprootSigningKeys(plan.inputs, A.walletX)[0]!, digest), Uint8Array.of(0x01))]);
    expect(chain.submit(tx.toBuffer())).toEqual({ kind: "accepted", txid: tx.getId() });
  });
});
