#!/usr/bin/env bash
# The main job on a fresh machine: builds the web form's WASM package (installing the wasm32
# route, wasm-bindgen and wasm-opt when missing) and the server at the same time, installs
# what server-side PDFs need meanwhile, then starts the server with its embedded store
# (./data) and the demo form on http://127.0.0.1:8080 (open it in a browser). Extra arguments
# go to `abjuan serve` (see `target/release/abjuan serve --help`).
#
# The builds run side by side because neither keeps two cores busy all the time (a long crate,
# a link, wasm-bindgen's own install); the server is built with the `release` profile (no LTO:
# see the root Cargo.toml), the WASM package exactly as the tests build it, so a later
# `bash scripts/test.sh` reuses it. Logs of the background work: target/build-wasm-forms.log,
# target/print-env.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
wasm_log=target/build-wasm-forms.log
print_log=target/print-env.log
log() { echo "run: $*" >&2; }

# Each job in a process group of its own, so that a failure or Ctrl-C here stops all of it.
jobs_started=()
trap 'for j in "${jobs_started[@]}"; do kill -- -"$j" 2>/dev/null || true; done' EXIT
setsid cargo build --release --locked -p abjuan-server --bin abjuan &
server=$!
jobs_started+=("$server")
# The wasm32 toolchain first, alone: on the Debian route it comes from apt, and so do
# Chromium and the CJK font for PDFs (two apt-get at once would fight over apt's lock).
bash scripts/wasm-env.sh >/dev/null
log "building the web form's WASM package in the background (log: $wasm_log)"
setsid bash scripts/build-wasm-forms.sh >"$wasm_log" 2>&1 &
wasm=$!
jobs_started+=("$wasm")
setsid bash scripts/print-env.sh >"$print_log" 2>&1 &
print_env=$!
jobs_started+=("$print_env")

# Whichever finishes first is checked at once: a failed WASM build stops the server's too. A
# failed print-env only leaves the PDF route saying so.
pending=("$server" "$wasm" "$print_env")
while [ ${#pending[@]} -gt 0 ]; do
  sleep 1
  for i in "${!pending[@]}"; do
    pid=${pending[$i]}
    kill -0 "$pid" 2>/dev/null && continue
    unset 'pending[i]'
    if wait "$pid"; then
      [ "$pid" = "$wasm" ] && { grep '^build-wasm-forms: .*gzipped' "$wasm_log" >&2 || true; }
      continue
    fi
    case $pid in
      "$print_env")
        log "no Chromium or CJK font (see $print_log): server PDFs unavailable (the print page still prints)"
        continue ;;
      "$wasm")
        log "building the WASM package failed; the end of $wasm_log:"
        tail -n 40 "$wasm_log" >&2 ;;
      *) log "building the server failed" ;;
    esac
    exit 1
  done
done
trap - EXIT
exec target/release/abjuan serve "$@"
