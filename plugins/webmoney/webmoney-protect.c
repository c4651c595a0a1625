/* Code-protected transfers.
 *
 * The payer sends the funds from their own purse with X2 (or their Keeper),
 * with a protection period (1..255 days) and a code of their choosing, to
 * the merchant's purse of the payment's currency. The funds leave the
 * payer's purse but stay locked until the merchant finishes the transfer
 * with the code (X5); 8 wrong codes return them to the payer, and so does
 * the end of the period. Tender models this as ACTION_REQUIRED
 * (TENDER_ACTION_PROTECTION_CODE) finished by complete_action with the code.
 *
 * The merchant finds the payer's transfer with X3 on its purse: a locked
 * transfer (opertype 4) from the payer's purse, of the payment's amount,
 * whose description names the payment id. WebMoney counts the wrong codes
 * and keeps the code; the plugin never stores it, and neither the code nor
 * anything derived from it reaches a message, a log or details. */
#include <string.h>

#include "webmoney.h"

#define DAY_MS ((int64_t)86400 * 1000)

/* X3's operation types. */
#define OPERTYPE_DONE "0"
#define OPERTYPE_LOCKED "4"
#define OPERTYPE_RETURNED "12"

/* Fill the action of a transfer waiting for its code. */
static void set_code_action(tender_result *res, const wm_state *st, const char *payment_id,
                            int attempts_left)
{
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_PROTECTION_CODE;
    if (st->trans[0]) {
        TENDER_SET(res, action_data, st->trans);
        TENDER_SETF(res, action_hint,
                    "Enter the protection code of WebMoney transfer %s to release it (%d "
                    "attempt%s left).", st->trans, attempts_left, attempts_left == 1 ? "" : "s");
    } else {
        TENDER_SET(res, action_data, st->payee);
        TENDER_SETF(res, action_hint,
                    "Send a protected transfer (%d day%s) from purse %s to WebMoney purse %s "
                    "with the description \"%s\", then enter its protection code.",
                    st->days, st->days == 1 ? "" : "s", st->payer, st->payee, payment_id);
    }
    res->action_expires_ms = st->expires;
}

void wm_protected_start(const wm_instance *wm, const tender_request *req, int days,
                        wm_state *st, tender_result *res)
{
    st->flow = WM_FLOW_PROTECTED;
    st->status = WM_STATUS_LOCKED;
    st->days = days;
    st->expires = tender_now_ms(wm->host) + (int64_t)days * DAY_MS;
    st->tries = 0;
    if (!wm_state_store(st, res)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "-2",
                              "the payment's details do not fit");
        return;
    }
    set_code_action(res, st, req->payment_id, WM_PROTECTION_ATTEMPTS);
    TENDER_SET(res, raw_code, "0");
    TENDER_SET(res, message, "waiting for the payer's protected transfer and its code");
    TENDER_SETF(res, details, "payee_purse=%s\nprotection_days=%d\n", st->payee, days);
    tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
               "payment %s: waiting for a protected transfer to %s", req->payment_id, st->payee);
}

/* Find the payer's transfer with X3: the known one by its number, else a
 * locked transfer from the payer's purse of the amount naming the payment.
 * Returns the operation (owned by reply), NULL when none, and sets
 * *unknown when X3 gave no answer (res is then finished as UNKNOWN). */
static wm_x_element *find_transfer(wm_instance *wm, const tender_request *req,
                                   const wm_state *st, wm_x_reply *reply, int *unknown,
                                   tender_result *res)
{
    *unknown = 0;
    wm_x3_operations(wm, st->payee, st->trans[0] ? st->trans : NULL, reply);
    if (reply->kind != WM_X_ANSWER || reply->retval != 0) {
        if (reply->kind == WM_X_ANSWER)
            g_snprintf(reply->message, sizeof reply->message, "X3 refused (retval %d: %s)",
                       reply->retval, reply->retdesc);
        wm_x_unknown(wm, "X3 operations", reply, res);
        *unknown = 1;
        return NULL;
    }
    for (guint i = 0; i < reply->operations->len; i++) {
        wm_x_element *op = g_ptr_array_index(reply->operations, i);
        int64_t amount = -1;
        if (st->trans[0]) {
            if (strcmp(wm_x_get(op, "@id"), st->trans) == 0)
                return op;
            continue;
        }
        if (strcmp(wm_x_get(op, "opertype"), OPERTYPE_LOCKED) == 0 &&
            strcmp(wm_x_get(op, "pursesrc"), st->payer) == 0 &&
            strcmp(wm_x_get(op, "pursedest"), st->payee) == 0 &&
            tender_money_from_wire(wm_x_get(op, "amount"), req->exponent, &amount) &&
            amount == st->amount && req->payment_id &&
            strstr(wm_x_get(op, "desc"), req->payment_id) != NULL)
            return op;
    }
    return NULL;
}

static void settle_expired(tender_result *res)
{
    tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "protection_expired",
                          "the protection period ended: the funds went back to the payer");
    res->event = TENDER_EVENT_EXPIRED;
}

static void settle_returned(tender_result *res)
{
    tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_code_limit",
                          "the protection code was wrong %d times: the funds went back to the "
                          "payer", WM_PROTECTION_ATTEMPTS);
    res->event = TENDER_EVENT_DECLINED;
}

static void settle_released(const wm_state *st, tender_result *res)
{
    res->event = TENDER_EVENT_CAPTURED;
    res->amount = st->amount;
    TENDER_SET(res, processor_ref, st->trans);
    TENDER_SETF(res, details, "transfer=%s\n", st->trans);
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "protected transfer released");
}

/* Settle from X3's opertype of a known transfer; next is stored. */
static void settle_from_opertype(const wm_instance *wm, const tender_request *req,
                                 const char *opertype, wm_state *next, tender_result *res)
{
    if (strcmp(opertype, OPERTYPE_DONE) == 0) {
        next->status = WM_STATUS_RELEASED;
        wm_state_store(next, res);
        settle_released(next, res);
    } else if (strcmp(opertype, OPERTYPE_RETURNED) == 0) {
        /* Back to the payer: 8 wrong codes, else the period ended. */
        int returned = next->tries >= WM_PROTECTION_ATTEMPTS - 1;
        next->status = returned ? WM_STATUS_RETURNED : WM_STATUS_EXPIRED;
        wm_state_store(next, res);
        if (returned)
            settle_returned(res);
        else
            settle_expired(res);
    } else {
        wm_state_store(next, res);
        set_code_action(res, next, req->payment_id, WM_PROTECTION_ATTEMPTS - next->tries);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        TENDER_SET(res, raw_code, "0");
        TENDER_SET(res, message, "protected transfer still locked: waiting for the code");
    }
    (void)wm;
}

void wm_protected_sync(wm_instance *wm, const tender_request *req, const wm_state *st,
                       tender_result *res)
{
    if (st->status == WM_STATUS_RELEASED || st->status == WM_STATUS_PAID) {
        settle_released(st, res);
        return;
    }
    if (st->status == WM_STATUS_RETURNED) {
        settle_returned(res);
        return;
    }
    if (st->status == WM_STATUS_EXPIRED) {
        settle_expired(res);
        return;
    }
    if (st->status != WM_STATUS_LOCKED) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "unreadable plugin state for a protected transfer");
        return;
    }
    wm_x_reply reply;
    int unknown = 0;
    wm_x_element *op = find_transfer(wm, req, st, &reply, &unknown, res);
    if (unknown) {
        wm_x_reply_clear(&reply);
        return;
    }
    wm_state next = *st;
    if (op == NULL) {
        wm_x_reply_clear(&reply);
        if (tender_now_ms(wm->host) >= st->expires) {
            settle_expired(res);
            return;
        }
        set_code_action(res, st, req->payment_id, WM_PROTECTION_ATTEMPTS - st->tries);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        TENDER_SET(res, raw_code, "0");
        TENDER_SET(res, message, "waiting for the payer's protected transfer");
        return;
    }
    tender_copy_string(next.trans, sizeof next.trans, wm_x_get(op, "@id"));
    settle_from_opertype(wm, req, wm_x_get(op, "opertype"), &next, res);
    wm_x_reply_clear(&reply);
}

/* payer_action on a payment-page payment (sandbox mode): the payer pays on
 * tender-sandbox's page, then WebMoney is asked (X18), as after any return. */
static void page_payer_action(wm_instance *wm, const tender_request *req, const wm_state *st,
                              const char *action, tender_result *res)
{
    if (!wm->test_mode || strcmp(action, "pay") != 0 || st->status != WM_STATUS_WAITING) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_sandbox",
                              "payer_action: only \"pay\", on a waiting payment in sandbox "
                              "mode; live, the payer pays on WebMoney's page");
        res->event = TENDER_EVENT_NONE;
        return;
    }
    char amount_wire[32], url[TENDER_RESULT_ACTION_MAX], why[200];
    tender_money_to_wire(st->amount, req->exponent, 1, amount_wire, sizeof amount_wire);
    wm_payment_page_url(wm, st, amount_wire, req->payment_id, url, sizeof url);
    if (!wm_page_pay_as_payer(wm, url, st->wmid, st->payer, why, sizeof why))
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id, "payment %s: %s", req->payment_id,
                   why);
    wm_merchant_sync(wm, req, st, res);
}

void wm_complete_action(void *instance, const tender_request *req, tender_result *res)
{
    wm_instance *wm = instance;
    wm_state st;
    int have_state = wm_state_load(req->plugin_state, &st);

    const char *payer_action = tender_request_param(req, "payer_action");
    if (have_state && st.flow == WM_FLOW_MERCHANT && payer_action && *payer_action) {
        page_payer_action(wm, req, &st, payer_action, res);
        return;
    }
    if (!have_state || st.flow != WM_FLOW_PROTECTED) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_protected",
                              "this payment is finished on the WebMoney payment page, "
                              "not with a protection code");
        res->event = TENDER_EVENT_NONE;
        return;
    }
    if (st.status != WM_STATUS_LOCKED) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_locked",
                              "protected transfer %s is no longer waiting for its code (%s)",
                              st.trans[0] ? st.trans : "(none)", wm_status_name(st.status));
        res->event = TENDER_EVENT_NONE;
        return;
    }
    if (tender_now_ms(wm->host) >= st.expires) {
        st.status = WM_STATUS_EXPIRED;
        wm_state_store(&st, res);
        settle_expired(res);
        return;
    }
    const char *code = tender_request_param(req, "protection_code");
    if (code == NULL || code[0] == '\0') {
        /* Nothing was tried: no attempt is used up. */
        set_code_action(res, &st, req->payment_id, WM_PROTECTION_ATTEMPTS - st.tries);
        TENDER_SET(res, raw_code, "-2");
        TENDER_SET(res, message, "protection_code is required to release the transfer");
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        return;
    }

    wm_state next = st;
    if (next.trans[0] == '\0') {
        wm_x_reply found;
        int unknown = 0;
        wm_x_element *op = find_transfer(wm, req, &st, &found, &unknown, res);
        if (unknown) {
            wm_x_reply_clear(&found);
            return;
        }
        if (op == NULL) {
            wm_x_reply_clear(&found);
            set_code_action(res, &st, req->payment_id, WM_PROTECTION_ATTEMPTS - st.tries);
            TENDER_SET(res, raw_code, "not_arrived");
            TENDER_SET(res, message,
                       "no protected transfer for this payment has arrived yet: send it first");
            res->event = TENDER_EVENT_ACTION_REQUIRED;
            return;
        }
        tender_copy_string(next.trans, sizeof next.trans, wm_x_get(op, "@id"));
        wm_x_reply_clear(&found);
    }

    wm_x_reply reply;
    wm_x5_finish(wm, next.trans, code, &reply);
    if (reply.kind != WM_X_ANSWER) {
        /* Keep the transfer number found; a retry settles it (X5 answers
         * 22 for a transfer already released). */
        wm_state_store(&next, res);
        wm_x_unknown(wm, "X5 finish protected transfer", &reply, res);
        wm_x_reply_clear(&reply);
        return;
    }
    const char *opertype =
        reply.operations && reply.operations->len
            ? wm_x_get(g_ptr_array_index(reply.operations, 0), "opertype")
            : "";
    if (reply.retval == 0) {
        next.status = WM_STATUS_RELEASED;
        wm_state_store(&next, res);
        settle_released(&next, res);
        TENDER_SET(res, message, "protection code accepted: the transfer is released");
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                   "payment %s: protected transfer %s released", req->payment_id, next.trans);
    } else if (reply.retval == 20) {
        next.tries = st.tries + 1;
        int left = WM_PROTECTION_ATTEMPTS - next.tries;
        wm_state_store(&next, res);
        set_code_action(res, &next, req->payment_id, left);
        TENDER_SET(res, raw_code, "20");
        TENDER_SETF(res, message, "wrong protection code: %d attempt%s left", left,
                    left == 1 ? "" : "s");
        TENDER_SETF(res, details, "transfer=%s\nattempts_left=%d\n", next.trans, left);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                   "payment %s: wrong protection code, %d attempts left", req->payment_id, left);
    } else if (reply.retval == 21) {
        next.tries = WM_PROTECTION_ATTEMPTS;
        next.status = WM_STATUS_RETURNED;
        wm_state_store(&next, res);
        settle_returned(res);
        TENDER_SETF(res, details, "transfer=%s\nattempts_left=0\n", next.trans);
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: %d wrong protection codes, transfer %s returned",
                   req->payment_id, WM_PROTECTION_ATTEMPTS, next.trans);
    } else if (reply.retval == 22) {
        settle_from_opertype(wm, req, opertype, &next, res);
    } else {
        char raw[16];
        g_snprintf(raw, sizeof raw, "%d", reply.retval);
        wm_state_store(&next, res);
        tender_result_decline(res, reply.retval == -4 || reply.retval == 111
                                       ? TENDER_DECLINE_AUTHENTICATION_FAILED
                                       : TENDER_DECLINE_PROCESSING_ERROR,
                              raw, "X5 refused (retval %d: %s)", reply.retval, reply.retdesc);
        res->event = TENDER_EVENT_NONE;
    }
    wm_x_reply_clear(&reply);
}
