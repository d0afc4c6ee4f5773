// WalletProposalValidator against the real Bridge (contracts.md §6.4,
// end-to-end at the contract level): state created through the Bridge's own
// functions validates, and each recording invalidates what it settles.
import type { Contract, Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomHex, type BitcoinUtxo } from "./helpers/bitcoin-fixtures.js";
import { closeNet, expectRevert, expectTrue, snapshotScope } from "./helpers/evm.js";
import {
  deployBridgeFixture,
  fundWallet,
  p2pkhScript,
  p2wpkhScript,
  registerWallet,
  send,
  sortedTestWallets,
  testFunding,
  testWallet,
  type BridgeFixture,
  type TestFunding,
} from "./helpers/bridge-fixture.js";

const context = describe;

let f: BridgeFixture;
let bridge: Contract;
let validator: Contract;
let depositor: Signer;

beforeAll(async () => {
  f = await deployBridgeFixture();
  bridge = f.bridge;
  validator = (await f.net.ethers.deployContract("WalletProposalValidator", [await bridge.getAddress()])) as unknown as Contract;
  depositor = f.others[3];
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);
const HOUR = 3600;

const extraInfo = (d: TestFunding) => ({
  fundingTx: d.fundingTx,
  blindingFactor: d.reveal.blindingFactor,
  walletPubKeyHash: d.reveal.walletPubKeyHash,
  refundPubKeyHash: d.reveal.refundPubKeyHash,
  refundLocktime: d.reveal.refundLocktime,
});
const keyOf = (d: TestFunding) => ({ fundingTxHash: d.fundingTxHash, fundingOutputIndex: d.reveal.fundingOutputIndex });

describe("WalletProposalValidator against the real Bridge", () => {
  it("exposes the Bridge it validates against", async () => {
    expect(await validator.bridge()).toBe(await bridge.getAddress());
  });

  describe("deposit sweep", () => {
    const w = testWallet(401);
    scope();
    const deposits: TestFunding[] = [];
    beforeAll(async () => {
      await registerWallet(f, w);
      const who = await depositor.getAddress();
      const now = await f.net.networkHelpers.time.latest();
      deposits.push(testFunding(now, { depositor: who, walletPubKeyHash: w.pubKeyHash }));
      deposits.push(testFunding(now, { depositor: who, walletPubKeyHash: w.pubKeyHash, witness: false }));
      deposits.push(testFunding(now, { depositor: who, walletPubKeyHash: w.pubKeyHash, extraData: randomHex(32) }));
      await send(bridge.connect(depositor).getFunction("revealDeposit")(deposits[0].fundingTx, deposits[0].reveal));
      await send(bridge.connect(depositor).getFunction("revealDeposit")(deposits[1].fundingTx, deposits[1].reveal));
      await send(
        bridge.connect(depositor).getFunction("revealDepositWithExtraData")(deposits[2].fundingTx, deposits[2].reveal, deposits[2].extraData),
      );
    });

    const validate = () =>
      validator.validateDepositSweepProposal(
        { walletPubKeyHash: w.pubKeyHash, depositsKeys: deposits.map(keyOf), sweepTxFee: 30_000n, depositsRevealBlocks: [] },
        deposits.map(extraInfo),
      );

    context("when the deposits are younger than 2 hours", () => {
      it("should reject the proposal", async () => {
        await expectRevert(validate(), "Deposit min age not achieved yet");
      });
    });

    context("when the deposits are old enough", () => {
      scope();
      beforeAll(async () => {
        await f.net.networkHelpers.time.increase(2 * HOUR + 1);
      });

      it("should accept P2WSH, P2SH and extra-data deposits revealed through the Bridge", async () => {
        await expectTrue(validate());
      });

      context("when the sweep is recorded", () => {
        scope();
        it("should reject the proposal as already swept", async () => {
          const tx = randomHex(32);
          await send(
            bridge.connect(f.maintainer).getFunction("recordDepositSweep")(w.pubKeyHash, tx, deposits.map(keyOf), {
              txHash: tx,
              txOutputIndex: 0,
              txOutputValue: 29_970_000n,
            }),
          );
          await expectRevert(validate(), "Deposit already swept");
        });
      });
    });
  });

  describe("redemption", () => {
    const w = testWallet(402);
    const scripts = [p2wpkhScript(randomHex(20)), p2pkhScript(randomHex(20))];
    let utxo: BitcoinUtxo;
    scope();
    beforeAll(async () => {
      await registerWallet(f, w);
      utxo = await fundWallet(f, w.pubKeyHash, 10_000_000n);
      for (const s of scripts) {
        await send(bridge.connect(f.requester).getFunction("requestRedemption")(w.pubKeyHash, utxo, s, 2_000_000n));
      }
    });

    const validate = (fee: bigint) =>
      validator.validateRedemptionProposal({ walletPubKeyHash: w.pubKeyHash, redeemersOutputScripts: scripts, redemptionTxFee: fee });

    context("when the requests are younger than 10 minutes", () => {
      it("should reject the proposal", async () => {
        await expectRevert(validate(10_000n), "Redemption request min age not achieved yet");
      });
    });

    context("when the requests are old enough", () => {
      scope();
      beforeAll(async () => {
        await f.net.networkHelpers.time.increase(601);
      });

      it("should accept the proposal", async () => {
        await expectTrue(validate(10_000n));
      });

      it("should check each request's txMaxFee snapshot (100 000)", async () => {
        await expectTrue(validate(200_000n));
        await expectRevert(validate(200_001n), "Proposed transaction per-request fee share is too high");
      });

      context("when the redemption is recorded", () => {
        scope();
        it("should reject the proposal as not pending", async () => {
          const tx = randomHex(32);
          await send(
            bridge.connect(f.maintainer).getFunction("recordRedemption")(w.pubKeyHash, tx, scripts, {
              txHash: tx,
              txOutputIndex: 2,
              txOutputValue: 6_000_000n,
            }),
          );
          await expectRevert(validate(10_000n), "Not a pending redemption request");
        });
      });
    });
  });

  describe("moving funds and moved funds sweep", () => {
    const source = testWallet(403);
    const [t1, t2] = sortedTestWallets(404, 2);
    const movingFundsTxHash = randomHex(32);
    let utxo: BitcoinUtxo;
    scope();
    beforeAll(async () => {
      await registerWallet(f, source);
      await registerWallet(f, t1);
      await registerWallet(f, t2);
      utxo = await fundWallet(f, source.pubKeyHash, 15n * 100_000_000n);
      await send(bridge.beginMovingFunds(source.pubKeyHash));
    });

    const validateMoving = (fee: bigint) =>
      validator.validateMovingFundsProposal(
        { walletPubKeyHash: source.pubKeyHash, targetWallets: [t1.pubKeyHash, t2.pubKeyHash], movingFundsTxFee: fee },
        utxo,
      );
    const validateSweep = (pkh: string, index: number) =>
      validator.validateMovedFundsSweepProposal({
        walletPubKeyHash: pkh,
        movingFundsTxHash,
        movingFundsTxOutputIndex: index,
        movedFundsSweepTxFee: 20_000n,
      });

    context("before the commitment", () => {
      it("should reject the moving funds proposal", async () => {
        await expectRevert(validateMoving(10_000n), "Target wallets commitment is not submitted");
      });
    });

    context("after the commitment", () => {
      scope();
      beforeAll(async () => {
        await send(
          bridge.connect(f.governance).getFunction("submitMovingFundsCommitment")(source.pubKeyHash, utxo, 1, [
            t1.pubKeyHash,
            t2.pubKeyHash,
          ]),
        );
      });

      it("should accept the moving funds proposal", async () => {
        await expectTrue(validateMoving(100_000n));
        await expectRevert(validateMoving(100_001n), "Proposed transaction fee is too high");
      });

      context("after the moving funds transaction is recorded", () => {
        scope();
        beforeAll(async () => {
          await send(
            bridge.connect(f.maintainer).getFunction("recordMovingFunds")(
              source.pubKeyHash,
              movingFundsTxHash,
              [t1.pubKeyHash, t2.pubKeyHash],
              [10n * 100_000_000n, 5n * 100_000_000n - 10_000n],
            ),
          );
        });

        it("should reject the moving funds proposal (source is Closing)", async () => {
          await expectRevert(validateMoving(10_000n), "Source wallet is not in MovingFunds state");
        });

        it("should accept each target's moved funds sweep", async () => {
          await expectTrue(validateSweep(t1.pubKeyHash, 0));
          await expectTrue(validateSweep(t2.pubKeyHash, 1));
          await expectRevert(validateSweep(t2.pubKeyHash, 0), "Sweep request does not belong to the wallet");
        });

        it("should reject a recorded sweep", async () => {
          const tx = randomHex(32);
          await send(
            bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(t1.pubKeyHash, tx, movingFundsTxHash, 0, {
              txHash: tx,
              txOutputIndex: 0,
              txOutputValue: 10n * 100_000_000n - 5000n,
            }),
          );
          await expectRevert(validateSweep(t1.pubKeyHash, 0), "Sweep request is not in Pending state");
        });
      });
    });
  });

  describe("heartbeat", () => {
    it("should accept a valid message and reject others", async () => {
      await expectTrue(validator.validateHeartbeatProposal({ walletPubKeyHash: randomHex(20), message: "0x" + "ff".repeat(8) + "00".repeat(8) }));
      await expectRevert(
        validator.validateHeartbeatProposal({ walletPubKeyHash: randomHex(20), message: "0x" + "ff".repeat(16) + "00" }),
        "Not a valid heartbeat message",
      );
    });
  });
});
