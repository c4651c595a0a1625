/* $.exchange: the base currency, the rates' date and the rates, read into
 * the policy's exchange table (policy-exchange.c), which alone converts.
 *
 * Rates are read as exact decimals: a string ("7.1"), an integer or a JSON
 * number, which is turned back into the shortest text that reads as the same
 * double, so 7.1 is 7.1 and not 7.0999999999999996. */
#include "config-private.h"

#include <stdio.h>
#include <string.h>

#define EXCHANGE_MAX_RATE_DIGITS 18

/* A positive exact decimal ("7.1", 7.1 or 7). */
/* The rate as mantissa / 10^scale. */
static gboolean exchange_read_rate(ConfigLoad *ctx, const char *path, JsonNode *node,
                                   gint64 *out_mantissa, int *out_scale)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    const char *text;
    if (config_json_holds(node, G_TYPE_STRING)) {
        text = json_node_get_string(node);
    } else if (config_json_holds(node, G_TYPE_INT64)) {
        g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int(node));
        text = buf;
    } else if (config_json_holds(node, G_TYPE_DOUBLE)) {
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
        return config_json_fail(&ctx->json, path,
                                "expected a rate (a decimal string or number), found %s",
                                config_json_kind(node));
    }
    if (text[0] == '-')
        return config_json_fail(&ctx->json, path, "rate \"%s\" must be positive", text);
    gint64 mantissa = 0;
    int scale = 0, digits = 0;
    gboolean seen_dot = FALSE;
    for (const char *c = text; *c; c++) {
        if (*c == '.' && !seen_dot) {
            seen_dot = TRUE;
            continue;
        }
        if (!g_ascii_isdigit(*c))
            return config_json_fail(&ctx->json, path, "rate \"%s\" is not a plain decimal number",
                                    text);
        if (mantissa == 0 && *c == '0') {
            if (seen_dot)
                scale++;
            continue;
        }
        if (++digits > EXCHANGE_MAX_RATE_DIGITS)
            return config_json_fail(&ctx->json, path,
                                    "rate \"%s\" has too many digits (at most %d)", text,
                                    EXCHANGE_MAX_RATE_DIGITS);
        mantissa = mantissa * 10 + (*c - '0');
        if (seen_dot)
            scale++;
    }
    if (mantissa == 0)
        return config_json_fail(&ctx->json, path, "rate \"%s\" must be positive", text);
    /* Drop trailing zeros of the fraction: keeps the numbers small. */
    while (scale > 0 && mantissa % 10 == 0) {
        mantissa /= 10;
        scale--;
    }
    if (scale > 12)
        return config_json_fail(&ctx->json, path, "rate \"%s\" has more than 12 decimals", text);
    *out_mantissa = mantissa;
    *out_scale = scale;
    return TRUE;
}

/* What the rate visitor needs beside each rate. */
typedef struct {
    ConfigLoad *ctx;
    const char *base;
} ExchangeFill;

static gboolean exchange_rate_entry(const char *path, const char *code, JsonNode *value,
                                    gpointer data)
{
    ExchangeFill *fill = data;
    gint64 mantissa = 0;
    int scale = 0;
    if (!config_json_currency_key(&fill->ctx->json, path, code) ||
        !exchange_read_rate(fill->ctx, path, value, &mantissa, &scale))
        return FALSE;
    if (strcmp(code, fill->base) == 0) {
        if (mantissa != 1 || scale != 0)
            return config_json_fail(&fill->ctx->json, path, "the base currency's rate must be 1");
        return TRUE;
    }
    policy_exchange_add_rate(fill->ctx->config->exchange, code, mantissa, scale);
    return TRUE;
}

gboolean config_load_exchange(ConfigLoad *ctx, const char *path, JsonNode *node)
{
    static const char *const keys[] = {"base", "as_of", "rates", NULL};
    TenderConfig *c = ctx->config;
    JsonObject *obj = config_json_object(&ctx->json, path, node);
    if (obj == NULL || !config_json_check_keys(&ctx->json, path, obj, keys))
        return FALSE;
    g_autofree char *base_path = config_json_member_path(path, "base");
    if (!json_object_has_member(obj, "base"))
        return config_json_fail(&ctx->json, base_path,
                                "missing: the currency rates are quoted against");
    char base[4];
    if (!config_json_currency(&ctx->json, base_path, json_object_get_member(obj, "base"), base))
        return FALSE;
    policy_exchange_set_base(c->exchange, base);

    if (json_object_has_member(obj, "as_of")) {
        g_autofree char *p = config_json_member_path(path, "as_of");
        const char *date = config_json_string(&ctx->json, p, json_object_get_member(obj, "as_of"));
        if (date == NULL)
            return FALSE;
        int y = 0, m = 0, d = 0;
        char tail = 0;
        if (strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
            !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
            return config_json_fail(&ctx->json, p,
                                    "expected a date written YYYY-MM-DD, found \"%s\"", date);
        policy_exchange_set_as_of(c->exchange, date);
    }
    if (json_object_has_member(obj, "rates")) {
        g_autofree char *p = config_json_member_path(path, "rates");
        ExchangeFill fill = {ctx, base};
        if (!config_json_each_member(&ctx->json, p, json_object_get_member(obj, "rates"),
                                     exchange_rate_entry, &fill))
            return FALSE;
    }
    return TRUE;
}

/* Money keyed by currency also needs an exchange rate: Tender converts it
 * whenever a payment is in another currency. */
gboolean config_load_need_rate(ConfigLoad *ctx, const char *path, const char *currency)
{
    if (policy_exchange_has_rate(ctx->config->exchange, currency))
        return TRUE;
    if (policy_exchange_base(ctx->config->exchange)[0] == '\0')
        return config_json_fail(&ctx->json, path,
                                "no exchange rate for %s: add an \"exchange\" section with a "
                                "base and rates",
                                currency);
    return config_json_fail(&ctx->json, path, "no exchange rate for %s: add it to $.exchange.rates",
                            currency);
}
