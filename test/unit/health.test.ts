import { describe, expect, it } from "vitest";
import { DEGRADED_AFTER_MS, healthOf } from "../../src/node/health.js";

const NOW = 1_000_000_000;
const base = { booted: true, now: NOW, lastEthRpcOk: NOW, bitcoinUnreachableSince: null };

describe("node health (reliability.md §5)", () => {
  it("is recovering until boot is done, whatever the chains do", () => {
    expect(healthOf({ ...base, booted: false })).toBe("recovering");
    expect(healthOf({ ...base, booted: false, lastEthRpcOk: 0 })).toBe("recovering");
  });

  it("turns degraded only after the Ethereum RPC has failed for more than 5 minutes", () => {
    expect(healthOf(base)).toBe("ready");
    expect(healthOf({ ...base, lastEthRpcOk: NOW - DEGRADED_AFTER_MS })).toBe("ready");
    expect(healthOf({ ...base, lastEthRpcOk: NOW - DEGRADED_AFTER_MS - 1 })).toBe("degraded");
  });

  it("turns degraded only after Electrum has been unreachable for more than 5 minutes", () => {
    expect(healthOf({ ...base, bitcoinUnreachableSince: NOW - DEGRADED_AFTER_MS })).toBe("ready");
    expect(healthOf({ ...base, bitcoinUnreachableSince: NOW - DEGRADED_AFTER_MS - 1 })).toBe("degraded");
  });
});
