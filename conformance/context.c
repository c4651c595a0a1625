/* The conformance context: the plugin loaded directly (dlopen + entry point)
 * with a fake host whose settings, clock and log the kit controls, and the
 * report sink every case writes into. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gstdio.h>

#include "conformance-private.h"

/* ---- the fake host services --------------------------------------------- */

static tc_context *ctx_of(const tender_host_services *self)
{
    return self != NULL ? (tc_context *)self->host_data : NULL;
}

static void svc_log(const tender_host_services *self, tender_log_level level,
                    const char *method_id, const char *message)
{
    tc_context *ctx = ctx_of(self);
    if (ctx == NULL)
        return;
    g_mutex_lock(&ctx->lock);
    g_ptr_array_add(ctx->logs, g_strdup_printf("[%d] %s: %s", (int)level,
                                               method_id ? method_id : "",
                                               message ? message : ""));
    g_mutex_unlock(&ctx->lock);
}

static int64_t svc_now(const tender_host_services *self)
{
    (void)self;
    return TC_NOW_MS;
}

static void svc_random(const tender_host_services *self, void *buf, size_t len)
{
    (void)self;
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t got = getrandom(p, len, 0);
        if (got <= 0) {
            /* Never leave the buffer predictable-and-zero silently. */
            for (size_t i = 0; i < len; i++)
                p[i] = (unsigned char)g_random_int();
            return;
        }
        p += got;
        len -= (size_t)got;
    }
}

/* Look key up and record the read. Returns the setting or NULL; called with
 * the lock held. */
static const TcSetting *lookup_locked(tc_context *ctx, const char *kind, const char *key)
{
    g_ptr_array_add(ctx->reads, g_strdup_printf("%s:%s", kind, key ? key : ""));
    for (guint i = 0; key != NULL && i < ctx->settings->len; i++) {
        const TcSetting *s = g_ptr_array_index(ctx->settings, i);
        if (strcmp(s->key, key) == 0)
            return s;
    }
    return NULL;
}

static int svc_config_string(const tender_host_services *self, const char *method_id,
                             const char *key, char *out, size_t out_size)
{
    (void)method_id;
    tc_context *ctx = ctx_of(self);
    if (ctx == NULL)
        return 0;
    int rc;
    g_mutex_lock(&ctx->lock);
    const TcSetting *s = lookup_locked(ctx, "string", key);
    if (s == NULL)
        rc = 0;
    else if (s->kind != TC_SETTING_STRING || out == NULL || strlen(s->text) + 1 > out_size)
        rc = -1;
    else {
        memcpy(out, s->text, strlen(s->text) + 1);
        rc = 1;
    }
    g_mutex_unlock(&ctx->lock);
    return rc;
}

static int svc_config_int64(const tender_host_services *self, const char *method_id,
                            const char *key, int64_t *out)
{
    (void)method_id;
    tc_context *ctx = ctx_of(self);
    if (ctx == NULL)
        return 0;
    int rc;
    g_mutex_lock(&ctx->lock);
    const TcSetting *s = lookup_locked(ctx, "int64", key);
    if (s == NULL)
        rc = 0;
    else if (s->kind != TC_SETTING_INT)
        rc = -1;
    else {
        if (out != NULL)
            *out = s->number;
        rc = 1;
    }
    g_mutex_unlock(&ctx->lock);
    return rc;
}

static int svc_config_bool(const tender_host_services *self, const char *method_id,
                           const char *key, int *out)
{
    (void)method_id;
    tc_context *ctx = ctx_of(self);
    if (ctx == NULL)
        return 0;
    int rc;
    g_mutex_lock(&ctx->lock);
    const TcSetting *s = lookup_locked(ctx, "bool", key);
    if (s == NULL)
        rc = 0;
    else if (s->kind != TC_SETTING_BOOL)
        rc = -1;
    else {
        if (out != NULL)
            *out = s->number != 0;
        rc = 1;
    }
    g_mutex_unlock(&ctx->lock);
    return rc;
}

static void setting_free(gpointer p)
{
    TcSetting *s = p;
    g_free(s->key);
    g_free(s->text);
    g_free(s);
}

void tc_services_init(tc_context *ctx)
{
    memset(&ctx->services, 0, sizeof ctx->services);
    ctx->services.struct_size = sizeof ctx->services;
    ctx->services.abi_major = TENDER_ABI_MAJOR;
    ctx->services.abi_minor = TENDER_ABI_MINOR;
    ctx->services.host_data = ctx;
    ctx->services.log = svc_log;
    ctx->services.now_ms = svc_now;
    ctx->services.random_bytes = svc_random;
    ctx->services.config_string = svc_config_string;
    ctx->services.config_int64 = svc_config_int64;
    ctx->services.config_bool = svc_config_bool;
}

void tc_settings_clear(tc_context *ctx)
{
    g_mutex_lock(&ctx->lock);
    g_ptr_array_set_size(ctx->settings, 0);
    g_ptr_array_set_size(ctx->reads, 0);
    g_mutex_unlock(&ctx->lock);
}

static void settings_add(tc_context *ctx, const char *key, TcSettingKind kind,
                         const char *text, gint64 number)
{
    TcSetting *s = g_new0(TcSetting, 1);
    s->key = g_strdup(key);
    s->kind = kind;
    s->text = g_strdup(text ? text : "");
    s->number = number;
    g_mutex_lock(&ctx->lock);
    g_ptr_array_add(ctx->settings, s);
    g_mutex_unlock(&ctx->lock);
}

void tc_settings_set_string(tc_context *ctx, const char *key, const char *value)
{
    settings_add(ctx, key, TC_SETTING_STRING, value, 0);
}

void tc_settings_set_int(tc_context *ctx, const char *key, gint64 value)
{
    settings_add(ctx, key, TC_SETTING_INT, NULL, value);
}

static GPtrArray *copy_strings(tc_context *ctx, GPtrArray *from)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_mutex_lock(&ctx->lock);
    for (guint i = 0; i < from->len; i++)
        g_ptr_array_add(out, g_strdup(g_ptr_array_index(from, i)));
    g_mutex_unlock(&ctx->lock);
    return out;
}

GPtrArray *tc_settings_reads(tc_context *ctx)
{
    return copy_strings(ctx, ctx->reads);
}

GPtrArray *tc_logs(tc_context *ctx)
{
    return copy_strings(ctx, ctx->logs);
}

/* ---- loading ------------------------------------------------------------- */

tc_context *tc_context_new(const char *path, const char *method_id)
{
    tc_context *ctx = g_new0(tc_context, 1);
    g_mutex_init(&ctx->lock);
    ctx->path = g_strdup(path ? path : "");
    ctx->method_filter = method_id ? g_strdup(method_id) : NULL;
    ctx->settings = g_ptr_array_new_with_free_func(setting_free);
    ctx->reads = g_ptr_array_new_with_free_func(g_free);
    ctx->logs = g_ptr_array_new_with_free_func(g_free);
    tc_services_init(ctx);

    /* dlopen searches the library path for a bare name: make it a path. */
    char *open_path = strchr(ctx->path, '/') ? g_strdup(ctx->path)
                                             : g_strconcat("./", ctx->path, NULL);
    dlerror();
    ctx->handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    g_free(open_path);
    if (ctx->handle == NULL) {
        const char *why = dlerror();
        ctx->load_error = g_strdup_printf("dlopen failed: %s", why ? why : "unknown error");
        return ctx;
    }
    void *sym = dlsym(ctx->handle, TENDER_PLUGIN_ENTRY_SYMBOL);
    if (sym == NULL) {
        ctx->load_error = g_strdup("the plugin does not export " TENDER_PLUGIN_ENTRY_SYMBOL);
        return ctx;
    }
    tender_plugin_entry_fn entry;
    /* ISO C forbids converting void* to a function pointer; POSIX allows it. */
    memcpy(&entry, &sym, sizeof entry);
    ctx->entry = entry;
    ctx->descriptor = entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, &ctx->services);
    if (ctx->descriptor == NULL)
        ctx->load_error = g_strdup("tender_plugin_entry returned NULL for a 1.0 host");
    return ctx;
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
    /* Leave the plugin mapped when running under a leak checker would lose
     * its symbols; otherwise unload it. */
    if (ctx->handle != NULL && g_getenv("TENDER_CONFORMANCE_NO_DLCLOSE") == NULL)
        dlclose(ctx->handle);
    g_ptr_array_unref(ctx->settings);
    g_ptr_array_unref(ctx->reads);
    g_ptr_array_unref(ctx->logs);
    g_mutex_clear(&ctx->lock);
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
    if (ctx->tmpdir == NULL) {
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
