/* The in-memory backend of the ledger (ledger-backend.h), for the location
 * ":memory:": the store (rows of plain values, their indexes) and the unit
 * of work with its undo log. The operations are in
 * ledger-memory-payments.c and ledger-memory-service.c, export, import and
 * copies in ledger-memory-export.c.
 *
 * Why a store of its own rather than SQLite on ":memory:": SQLite emulates
 * a file there, and an in-memory payment paid for SQL, the VDBE and a
 * rollback journal that copies every page a transaction writes (about four
 * fifths of the host's instructions, callgrind). Memory cannot be durable
 * nor shared between processes, so none of that buys anything here. What a
 * backend must keep (docs/ledger.md) it keeps the simple way: one mutex
 * held by the unit from begin to end (every lock ledger-backend.h asks
 * for), and an undo log that a rollback replays backwards. */
#include "ledger-memory-private.h"

#include <string.h>

/* ---- values --------------------------------------------------------------- */

MemValue mem_text(const char *s)
{
    MemValue v = mem_borrow(s);
    if (s != NULL)
        v.data = g_memdup2(s, v.length + 1);
    return v;
}

MemValue mem_int(gint64 i)
{
    MemValue v = {.integer = i, .type = LEDGER_VALUE_INTEGER};
    return v;
}

MemValue mem_bytes(LedgerValueType type, const void *data, gsize length)
{
    g_assert(length <= G_MAXUINT32);
    MemValue v = {.data = g_malloc(length + 1), .length = (guint32)length, .type = type};
    if (length > 0)
        memcpy(v.data, data, length);
    v.data[length] = '\0';
    return v;
}

MemValue mem_blob(const void *data, gsize length)
{
    return mem_bytes(LEDGER_VALUE_BLOB, data, length);
}

MemValue mem_copy(const MemValue *v)
{
    if (v->type == LEDGER_VALUE_TEXT || v->type == LEDGER_VALUE_BLOB)
        return mem_bytes(v->type, v->data, v->length);
    return *v;
}

void mem_value_clear(MemValue *v)
{
    if (v->type == LEDGER_VALUE_TEXT || v->type == LEDGER_VALUE_BLOB)
        g_free(v->data);
    *v = (MemValue){.type = LEDGER_VALUE_NULL};
}

static guint value_hash(const MemValue *v)
{
    if (v->type == LEDGER_VALUE_INTEGER)
        return (guint)(v->integer ^ (v->integer >> 32));
    guint h = 5381;
    for (gsize i = 0; i < v->length; i++)
        h = h * 33 + (guchar)v->data[i];
    return h;
}

static gboolean value_equal(const MemValue *a, const MemValue *b)
{
    if (a->type != b->type)
        return FALSE;
    if (a->type == LEDGER_VALUE_INTEGER)
        return a->integer == b->integer;
    return a->length == b->length && (a->length == 0 || memcmp(a->data, b->data, a->length) == 0);
}

gboolean mem_fail(GError **error, const char *what, const char *why)
{
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what, why);
    return FALSE;
}

/* ---- the tables' keys and constraints (SQLite's schema, ledger-sqlite.c) -- */

#define COL(c) (G_GUINT64_CONSTANT(1) << (c))

typedef struct {
    guint key_columns; /* the primary key: that many leading columns (0: none) */
    guint64 not_null;  /* columns SQLite declares NOT NULL (or WITHOUT ROWID keys) */
} MemSchema;

static const MemSchema schema[MEM_N_TABLES] = {
    [MEM_PAYMENTS] = {1, COL(1) | COL(2) | COL(3) | COL(4) | COL(5) | COL(6) | COL(7) | COL(8) |
                             COL(9) | COL(10) | COL(11) | COL(12) | COL(13) | COL(14) | COL(15) |
                             COL(17) | COL(18) | COL(21) | COL(22) | COL(31) | COL(32) | COL(33) |
                             COL(34) | COL(35) | COL(36)},
    [MEM_OPERATIONS] = {1, COL(OP_PAYMENT_ID) | COL(OP_KIND) | COL(OP_REQUEST_ID) |
                               COL(OP_REQUEST_HASH) | COL(OP_AMOUNT) | COL(OP_CREATED) |
                               COL(OP_ATTEMPTS)},
    [MEM_USAGE] = {1, COL(0) | COL(1)},
    [MEM_PAYMENT_USAGE] = {2, COL(0) | COL(1) | COL(2) | COL(3)},
    [MEM_API_KEYS] = {1, COL(1) | COL(2) | COL(3) | COL(4) | COL(5)},
    [MEM_WEBHOOK_ENDPOINTS] = {1, COL(1) | COL(2) | COL(3) | COL(4) | COL(5)},
    [MEM_EVENTS] = {1, COL(1) | COL(2) | COL(3) | COL(4) | COL(5)},
    [MEM_DELIVERIES] = {2, COL(0) | COL(1) | COL(2) | COL(3) | COL(4) | COL(5) | COL(7)},
    [MEM_IDEMPOTENT_RESPONSES] = {2, COL(0) | COL(1) | COL(2) | COL(3) | COL(4) | COL(5) | COL(6) |
                                         COL(7)},
    [MEM_PLUGIN_CRASHES] = {0, COL(0) | COL(1) | COL(2)},
};

static guint hash_key1(gconstpointer row)
{
    return value_hash(&((const MemRow *)row)->v[0]);
}

static gboolean equal_key1(gconstpointer a, gconstpointer b)
{
    return value_equal(&((const MemRow *)a)->v[0], &((const MemRow *)b)->v[0]);
}

static guint hash_key2(gconstpointer row)
{
    const MemRow *r = row;
    return value_hash(&r->v[0]) * 31 + value_hash(&r->v[1]);
}

static gboolean equal_key2(gconstpointer a, gconstpointer b)
{
    const MemRow *x = a, *y = b;
    return value_equal(&x->v[0], &y->v[0]) && value_equal(&x->v[1], &y->v[1]);
}

static void row_free(MemRow *row, MemTable t)
{
    for (guint c = 0; c < ledger_tables[t].n_columns; c++)
        mem_value_clear(&row->v[c]);
    g_free(row->v);
    g_free(row);
}

MemRow *mem_row_find(MemLedger *ledger, MemTable t, const MemValue *key)
{
    MemRow probe = {.v = (MemValue *)key};
    return g_hash_table_lookup(ledger->rows[t], &probe);
}

static int compare_rowid(gconstpointer a, gconstpointer b)
{
    gint64 x = (*(MemRow *const *)a)->rowid, y = (*(MemRow *const *)b)->rowid;
    return x < y ? -1 : x > y;
}

GPtrArray *mem_rows_sorted(MemLedger *ledger, MemTable t)
{
    GPtrArray *rows = g_ptr_array_sized_new(g_hash_table_size(ledger->rows[t]));
    GHashTableIter it;
    gpointer row;
    g_hash_table_iter_init(&it, ledger->rows[t]);
    while (g_hash_table_iter_next(&it, &row, NULL))
        g_ptr_array_add(rows, row);
    g_ptr_array_sort(rows, compare_rowid);
    return rows;
}

/* ---- indexes ------------------------------------------------------------ */

/* An account's payments whose hold (or action) can lapse, by expiry: what
 * SQLite's partial indexes payments_account_holds and
 * payments_account_actions hold, so a limit check finds the lapsed ones
 * without a scan. */
typedef struct {
    GTree *holds;
    GTree *actions;
} MemLapses;

static int compare_lapse(gconstpointer a, gconstpointer b)
{
    const MemRow *x = a, *y = b;
    if (x->lapse_expires != y->lapse_expires)
        return x->lapse_expires < y->lapse_expires ? -1 : 1;
    return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static void lapses_free(gpointer p)
{
    MemLapses *l = p;
    g_tree_destroy(l->holds);
    g_tree_destroy(l->actions);
    g_free(l);
}

static void lapse_index(MemLedger *ledger, MemRow *row, gboolean add)
{
    const char *account = mem_str(row, PAY_ACCOUNT);
    if (account == NULL)
        return;
    if (!add) {
        if (row->lapse_tree == 0)
            return;
        MemLapses *l = g_hash_table_lookup(ledger->lapses, account);
        g_tree_remove(row->lapse_tree == 1 ? l->holds : l->actions, row);
        row->lapse_tree = 0;
        return;
    }
    const char *status = mem_str(row, PAY_STATUS);
    if (status == NULL)
        return;
    gint64 hold = mem_i(row, PAY_HOLD_EXPIRES), action = mem_i(row, PAY_ACTION_EXPIRES);
    if ((strcmp(status, "authorized") == 0 || strcmp(status, "partially_captured") == 0) &&
        hold > 0) {
        row->lapse_tree = 1;
        row->lapse_expires = hold;
    } else if (strcmp(status, "requires_action") == 0 && action > 0) {
        row->lapse_tree = 2;
        row->lapse_expires = action;
    } else {
        return;
    }
    MemLapses *l = g_hash_table_lookup(ledger->lapses, account);
    if (l == NULL) {
        l = g_new(MemLapses, 1);
        l->holds = g_tree_new(compare_lapse);
        l->actions = g_tree_new(compare_lapse);
        g_hash_table_insert(ledger->lapses, g_strdup(account), l);
    }
    g_tree_insert(row->lapse_tree == 1 ? l->holds : l->actions, row, row);
}

typedef struct {
    gint64 now_ms;
    GPtrArray *ids;
} LapseWalk;

static gboolean collect_lapsed(gpointer key, gpointer value, gpointer data)
{
    (void)value;
    LapseWalk *walk = data;
    const MemRow *row = key;
    if (row->lapse_expires > walk->now_ms)
        return TRUE; /* in expiry order: none after it has lapsed */
    g_ptr_array_add(walk->ids, mem_dup(row, PAY_ID));
    return FALSE;
}

void mem_lapsed(MemLedger *ledger, const char *account, gint64 now_ms, GPtrArray *ids)
{
    MemLapses *l = account ? g_hash_table_lookup(ledger->lapses, account) : NULL;
    if (l == NULL)
        return;
    LapseWalk walk = {now_ms, ids};
    g_tree_foreach(l->holds, collect_lapsed, &walk);
    g_tree_foreach(l->actions, collect_lapsed, &walk);
}

/* Add row to (or drop it from) the list of rows of the same parent in
 * index (parent id -> GPtrArray), kept in insertion order. */
static void child_index(GHashTable *index, const char *parent, MemRow *row, gboolean add)
{
    if (parent == NULL)
        return;
    GPtrArray *children = g_hash_table_lookup(index, parent);
    if (add) {
        if (children == NULL) {
            children = g_ptr_array_new();
            g_hash_table_insert(index, g_strdup(parent), children);
        }
        /* Rows come in rowid order but for an undone delete: put it back
         * where it was. */
        guint i = children->len;
        while (i > 0 && ((MemRow *)g_ptr_array_index(children, i - 1))->rowid > row->rowid)
            i--;
        g_ptr_array_insert(children, (gint)i, row);
    } else if (children != NULL) {
        g_ptr_array_remove(children, row);
        if (children->len == 0)
            g_hash_table_remove(index, parent);
    }
}

/* A unique index on one text column: the key is the row's own text. */
static void unique_index(GHashTable *index, MemRow *row, guint column, gboolean add)
{
    const char *key = mem_str(row, column);
    if (key == NULL)
        return;
    if (add)
        g_hash_table_insert(index, (gpointer)key, row);
    else
        g_hash_table_remove(index, key);
}

static void index_row(MemLedger *ledger, MemTable t, MemRow *row, gboolean add)
{
    switch (t) {
    case MEM_PAYMENTS:
        unique_index(ledger->payment_by_key, row, PAY_IDEMPOTENCY_KEY, add);
        lapse_index(ledger, row, add);
        break;
    case MEM_OPERATIONS:
        child_index(ledger->operations_of, mem_str(row, OP_PAYMENT_ID), row, add);
        break;
    case MEM_PAYMENT_USAGE:
        child_index(ledger->usage_of, mem_str(row, 0), row, add);
        break;
    case MEM_EVENTS:
        unique_index(ledger->event_by_id, row, EV_ID, add);
        break;
    case MEM_API_KEYS:
        unique_index(ledger->key_by_digest, row, 3, add);
        break;
    default:
        break;
    }
}

/* ---- the unit of work and its undo log ------------------------------------ */

typedef enum {
    UNDO_INSERTED, /* remove and free the row */
    UNDO_DELETED,  /* put the row back (the log owns it meanwhile) */
    UNDO_STORED,   /* put the old value back in column */
} UndoKind;

typedef struct {
    UndoKind kind;
    MemTable table;
    guint column;
    MemRow *row;
    MemValue old;
} MemUndo;

typedef struct {
    LedgerUnit base;
    GArray *undo; /* MemUndo, in the order of the changes; NULL until one */
    /* The sequences and the rowid at begin: SQLite's are rolled back with
     * the transaction too. */
    gint64 last_rowid, last_operation_seq, last_event_seq;
} MemUnit;

static void log_change(LedgerUnit *unit, MemUndo entry)
{
    MemUnit *u = (MemUnit *)unit;
    if (u->undo == NULL)
        u->undo = g_array_sized_new(FALSE, FALSE, sizeof(MemUndo), 16);
    g_array_append_val(u->undo, entry);
}

static const char *const table_names[MEM_N_TABLES] = {
    "payments", "operations", "usage",  "payment_usage", "api_keys", "webhook_endpoints",
    "events",   "deliveries", "idempotent_responses", "plugin_crashes",
};

/* The message SQLite gives for a UNIQUE constraint on these columns. */
static gboolean unique_failed(GError **error, const char *what, MemTable t, const guint *columns,
                              guint n)
{
    GString *why = g_string_new("UNIQUE constraint failed: ");
    for (guint i = 0; i < n; i++)
        g_string_append_printf(why, "%s%s.%s", i ? ", " : "", table_names[t],
                               ledger_tables[t].columns[columns[i]].name);
    mem_fail(error, what, why->str);
    g_string_free(why, TRUE);
    return FALSE;
}

/* A constraint of SQLite's schema that values break, or TRUE. */
static gboolean check_insert(MemLedger *ledger, MemTable t, const MemValue *v, const char *what,
                             GError **error)
{
    const LedgerTable *table = &ledger_tables[t];
    for (guint c = 0; c < table->n_columns; c++)
        if ((schema[t].not_null & COL(c)) && v[c].type == LEDGER_VALUE_NULL) {
            g_autofree char *why =
                g_strdup_printf("NOT NULL constraint failed: %s.%s", table->name,
                                table->columns[c].name);
            return mem_fail(error, what, why);
        }
    static const guint first[] = {0, 1};
    if (schema[t].key_columns > 0 && mem_row_find(ledger, t, v) != NULL)
        return unique_failed(error, what, t, first, schema[t].key_columns);
    switch (t) {
    case MEM_PAYMENTS:
        if (v[PAY_IDEMPOTENCY_KEY].type != LEDGER_VALUE_NULL &&
            g_hash_table_contains(ledger->payment_by_key, mem_value_str(&v[PAY_IDEMPOTENCY_KEY]))) {
            static const guint key[] = {PAY_IDEMPOTENCY_KEY};
            return unique_failed(error, what, t, key, 1);
        }
        break;
    case MEM_OPERATIONS: {
        MemValue id = v[OP_PAYMENT_ID];
        if (mem_value_str(&id) == NULL || mem_row_find(ledger, MEM_PAYMENTS, &id) == NULL)
            return mem_fail(error, what, "FOREIGN KEY constraint failed");
        if (v[OP_IDEMPOTENCY_KEY].type == LEDGER_VALUE_NULL)
            break;
        GPtrArray *ops = g_hash_table_lookup(ledger->operations_of, id.data);
        for (guint i = 0; ops && i < ops->len; i++) {
            const MemRow *op = g_ptr_array_index(ops, i);
            if (value_equal(&op->v[OP_KIND], &v[OP_KIND]) &&
                value_equal(&op->v[OP_IDEMPOTENCY_KEY], &v[OP_IDEMPOTENCY_KEY])) {
                static const guint key[] = {OP_PAYMENT_ID, OP_KIND, OP_IDEMPOTENCY_KEY};
                return unique_failed(error, what, t, key, 3);
            }
        }
        break;
    }
    case MEM_EVENTS:
        if (mem_value_str(&v[EV_ID]) &&
            g_hash_table_contains(ledger->event_by_id, mem_value_str(&v[EV_ID]))) {
            static const guint key[] = {EV_ID};
            return unique_failed(error, what, t, key, 1);
        }
        break;
    case MEM_API_KEYS:
        if (mem_value_str(&v[3]) &&
            g_hash_table_contains(ledger->key_by_digest, mem_value_str(&v[3]))) {
            static const guint key[] = {3};
            return unique_failed(error, what, t, key, 1);
        }
        break;
    default:
        break;
    }
    return TRUE;
}

gint64 mem_next_seq(LedgerUnit *unit, MemTable t)
{
    MemLedger *ledger = ledger_memory_of(unit);
    return (t == MEM_OPERATIONS ? ledger->last_operation_seq : ledger->last_event_seq) + 1;
}

gboolean mem_row_insert(LedgerUnit *unit, MemTable t, MemValue *values, MemRow **row_out,
                        const char *what, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    const LedgerTable *table = &ledger_tables[t];
    /* operations.seq and events.seq: the largest given + 1, as SQLite's
     * INTEGER PRIMARY KEY of a table that never loses a row. */
    gint64 *sequence = t == MEM_OPERATIONS ? &ledger->last_operation_seq
                       : t == MEM_EVENTS   ? &ledger->last_event_seq
                                           : NULL;
    /* INTEGER PRIMARY KEY: SQLite refuses anything but an integer there. */
    if (sequence && values[0].type != LEDGER_VALUE_NULL &&
        values[0].type != LEDGER_VALUE_INTEGER) {
        for (guint c = 0; c < table->n_columns; c++)
            mem_value_clear(&values[c]);
        g_free(values);
        return mem_fail(error, what, "datatype mismatch");
    }
    if (sequence && values[0].type == LEDGER_VALUE_NULL)
        values[0] = mem_int(*sequence + 1);
    if (!check_insert(ledger, t, values, what, error)) {
        for (guint c = 0; c < table->n_columns; c++)
            mem_value_clear(&values[c]);
        g_free(values);
        return FALSE;
    }
    if (sequence)
        *sequence = MAX(*sequence, values[0].integer);
    MemRow *row = g_new0(MemRow, 1);
    row->rowid = ++ledger->last_rowid;
    row->v = values;
    g_hash_table_add(ledger->rows[t], row);
    index_row(ledger, t, row, TRUE);
    log_change(unit, (MemUndo){.kind = UNDO_INSERTED, .table = t, .row = row});
    if (row_out)
        *row_out = row;
    return TRUE;
}

void mem_row_delete(LedgerUnit *unit, MemTable t, MemRow *row)
{
    MemLedger *ledger = ledger_memory_of(unit);
    index_row(ledger, t, row, FALSE);
    g_hash_table_remove(ledger->rows[t], row);
    log_change(unit, (MemUndo){.kind = UNDO_DELETED, .table = t, .row = row});
}

/* The one index a stored column can move: a payment's place in its
 * account's lapse trees (status and expiries change; the account does
 * not). Every other index is on a column nothing stores (mem_row_set
 * checks), so a change need not touch it: a payment's operations stay in
 * their list while their outcome is written. */
static void change_index(MemLedger *ledger, MemTable t, MemRow *row, gboolean add)
{
    if (t == MEM_PAYMENTS)
        lapse_index(ledger, row, add);
}

/* The columns an index or a constraint is on, which no change may store. */
static gboolean column_is_keyed(MemTable t, guint column)
{
    if (column < schema[t].key_columns)
        return TRUE;
    switch (t) {
    case MEM_PAYMENTS:
        return column == PAY_ID || column == PAY_ACCOUNT || column == PAY_IDEMPOTENCY_KEY;
    case MEM_OPERATIONS:
        return column == OP_SEQ || column == OP_PAYMENT_ID || column == OP_KIND ||
               column == OP_IDEMPOTENCY_KEY;
    case MEM_EVENTS:
        return column == EV_SEQ || column == EV_ID;
    case MEM_API_KEYS:
        return column == 3;
    default:
        return FALSE;
    }
}

void mem_row_change_begin(LedgerUnit *unit, MemTable t, MemRow *row)
{
    change_index(ledger_memory_of(unit), t, row, FALSE);
}

void mem_row_set(LedgerUnit *unit, MemTable t, MemRow *row, guint column, const MemValue *value)
{
    g_assert(!column_is_keyed(t, column));
    /* An unchanged value costs neither a copy nor an entry in the log. */
    if (value_equal(&row->v[column], value))
        return;
    log_change(unit, (MemUndo){UNDO_STORED, t, column, row, row->v[column]});
    row->v[column] = mem_copy(value);
}

void mem_row_change_end(LedgerUnit *unit, MemTable t, MemRow *row)
{
    change_index(ledger_memory_of(unit), t, row, TRUE);
}

/* Undo the unit's changes, newest first. */
static void undo_all(MemLedger *ledger, GArray *undo)
{
    for (guint i = undo->len; i > 0; i--) {
        MemUndo *e = &g_array_index(undo, MemUndo, i - 1);
        switch (e->kind) {
        case UNDO_INSERTED:
            index_row(ledger, e->table, e->row, FALSE);
            g_hash_table_remove(ledger->rows[e->table], e->row);
            row_free(e->row, e->table);
            break;
        case UNDO_DELETED:
            g_hash_table_add(ledger->rows[e->table], e->row);
            index_row(ledger, e->table, e->row, TRUE);
            break;
        case UNDO_STORED:
            change_index(ledger, e->table, e->row, FALSE);
            mem_value_clear(&e->row->v[e->column]);
            e->row->v[e->column] = e->old;
            change_index(ledger, e->table, e->row, TRUE);
            break;
        }
    }
}

/* The changes stay: free what the log kept for undoing them. */
static void forget_all(GArray *undo)
{
    for (guint i = 0; i < undo->len; i++) {
        MemUndo *e = &g_array_index(undo, MemUndo, i);
        if (e->kind == UNDO_DELETED)
            row_free(e->row, e->table);
        else if (e->kind == UNDO_STORED)
            mem_value_clear(&e->old);
    }
}

static LedgerUnit *memory_begin(TenderLedger *base, LedgerUnitMode mode, GError **error)
{
    (void)error;
    MemLedger *ledger = (MemLedger *)base;
    g_mutex_lock(&ledger->lock);
    MemUnit *unit = g_new0(MemUnit, 1);
    unit->base.ledger = base;
    unit->base.mode = mode;
    unit->last_rowid = ledger->last_rowid;
    unit->last_operation_seq = ledger->last_operation_seq;
    unit->last_event_seq = ledger->last_event_seq;
    return &unit->base;
}

/* Every kind of commit is the same here: there is no disk to wait for. */
static gboolean memory_commit(LedgerUnit *unit, LedgerCommitKind kind, GError **error)
{
    (void)kind;
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    MemUnit *u = (MemUnit *)unit;
    if (u->undo) {
        forget_all(u->undo);
        g_array_unref(u->undo);
    }
    g_free(u);
    g_mutex_unlock(&ledger->lock);
    return TRUE;
}

static void memory_rollback(LedgerUnit *unit)
{
    MemLedger *ledger = ledger_memory_of(unit);
    MemUnit *u = (MemUnit *)unit;
    if (u->undo) {
        undo_all(ledger, u->undo);
        g_array_unref(u->undo);
    }
    ledger->last_rowid = u->last_rowid;
    ledger->last_operation_seq = u->last_operation_seq;
    ledger->last_event_seq = u->last_event_seq;
    g_free(u);
    g_mutex_unlock(&ledger->lock);
}

/* ---- the ledger ----------------------------------------------------------- */

static void memory_set_flush(TenderLedger *base, gboolean flush)
{
    (void)base;
    (void)flush;
}

/* Nothing to wait for: no other process can hold this ledger. */
static void memory_set_busy_timeout(TenderLedger *base, gint64 timeout_ms)
{
    (void)base;
    (void)timeout_ms;
}

static void free_rows(MemLedger *ledger, MemTable t)
{
    GHashTableIter it;
    gpointer row;
    g_hash_table_iter_init(&it, ledger->rows[t]);
    while (g_hash_table_iter_next(&it, &row, NULL))
        row_free(row, t);
    g_hash_table_destroy(ledger->rows[t]);
}

static void memory_close(TenderLedger *base)
{
    MemLedger *ledger = (MemLedger *)base;
    if (ledger == NULL)
        return;
    /* The indexes point into the rows: drop them first. */
    g_hash_table_destroy(ledger->payment_by_key);
    g_hash_table_destroy(ledger->operations_of);
    g_hash_table_destroy(ledger->usage_of);
    g_hash_table_destroy(ledger->event_by_id);
    g_hash_table_destroy(ledger->key_by_digest);
    g_hash_table_destroy(ledger->lapses);
    for (guint t = 0; t < MEM_N_TABLES; t++)
        free_rows(ledger, (MemTable)t);
    g_mutex_clear(&ledger->lock);
    g_free(ledger);
}

static const LedgerBackend *memory_backend(void)
{
    static LedgerBackend table;
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        table.struct_size = sizeof table;
        table.version = 3;
        table.name = "memory";
        table.close = memory_close;
        table.set_flush = memory_set_flush;
        table.begin = memory_begin;
        table.commit = memory_commit;
        table.rollback = memory_rollback;
        table.set_busy_timeout = memory_set_busy_timeout;
        ledger_memory_payments_fill(&table);
        ledger_memory_service_fill(&table);
        ledger_memory_export_fill(&table);
        g_once_init_leave(&ready, 1);
    }
    return &table;
}

static void free_children(gpointer children)
{
    g_ptr_array_unref(children);
}

TenderLedger *ledger_memory_open(void)
{
    g_assert(ledger_n_tables == MEM_N_TABLES);
    for (guint t = 0; t < MEM_N_TABLES; t++)
        g_assert(strcmp(ledger_tables[t].name, table_names[t]) == 0);
    MemLedger *ledger = g_new0(MemLedger, 1);
    ledger->base.backend = memory_backend();
    g_mutex_init(&ledger->lock);
    for (guint t = 0; t < MEM_N_TABLES; t++) {
        switch (schema[t].key_columns) {
        case 0:
            ledger->rows[t] = g_hash_table_new(g_direct_hash, g_direct_equal);
            break;
        case 1:
            ledger->rows[t] = g_hash_table_new(hash_key1, equal_key1);
            break;
        default:
            ledger->rows[t] = g_hash_table_new(hash_key2, equal_key2);
            break;
        }
    }
    ledger->payment_by_key = g_hash_table_new(g_str_hash, g_str_equal);
    ledger->operations_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_children);
    ledger->usage_of = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_children);
    ledger->event_by_id = g_hash_table_new(g_str_hash, g_str_equal);
    ledger->key_by_digest = g_hash_table_new(g_str_hash, g_str_equal);
    ledger->lapses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, lapses_free);
    return &ledger->base;
}
