// `npm run build` (after `hardhat build`): compiles src/ into dist/ with tsconfig.build.json and copies
// the files the compiled code reads next to itself (every non-TypeScript file under src/, e.g. the SQL
// migrations). The node needs no contract artifact at run time: its ABIs are src/chain/abi.ts.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
const EXCLUDED = [join(SRC, "devnet")]; // as in tsconfig.build.json

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: "inherit" });

let assets = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (EXCLUDED.includes(path)) continue;
    if (entry.isDirectory()) walk(path);
    else if (!entry.name.endsWith(".ts")) {
      cpSync(path, join(DIST, relative(SRC, path)));
      assets++;
    }
  }
};
walk(SRC);

if (!existsSync(join(DIST, "cli", "cli.js"))) throw new Error("build: dist/cli/cli.js was not emitted");
console.log(`build: dist/ from src/ (${assets} asset file${assets === 1 ? "" : "s"} copied)`);
