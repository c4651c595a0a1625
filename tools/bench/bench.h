/* tender-bench: shared declarations of the benchmark program.
 *
 * Each scenario measures one thing, prints one JSON object on stdout
 * (scenario, operations, seconds, ops_per_second, p50_us, p99_us and its
 * own fields) and one line for a person on stderr. bench/README.md explains
 * every scenario and records results. */
#ifndef TENDER_BENCH_H
#define TENDER_BENCH_H

#include <glib.h>

#include <tender/tender.h>

G_BEGIN_DECLS

/* What the command line asked for, shared by every scenario. */
typedef struct {
    char *plugin_dir;        /* the bundled plugins (build tree by default) */
    char *noop_dir;          /* the folder holding bench_noop.so */
    double seconds;          /* run each measurement this long ... */
    gint64 operations;       /* ... or exactly this many operations (> 0) */
    int threads;             /* authorize-durable: 0 means "1, then 8" */
    gboolean json_only;      /* no human lines */
    char *tmp_dir;           /* scratch folder for ledger files, removed at exit */
    double baseline_ops;     /* sqlite-baseline's ops/s in this run, 0 if not run */
    guint tmp_counter;       /* for unique file names in tmp_dir */
    char *ledger;            /* authorize-durable, -hosts: this ledger (NULL: a new file) */
    int processes;           /* authorize-hosts: N processes (0: 1, 2, then 4) */
    gint64 start_at_ms;      /* wall clock (ms) to start measuring at; 0: at once */
} BenchOptions;

/* The outcome of one timed loop. */
typedef struct {
    gint64 operations;       /* completed operations */
    gint64 failures;         /* operations whose step returned FALSE */
    double seconds;          /* wall time of the whole loop */
    double ops_per_second;
    double p50_us, p99_us, mean_us;
} BenchStats;

/* One operation of a timed loop: thread is 0..threads-1, index counts this
 * thread's operations. FALSE counts a failure (the loop goes on). */
typedef gboolean (*BenchStepFunc)(gpointer ctx, int thread, gint64 index);

/* Run step on `threads` threads until opts->operations operations are done
 * in total or opts->seconds have passed, timing every call. */
BenchStats bench_run(const BenchOptions *opts, int threads, BenchStepFunc step, gpointer ctx);
/* The same with an explicit budget (seconds, or operations when > 0). */
BenchStats bench_run_budget(double seconds, gint64 operations, int threads, BenchStepFunc step,
                            gpointer ctx);

/* A JSON object being built for one scenario. */
typedef struct BenchReport BenchReport;
BenchReport *bench_report_new(const char *scenario, const BenchStats *stats);
void bench_report_int(BenchReport *r, const char *key, gint64 value);
void bench_report_double(BenchReport *r, const char *key, double value);
void bench_report_string(BenchReport *r, const char *key, const char *value);
/* Print the JSON line (stdout) and, unless json_only, the human line
 * (stderr); free the report. */
void bench_report_finish(BenchReport *r, const BenchOptions *opts, const char *human_fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* A new file name in opts->tmp_dir ("<stem>-<n>.db"); g_free it. */
char *bench_tmp_path(BenchOptions *opts, const char *stem);

/* The fixed clock every benchmark host runs on (2026-11-25T12:00:00Z), so
 * the usage counter keys of limit-scale are known in advance. */
#define BENCH_NOW_MS G_GINT64_CONSTANT(1795608000000)

/* Create a host on dirs (NULL-terminated), config JSON (NULL: the embedded
 * default) and ledger (":memory:" or a file), on the fixed clock. Prints
 * the error and returns NULL on failure. */
TenderHost *bench_host_new(const char *const *dirs, const char *config_json, const char *ledger);

/* The approving test card of the card plugin (4242… 12/2031 cvc 737). */
extern const tender_param bench_card_params[4];

/* Scenarios: each returns 0 on success, nonzero when it could not run. */
int bench_sqlite_baseline(BenchOptions *opts);
int bench_authorize_durable(BenchOptions *opts);
int bench_authorize_memory(BenchOptions *opts);
int bench_quote(BenchOptions *opts);
int bench_card_validate(BenchOptions *opts);
int bench_dispatch(BenchOptions *opts);
int bench_limit_scale(BenchOptions *opts);
int bench_startup(BenchOptions *opts);
int bench_http_roundtrip(BenchOptions *opts);
int bench_authorize_hosts(BenchOptions *opts);
int bench_postgres_baseline(BenchOptions *opts);

G_END_DECLS

#endif
