#!/usr/bin/env bash
# Runs every test of the project on a fresh machine (installs what is missing first).
# Each area adds its steps as scripts/test.d/NN-name.sh; they run in order, and the first
# failure stops the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A test run builds once from scratch on CI: incremental caches only cost time and disk there.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
start=$(date +%s)
for step in scripts/test.d/*.sh; do
  echo "==> $step"
  t0=$(date +%s)
  bash "$step"
  echo "<== $step ($(( $(date +%s) - t0 )) s)"
done
echo "all test steps passed in $(( $(date +%s) - start )) s"
