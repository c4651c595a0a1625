/* The in-memory backend's service tables (ledger-backend.h): the outbox
 * (events and their deliveries), API keys, webhook endpoints, the
 * responses kept for Idempotency-Key replays, and isolated plugins'
 * crashes. Each operation does what the SQLite backend's statement does
 * (ledger-sqlite-service.c, ledger-sqlite-quarantine.c). */
#include "ledger-memory-private.h"

#include <string.h>

/* ---- the outbox ------------------------------------------------------------ */

/* events = '*' OR instr(',' || events || ',', ',' || type || ',') > 0 */
static gboolean endpoint_wants(const MemRow *endpoint, const char *type)
{
    const char *events = mem_str(endpoint, 2);
    if (events == NULL || type == NULL)
        return FALSE;
    if (strcmp(events, "*") == 0)
        return TRUE;
    g_autofree char *list = g_strconcat(",", events, ",", NULL);
    g_autofree char *item = g_strconcat(",", type, ",", NULL);
    return strstr(list, item) != NULL;
}

static MemRow *find_delivery(MemLedger *ledger, gint64 event_seq, const char *endpoint_id)
{
    MemValue key[2] = {mem_int(event_seq), mem_borrow(endpoint_id)};
    return mem_row_find(ledger, MEM_DELIVERIES, key);
}

/* One pending delivery of the event for every active endpoint that wants
 * type; with again, a delivery that exists is made pending anew (INSERT
 * ... ON CONFLICT DO UPDATE), else it would be a UNIQUE error. */
static gboolean queue_deliveries(LedgerUnit *unit, gint64 seq, const char *type,
                                 gint64 wall_now_ms, gboolean again, const char *what,
                                 GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    if (g_hash_table_size(ledger->rows[MEM_WEBHOOK_ENDPOINTS]) == 0)
        return TRUE;
    g_autoptr(GPtrArray) endpoints = mem_rows_sorted(ledger, MEM_WEBHOOK_ENDPOINTS);
    for (guint i = 0; i < endpoints->len; i++) {
        const MemRow *w = g_ptr_array_index(endpoints, i);
        if (mem_i(w, 5) != 0 || !endpoint_wants(w, type))
            continue;
        MemRow *d = again ? find_delivery(ledger, seq, mem_str(w, 0)) : NULL;
        if (d != NULL) {
            mem_row_change_begin(unit, MEM_DELIVERIES, d);
            mem_row_set_text(unit, MEM_DELIVERIES, d, DL_STATE, "pending");
            mem_row_set_int(unit, MEM_DELIVERIES, d, DL_ATTEMPTS, 0);
            mem_row_set_int(unit, MEM_DELIVERIES, d, DL_NEXT, wall_now_ms);
            mem_row_set_int(unit, MEM_DELIVERIES, d, DL_DONE, 0);
            mem_row_change_end(unit, MEM_DELIVERIES, d);
            continue;
        }
        MemValue *v = g_new0(MemValue, DL_N_COLUMNS); /* last_error NULL */
        v[DL_EVENT_SEQ] = mem_int(seq);
        v[DL_ENDPOINT_ID] = mem_text(mem_str(w, 0));
        v[DL_STATE] = mem_text("pending");
        v[DL_ATTEMPTS] = mem_int(0);
        v[DL_NEXT] = mem_int(wall_now_ms);
        v[DL_LAST_STATUS] = mem_int(0);
        v[DL_DONE] = mem_int(0);
        if (!mem_row_insert(unit, MEM_DELIVERIES, v, NULL, what, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean memory_event_insert(LedgerUnit *unit, const TenderEvent *e, gint64 wall_now_ms,
                                    GError **error)
{
    MemValue *v = g_new0(MemValue, EV_N_COLUMNS); /* seq NULL: the next one */
    v[EV_ID] = mem_text(e->id);
    v[EV_TYPE] = mem_text(e->type);
    v[EV_PAYMENT_ID] = mem_text(e->payment_id);
    v[EV_BODY] = mem_text(e->body);
    v[EV_CREATED] = mem_int(e->created_ms);
    MemRow *row = NULL;
    return mem_row_insert(unit, MEM_EVENTS, v, &row, "writing an event", error) &&
           queue_deliveries(unit, mem_i(row, EV_SEQ), e->type, wall_now_ms, FALSE,
                            "queueing deliveries", error);
}

static int seq_descending(gconstpointer a, gconstpointer b)
{
    gint64 x = mem_i(*(MemRow *const *)a, EV_SEQ), y = mem_i(*(MemRow *const *)b, EV_SEQ);
    return x > y ? -1 : x < y;
}

static GPtrArray *memory_events(LedgerUnit *unit, guint limit, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger, MEM_EVENTS);
    g_ptr_array_sort(rows, seq_descending);
    guint n = limit ? MIN(limit, rows->len) : rows->len;
    /* The delivery counts of the events listed: event seq -> TenderEvent. */
    g_autoptr(GHashTable) listed = g_hash_table_new(g_int64_hash, g_int64_equal);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_event_free);
    for (guint i = 0; i < n; i++) {
        const MemRow *row = g_ptr_array_index(rows, i);
        TenderEvent *e = g_new0(TenderEvent, 1);
        e->seq = mem_i(row, EV_SEQ);
        e->id = mem_dup(row, EV_ID);
        e->type = mem_dup(row, EV_TYPE);
        e->payment_id = mem_dup(row, EV_PAYMENT_ID);
        e->body = mem_dup(row, EV_BODY);
        e->created_ms = mem_i(row, EV_CREATED);
        g_hash_table_insert(listed, &e->seq, e);
        g_ptr_array_add(out, e);
    }
    GHashTableIter it;
    gpointer d;
    g_hash_table_iter_init(&it, ledger->rows[MEM_DELIVERIES]);
    while (g_hash_table_iter_next(&it, &d, NULL)) {
        gint64 seq = mem_i(d, DL_EVENT_SEQ);
        TenderEvent *e = g_hash_table_lookup(listed, &seq);
        const char *state = mem_str(d, DL_STATE);
        if (e == NULL || state == NULL)
            continue;
        if (strcmp(state, "pending") == 0)
            e->pending++;
        else if (strcmp(state, "delivered") == 0)
            e->delivered++;
        else if (strcmp(state, "failed") == 0)
            e->failed++;
    }
    return out;
}

static gboolean memory_event_resend(LedgerUnit *unit, const char *event_id, gint64 wall_now_ms,
                                    GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    const MemRow *event = event_id ? g_hash_table_lookup(ledger->event_by_id, event_id) : NULL;
    if (event == NULL || mem_i(event, EV_SEQ) == 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no event '%s'", event_id);
        return FALSE;
    }
    return queue_deliveries(unit, mem_i(event, EV_SEQ), mem_str(event, EV_TYPE), wall_now_ms, TRUE,
                            "queueing deliveries again", error);
}

/* ORDER BY d.next_ms, d.event_seq (then the key's endpoint_id). */
static int soonest_first(gconstpointer a, gconstpointer b)
{
    const MemRow *x = *(MemRow *const *)a, *y = *(MemRow *const *)b;
    gint64 nx = mem_i(x, DL_NEXT), ny = mem_i(y, DL_NEXT);
    if (nx != ny)
        return nx < ny ? -1 : 1;
    gint64 sx = mem_i(x, DL_EVENT_SEQ), sy = mem_i(y, DL_EVENT_SEQ);
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return g_strcmp0(mem_str(x, DL_ENDPOINT_ID), mem_str(y, DL_ENDPOINT_ID));
}

static MemRow *find_by_text(MemLedger *ledger, MemTable t, const char *id)
{
    if (id == NULL)
        return NULL;
    MemValue key = mem_borrow(id);
    return mem_row_find(ledger, t, &key);
}

static GPtrArray *memory_deliveries_due(LedgerUnit *unit, gint64 wall_now_ms, guint limit,
                                        GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    g_autoptr(GPtrArray) due = g_ptr_array_new();
    GHashTableIter it;
    gpointer d;
    g_hash_table_iter_init(&it, ledger->rows[MEM_DELIVERIES]);
    while (g_hash_table_iter_next(&it, &d, NULL))
        if (g_strcmp0(mem_str(d, DL_STATE), "pending") == 0 && mem_i(d, DL_NEXT) <= wall_now_ms)
            g_ptr_array_add(due, d);
    g_ptr_array_sort(due, soonest_first);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_delivery_free);
    for (guint i = 0; i < due->len && (limit == 0 || out->len < limit); i++) {
        const MemRow *row = g_ptr_array_index(due, i);
        MemValue seq = row->v[DL_EVENT_SEQ];
        const MemRow *e = mem_row_find(ledger, MEM_EVENTS, &seq);
        const MemRow *w = find_by_text(ledger, MEM_WEBHOOK_ENDPOINTS, mem_str(row, DL_ENDPOINT_ID));
        if (e == NULL || w == NULL) /* the JOINs */
            continue;
        TenderDelivery *out_d = g_new0(TenderDelivery, 1);
        out_d->event_seq = mem_i(row, DL_EVENT_SEQ);
        out_d->event_id = mem_dup(e, EV_ID);
        out_d->endpoint_id = mem_dup(row, DL_ENDPOINT_ID);
        out_d->url = mem_dup(w, 1);
        out_d->secret = mem_dup(w, 3);
        out_d->body = mem_dup(e, EV_BODY);
        out_d->attempts = (guint)mem_i(row, DL_ATTEMPTS);
        g_ptr_array_add(out, out_d);
        /* Claimed as the other backends claim (ledger-backend.h): not due
         * again until delivery_record says, or the claim runs out. */
        if (unit->mode == LEDGER_UNIT_WRITE) {
            MemRow *claimed = (MemRow *)row;
            mem_row_change_begin(unit, MEM_DELIVERIES, claimed);
            mem_row_set_int(unit, MEM_DELIVERIES, claimed, DL_NEXT,
                            wall_now_ms + LEDGER_DELIVERY_CLAIM_MS);
            mem_row_change_end(unit, MEM_DELIVERIES, claimed);
        }
    }
    return out;
}

static gboolean memory_delivery_record(LedgerUnit *unit, gint64 event_seq, const char *endpoint_id,
                                       const char *state, guint http_status, const char *why,
                                       gint64 wall_now_ms, gint64 next_ms, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    MemRow *d = endpoint_id ? find_delivery(ledger, event_seq, endpoint_id) : NULL;
    if (d == NULL || g_strcmp0(mem_str(d, DL_STATE), "pending") != 0)
        return TRUE; /* no longer pending: left as it is */
    if (state == NULL)
        return mem_fail(error, "recording a delivery",
                        "NOT NULL constraint failed: deliveries.state");
    mem_row_change_begin(unit, MEM_DELIVERIES, d);
    mem_row_set_int(unit, MEM_DELIVERIES, d, DL_ATTEMPTS, mem_i(d, DL_ATTEMPTS) + 1);
    mem_row_set_text(unit, MEM_DELIVERIES, d, DL_STATE, state);
    mem_row_set_int(unit, MEM_DELIVERIES, d, DL_LAST_STATUS, (int)http_status);
    mem_row_set_text(unit, MEM_DELIVERIES, d, DL_LAST_ERROR, why);
    mem_row_set_int(unit, MEM_DELIVERIES, d, DL_NEXT, next_ms);
    mem_row_set_int(unit, MEM_DELIVERIES, d, DL_DONE, strcmp(state, "pending") == 0 ? 0 : wall_now_ms);
    mem_row_change_end(unit, MEM_DELIVERIES, d);
    return TRUE;
}

static gint64 memory_outbox_depth(LedgerUnit *unit, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    gint64 depth = 0;
    GHashTableIter it;
    gpointer d;
    g_hash_table_iter_init(&it, ledger->rows[MEM_DELIVERIES]);
    while (g_hash_table_iter_next(&it, &d, NULL))
        if (g_strcmp0(mem_str(d, DL_STATE), "pending") == 0)
            depth++;
    return depth;
}

/* ---- API keys -------------------------------------------------------------- */

static TenderApiKey *key_from_row(const MemRow *row)
{
    TenderApiKey *k = g_new0(TenderApiKey, 1);
    k->id = mem_dup(row, 0);
    k->name = mem_dup(row, 1);
    if (!tender_api_scope_from_string(mem_str(row, 2), &k->scope))
        k->scope = TENDER_API_SCOPE_READ; /* an unknown scope grants the least */
    k->created_ms = mem_i(row, 4);
    k->revoked_ms = mem_i(row, 5);
    return k;
}

static gboolean memory_api_key_insert(LedgerUnit *unit, const TenderApiKey *key,
                                      const char *secret_sha256, GError **error)
{
    MemValue *v = g_new(MemValue, 6);
    v[0] = mem_text(key->id);
    v[1] = mem_text(key->name);
    v[2] = mem_text(tender_api_scope_to_string(key->scope));
    v[3] = mem_text(secret_sha256);
    v[4] = mem_int(key->created_ms);
    v[5] = mem_int(0);
    return mem_row_insert(unit, MEM_API_KEYS, v, NULL, "storing an API key", error);
}

/* ORDER BY created_ms, id (api_keys and webhook_endpoints alike). */
static int oldest_first(gconstpointer a, gconstpointer b)
{
    const MemRow *x = *(MemRow *const *)a, *y = *(MemRow *const *)b;
    gint64 cx = mem_i(x, 4), cy = mem_i(y, 4);
    if (cx != cy)
        return cx < cy ? -1 : 1;
    return g_strcmp0(mem_str(x, 0), mem_str(y, 0));
}

static GPtrArray *memory_api_keys(LedgerUnit *unit, GError **error)
{
    (void)error;
    g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger_memory_of(unit), MEM_API_KEYS);
    g_ptr_array_sort(rows, oldest_first);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_api_key_free);
    for (guint i = 0; i < rows->len; i++)
        g_ptr_array_add(out, key_from_row(g_ptr_array_index(rows, i)));
    return out;
}

static gboolean memory_api_key_revoke(LedgerUnit *unit, const char *key_id, gint64 now_ms,
                                      GError **error)
{
    MemRow *row = find_by_text(ledger_memory_of(unit), MEM_API_KEYS, key_id);
    if (row == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no API key '%s'", key_id);
        return FALSE;
    }
    if (mem_i(row, 5) == 0) { /* revoked once */
        mem_row_change_begin(unit, MEM_API_KEYS, row);
        mem_row_set_int(unit, MEM_API_KEYS, row, 5, now_ms);
        mem_row_change_end(unit, MEM_API_KEYS, row);
    }
    return TRUE;
}

static TenderApiKey *memory_api_key_by_digest(LedgerUnit *unit, const char *secret_sha256,
                                              char **stored_sha256_out, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    const MemRow *row =
        secret_sha256 ? g_hash_table_lookup(ledger->key_by_digest, secret_sha256) : NULL;
    if (row == NULL)
        return NULL;
    *stored_sha256_out = mem_dup(row, 3);
    return key_from_row(row);
}

/* ---- webhook endpoints ----------------------------------------------------- */

static gboolean memory_webhook_endpoint_insert(LedgerUnit *unit, const TenderWebhookEndpoint *e,
                                               const char *secret, GError **error)
{
    MemValue *v = g_new(MemValue, 6);
    v[0] = mem_text(e->id);
    v[1] = mem_text(e->url);
    v[2] = mem_text(e->events);
    v[3] = mem_text(secret);
    v[4] = mem_int(e->created_ms);
    v[5] = mem_int(0);
    return mem_row_insert(unit, MEM_WEBHOOK_ENDPOINTS, v, NULL, "storing a webhook endpoint",
                          error);
}

static GPtrArray *memory_webhook_endpoints(LedgerUnit *unit, GError **error)
{
    (void)error;
    g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger_memory_of(unit), MEM_WEBHOOK_ENDPOINTS);
    g_ptr_array_sort(rows, oldest_first);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_webhook_endpoint_free);
    for (guint i = 0; i < rows->len; i++) {
        const MemRow *row = g_ptr_array_index(rows, i);
        TenderWebhookEndpoint *e = g_new0(TenderWebhookEndpoint, 1);
        e->id = mem_dup(row, 0);
        e->url = mem_dup(row, 1);
        e->events = mem_dup(row, 2);
        e->created_ms = mem_i(row, 4);
        e->removed_ms = mem_i(row, 5);
        g_ptr_array_add(out, e);
    }
    return out;
}

static gboolean memory_webhook_endpoint_remove(LedgerUnit *unit, const char *endpoint_id,
                                               gint64 now_ms, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    MemRow *row = find_by_text(ledger, MEM_WEBHOOK_ENDPOINTS, endpoint_id);
    if (row == NULL || mem_i(row, 5) != 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no active webhook endpoint '%s'",
                    endpoint_id);
        return FALSE;
    }
    mem_row_change_begin(unit, MEM_WEBHOOK_ENDPOINTS, row);
    mem_row_set_int(unit, MEM_WEBHOOK_ENDPOINTS, row, 5, now_ms);
    mem_row_change_end(unit, MEM_WEBHOOK_ENDPOINTS, row);
    /* Its pending deliveries are dropped. */
    GHashTableIter it;
    gpointer p;
    g_hash_table_iter_init(&it, ledger->rows[MEM_DELIVERIES]);
    while (g_hash_table_iter_next(&it, &p, NULL)) {
        MemRow *d = p;
        if (g_strcmp0(mem_str(d, DL_ENDPOINT_ID), endpoint_id) != 0 ||
            g_strcmp0(mem_str(d, DL_STATE), "pending") != 0)
            continue;
        mem_row_change_begin(unit, MEM_DELIVERIES, d);
        mem_row_set_text(unit, MEM_DELIVERIES, d, DL_STATE, "dropped");
        mem_row_change_end(unit, MEM_DELIVERIES, d);
    }
    return TRUE;
}

/* ---- idempotent responses -------------------------------------------------- */

static gboolean memory_stored_response_put(LedgerUnit *unit, const char *scope, const char *key,
                                           const TenderStoredResponse *r, gint64 now_ms,
                                           gint64 drop_before_ms, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    if (drop_before_ms > 0) {
        g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger, MEM_IDEMPOTENT_RESPONSES);
        for (guint i = 0; i < rows->len; i++) {
            MemRow *row = g_ptr_array_index(rows, i);
            if (mem_i(row, 7) < drop_before_ms)
                mem_row_delete(unit, MEM_IDEMPOTENT_RESPONSES, row);
        }
    }
    /* INSERT OR IGNORE: a row kept under the key already, or a NULL where
     * the schema forbids one, and nothing is inserted. */
    if (key == NULL || r->fingerprint == NULL)
        return TRUE;
    MemValue k[2] = {mem_borrow(scope ? scope : ""), mem_borrow(key)};
    if (mem_row_find(ledger, MEM_IDEMPOTENT_RESPONSES, k) != NULL)
        return TRUE;
    gsize len = 0;
    const void *data = r->body ? g_bytes_get_data(r->body, &len) : "";
    MemValue *v = g_new(MemValue, 8);
    v[0] = mem_text(scope ? scope : "");
    v[1] = mem_text(key);
    v[2] = mem_text(r->fingerprint);
    v[3] = mem_int((int)r->status);
    v[4] = mem_text(r->content_type ? r->content_type : "");
    v[5] = mem_blob(data ? data : "", len);
    v[6] = mem_text(r->headers ? r->headers : "");
    v[7] = mem_int(now_ms);
    return mem_row_insert(unit, MEM_IDEMPOTENT_RESPONSES, v, NULL,
                          "keeping an idempotent response", error);
}

static TenderStoredResponse *memory_stored_response_get(LedgerUnit *unit, const char *scope,
                                                        const char *key, GError **error)
{
    (void)error;
    if (key == NULL)
        return NULL;
    MemValue k[2] = {mem_borrow(scope ? scope : ""), mem_borrow(key)};
    const MemRow *row = mem_row_find(ledger_memory_of(unit), MEM_IDEMPOTENT_RESPONSES, k);
    if (row == NULL)
        return NULL;
    TenderStoredResponse *r = g_new0(TenderStoredResponse, 1);
    r->fingerprint = mem_dup(row, 2);
    r->status = (guint)mem_i(row, 3);
    r->content_type = mem_dup(row, 4);
    r->body = g_bytes_new(row->v[5].data, row->v[5].length);
    r->headers = mem_dup(row, 6);
    r->created_ms = mem_i(row, 7);
    return r;
}

/* ---- isolated plugins' crashes --------------------------------------------- */

static gboolean memory_crash_add(LedgerUnit *unit, const char *plugin_id, gint64 at_ms,
                                 const char *reason, GError **error)
{
    MemValue *v = g_new(MemValue, 3);
    v[0] = mem_text(plugin_id);
    v[1] = mem_int(at_ms);
    v[2] = mem_text(reason);
    return mem_row_insert(unit, MEM_PLUGIN_CRASHES, v, NULL, "recording a plugin crash", error);
}

/* ORDER BY at_ms, rowid */
static int crash_order(gconstpointer a, gconstpointer b)
{
    const MemRow *x = *(MemRow *const *)a, *y = *(MemRow *const *)b;
    if (mem_i(x, 1) != mem_i(y, 1))
        return mem_i(x, 1) < mem_i(y, 1) ? -1 : 1;
    return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static gboolean memory_crash_history(LedgerUnit *unit, const char *plugin_id, gint64 since_ms,
                                     GArray *at_ms, char **last_reason, GError **error)
{
    (void)error;
    g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger_memory_of(unit), MEM_PLUGIN_CRASHES);
    g_ptr_array_sort(rows, crash_order);
    for (guint i = 0; i < rows->len; i++) {
        const MemRow *row = g_ptr_array_index(rows, i);
        if (plugin_id == NULL || g_strcmp0(mem_str(row, 0), plugin_id) != 0 ||
            mem_i(row, 1) < since_ms)
            continue;
        gint64 at = mem_i(row, 1);
        g_array_append_val(at_ms, at);
        if (last_reason != NULL) {
            g_free(*last_reason);
            *last_reason = mem_dup(row, 2);
        }
    }
    return TRUE;
}

static gboolean memory_crash_clear(LedgerUnit *unit, const char *plugin_id, GError **error)
{
    (void)error;
    g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger_memory_of(unit), MEM_PLUGIN_CRASHES);
    for (guint i = 0; i < rows->len; i++) {
        MemRow *row = g_ptr_array_index(rows, i);
        if (plugin_id != NULL && g_strcmp0(mem_str(row, 0), plugin_id) == 0)
            mem_row_delete(unit, MEM_PLUGIN_CRASHES, row);
    }
    return TRUE;
}

void ledger_memory_service_fill(LedgerBackend *b)
{
    b->event_insert = memory_event_insert;
    b->events = memory_events;
    b->event_resend = memory_event_resend;
    b->deliveries_due = memory_deliveries_due;
    b->delivery_record = memory_delivery_record;
    b->outbox_depth = memory_outbox_depth;
    b->api_key_insert = memory_api_key_insert;
    b->api_keys = memory_api_keys;
    b->api_key_revoke = memory_api_key_revoke;
    b->api_key_by_digest = memory_api_key_by_digest;
    b->webhook_endpoint_insert = memory_webhook_endpoint_insert;
    b->webhook_endpoints = memory_webhook_endpoints;
    b->webhook_endpoint_remove = memory_webhook_endpoint_remove;
    b->stored_response_put = memory_stored_response_put;
    b->stored_response_get = memory_stored_response_get;
    b->crash_add = memory_crash_add;
    b->crash_history = memory_crash_history;
    b->crash_clear = memory_crash_clear;
}
