import { describe, expect, it } from "vitest";
import { heartbeatMessage, isValidHeartbeatMessage } from "../../src/protocol/heartbeat.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/heartbeat.json" with { type: "json" };

describe("heartbeat message (§13.7) and rule (contracts.md §1.5)", () => {
  it("message vectors", () => {
    for (const v of vectors.messages) {
      const m = heartbeatMessage(fromHex(v.walletPkh), v.block);
      expect(toHex(m)).toBe(v.message);
      expect(isValidHeartbeatMessage(m)).toBe(true);
    }
  });

  it("validity cases", () => {
    for (const v of vectors.validity) expect(isValidHeartbeatMessage(fromHex(v.message)), v.message).toBe(v.valid);
  });
});
