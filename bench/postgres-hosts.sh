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

# Where the CPU went: the same runs again, one process count at a time, with
# the machine's busy time (/proc/stat) and the server's processes' CPU time
# (/proc/PID/stat of this cluster's postmaster and its children) sampled around each. On one
# machine the server and the hosts share the cores: when the machine is busy
# near 100 %, adding hosts cannot add throughput, whoever bounds it.
cpu_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
cpu_total_ticks() { awk '/^cpu / { s = 0; for (i = 2; i <= 9; i++) s += $i; print s }' /proc/stat; }
server_ticks() {
  local total=0 pid stat postmaster
  postmaster="$(head -1 "$dir/data/postmaster.pid")"
  # This cluster's processes only: its postmaster and the postmaster's
  # children. A backend that served a host has exited by the second sample;
  # its time is then in the postmaster's cutime and cstime (children reaped).
  for pid in "$postmaster" $(pgrep -P "$postmaster"); do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    stat="${stat##*) }"
    # fields after "comm) ": state is the 1st, utime the 12th, stime the
    # 13th, cutime and cstime the 14th and 15th
    set -- $stat
    total=$((total + ${12} + ${13}))
    if [ "$pid" = "$postmaster" ]; then total=$((total + ${14} + ${15})); fi
  done
  echo "$total"
}
echo "== CPU: machine busy and the server's share, per process count"
for threads in 4 1; do
  for processes in 1 2 4; do
    b0=$(cpu_busy_ticks); t0=$(cpu_total_ticks); s0=$(server_ticks)
    line="$("$bench" --ledger "$uri" --scenario authorize-hosts --processes "$processes" \
             --threads "$threads" --seconds "$seconds" --json)"
    b1=$(cpu_busy_ticks); t1=$(cpu_total_ticks); s1=$(server_ticks)
    ops="$(printf '%s' "$line" | sed -n 's/.*"ops_per_second": \([0-9.]*\).*/\1/p')"
    awk -v p="$processes" -v th="$threads" -v ops="$ops" -v b=$((b1 - b0)) -v t=$((t1 - t0)) \
        -v s=$((s1 - s0)) 'BEGIN {
      printf "%d process(es) x %d thread(s): %.0f authorizations/s; machine busy %.0f %%; " \
             "server %.0f %% of the busy time, hosts and kernel the rest\n",
             p, th, ops, t ? 100 * b / t : 0, b ? 100 * s / b : 0 }'
  done
done

echo "== pg_stat_statements: the statements that took the most time"
"$bindir/psql" "$uri" -P pager=off -c "
  SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
         round(mean_exec_time::numeric, 3) AS mean_ms, rows,
         left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20"
"$bindir/psql" "$uri" -P pager=off -c "
  SELECT wal_records, wal_fpi, pg_size_pretty(wal_bytes) AS wal, wal_sync, wal_write
  FROM pg_stat_wal"
