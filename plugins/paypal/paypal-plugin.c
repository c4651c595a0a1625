/* The PayPal plugin: its descriptor, the "paypal" method's facts and
 * parameters, the sandbox fixtures, and the instance's settings. The
 * operations themselves live in paypal-orders.c and paypal-notify.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

#include "paypal-currency.h"
#include "paypal-orders.h"
#include "paypal.h"

/* ---- settings and instances --------------------------------------------- */

/* Read an optional string setting into out ("" when absent); returns 0
 * (and an error naming the setting) when it has another type or is too
 * long. */
static int read_setting(const tender_host_services *host, const char *method_id,
                        const char *key, char *out, size_t out_size, int *present,
                        char *error, size_t error_size)
{
    char why[160];
    int rc = tender_setting_string(host, method_id, key, "", out, out_size, why, sizeof why);
    if (rc < 0)
        snprintf(error, error_size, "PayPal %s", why);
    *present = rc == 1 && out[0] != '\0';
    return rc >= 0;
}

static void paypal_destroy(void *instance)
{
    PaypalInstance *inst = instance;
    if (inst == NULL)
        return;
    X509_STORE_free(inst->webhook_trust);
    EVP_PKEY_free(inst->cert_key);
    g_mutex_clear(&inst->lock);
    memset(inst->client_secret, 0, sizeof inst->client_secret);
    memset(inst->token, 0, sizeof inst->token);
    free(inst);
}

/* The trust store for webhook certificates: webhook_ca_file, or the
 * system's CAs. */
static int load_trust(PaypalInstance *inst, const char *ca_file, char *error, size_t error_size)
{
    inst->webhook_trust = X509_STORE_new();
    if (inst->webhook_trust == NULL) {
        snprintf(error, error_size, "out of memory");
        return 0;
    }
    if (ca_file[0] == '\0')
        return X509_STORE_set_default_paths(inst->webhook_trust) == 1 ||
               (snprintf(error, error_size, "PayPal: the system CA store cannot be loaded"), 0);
    if (X509_STORE_load_file(inst->webhook_trust, ca_file) != 1) {
        snprintf(error, error_size,
                 "PayPal setting \"webhook_ca_file\" is not a readable PEM file of CA "
                 "certificates: %.200s",
                 ca_file);
        return 0;
    }
    return 1;
}

/* Settings: client_id and client_secret (required), mode (sandbox | live),
 * endpoint (default: PayPal's for the mode), webhook_id, webhook_ca_file,
 * intent (CAPTURE | AUTHORIZE). */
static int paypal_create(const tender_host_services *host, const char *method_id,
                         void **instance, char *error, size_t error_size)
{
    char intent[32], mode[16], ca_file[1024];
    int present = 0;
    if (!tender_host_services_complete(host)) {
        snprintf(error, error_size, "the host lacks the services PayPal needs (clock, settings)");
        return 1;
    }
    /* json-glib registers GObject types, which can never be registered
     * twice in a process: it must outlive an unload of this plugin. */
    tender_keep_library_resident((const void *)json_builder_new);
    PaypalInstance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        snprintf(error, error_size, "out of memory");
        return 1;
    }
    g_mutex_init(&inst->lock);
    inst->host = host;
    tender_copy_string(inst->method_id, sizeof inst->method_id, method_id);

    if (!read_setting(host, method_id, "mode", mode, sizeof mode, &present, error, error_size))
        goto fail;
    if (present && strcmp(mode, "live") == 0)
        inst->live = 1;
    else if (present && strcmp(mode, "sandbox") != 0) {
        snprintf(error, error_size, "PayPal setting \"mode\" must be sandbox or live, not \"%.20s\"",
                 mode);
        goto fail;
    }
    if (!read_setting(host, method_id, "endpoint", inst->endpoint, sizeof inst->endpoint,
                      &present, error, error_size))
        goto fail;
    if (!present)
        tender_copy_string(inst->endpoint, sizeof inst->endpoint,
                           inst->live ? PAYPAL_LIVE_ENDPOINT : PAYPAL_SANDBOX_ENDPOINT);
    else if (strncmp(inst->endpoint, "https://", 8) != 0 &&
             strncmp(inst->endpoint, "http://", 7) != 0) {
        snprintf(error, error_size, "PayPal setting \"endpoint\" must be an http(s) URL");
        goto fail;
    }
    size_t len = strlen(inst->endpoint);
    while (len > 0 && inst->endpoint[len - 1] == '/')
        inst->endpoint[--len] = '\0';
    if (!read_setting(host, method_id, "client_id", inst->client_id, sizeof inst->client_id,
                      &present, error, error_size))
        goto fail;
    if (!present) {
        snprintf(error, error_size, "PayPal setting \"client_id\" is required (the REST app's "
                                    "client id)");
        goto fail;
    }
    if (!read_setting(host, method_id, "client_secret", inst->client_secret,
                      sizeof inst->client_secret, &present, error, error_size))
        goto fail;
    if (!present) {
        snprintf(error, error_size, "PayPal setting \"client_secret\" is required (the REST "
                                    "app's secret)");
        goto fail;
    }
    if (!read_setting(host, method_id, "webhook_id", inst->webhook_id, sizeof inst->webhook_id,
                      &present, error, error_size))
        goto fail;
    if (!read_setting(host, method_id, "webhook_ca_file", ca_file, sizeof ca_file, &present,
                      error, error_size) ||
        !load_trust(inst, ca_file, error, error_size))
        goto fail;
    if (!read_setting(host, method_id, "intent", intent, sizeof intent, &present, error,
                      error_size))
        goto fail;
    if (present) {
        if (strcasecmp(intent, "CAPTURE") == 0)
            tender_copy_string(inst->configured_intent, sizeof inst->configured_intent, "CAPTURE");
        else if (strcasecmp(intent, "AUTHORIZE") == 0)
            tender_copy_string(inst->configured_intent, sizeof inst->configured_intent, "AUTHORIZE");
        else {
            snprintf(error, error_size,
                     "PayPal setting \"intent\" must be CAPTURE or AUTHORIZE, not \"%.40s\"", intent);
            goto fail;
        }
    }
    *instance = inst;
    return 0;
fail:
    paypal_destroy(inst);
    return 1;
}

/* ---- operations ---------------------------------------------------------- */

static void op_authorize(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_create(instance, req, res, 0);
}

static void op_purchase(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_create(instance, req, res, 1);
}

static void op_capture(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_capture(instance, req, res);
}

static void op_void(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_void(instance, req, res);
}

static void op_refund(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_refund(instance, req, res);
}

static void op_reauthorize(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_reauthorize(instance, req, res);
}

static void op_sync(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_sync(instance, req, res);
}

static void op_complete(void *instance, const tender_request *req, tender_result *res)
{
    paypal_order_complete(instance, req, res);
}

static void op_identify(void *instance, const tender_request *req, tender_result *res)
{
    paypal_webhook_identify(instance, req, res);
}

static void op_notification(void *instance, const tender_request *req, tender_result *res)
{
    paypal_webhook_apply(instance, req, res);
}

/* ---- sandbox fixtures ------------------------------------------------------ */

#define PARAM(k, v) {k, v}
static const tender_param approve[] = {PARAM("payer_action", "approve")};
static const tender_param cancel[] = {PARAM("payer_action", "cancel")};
static const tender_param intent_authorize[] = {PARAM("intent", "AUTHORIZE")};
static const tender_param intent_capture[] = {PARAM("intent", "CAPTURE")};
static const tender_param payer_declined[] = {PARAM("payer_email", "declined@sandbox.example")};
static const tender_param payer_refused[] = {PARAM("payer_email", "refused@sandbox.example")};
static const tender_param payer_pending[] = {PARAM("intent", "CAPTURE"),
                                             PARAM("payer_email", "pending@sandbox.example")};

#define N(a) TENDER_N_ELEMENTS(a)
/* The three shapes of TENDER_FIXTURE_* with PayPal's fixed parts: the
 * approval by complete_action, by webhook, and a first call that settles. */
#define APPROVE(name, region, cur, amount, params, after) \
    TENDER_FIXTURE_COMPLETE(name, region, cur, amount, "", params, approve, after)
#define NO_PARAMS_(name, region, cur, amount, outcome, decline, done, n_done, event, after) \
    {sizeof(tender_fixture), name, region, cur, amount, "", NULL, 0, outcome, decline, done, \
     n_done, event, after}

static const tender_fixture fixtures[] = {
    APPROVE("approved_capture", "US", "USD", "25.00", intent_capture, TENDER_OUTCOME_APPROVED),
    APPROVE("approved_authorize", "US", "USD", "25.00", intent_authorize,
            TENDER_OUTCOME_APPROVED),
    NO_PARAMS_("cancelled_by_payer", "US", "USD", "25.00", TENDER_OUTCOME_ACTION_REQUIRED, 0,
               cancel, N(cancel), NULL, TENDER_OUTCOME_DECLINED),
    APPROVE("instrument_declined", "US", "USD", "25.00", payer_declined,
            TENDER_OUTCOME_DECLINED),
    APPROVE("transaction_refused", "US", "USD", "25.00", payer_refused, TENDER_OUTCOME_DECLINED),
    APPROVE("capture_pending", "US", "USD", "25.00", payer_pending, TENDER_OUTCOME_PENDING),
    NO_PARAMS_("huf_whole_forints", "HU", "HUF", "1000", TENDER_OUTCOME_ACTION_REQUIRED, 0,
               approve, N(approve), NULL, TENDER_OUTCOME_APPROVED),
    NO_PARAMS_("cny_in_china", "CN", "CNY", "88.00", TENDER_OUTCOME_ACTION_REQUIRED, 0, approve,
               N(approve), NULL, TENDER_OUTCOME_APPROVED),
    NO_PARAMS_("brl_outside_brazil", "US", "BRL", "10.00", TENDER_OUTCOME_DECLINED,
               TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, NULL, 0, NULL, 0),
};

TENDER_FIXTURES_FUNCTION(paypal_fixtures, fixtures)

/* ---- the method ------------------------------------------------------------ */

/* PayPal serves some 200 markets and changes the list over time; the
 * plugin declares everywhere and leaves narrowing to the operator's policy
 * (in-country currencies are bound by their home_region). */
static const char *const regions[] = {"*", NULL};

static const tender_param_spec params[] = {
    {sizeof(tender_param_spec), "intent", 0,
     "CAPTURE or AUTHORIZE: overrides the setting and the operation's default"},
    {sizeof(tender_param_spec), "payer_email", 0,
     "the payer's PayPal e-mail (sandbox test payers: declined@, refused@, payer-action@, pending@)"},
    {sizeof(tender_param_spec), "return_url", 0, "where PayPal sends the payer after approval"},
    {sizeof(tender_param_spec), "cancel_url", 0, "where PayPal sends the payer who cancels"},
};

static const tender_param_spec action_params[] = {
    {sizeof(tender_param_spec), "payer_action", 0,
     "approve (sandbox mode: the plugin acts as the payer) or cancel"},
    {sizeof(tender_param_spec), "PayerID", 0, "from the return URL: the approving payer's id"},
    {sizeof(tender_param_spec), "token", 0, "from the return URL: the order id"},
};

static const tender_method_ops ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = paypal_create,
    .destroy = paypal_destroy,
    .authorize = op_authorize,
    .purchase = op_purchase,
    .capture = op_capture,
    .void_payment = op_void,
    .refund = op_refund,
    .sync = op_sync,
    .complete_action = op_complete,
    .identify_notification = op_identify,
    .notification = op_notification,
    .sandbox_fixtures = paypal_fixtures,
    .reauthorize = op_reauthorize,
};

static const tender_method paypal_method = {
    .struct_size = sizeof(tender_method),
    .id = PAYPAL_METHOD_ID,
    .name = "PayPal",
    .capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE | TENDER_CAP_CAPTURE |
                    TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_MULTI_CAPTURE | TENDER_CAP_VOID |
                    TENDER_CAP_VOID_REMAINDER |
                    TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND | TENDER_CAP_SYNC |
                    TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION |
                    TENDER_CAP_THREAD_SAFE | TENDER_CAP_REAUTHORIZE,
    .regions = regions,
    .currencies = paypal_currency_facts,
    .n_currencies = PAYPAL_N_CURRENCIES,
    .params = params,
    .n_params = N(params),
    .action_params = action_params,
    .n_action_params = N(action_params),
    .hold_seconds = PAYPAL_HOLD_SECONDS,
    .action_timeout_seconds = PAYPAL_ACTION_TIMEOUT_SECONDS,
    .over_capture_bps = PAYPAL_OVER_CAPTURE_BPS,
    .over_capture_max_extra = PAYPAL_OVER_CAPTURE_MAX_EXTRA_USD,
    .over_capture_currency = "USD",
    .tiers = NULL,
    .ops = &ops,
};

TENDER_PLUGIN_DEFINE_ONE_METHOD(
    "paypal", "PayPal", "1.0.0",
    "PayPal Checkout over PayPal's REST API (OAuth, Orders v2, Payments v2): payer approval, "
    "authorize and capture, refunds, webhooks verified by certificate",
    paypal_method)
