// WalletProposalValidator parity: the 95 upstream cases of contracts.md §6.1.
// Nested contexts mirror the check order; each context runs in its own chain
// snapshot on top of its parents' setup.
import type { Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import {
  DAY,
  DEPOSIT_LOCKTIME,
  ZERO_ADDRESS,
  ZERO_BYTES32,
  createTestDeposit,
  createTestRedemption,
  mainUtxoHash,
  movedFundsSweepRequestKey,
  reverseHex,
  targetWalletsCommitment,
  type BitcoinUtxo,
  type DepositExtraInfo,
  type TestDeposit,
  type TestRedemption,
} from "./helpers/bitcoin-fixtures.js";
import { MovedFundsSweepRequestState, walletStruct } from "./helpers/bridge-state.js";
import {
  closeNet,
  deployValidatorFixture,
  expectRevert,
  expectTrue,
  lastBlockTime,
  mineAt,
  snapshotScope,
  type Net,
} from "./helpers/evm.js";

const context = describe;

const walletPubKeyHash = "0x7ac2d9378a1c47e589dfb8095ca95ed2140d2726";
const ecdsaWalletID = "0x4ad6b3ccbca81645865d8d0d575797a15528e98ced22f29a6f906d3259569863";

const stateName = (s: WalletState): string => WalletState[s];

const emptyDepositExtraInfo: DepositExtraInfo = {
  fundingTx: { version: "0x00000000", inputVector: ZERO_BYTES32, outputVector: ZERO_BYTES32, locktime: "0x00000000" },
  blindingFactor: "0x0000000000000000",
  walletPubKeyHash: ZERO_ADDRESS,
  refundPubKeyHash: ZERO_ADDRESS,
  refundLocktime: "0x00000000",
};

let net: Net;
let bridge: Contract;
let validator: Contract;

beforeAll(async () => {
  ({ net, bridge, validator } = await deployValidatorFixture());
});

afterAll(async () => {
  await closeNet(net);
});

const scope = (): void => snapshotScope(() => net);

async function setWalletState(state: WalletState, overrides: Parameters<typeof walletStruct>[1] = {}): Promise<void> {
  await (await bridge.setWallet(walletPubKeyHash, walletStruct(state, { ecdsaWalletID, ...overrides }))).wait();
}

describe("WalletProposalValidator (parity)", () => {
  describe("validateDepositSweepProposal", () => {
    const vault = "0x2553E09f832c9f5C656808bb7A24793818877732";
    const bridgeDepositTxMaxFee = 10000n;

    scope();
    beforeAll(async () => {
      await (await bridge.setDepositParameters(0, 0, bridgeDepositTxMaxFee, 0)).wait();
    });

    async function stubDeposits(...deposits: TestDeposit[]): Promise<void> {
      for (const d of deposits) await (await bridge.setDeposit(d.storageKey, d.request)).wait();
    }

    /** Proposal and extra info, in the given order (duplicates allowed). */
    function sweep(deposits: TestDeposit[], sweepTxFee: bigint): Promise<unknown> {
      return validator.validateDepositSweepProposal(
        { walletPubKeyHash, depositsKeys: deposits.map((d) => d.key), sweepTxFee, depositsRevealBlocks: [] },
        deposits.map((d) => d.extraInfo),
      );
    }

    /** Default reveal time: one day before the latest block, so the min age holds. */
    async function dayOld(): Promise<number> {
      return (await lastBlockTime(net)) - DAY;
    }

    context("when wallet is in incorrect state", () => {
      for (const state of [WalletState.Unknown, WalletState.Closing, WalletState.Closed, WalletState.Terminated]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          it("should revert", async () => {
            await expectRevert(
              validator.validateDepositSweepProposal({ walletPubKeyHash, depositsKeys: [], sweepTxFee: 0, depositsRevealBlocks: [] }, []),
              "Wallet is not in Live or MovingFunds state",
            );
          });
        });
      }
    });

    context("when wallet is in correct state", () => {
      for (const state of [WalletState.Live, WalletState.MovingFunds]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          context("when sweep is below the min size", () => {
            it("should revert", async () => {
              await expectRevert(
                validator.validateDepositSweepProposal({ walletPubKeyHash, depositsKeys: [], sweepTxFee: 0, depositsRevealBlocks: [] }, []),
                "Sweep below the min size",
              );
            });
          });

          context("when sweep is above the min size", () => {
            context("when sweep exceeds the max size", () => {
              it("should revert", async () => {
                const maxSize = Number(await validator.DEPOSIT_SWEEP_MAX_SIZE());
                const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
                const depositsKeys = new Array(maxSize + 1).fill(d.key);
                await expectRevert(
                  validator.validateDepositSweepProposal({ walletPubKeyHash, depositsKeys, sweepTxFee: 0, depositsRevealBlocks: [] }, []),
                  "Sweep exceeds the max size",
                );
              });
            });

            context("when sweep does not exceed the max size", () => {
              context("when deposit extra info length does not match", () => {
                it("should revert", async () => {
                  const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
                  await expectRevert(
                    validator.validateDepositSweepProposal(
                      { walletPubKeyHash, depositsKeys: [d.key], sweepTxFee: 0, depositsRevealBlocks: [] },
                      [emptyDepositExtraInfo, emptyDepositExtraInfo],
                    ),
                    "Each deposit key must have matching extra info",
                  );
                });
              });

              context("when deposit extra info length matches", () => {
                context("when proposed sweep tx fee is invalid", () => {
                  context("when proposed sweep tx fee is zero", () => {
                    let one: TestDeposit;
                    let two: TestDeposit;
                    scope();
                    beforeAll(async () => {
                      one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                      two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                      await stubDeposits(one, two);
                    });

                    it("should revert", async () => {
                      await expectRevert(sweep([one, two], 0n), "Proposed transaction fee cannot be zero");
                    });
                  });

                  context("when proposed sweep tx fee is greater than the allowed", () => {
                    let one: TestDeposit;
                    let two: TestDeposit;
                    scope();
                    beforeAll(async () => {
                      one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                      two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                      await stubDeposits(one, two);
                    });

                    it("should revert", async () => {
                      // Exceed the max per-deposit fee by one.
                      await expectRevert(sweep([one, two], bridgeDepositTxMaxFee * 2n + 1n), "Proposed transaction fee is too high");
                    });
                  });
                });

                context("when proposed sweep tx fee is valid", () => {
                  const sweepTxFee = 5000n;

                  context("when there is a non-revealed deposit", () => {
                    let one: TestDeposit;
                    let two: TestDeposit;
                    scope();
                    beforeAll(async () => {
                      one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                      two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                      await stubDeposits(one, { ...two, request: { ...two.request, revealedAt: 0 } });
                    });

                    it("should revert", async () => {
                      await expectRevert(sweep([one, two], sweepTxFee), "Deposit not revealed");
                    });
                  });

                  context("when all deposits are revealed", () => {
                    context("when there is an immature deposit", () => {
                      let one: TestDeposit;
                      let two: TestDeposit;
                      scope();
                      beforeAll(async () => {
                        one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                        two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                        // Deposit two has just been revealed.
                        await stubDeposits(one, { ...two, request: { ...two.request, revealedAt: await lastBlockTime(net) } });
                      });

                      it("should revert", async () => {
                        await expectRevert(sweep([one, two], sweepTxFee), "Deposit min age not achieved yet");
                      });
                    });

                    context("when all deposits achieved the min age", () => {
                      context("when there is an already swept deposit", () => {
                        let one: TestDeposit;
                        let two: TestDeposit;
                        scope();
                        beforeAll(async () => {
                          one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                          two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                          await stubDeposits(one, { ...two, request: { ...two.request, sweptAt: await lastBlockTime(net) } });
                        });

                        it("should revert", async () => {
                          await expectRevert(sweep([one, two], sweepTxFee), "Deposit already swept");
                        });
                      });

                      context("when all deposits are not swept yet", () => {
                        context("when there is a deposit with invalid extra info", () => {
                          context("when funding tx hashes don't match", () => {
                            let d: TestDeposit;
                            scope();
                            beforeAll(async () => {
                              d = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                              await stubDeposits(d);
                            });

                            it("should revert", async () => {
                              // A different version than the 01000000 the hash was computed from.
                              const corrupted = { ...d, extraInfo: { ...d.extraInfo, fundingTx: { ...d.extraInfo.fundingTx, version: "0x02000000" } } };
                              await expectRevert(sweep([corrupted], sweepTxFee), "Extra info funding tx hash does not match");
                            });
                          });

                          for (const witness of [false, true]) {
                            const size = witness ? "32-byte" : "20-byte";
                            context(`when ${size} funding output hash does not match`, () => {
                              let d: TestDeposit;
                              scope();
                              beforeAll(async () => {
                                d = createTestDeposit(walletPubKeyHash, vault, { witness, revealedAt: await dayOld() });
                                await stubDeposits(d);
                              });

                              it("should revert", async () => {
                                // The reversed blinding factor yields a different script.
                                const corrupted = { ...d, extraInfo: { ...d.extraInfo, blindingFactor: reverseHex(d.extraInfo.blindingFactor) } };
                                await expectRevert(sweep([corrupted], sweepTxFee), "Extra info funding output script does not match");
                              });
                            });
                          }
                        });

                        context("when all deposits extra info are valid", () => {
                          context("when there is a deposit that violates the refund safety margin", () => {
                            let one: TestDeposit;
                            let two: TestDeposit;
                            scope();
                            beforeAll(async () => {
                              one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                              // Refundable at (last block time + margin): the margin is already violated.
                              const margin = Number(await validator.DEPOSIT_REFUND_SAFETY_MARGIN());
                              const refundableAt = (await lastBlockTime(net)) + margin;
                              two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: refundableAt - DEPOSIT_LOCKTIME });
                              await stubDeposits(one, two);
                            });

                            it("should revert", async () => {
                              await expectRevert(sweep([one, two], sweepTxFee), "Deposit refund safety margin is not preserved");
                            });
                          });

                          context("when all deposits preserve the refund safety margin", () => {
                            context("when there is a deposit controlled by a different wallet", () => {
                              let one: TestDeposit;
                              let two: TestDeposit;
                              scope();
                              beforeAll(async () => {
                                one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                                two = createTestDeposit(reverseHex(walletPubKeyHash), vault, { witness: false, revealedAt: await dayOld() });
                                await stubDeposits(one, two);
                              });

                              it("should revert", async () => {
                                await expectRevert(sweep([one, two], sweepTxFee), "Deposit controlled by different wallet");
                              });
                            });

                            context("when all deposits are controlled by the same wallet", () => {
                              context("when there is a deposit targeting a different vault", () => {
                                let one: TestDeposit;
                                let two: TestDeposit;
                                scope();
                                beforeAll(async () => {
                                  one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                                  two = createTestDeposit(walletPubKeyHash, reverseHex(vault), { witness: false, revealedAt: await dayOld() });
                                  await stubDeposits(one, two);
                                });

                                it("should revert", async () => {
                                  await expectRevert(sweep([one, two], sweepTxFee), "Deposit targets different vault");
                                });
                              });

                              context("when all deposits targets the same vault", () => {
                                context("when there are duplicated deposits", () => {
                                  let one: TestDeposit;
                                  let two: TestDeposit;
                                  let three: TestDeposit;
                                  scope();
                                  beforeAll(async () => {
                                    one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                                    two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                                    three = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                                    await stubDeposits(one, two, three);
                                  });

                                  it("should revert", async () => {
                                    await expectRevert(sweep([one, two, three, two], sweepTxFee), "Duplicated deposit");
                                  });
                                });

                                context("when all deposits are unique", () => {
                                  let one: TestDeposit;
                                  let two: TestDeposit;
                                  let three: TestDeposit;
                                  scope();
                                  beforeAll(async () => {
                                    one = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt: await dayOld() });
                                    two = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt: await dayOld() });
                                    // Embedded 32-byte extra data: the 126-byte script variant.
                                    three = createTestDeposit(walletPubKeyHash, vault, {
                                      witness: true,
                                      revealedAt: await dayOld(),
                                      extraData: "0xa9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda",
                                    });
                                    expect(three.script.length).toBe(126);
                                    await stubDeposits(one, two, three);
                                  });

                                  it("should succeed", async () => {
                                    await expectTrue(sweep([one, two, three], sweepTxFee));
                                  });
                                });
                              });
                            });
                          });
                        });
                      });
                    });
                  });
                });
              });
            });
          });
        });
      }
    });
  });

  describe("validateRedemptionProposal", () => {
    const bridgeRedemptionTxMaxTotalFee = 10000n;
    const bridgeRedemptionTimeout = 5 * DAY;

    scope();
    beforeAll(async () => {
      await (await bridge.setRedemptionParameters(0, 0, 0, bridgeRedemptionTxMaxTotalFee, bridgeRedemptionTimeout, 0, 0)).wait();
    });

    async function stubRequests(...requests: TestRedemption[]): Promise<void> {
      for (const r of requests) await (await bridge.setPendingRedemption(r.storageKey, r.request)).wait();
    }

    function redeem(requests: TestRedemption[], redemptionTxFee: bigint): Promise<unknown> {
      return validator.validateRedemptionProposal({
        walletPubKeyHash,
        redeemersOutputScripts: requests.map((r) => r.redeemerOutputScript),
        redemptionTxFee,
      });
    }

    async function dayOldRequest(txMaxFee: bigint = 0n): Promise<TestRedemption> {
      return createTestRedemption(walletPubKeyHash, (await lastBlockTime(net)) - DAY, txMaxFee);
    }

    async function deployWatchtower(): Promise<Contract> {
      const watchtower = (await net.ethers.deployContract("RedemptionWatchtowerStub")) as unknown as Contract;
      await (await bridge.setRedemptionWatchtower(await watchtower.getAddress())).wait();
      return watchtower;
    }

    context("when wallet is in incorrect state", () => {
      for (const state of [WalletState.Unknown, WalletState.Closing, WalletState.Closed, WalletState.Terminated]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          it("should revert", async () => {
            await expectRevert(
              validator.validateRedemptionProposal({ walletPubKeyHash, redeemersOutputScripts: [], redemptionTxFee: 0 }),
              "Wallet is not in Live or MovingFunds state",
            );
          });
        });
      }
    });

    context("when wallet is in correct state", () => {
      for (const state of [WalletState.Live, WalletState.MovingFunds]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          context("when redemption is below the min size", () => {
            it("should revert", async () => {
              await expectRevert(
                validator.validateRedemptionProposal({ walletPubKeyHash, redeemersOutputScripts: [], redemptionTxFee: 0 }),
                "Redemption below the min size",
              );
            });
          });

          context("when redemption is above the min size", () => {
            context("when redemption exceeds the max size", () => {
              it("should revert", async () => {
                const maxSize = Number(await validator.REDEMPTION_MAX_SIZE());
                const r = await dayOldRequest();
                await expectRevert(redeem(new Array<TestRedemption>(maxSize + 1).fill(r), 0n), "Redemption exceeds the max size");
              });
            });

            context("when redemption does not exceed the max size", () => {
              context("when proposed redemption tx fee is invalid", () => {
                context("when proposed redemption tx fee is zero", () => {
                  it("should revert", async () => {
                    await expectRevert(redeem([await dayOldRequest()], 0n), "Proposed transaction fee cannot be zero");
                  });
                });

                context("when proposed redemption tx fee is greater than the allowed total fee", () => {
                  it("should revert", async () => {
                    await expectRevert(redeem([await dayOldRequest()], bridgeRedemptionTxMaxTotalFee + 1n), "Proposed transaction fee is too high");
                  });
                });
                // The per-request fee share contexts come later, following the check order.
              });

              context("when proposed redemption tx fee is valid", () => {
                const redemptionTxFee = 9000n;

                context("when there is a non-pending request", () => {
                  let one: TestRedemption;
                  let two: TestRedemption;
                  scope();
                  beforeAll(async () => {
                    one = await dayOldRequest(5000n);
                    two = await dayOldRequest();
                    await stubRequests(one, { ...two, request: { ...two.request, requestedAt: 0 } });
                  });

                  it("should revert", async () => {
                    await expectRevert(redeem([one, two], redemptionTxFee), "Not a pending redemption request");
                  });
                });

                context("when all requests are pending", () => {
                  context("when there is an immature request", () => {
                    context("when immaturity is caused by REDEMPTION_REQUEST_MIN_AGE violation", () => {
                      let one: TestRedemption;
                      let two: TestRedemption;
                      scope();
                      beforeAll(async () => {
                        one = await dayOldRequest(5000n);
                        two = await dayOldRequest();
                        // Request two has just been created.
                        await stubRequests(one, { ...two, request: { ...two.request, requestedAt: await lastBlockTime(net) } });
                      });

                      it("should revert", async () => {
                        await expectRevert(redeem([one, two], redemptionTxFee), "Redemption request min age not achieved yet");
                      });
                    });

                    context("when immaturity is caused by watchtower's delay violation", () => {
                      let one: TestRedemption;
                      let two: TestRedemption;
                      scope();
                      beforeAll(async () => {
                        // Both requested at P; the stub setters below mine blocks, so P
                        // leaves room for them and the clock is then moved to P + 7200.
                        const requestedAt = (await lastBlockTime(net)) + 100;
                        one = createTestRedemption(walletPubKeyHash, requestedAt, 5000n);
                        two = createTestRedemption(walletPubKeyHash, requestedAt, 5000n);
                        await stubRequests(one, two);
                        const watchtower = await deployWatchtower();
                        await (await watchtower.setRedemptionDelay(one.storageKey, 3600)).wait();
                        await (await watchtower.setRedemptionDelay(two.storageKey, 7200)).wait();
                        // Delay of request one elapsed; delay of request two just reached, not passed.
                        await mineAt(net, requestedAt + 7200);
                      });

                      it("should revert", async () => {
                        await expectRevert(redeem([one, two], redemptionTxFee), "Redemption request min age not achieved yet");
                      });
                    });
                  });

                  context("when all requests achieved the min age", () => {
                    context("when there is a request that violates the timeout safety margin", () => {
                      let one: TestRedemption;
                      let two: TestRedemption;
                      scope();
                      beforeAll(async () => {
                        one = await dayOldRequest(5000n);
                        const margin = Number(await validator.REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN());
                        const timedOutAt = (await lastBlockTime(net)) + margin;
                        two = createTestRedemption(walletPubKeyHash, timedOutAt - bridgeRedemptionTimeout, 0n);
                        await stubRequests(one, two);
                      });

                      it("should revert", async () => {
                        await expectRevert(redeem([one, two], redemptionTxFee), "Redemption request timeout safety margin is not preserved");
                      });
                    });

                    context("when all requests preserve the timeout safety margin", () => {
                      context("when there is a request that incurs an unacceptable tx fee share", () => {
                        context("when there is no fee remainder", () => {
                          let one: TestRedemption;
                          let two: TestRedemption;
                          scope();
                          beforeAll(async () => {
                            // Fee 9000 over two requests: 4500 each, request two allows 4499.
                            one = await dayOldRequest(4500n);
                            two = await dayOldRequest(4499n);
                            await stubRequests(one, two);
                          });

                          it("should revert", async () => {
                            await expectRevert(redeem([one, two], redemptionTxFee), "Proposed transaction per-request fee share is too high");
                          });
                        });

                        context("when there is a fee remainder", () => {
                          let one: TestRedemption;
                          let two: TestRedemption;
                          scope();
                          beforeAll(async () => {
                            // Fee 9001: 4500, then 4501 for the last request, which allows 4500.
                            one = await dayOldRequest(4500n);
                            two = await dayOldRequest(4500n);
                            await stubRequests(one, two);
                          });

                          it("should revert", async () => {
                            await expectRevert(redeem([one, two], 9001n), "Proposed transaction per-request fee share is too high");
                          });
                        });
                      });

                      context("when all requests incur an acceptable tx fee share", () => {
                        context("when there are duplicated requests", () => {
                          let one: TestRedemption;
                          let two: TestRedemption;
                          let three: TestRedemption;
                          scope();
                          beforeAll(async () => {
                            one = await dayOldRequest(2500n);
                            two = await dayOldRequest(2500n);
                            three = await dayOldRequest(2500n);
                            await stubRequests(one, two, three);
                          });

                          it("should revert", async () => {
                            await expectRevert(redeem([one, two, three, two], redemptionTxFee), "Duplicated request");
                          });
                        });

                        context("when all requests are unique", () => {
                          for (const withWatchtower of [false, true]) {
                            context(withWatchtower ? "when watchtower is set" : "when watchtower is not set", () => {
                              let one: TestRedemption;
                              let two: TestRedemption;
                              scope();
                              beforeAll(async () => {
                                one = await dayOldRequest(5000n);
                                two = await dayOldRequest(5000n);
                                await stubRequests(one, two);
                                if (withWatchtower) {
                                  // Requests are a day old; a 2 h delay (above the 10 min
                                  // minimum) is preserved.
                                  const watchtower = await deployWatchtower();
                                  for (const r of [one, two]) await (await watchtower.setRedemptionDelay(r.storageKey, 7200)).wait();
                                }
                              });

                              it("should succeed", async () => {
                                const watchtowerAddress = (await bridge.getRedemptionWatchtower()) as string;
                                expect(watchtowerAddress === ZERO_ADDRESS).toBe(!withWatchtower);
                                await expectTrue(redeem([one, two], redemptionTxFee));
                              });
                            });
                          }
                        });
                      });
                    });
                  });
                });
              });
            });
          });
        });
      }
    });
  });

  describe("validateMovingFundsProposal", () => {
    const movingFundsTxMaxTotalFee = 20000n;
    const movingFundsDustThreshold = 5000n;
    const targetWallets = [
      "0x84a70187011e156686788e0a2bc50944a4721e83",
      "0xf64a45c07e3778b8ce58cb0058477c821c543aad",
      "0xcaea95433d9bfa80bb8dc8819a48e2a9aa96147c",
    ];
    const targetWalletsHash = "0x16311d424d513a1743fbc9c0e4fea5b70eddefd15f54613503e5cdfab24f8877";
    const walletMainUtxo: BitcoinUtxo = { txHash: "0x" + "aa".repeat(32), txOutputIndex: 0, txOutputValue: movingFundsDustThreshold };
    const walletMainUtxoHash = "0x4cfb92c890e30ff736656e519167cbfcacb408c730fd21bec415359b45769d20";

    scope();
    beforeAll(async () => {
      await (await bridge.setMovingFundsParameters(movingFundsTxMaxTotalFee, movingFundsDustThreshold, 0, 0, 0, 0, 0, 0, 0, 0, 0)).wait();
      // The fixtures' hashes are the spec's vectors, recomputed here.
      expect(targetWalletsCommitment(targetWallets)).toBe(targetWalletsHash);
      expect(mainUtxoHash(walletMainUtxo)).toBe(walletMainUtxoHash);
    });

    function moveFunds(movingFundsTxFee: bigint, utxo: BitcoinUtxo = walletMainUtxo): Promise<unknown> {
      return validator.validateMovingFundsProposal({ walletPubKeyHash, targetWallets, movingFundsTxFee }, utxo);
    }

    context("when wallet's state is not MovingFunds", () => {
      for (const state of [WalletState.Unknown, WalletState.Live, WalletState.Closing, WalletState.Closed, WalletState.Terminated]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          it("should revert", async () => {
            await expectRevert(moveFunds(0n), "Source wallet is not in MovingFunds state");
          });
        });
      }
    });

    context("when wallet's state is MovingFunds", () => {
      context("when target wallets commitment is not submitted", () => {
        scope();
        beforeAll(async () => {
          await setWalletState(WalletState.MovingFunds, { mainUtxoHash: walletMainUtxoHash });
        });

        it("should revert", async () => {
          await expectRevert(moveFunds(0n), "Target wallets commitment is not submitted");
        });
      });

      context("when target wallets commitment is submitted", () => {
        context("when target wallets don't match the commitment", () => {
          scope();
          beforeAll(async () => {
            await setWalletState(WalletState.MovingFunds, {
              mainUtxoHash: walletMainUtxoHash,
              movingFundsTargetWalletsCommitmentHash: "0x" + "aa".repeat(32),
            });
          });

          it("should revert", async () => {
            await expectRevert(moveFunds(0n), "Target wallets do not match target wallets commitment hash");
          });
        });

        context("when target wallets match the commitment", () => {
          context("when source wallet has no main UTXO set", () => {
            scope();
            beforeAll(async () => {
              await setWalletState(WalletState.MovingFunds, { movingFundsTargetWalletsCommitmentHash: targetWalletsHash });
            });

            it("should revert", async () => {
              // The passed UTXO is ignored: the balance is zero.
              await expectRevert(moveFunds(0n), "Source wallet BTC balance is below the moving funds dust threshold");
            });
          });

          context("when source wallet has a main UTXO set", () => {
            context("when the passed main UTXO is invalid", () => {
              scope();
              beforeAll(async () => {
                await setWalletState(WalletState.MovingFunds, {
                  mainUtxoHash: "0x" + "11".repeat(32),
                  movingFundsTargetWalletsCommitmentHash: targetWalletsHash,
                });
              });

              it("should revert", async () => {
                await expectRevert(moveFunds(0n, { ...walletMainUtxo, txOutputValue: 1000n }), "Invalid wallet main UTXO data");
              });
            });

            context("when the passed main UTXO is valid", () => {
              context("when source wallet BTC balance is below dust threshold", () => {
                const dustUtxo: BitcoinUtxo = { ...walletMainUtxo, txOutputValue: movingFundsDustThreshold - 1n };
                scope();
                beforeAll(async () => {
                  expect(mainUtxoHash(dustUtxo)).toBe("0x757a5ca2a1e5fff2f2a51c073cb88c097603285fcfa52cb58473704647fa7edb");
                  await setWalletState(WalletState.MovingFunds, {
                    mainUtxoHash: mainUtxoHash(dustUtxo),
                    movingFundsTargetWalletsCommitmentHash: targetWalletsHash,
                  });
                });

                it("should revert", async () => {
                  await expectRevert(moveFunds(0n, dustUtxo), "Source wallet BTC balance is below the moving funds dust threshold");
                });
              });

              context("when source wallet BTC balance is equal to or greater than dust threshold", () => {
                scope();
                beforeAll(async () => {
                  await setWalletState(WalletState.MovingFunds, {
                    mainUtxoHash: walletMainUtxoHash,
                    movingFundsTargetWalletsCommitmentHash: targetWalletsHash,
                  });
                });

                context("when transaction fee is zero", () => {
                  it("should revert", async () => {
                    await expectRevert(moveFunds(0n), "Proposed transaction fee cannot be zero");
                  });
                });

                context("when transaction fee is too high", () => {
                  it("should revert", async () => {
                    await expectRevert(moveFunds(movingFundsTxMaxTotalFee + 1n), "Proposed transaction fee is too high");
                  });
                });

                context("when transaction fee is valid", () => {
                  it("should pass validation", async () => {
                    await expectTrue(moveFunds(movingFundsTxMaxTotalFee));
                  });
                });
              });
            });
          });
        });
      });
    });
  });

  describe("validateMovedFundsSweepProposal", () => {
    const movedFundsSweepTxMaxTotalFee = 20000n;
    // A pending moved funds sweep request is identified by this hash and index.
    const movingFundsTxHash = "0xfedaee64895aebdd94d21d932960f96fcdb95d17ca64b25aee0450631a1291a9";
    const movingFundsTxOutputIndex = 0;
    const requestKey = movedFundsSweepRequestKey(movingFundsTxHash, movingFundsTxOutputIndex);

    scope();
    beforeAll(async () => {
      await (await bridge.setMovingFundsParameters(0, 0, 0, 0, 0, 0, 0, movedFundsSweepTxMaxTotalFee, 0, 0, 0)).wait();
    });

    function sweepMovedFunds(movedFundsSweepTxFee: bigint): Promise<unknown> {
      return validator.validateMovedFundsSweepProposal({ walletPubKeyHash, movingFundsTxHash, movingFundsTxOutputIndex, movedFundsSweepTxFee });
    }

    async function stubRequest(owner: string): Promise<void> {
      await (
        await bridge.setMovedFundsSweepRequest(requestKey, {
          walletPubKeyHash: owner,
          value: 0,
          createdAt: 0,
          state: MovedFundsSweepRequestState.Pending,
        })
      ).wait();
    }

    context("when wallet's state is incorrect", () => {
      for (const state of [WalletState.Unknown, WalletState.Closing, WalletState.Closed, WalletState.Terminated]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          it("should revert", async () => {
            await expectRevert(sweepMovedFunds(0n), "Source wallet is not in Live or MovingFunds state");
          });
        });
      }
    });

    context("when wallet's state is correct", () => {
      for (const state of [WalletState.Live, WalletState.MovingFunds]) {
        context(`when wallet state is ${stateName(state)}`, () => {
          scope();
          beforeAll(async () => {
            await setWalletState(state);
          });

          context("when moved funds sweep request's state is not Pending", () => {
            it("should revert", async () => {
              // No request stored under the key: state Unknown.
              await expectRevert(sweepMovedFunds(0n), "Sweep request is not in Pending state");
            });
          });

          context("when moved funds sweep request's state is Pending", () => {
            context("when moved funds sweep request does not belong to the wallet", () => {
              scope();
              beforeAll(async () => {
                await stubRequest("0x" + "aa".repeat(20));
              });

              it("should revert", async () => {
                await expectRevert(sweepMovedFunds(0n), "Sweep request does not belong to the wallet");
              });
            });

            context("when moved funds sweep request belongs to the wallet", () => {
              scope();
              beforeAll(async () => {
                await stubRequest(walletPubKeyHash);
              });

              context("when transaction fee is zero", () => {
                it("should revert", async () => {
                  await expectRevert(sweepMovedFunds(0n), "Proposed transaction fee cannot be zero");
                });
              });

              context("when transaction fee is too high", () => {
                it("should revert", async () => {
                  await expectRevert(sweepMovedFunds(movedFundsSweepTxMaxTotalFee + 1n), "Proposed transaction fee is too high");
                });
              });

              context("when transaction fee is valid", () => {
                it("should pass validation", async () => {
                  await expectTrue(sweepMovedFunds(movedFundsSweepTxMaxTotalFee));
                });
              });
            });
          });
        });
      }
    });
  });

  describe("validateHeartbeatProposal", () => {
    context("when message is not valid", () => {
      it("should revert", async () => {
        await expectRevert(
          validator.validateHeartbeatProposal({ walletPubKeyHash: ZERO_ADDRESS, message: "0xfffffffffffffff21111111111111111" }),
          "Not a valid heartbeat message",
        );
      });
    });

    context("when message is valid", () => {
      it("should succeed", async () => {
        await expectTrue(validator.validateHeartbeatProposal({ walletPubKeyHash: ZERO_ADDRESS, message: "0xffffffffffffffff1111111111111111" }));
      });
    });
  });
});
