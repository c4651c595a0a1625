/* The simulated card gateway: declarations shared by the files of
 * sandbox/card/ and by nothing else (every name starts with card_, and this
 * header is not installed nor included outside the module).
 *
 * The gateway follows Stripe's public API documentation for the subset
 * Tender uses (PaymentIntents, Refunds, Webhook endpoints, Events, Errors,
 * Idempotent requests, 3-D Secure, multicapture, test cards). It runs on
 * the frame's single GLib main loop, so nothing here locks and nothing is
 * thread-safe.
 *
 * Its whole memory is the JSON object sandbox_state(sb, "card"):
 *
 *   intents            id -> PaymentIntent as the API shows it, plus a
 *                      "_sandbox" member the API never shows (card facts,
 *                      the scenario its number selects, authorization time)
 *   charges            id -> Charge
 *   refunds            id -> Refund
 *   webhook_endpoints  id -> WebhookEndpoint (secret included)
 *   idempotency        key -> the first answer given for that key
 *   events, event_order the most recent Events, and their ids oldest first
 *
 * No full card number or security code is kept: a card is reduced to its
 * brand, last four digits, expiry and the test scenario it selects as soon
 * as the request is read. */
#ifndef TENDER_SANDBOX_CARD_H
#define TENDER_SANDBOX_CARD_H

#include "sandbox.h"

/* The test credentials (`tender-sandbox keys`, docs). */
#define CARD_SECRET_KEY "sk_test_51TenderSandbox0cardGatewayKey00000000"
#define CARD_PUBLISHABLE_KEY "pk_test_51TenderSandbox0cardGatewayKey00000000"
#define CARD_WEBHOOK_SECRET "whsec_tenderSandboxCardWebhookSecret000000"
#define CARD_3DS_CODE "123456"

/* An uncaptured authorization is canceled this long after it was made. */
#define CARD_LAPSE_MS ((gint64)7 * 24 * 3600 * 1000)

/* ---- One API call ---------------------------------------------------- */

/* What a handler sees of a request: the decoded parameters (a tree built
 * from the bracketed form names, see card_form_decode) and the clock. */
typedef struct CardCall {
    SandboxServer *sb;
    JsonObject *state;           /* sandbox_state(sb, "card") */
    JsonObject *params;          /* decoded body (POST) or query (GET); never NULL */
    const char *request_id;      /* "req_..." */
    const char *idempotency_key; /* NULL when the request had none */
    gint64 now_ms;               /* sandbox_now_ms */
} CardCall;

/* What a handler answers: an HTTP status and a JSON body (owned). */
typedef struct CardAnswer {
    guint status;
    JsonNode *body;
} CardAnswer;

/* An answer {"error": {type, code, message, param}} (code and param may be
 * NULL), and the same with the error object returned for the caller to add
 * members (decline_code, payment_intent, ...). */
CardAnswer card_error(guint status, const char *type, const char *code, const char *param,
                      const char *format, ...) G_GNUC_PRINTF(5, 6);
JsonObject *card_error_object(CardAnswer *answer);
CardAnswer card_ok(JsonObject *object); /* 200 with object (taken) */

/* The state's collection name ("intents", ...), created when absent. */
JsonObject *card_collection(JsonObject *state, const char *name);

/* Unix seconds of the sandbox clock, the unit of Stripe's timestamps. */
gint64 card_seconds(gint64 now_ms);

/* ---- Form parameters (sandbox-card-form.c) --------------------------- */

/* Decode an application/x-www-form-urlencoded text with Stripe's bracketed
 * nesting into a new object: a[b][c]=v gives {"a":{"b":{"c":"v"}}}, a[]=v
 * appends v to the array a, a[0]=v is the same as a[]=v in index order.
 * Every leaf is a string. NULL when the text is malformed (bad percent
 * escape, unbalanced bracket, a name used both as a value and a parent). */
JsonObject *card_form_decode(const char *text, gsize len);

/* A parameter by bracketed path, e.g. "payment_method_data[card][number]":
 * the string leaf, or NULL when absent or not a string. */
const char *card_param(JsonObject *params, const char *path);
/* The object at a path ("metadata"), or NULL. */
JsonObject *card_param_object(JsonObject *params, const char *path);
/* The strings of a list parameter ("expand", "enabled_events"): a[]=x
 * and a[0]=x forms; a NULL-terminated vector to g_strfreev, NULL when the
 * parameter is absent. */
char **card_param_list(JsonObject *params, const char *path);

/* A digest of the parameters (SHA-256 hex over a canonical text with
 * members sorted), for comparing idempotent requests without keeping them. */
char *card_params_fingerprint(const char *method, const char *path, JsonObject *params);

/* ---- Idempotent requests (sandbox-card-idempotency.c) ---------------- */

typedef enum {
    CARD_IDEMPOTENCY_NEW,      /* first use: run the request, then card_idempotency_save */
    CARD_IDEMPOTENCY_REPLAY,   /* *replay is the first answer */
    CARD_IDEMPOTENCY_CONFLICT, /* *replay is the idempotency_error answer */
} CardIdempotency;

CardIdempotency card_idempotency_check(CardCall *call, const char *fingerprint, CardAnswer *replay);
/* Keep the answer for the key (only answers a retry must see again:
 * Stripe keeps a result once the endpoint started executing, not a
 * refusal of the parameters). */
void card_idempotency_save(CardCall *call, const char *fingerprint, const CardAnswer *answer);

/* ---- Cards (sandbox-card-cards.c) ------------------------------------ */

/* What the test number selects. */
typedef enum {
    CARD_SCENARIO_APPROVE,
    CARD_SCENARIO_DECLINE,           /* card_declined with a decline_code */
    CARD_SCENARIO_ERROR,             /* another card error code, no decline_code */
    CARD_SCENARIO_CHALLENGE,         /* 3-D Secure challenge, then approve */
    CARD_SCENARIO_CHALLENGE_DECLINE, /* challenge, then card_declined */
    CARD_SCENARIO_FRICTIONLESS,      /* 3-D Secure without challenge, approve */
} CardScenario;

/* Read payment_method_data[card] and [billing_details] and reduce them to
 * the facts the gateway keeps (brand, last4, exp_month, exp_year, funding,
 * scenario, decline code...) as a new object for the intent's "_sandbox"
 * member. On a problem return NULL and set *refusal: a 400 for a missing
 * or malformed parameter, a 402 card_error for a card the gateway refuses
 * before asking the issuer (incorrect_number, invalid_expiry_month,
 * invalid_expiry_year, invalid_cvc). An expired card is not refused here:
 * that is decided at confirmation against the clock. */
JsonObject *card_read_payment_method(CardCall *call, CardAnswer *refusal);

/* Is the card's expiry month over at now_ms (UTC)? */
gboolean card_is_expired(JsonObject *facts, gint64 now_ms);

/* The Stripe message of a card error code ("Your card was declined."). */
const char *card_error_message(const char *code, const char *decline_code);

/* Is currency (lower-case ISO 4217) one the gateway knows? */
gboolean card_currency_known(const char *currency);

/* ---- Payment intents (sandbox-card-intents.c) ------------------------ */

CardAnswer card_intent_create(CardCall *call);
CardAnswer card_intent_retrieve(CardCall *call, const char *id);
CardAnswer card_intent_confirm(CardCall *call, const char *id);
CardAnswer card_intent_capture(CardCall *call, const char *id);
CardAnswer card_intent_cancel(CardCall *call, const char *id);

/* The stored intent, with the lapse applied first; NULL when unknown. */
JsonObject *card_intent_lookup(CardCall *call, const char *id);
/* The intent as the API shows it (a new object without "_sandbox"),
 * latest_charge expanded when expand lists "latest_charge". */
JsonObject *card_intent_public(CardCall *call, JsonObject *intent, char **expand);

/* ---- Charges (sandbox-card-charges.c) -------------------------------- */

/* Make the charge of one confirmation attempt of intent (stored, and set
 * as its latest_charge): succeeded when code is NULL, else failed with
 * code and decline_code; three_d_secure is the authentication result or
 * NULL when none ran. Returns the stored charge (borrowed). */
JsonObject *card_charge_new(CardCall *call, JsonObject *intent, const char *code,
                            const char *decline_code, const char *three_d_secure);

/* GET /v1/charges/{id}. */
CardAnswer card_charge_retrieve(CardCall *call, const char *id);

/* The intent's latest charge (borrowed), or NULL. */
JsonObject *card_intent_charge(CardCall *call, JsonObject *intent);

/* After 3-D Secure: complete (authenticated) or fail the challenged
 * intent, moving it on as its card's scenario says. */
void card_intent_authenticated(CardCall *call, JsonObject *intent, gboolean passed);

/* Cancel every authorization older than CARD_LAPSE_MS. */
void card_intents_lapse_all(SandboxServer *sb);

/* ---- Refunds (sandbox-card-refunds.c) -------------------------------- */

CardAnswer card_refund_create(CardCall *call);
CardAnswer card_refund_retrieve(CardCall *call, const char *id);

/* ---- 3-D Secure page (sandbox-card-3ds.c) ---------------------------- */

/* GET shows the code form, POST checks the code. path is /card/3ds/<id>. */
void card_3ds_page(SandboxServer *sb, SoupServerMessage *msg, const char *intent_id);

/* ---- Webhook endpoints and events (sandbox-card-events.c) ------------ */

CardAnswer card_webhook_endpoint_create(CardCall *call);
CardAnswer card_webhook_endpoint_retrieve(CardCall *call, const char *id);
CardAnswer card_webhook_endpoint_list(CardCall *call);
CardAnswer card_webhook_endpoint_delete(CardCall *call, const char *id);

/* Register url (once: an endpoint with that url is kept) for every event,
 * with the fixed test secret. */
void card_webhook_endpoint_ensure(SandboxServer *sb, const char *url);

/* Post an event of type about object (copied) to every enabled endpoint
 * that subscribed to it, signed with the endpoint's secret. */
void card_event_emit(CardCall *call, const char *type, JsonObject *object);

/* GET /v1/events/{id} and GET /v1/events (type, limit, starting_after;
 * newest first) over the most recent events, kept in the state. */
CardAnswer card_event_retrieve(CardCall *call, const char *id);
CardAnswer card_event_list(CardCall *call);

/* Stripe-Signature value for body at unix time t with secret (new). */
char *card_signature_header(const char *secret, gint64 t, const char *body, gsize len);

#endif
