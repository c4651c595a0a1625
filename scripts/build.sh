#!/usr/bin/env bash
# Configures (once) and builds Tender in ./build, warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build --werror -Dbuildtype=debugoptimized
fi
ninja -C build
