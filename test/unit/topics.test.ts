import { describe, expect, it } from "vitest";
import { coordinationTopic, dkgTopic, parseDkgTopic, parseMemberTopic, parseSigningTopic, signingTopic, walletOfTopic } from "../../src/network/topics.js";

const PKH = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const PKH_HEX = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3";
const UINT256_MAX = (1n << 256n) - 1n;

describe("threshold topics", () => {
  it("names a DKG request's topic and parses it back", () => {
    expect(dkgTopic(31337n, 7n)).toBe("wcoord/v1/31337/dkg/7");
    expect(dkgTopic(1n, 0n)).toBe("wcoord/v1/1/dkg/0");
    expect(parseDkgTopic("wcoord/v1/31337/dkg/7")).toEqual({ chainId: 31337n, requestId: 7n });
    const big = dkgTopic(1n, UINT256_MAX);
    expect(parseDkgTopic(big)).toEqual({ chainId: 1n, requestId: UINT256_MAX });
    expect(parseMemberTopic(big)).toEqual({ kind: "dkg", chainId: 1n, requestId: UINT256_MAX });
  });

  it("names a wallet's signing topic (lowercase hex) and parses it back", () => {
    const t = signingTopic(31337n, PKH);
    expect(t).toBe(`wcoord/v1/31337/${PKH_HEX}/signing`);
    const parsed = parseSigningTopic(t)!;
    expect(parsed.chainId).toBe(31337n);
    expect(parsed.walletPkh).toEqual(PKH);
    expect(parseMemberTopic(t)).toEqual({ kind: "signing", chainId: 31337n, walletPkh: PKH });
    // The signing and coordination topics of one wallet differ only in the last segment.
    expect(coordinationTopic(31337n, PKH)).toBe(t.replace(/signing$/, "coordination"));
  });

  it("refuses out-of-range inputs when naming", () => {
    expect(() => dkgTopic(1n, -1n)).toThrow(/uint256/);
    expect(() => dkgTopic(1n, UINT256_MAX + 1n)).toThrow(/uint256/);
    expect(() => dkgTopic(-1n, 1n)).toThrow(/uint256/);
    expect(() => signingTopic(1n, new Uint8Array(19))).toThrow(/20 bytes/);
    expect(() => signingTopic(1n, new Uint8Array(32))).toThrow(/20 bytes/);
  });

  it.each([
    ["leading zero in the request id", "wcoord/v1/1/dkg/07"],
    ["leading zero in the chain id", "wcoord/v1/01/dkg/7"],
    ["sign", "wcoord/v1/1/dkg/+7"],
    ["negative", "wcoord/v1/1/dkg/-7"],
    ["hex request id", "wcoord/v1/1/dkg/0x07"],
    ["empty request id", "wcoord/v1/1/dkg/"],
    ["over uint256", `wcoord/v1/1/dkg/${UINT256_MAX + 1n}`],
    ["79 digits", `wcoord/v1/1/dkg/1${"0".repeat(78)}`],
    ["trailing slash", "wcoord/v1/1/dkg/7/"],
    ["other version", "wcoord/v2/1/dkg/7"],
    ["whitespace", " wcoord/v1/1/dkg/7"],
    ["newline", "wcoord/v1/1/dkg/7\n"],
  ])("parseDkgTopic refuses a non-canonical topic: %s", (_what, topic) => {
    expect(parseDkgTopic(topic)).toBeNull();
    expect(parseMemberTopic(topic)).toBeNull();
  });

  it.each([
    ["uppercase hex", `wcoord/v1/1/${PKH_HEX.toUpperCase()}/signing`],
    ["0x prefix", `wcoord/v1/1/0x${PKH_HEX}/signing`],
    ["short PKH", `wcoord/v1/1/${PKH_HEX.slice(2)}/signing`],
    ["long PKH", `wcoord/v1/1/${PKH_HEX}00/signing`],
    ["leading zero in the chain id", `wcoord/v1/01/${PKH_HEX}/signing`],
    ["coordination topic", `wcoord/v1/1/${PKH_HEX}/coordination`],
    ["suffix", `wcoord/v1/1/${PKH_HEX}/signing2`],
  ])("parseSigningTopic refuses a non-canonical topic: %s", (_what, topic) => {
    expect(parseSigningTopic(topic)).toBeNull();
    expect(parseMemberTopic(topic)).toBeNull();
  });

  it("keeps the coordination topics apart", () => {
    expect(walletOfTopic(signingTopic(1n, PKH), 1n)).toBeNull();
    expect(walletOfTopic(dkgTopic(1n, 5n), 1n)).toBeNull();
    expect(walletOfTopic(coordinationTopic(1n, PKH), 1n)).toEqual(PKH);
  });
});
