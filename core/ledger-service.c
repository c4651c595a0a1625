/* The payments service's tables (schema 5, ledger.c): API keys, merchant
 * webhook endpoints, the outbox of events and their deliveries; and the
 * public host API over them (tender.h).
 *
 * These tables are apart from the payment tables on purpose: no payment
 * query reads them, and only ledger_event_add() is called from the
 * payment engine, inside the transaction of a state change. Statements are
 * prepared per call: none of this is on a hot path except key checks, and
 * a key check costs one indexed lookup. */
#include "ledger-service.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/random.h>

#include <json-glib/json-glib.h>
#include <tender/money.h>

#include "host-private.h"

/* ---- small helpers ------------------------------------------------------- */

static gboolean service_fail(TenderLedger *ledger, GError **error, const char *what)
{
    sqlite3 *db = ledger_sqlite(ledger);
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what,
                db ? sqlite3_errmsg(db) : "not open");
    return FALSE;
}

static sqlite3_stmt *prepare(TenderLedger *ledger, const char *sql, GError **error)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(ledger_sqlite(ledger), sql, -1, &s, NULL) != SQLITE_OK) {
        service_fail(ledger, error, "preparing a service query");
        return NULL;
    }
    return s;
}

static void bind(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static char *text_at(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? g_strdup((const char *)t) : NULL;
}

/* Step a write to its end; FALSE with the error set otherwise. */
static gboolean step_write(TenderLedger *ledger, sqlite3_stmt *s, GError **error, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        service_fail(ledger, error, what);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE;
}

/* The same for a statement the ledger caches: reset, never finalized. */
static gboolean step_cached(TenderLedger *ledger, sqlite3_stmt *s, GError **error, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        service_fail(ledger, error, what);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
}

/* prefix and 2*n hex digits of n bytes from the kernel's CSPRNG. */
static char *random_token(const char *prefix, gsize n)
{
    guint8 bytes[32];
    g_assert(n <= sizeof bytes);
    for (gsize done = 0; done < n;) {
        ssize_t got = getrandom(bytes + done, n - done, 0);
        if (got < 0)
            g_error("getrandom failed: no cryptographic randomness; stopping");
        done += (gsize)got;
    }
    GString *out = g_string_new(prefix);
    for (gsize i = 0; i < n; i++)
        g_string_append_printf(out, "%02x", bytes[i]);
    explicit_bzero(bytes, sizeof bytes);
    return g_string_free(out, FALSE);
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

/* Begin on the host's ledger, which a host always has once created. */
static gboolean begin(TenderHost *host, GError **error)
{
    if (host->ledger == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "the host has no ledger");
        return FALSE;
    }
    return ledger_begin(host->ledger, error);
}

/* Roll back, or commit when ok; the combined verdict. */
static gboolean end(TenderHost *host, gboolean ok, GError **error)
{
    if (!ok) {
        ledger_rollback(host->ledger);
        return FALSE;
    }
    return ledger_commit(host->ledger, error);
}

/* ---- the outbox, from inside a payment transaction ------------------------ */

static void add_member_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value && value[0])
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_member_money(JsonBuilder *b, const char *name, const TenderPayment *p, gint64 minor)
{
    g_autofree char *text = tender_money_format(minor, p->currency, p->exponent);
    add_member_string(b, name, text);
}

/* The document an event delivers: fixed when the event is written, so that
 * every delivery of one event sends the same bytes. */
static char *event_body(const char *event_id, const char *type, const TenderPayment *p,
                        TenderStatus old_status, gint64 now_ms)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_member_string(b, "id", event_id);
    add_member_string(b, "type", type);
    json_builder_set_member_name(b, "created");
    json_builder_add_int_value(b, now_ms / 1000);
    json_builder_set_member_name(b, "data");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "payment");
    json_builder_begin_object(b);
    add_member_string(b, "id", p->id);
    add_member_string(b, "method", p->method);
    add_member_string(b, "status", tender_status_to_string(p->status));
    add_member_string(b, "previous_status", tender_status_to_string(old_status));
    add_member_money(b, "amount", p, p->amount);
    add_member_string(b, "currency", p->currency);
    add_member_money(b, "captured", p, p->captured);
    add_member_money(b, "refunded", p, p->refunded);
    add_member_string(b, "account", p->account);
    add_member_string(b, "processor_reference", p->processor_ref);
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    JsonNode *root = json_builder_get_root(b);
    char *text = json_to_string(root, FALSE);
    json_node_unref(root);
    g_object_unref(b);
    return text;
}

gboolean ledger_event_add(TenderLedger *ledger, const TenderPayment *p,
                                 TenderStatus old_status, gint64 now_ms, GError **error)
{
    if (old_status == p->status)
        return TRUE;
    g_autofree char *id = random_token("evt_", 12);
    g_autofree char *type = g_strdup_printf("payment.%s", tender_status_to_string(p->status));
    g_autofree char *body = event_body(id, type, p, old_status, now_ms);
    /* Cached statements: this runs in every state change's transaction. */
    sqlite3_stmt *s =
        ledger_statement(ledger, "INSERT INTO events (id, type, payment_id, body,"
                                        " created_ms) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (s == NULL)
        return service_fail(ledger, error, "preparing the event insert");
    bind(s, 1, id);
    bind(s, 2, type);
    bind(s, 3, p->id);
    bind(s, 4, body);
    sqlite3_bind_int64(s, 5, now_ms);
    if (!step_cached(ledger, s, error, "writing an event"))
        return FALSE;
    gint64 seq = sqlite3_last_insert_rowid(ledger_sqlite(ledger));
    /* Deliveries are due at once: their clock is the wall clock, whatever
     * clock the host runs payments on. */
    s = ledger_statement(
        ledger, "INSERT INTO deliveries (event_seq, endpoint_id, next_ms)"
                " SELECT ?1, id, ?3 FROM webhook_endpoints WHERE removed_ms = 0"
                " AND (events = '*' OR instr(',' || events || ',', ',' || ?2 || ',') > 0)");
    if (s == NULL)
        return service_fail(ledger, error, "preparing the delivery insert");
    sqlite3_bind_int64(s, 1, seq);
    bind(s, 2, type);
    sqlite3_bind_int64(s, 3, wall_ms());
    return step_cached(ledger, s, error, "queueing deliveries");
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

#define KEY_COLUMNS "id, name, scope, created_ms, revoked_ms"

static TenderApiKey *key_from_row(sqlite3_stmt *s)
{
    TenderApiKey *k = g_new0(TenderApiKey, 1);
    k->id = text_at(s, 0);
    k->name = text_at(s, 1);
    if (!tender_api_scope_from_string((const char *)sqlite3_column_text(s, 2), &k->scope))
        k->scope = TENDER_API_SCOPE_READ; /* an unknown scope grants the least */
    k->created_ms = sqlite3_column_int64(s, 3);
    k->revoked_ms = sqlite3_column_int64(s, 4);
    return k;
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
    if (!begin(host, error))
        goto fail;
    sqlite3_stmt *s = prepare(host->ledger,
                              "INSERT INTO api_keys (id, name, scope, secret_sha256, created_ms)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)",
                              error);
    gboolean ok = s != NULL;
    if (ok) {
        bind(s, 1, key->id);
        bind(s, 2, key->name);
        bind(s, 3, tender_api_scope_to_string(scope));
        bind(s, 4, digest);
        sqlite3_bind_int64(s, 5, key->created_ms);
        ok = step_write(host->ledger, s, error, "storing an API key");
    }
    if (!end(host, ok, error))
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
    if (!begin(host, error))
        return NULL;
    sqlite3_stmt *s = prepare(
        host->ledger, "SELECT " KEY_COLUMNS " FROM api_keys ORDER BY created_ms, id", error);
    if (s == NULL) {
        ledger_rollback(host->ledger);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_api_key_free);
    while (sqlite3_step(s) == SQLITE_ROW)
        g_ptr_array_add(out, key_from_row(s));
    sqlite3_finalize(s);
    ledger_rollback(host->ledger);
    return out;
}

gboolean tender_host_api_key_revoke(TenderHost *host, const char *key_id, GError **error)
{
    if (!begin(host, error))
        return FALSE;
    sqlite3_stmt *s = prepare(host->ledger,
                              "UPDATE api_keys SET revoked_ms = CASE revoked_ms WHEN 0 THEN ?2"
                              " ELSE revoked_ms END WHERE id = ?1",
                              error);
    gboolean ok = s != NULL;
    if (ok) {
        bind(s, 1, key_id);
        sqlite3_bind_int64(s, 2, wall_ms());
        ok = step_write(host->ledger, s, error, "revoking an API key");
    }
    if (ok && sqlite3_changes(ledger_sqlite(host->ledger)) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no API key '%s'", key_id);
        ok = FALSE;
    }
    return end(host, ok, error);
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
    if (!begin(host, error))
        return NULL;
    sqlite3_stmt *s = prepare(host->ledger,
                              "SELECT " KEY_COLUMNS ", secret_sha256 FROM api_keys"
                              " WHERE secret_sha256 = ?1",
                              error);
    if (s == NULL) {
        ledger_rollback(host->ledger);
        return NULL;
    }
    bind(s, 1, digest);
    TenderApiKey *key = NULL;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(s, 5);
        if (stored && equal_constant_time(stored, digest) && sqlite3_column_int64(s, 4) == 0)
            key = key_from_row(s);
    }
    sqlite3_finalize(s);
    ledger_rollback(host->ledger);
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
        if (!g_str_has_prefix(type, "payment.") ||
            !tender_status_from_string(type + strlen("payment."), &status)) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                        "unknown event type '%s' (expected payment.<status>, e.g. "
                        "payment.captured, or *)",
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
    gboolean ok = begin(host, error);
    if (ok) {
        sqlite3_stmt *s = prepare(host->ledger,
                                  "INSERT INTO webhook_endpoints (id, url, events, secret, "
                                  "created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                                  error);
        ok = s != NULL;
        if (ok) {
            bind(s, 1, e->id);
            bind(s, 2, e->url);
            bind(s, 3, e->events);
            bind(s, 4, secret);
            sqlite3_bind_int64(s, 5, e->created_ms);
            ok = step_write(host->ledger, s, error, "storing a webhook endpoint");
        }
        ok = end(host, ok, error);
    }
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
    if (!begin(host, error))
        return NULL;
    sqlite3_stmt *s = prepare(host->ledger,
                              "SELECT id, url, events, created_ms, removed_ms"
                              " FROM webhook_endpoints ORDER BY created_ms, id",
                              error);
    if (s == NULL) {
        ledger_rollback(host->ledger);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_webhook_endpoint_free);
    while (sqlite3_step(s) == SQLITE_ROW) {
        TenderWebhookEndpoint *e = g_new0(TenderWebhookEndpoint, 1);
        e->id = text_at(s, 0);
        e->url = text_at(s, 1);
        e->events = text_at(s, 2);
        e->created_ms = sqlite3_column_int64(s, 3);
        e->removed_ms = sqlite3_column_int64(s, 4);
        g_ptr_array_add(out, e);
    }
    sqlite3_finalize(s);
    ledger_rollback(host->ledger);
    return out;
}

gboolean tender_host_webhook_endpoint_remove(TenderHost *host, const char *endpoint_id,
                                             GError **error)
{
    if (!begin(host, error))
        return FALSE;
    sqlite3_stmt *s = prepare(host->ledger,
                              "UPDATE webhook_endpoints SET removed_ms = ?2"
                              " WHERE id = ?1 AND removed_ms = 0",
                              error);
    gboolean ok = s != NULL;
    if (ok) {
        bind(s, 1, endpoint_id);
        sqlite3_bind_int64(s, 2, wall_ms());
        ok = step_write(host->ledger, s, error, "removing a webhook endpoint");
    }
    if (ok && sqlite3_changes(ledger_sqlite(host->ledger)) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no active webhook endpoint '%s'",
                    endpoint_id);
        ok = FALSE;
    }
    if (ok) {
        s = prepare(host->ledger,
                    "UPDATE deliveries SET state = 'dropped' WHERE endpoint_id = ?1"
                    " AND state = 'pending'",
                    error);
        ok = s != NULL;
        if (ok) {
            bind(s, 1, endpoint_id);
            ok = step_write(host->ledger, s, error, "dropping deliveries");
        }
    }
    return end(host, ok, error);
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
    if (!begin(host, error))
        return NULL;
    sqlite3_stmt *s = prepare(
        host->ledger,
        "SELECT e.seq, e.id, e.type, e.payment_id, e.body, e.created_ms,"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'pending'),"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'delivered'),"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'failed')"
        " FROM events e ORDER BY e.seq DESC LIMIT ?1",
        error);
    if (s == NULL) {
        ledger_rollback(host->ledger);
        return NULL;
    }
    sqlite3_bind_int64(s, 1, limit ? (gint64)limit : -1);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_event_free);
    while (sqlite3_step(s) == SQLITE_ROW) {
        TenderEvent *e = g_new0(TenderEvent, 1);
        e->seq = sqlite3_column_int64(s, 0);
        e->id = text_at(s, 1);
        e->type = text_at(s, 2);
        e->payment_id = text_at(s, 3);
        e->body = text_at(s, 4);
        e->created_ms = sqlite3_column_int64(s, 5);
        e->pending = (guint)sqlite3_column_int(s, 6);
        e->delivered = (guint)sqlite3_column_int(s, 7);
        e->failed = (guint)sqlite3_column_int(s, 8);
        g_ptr_array_add(out, e);
    }
    sqlite3_finalize(s);
    ledger_rollback(host->ledger);
    return out;
}

gboolean tender_host_event_resend(TenderHost *host, const char *event_id, GError **error)
{
    if (!begin(host, error))
        return FALSE;
    sqlite3_stmt *s = prepare(host->ledger, "SELECT seq, type FROM events WHERE id = ?1", error);
    gboolean ok = s != NULL;
    gint64 seq = 0;
    g_autofree char *type = NULL;
    if (ok) {
        bind(s, 1, event_id);
        if (sqlite3_step(s) == SQLITE_ROW) {
            seq = sqlite3_column_int64(s, 0);
            type = text_at(s, 1);
        }
        sqlite3_finalize(s);
        if (seq == 0) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no event '%s'", event_id);
            ok = FALSE;
        }
    }
    if (ok) {
        s = prepare(host->ledger,
                    "INSERT INTO deliveries (event_seq, endpoint_id, next_ms)"
                    " SELECT ?1, id, ?3 FROM webhook_endpoints WHERE removed_ms = 0"
                    " AND (events = '*' OR instr(',' || events || ',', ',' || ?2 || ',') > 0)"
                    " ON CONFLICT (event_seq, endpoint_id) DO UPDATE SET state = 'pending',"
                    " attempts = 0, next_ms = excluded.next_ms, done_ms = 0",
                    error);
        ok = s != NULL;
        if (ok) {
            sqlite3_bind_int64(s, 1, seq);
            bind(s, 2, type);
            sqlite3_bind_int64(s, 3, wall_ms());
            ok = step_write(host->ledger, s, error, "queueing deliveries again");
        }
    }
    return end(host, ok, error);
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
    if (!begin(host, error))
        return NULL;
    sqlite3_stmt *s = prepare(host->ledger,
                              "SELECT d.event_seq, e.id, d.endpoint_id, w.url, w.secret, e.body,"
                              " d.attempts FROM deliveries d"
                              " JOIN events e ON e.seq = d.event_seq"
                              " JOIN webhook_endpoints w ON w.id = d.endpoint_id"
                              " WHERE d.state = 'pending' AND d.next_ms <= ?1"
                              " ORDER BY d.next_ms, d.event_seq LIMIT ?2",
                              error);
    if (s == NULL) {
        ledger_rollback(host->ledger);
        return NULL;
    }
    sqlite3_bind_int64(s, 1, wall_now_ms);
    sqlite3_bind_int64(s, 2, limit ? (gint64)limit : -1);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_delivery_free);
    while (sqlite3_step(s) == SQLITE_ROW) {
        TenderDelivery *d = g_new0(TenderDelivery, 1);
        d->event_seq = sqlite3_column_int64(s, 0);
        d->event_id = text_at(s, 1);
        d->endpoint_id = text_at(s, 2);
        d->url = text_at(s, 3);
        d->secret = text_at(s, 4);
        d->body = text_at(s, 5);
        d->attempts = (guint)sqlite3_column_int(s, 6);
        g_ptr_array_add(out, d);
    }
    sqlite3_finalize(s);
    ledger_rollback(host->ledger);
    return out;
}

gboolean tender_host_delivery_record(TenderHost *host, gint64 event_seq, const char *endpoint_id,
                                     gboolean delivered, guint http_status, const char *why,
                                     gint64 wall_now_ms, gint64 next_ms, GError **error)
{
    if (!begin(host, error))
        return FALSE;
    sqlite3_stmt *s = prepare(host->ledger,
                              "UPDATE deliveries SET attempts = attempts + 1, state = ?3,"
                              " last_status = ?4, last_error = ?5, next_ms = ?6,"
                              " done_ms = CASE WHEN ?3 = 'pending' THEN 0 ELSE ?7 END"
                              " WHERE event_seq = ?1 AND endpoint_id = ?2 AND state = 'pending'",
                              error);
    gboolean ok = s != NULL;
    if (ok) {
        sqlite3_bind_int64(s, 1, event_seq);
        bind(s, 2, endpoint_id);
        bind(s, 3, delivered ? "delivered" : next_ms > 0 ? "pending" : "failed");
        sqlite3_bind_int(s, 4, (int)http_status);
        bind(s, 5, delivered ? NULL : why);
        sqlite3_bind_int64(s, 6, next_ms);
        sqlite3_bind_int64(s, 7, wall_now_ms);
        ok = step_write(host->ledger, s, error, "recording a delivery");
    }
    return end(host, ok, error);
}

gint64 tender_host_outbox_depth(TenderHost *host)
{
    if (!begin(host, NULL))
        return -1;
    sqlite3_stmt *s =
        prepare(host->ledger, "SELECT count(*) FROM deliveries WHERE state = 'pending'", NULL);
    gint64 depth = -1;
    if (s != NULL) {
        if (sqlite3_step(s) == SQLITE_ROW)
            depth = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    ledger_rollback(host->ledger);
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
    if (!begin(host, error))
        return FALSE;
    gint64 now = wall_ms();
    gboolean ok = TRUE;
    if (max_age_ms > 0) {
        sqlite3_stmt *s =
            prepare(host->ledger, "DELETE FROM idempotent_responses WHERE created_ms < ?1", error);
        ok = s != NULL;
        if (ok) {
            sqlite3_bind_int64(s, 1, now - max_age_ms);
            ok = step_write(host->ledger, s, error, "dropping old idempotent responses");
        }
    }
    if (ok) {
        sqlite3_stmt *s = prepare(host->ledger,
                                  "INSERT OR IGNORE INTO idempotent_responses (scope, key,"
                                  " fingerprint, status, content_type, body, headers, created_ms)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                  error);
        ok = s != NULL;
        if (ok) {
            gsize len = 0;
            const void *data = r->body ? g_bytes_get_data(r->body, &len) : "";
            bind(s, 1, scope ? scope : "");
            bind(s, 2, key);
            bind(s, 3, r->fingerprint);
            sqlite3_bind_int(s, 4, (int)r->status);
            bind(s, 5, r->content_type ? r->content_type : "");
            sqlite3_bind_blob64(s, 6, data ? data : "", len, SQLITE_TRANSIENT);
            bind(s, 7, r->headers ? r->headers : "");
            sqlite3_bind_int64(s, 8, now);
            ok = step_write(host->ledger, s, error, "keeping an idempotent response");
        }
    }
    return end(host, ok, error);
}

TenderStoredResponse *tender_host_stored_response_get(TenderHost *host, const char *scope,
                                                      const char *key, GError **error)
{
    if (!begin(host, error))
        return NULL;
    sqlite3_stmt *s = prepare(host->ledger,
                              "SELECT fingerprint, status, content_type, body, headers, created_ms"
                              " FROM idempotent_responses WHERE scope = ?1 AND key = ?2",
                              error);
    if (s == NULL) {
        ledger_rollback(host->ledger);
        return NULL;
    }
    bind(s, 1, scope ? scope : "");
    bind(s, 2, key);
    TenderStoredResponse *r = NULL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        r = g_new0(TenderStoredResponse, 1);
        r->fingerprint = text_at(s, 0);
        r->status = (guint)sqlite3_column_int(s, 1);
        r->content_type = text_at(s, 2);
        r->body = g_bytes_new(sqlite3_column_blob(s, 3), (gsize)sqlite3_column_bytes(s, 3));
        r->headers = text_at(s, 4);
        r->created_ms = sqlite3_column_int64(s, 5);
    } else if (rc != SQLITE_DONE) {
        service_fail(host->ledger, error, "reading an idempotent response");
    }
    sqlite3_finalize(s);
    ledger_rollback(host->ledger);
    return r;
}
