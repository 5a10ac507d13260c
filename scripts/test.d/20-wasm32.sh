#!/usr/bin/env bash
# The pure core builds for the browser (wasm32-unknown-unknown), by rustup's target where it
# can be had, else by Debian's rustc-web with -Zbuild-std.
set -euo pipefail
out=$(bash scripts/build-wasm.sh abjuan-shared)
ls "$out"/libabjuan_shared.rlib >/dev/null
echo "abjuan-shared builds for wasm32-unknown-unknown"
