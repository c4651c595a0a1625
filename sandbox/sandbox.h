/* tender-sandbox: the shared frame every simulated provider plugs into.
 *
 * One program simulates the four providers under one base URL, each under
 * its own path prefix (/card, /alipay, /paypal, /webmoney). This header is
 * the contract between the frame (sandbox-main.c, sandbox-server.c,
 * sandbox-state.c, sandbox-notify.c, sandbox-faults.c, sandbox-pages.c,
 * sandbox-config.c) and each provider module (sandbox-<provider>*.c).
 *
 * Everything runs on the one GLib main loop of the process: handlers,
 * timers and notification deliveries. No locking is needed and none of
 * these functions is thread-safe.
 *
 * A provider module is written from the provider's documentation and
 * official SDKs (../shared/METHODS.md names them), never from a Tender
 * plugin's code: the sandbox links neither libtender-sdk nor its helper
 * library, so a plugin and the sandbox cannot agree on the same mistake in
 * canonicalisation or signing. */
#ifndef TENDER_SANDBOX_H
#define TENDER_SANDBOX_H

#include <stdio.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

typedef struct SandboxServer SandboxServer;

/* ---- Provider modules ------------------------------------------------ */

/* One simulated provider. The frame calls, in this order: install (once,
 * after the state was loaded, before the server accepts connections), then
 * write_settings (only with --config-out) and print_keys (only for the
 * `keys` subcommand, where install is not called). */
typedef struct SandboxProvider {
    const char *name;   /* "card": also the Tender method id it serves */
    const char *prefix; /* "/card": every path it answers lies under it */
    /* Register handlers with sandbox_add_handler. */
    void (*install)(SandboxServer *sb);
    /* Add this provider's Tender settings for a config pointed at this
     * sandbox (endpoint, credentials, mode) to settings, an object the
     * frame then places at methods.<name>.settings. */
    void (*write_settings)(SandboxServer *sb, JsonObject *settings);
    /* Print the provider's test keys and credentials, for an operator
     * writing a config by hand (`tender-sandbox keys`). */
    void (*print_keys)(FILE *out);
} SandboxProvider;

/* The four providers (defined in their modules). */
extern const SandboxProvider sandbox_card_provider;
extern const SandboxProvider sandbox_alipay_provider;
extern const SandboxProvider sandbox_paypal_provider;
extern const SandboxProvider sandbox_webmoney_provider;

/* ---- Serving ---------------------------------------------------------- */

/* Route every request whose path starts with path (a provider's prefix or
 * a longer path under it) to handler. The frame applies the configured
 * faults (latency, drop after receiving, 5xx) before the handler runs, so
 * handlers never see them. */
void sandbox_add_handler(SandboxServer *sb, const char *path, SoupServerCallback handler,
                         gpointer user_data);

/* The base URL clients reach, "http://127.0.0.1:PORT" (no trailing
 * slash). Owned by sb. */
const char *sandbox_base_url(SandboxServer *sb);

/* The sandbox's TLS files, when it speaks TLS (--tls-dir, or --tls-cert,
 * --tls-key and --client-ca). Every member may be NULL. */
typedef struct SandboxTls {
    const char *cert_file; /* the server's certificate (PEM) */
    const char *key_file;  /* its key */
    const char *client_ca; /* the CA client certificates must come from */
    const char *ca_file;   /* what a client trusts to reach this server */
    /* With --tls-dir: that directory, and the key of client_ca, with which
     * a provider issues its test merchant's client certificate there
     * (sandbox-pki.h) at install. */
    const char *dir;
    const char *ca_key;
} SandboxTls;

/* This sandbox's TLS files (members NULL when plain HTTP). */
const SandboxTls *sandbox_tls(SandboxServer *sb);

/* The identity a request's TLS client certificate proves: the common name
 * of a certificate that the client presented, that was issued by the
 * --client-ca and that is inside its validity period. NULL (error set,
 * a message for the log) when there is none, or it is untrusted, expired
 * or not yet valid. Free with g_free. */
char *sandbox_client_identity(SandboxServer *sb, SoupServerMessage *msg, GError **error);

/* Current time of the simulated providers, in Unix milliseconds: the real
 * clock plus the offset a test set through POST /_sandbox/clock
 * ({"advance_seconds": N}); `tender --now` moves Tender's clock, not the
 * providers'. */
gint64 sandbox_now_ms(SandboxServer *sb);

/* --webhook-base URL, or NULL: where a Tender service receives provider
 * notifications (URL + "/v1/webhooks/<method>"). write_settings uses it for
 * the notify / result / webhook URL settings it writes. Owned by sb. */
const char *sandbox_webhook_base(SandboxServer *sb);

/* The --time-scale factor (default 1): the frame divides notification
 * retry delays by it; providers divide any other waiting they simulate
 * (a trade's unpaid timeout, an honor period) by it too. */
double sandbox_time_scale(SandboxServer *sb);

/* ---- Persistent state -------------------------------------------------- */

/* The provider's state: a JSON object owned by sb that the provider reads
 * and changes freely (orders, trades, holds, refunds, idempotency
 * records, balances). It lives as long as the process; with --state FILE
 * it is loaded at start and saved after every request that called
 * sandbox_state_changed, so `tender pay` and a later `tender capture`
 * from two processes meet the same provider. */
JsonObject *sandbox_state(SandboxServer *sb, const char *provider);
void sandbox_state_changed(SandboxServer *sb);

/* A fresh identifier: prefix followed by 24 random [0-9A-Za-z]
 * characters (g_random is fine here: these are test ids). Free with
 * g_free. */
char *sandbox_new_id(const char *prefix);

/* ---- Asynchronous notifications --------------------------------------- */

/* Does this answer from the merchant end the delivery? (Alipay wants the
 * body "success", PayPal and the card gateway any 2xx, ...) */
typedef gboolean (*SandboxAcceptFn)(guint status, const char *body, gsize len);

/* Sets the headers one attempt of a notification carries that the
 * provider computes per attempt, such as a signature over a timestamp
 * (Stripe-Signature "t=<now>,v1=..."; a PayPal transmission's id, time and
 * signature; a provider that signs a nonce). Called just before every
 * attempt is posted: the first, each retry and a duplicate, attempt
 * counting from 1. The body is the notification's, unchanged between
 * attempts. The function replaces what it sets in headers
 * (soup_message_headers_replace), which already hold the notification's
 * fixed headers; a header it sets wins over a fixed one of the same name.
 * Runs on the main loop, like everything in the sandbox. */
typedef void (*SandboxAttemptHeadersFn)(SandboxServer *sb, guint attempt, const char *body,
                                        gsize body_len, SoupMessageHeaders *headers,
                                        gpointer data);

typedef struct SandboxNotification {
    const char *provider;     /* for the log and the fault settings */
    const char *url;          /* where the merchant asked to be told */
    const char *content_type; /* "application/x-www-form-urlencoded", ... */
    const char *body;
    gsize body_len;
    /* Extra request headers (name, value pairs; NULL-terminated), e.g.
     * Stripe-Signature or the PAYPAL-* transmission headers. */
    const char *const *headers;
    SandboxAcceptFn accepted;
    /* The provider's documented retry schedule: delays in seconds between
     * attempts (delays[0] before the first retry), n_delays entries. The
     * frame divides them by --time-scale. */
    const double *delays;
    guint n_delays;
    /* Appended (the members above are unchanged). Optional: headers to
     * compute afresh for every attempt (see SandboxAttemptHeadersFn); NULL
     * sends the fixed headers alone on every attempt, as before. A provider
     * that signs each attempt must use it: a retry that resent the first
     * attempt's signature would carry a stale timestamp, which a merchant
     * checking the tolerance rightly refuses.
     *
     * attempt_data is handed to attempt_headers and, unlike the members
     * above, not copied: the frame takes it over, and frees it with
     * attempt_data_free (may be NULL) when the delivery ends, also when
     * the notification is not sent at all. card (sandbox-card-events.c)
     * signs its events this way; alipay, paypal and webmoney sign once
     * per notification today, and their providers' documents say which
     * fields a retry changes (PayPal's transmission id and time, Alipay's
     * notify_time and notify_id): each moves them into the callback when
     * its simulation follows that rule. */
    SandboxAttemptHeadersFn attempt_headers;
    gpointer attempt_data;
    GDestroyNotify attempt_data_free;
} SandboxNotification;

/* Queue a notification: the frame copies everything, posts it at once
 * (unless a fault delays or reorders it), and retries on the schedule
 * until an attempt is accepted or the schedule runs out. With the
 * duplicate fault on, an accepted notification is delivered once more. */
void sandbox_notify(SandboxServer *sb, const SandboxNotification *n);

/* ---- Pages ------------------------------------------------------------- */

/* Answer msg with a minimal, accessible HTML page: title, a body written
 * by the caller (already HTML), UTF-8, no scripts. */
void sandbox_page_respond(SoupServerMessage *msg, guint status, const char *title,
                          const char *body_html);

/* HTML-escape text for a page (g_markup_escape_text). Free with g_free. */
char *sandbox_html_escape(const char *text);

/* ---- Answers ------------------------------------------------------------ */

/* Answer msg with a body of the given content type (copied). */
void sandbox_respond(SoupServerMessage *msg, guint status, const char *content_type,
                     const char *body, gsize len);

/* Answer msg with the JSON node (serialised compactly, not taken). */
void sandbox_respond_json(SoupServerMessage *msg, guint status, JsonNode *node);

/* The request body as a NUL-terminated string (borrowed from msg). */
const char *sandbox_request_body(SoupServerMessage *msg, gsize *len);

/* Decode an application/x-www-form-urlencoded request body (or query
 * string) into a new table of name -> value (both owned by the table);
 * NULL when it is malformed. */
GHashTable *sandbox_form_decode(const char *text, gsize len);

/* Log one line to standard error, prefixed with the provider's name.
 * Secrets and card numbers must not be passed in full. */
void sandbox_log(const char *provider, const char *format, ...) G_GNUC_PRINTF(2, 3);

#endif
