/* The simulated PayPal REST API inside tender-sandbox: what its files share.
 *
 * Written from PayPal's published OpenAPI documents (Orders v2, Payments
 * v2, Webhooks v1, github.com/paypal/paypal-rest-api-specifications) and
 * ../shared/METHODS.md, never from the Tender plugin. Everything runs on
 * the sandbox's one main loop (see sandbox.h): nothing here locks.
 *
 * State: sandbox_state(sb, "paypal") holds one object per kind of record
 * ("tokens", "orders", "authorizations", "captures", "refunds",
 * "webhooks", "replays"), each mapping an id to a JSON object. Amounts are
 * kept in minor units of PayPal's decimals for the currency (integers), so
 * the 115% rule and refund totals are exact. */
#ifndef TENDER_SANDBOX_PAYPAL_INTERNAL_H
#define TENDER_SANDBOX_PAYPAL_INTERNAL_H

#include "../sandbox.h"

#define PAYPAL_PROVIDER "paypal"

/* The one REST app the sandbox knows (test credentials, printed by
 * `tender-sandbox keys`). */
#define PAYPAL_CLIENT_ID "tender-sandbox-paypal-client"
#define PAYPAL_CLIENT_SECRET "tender-sandbox-paypal-secret"

/* Access tokens live as long as PayPal says they do (expires_in). */
#define PAYPAL_TOKEN_LIFETIME_S 32400

/* PayPal's clocks, in seconds before --time-scale divides them: an order
 * must be completed within 3 hours, an authorization is honoured for 3
 * days and valid for 29, a capture can be refunded for 180 days, a
 * pending capture clears after a minute. */
#define PAYPAL_ORDER_LIFETIME_S (3 * 3600)
#define PAYPAL_HONOR_PERIOD_S (3 * 86400)
#define PAYPAL_AUTHORIZATION_VALIDITY_S (29 * 86400)
#define PAYPAL_REFUND_WINDOW_S (180 * 86400)
#define PAYPAL_PENDING_CLEARS_S 60

/* ---- Money (sandbox-paypal-money.c) ---------------------------------- */

typedef struct PaypalCurrency {
    const char *code;
    int decimals;            /* PayPal's, not ISO 4217's: 0 for HUF, JPY, TWD */
    gint64 maximum_minor;    /* typical per-transaction maximum; 0: none */
    const char *home_country; /* in-country only: the payer's country */
} PaypalCurrency;

/* The currency PayPal accepts under that code, or NULL. */
const PaypalCurrency *paypal_currency_find(const char *code);

typedef enum {
    PAYPAL_AMOUNT_OK,
    PAYPAL_AMOUNT_SYNTAX,        /* not a decimal number */
    PAYPAL_AMOUNT_NO_DECIMALS,   /* a fraction in a currency without decimals */
    PAYPAL_AMOUNT_PRECISION,     /* more than two decimals */
    PAYPAL_AMOUNT_NOT_POSITIVE,
} PaypalAmountCheck;

/* Read PayPal's "value" string into minor units of currency. */
PaypalAmountCheck paypal_amount_parse(const PaypalCurrency *currency, const char *value,
                                      gint64 *minor_out);

/* The "value" string for minor units (free with g_free). */
char *paypal_amount_format(const PaypalCurrency *currency, gint64 minor);

/* {"currency_code": ..., "value": ...} as a new node. */
JsonNode *paypal_money_node(const char *currency_code, gint64 minor);

/* The most all captures of an authorization of authorized_minor may total:
 * 115% (rounded down), and for USD at most 75.00 above it. */
gint64 paypal_capture_ceiling(const PaypalCurrency *currency, gint64 authorized_minor);

/* ---- Shared plumbing (sandbox-paypal.c) ------------------------------- */

/* Answer with PayPal's error body: {"name", "message", "debug_id",
 * "details": [{"issue", "description", "field"?}], "links"}. issue may be
 * NULL (no details). */
void paypal_respond_error(SoupServerMessage *msg, guint status, const char *name,
                          const char *issue, const char *description, const char *field);

/* The common shapes: 404 RESOURCE_NOT_FOUND / INVALID_RESOURCE_ID, 422
 * UNPROCESSABLE_ENTITY with one issue, 400 INVALID_REQUEST with one issue. */
void paypal_respond_not_found(SoupServerMessage *msg);
void paypal_respond_unprocessable(SoupServerMessage *msg, const char *issue,
                                  const char *description);
void paypal_respond_invalid(SoupServerMessage *msg, const char *issue, const char *description,
                            const char *field);

/* Answer with a JSON object (NULL: an empty body, as for 204), recording
 * the answer for PayPal-Request-Id replays when the request carried one.
 * Takes nothing. */
void paypal_respond_object(SoupServerMessage *msg, guint status, JsonObject *object);

/* The record table `kind` of the state ("orders", ...), created on first
 * use. */
JsonObject *paypal_table(SandboxServer *sb, const char *kind);

/* The request body parsed as a JSON object (new reference), or NULL after
 * answering 400 MALFORMED_REQUEST_JSON. An empty body gives an empty
 * object. */
JsonObject *paypal_request_object(SoupServerMessage *msg);

/* Time as PayPal writes it: "2026-12-02T01:08:17Z" (free with g_free). */
char *paypal_time_text(gint64 unix_ms);

/* A scaled period in milliseconds (seconds divided by --time-scale). */
gint64 paypal_period_ms(SandboxServer *sb, gint64 seconds);

/* A PayPal-style resource id: 17 upper-case letters and digits. */
char *paypal_new_resource_id(void);

/* A member of a merchant's JSON, read without trusting its type: the
 * string (or boolean) when the member is one, else NULL (or fallback).
 * object may be NULL. */
const char *paypal_json_text(JsonObject *object, const char *name);
gboolean paypal_json_flag(JsonObject *object, const char *name, gboolean fallback);

/* A HATEOAS link object. */
JsonNode *paypal_link(const char *href, const char *rel, const char *method);

/* ---- OAuth (sandbox-paypal-oauth.c) ----------------------------------- */

void paypal_handle_token(SandboxServer *sb, SoupServerMessage *msg);

/* TRUE when the request carries a live bearer token; otherwise answers
 * 401 AUTHENTICATION_FAILURE and returns FALSE. */
gboolean paypal_require_bearer(SandboxServer *sb, SoupServerMessage *msg);

/* ---- Orders and the payer's page (sandbox-paypal-orders.c) ------------ */

/* path is what follows "/v2/checkout/orders" ("", "/ID", "/ID/capture"). */
void paypal_handle_orders(SandboxServer *sb, SoupServerMessage *msg, const char *path);
/* GET shows the approval form, POST applies the payer's choice. */
void paypal_handle_checkout_page(SandboxServer *sb, SoupServerMessage *msg);

/* The order as PayPal shows it (new node). */
JsonNode *paypal_order_render(SandboxServer *sb, JsonObject *order);

/* The order with that id (owned by the state), or NULL. */
JsonObject *paypal_order_find(SandboxServer *sb, const char *id);

/* The test payer an order's payer is, by the local part of the e-mail
 * address: "declined", "refused", "payer-action", "pending", or "" for
 * every other payer, who simply pays. */
const char *paypal_order_payer_kind(JsonObject *order);

/* ---- Payments (sandbox-paypal-payments.c) ----------------------------- */

/* path is what follows "/v2/payments". */
void paypal_handle_payments(SandboxServer *sb, SoupServerMessage *msg, const char *path);

/* Create the authorization of an approved AUTHORIZE order; returns the
 * stored record (owned by the state). */
JsonObject *paypal_authorization_create(SandboxServer *sb, JsonObject *order, gint64 minor,
                                        const char *parent_id);
/* Create a capture (COMPLETED, or PENDING for the pending test payer) of
 * amount minor against an order or an authorization. */
JsonObject *paypal_capture_create(SandboxServer *sb, JsonObject *order,
                                  const char *authorization_id, gint64 minor,
                                  gboolean final_capture);

JsonNode *paypal_authorization_render(SandboxServer *sb, JsonObject *authorization);
JsonNode *paypal_capture_render(SandboxServer *sb, JsonObject *capture);
JsonNode *paypal_refund_render(SandboxServer *sb, JsonObject *refund);

/* Clear pending captures whose time has come (completing them and
 * sending PAYMENT.CAPTURE.COMPLETED). Called before any read. */
void paypal_settle_pending(SandboxServer *sb);

/* ---- Webhooks (sandbox-paypal-webhooks.c) ----------------------------- */

/* path is what follows "/v1/notifications". */
void paypal_handle_notifications(SandboxServer *sb, SoupServerMessage *msg, const char *path);
/* GET /paypal/v1/notifications/certs/<name>: the signing certificate. */
void paypal_handle_cert(SoupServerMessage *msg, const char *name);

/* Send event_type about resource (a node, copied) to every webhook that
 * listens for it, signed as PayPal signs. */
void paypal_emit_event(SandboxServer *sb, const char *event_type, const char *resource_type,
                       const char *summary, JsonNode *resource);

/* The webhook id registered for url, registering it if needed. */
const char *paypal_webhook_ensure(SandboxServer *sb, const char *url);

/* CRC-32 (IEEE 802.3, as zlib computes it). */
guint32 paypal_crc32(const void *data, gsize len);

/* ---- Keys (sandbox-paypal-keys.c) ------------------------------------- */

/* PEM texts compiled in from sandbox/paypal/keys/ (NUL-terminated, static). */
const char *paypal_key_ca_pem(void);
const char *paypal_key_webhook_cert_pem(void);
const char *paypal_key_webhook_private_pem(void);

/* The name under which the certificate is served. */
#define PAYPAL_CERT_NAME "CERT-360caa42-fca2a594-tendersandbox01"

#endif
