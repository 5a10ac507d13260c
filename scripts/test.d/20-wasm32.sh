#!/usr/bin/env bash
# The pure core compiles for the browser (wasm32-unknown-unknown) on its own, with only its own
# features (by rustup's target where it can be had, else by Debian's rustc-web with
# -Zbuild-std). A check (types, borrows, every cfg for wasm32) and not a build: code generation
# and linking for wasm32 are proven by the next step, which builds the WASM package on top of
# this crate. (`bash scripts/build-wasm.sh` builds the crate itself.)
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(bash scripts/wasm-env.sh)"
export CARGO_TARGET_DIR=${ABJUAN_WASM_TARGET_DIR:-$PWD/target/wasm}
# shellcheck disable=SC2086
$ABJUAN_WASM_CARGO check --locked --profile wasm --target wasm32-unknown-unknown \
  $ABJUAN_WASM_BUILD_STD -p abjuan-shared
echo "abjuan-shared compiles for wasm32-unknown-unknown"
