// DepositSweepTask (coordination.md §13.4) on a hardhat node with the real Bridge and validator, a
// FakeBitcoinChain holding the funding transactions and a real Store filled by the EventIndexer.
// Each test uses its own wallet; block time only moves forward, so the tests run in file order.
import { Writable } from "node:stream";
import { getBytes } from "ethers";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BitcoinUnavailableError, type BitcoinChain } from "../../src/bitcoin/bitcoin-chain.js";
import { txInfoOf } from "../../src/bitcoin/tx.js";
import type { DepositExtraInfo } from "../../src/chain/types.js";
import { ActionType } from "../../src/protocol/constants.js";
import { decodePayload, type DepositSweepPayload } from "../../src/protocol/payloads.js";
import { DepositSweepTask, type DepositSweepTaskComponents } from "../../src/proposals/deposit-sweep-task.js";
import type { BitcoinTaskInit } from "../../src/proposals/wallet-preconditions.js";
import type { ReferenceBlock } from "../../src/proposals/generator.js";
import { fromHex, to0x } from "../../src/util/hex.js";
import { DAY, hash160 } from "../contracts/helpers/bitcoin-fixtures.js";
import {
  indexAll,
  latest,
  mineAt,
  registerWallet,
  revealDeposit,
  startDepositChain,
  type DepositChain,
  type RevealedDeposit,
} from "../fixtures/deposit-chain.js";
import { sendBridge, type WalletKey } from "../fixtures/indexer-bridge.js";

const MIN_AGE = 7200;
const REFUND_MARGIN = 86_400;
const EXTRA_MARGIN = 3600;
const SWEEP_VALIDITY_BLOCKS = 1200;

let dc: DepositChain;
const logs: Record<string, unknown>[] = [];
const logger = pino(
  { level: "debug" },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  }),
);

beforeAll(async () => {
  dc = await startDepositChain();
}, 60_000);

afterAll(async () => {
  await dc?.close();
});

function task(extra: Partial<DepositSweepTaskComponents> = {}, init: BitcoinTaskInit = {}): DepositSweepTask {
  return new DepositSweepTask(
    { bridge: dc.bridgeClient, validator: dc.validatorClient, btc: dc.btc, store: dc.store, logger, chain: dc.chain, ...extra },
    { fee: { minSatPerVByte: 5, bufferPercent: 25 }, ...init },
  );
}

async function propose(w: WalletKey, W: ReferenceBlock, L: ReferenceBlock = W, t = task()): Promise<DepositSweepPayload | null> {
  const bytes = await t.propose({ W: W.blockNumber, walletPkh: getBytes(w.pkh), wallet: w.pkhKey, L, signal: new AbortController().signal });
  if (bytes === null) return null;
  const decoded = decodePayload(ActionType.DepositSweep, bytes);
  if (!decoded.ok) throw new Error(`undecodable payload: ${decoded.reason}`);
  return decoded.payload as DepositSweepPayload;
}

/** The last "yields nothing" reason logged for the wallet. */
function lastReason(w: WalletKey): unknown {
  return logs.filter((l) => l.wallet === w.pkhKey && l.msg === "deposit sweep task yields nothing").at(-1)?.reason;
}

function keysOf(p: DepositSweepPayload): string[] {
  return p.depositsKeys.map((k) => `${to0x(k.fundingTxHash)}:${k.fundingOutputIndex}`);
}

function expectedKeys(ds: RevealedDeposit[]): string[] {
  return ds.map((d) => `${d.fundingTxHash}:0`);
}

/** Independent validator check of a produced proposal, extra info rebuilt from what was revealed. */
async function expectValidatorAccepts(w: WalletKey, p: DepositSweepPayload, ds: RevealedDeposit[], L: ReferenceBlock): Promise<void> {
  const extra: DepositExtraInfo[] = ds.map((d) => ({
    fundingTx: txInfoOf(d.raw),
    blindingFactor: fromHex(d.blindingFactor),
    walletPubKeyHash: fromHex(w.pkh),
    refundPubKeyHash: fromHex(d.refundPubKeyHash),
    refundLocktime: fromHex(d.refundLocktime),
  }));
  const outcome = await dc.validatorClient.validateDepositSweep(
    { walletPubKeyHash: fromHex(w.pkh), depositsKeys: p.depositsKeys, sweepTxFee: p.sweepTxFee, depositsRevealBlocks: p.depositsRevealBlocks.map(BigInt) },
    extra,
    L,
  );
  expect(outcome).toEqual({ outcome: "valid" });
}

async function now(): Promise<number> {
  return (await latest(dc)).timestamp;
}

describe("DepositSweepTask", () => {
  it("min age: revealedAt + 7200 must be strictly below timestamp(W)", async () => {
    const w = await registerWallet(dc, 101);
    const T = (await now()) + 100;
    const d = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    expect(d.revealedAt).toBe(T);
    dc.btc.mine(6);
    await indexAll(dc);

    const W1 = await mineAt(dc, T + MIN_AGE);
    expect(await propose(w, W1)).toBeNull();
    expect(lastReason(w)).toBe("NO_SWEEPABLE_DEPOSITS");

    const W2 = await mineAt(dc, T + MIN_AGE + 1);
    const p = await propose(w, W2);
    expect(p).not.toBeNull();
    expect(keysOf(p!)).toEqual(expectedKeys([d]));
    expect(p!.depositsRevealBlocks).toEqual([d.block]);
    // 1 P2WSH deposit with a 92-byte script, no main UTXO: 133 vB (§13.8) at max(5, ceil(1 × 1.25)) = 5 sat/vB.
    expect(p!.sweepTxFee).toBe(133n * 5n);
    await expectValidatorAccepts(w, p!, [d], W2);
  });

  it("refund locktime: tHigh < lockInt − 86400 (±1 s), below 500 000 000 marked unsweepable", async () => {
    const w = await registerWallet(dc, 102);
    const T = (await now()) + 100;
    const TW = T + MIN_AGE + 600;
    // L = W: tHigh = timestamp(W) + (100 + 1200) × 12 + 3600.
    const tHigh = TW + (100 + SWEEP_VALIDITY_BLOCKS) * 12 + EXTRA_MARGIN;
    const ok = await revealDeposit(dc, { wallet: w, locktime: tHigh + REFUND_MARGIN + 1, timestamp: T });
    const tooClose = await revealDeposit(dc, { wallet: w, locktime: tHigh + REFUND_MARGIN });
    const height = await revealDeposit(dc, { wallet: w, locktime: 499_999_999 });
    const threshold = await revealDeposit(dc, { wallet: w, locktime: 500_000_000 });
    dc.btc.mine(6);
    await indexAll(dc);

    const W = await mineAt(dc, TW);
    const p = await propose(w, W);
    expect(keysOf(p!)).toEqual(expectedKeys([ok]));
    await expectValidatorAccepts(w, p!, [ok], W);
    expect(dc.store.depositStatus.get(height.key)).toMatchObject({ status: "unsweepable", reason: "LOCKTIME_BELOW_500M", observedBlock: W.blockNumber });
    // 500 000 000 is a timestamp: too close to refund, but only skipped.
    expect(dc.store.depositStatus.get(threshold.key)).toBeUndefined();
    expect(dc.store.depositStatus.get(tooClose.key)).toBeUndefined();
    expect(dc.store.evDeposits.sweepCandidates(w.pkhKey).map((r) => r.depositKey)).toEqual([ok.key, tooClose.key, threshold.key]);
  });

  it("vault grouping: the oldest selected deposit decides; a funding tx Electrum cannot find skips only that candidate", async () => {
    const w = await registerWallet(dc, 103);
    const [v1, v2] = ["0x" + "11".repeat(20), "0x" + "22".repeat(20)];
    for (const v of [v1, v2]) await sendBridge(dc.bridge, dc.gov, "setVaultStatus", v, true);
    const T = (await now()) + 100;
    const lock = T + 30 * DAY;
    const lost = await revealDeposit(dc, { wallet: w, locktime: lock, vault: v2, timestamp: T });
    dc.btc.dropFromMempool(lost.txid);
    const d1 = await revealDeposit(dc, { wallet: w, locktime: lock, vault: v1 });
    const d2 = await revealDeposit(dc, { wallet: w, locktime: lock, vault: v2 });
    const d3 = await revealDeposit(dc, { wallet: w, locktime: lock });
    const d4 = await revealDeposit(dc, { wallet: w, locktime: lock, vault: v1 });
    dc.btc.mine(6);
    await indexAll(dc);

    const W = await mineAt(dc, T + MIN_AGE + 100);
    const p = await propose(w, W);
    expect(keysOf(p!)).toEqual(expectedKeys([d1, d4]));
    await expectValidatorAccepts(w, p!, [d1, d4], W);
    // Skipped deposits stay candidates for later windows.
    for (const d of [lost, d2, d3]) expect(dc.store.depositStatus.get(d.key)).toBeUndefined();
  });

  it("an Electrum error on one funding transaction skips only that candidate", async () => {
    const w = await registerWallet(dc, 112);
    const T = (await now()) + 100;
    const d1 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    const d2 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY });
    dc.btc.mine(6);
    await indexAll(dc);
    const W = await mineAt(dc, T + MIN_AGE + 100);
    // A server that times out on d1's transaction only.
    const flaky = Object.create(dc.btc) as BitcoinChain;
    flaky.confirmations = async (txid, o) => {
      if (txid === d1.txid) throw new BitcoinUnavailableError("timeout");
      return dc.btc.confirmations(txid, o);
    };
    expect(keysOf((await propose(w, W, W, task({ btc: flaky })))!)).toEqual(expectedKeys([d2]));
    expect(dc.store.depositStatus.get(d1.key)).toBeUndefined();
    expect(keysOf((await propose(w, W))!)).toEqual(expectedKeys([d1, d2]));
  });

  it("confirmations: a funding tx below fundingTxMinConfirmations is skipped until it has them", async () => {
    const w = await registerWallet(dc, 104);
    const T = (await now()) + 100;
    const d1 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    dc.btc.mine(1);
    const d2 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY });
    dc.btc.mine(5); // d1: 6 confirmations, d2: 5
    await indexAll(dc);
    const W = await mineAt(dc, T + MIN_AGE + 100);
    expect(keysOf((await propose(w, W))!)).toEqual(expectedKeys([d1]));
    dc.btc.mine(1);
    expect(keysOf((await propose(w, W))!)).toEqual(expectedKeys([d1, d2]));
    // A stricter profile skips both.
    expect(await propose(w, W, W, task({}, { fundingTxMinConfirmations: 8 }))).toBeNull();
  });

  it("script check: an output paying P2WPKH(hash160(script)) never reaches the task: the Bridge refuses it (GHSA-8986)", async () => {
    // The task's own check (fundingOutputKind, unit-tested in bitcoin-scripts.test.ts) would mark it
    // SCRIPT_MISMATCH; the Bridge now refuses the reveal, so only the exact P2SH/P2WSH forms are indexed.
    const w = await registerWallet(dc, 105);
    const T = (await now()) + 100;
    await expect(
      revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T, lockingScript: (s) => Uint8Array.of(0x00, 0x14, ...hash160(s)) }),
    ).rejects.toThrow(/Funding output must be P2SH or P2WSH/);
    const good = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    dc.btc.mine(6);
    await indexAll(dc);
    const W = await mineAt(dc, T + MIN_AGE + 100);
    expect(keysOf((await propose(w, W))!)).toEqual(expectedKeys([good]));
    expect(dc.store.evDeposits.sweepCandidates(w.pkhKey).map((r) => r.depositKey)).toEqual([good.key]);
  });

  it("P2SH and P2WSH (extra data) deposits are priced with their own input sizes", async () => {
    const wSh = await registerWallet(dc, 106);
    const wWsh = await registerWallet(dc, 107);
    const T = (await now()) + 100;
    const sh = await revealDeposit(dc, { wallet: wSh, locktime: T + 30 * DAY, timestamp: T, p2sh: true });
    const wsh = await revealDeposit(dc, { wallet: wWsh, locktime: T + 30 * DAY, extraData: "0x" + "ab".repeat(32) });
    expect(wsh.script.length).toBe(126);
    dc.btc.mine(6);
    await indexAll(dc);
    const W = await mineAt(dc, T + MIN_AGE + 100);
    const pSh = await propose(wSh, W);
    expect(keysOf(pSh!)).toEqual(expectedKeys([sh]));
    expect(pSh!.sweepTxFee).toBe(283n * 5n); // §13.8: 1 P2SH deposit, 92-byte script, no main UTXO
    await expectValidatorAccepts(wSh, pSh!, [sh], W);
    const pWsh = await propose(wWsh, W);
    expect(keysOf(pWsh!)).toEqual(expectedKeys([wsh]));
    expect(pWsh!.sweepTxFee).toBe(142n * 5n); // 1 P2WSH deposit, 126-byte script
    await expectValidatorAccepts(wWsh, pWsh!, [wsh], W);
  });

  it("21 eligible deposits give the 20 oldest", async () => {
    const w = await registerWallet(dc, 108);
    const T = (await now()) + 100;
    const ds: RevealedDeposit[] = [];
    for (let i = 0; i < 21; i++) ds.push(await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, ...(i === 0 ? { timestamp: T } : {}) }));
    dc.btc.mine(6);
    await indexAll(dc);
    const W = await mineAt(dc, (await now()) + MIN_AGE + 100);
    const p = await propose(w, W);
    expect(keysOf(p!)).toEqual(expectedKeys(ds.slice(0, 20)));
    expect(p!.depositsRevealBlocks).toEqual(ds.slice(0, 20).map((d) => d.block));
    await expectValidatorAccepts(w, p!, ds.slice(0, 20), W);
  });

  it("fee: the last share above depositTxMaxFee yields FEE_ABOVE_MAX", async () => {
    const w = await registerWallet(dc, 109);
    const T = (await now()) + 100;
    const d = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    dc.btc.mine(6);
    await indexAll(dc);
    const W = await mineAt(dc, T + MIN_AGE + 100);
    // 133 vB: 751 sat/vB = 99 883 ≤ 100 000; 752 sat/vB = 100 016.
    const under = await propose(w, W, W, task({}, { fee: { minSatPerVByte: 751, bufferPercent: 0 } }));
    expect(under!.sweepTxFee).toBe(99_883n);
    await expectValidatorAccepts(w, under!, [d], W);
    expect(await propose(w, W, W, task({}, { fee: { minSatPerVByte: 752, bufferPercent: 0 } }))).toBeNull();
    expect(lastReason(w)).toBe("FEE_ABOVE_MAX");
  });

  it("a swept deposit is marked swept; a main UTXO adds its P2WPKH input to the fee", async () => {
    const w = await registerWallet(dc, 110);
    const T = (await now()) + 100;
    const d1 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    const d2 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY });
    await indexAll(dc);
    // The sweep of d1 pays the wallet's P2WPKH; it becomes the main UTXO (confirmed, unspent: synced).
    const sweep = dc.btc.fund(Uint8Array.of(0x00, 0x14, ...fromHex(w.pkh)), 9_000_000n);
    dc.btc.mine(6);
    const sweepHash = to0x(fromHex(sweep.txid).reverse());
    await sendBridge(dc.bridge, dc.maintainer, "recordDepositSweep", w.pkh, sweepHash, [{ fundingTxHash: d1.fundingTxHash, fundingOutputIndex: 0 }], {
      txHash: sweepHash,
      txOutputIndex: 0,
      txOutputValue: 9_000_000n,
    });
    const W = await mineAt(dc, T + MIN_AGE + 100);
    const p = await propose(w, W);
    expect(keysOf(p!)).toEqual(expectedKeys([d2]));
    expect(p!.sweepTxFee).toBe(201n * 5n); // main UTXO + 1 P2WSH 92-byte deposit
    expect(dc.store.depositStatus.get(d1.key)).toMatchObject({ status: "swept", observedBlock: W.blockNumber });
  });

  it("an unsynced wallet yields WALLET_NOT_SYNCED", async () => {
    const w = await registerWallet(dc, 111);
    const T = (await now()) + 100;
    const d1 = await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY, timestamp: T });
    await revealDeposit(dc, { wallet: w, locktime: T + 30 * DAY });
    dc.btc.mine(6);
    await indexAll(dc);
    // A main UTXO the Bitcoin chain does not have as a confirmed unspent output.
    const ghost = to0x(fromHex("ee".repeat(32)));
    await sendBridge(dc.bridge, dc.maintainer, "recordDepositSweep", w.pkh, ghost, [{ fundingTxHash: d1.fundingTxHash, fundingOutputIndex: 0 }], {
      txHash: ghost,
      txOutputIndex: 0,
      txOutputValue: 9_000_000n,
    });
    const W = await mineAt(dc, T + MIN_AGE + 100);
    expect(await propose(w, W)).toBeNull();
    expect(lastReason(w)).toBe("WALLET_NOT_SYNCED");
  });
});
