/* See http-metrics.h and <tender/http-metrics.h>.
 *
 * One record per method, each under its own mutex: a plugin's requests
 * count against their own method only, so methods never wait on each
 * other, and a reader copies one method's counters whole. The table of
 * records only grows (a method's record lives as long as the host), so a
 * record found under the table's lock may be used after dropping it. */
#include "http-metrics.h"

#include <string.h>

struct HostHttpMethodMetrics {
    GMutex lock;
    TenderHttpMetrics counters;
};
typedef HostHttpMethodMetrics MethodMetrics;

static const guint32 latency_bounds_ms[TENDER_HTTP_LATENCY_N_BOUNDS] =
    TENDER_HTTP_LATENCY_BOUNDS_MS_INIT;

const guint32 *tender_http_latency_bounds_ms(void)
{
    return latency_bounds_ms;
}

static void method_metrics_free(gpointer data)
{
    MethodMetrics *m = data;
    g_mutex_clear(&m->lock);
    g_free(m);
}

void host_http_metrics_init(TenderHost *host)
{
    g_mutex_init(&host->http_metrics_lock);
    host->http_metrics =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, method_metrics_free);
}

void host_http_metrics_clear(TenderHost *host)
{
    g_clear_pointer(&host->http_metrics, g_hash_table_destroy);
    g_mutex_clear(&host->http_metrics_lock);
}

/* The method's record, created on first use when create is set. */
static MethodMetrics *method_metrics(TenderHost *host, const char *method_id, gboolean create)
{
    g_mutex_lock(&host->http_metrics_lock);
    MethodMetrics *m = g_hash_table_lookup(host->http_metrics, method_id);
    if (m == NULL && create) {
        m = g_new0(MethodMetrics, 1);
        g_mutex_init(&m->lock);
        m->counters.struct_size = sizeof m->counters;
        g_hash_table_insert(host->http_metrics, g_strdup(method_id), m);
    }
    g_mutex_unlock(&host->http_metrics_lock);
    return m;
}

HostHttpMethodMetrics *host_http_metrics_of(TenderHost *host, const char *method_id)
{
    return method_metrics(host, method_id, TRUE);
}

void host_http_metrics_record(TenderHost *host, const char *method_id, HostHttpEnd end,
                              int status, gint64 latency_us)
{
    host_http_metrics_record_to(method_metrics(host, method_id, TRUE), end, status, latency_us);
}

void host_http_metrics_record_to(HostHttpMethodMetrics *m, HostHttpEnd end, int status,
                                 gint64 latency_us)
{
    g_mutex_lock(&m->lock);
    TenderHttpMetrics *c = &m->counters;
    c->calls++;
    switch (end) {
    case HOST_HTTP_ANSWERED:
        if (status < 200)
            c->responses_1xx++;
        else if (status < 300)
            c->responses_2xx++;
        else if (status < 400)
            c->responses_3xx++;
        else if (status < 500)
            c->responses_4xx++;
        else
            c->responses_5xx++;
        break;
    case HOST_HTTP_REFUSED:
        c->refused++;
        break;
    case HOST_HTTP_NOT_SENT:
        c->not_sent++;
        break;
    case HOST_HTTP_UNKNOWN:
        c->unknown++;
        break;
    }
    if (end != HOST_HTTP_REFUSED) {
        double ms = (double)MAX(latency_us, 0) / 1000.0;
        /* Cumulative, as Prometheus reads `le` buckets: an exchange counts
         * in its own bucket and every wider one. */
        for (guint i = 0; i < TENDER_HTTP_LATENCY_N_BOUNDS; i++)
            if (ms <= latency_bounds_ms[i])
                c->latency_buckets[i]++;
        c->latency_buckets[TENDER_HTTP_LATENCY_N_BOUNDS]++;
        c->latency_sum_ms += ms;
        c->latency_count++;
    }
    g_mutex_unlock(&m->lock);
}

gboolean tender_host_http_metrics(TenderHost *host, const char *method_id, TenderHttpMetrics *out,
                                  GError **error)
{
    g_return_val_if_fail(host != NULL && method_id != NULL && out != NULL, FALSE);
    if (!TENDER_INPUT_OK(out, TenderHttpMetrics, latency_count, error))
        return FALSE;
    if (tender_host_method(host, method_id) == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_UNKNOWN_METHOD, "no method %s", method_id);
        return FALSE;
    }
    guint32 size = out->struct_size;
    TenderHttpMetrics copy = {0};
    MethodMetrics *m = method_metrics(host, method_id, FALSE);
    if (m != NULL) {
        g_mutex_lock(&m->lock);
        copy = m->counters;
        g_mutex_unlock(&m->lock);
    }
    /* Only what this host knows; a longer struct keeps zeros beyond. */
    memset(out, 0, size);
    memcpy(out, &copy, MIN(size, (guint32)sizeof copy));
    out->struct_size = size;
    return TRUE;
}
