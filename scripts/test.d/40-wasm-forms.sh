#!/usr/bin/env bash
# The WASM package: builds wasm-forms/pkg-web, pkg-node and the validator-only
# pkg-validator-{web,node} (scripts/build-wasm-forms.sh installs what is missing), prints the
# native validation reports of the fixtures, builds the server, and runs the node:test files in
# wasm-forms/js-tests/ against the built packages and a real `abjuan serve`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/build-wasm-forms.sh --validator >/dev/null
reports=$(mktemp)
trap 'rm -f "$reports"' EXIT
cargo run -q --locked -p abjuan-wasm-forms --example native_reports >"$reports"
cargo build -q --locked -p abjuan-server --bin abjuan
ABJUAN_NATIVE_REPORTS=$reports ABJUAN_REQUIRE_SERVER=1 ABJUAN_REQUIRE_VALIDATOR=1 ABJUAN_BIN=$PWD/target/debug/abjuan \
  node --test wasm-forms/js-tests/
