// Bridge redemptions (contracts.md §2.8, §2.10): requestRedemption checks in
// order, boundaries and accounting, and maintainer recording of redemptions.
import type { Contract, Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainUtxoHash, randomHex, redemptionKey, ZERO_BYTES32, type BitcoinUtxo } from "./helpers/bitcoin-fixtures.js";
import { closeNet, expectRevert, outcome, snapshotScope } from "./helpers/evm.js";
import {
  deployBridgeFixture,
  eventsOf,
  fundWallet,
  p2pkhScript,
  p2shScript,
  p2wpkhScript,
  p2wshScript,
  registerWallet,
  send,
  testWallet,
  tuple,
  type BridgeFixture,
} from "./helpers/bridge-fixture.js";

const context = describe;

let f: BridgeFixture;
let bridge: Contract;
let requester: Signer;
let requesterAddress: string;
let stranger: Signer;

beforeAll(async () => {
  f = await deployBridgeFixture();
  bridge = f.bridge;
  requester = f.requester;
  requesterAddress = await requester.getAddress();
  stranger = f.others[4];
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);

const WALLET_VALUE = 9_995_000n;

describe("Bridge redemptions", () => {
  const w = testWallet(201);
  const unfunded = testWallet(202);
  const moving = testWallet(203);
  let utxo: BitcoinUtxo;
  let movingUtxo: BitcoinUtxo;
  scope();
  beforeAll(async () => {
    for (const x of [w, unfunded, moving]) await registerWallet(f, x);
    utxo = await fundWallet(f, w.pubKeyHash, WALLET_VALUE);
    movingUtxo = await fundWallet(f, moving.pubKeyHash, WALLET_VALUE);
    await send(bridge.beginMovingFunds(moving.pubKeyHash));
  });

  const request = (
    script: string,
    amount: bigint,
    o: { pkh?: string; mainUtxo?: BitcoinUtxo; from?: Signer } = {},
  ): Promise<unknown> =>
    bridge.connect(o.from ?? requester).getFunction("requestRedemption")(o.pkh ?? w.pubKeyHash, o.mainUtxo ?? utxo, script, amount);

  describe("requestRedemption checks, in order", () => {
    context("when the caller is not an authorized requester", () => {
      it("should revert before any other check", async () => {
        await expectRevert(
          request("0x", 0n, { from: stranger, pkh: "0x" + "00".repeat(20) }),
          "Caller is not an authorized redemption requester",
        );
      });
    });

    context("when a watchtower is set", () => {
      scope();
      let watchtower: Contract;
      beforeAll(async () => {
        watchtower = (await f.net.ethers.deployContract("RedemptionWatchtowerStub")) as unknown as Contract;
        await send(bridge.setRedemptionWatchtower(await watchtower.getAddress()));
      });

      context("when it rejects the redemption", () => {
        scope();
        beforeAll(async () => {
          await send(watchtower.setIsSafe(false));
        });
        it("should revert, before the wallet checks", async () => {
          await expectRevert(
            request(p2wpkhScript(randomHex(20)), 0n, { pkh: "0x" + "00".repeat(20) }),
            "Redemption request rejected by the watchtower",
          );
        });
        it("should still let unauthorized callers fail first", async () => {
          await expectRevert(
            request(p2wpkhScript(randomHex(20)), 0n, { from: stranger }),
            "Caller is not an authorized redemption requester",
          );
        });
      });

      context("when it deems the redemption safe", () => {
        scope();
        it("should accept the request", async () => {
          await send(request(p2wpkhScript(randomHex(20)), 1_000_000n));
        });
      });
    });

    context("when the wallet is unknown", () => {
      it("should revert", async () => {
        await expectRevert(request(p2wpkhScript(randomHex(20)), 1_000_000n, { pkh: "0x" + "44".repeat(20) }), "Wallet must be in Live state");
      });
    });

    context("when the wallet is in MovingFunds", () => {
      it("should revert", async () => {
        await expectRevert(
          request(p2wpkhScript(randomHex(20)), 1_000_000n, { pkh: moving.pubKeyHash, mainUtxo: movingUtxo }),
          "Wallet must be in Live state",
        );
      });
    });

    context("when the wallet has no main UTXO", () => {
      it("should revert", async () => {
        await expectRevert(
          request(p2wpkhScript(randomHex(20)), 1_000_000n, { pkh: unfunded.pubKeyHash }),
          "No main UTXO for the given wallet",
        );
      });
    });

    context("when the main UTXO data is wrong", () => {
      it("should revert", async () => {
        await expectRevert(
          request(p2wpkhScript(randomHex(20)), 1_000_000n, { mainUtxo: { ...utxo, txOutputValue: WALLET_VALUE + 1n } }),
          "Invalid main UTXO data",
        );
      });
    });

    context("when the script is not a standard type", () => {
      const nonStandard: [string, string][] = [
        ["an unprefixed P2WPKH script", "0x0014" + "ab".repeat(20)],
        ["a P2TR script", "0x225120" + "ab".repeat(32)],
        ["an OP_RETURN script", "0x066a04deadbeef"],
        ["a P2WPKH script with a wrong length prefix", "0x170014" + "ab".repeat(20)],
        ["a P2PKH script without OP_CHECKSIG", "0x1976a914" + "ab".repeat(20) + "8800"],
      ];
      for (const [what, script] of nonStandard) {
        it(`should revert for ${what}`, async () => {
          await expectRevert(request(script, 1_000_000n), "Redeemer output script must be a standard type");
        });
      }
      it("should Panic 0x32 for an empty script (bitcoin-spv reads out of bounds)", async () => {
        expect(await outcome(request("0x", 1_000_000n))).toEqual({ kind: "panic", code: 0x32 });
      });
    });

    context("when the script pays the wallet's own PKH", () => {
      for (const [what, script] of [
        ["P2WPKH", () => p2wpkhScript(w.pubKeyHash)],
        ["P2PKH", () => p2pkhScript(w.pubKeyHash)],
        ["P2SH with the same 20 bytes", () => p2shScript(w.pubKeyHash)],
      ] as const) {
        it(`should revert for ${what}`, async () => {
          await expectRevert(request(script(), 1_000_000n), "Redeemer output script must not point to the wallet PKH");
        });
      }
    });

    context("when the amount is below the dust threshold", () => {
      it("should revert", async () => {
        await expectRevert(request(p2wpkhScript(randomHex(20)), 999_999n), "Redemption amount too small");
      });
    });

    context("when a request to the same script is pending", () => {
      scope();
      const script = p2wshScript(randomHex(32));
      beforeAll(async () => {
        await send(request(script, 1_000_000n));
      });
      it("should revert, before the funds check", async () => {
        await expectRevert(request(script, 100_000_000n), "There is a pending redemption request from this wallet to the same address");
      });
      it("should accept the same script from another wallet", async () => {
        const other = testWallet(204);
        await registerWallet(f, other);
        const otherUtxo = await fundWallet(f, other.pubKeyHash, 2_000_000n);
        await send(request(script, 1_000_000n, { pkh: other.pubKeyHash, mainUtxo: otherUtxo }));
      });
    });

    context("when the wallet funds are insufficient", () => {
      it("should revert one satoshi over the main UTXO value", async () => {
        // 10 000 001 − 10 000 001 / 2000 = 9 995 001 > 9 995 000.
        await expectRevert(request(p2wpkhScript(randomHex(20)), 10_000_001n), "Insufficient wallet funds");
      });
    });
  });

  describe("requestRedemption effects", () => {
    context("when the request uses the whole main UTXO value", () => {
      scope();
      const script = p2pkhScript(randomHex(20));
      let events: { name: string; args: unknown[] }[];
      let at: number;
      beforeAll(async () => {
        // 10 000 000 − 5000 = 9 995 000: exactly the main UTXO value.
        const receipt = await send(request(script, 10_000_000n));
        events = eventsOf(bridge, receipt);
        at = (await receipt.getBlock()).timestamp;
      });

      it("should store the request with a snapshot of the TX max fee", async () => {
        expect(tuple(await bridge.pendingRedemptions(redemptionKey(script, w.pubKeyHash)))).toEqual([
          requesterAddress,
          10_000_000n,
          5000n,
          100_000n,
          BigInt(at),
        ]);
      });

      it("should add amount − treasury fee to the pending value", async () => {
        expect((await bridge.wallets(w.pubKeyHash)).pendingRedemptionsValue).toBe(9_995_000n);
      });

      it("should emit RedemptionRequested", () => {
        expect(events.length).toBe(1);
        expect(events[0].name).toBe("RedemptionRequested");
        const [pkh, s, redeemer, amount, fee, maxFee] = events[0].args as string[];
        expect([pkh.toLowerCase(), s, redeemer, amount, fee, maxFee]).toEqual([
          w.pubKeyHash,
          script,
          requesterAddress,
          10_000_000n,
          5000n,
          100_000n,
        ]);
      });

      it("should refuse any further request (dust threshold)", async () => {
        await expectRevert(request(p2wpkhScript(randomHex(20)), 1_000_000n), "Insufficient wallet funds");
      });

      it("should keep the snapshot when the parameter changes", async () => {
        await send(bridge.updateRedemptionParameters(1_000_000n, 2000n, 50_000n, 1_000_000n, 5 * 86400, 0n, 0n));
        expect((await bridge.pendingRedemptions(redemptionKey(script, w.pubKeyHash))).txMaxFee).toBe(100_000n);
      });
    });

    context("when several requests are made", () => {
      scope();
      it("should accumulate the pending value, with a zero treasury fee when the divisor is 0", async () => {
        await send(request(p2wpkhScript(randomHex(20)), 2_000_000n)); // 1 999 000
        await send(request(p2wshScript(randomHex(32)), 3_000_000n)); // 2 998 500
        await send(bridge.updateRedemptionParameters(1_000_000n, 0n, 100_000n, 1_000_000n, 5 * 86400, 0n, 0n));
        const script = p2shScript(randomHex(20));
        await send(request(script, 4_997_500n)); // no fee: 4 997 500
        expect((await bridge.pendingRedemptions(redemptionKey(script, w.pubKeyHash))).treasuryFee).toBe(0n);
        expect((await bridge.wallets(w.pubKeyHash)).pendingRedemptionsValue).toBe(WALLET_VALUE);
        await expectRevert(request(p2wpkhScript(randomHex(20)), 1_000_000n), "Insufficient wallet funds");
      });
    });
  });

  describe("recordRedemption", () => {
    const s1 = p2wpkhScript(randomHex(20));
    const s2 = p2pkhScript(randomHex(20));
    const s3 = p2wshScript(randomHex(32));
    const redemptionTxHash = randomHex(32);
    const change: BitcoinUtxo = { txHash: redemptionTxHash, txOutputIndex: 2, txOutputValue: 1_000_000n };
    const record = (pkh: string, scripts: string[], newMainUtxo: BitcoinUtxo = change, from: Signer = f.maintainer) =>
      bridge.connect(from).getFunction("recordRedemption")(pkh, redemptionTxHash, scripts, newMainUtxo);

    scope();
    beforeAll(async () => {
      await send(request(s1, 2_000_000n)); // 1 999 000
      await send(request(s2, 3_000_000n)); // 2 998 500
      await send(request(s3, 1_000_000n)); //   999 500
    });

    context("when the wallet is not Live or MovingFunds", () => {
      it("should revert", async () => {
        await expectRevert(record("0x" + "44".repeat(20), [s1]), "Wallet must be in Live or MovingFunds state");
      });
    });

    context("when the wallet has no main UTXO", () => {
      it("should revert", async () => {
        await expectRevert(record(unfunded.pubKeyHash, [s1]), "No main UTXO for given wallet");
      });
    });

    context("when no script is given", () => {
      it("should revert", async () => {
        await expectRevert(record(w.pubKeyHash, []), "No redemptions to record");
      });
    });

    context("when a request is not pending", () => {
      it("should revert", async () => {
        await expectRevert(record(w.pubKeyHash, [s1, p2wpkhScript(randomHex(20))]), "Not a pending redemption request");
      });
      it("should revert for a script given twice", async () => {
        await expectRevert(record(w.pubKeyHash, [s1, s1]), "Not a pending redemption request");
      });
      it("should revert for another wallet's request", async () => {
        await expectRevert(
          bridge.connect(f.maintainer).getFunction("recordRedemption")(moving.pubKeyHash, redemptionTxHash, [s1], change),
          "Not a pending redemption request",
        );
      });
    });

    context("when the change output does not come from the redemption", () => {
      it("should revert", async () => {
        await expectRevert(
          record(w.pubKeyHash, [s1], { ...change, txHash: randomHex(32) }),
          "Main UTXO must come from the recorded transaction",
        );
      });
    });

    context("when two of three requests are recorded with a change output", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(record(w.pubKeyHash, [s1, s2])));
      });

      it("should delete the recorded requests only", async () => {
        expect((await bridge.pendingRedemptions(redemptionKey(s1, w.pubKeyHash))).requestedAt).toBe(0n);
        expect((await bridge.pendingRedemptions(redemptionKey(s2, w.pubKeyHash))).requestedAt).toBe(0n);
        expect((await bridge.pendingRedemptions(redemptionKey(s3, w.pubKeyHash))).requestedAt).not.toBe(0n);
      });

      it("should subtract their amounts less treasury fees from the pending value", async () => {
        expect((await bridge.wallets(w.pubKeyHash)).pendingRedemptionsValue).toBe(999_500n);
      });

      it("should set the change output as the main UTXO", async () => {
        expect((await bridge.wallets(w.pubKeyHash)).mainUtxoHash).toBe(mainUtxoHash(change));
      });

      it("should emit RedemptionsCompleted", () => {
        expect(events.length).toBe(1);
        expect(events[0].name).toBe("RedemptionsCompleted");
        expect((events[0].args[0] as string).toLowerCase()).toBe(w.pubKeyHash);
        expect(events[0].args[1]).toBe(redemptionTxHash);
      });

      context("when recorded again", () => {
        it("should revert", async () => {
          await expectRevert(record(w.pubKeyHash, [s1, s2]), "Not a pending redemption request");
        });
      });
    });

    context("when there is no change output (value 0)", () => {
      scope();
      it("should delete the main UTXO without checking its tx hash", async () => {
        await send(record(w.pubKeyHash, [s1, s2, s3], { txHash: ZERO_BYTES32, txOutputIndex: 0, txOutputValue: 0n }));
        const wallet = await bridge.wallets(w.pubKeyHash);
        expect(wallet.mainUtxoHash).toBe(ZERO_BYTES32);
        expect(wallet.pendingRedemptionsValue).toBe(0n);
        await expectRevert(record(w.pubKeyHash, [s1]), "No main UTXO for given wallet");
      });
    });

    context("when the wallet moved to MovingFunds meanwhile", () => {
      scope();
      it("should still record the redemption", async () => {
        await send(bridge.beginMovingFunds(w.pubKeyHash));
        await send(record(w.pubKeyHash, [s3]));
        expect((await bridge.wallets(w.pubKeyHash)).pendingRedemptionsValue).toBe(1_999_000n + 2_998_500n);
      });
    });
  });
});
