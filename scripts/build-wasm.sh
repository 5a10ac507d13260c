#!/usr/bin/env bash
# Builds a crate of the workspace for wasm32-unknown-unknown (default: abjuan-shared, which
# proves the pure core builds for the browser). Usage: scripts/build-wasm.sh [crate] [profile]
set -euo pipefail
cd "$(dirname "$0")/.."
crate=${1:-abjuan-shared}
profile=${2:-wasm}
eval "$(bash scripts/wasm-env.sh)"
# A separate target dir: the Debian toolchain's artefacts must not mix with rustup's.
export CARGO_TARGET_DIR=${ABJUAN_WASM_TARGET_DIR:-$PWD/target/wasm}
# shellcheck disable=SC2086
$ABJUAN_WASM_CARGO build --locked --profile "$profile" --target wasm32-unknown-unknown \
  $ABJUAN_WASM_BUILD_STD -p "$crate" >&2
echo "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile"
