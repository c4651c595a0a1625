/* tender-conformance: run the conformance kit's cases on one plugin .so.
 *
 *   tender-conformance PLUGIN.so [--json] [--case NAME]... [--method ID]
 *                      [--setting METHOD.KEY=VALUE]... [--sandbox PATH | --no-sandbox]
 *   tender-conformance --list
 *
 * Exit status: 0 when every case passed (or did not apply), 1 when one
 * failed, 64 on a usage error. Human output is one line per case
 * ("PASS name: note" / "FAIL name: what was expected, what the plugin did")
 * and a closing "N passed, N failed, N skipped" line; --json prints one
 * JSON document instead. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "conformance.h"
#include "runner-sandbox.h"

#define EXIT_USAGE 64

/* The cases main runs, reachable from a global so that a case's child
 * process, which exits from inside main's loop with the list still
 * allocated, is not charged with a leak by the checker it may run under. */
static GPtrArray *cases_to_run;

static void print_human(const char *name, tc_status status, const char *message)
{
    printf("%s %s", tc_status_name(status), name);
    if (message != NULL && message[0] != '\0') {
        printf(": ");
        /* Several problems: one per line, indented under the case. */
        for (const char *p = message; *p != '\0'; p++) {
            putchar(*p);
            if (*p == '\n')
                fputs("    ", stdout);
        }
    }
    putchar('\n');
}

/* One case's outcome, kept for the JSON report. */
typedef struct {
    const char *name; /* borrowed from the case table */
    tc_status status;
    char *message;
    gint64 ms;
} CaseResult;

static void case_result_free(gpointer data)
{
    CaseResult *r = data;
    g_free(r->message);
    g_free(r);
}

/* Run one case in a child process, so a plugin that crashes fails the case
 * that made it crash (named, with the signal) and the other cases still
 * run. The child exits normally, so a leak checker's exit-time report (and
 * its exit status) still counts: an unexpected child status fails the case. */
static tc_status run_isolated(tc_context *ctx, const tc_case *c, char **message)
{
    int fds[2];
    if (pipe(fds) != 0)
        return tc_run_case(ctx, c, message);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return tc_run_case(ctx, c, message);
    }
    if (pid == 0) {
        close(fds[0]);
        tc_context_after_fork(ctx);
        char *text = NULL;
        unsigned char status = (unsigned char)tc_run_case(ctx, c, &text);
        ssize_t ignored = write(fds[1], &status, 1);
        size_t len = text ? strlen(text) : 0;
        for (size_t off = 0; off < len;) {
            ssize_t n = write(fds[1], text + off, len - off);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        (void)ignored;
        close(fds[1]);
        free(text);
        tc_context_free(ctx);
        exit(0);
    }
    close(fds[1]);
    GString *buf = g_string_new(NULL);
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        g_string_append_len(buf, chunk, n);
    close(fds[0]);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
    }
    tc_status status = TC_FAIL;
    char *text = NULL;
    if (WIFSIGNALED(wstatus)) {
        text = g_strdup_printf("expected the plugin to survive the case, the process died of "
                               "signal %d (%s)%s%s", WTERMSIG(wstatus),
                               strsignal(WTERMSIG(wstatus)), buf->len > 1 ? " after: " : "",
                               buf->len > 1 ? buf->str + 1 : "");
    } else if (buf->len == 0) {
        text = g_strdup_printf("the case's process exited with status %d before reporting",
                               WEXITSTATUS(wstatus));
    } else {
        status = (tc_status)(unsigned char)buf->str[0];
        text = g_strdup(buf->str + 1);
        if (WEXITSTATUS(wstatus) != 0) {
            char *more = g_strdup_printf("%s%sthe case's process exited with status %d (a "
                                         "memory error or leak reported above?)", text,
                                         text[0] ? "\n" : "", WEXITSTATUS(wstatus));
            g_free(text);
            text = more;
            status = TC_FAIL;
        }
    }
    g_string_free(buf, TRUE);
    *message = strdup(text);
    g_free(text);
    return status;
}

static int list_cases(gboolean json)
{
    size_t n = 0;
    const tc_case *cases = tc_cases(&n);
    if (json) {
        JsonBuilder *b = json_builder_new();
        json_builder_begin_array(b);
        for (size_t i = 0; i < n; i++) {
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "name");
            json_builder_add_string_value(b, cases[i].name);
            json_builder_set_member_name(b, "description");
            json_builder_add_string_value(b, cases[i].description);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        JsonNode *root = json_builder_get_root(b);
        char *text = json_to_string(root, TRUE);
        puts(text);
        g_free(text);
        json_node_unref(root);
        g_object_unref(b);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-16s %s\n", cases[i].name, cases[i].description);
    }
    return 0;
}

int main(int argc, char **argv)
{
    gboolean json = FALSE, list = FALSE, no_fork = FALSE, no_sandbox = FALSE, isolation = FALSE;
    gboolean no_seccomp = FALSE;
    char **only = NULL, **settings = NULL;
    char *method = NULL, *sandbox_program = NULL;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON document", NULL},
        {"case", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only, "Run only this case (repeatable)", "NAME"},
        {"method", 0, 0, G_OPTION_ARG_STRING, &method, "Check only this method of the plugin",
         "ID"},
        {"list", 0, 0, G_OPTION_ARG_NONE, &list, "List the cases and exit", NULL},
        {"setting", 0, 0, G_OPTION_ARG_STRING_ARRAY, &settings,
         "A setting the method gets wherever a case uses an empty config, as the operator's "
         "config would give it (credentials, endpoint; repeatable)",
         "METHOD.KEY=VALUE"},
        {"sandbox", 0, 0, G_OPTION_ARG_FILENAME, &sandbox_program,
         "Without --setting, the tender-sandbox whose settings the providers' clients get "
         "(default: $TENDER_SANDBOX, next to this program, in the build tree, or on PATH)",
         "PATH"},
        {"no-sandbox", 0, 0, G_OPTION_ARG_NONE, &no_sandbox,
         "Start no tender-sandbox: every method gets an empty config", NULL},
        {"isolation", 0, 0, G_OPTION_ARG_NONE, &isolation,
         "Run the plugin in a worker process in every case: the kit's direct calls and "
         "every real host the cases start (docs/isolation.md)",
         NULL},
        {"no-seccomp", 0, 0, G_OPTION_ARG_NONE, &no_seccomp,
         "With --isolation: the worker without its seccomp filter, for a plugin that opens "
         "files after loading (docs/isolation.md)",
         NULL},
        {"no-fork", 0, 0, G_OPTION_ARG_NONE, &no_fork,
         "Run the cases in this process (a crash then ends the run)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *oc = g_option_context_new("PLUGIN.so - check a Tender plugin's conformance");
    g_option_context_add_main_entries(oc, entries, NULL);
    g_option_context_set_description(
        oc, "Exit status: 0 every case passed (or did not apply), 1 a case failed, 64 usage "
            "error.\nThe cases drive the plugin's sandbox fixtures through a real libtender "
            "host with an in-memory ledger.");
    GError *error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error)) {
        fprintf(stderr, "tender-conformance: %s\n", error->message);
        g_error_free(error);
        g_option_context_free(oc);
        return EXIT_USAGE;
    }
    if (list) {
        g_option_context_free(oc);
        g_strfreev(only);
        g_strfreev(settings);
        g_free(method);
        return list_cases(json);
    }
    if (argc != 2) {
        char *help = g_option_context_get_help(oc, TRUE, NULL);
        fprintf(stderr, "tender-conformance: give exactly one plugin file\n%s", help);
        g_free(help);
        g_option_context_free(oc);
        g_strfreev(only);
        g_strfreev(settings);
        g_free(method);
        return EXIT_USAGE;
    }
    g_option_context_free(oc);

    size_t n = 0;
    const tc_case *cases = tc_cases(&n);
    GPtrArray *run = cases_to_run = g_ptr_array_new();
    if (only != NULL) {
        for (char **p = only; *p != NULL; p++) {
            const tc_case *c = tc_case_find(*p);
            if (c == NULL) {
                fprintf(stderr, "tender-conformance: no case named \"%s\" (see --list)\n", *p);
                g_ptr_array_unref(run);
                g_strfreev(only);
                g_strfreev(settings);
                g_free(method);
                return EXIT_USAGE;
            }
            g_ptr_array_add(run, (gpointer)c);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            g_ptr_array_add(run, (gpointer)&cases[i]);
    }

    const char *path = argv[1];
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        fprintf(stderr, "tender-conformance: %s is not a file\n", path);
        g_ptr_array_unref(run);
        g_strfreev(only);
        g_strfreev(settings);
        g_free(method);
        return EXIT_USAGE;
    }

    tc_context *ctx = isolation ? tc_context_new_isolated(path, method, !no_seccomp)
                                : tc_context_new(path, method);
    for (char **s = settings; s != NULL && *s != NULL; s++)
        if (!tc_context_parse_setting(ctx, *s)) {
            fprintf(stderr, "tender-conformance: --setting %s: expected METHOD.KEY=VALUE\n", *s);
            tc_context_free(ctx);
            g_ptr_array_unref(run);
            g_strfreev(only);
            g_strfreev(settings);
            g_free(method);
            return EXIT_USAGE;
        }
    /* A gateway client cannot even be created without its provider's
     * settings: with none given, a tender-sandbox stands in for the
     * providers it serves, as in the project's own tests. */
    RunnerSandbox *sandbox = NULL;
    if (settings == NULL && !no_sandbox && tc_context_load_error(ctx) == NULL) {
        char *program = runner_sandbox_find(sandbox_program, argv[0]);
        char why[512] = "";
        if (program != NULL)
            sandbox = runner_sandbox_start(program, why, sizeof why);
        if (sandbox != NULL)
            runner_sandbox_apply(sandbox, ctx);
        else if (program != NULL)
            fprintf(stderr, "tender-conformance: no sandbox: %s\n", why);
        g_free(program);
    }
    g_free(sandbox_program);
    g_strfreev(settings);
    int counts[3] = {0, 0, 0};
    /* The report is built after the loop: a GObject made before it would
     * be charged as a leak to every case's child process under Valgrind
     * (its pointer is an interior one). */
    GPtrArray *results = g_ptr_array_new_with_free_func(case_result_free);
    for (guint i = 0; i < run->len; i++) {
        const tc_case *c = g_ptr_array_index(run, i);
        char *message = NULL;
        gint64 start = g_get_monotonic_time();
        tc_status status = no_fork ? tc_run_case(ctx, c, &message)
                                   : run_isolated(ctx, c, &message);
        CaseResult *r = g_new0(CaseResult, 1);
        r->name = c->name;
        r->status = status;
        r->message = g_strdup(message ? message : "");
        r->ms = (g_get_monotonic_time() - start) / 1000;
        g_ptr_array_add(results, r);
        counts[status]++;
        if (!json) {
            print_human(c->name, status, message);
            fflush(stdout);
        }
        free(message);
    }
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "plugin");
    json_builder_add_string_value(b, path);
    json_builder_set_member_name(b, "load_error");
    if (tc_context_load_error(ctx))
        json_builder_add_string_value(b, tc_context_load_error(ctx));
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "cases");
    json_builder_begin_array(b);
    for (guint i = 0; i < results->len; i++) {
        const CaseResult *r = g_ptr_array_index(results, i);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, r->name);
        json_builder_set_member_name(b, "status");
        json_builder_add_string_value(b, r->status == TC_PASS   ? "pass"
                                         : r->status == TC_SKIP ? "skip"
                                                                : "fail");
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, r->message);
        json_builder_set_member_name(b, "ms");
        json_builder_add_int_value(b, r->ms);
        json_builder_end_object(b);
    }
    g_ptr_array_unref(results);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "passed");
    json_builder_add_int_value(b, counts[TC_PASS]);
    json_builder_set_member_name(b, "failed");
    json_builder_add_int_value(b, counts[TC_FAIL]);
    json_builder_set_member_name(b, "skipped");
    json_builder_add_int_value(b, counts[TC_SKIP]);
    json_builder_set_member_name(b, "conforms");
    json_builder_add_boolean_value(b, counts[TC_FAIL] == 0);
    json_builder_end_object(b);
    if (json) {
        JsonNode *root = json_builder_get_root(b);
        char *text = json_to_string(root, TRUE);
        puts(text);
        g_free(text);
        json_node_unref(root);
    } else {
        printf("%d passed, %d failed, %d skipped\n", counts[TC_PASS], counts[TC_FAIL],
               counts[TC_SKIP]);
    }
    g_object_unref(b);
    tc_context_free(ctx);
    runner_sandbox_stop(sandbox);
    g_ptr_array_unref(cases_to_run);
    cases_to_run = NULL;
    g_strfreev(only);
    g_free(method);
    return counts[TC_FAIL] == 0 ? 0 : 1;
}
