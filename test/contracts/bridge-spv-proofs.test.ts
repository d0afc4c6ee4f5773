// The Bridge's SPV proof entry points (issue 14): submitDepositSweepProof, submitRedemptionProof,
// submitMovingFundsProof and submitMovedFundsSweepProof against a DevRelay reporting difficulty 0, with
// transactions in synthetic regtest blocks (helpers/spv-synthetic.ts). Each proof is checked to leave
// exactly the state and events the matching record* call leaves from the same snapshot, for ECDSA
// wallets (P2WPKH / P2PKH outputs) and FROST wallets (P2TR outputs); transactions that pay a redeemer
// less, spend another UTXO or pay a wrong target are refused, as are proofs with no relay set and bad
// proofs.
import { concat, getBytes, hexlify, id, sha256, toBeHex, zeroPadValue, type Contract, type ContractTransactionReceipt } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import {
  ZERO_ADDRESS,
  ZERO_BYTES32,
  depositKey,
  mainUtxoHash,
  movedFundsSweepRequestKey,
  randomHex,
  redemptionKey,
  type BitcoinTxInfo,
  type BitcoinUtxo,
} from "./helpers/bitcoin-fixtures.js";
import {
  eventsOf,
  fundWallet,
  p2pkhScript,
  p2wpkhScript,
  registerWallet,
  revealTestDeposit,
  send,
  sortedTestWallets,
  testWallet,
  tuple,
  type TestFunding,
} from "./helpers/bridge-fixture.js";
import { closeNet, expectRevert, snapshotScope } from "./helpers/evm.js";
import { deployFrostFixture, registerFrostWallet, type FrostFixture } from "./helpers/frost-fixture.js";
import { coinbaseTx, hash256, makeHeader, merklePath, serialize } from "./helpers/spv-synthetic.js";
import { createTaprootDeposit, xOnlyPubKeyHash, type TestTaprootDeposit } from "./helpers/taproot-fixtures.js";

const context = describe;
const BTC = 100_000_000n;

let f: FrostFixture;
let bridge: Contract;
let relay: Contract;

beforeAll(async () => {
  f = await deployFrostFixture();
  bridge = f.bridge;
  relay = (await f.net.ethers.deployContract("DevRelay", [0n, 0n], f.governance)) as unknown as Contract;
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);

// --- Bitcoin transactions and their proofs ---

interface Out {
  value: bigint;
  /** Length-prefixed output script. */
  script: string;
}

const le32 = (n: number): string => hexlify(getBytes(zeroPadValue(toBeHex(n), 4)).reverse());
const le64 = (n: bigint): string => hexlify(getBytes(zeroPadValue(toBeHex(n), 8)).reverse());

/** A transaction spending `inputs` (internal-order hashes) into `outputs`. */
function bitcoinTx(inputs: { hash: string; index: number }[], outputs: Out[]): BitcoinTxInfo {
  return {
    version: "0x02000000",
    inputVector: hexlify(concat([toBeHex(inputs.length, 1), ...inputs.flatMap((i) => [i.hash, le32(i.index), "0x00", "0xffffffff"])])),
    outputVector: hexlify(concat([toBeHex(outputs.length, 1), ...outputs.flatMap((o) => [le64(o.value), o.script])])),
    locktime: "0x00000000",
  };
}

const txHashOf = (tx: BitcoinTxInfo): string => hash256(serialize(tx));

let blockHeight = 1000;

/** An SPV proof of `tx` as the second transaction of a fresh regtest block, under 6 headers. */
function proofOf(tx: BitcoinTxInfo): { merkleProof: string; txIndexInBlock: number; bitcoinHeaders: string; coinbasePreimage: string; coinbaseProof: string } {
  const coinbase = coinbaseTx(blockHeight++);
  const leaves = [hash256(coinbase), txHashOf(tx)];
  const { root, path } = merklePath(leaves, 1);
  const headers: string[] = [];
  let prev = randomHex(32);
  for (let i = 0; i < 6; i++) {
    const h = makeHeader(prev, i === 0 ? root : randomHex(32), 1_700_000_000 + 600 * i);
    headers.push(h);
    prev = hash256(h);
  }
  return {
    merkleProof: path,
    txIndexInBlock: 1,
    bitcoinHeaders: hexlify(concat(headers)),
    coinbasePreimage: sha256(coinbase),
    coinbaseProof: merklePath(leaves, 0).path,
  };
}

const p2tr = (walletX: string): string => "0x2251" + "20" + walletX.slice(2);

// --- Record versus proof: the same state from the same snapshot ---

type Reader = () => Promise<unknown>;

/**
 * Runs `record` then `prove` from the same snapshot and the same block timestamp, and expects the same
 * events and the same values of every `reads`; leaves the chain in the proven state.
 */
async function expectSameAsRecord(record: () => Promise<unknown>, prove: () => Promise<unknown>, reads: Reader[]): Promise<ContractTransactionReceipt> {
  const snap = await f.net.networkHelpers.takeSnapshot();
  const at = (await f.net.networkHelpers.time.latest()) + 100;
  const run = async (call: () => Promise<unknown>): Promise<{ events: unknown; state: unknown[]; receipt: ContractTransactionReceipt }> => {
    await f.net.networkHelpers.time.setNextBlockTimestamp(at);
    const receipt = await send(call());
    const state: unknown[] = [];
    for (const r of reads) state.push(tuple([await r()]));
    return { events: eventsOf(bridge, receipt).map((e) => [e.name, tuple(e.args)]), state, receipt };
  };
  const recorded = await run(record);
  await snap.restore();
  const proven = await run(prove);
  expect(proven.events).toEqual(recorded.events);
  expect(proven.state).toEqual(recorded.state);
  return proven.receipt;
}

const walletOf = (pkh: string): Reader => () => bridge.wallets(pkh);
const depositOf = (key: string): Reader => () => bridge.deposits(key);
const redemptionOf = (key: string): Reader => () => bridge.pendingRedemptions(key);
const sweepRequestOf = (key: string): Reader => () => bridge.movedFundsSweepRequests(key);

const stranger = (): FrostFixture["others"][number] => f.others[5];
const submitSweep = (tx: BitcoinTxInfo, main: BitcoinUtxo, vault = ZERO_ADDRESS, proof = proofOf(tx)): Promise<unknown> =>
  bridge.connect(stranger()).getFunction("submitDepositSweepProof")(tx, proof, main, vault);
const submitRedemption = (tx: BitcoinTxInfo, main: BitcoinUtxo, pkh: string): Promise<unknown> =>
  bridge.connect(stranger()).getFunction("submitRedemptionProof")(tx, proofOf(tx), main, pkh);
const submitMoving = (tx: BitcoinTxInfo, main: BitcoinUtxo, pkh: string): Promise<unknown> =>
  bridge.connect(stranger()).getFunction("submitMovingFundsProof")(tx, proofOf(tx), main, pkh);
const submitMovedSweep = (tx: BitcoinTxInfo, main: BitcoinUtxo): Promise<unknown> =>
  bridge.connect(stranger()).getFunction("submitMovedFundsSweepProof")(tx, proofOf(tx), main);

const NO_UTXO: BitcoinUtxo = { txHash: ZERO_BYTES32, txOutputIndex: 0, txOutputValue: 0n };
const keyOf = (d: TestFunding): { fundingTxHash: string; fundingOutputIndex: number } => ({
  fundingTxHash: d.fundingTxHash,
  fundingOutputIndex: d.reveal.fundingOutputIndex,
});
const input = (u: BitcoinUtxo | TestFunding): { hash: string; index: number } =>
  "fundingTxHash" in u ? { hash: u.fundingTxHash, index: u.reveal.fundingOutputIndex } : { hash: u.txHash, index: u.txOutputIndex };

describe("Bridge SPV proofs", () => {
  describe("relay and difficulty factor", () => {
    it("start unset and 6", async () => {
      expect(await bridge.relay()).toBe(ZERO_ADDRESS);
      expect(await bridge.txProofDifficultyFactor()).toBe(6n);
    });

    it("refuses a proof while no relay is set", async () => {
      const w = testWallet(900);
      await registerWallet(f, w);
      const tx = bitcoinTx([{ hash: randomHex(32), index: 0 }], [{ value: 1000n, script: p2wpkhScript(w.pubKeyHash) }]);
      await expectRevert(submitSweep(tx, NO_UTXO), "Relay not set");
      await expectRevert(submitRedemption(tx, NO_UTXO, w.pubKeyHash), "Relay not set");
      await expectRevert(submitMoving(tx, NO_UTXO, w.pubKeyHash), "Relay not set");
      await expectRevert(submitMovedSweep(tx, NO_UTXO), "Relay not set");
    });

    it("are set by the governance only, with events", async () => {
      await expectRevert(bridge.connect(stranger()).getFunction("setRelay")(await relay.getAddress()), "Caller is not the governance");
      await expectRevert(bridge.connect(stranger()).getFunction("updateTxProofDifficultyFactor")(1), "Caller is not the governance");
      await expectRevert(bridge.setRelay(ZERO_ADDRESS), "Relay address cannot be zero");
      await expectRevert(bridge.updateTxProofDifficultyFactor(0), "Transaction proof difficulty factor must be greater than zero");
      const r1 = await send(bridge.updateTxProofDifficultyFactor(3));
      expect(eventsOf(bridge, r1).map((e) => [e.name, tuple(e.args)])).toEqual([["TxProofDifficultyFactorUpdated", [3n]]]);
      await send(bridge.updateTxProofDifficultyFactor(6));
      const r2 = await send(bridge.setRelay(await relay.getAddress()));
      expect(eventsOf(bridge, r2).map((e) => [e.name, tuple(e.args)])).toEqual([["RelaySet", [await relay.getAddress()]]]);
      expect(await bridge.relay()).toBe(await relay.getAddress());
    });

    it("have tbtc-v2's selectors", () => {
      const I = "(bytes4,bytes,bytes,bytes4)";
      const P = "(bytes,uint256,bytes,bytes32,bytes)";
      const U = "(bytes32,uint32,uint64)";
      const expected: [string, string][] = [
        [`submitDepositSweepProof(${I},${P},${U},address)`, "0xbd150131"],
        [`submitRedemptionProof(${I},${P},${U},bytes20)`, "0x8ac89ce1"],
        [`submitMovingFundsProof(${I},${P},${U},bytes20)`, "0xe509397d"],
        [`submitMovedFundsSweepProof(${I},${P},${U})`, "0x9821c38b"],
      ];
      for (const [signature, selector] of expected) {
        expect(id(signature).slice(0, 10)).toBe(selector);
        expect(bridge.interface.getFunction(signature)?.selector).toBe(selector);
      }
    });
  });

  describe("submitDepositSweepProof (ECDSA wallet)", () => {
    scope();
    const w = testWallet(901);
    let main: BitcoinUtxo;
    let d1: TestFunding;
    let d2: TestFunding;
    let tx: BitcoinTxInfo;
    const fee = 3000n;

    beforeAll(async () => {
      await registerWallet(f, w);
      main = await fundWallet(f, w.pubKeyHash, BTC);
      d1 = await revealTestDeposit(f, f.others[1], w.pubKeyHash, 20_000_000n);
      d2 = await revealTestDeposit(f, f.others[2], w.pubKeyHash, 30_000_000n);
      tx = bitcoinTx([input(d1), input(main), input(d2)], [{ value: BTC + 50_000_000n - fee, script: p2wpkhScript(w.pubKeyHash) }]);
    });

    context("refused transactions and proofs", () => {
      it("a bad merkle proof: BitcoinTx's revert", async () => {
        await expectRevert(
          submitSweep(tx, main, ZERO_ADDRESS, { ...proofOf(tx), txIndexInBlock: 0 }),
          "Tx merkle proof is not valid for provided header and tx hash",
        );
      });

      it("spending another UTXO", async () => {
        const other = bitcoinTx([input(d1), { hash: randomHex(32), index: 0 }, input(d2)], [{ value: BTC, script: p2wpkhScript(w.pubKeyHash) }]);
        await expectRevert(submitSweep(other, main), "Unknown input type");
      });

      it("not spending the main UTXO", async () => {
        const other = bitcoinTx([input(d1), input(d2)], [{ value: 50_000_000n - fee, script: p2wpkhScript(w.pubKeyHash) }]);
        await expectRevert(submitSweep(other, main), "Expected main UTXO not present in sweep transaction inputs");
      });

      it("paying a wrong target: an unregistered wallet, or a P2TR output for an ECDSA wallet", async () => {
        const unknown = bitcoinTx([input(d1), input(main), input(d2)], [{ value: BTC, script: p2wpkhScript(randomHex(20)) }]);
        await expectRevert(submitSweep(unknown, main), "Wallet must be in Live or MovingFunds state");
        const taproot = bitcoinTx([input(d1), input(main), input(d2)], [{ value: BTC, script: p2tr(w.x) }]);
        await expectRevert(submitSweep(taproot, main), "Output must be P2PKH or P2WPKH, or P2TR of a FROST wallet");
      });

      it("no deposit", async () => {
        const none = bitcoinTx([input(main)], [{ value: BTC - fee, script: p2wpkhScript(w.pubKeyHash) }]);
        await expectRevert(submitSweep(none, main), "Sweep transaction must process at least one deposit");
      });

      it("two outputs", async () => {
        const two = bitcoinTx(
          [input(d1), input(main), input(d2)],
          [
            { value: BTC, script: p2wpkhScript(w.pubKeyHash) },
            { value: 1000n, script: p2wpkhScript(w.pubKeyHash) },
          ],
        );
        await expectRevert(submitSweep(two, main), "Sweep transaction must have a single output");
      });

      it("a fee share above depositTxMaxFee, or another vault", async () => {
        const greedy = bitcoinTx([input(d1), input(main), input(d2)], [{ value: BTC + 50_000_000n - 200_001n, script: p2wpkhScript(w.pubKeyHash) }]);
        await expectRevert(submitSweep(greedy, main), "Transaction fee is too high");
        await expectRevert(submitSweep(tx, main, randomHex(20)), "Deposit should be routed to another vault");
      });
    });

    it("sweeps exactly as recordDepositSweep does", async () => {
      const sweepTxHash = txHashOf(tx);
      const newMain = { txHash: sweepTxHash, txOutputIndex: 0, txOutputValue: BTC + 50_000_000n - fee };
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordDepositSweep")(w.pubKeyHash, sweepTxHash, [keyOf(d1), keyOf(d2)], newMain),
        () => submitSweep(tx, main),
        [walletOf(w.pubKeyHash), depositOf(d1.key), depositOf(d2.key)],
      );
      expect((await bridge.wallets(w.pubKeyHash)).mainUtxoHash).toBe(mainUtxoHash(newMain));
      expect(Number((await bridge.deposits(d1.key)).sweptAt)).toBeGreaterThan(0);
    });

    it("refuses the same proof again", async () => {
      await expectRevert(submitSweep(tx, main), "Invalid main UTXO data");
    });
  });

  describe("submitRedemptionProof (ECDSA wallet)", () => {
    scope();
    const w = testWallet(902);
    let main: BitcoinUtxo;
    const s1 = p2wpkhScript(randomHex(20));
    const s2 = p2pkhScript(randomHex(20));
    const amount = 10_000_000n;
    const treasuryFee = amount / 2000n;
    const paid = amount - treasuryFee - 1000n;
    const fee = 2000n;
    let tx: BitcoinTxInfo;
    let change: bigint;

    beforeAll(async () => {
      await registerWallet(f, w);
      main = await fundWallet(f, w.pubKeyHash, BTC);
      for (const s of [s1, s2]) await send(bridge.connect(f.requester).getFunction("requestRedemption")(w.pubKeyHash, main, s, amount));
      change = BTC - 2n * paid - fee;
      tx = bitcoinTx(
        [input(main)],
        [
          { value: paid, script: s1 },
          { value: change, script: p2pkhScript(w.pubKeyHash) },
          { value: paid, script: s2 },
        ],
      );
    });

    context("refused transactions", () => {
      it("paying a redeemer less than the request allows", async () => {
        const less = amount - treasuryFee - 100_000n - 1n;
        const cheat = bitcoinTx(
          [input(main)],
          [
            { value: paid, script: s1 },
            { value: less, script: s2 },
            { value: change + paid - less, script: p2pkhScript(w.pubKeyHash) },
          ],
        );
        await expectRevert(submitRedemption(cheat, main, w.pubKeyHash), "Output value is not within the acceptable range of the pending request");
      });

      it("spending another UTXO", async () => {
        const other = bitcoinTx([{ hash: randomHex(32), index: 0 }], [{ value: paid, script: s1 }]);
        await expectRevert(submitRedemption(other, main, w.pubKeyHash), "Outbound transaction input must point to the wallet's main UTXO");
      });

      it("paying a script nobody requested", async () => {
        const wrong = bitcoinTx(
          [input(main)],
          [
            { value: paid, script: s1 },
            { value: paid, script: p2wpkhScript(randomHex(20)) },
          ],
        );
        await expectRevert(submitRedemption(wrong, main, w.pubKeyHash), "Not a pending redemption request");
      });

      it("only change", async () => {
        const none = bitcoinTx([input(main)], [{ value: BTC - fee, script: p2wpkhScript(w.pubKeyHash) }]);
        await expectRevert(submitRedemption(none, main, w.pubKeyHash), "Redemption transaction must process at least one redemption");
      });

      it("a total fee above redemptionTxMaxTotalFee", async () => {
        const greedy = bitcoinTx(
          [input(main)],
          [
            { value: paid, script: s1 },
            { value: paid, script: s2 },
            { value: BTC - 2n * paid - 1_000_001n, script: p2wpkhScript(w.pubKeyHash) },
          ],
        );
        await expectRevert(submitRedemption(greedy, main, w.pubKeyHash), "Transaction fee is too high");
      });
    });

    it("completes the redemptions exactly as recordRedemption does (P2PKH change as main UTXO)", async () => {
      const redemptionTxHash = txHashOf(tx);
      const newMain = { txHash: redemptionTxHash, txOutputIndex: 1, txOutputValue: change };
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordRedemption")(w.pubKeyHash, redemptionTxHash, [s1, s2], newMain),
        () => submitRedemption(tx, main, w.pubKeyHash),
        [walletOf(w.pubKeyHash), redemptionOf(redemptionKey(s1, w.pubKeyHash)), redemptionOf(redemptionKey(s2, w.pubKeyHash))],
      );
      const wallet = await bridge.wallets(w.pubKeyHash);
      expect(wallet.mainUtxoHash).toBe(mainUtxoHash(newMain));
      expect(wallet.pendingRedemptionsValue).toBe(0n);
    });
  });

  describe("submitMovingFundsProof and submitMovedFundsSweepProof (ECDSA wallets)", () => {
    scope();
    const source = testWallet(903);
    const [t1, t2] = sortedTestWallets(904, 2);
    let main: BitcoinUtxo;
    const balance = 15n * BTC;
    const fee = 4000n;
    const each = (balance - fee) / 2n;
    let tx: BitcoinTxInfo;

    beforeAll(async () => {
      const seat = f.others[3];
      await registerWallet(f, source, [await seat.getAddress()]);
      await registerWallet(f, t1);
      await registerWallet(f, t2);
      main = await fundWallet(f, source.pubKeyHash, balance);
      await send(bridge.beginMovingFunds(source.pubKeyHash));
      // 15 BTC / 10 BTC max transfer → two targets.
      await send(bridge.connect(seat).getFunction("submitMovingFundsCommitment")(source.pubKeyHash, main, 1, [t1.pubKeyHash, t2.pubKeyHash]));
      tx = bitcoinTx(
        [input(main)],
        [
          { value: each, script: p2wpkhScript(t1.pubKeyHash) },
          { value: each, script: p2pkhScript(t2.pubKeyHash) },
        ],
      );
    });

    context("refused transactions", () => {
      it("paying a wrong target", async () => {
        const wrong = bitcoinTx(
          [input(main)],
          [
            { value: each, script: p2wpkhScript(t1.pubKeyHash) },
            { value: each, script: p2wpkhScript(source.pubKeyHash) },
          ],
        );
        await expectRevert(submitMoving(wrong, main, source.pubKeyHash), "Target wallets don't correspond to the commitment");
        const swapped = bitcoinTx(
          [input(main)],
          [
            { value: each, script: p2wpkhScript(t2.pubKeyHash) },
            { value: each, script: p2wpkhScript(t1.pubKeyHash) },
          ],
        );
        await expectRevert(submitMoving(swapped, main, source.pubKeyHash), "Target wallets don't correspond to the commitment");
        const scriptHash = bitcoinTx(
          [input(main)],
          [
            { value: each, script: p2wpkhScript(t1.pubKeyHash) },
            { value: each, script: "0x17a914" + t2.pubKeyHash.slice(2) + "87" },
          ],
        );
        await expectRevert(submitMoving(scriptHash, main, source.pubKeyHash), "Output must be P2PKH or P2WPKH, or P2TR of a FROST wallet");
      });

      it("uneven outputs, another UTXO, a fee above movingFundsTxMaxTotalFee", async () => {
        const uneven = bitcoinTx(
          [input(main)],
          [
            { value: each + 2n, script: p2wpkhScript(t1.pubKeyHash) },
            { value: each - 2n, script: p2wpkhScript(t2.pubKeyHash) },
          ],
        );
        await expectRevert(submitMoving(uneven, main, source.pubKeyHash), "Transaction amount is not distributed evenly");
        const other = bitcoinTx([{ hash: randomHex(32), index: 0 }], [{ value: each, script: p2wpkhScript(t1.pubKeyHash) }]);
        await expectRevert(submitMoving(other, main, source.pubKeyHash), "Outbound transaction input must point to the wallet's main UTXO");
        const greedy = bitcoinTx(
          [input(main)],
          [
            { value: each - 50_001n, script: p2wpkhScript(t1.pubKeyHash) },
            { value: each - 50_001n, script: p2wpkhScript(t2.pubKeyHash) },
          ],
        );
        await expectRevert(submitMoving(greedy, main, source.pubKeyHash), "Transaction fee is too high");
      });
    });

    it("moves the funds exactly as recordMovingFunds does", async () => {
      const movingFundsTxHash = txHashOf(tx);
      await expectSameAsRecord(
        () =>
          bridge.connect(f.maintainer).getFunction("recordMovingFunds")(source.pubKeyHash, movingFundsTxHash, [t1.pubKeyHash, t2.pubKeyHash], [each, each]),
        () => submitMoving(tx, main, source.pubKeyHash),
        [
          walletOf(source.pubKeyHash),
          walletOf(t1.pubKeyHash),
          walletOf(t2.pubKeyHash),
          sweepRequestOf(movedFundsSweepRequestKey(movingFundsTxHash, 0)),
          sweepRequestOf(movedFundsSweepRequestKey(movingFundsTxHash, 1)),
        ],
      );
      expect(Number((await bridge.wallets(source.pubKeyHash)).state)).toBe(WalletState.Closing);
    });

    it("a moved funds sweep spending another wallet's request or another UTXO is refused", async () => {
      const movingFundsTxHash = txHashOf(tx);
      const others = bitcoinTx([{ hash: movingFundsTxHash, index: 1 }], [{ value: each - 1000n, script: p2wpkhScript(t1.pubKeyHash) }]);
      await expectRevert(submitMovedSweep(others, NO_UTXO), "Sweep request does not belong to the wallet");
      const unknown = bitcoinTx([{ hash: randomHex(32), index: 0 }], [{ value: each - 1000n, script: p2wpkhScript(t1.pubKeyHash) }]);
      await expectRevert(submitMovedSweep(unknown, NO_UTXO), "Sweep request is not in Pending state");
      const two = bitcoinTx(
        [
          { hash: movingFundsTxHash, index: 0 },
          { hash: randomHex(32), index: 0 },
        ],
        [{ value: each - 1000n, script: p2wpkhScript(t1.pubKeyHash) }],
      );
      await expectRevert(submitMovedSweep(two, NO_UTXO), "Moved funds sweep transaction must have a proper inputs count");
      const greedy = bitcoinTx([{ hash: movingFundsTxHash, index: 0 }], [{ value: each - 100_001n, script: p2wpkhScript(t1.pubKeyHash) }]);
      await expectRevert(submitMovedSweep(greedy, NO_UTXO), "Transaction fee is too high");
    });

    it("sweeps moved funds exactly as recordMovedFundsSweep does (no main UTXO, then with one)", async () => {
      const movingFundsTxHash = txHashOf(tx);
      const sweep1 = bitcoinTx([{ hash: movingFundsTxHash, index: 0 }], [{ value: each - 1000n, script: p2wpkhScript(t1.pubKeyHash) }]);
      const main1 = { txHash: txHashOf(sweep1), txOutputIndex: 0, txOutputValue: each - 1000n };
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(t1.pubKeyHash, main1.txHash, movingFundsTxHash, 0, main1),
        () => submitMovedSweep(sweep1, NO_UTXO),
        [walletOf(t1.pubKeyHash), sweepRequestOf(movedFundsSweepRequestKey(movingFundsTxHash, 0))],
      );

      const t2Main = await fundWallet(f, t2.pubKeyHash, BTC);
      const sweep2 = bitcoinTx(
        [
          { hash: movingFundsTxHash, index: 1 },
          { hash: t2Main.txHash, index: 0 },
        ],
        [{ value: each + BTC - 1500n, script: p2pkhScript(t2.pubKeyHash) }],
      );
      const main2 = { txHash: txHashOf(sweep2), txOutputIndex: 0, txOutputValue: each + BTC - 1500n };
      await expectRevert(submitMovedSweep(sweep2, NO_UTXO), "Invalid main UTXO data");
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(t2.pubKeyHash, main2.txHash, movingFundsTxHash, 1, main2),
        () => submitMovedSweep(sweep2, t2Main),
        [walletOf(t2.pubKeyHash), sweepRequestOf(movedFundsSweepRequestKey(movingFundsTxHash, 1))],
      );
      expect(Number((await bridge.wallets(t2.pubKeyHash)).pendingMovedFundsSweepRequestsCount)).toBe(0);
    });
  });

  describe("a FROST wallet with P2TR outputs through every proof", () => {
    scope();
    let a: { walletX: string; pkh: string; member: FrostFixture["others"][number] };
    let b: { walletX: string; pkh: string };
    let main: BitcoinUtxo;

    beforeAll(async () => {
      const ra = await registerFrostWallet(f, 3, 2, "spv-a");
      const rb = await registerFrostWallet(f, 3, 2, "spv-b");
      a = { walletX: ra.walletX, pkh: xOnlyPubKeyHash(ra.walletX), member: ra.members[0] };
      b = { walletX: rb.walletX, pkh: xOnlyPubKeyHash(rb.walletX) };
    });

    it("sweeps Taproot deposits into a P2TR main UTXO exactly as recordDepositSweep does; P2WPKH to the FROST PKH is refused", async () => {
      const latest = await f.net.networkHelpers.time.latest();
      const deposits: TestTaprootDeposit[] = [];
      for (let i = 0; i < 2; i++) {
        const depositor = f.others[i];
        const d = createTaprootDeposit({ walletX: a.walletX, depositor: await depositor.getAddress(), revealedAt: latest, value: 30_000_000n });
        await send(bridge.connect(depositor).getFunction("revealTaprootDeposit")(d.extraInfo.fundingTx, d.reveal));
        deposits.push(d);
      }
      const inputs = deposits.map((d) => ({ hash: d.key.fundingTxHash, index: d.key.fundingOutputIndex }));
      const value = 60_000_000n - 4000n;
      const wrong = bitcoinTx(inputs, [{ value, script: p2wpkhScript(a.pkh) }]);
      await expectRevert(submitSweep(wrong, NO_UTXO), "Output must be P2PKH or P2WPKH, or P2TR of a FROST wallet");

      const tx = bitcoinTx(inputs, [{ value, script: p2tr(a.walletX) }]);
      main = { txHash: txHashOf(tx), txOutputIndex: 0, txOutputValue: value };
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordDepositSweep")(a.pkh, main.txHash, deposits.map((d) => d.key), main),
        () => submitSweep(tx, NO_UTXO),
        [walletOf(a.pkh), ...deposits.map((d) => depositOf(depositKey(d.key.fundingTxHash, d.key.fundingOutputIndex)))],
      );
    });

    it("redeems with P2TR change exactly as recordRedemption does", async () => {
      const script = p2wpkhScript(randomHex(20));
      await send(bridge.connect(f.requester).getFunction("requestRedemption")(a.pkh, main, script, 10_000_000n));
      const paid = 10_000_000n - 5000n - 3000n;
      const change = main.txOutputValue - paid - 3000n;
      const tx = bitcoinTx(
        [input(main)],
        [
          { value: paid, script },
          { value: change, script: p2tr(a.walletX) },
        ],
      );
      const newMain = { txHash: txHashOf(tx), txOutputIndex: 1, txOutputValue: change };
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordRedemption")(a.pkh, newMain.txHash, [script], newMain),
        () => submitRedemption(tx, main, a.pkh),
        [walletOf(a.pkh), redemptionOf(redemptionKey(script, a.pkh))],
      );
      main = newMain;
    });

    it("moves funds to B's P2TR output and B sweeps them, exactly as the record calls do", async () => {
      await send(bridge.connect(f.governance).getFunction("beginMovingFunds")(a.pkh));
      await send(bridge.connect(a.member).getFunction("submitMovingFundsCommitment")(a.pkh, main, 1, [b.pkh]));
      const moved = main.txOutputValue - 2000n;
      const movingTx = bitcoinTx([input(main)], [{ value: moved, script: p2tr(b.walletX) }]);
      const movingFundsTxHash = txHashOf(movingTx);
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordMovingFunds")(a.pkh, movingFundsTxHash, [b.pkh], [moved]),
        () => submitMoving(movingTx, main, a.pkh),
        [walletOf(a.pkh), walletOf(b.pkh), sweepRequestOf(movedFundsSweepRequestKey(movingFundsTxHash, 0))],
      );

      const sweepTx = bitcoinTx([{ hash: movingFundsTxHash, index: 0 }], [{ value: moved - 1500n, script: p2tr(b.walletX) }]);
      const bMain = { txHash: txHashOf(sweepTx), txOutputIndex: 0, txOutputValue: moved - 1500n };
      await expectSameAsRecord(
        () => bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(b.pkh, bMain.txHash, movingFundsTxHash, 0, bMain),
        () => submitMovedSweep(sweepTx, NO_UTXO),
        [walletOf(b.pkh), sweepRequestOf(movedFundsSweepRequestKey(movingFundsTxHash, 0))],
      );
      expect((await bridge.wallets(b.pkh)).mainUtxoHash).toBe(mainUtxoHash(bMain));
    });
  });
});
