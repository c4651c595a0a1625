/* The PostgreSQL backend's service tables (ledger-backend.h): the outbox
 * (events and their deliveries), API keys, webhook endpoints, the
 * responses kept for Idempotency-Key replays, and isolated plugins'
 * crashes. Every host of a shared database reads and writes the same rows,
 * so a key revoked or a plugin quarantined on one is so on all. */
#include "ledger-postgres.h"

#include <string.h>

#define text ledger_postgres_text
#define num ledger_postgres_int
#define text_at ledger_postgres_text_at
#define int_at ledger_postgres_int_at

/* Affected rows of a command's result, and the result cleared. */
static gint64 changes(PGresult *r)
{
    gint64 n = g_ascii_strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}

/* ---- the outbox ------------------------------------------------------------ */

static gboolean postgres_event_insert(LedgerUnit *base, const TenderEvent *e, gint64 wall_now_ms,
                                      GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    text(&s, e->id);
    text(&s, e->type);
    text(&s, e->payment_id);
    text(&s, e->body);
    num(&s, e->created_ms);
    num(&s, wall_now_ms);
    /* The event and one delivery per endpoint that wants it, in one
     * statement: one round trip on the payment path. */
    return ledger_postgres_do(
        unit,
        "WITH event AS (INSERT INTO events (id, type, payment_id, body, created_ms)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING seq)"
        " INSERT INTO deliveries (event_seq, endpoint_id, next_ms)"
        " SELECT event.seq, w.id, $6 FROM event, webhook_endpoints w WHERE w.removed_ms = 0"
        " AND (w.events = '*' OR strpos(',' || w.events || ',', ',' || $2 || ',') > 0)",
        &s, error, "writing an event");
}

static GPtrArray *postgres_events(LedgerUnit *base, guint limit, GError **error)
{
    PgParams s = {0};
    if (limit)
        num(&s, limit);
    else
        text(&s, NULL);
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "SELECT e.seq, e.id, e.type, e.payment_id, e.body, e.created_ms,"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'pending'),"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'delivered'),"
        " (SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.state = 'failed')"
        " FROM events e ORDER BY e.seq DESC LIMIT $1::bigint",
        &s, FALSE, error, "reading events");
    if (r == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_event_free);
    for (int row = 0; row < PQntuples(r); row++) {
        TenderEvent *e = g_new0(TenderEvent, 1);
        e->seq = int_at(r, row, 0);
        e->id = text_at(r, row, 1);
        e->type = text_at(r, row, 2);
        e->payment_id = text_at(r, row, 3);
        e->body = text_at(r, row, 4);
        e->created_ms = int_at(r, row, 5);
        e->pending = (guint)int_at(r, row, 6);
        e->delivered = (guint)int_at(r, row, 7);
        e->failed = (guint)int_at(r, row, 8);
        g_ptr_array_add(out, e);
    }
    PQclear(r);
    return out;
}

static gboolean postgres_event_resend(LedgerUnit *base, const char *event_id, gint64 wall_now_ms,
                                      GError **error)
{
    PgParams s = {0};
    text(&s, event_id);
    num(&s, wall_now_ms);
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "WITH event AS (SELECT seq, type FROM events WHERE id = $1),"
        " queued AS (INSERT INTO deliveries (event_seq, endpoint_id, next_ms)"
        "  SELECT event.seq, w.id, $2 FROM event, webhook_endpoints w WHERE w.removed_ms = 0"
        "  AND (w.events = '*' OR strpos(',' || w.events || ',', ',' || event.type || ',') > 0)"
        "  ON CONFLICT (event_seq, endpoint_id) DO UPDATE SET state = 'pending',"
        "  attempts = 0, next_ms = excluded.next_ms, done_ms = 0)"
        " SELECT count(*) FROM event",
        &s, FALSE, error, "queueing deliveries again");
    if (r == NULL)
        return FALSE;
    gboolean found = int_at(r, 0, 0) > 0;
    PQclear(r);
    if (!found)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no event '%s'", event_id);
    return found;
}

static GPtrArray *postgres_deliveries_due(LedgerUnit *base, gint64 wall_now_ms, guint limit,
                                          GError **error)
{
    PgParams s = {0};
    num(&s, wall_now_ms);
    if (limit)
        num(&s, limit);
    else
        text(&s, NULL);
    num(&s, wall_now_ms + LEDGER_DELIVERY_CLAIM_MS);
    /* A writing unit claims what it returns: rows another host is claiming
     * at this moment are skipped (SKIP LOCKED), not waited for, and those
     * returned are pushed LEDGER_DELIVERY_CLAIM_MS ahead in the same transaction,
     * so every host draining the outbox gets different deliveries, and
     * delivery_record settles each. A read unit only looks. */
    const char *sql =
        base->mode == LEDGER_UNIT_WRITE
            ? "WITH due AS (SELECT event_seq, endpoint_id, next_ms FROM deliveries"
              "  WHERE state = 'pending' AND next_ms <= $1 ORDER BY next_ms, event_seq"
              "  LIMIT $2::bigint FOR UPDATE SKIP LOCKED),"
              " claimed AS (UPDATE deliveries d SET next_ms = $3 FROM due"
              "  WHERE d.event_seq = due.event_seq AND d.endpoint_id = due.endpoint_id"
              "  RETURNING d.event_seq, d.endpoint_id, d.attempts, due.next_ms AS due_ms)"
              " SELECT c.event_seq, e.id, c.endpoint_id, w.url, w.secret, e.body, c.attempts"
              " FROM claimed c JOIN events e ON e.seq = c.event_seq"
              " JOIN webhook_endpoints w ON w.id = c.endpoint_id"
              " ORDER BY c.due_ms, c.event_seq"
            : "SELECT d.event_seq, e.id, d.endpoint_id, w.url, w.secret, e.body, d.attempts"
              " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
              " JOIN webhook_endpoints w ON w.id = d.endpoint_id"
              " WHERE d.state = 'pending' AND d.next_ms <= $1 AND $3::bigint > 0"
              " ORDER BY d.next_ms, d.event_seq LIMIT $2::bigint";
    PGresult *r =
        ledger_postgres_run((PgUnit *)base, sql, &s, FALSE, error, "reading due deliveries");
    if (r == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_delivery_free);
    for (int row = 0; row < PQntuples(r); row++) {
        TenderDelivery *d = g_new0(TenderDelivery, 1);
        d->event_seq = int_at(r, row, 0);
        d->event_id = text_at(r, row, 1);
        d->endpoint_id = text_at(r, row, 2);
        d->url = text_at(r, row, 3);
        d->secret = text_at(r, row, 4);
        d->body = text_at(r, row, 5);
        d->attempts = (guint)int_at(r, row, 6);
        g_ptr_array_add(out, d);
    }
    PQclear(r);
    return out;
}

static gboolean postgres_delivery_record(LedgerUnit *base, gint64 event_seq,
                                         const char *endpoint_id, const char *state,
                                         guint http_status, const char *why, gint64 wall_now_ms,
                                         gint64 next_ms, GError **error)
{
    PgParams s = {0};
    num(&s, event_seq);
    text(&s, endpoint_id);
    text(&s, state);
    num(&s, http_status);
    text(&s, why);
    num(&s, next_ms);
    num(&s, wall_now_ms);
    return ledger_postgres_do((PgUnit *)base,
                              "UPDATE deliveries SET attempts = attempts + 1, state = $3,"
                              " last_status = $4, last_error = $5, next_ms = $6,"
                              " done_ms = CASE WHEN $3 = 'pending' THEN 0 ELSE $7::bigint END"
                              " WHERE event_seq = $1 AND endpoint_id = $2 AND state = 'pending'",
                              &s, error, "recording a delivery");
}

static gint64 postgres_outbox_depth(LedgerUnit *base, GError **error)
{
    PGresult *r = ledger_postgres_run((PgUnit *)base,
                                      "SELECT count(*) FROM deliveries WHERE state = 'pending'",
                                      NULL, FALSE, error, "counting pending deliveries");
    if (r == NULL)
        return -1;
    gint64 depth = int_at(r, 0, 0);
    PQclear(r);
    return depth;
}

/* ---- API keys -------------------------------------------------------------- */

#define KEY_COLUMNS "id, name, scope, created_ms, revoked_ms"

static TenderApiKey *key_from_row(const PGresult *r, int row)
{
    TenderApiKey *k = g_new0(TenderApiKey, 1);
    k->id = text_at(r, row, 0);
    k->name = text_at(r, row, 1);
    if (!tender_api_scope_from_string(PQgetvalue(r, row, 2), &k->scope))
        k->scope = TENDER_API_SCOPE_READ; /* an unknown scope grants the least */
    k->created_ms = int_at(r, row, 3);
    k->revoked_ms = int_at(r, row, 4);
    return k;
}

static gboolean postgres_api_key_insert(LedgerUnit *base, const TenderApiKey *key,
                                        const char *secret_sha256, GError **error)
{
    PgParams s = {0};
    text(&s, key->id);
    text(&s, key->name);
    text(&s, tender_api_scope_to_string(key->scope));
    text(&s, secret_sha256);
    num(&s, key->created_ms);
    return ledger_postgres_do((PgUnit *)base,
                              "INSERT INTO api_keys (id, name, scope, secret_sha256, created_ms)"
                              " VALUES ($1, $2, $3, $4, $5)",
                              &s, error, "storing an API key");
}

static GPtrArray *postgres_api_keys(LedgerUnit *base, GError **error)
{
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base, "SELECT " KEY_COLUMNS " FROM api_keys ORDER BY created_ms, id", NULL, FALSE,
        error, "reading API keys");
    if (r == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_api_key_free);
    for (int row = 0; row < PQntuples(r); row++)
        g_ptr_array_add(out, key_from_row(r, row));
    PQclear(r);
    return out;
}

static gboolean postgres_api_key_revoke(LedgerUnit *base, const char *key_id, gint64 now_ms,
                                        GError **error)
{
    PgParams s = {0};
    text(&s, key_id);
    num(&s, now_ms);
    PGresult *r = ledger_postgres_run((PgUnit *)base,
                                      "UPDATE api_keys SET revoked_ms = CASE revoked_ms WHEN 0"
                                      " THEN $2 ELSE revoked_ms END WHERE id = $1",
                                      &s, FALSE, error, "revoking an API key");
    if (r == NULL)
        return FALSE;
    if (changes(r) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no API key '%s'", key_id);
        return FALSE;
    }
    return TRUE;
}

static TenderApiKey *postgres_api_key_by_digest(LedgerUnit *base, const char *secret_sha256,
                                                char **stored_sha256_out, GError **error)
{
    PgParams s = {0};
    text(&s, secret_sha256);
    PGresult *r = ledger_postgres_run((PgUnit *)base,
                                      "SELECT " KEY_COLUMNS
                                      ", secret_sha256 FROM api_keys WHERE secret_sha256 = $1",
                                      &s, FALSE, error, "reading API keys");
    if (r == NULL)
        return NULL;
    TenderApiKey *key = NULL;
    if (PQntuples(r) == 1) {
        key = key_from_row(r, 0);
        *stored_sha256_out = text_at(r, 0, 5);
    }
    PQclear(r);
    return key;
}

/* ---- webhook endpoints ----------------------------------------------------- */

static gboolean postgres_webhook_endpoint_insert(LedgerUnit *base, const TenderWebhookEndpoint *e,
                                                 const char *secret, GError **error)
{
    PgParams s = {0};
    text(&s, e->id);
    text(&s, e->url);
    text(&s, e->events);
    text(&s, secret);
    num(&s, e->created_ms);
    return ledger_postgres_do((PgUnit *)base,
                              "INSERT INTO webhook_endpoints (id, url, events, secret, created_ms)"
                              " VALUES ($1, $2, $3, $4, $5)",
                              &s, error, "storing a webhook endpoint");
}

static GPtrArray *postgres_webhook_endpoints(LedgerUnit *base, GError **error)
{
    PGresult *r = ledger_postgres_run((PgUnit *)base,
                                      "SELECT id, url, events, created_ms, removed_ms"
                                      " FROM webhook_endpoints ORDER BY created_ms, id",
                                      NULL, FALSE, error, "reading webhook endpoints");
    if (r == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_webhook_endpoint_free);
    for (int row = 0; row < PQntuples(r); row++) {
        TenderWebhookEndpoint *e = g_new0(TenderWebhookEndpoint, 1);
        e->id = text_at(r, row, 0);
        e->url = text_at(r, row, 1);
        e->events = text_at(r, row, 2);
        e->created_ms = int_at(r, row, 3);
        e->removed_ms = int_at(r, row, 4);
        g_ptr_array_add(out, e);
    }
    PQclear(r);
    return out;
}

static gboolean postgres_webhook_endpoint_remove(LedgerUnit *base, const char *endpoint_id,
                                                 gint64 now_ms, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    text(&s, endpoint_id);
    num(&s, now_ms);
    PGresult *r = ledger_postgres_run(unit,
                                      "UPDATE webhook_endpoints SET removed_ms = $2"
                                      " WHERE id = $1 AND removed_ms = 0",
                                      &s, FALSE, error, "removing a webhook endpoint");
    if (r == NULL)
        return FALSE;
    if (changes(r) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no active webhook endpoint '%s'",
                    endpoint_id);
        return FALSE;
    }
    PgParams d = {0};
    text(&d, endpoint_id);
    return ledger_postgres_do(unit,
                              "UPDATE deliveries SET state = 'dropped' WHERE endpoint_id = $1"
                              " AND state = 'pending'",
                              &d, error, "dropping deliveries");
}

/* ---- idempotent responses -------------------------------------------------- */

static gboolean postgres_stored_response_put(LedgerUnit *base, const char *scope, const char *key,
                                             const TenderStoredResponse *r, gint64 now_ms,
                                             gint64 drop_before_ms, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    if (drop_before_ms > 0) {
        PgParams d = {0};
        num(&d, drop_before_ms);
        if (!ledger_postgres_do(unit, "DELETE FROM idempotent_responses WHERE created_ms < $1", &d,
                                error, "dropping old idempotent responses"))
            return FALSE;
    }
    gsize len = 0;
    const void *data = r->body ? g_bytes_get_data(r->body, &len) : NULL;
    PgParams s = {0};
    text(&s, scope ? scope : "");
    text(&s, key);
    text(&s, r->fingerprint);
    num(&s, r->status);
    text(&s, r->content_type ? r->content_type : "");
    ledger_postgres_bytes(&s, data ? data : "", data ? len : 0);
    text(&s, r->headers ? r->headers : "");
    num(&s, now_ms);
    /* The first response kept wins, on whichever host it was made. */
    return ledger_postgres_do(unit,
                              "INSERT INTO idempotent_responses (scope, key, fingerprint, status,"
                              " content_type, body, headers, created_ms)"
                              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                              &s, error, "keeping an idempotent response");
}

static TenderStoredResponse *postgres_stored_response_get(LedgerUnit *base, const char *scope,
                                                          const char *key, GError **error)
{
    PgParams s = {0};
    text(&s, scope ? scope : "");
    text(&s, key);
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "SELECT fingerprint, status, content_type, encode(body, 'base64'), headers, created_ms"
        " FROM idempotent_responses WHERE scope = $1 AND key = $2",
        &s, FALSE, error, "reading an idempotent response");
    if (r == NULL)
        return NULL;
    TenderStoredResponse *out = NULL;
    if (PQntuples(r) == 1) {
        out = g_new0(TenderStoredResponse, 1);
        out->fingerprint = text_at(r, 0, 0);
        out->status = (guint)int_at(r, 0, 1);
        out->content_type = text_at(r, 0, 2);
        gsize len = 0;
        guchar *body = g_base64_decode(PQgetvalue(r, 0, 3), &len);
        out->body = g_bytes_new_take(body, len);
        out->headers = text_at(r, 0, 4);
        out->created_ms = int_at(r, 0, 5);
    }
    PQclear(r);
    return out;
}

/* ---- isolated plugins' crashes --------------------------------------------- */

static gboolean postgres_crash_add(LedgerUnit *base, const char *plugin_id, gint64 at_ms,
                                   const char *reason, GError **error)
{
    PgParams s = {0};
    text(&s, plugin_id);
    num(&s, at_ms);
    text(&s, reason);
    return ledger_postgres_do((PgUnit *)base,
                              "INSERT INTO plugin_crashes (plugin_id, at_ms, reason)"
                              " VALUES ($1, $2, $3)",
                              &s, error, "recording a plugin crash");
}

static gboolean postgres_crash_history(LedgerUnit *base, const char *plugin_id, gint64 since_ms,
                                       GArray *at_ms, char **last_reason, GError **error)
{
    PgParams s = {0};
    text(&s, plugin_id);
    num(&s, since_ms);
    PGresult *r = ledger_postgres_run((PgUnit *)base,
                                      "SELECT at_ms, reason FROM plugin_crashes"
                                      " WHERE plugin_id = $1 AND at_ms >= $2 ORDER BY at_ms, id",
                                      &s, FALSE, error, "reading plugin crashes");
    if (r == NULL)
        return FALSE;
    for (int row = 0; row < PQntuples(r); row++) {
        gint64 at = int_at(r, row, 0);
        g_array_append_val(at_ms, at);
        if (last_reason != NULL) {
            g_free(*last_reason);
            *last_reason = text_at(r, row, 1);
        }
    }
    PQclear(r);
    return TRUE;
}

static gboolean postgres_crash_clear(LedgerUnit *base, const char *plugin_id, GError **error)
{
    PgParams s = {0};
    text(&s, plugin_id);
    return ledger_postgres_do((PgUnit *)base, "DELETE FROM plugin_crashes WHERE plugin_id = $1", &s,
                              error, "clearing a plugin's quarantine");
}

void ledger_postgres_service_fill(LedgerBackend *b)
{
    b->event_insert = postgres_event_insert;
    b->events = postgres_events;
    b->event_resend = postgres_event_resend;
    b->deliveries_due = postgres_deliveries_due;
    b->delivery_record = postgres_delivery_record;
    b->outbox_depth = postgres_outbox_depth;
    b->api_key_insert = postgres_api_key_insert;
    b->api_keys = postgres_api_keys;
    b->api_key_revoke = postgres_api_key_revoke;
    b->api_key_by_digest = postgres_api_key_by_digest;
    b->webhook_endpoint_insert = postgres_webhook_endpoint_insert;
    b->webhook_endpoints = postgres_webhook_endpoints;
    b->webhook_endpoint_remove = postgres_webhook_endpoint_remove;
    b->stored_response_put = postgres_stored_response_put;
    b->stored_response_get = postgres_stored_response_get;
    b->crash_add = postgres_crash_add;
    b->crash_history = postgres_crash_history;
    b->crash_clear = postgres_crash_clear;
}
