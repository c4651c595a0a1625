/* tender-bench: how much Tender carries, measured against the limits of
 * the machine it runs on. See bench/README.md.
 *
 *   tender-bench [--scenario NAME[,NAME...]] [--seconds S | --operations N]
 *                [--threads N] [--json] [--plugin-dir DIR] [--noop-dir DIR]
 *                [--ledger LOCATION] [--processes N]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bench.h"

#ifndef TENDER_BUILD_PLUGIN_DIR
#define TENDER_BUILD_PLUGIN_DIR ""
#endif
#ifndef TENDER_BENCH_NOOP_DIR
#define TENDER_BENCH_NOOP_DIR ""
#endif

typedef struct {
    const char *name;
    int (*run)(BenchOptions *opts);
    const char *what;
} Scenario;

/* In this order for `all`: the baseline first, so the durable ratios can be
 * computed in the same run. */
static const Scenario scenarios[] = {
    {"sqlite-baseline", bench_sqlite_baseline, "raw SQLite: one row per transaction, WAL, FULL"},
    {"authorize-durable", bench_authorize_durable, "card authorizations, file ledger (1 and 8 threads)"},
    {"authorize-memory", bench_authorize_memory, "card authorizations, in-memory ledger; host cost"},
    {"quote", bench_quote, "quotes for a buyer over the four bundled methods"},
    {"card-validate", bench_card_validate, "card plugin validation over generated numbers"},
    {"dispatch", bench_dispatch, "no-op plugin: through the host vs a direct call"},
    {"limit-scale", bench_limit_scale, "limit check at 1 thousand vs 1 million payments"},
    {"startup", bench_startup, "create a host (config, 4 plugins, ledger) and quote once"},
    {"http-roundtrip", bench_http_roundtrip,
     "a loopback GET through the host's http service vs libcurl directly"},
    {"postgres-baseline", bench_postgres_baseline,
     "raw PostgreSQL (--ledger): one row per transaction, one connection"},
    {"authorize-hosts", bench_authorize_hosts,
     "durable authorizations by 1, 2 and 4 host processes on one ledger"},
};

/* Remove the scratch folder and what the scenarios left in it. */
static void remove_tree(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_remove(path);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_autofree char *scenario = NULL;
    BenchOptions opts = {0};
    opts.seconds = 2.0;
    gint64 operations = 0;
    int threads = 0;
    gboolean json_only = FALSE, list = FALSE;
    int processes = 0;
    gint64 start_at_ms = 0;
    GOptionEntry entries[] = {
        {"scenario", 0, 0, G_OPTION_ARG_STRING, &scenario,
         "Scenario to run, or several separated by commas (default: all)", "NAME[,NAME...]"},
        {"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &opts.seconds, "Run each measurement S seconds (default 2)", "S"},
        {"operations", 0, 0, G_OPTION_ARG_INT64, &operations, "Run exactly N operations per measurement", "N"},
        {"threads", 0, 0, G_OPTION_ARG_INT, &threads, "authorize-durable: N threads (default: 1, then 8)", "N"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json_only, "Print only the JSON objects", NULL},
        {"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.plugin_dir, "The bundled plugins' folder", "DIR"},
        {"noop-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.noop_dir, "The folder of bench_noop.so", "DIR"},
        {"list", 0, 0, G_OPTION_ARG_NONE, &list, "List the scenarios", NULL},
        {"ledger", 0, 0, G_OPTION_ARG_FILENAME, &opts.ledger,
         "authorize-durable, authorize-hosts: run on this ledger (a file or a database URI)",
         "LOCATION"},
        {"processes", 0, 0, G_OPTION_ARG_INT, &processes,
         "authorize-hosts: N host processes (default: 1, 2, then 4)", "N"},
        /* Set by authorize-hosts for its children: begin measuring at this
         * wall-clock instant, so that every process measures together. */
        {"start-at", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &start_at_ms, NULL, "MS"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("- Tender benchmarks");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *error = NULL;
    gboolean parsed = g_option_context_parse(ctx, &argc, &argv, &error);
    g_option_context_free(ctx);
    if (!parsed) {
        fprintf(stderr, "tender-bench: %s\n", error->message);
        g_error_free(error);
        return 64;
    }
    if (list) {
        for (gsize i = 0; i < G_N_ELEMENTS(scenarios); i++)
            printf("%-18s %s\n", scenarios[i].name, scenarios[i].what);
        return 0;
    }
    if (opts.seconds <= 0 || operations < 0 || threads < 0 || processes < 0) {
        fprintf(stderr, "tender-bench: --seconds, --operations, --threads and --processes must "
                        "be positive\n");
        return 64;
    }
    opts.operations = operations;
    opts.threads = threads;
    opts.processes = processes;
    opts.start_at_ms = start_at_ms;
    opts.json_only = json_only;
    if (opts.plugin_dir == NULL)
        opts.plugin_dir = g_strdup(TENDER_BUILD_PLUGIN_DIR);
    if (opts.noop_dir == NULL)
        opts.noop_dir = g_strdup(TENDER_BENCH_NOOP_DIR);

    /* A comma-separated list runs those scenarios, in the list's order
     * (sqlite-baseline first gives the others their ratio). */
    gboolean all = scenario == NULL || strcmp(scenario, "all") == 0;
    g_auto(GStrv) wanted = g_strsplit(all ? "" : scenario, ",", -1);
    for (gsize w = 0; wanted[w]; w++) {
        gboolean known = FALSE;
        for (gsize i = 0; i < G_N_ELEMENTS(scenarios) && !known; i++)
            known = strcmp(scenarios[i].name, wanted[w]) == 0;
        if (!known) {
            fprintf(stderr, "tender-bench: no scenario '%s' (see --list)\n", wanted[w]);
            return 64;
        }
    }

    /* Ledger files go to a scratch folder on the same file system as the
     * default temp dir (TMPDIR decides: durable numbers depend on its disk). */
    opts.tmp_dir = g_dir_make_tmp("tender-bench-XXXXXX", &error);
    if (opts.tmp_dir == NULL) {
        fprintf(stderr, "tender-bench: %s\n", error->message);
        g_error_free(error);
        return 1;
    }
    int failed = 0;
    gsize runs = all ? G_N_ELEMENTS(scenarios) : g_strv_length(wanted);
    for (gsize r = 0; r < runs; r++) {
        const Scenario *sc = &scenarios[r];
        for (gsize i = 0; !all && i < G_N_ELEMENTS(scenarios); i++)
            if (strcmp(scenarios[i].name, wanted[r]) == 0)
                sc = &scenarios[i];
        if (sc->run(&opts) != 0) {
            fprintf(stderr, "tender-bench: scenario %s reported failures\n", sc->name);
            failed++;
        }
    }
    remove_tree(opts.tmp_dir);
    g_free(opts.tmp_dir);
    g_free(opts.plugin_dir);
    g_free(opts.noop_dir);
    g_free(opts.ledger);
    return failed ? 1 : 0;
}
