/* Webhook bodies, headers, verification and parsing (see paypal-webhook.h). */
#include "paypal-webhook.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-glib/json-glib.h>

#include <tender/sdk.h>

#include "paypal-ids.h"
#include "paypal-signature.h"

#define API_BASE "https://api.sandbox.paypal.com"

void paypal_webhook_event_id(const PaypalWebhookEvent *ev, char *out, size_t out_size)
{
    /* Two 17-character halves, like PayPal's "WH-2WR32451HC0233532-67976317FL4543714". */
    char a[PAYPAL_ID_LEN + 1], b[PAYPAL_ID_LEN + 1];
    const char *parts_a[] = {"webhook", ev->event_type ? ev->event_type : "",
                             ev->resource_id ? ev->resource_id : "", NULL};
    const char *parts_b[] = {"webhook-b", ev->resource_id ? ev->resource_id : "",
                             ev->status ? ev->status : "", ev->value ? ev->value : "", NULL};
    paypal_derive_id(a, PAYPAL_ID_LEN, parts_a);
    paypal_derive_id(b, PAYPAL_ID_LEN, parts_b);
    snprintf(out, out_size, "WH-%s-%s", a, b);
}

static int has(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    if (!has(value))
        return;
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value);
}

static void add_amount(JsonBuilder *b, const PaypalWebhookEvent *ev)
{
    json_builder_set_member_name(b, "amount");
    json_builder_begin_object(b);
    add_string(b, "currency_code", ev->currency);
    add_string(b, "value", ev->value);
    json_builder_end_object(b);
}

static void add_link(JsonBuilder *b, const char *href, const char *rel, const char *method)
{
    json_builder_begin_object(b);
    add_string(b, "href", href);
    add_string(b, "rel", rel);
    add_string(b, "method", method);
    json_builder_end_object(b);
}

/* The resource of CHECKOUT.ORDER.APPROVED: an Orders v2 order. */
static void add_order_resource(JsonBuilder *b, const PaypalWebhookEvent *ev, const char *time)
{
    char href[256];
    add_string(b, "id", ev->resource_id);
    add_string(b, "intent", ev->intent);
    add_string(b, "status", ev->status);
    add_string(b, "create_time", time);
    json_builder_set_member_name(b, "purchase_units");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    add_string(b, "reference_id", "default");
    add_string(b, "custom_id", ev->custom_id);
    add_amount(b, ev);
    json_builder_end_object(b);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "payer");
    json_builder_begin_object(b);
    add_string(b, "email_address", ev->payer_email);
    add_string(b, "payer_id", ev->payer_id);
    if (has(ev->country_code)) {
        json_builder_set_member_name(b, "address");
        json_builder_begin_object(b);
        add_string(b, "country_code", ev->country_code);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    json_builder_set_member_name(b, "links");
    json_builder_begin_array(b);
    snprintf(href, sizeof href, API_BASE "/v2/checkout/orders/%s", ev->resource_id);
    add_link(b, href, "self", "GET");
    snprintf(href, sizeof href, API_BASE "/v2/checkout/orders/%s/%s", ev->resource_id,
             ev->intent && strcmp(ev->intent, "AUTHORIZE") == 0 ? "authorize" : "capture");
    add_link(b, href, ev->intent && strcmp(ev->intent, "AUTHORIZE") == 0 ? "authorize" : "capture",
             "POST");
    json_builder_end_array(b);
}

/* Authorizations, captures and refunds (Payments v2). */
static void add_payment_resource(JsonBuilder *b, const PaypalWebhookEvent *ev, const char *kind,
                                 const char *time)
{
    char href[256];
    add_string(b, "id", ev->resource_id);
    add_string(b, "status", ev->status);
    if (has(ev->status_reason)) {
        json_builder_set_member_name(b, "status_details");
        json_builder_begin_object(b);
        add_string(b, "reason", ev->status_reason);
        json_builder_end_object(b);
    }
    add_amount(b, ev);
    if (strcmp(kind, "capture") == 0) {
        json_builder_set_member_name(b, "final_capture");
        json_builder_add_boolean_value(b, ev->final_capture != 0);
        json_builder_set_member_name(b, "seller_protection");
        json_builder_begin_object(b);
        add_string(b, "status", "ELIGIBLE");
        json_builder_end_object(b);
    }
    add_string(b, "custom_id", ev->custom_id);
    add_string(b, "expiration_time", ev->expiration_time);
    add_string(b, "create_time", time);
    add_string(b, "update_time", time);
    if (strcmp(kind, "refund") != 0) {
        json_builder_set_member_name(b, "supplementary_data");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "related_ids");
        json_builder_begin_object(b);
        add_string(b, "order_id", ev->order_id);
        add_string(b, "authorization_id", ev->auth_id);
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_set_member_name(b, "links");
    json_builder_begin_array(b);
    const char *path = strcmp(kind, "authorization") == 0 ? "authorizations"
                       : strcmp(kind, "capture") == 0     ? "captures"
                                                          : "refunds";
    snprintf(href, sizeof href, API_BASE "/v2/payments/%s/%s", path, ev->resource_id);
    add_link(b, href, "self", "GET");
    if (strcmp(kind, "refund") == 0 && has(ev->capture_id)) {
        snprintf(href, sizeof href, API_BASE "/v2/payments/captures/%s", ev->capture_id);
        add_link(b, href, "up", "GET");
    } else if (strcmp(kind, "capture") == 0 && has(ev->auth_id)) {
        snprintf(href, sizeof href, API_BASE "/v2/payments/authorizations/%s", ev->auth_id);
        add_link(b, href, "up", "GET");
    }
    json_builder_end_array(b);
}

/* resource_type and a summary line for each event type built here. */
static int describe(const char *event_type, const char **resource_type, const char **kind,
                    const char **summary)
{
    static const struct {
        const char *event, *resource_type, *kind, *summary;
    } table[] = {
        {"CHECKOUT.ORDER.APPROVED", "checkout-order", "order", "An order has been approved by buyer"},
        {"PAYMENT.AUTHORIZATION.CREATED", "authorization", "authorization",
         "A payment authorization was created"},
        {"PAYMENT.AUTHORIZATION.VOIDED", "authorization", "authorization",
         "A payment authorization was voided"},
        {"PAYMENT.CAPTURE.COMPLETED", "capture", "capture", "Payment completed"},
        {"PAYMENT.CAPTURE.PENDING", "capture", "capture", "Payment pending"},
        {"PAYMENT.CAPTURE.DENIED", "capture", "capture", "A payment capture was denied"},
        {"PAYMENT.CAPTURE.REFUNDED", "refund", "refund", "A payment capture was refunded"},
    };
    for (size_t i = 0; event_type && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].event, event_type) == 0) {
            *resource_type = table[i].resource_type;
            *kind = table[i].kind;
            *summary = table[i].summary;
            return 1;
        }
    return 0;
}

char *paypal_webhook_body(const PaypalWebhookEvent *ev, const char *event_id)
{
    const char *resource_type, *kind, *summary;
    char time[32], href[256];
    if (!describe(ev->event_type, &resource_type, &kind, &summary))
        return NULL;
    paypal_format_time(ev->now_ms, 1, time, sizeof time);
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "id", event_id);
    add_string(b, "event_version", "1.0");
    add_string(b, "create_time", time);
    add_string(b, "resource_type", resource_type);
    add_string(b, "resource_version", "2.0");
    add_string(b, "event_type", ev->event_type);
    add_string(b, "summary", summary);
    json_builder_set_member_name(b, "resource");
    json_builder_begin_object(b);
    if (strcmp(kind, "order") == 0)
        add_order_resource(b, ev, time);
    else
        add_payment_resource(b, ev, kind, time);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "links");
    json_builder_begin_array(b);
    snprintf(href, sizeof href, API_BASE "/v1/notifications/webhooks-events/%s", event_id);
    add_link(b, href, "self", "GET");
    snprintf(href, sizeof href, API_BASE "/v1/notifications/webhooks-events/%s/resend", event_id);
    add_link(b, href, "resend", "POST");
    json_builder_end_array(b);
    json_builder_end_object(b);

    JsonNode *root = json_builder_get_root(b);
    JsonGenerator *gen = json_generator_new();
    json_generator_set_root(gen, root);
    char *text = json_generator_to_data(gen, NULL);
    g_object_unref(gen);
    json_node_unref(root);
    g_object_unref(b);
    return text;
}

int paypal_webhook_headers(EVP_PKEY *key, const char *webhook_id, const char *event_id,
                           const char *body, int64_t now_ms, char *headers, size_t headers_size)
{
    char transmission_id[40], time[32], sig[1024];
    paypal_format_time(now_ms, 0, time, sizeof time);
    /* One delivery of one event: derived from the event id and the time, as
     * PayPal gives each (re)transmission its own id. */
    paypal_derive_uuid(transmission_id, event_id, time);
    if (!paypal_sign_webhook(key, transmission_id, time, webhook_id, body, strlen(body), sig,
                             sizeof sig))
        return 0;
    int n = snprintf(headers, headers_size,
                     "Content-Type: application/json\n"
                     "PAYPAL-TRANSMISSION-ID: %s\n"
                     "PAYPAL-TRANSMISSION-TIME: %s\n"
                     "PAYPAL-TRANSMISSION-SIG: %s\n"
                     "PAYPAL-AUTH-ALGO: SHA256withRSA\n"
                     "PAYPAL-CERT-URL: %s\n",
                     transmission_id, time, sig, PAYPAL_SANDBOX_CERT_URL);
    return n > 0 && (size_t)n < headers_size;
}

/* The certificate must come from PayPal over https; a live verifier would
 * fetch it from there (the sandbox uses the configured key). */
static int cert_url_trusted(const char *url)
{
    static const char prefix[] = "https://";
    if (url == NULL || strncmp(url, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *host = url + sizeof prefix - 1;
    const char *slash = strchr(host, '/');
    size_t len = slash ? (size_t)(slash - host) : strlen(host);
    static const char domain[] = ".paypal.com";
    size_t dlen = sizeof domain - 1;
    return len > dlen && strncasecmp(host + len - dlen, domain, dlen) == 0 &&
           memchr(host, '@', len) == NULL && memchr(host, ':', len) == NULL;
}

int paypal_webhook_verify(EVP_PKEY *key, const char *webhook_id, const tender_request *req,
                          char *reason, size_t reason_size)
{
    const char *id = tender_request_header(req, "PAYPAL-TRANSMISSION-ID");
    const char *time = tender_request_header(req, "PAYPAL-TRANSMISSION-TIME");
    const char *sig = tender_request_header(req, "PAYPAL-TRANSMISSION-SIG");
    const char *algo = tender_request_header(req, "PAYPAL-AUTH-ALGO");
    const char *cert = tender_request_header(req, "PAYPAL-CERT-URL");
    if (!has(id) || !has(time) || !has(sig) || !has(algo) || !has(cert)) {
        snprintf(reason, reason_size,
                 "missing PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-AUTH-ALGO or PAYPAL-CERT-URL header");
        return 0;
    }
    if (strcasecmp(algo, "SHA256withRSA") != 0) {
        snprintf(reason, reason_size, "PAYPAL-AUTH-ALGO %.40s is not SHA256withRSA", algo);
        return 0;
    }
    if (!cert_url_trusted(cert)) {
        snprintf(reason, reason_size, "PAYPAL-CERT-URL is not an https URL at paypal.com");
        return 0;
    }
    if (req->body == NULL) {
        snprintf(reason, reason_size, "the webhook has no body");
        return 0;
    }
    if (!paypal_verify_webhook(key, id, time, webhook_id, req->body, req->body_len, sig)) {
        snprintf(reason, reason_size,
                 "the PAYPAL-TRANSMISSION-SIG does not verify for this webhook id and body");
        return 0;
    }
    return 1;
}

static const char *member_string(JsonObject *o, const char *name)
{
    if (o == NULL || !json_object_has_member(o, name))
        return NULL;
    JsonNode *n = json_object_get_member(o, name);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

static JsonObject *member_object(JsonObject *o, const char *name)
{
    if (o == NULL || !json_object_has_member(o, name))
        return NULL;
    JsonNode *n = json_object_get_member(o, name);
    return JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static void copy(char *dst, size_t size, const char *src)
{
    tender_copy_string(dst, size, src);
}

int paypal_webhook_parse(const char *body, size_t body_len, PaypalWebhook *out, char *reason,
                         size_t reason_size)
{
    memset(out, 0, sizeof *out);
    if (body == NULL || body_len == 0 || body_len > G_MAXSSIZE) {
        snprintf(reason, reason_size, "the webhook body is empty");
        return 0;
    }
    JsonParser *parser = json_parser_new();
    int ok = 0;
    if (!json_parser_load_from_data(parser, body, (gssize)body_len, NULL)) {
        snprintf(reason, reason_size, "the webhook body is not JSON");
        goto done;
    }
    JsonNode *root = json_parser_get_root(parser);
    JsonObject *event = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonObject *resource = member_object(event, "resource");
    if (!has(member_string(event, "id")) || !has(member_string(event, "event_type")) ||
        resource == NULL) {
        snprintf(reason, reason_size, "the webhook body lacks id, event_type or resource");
        goto done;
    }
    copy(out->id, sizeof out->id, member_string(event, "id"));
    copy(out->event_type, sizeof out->event_type, member_string(event, "event_type"));
    copy(out->resource_id, sizeof out->resource_id, member_string(resource, "id"));
    copy(out->status, sizeof out->status, member_string(resource, "status"));
    copy(out->custom_id, sizeof out->custom_id, member_string(resource, "custom_id"));
    JsonObject *amount = member_object(resource, "amount");
    /* Orders carry custom_id and amount in their first purchase unit. */
    if (json_object_has_member(resource, "purchase_units")) {
        JsonNode *units = json_object_get_member(resource, "purchase_units");
        if (JSON_NODE_HOLDS_ARRAY(units) && json_array_get_length(json_node_get_array(units)) > 0) {
            JsonNode *first = json_array_get_element(json_node_get_array(units), 0);
            JsonObject *unit = JSON_NODE_HOLDS_OBJECT(first) ? json_node_get_object(first) : NULL;
            if (out->custom_id[0] == '\0')
                copy(out->custom_id, sizeof out->custom_id, member_string(unit, "custom_id"));
            if (amount == NULL)
                amount = member_object(unit, "amount");
        }
        copy(out->order_id, sizeof out->order_id, out->resource_id);
        copy(out->payer_id, sizeof out->payer_id,
             member_string(member_object(resource, "payer"), "payer_id"));
    }
    if (amount != NULL && has(member_string(amount, "currency_code")) &&
        has(member_string(amount, "value"))) {
        copy(out->currency, sizeof out->currency, member_string(amount, "currency_code"));
        copy(out->value, sizeof out->value, member_string(amount, "value"));
        out->has_amount = 1;
    }
    JsonObject *related = member_object(member_object(resource, "supplementary_data"), "related_ids");
    if (related != NULL) {
        if (has(member_string(related, "order_id")))
            copy(out->order_id, sizeof out->order_id, member_string(related, "order_id"));
        copy(out->auth_id, sizeof out->auth_id, member_string(related, "authorization_id"));
    }
    ok = 1;
done:
    g_object_unref(parser);
    return ok;
}
