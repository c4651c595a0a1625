/* dispatch: a payment on the no-op fixture method (bench_noop, which
 * approves at once) through the host with an in-memory ledger, versus the
 * same call made directly through the plugin's method table. The gap is
 * everything the host adds to one plugin call: argument checks, policy,
 * two ledger transactions (lease, then outcome), result copying. */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "bench-direct.h"

static const char plain_config[] = "{\"methods\": {}}";
/* The same plugin in a worker process (docs/isolation.md), under the
 * worker's seccomp filter as by default. TENDER_BENCH_SECCOMP=0 turns the
 * filter off: valgrind, which profiles the worker with
 * --trace-children=yes, makes syscalls of its own that the filter kills. */
static const char isolated_config[] =
    "{\"methods\": {}, \"plugins\": {\"bench_noop\": {\"isolation\": \"process\"}}}";
static const char isolated_unfiltered_config[] =
    "{\"methods\": {}, \"plugins\": {\"bench_noop\": {\"isolation\": \"process\", "
    "\"seccomp\": false}}}";

/* Direct calls are a few nanoseconds: time them in batches so the clock
 * reads do not dominate. */
#define DIRECT_BATCH 1000

static gboolean host_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    TenderHost *host = data;
    TenderPayRequest r = {sizeof(TenderPayRequest), "bench_noop", "US", "USD", "10.00", "bench", NULL, NULL, NULL, 0, FALSE};
    GError *error = NULL;
    TenderPayment *p = tender_host_pay(host, &r, &error);
    gboolean ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
    if (p == NULL) {
        if (index == 0)
            fprintf(stderr, "tender-bench: dispatch: %s\n", error->message);
        g_error_free(error);
    }
    tender_payment_free(p);
    return ok;
}

typedef struct {
    BenchDirect *noop;
    tender_result *res;
} DirectCtx;

static gboolean direct_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    DirectCtx *ctx = data;
    const tender_method_ops *ops = bench_direct_ops(ctx->noop);
    void *instance = bench_direct_instance(ctx->noop);
    tender_request req = bench_direct_request(TENDER_OP_AUTHORIZE, 1000, NULL, 0);
    gboolean ok = TRUE;
    for (int i = 0; i < DIRECT_BATCH; i++) {
        /* As the host does: a zeroed result with struct_size, then the call. */
        memset(ctx->res, 0, sizeof *ctx->res);
        ctx->res->struct_size = sizeof *ctx->res;
        ops->authorize(instance, &req, ctx->res);
        ok = ok && ctx->res->outcome == TENDER_OUTCOME_APPROVED;
    }
    return ok;
}

int bench_dispatch(BenchOptions *opts)
{
    const char *dirs[] = {opts->noop_dir, NULL};
    TenderHost *host = bench_host_new(dirs, plain_config, ":memory:");
    if (host == NULL)
        return 1;
    if (tender_host_method(host, "bench_noop") == NULL) {
        fprintf(stderr, "tender-bench: dispatch: bench_noop.so not loaded from %s\n",
                opts->noop_dir);
        tender_host_free(host);
        return 1;
    }
    BenchStats s = bench_run(opts, 1, host_step, host);
    tender_host_free(host);

    /* The isolated variant, in the same run: the same payments, each
     * plugin call a round trip to the worker. */
    host = bench_host_new(dirs,
                          g_strcmp0(g_getenv("TENDER_BENCH_SECCOMP"), "0") == 0
                              ? isolated_unfiltered_config
                              : isolated_config,
                          ":memory:");
    if (host == NULL)
        return 1;
    if (g_strcmp0(tender_host_plugin_isolation(host, "bench_noop"), "process") != 0) {
        fprintf(stderr, "tender-bench: dispatch: bench_noop did not load isolated\n");
        tender_host_free(host);
        return 1;
    }
    BenchStats iso = bench_run(opts, 1, host_step, host);
    tender_host_free(host);

    g_autofree char *so = g_build_filename(opts->noop_dir, "bench_noop.so", NULL);
    DirectCtx direct = {bench_direct_open(so, "bench_noop"), g_new0(tender_result, 1)};
    if (direct.noop == NULL) {
        g_free(direct.res);
        return 1;
    }
    gint64 batches = opts->operations > 0 ? MAX(1, opts->operations / DIRECT_BATCH) : 0;
    BenchStats d = bench_run_budget(opts->seconds, batches, 1, direct_step, &direct);
    bench_direct_close(direct.noop);
    g_free(direct.res);
    double direct_ns = d.mean_us * 1000.0 / DIRECT_BATCH;

    BenchReport *r = bench_report_new("dispatch", &s);
    bench_report_double(r, "direct_ns_per_call", direct_ns);
    bench_report_int(r, "direct_calls", d.operations * DIRECT_BATCH);
    bench_report_double(r, "host_overhead_p50_us", s.p50_us - direct_ns / 1000.0);
    bench_report_double(r, "isolated_p50_us", iso.p50_us);
    bench_report_double(r, "isolated_p99_us", iso.p99_us);
    bench_report_double(r, "isolation_overhead_p50_us", iso.p50_us - s.p50_us);
    bench_report_finish(r, opts,
                        "dispatch: through the host (in-memory ledger) p50 %.2f us per no-op "
                        "payment; a direct call through the method table %.1f ns (zeroing the "
                        "%zu-byte result included); isolated in a worker process p50 %.2f us "
                        "(+%.2f us)",
                        s.p50_us, direct_ns, sizeof(tender_result), iso.p50_us,
                        iso.p50_us - s.p50_us);
    return s.failures || d.failures || iso.failures ? 1 : 0;
}
