/* The host's use of isolated plugins (isolation.h): which plugins run in a
 * worker (the config decides, loader.c asks), their crashes written to and
 * read from the ledger so that a quarantine holds across processes, the
 * quarantine in quotes, and the public calls that show and clear it. */
#include "engine-private.h"
#include "isolation.h"

static gboolean isolation_for_plugin(gpointer data, const char *plugin_id, gboolean bundled,
                                     IsolationLimits *limits)
{
    TenderHost *host = data;
    return config_plugin_isolated(host->config, plugin_id, bundled, limits);
}

void host_isolation_attach(TenderHost *host, TenderLoader *loader)
{
    loader_set_isolation(loader, isolation_for_plugin, host);
}

IsolatedPlugin *host_isolated_plugin(TenderHost *host, const char *plugin_id)
{
    return loader_isolated_plugin(host->loader, plugin_id);
}

gboolean host_isolation_refresh(TenderHost *host, LedgerUnit *unit, GError **error)
{
    const GPtrArray *plugins = loader_plugins(host->loader);
    for (guint i = 0; i < plugins->len; i++) {
        const TenderPluginInfo *info = g_ptr_array_index(plugins, i);
        IsolatedPlugin *ip = loader_isolated_plugin(host->loader, info->id);
        if (ip == NULL)
            continue;
        IsolationLimits limits;
        config_plugin_isolated(host->config, info->id, FALSE, &limits);
        /* A quarantine started by a crash up to one window ago needs the
         * crashes of the window before that one. */
        gint64 since = g_get_real_time() / 1000 - 2 * limits.crash_window_ms;
        g_autoptr(GArray) at = g_array_new(FALSE, FALSE, sizeof(gint64));
        g_autofree char *last = NULL;
        if (!LEDGER_OP(unit)->crash_history(unit, info->id, since, at, &last, error))
            return FALSE;
        isolation_set_history(ip, (const gint64 *)(gpointer)at->data, at->len, last);
    }
    return TRUE;
}

void host_isolation_after_call(TenderHost *host, HostMethod *m)
{
    GPtrArray *crashes = isolation_take_crashes(m->isolated);
    if (crashes == NULL)
        return;
    GError *error = NULL;
    LedgerUnit *unit = ledger_begin(host->ledger, &error);
    gboolean ok = unit != NULL;
    for (guint i = 0; ok && i < crashes->len; i++) {
        const IsolationCrash *c = g_ptr_array_index(crashes, i);
        ok = LEDGER_OP(unit)->crash_add(unit, m->info->plugin_id, c->at_ms, c->reason, &error);
    }
    if (ok)
        ok = ledger_commit(unit, &error);
    else if (unit != NULL)
        ledger_rollback(unit);
    if (!ok) {
        /* The quarantine still holds in this process; other processes
         * will not count these crashes. */
        host_log(host, TENDER_LOG_WARNING, m->info->id, "plugin crashes not recorded: %s",
                 error ? error->message : "ledger error");
        g_clear_error(&error);
    }
    g_ptr_array_unref(crashes);
}

char *host_isolation_quarantine_reason(TenderHost *host, const TenderMethodInfo *info)
{
    IsolatedPlugin *ip = loader_isolated_plugin(host->loader, info->plugin_id);
    char *reason = NULL;
    if (ip != NULL && isolation_quarantined(ip, g_get_real_time() / 1000, NULL, &reason))
        return reason;
    return NULL;
}

/* ---- public ---- */

const char *tender_host_plugin_isolation(TenderHost *host, const char *plugin_id)
{
    if (loader_isolated_plugin(host->loader, plugin_id) != NULL)
        return "process";
    const GPtrArray *plugins = loader_plugins(host->loader);
    for (guint i = 0; plugin_id && i < plugins->len; i++)
        if (g_strcmp0(((const TenderPluginInfo *)g_ptr_array_index(plugins, i))->id,
                      plugin_id) == 0)
            return "in-process";
    return NULL;
}

gboolean tender_host_plugin_quarantined(TenderHost *host, const char *plugin_id,
                                        gint64 *until_ms, char **reason)
{
    IsolatedPlugin *ip = loader_isolated_plugin(host->loader, plugin_id);
    return ip != NULL && isolation_quarantined(ip, g_get_real_time() / 1000, until_ms, reason);
}

gboolean tender_host_clear_quarantine(TenderHost *host, const char *plugin_id, GError **error)
{
    IsolatedPlugin *ip = loader_isolated_plugin(host->loader, plugin_id);
    if (ip == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "no plugin '%s' runs isolated in this host (see `tender plugins`)",
                    plugin_id ? plugin_id : "");
        return FALSE;
    }
    LedgerUnit *unit = ledger_begin(host->ledger, error);
    if (unit == NULL)
        return FALSE;
    if (!LEDGER_OP(unit)->crash_clear(unit, plugin_id, error)) {
        ledger_rollback(unit);
        return FALSE;
    }
    if (!ledger_commit(unit, error))
        return FALSE;
    isolation_set_history(ip, NULL, 0, NULL);
    return TRUE;
}

guint tender_host_plugin_worker_starts(TenderHost *host, const char *plugin_id)
{
    IsolatedPlugin *ip = loader_isolated_plugin(host->loader, plugin_id);
    return ip ? isolation_spawn_count(ip) : 0;
}
