// The devnet compiles the contracts when an artifact is missing or older than its source (issue: a
// fresh clone's `npm start` failed with "Artifact for contract Bridge not found").
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureContractsBuilt, staleContractSource } from "../../src/devnet/contract-build.js";

let root: string;

function write(rel: string, atSec: number): void {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, "x");
  utimesSync(file, atSec, atSec);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "wcoord-build-"));
  write("hardhat.config.ts", 1_000);
  write("contracts/bridge/Bridge.sol", 2_000);
  write("contracts/test/Stub.sol", 2_000);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("staleContractSource", () => {
  it("names a source with no artifacts (a fresh clone)", () => {
    expect(staleContractSource(root)).toMatch(/^contracts\/(bridge\/Bridge|test\/Stub)\.sol$/);
  });

  it("is null when every source has an artifact written after it", () => {
    write("artifacts/contracts/bridge/Bridge.sol/Bridge.json", 3_000);
    write("artifacts/contracts/test/Stub.sol/Stub.json", 3_000);
    expect(staleContractSource(root)).toBeNull();
  });

  it("judges a source that compiles to no artifact of its own (only types) by the newest build info", () => {
    write("artifacts/contracts/bridge/Bridge.sol/Bridge.json", 3_000);
    write("artifacts/contracts/test/Stub.sol/Stub.json", 3_000);
    write("contracts/bridge/BridgeTypes.sol", 2_500);
    expect(staleContractSource(root)).toBe("contracts/bridge/BridgeTypes.sol");
    write("artifacts/build-info/solc-0_8_37-x.json", 3_000);
    expect(staleContractSource(root)).toBeNull();
    write("contracts/bridge/BridgeTypes.sol", 3_500);
    expect(staleContractSource(root)).toBe("contracts/bridge/BridgeTypes.sol");
  });

  it("names a source edited after its artifact, and any source after a config change", () => {
    write("artifacts/contracts/bridge/Bridge.sol/Bridge.json", 3_000);
    write("artifacts/contracts/test/Stub.sol/Stub.json", 3_000);
    write("contracts/test/Stub.sol", 4_000);
    expect(staleContractSource(root)).toBe("contracts/test/Stub.sol");
    write("artifacts/contracts/test/Stub.sol/Stub.json", 5_000);
    write("hardhat.config.ts", 6_000);
    expect(staleContractSource(root)).not.toBeNull();
  });
});

describe("ensureContractsBuilt", () => {
  it("does nothing, and prints nothing, when the artifacts are current", () => {
    write("artifacts/contracts/bridge/Bridge.sol/Bridge.json", 3_000);
    write("artifacts/contracts/test/Stub.sol/Stub.json", 3_000);
    const lines: string[] = [];
    ensureContractsBuilt((l) => lines.push(l), root);
    expect(lines).toEqual([]);
  });

  it("says what it compiles and reports a failed build in one line", () => {
    // The temporary root's hardhat.config.ts is not a config: the real Hardhat fails on it.
    const lines: string[] = [];
    expect(() => ensureContractsBuilt((l) => lines.push(l), root)).toThrow(/^hardhat build failed \(exit \d+\): [^\n]+$/);
    expect(lines[0]).toMatch(/^compiling the contracts \(contracts\/.*\.sol has no current artifact\)/);
  });
});
