/* The gateway's webhooks: signed Events. identify_notification checks the
 * Stripe-Signature header (HMAC-SHA256 of "<t>.<body>" under the endpoint's
 * secret, compared in constant time, t within 300 s of the host's clock)
 * and names the payment from the object's metadata; notification then asks
 * the gateway for the intent as it is now, so an event that arrives late or
 * twice cannot move the payment back. */
#include "card-ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

#include "card-gateway.h"
#include "card-intent.h"

#define SIGNATURE_TOLERANCE_MS (300LL * 1000)
#define MAX_V1_SIGNATURES 8

/* The gateway stops retrying on any 2xx. */
static void reply(tender_result *res, uint32_t status)
{
    res->reply_status = status;
    TENDER_SET(res, reply_content_type, "application/json");
    TENDER_SET(res, reply_body, status < 300 ? "{\"received\":true}" : "{\"received\":false}");
}

static void reject(tender_result *res, const char *why)
{
    tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "signature_verification",
                          "webhook rejected: %s", why);
    reply(res, 400);
}

static const char *header(const tender_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i].key && g_ascii_strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* Verify req's Stripe-Signature against secret at now_ms. Returns NULL when
 * it verifies, else why not. */
static const char *verify_signature(const char *secret, const tender_request *req, int64_t now_ms)
{
    const char *value = header(req, "Stripe-Signature");
    if (value == NULL)
        return "no Stripe-Signature header";
    /* "t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]": every v1 is a
     * candidate (the gateway signs with each live secret while one
     * rolls). */
    char **parts = g_strsplit(value, ",", 32);
    const char *t = NULL;
    const char *v1[MAX_V1_SIGNATURES];
    size_t n_v1 = 0;
    for (char **p = parts; *p; p++) {
        char *item = g_strstrip(*p);
        if (strncmp(item, "t=", 2) == 0 && t == NULL)
            t = item + 2;
        else if (strncmp(item, "v1=", 3) == 0 && n_v1 < MAX_V1_SIGNATURES)
            v1[n_v1++] = item + 3;
    }
    const char *why = NULL;
    char *end = NULL;
    long long seconds = t ? strtoll(t, &end, 10) : 0;
    if (t == NULL || *t == '\0' || end == NULL || *end != '\0' || seconds <= 0)
        why = "the signature header has no timestamp";
    else if (n_v1 == 0)
        why = "the signature header has no v1 signature";
    else if (llabs(now_ms - seconds * 1000LL) > SIGNATURE_TOLERANCE_MS)
        why = "the signature's timestamp is more than 300 s away from now";
    if (why == NULL) {
        GString *signed_payload = g_string_new(t);
        g_string_append_c(signed_payload, '.');
        g_string_append_len(signed_payload, req->body ? req->body : "", (gssize)req->body_len);
        char expected[65];
        tender_hmac_hex(G_CHECKSUM_SHA256, secret, strlen(secret), signed_payload->str,
                        signed_payload->len, 0, expected, sizeof expected);
        g_string_free(signed_payload, TRUE);
        int match = 0;
        for (size_t i = 0; i < n_v1; i++)
            match |= tender_secure_streq(v1[i], expected);
        if (!match)
            why = "no v1 signature matches the endpoint's secret";
    }
    g_strfreev(parts);
    return why;
}

/* A verified event's parts (borrowed from parser). */
typedef struct {
    JsonParser *parser;
    const char *id;
    const char *type;
    JsonObject *object;
    const char *intent_id;  /* the PaymentIntent the object is or belongs to */
    const char *payment_id; /* metadata.tender_payment_id */
} card_event;

static int read_event(const tender_request *req, card_event *ev, const char **why)
{
    memset(ev, 0, sizeof *ev);
    ev->parser = json_parser_new();
    if (req->body == NULL || req->body_len == 0 ||
        !json_parser_load_from_data(ev->parser, req->body, (gssize)req->body_len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(ev->parser))) {
        *why = "the body is not a JSON object";
        return 0;
    }
    JsonObject *root = json_node_get_object(json_parser_get_root(ev->parser));
    ev->id = card_json_string(root, "id");
    ev->type = card_json_string(root, "type");
    ev->object = card_json_object(card_json_object(root, "data"), "object");
    const char *kind = card_json_string(root, "object");
    if (ev->id == NULL || ev->type == NULL || ev->object == NULL || kind == NULL ||
        strcmp(kind, "event") != 0) {
        *why = "the body is not an event (id, type, data.object)";
        return 0;
    }
    const char *object_id = card_json_string(ev->object, "id");
    if (object_id && strncmp(object_id, "pi_", 3) == 0)
        ev->intent_id = object_id;
    else
        ev->intent_id = card_json_string(ev->object, "payment_intent");
    ev->payment_id =
        card_json_string(card_json_object(ev->object, "metadata"), "tender_payment_id");
    return 1;
}

static void event_clear(card_event *ev)
{
    if (ev->parser)
        g_object_unref(ev->parser);
    memset(ev, 0, sizeof *ev);
}

/* Verify and parse, or finish res as rejected. */
static int verified_event(const card_config *config, const tender_request *req, tender_result *res,
                          card_event *ev)
{
    if (config->webhook_secret[0] == '\0') {
        reject(res, "setting \"webhook_secret\" is not set, so no event can be verified");
        return 0;
    }
    const char *why = verify_signature(config->webhook_secret, req, tender_now_ms(config->host));
    if (why == NULL && !read_event(req, ev, &why)) {
        event_clear(ev);
    } else if (why == NULL) {
        return 1;
    }
    tender_log(config->host, TENDER_LOG_WARNING, config->method_id, "webhook rejected: %s", why);
    reject(res, why);
    return 0;
}

void card_identify_notification(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_event ev;
    if (!verified_event(config, req, res, &ev))
        return;
    res->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(res, notify_id, ev.id);
    TENDER_SET(res, raw_code, ev.type);
    if (ev.payment_id && ev.intent_id) {
        TENDER_SET(res, notify_payment_id, ev.payment_id);
        TENDER_SETF(res, message, "verified event %s (%s) for %s", ev.id, ev.type, ev.intent_id);
    } else {
        /* Genuine, but about nothing Tender made: the gateway gets its 2xx
         * and stops; nothing is applied. */
        TENDER_SETF(res, message, "verified event %s (%s) names no Tender payment", ev.id, ev.type);
    }
    reply(res, 200);
    event_clear(&ev);
}

void card_notification(void *instance, const tender_request *req, tender_result *res)
{
    const card_config *config = instance;
    card_event ev;
    if (!verified_event(config, req, res, &ev))
        return;
    card_state st;
    if (!card_state_load(req->plugin_state, &st))
        memset(&st, 0, sizeof st);
    if (st.intent[0] != '\0' && ev.intent_id && strcmp(st.intent, ev.intent_id) != 0) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "intent_mismatch",
                              "event %s is about intent %s, not this payment's", ev.id,
                              ev.intent_id);
        reply(res, 200);
        event_clear(&ev);
        return;
    }
    if (st.intent[0] == '\0' && ev.intent_id)
        /* A payment whose authorization answer was lost learns its intent
         * here. */
        tender_copy_string(st.intent, sizeof st.intent, ev.intent_id);
    if (st.intent[0] == '\0') {
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, ev.type, "nothing to apply");
        res->event = TENDER_EVENT_NONE;
    } else {
        card_retrieve_and_report(config, req, res, &st, "notification");
    }
    reply(res, 200);
    event_clear(&ev);
}
