// Bridge (contracts.md §2): deployment defaults, roles and access control,
// vaults, the watchtower, parameter updates, ABI conformance and code size.
// Nested contexts mirror the check order; each context has its own snapshot.
import { AbiCoder, id, type Contract, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BRIDGE_LIBRARIES } from "../../ignition/modules/WalletCoordinator.js";
import { expectRevert, closeNet, outcome, snapshotScope } from "./helpers/evm.js";
import {
  ZERO_ADDRESS,
  deployBridgeFixture,
  eventsOf,
  send,
  tuple,
  type BridgeFixture,
} from "./helpers/bridge-fixture.js";

const context = describe;

let f: BridgeFixture;
let bridge: Contract;
let governance: Signer;
let stranger: Signer;
let strangerAddress: string;

beforeAll(async () => {
  f = await deployBridgeFixture();
  ({ bridge, governance } = f);
  stranger = f.others[1];
  strangerAddress = await stranger.getAddress();
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);

const DEFAULT_DEPOSIT = [1_000_000n, 2000n, 100_000n, 15n * 86400n];
const DEFAULT_REDEMPTION = [1_000_000n, 2000n, 100_000n, 1_000_000n, 5n * 86400n, 100n * 10n ** 18n, 100n];
const DEFAULT_MOVING_FUNDS = [
  100_000n,
  200_000n,
  6n * 86400n,
  7n * 86400n,
  100n * 10n ** 18n,
  100n,
  15_000n,
  100_000n,
  7n * 86400n,
  100n * 10n ** 18n,
  100n,
];
const DEFAULT_WALLET = [7n * 86400n, 10n ** 8n, 100n * 10n ** 8n, 5n * 10n ** 7n, 26n * 7n * 86400n, 10n * 10n ** 8n, 40n * 86400n];

describe("Bridge", () => {
  describe("deployment", () => {
    it("sets the governance", async () => {
      expect(await bridge.governance()).toBe(await governance.getAddress());
    });

    it("sets tBTC v2's default parameters as exact tuples", async () => {
      expect(tuple(await bridge.depositParameters())).toEqual(DEFAULT_DEPOSIT);
      expect(tuple(await bridge.redemptionParameters())).toEqual(DEFAULT_REDEMPTION);
      expect(tuple(await bridge.movingFundsParameters())).toEqual(DEFAULT_MOVING_FUNDS);
      expect(tuple(await bridge.walletParameters())).toEqual(DEFAULT_WALLET);
    });

    it("starts with no wallets, no watchtower and no trusted vault", async () => {
      expect(await bridge.liveWalletsCount()).toBe(0n);
      expect(await bridge.activeWalletPubKeyHash()).toBe(ZERO_ADDRESS);
      expect(await bridge.getRedemptionWatchtower()).toBe(ZERO_ADDRESS);
      expect(await bridge.isVaultTrusted(strangerAddress)).toBe(false);
    });

    it("returns empty values for an unknown wallet", async () => {
      const pkh = "0x" + "12".repeat(20);
      expect(await bridge.walletOperators(pkh)).toEqual([]);
      expect(await bridge.walletPublicKey(pkh)).toBe("0x");
      expect(tuple(await bridge.wallets(pkh))).toEqual([
        "0x" + "00".repeat(32),
        "0x" + "00".repeat(32),
        0n,
        0n,
        0n,
        0n,
        0n,
        0n,
        "0x" + "00".repeat(32),
      ]);
    });

    it("keeps the deployed code of the Bridge, its libraries and the validator under 24576 bytes", async () => {
      const validator = await f.net.ethers.deployContract("WalletProposalValidator", [await bridge.getAddress()]);
      const libraries = await Promise.all(BRIDGE_LIBRARIES.map((name) => f.net.ethers.deployContract(name)));
      for (const c of [bridge, validator, ...libraries]) {
        const code = await f.net.ethers.provider.getCode(await c.getAddress());
        const size = (code.length - 2) / 2;
        expect(size).toBeGreaterThan(0);
        expect(size).toBeLessThan(24576);
      }
    });
  });

  describe("the libraries, called directly", () => {
    // Their functions take the Bridge's storage (a slot number in the ABI): they run only by
    // delegatecall from the Bridge. Library selectors name storage pointers and structs by type.
    const X = "0x" + "11".repeat(32);
    const calls: [string, string, string[], unknown[]][] = [
      ["Wallets", "registerWallet(BridgeState.Storage storage,bytes32,bytes32,address[])", ["uint256", "bytes32", "bytes32", "address[]"], [1, X, X, ["0x" + "22".repeat(20)]]],
      ["Wallets", "finalizeWalletClosing(BridgeState.Storage storage,bytes20)", ["uint256", "bytes20"], [1, "0x" + "00".repeat(20)]],
      [
        "BridgeParameters",
        "updateDepositParameters(BridgeState.Storage storage,BridgeState.DepositParameters)",
        ["uint256", "tuple(uint64,uint64,uint64,uint32)"],
        [1, [2, 0, 1, 0]],
      ],
    ];
    for (const [library, signature, types, args] of calls) {
      it(`${library}.${signature.split("(")[0]} reverts without reason`, async () => {
        const lib = await f.net.ethers.deployContract(library);
        const selector = id(signature).slice(0, 10);
        const data = selector + AbiCoder.defaultAbiCoder().encode(types, args).slice(2);
        // The selector is in the library's dispatcher (PUSH4): the function exists, and refuses a plain call.
        expect(await f.net.ethers.provider.getCode(await lib.getAddress())).toContain("63" + selector.slice(2));
        expect(await outcome(stranger.call({ to: await lib.getAddress(), data }))).toEqual({ kind: "other", data: "0x" });
        expect(await outcome(stranger.call({ to: await bridge.getAddress(), data }))).toEqual({ kind: "other", data: "0x" });
      });
    }
  });

  describe("governance-only functions", () => {
    const X = "0x" + "11".repeat(32);
    const calls: [string, unknown[]][] = [
      ["transferGovernance", [ZERO_ADDRESS]],
      ["setMaintainerStatus", [ZERO_ADDRESS, true]],
      ["setRedemptionRequesterStatus", [ZERO_ADDRESS, true]],
      ["setVaultStatus", [ZERO_ADDRESS, true]],
      ["setRedemptionWatchtower", [ZERO_ADDRESS]],
      ["updateDepositParameters", [0, 0, 0, 0]],
      ["updateRedemptionParameters", [0, 0, 0, 0, 0, 0, 0]],
      ["updateMovingFundsParameters", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
      ["updateWalletParameters", [0, 0, 0, 0, 0, 0, 0]],
      ["registerWallet", [X, X, []]],
      ["beginMovingFunds", ["0x" + "00".repeat(20)]],
      ["terminateWallet", ["0x" + "00".repeat(20)]],
      ["setRelay", ["0x" + "11".repeat(20)]],
      ["updateTxProofDifficultyFactor", [6]],
    ];
    for (const [name, args] of calls) {
      context(`when ${name} is called by a non-governance account`, () => {
        it("should revert before any other check", async () => {
          await expectRevert(bridge.connect(stranger).getFunction(name)(...args), "Caller is not the governance");
        });
      });
    }
  });

  describe("maintainer-only functions", () => {
    const H = "0x" + "22".repeat(32);
    const P = "0x" + "00".repeat(20);
    const U = { txHash: H, txOutputIndex: 0, txOutputValue: 0 };
    const calls: [string, unknown[]][] = [
      ["recordDepositSweep", [P, H, [], U]],
      ["recordRedemption", [P, H, [], U]],
      ["recordMovingFunds", [P, H, [], []]],
      ["recordMovedFundsSweep", [P, H, H, 0, U]],
    ];
    for (const [name, args] of calls) {
      context(`when ${name} is called by a non-maintainer`, () => {
        it("should revert before any other check", async () => {
          await expectRevert(bridge.connect(stranger).getFunction(name)(...args), "Caller is not a maintainer");
        });
        it("should revert for the governance too", async () => {
          await expectRevert(bridge.connect(governance).getFunction(name)(...args), "Caller is not a maintainer");
        });
      });
    }
  });

  describe("transferGovernance", () => {
    context("when the new governance is zero", () => {
      it("should revert", async () => {
        await expectRevert(bridge.transferGovernance(ZERO_ADDRESS), "New governance address cannot be zero");
      });
    });

    context("when the new governance is valid", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(bridge.transferGovernance(strangerAddress)));
      });

      it("should transfer governance", async () => {
        expect(await bridge.governance()).toBe(strangerAddress);
      });

      it("should emit GovernanceTransferred(old, new)", async () => {
        expect(events).toEqual([
          { name: "GovernanceTransferred", args: [await governance.getAddress(), strangerAddress] },
        ]);
      });

      it("should take the rights away from the old governance", async () => {
        await expectRevert(bridge.connect(governance).getFunction("setVaultStatus")(ZERO_ADDRESS, true), "Caller is not the governance");
      });

      it("should give the rights to the new governance", async () => {
        await send(bridge.connect(stranger).getFunction("setVaultStatus")(ZERO_ADDRESS, true));
        expect(await bridge.isVaultTrusted(ZERO_ADDRESS)).toBe(true);
      });
    });
  });

  describe("role and vault setters", () => {
    const setters: [string, string, string][] = [
      ["setMaintainerStatus", "isMaintainer", "MaintainerStatusUpdated"],
      ["setRedemptionRequesterStatus", "isRedemptionRequester", "RedemptionRequesterStatusUpdated"],
      ["setVaultStatus", "isVaultTrusted", "VaultStatusUpdated"],
    ];
    for (const [setter, view, event] of setters) {
      context(`${setter}`, () => {
        scope();
        it("should grant, emit and revoke", async () => {
          expect(await bridge.getFunction(view)(strangerAddress)).toBe(false);
          const granted = eventsOf(bridge, await send(bridge.getFunction(setter)(strangerAddress, true)));
          expect(granted).toEqual([{ name: event, args: [strangerAddress, true] }]);
          expect(await bridge.getFunction(view)(strangerAddress)).toBe(true);
          const revoked = eventsOf(bridge, await send(bridge.getFunction(setter)(strangerAddress, false)));
          expect(revoked).toEqual([{ name: event, args: [strangerAddress, false] }]);
          expect(await bridge.getFunction(view)(strangerAddress)).toBe(false);
        });
      });
    }
  });

  describe("setRedemptionWatchtower", () => {
    context("when the address is zero", () => {
      it("should revert", async () => {
        await expectRevert(bridge.setRedemptionWatchtower(ZERO_ADDRESS), "Redemption watchtower address must not be 0x0");
      });
    });

    context("when the watchtower is set", () => {
      scope();
      const watchtower = "0x" + "ab".repeat(20);
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(bridge.setRedemptionWatchtower(watchtower)));
      });

      it("should store it and emit RedemptionWatchtowerSet", async () => {
        expect((await bridge.getRedemptionWatchtower()).toLowerCase()).toBe(watchtower);
        expect(events.length).toBe(1);
        expect(events[0].name).toBe("RedemptionWatchtowerSet");
        expect((events[0].args[0] as string).toLowerCase()).toBe(watchtower);
      });

      context("when it is set again", () => {
        it("should revert, before the zero-address check", async () => {
          await expectRevert(bridge.setRedemptionWatchtower(strangerAddress), "Redemption watchtower already set");
          await expectRevert(bridge.setRedemptionWatchtower(ZERO_ADDRESS), "Redemption watchtower already set");
        });
      });
    });
  });

  describe("updateDepositParameters", () => {
    const cases: [string, bigint[], string][] = [
      ["dust threshold is zero", [0n, 2000n, 0n, 0n], "Deposit dust threshold must be greater than zero"],
      ["dust threshold equals the TX max fee", [100n, 0n, 100n, 0n], "Deposit dust threshold must be greater than deposit TX max fee"],
      ["dust threshold is below the TX max fee", [99n, 0n, 100n, 0n], "Deposit dust threshold must be greater than deposit TX max fee"],
      ["TX max fee is zero", [1n, 0n, 0n, 0n], "Deposit transaction max fee must be greater than zero"],
    ];
    for (const [when, args, reason] of cases) {
      context(`when the ${when}`, () => {
        it("should revert", async () => {
          await expectRevert(bridge.updateDepositParameters(...args), reason);
        });
      });
    }

    context("when all parameters are valid", () => {
      scope();
      const params = [101n, 0n, 100n, 0n];
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(bridge.updateDepositParameters(...params)));
      });
      it("should update the getter tuple", async () => {
        expect(tuple(await bridge.depositParameters())).toEqual(params);
      });
      it("should emit DepositParametersUpdated with the full tuple", () => {
        expect(events).toEqual([{ name: "DepositParametersUpdated", args: params }]);
      });
    });
  });

  describe("updateRedemptionParameters", () => {
    // Moving funds dust threshold is 200 000 by default.
    const valid = [200_001n, 2000n, 100_000n, 100_000n, 1n, 0n, 100n];
    const with_ = (i: number, v: bigint): bigint[] => valid.map((x, j) => (j === i ? v : x));
    const cases: [string, bigint[], string][] = [
      [
        "dust threshold equals the moving funds dust threshold",
        with_(0, 200_000n),
        "Redemption dust threshold must be greater than moving funds dust threshold",
      ],
      [
        "dust threshold equals the TX max fee",
        [300_000n, 0n, 300_000n, 300_000n, 1n, 0n, 0n],
        "Redemption dust threshold must be greater than redemption TX max fee",
      ],
      ["TX max fee is zero", with_(2, 0n), "Redemption transaction max fee must be greater than zero"],
      [
        "TX max total fee is below the TX max fee",
        with_(3, 99_999n),
        "Redemption transaction max total fee must be greater than or equal to the redemption transaction per-request max fee",
      ],
      ["timeout is zero", with_(4, 0n), "Redemption timeout must be greater than zero"],
      [
        "notifier reward multiplier is above 100",
        with_(6, 101n),
        "Redemption timeout notifier reward multiplier must be in the range [0, 100]",
      ],
    ];
    for (const [when, args, reason] of cases) {
      context(`when the ${when}`, () => {
        it("should revert", async () => {
          await expectRevert(bridge.updateRedemptionParameters(...args), reason);
        });
      });
    }

    context("when every check fails", () => {
      it("should report the first check", async () => {
        await expectRevert(
          bridge.updateRedemptionParameters(0n, 0n, 0n, 0n, 0n, 0n, 1000n),
          "Redemption dust threshold must be greater than moving funds dust threshold",
        );
      });
    });

    context("when all parameters are valid (boundaries)", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(bridge.updateRedemptionParameters(...valid)));
      });
      it("should update the getter tuple", async () => {
        expect(tuple(await bridge.redemptionParameters())).toEqual(valid);
      });
      it("should emit RedemptionParametersUpdated with the full tuple", () => {
        expect(events).toEqual([{ name: "RedemptionParametersUpdated", args: valid }]);
      });
    });
  });

  describe("updateMovingFundsParameters", () => {
    // Redemption dust threshold is 1 000 000 by default.
    const valid = [1n, 999_999n, 1n, 2n, 5n, 100n, 7n, 1n, 1n, 9n, 100n];
    const with_ = (i: number, v: bigint): bigint[] => valid.map((x, j) => (j === i ? v : x));
    const cases: [string, bigint[], string][] = [
      ["TX max total fee is zero", with_(0, 0n), "Moving funds transaction max total fee must be greater than zero"],
      [
        "dust threshold is zero",
        with_(1, 0n),
        "Moving funds dust threshold must be greater than zero and lower than redemption dust threshold",
      ],
      [
        "dust threshold equals the redemption dust threshold",
        with_(1, 1_000_000n),
        "Moving funds dust threshold must be greater than zero and lower than redemption dust threshold",
      ],
      ["timeout reset delay is zero", with_(2, 0n), "Moving funds timeout reset delay must be greater than zero"],
      ["timeout equals its reset delay", with_(3, 1n), "Moving funds timeout must be greater than its reset delay"],
      [
        "notifier reward multiplier is above 100",
        with_(5, 101n),
        "Moving funds timeout notifier reward multiplier must be in the range [0, 100]",
      ],
      [
        "sweep TX max total fee is zero",
        with_(7, 0n),
        "Moved funds sweep transaction max total fee must be greater than zero",
      ],
      ["sweep timeout is zero", with_(8, 0n), "Moved funds sweep timeout must be greater than zero"],
      [
        "sweep notifier reward multiplier is above 100",
        with_(10, 101n),
        "Moved funds sweep timeout notifier reward multiplier must be in the range [0, 100]",
      ],
    ];
    for (const [when, args, reason] of cases) {
      context(`when the ${when}`, () => {
        it("should revert", async () => {
          await expectRevert(bridge.updateMovingFundsParameters(...args), reason);
        });
      });
    }

    context("when all parameters are valid (boundaries)", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(bridge.updateMovingFundsParameters(...valid)));
      });
      it("should update the getter tuple", async () => {
        expect(tuple(await bridge.movingFundsParameters())).toEqual(valid);
      });
      it("should emit MovingFundsParametersUpdated with the full tuple", () => {
        expect(events).toEqual([{ name: "MovingFundsParametersUpdated", args: valid }]);
      });
      it("should make the redemption dust check use the new moving funds dust threshold", async () => {
        await expectRevert(
          bridge.updateRedemptionParameters(999_999n, 0n, 1n, 1n, 1n, 0n, 0n),
          "Redemption dust threshold must be greater than moving funds dust threshold",
        );
      });
    });
  });

  describe("updateWalletParameters", () => {
    const valid = [0n, 5n, 6n, 0n, 0n, 1n, 1n];
    const with_ = (i: number, v: bigint): bigint[] => valid.map((x, j) => (j === i ? v : x));
    const cases: [string, bigint[], string][] = [
      [
        "creation maximum equals the creation minimum",
        with_(2, 5n),
        "Wallet creation maximum BTC balance must be greater than the creation minimum BTC balance",
      ],
      ["maximum BTC transfer is zero", with_(5, 0n), "Wallet maximum BTC transfer must be greater than zero"],
      ["closing period is zero", with_(6, 0n), "Wallet closing period must be greater than zero"],
    ];
    for (const [when, args, reason] of cases) {
      context(`when the ${when}`, () => {
        it("should revert", async () => {
          await expectRevert(bridge.updateWalletParameters(...args), reason);
        });
      });
    }

    context("when all parameters are valid", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      beforeAll(async () => {
        events = eventsOf(bridge, await send(bridge.updateWalletParameters(...valid)));
      });
      it("should update the getter tuple", async () => {
        expect(tuple(await bridge.walletParameters())).toEqual(valid);
      });
      it("should emit WalletParametersUpdated with the full tuple", () => {
        expect(events).toEqual([{ name: "WalletParametersUpdated", args: valid }]);
      });
    });
  });

  describe("ABI conformance", () => {
    const functions: [string, string][] = [
      ["wallets(bytes20)", "0xe65e19d5"],
      ["deposits(uint256)", "0xb02c43d0"],
      ["pendingRedemptions(uint256)", "0x03d952f7"],
      ["movedFundsSweepRequests(uint256)", "0xf18cf1b1"],
      ["depositParameters()", "0xc42b64d0"],
      ["redemptionParameters()", "0x6e70ce41"],
      ["movingFundsParameters()", "0xbe05abe3"],
      ["walletParameters()", "0x61ccf97a"],
      ["getRedemptionWatchtower()", "0x5f3281ca"],
      ["liveWalletsCount()", "0x24028c11"],
      ["activeWalletPubKeyHash()", "0xded1d24a"],
      ["isVaultTrusted(address)", "0xe53c0b55"],
      ["walletOperators(bytes20)", "0x54d27ce2"],
      ["walletPublicKey(bytes20)", "0x847570cd"],
      ["depositWalletPubKeyHash(uint256)", "0xd4711f24"],
      ["isMaintainer(address)", "0xdd57366a"],
      ["isRedemptionRequester(address)", "0x03f97f5d"],
      ["governance()", "0x5aa6e675"],
      ["setMaintainerStatus(address,bool)", "0x17816811"],
      ["setRedemptionRequesterStatus(address,bool)", "0x957667ed"],
      ["transferGovernance(address)", "0xd38bfff4"],
      ["updateDepositParameters(uint64,uint64,uint64,uint32)", "0x38326507"],
      ["updateRedemptionParameters(uint64,uint64,uint64,uint64,uint32,uint96,uint32)", "0xb5da2171"],
      [
        "updateMovingFundsParameters(uint64,uint64,uint32,uint32,uint96,uint32,uint16,uint64,uint32,uint96,uint32)",
        "0xc3b5ffc9",
      ],
      ["updateWalletParameters(uint32,uint64,uint64,uint64,uint32,uint64,uint32)", "0x883d6a11"],
      ["registerWallet(bytes32,bytes32,address[])", "0x7256ee3a"],
      ["beginMovingFunds(bytes20)", "0x1e02cc11"],
      ["finalizeWalletClosing(bytes20)", "0x4be8aa5a"],
      ["terminateWallet(bytes20)", "0x966cca6b"],
      ["revealDeposit((bytes4,bytes,bytes,bytes4),(uint32,bytes8,bytes20,bytes20,bytes4,address))", "0xfca4ba4c"],
      [
        "revealDepositWithExtraData((bytes4,bytes,bytes,bytes4),(uint32,bytes8,bytes20,bytes20,bytes4,address),bytes32)",
        "0x86f01439",
      ],
      ["requestRedemption(bytes20,(bytes32,uint32,uint64),bytes,uint64)", "0xd6eccdf0"],
      ["submitMovingFundsCommitment(bytes20,(bytes32,uint32,uint64),uint256,bytes20[])", "0xbf0d0c34"],
      ["recordDepositSweep(bytes20,bytes32,(bytes32,uint32)[],(bytes32,uint32,uint64))", "0x8577f70c"],
      ["recordRedemption(bytes20,bytes32,bytes[],(bytes32,uint32,uint64))", "0xce821c0d"],
      ["recordMovingFunds(bytes20,bytes32,bytes20[],uint64[])", "0x1702c1a0"],
      ["recordMovedFundsSweep(bytes20,bytes32,bytes32,uint32,(bytes32,uint32,uint64))", "0xe169fb61"],
      [
        "submitDepositSweepProof((bytes4,bytes,bytes,bytes4),(bytes,uint256,bytes,bytes32,bytes),(bytes32,uint32,uint64),address)",
        "0xbd150131",
      ],
      [
        "submitRedemptionProof((bytes4,bytes,bytes,bytes4),(bytes,uint256,bytes,bytes32,bytes),(bytes32,uint32,uint64),bytes20)",
        "0x8ac89ce1",
      ],
      [
        "submitMovingFundsProof((bytes4,bytes,bytes,bytes4),(bytes,uint256,bytes,bytes32,bytes),(bytes32,uint32,uint64),bytes20)",
        "0xe509397d",
      ],
      [
        "submitMovedFundsSweepProof((bytes4,bytes,bytes,bytes4),(bytes,uint256,bytes,bytes32,bytes),(bytes32,uint32,uint64))",
        "0x9821c38b",
      ],
      ["setVaultStatus(address,bool)", "0x60d712fc"],
      ["setRedemptionWatchtower(address)", "0xbe26ebad"],
    ];
    for (const [signature, selector] of functions) {
      it(`has ${signature} with selector ${selector}`, () => {
        expect(id(signature).slice(0, 10)).toBe(selector);
        const fragment = bridge.interface.getFunction(signature);
        expect(fragment?.selector).toBe(selector);
      });
    }

    const events: [string, string][] = [
      [
        "DepositRevealed(bytes32,uint32,address,uint64,bytes8,bytes20,bytes20,bytes4,address)",
        "0xa7382159a693ed317a024daf0fd1ba30805cdf9928ee09550af517c516e2ef05",
      ],
      ["DepositsSwept(bytes20,bytes32)", "0xe50ffdcc0a5f2c1ede5c122b9414ffd7b2c6bc870d2d775194049dc30da95e6a"],
      [
        "RedemptionRequested(bytes20,bytes,address,uint64,uint64,uint64)",
        "0x97a0199072f487232635d50ab75860891afe0b91c976ed2fc76502c4d82d0d95",
      ],
      ["RedemptionsCompleted(bytes20,bytes32)", "0xa45596c10f758d32ec8cca64a0fbfe776052b08fdb3f026e0a87f52118bf8fbe"],
      ["WalletMovingFunds(bytes32,bytes20)", "0xbdc9ce990a067e5fd3a5d8dfc68e27e9f221aaa3fe55265e0b7e93c460b3efe2"],
      [
        "MovingFundsCommitmentSubmitted(bytes20,bytes20[],address)",
        "0xfcab32b1dc365ef82ae9df4be019512ca536c191bd68f523b9f33d0c070e8d4a",
      ],
      ["MovingFundsCompleted(bytes20,bytes32)", "0xc635af1892551655b9dbb3256a0eed3e35baf4fcc5392b80e6a907b6f44a2838"],
      ["MovedFundsSwept(bytes20,bytes32)", "0x1650566b0cdca3878702c6b169ab429b57de91a06c61998925d0adf6227b243e"],
      ["NewWalletRegistered(bytes32,bytes20)", "0x2dbb47dce81d6b11cca1f1e3b10143d6f7e1e7e92d2dd9aacbb1f875379d308e"],
      ["WalletClosing(bytes32,bytes20)", "0x68cb496f5e64383745876664ef119840f154a729c03ba866b8aecb5c9f53d516"],
      ["WalletClosed(bytes32,bytes20)", "0x47b159947c3066cb253f60e8f046cfd747411788a545cb189679e3fa1467b28d"],
      ["WalletTerminated(bytes32,bytes20)", "0x9272a280b0f32f70b00ad0b546499c68e3ecc6f7bb7ef43491ec5d7b99bf69ef"],
      ["VaultStatusUpdated(address,bool)", "0x9065599c12c4294d9e2201638226d0d0beb95c228f468c4e7c2bdb8322b6066f"],
      ["RedemptionWatchtowerSet(address)", "0x13f696992cabdd1b00afcc752ff98fe39e3fe341c16ed5f55e55c64875de0b99"],
      ["WalletOperatorsSet(bytes20,address[])", "0xbe4e8d583cf7ee6a7d47aec2db98ae7f9cc9723a938003f1ee0dfbe81ca12fbf"],
      ["MaintainerStatusUpdated(address,bool)", "0x60ff4d11eaf2eaa21d4ff66510f82b93d3c52613fa16398185c2142758edc92b"],
      ["GovernanceTransferred(address,address)", "0x5f56bee8cffbe9a78652a74a60705edede02af10b0bbb888ca44b79a0d42ce80"],
      [
        "RedemptionRequesterStatusUpdated(address,bool)",
        "0xed2e6139147b88f60b2e3b541d2a87d4fc1a0c4497b6a908492125bd32c6b5e8",
      ],
    ];
    for (const [signature, topic] of events) {
      it(`has event ${signature} with topic0 ${topic.slice(0, 10)}…`, () => {
        expect(id(signature)).toBe(topic);
        expect(bridge.interface.getEvent(signature)?.topicHash).toBe(topic);
      });
    }

    it("indexes exactly tBTC's event fields", () => {
      const indexed = (sig: string): string[] =>
        bridge.interface
          .getEvent(sig)!
          .inputs.filter((i) => i.indexed)
          .map((i) => i.name);
      expect(indexed("DepositRevealed")).toEqual(["depositor", "walletPubKeyHash"]);
      expect(indexed("DepositsSwept")).toEqual([]);
      expect(indexed("RedemptionRequested")).toEqual(["walletPubKeyHash", "redeemer"]);
      expect(indexed("RedemptionsCompleted")).toEqual(["walletPubKeyHash"]);
      expect(indexed("WalletMovingFunds")).toEqual(["ecdsaWalletID", "walletPubKeyHash"]);
      expect(indexed("MovingFundsCommitmentSubmitted")).toEqual(["walletPubKeyHash"]);
      expect(indexed("MovingFundsCompleted")).toEqual(["walletPubKeyHash"]);
      expect(indexed("MovedFundsSwept")).toEqual(["walletPubKeyHash"]);
      expect(indexed("NewWalletRegistered")).toEqual(["ecdsaWalletID", "walletPubKeyHash"]);
      expect(indexed("WalletClosing")).toEqual(["ecdsaWalletID", "walletPubKeyHash"]);
      expect(indexed("WalletClosed")).toEqual(["ecdsaWalletID", "walletPubKeyHash"]);
      expect(indexed("WalletTerminated")).toEqual(["ecdsaWalletID", "walletPubKeyHash"]);
      expect(indexed("VaultStatusUpdated")).toEqual(["vault"]);
      expect(indexed("RedemptionWatchtowerSet")).toEqual([]);
      expect(indexed("WalletOperatorsSet")).toEqual(["walletPubKeyHash"]);
      expect(indexed("MaintainerStatusUpdated")).toEqual(["maintainer"]);
      expect(indexed("GovernanceTransferred")).toEqual([]);
      expect(indexed("RedemptionRequesterStatusUpdated")).toEqual(["requester"]);
    });
  });
});
