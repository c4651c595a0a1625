#!/bin/sh
# with-card-sandbox.sh SANDBOX COMMAND [ARG...]
#
# Start SANDBOX (tender-sandbox) on an ephemeral loopback port, then run
# COMMAND ARG... followed by one --setting=card.KEY=VALUE per setting the
# sandbox wrote for the card method (the card plugin is a gateway client and
# needs its gateway even to start), stop the sandbox, and exit with
# COMMAND's status. For the runs of tender-conformance that meson starts with
# fixed arguments (under Valgrind).
set -u
sandbox=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/card-sandbox.XXXXXX")
"$sandbox" --listen 127.0.0.1:0 --config-out "$dir/config.json" >"$dir/url" 2>"$dir/log" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"; }
for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
if [ ! -s "$dir/config.json" ]; then
    echo "with-card-sandbox: tender-sandbox did not start: $(tail -c 400 "$dir/log")" >&2
    stop
    exit 1
fi
settings=$(python3 - "$dir/config.json" <<'PY'
import json, sys
card = json.load(open(sys.argv[1])).get("methods", {}).get("card", {}).get("settings", {})
print("\n".join(f"--setting=card.{k}={v}" for k, v in card.items() if isinstance(v, str)))
PY
)
# One argument per line: the values (URLs, keys) hold no spaces.
old_ifs=$IFS
IFS='
'
# shellcheck disable=SC2086
"$@" $settings
status=$?
IFS=$old_ifs
stop
exit $status
