#!/usr/bin/env bash
# The API contract: schemathesis (pinned, from PyPI into target/schemathesis-venv) against the
# real server binary, `--checks all`, with a device credential per role (officer, station
# chief, bureau supervisor, partner mediator) and once in open demo mode (no accounts).
# Every run must end with 0 failures. Bounded examples keep the step under 3 minutes.
# The servers hold real dossiers (made by `abjuan demo-sync`) for the stateful phase, which
# follows the document's links, to reach: each run must follow a link to one
# (tests/contract/stateful.py reads the run's NDJSON report). CBOR and gzipped sync bodies:
# tests/contract/hooks.py. Settings: tests/contract/schemathesis.toml. Run alone:
# `bash scripts/test.d/60-contract.sh` (builds the binary when missing); CONTRACT_EXAMPLES=N
# changes the examples per operation.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { echo "60-contract: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq "$@" >&2 || { as_root apt-get update -qq >&2 && as_root apt-get install -y -qq "$@" >&2; }
}

# schemathesis, and cbor2 for the hooks' CBOR bodies (tests/contract/hooks.py).
SCHEMATHESIS_VERSION=4.32.5
CBOR2_VERSION=6.3.0
target=${CARGO_TARGET_DIR:-$PWD/target}
venv=$target/schemathesis-venv
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ] ||
  [ "$("$venv/bin/python" -c 'import cbor2, importlib.metadata as m; print(m.version("cbor2"))' 2>/dev/null)" != "$CBOR2_VERSION" ]; then
  log "making $venv with schemathesis $SCHEMATHESIS_VERSION and cbor2 $CBOR2_VERSION"
  rm -rf "$venv"
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "cbor2==$CBOR2_VERSION" >&2
fi

# The binary of the `cargo test --workspace` build (10-rust.sh): a no-op after it.
[ -n "${ABJUAN_SKIP_BUILD:-}" ] || cargo test -q --workspace --locked --no-run >&2
bin=$target/debug/abjuan
[ -x "$bin" ] || { log "no $bin"; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

admin() { ABJUAN_LOG=warn "$bin" admin --data-dir "$1" "${@:2}"; }
token_for() { # DATA_DIR PERSON -> credential
  local code
  code=$(admin "$1" device enrol "$2" | tail -n1)
  admin "$1" device redeem "$code" --label contract | tail -n1
}

# Starts a server on DATA_DIR, prints its URL. Probing credentials and a fast client must not
# trip the brute-force and per-device limits (their 429 is documented and checked elsewhere).
start_server() {
  local out=$work/server-$RANDOM.out
  ABJUAN_LOG=error ABJUAN_AUTH_FAILURE_BURST=1000000 ABJUAN_RATE_BURST=1000000 \
    "$bin" serve --listen 127.0.0.1:0 --data-dir "$1" --web-dir wasm-forms/web --pkg-dir wasm-forms/pkg-web \
    >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 100); do
    if grep -q '^listening on ' "$out" 2>/dev/null; then
      sed -n 's/^listening on //p' "$out" | head -n1
      return
    fi
    sleep 0.1
  done
  log "server did not start"; cat "$out.err" >&2; exit 1
}

examples=${CONTRACT_EXAMPLES:-8}
run() { # NAME URL [schemathesis args…]
  local name=$1 url=$2
  shift 2
  log "run $name"
  local t0=$SECONDS report=$target/contract-report/$name
  rm -rf "$report"
  "$venv/bin/schemathesis" --config-file tests/contract/schemathesis.toml run "$url/openapi.json" \
    --checks all --max-examples "$examples" --seed 17 --no-color \
    --report junit,ndjson --report-dir "$report" --report-ndjson-path "$report/events.ndjson" "$@"
  # The stateful phase followed the document's links to dossiers that exist.
  "$venv/bin/python" tests/contract/stateful.py "$name" "$report/events.ndjson"
  log "run $name passed in $((SECONDS - t0)) s"
}

# Accounts: bureau 永济, station 蒲州, one person per role.
accounts=$work/accounts
admin "$accounts" bureau add yongji 永济市公安局 >/dev/null
admin "$accounts" station add yongji-puzhou 蒲州派出所 --bureau yongji >/dev/null
admin "$accounts" person add wang --name 王警官 --role officer --station yongji-puzhou >/dev/null
admin "$accounts" person add li --name 李所长 --role station_chief --station yongji-puzhou >/dev/null
admin "$accounts" person add sun --name 孙督察 --role bureau_supervisor --bureau yongji >/dev/null
admin "$accounts" person add zhao --name 赵调解员 --role partner_mediator --bureau yongji >/dev/null
declare -A tokens
for person in wang li sun zhao; do tokens[$person]=$(token_for "$accounts" "$person"); done
url=$(start_server "$accounts")

# Real dossiers for the document's links to lead to (a random sync body cannot make one: its
# changes are automerge bytes): two made offline on 王警官's phone at 蒲州 and synced, one of
# them shared with the partner mediator, who may see only that one.
seed() { # URL [TOKEN] -> the new dossier's id
  "$bin" demo-sync --url "$1" --device contract-seed ${2:+--token "$2"} \
    | sed -n 's/^created dossier \([^ ]*\) .*/\1/p'
}
seeded=$(seed "$url" "${tokens[wang]}")
[ -n "$seeded" ] || { log "demo-sync made no dossier"; exit 1; }
seed "$url" "${tokens[wang]}" >/dev/null
admin "$accounts" share "$seeded" zhao >/dev/null

# The API page: Swagger UI from this server only (works offline).
bash scripts/npm-tools.sh
"$venv/bin/python" - "$url" <<'PY'
import re, sys, urllib.request
url = sys.argv[1]
page = urllib.request.urlopen(url + "/api").read().decode()
assets = re.findall(r'(?:src|href)="([^"]+)"', page)
assert "/web/vendor/swagger-ui-bundle.js" in assets, page
assert all(a.startswith("/") for a in assets), f"an asset from elsewhere: {assets}"
for a in assets:
    assert urllib.request.urlopen(url + a).status == 200, a
print("60-contract: /api serves Swagger UI from", ", ".join(assets), file=sys.stderr)
PY
# The bureau supervisor's run goes last: it changes people's roles and enrols and revokes
# devices through the admin API (with ids it has seen), which must not turn the partner
# mediator into another role before the mediator's own run.
declare -A roles=([wang]=officer [li]=station_chief [zhao]=partner_mediator [sun]=bureau_supervisor)
for person in ${CONTRACT_ROLES:-wang li zhao sun}; do
  role=$("$venv/bin/python" -c 'import json, sys, urllib.request as u
r = u.Request(sys.argv[1] + "/v1/me", headers={"Authorization": "Bearer " + sys.argv[2]})
print(json.load(u.urlopen(r))["role"])' "$url" "${tokens[$person]}")
  [ "$role" = "${roles[$person]}" ] || { log "$person is $role, not ${roles[$person]}"; exit 1; }
  run "$person" "$url" -H "Authorization: Bearer ${tokens[$person]}"
done

# Open demo mode: no accounts, no credential.
demo=$work/demo
mkdir -p "$demo"
demo_url=$(start_server "$demo")
seed "$demo_url" >/dev/null
run demo "$demo_url"
