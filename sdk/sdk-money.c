/* Digits, the Luhn check and wire decimals: the arithmetic of amounts and
 * card numbers that must be exact, in integers only. */
#include <tender/sdk.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int tender_all_digits(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int tender_luhn_valid(const char *digits)
{
    if (!tender_all_digits(digits))
        return 0;
    size_t len = strlen(digits);
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int d = digits[len - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

int tender_money_to_wire(int64_t amount, int exponent, int trim_zeros,
                         char *out, size_t out_size)
{
    if (exponent < 0 || exponent > 18 || out == NULL)
        return 0;
    int negative = amount < 0;
    /* Work in unsigned so INT64_MIN has a magnitude. */
    uint64_t mag = negative ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
    uint64_t scale = 1;
    for (int i = 0; i < exponent; i++)
        scale *= 10;
    uint64_t whole = mag / scale, frac = mag % scale;
    char frac_text[24] = "";
    if (exponent > 0) {
        snprintf(frac_text, sizeof frac_text, "%0*llu", exponent, (unsigned long long)frac);
        if (trim_zeros) {
            size_t n = strlen(frac_text);
            while (n > 0 && frac_text[n - 1] == '0')
                frac_text[--n] = '\0';
        }
    }
    int n = snprintf(out, out_size, "%s%llu%s%s", negative ? "-" : "",
                     (unsigned long long)whole, frac_text[0] ? "." : "", frac_text);
    return n >= 0 && (size_t)n < out_size;
}

int tender_money_from_wire(const char *text, int exponent, int64_t *amount)
{
    if (text == NULL || amount == NULL || exponent < 0 || exponent > 18)
        return 0;
    const char *p = text;
    if (!isdigit((unsigned char)*p))
        return 0;
    uint64_t value = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (value > (uint64_t)INT64_MAX / 10)
            return 0;
        value = value * 10 + (uint64_t)(*p - '0');
    }
    int decimals = 0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        for (; isdigit((unsigned char)*p); p++) {
            if (++decimals > exponent)
                return 0;
            if (value > (uint64_t)INT64_MAX / 10)
                return 0;
            value = value * 10 + (uint64_t)(*p - '0');
        }
    }
    if (*p != '\0')
        return 0;
    for (; decimals < exponent; decimals++) {
        if (value > (uint64_t)INT64_MAX / 10)
            return 0;
        value *= 10;
    }
    if (value > (uint64_t)INT64_MAX)
        return 0;
    *amount = (int64_t)value;
    return 1;
}
