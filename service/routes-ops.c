/* What operators and tools read: liveness, readiness, Prometheus metrics,
 * and the OpenAPI document of the API (a GResource compiled in). */
#include <string.h>

#include <gio/gio.h>

#include "service.h"

void routes_healthz(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)svc;
    (void)req;
    JsonObject *root = json_object_new();
    json_object_set_string_member(root, "status", "ok");
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, root);
    service_response_json(resp, 200, node);
}

/* Ready when plugins are loaded and the ledger answers a read. */
void routes_readyz(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)req;
    guint plugins = tender_host_plugins(svc->host)->len;
    gint64 depth = tender_host_outbox_depth(svc->host);
    gboolean ready = plugins > 0 && depth >= 0;
    JsonObject *root = json_object_new();
    json_object_set_string_member(root, "status", ready ? "ready" : "not_ready");
    json_object_set_boolean_member(root, "ledger", depth >= 0);
    json_object_set_int_member(root, "plugins", plugins);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, root);
    service_response_json(resp, ready ? 200 : 503, node);
}

void routes_metrics(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)req;
    char *text = metrics_render(svc->metrics, svc->host);
    resp->status = 200;
    resp->content_type = g_strdup("text/plain; version=0.0.4; charset=utf-8");
    resp->body = g_bytes_new_take(text, strlen(text));
}

void routes_openapi(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)svc;
    (void)req;
    GError *error = NULL;
    GBytes *doc = g_resources_lookup_data("/org/tender/tenderd/openapi.json",
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
    if (doc == NULL) {
        service_error(resp, 500, "api_error", "internal_error", error->message, NULL, NULL);
        g_error_free(error);
        return;
    }
    resp->status = 200;
    resp->content_type = g_strdup("application/json");
    resp->body = doc;
}
