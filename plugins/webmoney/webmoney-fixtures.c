/* The sandbox fixtures, for the conformance kit against tender-sandbox.
 *
 * Whether a payer can pay (funds, passport, limits) is decided by WebMoney
 * on the payment page or when the payer sends a transfer, after purchase
 * has answered ACTION_REQUIRED. The page fixtures finish with payer_action
 * "pay" (sandbox mode: the plugin submits tender-sandbox's page as the
 * payer, then asks X18). The kit cannot send the payer's own protected
 * transfer, so that fixture's code releases nothing: the transfer has not
 * arrived. The declines are the plugin's own checks, made before anything
 * is sent. */
#include "webmoney.h"

static const tender_param fx_protected[] = {
    {"purse", "Z000000000044"}, {"wmid", "000000000044"},
    {"protection_days", "3"}, {"protection_code", "sandbox-code-42"}};
static const tender_param fx_protected_code[] = {{"protection_code", "sandbox-code-42"}};
static const tender_param fx_paid[] = {
    {"purse", "Z000000000044"}, {"wmid", "000000000044"}, {"description", "Sandbox order"}};
static const tender_param fx_euro[] = {{"purse", "E000000000044"}, {"wmid", "000000000044"}};
static const tender_param fx_poor[] = {{"purse", "Z000000000051"}, {"wmid", "000000000051"}};
/* The payer pays on tender-sandbox's page (sandbox mode only). */
static const tender_param fx_pay[] = {{"payer_action", "pay"}};
static const tender_param fx_mismatch[] = {{"purse", "E000000000044"}, {"wmid", "000000000044"}};
static const tender_param fx_bad_wmid[] = {{"purse", "Z000000000044"}, {"wmid", "12345"}};
static const tender_param fx_legacy[] = {{"purse", "R000000000044"}, {"wmid", "000000000044"}};
static const tender_param fx_gold[] = {{"purse", "G000000000044"}, {"wmid", "000000000044"}};

#define FX(name, region, currency, amount, params, outcome, decline) \
    TENDER_FIXTURE(name, region, currency, amount, "personal", params, outcome, decline)

static const tender_fixture fixtures[] = {
    TENDER_FIXTURE_COMPLETE("paid_on_payment_page", "US", "USD", "10.50", "personal", fx_paid,
                            fx_pay, TENDER_OUTCOME_APPROVED),
    TENDER_FIXTURE_COMPLETE("paid_in_euro", "DE", "EUR", "7.05", "personal", fx_euro, fx_pay,
                            TENDER_OUTCOME_APPROVED),
    /* WebMoney refuses the purse on its page; the payment stays waiting. */
    TENDER_FIXTURE_COMPLETE("page_refuses_empty_purse", "US", "USD", "10", "personal", fx_poor,
                            fx_pay, TENDER_OUTCOME_ACTION_REQUIRED),
    TENDER_FIXTURE_COMPLETE("protected_not_arrived", "US", "USD", "25", "personal", fx_protected,
                            fx_protected_code, TENDER_OUTCOME_ACTION_REQUIRED),
    FX("purse_currency_mismatch", "US", "USD", "10.00", fx_mismatch, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_INVALID_ACCOUNT),
    FX("invalid_wmid", "US", "USD", "10.00", fx_bad_wmid, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_INVALID_ACCOUNT),
    FX("legacy_purse", "US", "USD", "10.00", fx_legacy, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_NOT_PERMITTED),
    FX("gold_purse", "US", "USD", "10.00", fx_gold, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_CURRENCY_NOT_SUPPORTED),
};

const tender_fixture *wm_fixtures(size_t *n)
{
    *n = TENDER_N_ELEMENTS(fixtures);
    return fixtures;
}
