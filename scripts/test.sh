#!/usr/bin/env bash
# The full test command: install what is missing, build, run every test
# suite; then the black-box contract checks when ../shared/checks exists.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
meson test -C build --print-errorlogs --num-processes 2
if [ -x ../shared/checks/run ]; then
  TENDER_BUILD=build ../shared/checks/run
fi
