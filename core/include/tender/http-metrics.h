/* Metrics of the host's `http` service (ABI 1.1): what each method's plugin
 * asked the host to send and how it went, for an operator's dashboard.
 *
 * The host counts every request a plugin makes through the service, per
 * method, from the moment the host is created; nothing is ever reset. The
 * counters are kept under a lock of their own, so any thread may read them
 * while plugins run on others; a read is a consistent snapshot of one
 * method's counters. */
#ifndef TENDER_HTTP_METRICS_H
#define TENDER_HTTP_METRICS_H

#include <tender/tender.h>

G_BEGIN_DECLS

/* The latency histogram's upper bounds, in milliseconds, as Prometheus
 * writes them (`le`): bucket i counts the exchanges that took at most
 * TENDER_HTTP_LATENCY_BOUNDS_MS[i] ms, and the last bucket, +Inf, counts
 * them all. The bounds are fixed so that metrics from different hosts and
 * versions add up; they span a loopback round trip (1 ms) to a deadline
 * (10 s, the default). */
#define TENDER_HTTP_LATENCY_BOUNDS_MS_INIT {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}
/* The finite bounds above, and the buckets with +Inf. */
#define TENDER_HTTP_LATENCY_N_BOUNDS 13
#define TENDER_HTTP_LATENCY_N_BUCKETS (TENDER_HTTP_LATENCY_N_BOUNDS + 1)

/* The bounds as an array of TENDER_HTTP_LATENCY_N_BOUNDS values (static,
 * never freed). */
const guint32 *tender_http_latency_bounds_ms(void);

/* One method's counters. Every request a plugin makes is counted in calls
 * and in exactly one of the four classes below them:
 *
 *   calls = responses_1xx + responses_2xx + ... + responses_5xx
 *         + refused + not_sent + unknown
 *
 * The latency histogram counts the requests that were handed to the
 * transport (all but `refused`), from the hand-over to the response or the
 * failure. */
typedef struct {
    /* Set by the caller to sizeof(TenderHttpMetrics) before the call; the
     * host fills only the fields it covers, so a caller built against a
     * later, longer struct reads zeros in what this host does not know. */
    guint32 struct_size;
    guint64 calls;
    /* Answers, by the class of the final status (a 5xx is an answer, not a
     * failure: the provider spoke). */
    guint64 responses_1xx;
    guint64 responses_2xx;
    guint64 responses_3xx;
    guint64 responses_4xx;
    guint64 responses_5xx;
    /* Never sent because the URL is outside the method's allow-list (its
     * endpoint and allowed_hosts), or the request was malformed: a plugin
     * bug or an attack, never the network. */
    guint64 refused;
    /* Not sent for a transport reason (name resolution, connection refused,
     * TLS, deadline passed before sending). */
    guint64 not_sent;
    /* Sent, no usable answer (timeout, reset, truncated, over the cap). */
    guint64 unknown;
    /* Cumulative latency buckets (see TENDER_HTTP_LATENCY_BOUNDS_MS_INIT);
     * latency_buckets[TENDER_HTTP_LATENCY_N_BOUNDS] (+Inf) == latency_count. */
    guint64 latency_buckets[TENDER_HTTP_LATENCY_N_BUCKETS];
    /* The sum of the latencies counted, in milliseconds (fractional). */
    double latency_sum_ms;
    guint64 latency_count;
} TenderHttpMetrics;

/* Fill *out (whose struct_size the caller set) with method_id's counters:
 * zeros for a method that made no request yet. FALSE with
 * TENDER_ERROR_UNKNOWN_METHOD when the host has no such method, or
 * TENDER_ERROR_INVALID_ARGUMENT when struct_size is smaller than this
 * struct's first version. Thread-safe; out is the caller's. */
gboolean tender_host_http_metrics(TenderHost *host, const char *method_id, TenderHttpMetrics *out,
                                  GError **error);

G_END_DECLS

#endif
