/* limit-scale: the cost of a limit check with 1 thousand and with 1 million
 * payments in the ledger. The config gives the card a daily limit per
 * account (far too high to refuse anything), so a quote must read the
 * account's usage counter and an authorization must also write it.
 *
 * The ledgers are filled through the host API, never by writing the
 * ledger's schema: a host on ":memory:" (no fsync per payment) authorizes n
 * card payments, its clock stepping through the hour before the
 * benchmark's, and tender_host_copy_ledger keeps the result in a file the
 * measured host then opens. Payment i belongs to account acct-(i mod 1000),
 * all on the benchmark's day, so the measured account acct-0 holds 1
 * payment in the small ledger and 1000 in the large one: a check that
 * scanned the account's payments would show it. */
#include "bench.h"

#include <stdio.h>

static const char limit_config[] =
    "{\"exchange\": {\"base\": \"USD\", \"rates\": {}},"
    " \"methods\": {\"card\": {\"limits\": ["
    "  {\"window\": \"day\", \"currency\": \"USD\", \"max\": \"100000000000.00\"}]}}}";

#define ACCOUNTS 1000

/* splitmix64: amounts spread as a real day's would be. */
static guint64 mix(guint64 x)
{
    x += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* Authorize n card payments through a ":memory:" host and copy its ledger
 * to path (which must not exist yet). *acct0_used receives what acct-0's
 * payments add up to, in USD cents. */
static gboolean populate(const char *const *dirs, const char *path, gint64 n,
                         gint64 *acct0_used)
{
    TenderHost *host = bench_host_new(dirs, limit_config, ":memory:");
    if (host == NULL)
        return FALSE;
    gboolean ok = TRUE;
    *acct0_used = 0;
    for (gint64 i = 0; ok && i < n; i++) {
        char account[16];
        g_snprintf(account, sizeof account, "acct-%d", (int)(i % ACCOUNTS));
        gint64 amount = 1000 + (gint64)(mix((guint64)i) % 9000);
        g_autofree char *text = tender_money_format(amount, "USD", 2);
        tender_host_set_now(host, BENCH_NOW_MS - 3600000 + i % 3600000);
        TenderPayRequest r = {sizeof(TenderPayRequest), "card", "US", "USD", text, account,
                              NULL, NULL, bench_card_params, G_N_ELEMENTS(bench_card_params),
                              FALSE};
        GError *error = NULL;
        TenderPayment *p = tender_host_pay(host, &r, &error);
        ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
        if (!ok)
            fprintf(stderr, "tender-bench: limit-scale: payment %" G_GINT64_FORMAT " not "
                    "authorized: %s\n", i, error ? error->message : "declined");
        else if (i % ACCOUNTS == 0)
            *acct0_used += amount;
        g_clear_error(&error);
        tender_payment_free(p);
    }
    GError *error = NULL;
    if (ok && !tender_host_copy_ledger(host, path, &error)) {
        fprintf(stderr, "tender-bench: limit-scale: %s\n", error->message);
        g_error_free(error);
        ok = FALSE;
    }
    tender_host_free(host);
    return ok;
}

typedef struct {
    TenderHost *host;
} LimitCtx;

static const TenderBuyer limit_buyer = {sizeof(TenderBuyer), "US", "USD", "25.00", "acct-0", NULL};

static gboolean quote_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    LimitCtx *ctx = data;
    GPtrArray *quotes = tender_host_quote(ctx->host, &limit_buyer, NULL);
    gboolean ok = quotes != NULL && quotes->len == 1 &&
                  ((const TenderQuote *)g_ptr_array_index(quotes, 0))->offered;
    if (quotes)
        g_ptr_array_unref(quotes);
    return ok;
}

static gboolean authorize_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    LimitCtx *ctx = data;
    TenderPayRequest r = {sizeof(TenderPayRequest), "card", "US", "USD", "25.00", "acct-0", NULL, NULL, bench_card_params,
                          G_N_ELEMENTS(bench_card_params), FALSE};
    TenderPayment *p = tender_host_pay(ctx->host, &r, NULL);
    gboolean ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
    tender_payment_free(p);
    return ok;
}

/* Prove the host reads the filled counters: with a limit 10.00 USD above
 * what acct-0's payments add up to, a 25.00 quote must be refused for the
 * limit. */
static gboolean verify_counter(const char *const *dirs, const char *path, gint64 used)
{
    g_autofree char *max = tender_money_format(used + 1000, "USD", 2);
    g_autofree char *config = g_strdup_printf(
        "{\"exchange\": {\"base\": \"USD\", \"rates\": {}},"
        " \"methods\": {\"card\": {\"limits\": ["
        "  {\"window\": \"day\", \"currency\": \"USD\", \"max\": \"%s\"}]}}}", max);
    TenderHost *host = bench_host_new(dirs, config, path);
    if (host == NULL)
        return FALSE;
    GPtrArray *quotes = tender_host_quote(host, &limit_buyer, NULL);
    const TenderQuote *q = quotes && quotes->len == 1 ? g_ptr_array_index(quotes, 0) : NULL;
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
    g_autofree char *card_dir = g_build_filename(opts->plugin_dir, "card", NULL);
    const char *dirs[] = {card_dir, NULL};
    g_autofree char *path = bench_tmp_path(opts, "limit");
    gint64 t0 = g_get_monotonic_time();
    gint64 used = 0;
    if (!populate(dirs, path, payments, &used))
        return FALSE;
    out->populate_seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (!verify_counter(dirs, path, used))
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
