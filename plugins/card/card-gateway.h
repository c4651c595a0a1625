/* One exchange with the card gateway through the host's http service:
 * the request (bearer key, Idempotency-Key, form body) and the answer read
 * as JSON. The only place the secret key is used. Thread-safe: every call
 * works on its own card_reply. */
#ifndef CARD_GATEWAY_H
#define CARD_GATEWAY_H

#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include <tender/plugin.h>

#include "card-config.h"

/* What became of an exchange. */
typedef enum {
    CARD_REPLY_ANSWER = 1,   /* an answer with a JSON object body (any status) */
    CARD_REPLY_NOT_SENT = 2, /* nothing left the machine: safe to retry */
    CARD_REPLY_UNKNOWN = 3   /* sent; no usable answer (transport failure, an
                                answer that is not a JSON object) */
} card_reply_kind;

typedef struct {
    card_reply_kind kind;
    /* HTTP status when an answer came (also for UNKNOWN bodies). */
    int status;
    /* The answer's top-level object (owned by parser), NULL unless ANSWER. */
    JsonParser *parser;
    JsonObject *object;
    /* The "error" object of a 4xx/5xx answer (borrowed from object). */
    JsonObject *error;
    /* The answer said Idempotent-Replayed: true. */
    int replayed;
    /* Why, for logs and results, when not ANSWER (never a secret). */
    char message[256];
} card_reply;

/* A form body being built: `key=value` pairs, percent-encoded. */
typedef GString card_form;

card_form *card_form_new(void);
void card_form_add(card_form *form, const char *key, const char *value);
void card_form_add_int(card_form *form, const char *key, int64_t value);
/* Overwrite and free (the body may hold the card number). */
void card_form_free_secure(card_form *form);

/* Send METHOD (GET or POST) to endpoint + path, with form as the body of a
 * POST (may be NULL for an empty one) and idempotency_key as
 * Idempotency-Key (POST only; may be NULL). Fills *reply; always call
 * card_reply_clear afterwards. */
void card_gateway_call(const card_config *config, const char *method, const char *path,
                       const card_form *form, const char *idempotency_key, card_reply *reply);

void card_reply_clear(card_reply *reply);

/* POST form to a page of the gateway's (the 3-D Secure page at url, which
 * must lie under the endpoint), as the payer's browser submits it: no key,
 * redirects not followed. Returns the HTTP status of the answer, or 0 when
 * none came (why in message, message_size bytes). */
int card_gateway_submit_page(const card_config *config, const char *url, const card_form *form,
                             char *message, size_t message_size);

/* Readers of a JSON object that tolerate absent or mistyped members: a
 * string member (NULL), an integer member (fallback), an object member
 * (NULL). */
const char *card_json_string(JsonObject *object, const char *member);
int64_t card_json_int(JsonObject *object, const char *member, int64_t fallback);
JsonObject *card_json_object(JsonObject *object, const char *member);

#endif
