/* Validation of card details, following the brand rules of METHODS.md and
 * the IIN table of card-brand.c. */
#include "card-validate.h"

#include <string.h>

#include <tender/sdk.h>

/* How many years ahead an expiry may lie (METHODS.md). */
#define CARD_EXPIRY_HORIZON_YEARS 20

/* Raw codes the plugin reports for its own checks: ISO 8583 where a code
 * exists (14 invalid card number, 54 expired card, 30 format error), and
 * the Visa-style N7 for a security-code failure. */
#define RAW_FORMAT_ERROR "30"
#define RAW_INVALID_NUMBER "14"
#define RAW_EXPIRED "54"
#define RAW_CVC "N7"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * algorithm): lets us compute month ends without the C library's time zone
 * state, and on the host's clock rather than the system's. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t card_expiry_end_ms(int month, int year)
{
    int next_month = month == 12 ? 1 : month + 1;
    int next_year = month == 12 ? year + 1 : year;
    return days_from_civil(next_year, next_month, 1) * 86400000LL;
}

int card_utc_year(int64_t ms)
{
    int64_t days = ms >= 0 ? ms / 86400000LL : -((-ms + 86399999LL) / 86400000LL);
    /* Inverse of days_from_civil, year only. */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    return (int)(yoe + era * 400 + (month <= 2));
}

/* A parameter's value, with an empty string read as absent. */
static const char *param(const tender_request *req, const char *key)
{
    const char *v = tender_request_param(req, key);
    return v && *v ? v : NULL;
}

/* Copy the digits of text into out, skipping the spaces and dashes people
 * type between groups. 0 when another character appears or there are more
 * than CARD_MAX_DIGITS digits. */
static int strip_number(const char *text, char *out)
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (*p < '0' || *p > '9' || n == CARD_MAX_DIGITS) {
            out[0] = '\0';
            return 0;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
    return 1;
}

static int parse_number(const card_config *config, const tender_request *req, card_input *in,
                        tender_result *res)
{
    const char *number = param(req, "number");
    if (number == NULL) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, RAW_FORMAT_ERROR,
                              "number: the card number is missing");
        return 0;
    }
    if (!strip_number(number, in->digits)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, RAW_INVALID_NUMBER,
                              "number: a card number has at most %d digits, optionally "
                              "grouped with spaces or dashes",
                              CARD_MAX_DIGITS);
        return 0;
    }
    size_t len = strlen(in->digits);
    if (len < CARD_MIN_DIGITS) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, RAW_INVALID_NUMBER,
                              "number: a card number has at least %d digits", CARD_MIN_DIGITS);
        return 0;
    }
    const card_brand_info *brand = card_brand_identify(in->digits);
    if (brand == NULL) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, RAW_INVALID_NUMBER,
                              "number: the card's issuer prefix belongs to no supported brand");
        return 0;
    }
    /* The length is judged against the brand the prefix names, so the
     * buyer learns what a number of that brand looks like. */
    if (!card_brand_length_ok(brand->brand, len)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, RAW_INVALID_NUMBER,
                              "number: %s card numbers have %s digits, not %zu",
                              brand->display_name, brand->lengths_text, len);
        return 0;
    }
    int luhn_required = !(brand->brand == CARD_BRAND_UNIONPAY && config->unionpay_luhn_exempt);
    if (luhn_required && !tender_luhn_valid(in->digits)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, RAW_INVALID_NUMBER,
                              "number: the card number fails its check digit (Luhn); "
                              "it was probably mistyped");
        return 0;
    }
    in->brand = brand->brand;
    memcpy(in->first6, in->digits, 6);
    in->first6[6] = '\0';
    memcpy(in->last4, in->digits + len - 4, 4);
    in->last4[4] = '\0';
    return 1;
}

/* A decimal of 1..max_digits ASCII digits, or -1. */
static int small_number(const char *text, size_t max_digits)
{
    size_t len = strlen(text);
    if (len == 0 || len > max_digits || !tender_all_digits(text))
        return -1;
    int v = 0;
    for (const char *p = text; *p; p++)
        v = v * 10 + (*p - '0');
    return v;
}

static int parse_expiry(const tender_request *req, int64_t now_ms, card_input *in,
                        tender_result *res)
{
    const char *month_text = param(req, "exp_month");
    const char *year_text = param(req, "exp_year");
    if (month_text == NULL) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, RAW_FORMAT_ERROR,
                              "exp_month: the expiry month is missing");
        return 0;
    }
    if (year_text == NULL) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, RAW_FORMAT_ERROR,
                              "exp_year: the expiry year is missing");
        return 0;
    }
    int month = small_number(month_text, 2);
    if (month < 1 || month > 12) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_EXPIRY, RAW_FORMAT_ERROR,
                              "exp_month: the expiry month must be 1 to 12");
        return 0;
    }
    size_t year_len = strlen(year_text);
    int year = (year_len == 2 || year_len == 4) ? small_number(year_text, 4) : -1;
    if (year < 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_EXPIRY, RAW_FORMAT_ERROR,
                              "exp_year: the expiry year must be 4 digits (or 2 meaning 20YY)");
        return 0;
    }
    if (year_len == 2)
        year += 2000;
    in->exp_month = month;
    in->exp_year = year;

    /* Valid through 23:59:59 UTC on the last day of the month. */
    if (now_ms >= card_expiry_end_ms(month, year)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_EXPIRY, RAW_EXPIRED,
                              "exp_month/exp_year: the card expired at the end of %02d/%04d",
                              month, year);
        return 0;
    }
    int horizon = card_utc_year(now_ms) + CARD_EXPIRY_HORIZON_YEARS;
    if (year > horizon) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_EXPIRY, RAW_FORMAT_ERROR,
                              "exp_year: %04d is more than %d years ahead (at most %04d)", year,
                              CARD_EXPIRY_HORIZON_YEARS, horizon);
        return 0;
    }
    return 1;
}

static int parse_cvc(const tender_request *req, card_input *in, tender_result *res)
{
    /* Runs only after parse_number accepted the number: in->brand is known. */
    const card_brand_info *brand = card_brand_info_of(in->brand);
    const char *cvc = param(req, "cvc");
    if (cvc == NULL) {
        if (brand->code_optional)
            return 1;
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, RAW_FORMAT_ERROR,
                              "cvc: the security code (%s) is missing (required for %s cards)",
                              brand->code_name, brand->display_name);
        return 0;
    }
    if (strlen(cvc) != (size_t)brand->code_length || !tender_all_digits(cvc)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_SECURITY_CODE, RAW_CVC,
                              "cvc: %s security codes (%s) have %d digits", brand->display_name,
                              brand->code_name, brand->code_length);
        return 0;
    }
    in->has_cvc = 1;
    return 1;
}

static int parse_holder(const tender_request *req, tender_result *res)
{
    const char *holder = tender_request_param(req, "holder");
    if (holder == NULL)
        return 1;
    size_t len = strlen(holder);
    int control = 0;
    for (const unsigned char *p = (const unsigned char *)holder; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            control = 1;
    if (len > 100 || control) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, RAW_FORMAT_ERROR,
                              "holder: the cardholder name must be at most 100 bytes "
                              "without control characters");
        return 0;
    }
    return 1;
}

int card_input_parse(const card_config *config, const tender_request *req, int64_t now_ms,
                     card_input *in, tender_result *res)
{
    memset(in, 0, sizeof *in);
    return parse_number(config, req, in, res) && parse_expiry(req, now_ms, in, res) &&
           parse_cvc(req, in, res) && parse_holder(req, res);
}

void card_input_wipe(card_input *in)
{
    explicit_bzero(in->digits, sizeof in->digits);
}
