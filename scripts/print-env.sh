#!/usr/bin/env bash
# What the server needs to print AB卷 PDFs itself (GET /v1/print.pdf), installed when missing:
# Debian's chromium (it runs the same print page the browser shows) and fonts-noto-cjk (Noto
# Serif CJK, the Song style of official papers). Without them the server still runs; the PDF
# route answers print_unavailable / print_no_cjk_font and the print page prints in any browser.
# ABJUAN_NO_PRINT_ENV=1 skips this.
set -euo pipefail
[ "${ABJUAN_NO_PRINT_ENV:-}" = 1 ] && exit 0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
missing=()
command -v chromium >/dev/null || missing+=(chromium)
fc-list 2>/dev/null | grep -q "Noto Serif CJK" || missing+=(fonts-noto-cjk)
[ ${#missing[@]} = 0 ] && exit 0
echo "print-env: installing ${missing[*]} (server-side PDFs)" >&2
export DEBIAN_FRONTEND=noninteractive
as_root apt-get install -y -qq "${missing[@]}" \
  || { as_root apt-get update -qq && as_root apt-get install -y -qq "${missing[@]}"; }
