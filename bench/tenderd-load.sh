#!/usr/bin/env bash
# tenderd under load (issue 14, "Benchmark"): no-op authorizations through
# POST /v1/payments with wrk at 1, 8 and 64 connections, durable SQLite
# ledger, against the in-process durable rate (tender-bench
# authorize-durable) measured in the same run with as many threads.
#
#   bench/tenderd-load.sh [BUILD_DIR] [SECONDS]     (default: build, 10)
#
# Needs wrk (Debian: apt-get install wrk). Prints one line per concurrency:
# payments/s and p99 over HTTP, the in-process payments/s, and the ratio.
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tenderd-setup.sh" tenderd-load
"$build/service/tenderd" --plugin-dir "$build/tools/bench" --config "$tmp/config.json" \
  --ledger "$tmp/ledger.db" --listen 127.0.0.1:0 > "$tmp/url" 2> "$tmp/log" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/url" ] && break; sleep 0.1; done
url=$(head -1 "$tmp/url")
echo "tenderd at $url; load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
printf '%-11s %14s %10s %16s %7s\n' connections "http pay/s" "http p99" "in-process pay/s" ratio
for c in 1 8 64; do
  threads=$(( c < 2 ? 1 : 2 ))
  out=$(wrk -t "$threads" -c "$c" -d "${seconds}s" --latency -s "$here/tenderd-pay.lua" \
        "$url/v1/payments")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  inproc=$("$build/tools/bench/tender-bench" --scenario authorize-durable --threads "$c" \
           --seconds "$seconds" --json | sed -n 's/.*"ops_per_second": \([0-9.]*\).*/\1/p')
  ratio=$(awk -v a="$rps" -v b="$inproc" 'BEGIN { printf "%.2f", a / b }')
  printf '%-11s %14s %10s %16s %7s%s\n' "$c" "$rps" "$p99" "$inproc" "$ratio" \
    "${bad:+  ($bad non-2xx answers)}"
done
