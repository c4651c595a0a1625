/* The payments service's side of the ledger, above the backend
 * (ledger-backend.h): the outbox event of a payment state change
 * (ledger_event_add, on the payment path) and the public host API over API
 * keys, webhook endpoints, events, deliveries and kept responses
 * (tender.h). What is stored and how is the backend's; what is checked,
 * generated and hashed is here. */
#include "ledger-service.h"

#include <string.h>
#include <sys/random.h>

#include <tender/money.h>

#include "host-private.h"
#include "ids.h"
#include "json-text.h"

/* n bytes from the kernel's CSPRNG. */
static void fill_random(guint8 *bytes, gsize n)
{
    for (gsize done = 0; done < n;) {
        ssize_t got = getrandom(bytes + done, n - done, 0);
        if (got < 0)
            g_error("getrandom failed: no cryptographic randomness; stopping");
        done += (gsize)got;
    }
}

/* prefix and 2*n hex digits of n bytes from the kernel's CSPRNG. */
static char *random_token(const char *prefix, gsize n)
{
    guint8 bytes[32];
    g_assert(n <= sizeof bytes);
    fill_random(bytes, n);
    static const char hex[] = "0123456789abcdef";
    gsize prefix_len = strlen(prefix);
    char *out = g_malloc(prefix_len + 2 * n + 1);
    memcpy(out, prefix, prefix_len);
    for (gsize i = 0; i < n; i++) {
        out[prefix_len + 2 * i] = hex[bytes[i] >> 4];
        out[prefix_len + 2 * i + 1] = hex[bytes[i] & 0xf];
    }
    out[prefix_len + 2 * n] = '\0';
    explicit_bzero(bytes, sizeof bytes);
    return out;
}

static char *sha256_hex(const char *text)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
}

/* Equal strings of equal length, in time that depends only on the length. */
static gboolean equal_constant_time(const char *a, const char *b)
{
    gsize n = strlen(a);
    if (n != strlen(b))
        return FALSE;
    guint8 diff = 0;
    for (gsize i = 0; i < n; i++)
        diff |= (guint8)a[i] ^ (guint8)b[i];
    return diff == 0;
}

static gint64 wall_ms(void)
{
    return g_get_real_time() / 1000;
}

/* A unit on the host's ledger, which a host always has once created. */
static LedgerUnit *begin(TenderHost *host, LedgerUnitMode mode, GError **error)
{
    if (host->ledger == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "the host has no ledger");
        return NULL;
    }
    return host->ledger->backend->begin(host->ledger, mode, error);
}

/* Roll back, or commit when ok; the combined verdict. */
static gboolean end(LedgerUnit *unit, gboolean ok, GError **error)
{
    if (!ok) {
        ledger_rollback(unit);
        return FALSE;
    }
    return ledger_commit(unit, error);
}

/* ---- the outbox, from inside a payment transaction ------------------------ */

/* The event body is written directly rather than through a JsonBuilder:
 * it is made in the unit of every state change, and json-glib's tree of
 * nodes and objects cost a fifth of an in-memory authorization (callgrind:
 * ~100 k instructions a payment, against ~5 k here). The writer
 * (json-text/json-text.h) prints what json_to_string() gives for the same
 * tree, compact; tests parse it back with json-glib. */

/* An empty text is written as null, as a missing one. */
static void ledger_event_string(JsonTextWriter *w, const char *name, const char *value)
{
    json_text_string(w, name, value && value[0] ? value : NULL);
}

static void ledger_event_money(JsonTextWriter *w, const char *name, const TenderPayment *p,
                               gint64 minor)
{
    g_autofree char *text = tender_money_format(minor, p->currency, p->exponent);
    ledger_event_string(w, name, text);
}

/* The document an event delivers: fixed when the event is written, so that
 * every delivery of one event sends the same bytes. */
static char *event_body(const char *event_id, const char *type, const TenderPayment *p,
                        TenderStatus old_status, gint64 now_ms)
{
    GString *out = g_string_sized_new(512);
    JsonTextWriter w;
    json_text_writer_init(&w, out, FALSE);
    json_text_begin_object(&w, NULL);
    ledger_event_string(&w, "id", event_id);
    ledger_event_string(&w, "type", type);
    json_text_int(&w, "created", now_ms / 1000);
    json_text_begin_object(&w, "data");
    json_text_begin_object(&w, "payment");
    ledger_event_string(&w, "id", p->id);
    ledger_event_string(&w, "method", p->method);
    ledger_event_string(&w, "status", tender_status_to_string(p->status));
    ledger_event_string(&w, "previous_status", tender_status_to_string(old_status));
    ledger_event_money(&w, "amount", p, p->amount);
    ledger_event_string(&w, "currency", p->currency);
    ledger_event_money(&w, "captured", p, p->captured);
    ledger_event_money(&w, "refunded", p, p->refunded);
    ledger_event_string(&w, "account", p->account);
    ledger_event_string(&w, "processor_reference", p->processor_ref);
    json_text_end_object(&w);
    json_text_end_object(&w);
    json_text_end_object(&w);
    return g_string_free(out, FALSE);
}

gboolean ledger_event_add(LedgerUnit *unit, const TenderPayment *p, TenderStatus old_status,
                          gint64 now_ms, GError **error)
{
    if (old_status == p->status)
        return TRUE;
    g_autofree char *type = g_strdup_printf("payment.%s", tender_status_to_string(p->status));
    return ledger_event_add_typed(unit, p, old_status, type, now_ms, error);
}

gboolean ledger_event_add_typed(LedgerUnit *unit, const TenderPayment *p, TenderStatus old_status,
                                const char *type, gint64 now_ms, GError **error)
{
    guint8 random[IDS_RANDOM_BYTES];
    fill_random(random, sizeof random);
    g_autofree char *id = ids_ordered("evt_", random);
    g_autofree char *body = event_body(id, type, p, old_status, now_ms);
    TenderEvent event = {
        .id = id, .type = (char *)type, .payment_id = p->id, .body = body, .created_ms = now_ms};
    /* Deliveries are due at once: their clock is the wall clock, whatever
     * clock the host runs payments on. */
    return LEDGER_OP(unit)->event_insert(unit, &event, wall_ms(), error);
}

/* ---- API keys --------------------------------------------------------------- */

const char *tender_api_scope_to_string(TenderApiScope scope)
{
    switch (scope) {
    case TENDER_API_SCOPE_READ:
        return "read";
    case TENDER_API_SCOPE_WRITE:
        return "write";
    }
    return NULL;
}

gboolean tender_api_scope_from_string(const char *name, TenderApiScope *out)
{
    if (g_strcmp0(name, "read") == 0)
        *out = TENDER_API_SCOPE_READ;
    else if (g_strcmp0(name, "write") == 0)
        *out = TENDER_API_SCOPE_WRITE;
    else
        return FALSE;
    return TRUE;
}

void tender_api_key_free(TenderApiKey *key)
{
    if (key == NULL)
        return;
    g_free(key->id);
    g_free(key->name);
    g_free(key);
}

TenderApiKey *tender_host_api_key_create(TenderHost *host, const char *name, TenderApiScope scope,
                                         char **secret_out, GError **error)
{
    g_return_val_if_fail(host != NULL && secret_out != NULL, NULL);
    if (name == NULL || name[0] == '\0' || tender_api_scope_to_string(scope) == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "an API key needs a name and a scope (read or write)");
        return NULL;
    }
    TenderApiKey *key = g_new0(TenderApiKey, 1);
    key->id = random_token("key_", 8);
    key->name = g_strdup(name);
    key->scope = scope;
    key->created_ms = wall_ms();
    char *secret = random_token("tsk_", 32);
    g_autofree char *digest = sha256_hex(secret);
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        goto fail;
    gboolean ok = LEDGER_OP(unit)->api_key_insert(unit, key, digest, error);
    if (!end(unit, ok, error))
        goto fail;
    *secret_out = secret;
    return key;
fail:
    explicit_bzero(secret, strlen(secret));
    g_free(secret);
    tender_api_key_free(key);
    return NULL;
}

GPtrArray *tender_host_api_keys(TenderHost *host, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_READ, error);
    if (unit == NULL)
        return NULL;
    GPtrArray *out = LEDGER_OP(unit)->api_keys(unit, error);
    ledger_rollback(unit);
    return out;
}

gboolean tender_host_api_key_revoke(TenderHost *host, const char *key_id, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        return FALSE;
    return end(unit, LEDGER_OP(unit)->api_key_revoke(unit, key_id, wall_ms(), error), error);
}

TenderApiKey *tender_host_api_key_verify(TenderHost *host, const char *secret, GError **error)
{
    if (secret == NULL || secret[0] == '\0') {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no API key given");
        return NULL;
    }
    /* Looked up by digest: what leaks through timing is where a digest of
     * the presented secret sits in an index, which says nothing about any
     * valid secret. The row's digest is then compared in constant time. */
    g_autofree char *digest = sha256_hex(secret);
    LedgerUnit *unit = begin(host, LEDGER_UNIT_READ, error);
    if (unit == NULL)
        return NULL;
    g_autofree char *stored = NULL;
    GError *local = NULL;
    TenderApiKey *key = LEDGER_OP(unit)->api_key_by_digest(unit, digest, &stored, &local);
    ledger_rollback(unit);
    if (local) {
        g_propagate_error(error, local);
        return NULL;
    }
    if (key && !(stored && equal_constant_time(stored, digest) && key->revoked_ms == 0))
        g_clear_pointer(&key, tender_api_key_free);
    if (key == NULL)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND,
                    "the API key is not valid (unknown or revoked)");
    return key;
}

/* ---- webhook endpoints ------------------------------------------------------ */

void tender_webhook_endpoint_free(TenderWebhookEndpoint *endpoint)
{
    if (endpoint == NULL)
        return;
    g_free(endpoint->id);
    g_free(endpoint->url);
    g_free(endpoint->events);
    g_free(endpoint);
}

/* "*", or comma-separated "payment.<status>" names: normalised without
 * spaces; NULL (error set) for an unknown type. */
static char *normalise_event_types(const char *events, GError **error)
{
    if (events == NULL || events[0] == '\0' || strcmp(events, "*") == 0)
        return g_strdup("*");
    g_auto(GStrv) parts = g_strsplit(events, ",", -1);
    GString *out = g_string_new(NULL);
    for (gsize i = 0; parts[i]; i++) {
        char *type = g_strstrip(parts[i]);
        TenderStatus status;
        if (strcmp(type, LEDGER_EVENT_REAUTHORIZED) != 0 &&
            (!g_str_has_prefix(type, "payment.") ||
             !tender_status_from_string(type + strlen("payment."), &status))) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "unknown event type '%s' (expected payment.<status>, e.g. "
                        "payment.captured, payment.reauthorized, or *)",
                        type);
            g_string_free(out, TRUE);
            return NULL;
        }
        g_string_append_printf(out, "%s%s", out->len ? "," : "", type);
    }
    return g_string_free(out, FALSE);
}

TenderWebhookEndpoint *tender_host_webhook_endpoint_add(TenderHost *host, const char *url,
                                                        const char *events, char **secret_out,
                                                        GError **error)
{
    g_return_val_if_fail(host != NULL && secret_out != NULL, NULL);
    g_autoptr(GUri) uri = url ? g_uri_parse(url, G_URI_FLAGS_NONE, NULL) : NULL;
    if (uri == NULL ||
        (g_strcmp0(g_uri_get_scheme(uri), "http") != 0 &&
         g_strcmp0(g_uri_get_scheme(uri), "https") != 0) ||
        g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0') {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "a webhook endpoint needs an absolute http or https URL");
        return NULL;
    }
    g_autofree char *types = normalise_event_types(events, error);
    if (types == NULL)
        return NULL;
    TenderWebhookEndpoint *e = g_new0(TenderWebhookEndpoint, 1);
    e->id = random_token("we_", 8);
    e->url = g_strdup(url);
    e->events = g_steal_pointer(&types);
    e->created_ms = wall_ms();
    char *secret = random_token("whsec_", 32);
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    gboolean ok = unit != NULL;
    if (ok)
        ok = end(unit, LEDGER_OP(unit)->webhook_endpoint_insert(unit, e, secret, error), error);
    if (!ok) {
        explicit_bzero(secret, strlen(secret));
        g_free(secret);
        tender_webhook_endpoint_free(e);
        return NULL;
    }
    *secret_out = secret;
    return e;
}

GPtrArray *tender_host_webhook_endpoints(TenderHost *host, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_READ, error);
    if (unit == NULL)
        return NULL;
    GPtrArray *out = LEDGER_OP(unit)->webhook_endpoints(unit, error);
    ledger_rollback(unit);
    return out;
}

gboolean tender_host_webhook_endpoint_remove(TenderHost *host, const char *endpoint_id,
                                             GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        return FALSE;
    return end(unit, LEDGER_OP(unit)->webhook_endpoint_remove(unit, endpoint_id, wall_ms(), error),
               error);
}

/* ---- events and deliveries -------------------------------------------------- */

void tender_event_free(TenderEvent *event)
{
    if (event == NULL)
        return;
    g_free(event->id);
    g_free(event->type);
    g_free(event->payment_id);
    g_free(event->body);
    g_free(event);
}

GPtrArray *tender_host_events(TenderHost *host, guint limit, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_READ, error);
    if (unit == NULL)
        return NULL;
    GPtrArray *out = LEDGER_OP(unit)->events(unit, limit, error);
    ledger_rollback(unit);
    return out;
}

gboolean tender_host_event_resend(TenderHost *host, const char *event_id, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        return FALSE;
    return end(unit, LEDGER_OP(unit)->event_resend(unit, event_id, wall_ms(), error), error);
}

void tender_delivery_free(TenderDelivery *delivery)
{
    if (delivery == NULL)
        return;
    g_free(delivery->event_id);
    g_free(delivery->endpoint_id);
    g_free(delivery->url);
    if (delivery->secret)
        explicit_bzero(delivery->secret, strlen(delivery->secret));
    g_free(delivery->secret);
    g_free(delivery->body);
    g_free(delivery);
}

GPtrArray *tender_host_deliveries_due(TenderHost *host, gint64 wall_now_ms, guint limit,
                                      GError **error)
{
    /* A writing unit: a backend shared by several hosts claims what it
     * returns (ledger-backend.h), so two hosts never deliver one row. */
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        return NULL;
    GPtrArray *out = LEDGER_OP(unit)->deliveries_due(unit, wall_now_ms, limit, error);
    if (!end(unit, out != NULL, error))
        g_clear_pointer(&out, g_ptr_array_unref);
    return out;
}

gboolean tender_host_delivery_record(TenderHost *host, gint64 event_seq, const char *endpoint_id,
                                     gboolean delivered, guint http_status, const char *why,
                                     gint64 wall_now_ms, gint64 next_ms, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        return FALSE;
    const char *state = delivered ? "delivered" : next_ms > 0 ? "pending" : "failed";
    return end(unit,
               LEDGER_OP(unit)->delivery_record(unit, event_seq, endpoint_id, state, http_status,
                                                delivered ? NULL : why, wall_now_ms, next_ms,
                                                error),
               error);
}

gint64 tender_host_outbox_depth(TenderHost *host)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_READ, NULL);
    if (unit == NULL)
        return -1;
    gint64 depth = LEDGER_OP(unit)->outbox_depth(unit, NULL);
    ledger_rollback(unit);
    return depth;
}

/* ---- idempotent responses ---------------------------------------------------- */

void tender_stored_response_free(TenderStoredResponse *response)
{
    if (response == NULL)
        return;
    g_free(response->fingerprint);
    g_free(response->content_type);
    if (response->body)
        g_bytes_unref(response->body);
    g_free(response->headers);
    g_free(response);
}

gboolean tender_host_stored_response_put(TenderHost *host, const char *scope, const char *key,
                                         const TenderStoredResponse *r, gint64 max_age_ms,
                                         GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_WRITE, error);
    if (unit == NULL)
        return FALSE;
    gint64 now = wall_ms();
    return end(unit,
               LEDGER_OP(unit)->stored_response_put(unit, scope, key, r, now,
                                                    max_age_ms > 0 ? now - max_age_ms : 0, error),
               error);
}

TenderStoredResponse *tender_host_stored_response_get(TenderHost *host, const char *scope,
                                                      const char *key, GError **error)
{
    LedgerUnit *unit = begin(host, LEDGER_UNIT_READ, error);
    if (unit == NULL)
        return NULL;
    TenderStoredResponse *r = LEDGER_OP(unit)->stored_response_get(unit, scope, key, error);
    ledger_rollback(unit);
    return r;
}
