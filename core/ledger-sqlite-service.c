/* The SQLite backend's service tables (schema 5, ledger-sqlite.c): the
 * outbox (events and their deliveries), API keys, webhook endpoints and the
 * responses kept for Idempotency-Key replays. Only event_insert runs on the
 * payment path (in the unit of every state change), so only its statements
 * are cached; the rest are prepared per call: none of it is hot except key
 * checks, one indexed lookup each. */
#include "ledger-sqlite.h"

#include <string.h>

static sqlite3_stmt *prepare(SqliteLedger *ledger, const char *sql, GError **error)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(ledger->db, sql, -1, &s, NULL) != SQLITE_OK) {
        ledger_sqlite_fail(ledger, error, "preparing a service query");
        return NULL;
    }
    return s;
}

/* Step a prepared (uncached) write to its end and finalize it. */
static gboolean step_write(SqliteLedger *ledger, sqlite3_stmt *s, GError **error, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        ledger_sqlite_fail(ledger, error, what);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE;
}

#define bind ledger_sqlite_bind_text
#define text_at ledger_sqlite_column_text

/* ---- the outbox ------------------------------------------------------------ */

static gboolean sqlite_event_insert(LedgerUnit *unit, const TenderEvent *e, gint64 wall_now_ms,
                                    GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, "INSERT INTO events (id, type, payment_id, body,"
                                                 " created_ms) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (s) {
        bind(s, 1, e->id);
        bind(s, 2, e->type);
        bind(s, 3, e->payment_id);
        bind(s, 4, e->body);
        sqlite3_bind_int64(s, 5, e->created_ms);
    }
    if (!ledger_sqlite_step_done(ledger, s, error, "writing an event"))
        return FALSE;
    gint64 seq = sqlite3_last_insert_rowid(ledger->db);
    s = ledger_sqlite_stmt(
        ledger, "INSERT INTO deliveries (event_seq, endpoint_id, next_ms)"
                " SELECT ?1, id, ?3 FROM webhook_endpoints WHERE removed_ms = 0"
                " AND (events = '*' OR instr(',' || events || ',', ',' || ?2 || ',') > 0)");
    if (s) {
        sqlite3_bind_int64(s, 1, seq);
        bind(s, 2, e->type);
        sqlite3_bind_int64(s, 3, wall_now_ms);
    }
    return ledger_sqlite_step_done(ledger, s, error, "queueing deliveries");
}

static GPtrArray *sqlite_events(LedgerUnit *unit, guint limit, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(
        ledger,
        "SELECT e.seq, e.id, e.type, e.payment_id, e.body, e.created_ms,"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'pending'),"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'delivered'),"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'failed')"
        " FROM events e ORDER BY e.seq DESC LIMIT ?1",
        error);
    if (s == NULL)
        return NULL;
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
    return out;
}

static gboolean sqlite_event_resend(LedgerUnit *unit, const char *event_id, gint64 wall_now_ms,
                                    GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger, "SELECT seq, type FROM events WHERE id = ?1", error);
    if (s == NULL)
        return FALSE;
    gint64 seq = 0;
    g_autofree char *type = NULL;
    bind(s, 1, event_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0);
        type = text_at(s, 1);
    }
    sqlite3_finalize(s);
    if (seq == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no event '%s'", event_id);
        return FALSE;
    }
    s = prepare(ledger,
                "INSERT INTO deliveries (event_seq, endpoint_id, next_ms)"
                " SELECT ?1, id, ?3 FROM webhook_endpoints WHERE removed_ms = 0"
                " AND (events = '*' OR instr(',' || events || ',', ',' || ?2 || ',') > 0)"
                " ON CONFLICT (event_seq, endpoint_id) DO UPDATE SET state = 'pending',"
                " attempts = 0, next_ms = excluded.next_ms, done_ms = 0",
                error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, seq);
    bind(s, 2, type);
    sqlite3_bind_int64(s, 3, wall_now_ms);
    return step_write(ledger, s, error, "queueing deliveries again");
}

/* Claim what a writing unit returns, as the PostgreSQL backend does:
 * several tenderd on one file each drain the outbox, and SQLite's single
 * writer makes the read and this push one step, so no two of them get the
 * same delivery; delivery_record then settles each, and one left by a
 * process that died is due again once the claim runs out. */
static gboolean claim_deliveries(SqliteLedger *ledger, GPtrArray *due, gint64 wall_now_ms,
                                 GError **error)
{
    if (due->len == 0)
        return TRUE;
    sqlite3_stmt *s = prepare(ledger,
                              "UPDATE deliveries SET next_ms = ?3"
                              " WHERE event_seq = ?1 AND endpoint_id = ?2",
                              error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 3, wall_now_ms + LEDGER_DELIVERY_CLAIM_MS);
    for (guint i = 0; i < due->len; i++) {
        const TenderDelivery *d = g_ptr_array_index(due, i);
        sqlite3_bind_int64(s, 1, d->event_seq);
        bind(s, 2, d->endpoint_id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            ledger_sqlite_fail(ledger, error, "claiming a delivery");
            sqlite3_finalize(s);
            return FALSE;
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return TRUE;
}

static GPtrArray *sqlite_deliveries_due(LedgerUnit *unit, gint64 wall_now_ms, guint limit,
                                        GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "SELECT d.event_seq, e.id, d.endpoint_id, w.url, w.secret, e.body,"
                              " d.attempts FROM deliveries d"
                              " JOIN events e ON e.seq = d.event_seq"
                              " JOIN webhook_endpoints w ON w.id = d.endpoint_id"
                              " WHERE d.state = 'pending' AND d.next_ms <= ?1"
                              " ORDER BY d.next_ms, d.event_seq LIMIT ?2",
                              error);
    if (s == NULL)
        return NULL;
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
    if (unit->mode == LEDGER_UNIT_WRITE && !claim_deliveries(ledger, out, wall_now_ms, error))
        g_clear_pointer(&out, g_ptr_array_unref);
    return out;
}

static gboolean sqlite_delivery_record(LedgerUnit *unit, gint64 event_seq, const char *endpoint_id,
                                       const char *state, guint http_status, const char *why,
                                       gint64 wall_now_ms, gint64 next_ms, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "UPDATE deliveries SET attempts = attempts + 1, state = ?3,"
                              " last_status = ?4, last_error = ?5, next_ms = ?6,"
                              " done_ms = CASE WHEN ?3 = 'pending' THEN 0 ELSE ?7 END"
                              " WHERE event_seq = ?1 AND endpoint_id = ?2 AND state = 'pending'",
                              error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, event_seq);
    bind(s, 2, endpoint_id);
    bind(s, 3, state);
    sqlite3_bind_int(s, 4, (int)http_status);
    bind(s, 5, why);
    sqlite3_bind_int64(s, 6, next_ms);
    sqlite3_bind_int64(s, 7, wall_now_ms);
    return step_write(ledger, s, error, "recording a delivery");
}

static gint64 sqlite_outbox_depth(LedgerUnit *unit, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        prepare(ledger, "SELECT count(*) FROM deliveries WHERE state = 'pending'", error);
    if (s == NULL)
        return -1;
    gint64 depth = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    if (depth < 0)
        ledger_sqlite_fail(ledger, error, "counting pending deliveries");
    sqlite3_finalize(s);
    return depth;
}

/* ---- API keys -------------------------------------------------------------- */

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

static gboolean sqlite_api_key_insert(LedgerUnit *unit, const TenderApiKey *key,
                                      const char *secret_sha256, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "INSERT INTO api_keys (id, name, scope, secret_sha256, created_ms)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)",
                              error);
    if (s == NULL)
        return FALSE;
    bind(s, 1, key->id);
    bind(s, 2, key->name);
    bind(s, 3, tender_api_scope_to_string(key->scope));
    bind(s, 4, secret_sha256);
    sqlite3_bind_int64(s, 5, key->created_ms);
    return step_write(ledger, s, error, "storing an API key");
}

static GPtrArray *sqlite_api_keys(LedgerUnit *unit, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        prepare(ledger, "SELECT " KEY_COLUMNS " FROM api_keys ORDER BY created_ms, id", error);
    if (s == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_api_key_free);
    while (sqlite3_step(s) == SQLITE_ROW)
        g_ptr_array_add(out, key_from_row(s));
    sqlite3_finalize(s);
    return out;
}

static gboolean sqlite_api_key_revoke(LedgerUnit *unit, const char *key_id, gint64 now_ms,
                                      GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "UPDATE api_keys SET revoked_ms = CASE revoked_ms WHEN 0 THEN ?2"
                              " ELSE revoked_ms END WHERE id = ?1",
                              error);
    if (s == NULL)
        return FALSE;
    bind(s, 1, key_id);
    sqlite3_bind_int64(s, 2, now_ms);
    if (!step_write(ledger, s, error, "revoking an API key"))
        return FALSE;
    if (sqlite3_changes(ledger->db) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no API key '%s'", key_id);
        return FALSE;
    }
    return TRUE;
}

static TenderApiKey *sqlite_api_key_by_digest(LedgerUnit *unit, const char *secret_sha256,
                                              char **stored_sha256_out, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "SELECT " KEY_COLUMNS ", secret_sha256 FROM api_keys"
                              " WHERE secret_sha256 = ?1",
                              error);
    if (s == NULL)
        return NULL;
    bind(s, 1, secret_sha256);
    TenderApiKey *key = NULL;
    if (sqlite3_step(s) == SQLITE_ROW) {
        key = key_from_row(s);
        *stored_sha256_out = text_at(s, 5);
    }
    sqlite3_finalize(s);
    return key;
}

/* ---- webhook endpoints ----------------------------------------------------- */

static gboolean sqlite_webhook_endpoint_insert(LedgerUnit *unit, const TenderWebhookEndpoint *e,
                                               const char *secret, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "INSERT INTO webhook_endpoints (id, url, events, secret, "
                              "created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                              error);
    if (s == NULL)
        return FALSE;
    bind(s, 1, e->id);
    bind(s, 2, e->url);
    bind(s, 3, e->events);
    bind(s, 4, secret);
    sqlite3_bind_int64(s, 5, e->created_ms);
    return step_write(ledger, s, error, "storing a webhook endpoint");
}

static GPtrArray *sqlite_webhook_endpoints(LedgerUnit *unit, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "SELECT id, url, events, created_ms, removed_ms"
                              " FROM webhook_endpoints ORDER BY created_ms, id",
                              error);
    if (s == NULL)
        return NULL;
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
    return out;
}

static gboolean sqlite_webhook_endpoint_remove(LedgerUnit *unit, const char *endpoint_id,
                                               gint64 now_ms, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "UPDATE webhook_endpoints SET removed_ms = ?2"
                              " WHERE id = ?1 AND removed_ms = 0",
                              error);
    if (s == NULL)
        return FALSE;
    bind(s, 1, endpoint_id);
    sqlite3_bind_int64(s, 2, now_ms);
    if (!step_write(ledger, s, error, "removing a webhook endpoint"))
        return FALSE;
    if (sqlite3_changes(ledger->db) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no active webhook endpoint '%s'",
                    endpoint_id);
        return FALSE;
    }
    s = prepare(ledger,
                "UPDATE deliveries SET state = 'dropped' WHERE endpoint_id = ?1"
                " AND state = 'pending'",
                error);
    if (s == NULL)
        return FALSE;
    bind(s, 1, endpoint_id);
    return step_write(ledger, s, error, "dropping deliveries");
}

/* ---- idempotent responses -------------------------------------------------- */

static gboolean sqlite_stored_response_put(LedgerUnit *unit, const char *scope, const char *key,
                                           const TenderStoredResponse *r, gint64 now_ms,
                                           gint64 drop_before_ms, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    if (drop_before_ms > 0) {
        sqlite3_stmt *s =
            prepare(ledger, "DELETE FROM idempotent_responses WHERE created_ms < ?1", error);
        if (s == NULL)
            return FALSE;
        sqlite3_bind_int64(s, 1, drop_before_ms);
        if (!step_write(ledger, s, error, "dropping old idempotent responses"))
            return FALSE;
    }
    sqlite3_stmt *s = prepare(ledger,
                              "INSERT OR IGNORE INTO idempotent_responses (scope, key,"
                              " fingerprint, status, content_type, body, headers, created_ms)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                              error);
    if (s == NULL)
        return FALSE;
    gsize len = 0;
    const void *data = r->body ? g_bytes_get_data(r->body, &len) : "";
    bind(s, 1, scope ? scope : "");
    bind(s, 2, key);
    bind(s, 3, r->fingerprint);
    sqlite3_bind_int(s, 4, (int)r->status);
    bind(s, 5, r->content_type ? r->content_type : "");
    sqlite3_bind_blob64(s, 6, data ? data : "", len, SQLITE_TRANSIENT);
    bind(s, 7, r->headers ? r->headers : "");
    sqlite3_bind_int64(s, 8, now_ms);
    return step_write(ledger, s, error, "keeping an idempotent response");
}

static TenderStoredResponse *sqlite_stored_response_get(LedgerUnit *unit, const char *scope,
                                                        const char *key, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = prepare(ledger,
                              "SELECT fingerprint, status, content_type, body, headers, created_ms"
                              " FROM idempotent_responses WHERE scope = ?1 AND key = ?2",
                              error);
    if (s == NULL)
        return NULL;
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
        ledger_sqlite_fail(ledger, error, "reading an idempotent response");
    }
    sqlite3_finalize(s);
    return r;
}

void ledger_sqlite_service_fill(LedgerBackend *b)
{
    b->event_insert = sqlite_event_insert;
    b->events = sqlite_events;
    b->event_resend = sqlite_event_resend;
    b->deliveries_due = sqlite_deliveries_due;
    b->delivery_record = sqlite_delivery_record;
    b->outbox_depth = sqlite_outbox_depth;
    b->api_key_insert = sqlite_api_key_insert;
    b->api_keys = sqlite_api_keys;
    b->api_key_revoke = sqlite_api_key_revoke;
    b->api_key_by_digest = sqlite_api_key_by_digest;
    b->webhook_endpoint_insert = sqlite_webhook_endpoint_insert;
    b->webhook_endpoints = sqlite_webhook_endpoints;
    b->webhook_endpoint_remove = sqlite_webhook_endpoint_remove;
    b->stored_response_put = sqlite_stored_response_put;
    b->stored_response_get = sqlite_stored_response_get;
}
