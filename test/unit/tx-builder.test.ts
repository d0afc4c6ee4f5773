// Transaction builder (reliability.md §3.4 step 5, §3.5, §3.8; coordination.md §13.8): every input of a
// built and signed transaction verifies under an independent BIP-143 / legacy check, rebuilding is
// byte-identical, the plans follow the §3.4 table, and the signed size stays within the §13.8 estimate.
import { sha256 } from "@noble/hashes/sha2.js";
import { script as bscript, Transaction } from "bitcoinjs-lib";
import { SigningKey } from "ethers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalKeySigner, verifyWalletSignature } from "../../src/actions/signer.js";
import { hash160, depositScript, p2pkhScript, p2shScript, p2wpkhScript, p2wshScript } from "../../src/bitcoin/scripts.js";
import {
  buildUnsigned,
  depositSweepTx,
  finalizeSigned,
  movedFundsSweepTx,
  movingFundsTx,
  redemptionTx,
  TxBuildError,
  type TxInput,
  type TxPlan,
} from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid, txHashOf, txidFromHash, txOutputs } from "../../src/bitcoin/tx.js";
import { vsize, type InputShape } from "../../src/bitcoin/vsize.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import type { MainUtxo } from "../../src/bitcoin/main-utxo.js";
import { ActionType } from "../../src/protocol/constants.js";
import { Store } from "../../src/store/store.js";
import type { SpentOutpoint } from "../../src/store/repos/actions-repo.js";
import { bytesEqual, concatBytes, fromHex, to0x, toHex } from "../../src/util/hex.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const WALLET_KEY = "0x" + "5a".repeat(32);
const OTHER_KEY = "0x" + "3c".repeat(32);

interface Wallet {
  privateKey: string;
  pub33: Uint8Array;
  xy64: Uint8Array;
  pkh: Uint8Array;
  signer: LocalKeySigner;
}
function wallet(privateKey: string): Wallet {
  const pub33 = fromHex(SigningKey.computePublicKey(privateKey, true));
  const xy64 = fromHex(SigningKey.computePublicKey(privateKey, false)).subarray(1);
  return { privateKey, pub33, xy64, pkh: hash160(pub33), signer: new LocalKeySigner([privateKey]) };
}
const W = wallet(WALLET_KEY);
const B = wallet(OTHER_KEY);

const fill = (b: number, n: number): Uint8Array => new Uint8Array(n).fill(b);
const script92 = depositScript({
  depositor: fill(0x7e, 20),
  blindingFactor: fill(0xf9, 8),
  walletPubKeyHash: W.pkh,
  refundPubKeyHash: fill(0x28, 20),
  refundLocktime: fromHex("60bcea61"),
});
const script126 = depositScript({
  depositor: fill(0x7e, 20),
  blindingFactor: fill(0xf8, 8),
  walletPubKeyHash: W.pkh,
  refundPubKeyHash: fill(0x28, 20),
  refundLocktime: fromHex("60bcea61"),
  extraData: fill(0xa9, 32),
});

const mainP2wpkh: MainUtxo = { txHash: fill(0x01, 32), index: 0, value: 5_000_000n, script: p2wpkhScript(W.pkh) };
const mainP2pkh: MainUtxo = { txHash: fill(0x02, 32), index: 3, value: 4_000_000n, script: p2pkhScript(W.pkh) };
const deposit = (b: number, value: bigint, redeemScript: Uint8Array, p2sh: boolean) => ({ txHash: fill(b, 32), index: 1, value, redeemScript, p2sh });

async function sign(w: Wallet, digests: Uint8Array[]): Promise<Uint8Array[]> {
  return w.signer.sign({ walletPkh: w.pkh, roundId: new Uint8Array(32), digests, startBlock: 1, deadlineBlock: 2 });
}

async function buildAndSign(plan: TxPlan, w: Wallet = W) {
  const built = buildUnsigned(plan.inputs, plan.outputs);
  const signatures = await sign(w, built.sighashes);
  return { ...built, signatures, ...finalizeSigned(built.unsignedTx, plan.inputs, signatures, w.pub33) };
}

/** A second valid low-s signature of `digest` with nonce k (ethers itself signs deterministically). */
function signWithNonce(privateKey: string, digest: Uint8Array, k: bigint): Uint8Array {
  const modpow = (b: bigint, e: bigint): bigint => {
    let r = 1n;
    for (b %= N; e > 0n; e >>= 1n, b = (b * b) % N) if (e & 1n) r = (r * b) % N;
    return r;
  };
  const R = fromHex(SigningKey.computePublicKey(to0x(fromHex(k.toString(16).padStart(64, "0"))), false));
  const r = BigInt(to0x(R.subarray(1, 33))) % N;
  let s = (modpow(k, N - 2n) * ((BigInt(to0x(digest)) + r * BigInt(privateKey)) % N)) % N;
  if (s > N / 2n) s = N - s;
  return fromHex(r.toString(16).padStart(64, "0") + s.toString(16).padStart(64, "0"));
}

/**
 * Independent check of one input of a signed transaction: the pushed key is the wallet's, a
 * pushed deposit script matches the prevout, and the DER signature (SIGHASH_ALL) verifies over the
 * BIP-143 digest (witness inputs) or the legacy digest (P2PKH, P2SH), recomputed from the signed bytes.
 */
function inputVerifies(raw: Uint8Array, i: number, prev: { script: Uint8Array; value: bigint }, w: Wallet): boolean {
  const tx = Transaction.fromBuffer(raw);
  const s = prev.script;
  const witness = tx.ins[i]!.witness;
  const stack = witness.length > 0 ? witness : bscript.toStack(bscript.decompile(tx.ins[i]!.script) ?? []);
  const [der, pub, pushed] = stack;
  if (der === undefined || pub === undefined || !bytesEqual(pub, w.pub33)) return false;
  let digest: Uint8Array;
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) {
    if (witness.length !== 2 || !bytesEqual(hash160(pub), s.subarray(2))) return false;
    digest = tx.hashForWitnessV0(i, concatBytes(fromHex("76a914"), s.subarray(2), fromHex("88ac")), prev.value, Transaction.SIGHASH_ALL);
  } else if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) {
    if (witness.length !== 3 || pushed === undefined || !bytesEqual(sha256(pushed), s.subarray(2))) return false;
    digest = tx.hashForWitnessV0(i, pushed, prev.value, Transaction.SIGHASH_ALL);
  } else if (s.length === 25 && s[0] === 0x76) {
    if (witness.length !== 0 || stack.length !== 2 || !bytesEqual(hash160(pub), s.subarray(3, 23))) return false;
    digest = tx.hashForSignature(i, s, Transaction.SIGHASH_ALL);
  } else if (s.length === 23 && s[0] === 0xa9) {
    if (witness.length !== 0 || stack.length !== 3 || pushed === undefined || !bytesEqual(hash160(pushed), s.subarray(2, 22))) return false;
    digest = tx.hashForSignature(i, pushed, Transaction.SIGHASH_ALL);
  } else {
    return false;
  }
  const decoded = bscript.signature.decode(der);
  return decoded.hashType === Transaction.SIGHASH_ALL && verifyWalletSignature(digest, decoded.signature, w.xy64);
}

function allVerify(raw: Uint8Array, inputs: readonly TxInput[], w: Wallet = W): boolean[] {
  return inputs.map((input, i) => inputVerifies(raw, i, input, w));
}

function expectBuildError(fn: () => unknown, code: TxBuildError["code"]): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TxBuildError);
    expect((err as TxBuildError).code).toBe(code);
    return;
  }
  throw new Error(`expected TxBuildError ${code}, nothing was thrown`);
}

describe("buildUnsigned + finalizeSigned", () => {
  const mixedSweep = (): TxPlan =>
    depositSweepTx({
      walletPkh: W.pkh,
      mainUtxo: mainP2wpkh,
      deposits: [
        deposit(0x11, 1_000_000n, script92, false),
        deposit(0x12, 2_000_000n, script92, true),
        deposit(0x13, 3_000_000n, script126, false),
        deposit(0x14, 4_000_000n, script126, true),
      ],
      fee: 12_345n,
    });

  it("signs P2WPKH, P2WSH and P2SH inputs so that each verifies (BIP-143 / legacy, SIGHASH_ALL)", async () => {
    const plan = mixedSweep();
    const s = await buildAndSign(plan);
    expect(allVerify(s.raw, plan.inputs)).toEqual([true, true, true, true, true]);

    const tx = Transaction.fromBuffer(s.raw);
    expect(tx.version).toBe(1);
    expect(tx.locktime).toBe(0);
    expect(tx.ins.map((x) => x.sequence)).toEqual(Array(5).fill(0xffffffff));
    expect(tx.ins.map((x) => [toHex(x.hash), x.index])).toEqual(plan.inputs.map((x) => [toHex(x.txHash), x.index]));
    expect(tx.outs).toEqual([{ script: p2wpkhScript(W.pkh), value: 15_000_000n - 12_345n }]);
    // The digests handed to the signer are the ones a verifier computes over the signed bytes.
    const legacyP2sh = tx.hashForSignature(2, script92, Transaction.SIGHASH_ALL);
    expect(toHex(s.sighashes[2]!)).toBe(toHex(legacyP2sh));
    // P2SH scriptSig: push(sig) push(33-byte key) OP_PUSHDATA1 <92> script.
    const sig = tx.ins[2]!.script;
    const derLen = sig[0]!;
    expect(toHex(sig.subarray(1 + derLen, 1 + derLen + 1))).toBe("21");
    expect(toHex(sig.subarray(2 + derLen + 33, 4 + derLen + 33))).toBe("4c5c");
    expect(toHex(sig.subarray(4 + derLen + 33))).toBe(toHex(script92));
    expect(tx.ins[1]!.witness.map((x) => x.length)).toEqual([derLen, 33, 92]);
  });

  it("signs a P2PKH main UTXO with the legacy sighash", async () => {
    const plan = depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2pkh, deposits: [deposit(0x21, 50_000n, script92, false)], fee: 1000n });
    const s = await buildAndSign(plan);
    expect(allVerify(s.raw, plan.inputs)).toEqual([true, true]);
    const tx = Transaction.fromBuffer(s.raw);
    expect(tx.ins[0]!.witness).toEqual([]);
    expect(toHex(s.sighashes[0]!)).toBe(toHex(tx.hashForSignature(0, p2pkhScript(W.pkh), Transaction.SIGHASH_ALL)));
  });

  it("the independent check rejects a tampered transaction and a wrong key", async () => {
    const plan = mixedSweep();
    const s = await buildAndSign(plan);
    const tx = Transaction.fromBuffer(s.raw);
    tx.outs[0]!.value -= 1n;
    expect(allVerify(tx.toBuffer(), plan.inputs)).toEqual([false, false, false, false, false]);
    // Signatures by another key over the right digests, finalized with the wallet's key pushed.
    const foreign = await sign(B, s.sighashes);
    const forged = finalizeSigned(s.unsignedTx, plan.inputs, foreign, W.pub33);
    expect(allVerify(forged.raw, plan.inputs)).toEqual([false, false, false, false, false]);
  });

  it("building twice gives identical bytes, digests and signed transaction", async () => {
    const a = await buildAndSign(mixedSweep());
    const b = await buildAndSign(mixedSweep());
    expect(toHex(b.unsignedTx)).toBe(toHex(a.unsignedTx));
    expect(b.sighashes.map(toHex)).toEqual(a.sighashes.map(toHex));
    expect(toHex(b.raw)).toBe(toHex(a.raw));
    expect([b.txid, b.wtxid]).toEqual([a.txid, a.wtxid]);
  });

  describe("with the outpoints persisted in the actions table", () => {
    let store: Store;
    beforeEach(() => {
      store = Store.openMemory();
    });
    afterEach(() => store.close());

    it("SpentOutpoint keeps the redeem script, and the rebuild from the stored row is byte-identical", () => {
      const plan = mixedSweep();
      const built = buildUnsigned(plan.inputs, plan.outputs);
      const outpoints: SpentOutpoint[] = plan.inputs.map((i) => ({
        txHash: to0x(i.txHash),
        index: i.index,
        value: i.value,
        script: i.script,
        ...(i.redeemScript === undefined ? {} : { redeemScript: i.redeemScript }),
      }));
      const a = store.actions.create({
        walletPkh: toHex(W.pkh),
        W: 900,
        type: ActionType.DepositSweep,
        payload: Uint8Array.of(1),
        start: 1000,
        expiry: 2200,
        signingStart: 1000,
        signingDeadline: 1900,
      });
      store.actions.advance(a.id, "scheduled", "validating", { validationBlock: 1000 });
      store.actions.advance(a.id, "validating", "built", { unsignedTx: built.unsignedTx, outpoints, sighashes: built.sighashes, fee: 12_345n });

      const row = store.actions.get(a.id)!;
      expect(row.outpoints).toEqual(outpoints);
      expect(row.outpoints!.map((o) => o.redeemScript === undefined)).toEqual([true, false, false, false, false]);
      expect(Object.keys(row.outpoints![0]!)).not.toContain("redeemScript");
      const inputs: TxInput[] = row.outpoints!.map((o) => ({ ...o, txHash: fromHex(o.txHash) }));
      const rebuilt = buildUnsigned(inputs, plan.outputs);
      expect(toHex(rebuilt.unsignedTx)).toBe(toHex(row.unsignedTx!));
      expect(rebuilt.sighashes.map(toHex)).toEqual(row.sighashes!.map(toHex));
    });
  });

  it("a P2SH input makes the txid depend on the signature; witness-only inputs do not", async () => {
    const p2sh = depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: [deposit(0x31, 90_000n, script92, true)], fee: 500n });
    const p2wsh = depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: [deposit(0x31, 90_000n, script92, false)], fee: 500n });
    for (const [plan, txidStable] of [
      [p2sh, false],
      [p2wsh, true],
    ] as const) {
      const first = await buildAndSign(plan);
      const second = finalizeSigned(
        first.unsignedTx,
        plan.inputs,
        first.sighashes.map((d) => signWithNonce(W.privateKey, d, 0x1234567n)),
        W.pub33,
      );
      expect(allVerify(first.raw, plan.inputs)).toEqual([true, true]);
      expect(allVerify(second.raw, plan.inputs)).toEqual([true, true]);
      expect(second.wtxid).not.toBe(first.wtxid);
      expect(second.txid === first.txid).toBe(txidStable);
      expect(first.txid).toBe(txidFromHash(txHashOf(first.raw)));
      if (txidStable) expect(first.txid).toBe(txidFromHash(txHashOf(first.unsignedTx)));
    }
  });

  it("a legacy-only transaction has wtxid = txid", async () => {
    const plan = movedFundsSweepTx({
      walletPkh: W.pkh,
      movedFunds: { txHash: fill(0x41, 32), index: 2, value: 70_000n, script: p2pkhScript(W.pkh) },
      mainUtxo: null,
      fee: 700n,
    });
    const s = await buildAndSign(plan);
    expect(allVerify(s.raw, plan.inputs)).toEqual([true]);
    expect(s.wtxid).toBe(s.txid);
  });

  it("rejects inconsistent inputs and finalization data", async () => {
    const out = [{ script: p2wpkhScript(W.pkh), value: 1000n }];
    const dep: TxInput = { txHash: fill(0x51, 32), index: 0, value: 5000n, script: p2wshScript(sha256(script92)), redeemScript: script92 };
    expectBuildError(() => buildUnsigned([{ ...dep, redeemScript: script126 }], out), "TX_INVALID_INPUT");
    expectBuildError(() => buildUnsigned([{ ...dep, redeemScript: undefined }], out), "TX_INVALID_INPUT");
    expectBuildError(() => buildUnsigned([{ ...dep, script: fromHex("6a") }], out), "TX_INVALID_INPUT");
    expectBuildError(() => buildUnsigned([dep, dep], out), "TX_INVALID_INPUT");
    expectBuildError(() => buildUnsigned([dep], [{ script: out[0]!.script, value: 5001n }]), "TX_NEGATIVE_OUTPUT");
    expectBuildError(() => buildUnsigned([dep], [{ script: out[0]!.script, value: -1n }]), "TX_NEGATIVE_OUTPUT");
    expectBuildError(() => buildUnsigned([], out), "TX_INVALID_INPUT");

    const built = buildUnsigned([dep], out);
    const sigs = await sign(W, built.sighashes);
    // The deposit script locks to W, not B.
    expectBuildError(() => finalizeSigned(built.unsignedTx, [dep], sigs, B.pub33), "TX_MISMATCH");
    expectBuildError(() => finalizeSigned(built.unsignedTx, [dep], [sigs[0]!.subarray(0, 63)], W.pub33), "TX_MISMATCH");
    expectBuildError(() => finalizeSigned(built.unsignedTx, [{ ...dep, index: 1 }], sigs, W.pub33), "TX_MISMATCH");
    expectBuildError(() => finalizeSigned(built.unsignedTx, [dep], [], W.pub33), "TX_MISMATCH");
    expectBuildError(() => finalizeSigned(built.unsignedTx, [dep], sigs, W.xy64), "TX_MISMATCH");
    const signed = finalizeSigned(built.unsignedTx, [dep], sigs, W.pub33);
    expectBuildError(() => finalizeSigned(signed.raw, [dep], sigs, W.pub33), "TX_MISMATCH");
  });
});

describe("per-type plans (§3.4 table)", () => {
  it("deposit sweep: main UTXO first, deposits in proposal order, one P2WPKH(wallet) output", () => {
    const plan = depositSweepTx({
      walletPkh: W.pkh,
      mainUtxo: null,
      deposits: [deposit(0x61, 10_000n, script126, true), deposit(0x62, 20_000n, script92, false)],
      fee: 3000n,
    });
    expect(plan.inputs.map((i) => [toHex(i.txHash), toHex(i.script), i.redeemScript && toHex(i.redeemScript)])).toEqual([
      [toHex(fill(0x61, 32)), toHex(p2shScript(hash160(script126))), toHex(script126)],
      [toHex(fill(0x62, 32)), toHex(p2wshScript(sha256(script92))), toHex(script92)],
    ]);
    expect(plan.outputs).toEqual([{ script: p2wpkhScript(W.pkh), value: 27_000n }]);
    const withMain = depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2pkh, deposits: [deposit(0x61, 10_000n, script92, true)], fee: 3000n });
    expect(withMain.inputs[0]).toEqual({ txHash: mainP2pkh.txHash, index: 3, value: 4_000_000n, script: p2pkhScript(W.pkh) });
    expectBuildError(() => depositSweepTx({ walletPkh: W.pkh, mainUtxo: null, deposits: [deposit(0x61, 3000n, script92, true)], fee: 3000n }), "TX_NEGATIVE_OUTPUT");
    expectBuildError(() => depositSweepTx({ walletPkh: W.pkh, mainUtxo: null, deposits: [], fee: 1n }), "TX_INVALID_INPUT");
  });

  it("redemption: change first (only if > 0), requestedAmount − treasuryFee − share_i, remainder on the last", () => {
    const reqs = [
      { script: p2pkhScript(fill(0x71, 20)), requestedAmount: 300_000n, treasuryFee: 1_000n },
      { script: p2wshScript(fill(0x72, 32)), requestedAmount: 200_000n, treasuryFee: 500n },
      { script: p2shScript(fill(0x73, 20)), requestedAmount: 100_000n, treasuryFee: 0n },
    ];
    const plan = redemptionTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, requests: reqs, fee: 1000n });
    const paid = [300_000n - 1_000n - 333n, 200_000n - 500n - 333n, 100_000n - 334n];
    expect(plan.inputs).toHaveLength(1);
    expect(plan.outputs).toEqual([
      { script: p2wpkhScript(W.pkh), value: 5_000_000n - paid.reduce((a, b) => a + b) - 1000n },
      ...reqs.map((r, i) => ({ script: r.script, value: paid[i] })),
    ]);

    // The whole main UTXO is consumed: no change output.
    const exact = { ...mainP2wpkh, value: paid.reduce((a, b) => a + b) + 1000n };
    expect(redemptionTx({ walletPkh: W.pkh, mainUtxo: exact, requests: reqs, fee: 1000n }).outputs.map((o) => o.value)).toEqual(paid);
    expectBuildError(() => redemptionTx({ walletPkh: W.pkh, mainUtxo: { ...exact, value: exact.value - 1n }, requests: reqs, fee: 1000n }), "TX_NEGATIVE_OUTPUT");
    expectBuildError(
      () => redemptionTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, requests: [{ ...reqs[2]!, requestedAmount: 900n }], fee: 1000n }),
      "TX_NEGATIVE_OUTPUT",
    );
  });

  it("moving funds: P2WPKH(target_i) in commitment order, floor split, remainder on the last", () => {
    const targets = [fill(0x81, 20), fill(0x82, 20), fill(0x83, 20)];
    const plan = movingFundsTx({ mainUtxo: { ...mainP2wpkh, value: 1_000_001n }, targets, fee: 1000n });
    expect(plan.outputs).toEqual([
      { script: p2wpkhScript(targets[0]!), value: 333_000n },
      { script: p2wpkhScript(targets[1]!), value: 333_000n },
      { script: p2wpkhScript(targets[2]!), value: 333_001n },
    ]);
    expectBuildError(() => movingFundsTx({ mainUtxo: { ...mainP2wpkh, value: 1002n }, targets, fee: 1000n }), "TX_NEGATIVE_OUTPUT");
    expectBuildError(() => movingFundsTx({ mainUtxo: mainP2wpkh, targets: [fill(1, 32)], fee: 1000n }), "TX_INVALID_OUTPUT");
  });

  it("moved funds sweep: the moved-funds outpoint first, then the main UTXO", () => {
    const moved = { txHash: fill(0x91, 32), index: 1, value: 80_000n, script: p2wpkhScript(W.pkh) };
    const plan = movedFundsSweepTx({ walletPkh: W.pkh, movedFunds: moved, mainUtxo: mainP2pkh, fee: 2000n });
    expect(plan.inputs.map((i) => toHex(i.txHash))).toEqual([toHex(moved.txHash), toHex(mainP2pkh.txHash)]);
    expect(plan.outputs).toEqual([{ script: p2wpkhScript(W.pkh), value: 80_000n + 4_000_000n - 2000n }]);
    expectBuildError(() => movedFundsSweepTx({ walletPkh: W.pkh, movedFunds: moved, mainUtxo: null, fee: -1n }), "TX_NEGATIVE_OUTPUT");
  });
});

describe("signed size ≤ the §13.8 estimate (72-byte placeholder signatures)", () => {
  const shapeOf = (i: TxInput): InputShape => {
    if (i.redeemScript !== undefined) return { kind: i.script.length === 23 ? "p2sh" : "p2wsh", scriptLength: i.redeemScript.length };
    return { kind: i.script.length === 25 ? "p2pkh" : "p2wpkh" };
  };
  const deposits = (n: number, script: Uint8Array, p2sh: boolean) => Array.from({ length: n }, (_, k) => deposit(0xa0 + k, 100_000n, script, p2sh));
  const redeemers = (n: number) => Array.from({ length: n }, (_, k) => ({ script: p2wpkhScript(fill(0xb0 + k, 20)), requestedAmount: 50_000n, treasuryFee: 0n }));
  const moved = { txHash: fill(0xc1, 32), index: 0, value: 90_000n, script: p2wpkhScript(W.pkh) };

  // [name, plan, vsize from the §13.8 reference table]
  const cases: [string, TxPlan, number][] = [
    ["sweep, 1 P2WSH (92), no main UTXO", depositSweepTx({ walletPkh: W.pkh, mainUtxo: null, deposits: deposits(1, script92, false), fee: 1000n }), 133],
    ["sweep, 1 P2WSH (92), main UTXO", depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: deposits(1, script92, false), fee: 1000n }), 201],
    ["sweep, 1 P2WSH (126), main UTXO", depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: deposits(1, script126, false), fee: 1000n }), 210],
    ["sweep, 1 P2SH (92), no main UTXO", depositSweepTx({ walletPkh: W.pkh, mainUtxo: null, deposits: deposits(1, script92, true), fee: 1000n }), 283],
    ["sweep, 1 P2SH (92), main UTXO", depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: deposits(1, script92, true), fee: 1000n }), 352],
    ["sweep, main UTXO + 10 P2WSH (126)", depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: deposits(10, script126, false), fee: 1000n }), 1107],
    ["sweep, main UTXO + 20 P2WSH (126)", depositSweepTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, deposits: deposits(20, script126, false), fee: 1000n }), 2105],
    ["redemption, change + 1 P2WPKH", redemptionTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, requests: redeemers(1), fee: 1000n }), 141],
    ["redemption, change + 5 P2WPKH", redemptionTx({ walletPkh: W.pkh, mainUtxo: mainP2wpkh, requests: redeemers(5), fee: 1000n }), 265],
    ["moving funds, 1 target", movingFundsTx({ mainUtxo: mainP2wpkh, targets: [fill(0xd1, 20)], fee: 1000n }), 110],
    ["moving funds, 5 targets", movingFundsTx({ mainUtxo: mainP2wpkh, targets: Array.from({ length: 5 }, (_, k) => fill(0xd1 + k, 20)), fee: 1000n }), 234],
    ["moved funds sweep, no main UTXO", movedFundsSweepTx({ walletPkh: W.pkh, movedFunds: moved, mainUtxo: null, fee: 1000n }), 110],
    ["moved funds sweep, main UTXO", movedFundsSweepTx({ walletPkh: W.pkh, movedFunds: moved, mainUtxo: mainP2wpkh, fee: 1000n }), 178],
  ];

  it.each(cases)("%s", async (_name, plan, tableVsize) => {
    const s = await buildAndSign(plan);
    const estimate = vsize(plan.inputs.map(shapeOf), plan.outputs.map((o) => o.script.length));
    expect(estimate).toBe(tableVsize);
    const actual = Transaction.fromBuffer(s.raw).virtualSize();
    expect(actual).toBeLessThanOrEqual(estimate);
    // DER signatures are 70–72 bytes: the estimate is tight, not just an upper bound.
    expect(estimate - actual).toBeLessThanOrEqual(2 * plan.inputs.length);
    expect(allVerify(s.raw, plan.inputs).every(Boolean)).toBe(true);
  });
});

describe("FakeBitcoinChain accepts the signed transactions (§3.8: the new main UTXO is output 0)", () => {
  it("deposit sweep → redemption → moving funds → moved funds sweep", async () => {
    const chain = new FakeBitcoinChain();
    const funded = (script: Uint8Array, value: bigint): MainUtxo => ({ txHash: hashFromTxid(chain.fund(script, value).txid), index: 0, value, script });
    const depositOf = (redeemScript: Uint8Array, p2sh: boolean, value: bigint) => {
      const locking = p2sh ? p2shScript(hash160(redeemScript)) : p2wshScript(sha256(redeemScript));
      return { ...funded(locking, value), redeemScript, p2sh };
    };
    const main = funded(p2wpkhScript(W.pkh), 2_000_000n);
    const deposits = [depositOf(script92, false, 1_000_000n), depositOf(script92, true, 1_100_000n), depositOf(script126, false, 1_200_000n), depositOf(script126, true, 1_300_000n)];
    chain.mine(1);

    const sweepPlan = depositSweepTx({ walletPkh: W.pkh, mainUtxo: main, deposits, fee: 5_000n });
    const sweep = await buildAndSign(sweepPlan);
    // A signature by the wrong key is refused as a script failure.
    const forged = finalizeSigned(sweep.unsignedTx, sweepPlan.inputs, await sign(B, sweep.sighashes), W.pub33);
    expect(chain.submit(forged.raw)).toMatchObject({ kind: "invalid" });
    expect(chain.submit(sweep.raw)).toEqual({ kind: "accepted", txid: sweep.txid });
    chain.mine(1);
    expect(chain.txHeight(sweep.txid)).not.toBeNull();

    const afterSweep: MainUtxo = { txHash: hashFromTxid(sweep.txid), index: 0, ...txOutputs(sweep.raw)[0]! };
    expect(afterSweep.value).toBe(6_600_000n - 5_000n);
    const redemption = await buildAndSign(
      redemptionTx({
        walletPkh: W.pkh,
        mainUtxo: afterSweep,
        requests: [
          { script: p2pkhScript(fill(0x71, 20)), requestedAmount: 1_000_000n, treasuryFee: 2_000n },
          { script: p2wpkhScript(fill(0x72, 20)), requestedAmount: 500_000n, treasuryFee: 0n },
        ],
        fee: 3_001n,
      }),
    );
    expect(chain.submit(redemption.raw)).toEqual({ kind: "accepted", txid: redemption.txid });

    // Spends an unconfirmed parent: the fake accepts mempool chains.
    const change: MainUtxo = { txHash: hashFromTxid(redemption.txid), index: 0, ...txOutputs(redemption.raw)[0]! };
    expect(change.script).toEqual(p2wpkhScript(W.pkh));
    const moving = await buildAndSign(movingFundsTx({ mainUtxo: change, targets: [B.pkh, fill(0x99, 20)], fee: 2_500n }));
    expect(chain.submit(moving.raw)).toEqual({ kind: "accepted", txid: moving.txid });
    chain.mine(1);

    const target = txOutputs(moving.raw)[0]!;
    const bMain = funded(p2pkhScript(B.pkh), 40_000n);
    const movedSweep = await buildAndSign(
      movedFundsSweepTx({ walletPkh: B.pkh, movedFunds: { txHash: hashFromTxid(moving.txid), index: 0, ...target }, mainUtxo: bMain, fee: 1_000n }),
      B,
    );
    expect(chain.submit(movedSweep.raw)).toEqual({ kind: "accepted", txid: movedSweep.txid });
    chain.mine(1);
    expect(txOutputs(movedSweep.raw)).toEqual([{ script: p2wpkhScript(B.pkh), value: target.value + 40_000n - 1_000n }]);
  });
});
