/* The `http` host service (ABI 1.1), private to libtender: a plugin's
 * request checked against its method's allow-list, traced and counted, then
 * sent through the host's transport (<tender/http-transport.h>: the one the
 * application gave, else libcurl's default, which reuses connections) under
 * the deadline of the plugin call running on this thread; the response held
 * by the host until the plugin releases it or the call returns. */
#ifndef TENDER_CORE_SERVICES_HTTP_H
#define TENDER_CORE_SERVICES_HTTP_H

#include "host-private.h"

G_BEGIN_DECLS

/* Set up and tear down the service's metrics and (when the host made it)
 * its default transport. */
G_GNUC_INTERNAL void host_http_init(TenderHost *host);
G_GNUC_INTERNAL void host_http_clear(TenderHost *host);

/* Around every plugin call on this thread: the call's time budget (ms from
 * now, on the wall clock whatever the host clock says), the ledger whose
 * committed units must be on disk before the call's first request is sent
 * (NULL: none), and, at the end, the release of every response the plugin
 * did not release itself. */
G_GNUC_INTERNAL void host_http_call_begin(gint64 budget_ms, TenderLedger *flush_first);
G_GNUC_INTERNAL void host_http_call_end(void);

/* The service's two slots. */
G_GNUC_INTERNAL uint32_t host_http_send(TenderHost *host, const char *method_id,
                                        const tender_http_request *req,
                                        tender_http_response *res);
G_GNUC_INTERNAL void host_http_release(tender_http_response *res);

G_END_DECLS

#endif
