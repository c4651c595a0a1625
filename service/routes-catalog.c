/* What a shop asks before a payment: the quote for a buyer, the methods,
 * the plugins (the same JSON as `tender --json methods` and `plugins`),
 * and how much of each cumulative limit an account has left. */
#include <tender/money.h>

#include "service.h"
#include "tender-json.h"

void routes_quotes(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    static const FieldSpec fields[] = {
        {"region", FIELD_STRING, TRUE}, {"currency", FIELD_STRING, TRUE},
        {"amount", FIELD_STRING, TRUE}, {"account", FIELD_STRING, FALSE},
        {"tier", FIELD_STRING, FALSE},  {NULL, 0, FALSE}};
    JsonObject *body = service_parse_body(req, fields, resp);
    if (body == NULL)
        return;
    TenderBuyer buyer = {.struct_size = sizeof buyer,
                         .region = service_field_string(body, "region"),
                         .currency = service_field_string(body, "currency"),
                         .amount = service_field_string(body, "amount"),
                         .account = service_field_string(body, "account"),
                         .tier = service_field_string(body, "tier")};
    GError *error = NULL;
    GPtrArray *quotes = tender_host_quote(svc->host, &buyer, &error);
    if (quotes == NULL) {
        service_error_from_gerror(resp, error, NULL);
        g_error_free(error);
    } else {
        service_response_json(resp, 200, tender_json_quotes(&buyer, quotes));
        g_ptr_array_unref(quotes);
    }
    json_object_unref(body);
}

void routes_methods(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)req;
    const GPtrArray *methods = tender_host_methods(svc->host);
    JsonArray *items = json_array_new();
    for (guint i = 0; i < methods->len; i++)
        json_array_add_element(items, tender_json_method(g_ptr_array_index(methods, i)));
    JsonObject *root = json_object_new();
    json_object_set_array_member(root, "methods", items);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, root);
    service_response_json(resp, 200, node);
}

void routes_plugins(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)req;
    service_response_json(resp, 200, tender_json_plugins(svc->host, NULL));
}

/* GET /v1/limits?account=…: every cumulative limit with what the account
 * used of it in the current window and what remains (amounts as decimal
 * strings in the limit's currency, like every amount of the API). */
void routes_limits(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    const char *account = req->query ? g_hash_table_lookup(req->query, "account") : NULL;
    if (account == NULL || account[0] == '\0') {
        service_error(resp, 400, "invalid_request_error", "parameter_missing",
                      "account is required: cumulative limits count per account", "account", NULL);
        return;
    }
    GError *error = NULL;
    GPtrArray *usage = tender_host_limit_usage(svc->host, account, &error);
    if (usage == NULL) {
        service_error_from_gerror(resp, error, "account");
        g_error_free(error);
        return;
    }
    JsonArray *items = json_array_new();
    for (guint i = 0; i < usage->len; i++) {
        const TenderLimitUsage *u = g_ptr_array_index(usage, i);
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "method", u->method);
        if (u->tier)
            json_object_set_string_member(o, "tier", u->tier);
        else
            json_object_set_null_member(o, "tier");
        json_object_set_string_member(o, "window", u->window);
        json_object_set_string_member(o, "window_start", u->window_start);
        json_object_set_string_member(o, "currency", u->currency);
        const struct {
            const char *name;
            gint64 value;
        } amounts[] = {{"limit", u->limit}, {"used", u->used}, {"remaining", u->remaining}};
        for (gsize a = 0; a < G_N_ELEMENTS(amounts); a++) {
            g_autofree char *text = tender_money_format(amounts[a].value, u->currency, u->exponent);
            json_object_set_string_member(o, amounts[a].name, text);
        }
        json_array_add_object_element(items, o);
    }
    g_ptr_array_unref(usage);
    JsonObject *root = json_object_new();
    json_object_set_string_member(root, "account", account);
    json_object_set_array_member(root, "limits", items);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, root);
    service_response_json(resp, 200, node);
}
