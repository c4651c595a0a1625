/* The in-memory backend of the ledger, shared by its files (private to
 * them): ledger-memory.c (the store: rows, indexes, the unit of work and
 * its undo log), ledger-memory-export.c (export, import, copies),
 * ledger-memory-payments.c (payments, operations, counters, queries) and
 * ledger-memory-service.c (the outbox, the service's tables, plugin
 * crashes). Nothing else includes this.
 *
 * Every table is kept as rows of plain values in the logical tables'
 * column order (ledger_tables, ledger-tables.c), which is SQLite's schema:
 * a row holds exactly what SQLite would store, so the export is the same
 * and the operations read like the SQL they stand for. */
#ifndef TENDER_CORE_LEDGER_MEMORY_PRIVATE_H
#define TENDER_CORE_LEDGER_MEMORY_PRIVATE_H

#include <string.h>

#include "ledger.h"

G_BEGIN_DECLS

/* The tables, in ledger_tables' order (checked when a ledger opens). */
typedef enum {
    MEM_PAYMENTS,
    MEM_OPERATIONS,
    MEM_USAGE,
    MEM_PAYMENT_USAGE,
    MEM_API_KEYS,
    MEM_WEBHOOK_ENDPOINTS,
    MEM_EVENTS,
    MEM_DELIVERIES,
    MEM_IDEMPOTENT_RESPONSES,
    MEM_PLUGIN_CRASHES,
    MEM_N_TABLES
} MemTable;

/* Columns the operations name (positions in ledger_tables). */
enum {
    PAY_ID = 0,
    PAY_ACCOUNT = 2,
    PAY_STATUS = 7,
    PAY_IDEMPOTENCY_KEY = 16,
    PAY_REQUEST_HASH = 17,
    PAY_ACTION_EXPIRES = 21,
    PAY_CREATED = 31,
    PAY_UPDATED = 32,
    PAY_HOLD_EXPIRES = 34,
    PAY_BUSY_UNTIL = 35,
    PAY_BUSY_SEQ = 36,
    PAY_N_COLUMNS = 39,
};
enum {
    OP_SEQ,
    OP_PAYMENT_ID,
    OP_KIND,
    OP_REQUEST_ID,
    OP_IDEMPOTENCY_KEY,
    OP_REQUEST_HASH,
    OP_AMOUNT,
    OP_OUTCOME,
    OP_DECLINE_CODE,
    OP_RAW_CODE,
    OP_MESSAGE,
    OP_PROCESSOR_REF,
    OP_STATUS_AFTER,
    OP_CREATED,
    OP_ATTEMPTS,
    OP_PLUGIN_STATE,
    OP_N_COLUMNS
};
enum { EV_SEQ, EV_ID, EV_TYPE, EV_PAYMENT_ID, EV_BODY, EV_CREATED, EV_N_COLUMNS };
enum {
    DL_EVENT_SEQ,
    DL_ENDPOINT_ID,
    DL_STATE,
    DL_ATTEMPTS,
    DL_NEXT,
    DL_LAST_STATUS,
    DL_LAST_ERROR,
    DL_DONE,
    DL_N_COLUMNS
};

/* A stored value, 16 bytes (a payment row has 39). Text and blobs are
 * owned copies with a NUL after their length bytes, so text reads as a C
 * string; SQLite limits a value to a gigabyte, so the length fits 32 bits. */
typedef struct {
    union {
        gint64 integer; /* LEDGER_VALUE_INTEGER */
        char *data;     /* LEDGER_VALUE_TEXT, LEDGER_VALUE_BLOB */
    };
    guint32 length;
    LedgerValueType type;
} MemValue;

typedef struct {
    gint64 rowid; /* ledger-wide insertion order: SQLite's rowid order for ties */
    MemValue *v;  /* the table's columns */
    /* Where a payment sits in its account's lapse index (ledger-memory.c):
     * 0 nowhere, 1 the holds, 2 the actions; and the expiry it is kept
     * under. */
    int lapse_tree;
    gint64 lapse_expires;
} MemRow;

typedef struct {
    TenderLedger base;
    /* Held from begin() to commit()/rollback(): one unit at a time, which
     * is every lock ledger-backend.h asks for. */
    GMutex lock;
    GHashTable *rows[MEM_N_TABLES]; /* set of MemRow*, hashed by the primary key */
    GHashTable *payment_by_key;     /* idempotency_key -> payment row */
    GHashTable *operations_of;      /* payment_id -> GPtrArray of operation rows, by seq */
    GHashTable *usage_of;           /* payment_id -> GPtrArray of payment_usage rows */
    GHashTable *event_by_id;        /* event id -> event row */
    GHashTable *key_by_digest;      /* secret_sha256 -> api_keys row */
    GHashTable *lapses;             /* account -> MemLapses */
    gint64 last_rowid;
    gint64 last_operation_seq; /* never reused */
    gint64 last_event_seq;
} MemLedger;

static inline MemLedger *ledger_memory_of(LedgerUnit *unit)
{
    return (MemLedger *)unit->ledger;
}

/* ---- values ---- */
MemValue mem_text(const char *s);
MemValue mem_int(gint64 i);
MemValue mem_blob(const void *data, gsize length);
/* length bytes of data as a value of type (text or blob), with a NUL after
 * them. */
MemValue mem_bytes(LedgerValueType type, const void *data, gsize length);
/* An owned copy of v. */
MemValue mem_copy(const MemValue *v);
/* s as a value without a copy (NULL: the NULL value); valid while s is. */
static inline MemValue mem_borrow(const char *s)
{
    MemValue v = {.type = LEDGER_VALUE_NULL};
    if (s != NULL) {
        v.type = LEDGER_VALUE_TEXT;
        v.data = (char *)s;
        v.length = (guint32)strlen(s);
    }
    return v;
}
void mem_value_clear(MemValue *v);
/* The text of a value, or NULL (NULL, or a number). */
static inline const char *mem_value_str(const MemValue *v)
{
    return v->type == LEDGER_VALUE_TEXT || v->type == LEDGER_VALUE_BLOB ? v->data : NULL;
}
/* The text of a column, or NULL. */
static inline const char *mem_str(const MemRow *row, guint column)
{
    return mem_value_str(&row->v[column]);
}
/* The number in a column; 0 for NULL. */
static inline gint64 mem_i(const MemRow *row, guint column)
{
    return row->v[column].type == LEDGER_VALUE_INTEGER ? row->v[column].integer : 0;
}
/* A copy of a column's text, or NULL. */
static inline char *mem_dup(const MemRow *row, guint column)
{
    return g_strdup(mem_str(row, column));
}

/* ---- rows (every change goes through these: they keep the indexes and
 * the unit's undo log) ---- */

/* Insert a row of table t made of values (n_columns of them, taken over
 * whatever the result): FALSE with the error SQLite would give for a NOT
 * NULL, UNIQUE or FOREIGN KEY constraint, and nothing changed. what names
 * the operation in the message. */
gboolean mem_row_insert(LedgerUnit *unit, MemTable t, MemValue *values, MemRow **row_out,
                        const char *what, GError **error);
void mem_row_delete(LedgerUnit *unit, MemTable t, MemRow *row);
/* Change columns of a row: between begin and end, set each column to a
 * copy of value (borrowed), logged only when it differs. Never a column
 * an index or a constraint is on. */
void mem_row_change_begin(LedgerUnit *unit, MemTable t, MemRow *row);
void mem_row_set(LedgerUnit *unit, MemTable t, MemRow *row, guint column, const MemValue *value);
void mem_row_change_end(LedgerUnit *unit, MemTable t, MemRow *row);
static inline void mem_row_set_text(LedgerUnit *unit, MemTable t, MemRow *row, guint column,
                                    const char *s)
{
    MemValue v = mem_borrow(s);
    mem_row_set(unit, t, row, column, &v);
}
static inline void mem_row_set_int(LedgerUnit *unit, MemTable t, MemRow *row, guint column,
                                   gint64 i)
{
    MemValue v = mem_int(i);
    mem_row_set(unit, t, row, column, &v);
}
/* The row of table t whose leading primary-key columns are key (1 or 2
 * values, as the table's key has), or NULL. */
MemRow *mem_row_find(MemLedger *ledger, MemTable t, const MemValue *key);
/* Every row of t, in insertion (rowid) order; free with g_ptr_array_unref. */
GPtrArray *mem_rows_sorted(MemLedger *ledger, MemTable t);
/* The next seq of operations or events. */
gint64 mem_next_seq(LedgerUnit *unit, MemTable t);

/* A payment's lapsed holds, then its lapsed actions, by expiry (the lapse
 * index): ids appended to ids. */
void mem_lapsed(MemLedger *ledger, const char *account, gint64 now_ms, GPtrArray *ids);

/* TENDER_ERROR_LEDGER "ledger: what: why". */
gboolean mem_fail(GError **error, const char *what, const char *why);

void ledger_memory_payments_fill(LedgerBackend *backend);
void ledger_memory_service_fill(LedgerBackend *backend);
/* ledger-memory-export.c: export, import, totals, copy_to. */
void ledger_memory_export_fill(LedgerBackend *backend);

G_END_DECLS

#endif
