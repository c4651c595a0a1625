/* The card plugin: its one method's facts, its function table, create and
 * destroy, and the exported entry point. */
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

#include "card-config.h"
#include "card-ops.h"

static const char *const card_regions[] = {"*", NULL};

#define CUR(code) {sizeof(tender_currency_fact), code, -1, 0, 0, NULL}

/* Cards settle in practically every currency; these are the ones acquirers
 * commonly take, with their ISO 4217 exponents (-1) and no bounds of the
 * method's own (the operator's policy sets limits). */
static const tender_currency_fact card_currencies[] = {
    CUR("USD"), CUR("EUR"), CUR("GBP"), CUR("JPY"), CUR("CHF"), CUR("CAD"), CUR("AUD"),
    CUR("NZD"), CUR("SEK"), CUR("NOK"), CUR("DKK"), CUR("ISK"), CUR("PLN"), CUR("CZK"),
    CUR("HUF"), CUR("RON"), CUR("BGN"), CUR("CNY"), CUR("HKD"), CUR("TWD"), CUR("SGD"),
    CUR("KRW"), CUR("INR"), CUR("BRL"), CUR("MXN"), CUR("ARS"), CUR("CLP"), CUR("COP"),
    CUR("PEN"), CUR("ZAR"), CUR("NGN"), CUR("KES"), CUR("EGP"), CUR("MAD"), CUR("TRY"),
    CUR("AED"), CUR("SAR"), CUR("QAR"), CUR("ILS"), CUR("THB"), CUR("MYR"), CUR("PHP"),
    CUR("IDR"), CUR("VND"), CUR("RUB"), CUR("UAH"), CUR("KZT"), CUR("KWD"), CUR("BHD"),
    CUR("JOD"), CUR("OMR"),
};

const tender_param_spec card_params[] = {
    {sizeof(tender_param_spec), "number", TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE,
     "Card number (12 to 19 digits; spaces and dashes are ignored)"},
    {sizeof(tender_param_spec), "exp_month", TENDER_PARAM_REQUIRED, "Expiry month, 1 to 12"},
    {sizeof(tender_param_spec), "exp_year", TENDER_PARAM_REQUIRED,
     "Expiry year, 4 digits (2 digits mean 20YY)"},
    {sizeof(tender_param_spec), "cvc", TENDER_PARAM_SENSITIVE,
     "Security code: 3 digits, 4 for Amex; required except for Maestro"},
    {sizeof(tender_param_spec), "holder", 0, "Cardholder name (optional)"},
};

static const tender_param_spec card_action_params[] = {
    {sizeof(tender_param_spec), "otp", TENDER_PARAM_SENSITIVE,
     "Sandbox mode only: the 3-D Secure code, submitted to the gateway's page as the payer's "
     "browser would; without it, complete asks the gateway how the payer's challenge went"},
};

static int card_create(const tender_host_services *host, const char *method_id, void **instance,
                       char *error, size_t error_size)
{
    card_config *config = calloc(1, sizeof *config);
    if (config == NULL) {
        tender_copy_string(error, error_size, "card: out of memory");
        return -1;
    }
    if (card_config_read(host, method_id, config, error, error_size) != 0) {
        free(config);
        return -1;
    }
    /* json-glib registers GObject types, which must outlive an unload. */
    tender_keep_library_resident((const void *)json_parser_new);
    tender_log(host, TENDER_LOG_INFO, method_id,
               "card gateway client ready (%s mode, %s, unionpay_luhn_exempt=%s%s)",
               config->live ? "live" : "sandbox", config->endpoint,
               config->unionpay_luhn_exempt ? "true" : "false",
               config->webhook_secret[0] ? ", webhooks verified" : ", no webhook secret");
    *instance = config;
    return 0;
}

static void card_destroy(void *instance)
{
    if (instance) {
        /* The secrets do not outlive the instance in freed memory. */
        memset(instance, 0, sizeof(card_config));
        free(instance);
    }
}

static const tender_method_ops card_ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = card_create,
    .destroy = card_destroy,
    .authorize = card_authorize,
    .purchase = card_purchase,
    .capture = card_capture,
    .void_payment = card_void,
    .refund = card_refund,
    .sync = card_sync,
    .complete_action = card_complete_action,
    .identify_notification = card_identify_notification,
    .notification = card_notification,
    .sandbox_fixtures = card_fixtures,
    /* The gateway's events are sent by the gateway (tender-sandbox in test
     * mode): the plugin does not make them up. */
    .sandbox_notification = NULL,
    .describe_instrument = card_describe_instrument,
};

static const tender_method card_method = {
    .struct_size = sizeof(tender_method),
    .id = "card",
    .name = "Bank card",
    .capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE | TENDER_CAP_CAPTURE |
                    TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_MULTI_CAPTURE | TENDER_CAP_VOID |
                    TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND | TENDER_CAP_SYNC |
                    TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION |
                    TENDER_CAP_THREAD_SAFE | TENDER_CAP_STEP_UP,
    .regions = card_regions,
    .currencies = card_currencies,
    .n_currencies = sizeof card_currencies / sizeof card_currencies[0],
    .params = card_params,
    .n_params = CARD_N_PARAMS,
    .action_params = card_action_params,
    .n_action_params = TENDER_N_ELEMENTS(card_action_params),
    .hold_seconds = CARD_HOLD_SECONDS,
    .action_timeout_seconds = CARD_ACTION_TIMEOUT_SECONDS,
    .over_capture_bps = 0,
    .over_capture_max_extra = 0,
    .over_capture_currency = NULL,
    .tiers = NULL,
    .ops = &card_ops,
};

TENDER_PLUGIN_DEFINE_ONE_METHOD(
    "card", "Bank card", "1.0.0",
    "Bundled bank-card method: IIN brand detection, Luhn, expiry and security "
    "code checks, then a PaymentIntents card gateway client (3-D Secure, "
    "multicapture, refunds, signed webhooks)",
    card_method)
