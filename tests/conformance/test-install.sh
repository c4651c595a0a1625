#!/usr/bin/env bash
# The SDK's promise, end to end: install Tender into a temporary prefix,
# then with PKG_CONFIG_PATH alone build the example plugin, the example host
# and a project made by tender-plugin-new; load the example plugin into the
# installed `tender`, run the example host on the installed bundled plugins,
# and run the installed tender-conformance on both new plugins. The plugin
# builds see the staging tree as a sysroot (PKG_CONFIG_SYSROOT_DIR), as a
# cross or staged build would, so tender-sdk.pc must work from there as it
# is; and a plugin project set up without tender-conformance on PATH must
# fail its `meson test`, not pass it on "no tests".
#
#   test-install.sh SOURCE_ROOT BUILD_ROOT
#
# It installs the current build (meson install --destdir, no rebuild), so it
# costs little more than building the three small projects.
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tender-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

step "meson install --destdir $tmp/root"
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "meson install"; }

# Where the build's prefix landed inside the destdir.
prefix=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root=$tmp/root$prefix
for f in bin/tender bin/tender-conformance bin/tender-plugin-new \
         include/tender/plugin.h include/tender/sdk.h include/tender/decline.h \
         include/tender/tender.h include/tender/money.h share/tender-sdk/tender-plugin.map \
         include/tender/testhost.h include/tender/conformance.h \
         share/tender-sdk/template/myplugin.c; do
    [ -e "$root/$f" ] || fail "not installed: $prefix/$f"
done
sdk_pc=$(find "$root" -name tender-sdk.pc | head -1)
host_pc=$(find "$root" -name tender.pc | head -1)
[ -n "$sdk_pc" ] || fail "tender-sdk.pc not installed"
[ -n "$host_pc" ] || fail "tender.pc not installed"
pcdir=$(dirname "$sdk_pc")
libdir=$(dirname "$pcdir")
[ -e "$libdir/libtender-sdk.a" ] || fail "libtender-sdk.a not installed in $libdir"
ls "$libdir"/libtender.so* >/dev/null 2>&1 || fail "libtender.so not installed in $libdir"
plugindir=$libdir/tender/plugins
[ -e "$plugindir/card.so" ] || fail "bundled plugins not installed in $plugindir"

# tender.pc (and the test host's and the kit's, which require it) names the
# real prefix and requires the system's glib, which a sysroot would hide:
# builds against them point their prefix at the staging tree.
for pc in tender tender-testhost tender-conformance; do
    [ -e "$pcdir/$pc.pc" ] || fail "$pc.pc not installed in $pcdir"
    sed -i "s|^prefix=.*|prefix=$root|" "$pcdir/$pc.pc"
done

# tender-sdk.pc stays as installed and is read with the staging tree as the
# sysroot. The freedesktop rules (PKG_CONFIG_FDO_SYSROOT_RULES) add the
# sysroot to -I and -L only, so a variable naming a file (the version
# script) must carry ${pc_sysrootdir} itself; pkgconf's own rules then
# agree. plugindir is an install path on the target: no sysroot.
sdk_env=(env PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_FDO_SYSROOT_RULES=1 PKG_CONFIG_PATH="$pcdir")
step "tender-sdk.pc from the staging tree (PKG_CONFIG_SYSROOT_DIR)"
flags=$("${sdk_env[@]}" pkg-config --cflags --libs tender-sdk) || fail "pkg-config tender-sdk"
case " $flags " in *" -I$root/include "*) ;; *) fail "tender-sdk cflags miss $root/include: $flags" ;; esac
case " $flags " in *" -L$libdir "*) ;; *) fail "tender-sdk libs miss $libdir: $flags" ;; esac
script=$("${sdk_env[@]}" pkg-config --variable=versionscript tender-sdk)
[ "$script" = "$root/share/tender-sdk/tender-plugin.map" ] ||
    fail "versionscript is $script, not the staged $root/share/tender-sdk/tender-plugin.map"
script=$(PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_PATH="$pcdir" pkg-config --variable=versionscript tender-sdk)
[ "$script" = "$root/share/tender-sdk/tender-plugin.map" ] ||
    fail "with pkgconf's sysroot rules, versionscript is $script"
plugindir_var=$("${sdk_env[@]}" pkg-config --variable=plugindir tender-sdk)
case "$plugindir_var" in "$tmp"/*) fail "plugindir $plugindir_var names the staging tree" ;; esac
# A tiny plugin, compiled and linked by hand with nothing but those flags.
# shellcheck disable=SC2086
cc -shared -fPIC -fvisibility=hidden -o "$tmp/tiny.so" "$root/share/tender-sdk/template/myplugin.c" \
    $flags -Wl,--version-script="$script" -Wl,--no-undefined ||
    fail "compiling a plugin with the staged tender-sdk.pc"

export PKG_CONFIG_PATH=$pcdir
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH=$root/bin:$PATH
# The projects below must build from the installed files alone: no
# compiler search path may point back into the source or build tree.
unset CPATH C_INCLUDE_PATH LIBRARY_PATH

step "build examples/plugin against the installed SDK"
"${sdk_env[@]}" meson setup "$tmp/plugin-build" "$src/examples/plugin" >"$tmp/plugin-setup.log" 2>&1 ||
    { cat "$tmp/plugin-setup.log"; fail "meson setup examples/plugin"; }
ninja -C "$tmp/plugin-build" >"$tmp/plugin-build.log" 2>&1 ||
    { cat "$tmp/plugin-build.log"; fail "building examples/plugin"; }

step "build examples/host against the installed libtender"
meson setup "$tmp/host-build" "$src/examples/host" >"$tmp/host-setup.log" 2>&1 ||
    { cat "$tmp/host-setup.log"; fail "meson setup examples/host"; }
ninja -C "$tmp/host-build" >"$tmp/host-build.log" 2>&1 ||
    { cat "$tmp/host-build.log"; fail "building examples/host"; }

# A plugin directory others cannot write to (the loader refuses others).
mkdir -m 0755 "$tmp/plugins"
cp "$tmp/plugin-build/giftcard.so" "$tmp/plugins/"

step "tender loads the example plugin"
tender --plugin-dir "$tmp/plugins" --json plugins >"$tmp/plugins.json" ||
    { cat "$tmp/plugins.json"; fail "tender plugins with the example plugin"; }
grep -q '"giftcard"' "$tmp/plugins.json" || { cat "$tmp/plugins.json"; fail "method giftcard not listed"; }
# The ledger: a file, or under `meson test --setup postgres` (which sets
# TENDER_TEST_LEDGER to a server) a new schema of that server, as
# tests/support/test-ledger.c makes them. Its rows are scanned as the bytes
# of an SQLite copy (`tender ledger copy`, totals checked) in that case.
ledger="$tmp/ledger.db"
case "${TENDER_TEST_LEDGER:-}" in
postgres://* | postgresql://*)
    schema="install_$$_$RANDOM"
    psql -q "$TENDER_TEST_LEDGER" -c "CREATE SCHEMA $schema" || fail "creating schema $schema"
    case "$TENDER_TEST_LEDGER" in *\?*) sep='&' ;; *) sep='?' ;; esac
    ledger="$TENDER_TEST_LEDGER${sep}options=-csearch_path%3D$schema"
    ;;
esac
tender --plugin-dir "$tmp/plugins" --ledger "$ledger" --now 2026-03-01T10:00:00Z --json \
    pay --method giftcard --region US --currency USD --amount 20.00 \
    --param number=6036000000000001 --param pin=1234 >"$tmp/pay.json" ||
    { cat "$tmp/pay.json"; fail "tender pay --method giftcard"; }
grep -q '"authorized"' "$tmp/pay.json" || { cat "$tmp/pay.json"; fail "giftcard payment not authorized"; }
if [ "$ledger" != "$tmp/ledger.db" ]; then
    tender ledger copy --from "$ledger" --to "$tmp/ledger.db" >"$tmp/copy.out" 2>&1 ||
        { cat "$tmp/copy.out"; fail "copying the PostgreSQL ledger to scan it"; }
fi
[ -s "$tmp/ledger.db" ] || fail "no ledger to scan"
if grep -q 6036000000000001 "$tmp"/ledger.db* "$tmp/pay.json"; then
    fail "the gift card number reached the ledger or the output"
fi

step "tender-conformance on the example plugin"
tender-conformance "$tmp/plugins/giftcard.so" || fail "tender-conformance giftcard.so"
meson test -C "$tmp/plugin-build" --print-errorlogs >"$tmp/plugin-test.log" 2>&1 ||
    { cat "$tmp/plugin-test.log"; fail "meson test in the example plugin's project"; }

step "a unit test on the installed test host and conformance library (pkg-config alone)"
cat >"$tmp/unit.c" <<'UNIT'
#include <stdio.h>
#include <stdlib.h>

#include <tender/conformance.h>
#include <tender/tender.h>
#include <tender/testhost.h>

int main(int argc, char **argv)
{
    (void)argc;
    TenderTestHost *host = tender_test_host_new();
    char *error = NULL;
    TenderTestPlugin *plugin = tender_test_plugin_load(host, argv[1], &error);
    if (plugin == NULL) { fprintf(stderr, "load: %s\n", error); return 1; }
    if (!tender_plugin_check_descriptor(tender_test_plugin_descriptor(plugin), &error)) {
        fprintf(stderr, "descriptor: %s\n", error);
        return 1;
    }
    const tender_method *m = tender_test_plugin_method(plugin, "giftcard");
    void *instance = NULL;
    if (m == NULL || tender_test_instance_new(host, m, &instance, &error) != 0) {
        fprintf(stderr, "create: %s\n", error ? error : "no method giftcard");
        return 1;
    }
    size_t n = 0;
    const tender_fixture *f = tender_method_fixtures(m, &n);
    tender_request req = tender_test_request(TENDER_OP_AUTHORIZE, 2000, "USD", 2);
    if (f != NULL && n > 0) {
        req.params = f[0].params;
        req.n_params = f[0].n_params;
    }
    tender_result res;
    if (!tender_test_call(m, instance, &req, &res) || res.outcome == 0) {
        fprintf(stderr, "authorize: no answer\n");
        return 1;
    }
    tender_test_instance_free(m, instance);
    tender_test_plugin_free(plugin);
    tender_test_host_free(host);

    tc_context *ctx = tc_context_new(argv[1], NULL);
    char *message = NULL;
    tc_status status = tc_run_case(ctx, tc_case_find("descriptor"), &message);
    printf("%s descriptor: %s\n", tc_status_name(status), message);
    free(message);
    tc_context_free(ctx);
    return status == TC_PASS ? 0 : 1;
}
UNIT
# shellcheck disable=SC2046
cc -o "$tmp/unit" "$tmp/unit.c" $(pkg-config --cflags --libs tender-conformance tender-testhost) ||
    fail "compiling a unit test with pkg-config tender-conformance tender-testhost"
"$tmp/unit" "$tmp/plugins/giftcard.so" || fail "the unit test on the installed test host"

step "the example host on the installed bundled plugins, against the installed tender-sandbox"
# The card method is a gateway client: its gateway is a tender-sandbox, and
# the config it writes points the method at it.
"$root/bin/tender-sandbox" --listen 127.0.0.1:0 --config-out "$tmp/sandbox-config.json" \
    >"$tmp/sandbox-url.txt" 2>"$tmp/sandbox-log.txt" &
sandbox_pid=$!
for _ in $(seq 100); do [ -s "$tmp/sandbox-url.txt" ] && break; sleep 0.1; done
[ -s "$tmp/sandbox-config.json" ] || { kill "$sandbox_pid"; cat "$tmp/sandbox-log.txt"; fail "tender-sandbox did not start"; }
"$tmp/host-build/tender-example-host" --plugin-dir "$plugindir" --config "$tmp/sandbox-config.json" ||
    { kill "$sandbox_pid"; fail "tender-example-host"; }
kill -TERM "$sandbox_pid"; wait "$sandbox_pid" || true

step "the installed tender-sandbox, started by the installed tender demo"
[ -x "$root/bin/tender-sandbox" ] || fail "not installed: $prefix/bin/tender-sandbox"
"$root/bin/tender-sandbox" --help >"$tmp/sandbox-help.txt" || fail "tender-sandbox --help"
grep -q -- "--config-out" "$tmp/sandbox-help.txt" || fail "tender-sandbox --help lacks --config-out"
# PATH without the build tree's programs: the demo must find the sandbox
# beside the installed tender.
(cd "$tmp" && env -u TENDER_SANDBOX "$root/bin/tender" --plugin-dir "$plugindir" demo \
    >"$tmp/demo.txt" 2>&1) || { cat "$tmp/demo.txt"; fail "the installed tender demo"; }
grep -q "against tender-sandbox at http://127.0.0.1:" "$tmp/demo.txt" ||
    { head -3 "$tmp/demo.txt"; fail "the installed tender demo did not start the installed sandbox"; }

step "tender-plugin-new, built and checked"
(cd "$tmp" && tender-plugin-new voucher_demo) || fail "tender-plugin-new"
"${sdk_env[@]}" meson setup "$tmp/voucher_demo/build" "$tmp/voucher_demo" >"$tmp/new-setup.log" 2>&1 ||
    { cat "$tmp/new-setup.log"; fail "meson setup of the new plugin project"; }
ninja -C "$tmp/voucher_demo/build" >"$tmp/new-build.log" 2>&1 ||
    { cat "$tmp/new-build.log"; fail "building the new plugin project"; }
tender-conformance "$tmp/voucher_demo/build/voucher_demo.so" || fail "tender-conformance voucher_demo.so"
meson test -C "$tmp/voucher_demo/build" >"$tmp/new-test.log" 2>&1 ||
    { cat "$tmp/new-test.log"; fail "meson test in the new plugin project"; }

step "the new project's meson test fails without tender-conformance"
# PATH without every directory that holds a tender-conformance.
no_kit_path=
IFS=: read -r -a path_dirs <<<"$PATH"
for d in "${path_dirs[@]}"; do
    [ -n "$d" ] && [ ! -e "$d/tender-conformance" ] && no_kit_path=${no_kit_path:+$no_kit_path:}$d
done
PATH=$no_kit_path command -v tender-conformance >/dev/null && fail "could not hide tender-conformance"
PATH=$no_kit_path "${sdk_env[@]}" meson setup "$tmp/voucher_demo/build-nokit" "$tmp/voucher_demo" \
    >"$tmp/nokit-setup.log" 2>&1 || { cat "$tmp/nokit-setup.log"; fail "meson setup without the kit"; }
if PATH=$no_kit_path meson test -C "$tmp/voucher_demo/build-nokit" >"$tmp/nokit-test.log" 2>&1; then
    cat "$tmp/nokit-test.log"; fail "meson test passed without tender-conformance"
fi
grep -q "tender-conformance not found" "$tmp/voucher_demo/build-nokit/meson-logs/testlog.txt" ||
    { cat "$tmp/voucher_demo/build-nokit/meson-logs/testlog.txt"; fail "the failing test does not say why"; }

echo "install test: all passed"
