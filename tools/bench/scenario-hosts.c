/* authorize-hosts: durable authorizations per second with 1, 2 and 4 host
 * processes on one ledger (issue 18), against the backend's own
 * single-row commit floor measured in the same run (sqlite-baseline for
 * SQLite).
 *
 * Each host is a process of its own, as tenderd on another machine would
 * be: this program again, running authorize-durable on the shared ledger
 * (--ledger) with --threads threads (default 4), all told to start at one
 * instant (--start-at) so that their measurements overlap, and each
 * printing its JSON line. The aggregate is every process's operations over
 * the longest of their times. The shared ledger is --ledger when given
 * (it must then be empty or a ledger of earlier runs: payments are only
 * added), else a new file per count of processes. */
#include "bench.h"

#include <json-glib/json-glib.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the children get to start (load plugins, open the ledger)
 * before they all begin. */
#define START_DELAY_MS 3000

typedef struct {
    gint64 operations;
    gint64 failures;
    double seconds;
    double p50_us;
    double p99_us;
} ChildResult;

static gboolean parse_child(const char *out, ChildResult *res)
{
    /* The last line that is a JSON object: the child's report. */
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (gint i = (gint)g_strv_length(lines) - 1; i >= 0; i--) {
        if (lines[i][0] != '{')
            continue;
        g_autoptr(JsonParser) parser = json_parser_new();
        if (!json_parser_load_from_data(parser, lines[i], -1, NULL))
            return FALSE;
        JsonObject *o = json_node_get_object(json_parser_get_root(parser));
        if (o == NULL || !json_object_has_member(o, "operations"))
            return FALSE;
        res->operations = json_object_get_int_member(o, "operations");
        res->failures = json_object_get_int_member_with_default(o, "failures", 0);
        res->seconds = json_object_get_double_member(o, "seconds");
        res->p50_us = json_object_get_double_member(o, "p50_us");
        res->p99_us = json_object_get_double_member(o, "p99_us");
        return TRUE;
    }
    return FALSE;
}

static int run_hosts(BenchOptions *opts, int processes, int threads)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *ledger = opts->ledger ? g_strdup(opts->ledger) : bench_tmp_path(opts, "hosts");
    g_autofree char *start_at =
        g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / 1000 + START_DELAY_MS);
    g_autofree char *threads_arg = g_strdup_printf("%d", threads);
    g_autofree char *budget = opts->operations > 0
                                  ? g_strdup_printf("%" G_GINT64_FORMAT, opts->operations)
                                  : g_strdup_printf("%g", opts->seconds);
    GPid *pids = g_new0(GPid, processes);
    int *outs = g_new0(int, processes);
    int failed = 0;
    for (int i = 0; i < processes; i++) {
        const char *argv[] = {self,
                              "--scenario",
                              "authorize-durable",
                              "--json",
                              "--ledger",
                              ledger,
                              "--threads",
                              threads_arg,
                              "--start-at",
                              start_at,
                              "--noop-dir",
                              opts->noop_dir,
                              opts->operations > 0 ? "--operations" : "--seconds",
                              budget,
                              NULL};
        GError *error = NULL;
        if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                      NULL, &pids[i], NULL, &outs[i], NULL, &error)) {
            fprintf(stderr, "tender-bench: authorize-hosts: %s\n", error->message);
            g_error_free(error);
            pids[i] = 0;
            outs[i] = -1;
            failed++;
        }
    }
    gint64 operations = 0, failures = 0;
    double longest = 0, p50 = 0, p99 = 0;
    for (int i = 0; i < processes; i++) {
        if (outs[i] < 0)
            continue;
        GString *out = g_string_new(NULL);
        char buf[4096];
        ssize_t n;
        while ((n = read(outs[i], buf, sizeof buf)) > 0)
            g_string_append_len(out, buf, n);
        close(outs[i]);
        int status = 0;
        waitpid(pids[i], &status, 0);
        g_spawn_close_pid(pids[i]);
        ChildResult res = {0};
        if (!parse_child(out->str, &res)) {
            fprintf(stderr, "tender-bench: authorize-hosts: host %d printed no report\n", i);
            failed++;
        } else {
            operations += res.operations;
            failures += res.failures;
            longest = MAX(longest, res.seconds);
            p50 = MAX(p50, res.p50_us);
            p99 = MAX(p99, res.p99_us);
        }
        g_string_free(out, TRUE);
    }
    g_free(pids);
    g_free(outs);
    BenchStats s = {.operations = operations,
                    .failures = failures,
                    .seconds = longest,
                    .ops_per_second = longest > 0 ? (double)operations / longest : 0,
                    .p50_us = p50,
                    .p99_us = p99};
    BenchReport *r = bench_report_new("authorize-hosts", &s);
    bench_report_int(r, "processes", processes);
    bench_report_int(r, "threads_per_process", threads);
    bench_report_string(r, "backend", strstr(ledger, "://") ? "server" : "sqlite");
    double ratio = opts->baseline_ops > 0 ? s.ops_per_second / opts->baseline_ops : 0;
    if (opts->baseline_ops > 0) {
        bench_report_double(r, "baseline_ops_per_second", opts->baseline_ops);
        bench_report_double(r, "vs_baseline", ratio);
    }
    g_autofree char *versus = opts->baseline_ops > 0
                                  ? g_strdup_printf("%.2f x the single-row commit floor", ratio)
                                  : g_strdup("run sqlite-baseline in the same invocation for the "
                                             "ratio");
    bench_report_finish(r, opts,
                        "authorize-hosts (%d process%s x %d threads): %.0f authorizations/s "
                        "(slowest host's p50 %.0f us, p99 %.0f us); %s",
                        processes, processes == 1 ? "" : "es", threads, s.ops_per_second, p50, p99,
                        versus);
    return failed || failures ? 1 : 0;
}

int bench_authorize_hosts(BenchOptions *opts)
{
    int threads = opts->threads > 0 ? opts->threads : 4;
    if (opts->processes > 0)
        return run_hosts(opts, opts->processes, threads);
    int rc = 0;
    for (int processes = 1; processes <= 4; processes *= 2)
        rc |= run_hosts(opts, processes, threads);
    return rc;
}
