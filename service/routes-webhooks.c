/* POST /v1/webhooks/{method}: a provider's notification, handed to the
 * method's plugin as it came (headers and body), answered with exactly the
 * status, content type and body the plugin set, whatever the outcome: the
 * provider decides from that answer whether to send it again. */
#include <string.h>

#include "service.h"

void routes_webhook(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    gsize len = 0;
    const char *body = req->body ? g_bytes_get_data(req->body, &len) : NULL;
    GArray *headers = g_array_new(FALSE, FALSE, sizeof(tender_param));
    for (guint i = 0; req->headers && i < req->headers->len; i++)
        g_array_append_val(headers, *(tender_param *)g_ptr_array_index(req->headers, i));
    TenderNotifyReply *reply = NULL;
    GError *error = NULL;
    gint64 start = g_get_monotonic_time();
    tender_host_notify(svc->host, req->path_arg, (const tender_param *)headers->data, headers->len,
                       body ? body : "", len, &reply, &error);
    metrics_observe_call(svc->metrics, req->path_arg, "notification",
                         (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
    g_array_unref(headers);
    if (reply != NULL) {
        resp->status = reply->status ? reply->status : 200;
        resp->content_type = g_strdup(
            reply->content_type && reply->content_type[0] ? reply->content_type : "text/plain");
        resp->body = g_bytes_new(reply->body, strlen(reply->body));
        tender_notify_reply_free(reply);
    } else if (error && (error->code == TENDER_ERROR_UNKNOWN_METHOD ||
                         error->code == TENDER_ERROR_NOT_SUPPORTED)) {
        /* No plugin to ask: nothing here takes this provider's
         * notifications. */
        service_error(resp, 404, "invalid_request_error", "resource_missing", error->message,
                      "method", NULL);
    } else if (error) {
        /* The ledger or the plugin failed: not acknowledged, so the
         * provider sends it again. */
        service_error_from_gerror(resp, error, NULL);
        if (resp->status < 500)
            resp->status = 503;
    }
    g_clear_error(&error);
}
