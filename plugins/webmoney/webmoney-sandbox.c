/* The offline sandbox processor: what WebMoney would answer, decided by
 * documented test inputs, and the merchant notifications WebMoney would post,
 * signed with LMI_HASH exactly as WebMoney signs them.
 *
 * Test inputs (docs/methods/webmoney.md lists them):
 *   purse digits 000000000051   not enough funds     -> insufficient_funds
 *   purse digits 000000000096   WebMoney general error -> processing_error
 *   WMID 000000000062           passport blocked     -> restricted
 *   WMID 000000000057           purse not of this WMID -> invalid_account
 *   anything else well formed   pays
 * Numbers are deterministic functions of the payment (or refund request), so
 * a repeated notification carries the same transfer number, as WebMoney's
 * repeats do. */
#include <string.h>

#include "webmoney.h"

int wm_sandbox_check_payer(const char *purse, const char *wmid, tender_result *res)
{
    const char *digits = purse + 1;
    if (strcmp(digits, "000000000051") == 0) {
        tender_result_decline(res, TENDER_DECLINE_INSUFFICIENT_FUNDS, "17",
                              "purse: not enough funds in the payer's purse");
        return 0;
    }
    if (strcmp(digits, "000000000096") == 0) {
        tender_result_decline(res, TENDER_DECLINE_PROCESSING_ERROR, "-100",
                              "WebMoney could not process the transfer (general error); "
                              "nothing was debited");
        return 0;
    }
    if (strcmp(wmid, "000000000062") == 0) {
        tender_result_decline(res, TENDER_DECLINE_RESTRICTED, "35",
                              "wmid: the payer's passport is blocked; transfers from this "
                              "WMID are not allowed");
        return 0;
    }
    if (strcmp(wmid, "000000000057") == 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "111",
                              "purse: the purse does not belong to the given wmid");
        return 0;
    }
    return 1;
}

/* A positive 10-digit number (the size of WebMoney's invoice and transfer
 * numbers, well below X2's 2^53 bound), derived from a label and an id. */
static uint64_t derive_number(const char *label, const char *id)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)label, -1);
    g_checksum_update(sum, (const guchar *)(id ? id : ""), -1);
    uint64_t n = tender_checksum_number(sum, 8);
    g_checksum_free(sum);
    return UINT64_C(1000000000) + n % UINT64_C(9000000000);
}

uint64_t wm_sandbox_invoice_no(const char *payment_id)
{
    return derive_number("webmoney-invoice:", payment_id);
}

uint64_t wm_sandbox_transfer_no(const char *payment_id)
{
    return derive_number("webmoney-transfer:", payment_id);
}

uint64_t wm_sandbox_refund_no(const char *request_id)
{
    return derive_number("webmoney-refund:", request_id);
}

void wm_sandbox_notification(void *instance, const tender_request *req, const char *event,
                             tender_result *res)
{
    const wm_instance *wm = instance;
    wm_state st;
    int have_state = wm_state_load(req->plugin_state, &st);
    const char *payee = st.payee, *payer = st.payer, *wmid = st.wmid, *desc = st.desc;
    int64_t amount = st.amount, no = st.pno;

    if (!have_state || st.flow != WM_FLOW_MERCHANT) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "no_notification",
                              "WebMoney sends merchant notifications only for payments made "
                              "on the merchant payment page");
        return;
    }
    char amount_wire[32], no_text[16], invs[24], trans[24], date[24];
    if (amount <= 0 || no <= 0 ||
        !tender_money_to_wire(amount, req->exponent, 1, amount_wire, sizeof amount_wire)) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "unreadable plugin state: cannot build the notification");
        return;
    }
    g_snprintf(no_text, sizeof no_text, "%" G_GINT64_FORMAT, no);
    g_snprintf(invs, sizeof invs, "%" G_GUINT64_FORMAT, wm_sandbox_invoice_no(req->payment_id));
    g_snprintf(trans, sizeof trans, "%" G_GUINT64_FORMAT,
               wm_sandbox_transfer_no(req->payment_id));
    /* LMI_SYS_TRANS_DATE: Moscow time (UTC+3, no DST), as WebMoney writes it. */
    tender_time_format(tender_now_ms(wm->host), 3 * 60, "%Y%m%d %H:%M:%S", date, sizeof date);
    const char *mode = wm->test_mode ? "1" : "0";

    GString *form = g_string_new(NULL);
    if (event && strcmp(event, "prerequest") == 0) {
        tender_form_append_pair(form, "LMI_PREREQUEST", "1", 0);
        tender_form_append_pair(form, "LMI_PAYEE_PURSE", payee, 0);
        tender_form_append_pair(form, "LMI_PAYMENT_AMOUNT", amount_wire, 0);
        tender_form_append_pair(form, "LMI_PAYMENT_NO", no_text, 0);
        tender_form_append_pair(form, "LMI_MODE", mode, 0);
        tender_form_append_pair(form, "LMI_PAYER_WM", wmid, 0);
        tender_form_append_pair(form, "LMI_PAYER_PURSE", payer, 0);
        tender_form_append_pair(form, "LMI_PAYMENT_DESC", desc, 0);
        tender_form_append_pair(form, WM_FIELD_PAYMENT_ID, req->payment_id, 0);
    } else if (event && strcmp(event, "paid") == 0) {
        char hash[65];
        wm_lmi_hash(payee, amount_wire, no_text, mode, invs, trans, date, wm->secret_key, payer,
                    wmid, hash);
        tender_form_append_pair(form, "LMI_PAYEE_PURSE", payee, 0);
        tender_form_append_pair(form, "LMI_PAYMENT_AMOUNT", amount_wire, 0);
        tender_form_append_pair(form, "LMI_PAYMENT_NO", no_text, 0);
        tender_form_append_pair(form, "LMI_MODE", mode, 0);
        tender_form_append_pair(form, "LMI_SYS_INVS_NO", invs, 0);
        tender_form_append_pair(form, "LMI_SYS_TRANS_NO", trans, 0);
        tender_form_append_pair(form, "LMI_SYS_TRANS_DATE", date, 0);
        tender_form_append_pair(form, "LMI_PAYER_PURSE", payer, 0);
        tender_form_append_pair(form, "LMI_PAYER_WM", wmid, 0);
        tender_form_append_pair(form, "LMI_PAYMENT_DESC", desc, 0);
        tender_form_append_pair(form, "LMI_HASH", hash, 0);
        tender_form_append_pair(form, WM_FIELD_PAYMENT_ID, req->payment_id, 0);
    } else {
        g_string_free(form, TRUE);
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "unknown_event",
                              "sandbox event must be \"prerequest\" or \"paid\"");
        return;
    }
    TENDER_SET(res, notify_headers, "Content-Type: application/x-www-form-urlencoded\n");
    TENDER_SET(res, notify_body, form->str);
    g_string_free(form, TRUE);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", event);
}

/* ---- fixtures ------------------------------------------------------------ */

static const tender_param fx_paid[] = {
    {"purse", "Z123456789012"}, {"wmid", "123456789012"}, {"description", "Sandbox order"}};
static const tender_param fx_protected[] = {
    {"purse", "Z123456789012"}, {"wmid", "123456789012"},
    {"protection_days", "3"}, {"protection_code", "sandbox-code-42"}};
static const tender_param fx_protected_code[] = {{"protection_code", "sandbox-code-42"}};
static const tender_param fx_euro[] = {{"purse", "E123456789012"}, {"wmid", "123456789012"}};
static const tender_param fx_funds[] = {{"purse", "Z000000000051"}, {"wmid", "123456789012"}};
static const tender_param fx_blocked[] = {{"purse", "Z123456789012"}, {"wmid", "000000000062"}};
static const tender_param fx_owner[] = {{"purse", "Z123456789012"}, {"wmid", "000000000057"}};
static const tender_param fx_error[] = {{"purse", "Z000000000096"}, {"wmid", "123456789012"}};
static const tender_param fx_mismatch[] = {{"purse", "E123456789012"}, {"wmid", "123456789012"}};
static const tender_param fx_bad_wmid[] = {{"purse", "Z123456789012"}, {"wmid", "12345"}};
static const tender_param fx_legacy[] = {{"purse", "R123456789012"}, {"wmid", "123456789012"}};
static const tender_param fx_gold[] = {{"purse", "G123456789012"}, {"wmid", "123456789012"}};

#define FX(name_, cur_, amt_, params_, outcome_, decline_)                                  \
    {sizeof(tender_fixture), name_, "US", cur_, amt_, "personal", params_,                  \
     G_N_ELEMENTS(params_), outcome_, decline_, NULL, 0, NULL, 0}

static const tender_fixture fixtures[] = {
    {sizeof(tender_fixture), "paid_on_payment_page", "US", "USD", "10.50", "personal", fx_paid,
     G_N_ELEMENTS(fx_paid), TENDER_OUTCOME_ACTION_REQUIRED, TENDER_DECLINE_NONE, NULL, 0, "paid",
     TENDER_OUTCOME_APPROVED},
    {sizeof(tender_fixture), "protected_released", "US", "USD", "25", "personal", fx_protected,
     G_N_ELEMENTS(fx_protected), TENDER_OUTCOME_ACTION_REQUIRED, TENDER_DECLINE_NONE,
     fx_protected_code, G_N_ELEMENTS(fx_protected_code), NULL, TENDER_OUTCOME_APPROVED},
    {sizeof(tender_fixture), "paid_in_euro", "DE", "EUR", "7.05", "personal", fx_euro,
     G_N_ELEMENTS(fx_euro), TENDER_OUTCOME_ACTION_REQUIRED, TENDER_DECLINE_NONE, NULL, 0, "paid",
     TENDER_OUTCOME_APPROVED},
    FX("insufficient_funds", "USD", "10.00", fx_funds, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_INSUFFICIENT_FUNDS),
    FX("passport_blocked", "USD", "10.00", fx_blocked, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_RESTRICTED),
    FX("purse_not_of_wmid", "USD", "10.00", fx_owner, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_INVALID_ACCOUNT),
    FX("processing_error", "USD", "10.00", fx_error, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_PROCESSING_ERROR),
    FX("purse_currency_mismatch", "USD", "10.00", fx_mismatch, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_INVALID_ACCOUNT),
    FX("invalid_wmid", "USD", "10.00", fx_bad_wmid, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_INVALID_ACCOUNT),
    FX("legacy_purse", "USD", "10.00", fx_legacy, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_NOT_PERMITTED),
    FX("gold_purse", "USD", "10.00", fx_gold, TENDER_OUTCOME_DECLINED,
       TENDER_DECLINE_CURRENCY_NOT_SUPPORTED),
};

const tender_fixture *wm_sandbox_fixtures(size_t *n)
{
    *n = G_N_ELEMENTS(fixtures);
    return fixtures;
}
