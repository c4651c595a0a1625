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

/* How long a readiness probe's row is kept: as long as an idempotent
 * response (idempotency.c), so the rows of both are dropped together. */
#define READYZ_KEEP_MS ((gint64)86400 * 1000)

/* Whether the ledger takes a write now: a row written and committed under
 * a scope of its own. Reading is not enough: a ledger whose disk is full
 * or whose write lock another process holds still answers reads, while
 * every payment fails. */
static gboolean ops_ledger_takes_a_write(Service *svc, GError **error)
{
    g_autofree char *key = g_strdup_printf("probe-%" G_GINT64_FORMAT "-%08x", g_get_real_time(),
                                           g_random_int());
    char empty[] = "";
    TenderStoredResponse probe = {.fingerprint = empty, .status = 200, .content_type = empty,
                                  .headers = empty};
    return tender_host_stored_response_put(svc->host, "tenderd:readyz", key, &probe,
                                           READYZ_KEEP_MS, error);
}

/* Ready when plugins are loaded and the ledger takes a write; when not,
 * each reason is named, and a probe that comes after the cause is gone
 * answers ready again. */
void routes_readyz(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)req;
    guint plugins = tender_host_plugins(svc->host)->len;
    GError *error = NULL;
    gboolean ledger = ops_ledger_takes_a_write(svc, &error);
    JsonArray *reasons = json_array_new();
    if (plugins == 0)
        json_array_add_string_element(reasons, "no plugin is loaded");
    if (!ledger) {
        g_autofree char *why = g_strdup_printf("the ledger does not take a write: %s",
                                               error->message);
        json_array_add_string_element(reasons, why);
        service_log("warning", "not ready: the ledger does not take a write", "request_id",
                    req->request_id, "error", error->message, NULL);
        g_error_free(error);
    }
    gboolean ready = json_array_get_length(reasons) == 0;
    JsonObject *root = json_object_new();
    json_object_set_string_member(root, "status", ready ? "ready" : "not_ready");
    json_object_set_boolean_member(root, "ledger", ledger);
    json_object_set_int_member(root, "plugins", plugins);
    json_object_set_array_member(root, "reasons", reasons);
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
