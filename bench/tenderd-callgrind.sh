#!/usr/bin/env bash
# tenderd's CPU per payment request in instructions (callgrind), which a
# loaded machine does not change: tenderd runs under callgrind with
# collection off while it starts, wrk sends POST /v1/payments (bench_noop,
# as bench/tenderd-load.sh) for SECONDS, and only those requests are
# counted. Then the same for the in-process path (tender-bench
# authorize-durable, --operations N), so the difference is what the HTTP
# service adds to a payment.
#
#   bench/tenderd-callgrind.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]   (build, 20, 8)
#
# Prints instructions per request for tenderd, per payment in process, and
# tenderd's top functions (inclusive) to look at.
set -euo pipefail
build=${1:-build}
seconds=${2:-20}
connections=${3:-8}
tenderd=${TENDERD:-$build/service/tenderd}  # another binary to compare
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "tenderd-callgrind: valgrind is not installed" >&2; exit 69; }
. "$here/tenderd-setup.sh" tenderd-callgrind
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/cg.out" \
  "$tenderd" --plugin-dir "$build/tools/bench" --config "$tmp/config.json" \
  --ledger "$tmp/ledger.db" --listen 127.0.0.1:0 > "$tmp/url" 2> "$tmp/log" &
pid=$!
for _ in $(seq 600); do [ -s "$tmp/url" ] && break; sleep 0.1; done
url=$(head -1 "$tmp/url")
# A few payments first: lazy initialisation (plugin, statements, threads)
# is not what a request costs.
wrk -t1 -c"$connections" -d2s -s "$here/tenderd-pay.lua" "$url/v1/payments" > /dev/null
callgrind_control -i on "$pid" > /dev/null
out=$(wrk -t1 -c"$connections" -d"${seconds}s" -s "$here/tenderd-pay.lua" "$url/v1/payments")
callgrind_control -i off "$pid" > /dev/null
requests=$(echo "$out" | awk '/requests in/ {print $1}')
bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
[ -n "${CG_OUT:-}" ] && cp "$tmp/cg.out" "$CG_OUT"  # kept for callgrind_annotate
total=$(callgrind_annotate "$tmp/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
# The outbox thread reads the ledger once per burst of payments, so its
# share per request depends on how fast requests come (callgrind slows
# them): it is shown apart.
outbox=$(callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null | \
  awk '/service\/outbox.c:run / && !seen {gsub(",", "", $1); print $1; seen = 1}')
echo "tenderd: $requests requests${bad:+ ($bad non-2xx)}, $total instructions," \
     "$(( total / requests )) per request ($connections connections);" \
     "$(( (total - ${outbox:-0}) / requests )) per request without the outbox thread"
callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null | sed -n "/PROGRAM TOTALS/,+60p"
n=2000
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg-inproc.out" \
  "$build/tools/bench/tender-bench" --scenario authorize-durable --operations "$n" > /dev/null 2>&1
inproc=$(callgrind_annotate --inclusive=yes "$tmp/cg-inproc.out" 2>/dev/null | \
  awk '/tender_host_pay[^_]/ && !seen {gsub(",", "", $1); print $1; seen = 1}')
echo "in process: tender_host_pay $(( inproc / n )) instructions per payment (inclusive, $n payments)"
