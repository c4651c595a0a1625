/* What a shop asks before a payment: the quote for a buyer, the methods,
 * the plugins. The same JSON as `tender --json methods` and `plugins`. */
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
