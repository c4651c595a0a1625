/* The plugin's PayPal REST client: every call goes through the host's
 * `http` service (ABI 1.1) to the method's `endpoint`, with an OAuth 2.0
 * access token from /v1/oauth2/token (client credentials), cached per
 * instance until it expires and fetched again after a 401. Answers are
 * classified the only ways an operation needs. Thread-safe. */
#ifndef PAYPAL_REST_H
#define PAYPAL_REST_H

#include <json-glib/json-glib.h>

#include <tender/plugin.h>

#include "paypal.h"

typedef enum {
    PAYPAL_REST_OK = 0,      /* 2xx; json holds the body (NULL for an empty one) */
    PAYPAL_REST_REFUSED,     /* PayPal refused: 4xx with its error body; issue set */
    PAYPAL_REST_NOT_SENT,    /* nothing left this machine */
    PAYPAL_REST_UNKNOWN,     /* sent, and no usable answer: 5xx, unparseable, timeout */
} PaypalRestStatus;

typedef struct {
    PaypalRestStatus status;
    int http_status;
    JsonNode *json;          /* owned; free with paypal_rest_reply_clear */
    /* PayPal's error: details[0].issue, else name (or OAuth's "error"). */
    char issue[64];
    /* A sentence for the result message (never a secret). */
    char message[200];
} PaypalRestReply;

/* Send method path (under the endpoint) with an optional JSON body and
 * PayPal-Request-Id. Fills reply; returns reply->status. */
PaypalRestStatus paypal_rest_call(PaypalInstance *inst, const char *method, const char *path,
                                  const char *json_body, const char *request_id,
                                  PaypalRestReply *reply);

/* GET an absolute URL without a token (the webhook certificate). The body
 * is copied into a new string (g_free) on a 200. */
PaypalRestStatus paypal_rest_get_url(PaypalInstance *inst, const char *url, char **body_out,
                                     char *message, size_t message_size);

void paypal_rest_reply_clear(PaypalRestReply *reply);

/* Forget the cached token (tests; after the credentials changed). */
void paypal_rest_forget_token(PaypalInstance *inst);

/* The object member path of reply->json ("purchase_units", "0", ...),
 * NULL-terminated; NULL when absent or not a string/object. */
const char *paypal_json_string(JsonNode *node, ...) G_GNUC_NULL_TERMINATED;
JsonObject *paypal_json_object(JsonNode *node, ...) G_GNUC_NULL_TERMINATED;

#endif
