#!/usr/bin/env bash
# The PostgreSQL store (several nodes): a throwaway PostgreSQL 15 (scripts/postgres.sh: Debian's
# package, initdb into a temp dir, loopback only, an unprivileged user), stopped afterwards.
# Runs the store's own tests against it (named postgres_*, ignored without a server: among
# them the blob store's), the multi-node end-to-end tests (tests/tests/several_nodes.rs, an
# attachment through two nodes among them), and the end-to-end tests that exercise storage
# against PostgreSQL instead of SQLite (ABJUAN_TEST_STORE=postgres): sync, durability, retries
# and bad input, credentials, volume B, probing, rule sets, the station's outputs, attachments
# (their references and, in this mode, their bytes are in the database), the inspections, the
# station list (counts from the index, names from the accounts). (cli, schema_golden, web
# and web_embedding test nothing a store does; access, the role-by-situation matrix, is the
# policy's test and the slowest (a process per admin call): kept to the SQLite run so this
# step stays a few minutes.)
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=$(mktemp -d /tmp/abjuan-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  bash scripts/postgres.sh stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
url=$(bash scripts/postgres.sh start "$dir" "$port")
export ABJUAN_TEST_POSTGRES=$url
echo "15-postgres: PostgreSQL at $url"

# --workspace like 10-rust.sh: the same features, so nothing is compiled again (`-p` alone
# resolves other features and rebuilds the server and its dependencies).
cargo test --locked --workspace --lib -- --ignored postgres_
cargo test --locked --workspace --test several_nodes -- --ignored postgres_
ABJUAN_TEST_STORE=postgres cargo test --locked --workspace \
  --test sync --test durability --test retry_and_bad_input --test credentials \
  --test mediator_never_sees_volume_b --test no_probing --test rules --test rules_grade \
  --test station_outputs --test attachments --test site_inspection --test stations
