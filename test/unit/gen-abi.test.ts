// src/chain/gen/*.ts are generated from the compiled artifacts (scripts/gen-chain-abi.ts) and
// committed, because the installed node runs without artifacts/: regenerating must give the same bytes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTRACTS, generateFile, outputPath } from "../../scripts/gen-chain-abi.js";

describe("generated ABI files", () => {
  for (const spec of CONTRACTS) {
    it(`src/chain/gen/${spec.file} is what the generator writes from ${spec.artifact} (npm run gen:abi)`, () => {
      expect(readFileSync(outputPath(spec), "utf8")).toBe(generateFile(spec));
    });
  }
});
