#!/usr/bin/env bash
# Installs wasm-forms/'s npm tools (wasm-opt from binaryen, biome, the benchmark's ajv, the
# interop test's @automerge/automerge) at the versions of its package-lock.json, when missing
# or when the lock file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x wasm-forms/node_modules/.bin/wasm-opt ] || [ ! -x wasm-forms/node_modules/.bin/biome ] \
   || ! cmp -s wasm-forms/package-lock.json wasm-forms/node_modules/.package-lock.json.src 2>/dev/null; then
  echo "npm-tools: npm ci in wasm-forms/" >&2
  (cd wasm-forms && npm ci --no-audit --no-fund --loglevel=error >&2 \
    && cp package-lock.json node_modules/.package-lock.json.src)
fi
