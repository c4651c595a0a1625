/* /v1/payments: create, read, list (cursor pagination) and the operations
 * on one payment. Each maps onto one host API call; what the answer means
 * in HTTP is errors.c's. */
#include <string.h>

#include "service.h"
#include "tender-json.h"

/* A JSON object of strings as host parameters (strings owned by the
 * array; values wiped when freed: they may be card numbers). */
static GArray *params_from_object(JsonObject *obj, const char *name)
{
    GArray *params = g_array_new(FALSE, TRUE, sizeof(tender_param));
    JsonNode *node = json_object_get_member(obj, name);
    if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
        return params;
    JsonObject *map = json_node_get_object(node);
    GList *names = json_object_get_members(map);
    for (GList *l = names; l; l = l->next) {
        tender_param p = {g_strdup(l->data), g_strdup(json_object_get_string_member(map, l->data))};
        g_array_append_val(params, p);
    }
    g_list_free(names);
    return params;
}

static void params_free(GArray *params)
{
    for (guint i = 0; i < params->len; i++) {
        tender_param *p = &g_array_index(params, tender_param, i);
        g_free((char *)p->key);
        if (p->value)
            explicit_bzero((char *)p->value, strlen(p->value));
        g_free((char *)p->value);
    }
    g_array_unref(params);
}

/* The body fields held card numbers too: wipe the parsed copy's strings
 * before it is freed. */
static void wipe_params_in(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);
    if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
        return;
    JsonObject *map = json_node_get_object(node);
    GList *names = json_object_get_members(map);
    for (GList *l = names; l; l = l->next) {
        const char *v = json_object_get_string_member(map, l->data);
        if (v)
            explicit_bzero((char *)v, strlen(v));
    }
    g_list_free(names);
}

/* The answer for an operation's result: the payment (200), 402 when it is
 * declined, or the error's envelope. */
static void answer_payment(Service *svc, ServiceResponse *resp, TenderPayment *p,
                           const GError *error, const char *param)
{
    if (p == NULL) {
        service_error_from_gerror(resp, error, param);
        return;
    }
    if (p->status == TENDER_STATUS_DECLINED)
        service_error_declined(resp, p);
    else
        service_response_payment(resp, 200, p);
    (void)svc;
}

static double seconds_since(gint64 start_us)
{
    return (double)(g_get_monotonic_time() - start_us) / G_USEC_PER_SEC;
}

void routes_payment_create(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    static const FieldSpec fields[] = {{"method", FIELD_STRING, TRUE},
                                       {"amount", FIELD_STRING, TRUE},
                                       {"currency", FIELD_STRING, TRUE},
                                       {"region", FIELD_STRING, TRUE},
                                       {"account", FIELD_STRING, FALSE},
                                       {"tier", FIELD_STRING, FALSE},
                                       {"capture", FIELD_BOOLEAN, FALSE},
                                       {"params", FIELD_STRING_MAP, FALSE},
                                       {NULL, 0, FALSE}};
    JsonObject *body = service_parse_body(req, fields, resp);
    if (body == NULL)
        return;
    GArray *params = params_from_object(body, "params");
    TenderPayRequest r = {
        .struct_size = sizeof(TenderPayRequest),
        .method = service_field_string(body, "method"),
        .region = service_field_string(body, "region"),
        .currency = service_field_string(body, "currency"),
        .amount = service_field_string(body, "amount"),
        .account = service_field_string(body, "account"),
        .tier = service_field_string(body, "tier"),
        .idempotency_key = service_request_header(req, "Idempotency-Key"),
        .params = (const tender_param *)params->data,
        .n_params = params->len,
        .capture = json_object_has_member(body, "capture") &&
                   json_object_get_boolean_member(body, "capture"),
    };
    GError *error = NULL;
    gint64 start = g_get_monotonic_time();
    TenderPayment *p = tender_host_pay(svc->host, &r, &error);
    metrics_observe_call(svc->metrics, r.method, r.capture ? "purchase" : "authorize",
                         seconds_since(start));
    metrics_count_payment(svc->metrics, r.method, p ? tender_status_to_string(p->status) : "error");
    answer_payment(svc, resp, p, error, NULL);
    tender_payment_free(p);
    g_clear_error(&error);
    params_free(params);
    wipe_params_in(body, "params");
    json_object_unref(body);
}

void routes_payment_get(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    GError *error = NULL;
    TenderPayment *p = tender_host_get(svc->host, req->path_arg, &error);
    if (p == NULL)
        service_error_from_gerror(resp, error, "id");
    else
        service_response_payment(resp, 200, p);
    tender_payment_free(p);
    g_clear_error(&error);
}

static gboolean parse_time(const char *text, gint64 *ms)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text, utc);
    if (dt == NULL)
        return FALSE;
    *ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
    return TRUE;
}

static const char *query(const ServiceRequest *req, const char *name)
{
    return req->query ? g_hash_table_lookup(req->query, name) : NULL;
}

void routes_payment_list(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    static const char *const known[] = {"limit",  "starting_after", "account", "method",
                                        "status", "from",           "to",      NULL};
    GHashTableIter it;
    gpointer name;
    if (req->query) {
        g_hash_table_iter_init(&it, req->query);
        while (g_hash_table_iter_next(&it, &name, NULL))
            if (!g_strv_contains(known, name)) {
                g_autofree char *message =
                    g_strdup_printf("unknown query parameter %s", (const char *)name);
                service_error(resp, 400, "invalid_request_error", "parameter_unknown", message,
                              name, NULL);
                return;
            }
    }
    guint64 limit = 10;
    const char *limit_text = query(req, "limit");
    if (limit_text && (!g_ascii_string_to_unsigned(limit_text, 10, 1, 100, &limit, NULL))) {
        service_error(resp, 400, "invalid_request_error", "parameter_invalid",
                      "limit must be an integer from 1 to 100", "limit", NULL);
        return;
    }
    TenderListFilter filter = {.struct_size = sizeof filter,
                               .account = query(req, "account"),
                               .method = query(req, "method"),
                               .limit = (guint)limit + 1, /* one more: is there a next page? */
                               .after_id = query(req, "starting_after")};
    const char *status = query(req, "status");
    if (status) {
        if (!tender_status_from_string(status, &filter.status)) {
            service_error(resp, 400, "invalid_request_error", "parameter_invalid",
                          "status is not a payment status", "status", NULL);
            return;
        }
        filter.has_status = TRUE;
    }
    static const char *const bounds[] = {"from", "to"};
    for (gsize i = 0; i < G_N_ELEMENTS(bounds); i++) {
        const char *text = query(req, bounds[i]);
        gint64 *out = i == 0 ? &filter.from_ms : &filter.to_ms;
        if (text && !parse_time(text, out)) {
            g_autofree char *message = g_strdup_printf(
                "%s must be an ISO-8601 time, e.g. 2026-03-01T10:00:00Z", bounds[i]);
            service_error(resp, 400, "invalid_request_error", "parameter_invalid", message,
                          bounds[i], NULL);
            return;
        }
    }
    GError *error = NULL;
    g_autoptr(GPtrArray) list = tender_host_list(svc->host, &filter, &error);
    if (list == NULL) {
        service_error_from_gerror(resp, error,
                                  error->code == TENDER_ERROR_NOT_FOUND ? "starting_after" : NULL);
        g_error_free(error);
        return;
    }
    gboolean has_more = list->len > limit;
    JsonArray *items = json_array_new();
    const char *last = NULL;
    for (guint i = 0; i < list->len && i < limit; i++) {
        const TenderPayment *p = g_ptr_array_index(list, i);
        json_array_add_element(items, tender_json_payment(p));
        last = p->id;
    }
    JsonObject *root = json_object_new();
    json_object_set_array_member(root, "payments", items);
    json_object_set_boolean_member(root, "has_more", has_more);
    if (has_more)
        json_object_set_string_member(root, "next_starting_after", last);
    else
        json_object_set_null_member(root, "next_starting_after");
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, root);
    service_response_json(resp, 200, node);
}

typedef enum { OP_CAPTURE, OP_VOID, OP_REFUND, OP_COMPLETE, OP_SYNC, OP_REAUTHORIZE } PaymentOp;

static void run_op(Service *svc, ServiceRequest *req, ServiceResponse *resp, PaymentOp op)
{
    static const FieldSpec amount_fields[] = {{"amount", FIELD_STRING, FALSE}, {NULL, 0, FALSE}};
    static const FieldSpec complete_fields[] = {{"params", FIELD_STRING_MAP, TRUE},
                                                {NULL, 0, FALSE}};
    static const FieldSpec no_fields[] = {{NULL, 0, FALSE}};
    static const char *const names[] = {"capture",  "void", "refund",
                                        "complete", "sync", "reauthorize"};
    const FieldSpec *fields = op == OP_CAPTURE || op == OP_REFUND || op == OP_REAUTHORIZE
                                  ? amount_fields
                              : op == OP_COMPLETE                 ? complete_fields
                                                                  : no_fields;
    JsonObject *body = service_parse_body(req, fields, resp);
    if (body == NULL)
        return;
    const char *id = req->path_arg;
    const char *key = service_request_header(req, "Idempotency-Key");
    const char *amount = service_field_string(body, "amount");
    GError *error = NULL;
    TenderPayment *p = NULL;
    gint64 start = g_get_monotonic_time();
    GArray *params = NULL;
    switch (op) {
    case OP_CAPTURE:
        p = tender_host_capture(svc->host, id, amount, key, &error);
        break;
    case OP_VOID:
        p = tender_host_void(svc->host, id, key, &error);
        break;
    case OP_REFUND:
        p = tender_host_refund(svc->host, id, amount, key, &error);
        break;
    case OP_COMPLETE:
        params = params_from_object(body, "params");
        p = tender_host_complete(svc->host, id, (const tender_param *)params->data, params->len,
                                 &error);
        params_free(params);
        wipe_params_in(body, "params");
        break;
    case OP_SYNC:
        p = tender_host_sync(svc->host, id, &error);
        break;
    case OP_REAUTHORIZE:
        p = tender_host_reauthorize(svc->host, id, amount, key, &error);
        break;
    }
    if (p)
        metrics_observe_call(svc->metrics, p->method, names[op], seconds_since(start));
    /* An unknown payment is the path's {id}; an amount error the body's. */
    const char *param = error && error->code == TENDER_ERROR_NOT_FOUND                    ? "id"
                        : error && error->code == TENDER_ERROR_INVALID_ARGUMENT && amount ? "amount"
                                                                                          : NULL;
    if (p == NULL) {
        service_error_from_gerror(resp, error, param);
    } else if (p->status == TENDER_STATUS_DECLINED && op == OP_COMPLETE) {
        service_error_declined(resp, p);
    } else {
        service_response_payment(resp, 200, p);
    }
    tender_payment_free(p);
    g_clear_error(&error);
    json_object_unref(body);
}

void routes_payment_capture(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    run_op(svc, req, resp, OP_CAPTURE);
}

void routes_payment_void(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    run_op(svc, req, resp, OP_VOID);
}

void routes_payment_refund(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    run_op(svc, req, resp, OP_REFUND);
}

void routes_payment_complete(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    run_op(svc, req, resp, OP_COMPLETE);
}

void routes_payment_sync(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    run_op(svc, req, resp, OP_SYNC);
}

void routes_payment_reauthorize(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    run_op(svc, req, resp, OP_REAUTHORIZE);
}
