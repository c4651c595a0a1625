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

TenderHost *tc_host_new(tc_context *ctx, const tender_method *m, const char *ledger,
                        GError **error)
{
    char *dir = plugin_dir(ctx, error);
    if (dir == NULL)
        return NULL;
    /* Method ids are [a-z0-9_] (the loader refuses others), safe in JSON.
     * The settings are the base ones (tc_context_set_base_setting). */
    char *settings = tc_base_settings_json(ctx, m->id);
    char *config = g_strdup_printf("{\"methods\": {\"%s\": {\"enabled\": true, "
                                   "\"settings\": %s}}}",
                                   m->id, settings);
    g_free(settings);
    TenderHostOptions *options = tender_host_options_new();
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
