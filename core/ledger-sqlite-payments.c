/* The SQLite backend's payments (ledger-backend.h): the payment rows,
 * their operations, the usage counters and the queries over them. */
#include "ledger-sqlite.h"

#include <string.h>

#include <tender/money.h>

/* ---- payments ----------------------------------------------------------- */

/* ---- payments ----------------------------------------------------------- */

static LedgerPayment *payment_from_row(sqlite3_stmt *s)
{
    LedgerPayment *p = g_new0(LedgerPayment, 1);
    TenderPayment *pub = &p->pub;
    int i = 0;
    pub->id = ledger_sqlite_column_text(s, i++);
    pub->method = ledger_sqlite_column_text(s, i++);
    pub->account = ledger_sqlite_column_text(s, i++);
    pub->tier = ledger_sqlite_column_text(s, i++);
    pub->region = ledger_sqlite_column_text(s, i++);
    pub->currency = ledger_sqlite_column_text(s, i++);
    pub->exponent = sqlite3_column_int(s, i++);
    const char *status = (const char *)sqlite3_column_text(s, i++);
    if (!tender_status_from_string(status, &pub->status))
        pub->status = TENDER_STATUS_UNKNOWN;
    pub->amount = sqlite3_column_int64(s, i++);
    pub->captured = sqlite3_column_int64(s, i++);
    pub->refunded = sqlite3_column_int64(s, i++);
    pub->fee = sqlite3_column_int64(s, i++);
    pub->order_currency = ledger_sqlite_column_text(s, i++);
    pub->order_amount = sqlite3_column_int64(s, i++);
    /* Not stored: order_amount is in the order currency's ISO minor units. */
    pub->order_exponent = tender_currency_exponent(pub->order_currency ? pub->order_currency : "");
    pub->processor_ref = ledger_sqlite_column_text(s, i++);
    p->plugin_state = ledger_sqlite_column_text(s, i++);
    pub->idempotency_key = ledger_sqlite_column_text(s, i++);
    p->request_hash = ledger_sqlite_column_text(s, i++);
    pub->action_kind = (guint32)sqlite3_column_int(s, i++);
    pub->action_data = ledger_sqlite_column_text(s, i++);
    pub->action_hint = ledger_sqlite_column_text(s, i++);
    pub->action_expires_ms = sqlite3_column_int64(s, i++);
    pub->decline_code = (guint32)sqlite3_column_int(s, i++);
    pub->decline_raw_code = ledger_sqlite_column_text(s, i++);
    pub->decline_message = ledger_sqlite_column_text(s, i++);
    pub->brand = ledger_sqlite_column_text(s, i++);
    pub->first6 = ledger_sqlite_column_text(s, i++);
    pub->last4 = ledger_sqlite_column_text(s, i++);
    pub->display_account = ledger_sqlite_column_text(s, i++);
    pub->issuer_country = ledger_sqlite_column_text(s, i++);
    pub->details = ledger_sqlite_column_text(s, i++);
    pub->created_ms = sqlite3_column_int64(s, i++);
    pub->updated_ms = sqlite3_column_int64(s, i++);
    p->authorized_ms = sqlite3_column_int64(s, i++);
    pub->hold_expires_ms = sqlite3_column_int64(s, i++);
    p->busy_until_ms = sqlite3_column_int64(s, i++);
    p->busy_seq = sqlite3_column_int64(s, i++);
    pub->effective_tier = ledger_sqlite_column_text(s, i++);
    pub->exchange_rate = ledger_sqlite_column_text(s, i++);
    return p;
}

/* Bind every column but id at positions 2.. in LEDGER_PAYMENT_COLUMNS order. */
/* Bind a string the statement only reads while the caller holds it: the
 * payment's strings live until the step that follows, so SQLite need not
 * copy them (SQLITE_TRANSIENT would: some twenty copies a payment). */
static void bind_static(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static void bind_payment(sqlite3_stmt *s, const LedgerPayment *p)
{
    const TenderPayment *pub = &p->pub;
    int i = 1;
    bind_static(s, i++, pub->id);
    bind_static(s, i++, pub->method);
    bind_static(s, i++, pub->account ? pub->account : "");
    bind_static(s, i++, pub->tier ? pub->tier : "");
    bind_static(s, i++, pub->region);
    bind_static(s, i++, pub->currency);
    sqlite3_bind_int(s, i++, pub->exponent);
    bind_static(s, i++, tender_status_to_string(pub->status));
    sqlite3_bind_int64(s, i++, pub->amount);
    sqlite3_bind_int64(s, i++, pub->captured);
    sqlite3_bind_int64(s, i++, pub->refunded);
    sqlite3_bind_int64(s, i++, pub->fee);
    bind_static(s, i++, pub->order_currency ? pub->order_currency : pub->currency);
    sqlite3_bind_int64(s, i++, pub->order_currency ? pub->order_amount : pub->amount);
    bind_static(s, i++, pub->processor_ref ? pub->processor_ref : "");
    bind_static(s, i++, p->plugin_state ? p->plugin_state : "");
    bind_static(s, i++, pub->idempotency_key);
    bind_static(s, i++, p->request_hash ? p->request_hash : "");
    sqlite3_bind_int(s, i++, (int)pub->action_kind);
    bind_static(s, i++, pub->action_data);
    bind_static(s, i++, pub->action_hint);
    sqlite3_bind_int64(s, i++, pub->action_expires_ms);
    sqlite3_bind_int(s, i++, (int)pub->decline_code);
    bind_static(s, i++, pub->decline_raw_code);
    bind_static(s, i++, pub->decline_message);
    bind_static(s, i++, pub->brand);
    bind_static(s, i++, pub->first6);
    bind_static(s, i++, pub->last4);
    bind_static(s, i++, pub->display_account);
    bind_static(s, i++, pub->issuer_country);
    bind_static(s, i++, pub->details);
    sqlite3_bind_int64(s, i++, pub->created_ms);
    sqlite3_bind_int64(s, i++, pub->updated_ms);
    sqlite3_bind_int64(s, i++, p->authorized_ms);
    sqlite3_bind_int64(s, i++, pub->hold_expires_ms);
    sqlite3_bind_int64(s, i++, p->busy_until_ms);
    sqlite3_bind_int64(s, i++, p->busy_seq);
    bind_static(s, i++, pub->effective_tier);
    bind_static(s, i++, pub->exchange_rate);
}

static LedgerPayment *sqlite_payment_get(LedgerUnit *unit, const char *id, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        ledger_sqlite_stmt(ledger, "SELECT " LEDGER_PAYMENT_COLUMNS " FROM payments WHERE id = ?1");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "reading a payment");
        return NULL;
    }
    ledger_sqlite_bind_text(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return payment_from_row(s);
    if (rc == SQLITE_DONE)
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no payment '%s'", id);
    else
        ledger_sqlite_fail(ledger, error, "reading a payment");
    return NULL;
}

static gboolean sqlite_payment_insert(LedgerUnit *unit, const LedgerPayment *p, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger,
        "INSERT INTO payments (" LEDGER_PAYMENT_COLUMNS
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26,"
        " ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)");
    if (s)
        bind_payment(s, p);
    gboolean ok = ledger_sqlite_step_done(ledger, s, error, "inserting a payment");
    if (s)
        sqlite3_clear_bindings(s); /* they point into p */
    return ok;
}

/* An UPDATE of the columns in mask, prepared once per mask (a payment's
 * life has few distinct sets: the intent's lease, each outcome's). */
static sqlite3_stmt *update_statement(SqliteLedger *ledger, guint32 mask)
{
    sqlite3_stmt *s = g_hash_table_lookup(ledger->updates, GUINT_TO_POINTER(mask));
    if (s == NULL) {
        GString *sql = g_string_new("UPDATE payments SET ");
        for (guint i = 0; i < LEDGER_PAYMENT_CHANGEABLE; i++)
            if (mask & (1u << i))
                g_string_append_printf(sql, "%s%s = ?%d", sql->str[sql->len - 1] == ' ' ? "" : ", ",
                                       ledger_payment_changeable[i].column,
                                       ledger_payment_changeable[i].parameter);
        g_string_append(sql, " WHERE id = ?1");
        int rc = sqlite3_prepare_v3(ledger->db, sql->str, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        g_string_free(sql, TRUE);
        if (rc != SQLITE_OK)
            return NULL;
        g_hash_table_insert(ledger->updates, GUINT_TO_POINTER(mask), s);
    }
    sqlite3_reset(s);
    return s;
}

static gboolean sqlite_payment_update(LedgerUnit *unit, const LedgerPayment *old,
                                      const LedgerPayment *p, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    /* Only the columns that changed: SQLite rewrites an index only when
     * the SET names one of its columns, and encodes only what is set.
     * Without the row as read, every column that may change. */
    guint32 mask = old ? ledger_payment_changed(old, p) : (1u << LEDGER_PAYMENT_CHANGEABLE) - 1;
    if (mask == 0)
        return TRUE;
    sqlite3_stmt *s = update_statement(ledger, mask);
    if (s)
        bind_payment(s, p);
    gboolean ok = ledger_sqlite_step_done(ledger, s, error, "updating a payment");
    if (s)
        sqlite3_clear_bindings(s); /* they point into p */
    return ok;
}

static gboolean sqlite_payment_set_lease(LedgerUnit *unit, const char *id, gint64 busy_until_ms,
                                         gint64 busy_seq, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        ledger_sqlite_stmt(ledger, "UPDATE payments SET busy_until_ms = ?2, busy_seq = ?3"
                                   " WHERE id = ?1");
    if (s) {
        ledger_sqlite_bind_text(s, 1, id);
        sqlite3_bind_int64(s, 2, busy_until_ms);
        sqlite3_bind_int64(s, 3, busy_seq);
    }
    return ledger_sqlite_step_done(ledger, s, error, "leasing a payment");
}

/* ---- operations --------------------------------------------------------- */

#define OPERATION_COLUMNS                                                                          \
    "seq, kind, request_id, idempotency_key, amount, outcome, decline_code, raw_code, "            \
    "message, processor_ref, status_after, created_ms, attempts"
/* How many columns OPERATION_COLUMNS names: a query may select more after them. */
#define OPERATION_COLUMN_COUNT 13

static TenderOperation *operation_from_row(sqlite3_stmt *s)
{
    TenderOperation *op = g_new0(TenderOperation, 1);
    int i = 0;
    op->seq = sqlite3_column_int64(s, i++);
    op->kind = ledger_sqlite_column_text(s, i++);
    op->request_id = ledger_sqlite_column_text(s, i++);
    op->idempotency_key = ledger_sqlite_column_text(s, i++);
    op->amount = sqlite3_column_int64(s, i++);
    op->outcome = ledger_sqlite_column_text(s, i++);
    op->decline_code = ledger_sqlite_column_text(s, i++);
    op->raw_code = ledger_sqlite_column_text(s, i++);
    op->message = ledger_sqlite_column_text(s, i++);
    op->processor_ref = ledger_sqlite_column_text(s, i++);
    op->status_after = ledger_sqlite_column_text(s, i++);
    op->created_ms = sqlite3_column_int64(s, i++);
    op->attempts = (guint)sqlite3_column_int(s, i++);
    return op;
}

static gboolean sqlite_operation_insert(LedgerUnit *unit, const char *payment_id,
                                        TenderOperation *op, const char *request_hash,
                                        GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger,
        "INSERT INTO operations (payment_id, kind, request_id, idempotency_key, amount, outcome,"
        " decline_code, raw_code, message, processor_ref, status_after, created_ms,"
        " request_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (s) {
        ledger_sqlite_bind_text(s, 1, payment_id);
        ledger_sqlite_bind_text(s, 2, op->kind);
        ledger_sqlite_bind_text(s, 3, op->request_id ? op->request_id : "");
        ledger_sqlite_bind_text(s, 4, op->idempotency_key);
        sqlite3_bind_int64(s, 5, op->amount);
        ledger_sqlite_bind_text(s, 6, op->outcome);
        ledger_sqlite_bind_text(s, 7, op->decline_code);
        ledger_sqlite_bind_text(s, 8, op->raw_code);
        ledger_sqlite_bind_text(s, 9, op->message);
        ledger_sqlite_bind_text(s, 10, op->processor_ref);
        ledger_sqlite_bind_text(s, 11, op->status_after);
        sqlite3_bind_int64(s, 12, op->created_ms);
        ledger_sqlite_bind_text(s, 13, request_hash ? request_hash : "");
    }
    if (!ledger_sqlite_step_done(ledger, s, error, "recording an operation"))
        return FALSE;
    op->seq = sqlite3_last_insert_rowid(ledger->db);
    return TRUE;
}

/* The seq the next operation will get: SQLite gives an INTEGER PRIMARY KEY
 * the largest one + 1 (read from the last leaf of the table's B-tree, no
 * scan). 0 when it cannot be read. */
static gint64 next_operation_seq(SqliteLedger *ledger)
{
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, "SELECT max(seq) FROM operations");
    if (s == NULL)
        return 0;
    int rc = sqlite3_step(s);
    gint64 next = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) + 1 : 0;
    sqlite3_reset(s);
    return next;
}

/* A new payment leased to its first operation without the UPDATE that
 * would lease it afterwards (a rewrite of the whole 39-column row): the
 * unit holds the only write lock on the file, so the operation's seq is
 * known before it is inserted, and the payment is inserted with it. Should
 * the guess ever be wrong, the lease is set the long way. */
static gboolean sqlite_payment_insert_leased(LedgerUnit *unit, const LedgerPayment *p,
                                             TenderOperation *op, const char *request_hash,
                                             GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    LedgerPayment leased = *p; /* shares p's strings, for the insert only */
    leased.busy_seq = next_operation_seq(ledger);
    if (!sqlite_payment_insert(unit, &leased, error) ||
        !sqlite_operation_insert(unit, p->pub.id, op, request_hash, error))
        return FALSE;
    return op->seq == leased.busy_seq ||
           sqlite_payment_set_lease(unit, p->pub.id, p->busy_until_ms, op->seq, error);
}

static gboolean sqlite_operation_update(LedgerUnit *unit, const TenderOperation *op,
                                        const char *plugin_state, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger, "UPDATE operations SET amount = ?2, outcome = ?3, decline_code = ?4, raw_code = ?5,"
                " message = ?6, processor_ref = ?7, status_after = ?8, attempts = ?9,"
                " plugin_state = ?10 WHERE seq = ?1");
    if (s) {
        sqlite3_bind_int(s, 9, (int)op->attempts);
        ledger_sqlite_bind_text(s, 10, plugin_state && plugin_state[0] ? plugin_state : NULL);
        sqlite3_bind_int64(s, 1, op->seq);
        sqlite3_bind_int64(s, 2, op->amount);
        ledger_sqlite_bind_text(s, 3, op->outcome);
        ledger_sqlite_bind_text(s, 4, op->decline_code);
        ledger_sqlite_bind_text(s, 5, op->raw_code);
        ledger_sqlite_bind_text(s, 6, op->message);
        ledger_sqlite_bind_text(s, 7, op->processor_ref);
        ledger_sqlite_bind_text(s, 8, op->status_after);
    }
    return ledger_sqlite_step_done(ledger, s, error, "updating an operation");
}

static GPtrArray *sqlite_operations(LedgerUnit *unit, const char *payment_id, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger, "SELECT " OPERATION_COLUMNS " FROM operations WHERE payment_id = ?1 ORDER BY seq");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "reading operations");
        return NULL;
    }
    ledger_sqlite_bind_text(s, 1, payment_id);
    GPtrArray *ops = g_ptr_array_new_with_free_func((GDestroyNotify)tender_operation_free);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        g_ptr_array_add(ops, operation_from_row(s));
    if (rc != SQLITE_DONE) {
        g_ptr_array_unref(ops);
        ledger_sqlite_fail(ledger, error, "reading operations");
        return NULL;
    }
    return ops;
}

static TenderOperation *sqlite_operation_by_key(LedgerUnit *unit, const char *payment_id,
                                                const char *kind, const char *key,
                                                char **request_hash_out, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        ledger_sqlite_stmt(ledger, "SELECT " OPERATION_COLUMNS ", request_hash FROM operations"
                                   " WHERE payment_id = ?1 AND kind = ?2 AND idempotency_key = ?3");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "reading operations");
        return NULL;
    }
    ledger_sqlite_bind_text(s, 1, payment_id);
    ledger_sqlite_bind_text(s, 2, kind);
    ledger_sqlite_bind_text(s, 3, key);
    if (sqlite3_step(s) != SQLITE_ROW)
        return NULL;
    TenderOperation *op = operation_from_row(s);
    if (request_hash_out)
        *request_hash_out = ledger_sqlite_column_text(s, OPERATION_COLUMN_COUNT);
    return op;
}

static char *sqlite_key_lookup(LedgerUnit *unit, const char *key, char **request_hash_out,
                               GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger, "SELECT id, request_hash FROM payments WHERE idempotency_key = ?1");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "reading idempotency keys");
        return NULL;
    }
    ledger_sqlite_bind_text(s, 1, key);
    if (sqlite3_step(s) != SQLITE_ROW)
        return NULL;
    if (request_hash_out)
        *request_hash_out = ledger_sqlite_column_text(s, 1);
    return ledger_sqlite_column_text(s, 0);
}

/* ---- usage counters ----------------------------------------------------- */

static gboolean sqlite_usage_get(LedgerUnit *unit, const char *key, gint64 *amount_out,
                                 GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, "SELECT amount FROM usage WHERE key = ?1");
    *amount_out = 0;
    if (s == NULL)
        return ledger_sqlite_fail(ledger, error, "reading usage");
    ledger_sqlite_bind_text(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *amount_out = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ledger_sqlite_fail(ledger, error, "reading usage");
    return TRUE;
}

static gboolean sqlite_usage_add(LedgerUnit *unit, const char *key, gint64 delta, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    if (delta == 0)
        return TRUE;
    sqlite3_stmt *s =
        ledger_sqlite_stmt(ledger, "INSERT INTO usage (key, amount) VALUES (?1, ?2)"
                                   " ON CONFLICT(key) DO UPDATE SET amount = amount + ?2");
    if (s) {
        ledger_sqlite_bind_text(s, 1, key);
        sqlite3_bind_int64(s, 2, delta);
    }
    return ledger_sqlite_step_done(ledger, s, error, "updating usage");
}

static gboolean sqlite_payment_usage_add(LedgerUnit *unit, const char *payment_id, const char *key,
                                         gint64 full_amount, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        ledger_sqlite_stmt(ledger, "INSERT OR REPLACE INTO payment_usage (payment_id, key,"
                                   " full_amount, counted) VALUES (?1, ?2, ?3, ?3)");
    if (s) {
        ledger_sqlite_bind_text(s, 1, payment_id);
        ledger_sqlite_bind_text(s, 2, key);
        sqlite3_bind_int64(s, 3, full_amount);
    }
    return ledger_sqlite_step_done(ledger, s, error, "recording usage") &&
           sqlite_usage_add(unit, key, full_amount, error);
}

static gboolean sqlite_payment_usage_hold(LedgerUnit *unit, const char *payment_id, gint64 held,
                                          gint64 amount, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s =
        ledger_sqlite_stmt(ledger, "SELECT key, full_amount, counted FROM payment_usage"
                                   " WHERE payment_id = ?1");
    if (s == NULL)
        return ledger_sqlite_fail(ledger, error, "reading usage");
    ledger_sqlite_bind_text(s, 1, payment_id);
    typedef struct {
        char *key;
        gint64 full, counted;
    } Row;
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(Row));
    while (sqlite3_step(s) == SQLITE_ROW) {
        Row r = {ledger_sqlite_column_text(s, 0), sqlite3_column_int64(s, 1),
                 sqlite3_column_int64(s, 2)};
        g_array_append_val(rows, r);
    }
    gboolean ok = TRUE;
    for (guint i = 0; i < rows->len; i++) {
        Row *r = &g_array_index(rows, Row, i);
        gint64 now_counted = ledger_usage_counted(r->full, held, amount);
        if (ok && now_counted != r->counted) {
            sqlite3_stmt *u = ledger_sqlite_stmt(ledger, "UPDATE payment_usage SET counted = ?3"
                                                         " WHERE payment_id = ?1 AND key = ?2");
            if (u) {
                ledger_sqlite_bind_text(u, 1, payment_id);
                ledger_sqlite_bind_text(u, 2, r->key);
                sqlite3_bind_int64(u, 3, now_counted);
            }
            ok = ledger_sqlite_step_done(ledger, u, error, "updating usage") &&
                 sqlite_usage_add(unit, r->key, now_counted - r->counted, error);
        }
        g_free(r->key);
    }
    g_array_unref(rows);
    return ok;
}

/* ---- queries ------------------------------------------------------------ */

static GPtrArray *collect_payments(SqliteLedger *ledger, sqlite3_stmt *s, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_payment_free);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        LedgerPayment *p = payment_from_row(s);
        TenderPayment *pub = g_new(TenderPayment, 1);
        *pub = p->pub; /* steal the public part */
        memset(&p->pub, 0, sizeof p->pub);
        ledger_payment_free(p);
        g_ptr_array_add(out, pub);
    }
    if (rc != SQLITE_DONE) {
        g_ptr_array_unref(out);
        ledger_sqlite_fail(ledger, error, "listing payments");
        return NULL;
    }
    return out;
}

static GPtrArray *sqlite_list(LedgerUnit *unit, const TenderListFilter *f, const char *after_id,
                              gint64 after_created_ms, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger, "SELECT " LEDGER_PAYMENT_COLUMNS " FROM payments"
                " WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR method = ?2)"
                " AND (?3 IS NULL OR status = ?3) AND (?4 = 0 OR created_ms >= ?4)"
                " AND (?5 = 0 OR created_ms < ?5)"
                " AND (?7 IS NULL OR created_ms < ?8 OR (created_ms = ?8 AND id < ?7))"
                " ORDER BY created_ms DESC, id DESC LIMIT ?6");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "listing payments");
        return NULL;
    }
    if (f) {
        ledger_sqlite_bind_text(s, 1, f->account);
        ledger_sqlite_bind_text(s, 2, f->method);
        ledger_sqlite_bind_text(s, 3, f->has_status ? tender_status_to_string(f->status) : NULL);
        sqlite3_bind_int64(s, 4, f->from_ms);
        sqlite3_bind_int64(s, 5, f->to_ms);
        sqlite3_bind_int64(s, 6, f->limit ? (gint64)f->limit : -1);
    } else {
        sqlite3_bind_int64(s, 4, 0);
        sqlite3_bind_int64(s, 5, 0);
        sqlite3_bind_int64(s, 6, -1);
    }
    ledger_sqlite_bind_text(s, 7, after_id);
    sqlite3_bind_int64(s, 8, after_created_ms);
    return collect_payments(ledger, s, error);
}

/* The first column of every row of s (payment ids), then s reset. */
static GPtrArray *collect_ids(sqlite3_stmt *s)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    while (sqlite3_step(s) == SQLITE_ROW)
        g_ptr_array_add(ids, ledger_sqlite_column_text(s, 0));
    sqlite3_reset(s);
    return ids;
}

static GPtrArray *sqlite_lapsed_for_account(LedgerUnit *unit, const char *account, gint64 now_ms,
                                            GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    /* UNION ALL: a payment is in one status, so the two halves never
     * share a row, and SQLite need not build a temporary table to drop
     * duplicates on every new payment. */
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger, "SELECT id FROM payments WHERE account = ?1"
                " AND status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0"
                " AND hold_expires_ms <= ?2"
                " UNION ALL SELECT id FROM payments WHERE account = ?1"
                " AND status = 'requires_action'"
                " AND action_expires_ms > 0 AND action_expires_ms <= ?2");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "finding lapsed payments");
        return NULL;
    }
    ledger_sqlite_bind_text(s, 1, account);
    sqlite3_bind_int64(s, 2, now_ms);
    return collect_ids(s);
}

static GPtrArray *sqlite_reconcile_candidates(LedgerUnit *unit, gint64 now_ms,
                                              gint64 pending_before_ms, gint64 wall_now_ms,
                                              GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(
        ledger,
        "SELECT id FROM payments WHERE status = 'unknown'"
        " OR (status = 'pending' AND updated_ms <= ?2)"
        " OR (status = 'requires_action' AND action_expires_ms > 0 AND action_expires_ms <= ?1)"
        " OR (status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0"
        "     AND hold_expires_ms <= ?1)"
        " OR (busy_until_ms > 0 AND busy_until_ms <= ?3)"
        " ORDER BY updated_ms");
    if (s == NULL) {
        ledger_sqlite_fail(ledger, error, "finding payments to reconcile");
        return NULL;
    }
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int64(s, 2, pending_before_ms);
    sqlite3_bind_int64(s, 3, wall_now_ms);
    return collect_ids(s);
}

void ledger_sqlite_payments_fill(LedgerBackend *b)
{
    b->payment_get = sqlite_payment_get;
    b->payment_insert = sqlite_payment_insert;
    b->payment_update = sqlite_payment_update;
    b->payment_set_lease = sqlite_payment_set_lease;
    b->payment_insert_leased = sqlite_payment_insert_leased;
    b->operation_insert = sqlite_operation_insert;
    b->operation_update = sqlite_operation_update;
    b->operations = sqlite_operations;
    b->operation_by_key = sqlite_operation_by_key;
    b->key_lookup = sqlite_key_lookup;
    b->usage_get = sqlite_usage_get;
    b->usage_add = sqlite_usage_add;
    b->payment_usage_add = sqlite_payment_usage_add;
    b->payment_usage_hold = sqlite_payment_usage_hold;
    b->list = sqlite_list;
    b->lapsed_for_account = sqlite_lapsed_for_account;
    b->reconcile_candidates = sqlite_reconcile_candidates;
}
