/* myplugin: a Tender payment-method plugin made from the SDK template.
 *
 * The method pays with a prepaid voucher code. It is small on purpose and
 * already conforming (tender-conformance passes it): replace the sandbox
 * rules below with your processor's, keep the shape.
 *
 * Rules every plugin follows (docs/plugin-guide.md explains each):
 *  - export only tender_plugin_entry (TENDER_PLUGIN_DEFINE at the bottom);
 *  - keep no global mutable state: remember a payment in res->plugin_state;
 *  - never echo, log or store a SENSITIVE parameter (here: the voucher);
 *  - a missing or malformed parameter is DECLINED with an invalid_* code
 *    and a message naming the parameter;
 *  - the same request_id gives the same processor reference. */
#include <stdlib.h>
#include <string.h>

#include <tender/sdk.h>

#define METHOD_ID "myplugin"

/* Sandbox vouchers (documented in README.md and declared as fixtures). */
#define VOUCHER_OK "VOUCHER-OK-0001"
#define VOUCHER_LOW "VOUCHER-LOW-0051"

typedef struct {
    const tender_host_services *host;
} Instance;

/* Settings: "mode" (only "sandbox" in this template). */
static int myplugin_create(const tender_host_services *host, const char *method_id,
                           void **instance, char *error, size_t error_size)
{
    char mode[32];
    int got = host->config_string(host, method_id, "mode", mode, sizeof mode);
    if (got < 0 || (got > 0 && strcmp(mode, "sandbox") != 0)) {
        tender_copy_string(error, error_size,
                           METHOD_ID ": setting \"mode\" must be \"sandbox\" (the only "
                           "processor this plugin has)");
        return 1;
    }
    Instance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        tender_copy_string(error, error_size, METHOD_ID ": out of memory");
        return 1;
    }
    inst->host = host;
    *instance = inst;
    return 0;
}

static void myplugin_destroy(void *instance)
{
    free(instance);
}

/* Purchase: take the amount from the voucher at once. */
static void myplugin_purchase(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    const char *voucher = tender_request_param(req, "voucher");
    if (voucher == NULL || voucher[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "missing",
                              "parameter voucher is required");
        return;
    }
    /* The reference derives from the request id: a retry gets the same. */
    TENDER_SETF(res, processor_ref, "vch_%s", req->request_id);
    if (strcmp(voucher, VOUCHER_LOW) == 0) {
        tender_result_decline(res, TENDER_DECLINE_INSUFFICIENT_FUNDS, "51",
                              "the voucher's balance is too low");
        return;
    }
    if (strcmp(voucher, VOUCHER_OK) != 0) {
        /* Name the parameter, never its value. */
        tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "14",
                              "parameter voucher is not a valid voucher code");
        return;
    }
    tender_kv_set_int(res->plugin_state, sizeof res->plugin_state, "paid", req->amount);
    TENDER_SET(res, display_account, "voucher ending 0001");
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "paid");
}

/* Refund part or all of what was captured. */
static void myplugin_refund(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    if (req->amount <= 0 || req->refunded_amount + req->amount > req->captured_amount) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "13",
                              "refund amount exceeds what is left to refund");
        return;
    }
    TENDER_SETF(res, processor_ref, "vch_%s", req->request_id);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "refunded");
}

/* The sandbox settles at once: there is nothing new to report. */
static void myplugin_sync(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    (void)req;
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "no change");
    res->event = TENDER_EVENT_NONE;
}

static const tender_param fixture_ok[] = {{"voucher", VOUCHER_OK}};
static const tender_param fixture_low[] = {{"voucher", VOUCHER_LOW}};

static const tender_fixture fixtures[] = {
    {sizeof(tender_fixture), "approved", "US", "USD", "12.50", "", fixture_ok, 1,
     TENDER_OUTCOME_APPROVED, TENDER_DECLINE_NONE, NULL, 0, NULL, 0},
    {sizeof(tender_fixture), "insufficient_funds", "US", "USD", "12.50", "", fixture_low, 1,
     TENDER_OUTCOME_DECLINED, TENDER_DECLINE_INSUFFICIENT_FUNDS, NULL, 0, NULL, 0},
};

static const tender_fixture *myplugin_fixtures(size_t *n)
{
    *n = sizeof fixtures / sizeof fixtures[0];
    return fixtures;
}

static const tender_method_ops ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = myplugin_create,
    .destroy = myplugin_destroy,
    .purchase = myplugin_purchase,
    .refund = myplugin_refund,
    .sync = myplugin_sync,
    .sandbox_fixtures = myplugin_fixtures,
};

static const char *const regions[] = {"US", "CA", NULL};

static const tender_currency_fact currencies[] = {
    {sizeof(tender_currency_fact), "USD", -1, 100, 50000, NULL}, /* 1.00 .. 500.00 */
    {sizeof(tender_currency_fact), "CAD", -1, 100, 50000, NULL},
};

static const tender_param_spec params[] = {
    {sizeof(tender_param_spec), "voucher", TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE,
     "the voucher code printed on the card"},
};

static const tender_method method = {
    .struct_size = sizeof(tender_method),
    .id = METHOD_ID,
    .name = "Prepaid voucher (myplugin)",
    .capabilities = TENDER_CAP_PURCHASE | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_SYNC | TENDER_CAP_THREAD_SAFE,
    .regions = regions,
    .currencies = currencies,
    .n_currencies = sizeof currencies / sizeof currencies[0],
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .ops = &ops,
};

static const tender_method *const methods[] = {&method};

static const tender_plugin_descriptor descriptor = {
    .struct_size = sizeof(tender_plugin_descriptor),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .id = METHOD_ID,
    .name = "myplugin",
    .version = "0.1.0",
    .description = "Prepaid vouchers (made from the Tender SDK template)",
    .methods = methods,
    .n_methods = 1,
};

TENDER_PLUGIN_DEFINE(descriptor)
