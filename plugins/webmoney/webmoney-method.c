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

/* ---- create -------------------------------------------------------------- */

static int wm_create(const tender_host_services *host, const char *method_id, void **instance,
                     char *error, size_t error_size)
{
    if (!tender_host_services_complete(host)) {
        tender_copy_string(error, error_size, "webmoney: the host lacks clock or config services");
        return 1;
    }
    wm_instance *wm = wm_config_read(host, method_id, error, error_size);
    if (wm == NULL)
        return 1;
    *instance = wm;
    return 0;
}

static void wm_destroy(void *instance)
{
    wm_config_free(instance);
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
    {sizeof(tender_param_spec), "return_url", 0,
     "where the payment page sends the payer after paying (LMI_SUCCESS_URL)"},
    {sizeof(tender_param_spec), "cancel_url", 0,
     "where the payment page sends the payer who did not pay (LMI_FAIL_URL)"},
};

/* return_url and cancel_url: absent, or an absolute http(s) address that
 * fits the state (WebMoney sends the payer's browser there, nothing more). */
static int way_back_ok(const char *url, const char *name, tender_result *res)
{
    if (url == NULL || url[0] == '\0')
        return 1;
    if ((g_str_has_prefix(url, "http://") || g_str_has_prefix(url, "https://")) &&
        strlen(url) < WM_URL_MAX && g_utf8_validate(url, -1, NULL))
        return 1;
    tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-7",
                          "%s must be an absolute http or https address of at most %d bytes", name,
                          WM_URL_MAX - 1);
    return 0;
}

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
    const char *back = tender_request_param(req, "return_url");
    const char *fail = tender_request_param(req, "cancel_url");
    if (!way_back_ok(back, "return_url", res) || !way_back_ok(fail, "cancel_url", res))
        return;
    const char *payee = wm_payee_for_letter(wm, type->letter);
    if (payee == NULL) {
        tender_result_decline(res, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, "no_payee_purse",
                              "this merchant has no %s purse to receive %s (settings: "
                              "purse)", type->title, req->currency);
        return;
    }
    char amount_wire[32];
    if (!tender_money_to_wire(req->amount, req->exponent, 1, amount_wire, sizeof amount_wire)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "-6",
                              "amount cannot be written for WebMoney");
        return;
    }

    /* Whether the payer can pay (funds, passport, limits) is WebMoney's to
     * say, on the payment page or when the payer sends the transfer. */
    wm_set_display(res, purse, wmid);

    wm_state st = {0};
    tender_copy_string(st.payer, sizeof st.payer, purse);
    tender_copy_string(st.wmid, sizeof st.wmid, wmid);
    tender_copy_string(st.payee, sizeof st.payee, payee);
    tender_copy_string(st.currency, sizeof st.currency, req->currency);
    st.amount = req->amount;
    st.created = tender_now_ms(wm->host);

    if (days > 0) {
        wm_protected_start(wm, req, days, &st, res);
        return;
    }

    tender_copy_string(st.back, sizeof st.back, back ? back : "");
    tender_copy_string(st.fail, sizeof st.fail, fail ? fail : "");
    if (description && description[0])
        tender_copy_string(st.desc, sizeof st.desc, description);
    else
        g_snprintf(st.desc, sizeof st.desc, "Payment %s", req->payment_id ? req->payment_id : "");
    uint32_t no = wm_payment_number(req->payment_id);
    st.flow = WM_FLOW_MERCHANT;
    st.status = WM_STATUS_WAITING;
    st.pno = no;

    if (!wm_payment_page_url(wm, &st, amount_wire, req->payment_id, res->action_data,
                             sizeof res->action_data) ||
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

/* Record what X18 reports of a paid payment into next and res. Returns 0
 * when the report does not fit the payment (finishes res as UNKNOWN). */
static int apply_x18(const wm_instance *wm, const tender_request *req, const wm_state *st,
                     wm_x_element *op, wm_state *next, tender_result *res)
{
    int64_t amount = -1;
    const char *trans = wm_x_get(op, "@wmtransid");
    if (!tender_money_from_wire(wm_x_get(op, "amount"), req->exponent, &amount) ||
        amount != st->amount || !tender_all_digits(trans)) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "x18_mismatch",
                              "X18 reports a payment with this number that does not match "
                              "(amount or transfer)");
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: X18 answer does not match the payment", req->payment_id);
        return 0;
    }
    *next = *st;
    next->status = WM_STATUS_PAID;
    tender_copy_string(next->trans, sizeof next->trans, trans);
    tender_copy_string(next->invs, sizeof next->invs, wm_x_get(op, "@wminvoiceid"));
    tender_copy_string(next->paid_from, sizeof next->paid_from, wm_x_get(op, "pursefrom"));
    tender_copy_string(next->paid_date, sizeof next->paid_date, wm_x_get(op, "operdate"));
    wm_state_store(next, res);
    TENDER_SET(res, processor_ref, trans);
    return 1;
}

void wm_merchant_sync(wm_instance *wm, const tender_request *req, const wm_state *st,
                      tender_result *res)
{
    if (st->status == WM_STATUS_PAID) {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = st->amount;
        TENDER_SET(res, processor_ref, st->trans);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "paid");
        return;
    }
    if (st->status != WM_STATUS_WAITING) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "unreadable plugin state for a payment-page payment");
        return;
    }
    /* Ask WebMoney (X18) whether the payment number was paid. */
    wm_x_reply reply;
    wm_x18_payment(wm, st->payee, st->pno, &reply);
    if (reply.kind != WM_X_ANSWER) {
        wm_x_unknown(wm, "X18 payment status", &reply, res);
        wm_x_reply_clear(&reply);
        return;
    }
    if (reply.retval == 0 && reply.operations && reply.operations->len > 0) {
        wm_state next;
        if (apply_x18(wm, req, st, g_ptr_array_index(reply.operations, 0), &next, res)) {
            res->event = TENDER_EVENT_CAPTURED;
            res->amount = st->amount;
            tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "paid (X18)");
            tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                       "payment %s paid by WebMoney transfer %s (X18)", req->payment_id,
                       next.trans);
        }
        wm_x_reply_clear(&reply);
        return;
    }
    if (reply.retval != 8) {
        /* A refusal (-8: the hash, so the secret key; -4: the purse is not
         * the WMID's) says nothing about the payment. */
        char raw[16];
        g_snprintf(raw, sizeof raw, "%d", reply.retval);
        char why[TENDER_RESULT_MESSAGE_MAX];
        g_snprintf(why, sizeof why,
                   "X18 refused the status request (retval %d: %s); check the settings "
                   "merchant_wmid, purse and secret_key", reply.retval, reply.retdesc);
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, raw, why);
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id, "payment %s: X18 retval %d",
                   req->payment_id, reply.retval);
        wm_x_reply_clear(&reply);
        return;
    }
    wm_x_reply_clear(&reply);
    /* retval 8: not paid (yet). */
    int64_t expires = st->created + (int64_t)WM_PAGE_TIMEOUT_SECONDS * 1000;
    if (tender_now_ms(wm->host) >= expires) {
        tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "page_expired",
                              "the payer did not pay on the WebMoney payment page in time");
        res->event = TENDER_EVENT_EXPIRED;
        return;
    }
    char amount_wire[32];
    tender_money_to_wire(st->amount, req->exponent, 1, amount_wire, sizeof amount_wire);
    wm_payment_page_url(wm, st, amount_wire, req->payment_id, res->action_data,
                        sizeof res->action_data);
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_REDIRECT;
    res->action_expires_ms = expires;
    res->event = TENDER_EVENT_ACTION_REQUIRED;
    TENDER_SET(res, raw_code, "8");
    TENDER_SET(res, message, "waiting for the payer on the WebMoney payment page");
}

static void wm_sync(void *instance, const tender_request *req, tender_result *res)
{
    wm_instance *wm = instance;
    wm_state st;
    if (!wm_state_load(req->plugin_state, &st)) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "no WebMoney state for this payment");
        return;
    }
    if (st.flow == WM_FLOW_PROTECTED)
        wm_protected_sync(wm, req, &st, res);
    else
        wm_merchant_sync(wm, req, &st, res);
    if (res->event != TENDER_EVENT_CAPTURED || st.trans[0] == '\0')
        return;
    /* Money sent back since (X14, seen with X3): report the refunded total. */
    wm_state now;
    if (!wm_state_load(res->plugin_state[0] ? res->plugin_state : req->plugin_state, &now))
        now = st;
    int64_t refunded = 0;
    tender_result probe;
    memset(&probe, 0, sizeof probe);
    if (wm_refunded_total(wm, now.payee, now.trans, req->exponent, &refunded, &probe) != 1) {
        /* Paid is known; the refunds are not: keep the answer, say so. */
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: refunds not checked: %s", req->payment_id, probe.message);
        refunded = now.refunded;
    }
    if (refunded > 0) {
        if (refunded != now.refunded) {
            now.refunded = refunded;
            wm_state_store(&now, res);
        }
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = refunded;
        TENDER_SET(res, message, "paid, then refunded in part or in full");
    }
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
    {sizeof(tender_param_spec), "payer_action", 0,
     "sandbox mode: \"pay\" pays a payment-page payment on tender-sandbox's page as the payer"},
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
    .sandbox_fixtures = wm_fixtures,
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
    "code-protected transfers, X18 status, X14 refunds",
    method)
