/* tender_isolated_plugin_* (tender.h): the worker of isolation.h for a host
 * that is not a TenderHost. The crash accounting stays, but nothing reads
 * it: no ledger, no quarantine, since such a host (a test) wants to see
 * each failure rather than have the method withdrawn. */
#include <tender/tender.h>

#include "isolation.h"

struct TenderIsolatedPlugin {
    IsolatedPlugin *plugin;
};

TenderIsolatedPlugin *tender_isolated_plugin_start(const char *path,
                                                   const tender_host_services *services,
                                                   const TenderIsolatedPluginOptions *options,
                                                   GError **error)
{
    if (path == NULL || services == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "an isolated plugin needs a path and a services table");
        return NULL;
    }
    IsolationLimits limits;
    isolation_limits_default(&limits);
    /* Never quarantined: every call gets its own chance. */
    limits.crash_limit = 0;
    if (options != NULL &&
        options->struct_size >=
            G_STRUCT_OFFSET(TenderIsolatedPluginOptions, no_seccomp) + sizeof options->no_seccomp)
        limits.seccomp = !options->no_seccomp;
    char *plugin_id = NULL, *reason = NULL;
    IsolatedPlugin *p = isolation_start(path, services, &limits, &plugin_id, &reason);
    if (p == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_PLUGIN, "plugin %s%s%s%s: %s", path,
                    plugin_id ? " (" : "", plugin_id ? plugin_id : "", plugin_id ? ")" : "",
                    reason ? reason : "refused");
        g_free(plugin_id);
        g_free(reason);
        return NULL;
    }
    g_free(plugin_id);
    TenderIsolatedPlugin *ip = g_new0(TenderIsolatedPlugin, 1);
    ip->plugin = p;
    return ip;
}

const tender_plugin_descriptor *tender_isolated_plugin_descriptor(TenderIsolatedPlugin *plugin)
{
    return isolation_descriptor(plugin->plugin);
}

guint tender_isolated_plugin_worker_starts(TenderIsolatedPlugin *plugin)
{
    return isolation_spawn_count(plugin->plugin);
}

void tender_isolated_plugin_free(TenderIsolatedPlugin *plugin)
{
    if (plugin == NULL)
        return;
    isolation_free(plugin->plugin);
    g_free(plugin);
}
