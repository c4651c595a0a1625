/* A fresh ledger per test on the PostgreSQL test server (test-ledger.h). A
 * schema rather than a database: CREATE DATABASE copies a template and
 * takes a lock on it, a schema is a catalog row; and the ledger's tables go
 * into the first schema of the connection's search_path, which the URI sets
 * (libpq's options parameter). Schemas are never dropped: the cluster is
 * removed whole at the end (with-postgres). */
#include "test-ledger.h"

#include <gio/gio.h>
#include <libpq-fe.h>
#include <string.h>
#include <unistd.h>

gboolean test_ledger_location_is_postgres(const char *location)
{
    return location && (g_str_has_prefix(location, "postgresql://") ||
                        g_str_has_prefix(location, "postgres://"));
}

static const char *server(void)
{
    const char *uri = g_getenv("TENDER_TEST_LEDGER");
    return test_ledger_location_is_postgres(uri) ? uri : NULL;
}

gboolean test_ledger_is_postgres(void)
{
    return server() != NULL;
}

char *test_ledger_location(const char *fallback)
{
    const char *uri = server();
    /* A location that is a server's already (one a parent process made and
     * handed to its child) is that ledger. */
    if (uri == NULL || test_ledger_location_is_postgres(fallback))
        return g_strdup(fallback);
    /* The same path is the same ledger: a test that opens its file again
     * (a second host, a restart) finds what it left there. */
    static GMutex lock;
    static GHashTable *made; /* fallback path -> location */
    gboolean shared = strcmp(fallback, ":memory:") != 0 && fallback[0] != '\0';
    g_mutex_lock(&lock);
    if (made == NULL)
        made = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    const char *known = shared ? g_hash_table_lookup(made, fallback) : NULL;
    if (known) {
        char *copy = g_strdup(known);
        g_mutex_unlock(&lock);
        return copy;
    }
    static gint counter;
    char *schema = g_strdup_printf("t%d_%d_%08x", (int)getpid(), g_atomic_int_add(&counter, 1),
                                   g_random_int());
    PGconn *conn = PQconnectdb(uri);
    if (PQstatus(conn) != CONNECTION_OK)
        g_error("test ledger: cannot connect to %s: %s", uri, PQerrorMessage(conn));
    char *sql = g_strdup_printf("CREATE SCHEMA %s", schema);
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        g_error("test ledger: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(conn);
    g_free(sql);
    char *location = g_strdup_printf("%s%soptions=-csearch_path%%3D%s", uri,
                                     strchr(uri, '?') ? "&" : "?", schema);
    g_free(schema);
    if (shared)
        g_hash_table_insert(made, g_strdup(fallback), g_strdup(location));
    g_mutex_unlock(&lock);
    return location;
}

void test_ledger_set_options(TenderHostOptions *options, const char *fallback)
{
    char *location = test_ledger_location(fallback);
    tender_host_options_set_ledger(options, location);
    g_free(location);
}

GPtrArray *test_ledger_pg_query(const char *location, const char *sql, const char *const *params,
                                GError **error)
{
    PGconn *conn = PQconnectdb(location);
    if (PQstatus(conn) != CONNECTION_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect: %s",
                    PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    int n = params ? (int)g_strv_length((char **)params) : 0;
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    GPtrArray *rows = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK) {
        rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
        for (int i = 0; i < PQntuples(r); i++) {
            GPtrArray *row = g_ptr_array_new_full((guint)PQnfields(r), g_free);
            for (int c = 0; c < PQnfields(r); c++)
                g_ptr_array_add(row, PQgetisnull(r, i, c) ? NULL : g_strdup(PQgetvalue(r, i, c)));
            g_ptr_array_add(rows, row);
        }
    } else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", sql, PQresultErrorMessage(r));
    }
    PQclear(r);
    PQfinish(conn);
    return rows;
}
