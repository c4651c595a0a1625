/* quote and startup: the policy side of the host on the embedded default
 * config with the four bundled plugins. */
#include "bench.h"

#include <stdio.h>

typedef struct {
    TenderHost *host;
    guint offered;           /* methods offered by the last quote */
} QuoteCtx;

/* A buyer in the US paying 120.00 USD with an account (so limits and
 * velocity counters are read). */
static const TenderBuyer quote_buyer = {sizeof(TenderBuyer), "US", "USD", "120.00", "bench-buyer", NULL};

static gboolean quote_once(TenderHost *host, guint *offered)
{
    GError *error = NULL;
    GPtrArray *quotes = tender_host_quote(host, &quote_buyer, &error);
    if (quotes == NULL) {
        fprintf(stderr, "tender-bench: quote failed: %s\n", error->message);
        g_error_free(error);
        return FALSE;
    }
    guint n = 0;
    for (guint i = 0; i < quotes->len; i++)
        n += ((const TenderQuote *)g_ptr_array_index(quotes, i))->offered ? 1 : 0;
    *offered = n;
    g_ptr_array_unref(quotes);
    return TRUE;
}

static gboolean quote_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    QuoteCtx *ctx = data;
    return quote_once(ctx->host, &ctx->offered);
}

int bench_quote(BenchOptions *opts)
{
    const char *dirs[] = {opts->plugin_dir, NULL};
    QuoteCtx ctx = {bench_host_new(dirs, NULL, ":memory:"), 0};
    if (ctx.host == NULL)
        return 1;
    guint methods = tender_host_methods(ctx.host)->len;
    BenchStats s = bench_run(opts, 1, quote_step, &ctx);
    tender_host_free(ctx.host);
    BenchReport *r = bench_report_new("quote", &s);
    bench_report_int(r, "methods", methods);
    bench_report_int(r, "offered", ctx.offered);
    bench_report_finish(r, opts,
                        "quote: %.0f quotes/s (p50 %.1f us, p99 %.1f us) over %u methods, %u "
                        "offered to a US buyer paying 120.00 USD",
                        s.ops_per_second, s.p50_us, s.p99_us, methods, ctx.offered);
    return s.failures ? 1 : 0;
}

/* ---- startup ------------------------------------------------------------- */

typedef struct {
    BenchOptions *opts;
    const char *fixed_ledger;    /* NULL: a new ledger file every time */
} StartupCtx;

static gboolean startup_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    StartupCtx *ctx = data;
    const char *dirs[] = {ctx->opts->plugin_dir, NULL};
    g_autofree char *fresh = ctx->fixed_ledger ? NULL : bench_tmp_path(ctx->opts, "startup");
    TenderHost *host = bench_host_new(dirs, NULL, ctx->fixed_ledger ? ctx->fixed_ledger : fresh);
    if (host == NULL)
        return FALSE;
    guint offered = 0;
    gboolean ok = quote_once(host, &offered) && offered > 0 &&
                  tender_host_methods(host)->len == 4;
    tender_host_free(host);
    return ok;
}

int bench_startup(BenchOptions *opts)
{
    /* The very first start pays for reading the plugins from disk and
     * relocating them: report it apart. */
    StartupCtx fresh = {opts, NULL};
    BenchStats first = bench_run_budget(0, 1, 1, startup_step, &fresh);
    /* Whole seconds of host creation make thousands of ledger files: cap. */
    gint64 ops = opts->operations > 0 ? opts->operations : 0;
    double secs = opts->operations > 0 ? 0 : MIN(opts->seconds, 2.0);
    BenchStats s = bench_run_budget(secs, ops, 1, startup_step, &fresh);
    g_autofree char *existing = bench_tmp_path(opts, "startup-existing");
    StartupCtx reopen = {opts, existing};
    bench_run_budget(0, 1, 1, startup_step, &reopen); /* create it */
    BenchStats again = bench_run_budget(secs, ops, 1, startup_step, &reopen);

    BenchReport *r = bench_report_new("startup", &s);
    bench_report_double(r, "first_us", first.p50_us);
    bench_report_double(r, "existing_ledger_p50_us", again.p50_us);
    bench_report_double(r, "target_ms", 10);
    bench_report_finish(r, opts,
                        "startup: host (embedded config, 4 plugins, new ledger file) + one quote "
                        "p50 %.2f ms, p99 %.2f ms (first in this process %.2f ms; existing "
                        "ledger p50 %.2f ms)",
                        s.p50_us / 1000, s.p99_us / 1000, first.p50_us / 1000,
                        again.p50_us / 1000);
    return s.failures || first.failures || again.failures ? 1 : 0;
}
