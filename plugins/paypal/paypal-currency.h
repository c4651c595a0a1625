/* PayPal's currency rules: which currencies, how many decimals PayPal takes
 * for each (HUF, JPY, TWD: none), per-transaction maximums, in-country-only
 * currencies, and how amounts are written on the wire. */
#ifndef PAYPAL_CURRENCY_H
#define PAYPAL_CURRENCY_H

#include <stddef.h>
#include <stdint.h>

#include <tender/plugin.h>

/* One currency as PayPal treats it. */
typedef struct {
    const char *code;        /* ISO 4217 */
    int decimals;            /* PayPal's decimals (0 for HUF, JPY, TWD) */
    int64_t max_amount;      /* typical per-transaction maximum, minor units; 0: none */
    const char *home_region; /* in-country only (BRL, MYR, CNY); NULL otherwise */
} PaypalCurrency;

/* The currency facts declared to the host, in METHODS.md's order. */
#define PAYPAL_N_CURRENCIES 25
extern const tender_currency_fact paypal_currency_facts[];
extern const size_t paypal_n_currency_facts;

/* PayPal's rules for code, or NULL when PayPal does not take it. */
const PaypalCurrency *paypal_currency_find(const char *code);

/* Outcome of converting a request amount to PayPal's minor units. */
typedef enum {
    PAYPAL_AMOUNT_OK = 0,
    PAYPAL_AMOUNT_NOT_POSITIVE,  /* zero or negative */
    PAYPAL_AMOUNT_PRECISION,     /* more decimals than PayPal takes: DECIMAL_PRECISION */
    PAYPAL_AMOUNT_BAD_EXPONENT   /* the request's exponent is nonsense or overflows */
} PaypalAmountStatus;

/* Convert amount (minor units at req_exponent decimals) to PayPal minor
 * units of cur. The host normally sends PayPal's own exponent; any other
 * exponent is converted exactly or refused (10.50 HUF becomes 10, 10.5 HUF is
 * DECIMAL_PRECISION). */
PaypalAmountStatus paypal_amount_to_paypal(const PaypalCurrency *cur, int64_t amount,
                                           int req_exponent, int64_t *out);

/* Convert PayPal minor units back to the request's exponent (exact for every
 * amount that came from a request). Returns 0 on overflow or when not exact. */
int paypal_amount_from_paypal(const PaypalCurrency *cur, int64_t pp_amount, int req_exponent,
                              int64_t *out);

/* Write pp_amount as PayPal's "value" string ("10.50", "1000" for HUF). */
int paypal_amount_value(const PaypalCurrency *cur, int64_t pp_amount, char *out, size_t out_size);

/* Parse a "value" string with cur's decimals; 0 when malformed. */
int paypal_amount_parse(const PaypalCurrency *cur, const char *value, int64_t *out);

/* The country code PayPal writes for an ISO 3166-1 region: "C2" for China,
 * the region itself otherwise (NULL/empty stays empty). */
const char *paypal_country_code(const char *region);

#endif
