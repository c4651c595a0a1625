/* The sandbox fixtures: one per documented test number (as the gateway's
 * test mode answers it) and brand sample, so the conformance kit can drive
 * every card flow against tender-sandbox. The 3-D Secure challenges finish
 * with the sandbox's code, which complete submits to the gateway's page in
 * sandbox mode. */
#include "card-ops.h"

#include <tender/sdk.h>

/* Valid until the end of 2035, within the 20-year horizon from 2026. */
#define EXP_MONTH "12"
#define EXP_YEAR "2035"

#define CARD(id, number, cvc)                                                      \
    static const tender_param id[] = {                                             \
        {"number", number}, {"exp_month", EXP_MONTH}, {"exp_year", EXP_YEAR}, {"cvc", cvc}}

CARD(p_approved, "4242424242424242", "737");
CARD(p_do_not_honor, "4000000000000002", "737");
CARD(p_insufficient, "4000000000009995", "737");
CARD(p_lost, "4000000000009987", "737");
CARD(p_stolen, "4000000000009979", "737");
CARD(p_expired, "4000000000000069", "737");
CARD(p_cvc, "4000000000000127", "737");
CARD(p_processing, "4000000000000119", "737");
CARD(p_luhn, "4242424242424241", "737");
CARD(p_fraud, "4100000000000019", "737");
CARD(p_challenge, "4000000000003220", "737");
CARD(p_challenge_declined, "4000008400001629", "737");
CARD(p_frictionless, "4000000000003055", "737");
CARD(p_mastercard, "5555555555554444", "737");
CARD(p_mastercard_2, "2223003122003222", "737");
CARD(p_amex, "378282246310005", "7373");
CARD(p_discover, "6011111111111117", "737");
CARD(p_jcb, "3566002020360505", "737");
CARD(p_diners, "36227206271667", "737");
CARD(p_unionpay, "6200000000000005", "737");
CARD(p_unionpay_19, "6205500000000000004", "737");
CARD(p_mir, "2200000000000004", "737");

/* tender-sandbox's 3-D Secure test code. */
static const tender_param otp_ok[] = {{"otp", "123456"}};

#define FIX(name, params, outcome, decline) \
    TENDER_FIXTURE(name, "US", "USD", "10.00", "", params, outcome, decline)
/* The gateway grants multicapture to Visa, Mastercard, American Express and
 * Discover only; on the other networks an authorization is captured once
 * (a partial capture releases the rest). Their brand samples use one minor
 * unit, which a flow can only capture whole. */
#define FIX_ONE_CAPTURE(name, params) \
    TENDER_FIXTURE(name, "US", "USD", "0.01", "", params, TENDER_OUTCOME_APPROVED, \
                   TENDER_DECLINE_NONE)
#define FIX_OTP(name, params, after) \
    TENDER_FIXTURE_COMPLETE(name, "US", "USD", "10.00", "", params, otp_ok, after)

static const tender_fixture fixtures[] = {
    FIX("approved", p_approved, TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE),
    FIX("do_not_honor", p_do_not_honor, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_DO_NOT_HONOR),
    FIX("insufficient_funds", p_insufficient, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_INSUFFICIENT_FUNDS),
    FIX("lost_card", p_lost, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_LOST_CARD),
    FIX("stolen_card", p_stolen, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_STOLEN_CARD),
    FIX("expired_card", p_expired, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_EXPIRED_METHOD),
    FIX("incorrect_cvc", p_cvc, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INVALID_SECURITY_CODE),
    FIX("processing_error", p_processing, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_PROCESSING_ERROR),
    FIX("invalid_number", p_luhn, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INVALID_NUMBER),
    FIX("suspected_fraud", p_fraud, TENDER_OUTCOME_DECLINED, TENDER_DECLINE_SUSPECTED_FRAUD),
    FIX_OTP("three_ds_challenge", p_challenge, TENDER_OUTCOME_APPROVED),
    FIX_OTP("three_ds_challenge_declined", p_challenge_declined, TENDER_OUTCOME_DECLINED),
    FIX("three_ds_frictionless", p_frictionless, TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE),
    FIX("mastercard", p_mastercard, TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE),
    FIX("mastercard_2_series", p_mastercard_2, TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE),
    FIX("amex", p_amex, TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE),
    FIX("discover", p_discover, TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE),
    FIX_ONE_CAPTURE("jcb", p_jcb),
    FIX_ONE_CAPTURE("diners", p_diners),
    FIX_ONE_CAPTURE("unionpay", p_unionpay),
    FIX_ONE_CAPTURE("unionpay_19", p_unionpay_19),
    FIX_ONE_CAPTURE("mir", p_mir),
};

const tender_fixture *card_fixtures(size_t *n)
{
    *n = TENDER_N_ELEMENTS(fixtures);
    return fixtures;
}
