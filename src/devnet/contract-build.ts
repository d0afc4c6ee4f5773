// The devnet deploys the compiled contracts: compile them first when an artifact is missing or older
// than its source, so a fresh clone's first `wcoord devnet` works without a separate build step.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { HARDHAT_BIN, ROOT } from "./hardhat-node.js";

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const mtime = (file: string): number => statSync(file).mtimeMs;

/**
 * A source with nothing compiled since it changed: its artifacts, or for a source that declares no
 * contract (only types or free functions, so no artifact of its own) the newest build info.
 */
export function staleContractSource(root = ROOT): string | null {
  const config = mtime(join(root, "hardhat.config.ts"));
  const buildInfo = filesUnder(join(root, "artifacts", "build-info"), (n) => n.endsWith(".json")).map(mtime);
  for (const source of filesUnder(join(root, "contracts"), (n) => n.endsWith(".sol"))) {
    const own = filesUnder(join(root, "artifacts", relative(root, source)), (n) => n.endsWith(".json")).map(mtime);
    const written = own.length > 0 ? own : buildInfo;
    if (written.length === 0 || Math.max(...written) < Math.max(mtime(source), config)) return relative(root, source);
  }
  return null;
}

/** Compiles with the project's Hardhat (the `solc` npm package: nothing is downloaded) when needed. */
export function ensureContractsBuilt(print: (line: string) => void, root = ROOT): void {
  const stale = staleContractSource(root);
  if (stale === null) return;
  print(`compiling the contracts (${stale} has no current artifact)…`);
  // The .bin script is `#!/usr/bin/env node`: put this process's Node (>= 22) first on PATH.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  const run = spawnSync(HARDHAT_BIN, ["build", "--quiet"], { cwd: root, env, encoding: "utf8" });
  if (run.status !== 0) {
    const tail = `${run.stderr ?? ""}${run.stdout ?? ""}`.trim().split("\n").slice(-5).join(" | ");
    throw new Error(`hardhat build failed (exit ${run.status ?? run.signal}): ${tail || run.error?.message}`);
  }
}
