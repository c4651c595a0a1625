/* The timed loop every scenario uses, and the report it prints. Latencies
 * are kept per operation (not sampled) so p99 is exact. */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static gint64 now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct {
    BenchStepFunc step;
    gpointer ctx;
    int thread;
    gint64 quota;            /* operations for this thread, 0: run on time */
    gint64 stop_ns;          /* when quota is 0: stop at this instant */
    GArray *latencies_ns;    /* gint64 */
    gint64 failures;
    GMutex *start_lock;      /* held by the main thread until all are ready */
} Worker;

static gpointer worker_main(gpointer data)
{
    Worker *w = data;
    /* Start together: wait until the main thread releases the lock. */
    g_mutex_lock(w->start_lock);
    g_mutex_unlock(w->start_lock);
    for (gint64 i = 0;; i++) {
        if (w->quota > 0 ? i >= w->quota : now_ns() >= w->stop_ns)
            break;
        gint64 t0 = now_ns();
        gboolean ok = w->step(w->ctx, w->thread, i);
        gint64 t1 = now_ns();
        g_array_append_val(w->latencies_ns, (gint64){t1 - t0});
        if (!ok)
            w->failures++;
    }
    return NULL;
}

static int compare_gint64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

/* The value at quantile q of sorted values (nearest rank). */
static double quantile_us(const GArray *sorted, double q)
{
    if (sorted->len == 0)
        return 0;
    gsize rank = (gsize)(q * (double)sorted->len);
    if (rank >= sorted->len)
        rank = sorted->len - 1;
    return (double)g_array_index(sorted, gint64, rank) / 1000.0;
}

BenchStats bench_run_budget(double seconds, gint64 operations, int threads, BenchStepFunc step,
                            gpointer ctx)
{
    if (threads < 1)
        threads = 1;
    GMutex start_lock;
    g_mutex_init(&start_lock);
    g_mutex_lock(&start_lock);
    Worker *workers = g_new0(Worker, threads);
    GThread **handles = g_new0(GThread *, threads);
    for (int t = 0; t < threads; t++) {
        Worker *w = &workers[t];
        w->step = step;
        w->ctx = ctx;
        w->thread = t;
        if (operations > 0)
            w->quota = operations / threads + (t < operations % threads ? 1 : 0);
        w->latencies_ns = g_array_sized_new(FALSE, FALSE, sizeof(gint64), 4096);
        w->start_lock = &start_lock;
        /* A thread whose quota is 0 on purpose must not run on time. */
        if (operations > 0 && w->quota == 0)
            continue;
        handles[t] = g_thread_new("bench", worker_main, w);
    }
    gint64 start = now_ns();
    for (int t = 0; t < threads; t++)
        workers[t].stop_ns = start + (gint64)(seconds * 1e9);
    g_mutex_unlock(&start_lock);
    for (int t = 0; t < threads; t++)
        if (handles[t])
            g_thread_join(handles[t]);
    gint64 end = now_ns();
    g_mutex_clear(&start_lock);

    BenchStats stats = {0};
    GArray *all = g_array_new(FALSE, FALSE, sizeof(gint64));
    double total_ns = 0;
    for (int t = 0; t < threads; t++) {
        Worker *w = &workers[t];
        g_array_append_vals(all, w->latencies_ns->data, w->latencies_ns->len);
        stats.failures += w->failures;
        g_array_unref(w->latencies_ns);
    }
    for (guint i = 0; i < all->len; i++)
        total_ns += (double)g_array_index(all, gint64, i);
    g_array_sort(all, compare_gint64);
    stats.operations = all->len;
    stats.seconds = (double)(end - start) / 1e9;
    stats.ops_per_second = stats.seconds > 0 ? (double)stats.operations / stats.seconds : 0;
    stats.p50_us = quantile_us(all, 0.50);
    stats.p99_us = quantile_us(all, 0.99);
    stats.mean_us = all->len ? total_ns / all->len / 1000.0 : 0;
    g_array_unref(all);
    g_free(workers);
    g_free(handles);
    return stats;
}

BenchStats bench_run(const BenchOptions *opts, int threads, BenchStepFunc step, gpointer ctx)
{
    return bench_run_budget(opts->seconds, opts->operations, threads, step, ctx);
}

/* ---- reports ------------------------------------------------------------ */

struct BenchReport {
    GString *json;
};

static void append_json_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20)
            g_string_append_printf(out, "\\u%04x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

BenchReport *bench_report_new(const char *scenario, const BenchStats *stats)
{
    BenchReport *r = g_new0(BenchReport, 1);
    r->json = g_string_new("{\"scenario\": ");
    append_json_string(r->json, scenario);
    bench_report_int(r, "operations", stats->operations);
    bench_report_double(r, "seconds", stats->seconds);
    bench_report_double(r, "ops_per_second", stats->ops_per_second);
    bench_report_double(r, "p50_us", stats->p50_us);
    bench_report_double(r, "p99_us", stats->p99_us);
    bench_report_double(r, "mean_us", stats->mean_us);
    bench_report_int(r, "failures", stats->failures);
    return r;
}

void bench_report_int(BenchReport *r, const char *key, gint64 value)
{
    g_string_append(r->json, ", ");
    append_json_string(r->json, key);
    g_string_append_printf(r->json, ": %" G_GINT64_FORMAT, value);
}

void bench_report_double(BenchReport *r, const char *key, double value)
{
    g_string_append(r->json, ", ");
    append_json_string(r->json, key);
    /* Three decimals are below the clock's resolution for every field. */
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(r->json, ": %s", g_ascii_formatd(buf, sizeof buf, "%.3f", value));
}

void bench_report_string(BenchReport *r, const char *key, const char *value)
{
    g_string_append(r->json, ", ");
    append_json_string(r->json, key);
    g_string_append(r->json, ": ");
    append_json_string(r->json, value);
}

void bench_report_finish(BenchReport *r, const BenchOptions *opts, const char *human_fmt, ...)
{
    g_string_append_c(r->json, '}');
    printf("%s\n", r->json->str);
    fflush(stdout);
    if (!opts->json_only) {
        va_list ap;
        va_start(ap, human_fmt);
        vfprintf(stderr, human_fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    g_string_free(r->json, TRUE);
    g_free(r);
}

char *bench_tmp_path(BenchOptions *opts, const char *stem)
{
    return g_strdup_printf("%s/%s-%u.db", opts->tmp_dir, stem, opts->tmp_counter++);
}
