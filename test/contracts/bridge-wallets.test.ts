// Bridge wallet registry and lifecycle (contracts.md §2.6): registerWallet,
// beginMovingFunds, finalizeWalletClosing, terminateWallet.
import type { Contract, Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import { mainUtxoHash, ZERO_BYTES32 } from "./helpers/bitcoin-fixtures.js";
import { closeNet, expectRevert, snapshotScope } from "./helpers/evm.js";
import {
  ZERO_ADDRESS,
  deployBridgeFixture,
  eventsOf,
  fundWallet,
  registerWallet,
  send,
  testWallet,
  tuple,
  type BridgeFixture,
  type TestWallet,
} from "./helpers/bridge-fixture.js";

const context = describe;

let f: BridgeFixture;
let bridge: Contract;
let stranger: Signer;
let operatorAddresses: string[];

beforeAll(async () => {
  f = await deployBridgeFixture();
  bridge = f.bridge;
  stranger = f.others[1];
  operatorAddresses = await Promise.all(f.others.slice(2, 5).map((s) => s.getAddress()));
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);
const latest = (): Promise<number> => f.net.networkHelpers.time.latest();

async function walletState(w: TestWallet): Promise<number> {
  return Number((await bridge.wallets(w.pubKeyHash)).state);
}

describe("Bridge wallet registry and lifecycle", () => {
  describe("registerWallet", () => {
    const w1 = testWallet(1);

    context("when the signing group is empty", () => {
      it("should revert", async () => {
        await expectRevert(bridge.registerWallet(w1.x, w1.y, []), "Invalid signing group size");
      });
    });

    context("when the signing group has 256 members", () => {
      it("should revert, before the zero-operator check", async () => {
        const ops = Array.from({ length: 256 }, () => ZERO_ADDRESS);
        await expectRevert(bridge.registerWallet(w1.x, w1.y, ops), "Invalid signing group size");
      });
    });

    context("when an operator is the zero address", () => {
      it("should revert", async () => {
        await expectRevert(
          bridge.registerWallet(w1.x, w1.y, [operatorAddresses[0], ZERO_ADDRESS]),
          "Operator address cannot be zero",
        );
      });
    });

    context("when the wallet is new (private key 1)", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      let registeredAt: number;
      const ops = (): string[] => [operatorAddresses[0], operatorAddresses[1], operatorAddresses[0]];

      beforeAll(async () => {
        const receipt = await registerWallet(f, w1, ops());
        events = eventsOf(bridge, receipt);
        registeredAt = (await receipt.getBlock()).timestamp;
      });

      it("derives the spec's PKH and ecdsaWalletID", () => {
        expect(w1.compressed).toBe("0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
        expect(w1.pubKeyHash).toBe("0x751e76e8199196d454941c45d1b3a323f1433bd6");
        expect(w1.ecdsaWalletID).toBe("0xc0a6c424ac7157ae408398df7e5f4552091a69125d5dfcb7b8c2659029395bdf");
      });

      it("should store a Live wallet under the PKH", async () => {
        expect(tuple(await bridge.wallets(w1.pubKeyHash))).toEqual([
          w1.ecdsaWalletID,
          ZERO_BYTES32,
          0n,
          BigInt(registeredAt),
          0n,
          0n,
          0n,
          BigInt(WalletState.Live),
          ZERO_BYTES32,
        ]);
      });

      it("should store the seat list with duplicates, in order", async () => {
        expect(await bridge.walletOperators(w1.pubKeyHash)).toEqual(ops());
      });

      it("should store X ‖ Y", async () => {
        expect(await bridge.walletPublicKey(w1.pubKeyHash)).toBe(w1.x + w1.y.slice(2));
      });

      it("should make it the active wallet and count it as live", async () => {
        expect((await bridge.activeWalletPubKeyHash()).toLowerCase()).toBe(w1.pubKeyHash);
        expect(await bridge.liveWalletsCount()).toBe(1n);
      });

      it("should emit NewWalletRegistered, then WalletOperatorsSet", () => {
        expect(events.map((e) => e.name)).toEqual(["NewWalletRegistered", "WalletOperatorsSet"]);
        expect(events[0].args[0]).toBe(w1.ecdsaWalletID);
        expect((events[0].args[1] as string).toLowerCase()).toBe(w1.pubKeyHash);
        expect((events[1].args[0] as string).toLowerCase()).toBe(w1.pubKeyHash);
        expect(tuple(events[1].args[1])).toEqual(ops());
      });

      context("when the same key is registered again", () => {
        it("should revert", async () => {
          await expectRevert(
            bridge.registerWallet(w1.x, w1.y, [operatorAddresses[2]]),
            "ECDSA wallet has been already registered",
          );
        });
      });

      context("when the wallet was terminated", () => {
        scope();
        it("should still refuse a second registration", async () => {
          await send(bridge.terminateWallet(w1.pubKeyHash));
          await expectRevert(
            bridge.registerWallet(w1.x, w1.y, [operatorAddresses[2]]),
            "ECDSA wallet has been already registered",
          );
        });
      });

      context("when a second wallet is registered", () => {
        scope();
        const w2 = testWallet(2);
        it("should become the active wallet and increment the live count", async () => {
          await registerWallet(f, w2);
          expect((await bridge.activeWalletPubKeyHash()).toLowerCase()).toBe(w2.pubKeyHash);
          expect(await bridge.liveWalletsCount()).toBe(2n);
        });
      });
    });

    context("when the public key has an odd Y", () => {
      scope();
      // Decompressed form of 03989d25…81d9, whose hash160 is the spec's wallet 8db50eb5…86f6.
      const x = "0x989d253b17a6a0f41838b84ff0d20e8898f9d7b1a98f2564da4cc29dcf8581d9";
      const y = "0xd218b65e7d91c752f7b22eaceb771a9af3a6f3d3f010a5d471a1aeef7d7713af";
      it("should derive the PKH from the 03-prefixed key", async () => {
        const receipt = await send(bridge.registerWallet(x, y, [operatorAddresses[0]]));
        const [registered] = eventsOf(bridge, receipt);
        expect((registered.args[1] as string).toLowerCase()).toBe("0x8db50eb52063ea9d98b3eac91489a90f738986f6");
        expect(await walletState({ pubKeyHash: "0x8db50eb52063ea9d98b3eac91489a90f738986f6" } as TestWallet)).toBe(
          WalletState.Live,
        );
      });
    });

    context("when the signing group has 255 members", () => {
      scope();
      it("should register the wallet", async () => {
        const w = testWallet(3);
        const ops = Array.from({ length: 255 }, (_, i) => operatorAddresses[i % 3]);
        await send(bridge.registerWallet(w.x, w.y, ops));
        expect((await bridge.walletOperators(w.pubKeyHash)).length).toBe(255);
      });
    });
  });

  describe("beginMovingFunds", () => {
    const w1 = testWallet(11);
    const w2 = testWallet(12);
    scope();
    beforeAll(async () => {
      await registerWallet(f, w1);
      await registerWallet(f, w2); // active
    });

    context("when the caller is not the governance", () => {
      it("should revert", async () => {
        await expectRevert(bridge.connect(stranger).getFunction("beginMovingFunds")(w1.pubKeyHash), "Caller is not the governance");
      });
    });

    context("when the wallet is unknown", () => {
      it("should revert", async () => {
        await expectRevert(bridge.beginMovingFunds("0x" + "77".repeat(20)), "Wallet must be in Live state");
      });
    });

    context("when the wallet has no main UTXO", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      let at: number;
      beforeAll(async () => {
        const receipt = await send(bridge.beginMovingFunds(w2.pubKeyHash));
        events = eventsOf(bridge, receipt);
        at = (await receipt.getBlock()).timestamp;
      });

      it("should go straight to Closing", async () => {
        const w = await bridge.wallets(w2.pubKeyHash);
        expect(Number(w.state)).toBe(WalletState.Closing);
        expect(Number(w.closingStartedAt)).toBe(at);
        expect(Number(w.movingFundsRequestedAt)).toBe(0);
      });

      it("should emit WalletClosing only", () => {
        expect(events.map((e) => e.name)).toEqual(["WalletClosing"]);
        expect(events[0].args[0]).toBe(w2.ecdsaWalletID);
        expect((events[0].args[1] as string).toLowerCase()).toBe(w2.pubKeyHash);
      });

      it("should clear the active wallet and decrement the live count", async () => {
        expect(await bridge.activeWalletPubKeyHash()).toBe(ZERO_ADDRESS);
        expect(await bridge.liveWalletsCount()).toBe(1n);
      });

      context("when called again", () => {
        it("should revert", async () => {
          await expectRevert(bridge.beginMovingFunds(w2.pubKeyHash), "Wallet must be in Live state");
        });
      });
    });

    context("when the wallet has a main UTXO and is not the active wallet", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      let at: number;
      let utxoHash: string;
      beforeAll(async () => {
        utxoHash = mainUtxoHash(await fundWallet(f, w1.pubKeyHash, 5_000_000n));
        const receipt = await send(bridge.beginMovingFunds(w1.pubKeyHash));
        events = eventsOf(bridge, receipt);
        at = (await receipt.getBlock()).timestamp;
      });

      it("should move to MovingFunds and keep the main UTXO", async () => {
        const w = await bridge.wallets(w1.pubKeyHash);
        expect(Number(w.state)).toBe(WalletState.MovingFunds);
        expect(Number(w.movingFundsRequestedAt)).toBe(at);
        expect(Number(w.closingStartedAt)).toBe(0);
        expect(w.mainUtxoHash).toBe(utxoHash);
      });

      it("should emit WalletMovingFunds only", () => {
        expect(events.map((e) => e.name)).toEqual(["WalletMovingFunds"]);
        expect(events[0].args[0]).toBe(w1.ecdsaWalletID);
        expect((events[0].args[1] as string).toLowerCase()).toBe(w1.pubKeyHash);
      });

      it("should keep the active wallet and decrement the live count", async () => {
        expect((await bridge.activeWalletPubKeyHash()).toLowerCase()).toBe(w2.pubKeyHash);
        expect(await bridge.liveWalletsCount()).toBe(1n);
      });
    });
  });

  describe("finalizeWalletClosing", () => {
    const w = testWallet(21);
    const closingPeriod = 40 * 86400;
    scope();
    let closingStartedAt: number;
    beforeAll(async () => {
      await registerWallet(f, w);
    });

    context("when the wallet is Live", () => {
      it("should revert", async () => {
        await expectRevert(bridge.finalizeWalletClosing(w.pubKeyHash), "Wallet must be in Closing state");
      });
    });

    context("when the wallet is Closing", () => {
      scope();
      beforeAll(async () => {
        const receipt = await send(bridge.beginMovingFunds(w.pubKeyHash));
        closingStartedAt = (await receipt.getBlock()).timestamp;
      });

      context("when the closing period has just elapsed (equal timestamp)", () => {
        scope();
        it("should revert", async () => {
          await f.net.networkHelpers.time.setNextBlockTimestamp(closingStartedAt + closingPeriod);
          await expectRevert(
            bridge.connect(stranger).getFunction("finalizeWalletClosing")(w.pubKeyHash),
            "Closing period has not elapsed yet",
          );
        });
      });

      context("when one second more has passed", () => {
        scope();
        let events: { name: string; args: unknown[] }[];
        beforeAll(async () => {
          await f.net.networkHelpers.time.setNextBlockTimestamp(closingStartedAt + closingPeriod + 1);
          events = eventsOf(bridge, await send(bridge.connect(stranger).getFunction("finalizeWalletClosing")(w.pubKeyHash)));
        });

        it("should close the wallet (permissionless)", async () => {
          expect(await walletState(w)).toBe(WalletState.Closed);
        });

        it("should emit WalletClosed", () => {
          expect(events).toEqual([{ name: "WalletClosed", args: [w.ecdsaWalletID, expect.any(String)] }]);
          expect((events[0].args[1] as string).toLowerCase()).toBe(w.pubKeyHash);
        });

        it("should refuse a second finalization", async () => {
          await expectRevert(bridge.finalizeWalletClosing(w.pubKeyHash), "Wallet must be in Closing state");
        });
      });
    });
  });

  describe("terminateWallet", () => {
    const live = testWallet(31);
    const moving = testWallet(32);
    const closing = testWallet(33);
    const closed = testWallet(34);
    const other = testWallet(35);
    scope();
    beforeAll(async () => {
      for (const w of [moving, closing, closed, other, live]) await registerWallet(f, w);
      await fundWallet(f, moving.pubKeyHash, 1_000_000n);
      await send(bridge.beginMovingFunds(moving.pubKeyHash));
      await send(bridge.beginMovingFunds(closing.pubKeyHash));
      await send(bridge.beginMovingFunds(closed.pubKeyHash));
      await f.net.networkHelpers.time.increase(40 * 86400 + 1);
      await send(bridge.finalizeWalletClosing(closed.pubKeyHash));
    });

    context("when the wallet is Unknown", () => {
      it("should revert", async () => {
        await expectRevert(
          bridge.terminateWallet("0x" + "99".repeat(20)),
          "Wallet cannot be terminated in its current state",
        );
      });
    });

    context("when the wallet is Closed", () => {
      it("should revert", async () => {
        await expectRevert(bridge.terminateWallet(closed.pubKeyHash), "Wallet cannot be terminated in its current state");
      });
    });

    context("when the wallet is the active Live wallet", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        expect(await bridge.liveWalletsCount()).toBe(2n);
        events = eventsOf(bridge, await send(bridge.terminateWallet(live.pubKeyHash)));
      });

      it("should terminate it, clear the active wallet and decrement the live count", async () => {
        expect(await walletState(live)).toBe(WalletState.Terminated);
        expect(await bridge.activeWalletPubKeyHash()).toBe(ZERO_ADDRESS);
        expect(await bridge.liveWalletsCount()).toBe(1n);
      });

      it("should emit WalletTerminated", () => {
        expect(events.map((e) => e.name)).toEqual(["WalletTerminated"]);
        expect(events[0].args[0]).toBe(live.ecdsaWalletID);
      });

      it("should refuse a second termination", async () => {
        await expectRevert(bridge.terminateWallet(live.pubKeyHash), "Wallet cannot be terminated in its current state");
      });
    });

    context("when the wallet is Live but not active", () => {
      scope();
      it("should keep the active wallet", async () => {
        await send(bridge.terminateWallet(other.pubKeyHash));
        expect((await bridge.activeWalletPubKeyHash()).toLowerCase()).toBe(live.pubKeyHash);
        expect(await bridge.liveWalletsCount()).toBe(1n);
      });
    });

    for (const [name, w] of [
      ["MovingFunds", moving],
      ["Closing", closing],
    ] as const) {
      context(`when the wallet is ${name}`, () => {
        scope();
        it("should terminate it without touching the live count", async () => {
          const receipt = await send(bridge.terminateWallet(w.pubKeyHash));
          expect(eventsOf(bridge, receipt).map((e) => e.name)).toEqual(["WalletTerminated"]);
          expect(await walletState(w)).toBe(WalletState.Terminated);
          expect(await bridge.liveWalletsCount()).toBe(2n);
          expect((await bridge.activeWalletPubKeyHash()).toLowerCase()).toBe(live.pubKeyHash);
        });
      });
    }
  });
});
