/* Exact decimal money: parse, format, rescale, checked arithmetic.
 *
 * Nothing here ever rounds silently: an amount that does not fit the
 * currency's exponent is an error for the caller to report. */
#include <string.h>

#include <tender/money.h>
#include <tender/tender.h>

/* 10^n for n in 0..18, the range where it fits in gint64. */
static gboolean power_of_ten(int n, gint64 *out)
{
    if (n < 0 || n > 18)
        return FALSE;
    gint64 v = 1;
    while (n-- > 0)
        v *= 10;
    *out = v;
    return TRUE;
}

static gboolean invalid(GError **error, const char *text, const char *currency, const char *why)
{
    g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                "invalid amount '%s' for %s: %s", text ? text : "(null)",
                currency ? currency : "(no currency)", why);
    return FALSE;
}

gboolean tender_money_parse(const char *text, const char *currency, int exponent,
                            gint64 *minor_out, GError **error)
{
    if (currency == NULL || !tender_currency_is_known(currency)) {
        g_set_error(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT,
                    "unknown currency '%s' (expected an ISO 4217 code such as USD)",
                    currency ? currency : "");
        return FALSE;
    }
    if (exponent < 0)
        exponent = tender_currency_exponent(currency);
    if (text == NULL || *text == '\0')
        return invalid(error, text, currency, "empty");

    /* An optional " CODE" suffix must name the same currency. */
    g_autofree char *number = NULL;
    const char *space = strchr(text, ' ');
    if (space != NULL) {
        if (strcmp(space + 1, currency) != 0)
            return invalid(error, text, currency, "the currency code does not match");
        number = g_strndup(text, (gsize)(space - text));
    } else {
        number = g_strdup(text);
    }

    const char *p = number;
    if (*p == '-' || *p == '+')
        return invalid(error, text, currency, "a sign is not allowed");
    if (!g_ascii_isdigit(*p))
        return invalid(error, text, currency, "expected digits");

    gint64 value = 0;
    for (; g_ascii_isdigit(*p); p++)
        if (!tender_money_mul_div(value, 10, 1, FALSE, &value) ||
            !tender_money_add(value, *p - '0', &value))
            return invalid(error, text, currency, "too large");

    int decimals = 0;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p))
            return invalid(error, text, currency, "expected digits after the decimal point");
        for (; g_ascii_isdigit(*p); p++) {
            if (++decimals > exponent) {
                g_autofree char *why = g_strdup_printf(
                    "too many decimals (%s takes %d)", currency, exponent);
                return invalid(error, text, currency, why);
            }
            if (!tender_money_mul_div(value, 10, 1, FALSE, &value) ||
                !tender_money_add(value, *p - '0', &value))
                return invalid(error, text, currency, "too large");
        }
    }
    if (*p != '\0')
        return invalid(error, text, currency, "unexpected characters");

    gint64 scale;
    if (!power_of_ten(exponent - decimals, &scale) ||
        !tender_money_mul_div(value, scale, 1, FALSE, &value))
        return invalid(error, text, currency, "too large");
    *minor_out = value;
    return TRUE;
}

gchar *tender_money_format(gint64 minor, const char *currency, int exponent)
{
    if (exponent < 0)
        exponent = tender_currency_exponent(currency);
    if (exponent < 0)
        exponent = 2;
    gint64 scale = 1;
    power_of_ten(exponent, &scale);
    /* Unsigned magnitude so G_MININT64 formats too. */
    guint64 mag = minor < 0 ? (guint64)0 - (guint64)minor : (guint64)minor;
    if (exponent <= 18) {
        /* Digits by hand: g_strdup_printf cost about 1.7 k instructions a
         * call, and every outbox event formats three amounts (callgrind,
         * issue 17). digits[0] is the least significant; there are at
         * least exponent + 1 of them, so the whole part is never empty. */
        char digits[24];
        int n = 0;
        do {
            digits[n++] = (char)('0' + mag % 10);
            mag /= 10;
        } while (mag > 0);
        while (n < exponent + 1)
            digits[n++] = '0';
        char *text = g_malloc((gsize)n + 3);
        char *w = text;
        if (minor < 0)
            *w++ = '-';
        for (int i = n - 1; i >= 0; i--) {
            *w++ = digits[i];
            if (i == exponent && exponent > 0)
                *w++ = '.';
        }
        *w = '\0';
        return text;
    }
    guint64 whole = mag / (guint64)scale, frac = mag % (guint64)scale;
    if (exponent == 0)
        return g_strdup_printf("%s%" G_GUINT64_FORMAT, minor < 0 ? "-" : "", whole);
    return g_strdup_printf("%s%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT, minor < 0 ? "-" : "",
                           whole, exponent, frac);
}

gboolean tender_money_rescale(gint64 minor, int from_exponent, int to_exponent, gint64 *out)
{
    gint64 scale;
    if (to_exponent >= from_exponent) {
        if (!power_of_ten(to_exponent - from_exponent, &scale))
            return FALSE;
        return tender_money_mul_div(minor, scale, 1, FALSE, out);
    }
    if (!power_of_ten(from_exponent - to_exponent, &scale) || minor % scale != 0)
        return FALSE;
    *out = minor / scale;
    return TRUE;
}

gboolean tender_money_add(gint64 a, gint64 b, gint64 *out)
{
    gint64 r;
    if (__builtin_add_overflow(a, b, &r))
        return FALSE;
    *out = r;
    return TRUE;
}

gboolean tender_money_mul_div(gint64 value, gint64 mul, gint64 div, gboolean round_half_up,
                              gint64 *out)
{
    if (div == 0)
        return FALSE;
    /* 128-bit intermediate: value * mul cannot overflow before the division. */
    __int128 product = (__int128)value * mul;
    __int128 quotient = product / div, remainder = product % div;
    if (round_half_up && remainder != 0) {
        __int128 twice = remainder < 0 ? -remainder * 2 : remainder * 2;
        __int128 d = div < 0 ? -(__int128)div : div;
        if (twice >= d)
            quotient += ((product < 0) != (div < 0)) ? -1 : 1;
    }
    if (quotient > G_MAXINT64 || quotient < G_MININT64)
        return FALSE;
    *out = (gint64)quotient;
    return TRUE;
}
