/* Money conversion: exact rates, integer arithmetic, one rounding.
 *
 * A rate is kept as the decimal the operator wrote (mantissa and scale), never
 * as a double, so 1 USD = 7.1 CNY converts 100.00 USD into exactly 710.00 CNY.
 * A conversion multiplies by one reduced fraction and rounds half up once
 * (tender_money_mul_div), whatever the two currencies' exponents; the rounding
 * rule is documented in docs/config.md. */
#include "policy-exchange.h"

#include <string.h>

#include <tender/money.h>

/* 1 unit of the base currency is worth mantissa / 10^scale units of code. */
typedef struct {
    char code[4];
    gint64 mantissa;
    int scale;
} ExchangeRate;

struct PolicyExchange {
    char base[4];      /* "" when there is no base */
    char *as_of;       /* "" when none */
    GHashTable *rates; /* code -> ExchangeRate*, the base included at 1 */
};

PolicyExchange *policy_exchange_new(void)
{
    PolicyExchange *exchange = g_new0(PolicyExchange, 1);
    exchange->as_of = g_strdup("");
    exchange->rates = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    return exchange;
}

void policy_exchange_free(PolicyExchange *exchange)
{
    if (exchange == NULL)
        return;
    g_free(exchange->as_of);
    g_hash_table_unref(exchange->rates);
    g_free(exchange);
}

void policy_exchange_add_rate(PolicyExchange *exchange, const char *code, gint64 mantissa,
                              int scale)
{
    ExchangeRate *rate = g_new0(ExchangeRate, 1);
    g_strlcpy(rate->code, code, sizeof rate->code);
    rate->mantissa = mantissa;
    rate->scale = scale;
    g_hash_table_replace(exchange->rates, rate->code, rate);
}

void policy_exchange_set_base(PolicyExchange *exchange, const char *base)
{
    g_strlcpy(exchange->base, base, sizeof exchange->base);
    policy_exchange_add_rate(exchange, base, 1, 0);
}

void policy_exchange_set_as_of(PolicyExchange *exchange, const char *as_of)
{
    g_free(exchange->as_of);
    exchange->as_of = g_strdup(as_of);
}

const char *policy_exchange_base(const PolicyExchange *exchange)
{
    return exchange->base;
}

const char *policy_exchange_as_of(const PolicyExchange *exchange)
{
    return exchange->as_of;
}

gboolean policy_exchange_has_rate(const PolicyExchange *exchange, const char *currency)
{
    return exchange != NULL && currency != NULL &&
           g_hash_table_contains(exchange->rates, currency);
}

static gboolean exchange_pow10(int n, gint64 *out)
{
    gint64 v = 1;
    for (int i = 0; i < n; i++) {
        if (__builtin_mul_overflow(v, 10, &v))
            return FALSE;
    }
    *out = v;
    return TRUE;
}

static gint64 exchange_gcd(gint64 a, gint64 b)
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
static gboolean exchange_factor(const PolicyExchange *exchange, const char *from, int from_exp,
                                const char *to, int to_exp, gint64 *num, gint64 *den)
{
    gint64 mf = 1, mt = 1;
    int sf = 0, st = 0;
    if (strcmp(from, to) != 0) {
        const ExchangeRate *rf = g_hash_table_lookup(exchange->rates, from);
        const ExchangeRate *rt = g_hash_table_lookup(exchange->rates, to);
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
    if (!exchange_pow10(p >= 0 ? p : -p, &scale))
        return FALSE;
    if (p >= 0 ? __builtin_mul_overflow(n, scale, &n) : __builtin_mul_overflow(d, scale, &d))
        return FALSE;
    gint64 g = exchange_gcd(n, d);
    *num = n / g;
    *den = d / g;
    return TRUE;
}

gboolean policy_exchange_convert(const PolicyExchange *exchange, gint64 amount, const char *from,
                                 int from_exponent, const char *to, int to_exponent, gint64 *out)
{
    if (exchange == NULL || from == NULL || to == NULL || out == NULL)
        return FALSE;
    if (from_exponent < 0)
        from_exponent = tender_currency_exponent(from);
    if (to_exponent < 0)
        to_exponent = tender_currency_exponent(to);
    if (from_exponent < 0 || to_exponent < 0)
        return FALSE;
    gint64 num = 1, den = 1;
    if (!exchange_factor(exchange, from, from_exponent, to, to_exponent, &num, &den))
        return FALSE;
    return tender_money_mul_div(amount, num, den, TRUE, out);
}

/* A configured rate as the exact decimal it was given: "7.1", "0.307", "150". */
static char *exchange_rate_decimal(const ExchangeRate *rate)
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

char *policy_exchange_rate_quote(const PolicyExchange *exchange, const char *from, const char *to)
{
    if (exchange == NULL || from == NULL || to == NULL || strcmp(from, to) == 0)
        return NULL;
    const ExchangeRate *rf = g_hash_table_lookup(exchange->rates, from);
    const ExchangeRate *rt = g_hash_table_lookup(exchange->rates, to);
    if (rf == NULL || rt == NULL)
        return NULL;
    /* Rates are quoted against the base, so that is how the conversion is
     * written: one leg when either currency is the base, both otherwise. */
    GString *line = g_string_new(NULL);
    g_string_append_printf(line, "1 %s", exchange->base);
    const ExchangeRate *legs[] = {rf, rt};
    for (guint i = 0; i < G_N_ELEMENTS(legs); i++) {
        if (strcmp(legs[i]->code, exchange->base) == 0)
            continue;
        g_autofree char *decimal = exchange_rate_decimal(legs[i]);
        g_string_append_printf(line, " = %s %s", decimal, legs[i]->code);
    }
    if (exchange->as_of[0] != '\0')
        g_string_append_printf(line, " as of %s", exchange->as_of);
    return g_string_free(line, FALSE);
}

char *policy_exchange_rate_text(const PolicyExchange *exchange, const char *from, const char *to)
{
    /* The rate of 1 `from` in `to`, to 6 decimals, trailing zeros dropped. */
    gint64 num = 1, den = 1, micro = 0;
    if (exchange == NULL || from == NULL || to == NULL ||
        !exchange_factor(exchange, from, 0, to, 6, &num, &den) ||
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
    if (exchange->as_of[0] != '\0')
        line = g_strdup_printf("1 %s = %s %s as of %s", from, text, to, exchange->as_of);
    else
        line = g_strdup_printf("1 %s = %s %s", from, text, to);
    g_free(text);
    return line;
}
