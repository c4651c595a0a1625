/* The IIN table and the per-brand rules. The ranges, lengths and code
 * sizes follow braintree's credit-card-type (src/lib/card-types.ts, MIT,
 * 10.1 to 10.3 agree on these brands), which METHODS.md names as the
 * source; docs/methods/card.md lists them and where METHODS.md's summary
 * differs. */
#include "card-brand.h"

#include <string.h>

/* Ranges are compared on at most this many leading digits (Hiper's longest
 * IINs have 8). */
#define IIN_MAX_DIGITS 8

/* One IIN range: a number belongs to it when its first `width` digits,
 * read as an integer, lie in [low, high]. The width is the number of digits
 * of low (so 2221-2720 compares four digits and 4 one); low and high have
 * the same number of digits and no leading zero. */
typedef struct {
    unsigned width;
    unsigned long low;
    unsigned long high;
    card_brand brand;
} iin_range;

/* Decimal digits of a constant of 1 to IIN_MAX_DIGITS digits. */
#define DIGITS_OF(v)                                                                               \
    ((v) >= 10000000ul  ? 8                                                                        \
     : (v) >= 1000000ul ? 7                                                                        \
     : (v) >= 100000ul  ? 6                                                                        \
     : (v) >= 10000ul   ? 5                                                                        \
     : (v) >= 1000ul    ? 4                                                                        \
     : (v) >= 100ul     ? 3                                                                        \
     : (v) >= 10ul      ? 2                                                                        \
                        : 1)
#define IIN(low, high, brand)                                                                      \
    {                                                                                              \
        DIGITS_OF(low), low, high, CARD_BRAND_##brand                                              \
    }
#define IIN1(prefix, brand) IIN(prefix, prefix, brand)

/* Grouped by brand in credit-card-type's own order (visa, mastercard,
 * amex, diners, discover, jcb, unionpay, verve, maestro, elo, mir, hiper,
 * hipercard). Order only matters between two matching ranges of the same
 * length: the earlier brand wins, which today only happens where Verve's
 * six-digit IINs sit inside Maestro's six-digit ranges. Where the library
 * splits one span into pieces (Mastercard 2221-2229, 223-229, 23-26,
 * 270-271, 2720; UnionPay 8110-8171 in four parts, 622 in four overlapping
 * parts) we write the span once: no other brand has an IIN inside those
 * spans, so the outcome is the same. */
static const iin_range iin_table[] = {
    /* Visa: everything under 4 that no longer IIN claims. */
    IIN1(4, VISA),

    IIN(51, 55, MASTERCARD),
    IIN(2221, 2720, MASTERCARD),

    IIN1(34, AMEX),
    IIN1(37, AMEX),

    IIN(300, 305, DINERS),
    IIN1(36, DINERS),
    IIN(38, 39, DINERS),

    IIN1(6011, DISCOVER),
    IIN(644, 649, DISCOVER),
    IIN1(65, DISCOVER),

    IIN1(2131, JCB),
    IIN1(1800, JCB),
    IIN(3528, 3589, JCB),

    /* UnionPay's 62 and 81 are not whole: 62183, 62198-62199, 6271,
     * 6273-6275, 627780, 6278-6281, 6290 and 6293-6299 are not UnionPay
     * (they fall to Maestro's 6 or Elo), nor is 8172-8199 (no brand). */
    IIN1(620, UNIONPAY),
    IIN(62100, 62182, UNIONPAY),
    IIN(62184, 62197, UNIONPAY),
    IIN(622, 626, UNIONPAY),
    IIN1(6270, UNIONPAY),
    IIN1(6272, UNIONPAY),
    IIN1(6276, UNIONPAY),
    IIN(627700, 627779, UNIONPAY),
    IIN(627781, 627799, UNIONPAY),
    IIN(6282, 6289, UNIONPAY),
    IIN(6291, 6292, UNIONPAY),
    IIN1(810, UNIONPAY),
    IIN(8110, 8171, UNIONPAY),

    /* Verve: Nigerian IINs, all inside Maestro's 50 ranges below. */
    IIN(506099, 506127, VERVE),
    IIN1(506129, VERVE),
    IIN(506133, 506150, VERVE),
    IIN(506158, 506163, VERVE),
    IIN1(506166, VERVE),
    IIN1(506168, VERVE),
    IIN1(506170, VERVE),
    IIN1(506173, VERVE),
    IIN(506176, 506180, VERVE),
    IIN1(506184, VERVE),
    IIN(506187, 506188, VERVE),
    IIN1(506191, VERVE),
    IIN1(506195, VERVE),
    IIN1(506197, VERVE),
    IIN(507865, 507866, VERVE),
    IIN(507868, 507877, VERVE),
    IIN(507880, 507888, VERVE),
    IIN1(507900, VERVE),
    IIN1(507941, VERVE),

    /* Maestro: 50 except Elo's 504175, 506699-506778 and 509xxx; 56-59,
     * 63, 67, one Visa-range IIN, and last of all any 6 that nothing more
     * specific claims. */
    IIN1(493698, MAESTRO),
    IIN(500000, 504174, MAESTRO),
    IIN(504176, 506698, MAESTRO),
    IIN(506779, 508999, MAESTRO),
    IIN(56, 59, MAESTRO),
    IIN1(63, MAESTRO),
    IIN1(67, MAESTRO),
    IIN1(6, MAESTRO),

    /* Elo (Brazil): single IINs inside Visa's 4 and Maestro's 50 and 63,
     * and blocks inside Discover's 65 and UnionPay's 627. */
    IIN(401178, 401179, ELO),
    IIN1(431274, ELO),
    IIN1(438935, ELO),
    IIN1(451416, ELO),
    IIN1(457393, ELO),
    IIN(457631, 457632, ELO),
    IIN1(504175, ELO),
    IIN(506699, 506778, ELO),
    IIN(509000, 509999, ELO),
    IIN1(627780, ELO),
    IIN1(636297, ELO),
    IIN1(636368, ELO),
    IIN(650031, 650033, ELO),
    IIN(650035, 650051, ELO),
    IIN(650405, 650439, ELO),
    IIN(650485, 650538, ELO),
    IIN(650541, 650598, ELO),
    IIN(650700, 650718, ELO),
    IIN(650720, 650727, ELO),
    IIN(650901, 650978, ELO),
    IIN(651652, 651679, ELO),
    IIN(655000, 655019, ELO),
    IIN(655021, 655058, ELO),

    IIN(2200, 2204, MIR),

    /* Hiper (Brazil), inside Maestro's 63; two IINs are 8 digits long. */
    IIN1(637095, HIPER),
    IIN1(637568, HIPER),
    IIN1(637599, HIPER),
    IIN1(637609, HIPER),
    IIN1(637612, HIPER),
    IIN1(63737423, HIPER),
    IIN1(63743358, HIPER),

    /* Hipercard (Brazil), inside Maestro's 6. */
    IIN1(606282, HIPERCARD),
};

#undef IIN
#undef IIN1
#undef DIGITS_OF

#define LEN(n) (1ul << (n))
#define LEN_RANGE(lo, hi) (((1ul << ((hi) + 1)) - 1) & ~((1ul << (lo)) - 1))

/* Per-brand facts, indexed by card_brand. Lengths and code sizes are the
 * library's; Maestro's optional code is METHODS.md's (the library has no
 * notion of it); the ECI family is the 3-D Secure rule of METHODS.md, with
 * the brands it does not name in the Visa family. */
static const card_brand_info infos[CARD_BRAND_COUNT] = {
    [CARD_BRAND_VISA] = {CARD_BRAND_VISA, "visa", "Visa", LEN(16) | LEN(18) | LEN(19),
                         "16, 18 or 19", 3, 0, "CVV", CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_MASTERCARD] = {CARD_BRAND_MASTERCARD, "mastercard", "Mastercard", LEN(16), "16", 3,
                               0, "CVC", CARD_ECI_MASTERCARD_FAMILY},
    [CARD_BRAND_AMEX] = {CARD_BRAND_AMEX, "amex", "American Express", LEN(15), "15", 4, 0, "CID",
                         CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_DISCOVER] = {CARD_BRAND_DISCOVER, "discover", "Discover", LEN(16) | LEN(19),
                             "16 or 19", 3, 0, "CID", CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_JCB] = {CARD_BRAND_JCB, "jcb", "JCB", LEN_RANGE(16, 19), "16 to 19", 3, 0, "CVV",
                        CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_UNIONPAY] = {CARD_BRAND_UNIONPAY, "unionpay", "UnionPay", LEN_RANGE(14, 19),
                             "14 to 19", 3, 0, "CVN", CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_DINERS] = {CARD_BRAND_DINERS, "diners", "Diners Club", LEN(14) | LEN(16) | LEN(19),
                           "14, 16 or 19", 3, 0, "CVV", CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_MAESTRO] = {CARD_BRAND_MAESTRO, "maestro", "Maestro", LEN_RANGE(12, 19), "12 to 19",
                            3, 1, "CVC", CARD_ECI_MASTERCARD_FAMILY},
    [CARD_BRAND_MIR] = {CARD_BRAND_MIR, "mir", "Mir", LEN_RANGE(16, 19), "16 to 19", 3, 0, "CVP2",
                        CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_ELO] = {CARD_BRAND_ELO, "elo", "Elo", LEN(16), "16", 3, 0, "CVE",
                        CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_HIPER] = {CARD_BRAND_HIPER, "hiper", "Hiper", LEN(16), "16", 3, 0, "CVC",
                          CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_HIPERCARD] = {CARD_BRAND_HIPERCARD, "hipercard", "Hipercard", LEN(16), "16", 3, 0,
                              "CVC", CARD_ECI_VISA_FAMILY},
    [CARD_BRAND_VERVE] = {CARD_BRAND_VERVE, "verve", "Verve", LEN(16) | LEN(18) | LEN(19),
                          "16, 18 or 19", 3, 0, "CVV", CARD_ECI_VISA_FAMILY},
};

#undef LEN
#undef LEN_RANGE

const card_brand_info *card_brand_identify(const char *digits)
{
    if (digits == NULL)
        return NULL;
    /* lead[w] is the number formed by the first w digits; available is how
     * many leading digits there are, so a range wider than the input is
     * never taken on a guess. */
    unsigned long lead[IIN_MAX_DIGITS + 1] = {0};
    unsigned available = 0;
    while (available < IIN_MAX_DIGITS && digits[available] >= '0' && digits[available] <= '9') {
        lead[available + 1] = lead[available] * 10 + (unsigned long)(digits[available] - '0');
        available++;
    }
    const iin_range *best = NULL;
    unsigned best_width = 0;
    for (size_t i = 0; i < sizeof iin_table / sizeof iin_table[0]; i++) {
        const iin_range *r = &iin_table[i];
        /* Strictly longer only: on a tie the earlier brand keeps it. */
        if (r->width > available || r->width <= best_width)
            continue;
        if (lead[r->width] >= r->low && lead[r->width] <= r->high) {
            best = r;
            best_width = r->width;
        }
    }
    return best ? &infos[best->brand] : NULL;
}

const card_brand_info *card_brand_info_of(card_brand brand)
{
    if (brand <= CARD_BRAND_UNKNOWN || brand >= CARD_BRAND_COUNT)
        return NULL;
    return &infos[brand];
}

card_brand card_brand_detect(const char *digits)
{
    const card_brand_info *info = card_brand_identify(digits);
    return info ? info->brand : CARD_BRAND_UNKNOWN;
}

const char *card_brand_name(card_brand brand)
{
    const card_brand_info *info = card_brand_info_of(brand);
    return info ? info->name : "unknown";
}

card_brand card_brand_from_name(const char *name)
{
    if (name == NULL)
        return CARD_BRAND_UNKNOWN;
    for (int b = CARD_BRAND_UNKNOWN + 1; b < CARD_BRAND_COUNT; b++)
        if (strcmp(infos[b].name, name) == 0)
            return (card_brand)b;
    return CARD_BRAND_UNKNOWN;
}

int card_brand_length_ok(card_brand brand, size_t len)
{
    const card_brand_info *info = card_brand_info_of(brand);
    return info != NULL && len < 8 * sizeof(unsigned long) && (info->lengths & (1ul << len)) != 0;
}

const char *card_brand_lengths_text(card_brand brand)
{
    const card_brand_info *info = card_brand_info_of(brand);
    return info ? info->lengths_text : "";
}

int card_brand_cvc_length(card_brand brand)
{
    const card_brand_info *info = card_brand_info_of(brand);
    return info ? info->code_length : 3;
}

int card_brand_cvc_optional(card_brand brand)
{
    const card_brand_info *info = card_brand_info_of(brand);
    return info ? info->code_optional : 0;
}

card_eci_family card_brand_eci_family(card_brand brand)
{
    const card_brand_info *info = card_brand_info_of(brand);
    return info ? info->eci_family : CARD_ECI_VISA_FAMILY;
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
    {"400000", "US"}, {"400008", "US"}, {"410000", "US"}, {"424242", "US"}, {"555555", "US"},
    {"222300", "DE"}, {"378282", "US"}, {"601111", "US"}, {"356600", "JP"}, {"362272", "US"},
    {"620000", "CN"}, {"620550", "CN"}, {"2200", "RU"},   {"2201", "RU"},   {"2202", "RU"},
    {"2203", "RU"},   {"2204", "RU"},   {"676770", "GB"},
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
