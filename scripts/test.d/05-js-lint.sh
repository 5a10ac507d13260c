#!/usr/bin/env bash
# The JavaScript (the web form, the node and browser tests, the benchmarks): formatted and
# linted by Biome (npm, pinned in wasm-forms/package.json; settings in biome.json), warnings
# counted as errors. `wasm-forms/node_modules/.bin/biome check --write .` fixes what it can.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/npm-tools.sh
wasm-forms/node_modules/.bin/biome ci --error-on-warnings --colors=off .
