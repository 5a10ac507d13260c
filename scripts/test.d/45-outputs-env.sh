#!/usr/bin/env bash
# What the station-output tests (tests/browser/station-outputs.test.js) stand on, installed
# when missing: poppler-utils (pdftotext reads the printed AB卷), a CJK font for the print
# (fonts-noto-cjk: Noto Serif CJK, the Song style official papers use), and a Python venv
# with openpyxl (an independent reader of the ledger workbook) in target/py-ledger.
# Cheap when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { echo "45-outputs-env: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq "$@" >&2 || { as_root apt-get update -qq >&2 && as_root apt-get install -y -qq "$@" >&2; }
}

command -v pdftotext >/dev/null || { log "installing poppler-utils"; apt_install poppler-utils; }
fc-list 2>/dev/null | grep -q "Noto Serif CJK" || { log "installing fonts-noto-cjk"; apt_install fonts-noto-cjk; }

venv=${CARGO_TARGET_DIR:-$PWD/target}/py-ledger
if ! "$venv/bin/python" -c 'import openpyxl' 2>/dev/null; then
  log "making $venv with openpyxl"
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check 'openpyxl==3.1.5' >&2
fi
"$venv/bin/python" -c 'import openpyxl; print("openpyxl", openpyxl.__version__)'
