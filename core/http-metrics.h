/* The `http` service's per-method metrics (private to libtender; the read
 * API is <tender/http-metrics.h>). services-http.c records one entry per
 * request a plugin makes; any thread may read. */
#ifndef TENDER_CORE_HTTP_METRICS_H
#define TENDER_CORE_HTTP_METRICS_H

#include <tender/http-metrics.h>

#include "host-private.h"

G_BEGIN_DECLS

/* How a request ended, for the counters. */
typedef enum {
    HOST_HTTP_ANSWERED, /* a response with a status */
    HOST_HTTP_REFUSED,  /* refused before the transport: allow-list, malformed */
    HOST_HTTP_NOT_SENT, /* the transport sent nothing */
    HOST_HTTP_UNKNOWN,  /* the transport sent and got no usable answer */
} HostHttpEnd;

/* Create and free the host's table of metrics. */
G_GNUC_INTERNAL void host_http_metrics_init(TenderHost *host);
G_GNUC_INTERNAL void host_http_metrics_clear(TenderHost *host);

/* Count one request of method_id that ended as end (status: the answer's,
 * else ignored), which took latency_us at the transport (ignored for
 * HOST_HTTP_REFUSED, which never reached it). Thread-safe. */
G_GNUC_INTERNAL void host_http_metrics_record(TenderHost *host, const char *method_id,
                                              HostHttpEnd end, int status, gint64 latency_us);

/* The same, into a method's record found once (host_http_metrics_of()),
 * which lives as long as the host: the service keeps it with the method's
 * settings and skips the lookup under the table's lock on every request. */
typedef struct HostHttpMethodMetrics HostHttpMethodMetrics;
G_GNUC_INTERNAL HostHttpMethodMetrics *host_http_metrics_of(TenderHost *host,
                                                            const char *method_id);
G_GNUC_INTERNAL void host_http_metrics_record_to(HostHttpMethodMetrics *m, HostHttpEnd end,
                                                 int status, gint64 latency_us);

G_END_DECLS

#endif
