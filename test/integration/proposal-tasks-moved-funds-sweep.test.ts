// MovedFundsSweepTask (coordination.md §13.5) against the real Bridge and validator on a hardhat
// node: two source wallets move funds to targets (commitment + recorded moving-funds transaction),
// and the targets sweep the outputs oldest completion first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { hashFromTxid } from "../../src/bitcoin/tx.js";
import { ActionType } from "../../src/protocol/constants.js";
import { decodePayload } from "../../src/protocol/payloads.js";
import type { ReferenceBlock } from "../../src/proposals/generator.js";
import { MovedFundsSweepTask } from "../../src/proposals/moved-funds-sweep-task.js";
import type { BitcoinTaskComponents } from "../../src/proposals/wallet-preconditions.js";
import { toHex } from "../../src/util/hex.js";
import type { DevWallet } from "../../deploy/dev-bootstrap.js";
import { captureLogger, giveMainUtxo, indexAll, latestRef, send, startProposalChain, taskContext, taskDeps, type ProposalChain } from "../fixtures/proposal-chain.js";

let pc: ProposalChain;
const log = captureLogger();
let S1: DevWallet, S2: DevWallet, A: DevWallet, B: DevWallet, idle: DevWallet;
/** Internal-order hashes of the two recorded moving-funds transactions. */
let mf1: Uint8Array, mf2: Uint8Array;

const deps = (): BitcoinTaskComponents => taskDeps(pc, log.logger);

async function propose(w: DevWallet, L: ReferenceBlock) {
  log.lines.length = 0;
  return new MovedFundsSweepTask(deps()).propose(taskContext(w, L));
}

/** Decodes the payload and checks it with the validator at L. */
async function expectValid(payload: Uint8Array | null, w: DevWallet, L: ReferenceBlock) {
  expect(payload).not.toBeNull();
  const d = decodePayload(ActionType.MovedFundsSweep, payload!);
  if (!d.ok) throw new Error(`undecodable payload: ${d.reason}`);
  const p = d.payload;
  const outcome = await pc.validatorClient.validateMovedFundsSweep(
    { walletPubKeyHash: w.walletPubKeyHash, movingFundsTxHash: p.movingFundsTxHash, movingFundsTxOutputIndex: p.movingFundsTxOutputIndex, movedFundsSweepTxFee: p.sweepTxFee },
    L,
  );
  expect(outcome).toEqual({ outcome: "valid" });
  return p;
}

/** A Bitcoin transaction paying `to` (confirmed), as the moving-funds or sweep transaction. */
function btcTx(to: DevWallet, value: bigint): Uint8Array {
  const { txid } = pc.btc.fund(p2wpkhScript(to.walletPubKeyHash), value);
  pc.btc.mine(1);
  return hashFromTxid(txid);
}

const seatOf = (w: DevWallet): number => w.operators.indexOf(pc.operator.address) + 1;

beforeAll(async () => {
  pc = await startProposalChain(6);
  [S1, S2] = [pc.wallets[0]!, pc.wallets[1]!];
  // The two targets in ascending PKH order: B sits at position 1 of S1's commitment.
  [A, B] = [pc.wallets[2]!, pc.wallets[3]!].sort((x, y) => (toHex(x.walletPubKeyHash) < toHex(y.walletPubKeyHash) ? -1 : 1)) as [DevWallet, DevWallet];
  idle = pc.wallets[4]!;
  const op = pc.operator.connect(pc.chain.provider);
  // S1 holds 15 BTC > walletMaxBtcTransfer (10 BTC): two targets. S2 holds 0.5 BTC: one target.
  const main1 = await giveMainUtxo(pc, S1, 1_500_000_000n);
  const main2 = await giveMainUtxo(pc, S2, 50_000_000n);
  await send(pc.bridge, pc.gov, "beginMovingFunds", S1.walletPubKeyHash);
  await send(pc.bridge, pc.gov, "beginMovingFunds", S2.walletPubKeyHash);
  await send(pc.bridge, op, "submitMovingFundsCommitment", S1.walletPubKeyHash, main1, seatOf(S1), [A.walletPubKeyHash, B.walletPubKeyHash]);
  await send(pc.bridge, op, "submitMovingFundsCommitment", S2.walletPubKeyHash, main2, seatOf(S2), [B.walletPubKeyHash]);
  mf1 = btcTx(A, 749_990_000n);
  mf2 = btcTx(B, 49_990_000n);
  await send(pc.bridge, pc.maintainer, "recordMovingFunds", S1.walletPubKeyHash, mf1, [A.walletPubKeyHash, B.walletPubKeyHash], [749_990_000n, 749_990_000n]);
  await send(pc.bridge, pc.maintainer, "recordMovingFunds", S2.walletPubKeyHash, mf2, [B.walletPubKeyHash], [49_990_000n]);
  await indexAll(pc);
}, 60_000);

afterAll(async () => {
  await pc?.close();
});

describe("MovedFundsSweepTask", () => {
  it("sweeps the output of the oldest completion first, at this wallet's position in the commitment", async () => {
    const L = await latestRef(pc);
    expect((await pc.bridgeClient.wallets(B.walletPubKeyHash, L)).pendingMovedFundsSweepRequestsCount).toBe(2);
    const p = await expectValid(await propose(B, L), B, L);
    expect(toHex(p.movingFundsTxHash)).toBe(toHex(mf1));
    expect(p.movingFundsTxOutputIndex).toBe(1);
    // §13.8 table: moved funds sweep without a main UTXO = 110 vB, at max(5, ceil(10 × 1.25)) = 13 sat/vB.
    expect(p.sweepTxFee).toBe(110n * 13n);
  });

  it("skips an outpoint whose request is no longer Pending, and counts the main UTXO input once the wallet has one", async () => {
    const sweep = btcTx(B, 749_980_000n);
    await send(pc.bridge, pc.maintainer, "recordMovedFundsSweep", B.walletPubKeyHash, sweep, mf1, 1, {
      txHash: sweep,
      txOutputIndex: 0,
      txOutputValue: 749_980_000n,
    });
    await indexAll(pc);
    const L = await latestRef(pc);
    const p = await expectValid(await propose(B, L), B, L);
    expect([toHex(p.movingFundsTxHash), p.movingFundsTxOutputIndex]).toEqual([toHex(mf2), 0]);
    expect(p.sweepTxFee).toBe(178n * 13n); // with main UTXO: 178 vB
  });

  it("yields nothing with FEE_ABOVE_MAX above movedFundsSweepTxMaxTotalFee", async () => {
    const L = await latestRef(pc);
    pc.btc.setFeeRate(0.0073); // 730 → ceil(912.5) = 913 sat/vB × 110 = 100 430 > 100 000
    try {
      expect(await propose(A, L)).toBeNull();
      expect(log.reasons("MovedFundsSweep")).toEqual(["FEE_ABOVE_MAX"]);
      pc.btc.setFeeRate(0.0072); // 720 → 900 × 110 = 99 000
      const p = await expectValid(await propose(A, L), A, L);
      expect([toHex(p.movingFundsTxHash), p.movingFundsTxOutputIndex, p.sweepTxFee]).toEqual([toHex(mf1), 0, 99_000n]);
    } finally {
      pc.btc.setFeeRate(0.0001);
    }
  });

  it("yields nothing for a wallet without pending requests or out of Live/MovingFunds", async () => {
    const L = await latestRef(pc);
    expect(await propose(idle, L)).toBeNull();
    expect(log.reasons("MovedFundsSweep")).toEqual(["NO_PENDING_SWEEP_REQUESTS"]);
    expect(await propose(S1, L)).toBeNull(); // Closing after its moving funds were recorded
    expect(log.reasons("MovedFundsSweep")).toEqual(["WALLET_STATE"]);
  });

  it("yields nothing with WALLET_BUSY or WALLET_NOT_SYNCED", async () => {
    let L = await latestRef(pc);
    const action = pc.store.actions.create({
      walletPkh: toHex(A.walletPubKeyHash),
      W: L.blockNumber,
      type: ActionType.MovedFundsSweep,
      payload: new Uint8Array([1]),
      start: L.blockNumber + 100,
      expiry: L.blockNumber + 700,
      signingStart: L.blockNumber + 100,
      signingDeadline: L.blockNumber + 400,
    });
    expect(await propose(A, L)).toBeNull();
    expect(log.reasons("MovedFundsSweep")).toEqual(["WALLET_BUSY"]);
    pc.store.actions.advance(action.id, "scheduled", "expired");
    // A main UTXO recorded on the Bridge but not yet confirmed on Bitcoin: not synced.
    await giveMainUtxo(pc, A, 10_000_000n, false);
    L = await latestRef(pc);
    expect(await propose(A, L)).toBeNull();
    expect(log.reasons("MovedFundsSweep")).toEqual(["WALLET_NOT_SYNCED"]);
    pc.btc.mine(1);
    const p = await expectValid(await propose(A, L), A, L);
    expect(p.sweepTxFee).toBe(178n * 13n);
  });
});
