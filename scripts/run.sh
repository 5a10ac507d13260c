#!/usr/bin/env bash
# The main job on a fresh machine: builds and starts the abjuan server with its embedded store
# (./data) and the demo form, on http://127.0.0.1:8080 unless told otherwise.
# Extra arguments go to `abjuan serve` (see `abjuan serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p abjuan-server --bin abjuan
exec target/release/abjuan serve "$@"
