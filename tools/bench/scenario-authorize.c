/* authorize-durable and authorize-memory: authorizations through the whole
 * host (validation, policy, ledger transactions, plugin call) on the no-op
 * fixture method bench_noop, so what is measured is the engine and the
 * ledger, not a payment provider (the card method now talks to a gateway
 * over HTTP; its own cost is card-validate's). The config names no method,
 * so the method runs on its plugin's facts alone: no limits or velocity
 * rules can refuse a benchmark payment, and no idempotency keys are sent
 * (each payment is new). */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "bench-direct.h"

static const char plain_config[] = "{\"methods\": {}}";

typedef struct {
    TenderHost *host;
} AuthorizeCtx;

static gboolean authorize_step(gpointer data, int thread, gint64 index)
{
    AuthorizeCtx *ctx = data;
    char account[32];
    g_snprintf(account, sizeof account, "bench-%d", thread);
    TenderPayRequest r = {sizeof(TenderPayRequest), "bench_noop", "US", "USD", "10.00", account,
                          NULL, NULL, NULL, 0, FALSE};
    GError *error = NULL;
    TenderPayment *p = tender_host_pay(ctx->host, &r, &error);
    gboolean ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
    /* The first few failures of a run say enough to diagnose it. */
    static gint said = 0;
    if (!ok && g_atomic_int_add(&said, 1) < 5)
        fprintf(stderr, "tender-bench: authorize failed (operation %" G_GINT64_FORMAT "): %s\n",
                index, p == NULL ? error->message : tender_status_to_string(p->status));
    g_clear_error(&error);
    tender_payment_free(p);
    return ok;
}

static int run_durable(BenchOptions *opts, int threads)
{
    g_autofree char *ledger =
        opts->ledger ? g_strdup(opts->ledger) : bench_tmp_path(opts, "durable");
    const char *dirs[] = {opts->noop_dir, NULL};
    AuthorizeCtx ctx = {bench_host_new(dirs, plain_config, ledger)};
    if (ctx.host == NULL)
        return 1;
    /* authorize-hosts starts several of us: begin together. */
    gint64 wait_us = opts->start_at_ms * 1000 - g_get_real_time();
    if (opts->start_at_ms > 0 && wait_us > 0)
        g_usleep((gulong)wait_us);
    BenchStats s = bench_run(opts, threads, authorize_step, &ctx);
    tender_host_free(ctx.host);
    BenchReport *r = bench_report_new("authorize-durable", &s);
    bench_report_int(r, "threads", threads);
    double target = threads == 1 ? 0.8 : 5.0;
    double ratio = opts->baseline_ops > 0 ? s.ops_per_second / opts->baseline_ops : 0;
    if (opts->baseline_ops > 0) {
        bench_report_double(r, "baseline_ops_per_second", opts->baseline_ops);
        bench_report_double(r, "vs_baseline", ratio);
        if (threads == 1 || threads == 8)
            bench_report_double(r, "target_vs_baseline", target);
    }
    g_autofree char *versus =
        opts->baseline_ops > 0
            ? g_strdup_printf("%.2f x sqlite-baseline (target %.1f x)", ratio, target)
            : g_strdup("run sqlite-baseline in the same invocation for the ratio");
    bench_report_finish(r, opts,
                        "authorize-durable (%d thread%s): %.0f authorizations/s (p50 %.0f us, "
                        "p99 %.0f us); %s",
                        threads, threads == 1 ? "" : "s", s.ops_per_second, s.p50_us, s.p99_us,
                        versus);
    return s.failures ? 1 : 0;
}

int bench_authorize_durable(BenchOptions *opts)
{
    if (opts->threads > 0)
        return run_durable(opts, opts->threads);
    int rc = run_durable(opts, 1);
    return run_durable(opts, 8) || rc;
}

/* The method's authorize alone, called as the host calls it: a zeroed
 * result, then the function. */
typedef struct {
    BenchDirect *method;
    tender_result *res;
} DirectCtx;

static gboolean direct_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    DirectCtx *ctx = data;
    tender_request req = bench_direct_request(TENDER_OP_AUTHORIZE, 1000, NULL, 0);
    memset(ctx->res, 0, sizeof *ctx->res);
    ctx->res->struct_size = sizeof *ctx->res;
    bench_direct_ops(ctx->method)->authorize(bench_direct_instance(ctx->method), &req,
                                             ctx->res);
    return ctx->res->outcome == TENDER_OUTCOME_APPROVED;
}

int bench_authorize_memory(BenchOptions *opts)
{
    const char *dirs[] = {opts->noop_dir, NULL};
    AuthorizeCtx ctx = {bench_host_new(dirs, plain_config, ":memory:")};
    if (ctx.host == NULL)
        return 1;
    BenchStats s = bench_run(opts, 1, authorize_step, &ctx);
    tender_host_free(ctx.host);

    g_autofree char *so = g_build_filename(opts->noop_dir, "bench_noop.so", NULL);
    DirectCtx direct = {bench_direct_open(so, "bench_noop"), g_new0(tender_result, 1)};
    if (direct.method == NULL) {
        g_free(direct.res);
        return 1;
    }
    BenchStats d = bench_run(opts, 1, direct_step, &direct);
    bench_direct_close(direct.method);
    g_free(direct.res);

    BenchReport *r = bench_report_new("authorize-memory", &s);
    bench_report_double(r, "plugin_p50_us", d.p50_us);
    bench_report_double(r, "plugin_mean_us", d.mean_us);
    bench_report_double(r, "host_overhead_p50_us", s.p50_us - d.p50_us);
    bench_report_double(r, "host_overhead_mean_us", s.mean_us - d.mean_us);
    bench_report_int(r, "plugin_failures", d.failures);
    bench_report_finish(r, opts,
                        "authorize-memory: %.0f authorizations/s (p50 %.1f us); the method "
                        "alone p50 %.1f us, so the host adds %.1f us (p50), %.1f us (mean)",
                        s.ops_per_second, s.p50_us, d.p50_us, s.p50_us - d.p50_us,
                        s.mean_us - d.mean_us);
    return s.failures || d.failures ? 1 : 0;
}
