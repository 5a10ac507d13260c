#!/usr/bin/env bash
# The embeddable dossier form in a real browser: playwright-core (npm) driving Debian's
# chromium against the real server binary and the built WASM package (tests/browser/).
# Installs what a fresh machine lacks: chromium (Playwright cannot download browsers here), a
# CJK font (legible screenshots), the npm packages. 40-wasm-forms.sh builds the package first;
# run alone, this step builds it.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { echo "50-browser: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq "$@" >&2 || { as_root apt-get update -qq >&2 && as_root apt-get install -y -qq "$@" >&2; }
}

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  log "installing Debian's chromium"
  apt_install chromium
fi
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  log "installing a CJK font for the screenshots"
  apt_install fonts-wqy-microhei || log "no CJK font: screenshots will show boxes for Chinese"
fi

if [ ! -f wasm-forms/pkg-web/abjuan_wasm_forms.js ]; then
  bash scripts/build-wasm-forms.sh
fi
# The server binary of the `cargo test --workspace` build (see 40-wasm-forms.sh): a no-op after it.
cargo test -q --workspace --locked --no-run

(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
ABJUAN_SKIP_BUILD=1 node --test tests/browser/
