/* limit-scale: the cost of a limit check with 1 thousand and with 1 million
 * payments in the ledger, on the no-op fixture method bench_noop (what is
 * measured is the engine and the ledger, not a provider). The config gives
 * the method a daily limit per account (far too high to refuse anything), so a quote must read the
 * account's usage counter and an authorization must also write it.
 *
 * The ledgers are filled with direct SQLite inserts that match
 * core/ledger.c's schema (the host creates the file first, so the schema is
 * its own): per payment one `payments` row (an authorized payment), one
 * `operations` row, one `payment_usage` row, and the `usage` totals summed
 * from them. Payment i belongs to account acct-(i mod 1000), all on the
 * benchmark's day, so the measured account acct-0 holds 1 payment in the
 * small ledger and 1000 in the large one: a check that scanned the
 * account's payments would show it. */
#include "bench.h"

#include <sqlite3.h>
#include <stdio.h>

static const char limit_config[] =
    "{\"exchange\": {\"base\": \"USD\", \"rates\": {}},"
    " \"methods\": {\"bench_noop\": {\"limits\": ["
    "  {\"window\": \"day\", \"currency\": \"USD\", \"max\": \"100000000000.00\"}]}}}";

#define ACCOUNTS 1000

/* splitmix64: spreads payment ids over the key space as random ids do. */
static guint64 mix(guint64 x)
{
    x += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

static gboolean sql_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        return TRUE;
    fprintf(stderr, "tender-bench: limit-scale: %s: %s\n", what, sqlite3_errmsg(db));
    return FALSE;
}

/* Fill an existing (host-created) ledger with n authorized payments. */
static gboolean populate(const char *path, gint64 n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *pay = NULL, *op = NULL, *use = NULL;
    gboolean ok = sql_ok(db, sqlite3_open(path, &db), "open") &&
        sql_ok(db, sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL), "begin") &&
        sql_ok(db, sqlite3_prepare_v2(db,
            "INSERT INTO payments (id, method, account, tier, region, currency, exponent, status,"
            " amount, order_currency, order_amount, processor_ref, brand, first6, last4,"
            " created_ms, updated_ms, authorized_ms, hold_expires_ms)"
            " VALUES (?1, 'bench_noop', ?2, '', 'US', 'USD', 2, 'authorized', ?3, 'USD', ?3, ?4,"
            " 'visa', '424242', '4242', ?5, ?5, ?5, ?5 + 604800000)", -1, &pay, NULL), "prepare") &&
        sql_ok(db, sqlite3_prepare_v2(db,
            "INSERT INTO operations (payment_id, kind, request_id, amount, outcome, raw_code,"
            " processor_ref, status_after, created_ms)"
            " VALUES (?1, 'authorize', ?2, ?3, 'approved', '00', ?4, 'authorized', ?5)", -1, &op,
            NULL), "prepare") &&
        sql_ok(db, sqlite3_prepare_v2(db,
            "INSERT INTO payment_usage (payment_id, key, full_amount, counted)"
            " VALUES (?1, ?2, ?3, ?3)", -1, &use, NULL), "prepare");
    for (gint64 i = 0; ok && i < n; i++) {
        guint64 h1 = mix((guint64)i), h2 = mix(h1);
        char id[32], req[32], ref[32], account[16], key[96];
        g_snprintf(id, sizeof id, "pay_%016" G_GINT64_MODIFIER "x%08x", h1, (guint)(h2 >> 32));
        g_snprintf(req, sizeof req, "req_%016" G_GINT64_MODIFIER "x%08x", h2, (guint)(h1 >> 32));
        g_snprintf(ref, sizeof ref, "ch_%016" G_GINT64_MODIFIER "x", h2);
        g_snprintf(account, sizeof account, "acct-%d", (int)(i % ACCOUNTS));
        g_snprintf(key, sizeof key, "amt|bench_noop|%s|day|2026-11-25|USD", account);
        gint64 amount = 1000 + (gint64)(h1 % 9000);
        gint64 when = BENCH_NOW_MS - 3600000 + i % 3600000;
        sqlite3_bind_text(pay, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pay, 2, account, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(pay, 3, amount);
        sqlite3_bind_text(pay, 4, ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(pay, 5, when);
        sqlite3_bind_text(op, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(op, 2, req, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(op, 3, amount);
        sqlite3_bind_text(op, 4, ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(op, 5, when);
        sqlite3_bind_text(use, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(use, 2, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(use, 3, amount);
        ok = sql_ok(db, sqlite3_step(pay), "insert payment") &&
             sql_ok(db, sqlite3_step(op), "insert operation") &&
             sql_ok(db, sqlite3_step(use), "insert usage");
        sqlite3_reset(pay);
        sqlite3_reset(op);
        sqlite3_reset(use);
    }
    sqlite3_finalize(pay);
    sqlite3_finalize(op);
    sqlite3_finalize(use);
    ok = ok && sql_ok(db, sqlite3_exec(db,
        "INSERT INTO usage (key, amount) SELECT key, SUM(counted) FROM payment_usage GROUP BY key"
        " ON CONFLICT(key) DO UPDATE SET amount = excluded.amount;"
        "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL), "usage totals");
    sqlite3_close(db);
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
    TenderPayRequest r = {sizeof(TenderPayRequest), "bench_noop", "US", "USD", "25.00", "acct-0",
                          NULL, NULL, NULL, 0, FALSE};
    TenderPayment *p = tender_host_pay(ctx->host, &r, NULL);
    gboolean ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
    tender_payment_free(p);
    return ok;
}

/* Prove the host reads the filled counters: with a limit 10.00 USD above
 * what acct-0 already holds, a 25.00 quote must be refused for the limit. */
static gboolean verify_counter(const char *const *dirs, const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    gint64 used = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT amount FROM usage WHERE key ="
                           " 'amt|bench_noop|acct-0|day|2026-11-25|USD'", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        used = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (used < 0)
        return FALSE;
    g_autofree char *max = tender_money_format(used + 1000, "USD", 2);
    g_autofree char *config = g_strdup_printf(
        "{\"exchange\": {\"base\": \"USD\", \"rates\": {}},"
        " \"methods\": {\"bench_noop\": {\"limits\": ["
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
    const char *dirs[] = {opts->noop_dir, NULL};
    g_autofree char *path = bench_tmp_path(opts, "limit");
    /* Let the host create the schema, then fill it behind its back. */
    TenderHost *host = bench_host_new(dirs, limit_config, path);
    if (host == NULL)
        return FALSE;
    tender_host_free(host);
    gint64 t0 = g_get_monotonic_time();
    if (!populate(path, payments))
        return FALSE;
    out->populate_seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (!verify_counter(dirs, path))
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
