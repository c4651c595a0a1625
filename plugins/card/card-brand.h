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
    CARD_BRAND_MIR,
    CARD_BRAND_ELO,
    CARD_BRAND_HIPER,
    CARD_BRAND_HIPERCARD,
    CARD_BRAND_VERVE,
    CARD_BRAND_COUNT /* not a brand: the number of values above */
} card_brand;

/* Which ECI values a brand's 3-D Secure results use. */
typedef enum {
    CARD_ECI_VISA_FAMILY,       /* 05 authenticated, 06 attempted, 07 none */
    CARD_ECI_MASTERCARD_FAMILY  /* 02 authenticated, 01 attempted, 00 none */
} card_eci_family;

/* Everything Tender knows of one brand. Instances are static constant data:
 * never freed, valid for the life of the process, safe to share between
 * threads. */
typedef struct {
    card_brand brand;
    /* Tender's lower-case id, as reported in display_brand ("visa", "amex",
     * "diners"); stable, stored in payment state. */
    const char *name;
    /* The brand as people write it ("Visa", "American Express"). */
    const char *display_name;
    /* The allowed number lengths as a bit set: bit n set means n digits. */
    unsigned long lengths;
    /* The same lengths for messages ("16, 18 or 19", "12 to 19"). */
    const char *lengths_text;
    /* Digits of the security code (3; 4 for American Express). */
    int code_length;
    /* 1 when the brand's cards may have no security code (Maestro). */
    int code_optional;
    /* What the brand calls its security code ("CVV", "CVC", "CID", …). */
    const char *code_name;
    card_eci_family eci_family;
} card_brand_info;

/* The brand of a card number from its leading digits, following the IIN
 * table of braintree's credit-card-type (docs/methods/card.md): of every
 * IIN range that the start of digits falls in, the longest (most specific)
 * one decides, so 6011 (Discover) beats 6 (Maestro) and 509000 (Elo) beats
 * 50 (Maestro); between equally long ranges the library's brand order
 * decides (Verve before Maestro).
 *
 * digits is a NUL-terminated string; only its leading ASCII digits are
 * read, and a range needs as many of them as it has digits: pass the whole
 * number (or at least its first 8 digits), not a shorter prefix. The length
 * of digits is NOT checked against the brand's lengths: use
 * card_brand_length_ok for that.
 *
 * Returns the brand's static info, or NULL when no range matches (or digits
 * is NULL). Thread-safe, allocates nothing. */
const card_brand_info *card_brand_identify(const char *digits);

/* The info of brand, or NULL for CARD_BRAND_UNKNOWN or an out-of-range
 * value. */
const card_brand_info *card_brand_info_of(card_brand brand);

/* The brand enum of card_brand_identify(digits), CARD_BRAND_UNKNOWN when
 * none. */
card_brand card_brand_detect(const char *digits);

/* The lower-case name of a brand as Tender reports it ("visa", "amex", …);
 * "unknown" for CARD_BRAND_UNKNOWN. */
const char *card_brand_name(card_brand brand);

/* The brand named name (as card_brand_name), or CARD_BRAND_UNKNOWN. */
card_brand card_brand_from_name(const char *name);

/* TRUE (1) when a number of len digits is a valid length for brand. */
int card_brand_length_ok(card_brand brand, size_t len);

/* A human list of the brand's valid lengths for messages ("16, 18 or 19");
 * "" for CARD_BRAND_UNKNOWN. */
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
