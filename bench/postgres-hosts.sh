#!/usr/bin/env bash
# bench/postgres-hosts.sh [BUILD] [SECONDS]: durable authorizations per second
# with 1, 2 and 4 host processes on one PostgreSQL ledger, against
# PostgreSQL's own single-row commit floor in the same run, and the server's
# pg_stat_statements view of where the time went (issue 18; bench/README.md).
#
# It starts a throw-away cluster of its own in a temporary directory (unix
# socket only, as an unprivileged user when run as root), with fsync ON --
# unlike the tests' cluster, a commit floor must include the flush -- and
# pg_stat_statements preloaded; then removes it. Needs the PostgreSQL
# backend in the build (tender-bench --ledger postgresql://…).
set -euo pipefail
build="${1:-build}"
seconds="${2:-3}"
bench="$(cd "$build" && pwd)/tools/bench/tender-bench"

bindir=""
for candidate in "$(command -v pg_config >/dev/null 2>&1 && pg_config --bindir || true)" \
                 /usr/lib/postgresql/*/bin; do
  if [ -n "$candidate" ] && [ -x "$candidate/initdb" ]; then bindir="$candidate"; fi
done
[ -n "$bindir" ] || { echo "postgres-hosts: no initdb (apt-get install postgresql)" >&2; exit 1; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/tender-pg-bench.XXXXXX")"
as_user=()
if [ "$(id -u)" = 0 ]; then
  owner=nobody
  if id postgres >/dev/null 2>&1; then owner=postgres; fi
  chown "$owner" "$dir"
  as_user=(setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups --)
fi
cleanup() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_user[@]}" "$bindir/initdb" -D "$dir/data" -U tender --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=200 \
      -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
"${as_user[@]}" "$bindir/createdb" -h "$dir" -U tender tender
uri="postgresql://tender@${dir//\//%2F}/tender"
"$bindir/psql" -q "$uri" -c "CREATE EXTENSION pg_stat_statements"

echo "== tender-bench on $uri (fsync on, synchronous_commit on)"
"$bench" --ledger "$uri" --scenario postgres-baseline,authorize-hosts --seconds "$seconds"

echo "== pg_stat_statements: the statements that took the most time"
"$bindir/psql" "$uri" -P pager=off -c "
  SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
         round(mean_exec_time::numeric, 3) AS mean_ms, rows,
         left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20"
"$bindir/psql" "$uri" -P pager=off -c "
  SELECT wal_records, wal_fpi, pg_size_pretty(wal_bytes) AS wal, wal_sync, wal_write
  FROM pg_stat_wal"
