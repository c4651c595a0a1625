/* Checking the payment details of an authorize/purchase request: number
 * (brand, length, Luhn), expiry, security code, holder. The only place the
 * full number and the security code are read; they never leave the
 * card_input they are copied into, which the caller wipes. */
#ifndef CARD_VALIDATE_H
#define CARD_VALIDATE_H

#include <stdint.h>

#include <tender/plugin.h>

#include "card-brand.h"
#include "card-config.h"

#define CARD_MAX_DIGITS 19
#define CARD_MIN_DIGITS 12

typedef struct {
    /* SENSITIVE: the number's digits (spaces and dashes removed). */
    char digits[CARD_MAX_DIGITS + 1];
    card_brand brand;
    /* Display data, safe to show and store. */
    char first6[7];
    char last4[5];
    int exp_month;
    int exp_year;
    /* Whether a security code was given (its value is not kept). */
    int has_cvc;
} card_input;

/* Validate req's parameters at the host time now_ms. Returns 1 with *in
 * filled, or 0 with res DECLINED (invalid_request, invalid_number,
 * invalid_expiry, invalid_security_code) and a message naming the
 * parameter, never its value. When the number was valid, in->brand, first6
 * and last4 are set even on a later failure. Always call card_input_wipe. */
int card_input_parse(const card_config *config, const tender_request *req, int64_t now_ms,
                     card_input *in, tender_result *res);

/* Erase the number from memory. */
void card_input_wipe(card_input *in);

/* First millisecond (UTC) after a card expiring in month/year stops being
 * valid: 00:00:00.000 on the first day of the next month. */
int64_t card_expiry_end_ms(int month, int year);

/* The UTC calendar year of a time in ms since the epoch. */
int card_utc_year(int64_t ms);

#endif
