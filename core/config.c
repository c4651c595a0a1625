/* The policy config: one JSON document, parsed with json-glib, validated in
 * full before anything uses it, then kept as plain immutable structs.
 *
 * Validation is strict on purpose: an unknown key is an error (a typo such as
 * "limitz" would otherwise silently disable a limit), every money value is
 * parsed exactly with its currency's exponent, and every message names the
 * JSON path and, when it can be found, the line. docs/config.md is the
 * reference for every key. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <tender/money.h>

#include "regions.h"

#define DEFAULT_DEADLINE_MS 10000
#define DEFAULT_MAX_RETRIES 2
#define DEFAULT_BACKOFF_MS 100
#define DEFAULT_RECONCILE_AGE_S (15 * 60)
#define MAX_RETRIES_LIMIT 10
#define MAX_RATE_DIGITS 18

/* A rate: 1 unit of the base currency is worth mantissa / 10^scale units of
 * the currency. Kept as an exact decimal so conversions stay integer. */
typedef struct {
    char code[4];
    gint64 mantissa;
    int scale;
} Rate;

struct TenderConfig {
    char *origin;
    GStrv plugin_dirs;
    char *ledger;
    char merchant_region[3];
    GStrv user_assigned;      /* user-assigned regions the operator declared; NULL: none */
    gint64 reconcile_age_ms;
    char base[4];             /* "" when there is no exchange section */
    char *as_of;              /* "" when none */
    GHashTable *rates;        /* code -> Rate*, includes the base at 1 */
    GHashTable *bins;         /* digit prefix -> region */
    guint max_bin_len;
    GPtrArray *methods;       /* TenderMethodPolicy*, config order */
    GHashTable *by_id;        /* id -> TenderMethodPolicy* */
    GHashTable *settings;     /* id -> JsonObject* (ref) */
};

/* ------------------------------------------------------------------------ */
/* Windows                                                                   */
/* ------------------------------------------------------------------------ */

static const char *const window_names[] = {
    NULL, "minute", "hour", "day", "week", "month", "year", "lifetime",
};

const char *tender_window_name(TenderWindow window)
{
    if ((int)window < TENDER_WINDOW_MINUTE || window > TENDER_WINDOW_LIFETIME)
        return NULL;
    return window_names[window];
}

static gboolean window_from_name(const char *name, TenderWindow *out)
{
    for (int w = TENDER_WINDOW_MINUTE; w <= TENDER_WINDOW_LIFETIME; w++) {
        if (strcmp(window_names[w], name) == 0) {
            *out = (TenderWindow)w;
            return TRUE;
        }
    }
    return FALSE;
}

char *tender_window_start(TenderWindow window, gint64 now_ms)
{
    /* Floor division, so instants before the epoch land in the right window. */
    gint64 secs = now_ms / 1000;
    if (now_ms % 1000 < 0)
        secs--;
    GDateTime *t = g_date_time_new_from_unix_utc(secs);
    if (t == NULL)
        return g_strdup("invalid");
    char *text = NULL;
    switch (window) {
    case TENDER_WINDOW_MINUTE:
        text = g_date_time_format(t, "%Y-%m-%dT%H:%M");
        break;
    case TENDER_WINDOW_HOUR:
        text = g_date_time_format(t, "%Y-%m-%dT%H");
        break;
    case TENDER_WINDOW_DAY:
        text = g_date_time_format(t, "%Y-%m-%d");
        break;
    case TENDER_WINDOW_WEEK: {
        /* ISO weeks start on Monday (day_of_week 1). */
        GDateTime *monday = g_date_time_add_days(t, 1 - g_date_time_get_day_of_week(t));
        text = g_date_time_format(monday, "%Y-%m-%d");
        g_date_time_unref(monday);
        break;
    }
    case TENDER_WINDOW_MONTH:
        text = g_date_time_format(t, "%Y-%m-01");
        break;
    case TENDER_WINDOW_YEAR:
        text = g_date_time_format(t, "%Y-01-01");
        break;
    case TENDER_WINDOW_LIFETIME:
    default:
        text = g_strdup("all");
        break;
    }
    g_date_time_unref(t);
    return text;
}

/* ------------------------------------------------------------------------ */
/* Freeing                                                                   */
/* ------------------------------------------------------------------------ */

static void tier_free(gpointer data)
{
    TenderTierPolicy *tier = data;
    g_free(tier->name);
    g_array_unref(tier->limits);
    g_free(tier);
}

static TenderMethodPolicy *method_policy_new(const char *id)
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
    m->deadline_ms = DEFAULT_DEADLINE_MS;
    m->max_retries = DEFAULT_MAX_RETRIES;
    m->backoff_ms = DEFAULT_BACKOFF_MS;
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

static TenderConfig *config_new(const char *origin)
{
    TenderConfig *c = g_new0(TenderConfig, 1);
    c->origin = g_strdup(origin);
    c->reconcile_age_ms = (gint64)DEFAULT_RECONCILE_AGE_S * 1000;
    c->as_of = g_strdup("");
    c->rates = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    c->bins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c->methods = g_ptr_array_new_with_free_func(method_policy_free);
    c->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    c->settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)json_object_unref);
    return c;
}

void tender_config_free(TenderConfig *config)
{
    if (config == NULL)
        return;
    g_free(config->origin);
    g_strfreev(config->plugin_dirs);
    g_free(config->ledger);
    g_strfreev(config->user_assigned);
    g_free(config->as_of);
    g_hash_table_unref(config->rates);
    g_hash_table_unref(config->bins);
    g_hash_table_unref(config->by_id);
    g_ptr_array_unref(config->methods);
    g_hash_table_unref(config->settings);
    g_free(config);
}

/* ------------------------------------------------------------------------ */
/* Line numbers                                                              */
/* ------------------------------------------------------------------------ */

/* json-glib gives no positions for nodes, so a small scanner walks the text
 * (already accepted by json-glib) and records the line where each JSON path
 * starts. It also spots duplicate keys, which json-glib silently merges and
 * which would hide one of two settings. The scanner gives up quietly on
 * anything it does not expect: line numbers are a convenience. */
typedef struct {
    const char *p;
    const char *end;
    int line;
    GHashTable *lines;        /* path -> GINT_TO_POINTER(line) */
    char *duplicate;          /* the first duplicated path, or NULL */
    int duplicate_line;
} Scanner;

static gboolean key_is_plain(const char *key)
{
    if (*key == '\0')
        return FALSE;
    for (const char *k = key; *k; k++) {
        if (!g_ascii_isalnum(*k) && *k != '_' && *k != '-')
            return FALSE;
    }
    return TRUE;
}

/* The path of member key inside the object at parent. */
static char *path_member(const char *parent, const char *key)
{
    if (key_is_plain(key))
        return g_strdup_printf("%s.%s", parent, key);
    GString *s = g_string_new(parent);
    g_string_append(s, "[\"");
    for (const char *k = key; *k; k++) {
        if (*k == '"' || *k == '\\')
            g_string_append_c(s, '\\');
        g_string_append_c(s, *k);
    }
    g_string_append(s, "\"]");
    return g_string_free(s, FALSE);
}

static char *path_index(const char *parent, guint index)
{
    return g_strdup_printf("%s[%u]", parent, index);
}

static void scan_skip(Scanner *s)
{
    while (s->p < s->end) {
        char ch = *s->p;
        if (ch == '\n') {
            s->line++;
            s->p++;
        } else if (ch == ' ' || ch == '\t' || ch == '\r') {
            s->p++;
        } else if (ch == '/' && s->p + 1 < s->end && s->p[1] == '/') {
            while (s->p < s->end && *s->p != '\n')
                s->p++;
        } else if (ch == '/' && s->p + 1 < s->end && s->p[1] == '*') {
            s->p += 2;
            while (s->p + 1 < s->end && !(s->p[0] == '*' && s->p[1] == '/')) {
                if (*s->p == '\n')
                    s->line++;
                s->p++;
            }
            s->p = MIN(s->p + 2, s->end);
        } else {
            return;
        }
    }
}

/* Reads a string token; returns its (unescaped enough for keys) text. */
static char *scan_string(Scanner *s)
{
    if (s->p >= s->end || *s->p != '"')
        return NULL;
    const char *start = ++s->p;
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            s->p++;
        if (*s->p == '\n')
            s->line++;
        s->p++;
    }
    if (s->p >= s->end)
        return NULL;
    /* Keys with escapes are rare in a config; compress reads them. */
    char *raw = g_strndup(start, (gsize)(s->p - start));
    char *text = g_strcompress(raw);
    g_free(raw);
    s->p++;
    return text;
}

static gboolean scan_value(Scanner *s, const char *path, int depth);

static gboolean scan_object(Scanner *s, const char *path, int depth)
{
    s->p++; /* { */
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean ok = FALSE;
    scan_skip(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        ok = TRUE;
        goto out;
    }
    for (;;) {
        scan_skip(s);
        int key_line = s->line;
        char *key = scan_string(s);
        if (key == NULL)
            goto out;
        char *child = path_member(path, key);
        if (!g_hash_table_add(seen, key) && s->duplicate == NULL) {
            s->duplicate = g_strdup(child);
            s->duplicate_line = key_line;
        }
        g_hash_table_replace(s->lines, g_strdup(child), GINT_TO_POINTER(key_line));
        scan_skip(s);
        if (s->p >= s->end || *s->p != ':') {
            g_free(child);
            goto out;
        }
        s->p++;
        gboolean value_ok = scan_value(s, child, depth + 1);
        g_free(child);
        if (!value_ok)
            goto out;
        scan_skip(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            ok = TRUE;
        }
        goto out;
    }
out:
    g_hash_table_unref(seen);
    return ok;
}

static gboolean scan_array(Scanner *s, const char *path, int depth)
{
    s->p++; /* [ */
    scan_skip(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return TRUE;
    }
    for (guint i = 0;; i++) {
        char *child = path_index(path, i);
        scan_skip(s);
        /* The element's own line, unless the member key already set it. */
        g_hash_table_replace(s->lines, g_strdup(child), GINT_TO_POINTER(s->line));
        gboolean ok = scan_value(s, child, depth + 1);
        g_free(child);
        if (!ok)
            return FALSE;
        scan_skip(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return TRUE;
        }
        return FALSE;
    }
}

static gboolean scan_value(Scanner *s, const char *path, int depth)
{
    if (depth > 200)
        return FALSE;
    scan_skip(s);
    if (s->p >= s->end)
        return FALSE;
    char ch = *s->p;
    if (ch == '{')
        return scan_object(s, path, depth);
    if (ch == '[')
        return scan_array(s, path, depth);
    if (ch == '"') {
        char *text = scan_string(s);
        g_free(text);
        return text != NULL;
    }
    /* number, true, false, null */
    const char *start = s->p;
    while (s->p < s->end && (g_ascii_isalnum(*s->p) || *s->p == '-' || *s->p == '+' ||
                             *s->p == '.'))
        s->p++;
    return s->p > start;
}

/* ------------------------------------------------------------------------ */
/* Validation context                                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
    TenderConfig *config;
    const char *origin;
    GHashTable *lines;
    GError **error;
    gboolean failed;
} Ctx;

/* Record the first problem: "origin:LINE: $.path: message". */
static G_GNUC_PRINTF(3, 4) gboolean fail(Ctx *ctx, const char *path, const char *fmt, ...)
{
    if (ctx->failed)
        return FALSE;
    ctx->failed = TRUE;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gpointer line = NULL;
    if (ctx->lines != NULL && g_hash_table_lookup_extended(ctx->lines, path, NULL, &line))
        g_set_error(ctx->error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s:%d: %s: %s", ctx->origin,
                    GPOINTER_TO_INT(line), path, msg);
    else
        g_set_error(ctx->error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s: %s: %s", ctx->origin,
                    path, msg);
    g_free(msg);
    return FALSE;
}

static const char *node_kind(JsonNode *node)
{
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
        return "an object";
    case JSON_NODE_ARRAY:
        return "an array";
    case JSON_NODE_NULL:
        return "null";
    case JSON_NODE_VALUE:
    default:
        break;
    }
    GType t = json_node_get_value_type(node);
    if (t == G_TYPE_STRING)
        return "a string";
    if (t == G_TYPE_BOOLEAN)
        return "a boolean";
    if (t == G_TYPE_INT64)
        return "an integer";
    return "a number";
}

static gboolean is_value_of(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

static JsonObject *want_object(Ctx *ctx, const char *path, JsonNode *node)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        fail(ctx, path, "expected an object, found %s", node_kind(node));
        return NULL;
    }
    return json_node_get_object(node);
}

static JsonArray *want_array(Ctx *ctx, const char *path, JsonNode *node)
{
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        fail(ctx, path, "expected an array, found %s", node_kind(node));
        return NULL;
    }
    return json_node_get_array(node);
}

static const char *want_string(Ctx *ctx, const char *path, JsonNode *node)
{
    if (!is_value_of(node, G_TYPE_STRING)) {
        fail(ctx, path, "expected a string, found %s", node_kind(node));
        return NULL;
    }
    return json_node_get_string(node);
}

static gboolean want_bool(Ctx *ctx, const char *path, JsonNode *node, gboolean *out)
{
    if (!is_value_of(node, G_TYPE_BOOLEAN))
        return fail(ctx, path, "expected a boolean (true or false), found %s", node_kind(node));
    *out = json_node_get_boolean(node);
    return TRUE;
}

/* An integer in [min, max]; a negative value where none is allowed gets its
 * own message (a negative fee or limit is a classic slip). */
static gboolean want_int(Ctx *ctx, const char *path, JsonNode *node, gint64 min, gint64 max,
                         gint64 *out)
{
    if (!is_value_of(node, G_TYPE_INT64))
        return fail(ctx, path, "expected an integer, found %s", node_kind(node));
    gint64 v = json_node_get_int(node);
    if (v < 0 && min >= 0)
        return fail(ctx, path, "must not be negative (found %" G_GINT64_FORMAT ")", v);
    if (v < min || v > max)
        return fail(ctx, path, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                    " to %" G_GINT64_FORMAT ")", v, min, max);
    *out = v;
    return TRUE;
}

/* Levenshtein distance, for "did you mean" hints on unknown keys. */
static guint edit_distance(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    guint *row = g_new(guint, lb + 1);
    for (gsize j = 0; j <= lb; j++)
        row[j] = (guint)j;
    for (gsize i = 1; i <= la; i++) {
        guint diag = row[0];
        row[0] = (guint)i;
        for (gsize j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    guint d = row[lb];
    g_free(row);
    return d;
}

/* Every member of obj must be one of known (NULL-terminated). */
static gboolean check_keys(Ctx *ctx, const char *path, JsonObject *obj, const char *const *known)
{
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *key = l->data;
        if (g_strv_contains(known, key))
            continue;
        const char *best = NULL;
        guint best_d = G_MAXUINT;
        for (const char *const *k = known; *k; k++) {
            guint d = edit_distance(key, *k);
            if (d < best_d) {
                best_d = d;
                best = *k;
            }
        }
        char *list = g_strjoinv(", ", (char **)known);
        char *child = path_member(path, key);
        if (best != NULL && best_d <= 2)
            fail(ctx, child, "unknown key \"%s\" (did you mean \"%s\"? known keys: %s)", key,
                 best, list);
        else
            fail(ctx, child, "unknown key \"%s\" (known keys: %s)", key, list);
        g_free(child);
        g_free(list);
        ok = FALSE;
    }
    g_list_free(members);
    return ok;
}

static gboolean want_currency(Ctx *ctx, const char *path, JsonNode *node, char out[4])
{
    const char *code = want_string(ctx, path, node);
    if (code == NULL)
        return FALSE;
    if (!tender_currency_is_known(code))
        return fail(ctx, path, "unknown currency \"%s\" (expected an ISO 4217 code such as USD)",
                    code);
    g_strlcpy(out, code, 4);
    return TRUE;
}

static gboolean check_currency_key(Ctx *ctx, const char *path, const char *code)
{
    if (!tender_currency_is_known(code))
        return fail(ctx, path, "unknown currency \"%s\" (expected an ISO 4217 code such as USD)",
                    code);
    return TRUE;
}

static gboolean want_region(Ctx *ctx, const char *path, JsonNode *node, gboolean star_ok,
                            const char **out)
{
    const char *region = want_string(ctx, path, node);
    if (region == NULL)
        return FALSE;
    if (star_ok && strcmp(region, "*") == 0) {
        *out = region;
        return TRUE;
    }
    if (!tender_region_is_valid(region))
        return fail(ctx, path, "unknown region \"%s\" (expected an ISO 3166-1 alpha-2 code "
                    "such as US%s)", region, star_ok ? ", or \"*\"" : "");
    if (!tender_config_region_declared(ctx->config, region))
        return fail(ctx, path, "region \"%s\" is user-assigned (ISO 3166-1 leaves it to private "
                    "use): list it in $.user_assigned_regions to use it", region);
    *out = region;
    return TRUE;
}

/* One entry of $.user_assigned_regions: a user-assigned code, declared once.
 * An assigned code there is a slip (it needs no declaration), so it is
 * refused rather than ignored. */
static gboolean user_assigned_item(Ctx *ctx, const char *path, JsonNode *node, const char **out)
{
    const char *region = want_string(ctx, path, node);
    if (region == NULL)
        return FALSE;
    if (!tender_region_is_valid(region))
        return fail(ctx, path, "\"%s\" is not an ISO 3166-1 alpha-2 code (expected a "
                    "user-assigned one: AA, QM to QZ, XA to XZ or ZZ)", region);
    if (!tender_region_is_user_assigned(region))
        return fail(ctx, path, "\"%s\" is an assigned ISO 3166-1 code and needs no declaration "
                    "(only AA, QM to QZ, XA to XZ and ZZ go here)", region);
    if (ctx->config->user_assigned != NULL &&
        g_strv_contains((const char *const *)ctx->config->user_assigned, region))
        return fail(ctx, path, "\"%s\" is listed twice", region);
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

/* A money value of currency: a decimal string ("10.50", exact, at most the
 * currency's decimals) or a JSON integer (whole units). Never negative. */
static gboolean want_money(Ctx *ctx, const char *path, JsonNode *node, const char *currency,
                           gint64 *out)
{
    int exponent = tender_currency_exponent(currency);
    char *text = NULL;
    if (is_value_of(node, G_TYPE_INT64)) {
        gint64 v = json_node_get_int(node);
        if (v < 0)
            return fail(ctx, path, "must not be negative (found %" G_GINT64_FORMAT " %s)", v,
                        currency);
        text = g_strdup_printf("%" G_GINT64_FORMAT, v);
    } else if (is_value_of(node, G_TYPE_STRING)) {
        text = g_strdup(json_node_get_string(node));
    } else if (is_value_of(node, G_TYPE_DOUBLE)) {
        return fail(ctx, path, "write amounts as decimal strings (e.g. \"%.2f\"), not as "
                    "fractional numbers, so they are exact", json_node_get_double(node));
    } else {
        return fail(ctx, path, "expected an amount (a decimal string such as \"10.00\"), "
                    "found %s", node_kind(node));
    }
    g_strstrip(text);
    gboolean ok = FALSE;
    if (text[0] == '-') {
        fail(ctx, path, "must not be negative (found \"%s\" %s)", text, currency);
        goto out;
    }
    const char *dot = strchr(text, '.');
    if (dot != NULL) {
        gsize decimals = strspn(dot + 1, "0123456789");
        if ((int)decimals > exponent) {
            fail(ctx, path, "\"%s\" has %zu decimals but %s takes %d", text, decimals,
                 currency, exponent);
            goto out;
        }
    }
    GError *err = NULL;
    if (!tender_money_parse(text, currency, -1, out, &err)) {
        fail(ctx, path, "invalid amount \"%s\" %s: %s", text, currency,
             err != NULL ? err->message : "not a decimal amount");
        g_clear_error(&err);
        goto out;
    }
    ok = TRUE;
out:
    g_free(text);
    return ok;
}

/* Money keyed by currency also needs an exchange rate: Tender converts it
 * whenever a payment is in another currency. */
static gboolean need_rate(Ctx *ctx, const char *path, const char *currency)
{
    if (tender_config_has_rate(ctx->config, currency))
        return TRUE;
    if (ctx->config->base[0] == '\0')
        return fail(ctx, path, "no exchange rate for %s: add an \"exchange\" section with a "
                    "base and rates", currency);
    return fail(ctx, path, "no exchange rate for %s: add it to $.exchange.rates", currency);
}

/* A list of strings checked one by one. */
typedef gboolean (*ItemCheck)(Ctx *ctx, const char *path, JsonNode *node, const char **out);

static gboolean region_item(Ctx *ctx, const char *path, JsonNode *node, const char **out)
{
    return want_region(ctx, path, node, TRUE, out);
}

static gboolean region_item_strict(Ctx *ctx, const char *path, JsonNode *node, const char **out)
{
    return want_region(ctx, path, node, FALSE, out);
}

static gboolean currency_item(Ctx *ctx, const char *path, JsonNode *node, const char **out)
{
    char code[4];
    if (!want_currency(ctx, path, node, code))
        return FALSE;
    *out = json_node_get_string(node);
    return TRUE;
}

static gboolean string_item(Ctx *ctx, const char *path, JsonNode *node, const char **out)
{
    *out = want_string(ctx, path, node);
    return *out != NULL;
}

static gboolean want_strv(Ctx *ctx, const char *path, JsonNode *node, ItemCheck check,
                          GStrv *out)
{
    JsonArray *arr = want_array(ctx, path, node);
    if (arr == NULL)
        return FALSE;
    GStrvBuilder *b = g_strv_builder_new();
    guint n = json_array_get_length(arr);
    for (guint i = 0; i < n; i++) {
        char *child = path_index(path, i);
        const char *text = NULL;
        gboolean ok = check(ctx, child, json_array_get_element(arr, i), &text);
        g_free(child);
        if (!ok) {
            g_strv_builder_unref(b);
            return FALSE;
        }
        g_strv_builder_add(b, text);
    }
    g_strfreev(*out);
    *out = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Sections                                                                  */
/* ------------------------------------------------------------------------ */

/* A positive exact decimal ("7.1", 7.1 or 7). */
static gboolean parse_rate(Ctx *ctx, const char *path, JsonNode *node, Rate *rate)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    const char *text;
    if (is_value_of(node, G_TYPE_STRING)) {
        text = json_node_get_string(node);
    } else if (is_value_of(node, G_TYPE_INT64)) {
        g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int(node));
        text = buf;
    } else if (is_value_of(node, G_TYPE_DOUBLE)) {
        /* The shortest text that reads back as the same double: 7.1, not
         * 7.0999999999999996. */
        double v = json_node_get_double(node);
        for (int precision = 1; precision <= 17; precision++) {
            char fmt[8];
            g_snprintf(fmt, sizeof fmt, "%%.%dg", precision);
            g_ascii_formatd(buf, sizeof buf, fmt, v);
            if (g_ascii_strtod(buf, NULL) == v)
                break;
        }
        text = buf;
    } else {
        return fail(ctx, path, "expected a rate (a decimal string or number), found %s",
                    node_kind(node));
    }
    if (text[0] == '-')
        return fail(ctx, path, "rate \"%s\" must be positive", text);
    gint64 mantissa = 0;
    int scale = 0, digits = 0;
    gboolean seen_dot = FALSE;
    for (const char *c = text; *c; c++) {
        if (*c == '.' && !seen_dot) {
            seen_dot = TRUE;
            continue;
        }
        if (!g_ascii_isdigit(*c))
            return fail(ctx, path, "rate \"%s\" is not a plain decimal number", text);
        if (mantissa == 0 && *c == '0') {
            if (seen_dot)
                scale++;
            continue;
        }
        if (++digits > MAX_RATE_DIGITS)
            return fail(ctx, path, "rate \"%s\" has too many digits (at most %d)", text,
                        MAX_RATE_DIGITS);
        mantissa = mantissa * 10 + (*c - '0');
        if (seen_dot)
            scale++;
    }
    if (mantissa == 0)
        return fail(ctx, path, "rate \"%s\" must be positive", text);
    /* Drop trailing zeros of the fraction: keeps the numbers small. */
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        scale--;
    }
    if (scale > 12)
        return fail(ctx, path, "rate \"%s\" has more than 12 decimals", text);
    rate->mantissa = mantissa;
    rate->scale = scale;
    return TRUE;
}

static gboolean load_exchange(Ctx *ctx, const char *path, JsonNode *node)
{
    static const char *const keys[] = {"base", "as_of", "rates", NULL};
    TenderConfig *c = ctx->config;
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL || !check_keys(ctx, path, obj, keys))
        return FALSE;
    g_autofree char *base_path = path_member(path, "base");
    if (!json_object_has_member(obj, "base"))
        return fail(ctx, base_path, "missing: the currency rates are quoted against");
    if (!want_currency(ctx, base_path, json_object_get_member(obj, "base"), c->base))
        return FALSE;
    Rate *base = g_new0(Rate, 1);
    memcpy(base->code, c->base, 4);
    base->mantissa = 1;
    g_hash_table_replace(c->rates, base->code, base);

    if (json_object_has_member(obj, "as_of")) {
        g_autofree char *p = path_member(path, "as_of");
        const char *date = want_string(ctx, p, json_object_get_member(obj, "as_of"));
        if (date == NULL)
            return FALSE;
        int y = 0, m = 0, d = 0;
        char tail = 0;
        if (strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
            !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
            return fail(ctx, p, "expected a date written YYYY-MM-DD, found \"%s\"", date);
        g_free(c->as_of);
        c->as_of = g_strdup(date);
    }
    if (json_object_has_member(obj, "rates")) {
        g_autofree char *p = path_member(path, "rates");
        JsonObject *rates = want_object(ctx, p, json_object_get_member(obj, "rates"));
        if (rates == NULL)
            return FALSE;
        GList *members = json_object_get_members(rates);
        for (GList *l = members; l != NULL; l = l->next) {
            const char *code = l->data;
            g_autofree char *rp = path_member(p, code);
            Rate rate = {{0}, 0, 0};
            if (!check_currency_key(ctx, rp, code) ||
                !parse_rate(ctx, rp, json_object_get_member(rates, code), &rate)) {
                g_list_free(members);
                return FALSE;
            }
            if (strcmp(code, c->base) == 0) {
                if (rate.mantissa != 1 || rate.scale != 0) {
                    g_list_free(members);
                    return fail(ctx, rp, "the base currency's rate must be 1");
                }
                continue;
            }
            Rate *r = g_new0(Rate, 1);
            *r = rate;
            g_strlcpy(r->code, code, sizeof r->code);
            g_hash_table_replace(c->rates, r->code, r);
        }
        g_list_free(members);
    }
    return TRUE;
}

static gboolean load_bins(Ctx *ctx, const char *path, JsonNode *node)
{
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL)
        return FALSE;
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *prefix = l->data;
        g_autofree char *p = path_member(path, prefix);
        gsize len = strlen(prefix);
        if (len < 1 || len > 8 || strspn(prefix, "0123456789") != len) {
            ok = fail(ctx, p, "a BIN prefix is 1 to 8 digits (the card's first digits), "
                      "found \"%s\"", prefix);
            break;
        }
        const char *region = NULL;
        ok = want_region(ctx, p, json_object_get_member(obj, prefix), FALSE, &region);
        if (ok) {
            g_hash_table_replace(ctx->config->bins, g_strdup(prefix), g_strdup(region));
            ctx->config->max_bin_len = MAX(ctx->config->max_bin_len, (guint)len);
        }
    }
    g_list_free(members);
    return ok;
}

/* {"CODE": amount, …}: money keyed by currency, each with a rate. */
static gboolean load_money_map(Ctx *ctx, const char *path, JsonNode *node, GArray *out)
{
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL)
        return FALSE;
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *code = l->data;
        g_autofree char *p = path_member(path, code);
        TenderMoneyEntry e = {{0}, 0};
        ok = check_currency_key(ctx, p, code) &&
             want_money(ctx, p, json_object_get_member(obj, code), code, &e.value) &&
             need_rate(ctx, p, code);
        if (ok) {
            g_strlcpy(e.currency, code, sizeof e.currency);
            g_array_append_val(out, e);
        }
    }
    g_list_free(members);
    return ok;
}

static gboolean load_amounts(Ctx *ctx, const char *path, JsonNode *node, GArray *out)
{
    static const char *const keys[] = {"min", "max", NULL};
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL)
        return FALSE;
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *code = l->data;
        g_autofree char *p = path_member(path, code);
        TenderAmountBounds b;
        memset(&b, 0, sizeof b);
        JsonObject *bounds = NULL;
        ok = check_currency_key(ctx, p, code) &&
             (bounds = want_object(ctx, p, json_object_get_member(obj, code))) != NULL &&
             check_keys(ctx, p, bounds, keys);
        if (!ok)
            break;
        g_autofree char *pmin = path_member(p, "min");
        g_autofree char *pmax = path_member(p, "max");
        if (json_object_has_member(bounds, "min")) {
            ok = want_money(ctx, pmin, json_object_get_member(bounds, "min"), code, &b.min);
            b.has_min = TRUE;
        }
        if (ok && json_object_has_member(bounds, "max")) {
            ok = want_money(ctx, pmax, json_object_get_member(bounds, "max"), code, &b.max);
            b.has_max = TRUE;
        }
        if (!ok)
            break;
        if (!b.has_min && !b.has_max) {
            ok = fail(ctx, p, "give \"min\", \"max\" or both");
            break;
        }
        if (b.has_min && b.has_max && b.min > b.max) {
            g_autofree char *min = tender_money_format(b.min, code, -1);
            g_autofree char *max = tender_money_format(b.max, code, -1);
            ok = fail(ctx, pmin, "minimum %s %s is above the maximum %s %s", min, code, max,
                      code);
            break;
        }
        ok = need_rate(ctx, p, code);
        if (ok) {
            g_strlcpy(b.currency, code, sizeof b.currency);
            g_array_append_val(out, b);
        }
    }
    g_list_free(members);
    return ok;
}

static gboolean load_limits(Ctx *ctx, const char *path, JsonNode *node, GArray *out)
{
    static const char *const keys[] = {"window", "currency", "max", NULL};
    JsonArray *arr = want_array(ctx, path, node);
    if (arr == NULL)
        return FALSE;
    guint n = json_array_get_length(arr);
    for (guint i = 0; i < n; i++) {
        g_autofree char *p = path_index(path, i);
        JsonObject *obj = want_object(ctx, p, json_array_get_element(arr, i));
        if (obj == NULL || !check_keys(ctx, p, obj, keys))
            return FALSE;
        TenderLimitRule rule;
        memset(&rule, 0, sizeof rule);
        g_autofree char *pw = path_member(p, "window");
        g_autofree char *pc = path_member(p, "currency");
        g_autofree char *pm = path_member(p, "max");
        const char *required[] = {"window", "currency", "max"};
        for (guint k = 0; k < G_N_ELEMENTS(required); k++) {
            if (!json_object_has_member(obj, required[k])) {
                g_autofree char *pk = path_member(p, required[k]);
                return fail(ctx, pk, "missing (a limit needs window, currency and max)");
            }
        }
        const char *w = want_string(ctx, pw, json_object_get_member(obj, "window"));
        if (w == NULL)
            return FALSE;
        if (!window_from_name(w, &rule.window) || rule.window < TENDER_WINDOW_DAY)
            return fail(ctx, pw, "unknown window \"%s\" (expected day, week, month, year or "
                        "lifetime)", w);
        if (!want_currency(ctx, pc, json_object_get_member(obj, "currency"), rule.currency) ||
            !want_money(ctx, pm, json_object_get_member(obj, "max"), rule.currency, &rule.max) ||
            !need_rate(ctx, pc, rule.currency))
            return FALSE;
        g_array_append_val(out, rule);
    }
    return TRUE;
}

static gboolean load_tiers(Ctx *ctx, const char *path, JsonNode *node, GPtrArray *out)
{
    static const char *const keys[] = {"limits", NULL};
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL)
        return FALSE;
    GList *members = json_object_get_members(obj);
    gboolean ok = TRUE;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *name = l->data;
        g_autofree char *p = path_member(path, name);
        if (*name == '\0' || strchr(name, '|') != NULL) {
            ok = fail(ctx, p, "a tier name must be non-empty and must not contain '|'");
            break;
        }
        JsonObject *tobj = want_object(ctx, p, json_object_get_member(obj, name));
        if (tobj == NULL || !check_keys(ctx, p, tobj, keys)) {
            ok = FALSE;
            break;
        }
        TenderTierPolicy *tier = g_new0(TenderTierPolicy, 1);
        tier->name = g_strdup(name);
        tier->limits = g_array_new(FALSE, TRUE, sizeof(TenderLimitRule));
        g_ptr_array_add(out, tier);
        if (json_object_has_member(tobj, "limits")) {
            g_autofree char *pl = path_member(p, "limits");
            ok = load_limits(ctx, pl, json_object_get_member(tobj, "limits"), tier->limits);
        }
    }
    g_list_free(members);
    return ok;
}

static gboolean load_velocity(Ctx *ctx, const char *path, JsonNode *node, GArray *out)
{
    static const char *const keys[] = {"window", "max_attempts", "max_declines", NULL};
    JsonArray *arr = want_array(ctx, path, node);
    if (arr == NULL)
        return FALSE;
    guint n = json_array_get_length(arr);
    for (guint i = 0; i < n; i++) {
        g_autofree char *p = path_index(path, i);
        JsonObject *obj = want_object(ctx, p, json_array_get_element(arr, i));
        if (obj == NULL || !check_keys(ctx, p, obj, keys))
            return FALSE;
        TenderVelocityRule rule;
        memset(&rule, 0, sizeof rule);
        g_autofree char *pw = path_member(p, "window");
        if (!json_object_has_member(obj, "window"))
            return fail(ctx, pw, "missing (minute, hour or day)");
        const char *w = want_string(ctx, pw, json_object_get_member(obj, "window"));
        if (w == NULL)
            return FALSE;
        if (!window_from_name(w, &rule.window) || rule.window > TENDER_WINDOW_DAY)
            return fail(ctx, pw, "unknown velocity window \"%s\" (expected minute, hour or "
                        "day)", w);
        if (json_object_has_member(obj, "max_attempts")) {
            g_autofree char *pa = path_member(p, "max_attempts");
            if (!want_int(ctx, pa, json_object_get_member(obj, "max_attempts"), 1, G_MAXINT32,
                          &rule.max_attempts))
                return FALSE;
        }
        if (json_object_has_member(obj, "max_declines")) {
            g_autofree char *pd = path_member(p, "max_declines");
            if (!want_int(ctx, pd, json_object_get_member(obj, "max_declines"), 1, G_MAXINT32,
                          &rule.max_declines))
                return FALSE;
        }
        if (rule.max_attempts == 0 && rule.max_declines == 0)
            return fail(ctx, p, "give \"max_attempts\", \"max_declines\" or both");
        g_array_append_val(out, rule);
    }
    return TRUE;
}

static gboolean load_fees(Ctx *ctx, const char *path, JsonNode *node, TenderMethodPolicy *m)
{
    static const char *const keys[] = {"bps", "fixed", "cross_border_bps", NULL};
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL || !check_keys(ctx, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "bps")) {
        g_autofree char *p = path_member(path, "bps");
        if (!want_int(ctx, p, json_object_get_member(obj, "bps"), 0, 10000, &m->fee_bps))
            return FALSE;
    }
    if (json_object_has_member(obj, "cross_border_bps")) {
        g_autofree char *p = path_member(path, "cross_border_bps");
        if (!want_int(ctx, p, json_object_get_member(obj, "cross_border_bps"), 0, 10000,
                      &m->cross_border_bps))
            return FALSE;
    }
    if (json_object_has_member(obj, "fixed")) {
        g_autofree char *p = path_member(path, "fixed");
        if (!load_money_map(ctx, p, json_object_get_member(obj, "fixed"), m->fee_fixed))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_step_up(Ctx *ctx, const char *path, JsonNode *node, TenderMethodPolicy *m)
{
    static const char *const keys[] = {"above", "issuer_country_mismatch", NULL};
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL || !check_keys(ctx, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "above")) {
        g_autofree char *p = path_member(path, "above");
        if (!load_money_map(ctx, p, json_object_get_member(obj, "above"), m->step_up_above))
            return FALSE;
    }
    if (json_object_has_member(obj, "issuer_country_mismatch")) {
        g_autofree char *p = path_member(path, "issuer_country_mismatch");
        if (!want_bool(ctx, p, json_object_get_member(obj, "issuer_country_mismatch"),
                       &m->step_up_issuer_mismatch))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_retries(Ctx *ctx, const char *path, JsonNode *node, TenderMethodPolicy *m)
{
    static const char *const keys[] = {"max", "backoff_ms", NULL};
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL || !check_keys(ctx, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "max")) {
        g_autofree char *p = path_member(path, "max");
        gint64 v = 0;
        if (!want_int(ctx, p, json_object_get_member(obj, "max"), 0, MAX_RETRIES_LIMIT, &v))
            return FALSE;
        m->max_retries = (guint)v;
    }
    if (json_object_has_member(obj, "backoff_ms")) {
        g_autofree char *p = path_member(path, "backoff_ms");
        if (!want_int(ctx, p, json_object_get_member(obj, "backoff_ms"), 0, 60000,
                      &m->backoff_ms))
            return FALSE;
    }
    return TRUE;
}

static gboolean load_regions(Ctx *ctx, const char *path, JsonNode *node, TenderMethodPolicy *m)
{
    static const char *const keys[] = {"allow", "deny", NULL};
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL || !check_keys(ctx, path, obj, keys))
        return FALSE;
    if (json_object_has_member(obj, "allow")) {
        g_autofree char *p = path_member(path, "allow");
        if (!want_strv(ctx, p, json_object_get_member(obj, "allow"), region_item, &m->allow))
            return FALSE;
    }
    if (json_object_has_member(obj, "deny")) {
        g_autofree char *p = path_member(path, "deny");
        if (!want_strv(ctx, p, json_object_get_member(obj, "deny"), region_item_strict,
                       &m->deny))
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

static gboolean load_method(Ctx *ctx, const char *path, const char *id, JsonNode *node)
{
    static const char *const keys[] = {
        "enabled", "regions", "currencies", "amounts", "limits", "tiers", "default_tier",
        "velocity", "fees", "step_up", "deadline_ms", "retries", "settings", NULL,
    };
    if (!method_id_valid(id))
        return fail(ctx, path, "a method id is 1 to 31 characters of a-z, 0-9 and _, "
                    "found \"%s\"", id);
    JsonObject *obj = want_object(ctx, path, node);
    if (obj == NULL || !check_keys(ctx, path, obj, keys))
        return FALSE;
    TenderMethodPolicy *m = method_policy_new(id);
    g_ptr_array_add(ctx->config->methods, m);
    g_hash_table_replace(ctx->config->by_id, m->id, m);

#define MEMBER(name) json_object_get_member(obj, name)
#define HAS(name) json_object_has_member(obj, name)
    g_autofree char *p_enabled = path_member(path, "enabled");
    g_autofree char *p_regions = path_member(path, "regions");
    g_autofree char *p_currencies = path_member(path, "currencies");
    g_autofree char *p_amounts = path_member(path, "amounts");
    g_autofree char *p_limits = path_member(path, "limits");
    g_autofree char *p_tiers = path_member(path, "tiers");
    g_autofree char *p_default = path_member(path, "default_tier");
    g_autofree char *p_velocity = path_member(path, "velocity");
    g_autofree char *p_fees = path_member(path, "fees");
    g_autofree char *p_step = path_member(path, "step_up");
    g_autofree char *p_deadline = path_member(path, "deadline_ms");
    g_autofree char *p_retries = path_member(path, "retries");
    g_autofree char *p_settings = path_member(path, "settings");

    if (HAS("enabled") && !want_bool(ctx, p_enabled, MEMBER("enabled"), &m->enabled))
        return FALSE;
    if (HAS("regions") && !load_regions(ctx, p_regions, MEMBER("regions"), m))
        return FALSE;
    if (HAS("currencies") &&
        !want_strv(ctx, p_currencies, MEMBER("currencies"), currency_item, &m->currencies))
        return FALSE;
    if (HAS("amounts") && !load_amounts(ctx, p_amounts, MEMBER("amounts"), m->amounts))
        return FALSE;
    if (HAS("limits") && !load_limits(ctx, p_limits, MEMBER("limits"), m->limits))
        return FALSE;
    if (HAS("tiers") && !load_tiers(ctx, p_tiers, MEMBER("tiers"), m->tiers))
        return FALSE;
    if (HAS("default_tier")) {
        const char *t = want_string(ctx, p_default, MEMBER("default_tier"));
        if (t == NULL)
            return FALSE;
        if (tender_method_policy_tier(m, t) == NULL) {
            /* Name what would be accepted, so the fix is one edit away. */
            g_autoptr(GString) names = g_string_new(NULL);
            for (guint i = 0; i < m->tiers->len; i++) {
                const TenderTierPolicy *tier = g_ptr_array_index(m->tiers, i);
                g_string_append_printf(names, "%s%s", i ? ", " : "", tier->name);
            }
            if (names->len == 0)
                return fail(ctx, p_default, "tier \"%s\" is not defined under \"tiers\" "
                            "(the method defines no tiers)", t);
            return fail(ctx, p_default, "tier \"%s\" is not defined under \"tiers\" "
                        "(its tiers: %s)", t, names->str);
        }
        m->default_tier = g_strdup(t);
    }
    if (HAS("velocity") && !load_velocity(ctx, p_velocity, MEMBER("velocity"), m->velocity))
        return FALSE;
    if (HAS("fees") && !load_fees(ctx, p_fees, MEMBER("fees"), m))
        return FALSE;
    if (HAS("step_up") && !load_step_up(ctx, p_step, MEMBER("step_up"), m))
        return FALSE;
    if (HAS("deadline_ms") &&
        !want_int(ctx, p_deadline, MEMBER("deadline_ms"), 1, 3600 * 1000, &m->deadline_ms))
        return FALSE;
    if (HAS("retries") && !load_retries(ctx, p_retries, MEMBER("retries"), m))
        return FALSE;
    if (HAS("settings")) {
        JsonObject *settings = want_object(ctx, p_settings, MEMBER("settings"));
        if (settings == NULL)
            return FALSE;
        g_hash_table_replace(ctx->config->settings, g_strdup(id), json_object_ref(settings));
    }
#undef MEMBER
#undef HAS
    return TRUE;
}

static gboolean load_root(Ctx *ctx, JsonNode *root)
{
    static const char *const keys[] = {
        "plugin_dirs", "ledger", "merchant", "reconcile", "exchange", "bin_countries",
        "methods", "user_assigned_regions", NULL,
    };
    TenderConfig *c = ctx->config;
    JsonObject *obj = want_object(ctx, "$", root);
    if (obj == NULL || !check_keys(ctx, "$", obj, keys))
        return FALSE;
#define MEMBER(name) json_object_get_member(obj, name)
#define HAS(name) json_object_has_member(obj, name)
    /* The declared user-assigned regions before any region is read. */
    if (HAS("user_assigned_regions")) {
        g_auto(GStrv) declared = NULL;
        if (!want_strv(ctx, "$.user_assigned_regions", MEMBER("user_assigned_regions"),
                       user_assigned_item, &declared))
            return FALSE;
    }
    /* The exchange first: every other money value needs its rates. */
    if (HAS("exchange") && !load_exchange(ctx, "$.exchange", MEMBER("exchange")))
        return FALSE;
    if (HAS("plugin_dirs") &&
        !want_strv(ctx, "$.plugin_dirs", MEMBER("plugin_dirs"), string_item, &c->plugin_dirs))
        return FALSE;
    if (HAS("ledger")) {
        const char *ledger = want_string(ctx, "$.ledger", MEMBER("ledger"));
        if (ledger == NULL)
            return FALSE;
        if (*ledger == '\0')
            return fail(ctx, "$.ledger", "must not be empty (leave the key out for the "
                        "default)");
        c->ledger = g_strdup(ledger);
    }
    if (HAS("merchant")) {
        static const char *const mkeys[] = {"region", NULL};
        JsonObject *m = want_object(ctx, "$.merchant", MEMBER("merchant"));
        if (m == NULL || !check_keys(ctx, "$.merchant", m, mkeys))
            return FALSE;
        if (json_object_has_member(m, "region")) {
            const char *region = NULL;
            if (!want_region(ctx, "$.merchant.region", json_object_get_member(m, "region"),
                             FALSE, &region))
                return FALSE;
            g_strlcpy(c->merchant_region, region, sizeof c->merchant_region);
        }
    }
    if (HAS("reconcile")) {
        static const char *const rkeys[] = {"pending_age_seconds", NULL};
        JsonObject *r = want_object(ctx, "$.reconcile", MEMBER("reconcile"));
        if (r == NULL || !check_keys(ctx, "$.reconcile", r, rkeys))
            return FALSE;
        if (json_object_has_member(r, "pending_age_seconds")) {
            gint64 secs = 0;
            if (!want_int(ctx, "$.reconcile.pending_age_seconds",
                          json_object_get_member(r, "pending_age_seconds"), 0,
                          G_MAXINT64 / 1000, &secs))
                return FALSE;
            c->reconcile_age_ms = secs * 1000;
        }
    }
    if (HAS("bin_countries") && !load_bins(ctx, "$.bin_countries", MEMBER("bin_countries")))
        return FALSE;
    if (HAS("methods")) {
        JsonObject *methods = want_object(ctx, "$.methods", MEMBER("methods"));
        if (methods == NULL)
            return FALSE;
        GList *members = json_object_get_members(methods);
        gboolean ok = TRUE;
        for (GList *l = members; l != NULL && ok; l = l->next) {
            g_autofree char *p = path_member("$.methods", l->data);
            ok = load_method(ctx, p, l->data, json_object_get_member(methods, l->data));
        }
        g_list_free(members);
        if (!ok)
            return FALSE;
    }
#undef MEMBER
#undef HAS
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */
/* ------------------------------------------------------------------------ */

/* json-glib reports "<data>:LINE:COL: Parse error: …"; keep the position,
 * replace the placeholder with our origin and name the root path. */
static void set_parse_error(const char *origin, const GError *perr, GError **error)
{
    const char *msg = perr->message;
    int line = 0, col = 0, consumed = 0;
    const char *colon = strstr(msg, ">:");
    if (g_str_has_prefix(msg, "<data>") && colon != NULL &&
        sscanf(colon + 2, "%d:%d: %n", &line, &col, &consumed) >= 2 && consumed > 0) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG,
                    "%s:%d:%d: $: malformed JSON: %s", origin, line, col,
                    colon + 2 + consumed);
    } else {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG, "%s: $: malformed JSON: %s",
                    origin, msg);
    }
}

TenderConfig *tender_config_load_data(const char *json, gssize length, const char *origin,
                                      GPtrArray *warnings, GError **error)
{
    (void)warnings; /* nothing non-fatal is found without the plugins */
    g_return_val_if_fail(json != NULL, NULL);
    if (origin == NULL)
        origin = "config";
    gsize len = length < 0 ? strlen(json) : (gsize)length;
    if (memchr(json, '\0', len) != NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG,
                    "%s: $: malformed JSON: the text contains a NUL byte", origin);
        return NULL;
    }
    if (!g_utf8_validate(json, (gssize)len, NULL)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG,
                    "%s: $: malformed JSON: the text is not valid UTF-8", origin);
        return NULL;
    }
    JsonParser *parser = json_parser_new_immutable();
    GError *perr = NULL;
    if (!json_parser_load_from_data(parser, json, (gssize)len, &perr)) {
        set_parse_error(origin, perr, error);
        g_error_free(perr);
        g_object_unref(parser);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_CONFIG,
                    "%s: $: malformed JSON: the document is empty", origin);
        g_object_unref(parser);
        return NULL;
    }

    Scanner scanner = {json, json + len, 1, NULL, NULL, 0};
    scanner.lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    scan_skip(&scanner);
    g_hash_table_replace(scanner.lines, g_strdup("$"), GINT_TO_POINTER(scanner.line));
    scan_value(&scanner, "$", 0);

    TenderConfig *config = config_new(origin);
    Ctx ctx = {config, origin, scanner.lines, error, FALSE};
    gboolean ok;
    if (scanner.duplicate != NULL) {
        ok = fail(&ctx, scanner.duplicate, "duplicate key (each key may appear once)");
    } else {
        ok = load_root(&ctx, root);
    }
    g_free(scanner.duplicate);
    g_hash_table_unref(scanner.lines);
    g_object_unref(parser);
    if (!ok) {
        tender_config_free(config);
        return NULL;
    }
    return config;
}

TenderConfig *tender_config_load_file(const char *path, GPtrArray *warnings, GError **error)
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
    TenderConfig *config = tender_config_load_data(text, (gssize)len, path, warnings, error);
    g_free(text);
    return config;
}

gboolean tender_config_check_file(const char *path, GPtrArray *warnings, GError **error)
{
    TenderConfig *config = tender_config_load_file(path, warnings, error);
    if (config == NULL)
        return FALSE;
    tender_config_free(config);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Warnings that need the plugins                                            */
/* ------------------------------------------------------------------------ */

static const TenderMethodInfo *find_info(const GPtrArray *methods, const char *id)
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

void tender_config_warn_unprovided(const TenderConfig *config, const GPtrArray *methods,
                                   GPtrArray *warnings)
{
    if (config == NULL || warnings == NULL)
        return;
    for (guint i = 0; i < config->methods->len; i++) {
        const TenderMethodPolicy *m = g_ptr_array_index(config->methods, i);
        const TenderMethodInfo *info = find_info(methods, m->id);
        if (info == NULL) {
            g_ptr_array_add(warnings,
                            g_strdup_printf("%s: $.methods.%s: method \"%s\" is configured but "
                                            "no loaded plugin provides it", config->origin,
                                            m->id, m->id));
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
                g_ptr_array_add(warnings,
                                g_strdup_printf("%s: $.methods.%s.regions.allow[%u]: the "
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

const char *const *tender_config_plugin_dirs(const TenderConfig *config)
{
    return (const char *const *)config->plugin_dirs;
}

const char *tender_config_ledger_path(const TenderConfig *config)
{
    return config->ledger;
}

const TenderMethodPolicy *tender_config_method(const TenderConfig *config,
                                               const char *method_id)
{
    if (config == NULL || method_id == NULL)
        return NULL;
    return g_hash_table_lookup(config->by_id, method_id);
}

const TenderTierPolicy *tender_method_policy_tier(const TenderMethodPolicy *policy,
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

gboolean tender_config_method_enabled(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = tender_config_method(config, method_id);
    return m == NULL || m->enabled;
}

gint64 tender_config_deadline_ms(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = tender_config_method(config, method_id);
    return m != NULL ? m->deadline_ms : DEFAULT_DEADLINE_MS;
}

guint tender_config_max_retries(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = tender_config_method(config, method_id);
    return m != NULL ? m->max_retries : DEFAULT_MAX_RETRIES;
}

gint64 tender_config_retry_backoff_ms(const TenderConfig *config, const char *method_id)
{
    const TenderMethodPolicy *m = tender_config_method(config, method_id);
    return m != NULL ? m->backoff_ms : DEFAULT_BACKOFF_MS;
}

gint64 tender_config_reconcile_age_ms(const TenderConfig *config)
{
    return config->reconcile_age_ms;
}

gboolean tender_config_region_declared(const TenderConfig *config, const char *region)
{
    if (!tender_region_is_user_assigned(region))
        return TRUE;
    return config->user_assigned != NULL &&
           g_strv_contains((const char *const *)config->user_assigned, region);
}

gboolean tender_config_check_buyer_region(const TenderConfig *config, const char *region,
                                          GError **error)
{
    if (region == NULL || !tender_region_is_valid(region)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown region '%s' (expected an ISO 3166-1 alpha-2 code such as US)",
                    region != NULL ? region : "");
        return FALSE;
    }
    if (!tender_config_region_declared(config, region)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "region '%s' is user-assigned (ISO 3166-1 leaves it to private use) and the "
                    "config does not declare it: list it in user_assigned_regions to accept it",
                    region);
        return FALSE;
    }
    return TRUE;
}

const char *tender_config_merchant_region(const TenderConfig *config)
{
    return config->merchant_region;
}

const char *tender_config_bin_country(const TenderConfig *config, const char *digits)
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

const char *tender_config_exchange_as_of(const TenderConfig *config)
{
    return config->as_of;
}

static JsonNode *setting(const TenderConfig *config, const char *method_id, const char *key)
{
    if (config == NULL || method_id == NULL || key == NULL)
        return NULL;
    JsonObject *settings = g_hash_table_lookup(config->settings, method_id);
    if (settings == NULL || !json_object_has_member(settings, key))
        return NULL;
    return json_object_get_member(settings, key);
}

int tender_config_setting_string(const TenderConfig *config, const char *method_id,
                                 const char *key, char *out, gsize out_size)
{
    JsonNode *node = setting(config, method_id, key);
    if (node == NULL)
        return 0;
    if (!is_value_of(node, G_TYPE_STRING))
        return -1;
    const char *text = json_node_get_string(node);
    if (out == NULL || strlen(text) + 1 > out_size)
        return -1;
    memcpy(out, text, strlen(text) + 1);
    return 1;
}

int tender_config_setting_int64(const TenderConfig *config, const char *method_id,
                                const char *key, gint64 *out)
{
    JsonNode *node = setting(config, method_id, key);
    if (node == NULL)
        return 0;
    if (!is_value_of(node, G_TYPE_INT64))
        return -1;
    if (out != NULL)
        *out = json_node_get_int(node);
    return 1;
}

int tender_config_setting_bool(const TenderConfig *config, const char *method_id,
                               const char *key, int *out)
{
    JsonNode *node = setting(config, method_id, key);
    if (node == NULL)
        return 0;
    if (!is_value_of(node, G_TYPE_BOOLEAN))
        return -1;
    if (out != NULL)
        *out = json_node_get_boolean(node) ? 1 : 0;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Exchange                                                                  */
/* ------------------------------------------------------------------------ */

gboolean tender_config_has_rate(const TenderConfig *config, const char *currency)
{
    return config != NULL && currency != NULL &&
           g_hash_table_contains(config->rates, currency);
}

static gboolean checked_mul(gint64 a, gint64 b, gint64 *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static gboolean pow10_checked(int n, gint64 *out)
{
    gint64 v = 1;
    for (int i = 0; i < n; i++) {
        if (!checked_mul(v, 10, &v))
            return FALSE;
    }
    *out = v;
    return TRUE;
}

static gint64 gcd64(gint64 a, gint64 b)
{
    while (b != 0) {
        gint64 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The exact factor num/den that turns minor units of `from` at from_exp into
 * minor units of `to` at to_exp, reduced. */
static gboolean conversion_factor(const TenderConfig *config, const char *from, int from_exp,
                                  const char *to, int to_exp, gint64 *num, gint64 *den)
{
    gint64 mf = 1, mt = 1;
    int sf = 0, st = 0;
    if (strcmp(from, to) != 0) {
        const Rate *rf = g_hash_table_lookup(config->rates, from);
        const Rate *rt = g_hash_table_lookup(config->rates, to);
        if (rf == NULL || rt == NULL)
            return FALSE;
        mf = rf->mantissa;
        sf = rf->scale;
        mt = rt->mantissa;
        st = rt->scale;
    }
    /* value_to = value_from * 10^-from_exp * (mt/10^st) / (mf/10^sf) * 10^to_exp */
    int p = (sf + to_exp) - (st + from_exp);
    gint64 n = mt, d = mf, scale = 1;
    if (!pow10_checked(p >= 0 ? p : -p, &scale))
        return FALSE;
    if (p >= 0 ? !checked_mul(n, scale, &n) : !checked_mul(d, scale, &d))
        return FALSE;
    gint64 g = gcd64(n, d);
    *num = n / g;
    *den = d / g;
    return TRUE;
}

gboolean tender_config_convert(const TenderConfig *config, gint64 amount, const char *from,
                               int from_exponent, const char *to, int to_exponent,
                               gint64 *out)
{
    if (config == NULL || from == NULL || to == NULL || out == NULL)
        return FALSE;
    if (from_exponent < 0)
        from_exponent = tender_currency_exponent(from);
    if (to_exponent < 0)
        to_exponent = tender_currency_exponent(to);
    if (from_exponent < 0 || to_exponent < 0)
        return FALSE;
    gint64 num = 1, den = 1;
    if (!conversion_factor(config, from, from_exponent, to, to_exponent, &num, &den))
        return FALSE;
    return tender_money_mul_div(amount, num, den, TRUE, out);
}

/* A configured rate as the exact decimal it was given: "7.1", "0.307", "150". */
static char *rate_decimal(const Rate *rate)
{
    char digits[24];
    g_snprintf(digits, sizeof digits, "%" G_GINT64_FORMAT, rate->mantissa);
    int n = (int)strlen(digits);
    if (rate->scale == 0)
        return g_strdup(digits);
    if (n > rate->scale)
        return g_strdup_printf("%.*s.%s", n - rate->scale, digits, digits + n - rate->scale);
    GString *text = g_string_new("0.");
    for (int zeros = rate->scale - n; zeros > 0; zeros--)
        g_string_append_c(text, '0');
    g_string_append(text, digits);
    return g_string_free(text, FALSE);
}

char *tender_config_rate_quote(const TenderConfig *config, const char *from, const char *to)
{
    if (config == NULL || from == NULL || to == NULL || strcmp(from, to) == 0)
        return NULL;
    const Rate *rf = g_hash_table_lookup(config->rates, from);
    const Rate *rt = g_hash_table_lookup(config->rates, to);
    if (rf == NULL || rt == NULL)
        return NULL;
    /* Rates are quoted against the base, so that is how the conversion is
     * written: one leg when either currency is the base, both otherwise. */
    GString *line = g_string_new(NULL);
    g_string_append_printf(line, "1 %s", config->base);
    const Rate *legs[] = {rf, rt};
    for (guint i = 0; i < G_N_ELEMENTS(legs); i++) {
        if (strcmp(legs[i]->code, config->base) == 0)
            continue;
        g_autofree char *decimal = rate_decimal(legs[i]);
        g_string_append_printf(line, " = %s %s", decimal, legs[i]->code);
    }
    if (config->as_of[0] != '\0')
        g_string_append_printf(line, " as of %s", config->as_of);
    return g_string_free(line, FALSE);
}

char *tender_config_rate_text(const TenderConfig *config, const char *from, const char *to)
{
    /* The rate of 1 `from` in `to`, to 6 decimals, trailing zeros dropped. */
    gint64 num = 1, den = 1, micro = 0;
    if (config == NULL || from == NULL || to == NULL ||
        !conversion_factor(config, from, 0, to, 6, &num, &den) ||
        !tender_money_mul_div(1, num, den, TRUE, &micro))
        return NULL;
    char *text = g_strdup_printf("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT, micro / 1000000,
                                 micro % 1000000);
    char *end = text + strlen(text) - 1;
    while (*end == '0')
        *end-- = '\0';
    if (*end == '.')
        *end = '\0';
    char *line;
    if (config->as_of[0] != '\0')
        line = g_strdup_printf("1 %s = %s %s as of %s", from, text, to, config->as_of);
    else
        line = g_strdup_printf("1 %s = %s %s", from, text, to);
    g_free(text);
    return line;
}
