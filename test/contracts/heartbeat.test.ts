// Heartbeat message rule (contracts.md §1.5, §6.2) through HeartbeatHarness.
import type { Contract } from "ethers";
import hre from "hardhat";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromHex, to0x } from "../../src/util/hex.js";
import { closeNet, type Net } from "./helpers/evm.js";

const context = describe;

let net: Net;
let harness: Contract;

beforeAll(async () => {
  net = await hre.network.create();
  harness = (await net.ethers.deployContract("HeartbeatHarness")) as unknown as Contract;
});

afterAll(async () => {
  await closeNet(net);
});

async function isValid(message: string | Uint8Array): Promise<boolean> {
  return (await harness.isValidHeartbeatMessage(typeof message === "string" ? message : to0x(message))) as boolean;
}

const ff8 = "ff".repeat(8);

describe("Heartbeat.isValidHeartbeatMessage", () => {
  context("when the message is empty", () => {
    it("should return false", async () => {
      expect(await isValid("0x")).toBe(false);
    });
  });

  context("when the message is 15 bytes long", () => {
    it("should return false", async () => {
      expect(await isValid("0x" + ff8 + "11".repeat(7))).toBe(false);
      expect(await isValid("0x" + "ff".repeat(15))).toBe(false);
    });
  });

  context("when the message is 17 bytes long", () => {
    it("should return false", async () => {
      expect(await isValid("0x" + ff8 + "11".repeat(9))).toBe(false);
      expect(await isValid("0x" + "ff".repeat(17))).toBe(false);
    });
  });

  context("when the message is 16 bytes long with a wrong prefix", () => {
    it("should return false", async () => {
      const wrongPrefixes = [
        "0xFFFFFFFFFFFFFF0F" + "FF".repeat(8),
        "0xfffffffffffffff2" + "11".repeat(8),
        "0x7fffffffffffffff" + "ff".repeat(8),
        "0xfffffffffffffffe" + "ff".repeat(8),
        "0xfeffffffffffffff" + "ff".repeat(8),
        "0x" + "00".repeat(16),
        "0x" + "11".repeat(8) + "ff".repeat(8),
      ];
      for (const m of wrongPrefixes) expect(await isValid(m), m).toBe(false);
    });
  });

  context("when the message is 16 bytes long with the 0xff x8 prefix", () => {
    it("should return true", async () => {
      for (const m of ["0x" + ff8 + "00".repeat(8), "0x" + ff8 + "11".repeat(8), "0x" + "ff".repeat(16)]) {
        expect(await isValid(m), m).toBe(true);
      }
    });
  });

  context("when the message is arbitrary", () => {
    // Reference rule in TS, compared with the library on random inputs that are
    // biased towards the interesting region (lengths near 16, 0xff-heavy prefixes).
    const reference = (m: Uint8Array): boolean => m.length === 16 && m.subarray(0, 8).every((b) => b === 0xff);
    const byteArb = fc.oneof(fc.constant(0xff), fc.integer({ min: 0, max: 255 }));

    it("should agree with the reference rule", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(byteArb, { minLength: 0, maxLength: 40 }), async (bytes) => {
          const m = Uint8Array.from(bytes);
          expect(await isValid(m)).toBe(reference(m));
        }),
        { numRuns: 150 },
      );
      // The vectors above, through the reference as well, so it is not vacuous.
      expect(reference(fromHex(ff8 + "11".repeat(8)))).toBe(true);
      expect(reference(fromHex("fffffffffffffff2" + "11".repeat(8)))).toBe(false);
    });
  });
});
