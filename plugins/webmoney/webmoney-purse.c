/* Purse and WMID formats, and which purse types Tender can take.
 *
 * A WebMoney purse is one type letter and 12 digits; the letter fixes what
 * the purse holds. Tender's money is ISO 4217, so only the types backed by an
 * ISO currency are supported; title units with no ISO code (USDT, gold,
 * crypto) and the withdrawn R and U purses are refused with a message that
 * says why. */
#include <string.h>

#include "webmoney.h"

static const wm_purse_type purse_types[] = {
    {'Z', "WMZ", "USD", "USD", WM_PURSE_SUPPORTED},
    {'E', "WME", "EUR", "EUR", WM_PURSE_SUPPORTED},
    {'K', "WMK", "KZT", "KZT", WM_PURSE_SUPPORTED},
    {'B', "WMB", "BYN", "BYN", WM_PURSE_SUPPORTED},
    {'V', "WMV", "VND", "VND", WM_PURSE_SUPPORTED},
    {'Y', "WMY", "UZS", "UZS", WM_PURSE_SUPPORTED},
    {'T', "WMT", "USDT (Tether)", NULL, WM_PURSE_NO_ISO},
    {'G', "WMG", "gold (1 g)", NULL, WM_PURSE_NO_ISO},
    {'X', "WMX", "Bitcoin (0.001 BTC)", NULL, WM_PURSE_NO_ISO},
    {'H', "WMH", "Bitcoin Cash (0.001 BCH)", NULL, WM_PURSE_NO_ISO},
    {'L', "WML", "Litecoin (0.001 LTC)", NULL, WM_PURSE_NO_ISO},
    {'F', "WMF", "crypto units", NULL, WM_PURSE_NO_ISO},
    {'R', "WMR", "RUB", "RUB", WM_PURSE_LEGACY},
    {'U', "WMU", "UAH", "UAH", WM_PURSE_LEGACY},
};

const wm_purse_type *wm_purse_type_of(char letter)
{
    for (size_t i = 0; i < G_N_ELEMENTS(purse_types); i++)
        if (purse_types[i].letter == letter)
            return &purse_types[i];
    return NULL;
}

const wm_purse_type *wm_purse_type_for_currency(const char *currency)
{
    if (currency == NULL)
        return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(purse_types); i++)
        if (purse_types[i].kind == WM_PURSE_SUPPORTED &&
            strcmp(purse_types[i].currency, currency) == 0)
            return &purse_types[i];
    return NULL;
}

int wm_purse_well_formed(const char *purse)
{
    if (purse == NULL || strlen(purse) != WM_PURSE_LEN)
        return 0;
    if (purse[0] < 'A' || purse[0] > 'Z')
        return 0;
    return tender_all_digits(purse + 1);
}

int wm_wmid_well_formed(const char *wmid)
{
    return wmid != NULL && strlen(wmid) == WM_WMID_LEN && tender_all_digits(wmid);
}

int wm_check_payer_purse(const char *purse, const char *currency, tender_result *res)
{
    if (purse == NULL || purse[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-4",
                              "purse is required: the payer's WebMoney purse, e.g. Z123456789012");
        return 0;
    }
    if (!wm_purse_well_formed(purse)) {
        /* Never echo the value: it may be anything the buyer typed. */
        tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "-4",
                              "purse must be one upper-case type letter and 12 digits, "
                              "e.g. Z123456789012");
        return 0;
    }
    const wm_purse_type *type = wm_purse_type_of(purse[0]);
    if (type == NULL) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "-4",
                              "purse: WebMoney issues no purses of type %c", purse[0]);
        return 0;
    }
    if (type->kind == WM_PURSE_LEGACY) {
        tender_result_decline(res, TENDER_DECLINE_NOT_PERMITTED, "legacy_purse",
                              "purse: %s purses (%s) are legacy and take no new transfers; "
                              "pay from a Z, E, K, B, V or Y purse",
                              type->title, type->unit);
        return 0;
    }
    if (type->kind == WM_PURSE_NO_ISO) {
        tender_result_decline(res, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, "no_iso_currency",
                              "purse: %s purses hold %s, which has no ISO 4217 code; "
                              "pay from a Z, E, K, B, V or Y purse",
                              type->title, type->unit);
        return 0;
    }
    if (currency == NULL || strcmp(type->currency, currency) != 0) {
        const wm_purse_type *want = wm_purse_type_for_currency(currency);
        if (want)
            tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "29",
                                  "purse: a %s purse holds %s but the payment is in %s; "
                                  "pay from a %c purse (%s)",
                                  type->title, type->currency, currency ? currency : "?",
                                  want->letter, want->title);
        else
            tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "29",
                                  "purse: a %s purse holds %s but the payment is in %s",
                                  type->title, type->currency, currency ? currency : "?");
        return 0;
    }
    return 1;
}
