#!/usr/bin/env node
// `wcoord`. This file must parse and run on old Node (18, 20): it checks the version before it loads
// anything of the project, and imports only Node built-ins statically.
//
// Which code runs:
//   - a clone (src/cli/cli.ts is here): src/ through tsx, so editing src/ needs no build step;
//     without tsx (npm ci --omit=dev) it falls back to dist/ when built;
//   - the installed package (its tarball has no src/): the compiled dist/.
//   WCOORD_RUN=dist or WCOORD_RUN=src forces one (e.g. to try the build from a clone).
// On a Node older than 22.13 it re-executes itself under the project's Node 22 when there is one
// (node_modules/.bin/node of a clone, or ~/.cache/node22 from scripts/node22.sh), else prints one line.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const MIN_MAJOR = 22;
const MIN_MINOR = 13;
const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), "..");

function fail(line, code) {
  process.stderr.write("wcoord: " + line + "\n");
  process.exit(code === undefined ? 1 : code);
}

function nodeIsRecent(version) {
  const parts = version.split(".").map(Number);
  return parts[0] > MIN_MAJOR || (parts[0] === MIN_MAJOR && parts[1] >= MIN_MINOR);
}

function reexecUnder(nodeBin) {
  const child = spawn(nodeBin, process.execArgv.concat([SELF], process.argv.slice(2)), {
    stdio: "inherit",
    env: Object.assign({}, process.env, { WCOORD_REEXEC: "1" }),
  });
  // Ctrl-C on a terminal reaches the whole process group, the child included: forwarding it as well
  // would be a second SIGINT. Anything sent to this PID alone is passed on.
  const forward = (signal) => {
    if (signal === "SIGINT" && process.stdin.isTTY) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
  child.on("error", (err) => fail("could not run " + nodeBin + ": " + err.message));
  child.on("exit", (code, signal) => {
    if (signal) {
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.removeListener(s, forward);
      process.kill(process.pid, signal);
    } else {
      process.exit(code === null ? 1 : code);
    }
  });
}

async function run() {
  if (!nodeIsRecent(process.versions.node)) {
    const node22Prefix = process.env.NODE22_PREFIX || join(homedir(), ".cache", "node22");
    const candidates = [join(ROOT, "node_modules", ".bin", "node"), join(node22Prefix, "node_modules", ".bin", "node")];
    const node22 = process.env.WCOORD_REEXEC ? undefined : candidates.find((c) => existsSync(c));
    if (node22 === undefined) {
      const hint = existsSync(join(ROOT, "scripts", "node22.sh")) ? "run it with scripts/node22.sh in front, or put" : "put";
      fail("needs Node.js >= " + MIN_MAJOR + "." + MIN_MINOR + " but this is " + process.version + ": " + hint + " Node 22 first on PATH and run it again");
    }
    reexecUnder(node22);
    return;
  }

  const src = join(ROOT, "src", "cli", "cli.ts");
  const dist = join(ROOT, "dist", "cli", "cli.js");
  const forced = process.env.WCOORD_RUN;
  if (forced !== undefined && forced !== "src" && forced !== "dist") fail("WCOORD_RUN must be 'src' or 'dist', got '" + forced + "'", 2);
  let entry = dist;
  if (forced === "src" || (forced === undefined && existsSync(src))) {
    try {
      const tsx = await import("tsx/esm/api");
      tsx.register();
      entry = src;
    } catch (err) {
      if (forced === "src" || !existsSync(dist)) fail("cannot run src/ without tsx (npm ci installs it) and dist/ is not built (npm run build)");
    }
  }
  if (entry === dist && !existsSync(dist)) fail("dist/ is missing: run npm run build");
  const cli = await import(pathToFileURL(entry).href);
  process.exitCode = await cli.main(process.argv.slice(2));
}

await run();
