/* The PostgreSQL backend's export, import and totals (ledger-backend.h,
 * version 3): what `tender ledger copy` reads from a PostgreSQL ledger and
 * writes into one, and the counts and sums it checks the copy by.
 * docs/ledger.md ("What the PostgreSQL backend must implement for it") is
 * the specification; ledger-sqlite-export.c the reference reading. */
#include "ledger-postgres.h"

#include <string.h>

static const LedgerTableSql *table_sql(const LedgerTable *table)
{
    return ledger_table_sql(table, LEDGER_PLACEHOLDERS_NUMBERED);
}

/* In a READ unit every statement sees the snapshot of the unit's first one
 * (begin() opens it REPEATABLE READ, READ ONLY), so the tables exported one
 * after the other are one consistent ledger even while hosts write. The
 * result is read whole: a ledger copy is an offline operation, and one
 * table's rows in memory are what the copy holds anyway. */
static gboolean postgres_export_rows(LedgerUnit *base, const LedgerTable *table, LedgerRowFunc each,
                                     gpointer data, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PGresult *r = ledger_postgres_run(unit, table_sql(table)->select_sql, NULL, FALSE, error,
                                      "exporting a table");
    if (r == NULL) {
        g_prefix_error(error, "table %s: ", table->name);
        return FALSE;
    }
    LedgerValue *values = g_new0(LedgerValue, table->n_columns);
    /* Unescaped bytea values of the current row, freed after it. */
    GPtrArray *blobs = g_ptr_array_new_with_free_func(PQfreemem);
    gboolean ok = TRUE;
    for (int row = 0; ok && row < PQntuples(r); row++) {
        g_ptr_array_set_size(blobs, 0);
        for (guint c = 0; c < table->n_columns; c++) {
            LedgerValue *v = &values[c];
            memset(v, 0, sizeof *v);
            if (PQgetisnull(r, row, (int)c)) {
                v->type = LEDGER_VALUE_NULL;
                continue;
            }
            v->type = table->columns[c].type;
            const char *field = PQgetvalue(r, row, (int)c);
            if (v->type == LEDGER_VALUE_INTEGER) {
                v->integer = g_ascii_strtoll(field, NULL, 10);
            } else if (v->type == LEDGER_VALUE_TEXT) {
                v->data = field;
                v->length = (gsize)PQgetlength(r, row, (int)c);
            } else {
                /* Text results carry bytea in its hex form. */
                size_t length = 0;
                unsigned char *bytes = PQunescapeBytea((const unsigned char *)field, &length);
                if (bytes == NULL) {
                    g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                                "ledger: exporting table %s: out of memory", table->name);
                    ok = FALSE;
                    break;
                }
                g_ptr_array_add(blobs, bytes);
                v->data = bytes;
                v->length = length;
            }
        }
        if (ok)
            ok = each(values, data, error);
    }
    g_ptr_array_unref(blobs);
    g_free(values);
    PQclear(r);
    return ok;
}

static gboolean postgres_import_row(LedgerUnit *base, const LedgerTable *table,
                                    const LedgerValue *values, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    PgParams s = {0};
    for (guint c = 0; c < table->n_columns; c++) {
        const LedgerValue *v = &values[c];
        switch (v->type) {
        case LEDGER_VALUE_NULL:
            ledger_postgres_text(&s, NULL);
            break;
        case LEDGER_VALUE_INTEGER:
            ledger_postgres_int(&s, v->integer);
            break;
        case LEDGER_VALUE_TEXT:
            /* The value is not NUL-terminated, which a text-format
             * parameter must be; text's binary format is its bytes. */
        case LEDGER_VALUE_BLOB:
            ledger_postgres_bytes(&s, v->data ? v->data : "", v->length);
            break;
        }
    }
    if (ledger_postgres_do(unit, table_sql(table)->insert_sql, &s, error, "importing a row"))
        return TRUE;
    g_prefix_error(error, "table %s: ", table->name);
    return FALSE;
}

/* The sequences behind BIGSERIAL columns follow nextval() only: rows
 * imported with their own numbers leave them where they were, and the next
 * operation or event would take a number already imported. */
static gboolean postgres_import_finish(LedgerUnit *base, GError **error)
{
    PgUnit *unit = (PgUnit *)base;
    return ledger_postgres_do(unit,
                              "SELECT setval(pg_get_serial_sequence('operations', 'seq'),"
                              " coalesce(max(seq), 1), max(seq) IS NOT NULL) FROM operations",
                              NULL, error, "moving the operations' sequence") &&
           ledger_postgres_do(unit,
                              "SELECT setval(pg_get_serial_sequence('events', 'seq'),"
                              " coalesce(max(seq), 1), max(seq) IS NOT NULL) FROM events",
                              NULL, error, "moving the events' sequence");
}

static gboolean postgres_is_empty(LedgerUnit *base, gboolean *empty_out, GError **error)
{
    /* One statement over every table, made once (its address names it). */
    static char *sql;
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        GString *any = g_string_new("SELECT ");
        for (guint t = 0; t < ledger_n_tables; t++)
            g_string_append_printf(any, "%sEXISTS (SELECT 1 FROM %s)", t ? " OR " : "",
                                   ledger_tables[t].name);
        sql = g_string_free(any, FALSE);
        g_once_init_leave(&ready, 1);
    }
    PGresult *r = ledger_postgres_run((PgUnit *)base, sql, NULL, FALSE, error, "looking for rows");
    if (r == NULL)
        return FALSE;
    *empty_out = strcmp(PQgetvalue(r, 0, 0), "t") != 0;
    PQclear(r);
    return TRUE;
}

/* ledger_total_queries as they are; sum() of bigint is numeric here, read
 * from its text like every other number. */
static gboolean postgres_totals(LedgerUnit *base, GHashTable *totals, GError **error)
{
    for (guint q = 0; q < ledger_n_total_queries; q++) {
        const LedgerTotalQuery *query = &ledger_total_queries[q];
        PGresult *r =
            ledger_postgres_run((PgUnit *)base, query->sql, NULL, FALSE, error, "computing totals");
        if (r == NULL)
            return FALSE;
        for (int row = 0; row < PQntuples(r); row++) {
            const char *groups[LEDGER_TOTAL_MAX_GROUPS] = {NULL};
            for (int g = 0; g < query->n_groups; g++)
                groups[g] = PQgetisnull(r, row, g) ? NULL : PQgetvalue(r, row, g);
            g_autofree char *prefix = ledger_totals_prefix(query, groups);
            for (int c = query->n_groups; c < PQnfields(r); c++) {
                g_autofree char *name = g_strdup_printf("%s.%s", prefix, PQfname(r, c));
                ledger_totals_set(totals, name, ledger_postgres_int_at(r, row, c));
            }
        }
        PQclear(r);
    }
    return TRUE;
}

void ledger_postgres_export_fill(LedgerBackend *b)
{
    b->export_rows = postgres_export_rows;
    b->import_row = postgres_import_row;
    b->import_finish = postgres_import_finish;
    b->is_empty = postgres_is_empty;
    b->totals = postgres_totals;
}
