# Sourced by bench/tenderd-load.sh and bench/tenderd-callgrind.sh, with
# $build set and $1 naming the script: checks for wrk, makes $tmp (removed
# on exit, with the process $pid killed), a config with the no-op method
# only, and an API key in TENDER_API_KEY for bench/tenderd-pay.lua.
command -v wrk >/dev/null || { echo "$1: wrk is not installed" >&2; exit 69; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
echo '{"methods": {}}' > "$tmp/config.json"
TENDER_API_KEY=$("$build/tools/tender" --plugin-dir "$build/tools/bench" \
  --ledger "$tmp/ledger.db" --json api-key create bench 2>/dev/null | sed -n 's/.*"secret" : "\(.*\)".*/\1/p')
export TENDER_API_KEY
