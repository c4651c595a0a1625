/* $.methods.<id>: one method's policy, section by section (regions,
 * currencies, amounts, limits, tiers, velocity, fees, step-up, deadline,
 * retries, settings). docs/config.md documents every key.
 *
 * Every money value keyed by a currency must have an exchange rate, because
 * a payment in another currency is held to it after conversion; the
 * exchange section is therefore read before any method (config-load.c). */
#include "config-private.h"

#include <errno.h>
#include <unistd.h>

#include <string.h>

#include <tender/money.h>

#include "http-allow.h"
#include "http-tls-identity.h"
#include "policy-windows.h"

#define METHOD_MAX_RETRIES 10

/* Items of region lists: "*" allowed in allow lists, not in deny lists. */
static gboolean region_item(ConfigJsonReader *reader, const char *path, JsonNode *node,
                            gpointer data, const char **out)
{
    (void)reader;
    return config_load_region(data, path, node, TRUE, out);
}

static gboolean region_item_strict(ConfigJsonReader *reader, const char *path, JsonNode *node,
                                   gpointer data, const char **out)
{
    (void)reader;
    return config_load_region(data, path, node, FALSE, out);
}

static gboolean currency_item(ConfigJsonReader *reader, const char *path, JsonNode *node,
                              gpointer data, const char **out)
{
    (void)data;
    char code[4];
    if (!config_json_currency(reader, path, node, code))
        return FALSE;
    *out = json_node_get_string(node);
    return TRUE;
}

/* What a section's visitors fill: the load and the array the section
 * builds. */
typedef struct {
    ConfigLoad *ctx;
    GArray *out;
} SectionFill;

static gboolean money_entry(const char *path, const char *code, JsonNode *value, gpointer data)
{
    SectionFill *fill = data;
    TenderMoneyEntry e = {{0}, 0};
    if (!config_json_currency_key(&fill->ctx->json, path, code) ||
        !config_json_money(&fill->ctx->json, path, value, code, &e.value) ||
        !config_load_need_rate(fill->ctx, path, code))
        return FALSE;
    g_strlcpy(e.currency, code, sizeof e.currency);
    g_array_append_val(fill->out, e);
    return TRUE;
}

/* {"CODE": amount, …}: money keyed by currency, each with a rate. */
static gboolean load_money_map(ConfigLoad *ctx, const char *path, JsonNode *node, GArray *out)
{
    SectionFill fill = {ctx, out};
    return config_json_each_member(&ctx->json, path, node, money_entry, &fill);
}

/* One bound of an amounts entry, when given. */
static gboolean amount_bound(ConfigLoad *ctx, const char *path, JsonObject *bounds,
                             const char *name, const char *code, gint64 *value, gboolean *given)
{
    if (!json_object_has_member(bounds, name))
        return TRUE;
    g_autofree char *p = config_json_member_path(path, name);
    *given = TRUE;
    return config_json_money(&ctx->json, p, json_object_get_member(bounds, name), code, value);
}

static gboolean amounts_entry(const char *path, const char *code, JsonNode *value, gpointer data)
{
    static const char *const keys[] = {"min", "max", NULL};
    SectionFill *fill = data;
    ConfigLoad *ctx = fill->ctx;
    TenderAmountBounds b;
    memset(&b, 0, sizeof b);
    JsonObject *bounds = NULL;
    if (!config_json_currency_key(&ctx->json, path, code) ||
        (bounds = config_json_object(&ctx->json, path, value)) == NULL ||
        !config_json_check_keys(&ctx->json, path, bounds, keys) ||
        !amount_bound(ctx, path, bounds, "min", code, &b.min, &b.has_min) ||
        !amount_bound(ctx, path, bounds, "max", code, &b.max, &b.has_max))
        return FALSE;
    if (!b.has_min && !b.has_max)
        return config_json_fail(&ctx->json, path, "give \"min\", \"max\" or both");
    if (b.has_min && b.has_max && b.min > b.max) {
        g_autofree char *pmin = config_json_member_path(path, "min");
        g_autofree char *min = tender_money_format(b.min, code, -1);
        g_autofree char *max = tender_money_format(b.max, code, -1);
        return config_json_fail(&ctx->json, pmin, "minimum %s %s is above the maximum %s %s", min,
                                code, max, code);
    }
    if (!config_load_need_rate(ctx, path, code))
        return FALSE;
    g_strlcpy(b.currency, code, sizeof b.currency);
    g_array_append_val(fill->out, b);
    return TRUE;
}

static gboolean load_amounts(ConfigLoad *ctx, const char *path, JsonNode *node, GArray *out)
{
    SectionFill fill = {ctx, out};
    return config_json_each_member(&ctx->json, path, node, amounts_entry, &fill);
}

static gboolean limit_rule(const char *path, JsonObject *obj, gpointer data)
{
    SectionFill *fill = data;
    ConfigLoad *ctx = fill->ctx;
    TenderLimitRule rule;
    memset(&rule, 0, sizeof rule);
    static const char *const required[] = {"window", "currency", "max"};
    for (guint k = 0; k < G_N_ELEMENTS(required); k++) {
        if (!json_object_has_member(obj, required[k])) {
            g_autofree char *pk = config_json_member_path(path, required[k]);
            return config_json_fail(&ctx->json, pk,
                                    "missing (a limit needs window, currency and max)");
        }
    }
    g_autofree char *pw = config_json_member_path(path, "window");
    g_autofree char *pc = config_json_member_path(path, "currency");
    g_autofree char *pm = config_json_member_path(path, "max");
    const char *w = config_json_string(&ctx->json, pw, json_object_get_member(obj, "window"));
    if (w == NULL)
        return FALSE;
    if (!window_from_name(w, &rule.window) || rule.window < TENDER_WINDOW_DAY)
        return config_json_fail(&ctx->json, pw,
                                "unknown window \"%s\" (expected day, week, month, year or "
                                "lifetime)",
                                w);
    if (!config_json_currency(&ctx->json, pc, json_object_get_member(obj, "currency"),
                              rule.currency) ||
        !config_json_money(&ctx->json, pm, json_object_get_member(obj, "max"), rule.currency,
                           &rule.max) ||
        !config_load_need_rate(ctx, pc, rule.currency))
        return FALSE;
    g_array_append_val(fill->out, rule);
    return TRUE;
}

static gboolean load_limits(ConfigLoad *ctx, const char *path, JsonNode *node, GArray *out)
{
    static const char *const keys[] = {"window", "currency", "max", NULL};
    SectionFill fill = {ctx, out};
    return config_json_each_object(&ctx->json, path, node, keys, limit_rule, &fill);
}

typedef struct {
    ConfigLoad *ctx;
    GPtrArray *out;
} TierFill;

static gboolean tier_entry(const char *path, const char *name, JsonNode *value, gpointer data)
{
    static const char *const keys[] = {"limits", NULL};
    TierFill *fill = data;
    ConfigLoad *ctx = fill->ctx;
    if (*name == '\0' || strchr(name, '|') != NULL)
        return config_json_fail(&ctx->json, path,
                                "a tier name must be non-empty and must not contain '|'");
    JsonObject *tobj = config_json_object(&ctx->json, path, value);
    if (tobj == NULL || !config_json_check_keys(&ctx->json, path, tobj, keys))
        return FALSE;
    TenderTierPolicy *tier = g_new0(TenderTierPolicy, 1);
    tier->name = g_strdup(name);
    tier->limits = g_array_new(FALSE, TRUE, sizeof(TenderLimitRule));
    g_ptr_array_add(fill->out, tier);
    if (!json_object_has_member(tobj, "limits"))
        return TRUE;
    g_autofree char *pl = config_json_member_path(path, "limits");
    return load_limits(ctx, pl, json_object_get_member(tobj, "limits"), tier->limits);
}

static gboolean load_tiers(ConfigLoad *ctx, const char *path, JsonNode *node, GPtrArray *out)
{
    TierFill fill = {ctx, out};
    return config_json_each_member(&ctx->json, path, node, tier_entry, &fill);
}

/* An optional positive count of a velocity rule. */
static gboolean velocity_count(ConfigLoad *ctx, const char *path, JsonObject *obj,
                               const char *name, gint64 *out)
{
    if (!json_object_has_member(obj, name))
        return TRUE;
    g_autofree char *p = config_json_member_path(path, name);
    return config_json_int(&ctx->json, p, json_object_get_member(obj, name), 1, G_MAXINT32, out);
}

static gboolean velocity_rule(const char *path, JsonObject *obj, gpointer data)
{
    SectionFill *fill = data;
    ConfigLoad *ctx = fill->ctx;
    TenderVelocityRule rule;
    memset(&rule, 0, sizeof rule);
    g_autofree char *pw = config_json_member_path(path, "window");
    if (!json_object_has_member(obj, "window"))
        return config_json_fail(&ctx->json, pw, "missing (minute, hour or day)");
    const char *w = config_json_string(&ctx->json, pw, json_object_get_member(obj, "window"));
    if (w == NULL)
        return FALSE;
    if (!window_from_name(w, &rule.window) || rule.window > TENDER_WINDOW_DAY)
        return config_json_fail(&ctx->json, pw,
                                "unknown velocity window \"%s\" (expected minute, hour or "
                                "day)",
                                w);
    if (!velocity_count(ctx, path, obj, "max_attempts", &rule.max_attempts) ||
        !velocity_count(ctx, path, obj, "max_declines", &rule.max_declines))
        return FALSE;
    if (rule.max_attempts == 0 && rule.max_declines == 0)
        return config_json_fail(&ctx->json, path, "give \"max_attempts\", \"max_declines\" or both");
    g_array_append_val(fill->out, rule);
    return TRUE;
}

static gboolean load_velocity(ConfigLoad *ctx, const char *path, JsonNode *node, GArray *out)
{
    static const char *const keys[] = {"window", "max_attempts", "max_declines", NULL};
    SectionFill fill = {ctx, out};
    return config_json_each_object(&ctx->json, path, node, keys, velocity_rule, &fill);
}

static gboolean load_fees(ConfigLoad *ctx, const char *path, JsonNode *node, TenderMethodPolicy *m)
{
    static const char *const keys[] = {"bps", "fixed", "cross_border_bps", NULL};
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "bps")) {
        g_autofree char *p = config_json_member_path(path, "bps");
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "bps"), 0, 10000,
                             &m->fee_bps))
            return FALSE;
    }
    if (json_object_has_member(obj, "cross_border_bps")) {
        g_autofree char *p = config_json_member_path(path, "cross_border_bps");
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "cross_border_bps"), 0,
                             10000, &m->cross_border_bps))
            return FALSE;
    }
    if (json_object_has_member(obj, "fixed")) {
        g_autofree char *p = config_json_member_path(path, "fixed");
        if (!load_money_map(ctx, p, json_object_get_member(obj, "fixed"), m->fee_fixed))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_step_up(ConfigLoad *ctx, const char *path, JsonNode *node,
                             TenderMethodPolicy *m)
{
    static const char *const keys[] = {"above", "issuer_country_mismatch", NULL};
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "above")) {
        g_autofree char *p = config_json_member_path(path, "above");
        if (!load_money_map(ctx, p, json_object_get_member(obj, "above"), m->step_up_above))
            return FALSE;
    }
    if (json_object_has_member(obj, "issuer_country_mismatch")) {
        g_autofree char *p = config_json_member_path(path, "issuer_country_mismatch");
        if (!config_json_bool(&ctx->json, p, json_object_get_member(obj, "issuer_country_mismatch"),
                              &m->step_up_issuer_mismatch))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_retries(ConfigLoad *ctx, const char *path, JsonNode *node,
                             TenderMethodPolicy *m)
{
    static const char *const keys[] = {"max", "backoff_ms", NULL};
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "max")) {
        g_autofree char *p = config_json_member_path(path, "max");
        gint64 v = 0;
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "max"), 0,
                             METHOD_MAX_RETRIES, &v))
            return FALSE;
        m->max_retries = (guint)v;
    }
    if (json_object_has_member(obj, "backoff_ms")) {
        g_autofree char *p = config_json_member_path(path, "backoff_ms");
        if (!config_json_int(&ctx->json, p, json_object_get_member(obj, "backoff_ms"), 0, 60000,
                             &m->backoff_ms))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_regions(ConfigLoad *ctx, const char *path, JsonNode *node,
                             TenderMethodPolicy *m)
{
    static const char *const keys[] = {"allow", "deny", NULL};
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "allow")) {
        g_autofree char *p = config_json_member_path(path, "allow");
        if (!config_json_strv(&ctx->json, p, json_object_get_member(obj, "allow"), region_item, ctx,
                              &m->allow))
            return FALSE;
    }
    if (json_object_has_member(obj, "deny")) {
        g_autofree char *p = config_json_member_path(path, "deny");
        if (!config_json_strv(&ctx->json, p, json_object_get_member(obj, "deny"),
                              region_item_strict, ctx, &m->deny))
            return FALSE;
    }
    return TRUE;
}

/* The settings the host itself reads for the `http` service (ABI 1.1):
 * free-form otherwise, but these are checked here so that a bad one is a
 * configuration error naming its path, not a refused request at run time. */
static gboolean check_transport_settings(ConfigLoad *ctx, const char *path, JsonObject *settings)
{
    static const char *const keys[] = {"endpoint",
                                       "allowed_hosts",
                                       "ca_file",
                                       "proxy",
                                       HTTP_TLS_CLIENT_CERT,
                                       HTTP_TLS_CLIENT_KEY,
                                       HTTP_TLS_CLIENT_KEY_PASSPHRASE,
                                       NULL};
    const char *identity[3] = {NULL, NULL, NULL}; /* cert, key, passphrase */
    for (gsize k = 0; keys[k]; k++) {
        if (!json_object_has_member(settings, keys[k]))
            continue;
        g_autofree char *p = config_json_member_path(path, keys[k]);
        const char *value =
            config_json_string(&ctx->json, p, json_object_get_member(settings, keys[k]));
        if (value == NULL)
            return FALSE;
        GError *error = NULL;
        gboolean ok = TRUE;
        if (k == 0) {
            ok = http_endpoint_validate(value, &error);
        } else if (k == 1) {
            g_auto(GStrv) hosts = g_strsplit(value, ",", -1);
            for (gsize i = 0; ok && hosts[i]; i++)
                ok = http_allowed_host_validate(g_strstrip(hosts[i]), &error);
        } else if (k == 2 && access(value, R_OK) != 0) {
            return config_json_fail(&ctx->json, p, "cannot read the CA file '%s': %s", value,
                                    g_strerror(errno));
        } else if (k >= 4) {
            identity[k - 4] = value[0] ? value : NULL;
        }
        if (!ok) {
            config_json_fail(&ctx->json, p, "%s", error->message);
            g_error_free(error);
            return FALSE;
        }
    }
    /* The client identity as a whole: readable, a matching pair, and in its
     * validity period now (a certificate the provider would refuse is a
     * configuration error, not a string of refused payments). The message
     * names the setting at fault, never the passphrase. */
    if (identity[2] != NULL && identity[1] == NULL) {
        g_autofree char *p = config_json_member_path(path, HTTP_TLS_CLIENT_KEY_PASSPHRASE);
        return config_json_fail(&ctx->json, p, "%s is set without %s",
                                HTTP_TLS_CLIENT_KEY_PASSPHRASE, HTTP_TLS_CLIENT_KEY);
    }
    GError *error = NULL;
    if (!http_tls_identity_check(identity[0], identity[1], identity[2], TRUE, &error)) {
        g_autofree char *p = config_json_member_path(
            path, identity[0] ? HTTP_TLS_CLIENT_CERT : HTTP_TLS_CLIENT_KEY);
        config_json_fail(&ctx->json, p, "%s", error->message);
        g_error_free(error);
        return FALSE;
    }
    return TRUE;
}

static gboolean method_id_valid(const char *id)
{
    gsize n = strlen(id);
    if (n < 1 || n > 31)
        return FALSE;
    return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

gboolean config_load_method(ConfigLoad *ctx, const char *path, const char *id, JsonNode *node)
{
    static const char *const keys[] = {
        "enabled",  "regions", "currencies", "amounts",     "limits",  "tiers",    "default_tier",
        "velocity", "fees",    "step_up",    "deadline_ms", "retries", "settings", NULL,
    };
    if (!method_id_valid(id))
        return config_json_fail(&ctx->json, path,
                                "a method id is 1 to 31 characters of a-z, 0-9 and _, "
                                "found \"%s\"",
                                id);
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    TenderMethodPolicy *m = config_method_policy_new(id);
    g_ptr_array_add(ctx->config->methods, m);
    g_hash_table_replace(ctx->config->by_id, m->id, m);

#define MEMBER(name) json_object_get_member(obj, name)
#define HAS(name) json_object_has_member(obj, name)
    g_autofree char *p_enabled = config_json_member_path(path, "enabled");
    g_autofree char *p_regions = config_json_member_path(path, "regions");
    g_autofree char *p_currencies = config_json_member_path(path, "currencies");
    g_autofree char *p_amounts = config_json_member_path(path, "amounts");
    g_autofree char *p_limits = config_json_member_path(path, "limits");
    g_autofree char *p_tiers = config_json_member_path(path, "tiers");
    g_autofree char *p_default = config_json_member_path(path, "default_tier");
    g_autofree char *p_velocity = config_json_member_path(path, "velocity");
    g_autofree char *p_fees = config_json_member_path(path, "fees");
    g_autofree char *p_step = config_json_member_path(path, "step_up");
    g_autofree char *p_deadline = config_json_member_path(path, "deadline_ms");
    g_autofree char *p_retries = config_json_member_path(path, "retries");
    g_autofree char *p_settings = config_json_member_path(path, "settings");

    if (HAS("enabled") && !config_json_bool(&ctx->json, p_enabled, MEMBER("enabled"), &m->enabled))
        return FALSE;
    if (HAS("regions") && !load_regions(ctx, p_regions, MEMBER("regions"), m))
        return FALSE;
    if (HAS("currencies") && !config_json_strv(&ctx->json, p_currencies, MEMBER("currencies"),
                                               currency_item, ctx, &m->currencies))
        return FALSE;
    if (HAS("amounts") && !load_amounts(ctx, p_amounts, MEMBER("amounts"), m->amounts))
        return FALSE;
    if (HAS("limits") && !load_limits(ctx, p_limits, MEMBER("limits"), m->limits))
        return FALSE;
    if (HAS("tiers") && !load_tiers(ctx, p_tiers, MEMBER("tiers"), m->tiers))
        return FALSE;
    if (HAS("default_tier")) {
        const char *t = config_json_string(&ctx->json, p_default, MEMBER("default_tier"));
        if (t == NULL)
            return FALSE;
        if (method_policy_tier(m, t) == NULL) {
            /* Name what would be accepted, so the fix is one edit away. */
            g_autoptr(GString) names = g_string_new(NULL);
            for (guint i = 0; i < m->tiers->len; i++) {
                const TenderTierPolicy *tier = g_ptr_array_index(m->tiers, i);
                g_string_append_printf(names, "%s%s", i ? ", " : "", tier->name);
            }
            if (names->len == 0)
                return config_json_fail(&ctx->json, p_default,
                                        "tier \"%s\" is not defined under \"tiers\" "
                                        "(the method defines no tiers)",
                                        t);
            return config_json_fail(&ctx->json, p_default,
                                    "tier \"%s\" is not defined under \"tiers\" "
                                    "(its tiers: %s)",
                                    t, names->str);
        }
        m->default_tier = g_strdup(t);
    }
    if (HAS("velocity") && !load_velocity(ctx, p_velocity, MEMBER("velocity"), m->velocity))
        return FALSE;
    if (HAS("fees") && !load_fees(ctx, p_fees, MEMBER("fees"), m))
        return FALSE;
    if (HAS("step_up") && !load_step_up(ctx, p_step, MEMBER("step_up"), m))
        return FALSE;
    if (HAS("deadline_ms") && !config_json_int(&ctx->json, p_deadline, MEMBER("deadline_ms"), 1,
                                               3600 * 1000, &m->deadline_ms))
        return FALSE;
    if (HAS("retries") && !load_retries(ctx, p_retries, MEMBER("retries"), m))
        return FALSE;
    if (HAS("settings")) {
        JsonObject *settings = config_json_object(&ctx->json, p_settings, MEMBER("settings"));
        if (settings == NULL || !check_transport_settings(ctx, p_settings, settings))
            return FALSE;
        g_hash_table_replace(ctx->config->settings, g_strdup(id), json_object_ref(settings));
    }
#undef MEMBER
#undef HAS
    return TRUE;
}
