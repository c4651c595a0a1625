/* The PostgreSQL backend's payments (ledger-backend.h): the payment rows,
 * their operations, idempotency keys, the usage counters and the queries.
 * What keeps several hosts apart is stated where it is taken: the payment
 * row (FOR UPDATE), the idempotency key (an advisory transaction lock) and
 * the counter rows (locked by an upsert), each held until the unit ends. */
#include "ledger-postgres.h"

#include <string.h>

#include <tender/money.h>

#define text ledger_postgres_text
#define num ledger_postgres_int
#define text_at ledger_postgres_text_at
#define int_at ledger_postgres_int_at

/* ---- payments ----------------------------------------------------------- */

static LedgerPayment *payment_from_row(const PGresult *r, int row)
{
    LedgerPayment *p = g_new0(LedgerPayment, 1);
    TenderPayment *pub = &p->pub;
    int i = 0;
    pub->id = text_at(r, row, i++);
    pub->method = text_at(r, row, i++);
    pub->account = text_at(r, row, i++);
    pub->tier = text_at(r, row, i++);
    pub->region = text_at(r, row, i++);
    pub->currency = text_at(r, row, i++);
    pub->exponent = (int)int_at(r, row, i++);
    if (!tender_status_from_string(PQgetvalue(r, row, i++), &pub->status))
        pub->status = TENDER_STATUS_UNKNOWN;
    pub->amount = int_at(r, row, i++);
    pub->captured = int_at(r, row, i++);
    pub->refunded = int_at(r, row, i++);
    pub->fee = int_at(r, row, i++);
    pub->order_currency = text_at(r, row, i++);
    pub->order_amount = int_at(r, row, i++);
    /* Not stored: order_amount is in the order currency's ISO minor units. */
    pub->order_exponent = tender_currency_exponent(pub->order_currency ? pub->order_currency : "");
    pub->processor_ref = text_at(r, row, i++);
    p->plugin_state = text_at(r, row, i++);
    pub->idempotency_key = text_at(r, row, i++);
    p->request_hash = text_at(r, row, i++);
    pub->action_kind = (guint32)int_at(r, row, i++);
    pub->action_data = text_at(r, row, i++);
    pub->action_hint = text_at(r, row, i++);
    pub->action_expires_ms = int_at(r, row, i++);
    pub->decline_code = (guint32)int_at(r, row, i++);
    pub->decline_raw_code = text_at(r, row, i++);
    pub->decline_message = text_at(r, row, i++);
    pub->brand = text_at(r, row, i++);
    pub->first6 = text_at(r, row, i++);
    pub->last4 = text_at(r, row, i++);
    pub->display_account = text_at(r, row, i++);
    pub->issuer_country = text_at(r, row, i++);
    pub->details = text_at(r, row, i++);
    pub->created_ms = int_at(r, row, i++);
    pub->updated_ms = int_at(r, row, i++);
    p->authorized_ms = int_at(r, row, i++);
    pub->hold_expires_ms = int_at(r, row, i++);
    p->busy_until_ms = int_at(r, row, i++);
    p->busy_seq = int_at(r, row, i++);
    pub->effective_tier = text_at(r, row, i++);
    pub->exchange_rate = text_at(r, row, i++);
    return p;
}

/* busy_seq's place in LEDGER_PAYMENT_COLUMNS (and bind_payment). */
#define PAYMENT_BUSY_SEQ_PARAMETER 37

/* Every column, $1.. in LEDGER_PAYMENT_COLUMNS order. */
static void bind_payment(PgParams *s, const LedgerPayment *p)
{
    const TenderPayment *pub = &p->pub;
    text(s, pub->id);
    text(s, pub->method);
    text(s, pub->account ? pub->account : "");
    text(s, pub->tier ? pub->tier : "");
    text(s, pub->region);
    text(s, pub->currency);
    num(s, pub->exponent);
    text(s, tender_status_to_string(pub->status));
    num(s, pub->amount);
    num(s, pub->captured);
    num(s, pub->refunded);
    num(s, pub->fee);
    text(s, pub->order_currency ? pub->order_currency : pub->currency);
    num(s, pub->order_currency ? pub->order_amount : pub->amount);
    text(s, pub->processor_ref ? pub->processor_ref : "");
    text(s, p->plugin_state ? p->plugin_state : "");
    text(s, pub->idempotency_key);
    text(s, p->request_hash ? p->request_hash : "");
    num(s, pub->action_kind);
    text(s, pub->action_data);
    text(s, pub->action_hint);
    num(s, pub->action_expires_ms);
    num(s, pub->decline_code);
    text(s, pub->decline_raw_code);
    text(s, pub->decline_message);
    text(s, pub->brand);
    text(s, pub->first6);
    text(s, pub->last4);
    text(s, pub->display_account);
    text(s, pub->issuer_country);
    text(s, pub->details);
    num(s, pub->created_ms);
    num(s, pub->updated_ms);
    num(s, p->authorized_ms);
    num(s, pub->hold_expires_ms);
    num(s, p->busy_until_ms);
    num(s, p->busy_seq);
    text(s, pub->effective_tier);
    text(s, pub->exchange_rate);
}

static LedgerPayment *postgres_payment_get(LedgerUnit *base, const char *id, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    text(&s, id);
    /* A writer locks the row until its unit ends: the engine's
     * read-check-write of a payment is one step for every other host. */
    const char *sql = base->mode == LEDGER_UNIT_WRITE ? "SELECT " LEDGER_PAYMENT_COLUMNS
                                                        " FROM payments WHERE id = $1 FOR UPDATE"
                                                      : "SELECT " LEDGER_PAYMENT_COLUMNS
                                                        " FROM payments WHERE id = $1";
    PGresult *r = ledger_postgres_run(unit, sql, &s, FALSE, error, "reading a payment");
    if (r == NULL)
        return NULL;
    LedgerPayment *p = NULL;
    if (PQntuples(r) == 1)
        p = payment_from_row(r, 0);
    else
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no payment '%s'", id);
    PQclear(r);
    return p;
}

static gboolean postgres_payment_insert(LedgerUnit *base, const LedgerPayment *p, GError **error)
{
    PgParams s = {0};
    bind_payment(&s, p);
    /* A unique key taken by another host's unit first (the key's advisory
     * lock makes this rare) is a retry: run again, the unit finds it. */
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "INSERT INTO payments (" LEDGER_PAYMENT_COLUMNS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,"
        " $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39)",
        &s, TRUE, error, "inserting a payment");
    PQclear(r);
    return r != NULL;
}

/* The UPDATE of the columns in mask. Its parameters are those of
 * bind_payment that it names, renumbered $1.. in order ($1 the id), since
 * PostgreSQL wants every parameter it is given to appear in the text. */
static const char *update_sql(PgLedger *ledger, guint32 mask)
{
    g_mutex_lock(&ledger->lock);
    const char *sql = g_hash_table_lookup(ledger->updates, GUINT_TO_POINTER(mask));
    if (sql == NULL) {
        GString *s = g_string_new("UPDATE payments SET ");
        int n = 1;
        for (guint i = 0; i < LEDGER_PAYMENT_CHANGEABLE; i++) {
            if (!(mask & (1u << i)))
                continue;
            n++;
            g_string_append_printf(s, "%s%s = $%d", n > 2 ? ", " : "",
                                   ledger_payment_changeable[i].column, n);
        }
        g_string_append(s, " WHERE id = $1");
        sql = g_string_free(s, FALSE);
        g_hash_table_insert(ledger->updates, GUINT_TO_POINTER(mask), (gpointer)sql);
    }
    g_mutex_unlock(&ledger->lock);
    return sql;
}

static gboolean postgres_payment_update(LedgerUnit *base, const LedgerPayment *old,
                                        const LedgerPayment *p, GError **error)
{
    PgLedger *ledger = ledger_postgres_of(base);
    /* Only the columns that changed: fewer bytes, and an update that
     * touches no indexed column stays a HOT update (no index written). */
    guint32 mask = old ? ledger_payment_changed(old, p) : (1u << LEDGER_PAYMENT_CHANGEABLE) - 1;
    if (mask == 0)
        return TRUE;
    PgParams all = {0};
    bind_payment(&all, p);
    PgParams s = {0};
    text(&s, all.values[0]);
    for (guint i = 0; i < LEDGER_PAYMENT_CHANGEABLE; i++)
        if (mask & (1u << i))
            text(&s, all.values[ledger_payment_changeable[i].parameter - 1]);
    return ledger_postgres_do((PgUnit *)base, update_sql(ledger, mask), &s, error,
                              "updating a payment");
}

static gboolean postgres_payment_set_lease(LedgerUnit *base, const char *id, gint64 busy_until_ms,
                                           gint64 busy_seq, GError **error)
{
    PgParams s = {0};
    text(&s, id);
    num(&s, busy_until_ms);
    num(&s, busy_seq);
    return ledger_postgres_do((PgUnit *)base,
                              "UPDATE payments SET busy_until_ms = $2, busy_seq = $3 WHERE id = $1",
                              &s, error, "leasing a payment");
}

/* ---- operations --------------------------------------------------------- */

#define OPERATION_COLUMNS                                                                          \
    "seq, kind, request_id, idempotency_key, amount, outcome, decline_code, raw_code, "            \
    "message, processor_ref, status_after, created_ms, attempts"
#define OPERATION_COLUMN_COUNT 13

static TenderOperation *operation_from_row(const PGresult *r, int row)
{
    TenderOperation *op = g_new0(TenderOperation, 1);
    int i = 0;
    op->seq = int_at(r, row, i++);
    op->kind = text_at(r, row, i++);
    op->request_id = text_at(r, row, i++);
    op->idempotency_key = text_at(r, row, i++);
    op->amount = int_at(r, row, i++);
    op->outcome = text_at(r, row, i++);
    op->decline_code = text_at(r, row, i++);
    op->raw_code = text_at(r, row, i++);
    op->message = text_at(r, row, i++);
    op->processor_ref = text_at(r, row, i++);
    op->status_after = text_at(r, row, i++);
    op->created_ms = int_at(r, row, i++);
    op->attempts = (guint)int_at(r, row, i++);
    return op;
}

/* An operation's columns after its payment_id, in the order of the
 * INSERTs below (kind .. created_ms, request_hash). */
static void bind_operation(PgParams *s, const TenderOperation *op, const char *request_hash)
{
    text(s, op->kind);
    text(s, op->request_id ? op->request_id : "");
    text(s, op->idempotency_key);
    num(s, op->amount);
    text(s, op->outcome);
    text(s, op->decline_code);
    text(s, op->raw_code);
    text(s, op->message);
    text(s, op->processor_ref);
    text(s, op->status_after);
    num(s, op->created_ms);
    text(s, request_hash ? request_hash : "");
}

/* The seq an INSERT ... RETURNING seq gave the operation (r NULL: it
 * failed). */
static gboolean take_seq(PGresult *r, TenderOperation *op)
{
    if (r == NULL)
        return FALSE;
    op->seq = int_at(r, 0, 0);
    PQclear(r);
    return TRUE;
}

static gboolean postgres_operation_insert(LedgerUnit *base, const char *payment_id,
                                          TenderOperation *op, const char *request_hash,
                                          GError **error)
{
    PgParams s = {0};
    text(&s, payment_id);
    bind_operation(&s, op, request_hash);
    /* A key of this payment's operation taken by another host first: the
     * payment's row lock makes it unlikely; run again and find it. */
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "INSERT INTO operations (payment_id, kind, request_id, idempotency_key, amount, outcome,"
        " decline_code, raw_code, message, processor_ref, status_after, created_ms,"
        " request_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " RETURNING seq",
        &s, TRUE, error, "recording an operation");
    return take_seq(r, op);
}

/* A new payment, its first operation and the payment's lease on it in one
 * statement, one round trip: the operation's seq is drawn first, so the
 * payment is inserted already leased to it, where payment_insert,
 * operation_insert and payment_set_lease took three (and the UPDATE of the
 * lease rewrote the row just inserted). The operation's foreign key is
 * checked at the end of the statement, when its payment is there. */
static gboolean postgres_payment_insert_leased(LedgerUnit *base, const LedgerPayment *p,
                                               TenderOperation *op, const char *request_hash,
                                               GError **error)
{
    /* The payment's parameters but busy_seq, which is the operation's seq,
     * then the operation's from $39. */
    PgParams all = {0};
    bind_payment(&all, p);
    PgParams s = {0};
    for (int i = 0; i < all.n; i++)
        if (i + 1 != PAYMENT_BUSY_SEQ_PARAMETER)
            text(&s, all.values[i]);
    bind_operation(&s, op, request_hash);
    /* A unique idempotency key another host's unit took first is a retry,
     * as in payment_insert. */
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "WITH op AS (SELECT nextval(pg_get_serial_sequence('operations', 'seq')) AS seq),"
        " payment AS (INSERT INTO payments (" LEDGER_PAYMENT_COLUMNS
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        " $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34,"
        " $35, $36, (SELECT seq FROM op), $37, $38) RETURNING id)"
        " INSERT INTO operations (seq, payment_id, kind, request_id, idempotency_key, amount,"
        " outcome, decline_code, raw_code, message, processor_ref, status_after, created_ms,"
        " request_hash) VALUES ((SELECT seq FROM op), (SELECT id FROM payment), $39, $40, $41,"
        " $42, $43, $44, $45, $46, $47, $48, $49, $50)"
        " RETURNING seq",
        &s, TRUE, error, "inserting a payment with its operation");
    return take_seq(r, op);
}

static gboolean postgres_operation_update(LedgerUnit *base, const TenderOperation *op,
                                          const char *plugin_state, GError **error)
{
    PgParams s = {0};
    num(&s, op->seq);
    num(&s, op->amount);
    text(&s, op->outcome);
    text(&s, op->decline_code);
    text(&s, op->raw_code);
    text(&s, op->message);
    text(&s, op->processor_ref);
    text(&s, op->status_after);
    num(&s, op->attempts);
    text(&s, plugin_state && plugin_state[0] ? plugin_state : NULL);
    return ledger_postgres_do(
        (PgUnit *)base,
        "UPDATE operations SET amount = $2, outcome = $3, decline_code = $4, raw_code = $5,"
        " message = $6, processor_ref = $7, status_after = $8, attempts = $9,"
        " plugin_state = $10 WHERE seq = $1",
        &s, error, "updating an operation");
}

static GPtrArray *postgres_operations(LedgerUnit *base, const char *payment_id, GError **error)
{
    PgParams s = {0};
    text(&s, payment_id);
    PGresult *r = ledger_postgres_run((PgUnit *)base,
                                      "SELECT " OPERATION_COLUMNS
                                      " FROM operations WHERE payment_id = $1 ORDER BY seq",
                                      &s, FALSE, error, "reading operations");
    if (r == NULL)
        return NULL;
    GPtrArray *ops = g_ptr_array_new_with_free_func((GDestroyNotify)tender_operation_free);
    for (int row = 0; row < PQntuples(r); row++)
        g_ptr_array_add(ops, operation_from_row(r, row));
    PQclear(r);
    return ops;
}

static TenderOperation *postgres_operation_by_key(LedgerUnit *base, const char *payment_id,
                                                  const char *kind, const char *key,
                                                  char **request_hash_out, GError **error)
{
    PgParams s = {0};
    text(&s, payment_id);
    text(&s, kind);
    text(&s, key);
    PGresult *r =
        ledger_postgres_run((PgUnit *)base,
                            "SELECT " OPERATION_COLUMNS ", request_hash FROM operations"
                            " WHERE payment_id = $1 AND kind = $2 AND idempotency_key = $3",
                            &s, FALSE, error, "reading operations");
    if (r == NULL)
        return NULL;
    TenderOperation *op = NULL;
    if (PQntuples(r) == 1) {
        op = operation_from_row(r, 0);
        if (request_hash_out)
            *request_hash_out = text_at(r, 0, OPERATION_COLUMN_COUNT);
    }
    PQclear(r);
    return op;
}

/* ---- idempotency keys ----------------------------------------------------- */

static char *postgres_key_lookup(LedgerUnit *base, const char *key, char **request_hash_out,
                                 GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    text(&s, key);
    /* The key is reserved to this unit until it ends, present or not: an
     * advisory lock on its hash, which another host's unit asking for the
     * same key waits for, and then finds the payment this one made. (Two
     * keys with one hash merely wait for each other.) */
    if (base->mode == LEDGER_UNIT_WRITE &&
        !ledger_postgres_do(unit, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &s,
                            error, "reserving an idempotency key"))
        return NULL;
    PGresult *r = ledger_postgres_run(
        unit, "SELECT id, request_hash FROM payments WHERE idempotency_key = $1", &s, FALSE, error,
        "reading idempotency keys");
    if (r == NULL)
        return NULL;
    char *id = NULL;
    if (PQntuples(r) == 1) {
        id = text_at(r, 0, 0);
        if (request_hash_out)
            *request_hash_out = text_at(r, 0, 1);
    }
    PQclear(r);
    return id;
}

/* ---- usage counters ----------------------------------------------------- */

static gboolean postgres_usage_get(LedgerUnit *base, const char *key, gint64 *amount_out,
                                   GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    text(&s, key);
    *amount_out = 0;
    /* A writer locks the counter, even one not yet created: the upsert
     * creates it at 0 or takes the row lock of the existing one (waiting
     * for a unit of another host that holds it, then reading what that one
     * committed), and the lock holds until this unit ends. So two hosts
     * checking one limit take turns, and the second sees the first's
     * payment counted. A plain SELECT ... FOR UPDATE would lock nothing
     * for a counter that does not exist yet. */
    const char *sql = base->mode == LEDGER_UNIT_WRITE
                          ? "INSERT INTO usage (key, amount) VALUES ($1, 0) ON CONFLICT (key)"
                            " DO UPDATE SET amount = usage.amount RETURNING amount"
                          : "SELECT amount FROM usage WHERE key = $1";
    PGresult *r = ledger_postgres_run(unit, sql, &s, FALSE, error, "reading usage");
    if (r == NULL)
        return FALSE;
    if (PQntuples(r) == 1)
        *amount_out = int_at(r, 0, 0);
    PQclear(r);
    return TRUE;
}

static gboolean postgres_usage_add(LedgerUnit *base, const char *key, gint64 delta, GError **error)
{
    if (delta == 0)
        return TRUE;
    PgParams s = {0};
    text(&s, key);
    num(&s, delta);
    return ledger_postgres_do((PgUnit *)base,
                              "INSERT INTO usage (key, amount) VALUES ($1, $2)"
                              " ON CONFLICT (key) DO UPDATE SET amount = usage.amount + $2",
                              &s, error, "updating usage");
}

static gboolean postgres_payment_usage_add(LedgerUnit *base, const char *payment_id,
                                           const char *key, gint64 full_amount, GError **error)
{
    PgParams s = {0};
    text(&s, payment_id);
    text(&s, key);
    num(&s, full_amount);
    return ledger_postgres_do((PgUnit *)base,
                              "INSERT INTO payment_usage (payment_id, key, full_amount, counted)"
                              " VALUES ($1, $2, $3, $3) ON CONFLICT (payment_id, key) DO UPDATE"
                              " SET full_amount = $3, counted = $3",
                              &s, error, "recording usage") &&
           postgres_usage_add(base, key, full_amount, error);
}

static gboolean postgres_payment_usage_hold(LedgerUnit *base, const char *payment_id, gint64 held,
                                            gint64 amount, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    text(&s, payment_id);
    PGresult *r = ledger_postgres_run(unit,
                                      "SELECT key, full_amount, counted FROM payment_usage"
                                      " WHERE payment_id = $1 ORDER BY key",
                                      &s, FALSE, error, "reading usage");
    if (r == NULL)
        return FALSE;
    gboolean ok = TRUE;
    for (int row = 0; ok && row < PQntuples(r); row++) {
        const char *key = PQgetvalue(r, row, 0);
        gint64 full = int_at(r, row, 1), counted = int_at(r, row, 2);
        gint64 now_counted = ledger_usage_counted(full, held, amount);
        if (now_counted == counted)
            continue;
        PgParams u = {0};
        text(&u, payment_id);
        text(&u, key);
        num(&u, now_counted);
        ok = ledger_postgres_do(unit,
                                "UPDATE payment_usage SET counted = $3"
                                " WHERE payment_id = $1 AND key = $2",
                                &u, error, "updating usage") &&
             postgres_usage_add(base, key, now_counted - counted, error);
    }
    PQclear(r);
    return ok;
}

/* ---- queries ------------------------------------------------------------ */

static GPtrArray *postgres_list(LedgerUnit *base, const TenderListFilter *f, const char *after_id,
                                gint64 after_created_ms, GError **error)
{
    PgParams s = {0};
    text(&s, f ? f->account : NULL);
    text(&s, f ? f->method : NULL);
    text(&s, f && f->has_status ? tender_status_to_string(f->status) : NULL);
    num(&s, f ? f->from_ms : 0);
    num(&s, f ? f->to_ms : 0);
    if (f && f->limit)
        num(&s, f->limit);
    else
        text(&s, NULL); /* LIMIT NULL: no limit */
    text(&s, after_id);
    num(&s, after_created_ms);
    PGresult *r = ledger_postgres_run(
        (PgUnit *)base,
        "SELECT " LEDGER_PAYMENT_COLUMNS " FROM payments"
        " WHERE ($1::text IS NULL OR account = $1) AND ($2::text IS NULL OR method = $2)"
        " AND ($3::text IS NULL OR status = $3) AND ($4::bigint = 0 OR created_ms >= $4)"
        " AND ($5::bigint = 0 OR created_ms < $5)"
        " AND ($7::text IS NULL OR created_ms < $8 OR (created_ms = $8 AND id < $7))"
        " ORDER BY created_ms DESC, id DESC LIMIT $6::bigint",
        &s, FALSE, error, "listing payments");
    if (r == NULL)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_payment_free);
    for (int row = 0; row < PQntuples(r); row++) {
        LedgerPayment *p = payment_from_row(r, row);
        TenderPayment *pub = g_new(TenderPayment, 1);
        *pub = p->pub; /* steal the public part */
        memset(&p->pub, 0, sizeof p->pub);
        ledger_payment_free(p);
        g_ptr_array_add(out, pub);
    }
    PQclear(r);
    return out;
}

/* The first column of every row (payment ids). */
static GPtrArray *collect_ids(PGresult *r)
{
    if (r == NULL)
        return NULL;
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    for (int row = 0; row < PQntuples(r); row++)
        g_ptr_array_add(ids, text_at(r, row, 0));
    PQclear(r);
    return ids;
}

static GPtrArray *postgres_lapsed_for_account(LedgerUnit *base, const char *account, gint64 now_ms,
                                              GError **error)
{
    PgParams s = {0};
    text(&s, account);
    num(&s, now_ms);
    return collect_ids(ledger_postgres_run(
        (PgUnit *)base,
        "SELECT id FROM payments WHERE account = $1"
        " AND status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0"
        " AND hold_expires_ms <= $2"
        " UNION ALL SELECT id FROM payments WHERE account = $1"
        " AND status = 'requires_action'"
        " AND action_expires_ms > 0 AND action_expires_ms <= $2",
        &s, FALSE, error, "finding lapsed payments"));
}

static GPtrArray *postgres_reconcile_candidates(LedgerUnit *base, gint64 now_ms,
                                                gint64 pending_before_ms, gint64 wall_now_ms,
                                                GError **error)
{
    PgParams s = {0};
    num(&s, now_ms);
    num(&s, pending_before_ms);
    num(&s, wall_now_ms);
    return collect_ids(ledger_postgres_run(
        (PgUnit *)base,
        "SELECT id FROM payments WHERE status = 'unknown'"
        " OR (status = 'pending' AND updated_ms <= $2)"
        " OR (status = 'requires_action' AND action_expires_ms > 0 AND action_expires_ms <= $1)"
        " OR (status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0"
        "     AND hold_expires_ms <= $1)"
        " OR (busy_until_ms > 0 AND busy_until_ms <= $3)"
        " ORDER BY updated_ms, id",
        &s, FALSE, error, "finding payments to reconcile"));
}

void ledger_postgres_payments_fill(LedgerBackend *b)
{
    b->payment_get = postgres_payment_get;
    b->payment_insert = postgres_payment_insert;
    b->payment_insert_leased = postgres_payment_insert_leased;
    b->payment_update = postgres_payment_update;
    b->payment_set_lease = postgres_payment_set_lease;
    b->operation_insert = postgres_operation_insert;
    b->operation_update = postgres_operation_update;
    b->operations = postgres_operations;
    b->operation_by_key = postgres_operation_by_key;
    b->key_lookup = postgres_key_lookup;
    b->usage_get = postgres_usage_get;
    b->usage_add = postgres_usage_add;
    b->payment_usage_add = postgres_payment_usage_add;
    b->payment_usage_hold = postgres_payment_usage_hold;
    b->list = postgres_list;
    b->lapsed_for_account = postgres_lapsed_for_account;
    b->reconcile_candidates = postgres_reconcile_candidates;
}
