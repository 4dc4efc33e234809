#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the test suite and benchmarks.
#   scripts/pg-tmp.sh start DIR   -> prints VIGIL_TEST_PG_URL=postgresql://...
#   scripts/pg-tmp.sh stop DIR
# Looks for PostgreSQL 15+ binaries on PATH or under /usr/lib/postgresql/*/bin. As root it runs the
# server as the `postgres` user (initdb refuses root).
set -euo pipefail
action=${1:?start|stop}
dir=${2:?data directory}

bindir=""
if command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(readlink -f "$(command -v initdb)")")
else
  for candidate in /usr/lib/postgresql/*/bin; do [ -x "$candidate/initdb" ] && bindir=$candidate; done
fi
[ -n "$bindir" ] || { echo "pg-tmp: no PostgreSQL binaries found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $action in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U vigil --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1
    fi
    # A server left running by a killed earlier run would hold the directory.
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    echo "$port" > "$dir/port"
    echo "VIGIL_TEST_PG_URL=postgresql+psycopg://vigil@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
