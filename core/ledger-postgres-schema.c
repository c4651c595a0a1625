/* The PostgreSQL ledger's migrations: SQL files in core/postgres/, numbered
 * 001-*.sql, 002-*.sql, ..., compiled into libtender as a GResource and
 * applied in order. Each runs in a transaction of its own together with the
 * row that records it in tender_schema, so a ledger is always at a whole
 * version. Several hosts starting together on a fresh database would race
 * to create the same tables: each takes the same session-level advisory
 * lock first, so one migrates while the others wait, then find nothing left
 * to do. */
#include "ledger-postgres.h"

#include <gio/gio.h>
#include <string.h>

#include "postgres/ledger-postgres-resource.h"

#define SCHEMA_PREFIX "/org/tender/ledger-postgres"

/* The advisory lock's key: any constant no other user of the database is
 * likely to pick ("tender" in ASCII). */
#define MIGRATION_LOCK_KEY "116101110100101114"

static gboolean run_plain(PGconn *conn, const char *sql, GError **error, const char *what)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(r);
    gboolean ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!ok) {
        g_autofree char *why = g_strstrip(
            g_strdup(PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(conn)));
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER, "ledger: %s: %s", what, why);
    }
    PQclear(r);
    return ok;
}

/* The highest version applied, or -1 with the error. */
static int applied_version(PGconn *conn, GError **error)
{
    PGresult *r = PQexec(conn, "SELECT coalesce(max(version), 0) FROM tender_schema");
    int version = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        version = (int)g_ascii_strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: reading the schema version: %s", PQresultErrorMessage(r));
    PQclear(r);
    return version;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The migrations' file names, in order: 001-..., 002-.... */
static GPtrArray *migration_names(GError **error)
{
    /* Registered on first use rather than by a constructor, so loading the
     * library does no work (as the default config, config-default.c). */
    static gsize registered = 0;
    if (g_once_init_enter(&registered)) {
        ledger_postgres_resource_register_resource();
        g_once_init_leave(&registered, 1);
    }
    g_auto(GStrv) names = g_resource_enumerate_children(ledger_postgres_resource_get_resource(),
                                                        SCHEMA_PREFIX, 0, error);
    if (names == NULL)
        return NULL;
    GPtrArray *sorted = g_ptr_array_new_with_free_func(g_free);
    for (char **n = names; *n; n++)
        if (g_str_has_suffix(*n, ".sql"))
            g_ptr_array_add(sorted, g_strdup(*n));
    g_ptr_array_sort(sorted, compare_names);
    return sorted;
}

static gboolean apply(PGconn *conn, int version, const char *name, GError **error)
{
    g_autofree char *path = g_strconcat(SCHEMA_PREFIX "/", name, NULL);
    g_autoptr(GBytes) sql =
        g_resource_lookup_data(ledger_postgres_resource_get_resource(), path, 0, error);
    if (sql == NULL)
        return FALSE;
    g_autofree char *text = g_strndup(g_bytes_get_data(sql, NULL), g_bytes_get_size(sql));
    g_autofree char *what = g_strdup_printf("applying migration %s", name);
    g_autofree char *record = g_strdup_printf(
        "INSERT INTO tender_schema (version, name, applied) VALUES (%d, '%s', now())", version,
        name);
    if (!run_plain(conn, "BEGIN", error, what))
        return FALSE;
    if (!run_plain(conn, text, error, what) || !run_plain(conn, record, error, what) ||
        !run_plain(conn, "COMMIT", error, what)) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return FALSE;
    }
    return TRUE;
}

gboolean ledger_postgres_migrate(PGconn *conn, GError **error)
{
    g_autoptr(GPtrArray) names = migration_names(error);
    if (names == NULL)
        return FALSE;
    if (!run_plain(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", error,
                   "waiting for the migration lock"))
        return FALSE;
    gboolean ok = run_plain(conn,
                            "CREATE TABLE IF NOT EXISTS tender_schema (version INTEGER PRIMARY KEY,"
                            " name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL)",
                            error, "creating the schema table");
    int version = ok ? applied_version(conn, error) : -1;
    ok = version >= 0;
    int latest = (int)names->len;
    if (ok && version > latest) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_LEDGER,
                    "ledger: schema version %d is newer than this Tender (%d)", version, latest);
        ok = FALSE;
    }
    for (int v = version; ok && v < latest; v++)
        ok = apply(conn, v + 1, g_ptr_array_index(names, v), error);
    /* Released whatever happened, so a host that failed here does not keep
     * the others waiting (the server releases it too if we die). */
    PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")"));
    return ok;
}
