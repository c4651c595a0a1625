/* The alipay plugin: its descriptor, the method's static facts and its
 * sandbox fixtures (inputs for Alipay's sandbox or tender-sandbox). The only exported symbol is
 * tender_plugin_entry (TENDER_PLUGIN_DEFINE_ONE_METHOD below). */
#include <tender/sdk.h>

#include "alipay-instance.h"
#include "alipay-ops.h"

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
    {sizeof(tender_param_spec), "product", 0,
     "qr (default: alipay.trade.precreate, a QR code to scan), page (alipay.trade.page.pay, "
     "the desktop cashier) or wap (alipay.trade.wap.pay, the mobile cashier)"},
    {sizeof(tender_param_spec), "return_url", 0,
     "page/wap: where the cashier sends the buyer back (default the return_url setting)"},
};

static const tender_param_spec action_params[] = {
    {sizeof(tender_param_spec), "sandbox_buyer", 0,
     "sandbox mode only: a tender-sandbox test buyer's logon id "
     "(buyer-iii@sandbox.alipay.test, …) that pays at the cashier before complete asks Alipay"},
    {sizeof(tender_param_spec), "sandbox_password", TENDER_PARAM_SENSITIVE,
     "sandbox mode only: that buyer's password (default 111111)"},
};

static const tender_param fixture_subject[] = {
    {"subject", "Tender sandbox order"},
    {"timeout_express", "2h"},
};
static const tender_param fixture_page[] = {
    {"product", "page"},
    {"timeout_express", "2h"},
};
static const tender_param pay_as_buyer_iii[] = {
    {"sandbox_buyer", "buyer-iii@sandbox.alipay.test"},
};
static const tender_param pay_as_poor_buyer[] = {
    {"sandbox_buyer", "buyer-poor@sandbox.alipay.test"},
};

static const tender_param fixture_bad_timeout[] = {
    {"timeout_express", "90s"},
};
static const tender_param fixture_bad_subject[] = {
    {"subject", "Tea & cakes"},
};
static const tender_param fixture_bad_product[] = {
    {"product", "barcode"},
};

/* A trade Alipay accepts is ACTION_REQUIRED until the buyer pays at
 * Alipay's cashier; complete with a sandbox_buyer pays as a tender-sandbox
 * test buyer. A buyer-side refusal (balance, limits) never reaches the
 * merchant: the trade waits. The rest are the plugin's own refusals, made
 * before anything is sent. */
static const tender_fixture fixtures[] = {
    TENDER_FIXTURE_COMPLETE("qr_code", "CN", "CNY", "88.88", "", fixture_subject,
                            pay_as_buyer_iii, TENDER_OUTCOME_APPROVED),
    TENDER_FIXTURE_COMPLETE("page_pay", "CN", "CNY", "0.10", "", fixture_page, pay_as_buyer_iii,
                            TENDER_OUTCOME_APPROVED),
    TENDER_FIXTURE_COMPLETE("balance_not_enough", "CN", "CNY", "50.00", "", fixture_subject,
                            pay_as_poor_buyer, TENDER_OUTCOME_ACTION_REQUIRED),
    TENDER_FIXTURE("invalid_timeout", "CN", "CNY", "50.00", "", fixture_bad_timeout,
                   TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INVALID_REQUEST),
    TENDER_FIXTURE("invalid_subject", "CN", "CNY", "50.00", "", fixture_bad_subject,
                   TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INVALID_REQUEST),
    TENDER_FIXTURE("invalid_product", "CN", "CNY", "50.00", "", fixture_bad_product,
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
    .complete_action = alipay_op_complete,
    .identify_notification = alipay_op_identify_notification,
    .notification = alipay_op_notification,
    .sandbox_fixtures = alipay_fixtures,
};

static const tender_method method = {
    .struct_size = sizeof(tender_method),
    .id = "alipay",
    .name = "Alipay",
    /* Alipay sells; it does not hold funds: no authorize or capture. VOID is
     * alipay.trade.close on an unpaid trade. */
    .capabilities = TENDER_CAP_PURCHASE | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_SYNC | TENDER_CAP_NOTIFICATION | TENDER_CAP_VOID |
                    TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_THREAD_SAFE,
    .regions = regions,
    .currencies = currencies,
    .n_currencies = sizeof currencies / sizeof currencies[0],
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .action_params = action_params,
    .n_action_params = sizeof action_params / sizeof action_params[0],
    .hold_seconds = 0,
    /* The default timeout_express, 15m. */
    .action_timeout_seconds = 15 * 60,
    .tiers = tiers,
    .ops = &ops_with_fixtures,
};

TENDER_PLUGIN_DEFINE_ONE_METHOD(
    "alipay", "Alipay", "1.0.0",
    "Alipay QR-code and cashier payments for buyers in mainland China (CNY) through "
    "Alipay's OpenAPI gateway, confirmed by RSA2-signed notifications",
    method)
