/* The SQLite backend's export, import and totals (ledger-backend.h,
 * version 2): what `tender ledger copy` reads from one ledger and writes to
 * another, and the counts and sums it checks the copy by. */
#include "ledger-sqlite.h"

#include <string.h>

/* The SELECT and INSERT of each logical table, made once from ledger_tables
 * and kept for the life of the process: ledger_sqlite_stmt caches a
 * statement by its text's address, which must therefore never move. */
typedef struct {
    char *select_sql;
    char *insert_sql;
} TableSql;

static const TableSql *table_sql(const LedgerTable *table)
{
    static TableSql *sql;
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        TableSql *all = g_new0(TableSql, ledger_n_tables);
        for (guint t = 0; t < ledger_n_tables; t++) {
            const LedgerTable *tab = &ledger_tables[t];
            GString *names = g_string_new(NULL);
            GString *marks = g_string_new(NULL);
            for (guint c = 0; c < tab->n_columns; c++) {
                g_string_append_printf(names, "%s%s", c ? ", " : "", tab->columns[c].name);
                g_string_append(marks, c ? ", ?" : "?");
            }
            all[t].select_sql = g_strdup_printf("SELECT %s FROM %s", names->str, tab->name);
            all[t].insert_sql = g_strdup_printf("INSERT INTO %s (%s) VALUES (%s)", tab->name,
                                                names->str, marks->str);
            g_string_free(names, TRUE);
            g_string_free(marks, TRUE);
        }
        sql = all;
        g_once_init_leave(&ready, 1);
    }
    /* table points into ledger_tables (the interface's rule). */
    return &sql[table - ledger_tables];
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

/* The totals a copy is checked by. Each query returns n_groups text
 * columns, then named numbers; a row becomes the totals
 * "<name>[<group>,...].<column>" ("<name>.<column>" without groups). The SQL
 * is plain enough for any SQL database, so a second backend can run these
 * very statements (PostgreSQL returns sum() of bigint as numeric: read it as
 * text). The money invariants are all here: amounts per currency and status,
 * operations (refunds among them) per kind and outcome, the limit counters,
 * the idempotency keys of payments, operations and kept responses, and the
 * outbox. */
static const struct {
    const char *name;
    int n_groups;
    const char *sql;
} total_queries[] = {
    {"payments", 2,
     "SELECT currency, status, count(*) AS count, sum(amount) AS amount,"
     " sum(captured) AS captured, sum(refunded) AS refunded, sum(fee) AS fee,"
     " sum(order_amount) AS order_amount, count(idempotency_key) AS idempotency_keys"
     " FROM payments GROUP BY currency, status"},
    {"operations", 2,
     "SELECT kind, coalesce(outcome, '') AS outcome, count(*) AS count, sum(amount) AS amount,"
     " sum(attempts) AS attempts, count(idempotency_key) AS idempotency_keys"
     " FROM operations GROUP BY kind, coalesce(outcome, '')"},
    {"usage", 0, "SELECT count(*) AS count, coalesce(sum(amount), 0) AS amount FROM usage"},
    {"payment_usage", 0,
     "SELECT count(*) AS count, coalesce(sum(full_amount), 0) AS full_amount,"
     " coalesce(sum(counted), 0) AS counted FROM payment_usage"},
    {"events", 1, "SELECT type, count(*) AS count FROM events GROUP BY type"},
    {"deliveries", 1,
     "SELECT state, count(*) AS count, sum(attempts) AS attempts FROM deliveries GROUP BY state"},
    {"api_keys", 0,
     "SELECT count(*) AS count, count(CASE WHEN revoked_ms > 0 THEN 1 END) AS revoked"
     " FROM api_keys"},
    {"webhook_endpoints", 0,
     "SELECT count(*) AS count, count(CASE WHEN removed_ms > 0 THEN 1 END) AS removed"
     " FROM webhook_endpoints"},
    {"idempotent_responses", 0, "SELECT count(*) AS count FROM idempotent_responses"},
    {"plugin_crashes", 0, "SELECT count(*) AS count FROM plugin_crashes"},
};

static gboolean sqlite_totals(LedgerUnit *unit, GHashTable *totals, GError **error)
{
    SqliteLedger *ledger = ledger_sqlite_of(unit);
    for (gsize q = 0; q < G_N_ELEMENTS(total_queries); q++) {
        sqlite3_stmt *s = ledger_sqlite_stmt(ledger, total_queries[q].sql);
        if (s == NULL)
            return ledger_sqlite_fail(ledger, error, "computing totals");
        int n_groups = total_queries[q].n_groups;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            GString *prefix = g_string_new(total_queries[q].name);
            for (int g = 0; g < n_groups; g++) {
                const char *group = (const char *)sqlite3_column_text(s, g);
                g_string_append_printf(prefix, "%s%s", g ? "," : "[", group ? group : "");
            }
            if (n_groups > 0)
                g_string_append_c(prefix, ']');
            for (int c = n_groups; c < sqlite3_column_count(s); c++) {
                g_autofree char *name =
                    g_strdup_printf("%s.%s", prefix->str, sqlite3_column_name(s, c));
                ledger_totals_set(totals, name, sqlite3_column_int64(s, c));
            }
            g_string_free(prefix, TRUE);
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
