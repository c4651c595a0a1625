/* The WebMoney method: its facts, settings, and the operations that are not
 * about notifications or protection codes (purchase, sync, refund).
 *
 * WebMoney only sells: a payment is one transfer from the payer's purse to
 * the merchant's purse of the same type, so the method declares PURCHASE and
 * no AUTHORIZE/CAPTURE. Two ways to pay:
 *  - the merchant payment page (no protection_days): ACTION_REQUIRED redirect,
 *    finished by WebMoney's signed payment notification;
 *  - a code-protected transfer (protection_days + protection_code): the funds
 *    are locked until complete_action brings the code (webmoney-protect.c).
 * Refunds are transfers back to the payer's purse, full or partial. */
#include <string.h>

#include "webmoney.h"

/* Sandbox defaults: one merchant purse per supported type, and a secret key
 * that is public on purpose (docs/methods/webmoney.md). */
#define DEFAULT_PAYEES "Z100000000001,E100000000001,K100000000001,B100000000001," \
                       "V100000000001,Y100000000001"
#define DEFAULT_SECRET "tender-sandbox-webmoney-secret"
#define SECRET_KEY_MAX 50 /* WebMoney's limit for the merchant secret key */

/* ---- small shared helpers ------------------------------------------------ */

void wm_set_display(tender_result *res, const char *purse, const char *wmid)
{
    const wm_purse_type *type = wm_purse_type_of(purse[0]);
    TENDER_SETF(res, display_brand, "WebMoney %s", type ? type->title : "");
    /* Purse numbers are public account numbers (printed on every invoice),
     * not secrets; the WMID goes to details. */
    TENDER_SET(res, display_account, purse);
    (void)wmid;
}

const char *wm_payee_for_letter(const wm_instance *wm, char letter)
{
    for (size_t i = 0; i < wm->n_payees; i++)
        if (wm->payees[i][0] == letter)
            return wm->payees[i];
    return NULL;
}

/* ---- settings ------------------------------------------------------------ */

static int fail(char *error, size_t error_size, const char *message)
{
    tender_copy_string(error, error_size, message);
    return 1;
}

/* Parse "Z…,E…" into wm->payees: well formed, a supported type, one purse
 * per type (a transfer only goes between purses of one type). */
static int read_payees(wm_instance *wm, const char *list, char *error, size_t error_size)
{
    char **items = g_strsplit(list, ",", -1);
    int rc = 0;
    wm->n_payees = 0;
    for (size_t i = 0; items[i] && rc == 0; i++) {
        char *purse = g_strstrip(items[i]);
        const wm_purse_type *type = wm_purse_well_formed(purse) ? wm_purse_type_of(purse[0]) : NULL;
        char message[256];
        if (type == NULL || type->kind != WM_PURSE_SUPPORTED) {
            g_snprintf(message, sizeof message,
                       "webmoney settings: payee_purse \"%s\" must be a Z, E, K, B, V or Y "
                       "purse: one type letter and 12 digits", purse);
            rc = fail(error, error_size, message);
        } else if (wm_payee_for_letter(wm, purse[0]) != NULL) {
            g_snprintf(message, sizeof message,
                       "webmoney settings: payee_purse lists two %s purses; give one per type",
                       type->title);
            rc = fail(error, error_size, message);
        } else {
            tender_copy_string(wm->payees[wm->n_payees++], sizeof wm->payees[0], purse);
        }
    }
    if (rc == 0 && wm->n_payees == 0)
        rc = fail(error, error_size, "webmoney settings: payee_purse is empty");
    g_strfreev(items);
    return rc;
}

static int wm_create(const tender_host_services *host, const char *method_id, void **instance,
                     char *error, size_t error_size)
{
    if (!tender_host_services_complete(host))
        return fail(error, error_size, "webmoney: the host lacks clock or config services");
    wm_instance *wm = g_new0(wm_instance, 1);
    wm->host = host;
    tender_copy_string(wm->method_id, sizeof wm->method_id, method_id);

    char text[256];
    int rc = tender_setting_require_sandbox(host, method_id, "webmoney settings", error,
                                            error_size);
    if (rc == 0) {
        int got = tender_setting_string(host, method_id, "payee_purse", DEFAULT_PAYEES, text,
                                        sizeof text, NULL, 0);
        if (got < 0)
            rc = fail(error, error_size,
                      "webmoney settings: payee_purse must be a string of purses, "
                      "e.g. \"Z100000000001,E100000000001\"");
        else
            rc = read_payees(wm, text, error, error_size);
    }

    if (rc == 0) {
        int got = tender_setting_string(host, method_id, "secret_key", DEFAULT_SECRET, text,
                                        sizeof text, NULL, 0);
        if (got < 0 || (got == 1 && (text[0] == '\0' || strlen(text) > SECRET_KEY_MAX)))
            rc = fail(error, error_size,
                      "webmoney settings: secret_key must be a string of 1 to 50 characters");
        else
            tender_copy_string(wm->secret_key, sizeof wm->secret_key, text);
    }

    if (rc == 0 && tender_setting_bool(host, method_id, "test_mode", 0, &wm->test_mode, NULL,
                                       0) < 0)
        rc = fail(error, error_size, "webmoney settings: test_mode must be true or false");

    if (rc != 0) {
        g_free(wm);
        return rc;
    }
    *instance = wm;
    return 0;
}

static void wm_destroy(void *instance)
{
    g_free(instance);
}

/* ---- purchase ------------------------------------------------------------ */

/* Validate protection_days / protection_code. Returns the days (0: none) or
 * -1 after declining res. */
static int read_protection(const tender_request *req, const char **code, tender_result *res)
{
    const char *days_text = tender_request_param(req, "protection_days");
    *code = tender_request_param(req, "protection_code");
    if (days_text == NULL || days_text[0] == '\0') {
        if (*code && (*code)[0]) {
            /* X2 refuses a code without a period rather than ignore it. */
            tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-10",
                                  "protection_code is only used with protection_days "
                                  "(a protected transfer)");
            return -1;
        }
        return 0;
    }
    gint64 days = 0;
    if (!tender_all_digits(days_text) || strlen(days_text) > 3 ||
        (days = g_ascii_strtoll(days_text, NULL, 10)) < 1 || days > WM_PROTECTION_DAYS_MAX) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-8",
                              "protection_days must be a whole number of days from 1 to %d",
                              WM_PROTECTION_DAYS_MAX);
        return -1;
    }
    if (*code == NULL || (*code)[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-9",
                              "protection_code is required with protection_days: the code "
                              "the payer will give to release the transfer");
        return -1;
    }
    if (strlen(*code) > WM_PROTECTION_CODE_MAX || !g_utf8_validate(*code, -1, NULL)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-9",
                              "protection_code must be text of at most %d bytes",
                              WM_PROTECTION_CODE_MAX);
        return -1;
    }
    return (int)days;
}

/* The parameters of purchase; the SDK checks the required ones. */
static const tender_param_spec wm_params[] = {
    {sizeof(tender_param_spec), "purse", TENDER_PARAM_REQUIRED,
     "payer's purse: type letter + 12 digits (Z USD, E EUR, K KZT, B BYN, V VND, Y UZS)"},
    {sizeof(tender_param_spec), "wmid", TENDER_PARAM_REQUIRED, "payer's WMID: 12 digits"},
    {sizeof(tender_param_spec), "protection_days", 0,
     "protect the transfer with a code for 1-255 days"},
    {sizeof(tender_param_spec), "protection_code", TENDER_PARAM_SENSITIVE,
     "the payer's protection code (with protection_days)"},
    {sizeof(tender_param_spec), "description", 0, "what is paid for (LMI_PAYMENT_DESC)"},
};

static void wm_purchase(void *instance, const tender_request *req, tender_result *res)
{
    const wm_instance *wm = instance;
    const wm_purse_type *type = wm_purse_type_for_currency(req->currency);
    if (type == NULL) {
        tender_result_decline(res, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, "no_purse_type",
                              "WebMoney has no purse type for %s (supported: USD, EUR, KZT, "
                              "BYN, VND, UZS)", req->currency ? req->currency : "?");
        return;
    }
    if (req->amount <= 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "-6",
                              "amount must be above zero");
        return;
    }
    /* purse and wmid, as the method's specs flag them. */
    if (!tender_check_required_params(wm_params, G_N_ELEMENTS(wm_params), req, "-4", res))
        return;
    const char *purse = tender_request_param(req, "purse");
    if (!wm_check_payer_purse(purse, req->currency, res))
        return;
    const char *wmid = tender_request_param(req, "wmid");
    if (!wm_wmid_well_formed(wmid)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "-15",
                              "wmid must be exactly 12 digits");
        return;
    }
    const char *code = NULL;
    int days = read_protection(req, &code, res);
    if (days < 0)
        return;
    const char *description = tender_request_param(req, "description");
    if (description && (strlen(description) > WM_DESCRIPTION_MAX ||
                        !g_utf8_validate(description, -1, NULL))) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-7",
                              "description must be UTF-8 text of at most %d bytes",
                              WM_DESCRIPTION_MAX);
        return;
    }
    const char *payee = wm_payee_for_letter(wm, type->letter);
    if (payee == NULL) {
        tender_result_decline(res, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, "no_payee_purse",
                              "this merchant has no %s purse to receive %s (settings: "
                              "payee_purse)", type->title, req->currency);
        return;
    }
    char amount_wire[32];
    if (!tender_money_to_wire(req->amount, req->exponent, 1, amount_wire, sizeof amount_wire)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "-6",
                              "amount cannot be written for WebMoney");
        return;
    }

    wm_set_display(res, purse, wmid);
    if (!wm_sandbox_check_payer(purse, wmid, res))
        return;

    wm_state st = {0};
    tender_copy_string(st.payer, sizeof st.payer, purse);
    tender_copy_string(st.wmid, sizeof st.wmid, wmid);
    tender_copy_string(st.payee, sizeof st.payee, payee);
    tender_copy_string(st.currency, sizeof st.currency, req->currency);
    st.amount = req->amount;
    st.created = tender_now_ms(wm->host);

    if (days > 0) {
        wm_protected_start(wm, req, days, code, &st, res);
        return;
    }

    if (description && description[0])
        tender_copy_string(st.desc, sizeof st.desc, description);
    else
        g_snprintf(st.desc, sizeof st.desc, "Payment %s", req->payment_id ? req->payment_id : "");
    uint32_t no = wm_payment_number(req->payment_id);
    st.flow = WM_FLOW_MERCHANT;
    st.status = WM_STATUS_WAITING;
    st.pno = no;

    if (!wm_payment_page_url(wm, payee, amount_wire, no, st.desc, req->payment_id,
                             res->action_data, sizeof res->action_data) ||
        !wm_state_store(&st, res)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-7",
                              "description is too long for the payment page address");
        res->action_data[0] = '\0';
        res->plugin_state[0] = '\0';
        return;
    }
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_REDIRECT;
    TENDER_SETF(res, action_hint, "Pay %s %s from your %s purse on the WebMoney payment page.",
                amount_wire, req->currency, type->title);
    res->action_expires_ms = tender_now_ms(wm->host) + (int64_t)WM_PAGE_TIMEOUT_SECONDS * 1000;
    TENDER_SETF(res, details, "lmi_payment_no=%u\nlmi_payment_amount=%s\nwmid=%s\n", no,
                amount_wire, wmid);
    TENDER_SET(res, raw_code, "0");
    TENDER_SET(res, message, "waiting for the payer on the WebMoney payment page");
    tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
               "payment %s: payment page for LMI_PAYMENT_NO %u, %s %s", req->payment_id, no,
               amount_wire, req->currency);
}

/* ---- sync ---------------------------------------------------------------- */

static void merchant_sync(const wm_instance *wm, const tender_request *req, const wm_state *st,
                          tender_result *res)
{
    if (st->status == WM_STATUS_PAID) {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = st->amount;
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "paid");
        return;
    }
    if (st->status != WM_STATUS_WAITING) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "unreadable plugin state for a payment-page payment");
        return;
    }
    int64_t expires = st->created + (int64_t)WM_PAGE_TIMEOUT_SECONDS * 1000;
    if (tender_now_ms(wm->host) >= expires) {
        tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "page_expired",
                              "the payer did not pay on the WebMoney payment page in time");
        res->event = TENDER_EVENT_EXPIRED;
        return;
    }
    /* Still waiting: WebMoney has reported nothing for this payment number. */
    char amount_wire[32];
    tender_money_to_wire(st->amount, req->exponent, 1, amount_wire, sizeof amount_wire);
    wm_payment_page_url(wm, st->payee, amount_wire, st->pno, st->desc, req->payment_id,
                        res->action_data, sizeof res->action_data);
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_REDIRECT;
    res->action_expires_ms = expires;
    res->event = TENDER_EVENT_ACTION_REQUIRED;
    TENDER_SET(res, raw_code, "0");
    TENDER_SET(res, message, "waiting for the payer on the WebMoney payment page");
}

static void wm_sync(void *instance, const tender_request *req, tender_result *res)
{
    const wm_instance *wm = instance;
    wm_state st;
    if (!wm_state_load(req->plugin_state, &st)) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "no WebMoney state for this payment");
        return;
    }
    if (st.flow == WM_FLOW_PROTECTED)
        wm_protected_sync(wm, req, &st, res);
    else
        merchant_sync(wm, req, &st, res);
    /* Money sent back since: report the refunded total instead. */
    if (res->event == TENDER_EVENT_CAPTURED && st.refunded > 0) {
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = st.refunded;
        TENDER_SET(res, message, "paid, then refunded in part or in full");
    }
}

/* ---- refund -------------------------------------------------------------- */

/* The amount an earlier refund with this transfer number moved, or -1. The
 * list is "no:amount;no:amount". */
static void wm_refund(void *instance, const tender_request *req, tender_result *res)
{
    const wm_instance *wm = instance;
    wm_state st;
    int have_state = wm_state_load(req->plugin_state, &st);
    /* The purse that paid (the result notification names it), else the one
     * the payer gave (a protected transfer). */
    const char *payer = st.paid_from[0] ? st.paid_from : st.payer;

    if (!have_state || (st.status != WM_STATUS_PAID && st.status != WM_STATUS_RELEASED)) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_paid",
                              "only a paid WebMoney payment can be refunded (it is %s)",
                              have_state ? wm_status_name(st.status) : "unknown");
        return;
    }
    char no[24];
    g_snprintf(no, sizeof no, "%" G_GUINT64_FORMAT, wm_sandbox_refund_no(req->request_id));
    int64_t earlier = tender_id_list_amount(st.refunds, ';', ':', no);
    if (earlier >= 0) {
        /* X2 refuses a repeated tranid: the transfer was already made. */
        res->amount = earlier;
        TENDER_SET(res, processor_ref, no);
        TENDER_SETF(res, details, "refund_transfer=%s\nreplayed=1\n", no);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "103",
                              "this refund transfer was already made; nothing sent twice");
        return;
    }
    if (req->amount <= 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "13",
                              "refund amount must be above zero");
        return;
    }
    if (req->amount > st.amount - st.refunded) {
        char left[32];
        tender_money_to_wire(st.amount - st.refunded, req->exponent, 1, left, sizeof left);
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "refund_exceeds_paid",
                              "amount: a refund may not exceed what remains of the payment "
                              "(%s %s)", left, req->currency ? req->currency : "");
        return;
    }

    wm_state next = st;
    next.refunded = st.refunded + req->amount;
    if (tender_id_list_add_amount(next.refunds, sizeof next.refunds, ';', ':', SIZE_MAX, no,
                                  req->amount) != 1 ||
        !wm_state_store(&next, res)) {
        res->plugin_state[0] = '\0';
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "too_many_refunds",
                              "this payment has too many refunds to record another");
        return;
    }
    char amount_wire[32];
    tender_money_to_wire(req->amount, req->exponent, 1, amount_wire, sizeof amount_wire);
    TENDER_SET(res, processor_ref, no);
    TENDER_SETF(res, details, "refund_transfer=%s\nto_purse=%s\namount=%s\n", no, payer,
                amount_wire);
    res->amount = req->amount;
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                          "refunded by a transfer back to the payer's purse");
    tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
               "payment %s: refund transfer %s of %s to %s", req->payment_id, no, amount_wire,
               payer);
}

/* ---- the method table ---------------------------------------------------- */

static const char *const regions[] = {"*", NULL};

static const tender_currency_fact currencies[] = {
    {sizeof(tender_currency_fact), "USD", -1, 0, 0, NULL}, /* Z */
    {sizeof(tender_currency_fact), "EUR", -1, 0, 0, NULL}, /* E */
    {sizeof(tender_currency_fact), "KZT", -1, 0, 0, NULL}, /* K */
    {sizeof(tender_currency_fact), "BYN", -1, 0, 0, NULL}, /* B */
    {sizeof(tender_currency_fact), "VND", -1, 0, 0, NULL}, /* V */
    {sizeof(tender_currency_fact), "UZS", -1, 0, 0, NULL}, /* Y */
};


static const tender_param_spec action_params[] = {
    {sizeof(tender_param_spec), "protection_code", TENDER_PARAM_SENSITIVE,
     "the protection code that releases the transfer"},
};

/* Passports, lowest first; their spending limits live in the host's policy. */
static const char *const tiers[] = {"alias", "formal", "initial", "personal", "merchant", NULL};

static const tender_method_ops ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = wm_create,
    .destroy = wm_destroy,
    .purchase = wm_purchase,
    .refund = wm_refund,
    .sync = wm_sync,
    .complete_action = wm_complete_action,
    .identify_notification = wm_identify_notification,
    .notification = wm_notification,
    .sandbox_fixtures = wm_sandbox_fixtures,
    .sandbox_notification = wm_sandbox_notification,
};

static const tender_method method = {
    .struct_size = sizeof(tender_method),
    .id = WM_METHOD_ID,
    .name = "WebMoney",
    .capabilities = TENDER_CAP_PURCHASE | TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION |
                    TENDER_CAP_SYNC | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_THREAD_SAFE,
    .regions = regions,
    .currencies = currencies,
    .n_currencies = G_N_ELEMENTS(currencies),
    .params = wm_params,
    .n_params = G_N_ELEMENTS(wm_params),
    .action_params = action_params,
    .n_action_params = G_N_ELEMENTS(action_params),
    .hold_seconds = 0,
    .action_timeout_seconds = WM_PAGE_TIMEOUT_SECONDS,
    .tiers = tiers,
    .ops = &ops,
};

TENDER_PLUGIN_DEFINE_ONE_METHOD(
    "webmoney", "WebMoney", "1.0.0",
    "WebMoney purses: merchant payment page with LMI_HASH-signed notifications, "
    "code-protected transfers, refunds; offline sandbox",
    method)
