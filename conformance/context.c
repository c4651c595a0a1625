/* The conformance context: the plugin loaded by libtender-testhost (dlopen +
 * entry point, or a worker process with --isolation), whose settings, clock
 * and log the kit controls,
 * and the report sink every case writes into. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "conformance-private.h"

/* ---- the context's test host ------------------------------------------------ */

/* Whether the test host answers s: it is for the method checked, or for
 * one of the plugin's methods when all are checked (a setting for a method
 * the plugin does not have must not shadow one that it has). */
static gboolean setting_applies(const tc_context *ctx, const TcSetting *s)
{
    if (ctx->method_filter != NULL)
        return g_strcmp0(ctx->method_filter, s->method_id) == 0;
    for (size_t i = 0; ctx->descriptor != NULL && i < ctx->descriptor->n_methods; i++) {
        const tender_method *m = ctx->descriptor->methods[i];
        if (m != NULL && g_strcmp0(m->id, s->method_id) == 0)
            return TRUE;
    }
    return FALSE;
}

void tc_settings_clear(tc_context *ctx)
{
    tender_test_host_clear_settings(ctx->host);
    for (guint i = 0; i < ctx->settings->len; i++) {
        const TcSetting *s = g_ptr_array_index(ctx->settings, i);
        if (setting_applies(ctx, s))
            tender_test_host_set_setting(ctx->host, s->key, s->value);
    }
}

static void setting_free(gpointer data)
{
    TcSetting *s = data;
    g_free(s->method_id);
    g_free(s->key);
    g_free(s->value);
    g_free(s);
}

static void add_setting(tc_context *ctx, const char *method_id, const char *key,
                        const char *value, gboolean is_string)
{
    TcSetting *s = g_new0(TcSetting, 1);
    s->method_id = g_strdup(method_id);
    s->key = g_strdup(key);
    s->value = g_strdup(value);
    s->is_string = is_string;
    g_ptr_array_add(ctx->settings, s);
    if (setting_applies(ctx, s))
        tender_test_host_set_setting(ctx->host, s->key, s->value);
}

void tc_context_set_setting(tc_context *ctx, const char *method_id, const char *key,
                            const char *value)
{
    add_setting(ctx, method_id, key, value, FALSE);
}

void tc_context_set_setting_string(tc_context *ctx, const char *method_id, const char *key,
                                   const char *value)
{
    add_setting(ctx, method_id, key, value, TRUE);
}

int tc_context_parse_setting(tc_context *ctx, const char *assignment)
{
    const char *dot = strchr(assignment, '.');
    const char *eq = dot ? strchr(dot, '=') : NULL;
    if (dot == NULL || eq == NULL || dot == assignment || eq == dot + 1)
        return FALSE;
    char *method = g_strndup(assignment, (gsize)(dot - assignment));
    char *key = g_strndup(dot + 1, (gsize)(eq - dot - 1));
    tc_context_set_setting(ctx, method, key, eq + 1);
    g_free(method);
    g_free(key);
    return TRUE;
}

void tc_settings_set_string(tc_context *ctx, const char *key, const char *value)
{
    tender_test_host_set_setting_string(ctx->host, key, value);
}

void tc_settings_set_int(tc_context *ctx, const char *key, gint64 value)
{
    tender_test_host_set_setting_int(ctx->host, key, value);
}

GPtrArray *tc_settings_reads(tc_context *ctx)
{
    return tender_test_host_setting_reads(ctx->host);
}

GPtrArray *tc_logs(tc_context *ctx)
{
    return tender_test_host_logs_copy(ctx->host);
}

/* ---- loading ------------------------------------------------------------- */

/* Load (or load again) the plugin the context was made for: in a worker
 * with isolation, else in this process. */
static void load_plugin(tc_context *ctx)
{
    g_clear_pointer(&ctx->load_error, g_free);
    ctx->descriptor = NULL;
    if (ctx->isolated)
        ctx->plugin = tender_test_plugin_load_isolated(ctx->host, ctx->path, !ctx->no_seccomp,
                                                       &ctx->load_error);
    else
        ctx->plugin = tender_test_plugin_load(ctx->host, ctx->path, &ctx->load_error);
    if (ctx->plugin != NULL) {
        ctx->descriptor = tender_test_plugin_descriptor(ctx->plugin);
        /* Leave the plugin mapped when running under a leak checker would
         * lose its symbols; otherwise unload it. */
        if (!ctx->isolated)
            tender_test_plugin_keep_mapped(ctx->plugin,
                                           g_getenv("TENDER_CONFORMANCE_NO_DLCLOSE") != NULL);
    }
}

static tc_context *context_new(const char *path, const char *method_id, int isolated, int seccomp)
{
    tc_context *ctx = g_new0(tc_context, 1);
    ctx->path = g_strdup(path ? path : "");
    ctx->method_filter = method_id ? g_strdup(method_id) : NULL;
    ctx->host = tender_test_host_new();
    ctx->settings = g_ptr_array_new_with_free_func(setting_free);
    /* Healthy until a transport case arms it: direct calls reach whatever
     * the operator's settings point the plugin at. */
    ctx->transport = tc_fault_transport_new();
    tender_test_host_set_http_transport(ctx->host, tc_fault_transport_table(ctx->transport));
    ctx->isolated = isolated;
    ctx->no_seccomp = !seccomp;
    /* Made now, before the runner forks its cases (tc_tmpdir). Without it
     * (the system's temporary directory refused), each case's directory
     * is made at the top level, as before. */
    ctx->tmp_root = g_dir_make_tmp("tender-conformance-XXXXXX", NULL);
    ctx->owns_tmp_root = ctx->tmp_root != NULL;
    load_plugin(ctx);
    return ctx;
}

tc_context *tc_context_new(const char *path, const char *method_id)
{
    return context_new(path, method_id, FALSE, TRUE);
}

tc_context *tc_context_new_isolated(const char *path, const char *method_id, int seccomp)
{
    return context_new(path, method_id, TRUE, seccomp);
}

void tc_context_after_fork(tc_context *ctx)
{
    /* The runner removes the run's directory, with whatever this case
     * leaves in it should it crash. */
    ctx->owns_tmp_root = FALSE;
    if (ctx->plugin == NULL || !tender_test_plugin_is_isolated(ctx->plugin))
        return;
    /* The inherited worker is the parent's child: this process could not
     * reap or kill it (freeing it here only closes our copy of its socket,
     * libtender's waitpid failing with ECHILD), and a case that crashed or
     * hung it would leave it broken for the next case. */
    tender_test_plugin_free(ctx->plugin);
    ctx->plugin = NULL;
    load_plugin(ctx);
}

static void remove_tree(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d != NULL) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            char *p = g_build_filename(dir, name, NULL);
            if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
                remove_tree(p);
            else
                g_unlink(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

void tc_context_free(tc_context *ctx)
{
    if (ctx == NULL)
        return;
    if (ctx->tmpdir != NULL) {
        remove_tree(ctx->tmpdir);
        g_free(ctx->tmpdir);
    }
    if (ctx->tmp_root != NULL && ctx->owns_tmp_root)
        remove_tree(ctx->tmp_root);
    g_free(ctx->tmp_root);
    tender_test_plugin_free(ctx->plugin);
    tender_test_host_free(ctx->host);
    tc_fault_transport_free(ctx->transport);
    g_ptr_array_unref(ctx->settings);
    g_free(ctx->path);
    g_free(ctx->method_filter);
    g_free(ctx->load_error);
    g_free(ctx);
}

const char *tc_context_load_error(const tc_context *ctx)
{
    return ctx->load_error;
}

const char *tc_context_path(const tc_context *ctx)
{
    return ctx->path;
}

const char *tc_tmpdir(tc_context *ctx)
{
    if (ctx->tmpdir == NULL && ctx->tmp_root != NULL) {
        ctx->tmpdir = g_build_filename(ctx->tmp_root, "case-XXXXXX", NULL);
        if (g_mkdtemp(ctx->tmpdir) == NULL) {
            g_warning("cannot create a temporary directory in %s: %s", ctx->tmp_root,
                      g_strerror(errno));
            g_clear_pointer(&ctx->tmpdir, g_free);
        }
    } else if (ctx->tmpdir == NULL) {
        GError *error = NULL;
        ctx->tmpdir = g_dir_make_tmp("tender-conformance-XXXXXX", &error);
        if (ctx->tmpdir == NULL) {
            g_warning("cannot create a temporary directory: %s", error->message);
            g_error_free(error);
        }
    }
    return ctx->tmpdir;
}

/* ---- reports -------------------------------------------------------------- */

void tc_report_fail(tc_report *report, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (report->failures->len > 0)
        g_string_append_c(report->failures, '\n');
    g_string_append_vprintf(report->failures, fmt, ap);
    va_end(ap);
    report->n_failures++;
}

void tc_report_note(tc_report *report, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (report->notes->len > 0)
        g_string_append(report->notes, "; ");
    g_string_append_vprintf(report->notes, fmt, ap);
    va_end(ap);
}

size_t tc_report_failures(const tc_report *report)
{
    return report->n_failures;
}

const char *tc_status_name(tc_status status)
{
    switch (status) {
    case TC_PASS:
        return "PASS";
    case TC_FAIL:
        return "FAIL";
    case TC_SKIP:
        return "SKIP";
    }
    return "FAIL";
}

/* Failures are capped so one broken fixture table cannot print megabytes. */
#define MAX_REPORTED 40

tc_status tc_run_case(tc_context *ctx, const tc_case *c, char **message)
{
    tc_report report = {g_string_new(NULL), g_string_new(NULL), 0};
    tc_status status = c->run(ctx, &report);
    if (report.n_failures > 0)
        status = TC_FAIL;
    else if (status == TC_FAIL)
        tc_report_fail(&report, "%s failed without saying why (a bug in the kit)", c->name);
    GString *text = status == TC_FAIL ? report.failures : report.notes;
    if (status == TC_FAIL && report.n_failures > MAX_REPORTED) {
        /* Keep the first MAX_REPORTED lines. */
        const char *p = text->str;
        for (int i = 0; i < MAX_REPORTED && p != NULL; i++) {
            p = strchr(p, '\n');
            if (p != NULL)
                p++;
        }
        if (p != NULL)
            g_string_truncate(text, (gsize)(p - text->str));
        g_string_append_printf(text, "… and %zu more", report.n_failures - MAX_REPORTED);
    }
    if (message != NULL) {
        /* Plain malloc so a C or C++ caller frees it with free(). */
        *message = strdup(text->str);
    }
    g_string_free(report.failures, TRUE);
    g_string_free(report.notes, TRUE);
    return status;
}
