#!/usr/bin/env bash
# The main job on a fresh machine: builds the web form's WASM package (installing the wasm32
# route, wasm-bindgen and wasm-opt when missing) and the server at the same time, then starts
# the server with its embedded store (./data) and the demo form on http://127.0.0.1:8080 (open
# it in a browser). Extra arguments go to `abjuan serve` (see `target/release/abjuan serve
# --help`).
#
# The two builds run side by side because neither keeps two cores busy all the time (a long
# crate, a link, wasm-bindgen's own install); the server is built with the `release` profile
# (no LTO: see the root Cargo.toml), the WASM package exactly as the tests build it, so a later
# `bash scripts/test.sh` reuses it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
wasm_log=target/build-wasm-forms.log
log() { echo "run: $*" >&2; }

log "building the web form's WASM package in the background (log: $wasm_log)"
# Each build in a process group of its own, so that a failure or Ctrl-C here stops all of it.
setsid bash scripts/build-wasm-forms.sh >"$wasm_log" 2>&1 &
wasm=$!
setsid cargo build --release --locked -p abjuan-server --bin abjuan &
server=$!
trap 'kill -- -"$wasm" -"$server" 2>/dev/null || true' EXIT
# Whichever finishes first is checked at once: a failed WASM build stops the server's too.
pending=("$wasm" "$server")
while [ ${#pending[@]} -gt 0 ]; do
  sleep 1
  for i in "${!pending[@]}"; do
    pid=${pending[$i]}
    kill -0 "$pid" 2>/dev/null && continue
    if ! wait "$pid"; then
      if [ "$pid" = "$wasm" ]; then
        log "building the WASM package failed; the end of $wasm_log:"
        tail -n 40 "$wasm_log" >&2
      else
        log "building the server failed"
      fi
      exit 1
    fi
    [ "$pid" = "$wasm" ] && { grep '^build-wasm-forms: .*gzipped' "$wasm_log" >&2 || true; }
    unset 'pending[i]'
  done
done
trap - EXIT
exec target/release/abjuan serve "$@"
