/* The SQLite backend's export, import and totals (ledger-backend.h,
 * version 3): what `tender ledger copy` reads from one ledger and writes to
 * another, and the counts and sums it checks the copy by. */
#include "ledger-sqlite.h"

#include <string.h>

static const LedgerTableSql *table_sql(const LedgerTable *table)
{
    return ledger_table_sql(table, LEDGER_PLACEHOLDERS_QUESTION);
}

static gboolean sqlite_export_rows(LedgerUnit *unit, const LedgerTable *table, LedgerRowFunc each,
                                   gpointer data, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, table_sql(table)->select_sql);
    if (s == NULL)
        return ledger_sqlite_fail(ledger, error, "exporting a table");
    LedgerValue *values = g_new0(LedgerValue, table->n_columns);
    gboolean ok = TRUE;
    int rc;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (guint c = 0; c < table->n_columns; c++) {
            LedgerValue *v = &values[c];
            memset(v, 0, sizeof *v);
            if (sqlite3_column_type(s, (int)c) == SQLITE_NULL) {
                v->type = LEDGER_VALUE_NULL;
                continue;
            }
            /* The column's logical type, whatever SQLite stored: a row
             * written by an older Tender may hold an integer as text. */
            v->type = table->columns[c].type;
            if (v->type == LEDGER_VALUE_INTEGER) {
                v->integer = sqlite3_column_int64(s, (int)c);
            } else {
                v->data = v->type == LEDGER_VALUE_TEXT
                              ? (const void *)sqlite3_column_text(s, (int)c)
                              : sqlite3_column_blob(s, (int)c);
                v->length = (gsize)sqlite3_column_bytes(s, (int)c);
            }
        }
        ok = each(values, data, error);
    }
    if (ok && rc != SQLITE_DONE)
        ok = ledger_sqlite_fail(ledger, error, "exporting a table");
    sqlite3_reset(s);
    g_free(values);
    return ok;
}

static gboolean sqlite_import_row(LedgerUnit *unit, const LedgerTable *table,
                                  const LedgerValue *values, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    sqlite3_stmt *s = ledger_sqlite_stmt(ledger, table_sql(table)->insert_sql);
    if (s != NULL) {
        for (guint c = 0; c < table->n_columns; c++) {
            const LedgerValue *v = &values[c];
            int i = (int)c + 1;
            switch (v->type) {
            case LEDGER_VALUE_NULL:
                sqlite3_bind_null(s, i);
                break;
            case LEDGER_VALUE_INTEGER:
                sqlite3_bind_int64(s, i, v->integer);
                break;
            case LEDGER_VALUE_TEXT:
                sqlite3_bind_text64(s, i, v->data ? v->data : "", v->length, SQLITE_TRANSIENT,
                                    SQLITE_UTF8);
                break;
            case LEDGER_VALUE_BLOB:
                sqlite3_bind_blob64(s, i, v->data ? v->data : "", v->length, SQLITE_TRANSIENT);
                break;
            }
        }
    }
    if (ledger_sqlite_step_done(ledger, s, error, "importing a row"))
        return TRUE;
    g_prefix_error(error, "table %s: ", table->name);
    return FALSE;
}

static gboolean sqlite_import_finish(LedgerUnit *unit, GError **error)
{
    (void)unit;
    (void)error;
    return TRUE;
}

static gboolean sqlite_is_empty(LedgerUnit *unit, gboolean *empty_out, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    *empty_out = TRUE;
    for (guint t = 0; t < ledger_n_tables && *empty_out; t++) {
        g_autofree char *sql = g_strdup_printf("SELECT 1 FROM %s LIMIT 1", ledger_tables[t].name);
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(ledger->db, sql, -1, &s, NULL) != SQLITE_OK)
            return ledger_sqlite_fail(ledger, error, "looking for rows");
        int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc == SQLITE_ROW)
            *empty_out = FALSE;
        else if (rc != SQLITE_DONE)
            return ledger_sqlite_fail(ledger, error, "looking for rows");
    }
    return TRUE;
}

static gboolean sqlite_totals(LedgerUnit *unit, GHashTable *totals, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    for (gsize q = 0; q < ledger_n_total_queries; q++) {
        sqlite3_stmt *s = ledger_sqlite_stmt(ledger, ledger_total_queries[q].sql);
        if (s == NULL)
            return ledger_sqlite_fail(ledger, error, "computing totals");
        int n_groups = ledger_total_queries[q].n_groups;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *groups[LEDGER_TOTAL_MAX_GROUPS] = {NULL};
            for (int g = 0; g < n_groups; g++)
                groups[g] = (const char *)sqlite3_column_text(s, g);
            g_autofree char *prefix = ledger_totals_prefix(&ledger_total_queries[q], groups);
            for (int c = n_groups; c < sqlite3_column_count(s); c++) {
                g_autofree char *name = g_strdup_printf("%s.%s", prefix, sqlite3_column_name(s, c));
                ledger_totals_set(totals, name, sqlite3_column_int64(s, c));
            }
        }
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return ledger_sqlite_fail(ledger, error, "computing totals");
    }
    return TRUE;
}

void ledger_sqlite_export_fill(LedgerBackend *b)
{
    b->export_rows = sqlite_export_rows;
    b->import_row = sqlite_import_row;
    b->import_finish = sqlite_import_finish;
    b->is_empty = sqlite_is_empty;
    b->totals = sqlite_totals;
}
