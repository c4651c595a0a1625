/* The Web Merchant Interface: the payment page, LMI_HASH, and the two
 * notifications WebMoney posts to the merchant's Result URL.
 *
 *  1. The pre-request (LMI_PREREQUEST=1) asks whether the merchant accepts
 *     this payment; the answer is the body "YES", anything else refuses it.
 *  2. The payment notification reports the transfer and is authenticated by
 *     LMI_HASH, the upper-case hex SHA-256 of ten fields with the merchant's
 *     secret key among them.
 *
 * identify_notification runs without the payment's state, so it checks what
 * it can alone (the form, the payee purse, LMI_HASH) and names the payment
 * from the pass-through field TENDER_PAYMENT_ID. notification then checks the
 * amount, the payment number and the payee purse against the payment's state
 * before anything is applied. The pass-through field is not covered by
 * LMI_HASH, but LMI_PAYMENT_NO is, and notification requires it to be the
 * payment's own number, so a forger cannot point a paid transfer at another
 * payment. */
#include <string.h>

#include "webmoney.h"

void wm_lmi_hash(const char *payee_purse, const char *amount, const char *payment_no,
                 const char *mode, const char *invs_no, const char *trans_no,
                 const char *trans_date, const char *secret_key,
                 const char *payer_purse, const char *payer_wm, char out[65])
{
    /* The order is WebMoney's and must not change. */
    const char *parts[] = {payee_purse, amount, payment_no, mode, invs_no, trans_no,
                           trans_date, secret_key, payer_purse, payer_wm};
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
        if (parts[i])
            g_checksum_update(sum, (const guchar *)parts[i], (gssize)strlen(parts[i]));
    tender_checksum_hex(sum, 1, out, 65);
    g_checksum_free(sum);
}

uint32_t wm_payment_number(const char *payment_id)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)"webmoney-payment-no:", -1);
    g_checksum_update(sum, (const guchar *)(payment_id ? payment_id : ""), -1);
    uint32_t n = (uint32_t)tender_checksum_number(sum, 4) & 0x7fffffffu;
    g_checksum_free(sum);
    return n ? n : 1; /* WebMoney wants a positive number */
}

GHashTable *wm_form_parse(const char *body, size_t len)
{
    if (body == NULL || len == 0)
        return NULL;
    GError *error = NULL;
    GHashTable *form = g_uri_parse_params(body, (gssize)len, "&",
                                          G_URI_PARAMS_WWW_FORM, &error);
    if (form == NULL)
        g_clear_error(&error);
    return form;
}

int wm_payment_page_url(const wm_instance *wm, const wm_state *st, const char *amount_wire,
                        const char *payment_id, char *out, size_t out_size)
{
    char no[16];
    g_snprintf(no, sizeof no, "%u", st->pno);
    GString *url = g_string_new(NULL);
    tender_form_append_pair(url, "LMI_PAYEE_PURSE", st->payee, 0);
    tender_form_append_pair(url, "LMI_PAYMENT_AMOUNT", amount_wire, 0);
    tender_form_append_pair(url, "LMI_PAYMENT_NO", no, 0);
    tender_form_append_pair(url, "LMI_PAYMENT_DESC", st->desc, 0);
    if (wm->test_mode)
        tender_form_append_pair(url, "LMI_SIM_MODE", "0", 0); /* test mode: simulate success */
    if (wm->result_url[0])
        tender_form_append_pair(url, "LMI_RESULT_URL", wm->result_url, 0);
    /* Method 0: WebMoney sends the payer back with a GET and the payment's
     * fields in the query; the payment itself is settled by the signed
     * result, never by this redirect (anyone can type it). */
    if (st->back[0]) {
        tender_form_append_pair(url, "LMI_SUCCESS_URL", st->back, 0);
        tender_form_append_pair(url, "LMI_SUCCESS_METHOD", "0", 0);
    }
    if (st->fail[0]) {
        tender_form_append_pair(url, "LMI_FAIL_URL", st->fail, 0);
        tender_form_append_pair(url, "LMI_FAIL_METHOD", "0", 0);
    }
    tender_form_append_pair(url, WM_FIELD_PAYMENT_ID, payment_id, 0);
    g_string_prepend(url, "/lmi/payment_utf.asp?");
    g_string_prepend(url, wm->endpoint);
    int ok = tender_copy_string(out, out_size, url->str);
    g_string_free(url, TRUE);
    return ok;
}

/* The fields of a payment notification, borrowed from the parsed form. */
typedef struct {
    const char *payee, *amount, *no, *mode, *invs, *trans, *date, *payer_purse, *payer_wm,
        *hash, *payment_id;
} result_form;

static const char *field(GHashTable *form, const char *key)
{
    return g_hash_table_lookup(form, key);
}

static int is_prerequest(GHashTable *form)
{
    const char *pre = field(form, "LMI_PREREQUEST");
    return pre != NULL && strcmp(pre, "1") == 0;
}

/* 1 when text is a plausible positive WebMoney amount. */
static int amount_well_formed(const char *text)
{
    int64_t v;
    return text && tender_money_from_wire(text, 8, &v) && v > 0;
}

/* Checks shared by both steps: the form is a pre-request or a payment
 * notification to one of our payee purses, and (for the latter) its LMI_HASH
 * is right. Returns 1 with *pre set, or finishes res as DECLINED. */
static int verify_form(const wm_instance *wm, GHashTable *form, int *pre, tender_result *res)
{
    const char *payee = field(form, "LMI_PAYEE_PURSE");
    const char *no = field(form, "LMI_PAYMENT_NO");
    const char *amount = field(form, "LMI_PAYMENT_AMOUNT");
    const char *payment_id = field(form, WM_FIELD_PAYMENT_ID);
    *pre = is_prerequest(form);
    if (!wm_purse_well_formed(payee) || !tender_all_digits(no) || !amount_well_formed(amount) ||
        payment_id == NULL || payment_id[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "bad_form",
                              "notification: not a WebMoney merchant form (LMI_PAYEE_PURSE, "
                              "LMI_PAYMENT_NO, LMI_PAYMENT_AMOUNT or %s missing or malformed)",
                              WM_FIELD_PAYMENT_ID);
        return 0;
    }
    if (wm_payee_for_letter(wm, payee[0]) == NULL ||
        strcmp(wm_payee_for_letter(wm, payee[0]), payee) != 0) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_payee",
                              "notification: LMI_PAYEE_PURSE %s is not this merchant's purse",
                              payee);
        return 0;
    }
    if (*pre)
        return 1;

    result_form f = {payee, amount, no, field(form, "LMI_MODE"), field(form, "LMI_SYS_INVS_NO"),
                     field(form, "LMI_SYS_TRANS_NO"), field(form, "LMI_SYS_TRANS_DATE"),
                     field(form, "LMI_PAYER_PURSE"), field(form, "LMI_PAYER_WM"),
                     field(form, "LMI_HASH"), payment_id};
    if (!f.mode || !tender_all_digits(f.invs) || !tender_all_digits(f.trans) || !f.date ||
        !f.payer_purse || !f.payer_wm || !f.hash) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "bad_form",
                              "notification: a payment notification needs LMI_MODE, "
                              "LMI_SYS_INVS_NO, LMI_SYS_TRANS_NO, LMI_SYS_TRANS_DATE, "
                              "LMI_PAYER_PURSE, LMI_PAYER_WM and LMI_HASH");
        return 0;
    }
    char expected[65];
    wm_lmi_hash(f.payee, f.amount, f.no, f.mode, f.invs, f.trans, f.date, wm->secret_key,
                f.payer_purse, f.payer_wm, expected);
    /* WebMoney writes the hash in upper case; accept it written in either. */
    char *given = g_ascii_strup(f.hash, -1);
    int ok = tender_secure_streq(expected, given);
    g_free(given);
    if (!ok) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "bad_hash",
                              "notification: LMI_HASH does not match (forged, or another "
                              "secret key)");
        return 0;
    }
    /* A test-mode payment must never fulfil a live order, nor the reverse. */
    if (strcmp(f.mode, wm->test_mode ? "1" : "0") != 0) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_mode",
                              "notification: LMI_MODE %s does not match this merchant's mode "
                              "(%s)", f.mode, wm->test_mode ? "test, 1" : "live, 0");
        return 0;
    }
    return 1;
}

/* The reply WebMoney needs: "YES" accepts a pre-request; for the payment
 * notification WebMoney reads only the HTTP status, so the body is "OK". */
static void set_reply(tender_result *res, int pre, const char *body)
{
    res->reply_status = 200;
    TENDER_SET(res, reply_content_type, "text/plain");
    TENDER_SET(res, reply_body, body ? body : (pre ? "YES" : "OK"));
}

void wm_identify_notification(void *instance, const tender_request *req, tender_result *res)
{
    const wm_instance *wm = instance;
    GHashTable *form = wm_form_parse(req->body, req->body_len);
    if (form == NULL) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "bad_form",
                              "notification: the body is not a form");
        return;
    }
    int pre = 0;
    if (verify_form(wm, form, &pre, res)) {
        TENDER_SET(res, notify_payment_id, field(form, WM_FIELD_PAYMENT_ID));
        if (pre)
            TENDER_SETF(res, notify_id, "prerequest-%s", field(form, "LMI_PAYMENT_NO"));
        else
            TENDER_SET(res, notify_id, field(form, "LMI_SYS_TRANS_NO"));
        set_reply(res, pre, NULL);
        res->event = TENDER_EVENT_NONE;
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                              pre ? "pre-request verified" : "payment notification verified");
    } else if (pre) {
        /* Anything but YES makes WebMoney refuse the payment; say why. */
        set_reply(res, pre, res->message);
    }
    g_hash_table_unref(form);
}

/* Decline a notification that does not fit the payment: nothing is applied. */
static void refuse(tender_result *res, int pre, const char *raw, const char *message)
{
    tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, raw, "%s", message);
    res->event = TENDER_EVENT_NONE;
    if (pre)
        set_reply(res, pre, message);
}

void wm_notification(void *instance, const tender_request *req, tender_result *res)
{
    const wm_instance *wm = instance;
    GHashTable *form = wm_form_parse(req->body, req->body_len);
    if (form == NULL) {
        refuse(res, 0, "bad_form", "notification: the body is not a form");
        return;
    }
    int pre = 0;
    if (!verify_form(wm, form, &pre, res)) {
        res->event = TENDER_EVENT_NONE;
        if (pre)
            set_reply(res, 1, res->message);
        g_hash_table_unref(form);
        return;
    }

    wm_state st;
    int have_state = wm_state_load(req->plugin_state, &st);

    int64_t amount = -1;
    const char *amount_text = field(form, "LMI_PAYMENT_AMOUNT");
    if (!tender_money_from_wire(amount_text, req->exponent, &amount))
        amount = -1;
    const char *no = field(form, "LMI_PAYMENT_NO");
    const char *form_trans = field(form, "LMI_SYS_TRANS_NO");

    if (!have_state || st.flow != WM_FLOW_MERCHANT) {
        refuse(res, pre, "wrong_payment",
               "notification: this payment was not made on the merchant payment page");
    } else if (g_ascii_strtoll(no, NULL, 10) != (gint64)st.pno) {
        refuse(res, pre, "wrong_payment_no",
               "notification: LMI_PAYMENT_NO is not this payment's number");
    } else if (strcmp(field(form, "LMI_PAYEE_PURSE"), st.payee) != 0) {
        refuse(res, pre, "wrong_payee",
               "notification: LMI_PAYEE_PURSE is not the purse this payment was sent to");
    } else if (amount != st.amount) {
        refuse(res, pre, "wrong_amount",
               "notification: LMI_PAYMENT_AMOUNT differs from the payment's amount");
    } else if (pre) {
        /* The payer is about to pay: accept, nothing changes yet. */
        res->event = TENDER_EVENT_NONE;
        set_reply(res, 1, NULL);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "pre-request accepted");
    } else if (st.status == WM_STATUS_PAID && strcmp(st.trans, form_trans) == 0) {
        /* WebMoney repeats a notification it thinks was lost: same transfer. */
        res->event = TENDER_EVENT_NONE;
        set_reply(res, 0, NULL);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                              "repeated payment notification: already applied");
    } else if (st.status != WM_STATUS_WAITING) {
        tender_result_decline(res, TENDER_DECLINE_DUPLICATE_TRANSACTION, "already_paid",
                              "notification: the payment is already %s by another transfer",
                              wm_status_name(st.status));
        res->event = TENDER_EVENT_NONE;
        set_reply(res, 0, NULL);
    } else {
        wm_state next = st;
        next.status = WM_STATUS_PAID;
        tender_copy_string(next.trans, sizeof next.trans, form_trans);
        tender_copy_string(next.invs, sizeof next.invs, field(form, "LMI_SYS_INVS_NO"));
        tender_copy_string(next.paid_from, sizeof next.paid_from, field(form, "LMI_PAYER_PURSE"));
        tender_copy_string(next.paid_date, sizeof next.paid_date,
                           field(form, "LMI_SYS_TRANS_DATE"));
        wm_state_store(&next, res);
        TENDER_SET(res, processor_ref, form_trans);
        TENDER_SETF(res, details, "lmi_sys_invs_no=%s\nlmi_sys_trans_no=%s\nlmi_mode=%s\n",
                    field(form, "LMI_SYS_INVS_NO"), form_trans, field(form, "LMI_MODE"));
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = st.amount;
        set_reply(res, 0, NULL);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "paid");
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                   "payment %s paid by WebMoney transfer %s", req->payment_id, form_trans);
    }
    g_hash_table_unref(form);
}
