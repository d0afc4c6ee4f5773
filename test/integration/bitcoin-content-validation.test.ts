// Follower content validation with Bitcoin (coordination.md §10.3) on a hardhat node with the real
// Bridge and validator, a FakeBitcoinChain and a real Store filled by the EventIndexer.
import { getBytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BitcoinChain } from "../../src/bitcoin/bitcoin-chain.js";
import { bitcoinContentValidator } from "../../src/coordination/bitcoin-content-validation.js";
import { ActionType } from "../../src/protocol/constants.js";
import type { ContentOutcome, ContentValidator } from "../../src/coordination/content-validation.js";
import type { WindowContext } from "../../src/coordination/window-context.js";
import type { PayloadOf } from "../../src/protocol/payloads.js";
import { movingFundsMarginSec } from "../../src/proposals/moving-funds-margin.js";
import type { ReferenceBlock } from "../../src/proposals/generator.js";
import { fromHex, to0x } from "../../src/util/hex.js";
import { DAY } from "../contracts/helpers/bitcoin-fixtures.js";
import { indexAll, latest, mineAt, registerWallet, revealDeposit, startDepositChain, type DepositChain, type RevealedDeposit } from "../fixtures/deposit-chain.js";
import { mine, sendBridge, type WalletKey } from "../fixtures/indexer-bridge.js";

let dc: DepositChain;
let validate: ContentValidator;
let w: WalletKey;
let d1: RevealedDeposit;
let d2: RevealedDeposit;
let young: RevealedDeposit;
/** Window block of the deposit-sweep tests. */
let W: ReferenceBlock;

function ctxFor(wallet: WalletKey, Wn: number): WindowContext {
  return {
    W: Wn,
    walletPkh: getBytes(wallet.pkh),
    wallet: wallet.pkhKey,
    seats: [],
    ownSeats: [],
    leader: "0x" + "00".repeat(20),
    checklist: [],
    seedHex: "00",
    safeBlockHash: "0x" + "00".repeat(32),
    profileHash: "0x" + "00".repeat(32),
    joinedAtBlock: Wn,
  };
}

function run(v: ContentValidator, wallet: WalletKey, Wn: number, actionType: ActionType, payload: unknown, at: ReferenceBlock): Promise<ContentOutcome> {
  return v({ ctx: ctxFor(wallet, Wn), actionType, payload: payload as never, at }, new AbortController().signal);
}

function sweep(ds: RevealedDeposit[], fee = 1000n): PayloadOf<ActionType.DepositSweep> {
  return {
    depositsKeys: ds.map((d) => ({ fundingTxHash: fromHex(d.fundingTxHash), fundingOutputIndex: 0 })),
    sweepTxFee: fee,
    depositsRevealBlocks: ds.map((d) => d.block),
  };
}

function makeValidator(btc: BitcoinChain = dc.btc): ContentValidator {
  return bitcoinContentValidator(
    { validator: dc.validatorClient, bridge: dc.bridgeClient, btc, chain: dc.chain, store: dc.store },
    { bridgeAddress: dc.bridgeAddress, profile: { fundingTxMinConfirmations: 6 } },
  );
}

beforeAll(async () => {
  dc = await startDepositChain();
  validate = makeValidator();
  w = await registerWallet(dc, 201);
  const T = (await latest(dc)).timestamp + 100;
  d1 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
  d2 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, p2sh: true });
  dc.btc.mine(4);
  young = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY });
  dc.btc.mine(2); // d1, d2: 6 confirmations; young: 2
  W = await mineAt(dc, T + 7300);
}, 60_000);

afterAll(async () => {
  await dc?.close();
});

describe("bitcoinContentValidator: DepositSweep", () => {
  it("accepts a valid sweep", async () => {
    expect(await run(validate, w, W.blockNumber, ActionType.DepositSweep, sweep([d1, d2]), W)).toEqual({ class: "valid" });
  });

  it("REVEAL_BLOCKS_MISMATCH when the reveal blocks do not pair with the keys", async () => {
    const p = { ...sweep([d1, d2]), depositsRevealBlocks: [d1.block] };
    expect(await run(validate, w, W.blockNumber, ActionType.DepositSweep, p, W)).toMatchObject({ class: "invalid", reason: "REVEAL_BLOCKS_MISMATCH" });
  });

  it("FUNDING_TX_NOT_FOUND for a transaction the Bitcoin chain does not know", async () => {
    const p = sweep([d1, d2]);
    p.depositsKeys[1] = { fundingTxHash: fromHex("5a".repeat(32)), fundingOutputIndex: 0 };
    expect(await run(validate, w, W.blockNumber, ActionType.DepositSweep, p, W)).toMatchObject({
      class: "invalid",
      reason: "FUNDING_TX_NOT_FOUND",
      facts: { index: 1, txid: "5a".repeat(32) },
    });
  });

  it("FUNDING_TX_UNCONFIRMED: unverified before W+100, invalid with the heights as evidence from W+100", async () => {
    const early = await run(validate, w, W.blockNumber, ActionType.DepositSweep, sweep([d1, young]), W);
    expect(early.class).toBe("unverified");
    await mine(dc.provider, W.blockNumber + 100 - (await dc.provider.getBlockNumber()));
    const V = await latest(dc);
    expect(V.blockNumber).toBe(W.blockNumber + 100);
    const late = await run(validate, w, W.blockNumber, ActionType.DepositSweep, sweep([d1, young]), V);
    const tip = dc.btc.tip().height;
    expect(late).toEqual({
      class: "invalid",
      reason: "FUNDING_TX_UNCONFIRMED",
      facts: { index: 1, txid: young.txid, confirmations: 2, btcTip: tip, txHeight: dc.btc.txHeight(young.txid) },
    });
    expect(tip - dc.btc.txHeight(young.txid)! + 1).toBe(2);
  });

  it("FUNDING_TX_MISMATCH when the server's transaction does not hash to the key", async () => {
    // A server answering d1's txid with d2's transaction.
    const lying = Object.create(dc.btc) as BitcoinChain;
    lying.getTransaction = async (txid, o) => (txid === d1.txid ? d2.raw : dc.btc.getTransaction(txid, o));
    expect(await run(makeValidator(lying), w, W.blockNumber, ActionType.DepositSweep, sweep([d1, d2]), W)).toMatchObject({
      class: "invalid",
      reason: "FUNDING_TX_MISMATCH",
      facts: { index: 0, txid: d1.txid },
    });
  });

  it("REVEAL_EVENT_NOT_FOUND when the reveal block is not the event's block", async () => {
    const p = { ...sweep([d1, d2]), depositsRevealBlocks: [d1.block, d2.block + 1] };
    expect(await run(validate, w, W.blockNumber, ActionType.DepositSweep, p, W)).toMatchObject({
      class: "invalid",
      reason: "REVEAL_EVENT_NOT_FOUND",
      facts: { index: 1, revealBlock: d2.block + 1 },
    });
  });

  it("the validator's revert string is the reason", async () => {
    // Per deposit 100 000 plus remainder 1 > depositTxMaxFee.
    expect(await run(validate, w, W.blockNumber, ActionType.DepositSweep, sweep([d1, d2], 200_001n), W)).toEqual({
      class: "invalid",
      reason: "Proposed transaction fee is too high",
    });
    expect(await run(validate, w, W.blockNumber, ActionType.DepositSweep, sweep([d1, d2], 200_000n), W)).toEqual({ class: "valid" });
  });

  it("Electrum unreachable: unverified, never invalid", async () => {
    dc.btc.setUnreachable(true);
    try {
      const o = await run(validate, w, W.blockNumber, ActionType.DepositSweep, sweep([d1, d2]), W);
      expect(o.class).toBe("unverified");
    } finally {
      dc.btc.setUnreachable(false);
    }
  });

  it("other types go to the on-chain validator", async () => {
    const message = fromHex("ff".repeat(8) + "01".repeat(8));
    expect(await run(validate, w, W.blockNumber, ActionType.Heartbeat, { message }, W)).toEqual({ class: "valid" });
    expect(await run(validate, w, W.blockNumber, ActionType.Heartbeat, { message: fromHex("00".repeat(16)) }, W)).toEqual({
      class: "invalid",
      reason: "Not a valid heartbeat message",
    });
  });
});

/** Gives the wallet a confirmed main UTXO (a fund tx paying its P2WPKH) recorded on the Bridge. */
async function withMainUtxo(wallet: WalletKey, onBitcoin: boolean): Promise<{ txHash: string; txOutputIndex: number; txOutputValue: bigint }> {
  const d = await revealDeposit(dc, { wallet, locktime: (await latest(dc)).timestamp + 30 * DAY });
  let txHash = to0x(fromHex("ee".repeat(32)));
  if (onBitcoin) {
    const funded = dc.btc.fund(Uint8Array.of(0x00, 0x14, ...fromHex(wallet.pkh)), 9_000_000n);
    txHash = to0x(fromHex(funded.txid).reverse());
  }
  dc.btc.mine(6);
  const utxo = { txHash, txOutputIndex: 0, txOutputValue: 9_000_000n };
  await sendBridge(dc.bridge, dc.maintainer, "recordDepositSweep", wallet.pkh, txHash, [{ fundingTxHash: d.fundingTxHash, fundingOutputIndex: 0 }], utxo);
  return utxo;
}

describe("bitcoinContentValidator: MovingFunds", () => {
  it("SAFETY_MARGIN until movingFundsRequestedAt + 24 h, then valid; 14-day margin capped for a target", async () => {
    const src = await registerWallet(dc, 210);
    const utxo = await withMainUtxo(src, true);
    const begin = await sendBridge(dc.bridge, dc.gov, "beginMovingFunds", src.pkh);
    const requestedAt = (await dc.provider.getBlock(begin.blockNumber))!.timestamp;
    // One target: min(liveWalletsCount, ceil(9e6 / 10e8)) = 1.
    await sendBridge(dc.bridge, dc.gov, "submitMovingFundsCommitment", src.pkh, utxo, 1, [w.pkh]);
    await indexAll(dc);
    const payload: PayloadOf<ActionType.MovingFunds> = { targetWallets: [fromHex(w.pkh)], movingFundsTxFee: 1000n };

    const before = await mineAt(dc, requestedAt + DAY - 1);
    expect(await run(validate, src, before.blockNumber, ActionType.MovingFunds, payload, before)).toMatchObject({ class: "invalid", reason: "SAFETY_MARGIN" });
    const at = await mineAt(dc, requestedAt + DAY);
    expect(await run(validate, src, at.blockNumber, ActionType.MovingFunds, payload, at)).toEqual({ class: "valid" });
    expect(await run(validate, src, at.blockNumber, ActionType.MovingFunds, { ...payload, movingFundsTxFee: 100_001n }, at)).toEqual({
      class: "invalid",
      reason: "Proposed transaction fee is too high",
    });

    // w is the target of a source still in MovingFunds: 14 days, capped at movingFundsTimeout / 2 (7 days / 2).
    expect(await movingFundsMarginSec({ bridge: dc.bridgeClient, store: dc.store }, fromHex(w.pkh), at)).toBe(302_400);
    expect(await movingFundsMarginSec({ bridge: dc.bridgeClient, store: dc.store }, fromHex(src.pkh), at)).toBe(DAY);
  });

  it("MAIN_UTXO_NOT_FOUND when the recorded main UTXO is not in the wallet's Bitcoin history", async () => {
    const src = await registerWallet(dc, 211);
    await withMainUtxo(src, false);
    await sendBridge(dc.bridge, dc.gov, "beginMovingFunds", src.pkh);
    const V = await latest(dc);
    const payload: PayloadOf<ActionType.MovingFunds> = { targetWallets: [fromHex(w.pkh)], movingFundsTxFee: 1000n };
    expect(await run(validate, src, V.blockNumber, ActionType.MovingFunds, payload, V)).toMatchObject({ class: "invalid", reason: "MAIN_UTXO_NOT_FOUND" });
    dc.btc.setUnreachable(true);
    try {
      expect((await run(validate, src, V.blockNumber, ActionType.MovingFunds, payload, V)).class).toBe("unverified");
    } finally {
      dc.btc.setUnreachable(false);
    }
  });
});
