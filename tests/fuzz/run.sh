#!/bin/sh
# Run every libFuzzer target of tests/fuzz for SECONDS each (default 10).
#
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
#
# Configures (once) a clang build with -Dfuzzing=true, AddressSanitizer and
# UndefinedBehaviorSanitizer, every object instrumented for coverage
# (-fsanitize=fuzzer-no-link, so plugins and libtender are explored too),
# then runs each fuzz-<target> over a scratch copy of its seed corpus
# (tests/fuzz/corpus/<target>, left untouched). A crash stops with exit 1
# and leaves the input as BUILD_DIR/fuzz-findings/<target>/crash-*: add it
# to the corpus and fix the bug; the replay test (suite fuzz-replay) then
# keeps it as a regression test.
#
# CI runs it briefly when clang is there; a long run is e.g.
#   tests/fuzz/run.sh 3600
# Exit status: 0 all clean, 1 a target found a problem, 2 cannot build.
set -eu

SECONDS_EACH=${1:-10}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${2:-$SRC/build-fuzz}

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz: clang is not installed (apt-get install clang)" >&2
    exit 2
fi

# Plugins are shared objects: with clang they need the shared sanitizer
# runtime (the static one is linked into executables only, and plugins are
# linked with --no-undefined). The rpath lets every binary find it.
RT_DIR=$(dirname "$(clang -print-file-name=libclang_rt.asan-x86_64.so)")
LINK="-shared-libsan -Wl,-rpath,$RT_DIR"

if [ ! -f "$BUILD/build.ninja" ]; then
    # werror off: clang warns about things gcc does not, and this build is
    # for finding crashes; the gcc CI build keeps -Werror.
    CC=clang CXX=clang++ meson setup "$BUILD" "$SRC" \
        -Dfuzzing=true -Dwerror=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link -Dcpp_args=-fsanitize=fuzzer-no-link \
        "-Dc_link_args=$LINK" "-Dcpp_link_args=$LINK" || exit 2
fi

TARGETS="money config card_params alipay_params paypal_params webmoney_params
alipay_notify paypal_notify webmoney_notify"

# The fuzz targets and the plugins they load.
BUILD_TARGETS="plugins/card/card.so plugins/alipay/alipay.so plugins/paypal/paypal.so plugins/webmoney/webmoney.so"
for t in $TARGETS; do
    BUILD_TARGETS="$BUILD_TARGETS tests/fuzz/fuzz-$t"
done
# shellcheck disable=SC2086
ninja -C "$BUILD" -j"${FUZZ_JOBS:-2}" $BUILD_TARGETS || exit 2

# verify_asan_link_order=0: with the shared runtime, libstdc++ (libFuzzer's)
# is loaded before it; harmless, as nothing allocates before the runtime
# is up.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:verify_asan_link_order=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export G_DEBUG=fatal-criticals
export TENDER_FUZZ_PLUGIN_DIR="$BUILD/plugins"

failed=""
for t in $TARGETS; do
    work="$BUILD/fuzz-work/$t"
    findings="$BUILD/fuzz-findings/$t"
    rm -rf "$work"
    mkdir -p "$work" "$findings"
    cp "$SRC/tests/fuzz/corpus/$t"/* "$work"/
    echo "fuzz: $t for ${SECONDS_EACH}s"
    if ! "$BUILD/tests/fuzz/fuzz-$t" -max_total_time="$SECONDS_EACH" -max_len=16384 \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$findings/" "$work" >"$BUILD/fuzz-$t.log" 2>&1; then
        echo "fuzz: $t FAILED; see $BUILD/fuzz-$t.log and $findings/" >&2
        tail -40 "$BUILD/fuzz-$t.log" >&2
        failed="$failed $t"
    else
        grep -E "stat::number_of_executed_units|cov:" "$BUILD/fuzz-$t.log" | tail -2 | tr '\n' ' '
        echo
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz: findings in:$failed" >&2
    exit 1
fi
echo "fuzz: every target ran ${SECONDS_EACH}s clean"
