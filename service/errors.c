/* The one error envelope of the API, and what each host error means in
 * HTTP (docs/service.md, "Errors"). Also the response helpers every route
 * uses. */
#include <string.h>

#include <tender/decline.h>

#include "service.h"
#include "tender-json.h"

void service_response_clear(ServiceResponse *r)
{
    g_clear_pointer(&r->content_type, g_free);
    g_clear_pointer(&r->body, g_bytes_unref);
    g_clear_pointer(&r->headers, g_ptr_array_unref);
    g_clear_pointer(&r->error_type, g_free);
    r->status = 0;
    r->replayed = FALSE;
}

void service_response_add_header(ServiceResponse *r, const char *name, const char *value)
{
    if (r->headers == NULL)
        r->headers = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(r->headers, g_strdup(name));
    g_ptr_array_add(r->headers, g_strdup(value));
}

/* text (taken) as a JSON body. */
static void errors_take_json_text(ServiceResponse *r, guint status, char *text, gsize len)
{
    g_clear_pointer(&r->body, g_bytes_unref);
    g_clear_pointer(&r->content_type, g_free);
    r->body = g_bytes_new_take(text, len);
    r->content_type = g_strdup("application/json");
    r->status = status;
}

void service_response_json(ServiceResponse *r, guint status, JsonNode *node)
{
    char *text = json_to_string(node, TRUE);
    json_node_unref(node);
    errors_take_json_text(r, status, text, strlen(text));
}

void service_response_payment(ServiceResponse *r, guint status, const TenderPayment *p)
{
    gsize len = 0;
    char *text = tender_json_payment_text(p, TRUE, &len);
    errors_take_json_text(r, status, text, len);
}

void service_error(ServiceResponse *r, guint status, const char *type, const char *code,
                   const char *message, const char *param, JsonObject *extra)
{
    JsonObject *error = json_object_new();
    json_object_set_string_member(error, "type", type);
    json_object_set_string_member(error, "code", code);
    json_object_set_string_member(error, "message", message);
    if (param)
        json_object_set_string_member(error, "param", param);
    else
        json_object_set_null_member(error, "param");
    if (extra) {
        GList *names = json_object_get_members(extra);
        for (GList *l = names; l; l = l->next)
            json_object_set_member(error, l->data,
                                   json_node_copy(json_object_get_member(extra, l->data)));
        g_list_free(names);
        json_object_unref(extra);
    }
    JsonObject *root = json_object_new();
    json_object_set_object_member(root, "error", error);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, root);
    service_response_json(r, status, node);
    g_free(r->error_type);
    r->error_type = g_strdup(type);
}

/* The stable code of a host error, as `tender --json` names it. */
static const char *code_name(const GError *error)
{
    const char *name = tender_json_error_code(error);
    return name ? name : "internal_error";
}

void service_error_from_gerror(ServiceResponse *r, const GError *error, const char *param)
{
    const char *code = code_name(error);
    if (error->domain != TENDER_ERROR) {
        service_error(r, 500, "api_error", "internal_error", error->message, NULL, NULL);
        return;
    }
    switch ((TenderErrorCode)error->code) {
    case TENDER_ERROR_INVALID_ARGUMENT:
        service_error(r, 400, "invalid_request_error", code, error->message, param, NULL);
        return;
    case TENDER_ERROR_UNKNOWN_METHOD:
        service_error(r, 400, "invalid_request_error", code, error->message, "method", NULL);
        return;
    case TENDER_ERROR_AMOUNT_EXCEEDED:
        service_error(r, 400, "invalid_request_error", code, error->message, "amount", NULL);
        return;
    case TENDER_ERROR_NOT_SUPPORTED:
        service_error(r, 400, "invalid_request_error", code, error->message, NULL, NULL);
        return;
    case TENDER_ERROR_NOT_FOUND:
        service_error(r, 404, "invalid_request_error", "resource_missing", error->message, param,
                      NULL);
        return;
    case TENDER_ERROR_IDEMPOTENCY_CONFLICT:
        service_error(r, 409, "idempotency_error", code, error->message, NULL, NULL);
        return;
    case TENDER_ERROR_INVALID_STATE:
    case TENDER_ERROR_AUTHORIZATION_EXPIRED:
        service_error(r, 409, "invalid_request_error", code, error->message, NULL, NULL);
        return;
    case TENDER_ERROR_DECLINED: {
        /* The processor refused a capture, void or refund: a business
         * answer like a declined payment. */
        service_error(r, 402, "payment_error", "declined", error->message, NULL, NULL);
        return;
    }
    case TENDER_ERROR_BUSY:
        service_response_add_header(r, "Retry-After", "1");
        service_error(r, 429, "rate_limit_error", code, error->message, NULL, NULL);
        return;
    case TENDER_ERROR_LEDGER:
        service_response_add_header(r, "Retry-After", "1");
        service_error(r, 503, "api_error", code, error->message, NULL, NULL);
        return;
    case TENDER_ERROR_NOTIFICATION_REJECTED:
    case TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT:
        service_error(r, 400, "invalid_request_error", code, error->message, NULL, NULL);
        return;
    case TENDER_ERROR_CONFIG:
    case TENDER_ERROR_PLUGIN:
    case TENDER_ERROR_INTERNAL:
        break;
    }
    service_error(r, 500, "api_error", code, error->message, NULL, NULL);
}

void service_error_declined(ServiceResponse *r, const TenderPayment *p)
{
    const tender_decline_info *d = tender_decline_lookup(p->decline_code);
    JsonObject *extra = json_object_new();
    json_object_set_string_member(extra, "decline_code", d->name);
    json_object_set_boolean_member(extra, "retryable", d->retryable);
    json_object_set_string_member(extra, "advice", d->advice_text);
    json_object_set_member(extra, "payment", tender_json_payment(p));
    g_autofree char *message = g_strdup_printf("the payment was declined (%s)%s%s", d->name,
                                               p->decline_message ? ": " : "",
                                               p->decline_message ? p->decline_message : "");
    service_error(r, 402, "payment_error", "payment_declined", message, NULL, extra);
}
