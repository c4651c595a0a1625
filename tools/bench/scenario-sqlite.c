/* sqlite-baseline: raw SQLite, one row inserted and committed per
 * transaction, with the ledger's settings (WAL, synchronous=FULL) on a file.
 * Each commit waits for its fsync, so this is the floor a durable ledger
 * that commits each operation on its own cannot beat. */
#include "bench.h"

#include <sqlite3.h>
#include <stdio.h>

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *begin, *insert, *commit;
} Baseline;

static gboolean step_ok(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
}

static gboolean baseline_step(gpointer ctx, int thread, gint64 index)
{
    (void)thread;
    Baseline *b = ctx;
    char id[40];
    g_snprintf(id, sizeof id, "pay_%020" G_GINT64_FORMAT, index);
    sqlite3_bind_text(b->insert, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(b->insert, 2, 1000 + index % 1000);
    sqlite3_bind_int64(b->insert, 3, BENCH_NOW_MS);
    gboolean ok = step_ok(b->begin);
    ok = step_ok(b->insert) && ok;
    ok = step_ok(b->commit) && ok;
    return ok;
}

int bench_sqlite_baseline(BenchOptions *opts)
{
    g_autofree char *path = bench_tmp_path(opts, "baseline");
    Baseline b = {0};
    if (sqlite3_open(path, &b.db) != SQLITE_OK ||
        sqlite3_exec(b.db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE rows (id TEXT PRIMARY KEY, amount INTEGER NOT NULL,"
                     " created_ms INTEGER NOT NULL);",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(b.db, "BEGIN IMMEDIATE", -1, &b.begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(b.db, "INSERT INTO rows VALUES (?1, ?2, ?3)", -1, &b.insert, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(b.db, "COMMIT", -1, &b.commit, NULL) != SQLITE_OK) {
        fprintf(stderr, "tender-bench: sqlite-baseline: %s\n", sqlite3_errmsg(b.db));
        sqlite3_close(b.db);
        return 1;
    }
    BenchStats s = bench_run(opts, 1, baseline_step, &b);
    sqlite3_finalize(b.begin);
    sqlite3_finalize(b.insert);
    sqlite3_finalize(b.commit);
    sqlite3_close(b.db);
    opts->baseline_ops = s.ops_per_second;
    BenchReport *r = bench_report_new("sqlite-baseline", &s);
    bench_report_string(r, "journal_mode", "wal");
    bench_report_string(r, "synchronous", "full");
    bench_report_finish(r, opts,
                        "sqlite-baseline: %.0f commits/s (p50 %.0f us, p99 %.0f us): one row per "
                        "transaction, WAL, synchronous=FULL",
                        s.ops_per_second, s.p50_us, s.p99_us);
    return s.failures ? 1 : 0;
}
