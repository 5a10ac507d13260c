#!/usr/bin/env bash
# Two builds of the server side by side in one run: starts each (its own data directory, on
# loopback), then runs abjuan-load against them in alternating phases (old, new, old, new…), so
# both see the same machine load. Prints one abjuan-load table row per phase, labelled.
#
#   bash server/bench/compare-builds.sh OLD_ABJUAN NEW_ABJUAN [pairs] [abjuan-load flags…]
#   e.g. bash server/bench/compare-builds.sh /tmp/old/abjuan target/dist/abjuan 4 \
#          --phones 8 --dossiers 5 --rounds 30 --cbor --gzip
# Build both with `cargo build --profile dist -p abjuan-server` (the profile the recorded load
# figures are of; at commits before `dist` existed, `--release` had the same settings).
set -euo pipefail
old=$1 new=$2 pairs=${3:-4}
shift $(( $# < 3 ? $# : 3 ))
load=${ABJUAN_LOAD:-$(dirname "$new")/abjuan-load}
dirs=()
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "${dirs[@]}"' EXIT
# Starts a server binary; sets $pid and $url.
start() {
  local dir out
  dir=$(mktemp -d)
  out=$(mktemp)
  dirs+=("$dir" "$out")
  ABJUAN_LOG=warn "$1" serve --listen 127.0.0.1:0 --data-dir "$dir" --cache-mb 256 >"$out" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do grep -q 'listening on' "$out" && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$out" | head -1)
  [ -n "$url" ] || { echo "$1 did not start" >&2; exit 1; }
}
start "$old"; old_pid=$pid old_url=$url
start "$new"; new_pid=$pid new_url=$url
echo "old: $old ($old_url)   new: $new ($new_url)   load: $load $*"
for i in $(seq "$pairs"); do
  for which in old new; do
    if [ "$which" = old ]; then pid=$old_pid url=$old_url; else pid=$new_pid url=$new_url; fi
    "$load" --url "$url" --server-pid "$pid" --phases 1 "$@" | tail -1 | sed "s/^| 1 |/| $which $i |/"
  done
done
