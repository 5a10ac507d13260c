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
# The example and the server binary come from the build `cargo test --workspace` (10-rust.sh)
# already made: `cargo run -p …` or `cargo build -p …` alone would unify features differently
# and compile the server and its dependencies a second time (minutes, and gigabytes of disk).
cargo test --workspace --locked --no-run 2>&1 | sed "/^  Executable/d" >&2
target=${CARGO_TARGET_DIR:-$PWD/target}
"$target/debug/examples/native_reports" >"$reports"
ABJUAN_NATIVE_REPORTS=$reports ABJUAN_REQUIRE_SERVER=1 ABJUAN_REQUIRE_VALIDATOR=1 ABJUAN_BIN=$target/debug/abjuan \
  node --test wasm-forms/js-tests/
