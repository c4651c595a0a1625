/* http-roundtrip: what the host's `http` service (ABI 1.1) adds to an HTTP
 * round trip. A loopback server (tests/support/http-misbehave.c, answering
 * GET /ok with a few bytes on a kept-alive connection) is asked the same
 * thing two ways in the same run:
 *
 *   - through the host: payments on bench_http, whose authorize makes
 *     HTTP_CALLS_PER_PAYMENT GETs through the service (allow-list, trace
 *     check, metrics, the default libcurl transport with its connection
 *     cache, the response held and released); the same payments on
 *     bench_noop, which makes none, are subtracted, so what is left per
 *     call is the service and the round trip, not the ledger;
 *   - directly: one libcurl easy handle, reused (so it keeps its
 *     connection, as the host's transport does), GETting the same URL into
 *     a buffer.
 *
 * The ratio of the two per-call times is the service's overhead; the
 * target is under 1.2. Both the medians and the means are reported: the
 * headline is the medians' ratio, because on a shared machine a few
 * preempted operations move the means by more than the service costs (a
 * difference of medians is only an estimate of the median difference, but
 * a stable one). */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "http-misbehave.h"

/* Enough calls per payment that the payment's own cost (tens of µs, known
 * from bench_noop) is spread thin before it is subtracted. */
#define HTTP_CALLS_PER_PAYMENT 20

static gboolean pay_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    TenderHost **hosts = data;
    const char *method = hosts[1] ? "bench_http" : "bench_noop";
    TenderPayRequest r = {sizeof(TenderPayRequest), method, "US", "USD", "10.00", "bench", NULL,
                          NULL, NULL, 0, FALSE};
    GError *error = NULL;
    TenderPayment *p = tender_host_pay(hosts[0], &r, &error);
    gboolean ok = p != NULL && p->status == TENDER_STATUS_AUTHORIZED;
    if (p == NULL) {
        if (index == 0)
            fprintf(stderr, "tender-bench: http-roundtrip: %s\n", error->message);
        g_error_free(error);
    }
    tender_payment_free(p);
    return ok;
}

typedef struct {
    CURL *easy;
    GByteArray *body;
} Direct;

static size_t direct_write(char *data, size_t size, size_t n, void *user)
{
    g_byte_array_append(user, (const guint8 *)data, (guint)(size * n));
    return size * n;
}

static gboolean direct_step(gpointer data, int thread, gint64 index)
{
    (void)thread;
    (void)index;
    Direct *d = data;
    g_byte_array_set_size(d->body, 0);
    long status = 0;
    if (curl_easy_perform(d->easy) != CURLE_OK)
        return FALSE;
    curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
    return status == 200;
}

int bench_http_roundtrip(BenchOptions *opts)
{
    HttpMisbehave *server = http_misbehave_start(0, NULL, NULL);
    if (server == NULL) {
        fprintf(stderr, "tender-bench: http-roundtrip: cannot start the loopback server\n");
        return 1;
    }
    g_autofree char *base = g_strdup_printf("http://127.0.0.1:%d", http_misbehave_port(server));
    g_autofree char *url = g_strdup_printf("%s/ok", base);
    g_autofree char *config = g_strdup_printf(
        "{\"methods\": {\"bench_http\": {\"retries\": {\"max\": 0}, \"settings\": "
        "{\"endpoint\": \"%s\", \"calls\": %d}}}}",
        base, HTTP_CALLS_PER_PAYMENT);
    const char *dirs[] = {opts->noop_dir, NULL};
    TenderHost *host = bench_host_new(dirs, config, ":memory:");
    if (host == NULL || tender_host_method(host, "bench_http") == NULL) {
        fprintf(stderr, "tender-bench: http-roundtrip: bench_http not loaded from %s\n",
                opts->noop_dir);
        tender_host_free(host);
        http_misbehave_stop(server);
        return 1;
    }
    /* Payments, not calls, are the loop's unit: budget them so both loops
     * make about as many calls as the direct one. */
    gint64 payments = opts->operations > 0 ? MAX(1, opts->operations / HTTP_CALLS_PER_PAYMENT) : 0;
    TenderHost *with_http[2] = {host, host};
    TenderHost *without_http[2] = {host, NULL};
    bench_run_budget(0, 20, 1, pay_step, with_http); /* connect and warm up */
    BenchStats s = bench_run_budget(opts->seconds, payments, 1, pay_step, with_http);
    BenchStats noop = bench_run_budget(opts->seconds, payments, 1, pay_step, without_http);
    tender_host_free(host);

    Direct d = {curl_easy_init(), g_byte_array_new()};
    curl_easy_setopt(d.easy, CURLOPT_URL, url);
    curl_easy_setopt(d.easy, CURLOPT_WRITEFUNCTION, direct_write);
    curl_easy_setopt(d.easy, CURLOPT_WRITEDATA, d.body);
    curl_easy_setopt(d.easy, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *headers = curl_slist_append(NULL, "Idempotency-Key: req_bench");
    curl_easy_setopt(d.easy, CURLOPT_HTTPHEADER, headers);
    bench_run_budget(0, 20, 1, direct_step, &d);
    BenchStats direct = bench_run(opts, 1, direct_step, &d);
    curl_slist_free_all(headers);
    curl_easy_cleanup(d.easy);
    g_byte_array_unref(d.body);
    http_misbehave_stop(server);

    double service_mean_us = (s.mean_us - noop.mean_us) / HTTP_CALLS_PER_PAYMENT;
    double service_p50_us = (s.p50_us - noop.p50_us) / HTTP_CALLS_PER_PAYMENT;
    double ratio_mean = direct.mean_us > 0 ? service_mean_us / direct.mean_us : 0;
    double ratio = direct.p50_us > 0 ? service_p50_us / direct.p50_us : 0;
    gboolean met = ratio > 0 && ratio < 1.2;
    BenchReport *r = bench_report_new("http-roundtrip", &s);
    bench_report_int(r, "calls_per_payment", HTTP_CALLS_PER_PAYMENT);
    bench_report_double(r, "payment_without_http_p50_us", noop.p50_us);
    bench_report_double(r, "payment_without_http_mean_us", noop.mean_us);
    bench_report_double(r, "service_call_p50_us", service_p50_us);
    bench_report_double(r, "service_call_mean_us", service_mean_us);
    bench_report_double(r, "direct_call_p50_us", direct.p50_us);
    bench_report_double(r, "direct_call_mean_us", direct.mean_us);
    bench_report_double(r, "ratio", ratio);
    bench_report_double(r, "ratio_mean", ratio_mean);
    bench_report_string(r, "target", met ? "met" : "missed");
    bench_report_finish(r, opts,
                        "http-roundtrip: per call, p50 through the host's service %.1f us, "
                        "libcurl directly %.1f us: %.2f x (target < 1.2: %s); means %.1f vs "
                        "%.1f us: %.2f x",
                        service_p50_us, direct.p50_us, ratio, met ? "met" : "missed",
                        service_mean_us, direct.mean_us, ratio_mean);
    return s.failures || noop.failures || direct.failures ? 1 : 0;
}
