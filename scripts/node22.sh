#!/usr/bin/env bash
# Provides Node.js >= 22.13. If the Node on PATH is older (Debian's is 20), installs node@22 from the
# npm registry into ~/.cache/node22 once and puts it first on PATH.
#   scripts/node22.sh npm ci        run a command under Node 22
#   source scripts/node22.sh        only put Node 22 on this shell's PATH
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
NODE22_PREFIX="${NODE22_PREFIX:-$HOME/.cache/node22}"

node22_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=13)?0:1)'
}

node22_provide() {
  node22_ok && return 0
  if [ ! -x "$NODE22_PREFIX/node_modules/.bin/node" ]; then
    echo "node22.sh: installing node@$NODE22_VERSION into $NODE22_PREFIX" >&2
    npm install --prefix "$NODE22_PREFIX" --no-save --loglevel=error "node@$NODE22_VERSION" >&2 || return 1
  fi
  export PATH="$NODE22_PREFIX/node_modules/.bin:$PATH"
  node22_ok || { echo "node22.sh: could not provide Node >= 22.13" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  node22_provide || exit 1
  [ "$#" -gt 0 ] && exec "$@"
  exit 0
else
  node22_provide
fi
