/* The IIN table and the per-brand rules of METHODS.md. */
#include "card-brand.h"

#include <string.h>

/* One IIN range: the first `digits` digits of a number, read as an integer,
 * fall within [low, high]. */
typedef struct {
    unsigned digits;
    unsigned low;
    unsigned high;
    card_brand brand;
} iin_range;

/* Ordered longest prefix first: detection takes the first match, so a
 * specific range (Discover 6011) always beats a broad one (Maestro 6), and
 * Maestro's "6 where no other brand matches" is simply the last entry. */
static const iin_range iin_table[] = {
    {4, 2221, 2720, CARD_BRAND_MASTERCARD},
    {4, 2200, 2204, CARD_BRAND_MIR},
    {4, 6011, 6011, CARD_BRAND_DISCOVER},
    {4, 3528, 3589, CARD_BRAND_JCB},
    {3, 644, 649, CARD_BRAND_DISCOVER},
    {3, 300, 305, CARD_BRAND_DINERS},
    {2, 51, 55, CARD_BRAND_MASTERCARD},
    {2, 34, 34, CARD_BRAND_AMEX},
    {2, 37, 37, CARD_BRAND_AMEX},
    {2, 65, 65, CARD_BRAND_DISCOVER},
    {2, 62, 62, CARD_BRAND_UNIONPAY},
    {2, 81, 81, CARD_BRAND_UNIONPAY},
    {2, 36, 36, CARD_BRAND_DINERS},
    {2, 38, 39, CARD_BRAND_DINERS},
    {2, 50, 50, CARD_BRAND_MAESTRO},
    {2, 56, 58, CARD_BRAND_MAESTRO},
    {1, 4, 4, CARD_BRAND_VISA},
    {1, 6, 6, CARD_BRAND_MAESTRO},
};

/* Per-brand facts, indexed by card_brand. lengths is a bit set: bit n set
 * means n digits are allowed. */
typedef struct {
    const char *name;
    unsigned long lengths;
    const char *lengths_text;
    int cvc_length;
    int cvc_optional;
    card_eci_family eci_family;
} brand_facts;

#define LEN(n) (1ul << (n))
#define LEN_RANGE(lo, hi) (((1ul << ((hi) + 1)) - 1) & ~((1ul << (lo)) - 1))

static const brand_facts facts[] = {
    [CARD_BRAND_UNKNOWN] = {"unknown", 0, "", 3, 0, CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_VISA] = {"visa", LEN(13) | LEN(16) | LEN(19), "13, 16 or 19", 3, 0,
                         CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_MASTERCARD] = {"mastercard", LEN(16), "16", 3, 0, CARD_ECI_MASTERCARD_FAMILY},
    [CARD_BRAND_AMEX] = {"amex", LEN(15), "15", 4, 0, CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_DISCOVER] = {"discover", LEN_RANGE(16, 19), "16 to 19", 3, 0,
                             CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_JCB] = {"jcb", LEN_RANGE(16, 19), "16 to 19", 3, 0, CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_UNIONPAY] = {"unionpay", LEN_RANGE(14, 19), "14 to 19", 3, 0,
                             CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_DINERS] = {"diners", LEN_RANGE(14, 19), "14 to 19", 3, 0,
                           CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_MAESTRO] = {"maestro", LEN_RANGE(12, 19), "12 to 19", 3, 1,
                            CARD_ECI_MASTERCARD_FAMILY},
    [CARD_BRAND_MIR] = {"mir", LEN_RANGE(16, 19), "16 to 19", 3, 0, CARD_ECI_VISA_FAMILY},
};

static const brand_facts *facts_of(card_brand brand)
{
    if ((size_t)brand >= sizeof facts / sizeof facts[0])
        brand = CARD_BRAND_UNKNOWN;
    return &facts[brand];
}

card_brand card_brand_detect(const char *digits)
{
    if (digits == NULL)
        return CARD_BRAND_UNKNOWN;
    size_t len = strlen(digits);
    for (size_t i = 0; i < sizeof iin_table / sizeof iin_table[0]; i++) {
        const iin_range *r = &iin_table[i];
        if (len < r->digits)
            continue;
        unsigned prefix = 0;
        for (unsigned d = 0; d < r->digits; d++)
            prefix = prefix * 10 + (unsigned)(digits[d] - '0');
        if (prefix >= r->low && prefix <= r->high)
            return r->brand;
    }
    return CARD_BRAND_UNKNOWN;
}

const char *card_brand_name(card_brand brand)
{
    return facts_of(brand)->name;
}

card_brand card_brand_from_name(const char *name)
{
    if (name == NULL)
        return CARD_BRAND_UNKNOWN;
    for (size_t b = 1; b < sizeof facts / sizeof facts[0]; b++)
        if (strcmp(facts[b].name, name) == 0)
            return (card_brand)b;
    return CARD_BRAND_UNKNOWN;
}

int card_brand_length_ok(card_brand brand, size_t len)
{
    return len < 8 * sizeof(unsigned long) && (facts_of(brand)->lengths & (1ul << len)) != 0;
}

const char *card_brand_lengths_text(card_brand brand)
{
    return facts_of(brand)->lengths_text;
}

int card_brand_cvc_length(card_brand brand)
{
    return facts_of(brand)->cvc_length;
}

int card_brand_cvc_optional(card_brand brand)
{
    return facts_of(brand)->cvc_optional;
}

card_eci_family card_brand_eci_family(card_brand brand)
{
    return facts_of(brand)->eci_family;
}

const char *card_brand_eci(card_brand brand, char three_ds_status)
{
    int mastercard = card_brand_eci_family(brand) == CARD_ECI_MASTERCARD_FAMILY;
    switch (three_ds_status) {
    case 'Y':
        return mastercard ? "02" : "05";
    case 'A':
        return mastercard ? "01" : "06";
    default:
        return mastercard ? "00" : "07";
    }
}

/* The sandbox's BIN table: the test numbers' issuers, kept equal to the
 * "bin_countries" of the embedded default config so the host's step-up rule
 * (issuer country differs from the buyer's region) and the country shown
 * agree. The longest matching prefix wins. A live processor would answer
 * this from its own BIN database. */
static const struct {
    const char *prefix;
    const char *country;
} bin_countries[] = {
    {"400000", "US"}, {"400008", "US"}, {"410000", "US"}, {"424242", "US"},
    {"555555", "US"}, {"222300", "DE"}, {"378282", "US"}, {"601111", "US"},
    {"356600", "JP"}, {"362272", "US"}, {"620000", "CN"}, {"620550", "CN"},
    {"2200", "RU"},   {"2201", "RU"},   {"2202", "RU"},   {"2203", "RU"},
    {"2204", "RU"},   {"676770", "GB"},
};

const char *card_bin_country(const char *digits)
{
    if (digits == NULL)
        return NULL;
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof bin_countries / sizeof bin_countries[0]; i++) {
        size_t n = strlen(bin_countries[i].prefix);
        if (n > best_len && strncmp(digits, bin_countries[i].prefix, n) == 0) {
            best = bin_countries[i].country;
            best_len = n;
        }
    }
    return best;
}
