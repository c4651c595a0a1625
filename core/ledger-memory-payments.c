/* The in-memory backend's payments (ledger-backend.h): payment rows, their
 * operations, the usage counters, idempotency keys and the queries. Each
 * operation does what the SQLite backend's statement does
 * (ledger-sqlite-payments.c): the same rows, the same order, the same
 * defaults. */
#include "ledger-memory-private.h"

#include <string.h>

#include <tender/money.h>

static MemRow *find_payment(MemLedger *ledger, const char *id)
{
    if (id == NULL)
        return NULL;
    MemValue key = mem_borrow(id);
    return mem_row_find(ledger, MEM_PAYMENTS, &key);
}

/* ---- payments ----------------------------------------------------------- */

/* The value of a payment column as the SQLite backend binds it
 * (bind_payment): "" for the columns it never leaves NULL. Borrowed from
 * p. */
static MemValue payment_value(const LedgerPayment *p, guint column)
{
    const TenderPayment *pub = &p->pub;
    switch (column) {
    case 0: return mem_borrow(pub->id);
    case 1: return mem_borrow(pub->method);
    case 2: return mem_borrow(pub->account ? pub->account : "");
    case 3: return mem_borrow(pub->tier ? pub->tier : "");
    case 4: return mem_borrow(pub->region);
    case 5: return mem_borrow(pub->currency);
    case 6: return mem_int(pub->exponent);
    case 7: return mem_borrow(tender_status_to_string(pub->status));
    case 8: return mem_int(pub->amount);
    case 9: return mem_int(pub->captured);
    case 10: return mem_int(pub->refunded);
    case 11: return mem_int(pub->fee);
    case 12: return mem_borrow(pub->order_currency ? pub->order_currency : pub->currency);
    case 13: return mem_int(pub->order_currency ? pub->order_amount : pub->amount);
    case 14: return mem_borrow(pub->processor_ref ? pub->processor_ref : "");
    case 15: return mem_borrow(p->plugin_state ? p->plugin_state : "");
    case 16: return mem_borrow(pub->idempotency_key);
    case 17: return mem_borrow(p->request_hash ? p->request_hash : "");
    case 18: return mem_int((int)pub->action_kind);
    case 19: return mem_borrow(pub->action_data);
    case 20: return mem_borrow(pub->action_hint);
    case 21: return mem_int(pub->action_expires_ms);
    case 22: return mem_int((int)pub->decline_code);
    case 23: return mem_borrow(pub->decline_raw_code);
    case 24: return mem_borrow(pub->decline_message);
    case 25: return mem_borrow(pub->brand);
    case 26: return mem_borrow(pub->first6);
    case 27: return mem_borrow(pub->last4);
    case 28: return mem_borrow(pub->display_account);
    case 29: return mem_borrow(pub->issuer_country);
    case 30: return mem_borrow(pub->details);
    case 31: return mem_int(pub->created_ms);
    case 32: return mem_int(pub->updated_ms);
    case 33: return mem_int(p->authorized_ms);
    case 34: return mem_int(pub->hold_expires_ms);
    case 35: return mem_int(p->busy_until_ms);
    case 36: return mem_int(p->busy_seq);
    case 37: return mem_borrow(pub->effective_tier);
    case 38: return mem_borrow(pub->exchange_rate);
    default: g_assert_not_reached();
    }
}

static LedgerPayment *payment_from_row(const MemRow *row)
{
    LedgerPayment *p = g_new0(LedgerPayment, 1);
    TenderPayment *pub = &p->pub;
    guint i = 0;
    pub->id = mem_dup(row, i++);
    pub->method = mem_dup(row, i++);
    pub->account = mem_dup(row, i++);
    pub->tier = mem_dup(row, i++);
    pub->region = mem_dup(row, i++);
    pub->currency = mem_dup(row, i++);
    pub->exponent = (int)mem_i(row, i++);
    if (!tender_status_from_string(mem_str(row, i++), &pub->status))
        pub->status = TENDER_STATUS_UNKNOWN;
    pub->amount = mem_i(row, i++);
    pub->captured = mem_i(row, i++);
    pub->refunded = mem_i(row, i++);
    pub->fee = mem_i(row, i++);
    pub->order_currency = mem_dup(row, i++);
    pub->order_amount = mem_i(row, i++);
    /* Not stored: order_amount is in the order currency's ISO minor units. */
    pub->order_exponent = tender_currency_exponent(pub->order_currency ? pub->order_currency : "");
    pub->processor_ref = mem_dup(row, i++);
    p->plugin_state = mem_dup(row, i++);
    pub->idempotency_key = mem_dup(row, i++);
    p->request_hash = mem_dup(row, i++);
    pub->action_kind = (guint32)mem_i(row, i++);
    pub->action_data = mem_dup(row, i++);
    pub->action_hint = mem_dup(row, i++);
    pub->action_expires_ms = mem_i(row, i++);
    pub->decline_code = (guint32)mem_i(row, i++);
    pub->decline_raw_code = mem_dup(row, i++);
    pub->decline_message = mem_dup(row, i++);
    pub->brand = mem_dup(row, i++);
    pub->first6 = mem_dup(row, i++);
    pub->last4 = mem_dup(row, i++);
    pub->display_account = mem_dup(row, i++);
    pub->issuer_country = mem_dup(row, i++);
    pub->details = mem_dup(row, i++);
    pub->created_ms = mem_i(row, i++);
    pub->updated_ms = mem_i(row, i++);
    p->authorized_ms = mem_i(row, i++);
    pub->hold_expires_ms = mem_i(row, i++);
    p->busy_until_ms = mem_i(row, i++);
    p->busy_seq = mem_i(row, i++);
    pub->effective_tier = mem_dup(row, i++);
    pub->exchange_rate = mem_dup(row, i++);
    return p;
}

static LedgerPayment *memory_payment_get(LedgerUnit *unit, const char *id, GError **error)
{
    MemRow *row = find_payment(ledger_memory_of(unit), id);
    if (row == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_NOT_FOUND, "no payment '%s'", id);
        return NULL;
    }
    return payment_from_row(row);
}

static gboolean memory_payment_insert(LedgerUnit *unit, const LedgerPayment *p, GError **error)
{
    MemValue *v = g_new(MemValue, PAY_N_COLUMNS);
    for (guint c = 0; c < PAY_N_COLUMNS; c++)
    {
        MemValue value = payment_value(p, c);
        v[c] = mem_copy(&value);
    }
    return mem_row_insert(unit, MEM_PAYMENTS, v, NULL, "inserting a payment", error);
}

/* Store the columns of mask (bits of ledger_payment_changeable) from p. */
static void store_payment(LedgerUnit *unit, MemRow *row, const LedgerPayment *p, guint32 mask)
{
    mem_row_change_begin(unit, MEM_PAYMENTS, row);
    for (guint i = 0; i < LEDGER_PAYMENT_CHANGEABLE; i++)
        if (mask & (1u << i)) {
            guint column = (guint)ledger_payment_changeable[i].parameter - 1;
            MemValue value = payment_value(p, column);
            mem_row_set(unit, MEM_PAYMENTS, row, column, &value);
        }
    mem_row_change_end(unit, MEM_PAYMENTS, row);
}

static gboolean memory_payment_update(LedgerUnit *unit, const LedgerPayment *old,
                                      const LedgerPayment *p, GError **error)
{
    /* Only the columns that changed (every changeable one without the row
     * as read): fewer copies, and the undo log keeps only those. */
    guint32 mask = old ? ledger_payment_changed(old, p) : (1u << LEDGER_PAYMENT_CHANGEABLE) - 1;
    MemRow *row = find_payment(ledger_memory_of(unit), p->pub.id);
    if (mask == 0 || row == NULL) /* an UPDATE of no row changes nothing */
        return TRUE;
    /* Nothing stored here can break a constraint: the NOT NULL columns it
     * sets get a default, as bind_payment gives them. */
    (void)error;
    store_payment(unit, row, p, mask);
    return TRUE;
}

static gboolean memory_payment_set_lease(LedgerUnit *unit, const char *id, gint64 busy_until_ms,
                                         gint64 busy_seq, GError **error)
{
    (void)error;
    MemRow *row = find_payment(ledger_memory_of(unit), id);
    if (row == NULL)
        return TRUE;
    mem_row_change_begin(unit, MEM_PAYMENTS, row);
    mem_row_set_int(unit, MEM_PAYMENTS, row, PAY_BUSY_UNTIL, busy_until_ms);
    mem_row_set_int(unit, MEM_PAYMENTS, row, PAY_BUSY_SEQ, busy_seq);
    mem_row_change_end(unit, MEM_PAYMENTS, row);
    return TRUE;
}

/* ---- operations --------------------------------------------------------- */

static TenderOperation *operation_from_row(const MemRow *row)
{
    TenderOperation *op = g_new0(TenderOperation, 1);
    op->seq = mem_i(row, OP_SEQ);
    op->kind = mem_dup(row, OP_KIND);
    op->request_id = mem_dup(row, OP_REQUEST_ID);
    op->idempotency_key = mem_dup(row, OP_IDEMPOTENCY_KEY);
    op->amount = mem_i(row, OP_AMOUNT);
    op->outcome = mem_dup(row, OP_OUTCOME);
    op->decline_code = mem_dup(row, OP_DECLINE_CODE);
    op->raw_code = mem_dup(row, OP_RAW_CODE);
    op->message = mem_dup(row, OP_MESSAGE);
    op->processor_ref = mem_dup(row, OP_PROCESSOR_REF);
    op->status_after = mem_dup(row, OP_STATUS_AFTER);
    op->created_ms = mem_i(row, OP_CREATED);
    op->attempts = (guint)mem_i(row, OP_ATTEMPTS);
    return op;
}

static gboolean memory_operation_insert(LedgerUnit *unit, const char *payment_id,
                                        TenderOperation *op, const char *request_hash,
                                        GError **error)
{
    MemValue *v = g_new0(MemValue, OP_N_COLUMNS); /* seq NULL: the next one */
    v[OP_PAYMENT_ID] = mem_text(payment_id);
    v[OP_KIND] = mem_text(op->kind);
    v[OP_REQUEST_ID] = mem_text(op->request_id ? op->request_id : "");
    v[OP_IDEMPOTENCY_KEY] = mem_text(op->idempotency_key);
    v[OP_REQUEST_HASH] = mem_text(request_hash ? request_hash : "");
    v[OP_AMOUNT] = mem_int(op->amount);
    v[OP_OUTCOME] = mem_text(op->outcome);
    v[OP_DECLINE_CODE] = mem_text(op->decline_code);
    v[OP_RAW_CODE] = mem_text(op->raw_code);
    v[OP_MESSAGE] = mem_text(op->message);
    v[OP_PROCESSOR_REF] = mem_text(op->processor_ref);
    v[OP_STATUS_AFTER] = mem_text(op->status_after);
    v[OP_CREATED] = mem_int(op->created_ms);
    v[OP_ATTEMPTS] = mem_int(0);
    MemRow *row = NULL;
    if (!mem_row_insert(unit, MEM_OPERATIONS, v, &row, "recording an operation", error))
        return FALSE;
    op->seq = mem_i(row, OP_SEQ);
    return TRUE;
}

/* The operation's seq is known before it is inserted (the unit holds the
 * ledger alone), so the payment is inserted with its lease. */
static gboolean memory_payment_insert_leased(LedgerUnit *unit, const LedgerPayment *p,
                                             TenderOperation *op, const char *request_hash,
                                             GError **error)
{
    LedgerPayment leased = *p; /* shares p's strings, for the insert only */
    leased.busy_seq = mem_next_seq(unit, MEM_OPERATIONS);
    return memory_payment_insert(unit, &leased, error) &&
           memory_operation_insert(unit, p->pub.id, op, request_hash, error);
}

static gboolean memory_operation_update(LedgerUnit *unit, const TenderOperation *op,
                                        const char *plugin_state, GError **error)
{
    MemValue seq = mem_int(op->seq);
    MemRow *row = mem_row_find(ledger_memory_of(unit), MEM_OPERATIONS, &seq);
    if (row == NULL)
        return TRUE;
    (void)error;
    mem_row_change_begin(unit, MEM_OPERATIONS, row);
    mem_row_set_int(unit, MEM_OPERATIONS, row, OP_AMOUNT, op->amount);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_OUTCOME, op->outcome);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_DECLINE_CODE, op->decline_code);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_RAW_CODE, op->raw_code);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_MESSAGE, op->message);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_PROCESSOR_REF, op->processor_ref);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_STATUS_AFTER, op->status_after);
    mem_row_set_int(unit, MEM_OPERATIONS, row, OP_ATTEMPTS, (int)op->attempts);
    mem_row_set_text(unit, MEM_OPERATIONS, row, OP_PLUGIN_STATE,
                     plugin_state && plugin_state[0] ? plugin_state : NULL);
    mem_row_change_end(unit, MEM_OPERATIONS, row);
    return TRUE;
}

static GPtrArray *memory_operations(LedgerUnit *unit, const char *payment_id, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    GPtrArray *ops = g_ptr_array_new_with_free_func((GDestroyNotify)tender_operation_free);
    GPtrArray *rows = payment_id ? g_hash_table_lookup(ledger->operations_of, payment_id) : NULL;
    for (guint i = 0; rows && i < rows->len; i++) /* in seq order: see child_index */
        g_ptr_array_add(ops, operation_from_row(g_ptr_array_index(rows, i)));
    return ops;
}

static TenderOperation *memory_operation_by_key(LedgerUnit *unit, const char *payment_id,
                                                const char *kind, const char *key,
                                                char **request_hash_out, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    GPtrArray *rows = payment_id ? g_hash_table_lookup(ledger->operations_of, payment_id) : NULL;
    if (kind == NULL || key == NULL)
        return NULL;
    for (guint i = 0; rows && i < rows->len; i++) {
        const MemRow *row = g_ptr_array_index(rows, i);
        if (g_strcmp0(mem_str(row, OP_KIND), kind) == 0 &&
            g_strcmp0(mem_str(row, OP_IDEMPOTENCY_KEY), key) == 0) {
            if (request_hash_out)
                *request_hash_out = mem_dup(row, OP_REQUEST_HASH);
            return operation_from_row(row);
        }
    }
    return NULL;
}

static char *memory_key_lookup(LedgerUnit *unit, const char *key, char **request_hash_out,
                               GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    const MemRow *row = key ? g_hash_table_lookup(ledger->payment_by_key, key) : NULL;
    if (row == NULL)
        return NULL;
    if (request_hash_out)
        *request_hash_out = mem_dup(row, PAY_REQUEST_HASH);
    return mem_dup(row, PAY_ID);
}

/* ---- usage counters ----------------------------------------------------- */

static MemRow *find_counter(MemLedger *ledger, const char *key)
{
    if (key == NULL)
        return NULL;
    MemValue k = mem_borrow(key);
    return mem_row_find(ledger, MEM_USAGE, &k);
}

static gboolean memory_usage_get(LedgerUnit *unit, const char *key, gint64 *amount_out,
                                 GError **error)
{
    (void)error;
    const MemRow *row = find_counter(ledger_memory_of(unit), key);
    *amount_out = row ? mem_i(row, 1) : 0;
    return TRUE;
}

static gboolean memory_usage_add(LedgerUnit *unit, const char *key, gint64 delta, GError **error)
{
    if (delta == 0)
        return TRUE;
    MemRow *row = find_counter(ledger_memory_of(unit), key);
    if (row == NULL) {
        MemValue *v = g_new(MemValue, 2);
        v[0] = mem_text(key);
        v[1] = mem_int(delta);
        return mem_row_insert(unit, MEM_USAGE, v, NULL, "updating usage", error);
    }
    mem_row_change_begin(unit, MEM_USAGE, row);
    mem_row_set_int(unit, MEM_USAGE, row, 1, mem_i(row, 1) + delta);
    mem_row_change_end(unit, MEM_USAGE, row);
    return TRUE;
}

static gboolean memory_payment_usage_add(LedgerUnit *unit, const char *payment_id, const char *key,
                                         gint64 full_amount, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    /* INSERT OR REPLACE: a row of the same payment and counter goes. */
    if (payment_id && key) {
        MemValue k[2] = {mem_borrow(payment_id), mem_borrow(key)};
        MemRow *old = mem_row_find(ledger, MEM_PAYMENT_USAGE, k);
        if (old)
            mem_row_delete(unit, MEM_PAYMENT_USAGE, old);
    }
    MemValue *v = g_new(MemValue, 4);
    v[0] = mem_text(payment_id);
    v[1] = mem_text(key);
    v[2] = mem_int(full_amount);
    v[3] = mem_int(full_amount);
    return mem_row_insert(unit, MEM_PAYMENT_USAGE, v, NULL, "recording usage", error) &&
           memory_usage_add(unit, key, full_amount, error);
}

static gboolean memory_payment_usage_hold(LedgerUnit *unit, const char *payment_id, gint64 held,
                                          gint64 amount, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    GPtrArray *rows = payment_id ? g_hash_table_lookup(ledger->usage_of, payment_id) : NULL;
    if (rows == NULL)
        return TRUE;
    /* A copy: the loop changes rows of the list it walks. */
    g_autoptr(GPtrArray) walk = g_ptr_array_copy(rows, NULL, NULL);
    for (guint i = 0; i < walk->len; i++) {
        MemRow *r = g_ptr_array_index(walk, i);
        gint64 full = mem_i(r, 2), counted = mem_i(r, 3);
        gint64 now_counted = ledger_usage_counted(full, held, amount);
        if (now_counted == counted)
            continue;
        mem_row_change_begin(unit, MEM_PAYMENT_USAGE, r);
        mem_row_set_int(unit, MEM_PAYMENT_USAGE, r, 3, now_counted);
        mem_row_change_end(unit, MEM_PAYMENT_USAGE, r);
        if (!memory_usage_add(unit, mem_str(r, 1), now_counted - counted, error))
            return FALSE;
    }
    return TRUE;
}

/* ---- queries ------------------------------------------------------------ */

typedef struct {
    const TenderListFilter *filter;
    const char *status;
    const char *after_id;
    gint64 after_created_ms;
} ListQuery;

static gboolean list_matches(const ListQuery *q, const MemRow *row)
{
    const TenderListFilter *f = q->filter;
    gint64 created = mem_i(row, PAY_CREATED);
    if (f) {
        if (f->account && g_strcmp0(mem_str(row, PAY_ACCOUNT), f->account) != 0)
            return FALSE;
        if (f->method && g_strcmp0(mem_str(row, 1), f->method) != 0)
            return FALSE;
        if (q->status && g_strcmp0(mem_str(row, PAY_STATUS), q->status) != 0)
            return FALSE;
        if (f->from_ms != 0 && created < f->from_ms)
            return FALSE;
        if (f->to_ms != 0 && created >= f->to_ms)
            return FALSE;
    }
    if (q->after_id && !(created < q->after_created_ms ||
                         (created == q->after_created_ms &&
                          g_strcmp0(mem_str(row, PAY_ID), q->after_id) < 0)))
        return FALSE;
    return TRUE;
}

/* ORDER BY created_ms DESC, id DESC */
static int newest_first(gconstpointer a, gconstpointer b)
{
    const MemRow *x = *(MemRow *const *)a, *y = *(MemRow *const *)b;
    gint64 cx = mem_i(x, PAY_CREATED), cy = mem_i(y, PAY_CREATED);
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return -g_strcmp0(mem_str(x, PAY_ID), mem_str(y, PAY_ID));
}

static TenderPayment *public_payment(const MemRow *row)
{
    LedgerPayment *p = payment_from_row(row);
    TenderPayment *pub = g_new(TenderPayment, 1);
    *pub = p->pub; /* steal the public part */
    memset(&p->pub, 0, sizeof p->pub);
    ledger_payment_free(p);
    return pub;
}

static GPtrArray *memory_list(LedgerUnit *unit, const TenderListFilter *f, const char *after_id,
                              gint64 after_created_ms, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    ListQuery q = {f, f && f->has_status ? tender_status_to_string(f->status) : NULL, after_id,
                   after_created_ms};
    g_autoptr(GPtrArray) matches = g_ptr_array_new();
    GHashTableIter it;
    gpointer row;
    g_hash_table_iter_init(&it, ledger->rows[MEM_PAYMENTS]);
    while (g_hash_table_iter_next(&it, &row, NULL))
        if (list_matches(&q, row))
            g_ptr_array_add(matches, row);
    g_ptr_array_sort(matches, newest_first);
    guint n = f && f->limit ? MIN(f->limit, matches->len) : matches->len;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tender_payment_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(out, public_payment(g_ptr_array_index(matches, i)));
    return out;
}

static GPtrArray *memory_lapsed_for_account(LedgerUnit *unit, const char *account, gint64 now_ms,
                                            GError **error)
{
    (void)error;
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    mem_lapsed(ledger_memory_of(unit), account, now_ms, ids);
    return ids;
}

static gboolean status_is(const MemRow *row, const char *status)
{
    return g_strcmp0(mem_str(row, PAY_STATUS), status) == 0;
}

/* ORDER BY updated_ms; SQLite's sort keeps the scan's (rowid) order for ties. */
static int oldest_update_first(gconstpointer a, gconstpointer b)
{
    const MemRow *x = *(MemRow *const *)a, *y = *(MemRow *const *)b;
    gint64 ux = mem_i(x, PAY_UPDATED), uy = mem_i(y, PAY_UPDATED);
    if (ux != uy)
        return ux < uy ? -1 : 1;
    return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static GPtrArray *memory_reconcile_candidates(LedgerUnit *unit, gint64 now_ms,
                                              gint64 pending_before_ms, gint64 wall_now_ms,
                                              GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    g_autoptr(GPtrArray) matches = g_ptr_array_new();
    GHashTableIter it;
    gpointer p;
    g_hash_table_iter_init(&it, ledger->rows[MEM_PAYMENTS]);
    while (g_hash_table_iter_next(&it, &p, NULL)) {
        const MemRow *row = p;
        gint64 action = mem_i(row, PAY_ACTION_EXPIRES), hold = mem_i(row, PAY_HOLD_EXPIRES);
        gint64 busy = mem_i(row, PAY_BUSY_UNTIL);
        if (status_is(row, "unknown") ||
            (status_is(row, "pending") && mem_i(row, PAY_UPDATED) <= pending_before_ms) ||
            (status_is(row, "requires_action") && action > 0 && action <= now_ms) ||
            ((status_is(row, "authorized") || status_is(row, "partially_captured")) && hold > 0 &&
             hold <= now_ms) ||
            (busy > 0 && busy <= wall_now_ms))
            g_ptr_array_add(matches, p);
    }
    g_ptr_array_sort(matches, oldest_update_first);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < matches->len; i++)
        g_ptr_array_add(ids, mem_dup(g_ptr_array_index(matches, i), PAY_ID));
    return ids;
}

void ledger_memory_payments_fill(LedgerBackend *b)
{
    b->payment_get = memory_payment_get;
    b->payment_insert = memory_payment_insert;
    b->payment_update = memory_payment_update;
    b->payment_set_lease = memory_payment_set_lease;
    b->payment_insert_leased = memory_payment_insert_leased;
    b->operation_insert = memory_operation_insert;
    b->operation_update = memory_operation_update;
    b->operations = memory_operations;
    b->operation_by_key = memory_operation_by_key;
    b->key_lookup = memory_key_lookup;
    b->usage_get = memory_usage_get;
    b->usage_add = memory_usage_add;
    b->payment_usage_add = memory_payment_usage_add;
    b->payment_usage_hold = memory_payment_usage_hold;
    b->list = memory_list;
    b->lapsed_for_account = memory_lapsed_for_account;
    b->reconcile_candidates = memory_reconcile_candidates;
}
