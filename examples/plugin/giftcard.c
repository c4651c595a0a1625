/* giftcard: a third-party Tender payment method, built out of tree against
 * the installed SDK alone (see meson.build and README.md).
 *
 * A gift card is a 16-digit number and a 4-digit PIN, both sensitive. An
 * authorization holds part of the card's balance; the merchant then redeems
 * it in one or several partial captures, releases it (void), and refunds
 * back to the card. The built-in sandbox knows a few test cards with fixed
 * balances; everything it must remember about a payment travels in
 * plugin_state, so the plugin keeps no state of its own. */
#include <stdlib.h>
#include <string.h>

#include <tender/sdk.h>

#define METHOD_ID "giftcard"
#define SANDBOX_PIN "1234"

/* The sandbox's cards. Balance in whole units of any currency. */
typedef struct {
    const char *number;
    int64_t balance;                  /* whole units; -1: not usable */
    tender_decline_code refusal;      /* when not usable */
    const char *raw;
    const char *why;
} SandboxCard;

static const SandboxCard sandbox_cards[] = {
    {"6036000000000001", 100, TENDER_DECLINE_NONE, "00", ""},
    {"6036000000000002", 5, TENDER_DECLINE_NONE, "00", ""},
    {"6036000000000003", -1, TENDER_DECLINE_EXPIRED_METHOD, "54", "the gift card has expired"},
    {"6036000000000004", -1, TENDER_DECLINE_RESTRICTED, "62", "the gift card is blocked"},
};

typedef struct {
    const tender_host_services *host;
    char method_id[32];
} Instance;

/* Settings: "mode" ("sandbox", the default and only processor). */
static int giftcard_create(const tender_host_services *host, const char *method_id,
                           void **instance, char *error, size_t error_size)
{
    char mode[32];
    int got = host->config_string(host, method_id, "mode", mode, sizeof mode);
    if (got < 0 || (got > 0 && strcmp(mode, "sandbox") != 0)) {
        tender_copy_string(error, error_size,
                           "giftcard: setting \"mode\" must be \"sandbox\" (this plugin has no "
                           "live processor)");
        return 1;
    }
    Instance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        tender_copy_string(error, error_size, "giftcard: out of memory");
        return 1;
    }
    inst->host = host;
    tender_copy_string(inst->method_id, sizeof inst->method_id, method_id);
    *instance = inst;
    return 0;
}

static void giftcard_destroy(void *instance)
{
    free(instance);
}

static int64_t pow10i(int exponent)
{
    int64_t p = 1;
    for (int i = 0; i < exponent; i++)
        p *= 10;
    return p;
}

/* Check the card parameters; on a problem finish res as DECLINED. */
static const SandboxCard *check_card(const tender_request *req, tender_result *res)
{
    const char *number = tender_request_param(req, "number");
    const char *pin = tender_request_param(req, "pin");
    if (number == NULL || number[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "missing",
                              "parameter number is required");
        return NULL;
    }
    if (strlen(number) != 16 || !tender_all_digits(number)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, "14",
                              "parameter number must be the card's 16 digits");
        return NULL;
    }
    if (pin == NULL || pin[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "missing",
                              "parameter pin is required");
        return NULL;
    }
    if (strlen(pin) != 4 || !tender_all_digits(pin)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_SECURITY_CODE, "55",
                              "parameter pin must be 4 digits");
        return NULL;
    }
    /* Display data only: never the number or the PIN. */
    TENDER_SET(res, display_brand, "Gift card");
    TENDER_SET(res, display_last4, number + 12);
    for (size_t i = 0; i < sizeof sandbox_cards / sizeof sandbox_cards[0]; i++) {
        if (strcmp(sandbox_cards[i].number, number) != 0)
            continue;
        if (strcmp(pin, SANDBOX_PIN) != 0) {
            tender_result_decline(res, TENDER_DECLINE_INVALID_SECURITY_CODE, "55",
                                  "parameter pin does not match the card");
            return NULL;
        }
        return &sandbox_cards[i];
    }
    tender_result_decline(res, TENDER_DECLINE_INVALID_NUMBER, "14",
                          "parameter number is not a known gift card");
    return NULL;
}

/* Authorize: hold the amount on the card's balance. */
static void giftcard_authorize(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    const SandboxCard *card = check_card(req, res);
    if (card == NULL)
        return;
    /* One reference per request id: a retried request gets the same hold. */
    TENDER_SETF(res, processor_ref, "gc_%s", req->request_id);
    if (card->balance < 0) {
        tender_result_decline(res, card->refusal, card->raw, "%s", card->why);
        return;
    }
    if (req->amount > card->balance * pow10i(req->exponent)) {
        tender_result_decline(res, TENDER_DECLINE_INSUFFICIENT_FUNDS, "51",
                              "the gift card's balance is lower than the amount");
        return;
    }
    tender_kv_set_int(res->plugin_state, sizeof res->plugin_state, "held", req->amount);
    tender_kv_set(res->plugin_state, sizeof res->plugin_state, "last4", card->number + 12);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "held on the gift card");
}

/* Capture (redeem) part or all of the hold; several partial captures are
 * fine. */
static void giftcard_capture(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    int64_t held = tender_kv_get_int(req->plugin_state, "held", req->authorized_amount);
    if (req->amount <= 0 || req->captured_amount + req->amount > held) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "13",
                              "capture amount exceeds what is left of the hold");
        return;
    }
    TENDER_SETF(res, processor_ref, "gc_%s", req->request_id);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "redeemed");
}

/* Void: release a hold nothing was redeemed from. */
static void giftcard_void(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    if (req->captured_amount > 0) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "12",
                              "part of the hold was redeemed: refund instead");
        return;
    }
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "hold released");
}

/* Refund: put redeemed value back on the card, in parts if needed. */
static void giftcard_refund(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    if (req->amount <= 0 || req->refunded_amount + req->amount > req->captured_amount) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "13",
                              "refund amount exceeds what was redeemed and not yet refunded");
        return;
    }
    TENDER_SETF(res, processor_ref, "gc_%s", req->request_id);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "returned to the gift card");
}

/* The sandbox answers at once, so a sync finds nothing new. */
static void giftcard_sync(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    (void)req;
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "00", "no change");
    res->event = TENDER_EVENT_NONE;
}

#define CARD(id, number, pin) static const tender_param id[] = {{"number", number}, {"pin", pin}}
CARD(card_100, "6036000000000001", SANDBOX_PIN);
CARD(card_5, "6036000000000002", SANDBOX_PIN);
CARD(card_expired, "6036000000000003", SANDBOX_PIN);
CARD(card_blocked, "6036000000000004", SANDBOX_PIN);
CARD(card_wrong_pin, "6036000000000001", "4321");
CARD(card_unknown, "6036000000009999", SANDBOX_PIN);

#define FIX(name, region, cur, amount, params, outcome, decline)                             \
    {sizeof(tender_fixture), name, region, cur, amount, "", params, 2, outcome, decline, NULL, \
     0, NULL, 0}

static const tender_fixture fixtures[] = {
    FIX("approved", "US", "USD", "20.00", card_100, TENDER_OUTCOME_APPROVED, 0),
    FIX("approved_eur", "DE", "EUR", "99.99", card_100, TENDER_OUTCOME_APPROVED, 0),
    FIX("insufficient_funds", "US", "USD", "20.00", card_5, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_INSUFFICIENT_FUNDS),
    FIX("expired", "US", "USD", "20.00", card_expired, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_EXPIRED_METHOD),
    FIX("blocked", "GB", "GBP", "20.00", card_blocked, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_RESTRICTED),
    FIX("wrong_pin", "US", "USD", "20.00", card_wrong_pin, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_INVALID_SECURITY_CODE),
    FIX("unknown_card", "CA", "CAD", "20.00", card_unknown, TENDER_OUTCOME_DECLINED,
        TENDER_DECLINE_INVALID_NUMBER),
};

static const tender_fixture *giftcard_fixtures(size_t *n)
{
    *n = sizeof fixtures / sizeof fixtures[0];
    return fixtures;
}

static const tender_method_ops ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = giftcard_create,
    .destroy = giftcard_destroy,
    .authorize = giftcard_authorize,
    .capture = giftcard_capture,
    .void_payment = giftcard_void,
    .refund = giftcard_refund,
    .sync = giftcard_sync,
    .sandbox_fixtures = giftcard_fixtures,
};

static const char *const regions[] = {"*", NULL};

static const tender_currency_fact currencies[] = {
    {sizeof(tender_currency_fact), "USD", -1, 1, 0, NULL},
    {sizeof(tender_currency_fact), "EUR", -1, 1, 0, NULL},
    {sizeof(tender_currency_fact), "GBP", -1, 1, 0, NULL},
    {sizeof(tender_currency_fact), "CAD", -1, 1, 0, NULL},
};

static const tender_param_spec params[] = {
    {sizeof(tender_param_spec), "number", TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE,
     "the gift card's 16-digit number (sandbox: 6036000000000001 has 100.00, "
     "…0002 has 5.00, …0003 expired, …0004 blocked)"},
    {sizeof(tender_param_spec), "pin", TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE,
     "the 4-digit PIN under the scratch-off panel (sandbox: 1234)"},
};

static const tender_method method = {
    .struct_size = sizeof(tender_method),
    .id = METHOD_ID,
    .name = "Gift card",
    .capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE | TENDER_CAP_PARTIAL_CAPTURE |
                    TENDER_CAP_MULTI_CAPTURE | TENDER_CAP_VOID | TENDER_CAP_REFUND |
                    TENDER_CAP_PARTIAL_REFUND | TENDER_CAP_SYNC | TENDER_CAP_THREAD_SAFE,
    .regions = regions,
    .currencies = currencies,
    .n_currencies = sizeof currencies / sizeof currencies[0],
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    /* A hold lapses after 30 days. */
    .hold_seconds = 30 * 24 * 3600,
    .ops = &ops,
};

static const tender_method *const methods[] = {&method};

static const tender_plugin_descriptor descriptor = {
    .struct_size = sizeof(tender_plugin_descriptor),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .id = "example-giftcard",
    .name = "Gift card (example)",
    .version = "1.0.0",
    .description = "Example third-party method: gift cards with a PIN, balance holds and "
                   "partial redemption; offline sandbox",
    .methods = methods,
    .n_methods = 1,
};

TENDER_PLUGIN_DEFINE(descriptor)
