/* Money in Tender: 64-bit integer minor units plus an ISO 4217 code.
 *
 * Decimal strings parse and format exactly with the currency's exponent: too
 * many decimals, a sign, an unknown code or an overflow is an error, never a
 * rounding. Every function is thread-safe (the currency table is constant).
 */
#ifndef TENDER_MONEY_H
#define TENDER_MONEY_H

#include <glib.h>

G_BEGIN_DECLS

/* The ISO 4217 exponent (minor-unit digits) of an active currency code, or
 * -1 when the code is not an active ISO 4217 currency. Case-sensitive:
 * codes are upper case. */
int tender_currency_exponent(const char *code);

/* TRUE when code is an active ISO 4217 currency. */
gboolean tender_currency_is_known(const char *code);

/* TRUE when region is a well-formed ISO 3166-1 alpha-2 code that is
 * assigned (or user-assigned: AA, QM-QZ, XA-XZ, ZZ). */
gboolean tender_region_is_valid(const char *region);

/* Parse a decimal amount ("12.5", "100", "1.234") of `currency` into minor
 * units. exponent is the number of decimals allowed; pass -1 for the
 * currency's ISO 4217 exponent (a method may declare its own, e.g. PayPal HUF
 * 0). Refuses: empty text, a sign, spaces, more decimals than the exponent,
 * an unknown currency, a value above G_MAXINT64 minor units. On error sets
 * TENDER_ERROR_INVALID_ARGUMENT with a message naming the text and currency.
 * The text may also be written "12.50 USD"; the code must then match. */
gboolean tender_money_parse(const char *text, const char *currency, int exponent,
                            gint64 *minor_out, GError **error);

/* Format minor units of currency as a decimal with exactly `exponent`
 * decimals (-1: ISO 4217), e.g. 1250 USD -> "12.50". Negative amounts get a
 * leading '-'. Returns a newly allocated string; free with g_free(). */
gchar *tender_money_format(gint64 minor, const char *currency, int exponent);

/* Convert minor units between exponents of one currency (e.g. ISO 2 to
 * PayPal's 0 for HUF). Returns FALSE when the amount is not exactly
 * representable at `to_exponent` or overflows. */
gboolean tender_money_rescale(gint64 minor, int from_exponent, int to_exponent,
                              gint64 *out);

/* Overflow-checked helpers: return FALSE on overflow. */
gboolean tender_money_add(gint64 a, gint64 b, gint64 *out);
gboolean tender_money_mul_div(gint64 value, gint64 mul, gint64 div,
                              gboolean round_half_up, gint64 *out);

G_END_DECLS

#endif /* TENDER_MONEY_H */
