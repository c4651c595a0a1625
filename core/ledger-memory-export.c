/* The in-memory backend's export, import, totals and copies
 * (ledger-backend.h, version 3): what `tender ledger copy` reads from and
 * writes to this store, and tender_host_copy_ledger's copy into a new
 * SQLite file. */
#include "ledger-memory-private.h"

#include <glib/gstdio.h>

#include <string.h>

static MemTable table_index(const LedgerTable *table)
{
    return (MemTable)(table - ledger_tables);
}

static gboolean memory_export_rows(LedgerUnit *unit, const LedgerTable *table, LedgerRowFunc each,
                                   gpointer data, GError **error)
{
    MemLedger *ledger = ledger_memory_of(unit);
    MemTable t = table_index(table);
    g_autoptr(GPtrArray) rows = mem_rows_sorted(ledger, t);
    g_autofree LedgerValue *values = g_new0(LedgerValue, table->n_columns);
    for (guint r = 0; r < rows->len; r++) {
        const MemRow *row = g_ptr_array_index(rows, r);
        for (guint c = 0; c < table->n_columns; c++) {
            const MemValue *v = &row->v[c];
            values[c] = (LedgerValue){v->type, mem_i(row, c), mem_value_str(v), v->length};
        }
        if (!each(values, data, error))
            return FALSE;
    }
    return TRUE;
}

/* A value as SQLite's column affinity stores it: a number given for a
 * text column becomes its text, a text that is a whole number given for an
 * integer column becomes the number; anything else as it is. So every
 * column reads back with the type export_rows declares for it. */
static MemValue imported_value(const LedgerValue *in, LedgerValueType column)
{
    switch (in->type) {
    case LEDGER_VALUE_INTEGER:
        if (column == LEDGER_VALUE_TEXT) {
            g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, in->integer);
            return mem_text(text);
        }
        return mem_int(in->integer);
    case LEDGER_VALUE_TEXT:
        if (column == LEDGER_VALUE_INTEGER && in->data != NULL && in->length > 0 &&
            in->length < 24) {
            char digits[24];
            memcpy(digits, in->data, in->length);
            digits[in->length] = '\0';
            gint64 number = 0;
            if (g_ascii_string_to_signed(digits, 10, G_MININT64, G_MAXINT64, &number, NULL))
                return mem_int(number);
        }
        return mem_bytes(in->type, in->data ? in->data : "", in->data ? in->length : 0);
    case LEDGER_VALUE_BLOB:
        return mem_bytes(in->type, in->data ? in->data : "", in->data ? in->length : 0);
    default:
        return (MemValue){.type = LEDGER_VALUE_NULL};
    }
}

static gboolean memory_import_row(LedgerUnit *unit, const LedgerTable *table,
                                  const LedgerValue *values, GError **error)
{
    MemValue *v = g_new0(MemValue, table->n_columns);
    for (guint c = 0; c < table->n_columns; c++)
        v[c] = imported_value(&values[c], table->columns[c].type);
    if (mem_row_insert(unit, table_index(table), v, NULL, "importing a row", error))
        return TRUE;
    g_prefix_error(error, "table %s: ", table->name);
    return FALSE;
}

/* The sequences follow explicit values by themselves (mem_row_insert). */
static gboolean memory_import_finish(LedgerUnit *unit, GError **error)
{
    (void)unit;
    (void)error;
    return TRUE;
}

static gboolean memory_is_empty(LedgerUnit *unit, gboolean *empty_out, GError **error)
{
    (void)error;
    MemLedger *ledger = ledger_memory_of(unit);
    *empty_out = TRUE;
    for (guint t = 0; t < MEM_N_TABLES; t++)
        if (g_hash_table_size(ledger->rows[t]) > 0)
            *empty_out = FALSE;
    return TRUE;
}

/* The totals are SQL (ledger_total_queries), run by every backend as they
 * are so that names and counts cannot drift apart: this backend runs them
 * on a scratch SQLite ledger in memory holding its rows, copied through
 * the same export and import a `tender ledger copy` uses. Only copies ask
 * for totals, never a payment. */
static gboolean memory_totals(LedgerUnit *unit, GHashTable *totals, GError **error)
{
    TenderLedger *scratch = ledger_sqlite_open(":memory:", TRUE, error);
    if (scratch == NULL)
        return FALSE;
    LedgerUnit *to = ledger_begin(scratch, error);
    gboolean ok = to != NULL && ledger_copy_rows(unit, to, NULL, error) &&
                  LEDGER_OP(to)->totals(to, totals, error);
    if (to)
        ledger_rollback(to);
    ledger_close(scratch);
    return ok;
}

void ledger_memory_export_fill(LedgerBackend *b)
{
    /* No copy_to: tender_host_copy_ledger copies the rows of a backend
     * without a file-level backup of its own (ledger-copy.c). */
    b->export_rows = memory_export_rows;
    b->import_row = memory_import_row;
    b->import_finish = memory_import_finish;
    b->is_empty = memory_is_empty;
    b->totals = memory_totals;
}
