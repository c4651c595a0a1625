#!/usr/bin/env bash
# The main job: install what is missing, build, and run `tender demo` on the
# embedded default config with a fresh ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/tools/tender demo "$@"
