#!/usr/bin/env bash
# Makes a clone ready to run, idempotently and quickly when nothing is missing (npm's prestart/pretest):
#   1. Node >= 22.13 (scripts/node22.sh installs node@22 from the npm registry once if the system's is older);
#   2. the dependencies, installed by npm running under that Node (else Hardhat's native EDR is skipped),
#      again whenever package-lock.json changes;
#   3. the contracts, compiled with the `solc` npm package (Hardhat's build is incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node22.sh

# The stamp names the lock file's hash and the Node major that installed it.
stamp="node_modules/.wcoord-install"
want="$(node -e 'const c=require("node:crypto"),f=require("node:fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync("package-lock.json")).digest("hex")+" node"+process.versions.node.split(".")[0])')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing dependencies under Node $(node --version) (npm ci)" >&2
  npm ci --loglevel=error --no-fund --no-audit >&2
  printf '%s' "$want" >"$stamp"
fi

# Compiler warnings about third-party sources (bitcoin-spv) are for `npx hardhat build`, not a first run.
if ! out="$(node_modules/.bin/hardhat build --quiet 2>&1)"; then
  printf '%s\n' "$out" >&2
  echo "setup: compiling the contracts failed" >&2
  exit 1
fi
