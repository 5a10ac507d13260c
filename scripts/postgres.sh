#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and benchmarks: Debian's PostgreSQL 15 (package
# `postgresql`, installed when missing), a fresh cluster made with initdb in DIR, started by
# pg_ctl on 127.0.0.1:PORT (no other address) as an unprivileged user (the `postgres` system
# user when run as root, as CI does), trust authentication for the role `abjuan`, which may
# create databases. Bounded: pg_ctl waits at most 60 s for the start and the stop.
#
#   bash scripts/postgres.sh start DIR [PORT]   # prints the URL: postgres://abjuan@127.0.0.1:PORT
#   bash scripts/postgres.sh stop DIR
#
# Anything the server keeps goes into DIR; remove DIR after `stop`.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
log() { echo "postgres.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_installed() {
  [ -x "$bin/initdb" ] && return
  log "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -qq postgresql >&2 ||
    { as_root apt-get update -qq >&2 && as_root apt-get install -y -qq postgresql >&2; }
}

# Runs a PostgreSQL program as the unprivileged user that owns the cluster.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { log "usage: $0 start|stop DIR [PORT]"; exit 2; }

case "$cmd" in
  start)
    port=${3:-55432}
    ensure_installed
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || as_owner true; chown postgres "$dir"; }
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U abjuan --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # fsync stays on: the tests check that acknowledged changes survive. Sockets in DIR (the
    # system socket directory may not be writable); TCP on loopback only.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2 ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://abjuan@127.0.0.1:$port"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
    ;;
  *)
    log "unknown command $cmd"
    exit 2
    ;;
esac
