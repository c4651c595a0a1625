/* Loading a config document: its top-level sections (plugin directories,
 * ledger, merchant, reconcile, user-assigned regions, BIN countries) and the
 * order in which sections are read, which matters: declared user-assigned
 * regions before any region, the exchange before any money value. The
 * per-method sections are in config-methods.c, the exchange in
 * config-exchange.c.
 *
 * Validation is strict on purpose: an unknown key is an error (a typo such as
 * "limitz" would otherwise silently disable a limit), every money value is
 * parsed exactly with its currency's exponent, and every message names the
 * JSON path and, when it can be found, the line (config-json.c). */
#include "config-private.h"

#include <string.h>

#include "regions.h"

gboolean config_load_region(ConfigLoad *ctx, const char *path, JsonNode *node, gboolean star_ok,
                            const char **out)
{
    const char *region = config_json_string(&ctx->json, path, node);
    if (region == NULL)
        return FALSE;
    if (star_ok && strcmp(region, "*") == 0) {
        *out = region;
        return TRUE;
    }
    if (!tender_region_is_valid(region))
        return config_json_fail(&ctx->json, path,
                                "unknown region \"%s\" (expected an ISO 3166-1 alpha-2 code "
                                "such as US%s)",
                                region, star_ok ? ", or \"*\"" : "");
    if (!config_region_declared(ctx->config, region))
        return config_json_fail(&ctx->json, path,
                                "region \"%s\" is user-assigned (ISO 3166-1 leaves it to private "
                                "use): list it in $.user_assigned_regions to use it",
                                region);
    *out = region;
    return TRUE;
}

/* One entry of $.user_assigned_regions: a user-assigned code, declared once.
 * An assigned code there is a slip (it needs no declaration), so it is
 * refused rather than ignored. */
static gboolean user_assigned_item(ConfigJsonReader *reader, const char *path, JsonNode *node,
                                   gpointer data, const char **out)
{
    ConfigLoad *ctx = data;
    (void)reader;
    const char *region = config_json_string(&ctx->json, path, node);
    if (region == NULL)
        return FALSE;
    if (!tender_region_is_valid(region))
        return config_json_fail(&ctx->json, path,
                                "\"%s\" is not an ISO 3166-1 alpha-2 code (expected a "
                                "user-assigned one: AA, QM to QZ, XA to XZ or ZZ)",
                                region);
    if (!region_is_user_assigned(region))
        return config_json_fail(&ctx->json, path,
                                "\"%s\" is an assigned ISO 3166-1 code and needs no declaration "
                                "(only AA, QM to QZ, XA to XZ and ZZ go here)",
                                region);
    if (ctx->config->user_assigned != NULL &&
        g_strv_contains((const char *const *)ctx->config->user_assigned, region))
        return config_json_fail(&ctx->json, path, "\"%s\" is listed twice", region);
    /* Declared as soon as it is read, so a repeat further on is caught. */
    GStrvBuilder *b = g_strv_builder_new();
    if (ctx->config->user_assigned != NULL)
        g_strv_builder_addv(b, (const char **)ctx->config->user_assigned);
    g_strv_builder_add(b, region);
    g_strfreev(ctx->config->user_assigned);
    ctx->config->user_assigned = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    *out = region;
    return TRUE;
}

static gboolean string_item(ConfigJsonReader *reader, const char *path, JsonNode *node,
                            gpointer data, const char **out)
{
    (void)data;
    *out = config_json_string(reader, path, node);
    return *out != NULL;
}

static gboolean bin_entry(const char *path, const char *prefix, JsonNode *value, gpointer data)
{
    ConfigLoad *ctx = data;
    gsize len = strlen(prefix);
    if (len < 1 || len > 8 || strspn(prefix, "0123456789") != len)
        return config_json_fail(&ctx->json, path,
                                "a BIN prefix is 1 to 8 digits (the card's first digits), "
                                "found \"%s\"",
                                prefix);
    const char *region = NULL;
    if (!config_load_region(ctx, path, value, FALSE, &region))
        return FALSE;
    g_hash_table_replace(ctx->config->bins, g_strdup(prefix), g_strdup(region));
    ctx->config->max_bin_len = MAX(ctx->config->max_bin_len, (guint)len);
    return TRUE;
}

static gboolean load_bins(ConfigLoad *ctx, const char *path, JsonNode *node)
{
    return config_json_each_member(&ctx->json, path, node, bin_entry, ctx);
}

static gboolean method_entry(const char *path, const char *id, JsonNode *value, gpointer data)
{
    return config_load_method(data, path, id, value);
}

/* "ADDR:PORT" with a numeric port (0: ephemeral) and a non-empty address
 * ("[::1]:8080" for IPv6). */
static gboolean valid_listen(const char *text)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || colon[1] == '\0')
        return FALSE;
    char *end = NULL;
    guint64 port = g_ascii_strtoull(colon + 1, &end, 10);
    if (*end != '\0' || port > 65535)
        return FALSE;
    if (text[0] == '[')
        return colon[-1] == ']' && colon - text > 2;
    return TRUE;
}

/* $.service: the payments service's own settings (tenderd). */
static gboolean load_service(ConfigLoad *ctx, JsonNode *node)
{
    static const char *const keys[] = {
        "listen", "max_body_bytes", "max_headers", "client_timeout_ms", "max_in_flight", NULL};
    static const struct {
        const char *key;
        const char *path;
        gint64 min, max;
        gsize offset;
    } limits[] = {
        {"max_body_bytes", "$.service.max_body_bytes", 1024, 64 * 1024 * 1024,
         G_STRUCT_OFFSET(TenderServiceConfig, max_body_bytes)},
        {"max_headers", "$.service.max_headers", 8, 1000,
         G_STRUCT_OFFSET(TenderServiceConfig, max_headers)},
        {"client_timeout_ms", "$.service.client_timeout_ms", 100, 3600 * 1000,
         G_STRUCT_OFFSET(TenderServiceConfig, client_timeout_ms)},
        {"max_in_flight", "$.service.max_in_flight", 1, 100000,
         G_STRUCT_OFFSET(TenderServiceConfig, max_in_flight)},
    };
    TenderServiceConfig *service = &ctx->config->service;
    JsonObject *obj = config_json_object(&ctx->json, "$.service", node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, "$.service", obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "listen")) {
        const char *listen = config_json_string(&ctx->json, "$.service.listen",
                                                json_object_get_member(obj, "listen"));
        if (listen == NULL)
            return FALSE;
        if (!valid_listen(listen))
            return config_json_fail(&ctx->json, "$.service.listen",
                                    "expected ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:0), "
                                    "found \"%s\"",
                                    listen);
        g_free((char *)service->listen);
        service->listen = g_strdup(listen);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(limits); i++) {
        if (!json_object_has_member(obj, limits[i].key))
            continue;
        gint64 *field = G_STRUCT_MEMBER_P(service, limits[i].offset);
        if (!config_json_int(&ctx->json, limits[i].path, json_object_get_member(obj, limits[i].key),
                             limits[i].min, limits[i].max, field))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_root(ConfigLoad *ctx, JsonNode *root)
{
    static const char *const keys[] = {
        "plugin_dirs", "ledger",        "merchant", "reconcile",
        "exchange",    "bin_countries", "methods",  "user_assigned_regions",
        "transport",   "service",       "plugins",  "ledger_busy_seconds",
        NULL,
    };
    TenderConfig *c = ctx->config;
    JsonObject *obj = config_json_object(&ctx->json, "$", root);
    if (obj == NULL || !config_json_check_keys(&ctx->json, "$", obj, keys))
        return FALSE;
#define MEMBER(name) json_object_get_member(obj, name)
#define HAS(name) json_object_has_member(obj, name)
    /* The declared user-assigned regions before any region is read. */
    if (HAS("user_assigned_regions")) {
        g_auto(GStrv) declared = NULL;
        if (!config_json_strv(&ctx->json, "$.user_assigned_regions",
                              MEMBER("user_assigned_regions"), user_assigned_item, ctx, &declared))
            return FALSE;
    }
    /* The exchange first: every other money value needs its rates. */
    if (HAS("exchange") && !config_load_exchange(ctx, "$.exchange", MEMBER("exchange")))
        return FALSE;
    if (HAS("plugin_dirs") && !config_json_strv(&ctx->json, "$.plugin_dirs", MEMBER("plugin_dirs"),
                                                string_item, ctx, &c->plugin_dirs))
        return FALSE;
    if (HAS("ledger")) {
        const char *ledger = config_json_string(&ctx->json, "$.ledger", MEMBER("ledger"));
        if (ledger == NULL)
            return FALSE;
        if (*ledger == '\0')
            return config_json_fail(&ctx->json, "$.ledger",
                                    "must not be empty (leave the key out for the "
                                    "default)");
        c->ledger = g_strdup(ledger);
    }
    if (HAS("ledger_busy_seconds")) {
        gint64 secs = 0;
        if (!config_json_int(&ctx->json, "$.ledger_busy_seconds", MEMBER("ledger_busy_seconds"), 1,
                             3600, &secs))
            return FALSE;
        c->ledger_busy_ms = secs * 1000;
    }
    if (HAS("merchant")) {
        static const char *const mkeys[] = {"region", NULL};
        JsonObject *m = config_json_object(&ctx->json, "$.merchant", MEMBER("merchant"));
        if (m == NULL || !config_json_check_keys(&ctx->json, "$.merchant", m, mkeys))
            return FALSE;
        if (json_object_has_member(m, "region")) {
            const char *region = NULL;
            if (!config_load_region(ctx, "$.merchant.region", json_object_get_member(m, "region"),
                                    FALSE, &region))
                return FALSE;
            g_strlcpy(c->merchant_region, region, sizeof c->merchant_region);
        }
    }
    if (HAS("reconcile")) {
        static const char *const rkeys[] = {"pending_age_seconds", NULL};
        JsonObject *r = config_json_object(&ctx->json, "$.reconcile", MEMBER("reconcile"));
        if (r == NULL || !config_json_check_keys(&ctx->json, "$.reconcile", r, rkeys))
            return FALSE;
        if (json_object_has_member(r, "pending_age_seconds")) {
            gint64 secs = 0;
            if (!config_json_int(&ctx->json, "$.reconcile.pending_age_seconds",
                                 json_object_get_member(r, "pending_age_seconds"), 0,
                                 G_MAXINT64 / 1000, &secs))
                return FALSE;
            c->reconcile_age_ms = secs * 1000;
        }
    }
    if (HAS("transport")) {
        static const char *const tkeys[] = {"trace", NULL};
        JsonObject *t = config_json_object(&ctx->json, "$.transport", MEMBER("transport"));
        if (t == NULL || !config_json_check_keys(&ctx->json, "$.transport", t, tkeys))
            return FALSE;
        if (json_object_has_member(t, "trace") &&
            !config_json_bool(&ctx->json, "$.transport.trace", json_object_get_member(t, "trace"),
                              &c->trace_http))
            return FALSE;
    }
    if (HAS("plugins") && !config_load_plugins(ctx, "$.plugins", MEMBER("plugins")))
        return FALSE;
    if (HAS("service") && !load_service(ctx, MEMBER("service")))
        return FALSE;
    if (HAS("bin_countries") && !load_bins(ctx, "$.bin_countries", MEMBER("bin_countries")))
        return FALSE;
    if (HAS("methods") &&
        !config_json_each_member(&ctx->json, "$.methods", MEMBER("methods"), method_entry, ctx))
        return FALSE;
#undef MEMBER
#undef HAS
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */
/* ------------------------------------------------------------------------ */

TenderConfig *config_load_data(const char *json, gssize length, const char *origin,
                                      GPtrArray *warnings, GError **error)
{
    (void)warnings; /* nothing non-fatal is found without the plugins */
    g_return_val_if_fail(json != NULL, NULL);
    if (origin == NULL)
        origin = "config";
    gsize len = length < 0 ? strlen(json) : (gsize)length;
    TenderConfig *config = config_alloc(origin);
    ConfigLoad ctx = {{origin, NULL, error, FALSE}, config};
    JsonNode *root = config_json_read_document(&ctx.json, json, len);
    gboolean ok = root != NULL && load_root(&ctx, root);
    if (root != NULL)
        json_node_unref(root);
    config_json_reader_clear(&ctx.json);
    if (!ok) {
        config_free(config);
        return NULL;
    }
    return config;
}

TenderConfig *config_load_file(const char *path, GPtrArray *warnings, GError **error)
{
    g_return_val_if_fail(path != NULL, NULL);
    char *text = NULL;
    gsize len = 0;
    GError *ferr = NULL;
    if (!g_file_get_contents(path, &text, &len, &ferr)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s: cannot read the config: %s",
                    path, ferr->message);
        g_error_free(ferr);
        return NULL;
    }
    TenderConfig *config = config_load_data(text, (gssize)len, path, warnings, error);
    g_free(text);
    return config;
}

gboolean tender_config_check_file(const char *path, GPtrArray *warnings, GError **error)
{
    TenderConfig *config = config_load_file(path, warnings, error);
    if (config == NULL)
        return FALSE;
    config_free(config);
    return TRUE;
}
