/* The policy config as an object: its lifetime and every read of it.
 *
 * A config is one JSON document, validated in full before anything uses it
 * (config-load.c and the files it names), then kept as plain immutable
 * structs, so every function here is a read and thread-safe. docs/config.md
 * is the reference for every key. */
#include "config-private.h"

#include <string.h>

#include "regions.h"

/* ------------------------------------------------------------------------ */
/* Lifetime                                                                  */
/* ------------------------------------------------------------------------ */

static void tier_free(gpointer data)
{
    TenderTierPolicy *tier = data;
    g_free(tier->name);
    g_array_unref(tier->limits);
    g_free(tier);
}

TenderMethodPolicy *config_method_policy_new(const char *id)
{
    TenderMethodPolicy *m = g_new0(TenderMethodPolicy, 1);
    m->id = g_strdup(id);
    m->enabled = TRUE;
    m->amounts = g_array_new(FALSE, TRUE, sizeof(TenderAmountBounds));
    m->limits = g_array_new(FALSE, TRUE, sizeof(TenderLimitRule));
    m->tiers = g_ptr_array_new_with_free_func(tier_free);
    m->velocity = g_array_new(FALSE, TRUE, sizeof(TenderVelocityRule));
    m->fee_fixed = g_array_new(FALSE, TRUE, sizeof(TenderMoneyEntry));
    m->step_up_above = g_array_new(FALSE, TRUE, sizeof(TenderMoneyEntry));
    m->deadline_ms = CONFIG_DEFAULT_DEADLINE_MS;
    m->max_retries = CONFIG_DEFAULT_MAX_RETRIES;
    m->backoff_ms = CONFIG_DEFAULT_BACKOFF_MS;
    return m;
}

static void method_policy_free(gpointer data)
{
    TenderMethodPolicy *m = data;
    if (m == NULL)
        return;
    g_free(m->id);
    g_strfreev(m->allow);
    g_strfreev(m->deny);
    g_strfreev(m->currencies);
    g_array_unref(m->amounts);
    g_array_unref(m->limits);
    g_ptr_array_unref(m->tiers);
    g_free(m->default_tier);
    g_array_unref(m->velocity);
    g_array_unref(m->fee_fixed);
    g_array_unref(m->step_up_above);
    g_free(m);
}

TenderConfig *config_alloc(const char *origin)
{
    TenderConfig *c = g_new0(TenderConfig, 1);
    c->origin = g_strdup(origin);
    c->reconcile_age_ms = (gint64)CONFIG_DEFAULT_RECONCILE_AGE_S * 1000;
    c->ledger_busy_ms = (gint64)CONFIG_DEFAULT_LEDGER_BUSY_S * 1000;
    c->exchange = policy_exchange_new();
    c->bins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c->methods = g_ptr_array_new_with_free_func(method_policy_free);
    c->plugins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    c->settings =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_object_unref);
    return c;
}

void config_free(TenderConfig *config)
{
    if (config == NULL)
        return;
    g_free(config->origin);
    g_strfreev(config->plugin_dirs);
    g_free(config->ledger);
    g_free((char *)config->service.listen);
    g_strfreev(config->user_assigned);
    policy_exchange_free(config->exchange);
    g_hash_table_unref(config->bins);
    g_hash_table_unref(config->by_id);
    g_ptr_array_unref(config->methods);
    g_hash_table_unref(config->settings);
    g_hash_table_unref(config->plugins);
    g_free(config);
}

static const TenderMethodInfo *config_find_info(const GPtrArray *methods, const char *id)
{
    for (guint i = 0; methods != NULL && i < methods->len; i++) {
        const TenderMethodInfo *info = g_ptr_array_index(methods, i);
        if (g_strcmp0(info->id, id) == 0)
            return info;
    }
    return NULL;
}

static gboolean info_takes_currency(const TenderMethodInfo *info, const char *code)
{
    for (guint i = 0; info->currencies != NULL && i < info->currencies->len; i++) {
        if (strcmp(g_array_index(info->currencies, TenderCurrencyInfo, i).code, code) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean info_serves_region(const TenderMethodInfo *info, const char *region)
{
    if (info->regions == NULL)
        return FALSE;
    return g_strv_contains((const char *const *)info->regions, "*") ||
           g_strv_contains((const char *const *)info->regions, region);
}

void config_warn_unprovided(const TenderConfig *config, const GPtrArray *methods,
                                   GPtrArray *warnings)
{
    if (config == NULL || warnings == NULL)
        return;
    for (guint i = 0; i < config->methods->len; i++) {
        const TenderMethodPolicy *m = g_ptr_array_index(config->methods, i);
        const TenderMethodInfo *info = config_find_info(methods, m->id);
        if (info == NULL) {
            g_ptr_array_add(warnings,
                            g_strdup_printf("%s: $.methods.%s: method \"%s\" is configured but "
                                            "no loaded plugin provides it",
                                            config->origin, m->id, m->id));
            continue;
        }
        /* The plugin's facts bound the config: say what it will ignore. */
        for (guint k = 0; m->currencies != NULL && m->currencies[k] != NULL; k++) {
            if (!info_takes_currency(info, m->currencies[k]))
                g_ptr_array_add(warnings,
                                g_strdup_printf("%s: $.methods.%s.currencies[%u]: the plugin "
                                                "does not take %s; it is ignored",
                                                config->origin, m->id, k, m->currencies[k]));
        }
        for (guint k = 0; m->allow != NULL && m->allow[k] != NULL; k++) {
            if (strcmp(m->allow[k], "*") != 0 && !info_serves_region(info, m->allow[k]))
                g_ptr_array_add(warnings, g_strdup_printf("%s: $.methods.%s.regions.allow[%u]: the "
                                                          "plugin does not serve %s; it is ignored",
                                                          config->origin, m->id, k, m->allow[k]));
        }
        gboolean plugin_has_tiers = info->tiers != NULL && info->tiers[0] != NULL;
        for (guint k = 0; plugin_has_tiers && k < m->tiers->len; k++) {
            const TenderTierPolicy *t = g_ptr_array_index(m->tiers, k);
            if (!g_strv_contains((const char *const *)info->tiers, t->name))
                g_ptr_array_add(warnings,
                                g_strdup_printf("%s: $.methods.%s.tiers.%s: the plugin knows "
                                                "no such tier; it is never used",
                                                config->origin, m->id, t->name));
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------ */

const char *const *config_plugin_dirs(const TenderConfig *config)
{
    return (const char *const *)config->plugin_dirs;
}

const TenderServiceConfig *config_service(const TenderConfig *config)
{
    return &config->service;
}

const char *config_ledger_path(const TenderConfig *config)
{
    return config->ledger;
}

const TenderMethodPolicy *config_method(const TenderConfig *config, const char *method_id)
{
    if (config == NULL || method_id == NULL)
        return NULL;
    return g_hash_table_lookup(config->by_id, method_id);
}

const TenderTierPolicy *method_policy_tier(const TenderMethodPolicy *policy,
                                                  const char *name)
{
    if (policy == NULL || name == NULL)
        return NULL;
    for (guint i = 0; i < policy->tiers->len; i++) {
        const TenderTierPolicy *t = g_ptr_array_index(policy->tiers, i);
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

gboolean config_method_enabled(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = config_method(config, method_id);
    return m == NULL || m->enabled;
}

gint64 config_deadline_ms(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = config_method(config, method_id);
    return m != NULL ? m->deadline_ms : CONFIG_DEFAULT_DEADLINE_MS;
}

guint config_max_retries(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = config_method(config, method_id);
    return m != NULL ? m->max_retries : CONFIG_DEFAULT_MAX_RETRIES;
}

gint64 config_retry_backoff_ms(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = config_method(config, method_id);
    return m != NULL ? m->backoff_ms : CONFIG_DEFAULT_BACKOFF_MS;
}

gboolean config_trace_http(const TenderConfig *config)
{
    return config->trace_http;
}

gint64 config_reconcile_age_ms(const TenderConfig *config)
{
    return config->reconcile_age_ms;
}

gint64 config_ledger_busy_ms(const TenderConfig *config)
{
    return config->ledger_busy_ms;
}

gboolean config_region_declared(const TenderConfig *config, const char *region)
{
    if (!region_is_user_assigned(region))
        return TRUE;
    return config->user_assigned != NULL &&
           g_strv_contains((const char *const *)config->user_assigned, region);
}

gboolean config_check_buyer_region(const TenderConfig *config, const char *region,
                                          GError **error)
{
    if (region == NULL || !tender_region_is_valid(region)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown region '%s' (expected an ISO 3166-1 alpha-2 code such as US)",
                    region != NULL ? region : "");
        return FALSE;
    }
    if (!config_region_declared(config, region)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "region '%s' is user-assigned (ISO 3166-1 leaves it to private use) and the "
                    "config does not declare it: list it in user_assigned_regions to accept it",
                    region);
        return FALSE;
    }
    return TRUE;
}

const char *config_merchant_region(const TenderConfig *config)
{
    return config->merchant_region;
}

const char *config_bin_country(const TenderConfig *config, const char *digits)
{
    if (config == NULL || digits == NULL)
        return NULL;
    gsize len = strspn(digits, "0123456789");
    char prefix[16];
    for (gsize n = MIN(len, (gsize)config->max_bin_len); n > 0; n--) {
        memcpy(prefix, digits, n);
        prefix[n] = '\0';
        const char *region = g_hash_table_lookup(config->bins, prefix);
        if (region != NULL)
            return region;
    }
    return NULL;
}

const char *config_exchange_as_of(const TenderConfig *config)
{
    return policy_exchange_as_of(config->exchange);
}

static JsonNode *config_setting_node(const TenderConfig *config, const char *method_id,
                                     const char *key)
{
    if (config == NULL || method_id == NULL || key == NULL)
        return NULL;
    JsonObject *settings = g_hash_table_lookup(config->settings, method_id);
    if (settings == NULL || !json_object_has_member(settings, key))
        return NULL;
    return json_object_get_member(settings, key);
}

int config_setting_string(const TenderConfig *config, const char *method_id, const char *key,
                                 char *out, gsize out_size)
{
    JsonNode *node = config_setting_node(config, method_id, key);
    if (node == NULL)
        return 0;
    if (!config_json_holds(node, G_TYPE_STRING))
        return -1;
    const char *text = json_node_get_string(node);
    if (out == NULL || strlen(text) + 1 > out_size)
        return -1;
    memcpy(out, text, strlen(text) + 1);
    return 1;
}

int config_setting_int64(const TenderConfig *config, const char *method_id, const char *key,
                                gint64 *out)
{
    JsonNode *node = config_setting_node(config, method_id, key);
    if (node == NULL)
        return 0;
    if (!config_json_holds(node, G_TYPE_INT64))
        return -1;
    if (out != NULL)
        *out = json_node_get_int(node);
    return 1;
}

int config_setting_bool(const TenderConfig *config, const char *method_id, const char *key,
                               int *out)
{
    JsonNode *node = config_setting_node(config, method_id, key);
    if (node == NULL)
        return 0;
    if (!config_json_holds(node, G_TYPE_BOOLEAN))
        return -1;
    if (out != NULL)
        *out = json_node_get_boolean(node) ? 1 : 0;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* The exchange table                                                        */
/* ------------------------------------------------------------------------ */

const PolicyExchange *config_exchange(const TenderConfig *config)
{
    return config != NULL ? config->exchange : NULL;
}

/* Forwarders to policy-exchange.c, which alone converts; kept for the
 * callers that name the config (host.c's quote sorting, the fuzz target). */

gboolean config_has_rate(const TenderConfig *config, const char *currency)
{
    return policy_exchange_has_rate(config_exchange(config), currency);
}

gboolean config_convert(const TenderConfig *config, gint64 amount, const char *from,
                               int from_exponent, const char *to, int to_exponent, gint64 *out)
{
    return policy_exchange_convert(config_exchange(config), amount, from, from_exponent, to,
                                   to_exponent, out);
}

char *config_rate_text(const TenderConfig *config, const char *from, const char *to)
{
    return policy_exchange_rate_text(config_exchange(config), from, to);
}

char *config_rate_quote(const TenderConfig *config, const char *from, const char *to)
{
    return policy_exchange_rate_quote(config_exchange(config), from, to);
}
