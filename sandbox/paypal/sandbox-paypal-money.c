/* PayPal's currencies and amounts.
 *
 * PayPal writes amounts as decimal strings ("10.99", "1000") with its own
 * decimals per currency: HUF, JPY and TWD take none (HUF and TWD differ
 * from ISO 4217, which gives them two). The sandbox keeps integers in
 * minor units of those decimals so totals and the over-capture ceiling are
 * exact. */
#include "sandbox-paypal-internal.h"

#include <string.h>

/* The currencies METHODS.md lists, with the typical per-transaction
 * maximums and the three that only in-country accounts use (China is
 * "C2" at PayPal). */
static const PaypalCurrency paypal_currencies[] = {
    {"AUD", 2, 1250000, NULL}, {"BRL", 2, 0, "BR"},       {"CAD", 2, 1250000, NULL},
    {"CNY", 2, 0, "C2"},       {"CZK", 2, 0, NULL},       {"DKK", 2, 0, NULL},
    {"EUR", 2, 800000, NULL},  {"HKD", 2, 0, NULL},       {"HUF", 0, 0, NULL},
    {"ILS", 2, 0, NULL},       {"JPY", 0, 1000000, NULL}, {"MYR", 2, 0, "MY"},
    {"MXN", 2, 0, NULL},       {"TWD", 0, 0, NULL},       {"NZD", 2, 0, NULL},
    {"NOK", 2, 0, NULL},       {"PHP", 2, 0, NULL},       {"PLN", 2, 0, NULL},
    {"GBP", 2, 550000, NULL},  {"RUB", 2, 0, NULL},       {"SGD", 2, 0, NULL},
    {"SEK", 2, 0, NULL},       {"CHF", 2, 0, NULL},       {"THB", 2, 0, NULL},
    {"USD", 2, 1000000, NULL},
};

const PaypalCurrency *paypal_currency_find(const char *code)
{
    if (code == NULL)
        return NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(paypal_currencies); i++)
        if (strcmp(paypal_currencies[i].code, code) == 0)
            return &paypal_currencies[i];
    return NULL;
}

static gint64 paypal_power_of_ten(int exponent)
{
    gint64 result = 1;
    while (exponent-- > 0)
        result *= 10;
    return result;
}

PaypalAmountCheck paypal_amount_parse(const PaypalCurrency *currency, const char *value,
                                      gint64 *minor_out)
{
    if (value == NULL || *value == '\0')
        return PAYPAL_AMOUNT_SYNTAX;
    /* PayPal's pattern: ^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$, at most 32
     * characters. A sign is syntax the schema allows; a negative amount is
     * then refused as not positive. */
    const char *p = value;
    gboolean negative = FALSE;
    if (*p == '-') {
        negative = TRUE;
        p++;
    }
    gint64 whole = 0;
    int whole_digits = 0;
    while (g_ascii_isdigit(*p)) {
        if (whole > G_MAXINT64 / 100 / 10)
            return PAYPAL_AMOUNT_SYNTAX;
        whole = whole * 10 + (*p - '0');
        whole_digits++;
        p++;
    }
    gint64 fraction = 0;
    int fraction_digits = 0;
    if (*p == '.') {
        p++;
        while (g_ascii_isdigit(*p)) {
            if (fraction_digits < 2)
                fraction = fraction * 10 + (*p - '0');
            fraction_digits++;
            p++;
        }
        if (fraction_digits == 0)
            return PAYPAL_AMOUNT_SYNTAX;
    }
    if (*p != '\0' || (whole_digits == 0 && fraction_digits == 0) || strlen(value) > 32)
        return PAYPAL_AMOUNT_SYNTAX;
    if (currency->decimals == 0 && fraction_digits > 0)
        return PAYPAL_AMOUNT_NO_DECIMALS;
    if (fraction_digits > 2)
        return PAYPAL_AMOUNT_PRECISION;
    while (fraction_digits < currency->decimals) {
        fraction *= 10;
        fraction_digits++;
    }
    gint64 minor = whole * paypal_power_of_ten(currency->decimals) + fraction;
    if (negative || minor <= 0)
        return PAYPAL_AMOUNT_NOT_POSITIVE;
    *minor_out = minor;
    return PAYPAL_AMOUNT_OK;
}

char *paypal_amount_format(const PaypalCurrency *currency, gint64 minor)
{
    if (currency->decimals == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT, minor);
    gint64 unit = paypal_power_of_ten(currency->decimals);
    return g_strdup_printf("%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT, minor / unit,
                           currency->decimals, minor % unit);
}

JsonNode *paypal_money_node(const char *currency_code, gint64 minor)
{
    const PaypalCurrency *currency = paypal_currency_find(currency_code);
    g_return_val_if_fail(currency != NULL, NULL);
    JsonObject *money = json_object_new();
    json_object_set_string_member(money, "currency_code", currency->code);
    char *value = paypal_amount_format(currency, minor);
    json_object_set_string_member(money, "value", value);
    g_free(value);
    JsonNode *node = json_node_init_object(json_node_alloc(), money);
    json_object_unref(money);
    return node;
}

gint64 paypal_capture_ceiling(const PaypalCurrency *currency, gint64 authorized_minor)
{
    /* 115% rounded down to the currency's unit. */
    gint64 ceiling = authorized_minor * 115 / 100;
    /* "or +75 USD, whichever is less": the sandbox has no exchange rates,
     * so the absolute cap applies to USD only (docs/decisions.md). */
    if (strcmp(currency->code, "USD") == 0 && ceiling > authorized_minor + 7500)
        ceiling = authorized_minor + 7500;
    return ceiling;
}
