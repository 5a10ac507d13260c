#!/usr/bin/env bash
# The main job on a fresh machine: builds the WASM package of the web form (installing the
# wasm32 route, wasm-bindgen and wasm-opt when missing), builds the server, and starts it with
# its embedded store (./data) and the demo form on http://127.0.0.1:8080 (open it in a browser).
# Extra arguments go to `abjuan serve` (see `target/release/abjuan serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-wasm-forms.sh >&2
# Chromium and a CJK font for server-side PDFs, installed while the server builds (apt waits
# on the network, cargo on the CPU; after the WASM build, whose toolchain may come from apt
# too); a failure only leaves the PDF route saying so.
bash scripts/print-env.sh >&2 & print_env=$!
cargo build --release --locked -p abjuan-server --bin abjuan
wait "$print_env" || echo "run.sh: no Chromium or CJK font: server PDFs unavailable (the print page still prints)" >&2
exec target/release/abjuan serve "$@"
