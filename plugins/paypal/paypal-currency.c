/* PayPal's currencies and amount rules (METHODS.md, PayPal section). */
#include "paypal-currency.h"

#include <string.h>

#include <tender/sdk.h>

/* PayPal's list, in METHODS.md's order. Maximums are the typical
 * per-transaction limits in minor units of PayPal's decimals. */
static const PaypalCurrency currencies[] = {
    {"AUD", 2, 1250000, NULL},  /* 12,500.00 */
    {"BRL", 2, 0, "BR"},
    {"CAD", 2, 1250000, NULL},  /* 12,500.00 */
    {"CNY", 2, 0, "CN"},
    {"CZK", 2, 0, NULL},
    {"DKK", 2, 0, NULL},
    {"EUR", 2, 800000, NULL},   /* 8,000.00 */
    {"HKD", 2, 0, NULL},
    {"HUF", 0, 0, NULL},        /* ISO says 2; PayPal takes none */
    {"ILS", 2, 0, NULL},
    {"JPY", 0, 1000000, NULL},  /* 1,000,000 */
    {"MYR", 2, 0, "MY"},
    {"MXN", 2, 0, NULL},
    {"TWD", 0, 0, NULL},        /* ISO says 2; PayPal takes none */
    {"NZD", 2, 0, NULL},
    {"NOK", 2, 0, NULL},
    {"PHP", 2, 0, NULL},
    {"PLN", 2, 0, NULL},
    {"GBP", 2, 550000, NULL},   /* 5,500.00 */
    {"RUB", 2, 0, NULL},
    {"SGD", 2, 0, NULL},
    {"SEK", 2, 0, NULL},
    {"CHF", 2, 0, NULL},
    {"THB", 2, 0, NULL},
    {"USD", 2, 1000000, NULL},  /* 10,000.00 */
};

#define N_CURRENCIES (sizeof currencies / sizeof currencies[0])

/* Declared to the host. The exponent is given only where PayPal differs
 * from ISO 4217 or where ISO already says 0 (JPY: stated for clarity); -1
 * means "as ISO 4217", which is 2 for every other currency here. */
#define FACT(c, e, max, home) \
    {sizeof(tender_currency_fact), c, e, 0, max, home}
const tender_currency_fact paypal_currency_facts[] = {
    FACT("AUD", -1, 1250000, NULL), FACT("BRL", -1, 0, "BR"),
    FACT("CAD", -1, 1250000, NULL), FACT("CNY", -1, 0, "CN"),
    FACT("CZK", -1, 0, NULL),       FACT("DKK", -1, 0, NULL),
    FACT("EUR", -1, 800000, NULL),  FACT("HKD", -1, 0, NULL),
    FACT("HUF", 0, 0, NULL),        FACT("ILS", -1, 0, NULL),
    FACT("JPY", 0, 1000000, NULL),  FACT("MYR", -1, 0, "MY"),
    FACT("MXN", -1, 0, NULL),       FACT("TWD", 0, 0, NULL),
    FACT("NZD", -1, 0, NULL),       FACT("NOK", -1, 0, NULL),
    FACT("PHP", -1, 0, NULL),       FACT("PLN", -1, 0, NULL),
    FACT("GBP", -1, 550000, NULL),  FACT("RUB", -1, 0, NULL),
    FACT("SGD", -1, 0, NULL),       FACT("SEK", -1, 0, NULL),
    FACT("CHF", -1, 0, NULL),       FACT("THB", -1, 0, NULL),
    FACT("USD", -1, 1000000, NULL),
};
const size_t paypal_n_currency_facts = sizeof paypal_currency_facts / sizeof paypal_currency_facts[0];
_Static_assert(sizeof paypal_currency_facts / sizeof paypal_currency_facts[0] == PAYPAL_N_CURRENCIES,
               "PAYPAL_N_CURRENCIES must count paypal_currency_facts");
_Static_assert(sizeof currencies / sizeof currencies[0] == PAYPAL_N_CURRENCIES,
               "the rules table and the declared facts must list the same currencies");

const PaypalCurrency *paypal_currency_find(const char *code)
{
    if (code == NULL)
        return NULL;
    for (size_t i = 0; i < N_CURRENCIES; i++)
        if (strcmp(currencies[i].code, code) == 0)
            return &currencies[i];
    return NULL;
}

static int64_t pow10_i64(int n)
{
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

PaypalAmountStatus paypal_amount_to_paypal(const PaypalCurrency *cur, int64_t amount,
                                           int req_exponent, int64_t *out)
{
    if (req_exponent < 0 || req_exponent > 18)
        return PAYPAL_AMOUNT_BAD_EXPONENT;
    if (amount <= 0)
        return PAYPAL_AMOUNT_NOT_POSITIVE;
    if (req_exponent == cur->decimals) {
        *out = amount;
    } else if (req_exponent > cur->decimals) {
        /* The request has finer units than PayPal takes: only whole PayPal
         * units pass, anything else would be a rounding. */
        int64_t scale = pow10_i64(req_exponent - cur->decimals);
        if (amount % scale != 0)
            return PAYPAL_AMOUNT_PRECISION;
        *out = amount / scale;
    } else {
        int64_t scale = pow10_i64(cur->decimals - req_exponent);
        if (amount > INT64_MAX / scale)
            return PAYPAL_AMOUNT_BAD_EXPONENT;
        *out = amount * scale;
    }
    return PAYPAL_AMOUNT_OK;
}

int paypal_amount_from_paypal(const PaypalCurrency *cur, int64_t pp_amount, int req_exponent,
                              int64_t *out)
{
    if (req_exponent < 0 || req_exponent > 18)
        return 0;
    if (req_exponent >= cur->decimals) {
        int64_t scale = pow10_i64(req_exponent - cur->decimals);
        if (pp_amount > INT64_MAX / scale || pp_amount < -(INT64_MAX / scale))
            return 0;
        *out = pp_amount * scale;
    } else {
        int64_t scale = pow10_i64(cur->decimals - req_exponent);
        if (pp_amount % scale != 0)
            return 0;
        *out = pp_amount / scale;
    }
    return 1;
}

int paypal_amount_value(const PaypalCurrency *cur, int64_t pp_amount, char *out, size_t out_size)
{
    return tender_money_to_wire(pp_amount, cur->decimals, 0, out, out_size);
}

int paypal_amount_parse(const PaypalCurrency *cur, const char *value, int64_t *out)
{
    return tender_money_from_wire(value, cur->decimals, out);
}

const char *paypal_country_code(const char *region)
{
    if (region == NULL)
        return "";
    /* PayPal's country list writes China as C2 (its own code), not CN. */
    if (strcmp(region, "CN") == 0)
        return "C2";
    return region;
}
