/* Real libtender hosts for the flow cases: the plugin alone in a private
 * directory, one method enabled with no limits and the base settings, a
 * fixed clock. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conformance-private.h"

/* The plugin's own directory may hold other plugins (a build tree's
 * plugins/): link the file alone into our private directory instead. */
static char *plugin_dir(tc_context *ctx, GError **error)
{
    const char *tmp = tc_tmpdir(ctx);
    if (tmp == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INTERNAL,
                    "cannot create a temporary directory");
        return NULL;
    }
    char *dir = g_build_filename(tmp, "plugins", NULL);
    char *link = g_build_filename(dir, "plugin.so", NULL);
    if (!g_file_test(link, G_FILE_TEST_EXISTS)) {
        g_mkdir_with_parents(dir, 0700);
        char *cwd = g_get_current_dir();
        char *abs = g_path_is_absolute(ctx->path) ? g_strdup(ctx->path)
                                                  : g_build_filename(cwd, ctx->path, NULL);
        g_free(cwd);
        if (symlink(abs, link) != 0) {
            g_set_error(error, TENDER_ERROR, TENDER_ERROR_INTERNAL, "cannot link %s: %s", abs,
                        g_strerror(errno));
            g_free(abs);
            g_free(link);
            g_free(dir);
            return NULL;
        }
        g_free(abs);
    }
    g_free(link);
    return dir;
}

/* value as a JSON string literal. */
static void append_json_string(GString *out, const char *value)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(out, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(out, "\\u%04x", *p);
        else
            g_string_append_c(out, (char)*p);
    }
    g_string_append_c(out, '"');
}

/* TRUE when a later setting gives the same method the same key: the last
 * one wins, and a JSON object must not name a key twice. */
static gboolean overridden(const tc_context *ctx, guint i)
{
    const TcSetting *s = g_ptr_array_index(ctx->settings, i);
    for (guint j = i + 1; j < ctx->settings->len; j++) {
        const TcSetting *later = g_ptr_array_index(ctx->settings, j);
        if (g_strcmp0(later->method_id, s->method_id) == 0 && g_strcmp0(later->key, s->key) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean is_json_scalar(const char *value)
{
    if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
        return TRUE;
    const char *p = value[0] == '-' ? value + 1 : value;
    if (*p == '\0' || strlen(p) > 18)
        return FALSE;
    for (; *p; p++)
        if (!g_ascii_isdigit(*p))
            return FALSE;
    return TRUE;
}

TenderHost *tc_host_new(tc_context *ctx, const tender_method *m, const char *ledger,
                        GError **error)
{
    return tc_host_new_with_retries(ctx, m, ledger, -1, error);
}

TenderHost *tc_host_new_with_retries(tc_context *ctx, const tender_method *m, const char *ledger,
                                     int retries, GError **error)
{
    char *dir = plugin_dir(ctx, error);
    if (dir == NULL)
        return NULL;
    /* Method ids are [a-z0-9_] (the loader refuses others), safe in JSON. */
    GString *json = g_string_new(NULL);
    g_string_append(json, "{");
    /* Plugin ids are [a-z0-9_.-] (the loader refuses others), safe too. */
    if (ctx->isolated && ctx->descriptor != NULL && ctx->descriptor->id != NULL)
        g_string_append_printf(json,
                               "\"plugins\": {\"%s\": {\"isolation\": \"process\", "
                               "\"seccomp\": %s}}, ",
                               ctx->descriptor->id, ctx->no_seccomp ? "false" : "true");
    g_string_append_printf(json, "\"methods\": {\"%s\": {\"enabled\": true, ", m->id);
    if (retries >= 0)
        g_string_append_printf(json, "\"retries\": {\"max\": %d}, ", retries);
    g_string_append(json, "\"settings\": {");
    gboolean first = TRUE;
    for (guint i = 0; i < ctx->settings->len; i++) {
        const TcSetting *s = g_ptr_array_index(ctx->settings, i);
        if (g_strcmp0(s->method_id, m->id) != 0 || overridden(ctx, i))
            continue;
        if (!first)
            g_string_append(json, ", ");
        first = FALSE;
        append_json_string(json, s->key);
        g_string_append(json, ": ");
        /* As the runner's text reads in a JSON config: an integer or a
         * boolean as itself, anything else as a string. */
        if (!s->is_string && is_json_scalar(s->value))
            g_string_append(json, s->value);
        else
            append_json_string(json, s->value);
    }
    g_string_append(json, "}}}}");
    char *config = g_string_free(json, FALSE);
    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_set_http_transport(options, tc_fault_transport_table(ctx->transport));
    tender_host_options_add_plugin_dir(options, dir);
    tender_host_options_set_config_data(options, config);
    tender_host_options_set_ledger(options, ledger ? ledger : ":memory:");
    tender_host_options_set_fixed_now(options, TC_NOW_MS);
    TenderHost *host = tender_host_new(options, error);
    tender_host_options_free(options);
    g_free(config);
    g_free(dir);
    if (host == NULL)
        return NULL;
    if (tender_host_method(host, m->id) == NULL) {
        const GPtrArray *refused = tender_host_refusals(host);
        GString *why = g_string_new(NULL);
        for (guint i = 0; i < refused->len; i++) {
            const TenderRefusal *r = g_ptr_array_index(refused, i);
            g_string_append_printf(why, "%s%s", why->len ? "; " : "", r->reason);
        }
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN,
                    "libtender did not register method %s (%s)", m->id,
                    why->len ? why->str : "no refusal recorded");
        g_string_free(why, TRUE);
        tender_host_free(host);
        return NULL;
    }
    return host;
}
