/* The service's metrics in the Prometheus text format (version 0.0.4):
 * counters kept in memory since the process started, the outbox depth read
 * from the ledger when scraped.
 *
 * Transport failures by class (NOT_SENT, timeouts, TLS…) are counted by the
 * host's http service, whose metrics API is issue 12's: the family is
 * declared here and gets its samples once that API lands. */
#include <string.h>

#include <tender/http-metrics.h>

#include "service.h"

static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

typedef struct {
    guint64 counts[G_N_ELEMENTS(buckets)];
    guint64 total;
    double sum;
} Histogram;

struct ServiceMetrics {
    GMutex lock;
    GHashTable *requests;   /* "route\tstatus" -> guint64* */
    GHashTable *payments;   /* "method\toutcome" -> guint64* */
    GHashTable *calls;      /* "method\toperation" -> Histogram* */
    GHashTable *deliveries; /* outcome -> guint64* */
    guint64 replays;
};

ServiceMetrics *metrics_new(void)
{
    ServiceMetrics *m = g_new0(ServiceMetrics, 1);
    g_mutex_init(&m->lock);
    m->requests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->payments = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->deliveries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return m;
}

void metrics_free(ServiceMetrics *m)
{
    if (m == NULL)
        return;
    g_hash_table_unref(m->requests);
    g_hash_table_unref(m->payments);
    g_hash_table_unref(m->calls);
    g_hash_table_unref(m->deliveries);
    g_mutex_clear(&m->lock);
    g_free(m);
}

/* Count one more under key. The key is formatted into the caller's
 * buffer and copied only the first time it is seen: every request counts
 * here, and most counts are of series that already exist. */
static void bump(ServiceMetrics *m, GHashTable *table, const char *key)
{
    g_mutex_lock(&m->lock);
    guint64 *n = g_hash_table_lookup(table, key);
    if (n == NULL) {
        n = g_new0(guint64, 1);
        g_hash_table_insert(table, g_strdup(key), n);
    }
    (*n)++;
    g_mutex_unlock(&m->lock);
}

/* "a\tb" into buf, or a new string when it does not fit (freed by the
 * caller through *spill). */
static const char *metrics_pair_key(char *buf, gsize size, const char *a, const char *b,
                                    char **spill)
{
    *spill = NULL;
    int n = g_snprintf(buf, size, "%s\t%s", a, b);
    if (n >= 0 && (gsize)n < size)
        return buf;
    *spill = g_strdup_printf("%s\t%s", a, b);
    return *spill;
}

void metrics_count_request(ServiceMetrics *m, const char *route, guint status)
{
    char buf[128], status_text[16];
    g_snprintf(status_text, sizeof status_text, "%u", status);
    g_autofree char *spill = NULL;
    bump(m, m->requests,
         metrics_pair_key(buf, sizeof buf, route ? route : "unmatched", status_text, &spill));
}

void metrics_count_payment(ServiceMetrics *m, const char *method, const char *outcome)
{
    char buf[128];
    g_autofree char *spill = NULL;
    bump(m, m->payments, metrics_pair_key(buf, sizeof buf, method ? method : "", outcome, &spill));
}

void metrics_count_delivery(ServiceMetrics *m, const char *outcome)
{
    bump(m, m->deliveries, outcome);
}

void metrics_count_replay(ServiceMetrics *m)
{
    g_mutex_lock(&m->lock);
    m->replays++;
    g_mutex_unlock(&m->lock);
}

void metrics_observe_call(ServiceMetrics *m, const char *method, const char *operation,
                          double seconds)
{
    char buf[128];
    g_autofree char *spill = NULL;
    const char *key = metrics_pair_key(buf, sizeof buf, method ? method : "", operation, &spill);
    g_mutex_lock(&m->lock);
    Histogram *h = g_hash_table_lookup(m->calls, key);
    if (h == NULL) {
        h = g_new0(Histogram, 1);
        g_hash_table_insert(m->calls, g_strdup(key), h);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(buckets); i++)
        if (seconds <= buckets[i])
            h->counts[i]++;
    h->total++;
    h->sum += seconds;
    g_mutex_unlock(&m->lock);
}

/* A label value with \, " and newline escaped, as the format asks. */
static void append_label(GString *out, const char *name, const char *value)
{
    g_string_append_printf(out, "%s=\"", name);
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"')
            g_string_append_c(out, '\\');
        if (*c == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

static gint compare_keys(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table's keys, sorted, so that a scrape reads the same way twice. */
static GPtrArray *sorted_keys(GHashTable *table)
{
    GPtrArray *keys = g_ptr_array_new();
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, &k, NULL))
        g_ptr_array_add(keys, k);
    g_ptr_array_sort(keys, compare_keys);
    return keys;
}

/* Counters of a "a\tb" keyed table with two labels. */
static void render_pairs(GString *out, const char *family, GHashTable *table, const char *label1,
                         const char *label2)
{
    g_autoptr(GPtrArray) keys = sorted_keys(table);
    for (guint i = 0; i < keys->len; i++) {
        const char *key = g_ptr_array_index(keys, i);
        g_auto(GStrv) parts = g_strsplit(key, "\t", 2);
        g_string_append_printf(out, "%s{", family);
        append_label(out, label1, parts[0]);
        if (label2) {
            g_string_append_c(out, ',');
            append_label(out, label2, parts[1] ? parts[1] : "");
        }
        g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n",
                               *(guint64 *)g_hash_table_lookup(table, key));
    }
}

/* The host's http service counters (tender_host_http_metrics), one series
 * per method and failure class. */
static void render_transport_failures(GString *out, TenderHost *host)
{
    const GPtrArray *methods = tender_host_methods(host);
    for (guint i = 0; methods != NULL && i < methods->len; i++) {
        const TenderMethodInfo *info = g_ptr_array_index(methods, i);
        TenderHttpMetrics hm = {.struct_size = sizeof hm};
        if (!tender_host_http_metrics(host, info->id, &hm, NULL))
            continue;
        const struct {
            const char *name;
            guint64 value;
        } classes[] = {{"refused", hm.refused}, {"not_sent", hm.not_sent}, {"unknown", hm.unknown}};
        for (gsize c = 0; c < G_N_ELEMENTS(classes); c++) {
            g_string_append(out, "tenderd_transport_failures_total{");
            append_label(out, "method", info->id);
            g_string_append_c(out, ',');
            append_label(out, "class", classes[c].name);
            g_string_append_printf(out, "} %" G_GUINT64_FORMAT "\n", classes[c].value);
        }
    }
}

char *metrics_render(ServiceMetrics *m, TenderHost *host)
{
    gint64 depth = tender_host_outbox_depth(host);
    GString *out = g_string_new(NULL);
    g_mutex_lock(&m->lock);
    g_string_append(out, "# HELP tenderd_requests_total HTTP requests answered, by route and "
                         "status.\n# TYPE tenderd_requests_total counter\n");
    render_pairs(out, "tenderd_requests_total", m->requests, "route", "status");
    g_string_append(out, "# HELP tenderd_payments_total Payments started, by method and "
                         "outcome (the status they reached, or error).\n"
                         "# TYPE tenderd_payments_total counter\n");
    render_pairs(out, "tenderd_payments_total", m->payments, "method", "outcome");
    g_string_append(out, "# HELP tenderd_plugin_call_duration_seconds Time of each host call "
                         "into a method's plugin (ledger work included), by method and "
                         "operation.\n# TYPE tenderd_plugin_call_duration_seconds histogram\n");
    g_autoptr(GPtrArray) keys = sorted_keys(m->calls);
    for (guint i = 0; i < keys->len; i++) {
        const char *key = g_ptr_array_index(keys, i);
        const Histogram *h = g_hash_table_lookup(m->calls, key);
        g_auto(GStrv) parts = g_strsplit(key, "\t", 2);
        GString *labels = g_string_new(NULL);
        append_label(labels, "method", parts[0]);
        g_string_append_c(labels, ',');
        append_label(labels, "operation", parts[1] ? parts[1] : "");
        for (gsize b = 0; b < G_N_ELEMENTS(buckets); b++)
            g_string_append_printf(out,
                                   "tenderd_plugin_call_duration_seconds_bucket{%s,le=\"%g\"} "
                                   "%" G_GUINT64_FORMAT "\n",
                                   labels->str, buckets[b], h->counts[b]);
        g_string_append_printf(out,
                               "tenderd_plugin_call_duration_seconds_bucket{%s,le=\"+Inf\"} "
                               "%" G_GUINT64_FORMAT "\n",
                               labels->str, h->total);
        g_string_append_printf(out, "tenderd_plugin_call_duration_seconds_sum{%s} %.6f\n",
                               labels->str, h->sum);
        g_string_append_printf(out,
                               "tenderd_plugin_call_duration_seconds_count{%s} "
                               "%" G_GUINT64_FORMAT "\n",
                               labels->str, h->total);
        g_string_free(labels, TRUE);
    }
    g_string_append(out, "# HELP tenderd_transport_failures_total Outbound HTTP requests of "
                         "plugins that got no answer, by method and class (refused by the "
                         "allow-list, not sent, unknown).\n"
                         "# TYPE tenderd_transport_failures_total counter\n");
    render_transport_failures(out, host);
    g_string_append_printf(out,
                           "# HELP tenderd_idempotent_replays_total Requests answered with a "
                           "stored response for their Idempotency-Key.\n"
                           "# TYPE tenderd_idempotent_replays_total counter\n"
                           "tenderd_idempotent_replays_total %" G_GUINT64_FORMAT "\n",
                           m->replays);
    g_string_append(out, "# HELP tenderd_webhook_deliveries_total Merchant webhook delivery "
                         "attempts, by outcome.\n"
                         "# TYPE tenderd_webhook_deliveries_total counter\n");
    render_pairs(out, "tenderd_webhook_deliveries_total", m->deliveries, "outcome", NULL);
    g_mutex_unlock(&m->lock);
    g_string_append(out, "# HELP tenderd_outbox_depth Merchant webhook deliveries still "
                         "pending in the ledger.\n# TYPE tenderd_outbox_depth gauge\n");
    g_string_append_printf(out, "tenderd_outbox_depth %" G_GINT64_FORMAT "\n", depth);
    return g_string_free(out, FALSE);
}
