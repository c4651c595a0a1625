/* Webhooks v1: registrations, and events delivered as PayPal delivers
 * them.
 *
 * A merchant registers a listener URL (POST /v1/notifications/webhooks)
 * and gets its webhook_id. Each event is POSTed to every listener that
 * subscribed to its type ("*": all) with the transmission headers; the
 * signature is SHA256withRSA (PKCS#1 v1.5) over
 *     <transmission id>|<transmission time>|<webhook id>|<CRC32 of the body>
 * (the CRC as an unsigned decimal), made with the key of the certificate
 * served at PAYPAL-CERT-URL, which the sandbox's own test CA issued. PayPal
 * retries an answer other than 2xx up to 25 times over 3 days. */
#include "sandbox-paypal-internal.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* ---- CRC-32 and the signature ---------------------------------------------- */

guint32 paypal_crc32(const void *data, gsize len)
{
    /* The reflected IEEE polynomial, as zlib and PayPal's SDKs use it. */
    static guint32 table[256];
    static gboolean ready;
    if (!ready) {
        for (guint32 i = 0; i < 256; i++) {
            guint32 c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = TRUE;
    }
    const guchar *p = data;
    guint32 crc = 0xFFFFFFFFu;
    for (gsize i = 0; i < len; i++)
        crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

static EVP_PKEY *paypal_signing_key(void)
{
    static EVP_PKEY *key;
    if (key == NULL) {
        BIO *bio = BIO_new_mem_buf(paypal_key_webhook_private_pem(), -1);
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (key == NULL)
            g_error("paypal: the compiled-in webhook signing key does not load");
    }
    return key;
}

/* base64 SHA256withRSA signature of text (free with g_free). */
static char *paypal_sign(const char *text)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = 0;
    guchar *signature = NULL;
    char *encoded = NULL;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, paypal_signing_key()) == 1 &&
        EVP_DigestSign(ctx, NULL, &len, (const guchar *)text, strlen(text)) == 1) {
        signature = g_malloc(len);
        if (EVP_DigestSign(ctx, signature, &len, (const guchar *)text, strlen(text)) == 1)
            encoded = g_base64_encode(signature, len);
    }
    g_free(signature);
    EVP_MD_CTX_free(ctx);
    if (encoded == NULL)
        g_error("paypal: signing a webhook failed");
    return encoded;
}

/* ---- Registrations --------------------------------------------------------- */

static JsonNode *paypal_webhook_render(SandboxServer *sb, JsonObject *webhook)
{
    JsonObject *out = json_object_new();
    const char *id = json_object_get_string_member(webhook, "id");
    json_object_set_string_member(out, "id", id);
    json_object_set_string_member(out, "url", json_object_get_string_member(webhook, "url"));
    JsonArray *types = json_array_new();
    JsonArray *names = json_object_get_array_member(webhook, "event_types");
    for (guint i = 0; i < json_array_get_length(names); i++) {
        JsonObject *type = json_object_new();
        json_object_set_string_member(type, "name", json_array_get_string_element(names, i));
        json_array_add_object_element(types, type);
    }
    json_object_set_array_member(out, "event_types", types);
    char *self = g_strconcat(sandbox_base_url(sb), "/paypal/v1/notifications/webhooks/", id, NULL);
    JsonArray *links = json_array_new();
    json_array_add_element(links, paypal_link(self, "self", "GET"));
    json_array_add_element(links, paypal_link(self, "delete", "DELETE"));
    json_object_set_array_member(out, "links", links);
    g_free(self);
    JsonNode *node = json_node_init_object(json_node_alloc(), out);
    json_object_unref(out);
    return node;
}

static JsonObject *paypal_webhook_by_url(SandboxServer *sb, const char *url)
{
    JsonObject *webhooks = paypal_table(sb, "webhooks");
    JsonObject *found = NULL;
    GList *ids = json_object_get_members(webhooks);
    for (GList *l = ids; l != NULL && found == NULL; l = l->next) {
        JsonObject *webhook = json_object_get_object_member(webhooks, l->data);
        if (strcmp(json_object_get_string_member(webhook, "url"), url) == 0)
            found = webhook;
    }
    g_list_free(ids);
    return found;
}

static JsonObject *paypal_webhook_add(SandboxServer *sb, const char *url, JsonArray *event_names)
{
    char *id = paypal_new_resource_id();
    JsonObject *webhook = json_object_new();
    json_object_set_string_member(webhook, "id", id);
    json_object_set_string_member(webhook, "url", url);
    json_object_set_array_member(webhook, "event_types", event_names);
    json_object_set_object_member(paypal_table(sb, "webhooks"), id, webhook);
    sandbox_state_changed(sb);
    sandbox_log(PAYPAL_PROVIDER, "webhook %s registered for %s", id, url);
    g_free(id);
    return webhook;
}

const char *paypal_webhook_ensure(SandboxServer *sb, const char *url)
{
    JsonObject *webhook = paypal_webhook_by_url(sb, url);
    if (webhook == NULL) {
        JsonArray *all = json_array_new();
        json_array_add_string_element(all, "*");
        webhook = paypal_webhook_add(sb, url, all);
    }
    return json_object_get_string_member(webhook, "id");
}

static void paypal_webhook_create(SandboxServer *sb, SoupServerMessage *msg)
{
    JsonObject *request = paypal_request_object(msg);
    if (request == NULL)
        return;
    const char *url = paypal_json_text(request, "url");
    JsonArray *types = json_object_has_member(request, "event_types") &&
                               JSON_NODE_HOLDS_ARRAY(json_object_get_member(request, "event_types"))
                           ? json_object_get_array_member(request, "event_types")
                           : NULL;
    if (url == NULL || types == NULL || json_array_get_length(types) == 0) {
        paypal_respond_invalid(msg, "MISSING_REQUIRED_PARAMETER",
                               "A required field / parameter is missing.",
                               url == NULL ? "/url" : "/event_types");
    } else if (!g_str_has_prefix(url, "https://") && !g_str_has_prefix(url, "http://")) {
        paypal_respond_invalid(msg, "INVALID_PARAMETER_SYNTAX",
                               "The value of a field does not conform to the expected format.",
                               "/url");
    } else if (paypal_webhook_by_url(sb, url) != NULL) {
        paypal_respond_error(msg, 400, "WEBHOOK_URL_ALREADY_EXISTS", NULL, NULL, NULL);
    } else if (json_object_get_size(paypal_table(sb, "webhooks")) >= 10) {
        paypal_respond_error(msg, 400, "WEBHOOK_NUMBER_LIMIT_EXCEEDED", NULL, NULL, NULL);
    } else {
        JsonArray *names = json_array_new();
        for (guint i = 0; i < json_array_get_length(types); i++) {
            JsonNode *element = json_array_get_element(types, i);
            JsonObject *type = JSON_NODE_HOLDS_OBJECT(element) ? json_node_get_object(element) : NULL;
            const char *name = paypal_json_text(type, "name");
            if (name != NULL)
                json_array_add_string_element(names, name);
        }
        if (json_array_get_length(names) == 0) {
            json_array_unref(names);
            paypal_respond_invalid(msg, "INVALID_PARAMETER_SYNTAX",
                                   "The value of a field does not conform to the expected format.",
                                   "/event_types");
        } else {
            JsonObject *webhook = paypal_webhook_add(sb, url, names);
            JsonNode *node = paypal_webhook_render(sb, webhook);
            paypal_respond_object(msg, 201, json_node_get_object(node));
            json_node_unref(node);
        }
    }
    json_object_unref(request);
}

static void paypal_webhook_list(SandboxServer *sb, SoupServerMessage *msg)
{
    JsonObject *webhooks = paypal_table(sb, "webhooks");
    JsonArray *list = json_array_new();
    GList *ids = json_object_get_members(webhooks);
    for (GList *l = ids; l != NULL; l = l->next)
        json_array_add_element(list,
                               paypal_webhook_render(sb, json_object_get_object_member(webhooks, l->data)));
    g_list_free(ids);
    JsonObject *out = json_object_new();
    json_object_set_array_member(out, "webhooks", list);
    paypal_respond_object(msg, 200, out);
    json_object_unref(out);
}

static void paypal_event_show(SandboxServer *sb, SoupServerMessage *msg, const char *id)
{
    JsonObject *events = paypal_table(sb, "events");
    if (!json_object_has_member(events, id)) {
        paypal_respond_not_found(msg);
        return;
    }
    const char *body = json_object_get_string_member(events, id);
    sandbox_respond(msg, 200, "application/json", body, strlen(body));
}

/* TRUE when signature (base64) is the webhook key's SHA256withRSA
 * signature of text. */
static gboolean paypal_signature_valid(const char *text, const char *signature)
{
    gsize len = 0;
    guchar *raw = g_base64_decode(signature, &len);
    BIO *bio = BIO_new_mem_buf(paypal_key_webhook_cert_pem(), -1);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    gboolean valid = cert != NULL && len > 0 &&
                     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(cert)) == 1 &&
                     EVP_DigestVerify(ctx, raw, len, (const guchar *)text, strlen(text)) == 1;
    EVP_MD_CTX_free(ctx);
    X509_free(cert);
    g_free(raw);
    return valid;
}

/* POST /v1/notifications/verify-webhook-signature: PayPal checks a
 * delivery for the merchant. The sandbox checks the signature against the
 * bytes it actually sent for that event id (PayPal re-serialises
 * webhook_event; the sandbox does not need to). */
static void paypal_verify_signature(SandboxServer *sb, SoupServerMessage *msg)
{
    JsonObject *request = paypal_request_object(msg);
    if (request == NULL)
        return;
    static const char *const required[] = {"auth_algo",          "cert_url",
                                           "transmission_id",    "transmission_sig",
                                           "transmission_time",  "webhook_id"};
    for (gsize i = 0; i < G_N_ELEMENTS(required); i++) {
        if (paypal_json_text(request, required[i]) == NULL) {
            char *field = g_strconcat("/", required[i], NULL);
            paypal_respond_invalid(msg, "MISSING_REQUIRED_PARAMETER",
                                   "A required field / parameter is missing.", field);
            g_free(field);
            json_object_unref(request);
            return;
        }
    }
    JsonObject *event = json_object_has_member(request, "webhook_event") &&
                                JSON_NODE_HOLDS_OBJECT(json_object_get_member(request, "webhook_event"))
                            ? json_object_get_object_member(request, "webhook_event")
                            : NULL;
    const char *event_id = paypal_json_text(event, "id");
    JsonObject *events = paypal_table(sb, "events");
    char *cert_url = g_strconcat(sandbox_base_url(sb), "/paypal/v1/notifications/certs/",
                                 PAYPAL_CERT_NAME, NULL);
    gboolean success = FALSE;
    if (event_id != NULL && json_object_has_member(events, event_id) &&
        strcmp(json_object_get_string_member(request, "auth_algo"), "SHA256withRSA") == 0 &&
        strcmp(json_object_get_string_member(request, "cert_url"), cert_url) == 0) {
        const char *body = json_object_get_string_member(events, event_id);
        char *text = g_strdup_printf("%s|%s|%s|%u",
                                     json_object_get_string_member(request, "transmission_id"),
                                     json_object_get_string_member(request, "transmission_time"),
                                     json_object_get_string_member(request, "webhook_id"),
                                     paypal_crc32(body, strlen(body)));
        success = paypal_signature_valid(text,
                                         json_object_get_string_member(request, "transmission_sig"));
        g_free(text);
    }
    JsonObject *out = json_object_new();
    json_object_set_string_member(out, "verification_status", success ? "SUCCESS" : "FAILURE");
    paypal_respond_object(msg, 200, out);
    json_object_unref(out);
    g_free(cert_url);
    json_object_unref(request);
}

void paypal_handle_notifications(SandboxServer *sb, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);
    if (strcmp(path, "/verify-webhook-signature") == 0 && strcmp(method, "POST") == 0) {
        paypal_verify_signature(sb, msg);
        return;
    }
    if (g_str_has_prefix(path, "/webhooks-events/") && strcmp(method, "GET") == 0) {
        paypal_event_show(sb, msg, path + strlen("/webhooks-events/"));
        return;
    }
    if (strcmp(path, "/webhooks") == 0) {
        if (strcmp(method, "POST") == 0)
            paypal_webhook_create(sb, msg);
        else if (strcmp(method, "GET") == 0)
            paypal_webhook_list(sb, msg);
        else
            paypal_respond_error(msg, 405, "METHOD_NOT_SUPPORTED", NULL, NULL, NULL);
        return;
    }
    if (!g_str_has_prefix(path, "/webhooks/")) {
        paypal_respond_not_found(msg);
        return;
    }
    const char *id = path + strlen("/webhooks/");
    JsonObject *webhooks = paypal_table(sb, "webhooks");
    if (!json_object_has_member(webhooks, id)) {
        paypal_respond_not_found(msg);
    } else if (strcmp(method, "GET") == 0) {
        JsonNode *node = paypal_webhook_render(sb, json_object_get_object_member(webhooks, id));
        paypal_respond_object(msg, 200, json_node_get_object(node));
        json_node_unref(node);
    } else if (strcmp(method, "DELETE") == 0) {
        json_object_remove_member(webhooks, id);
        sandbox_state_changed(sb);
        paypal_respond_object(msg, 204, NULL);
    } else {
        paypal_respond_error(msg, 405, "METHOD_NOT_SUPPORTED", NULL, NULL, NULL);
    }
}

void paypal_handle_cert(SoupServerMessage *msg, const char *name)
{
    if (strcmp(soup_server_message_get_method(msg), "GET") != 0 ||
        strcmp(name, PAYPAL_CERT_NAME) != 0) {
        paypal_respond_not_found(msg);
        return;
    }
    const char *pem = paypal_key_webhook_cert_pem();
    sandbox_respond(msg, 200, "application/x-pem-file", pem, strlen(pem));
}

/* ---- Delivery ------------------------------------------------------------------ */

static gboolean paypal_delivery_accepted(guint status, const char *body, gsize len)
{
    (void)body;
    (void)len;
    return status >= 200 && status < 300;
}

/* 25 retries over about three days: doubling from 30 s to about 4 h,
 * then every 4 h 16 min. */
static const double paypal_retry_delays[25] = {
    30,    60,    120,   240,   480,   960,   1920,  3840,  7680,  15360, 15360, 15360, 15360,
    15360, 15360, 15360, 15360, 15360, 15360, 15360, 15360, 15360, 15360, 15360, 15360,
};

/* Events are kept (the newest PAYPAL_EVENTS_KEPT) exactly as sent, for
 * GET /v1/notifications/webhooks-events/{id} and for
 * verify-webhook-signature, which must check the bytes that were signed. */
#define PAYPAL_EVENTS_KEPT 500

static void paypal_event_remember(SandboxServer *sb, const char *id, const char *body)
{
    JsonObject *events = paypal_table(sb, "events");
    json_object_set_string_member(events, id, body);
    if (json_object_get_size(events) > PAYPAL_EVENTS_KEPT) {
        /* json-glib keeps members in insertion order: the first is the
         * oldest. */
        GList *ids = json_object_get_members(events);
        json_object_remove_member(events, ids->data);
        g_list_free(ids);
    }
    sandbox_state_changed(sb);
}

static gboolean paypal_webhook_listens(JsonObject *webhook, const char *event_type)
{
    JsonArray *names = json_object_get_array_member(webhook, "event_types");
    for (guint i = 0; i < json_array_get_length(names); i++) {
        const char *name = json_array_get_string_element(names, i);
        if (strcmp(name, "*") == 0 || strcmp(name, event_type) == 0)
            return TRUE;
    }
    return FALSE;
}

static void paypal_deliver(SandboxServer *sb, JsonObject *webhook, const char *body)
{
    const char *webhook_id = json_object_get_string_member(webhook, "id");
    char *transmission_id = g_uuid_string_random();
    char *transmission_time = paypal_time_text(sandbox_now_ms(sb));
    char *signed_text = g_strdup_printf("%s|%s|%s|%u", transmission_id, transmission_time,
                                        webhook_id, paypal_crc32(body, strlen(body)));
    char *signature = paypal_sign(signed_text);
    char *cert_url = g_strconcat(sandbox_base_url(sb), "/paypal/v1/notifications/certs/",
                                 PAYPAL_CERT_NAME, NULL);
    const char *headers[] = {
        "PAYPAL-TRANSMISSION-ID",  transmission_id, "PAYPAL-TRANSMISSION-TIME", transmission_time,
        "PAYPAL-TRANSMISSION-SIG", signature,       "PAYPAL-CERT-URL",          cert_url,
        "PAYPAL-AUTH-ALGO",        "SHA256withRSA", "PAYPAL-AUTH-VERSION",      "v2",
        NULL,
    };
    SandboxNotification notification = {
        .provider = PAYPAL_PROVIDER,
        .url = json_object_get_string_member(webhook, "url"),
        .content_type = "application/json",
        .body = body,
        .body_len = strlen(body),
        .headers = headers,
        .accepted = paypal_delivery_accepted,
        .delays = paypal_retry_delays,
        .n_delays = G_N_ELEMENTS(paypal_retry_delays),
    };
    sandbox_notify(sb, &notification);
    g_free(cert_url);
    g_free(signature);
    g_free(signed_text);
    g_free(transmission_time);
    g_free(transmission_id);
}

void paypal_emit_event(SandboxServer *sb, const char *event_type, const char *resource_type,
                       const char *summary, JsonNode *resource)
{
    JsonObject *webhooks = paypal_table(sb, "webhooks");
    if (json_object_get_size(webhooks) == 0)
        return;
    char *event_id = paypal_new_resource_id();
    char *id = g_strconcat("WH-", event_id, NULL);
    char *create_time = paypal_time_text(sandbox_now_ms(sb));
    char *self = g_strconcat(sandbox_base_url(sb), "/paypal/v1/notifications/webhooks-events/", id,
                             NULL);
    JsonObject *event = json_object_new();
    json_object_set_string_member(event, "id", id);
    json_object_set_string_member(event, "event_version", "1.0");
    json_object_set_string_member(event, "create_time", create_time);
    json_object_set_string_member(event, "resource_type", resource_type);
    json_object_set_string_member(event, "resource_version", "2.0");
    json_object_set_string_member(event, "event_type", event_type);
    json_object_set_string_member(event, "summary", summary);
    json_object_set_member(event, "resource", json_node_copy(resource));
    JsonArray *links = json_array_new();
    json_array_add_element(links, paypal_link(self, "self", "GET"));
    json_object_set_array_member(event, "links", links);
    JsonNode *node = json_node_init_object(json_node_alloc(), event);
    char *body = json_to_string(node, FALSE);
    paypal_event_remember(sb, id, body);

    GList *ids = json_object_get_members(webhooks);
    for (GList *l = ids; l != NULL; l = l->next) {
        JsonObject *webhook = json_object_get_object_member(webhooks, l->data);
        if (paypal_webhook_listens(webhook, event_type)) {
            sandbox_log(PAYPAL_PROVIDER, "event %s %s to webhook %s", id, event_type,
                        (const char *)l->data);
            paypal_deliver(sb, webhook, body);
        }
    }
    g_list_free(ids);
    g_free(body);
    json_node_unref(node);
    json_object_unref(event);
    g_free(self);
    g_free(create_time);
    g_free(id);
    g_free(event_id);
}
