/* limit-scale: the cost of a limit check with 1 thousand and with 1 million
 * payments in the ledger, on the no-op fixture method bench_noop (what is
 * measured is the engine and the ledger, not a provider). The config gives
 * the method a daily limit per account (far too high to refuse anything), so a quote must read the
 * account's usage counter and an authorization must also write it.
 *
 * The ledgers are filled through the host API (tender_host_pay on a host
 * whose ledger does not flush: tender_host_options_set_ledger_flush), so
 * the schema stays the ledger's own business. Payment i belongs to account
 * acct-(i mod 1000) and is for 10.00 + (i mod 90) USD, all on the
 * benchmark's day, so the measured account acct-0 holds 1 payment in the
 * small ledger and 1000 in the large one: a check that scanned the
 * account's payments would show it. */
#include "bench.h"

#include <stdio.h>

static const char limit_config[] =
    "{\"exchange\": {\"base\": \"USD\", \"rates\": {}},"
    " \"methods\": {\"bench_noop\": {\"limits\": ["
    "  {\"window\": \"day\", \"currency\": \"USD\", \"max\": \"100000000000.00\"}]}}}";

#define ACCOUNTS 1000

/* Payment i's amount in cents. */
static gint64 fill_amount(gint64 i)
{
    return 1000 + (i % 90) * 100;
}

/* Fill the ledger at path with n authorized payments through the host API,
 * on a host whose commits do not wait for the disk. */
static gboolean populate(const char *const *dirs, const char *path, gint64 n)
{
    TenderHostOptions *o = tender_host_options_new();
    for (gsize i = 0; dirs[i]; i++)
        tender_host_options_add_plugin_dir(o, dirs[i]);
    tender_host_options_set_config_data(o, limit_config);
    tender_host_options_set_ledger(o, path);
    tender_host_options_set_ledger_flush(o, FALSE);
    tender_host_options_set_fixed_now(o, BENCH_NOW_MS);
    GError *error = NULL;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    if (host == NULL) {
        fprintf(stderr, "tender-bench: limit-scale: %s\n", error->message);
        g_error_free(error);
        return FALSE;
    }
    gboolean ok = TRUE;
    for (gint64 i = 0; ok && i < n; i++) {
        char account[16];
        g_snprintf(account, sizeof account, "acct-%d", (int)(i % ACCOUNTS));
        g_autofree char *amount = tender_money_format(fill_amount(i), "USD", 2);
        TenderPayRequest r = {sizeof(TenderPayRequest), "bench_noop", "US", "USD", amount,
                              account, NULL, NULL, NULL, 0, FALSE};
        TenderPayment *p = tender_host_pay(host, &r, &error);
        ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
        if (!ok)
            fprintf(stderr, "tender-bench: limit-scale: filling payment %" G_GINT64_FORMAT
                    ": %s\n", i, error ? error->message : "not authorized");
        g_clear_error(&error);
        tender_payment_free(p);
    }
    tender_host_free(host);
    return ok;
}

typedef struct {
    TenderHost *host;
} LimitCtx;

static const TenderBuyer limit_buyer = {sizeof(TenderBuyer), "US", "USD", "25.00", "acct-0", NULL};

/* bench_noop's quote among the plugin's methods (bench_http is there too). */
static const TenderQuote *noop_quote(GPtrArray *quotes)
{
    for (guint i = 0; quotes != NULL && i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        if (g_strcmp0(q->method, "bench_noop") == 0)
            return q;
    }
    return NULL;
}

static gboolean quote_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    LimitCtx *ctx = data;
    GPtrArray *quotes = tender_host_quote(ctx->host, &limit_buyer, NULL);
    const TenderQuote *q = noop_quote(quotes);
    gboolean ok = q != NULL && q->offered;
    if (quotes)
        g_ptr_array_unref(quotes);
    return ok;
}

static gboolean authorize_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    LimitCtx *ctx = data;
    TenderPayRequest r = {sizeof(TenderPayRequest), "bench_noop", "US", "USD", "25.00", "acct-0",
                          NULL, NULL, NULL, 0, FALSE};
    TenderPayment *p = tender_host_pay(ctx->host, &r, NULL);
    gboolean ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
    tender_payment_free(p);
    return ok;
}

/* Prove the host reads the filled counters: with a limit 10.00 USD above
 * what acct-0 already holds, a 25.00 quote must be refused for the limit. */
static gboolean verify_counter(const char *const *dirs, const char *path, gint64 payments)
{
    gint64 used = 0; /* what acct-0's payments add up to */
    for (gint64 i = 0; i < payments; i += ACCOUNTS)
        used += fill_amount(i);
    g_autofree char *max = tender_money_format(used + 1000, "USD", 2);
    g_autofree char *config = g_strdup_printf(
        "{\"exchange\": {\"base\": \"USD\", \"rates\": {}},"
        " \"methods\": {\"bench_noop\": {\"limits\": ["
        "  {\"window\": \"day\", \"currency\": \"USD\", \"max\": \"%s\"}]}}}", max);
    TenderHost *host = bench_host_new(dirs, config, path);
    if (host == NULL)
        return FALSE;
    GPtrArray *quotes = tender_host_quote(host, &limit_buyer, NULL);
    const TenderQuote *q = noop_quote(quotes);
    gboolean ok = q && !q->offered && g_strcmp0(q->reason_code, "limit_exceeded") == 0;
    if (!ok)
        fprintf(stderr, "tender-bench: limit-scale: the host did not see the filled counter "
                "(%s)\n", q && q->reason ? q->reason : "no quote");
    if (quotes)
        g_ptr_array_unref(quotes);
    tender_host_free(host);
    return ok;
}

typedef struct {
    double populate_seconds;
    BenchStats quote, authorize;
} ScaleResult;

static gboolean measure(BenchOptions *opts, gint64 payments, ScaleResult *out)
{
    const char *dirs[] = {opts->noop_dir, NULL};
    g_autofree char *path = bench_tmp_path(opts, "limit");
    gint64 t0 = g_get_monotonic_time();
    if (!populate(dirs, path, payments))
        return FALSE;
    out->populate_seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (!verify_counter(dirs, path, payments))
        return FALSE;
    LimitCtx ctx = {bench_host_new(dirs, limit_config, path)};
    if (ctx.host == NULL)
        return FALSE;
    out->quote = bench_run(opts, 1, quote_step, &ctx);
    out->authorize = bench_run(opts, 1, authorize_step, &ctx);
    tender_host_free(ctx.host);
    return TRUE;
}

int bench_limit_scale(BenchOptions *opts)
{
    const char *env = g_getenv("TENDER_BENCH_LIMIT_LARGE");
    gint64 large = env ? g_ascii_strtoll(env, NULL, 10) : 1000000;
    gint64 small = 1000;
    ScaleResult s = {0}, l = {0};
    if (!opts->json_only)
        fprintf(stderr, "limit-scale: filling ledgers with %" G_GINT64_FORMAT " and %"
                G_GINT64_FORMAT " payments...\n", small, large);
    if (!measure(opts, small, &s) || !measure(opts, large, &l))
        return 1;
    double quote_ratio = s.quote.p50_us > 0 ? l.quote.p50_us / s.quote.p50_us : 0;
    double auth_ratio = s.authorize.p50_us > 0 ? l.authorize.p50_us / s.authorize.p50_us : 0;
    /* The headline numbers are the quote's: a pure limit check (read the
     * counter, compare). The authorization's numbers include its fsyncs. */
    BenchReport *r = bench_report_new("limit-scale", &l.quote);
    bench_report_int(r, "small_payments", small);
    bench_report_int(r, "large_payments", large);
    bench_report_double(r, "quote_small_p50_us", s.quote.p50_us);
    bench_report_double(r, "quote_large_p50_us", l.quote.p50_us);
    bench_report_double(r, "quote_ratio", quote_ratio);
    bench_report_double(r, "authorize_small_p50_us", s.authorize.p50_us);
    bench_report_double(r, "authorize_large_p50_us", l.authorize.p50_us);
    bench_report_double(r, "authorize_ratio", auth_ratio);
    bench_report_double(r, "populate_large_seconds", l.populate_seconds);
    bench_report_double(r, "target_ratio", 1.2);
    bench_report_int(r, "failures_all", s.quote.failures + s.authorize.failures +
                                            l.quote.failures + l.authorize.failures);
    bench_report_finish(r, opts,
                        "limit-scale: quote with a daily limit p50 %.1f us at %" G_GINT64_FORMAT
                        " payments, %.1f us at %" G_GINT64_FORMAT " (x%.2f); durable authorize "
                        "p50 %.0f us vs %.0f us (x%.2f)",
                        s.quote.p50_us, small, l.quote.p50_us, large, quote_ratio,
                        s.authorize.p50_us, l.authorize.p50_us, auth_ratio);
    return s.quote.failures + s.authorize.failures + l.quote.failures + l.authorize.failures ? 1
                                                                                             : 0;
}
