#!/usr/bin/env bash
# Sets up, once per machine, what building for wasm32-unknown-unknown needs, and prints the
# environment to build with (source it: `eval "$(bash scripts/wasm-env.sh)"`).
#
# Route 1: rustup has (or can add) the wasm32 target: the plain toolchain.
# Route 2 (these machines): Debian's rustc-web + rust-web-src, building std with -Zbuild-std.
set -euo pipefail

log() { echo "wasm-env: $*" >&2; }

# ABJUAN_WASM_ROUTE=debian forces route 2 (to check it on a machine where route 1 works).
if [ "${ABJUAN_WASM_ROUTE:-}" != debian ] && { rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' \
   || rustup target add wasm32-unknown-unknown >/dev/null 2>&1; }; then
  log "using rustup's wasm32-unknown-unknown target"
  echo "export ABJUAN_WASM_CARGO=cargo"
  echo "export ABJUAN_WASM_BUILD_STD="
  echo "export RUSTFLAGS='--cfg getrandom_backend=\"wasm_js\"'"
  exit 0
fi

need=()
for pkg in rustc-web cargo-web rust-web-src lld-22; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} from Debian (rustup has no wasm32 std here)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >&2
fi
log "using Debian's rustc-web with -Zbuild-std"
echo "export ABJUAN_WASM_CARGO=/usr/bin/cargo"
echo "export ABJUAN_WASM_BUILD_STD='-Zbuild-std=std,panic_abort'"
echo "export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1"
echo "export RUSTFLAGS='--cfg getrandom_backend=\"wasm_js\"'"
