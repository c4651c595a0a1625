/* Card brands: detection from the issuer identification number (IIN), the
 * lengths and security-code rules of each brand, its 3-D Secure ECI family,
 * and the small sandbox BIN table that knows some issuing countries.
 * Everything here is constant data and pure functions: thread-safe. */
#ifndef CARD_BRAND_H
#define CARD_BRAND_H

#include <stddef.h>

typedef enum {
    CARD_BRAND_UNKNOWN = 0,
    CARD_BRAND_VISA,
    CARD_BRAND_MASTERCARD,
    CARD_BRAND_AMEX,
    CARD_BRAND_DISCOVER,
    CARD_BRAND_JCB,
    CARD_BRAND_UNIONPAY,
    CARD_BRAND_DINERS,
    CARD_BRAND_MAESTRO,
    CARD_BRAND_MIR
} card_brand;

/* Which ECI values a brand's 3-D Secure results use. */
typedef enum {
    CARD_ECI_VISA_FAMILY,       /* 05 authenticated, 06 attempted, 07 none */
    CARD_ECI_MASTERCARD_FAMILY  /* 02 authenticated, 01 attempted, 00 none */
} card_eci_family;

/* The brand whose IIN prefix matches the start of digits (ASCII digits only),
 * trying the longest prefixes first so that e.g. 6011 (Discover) wins over
 * 6 (Maestro). CARD_BRAND_UNKNOWN when nothing matches. */
card_brand card_brand_detect(const char *digits);

/* The display name of a brand as Tender reports it ("visa", "amex", …);
 * "unknown" for CARD_BRAND_UNKNOWN. */
const char *card_brand_name(card_brand brand);

/* The brand named name (as card_brand_name), or CARD_BRAND_UNKNOWN. */
card_brand card_brand_from_name(const char *name);

/* TRUE (1) when a number of len digits is a valid length for brand. */
int card_brand_length_ok(card_brand brand, size_t len);

/* A human list of the brand's valid lengths for messages ("13, 16 or 19"). */
const char *card_brand_lengths_text(card_brand brand);

/* Digits of the brand's security code (3, or 4 for Amex). */
int card_brand_cvc_length(card_brand brand);

/* TRUE when the brand's cards may have no security code (Maestro). */
int card_brand_cvc_optional(card_brand brand);

/* The ECI family of a brand (Mastercard and Maestro: Mastercard's). */
card_eci_family card_brand_eci_family(card_brand brand);

/* The ECI for a 3-D Secure status ('Y', 'A', anything else: none) in the
 * brand's family, e.g. "05" for a Visa card authenticated with Y. */
const char *card_brand_eci(card_brand brand, char three_ds_status);

/* The issuing country (ISO 3166-1 alpha-2) the sandbox BIN table gives the
 * number's leading digits, or NULL when the table does not know it. */
const char *card_bin_country(const char *digits);

#endif
