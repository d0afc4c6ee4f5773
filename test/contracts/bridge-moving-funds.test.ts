// Bridge moving funds (contracts.md §2.9, §2.10): submitMovingFundsCommitment
// checks in order, the ceiling-division target count and the padded stored
// hash; recordMovingFunds and recordMovedFundsSweep.
import { concat, keccak256, solidityPackedKeccak256, type Contract, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import {
  ZERO_BYTES32,
  mainUtxoHash,
  movedFundsSweepRequestKey,
  randomHex,
  targetWalletsCommitment,
  type BitcoinUtxo,
} from "./helpers/bitcoin-fixtures.js";
import { MovedFundsSweepRequestState } from "./helpers/bridge-state.js";
import { closeNet, expectRevert, snapshotScope } from "./helpers/evm.js";
import {
  deployBridgeFixture,
  eventsOf,
  fundWallet,
  p2wpkhScript,
  registerWallet,
  send,
  sortedTestWallets,
  testWallet,
  tuple,
  type BridgeFixture,
  type TestWallet,
} from "./helpers/bridge-fixture.js";

const context = describe;

const BTC = 100_000_000n;

let f: BridgeFixture;
let bridge: Contract;
let op0: Signer;
let op1: Signer;
let stranger: Signer;

beforeAll(async () => {
  f = await deployBridgeFixture();
  bridge = f.bridge;
  [op0, op1, stranger] = [f.others[2], f.others[3], f.others[4]];
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);
const pkhs = (ws: TestWallet[]): string[] => ws.map((w) => w.pubKeyHash);

describe("Bridge moving funds", () => {
  it("computes the spec's padded commitment vector (test-side helper)", () => {
    const targets = [
      "0x84a70187011e156686788e0a2bc50944a4721e83",
      "0xf64a45c07e3778b8ce58cb0058477c821c543aad",
      "0xcaea95433d9bfa80bb8dc8819a48e2a9aa96147c",
    ];
    const padded = "0x16311d424d513a1743fbc9c0e4fea5b70eddefd15f54613503e5cdfab24f8877";
    expect(targetWalletsCommitment(targets)).toBe(padded);
    expect(solidityPackedKeccak256(["bytes20[]"], [targets])).toBe(padded);
    expect(keccak256(concat(targets))).not.toBe(padded);
  });

  // Source S (seats: op0, op1, op0) funded with 25 BTC; four Live targets.
  // walletMaxBtcTransfer is 10 BTC by default: 3 targets are expected.
  const source = testWallet(300);
  const targets = sortedTestWallets(301, 4);
  const [t1, t2, t3, t4] = targets;
  let sourceUtxo: BitcoinUtxo;
  let seats: string[];
  scope();
  beforeAll(async () => {
    seats = [await op0.getAddress(), await op1.getAddress(), await op0.getAddress()];
    await registerWallet(f, source, seats);
    for (const t of targets) await registerWallet(f, t);
    sourceUtxo = await fundWallet(f, source.pubKeyHash, 25n * BTC);
    await send(bridge.beginMovingFunds(source.pubKeyHash));
    expect(await bridge.liveWalletsCount()).toBe(4n);
  });

  const submit = (
    o: { pkh?: string; utxo?: BitcoinUtxo; index?: number; targets?: string[]; from?: Signer } = {},
  ): Promise<unknown> =>
    bridge.connect(o.from ?? op0).getFunction("submitMovingFundsCommitment")(
      o.pkh ?? source.pubKeyHash,
      o.utxo ?? sourceUtxo,
      o.index ?? 1,
      o.targets ?? pkhs([t1, t2, t3]),
    );

  describe("submitMovingFundsCommitment checks, in order", () => {
    context("when the source wallet is Live", () => {
      it("should revert", async () => {
        await expectRevert(submit({ pkh: t1.pubKeyHash }), "Source wallet must be in MovingFunds state");
      });
    });

    context("when the source wallet has pending redemptions", () => {
      scope();
      it("should revert", async () => {
        const p = testWallet(310);
        await registerWallet(f, p, seats);
        const utxo = await fundWallet(f, p.pubKeyHash, 5n * BTC);
        await send(
          bridge.connect(f.requester).getFunction("requestRedemption")(p.pubKeyHash, utxo, p2wpkhScript(randomHex(20)), 1_000_000n),
        );
        await send(bridge.beginMovingFunds(p.pubKeyHash));
        await expectRevert(
          submit({ pkh: p.pubKeyHash, utxo, from: stranger, index: 0 }),
          "Source wallet must handle all pending redemptions first",
        );
      });
    });

    context("when the source wallet has pending moved funds sweep requests", () => {
      scope();
      const r = testWallet(320);
      const q = testWallet(321);
      let qUtxo: BitcoinUtxo;
      const movingFundsTxHash = randomHex(32);
      beforeAll(async () => {
        await registerWallet(f, r, seats);
        await registerWallet(f, q, seats);
        const rUtxo = await fundWallet(f, r.pubKeyHash, BTC);
        qUtxo = await fundWallet(f, q.pubKeyHash, BTC);
        await send(bridge.beginMovingFunds(r.pubKeyHash));
        // 1 BTC / 10 BTC max transfer → one target.
        await send(submit({ pkh: r.pubKeyHash, utxo: rUtxo, targets: [q.pubKeyHash] }));
        await send(
          bridge.connect(f.maintainer).getFunction("recordMovingFunds")(r.pubKeyHash, movingFundsTxHash, [q.pubKeyHash], [BTC - 1000n]),
        );
        await send(bridge.beginMovingFunds(q.pubKeyHash));
      });

      it("should revert", async () => {
        expect(Number((await bridge.wallets(q.pubKeyHash)).pendingMovedFundsSweepRequestsCount)).toBe(1);
        await expectRevert(
          submit({ pkh: q.pubKeyHash, utxo: qUtxo, from: stranger, index: 0 }),
          "Source wallet must handle all pending moved funds sweep requests first",
        );
      });

      context("when the request is swept", () => {
        scope();
        it("should let the wallet submit its commitment", async () => {
          const sweepTx = randomHex(32);
          const newUtxo = { txHash: sweepTx, txOutputIndex: 0, txOutputValue: 2n * BTC - 2000n };
          await send(
            bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(q.pubKeyHash, sweepTx, movingFundsTxHash, 0, newUtxo),
          );
          expect(Number((await bridge.wallets(q.pubKeyHash)).pendingMovedFundsSweepRequestsCount)).toBe(0);
          await send(submit({ pkh: q.pubKeyHash, utxo: newUtxo, targets: [t1.pubKeyHash] }));
        });
      });
    });

    context("when the commitment is already submitted", () => {
      scope();
      it("should revert", async () => {
        await send(submit());
        await expectRevert(submit({ from: stranger, index: 0 }), "Target wallets commitment already submitted");
      });
    });

    context("when the caller is not a member of the source wallet", () => {
      for (const [what, index, from] of [
        ["the index is 0", 0, () => op0],
        ["the index is past the seat list", 4, () => op0],
        ["the seat belongs to another operator", 2, () => op0],
        ["the caller is not an operator", 1, () => stranger],
      ] as const) {
        it(`should revert when ${what}`, async () => {
          await expectRevert(
            submit({ index, from: from(), utxo: { ...sourceUtxo, txOutputValue: 1n } }),
            "Caller is not a member of the source wallet",
          );
        });
      }
    });

    context("when the main UTXO data is wrong", () => {
      it("should revert", async () => {
        await expectRevert(submit({ utxo: { ...sourceUtxo, txOutputValue: 1n } }), "Invalid wallet main UTXO data");
      });
    });

    context("when the wallet's main UTXO has a zero value", () => {
      scope();
      it("should revert", async () => {
        const z = testWallet(330);
        await registerWallet(f, z, seats);
        const utxo = await fundWallet(f, z.pubKeyHash, 0n);
        await send(bridge.beginMovingFunds(z.pubKeyHash));
        await expectRevert(submit({ pkh: z.pubKeyHash, utxo }), "Wallet BTC balance is zero");
      });
    });

    context("when the MovingFunds wallet has no main UTXO", () => {
      scope();
      it("should ignore the passed UTXO and revert on the zero balance", async () => {
        const z = testWallet(331);
        await registerWallet(f, z, seats);
        const utxo = await fundWallet(f, z.pubKeyHash, 5n * BTC);
        const script = p2wpkhScript(randomHex(20));
        await send(bridge.connect(f.requester).getFunction("requestRedemption")(z.pubKeyHash, utxo, script, 1_000_000n));
        await send(bridge.beginMovingFunds(z.pubKeyHash));
        // The redemption spent the whole main UTXO: no change output.
        await send(
          bridge.connect(f.maintainer).getFunction("recordRedemption")(z.pubKeyHash, randomHex(32), [script], {
            txHash: ZERO_BYTES32,
            txOutputIndex: 0,
            txOutputValue: 0n,
          }),
        );
        expect((await bridge.wallets(z.pubKeyHash)).mainUtxoHash).toBe(ZERO_BYTES32);
        await expectRevert(submit({ pkh: z.pubKeyHash, utxo: { ...sourceUtxo, txOutputValue: 1n } }), "Wallet BTC balance is zero");
      });
    });

    context("when no wallet is Live", () => {
      scope();
      it("should revert", async () => {
        for (const t of targets) await send(bridge.terminateWallet(t.pubKeyHash));
        expect(await bridge.liveWalletsCount()).toBe(0n);
        await expectRevert(submit({ targets: [] }), "No target wallets available");
      });
    });

    context("when the number of targets is other than expected", () => {
      it("should revert for too few targets", async () => {
        await expectRevert(submit({ targets: pkhs([t1, t2]) }), "Submitted target wallets count is other than expected");
      });
      it("should revert for too many targets", async () => {
        await expectRevert(submit({ targets: pkhs([t1, t2, t3, t4]) }), "Submitted target wallets count is other than expected");
      });
      it("should revert for no target", async () => {
        await expectRevert(submit({ targets: [] }), "Submitted target wallets count is other than expected");
      });
    });

    context("when a target is the source wallet", () => {
      it("should revert, before the order check", async () => {
        await expectRevert(
          submit({ targets: [t3.pubKeyHash, source.pubKeyHash, t1.pubKeyHash] }),
          "Submitted target wallet cannot be equal to the source wallet",
        );
      });
    });

    context("when the targets are not strictly ascending", () => {
      it("should revert for a descending pair", async () => {
        await expectRevert(submit({ targets: pkhs([t2, t1, t3]) }), "Submitted target wallet breaks the expected order");
      });
      it("should revert for a duplicate", async () => {
        await expectRevert(submit({ targets: pkhs([t1, t1, t3]) }), "Submitted target wallet breaks the expected order");
      });
      it("should revert for the zero PKH", async () => {
        await expectRevert(
          submit({ targets: ["0x" + "00".repeat(20), t1.pubKeyHash, t2.pubKeyHash] }),
          "Submitted target wallet breaks the expected order",
        );
      });
    });

    context("when a target is not Live", () => {
      it("should revert for an unknown wallet", async () => {
        await expectRevert(
          submit({ targets: [t1.pubKeyHash, t2.pubKeyHash, "0x" + "ff".repeat(20)] }),
          "Submitted target wallet must be in Live state",
        );
      });
    });

    context("when a target left Live", () => {
      scope();
      it("should revert", async () => {
        await send(bridge.terminateWallet(t3.pubKeyHash));
        // 3 Live wallets remain (t1, t2, t4): the expected count stays 3.
        await expectRevert(submit({ targets: pkhs([t1, t2, t3]) }), "Submitted target wallet must be in Live state");
      });
    });
  });

  describe("expected target count: min(liveWalletsCount, ceil(balance / walletMaxBtcTransfer))", () => {
    const setMaxTransfer = (v: bigint) => send(bridge.updateWalletParameters(604800n, BTC, 100n * BTC, BTC / 2n, 15724800n, v, 3456000n));
    for (const [maxTransfer, expected] of [
      [125n * BTC / 10n, 2], // 25 / 12.5 = 2 exactly
      [125n * BTC / 10n - 1n, 3], // just below: ceiling gives 3
      [25n * BTC, 1], // equal to the balance
      [100n * BTC, 1], // above the balance
      [1n, 4], // capped by the 4 Live wallets
    ] as const) {
      context(`when walletMaxBtcTransfer is ${maxTransfer}`, () => {
        scope();
        it(`should expect ${expected} targets`, async () => {
          await setMaxTransfer(maxTransfer);
          const all = pkhs(targets);
          if (expected > 1) {
            await expectRevert(submit({ targets: all.slice(0, expected - 1) }), "Submitted target wallets count is other than expected");
          }
          if (expected < 4) {
            await expectRevert(submit({ targets: all.slice(0, expected + 1) }), "Submitted target wallets count is other than expected");
          }
          await send(submit({ targets: all.slice(0, expected) }));
        });
      });
    }
  });

  describe("submitMovingFundsCommitment effects", () => {
    scope();
    let events: { name: string; args: unknown[] }[];
    const committed = (): string[] => pkhs([t1, t3, t4]);
    beforeAll(async () => {
      // Seat 3 is op0 again: duplicates in the seat list are fine.
      events = eventsOf(bridge, await send(submit({ index: 3, targets: committed() })));
    });

    it("should store the padded keccak of the targets", async () => {
      const stored = (await bridge.wallets(source.pubKeyHash)).movingFundsTargetWalletsCommitmentHash;
      expect(stored).toBe(targetWalletsCommitment(committed()));
      expect(stored).toBe(solidityPackedKeccak256(["bytes20[]"], [committed()]));
      expect(stored).not.toBe(keccak256(concat(committed())));
    });

    it("should leave the wallet otherwise unchanged", async () => {
      const w = await bridge.wallets(source.pubKeyHash);
      expect(Number(w.state)).toBe(WalletState.MovingFunds);
      expect(w.mainUtxoHash).toBe(mainUtxoHash(sourceUtxo));
    });

    it("should emit MovingFundsCommitmentSubmitted", async () => {
      expect(events.length).toBe(1);
      expect(events[0].name).toBe("MovingFundsCommitmentSubmitted");
      const [pkh, ts, submitter] = events[0].args as [string, string[], string];
      expect(pkh.toLowerCase()).toBe(source.pubKeyHash);
      expect(tuple(ts).map((t) => (t as string).toLowerCase())).toEqual(committed());
      expect(submitter).toBe(await op0.getAddress());
    });
  });

  describe("recordMovingFunds", () => {
    const movingFundsTxHash = randomHex(32);
    const values = [1n * BTC, 1n * BTC, 49n * BTC / 100n];
    const record = (o: { pkh?: string; tx?: string; targets?: string[]; values?: bigint[]; from?: Signer } = {}) =>
      bridge.connect(o.from ?? f.maintainer).getFunction("recordMovingFunds")(
        o.pkh ?? source.pubKeyHash,
        o.tx ?? movingFundsTxHash,
        o.targets ?? pkhs([t1, t2, t3]),
        o.values ?? values,
      );
    scope();

    context("when the wallet is not in MovingFunds", () => {
      it("should revert", async () => {
        await expectRevert(record({ pkh: t1.pubKeyHash }), "Wallet must be in MovingFunds state");
      });
    });

    context("when no commitment is submitted", () => {
      it("should revert", async () => {
        await expectRevert(record(), "Target wallets commitment is not submitted");
      });
    });

    context("when the commitment is submitted", () => {
      scope();
      beforeAll(async () => {
        await send(submit());
      });

      context("when the targets do not match it", () => {
        it("should revert for another order", async () => {
          await expectRevert(record({ targets: pkhs([t3, t2, t1]) }), "Target wallets don't correspond to the commitment");
        });
        it("should revert for a subset", async () => {
          await expectRevert(
            record({ targets: pkhs([t1, t2]), values: values.slice(0, 2) }),
            "Target wallets don't correspond to the commitment",
          );
        });
      });

      context("when the output values do not match the targets", () => {
        it("should revert", async () => {
          await expectRevert(record({ values: values.slice(0, 2) }), "Each target wallet must have a matching output value");
        });
      });

      context("when a sweep request already exists at an output's key", () => {
        scope();
        it("should revert", async () => {
          // Another wallet's moving funds recorded under the same tx hash, output 0.
          const r = testWallet(340);
          await registerWallet(f, r, seats);
          const rUtxo = await fundWallet(f, r.pubKeyHash, BTC);
          await send(bridge.beginMovingFunds(r.pubKeyHash));
          await send(submit({ pkh: r.pubKeyHash, utxo: rUtxo, targets: [t4.pubKeyHash] }));
          await send(record({ pkh: r.pubKeyHash, targets: [t4.pubKeyHash], values: [BTC] }));
          await expectRevert(record(), "Moved funds sweep request already exists");
        });
      });

      context("when everything is valid", () => {
        scope();
        let events: { name: string; args: unknown[] }[];
        let at: number;
        beforeAll(async () => {
          const receipt = await send(record());
          events = eventsOf(bridge, receipt);
          at = (await receipt.getBlock()).timestamp;
        });

        it("should create one Pending request per output, at its key", async () => {
          for (const [i, t] of [t1, t2, t3].entries()) {
            const req = tuple(await bridge.movedFundsSweepRequests(movedFundsSweepRequestKey(movingFundsTxHash, i)));
            expect([(req[0] as string).toLowerCase(), ...req.slice(1)]).toEqual([
              t.pubKeyHash,
              values[i],
              BigInt(at),
              BigInt(MovedFundsSweepRequestState.Pending),
            ]);
          }
          const none = await bridge.movedFundsSweepRequests(movedFundsSweepRequestKey(movingFundsTxHash, 3));
          expect(Number(none.state)).toBe(MovedFundsSweepRequestState.Unknown);
        });

        it("should increment each target's pending request count", async () => {
          for (const t of [t1, t2, t3]) {
            expect(Number((await bridge.wallets(t.pubKeyHash)).pendingMovedFundsSweepRequestsCount)).toBe(1);
          }
          expect(Number((await bridge.wallets(t4.pubKeyHash)).pendingMovedFundsSweepRequestsCount)).toBe(0);
        });

        it("should move the source wallet to Closing without a main UTXO", async () => {
          const w = await bridge.wallets(source.pubKeyHash);
          expect(Number(w.state)).toBe(WalletState.Closing);
          expect(Number(w.closingStartedAt)).toBe(at);
          expect(w.mainUtxoHash).toBe(ZERO_BYTES32);
        });

        it("should emit MovingFundsCompleted, then WalletClosing", () => {
          expect(events.map((e) => e.name)).toEqual(["MovingFundsCompleted", "WalletClosing"]);
          expect((events[0].args[0] as string).toLowerCase()).toBe(source.pubKeyHash);
          expect(events[0].args[1]).toBe(movingFundsTxHash);
          expect(events[1].args[0]).toBe(source.ecdsaWalletID);
          expect((events[1].args[1] as string).toLowerCase()).toBe(source.pubKeyHash);
        });

        it("should refuse a second recording", async () => {
          await expectRevert(record(), "Wallet must be in MovingFunds state");
        });

        describe("recordMovedFundsSweep", () => {
          const sweepTxHash = randomHex(32);
          const newMainUtxo: BitcoinUtxo = { txHash: sweepTxHash, txOutputIndex: 0, txOutputValue: BTC - 500n };
          const sweep = (o: { pkh?: string; index?: number; utxo?: BitcoinUtxo } = {}) =>
            bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(
              o.pkh ?? t1.pubKeyHash,
              sweepTxHash,
              movingFundsTxHash,
              o.index ?? 0,
              o.utxo ?? newMainUtxo,
            );

          context("when the wallet is not Live or MovingFunds", () => {
            it("should revert", async () => {
              await expectRevert(sweep({ pkh: source.pubKeyHash }), "Wallet must be in Live or MovingFunds state");
            });
          });

          context("when the request is not Pending", () => {
            it("should revert", async () => {
              await expectRevert(sweep({ index: 3 }), "Sweep request is not in Pending state");
            });
          });

          context("when the request belongs to another wallet", () => {
            it("should revert", async () => {
              await expectRevert(sweep({ pkh: t2.pubKeyHash }), "Sweep request does not belong to the wallet");
            });
          });

          context("when the main UTXO does not come from the sweep", () => {
            it("should revert", async () => {
              await expectRevert(
                sweep({ utxo: { ...newMainUtxo, txHash: randomHex(32) } }),
                "Main UTXO must come from the recorded transaction",
              );
            });
          });

          context("when everything is valid", () => {
            scope();
            let sweepEvents: { name: string; args: unknown[] }[];
            beforeAll(async () => {
              sweepEvents = eventsOf(bridge, await send(sweep()));
            });

            it("should mark the request Processed", async () => {
              const req = await bridge.movedFundsSweepRequests(movedFundsSweepRequestKey(movingFundsTxHash, 0));
              expect(Number(req.state)).toBe(MovedFundsSweepRequestState.Processed);
              expect(req.value).toBe(values[0]);
            });

            it("should decrement the wallet's pending count and set its main UTXO", async () => {
              const w = await bridge.wallets(t1.pubKeyHash);
              expect(Number(w.pendingMovedFundsSweepRequestsCount)).toBe(0);
              expect(w.mainUtxoHash).toBe(mainUtxoHash(newMainUtxo));
            });

            it("should emit MovedFundsSwept", () => {
              expect(sweepEvents.length).toBe(1);
              expect(sweepEvents[0].name).toBe("MovedFundsSwept");
              expect((sweepEvents[0].args[0] as string).toLowerCase()).toBe(t1.pubKeyHash);
              expect(sweepEvents[0].args[1]).toBe(sweepTxHash);
            });

            it("should refuse a second recording", async () => {
              await expectRevert(sweep(), "Sweep request is not in Pending state");
            });
          });
        });
      });
    });
  });
});
