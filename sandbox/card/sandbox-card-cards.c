/* Cards as the gateway sees them: the checks it makes before asking an
 * issuer (number format and Luhn, expiry month and year, security code
 * format), the test numbers of Stripe's test mode and what each one
 * answers, the brand from the number's prefix, and the currencies the
 * gateway accepts. A card is reduced here to the facts kept on the intent;
 * the full number and the security code go no further. */
#include "sandbox-card.h"

#include <string.h>

/* Stripe's test numbers (METHODS.md's table). Any other valid number is
 * approved. 4242424242424241 needs no row: it fails the Luhn check. */
static const struct {
    const char *number;
    CardScenario scenario;
    const char *code;         /* the error code, for DECLINE and ERROR */
    const char *decline_code; /* for DECLINE and CHALLENGE_DECLINE */
} test_cards[] = {
    {"4000000000000002", CARD_SCENARIO_DECLINE, "card_declined", "generic_decline"},
    {"4000000000009995", CARD_SCENARIO_DECLINE, "card_declined", "insufficient_funds"},
    {"4000000000009987", CARD_SCENARIO_DECLINE, "card_declined", "lost_card"},
    {"4000000000009979", CARD_SCENARIO_DECLINE, "card_declined", "stolen_card"},
    {"4100000000000019", CARD_SCENARIO_DECLINE, "card_declined", "fraudulent"},
    {"4000000000000069", CARD_SCENARIO_ERROR, "expired_card", NULL},
    {"4000000000000127", CARD_SCENARIO_ERROR, "incorrect_cvc", NULL},
    {"4000000000000119", CARD_SCENARIO_ERROR, "processing_error", NULL},
    {"4000000000003220", CARD_SCENARIO_CHALLENGE, NULL, NULL},
    {"4000008400001629", CARD_SCENARIO_CHALLENGE_DECLINE, "card_declined", "generic_decline"},
    {"4000000000003055", CARD_SCENARIO_FRICTIONLESS, NULL, NULL},
};

/* ISO 4217 codes the gateway settles in (Stripe's list of presentment
 * currencies, lower-case). */
static const char *const currencies[] = {
    "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt",
    "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf",
    "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "etb",
    "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "htg",
    "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf", "krw",
    "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd", "mmk",
    "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr",
    "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub",
    "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl", "thb",
    "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "usd", "uyu", "uzs", "vnd",
    "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
};

gboolean card_currency_known(const char *currency)
{
    for (gsize i = 0; i < G_N_ELEMENTS(currencies); i++) {
        if (strcmp(currencies[i], currency) == 0)
            return TRUE;
    }
    return FALSE;
}

const char *card_error_message(const char *code, const char *decline_code)
{
    if (g_strcmp0(decline_code, "insufficient_funds") == 0)
        return "Your card has insufficient funds.";
    static const struct {
        const char *code, *message;
    } messages[] = {
        {"card_declined", "Your card was declined."},
        {"expired_card", "Your card has expired."},
        {"incorrect_cvc", "Your card's security code is incorrect."},
        {"processing_error", "An error occurred while processing your card. Try again in a "
                             "little bit."},
        {"incorrect_number", "Your card number is incorrect."},
        {"invalid_expiry_month", "Your card's expiration month is invalid."},
        {"invalid_expiry_year", "Your card's expiration year is invalid."},
        {"invalid_cvc", "Your card's security code is invalid."},
        {"payment_intent_authentication_failure",
         "The provided PaymentMethod has failed authentication. You can provide "
         "payment_method_data "
         "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(messages); i++) {
        if (strcmp(messages[i].code, code) == 0)
            return messages[i].message;
    }
    return "Your card was declined.";
}

static gboolean luhn_valid(const char *digits)
{
    int sum = 0;
    gsize len = strlen(digits);
    for (gsize i = 0; i < len; i++) {
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

static gboolean all_digits(const char *s, gsize min, gsize max)
{
    gsize len = strlen(s);
    if (len < min || len > max)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    }
    return TRUE;
}

static gboolean prefix_in(const char *number, int digits, int low, int high)
{
    char head[8] = {0};
    memcpy(head, number, digits);
    int value = (int)g_ascii_strtoll(head, NULL, 10);
    return value >= low && value <= high;
}

/* Stripe's brand names, from the number's leading digits. */
static const char *brand_of(const char *n)
{
    if (prefix_in(n, 2, 34, 34) || prefix_in(n, 2, 37, 37))
        return "amex";
    if (prefix_in(n, 2, 51, 55) || prefix_in(n, 4, 2221, 2720))
        return "mastercard";
    if (prefix_in(n, 4, 6011, 6011) || prefix_in(n, 3, 644, 649) || prefix_in(n, 2, 65, 65))
        return "discover";
    if (prefix_in(n, 4, 3528, 3589))
        return "jcb";
    if (prefix_in(n, 3, 300, 305) || prefix_in(n, 2, 36, 36) || prefix_in(n, 2, 38, 39))
        return "diners";
    if (prefix_in(n, 2, 62, 62))
        return "unionpay";
    if (n[0] == '4')
        return "visa";
    return "unknown";
}

static CardAnswer card_refused(const char *code, const char *param)
{
    CardAnswer answer = card_error(SOUP_STATUS_PAYMENT_REQUIRED, "card_error", code, param, "%s",
                                   card_error_message(code, NULL));
    return answer;
}

static CardAnswer missing(const char *param)
{
    return card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error", "parameter_missing", param,
                      "Missing required param: %s.", param);
}

/* A whole number in text, or -1. */
static gint64 parse_count(const char *text)
{
    if (!all_digits(text, 1, 9))
        return -1;
    return g_ascii_strtoll(text, NULL, 10);
}

JsonObject *card_read_payment_method(CardCall *call, CardAnswer *refusal)
{
    const char *type = card_param(call->params, "payment_method_data[type]");
    if (type == NULL) {
        *refusal = missing("payment_method_data[type]");
        return NULL;
    }
    if (strcmp(type, "card") != 0) {
        *refusal = card_error(SOUP_STATUS_BAD_REQUEST, "invalid_request_error",
                              "payment_method_invalid_parameter", "payment_method_data[type]",
                              "This gateway accepts only payment_method_data[type]=card.");
        return NULL;
    }
    const char *number = card_param(call->params, "payment_method_data[card][number]");
    const char *exp_month = card_param(call->params, "payment_method_data[card][exp_month]");
    const char *exp_year = card_param(call->params, "payment_method_data[card][exp_year]");
    const char *cvc = card_param(call->params, "payment_method_data[card][cvc]");
    if (number == NULL) {
        *refusal = missing("payment_method_data[card][number]");
        return NULL;
    }
    if (exp_month == NULL) {
        *refusal = missing("payment_method_data[card][exp_month]");
        return NULL;
    }
    if (exp_year == NULL) {
        *refusal = missing("payment_method_data[card][exp_year]");
        return NULL;
    }
    if (!all_digits(number, 12, 19) || !luhn_valid(number)) {
        *refusal = card_refused("incorrect_number", "number");
        return NULL;
    }
    gint64 month = parse_count(exp_month);
    if (month < 1 || month > 12) {
        *refusal = card_refused("invalid_expiry_month", "exp_month");
        return NULL;
    }
    /* Two digits mean this century, as Stripe reads them; a year more
     * than 50 years ahead is nonsense rather than a long-lived card. */
    gint64 year = parse_count(exp_year);
    if (year >= 0 && year < 100 && strlen(exp_year) <= 2)
        year += 2000;
    GDateTime *now = g_date_time_new_from_unix_utc(card_seconds(call->now_ms));
    gint64 this_year = g_date_time_get_year(now);
    g_date_time_unref(now);
    if (year < 1900 || year > this_year + 50) {
        *refusal = card_refused("invalid_expiry_year", "exp_year");
        return NULL;
    }
    const char *brand = brand_of(number);
    if (cvc != NULL && !all_digits(cvc, 3, strcmp(brand, "amex") == 0 ? 4 : 3)) {
        *refusal = card_refused("invalid_cvc", "cvc");
        return NULL;
    }

    JsonObject *facts = json_object_new();
    json_object_set_string_member(facts, "brand", brand);
    json_object_set_string_member(facts, "last4", number + strlen(number) - 4);
    json_object_set_int_member(facts, "exp_month", month);
    json_object_set_int_member(facts, "exp_year", year);
    json_object_set_string_member(facts, "funding", "credit");
    json_object_set_string_member(facts, "country", "US");
    json_object_set_boolean_member(facts, "cvc_given", cvc != NULL);
    CardScenario scenario = CARD_SCENARIO_APPROVE;
    for (gsize i = 0; i < G_N_ELEMENTS(test_cards); i++) {
        if (strcmp(test_cards[i].number, number) == 0) {
            scenario = test_cards[i].scenario;
            if (test_cards[i].code)
                json_object_set_string_member(facts, "code", test_cards[i].code);
            if (test_cards[i].decline_code)
                json_object_set_string_member(facts, "decline_code", test_cards[i].decline_code);
        }
    }
    json_object_set_int_member(facts, "scenario", scenario);
    return facts;
}

gboolean card_is_expired(JsonObject *facts, gint64 now_ms)
{
    /* Valid through the last second of the expiry month, UTC. */
    GDateTime *first =
        g_date_time_new_utc((gint)json_object_get_int_member(facts, "exp_year"),
                            (gint)json_object_get_int_member(facts, "exp_month"), 1, 0, 0, 0);
    GDateTime *end = g_date_time_add_months(first, 1);
    gint64 end_s = g_date_time_to_unix(end);
    g_date_time_unref(first);
    g_date_time_unref(end);
    return card_seconds(now_ms) >= end_s;
}
