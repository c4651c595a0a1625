/* The PayPal REST client over the host's http service (see paypal-rest.h).
 *
 * Classification, the rule every operation relies on: an answer 2xx that
 * parses is OK; a 4xx with PayPal's error body is REFUSED (the provider
 * decided: a decline with its issue name); anything the plugin cannot read
 * as PayPal's answer (5xx, a 4xx without PayPal's body, bad JSON) is
 * UNKNOWN, as is a transport failure after sending, because PayPal may have
 * acted; NOT_SENT only when nothing left the machine. */
#include "paypal-rest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

/* Refetch a token this long before PayPal says it expires. */
#define TOKEN_MARGIN_US (60LL * G_USEC_PER_SEC)

void paypal_rest_reply_clear(PaypalRestReply *reply)
{
    if (reply->json != NULL)
        json_node_unref(reply->json);
    memset(reply, 0, sizeof *reply);
}

static JsonNode *json_step(JsonNode *node, const char *step)
{
    if (node == NULL)
        return NULL;
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *array = json_node_get_array(node);
        guint64 index = g_ascii_strtoull(step, NULL, 10);
        return index < json_array_get_length(array) ? json_array_get_element(array, (guint)index)
                                                    : NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node))
        return NULL;
    JsonObject *object = json_node_get_object(node);
    return json_object_has_member(object, step) ? json_object_get_member(object, step) : NULL;
}

static JsonNode *json_walk(JsonNode *node, va_list ap)
{
    const char *step;
    while (node != NULL && (step = va_arg(ap, const char *)) != NULL)
        node = json_step(node, step);
    return node;
}

const char *paypal_json_string(JsonNode *node, ...)
{
    va_list ap;
    va_start(ap, node);
    node = json_walk(node, ap);
    va_end(ap);
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

JsonObject *paypal_json_object(JsonNode *node, ...)
{
    va_list ap;
    va_start(ap, node);
    node = json_walk(node, ap);
    va_end(ap);
    return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* One exchange: fills the transport part of reply and, on an answer,
 * parses the body. */
static void exchange(PaypalInstance *inst, const char *method, const char *url,
                     const tender_http_header *headers, size_t n_headers, const char *body,
                     PaypalRestReply *reply)
{
    const tender_host_services *host = inst->host;
    if (!tender_host_has_http(host)) {
        reply->status = PAYPAL_REST_NOT_SENT;
        tender_copy_string(reply->message, sizeof reply->message,
                           "the host has no http service (ABI 1.1)");
        return;
    }
    tender_http_response hres;
    uint32_t outcome = tender_http_exchange(host, inst->method_id, method, url, headers, n_headers,
                                            body, body != NULL ? strlen(body) : 0, &hres);
    if (outcome == TENDER_HTTP_NOT_SENT || outcome == TENDER_HTTP_UNKNOWN) {
        reply->status = outcome == TENDER_HTTP_NOT_SENT ? PAYPAL_REST_NOT_SENT : PAYPAL_REST_UNKNOWN;
        tender_format_string(reply->message, sizeof reply->message, "PayPal %s %s: %s", method,
                             outcome == TENDER_HTTP_NOT_SENT ? "not sent" : "outcome unknown",
                             hres.message);
        tender_http_release(host, &hres);
        return;
    }
    reply->http_status = hres.status;
    if (hres.body_len > 0) {
        JsonParser *parser = json_parser_new();
        if (json_parser_load_from_data(parser, hres.body, (gssize)hres.body_len, NULL) &&
            json_parser_get_root(parser) != NULL)
            reply->json = json_node_copy(json_parser_get_root(parser));
        g_object_unref(parser);
    }
    tender_http_release(host, &hres);
}

/* Sort an answer: OK, REFUSED with PayPal's issue, or UNKNOWN. */
static void classify(PaypalRestReply *reply, const char *what)
{
    int st = reply->http_status;
    int parsed = reply->json == NULL || JSON_NODE_HOLDS_OBJECT(reply->json);
    if (st >= 200 && st < 300 && parsed) {
        reply->status = PAYPAL_REST_OK;
        return;
    }
    const char *issue = paypal_json_string(reply->json, "details", "0", "issue", NULL);
    const char *name = paypal_json_string(reply->json, "name", NULL);
    const char *oauth = paypal_json_string(reply->json, "error", NULL);
    const char *chosen = issue != NULL ? issue : name != NULL ? name : oauth;
    if (st >= 400 && st < 500 && chosen != NULL) {
        reply->status = PAYPAL_REST_REFUSED;
        tender_copy_string(reply->issue, sizeof reply->issue, chosen);
        const char *description =
            paypal_json_string(reply->json, "details", "0", "description", NULL);
        if (description == NULL)
            description = paypal_json_string(reply->json, "message", NULL);
        if (description == NULL)
            description = paypal_json_string(reply->json, "error_description", NULL);
        tender_format_string(reply->message, sizeof reply->message, "PayPal refused %s: %s%s%s",
                             what, chosen, description ? ": " : "", description ? description : "");
        return;
    }
    reply->status = PAYPAL_REST_UNKNOWN;
    tender_format_string(reply->message, sizeof reply->message,
                         "PayPal %s: HTTP %d with %s; the outcome is unknown", what, st,
                         reply->json == NULL ? "no readable body" : "an unexpected body");
}

/* Fetch a token into inst->token (lock held). */
static PaypalRestStatus fetch_token(PaypalInstance *inst, PaypalRestReply *reply)
{
    char *credentials = g_strconcat(inst->client_id, ":", inst->client_secret, NULL);
    char *encoded = g_base64_encode((const guchar *)credentials, strlen(credentials));
    char *authorization = g_strconcat("Basic ", encoded, NULL);
    char *url = g_strconcat(inst->endpoint, "/v1/oauth2/token", NULL);
    tender_http_header headers[] = {
        {"Authorization", authorization},
        {"Content-Type", "application/x-www-form-urlencoded"},
        {"Accept", "application/json"},
    };
    exchange(inst, "POST", url, headers, G_N_ELEMENTS(headers), "grant_type=client_credentials",
             reply);
    if (reply->status == PAYPAL_REST_NOT_SENT || reply->status == PAYPAL_REST_UNKNOWN) {
        /* Nothing was asked of PayPal's payments API: whatever happened to
         * the token request, the operation itself was not sent. */
        reply->status = PAYPAL_REST_NOT_SENT;
    } else {
        classify(reply, "the access token request");
        const char *token = paypal_json_string(reply->json, "access_token", NULL);
        JsonObject *object = reply->json != NULL && JSON_NODE_HOLDS_OBJECT(reply->json)
                                 ? json_node_get_object(reply->json)
                                 : NULL;
        gint64 expires_in = object != NULL ? json_object_get_int_member_with_default(
                                                 object, "expires_in", 0)
                                           : 0;
        if (reply->status == PAYPAL_REST_OK && token != NULL && expires_in > 0 &&
            strlen(token) < sizeof inst->token) {
            tender_copy_string(inst->token, sizeof inst->token, token);
            inst->token_expires_us = g_get_monotonic_time() + expires_in * G_USEC_PER_SEC;
        } else if (reply->status == PAYPAL_REST_OK || reply->status == PAYPAL_REST_UNKNOWN) {
            /* No token came back: the payments call was never made. */
            reply->status = PAYPAL_REST_NOT_SENT;
            tender_copy_string(reply->message, sizeof reply->message,
                               "PayPal's token answer was unusable; nothing was sent");
        }
        /* REFUSED stays: wrong credentials are PayPal's answer
         * (invalid_client), which the operation reports as a decline. */
    }
    memset(credentials, 0, strlen(credentials));
    g_free(credentials);
    g_free(encoded);
    g_free(authorization);
    g_free(url);
    return reply->status;
}

/* A valid token copied into out, fetching one if needed. */
static PaypalRestStatus current_token(PaypalInstance *inst, int force, char *out, size_t out_size,
                                      PaypalRestReply *reply)
{
    PaypalRestStatus status = PAYPAL_REST_OK;
    g_mutex_lock(&inst->lock);
    if (force || inst->token[0] == '\0' ||
        g_get_monotonic_time() > inst->token_expires_us - TOKEN_MARGIN_US) {
        inst->token[0] = '\0';
        status = fetch_token(inst, reply);
    }
    if (status == PAYPAL_REST_OK)
        tender_copy_string(out, out_size, inst->token);
    g_mutex_unlock(&inst->lock);
    return status;
}

void paypal_rest_forget_token(PaypalInstance *inst)
{
    g_mutex_lock(&inst->lock);
    inst->token[0] = '\0';
    g_mutex_unlock(&inst->lock);
}

PaypalRestStatus paypal_rest_call(PaypalInstance *inst, const char *method, const char *path,
                                  const char *json_body, const char *request_id,
                                  PaypalRestReply *reply)
{
    memset(reply, 0, sizeof *reply);
    char *url = g_strconcat(inst->endpoint, path, NULL);
    char what[160];
    tender_format_string(what, sizeof what, "%s %s", method, path);
    for (int attempt = 0; attempt < 2; attempt++) {
        char token[sizeof inst->token];
        paypal_rest_reply_clear(reply);
        if (current_token(inst, attempt > 0, token, sizeof token, reply) != PAYPAL_REST_OK)
            break;
        char *bearer = g_strconcat("Bearer ", token, NULL);
        tender_http_header headers[5] = {
            {"Authorization", bearer},
            {"Accept", "application/json"},
            {"Prefer", "return=representation"},
        };
        size_t n = 3;
        if (json_body != NULL)
            headers[n++] = (tender_http_header){"Content-Type", "application/json"};
        if (request_id != NULL && request_id[0] != '\0')
            headers[n++] = (tender_http_header){"PayPal-Request-Id", request_id};
        paypal_rest_reply_clear(reply);
        exchange(inst, method, url, headers, n, json_body, reply);
        memset(bearer, 0, strlen(bearer));
        g_free(bearer);
        memset(token, 0, sizeof token);
        if (reply->status == PAYPAL_REST_NOT_SENT || reply->status == PAYPAL_REST_UNKNOWN)
            break;
        /* 401: the token expired or was revoked early; fetch a new one
         * and try once more (PayPal did nothing with the refused call). */
        if (reply->http_status == 401 && attempt == 0)
            continue;
        classify(reply, what);
        break;
    }
    g_free(url);
    if (reply->status != PAYPAL_REST_OK)
        tender_log(inst->host, TENDER_LOG_INFO, inst->method_id, "%s", reply->message);
    return reply->status;
}

PaypalRestStatus paypal_rest_get_url(PaypalInstance *inst, const char *url, char **body_out,
                                     char *message, size_t message_size)
{
    PaypalRestReply reply;
    memset(&reply, 0, sizeof reply);
    *body_out = NULL;
    const tender_host_services *host = inst->host;
    if (!tender_host_has_http(host)) {
        tender_copy_string(message, message_size, "the host has no http service (ABI 1.1)");
        return PAYPAL_REST_NOT_SENT;
    }
    tender_http_response hres;
    uint32_t outcome = tender_http_exchange(host, inst->method_id, "GET", url, NULL, 0, NULL, 0,
                                            &hres);
    PaypalRestStatus status = PAYPAL_REST_UNKNOWN;
    if (outcome == TENDER_HTTP_RESPONSE && hres.status == 200) {
        *body_out = g_strndup(hres.body, hres.body_len);
        status = PAYPAL_REST_OK;
    } else if (outcome == TENDER_HTTP_RESPONSE) {
        tender_format_string(message, message_size, "GET %s: HTTP %d", url, hres.status);
        status = PAYPAL_REST_REFUSED;
    } else {
        tender_format_string(message, message_size, "GET %s: %s", url, hres.message);
        status = outcome == TENDER_HTTP_NOT_SENT ? PAYPAL_REST_NOT_SENT : PAYPAL_REST_UNKNOWN;
    }
    tender_http_release(host, &hres);
    return status;
}
