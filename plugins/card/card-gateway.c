/* Sending one request to the card gateway and reading its answer. The
 * gateway takes application/x-www-form-urlencoded bodies with bracketed
 * keys and answers JSON, errors included, so every answer with a JSON
 * object body is an answer and anything else after the request left is an
 * unknown outcome: a guess would risk declining a charged card. */
#include "card-gateway.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

card_form *card_form_new(void)
{
    return g_string_new(NULL);
}

void card_form_add(card_form *form, const char *key, const char *value)
{
    tender_form_append_pair(form, key, value ? value : "", 0);
}

void card_form_add_int(card_form *form, const char *key, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)value);
    card_form_add(form, key, text);
}

void card_form_free_secure(card_form *form)
{
    if (form == NULL)
        return;
    memset(form->str, 0, form->allocated_len);
    g_string_free(form, TRUE);
}

void card_reply_clear(card_reply *reply)
{
    if (reply->parser)
        g_object_unref(reply->parser);
    memset(reply, 0, sizeof *reply);
}

const char *card_json_string(JsonObject *object, const char *member)
{
    if (object == NULL || !json_object_has_member(object, member))
        return NULL;
    JsonNode *node = json_object_get_member(object, member);
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

int64_t card_json_int(JsonObject *object, const char *member, int64_t fallback)
{
    if (object == NULL || !json_object_has_member(object, member))
        return fallback;
    JsonNode *node = json_object_get_member(object, member);
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return fallback;
    return json_node_get_int(node);
}

JsonObject *card_json_object(JsonObject *object, const char *member)
{
    if (object == NULL || !json_object_has_member(object, member))
        return NULL;
    JsonNode *node = json_object_get_member(object, member);
    return JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

static const char *header_value(const tender_http_response *res, const char *name)
{
    for (size_t i = 0; i < res->n_headers; i++)
        if (res->headers[i].name && g_ascii_strcasecmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    return NULL;
}

/* Read the body of an answer as a JSON object into reply. */
static void read_answer(const tender_http_response *res, card_reply *reply)
{
    reply->status = res->status;
    const char *replayed = header_value(res, "Idempotent-Replayed");
    reply->replayed = replayed != NULL && g_ascii_strcasecmp(replayed, "true") == 0;

    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    if (res->body == NULL || res->body_len == 0 ||
        !json_parser_load_from_data(parser, res->body, (gssize)res->body_len, &error) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        reply->kind = CARD_REPLY_UNKNOWN;
        snprintf(reply->message, sizeof reply->message,
                 "the gateway answered HTTP %d with a body that is not a JSON object%s%s",
                 res->status, error ? ": " : "", error ? error->message : "");
        g_clear_error(&error);
        g_object_unref(parser);
        return;
    }
    reply->kind = CARD_REPLY_ANSWER;
    reply->parser = parser;
    reply->object = json_node_get_object(json_parser_get_root(parser));
    if (res->status >= 400)
        reply->error = card_json_object(reply->object, "error");
}

void card_gateway_call(const card_config *config, const char *method, const char *path,
                       const card_form *form, const char *idempotency_key, card_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    const tender_host_services *host = config->host;
    if (!config->has_http) {
        reply->kind = CARD_REPLY_NOT_SENT;
        tender_copy_string(reply->message, sizeof reply->message,
                           "not sent: the host lends no http service (ABI 1.1)");
        return;
    }
    int post = strcmp(method, "POST") == 0;

    char url[CARD_ENDPOINT_MAX + 512];
    snprintf(url, sizeof url, "%s%s", config->endpoint, path);
    char authorization[CARD_KEY_MAX + 16];
    snprintf(authorization, sizeof authorization, "Bearer %s", config->secret_key);

    tender_http_header headers[5];
    size_t n = 0;
    headers[n++] = (tender_http_header){"Authorization", authorization};
    headers[n++] = (tender_http_header){"Accept", "application/json"};
    if (post) {
        headers[n++] = (tender_http_header){"Content-Type", "application/x-www-form-urlencoded"};
        if (idempotency_key && *idempotency_key)
            headers[n++] = (tender_http_header){"Idempotency-Key", idempotency_key};
    }
    tender_http_response res;
    uint32_t outcome = tender_http_exchange(host, config->method_id, method, url, headers, n,
                                            post && form ? form->str : NULL,
                                            post && form ? form->len : 0, &res);
    memset(authorization, 0, sizeof authorization);

    switch (outcome) {
    case TENDER_HTTP_RESPONSE:
        read_answer(&res, reply);
        break;
    case TENDER_HTTP_NOT_SENT:
        reply->kind = CARD_REPLY_NOT_SENT;
        tender_format_string(reply->message, sizeof reply->message, "not sent: %s", res.message);
        break;
    default:
        /* Anything the host does not call an answer or NOT_SENT may have
         * reached the gateway. */
        reply->kind = CARD_REPLY_UNKNOWN;
        tender_format_string(reply->message, sizeof reply->message,
                             "no answer from the gateway: %s", res.message);
        break;
    }
    tender_http_release(host, &res);
    if (reply->kind != CARD_REPLY_ANSWER)
        tender_log(host, TENDER_LOG_WARNING, config->method_id, "%s %s: %s", method, path,
                   reply->message);
}

int card_gateway_submit_page(const card_config *config, const char *url, const card_form *form,
                             char *message, size_t message_size)
{
    const tender_host_services *host = config->host;
    if (!config->has_http) {
        tender_copy_string(message, message_size, "the host lends no http service");
        return 0;
    }
    tender_http_header headers[] = {
        {"Content-Type", "application/x-www-form-urlencoded"},
        {"Accept", "text/html"},
    };
    tender_http_response res;
    int status = 0;
    if (tender_http_exchange(host, config->method_id, "POST", url, headers,
                             TENDER_N_ELEMENTS(headers), form->str, form->len,
                             &res) == TENDER_HTTP_RESPONSE)
        status = res.status;
    else
        tender_copy_string(message, message_size, res.message);
    tender_http_release(host, &res);
    return status;
}
