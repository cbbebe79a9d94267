#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite: Debian's server binaries, a temporary
# directory, a free port on 127.0.0.1, run as an unprivileged user. Nothing outside the
# directory is touched, and `stop` deletes it.
#
#   eval "$(scripts/throwaway-postgres.sh start)"   # exports TEST_DATABASE_URL and PG_THROWAWAY_DIR
#   scripts/throwaway-postgres.sh restart "$PG_THROWAWAY_DIR" 1   # down for 1 s, as in a restart or failover
#   scripts/throwaway-postgres.sh stop "$PG_THROWAWAY_DIR"
set -euo pipefail

bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$dir/initdb" ] || { echo "PostgreSQL's server is not installed (apt-get install postgresql)" >&2; exit 1; }
  echo "$dir"
}

# PostgreSQL refuses to run as root; as root, run it as the `postgres` user Debian's package makes.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    bin=$(bin_dir)
    dir=$(mktemp -d /tmp/pg-throwaway.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(bun -e 'const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() }); console.log(s.port); s.stop(true)')
    as_owner "$bin/initdb" -D "$dir/data" -U app -A trust --no-sync >"$dir/initdb.log"
    # fsync off: the cluster is thrown away, so only its speed matters. The crash tests kill the app, not it.
    echo "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >"$dir/options"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$(cat "$dir/options")" start >/dev/null
    echo "export PG_THROWAWAY_DIR=$dir"
    echo "export TEST_DATABASE_URL=postgres://app@127.0.0.1:$port/postgres"
    ;;
  restart)
    dir=${2:?the directory that start printed}
    bin=$(bin_dir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    sleep "${3:-0}"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$(cat "$dir/options")" start >/dev/null
    ;;
  stop)
    dir=${2:?the directory that start printed}
    as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | restart DIR [SECONDS DOWN] | stop DIR" >&2
    exit 2
    ;;
esac
