/* The alipay plugin: its descriptor, the method's static facts and its
 * documented sandbox fixtures. The only exported symbol is
 * tender_plugin_entry (TENDER_PLUGIN_DEFINE_ONE_METHOD below). */
#include <tender/sdk.h>

#include "alipay-instance.h"
#include "alipay-ops.h"
#include "alipay-sandbox.h"

static const char *const regions[] = {"CN", NULL};

/* Real-name account classes, lowest first. Their cumulative limits (class I
 * 1,000 CNY since opening, II 100,000 CNY a year, III 200,000 CNY a year)
 * are enforced by the host's policy config (docs/methods/alipay.md). */
static const char *const tiers[] = {"class_i", "class_ii", "class_iii", NULL};

static const tender_currency_fact currencies[] = {
    {sizeof(tender_currency_fact), "CNY", -1, 10, 30000000, NULL},
};

static const tender_param_spec params[] = {
    {sizeof(tender_param_spec), "timeout_express", 0,
     "how long the buyer has to pay: 1m..15d in whole m, h or d units, or 1c (until "
     "midnight, Beijing time); default the setting, 15m"},
    {sizeof(tender_param_spec), "subject", 0,
     "the order title the buyer sees (at most 256 bytes, no '/', '=' or '&')"},
    {sizeof(tender_param_spec), "buyer_id", 0,
     "the buyer's Alipay user id (2088 + 12 digits) when known; sandbox test buyers: "
     "2088000000000051 balance not enough, 2088000000000061 beyond payment restriction"},
};

static const tender_param fixture_no_balance[] = {
    {"buyer_id", ALIPAY_SANDBOX_BUYER_NO_BALANCE},
};
static const tender_param fixture_restricted[] = {
    {"buyer_id", ALIPAY_SANDBOX_BUYER_RESTRICTED},
};
static const tender_param fixture_bad_timeout[] = {
    {"timeout_express", "90s"},
};
static const tender_param fixture_subject[] = {
    {"subject", "Tender sandbox order"},
    {"timeout_express", "2h"},
};

static const tender_fixture fixtures[] = {
    /* Paid with no parameter at all: no array to count. */
    {sizeof(tender_fixture), "approved", "CN", "CNY", "88.88", "", NULL, 0,
     TENDER_OUTCOME_ACTION_REQUIRED, TENDER_DECLINE_NONE, NULL, 0, "paid",
     TENDER_OUTCOME_APPROVED},
    TENDER_FIXTURE_EVENT("approved_with_subject", "CN", "CNY", "0.10", "", fixture_subject,
                         "paid", TENDER_OUTCOME_APPROVED),
    TENDER_FIXTURE("insufficient_funds", "CN", "CNY", "50.00", "", fixture_no_balance,
                   TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INSUFFICIENT_FUNDS),
    TENDER_FIXTURE("limit_exceeded", "CN", "CNY", "50.00", "", fixture_restricted,
                   TENDER_OUTCOME_DECLINED, TENDER_DECLINE_LIMIT_EXCEEDED),
    TENDER_FIXTURE("invalid_timeout", "CN", "CNY", "50.00", "", fixture_bad_timeout,
                   TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INVALID_REQUEST),
};

TENDER_FIXTURES_FUNCTION(alipay_fixtures, fixtures)

static const tender_method_ops ops_with_fixtures = {
    .struct_size = sizeof(tender_method_ops),
    .create = alipay_instance_create,
    .destroy = alipay_instance_destroy,
    .purchase = alipay_op_purchase,
    .void_payment = alipay_op_void,
    .refund = alipay_op_refund,
    .sync = alipay_op_sync,
    .identify_notification = alipay_op_identify_notification,
    .notification = alipay_op_notification,
    .sandbox_fixtures = alipay_fixtures,
    .sandbox_notification = alipay_op_sandbox_notification,
};

static const tender_method method = {
    .struct_size = sizeof(tender_method),
    .id = "alipay",
    .name = "Alipay",
    /* Alipay sells; it does not hold funds: no authorize or capture. VOID is
     * alipay.trade.close on an unpaid trade. */
    .capabilities = TENDER_CAP_PURCHASE | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_SYNC | TENDER_CAP_NOTIFICATION | TENDER_CAP_VOID |
                    TENDER_CAP_THREAD_SAFE,
    .regions = regions,
    .currencies = currencies,
    .n_currencies = sizeof currencies / sizeof currencies[0],
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .action_params = NULL,
    .n_action_params = 0,
    .hold_seconds = 0,
    /* The default timeout_express, 15m. */
    .action_timeout_seconds = 15 * 60,
    .tiers = tiers,
    .ops = &ops_with_fixtures,
};

TENDER_PLUGIN_DEFINE_ONE_METHOD(
    "alipay", "Alipay", "1.0.0",
    "Alipay QR-code payments for buyers in mainland China (CNY), confirmed by "
    "RSA2-signed notifications; built-in offline sandbox",
    method)
