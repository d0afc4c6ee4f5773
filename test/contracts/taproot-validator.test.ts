// validateTaprootDepositSweepProposal (threshold.md §4.4) against the Bridge stub: the cases of the
// ECDSA deposit sweep parity (contracts.md §6.1) where they apply, in the same check order, with the
// Taproot output check (key bindings of walletX and refundX included) in place of the script-hash match.
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import { fromHex } from "../../src/util/hex.js";
import { DAY, DEPOSIT_LOCKTIME, p2wshOutputScript, reverseHex, txOutput } from "./helpers/bitcoin-fixtures.js";
import { walletStruct } from "./helpers/bridge-state.js";
import { closeNet, deployValidatorFixture, expectRevert, expectTrue, lastBlockTime, snapshotScope, type Net } from "./helpers/evm.js";
import { createTaprootDeposit, randomXOnlyKey, xOnlyPubKeyHash, type TestTaprootDeposit } from "./helpers/taproot-fixtures.js";

const context = describe;

const walletX = randomXOnlyKey().x;
const walletPubKeyHash = xOnlyPubKeyHash(walletX);
const vault = "0x2553E09f832c9f5C656808bb7A24793818877732";
const MISMATCH = "Extra info funding output script does not match";

let net: Net;
let bridge: Contract;
let validator: Contract;

beforeAll(async () => {
  ({ net, bridge, validator } = await deployValidatorFixture());
  await (await bridge.setDepositParameters(0, 0, 10_000n, 0)).wait();
});

afterAll(async () => {
  await closeNet(net);
});

const scope = (): void => snapshotScope(() => net);
const dayOld = async (): Promise<number> => (await lastBlockTime(net)) - DAY;

async function stub(...deposits: TestTaprootDeposit[]): Promise<void> {
  for (const d of deposits) await (await bridge.setDeposit(d.storageKey, d.request)).wait();
}

async function fresh(o: Partial<Parameters<typeof createTaprootDeposit>[0]> = {}): Promise<TestTaprootDeposit> {
  return createTaprootDeposit({ walletX, vault, revealedAt: await dayOld(), ...o });
}

function sweep(deposits: TestTaprootDeposit[], sweepTxFee: bigint, extra = deposits.map((d) => d.extraInfo)): Promise<unknown> {
  return validator.validateTaprootDepositSweepProposal(
    { walletPubKeyHash, depositsKeys: deposits.map((d) => d.key), sweepTxFee, depositsRevealBlocks: [] },
    extra,
  );
}

describe("validateTaprootDepositSweepProposal", () => {
  for (const state of [WalletState.Unknown, WalletState.Closing, WalletState.Closed, WalletState.Terminated]) {
    it(`wallet ${WalletState[state]}: Wallet is not in Live or MovingFunds state`, async () => {
      await (await bridge.setWallet(walletPubKeyHash, walletStruct(state))).wait();
      await expectRevert(sweep([], 0n), "Wallet is not in Live or MovingFunds state");
    });
  }

  for (const state of [WalletState.Live, WalletState.MovingFunds]) {
    context(`wallet ${WalletState[state]}`, () => {
      scope();
      beforeAll(async () => {
        await (await bridge.setWallet(walletPubKeyHash, walletStruct(state))).wait();
      });

      it("size and extra-info count: min size, max size, matching extra info", async () => {
        const d = await fresh();
        await expectRevert(sweep([], 0n), "Sweep below the min size");
        await expectRevert(sweep(new Array(21).fill(d), 0n), "Sweep exceeds the max size");
        await expectRevert(sweep([d], 0n, [d.extraInfo, d.extraInfo]), "Each deposit key must have matching extra info");
      });

      it("fee: zero, above depositTxMaxFee for 2 deposits", async () => {
        const [one, two] = [await fresh(), await fresh()];
        await stub(one, two);
        await expectRevert(sweep([one, two], 0n), "Proposed transaction fee cannot be zero");
        await expectRevert(sweep([one, two], 2n * 10_000n + 1n), "Proposed transaction fee is too high");
      });

      it("per deposit, Bridge side: not revealed, min age, already swept", async () => {
        const one = await fresh();
        const [a, b, c] = [await fresh(), await fresh(), await fresh()];
        await stub(one, { ...a, request: { ...a.request, revealedAt: 0 } });
        await stub({ ...b, request: { ...b.request, revealedAt: await lastBlockTime(net) } });
        await stub({ ...c, request: { ...c.request, sweptAt: await lastBlockTime(net) } });
        await expectRevert(sweep([one, a], 5000n), "Deposit not revealed");
        await expectRevert(sweep([one, b], 5000n), "Deposit min age not achieved yet");
        await expectRevert(sweep([one, c], 5000n), "Deposit already swept");
      });

      it("extra info: funding tx hash, then every output mismatch under one message", async () => {
        const d = await fresh();
        await stub(d);
        const withInfo = (patch: Partial<TestTaprootDeposit["extraInfo"]>): TestTaprootDeposit => ({ ...d, extraInfo: { ...d.extraInfo, ...patch } });
        await expectRevert(sweep([withInfo({ fundingTx: { ...d.extraInfo.fundingTx, version: "0x02000000" } })], 5000n), "Extra info funding tx hash does not match");
        // The tx hash comes first even when the output would not match either.
        await expectRevert(sweep([withInfo({ fundingTx: { ...d.extraInfo.fundingTx, version: "0x02000000" }, blindingFactor: reverseHex(d.extraInfo.blindingFactor) })], 5000n), "Extra info funding tx hash does not match");
        await expectRevert(sweep([withInfo({ blindingFactor: reverseHex(d.extraInfo.blindingFactor) })], 5000n), MISMATCH);
        await expectRevert(sweep([withInfo({ refundX: randomXOnlyKey().x })], 5000n), MISMATCH);
        // walletX not the key of the wallet PKH, refundX not the key of the refund PKH.
        const other = randomXOnlyKey().x;
        await expectRevert(sweep([withInfo({ walletX: other })], 5000n), MISMATCH);
        await expectRevert(sweep([withInfo({ refundPubKeyHash: xOnlyPubKeyHash(other) })], 5000n), MISMATCH);
        // A deposit whose output is the right P2TR key but whose extra info names the wallet by another PKH.
        await expectRevert(sweep([withInfo({ walletPubKeyHash: reverseHex(walletPubKeyHash) })], 5000n), MISMATCH);
      });

      it("extra info: a P2WSH funding output of the leaf is no Taproot deposit", async () => {
        const d = await fresh({ output: (leaf) => p2wshOutputScript(leaf) });
        await stub(d);
        await expectRevert(sweep([d], 5000n), MISMATCH);
      });

      it("refund safety margin", async () => {
        const one = await fresh();
        const refundableAt = (await lastBlockTime(net)) + DAY;
        const two = await fresh({ revealedAt: refundableAt - DEPOSIT_LOCKTIME });
        await stub(one, two);
        await expectRevert(sweep([one, two], 5000n), "Deposit refund safety margin is not preserved");
      });

      it("a deposit controlled by a different wallet (its own key, its own PKH)", async () => {
        const one = await fresh();
        const two = await fresh({ walletX: randomXOnlyKey().x });
        await stub(one, two);
        await expectRevert(sweep([one, two], 5000n), "Deposit controlled by different wallet");
      });

      it("a deposit targeting a different vault", async () => {
        const one = await fresh();
        const two = await fresh({ vault: reverseHex(vault) });
        await stub(one, two);
        await expectRevert(sweep([one, two], 5000n), "Deposit targets different vault");
      });

      it("duplicated deposits; a duplicate that is also unrevealed reports Deposit not revealed", async () => {
        const [one, two, three] = [await fresh(), await fresh(), await fresh()];
        await stub(one, two, three);
        await expectRevert(sweep([one, two, three, two], 5000n), "Duplicated deposit");
        const hidden = await fresh();
        await expectRevert(sweep([one, hidden, hidden], 5000n), "Deposit not revealed");
      });

      it("three valid deposits (one with extra data, one at output index 1) → true; 20 → true", async () => {
        const deposits = [
          await fresh(),
          await fresh({ extraData: "0xa9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda" }),
          await fresh({ outputsBefore: [txOutput(5000n, fromHex("160014" + "11".repeat(20)))] }),
        ];
        await stub(...deposits);
        await expectTrue(sweep(deposits, 5000n));
        const twenty = await Promise.all(Array.from({ length: 20 }, () => fresh()));
        await stub(...twenty);
        await expectTrue(sweep(twenty, 20_000n));
        // The ECDSA function does not take them: its extra info has no Taproot form.
        expect(validator.validateTaprootDepositSweepProposal.fragment.selector).not.toBe(validator.validateDepositSweepProposal.fragment.selector);
      });
    });
  }
});
