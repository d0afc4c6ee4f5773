// LightRelay (issue 14, tbtc-v2's relay and messages) on real mainnet headers around the retarget at
// block 554,400 (helpers/spv-vectors.ts names the source), and the development relay's owner rule.
import type { Contract, ContractTransactionResponse } from "ethers";
import hre from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeNet, expectRevert, snapshotScope, type Net } from "./helpers/evm.js";
import { concatHex, MAINNET_RETARGET as R } from "./helpers/spv-vectors.js";

const context = describe;

let net: Net;
let relay: Contract;
let stranger: Contract;

/** Headers of blocks `from`..`to` inclusive, by height. */
const hdrs = (from: number, to: number): string => concatHex(R.headers.slice(from - R.firstHeight, to - R.firstHeight + 1));
/** The honest retarget proof at proof length 4: 554,396..554,399 then 554,400..554,403. */
const RETARGET = hdrs(554_396, 554_403);

async function events(tx: Promise<ContractTransactionResponse>): Promise<{ name: string; args: unknown[] }[]> {
  const receipt = await (await tx).wait();
  return receipt!.logs.map((l) => relay.interface.parseLog(l)!).map((e) => ({ name: e.name, args: [...e.args] }));
}

beforeAll(async () => {
  net = await hre.network.create();
  relay = (await net.ethers.deployContract("LightRelay")) as unknown as Contract;
  const [, other] = await net.ethers.getSigners();
  stranger = relay.connect(other) as Contract;
});

afterAll(async () => {
  await closeNet(net);
});

const scope = (): void => snapshotScope(() => net);

describe("LightRelay", () => {
  context("before genesis", () => {
    it("reports no difficulty and refuses retargets and chains", async () => {
      expect(await relay.ready()).toBe(false);
      expect(await relay.getCurrentEpochDifficulty()).toBe(0n);
      expect(await relay.getPrevEpochDifficulty()).toBe(0n);
      await expectRevert(relay.retarget(RETARGET), "Relay is not ready for use");
      await expectRevert(relay.validateChain(hdrs(554_391, 554_394)), "Cannot validate chains before relay genesis");
      await expectRevert(relay.setProofLength(5), "Relay is not ready for use");
    });

    it("refuses a bad genesis", async () => {
      await expectRevert(stranger.genesis(R.genesis.header, R.genesis.height, 4), "Ownable: caller is not the owner");
      await expectRevert(relay.genesis("0xdeadbeef", R.genesis.height, 4), "Invalid genesis header length");
      await expectRevert(relay.genesis(R.genesis.header, R.genesis.height + 1, 4), "Invalid height of relay genesis block");
      await expectRevert(relay.genesis(R.genesis.header, R.genesis.height, 2016), "Proof length excessive");
      await expectRevert(relay.genesis(R.genesis.header, R.genesis.height, 0), "Proof length may not be zero");
    });
  });

  context("after genesis at block 552,384 (epoch 274)", () => {
    scope();
    beforeAll(async () => {
      const evs = await events(relay.genesis(R.genesis.header, R.genesis.height, 4));
      expect(evs).toEqual([{ name: "Genesis", args: [BigInt(R.genesis.height)] }]);
    });

    it("records the epoch", async () => {
      expect(await relay.ready()).toBe(true);
      expect(await relay.proofLength()).toBe(4n);
      expect(await relay.currentEpoch()).toBe(274n);
      expect(await relay.getCurrentAndPrevEpochDifficulty()).toEqual([R.genesisDifficulty, 0n]);
      expect(await relay.getBlockDifficulty(554_399)).toBe(R.genesisDifficulty);
      expect(await relay.getRelayRange()).toEqual([552_384n, 554_399n]);
      await expectRevert(relay.getBlockDifficulty(554_400), "Epoch is not proven to the relay yet");
      await expectRevert(relay.getBlockDifficulty(552_383), "Epoch is before relay genesis");
      await expectRevert(relay.genesis(R.genesis.header, R.genesis.height, 4), "Genesis already performed");
    });

    it("validates chains inside the epoch and refuses ones in the unproven next epoch", async () => {
      expect(await relay.validateChain(hdrs(554_391, 554_394))).toEqual([1_545_171_316n, 4n]);
      expect((await relay.validateChain(hdrs(554_391, 554_399)))[1]).toBe(9n);
      await expectRevert(relay.validateChain(hdrs(554_400, 554_403)), "Invalid target in header chain");
      await expectRevert(relay.validateChain(hdrs(554_390, 554_390)), "Invalid number of headers");
      await expectRevert(relay.validateChain(hdrs(554_390, 554_391) + "00"), "Invalid header length");
    });

    it("refuses retargets that are not across the boundary at the proof length", async () => {
      await expectRevert(relay.retarget(hdrs(554_396, 554_396)), "Invalid header length");
      await expectRevert(relay.retarget(hdrs(554_397, 554_404)), "Invalid target in pre-retarget headers");
      await expectRevert(relay.retarget(hdrs(554_395, 554_402)), "Invalid target in new epoch");
    });

    it("refuses a broken chain and a header without its work", async () => {
      const h = R.headers.slice(6, 14);
      await expectRevert(relay.retarget(concatHex([h[0], h[2], h[1], ...h.slice(3)])), "Invalid chain");
      const last = h[7].slice(0, -2) + (h[7].endsWith("00") ? "01" : "00");
      await expectRevert(relay.retarget(concatHex([...h.slice(0, 7), last])), "Invalid work");
    });

    it("sets the proof length (owner only)", async () => {
      await expectRevert(stranger.setProofLength(5), "Ownable: caller is not the owner");
      await expectRevert(relay.setProofLength(4), "Proof length unchanged");
      await expectRevert(relay.setProofLength(2016), "Proof length excessive");
      await expectRevert(relay.setProofLength(0), "Proof length may not be zero");
    });

    context("after anyone proves the retarget at block 554,400", () => {
      scope();
      beforeAll(async () => {
        const evs = await events(stranger.retarget(RETARGET));
        expect(evs).toEqual([{ name: "Retarget", args: [R.genesisDifficulty, R.nextDifficulty] }]);
      });

      it("moves to epoch 275 with the new difficulty, the old one as previous", async () => {
        expect(await relay.currentEpoch()).toBe(275n);
        expect(await relay.getCurrentEpochDifficulty()).toBe(R.nextDifficulty);
        expect(await relay.getPrevEpochDifficulty()).toBe(R.genesisDifficulty);
        expect(await relay.getEpochDifficulty(274)).toBe(R.genesisDifficulty);
        expect(await relay.getEpochDifficulty(275)).toBe(R.nextDifficulty);
        expect(await relay.getRelayRange()).toEqual([552_384n, 556_415n]);
        await expectRevert(relay.getEpochDifficulty(276), "Epoch is not proven to the relay yet");
      });

      it("validates chains across the retarget", async () => {
        for (const [from, to] of [[554_397, 554_400], [554_398, 554_401], [554_399, 554_402], [554_396, 554_404]]) {
          expect((await relay.validateChain(hdrs(from, to)))[1]).toBe(BigInt(to - from + 1));
        }
      });

      it("refuses the same epoch's retarget again", async () => {
        await expectRevert(relay.retarget(RETARGET), "Invalid target in pre-retarget headers");
      });
    });
  });
});

describe("LightRelay on a chain whose clock is before the epoch's end", () => {
  it("refuses the retarget: an epoch cannot end in the future", async () => {
    // 554,399 is timestamped 2018-12-18T23:31:18Z; this chain starts before it.
    const early = await hre.network.create({ override: { initialDate: new Date("2018-12-18T00:00:00Z") } });
    try {
      const r = (await early.ethers.deployContract("LightRelay")) as unknown as Contract;
      await (await r.genesis(R.genesis.header, R.genesis.height, 4)).wait();
      await expectRevert(r.retarget(RETARGET), "Epoch cannot end in the future");
    } finally {
      await closeNet(early);
    }
  });
});

describe("DevRelay", () => {
  it("reports what its owner sets, and only its owner", async () => {
    const dev = (await net.ethers.deployContract("DevRelay", [3n, 2n])) as unknown as Contract;
    expect([await dev.getCurrentEpochDifficulty(), await dev.getPrevEpochDifficulty()]).toEqual([3n, 2n]);
    await (await dev.setDifficulties(5n, 3n)).wait();
    expect([await dev.getCurrentEpochDifficulty(), await dev.getPrevEpochDifficulty()]).toEqual([5n, 3n]);
    const [, other] = await net.ethers.getSigners();
    await expectRevert((dev.connect(other) as Contract).setDifficulties(1n, 1n), "Ownable: caller is not the owner");
  });
});
