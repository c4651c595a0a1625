/* PayPal webhooks: verifying a delivery as PayPal documents it, and reading
 * the event (see paypal-webhook.h). */
#include "paypal-webhook.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <tender/sdk.h>

#include "paypal-rest.h"
#include "paypal-signature.h"

/* A verified certificate is trusted for an hour before it is fetched and
 * checked again. */
#define CERT_CACHE_US (3600LL * G_USEC_PER_SEC)

static int has(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static int host_is_paypal(const char *host)
{
    return g_ascii_strcasecmp(host, "paypal.com") == 0 ||
           (strlen(host) > 11 && g_ascii_strcasecmp(host + strlen(host) - 11, ".paypal.com") == 0);
}

/* PAYPAL-CERT-URL must be an https URL on a paypal.com host; in sandbox
 * mode the simulated provider's own host (the endpoint's scheme, host and
 * port) is accepted too. */
static int cert_url_allowed(const PaypalInstance *inst, const char *url)
{
    GUri *cert = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    if (cert == NULL || g_uri_get_host(cert) == NULL) {
        if (cert != NULL)
            g_uri_unref(cert);
        return 0;
    }
    int ok = g_ascii_strcasecmp(g_uri_get_scheme(cert), "https") == 0 &&
             host_is_paypal(g_uri_get_host(cert));
    if (!ok && !inst->live) {
        GUri *endpoint = g_uri_parse(inst->endpoint, G_URI_FLAGS_NONE, NULL);
        ok = endpoint != NULL && g_uri_get_host(endpoint) != NULL &&
             g_ascii_strcasecmp(g_uri_get_scheme(cert), g_uri_get_scheme(endpoint)) == 0 &&
             g_ascii_strcasecmp(g_uri_get_host(cert), g_uri_get_host(endpoint)) == 0 &&
             g_uri_get_port(cert) == g_uri_get_port(endpoint);
        if (endpoint != NULL)
            g_uri_unref(endpoint);
    }
    g_uri_unref(cert);
    return ok;
}

/* The public key of the certificate PEM (leaf first, then its chain) when
 * the chain verifies against the trust store; NULL with a reason. */
static EVP_PKEY *key_from_certificate(const PaypalInstance *inst, const char *pem, char *reason,
                                      size_t reason_size)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *extra;
    while (leaf != NULL && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push(chain, extra);
    BIO_free(bio);
    EVP_PKEY *key = NULL;
    if (leaf == NULL) {
        snprintf(reason, reason_size, "the certificate at PAYPAL-CERT-URL does not parse");
    } else if (inst->webhook_trust == NULL) {
        snprintf(reason, reason_size, "no trust store for webhook certificates (webhook_ca_file)");
    } else {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (ctx != NULL && X509_STORE_CTX_init(ctx, inst->webhook_trust, leaf, chain) == 1 &&
            X509_verify_cert(ctx) == 1)
            key = X509_get_pubkey(leaf);
        else
            snprintf(reason, reason_size, "the webhook certificate does not chain to a trusted CA: %s",
                     ctx != NULL ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx))
                                 : "out of memory");
        X509_STORE_CTX_free(ctx);
    }
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return key;
}

/* The verified key for url: from the cache, or fetched through the host's
 * http service and checked. *transport set when the fetch failed in
 * transit (the delivery is then refused for now, and PayPal retries). */
static EVP_PKEY *certificate_key(PaypalInstance *inst, const char *url, int *transport,
                                 char *reason, size_t reason_size)
{
    *transport = 0;
    g_mutex_lock(&inst->lock);
    if (inst->cert_key != NULL && strcmp(inst->cert_url, url) == 0 &&
        g_get_monotonic_time() < inst->cert_expires_us) {
        EVP_PKEY *key = inst->cert_key;
        EVP_PKEY_up_ref(key);
        g_mutex_unlock(&inst->lock);
        return key;
    }
    g_mutex_unlock(&inst->lock);
    char *pem = NULL;
    char message[256] = "";
    PaypalRestStatus status = paypal_rest_get_url(inst, url, &pem, message, sizeof message);
    if (status != PAYPAL_REST_OK) {
        *transport = status != PAYPAL_REST_REFUSED;
        snprintf(reason, reason_size, "the webhook certificate could not be fetched: %s", message);
        return NULL;
    }
    EVP_PKEY *key = key_from_certificate(inst, pem, reason, reason_size);
    g_free(pem);
    if (key != NULL && strlen(url) < sizeof inst->cert_url) {
        g_mutex_lock(&inst->lock);
        EVP_PKEY_free(inst->cert_key);
        EVP_PKEY_up_ref(key);
        inst->cert_key = key;
        tender_copy_string(inst->cert_url, sizeof inst->cert_url, url);
        inst->cert_expires_us = g_get_monotonic_time() + CERT_CACHE_US;
        g_mutex_unlock(&inst->lock);
    }
    return key;
}

PaypalVerify paypal_webhook_verify(PaypalInstance *inst, const tender_request *req, char *reason,
                                   size_t reason_size)
{
    const char *id = tender_request_header(req, "PAYPAL-TRANSMISSION-ID");
    const char *time = tender_request_header(req, "PAYPAL-TRANSMISSION-TIME");
    const char *sig = tender_request_header(req, "PAYPAL-TRANSMISSION-SIG");
    const char *algo = tender_request_header(req, "PAYPAL-AUTH-ALGO");
    const char *cert = tender_request_header(req, "PAYPAL-CERT-URL");
    if (!has(id) || !has(time) || !has(sig) || !has(algo) || !has(cert)) {
        snprintf(reason, reason_size,
                 "missing PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-AUTH-ALGO or PAYPAL-CERT-URL header");
        return PAYPAL_VERIFY_FAILED;
    }
    if (strcasecmp(algo, "SHA256withRSA") != 0) {
        snprintf(reason, reason_size, "PAYPAL-AUTH-ALGO %.40s is not SHA256withRSA", algo);
        return PAYPAL_VERIFY_FAILED;
    }
    if (!has(inst->webhook_id)) {
        snprintf(reason, reason_size, "the webhook_id setting is not set: webhooks cannot be verified");
        return PAYPAL_VERIFY_FAILED;
    }
    if (!cert_url_allowed(inst, cert)) {
        snprintf(reason, reason_size, "PAYPAL-CERT-URL is not an https URL at paypal.com%s",
                 inst->live ? "" : " nor at the sandbox endpoint's host");
        return PAYPAL_VERIFY_FAILED;
    }
    if (req->body == NULL) {
        snprintf(reason, reason_size, "the webhook has no body");
        return PAYPAL_VERIFY_FAILED;
    }
    int transport = 0;
    EVP_PKEY *key = certificate_key(inst, cert, &transport, reason, reason_size);
    if (key == NULL)
        return transport ? PAYPAL_VERIFY_UNREACHABLE : PAYPAL_VERIFY_FAILED;
    int ok = paypal_verify_webhook(key, id, time, inst->webhook_id, req->body, req->body_len, sig);
    EVP_PKEY_free(key);
    if (!ok) {
        snprintf(reason, reason_size,
                 "the PAYPAL-TRANSMISSION-SIG does not verify for this webhook id and body");
        return PAYPAL_VERIFY_FAILED;
    }
    return PAYPAL_VERIFY_OK;
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

int paypal_refund_capture_id(JsonObject *refund, char *out, size_t out_size)
{
    if (refund == NULL || !json_object_has_member(refund, "links") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(refund, "links")))
        return 0;
    JsonArray *links = json_object_get_array_member(refund, "links");
    for (guint i = 0; i < json_array_get_length(links); i++) {
        JsonNode *link = json_array_get_element(links, i);
        JsonObject *l = JSON_NODE_HOLDS_OBJECT(link) ? json_node_get_object(link) : NULL;
        const char *rel = member_string(l, "rel");
        const char *href = member_string(l, "href");
        const char *at = href != NULL ? strstr(href, "/captures/") : NULL;
        if (rel != NULL && strcmp(rel, "up") == 0 && at != NULL && at[strlen("/captures/")]) {
            copy(out, out_size, at + strlen("/captures/"));
            return 1;
        }
    }
    return 0;
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
        copy(out->capture_id, sizeof out->capture_id, member_string(related, "capture_id"));
    }
    if (out->capture_id[0] == '\0')
        paypal_refund_capture_id(resource, out->capture_id, sizeof out->capture_id);
    ok = 1;
done:
    g_object_unref(parser);
    return ok;
}
