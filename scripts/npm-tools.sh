#!/usr/bin/env bash
# Installs wasm-forms/'s npm tools (wasm-opt from binaryen, biome, the benchmark's ajv, the
# interop test's @automerge/automerge) and the web pages' libraries (Paged.js for the printed
# AB卷, Chart.js for the chief's page, Swagger UI for the API page at /api) at the versions of its package-lock.json, when missing
# or when the lock file changed since the last install; copies those libraries to
# wasm-forms/web/vendor/, where the server serves them (no CDN: the pages work offline).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x wasm-forms/node_modules/.bin/wasm-opt ] || [ ! -x wasm-forms/node_modules/.bin/biome ] \
   || ! cmp -s wasm-forms/package-lock.json wasm-forms/node_modules/.package-lock.json.src 2>/dev/null; then
  echo "npm-tools: npm ci in wasm-forms/" >&2
  (cd wasm-forms && npm ci --no-audit --no-fund --loglevel=error >&2 \
    && cp package-lock.json node_modules/.package-lock.json.src)
fi
mkdir -p wasm-forms/web/vendor
for f in pagedjs/dist/paged.polyfill.min.js chart.js/dist/chart.umd.min.js \
  swagger-ui-dist/swagger-ui-bundle.js swagger-ui-dist/swagger-ui.css; do
  cmp -s "wasm-forms/node_modules/$f" "wasm-forms/web/vendor/${f##*/}" \
    || cp "wasm-forms/node_modules/$f" wasm-forms/web/vendor/
done
