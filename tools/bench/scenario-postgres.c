/* postgres-baseline: PostgreSQL's own single-row commit floor, the
 * denominator of authorize-hosts on a PostgreSQL ledger (issue 18): one
 * INSERT per transaction (BEGIN; INSERT; COMMIT, three round trips, as a
 * unit of the ledger makes them) over one connection to the server --ledger
 * names, with the server's own durability settings. Its table (the shape of
 * sqlite-baseline's) lives in a schema of its own, dropped at the end, so
 * the ledger's tables are never touched. Without a PostgreSQL --ledger the
 * scenario is skipped (so that `all` runs on a machine without one). */
#include "bench.h"

#include <stdio.h>
#include <unistd.h>

#ifdef TENDER_BENCH_HAVE_LIBPQ
#include <libpq-fe.h>

static gboolean command_ok(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    gboolean ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "tender-bench: postgres-baseline: %s: %s", sql, PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

static gboolean baseline_step(gpointer ctx, int thread, gint64 index)
{
    (void)thread;
    PGconn *conn = ctx;
    char id[40], amount[24];
    g_snprintf(id, sizeof id, "pay_%020" G_GINT64_FORMAT, index);
    g_snprintf(amount, sizeof amount, "%" G_GINT64_FORMAT, 1000 + index % 1000);
    const char *values[] = {id, amount};
    gboolean ok = command_ok(conn, "BEGIN");
    PGresult *r = PQexecPrepared(conn, "insert", 2, values, NULL, NULL, 0);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK && ok;
    PQclear(r);
    return command_ok(conn, "COMMIT") && ok;
}

int bench_postgres_baseline(BenchOptions *opts)
{
    if (opts->ledger == NULL || !(g_str_has_prefix(opts->ledger, "postgresql://") ||
                                  g_str_has_prefix(opts->ledger, "postgres://"))) {
        if (!opts->json_only)
            fprintf(stderr, "postgres-baseline: skipped (no --ledger postgresql://…)\n");
        return 0;
    }
    PGconn *conn = PQconnectdb(opts->ledger);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "tender-bench: postgres-baseline: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    g_autofree char *schema = g_strdup_printf("tender_bench_%d", (int)getpid());
    g_autofree char *create = g_strdup_printf(
        "CREATE SCHEMA %s; CREATE TABLE %s.rows (id text PRIMARY KEY, amount bigint NOT NULL, "
        "created_ms bigint NOT NULL DEFAULT 0)",
        schema, schema);
    g_autofree char *insert =
        g_strdup_printf("INSERT INTO %s.rows (id, amount) VALUES ($1, $2)", schema);
    g_autofree char *drop = g_strdup_printf("DROP SCHEMA %s CASCADE", schema);
    PGresult *prepared = NULL;
    gboolean ready = command_ok(conn, create);
    if (ready) {
        prepared = PQprepare(conn, "insert", insert, 2, NULL);
        ready = PQresultStatus(prepared) == PGRES_COMMAND_OK;
        PQclear(prepared);
    }
    BenchStats s = {0};
    if (ready)
        s = bench_run(opts, 1, baseline_step, conn);
    PGresult *setting = PQexec(conn, "SHOW synchronous_commit");
    g_autofree char *sync =
        g_strdup(PQresultStatus(setting) == PGRES_TUPLES_OK ? PQgetvalue(setting, 0, 0) : "?");
    PQclear(setting);
    command_ok(conn, drop);
    PQfinish(conn);
    if (!ready)
        return 1;
    opts->baseline_ops = s.ops_per_second;
    BenchReport *r = bench_report_new("postgres-baseline", &s);
    bench_report_string(r, "synchronous_commit", sync);
    bench_report_finish(r, opts,
                        "postgres-baseline: %.0f commits/s (p50 %.0f us, p99 %.0f us): one row per "
                        "transaction, one connection, synchronous_commit=%s",
                        s.ops_per_second, s.p50_us, s.p99_us, sync);
    return s.failures ? 1 : 0;
}
#else
int bench_postgres_baseline(BenchOptions *opts)
{
    if (opts->ledger == NULL || !(g_str_has_prefix(opts->ledger, "postgresql://") ||
                                  g_str_has_prefix(opts->ledger, "postgres://")))
        return 0;
    fprintf(stderr, "tender-bench: postgres-baseline: this build has no libpq\n");
    return 1;
}
#endif
