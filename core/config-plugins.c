/* $.plugins.<plugin id>: where each plugin runs and the limits of its
 * worker (docs/config.md, docs/isolation.md).
 *
 *   "plugins": {"acme_pay": {"isolation": "process",
 *                            "crash_limit": 3, "crash_window_seconds": 600,
 *                            "seccomp": true, "workers": 1,
 *                            "limits": {"address_space_mb": 1024,
 *                                       "cpu_seconds": 600, "open_files": 256}}}
 *
 * A plugin the config does not name runs in a worker unless it is shipped
 * with Tender (loader.c: is_bundled). */
#include <string.h>

#include "config-private.h"
#include "isolation.h"

typedef struct {
    int mode; /* 0: the default, 1: process, 2: in-process */
    IsolationLimits limits;
} PluginPolicy;

static gboolean plugin_id_ok(const char *id)
{
    gsize n = strlen(id);
    if (n == 0 || n > 63)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_islower(id[i]) && !g_ascii_isdigit(id[i]) && !strchr("_.-", id[i]))
            return FALSE;
    return TRUE;
}

static gboolean load_limits(ConfigLoad *ctx, const char *path, JsonNode *node,
                            IsolationLimits *l)
{
    static const char *const keys[] = {"address_space_mb", "cpu_seconds", "open_files", NULL};
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    struct {
        const char *key;
        gint64 min, max;
        guint64 *field;
    } fields[] = {
        {"address_space_mb", 64, 1024 * 1024, &l->address_space_mb},
        {"cpu_seconds", 1, 365 * 24 * 3600, &l->cpu_seconds},
        {"open_files", 16, 1024 * 1024, &l->open_files},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        if (!json_object_has_member(obj, fields[i].key))
            continue;
        g_autofree char *p = config_json_member_path(path, fields[i].key);
        gint64 v;
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, fields[i].key),
                             fields[i].min, fields[i].max, &v))
            return FALSE;
        *fields[i].field = (guint64)v;
    }
    return TRUE;
}

static gboolean plugin_entry(const char *path, const char *id, JsonNode *node, gpointer data)
{
    static const char *const keys[] = {"isolation", "crash_limit", "crash_window_seconds",
                                       "limits", "seccomp", "workers", NULL};
    ConfigLoad *ctx = data;
    if (!plugin_id_ok(id))
        return config_json_fail(&ctx->json, path,
                                "\"%s\" is not a plugin id (lower-case letters, digits, '_', '.' "
                                "and '-', at most 63)",
                                id);
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    PluginPolicy *policy = g_new0(PluginPolicy, 1);
    isolation_limits_default(&policy->limits);
    g_hash_table_replace(ctx->config->plugins, g_strdup(id), policy);
    if (json_object_has_member(obj, "isolation")) {
        g_autofree char *p = config_json_member_path(path, "isolation");
        const char *mode =
            config_json_string(&ctx->json, p, json_object_get_member(obj, "isolation"));
        if (mode == NULL)
            return FALSE;
        if (strcmp(mode, "process") == 0)
            policy->mode = 1;
        else if (strcmp(mode, "in-process") == 0)
            policy->mode = 2;
        else
            return config_json_fail(&ctx->json, p,
                                    "expected \"process\" or \"in-process\", found \"%s\"", mode);
    }
    if (json_object_has_member(obj, "crash_limit")) {
        g_autofree char *p = config_json_member_path(path, "crash_limit");
        gint64 v;
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "crash_limit"), 1, 1000,
                             &v))
            return FALSE;
        policy->limits.crash_limit = (guint)v;
    }
    if (json_object_has_member(obj, "crash_window_seconds")) {
        g_autofree char *p = config_json_member_path(path, "crash_window_seconds");
        gint64 v;
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "crash_window_seconds"),
                             1, 30 * 24 * 3600, &v))
            return FALSE;
        policy->limits.crash_window_ms = v * 1000;
    }
    if (json_object_has_member(obj, "workers")) {
        g_autofree char *p = config_json_member_path(path, "workers");
        gint64 v;
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "workers"), 1,
                             ISOLATION_MAX_WORKERS, &v))
            return FALSE;
        policy->limits.workers = (guint)v;
    }
    if (json_object_has_member(obj, "seccomp")) {
        g_autofree char *p = config_json_member_path(path, "seccomp");
        if (!config_json_bool(&ctx->json, p, json_object_get_member(obj, "seccomp"),
                              &policy->limits.seccomp))
            return FALSE;
    }
    if (json_object_has_member(obj, "limits")) {
        g_autofree char *p = config_json_member_path(path, "limits");
        if (!load_limits(ctx, p, json_object_get_member(obj, "limits"), &policy->limits))
            return FALSE;
    }
    return TRUE;
}

gboolean config_load_plugins(ConfigLoad *ctx, const char *path, JsonNode *node)
{
    return config_json_each_member(&ctx->json, path, node, plugin_entry, ctx);
}

gboolean config_plugin_isolated(const TenderConfig *config, const char *plugin_id,
                                gboolean bundled, IsolationLimits *limits)
{
    const PluginPolicy *policy =
        plugin_id ? g_hash_table_lookup(config->plugins, plugin_id) : NULL;
    if (limits != NULL) {
        if (policy != NULL)
            *limits = policy->limits;
        else
            isolation_limits_default(limits);
    }
    if (policy != NULL && policy->mode != 0)
        return policy->mode == 1;
    return !bundled;
}
