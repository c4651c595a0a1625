/* Code-protected transfers.
 *
 * The payer sends the funds with a protection period (1..255 days) and a code
 * of their choosing. The funds leave the payer's purse but stay locked until
 * the code is entered; about 8 wrong codes return them to the payer, and so
 * does the end of the period. Tender models the transfer as ACTION_REQUIRED
 * (TENDER_ACTION_PROTECTION_CODE) finished by complete_action with the code.
 *
 * The code itself is never kept: plugin_state holds a random salt and the
 * SHA-256 of salt, payment id and code, and the comparison is constant-time.
 * Neither the code nor its digest ever reaches a message, a log or details. */
#include <string.h>

#include "webmoney.h"

#define DAY_MS ((int64_t)86400 * 1000)

void wm_protection_digest(const char *salt_hex, const char *payment_id, const char *code,
                          char out[65])
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    /* Separators keep ("ab","c") and ("a","bc") apart. */
    g_checksum_update(sum, (const guchar *)salt_hex, -1);
    g_checksum_update(sum, (const guchar *)"\n", 1);
    g_checksum_update(sum, (const guchar *)(payment_id ? payment_id : ""), -1);
    g_checksum_update(sum, (const guchar *)"\n", 1);
    g_checksum_update(sum, (const guchar *)code, -1);
    tender_checksum_hex(sum, 0, out, 65);
    g_checksum_free(sum);
}

/* 16 bytes of salt from the host's randomness, as hex. Without a random
 * service (an old host) the salt is derived from the payment and request ids,
 * which still keeps digests of one code different across payments. */
static void make_salt(const wm_instance *wm, const tender_request *req, char out[33])
{
    guint8 bytes[16];
    const tender_host_services *h = wm->host;
    if (h && TENDER_HAS_FIELD(h, tender_host_services, random_bytes) && h->random_bytes) {
        h->random_bytes(h, bytes, sizeof bytes);
    } else {
        char *seed = g_strdup_printf("salt\n%s\n%s", req->payment_id ? req->payment_id : "",
                                     req->request_id ? req->request_id : "");
        tender_digest_hex(G_CHECKSUM_SHA256, seed, strlen(seed), 0, out, 33);
        g_free(seed);
        return;
    }
    tender_hex_encode(bytes, sizeof bytes, 0, out, 33);
}

/* Fill the action of a locked transfer. */
static void set_code_action(tender_result *res, const char *trans, int64_t expires_ms,
                            int attempts_left)
{
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_PROTECTION_CODE;
    TENDER_SET(res, action_data, trans);
    TENDER_SETF(res, action_hint,
                "Enter the protection code you chose for WebMoney transfer %s to release it "
                "(%d attempt%s left).", trans, attempts_left, attempts_left == 1 ? "" : "s");
    res->action_expires_ms = expires_ms;
}

void wm_protected_start(const wm_instance *wm, const tender_request *req, int days,
                        const char *code, wm_state *st, tender_result *res)
{
    char trans[24];
    make_salt(wm, req, st->salt);
    wm_protection_digest(st->salt, req->payment_id, code, st->digest);
    g_snprintf(trans, sizeof trans, "%" G_GUINT64_FORMAT,
               wm_sandbox_transfer_no(req->payment_id));
    int64_t expires = tender_now_ms(wm->host) + (int64_t)days * DAY_MS;

    st->flow = WM_FLOW_PROTECTED;
    st->status = WM_STATUS_LOCKED;
    tender_copy_string(st->trans, sizeof st->trans, trans);
    st->days = days;
    st->expires = expires;
    st->tries = 0;
    if (!wm_state_store(st, res)) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "the protected transfer's state does not fit");
        return;
    }

    TENDER_SET(res, processor_ref, trans);
    TENDER_SETF(res, details, "transfer=%s\nprotection_days=%d\nattempts_left=%d\n", trans,
                days, WM_PROTECTION_ATTEMPTS);
    set_code_action(res, trans, expires, WM_PROTECTION_ATTEMPTS);
    TENDER_SET(res, raw_code, "0");
    TENDER_SETF(res, message, "funds locked by protected transfer %s for %d day%s", trans, days,
                days == 1 ? "" : "s");
    tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
               "payment %s: protected transfer %s locked for %d days", req->payment_id, trans,
               days);
}

/* The period ended with the funds still locked: WebMoney returns them to the
 * payer. Written into res (and its state) as an expiry. */
static void settle_expired(const wm_state *st, tender_result *res)
{
    wm_state next = *st;
    next.status = WM_STATUS_EXPIRED;
    wm_state_store(&next, res);
    tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "protection_expired",
                          "the protection period of transfer %s ended before the code was "
                          "entered: the funds went back to the payer's purse", st->trans);
    res->event = TENDER_EVENT_EXPIRED;
}

void wm_protected_sync(const wm_instance *wm, const tender_request *req, const wm_state *st,
                       tender_result *res)
{
    (void)req;
    int left = WM_PROTECTION_ATTEMPTS - st->tries;

    if (st->status == WM_STATUS_LOCKED) {
        if (tender_now_ms(wm->host) >= st->expires) {
            settle_expired(st, res);
            return;
        }
        set_code_action(res, st->trans, st->expires, left);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        TENDER_SET(res, raw_code, "0");
        TENDER_SET(res, message, "protected transfer still locked: waiting for the code");
    } else if (st->status == WM_STATUS_RELEASED || st->status == WM_STATUS_PAID) {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = st->amount;
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "protected transfer released");
    } else if (st->status == WM_STATUS_RETURNED) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_code_limit",
                              "the protection code was wrong %d times: the funds went back "
                              "to the payer", WM_PROTECTION_ATTEMPTS);
        res->event = TENDER_EVENT_DECLINED;
    } else if (st->status == WM_STATUS_EXPIRED) {
        tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "protection_expired",
                              "the protection period ended: the funds went back to the payer");
        res->event = TENDER_EVENT_EXPIRED;
    } else {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "bad_state",
                              "unreadable plugin state for a protected transfer");
    }
}

void wm_complete_action(void *instance, const tender_request *req, tender_result *res)
{
    const wm_instance *wm = instance;
    wm_state st;
    int have_state = wm_state_load(req->plugin_state, &st);

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
                              st.trans, wm_status_name(st.status));
        res->event = TENDER_EVENT_NONE;
        return;
    }
    if (tender_now_ms(wm->host) >= st.expires) {
        settle_expired(&st, res);
        return;
    }

    const char *code = tender_request_param(req, "protection_code");
    if (code == NULL || code[0] == '\0') {
        /* Nothing was tried: no attempt is used up. */
        set_code_action(res, st.trans, st.expires, WM_PROTECTION_ATTEMPTS - st.tries);
        TENDER_SET(res, raw_code, "-9");
        TENDER_SET(res, message, "protection_code is required to release the transfer");
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        return;
    }

    char given[65];
    wm_protection_digest(st.salt, req->payment_id, code, given);
    wm_state next = st;

    if (tender_secure_streq(given, st.digest)) {
        next.status = WM_STATUS_RELEASED;
        wm_state_store(&next, res);
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = st.amount;
        TENDER_SETF(res, details, "transfer=%s\n", st.trans);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                              "protection code accepted: the transfer is released");
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                   "payment %s: protected transfer %s released", req->payment_id, st.trans);
        return;
    }

    next.tries = st.tries + 1;
    int left = WM_PROTECTION_ATTEMPTS - next.tries;
    if (left <= 0) {
        next.status = WM_STATUS_RETURNED;
        wm_state_store(&next, res);
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_code_limit",
                              "the protection code was wrong %d times: transfer %s went back "
                              "to the payer's purse", WM_PROTECTION_ATTEMPTS, st.trans);
        TENDER_SETF(res, details, "transfer=%s\nattempts_left=0\n", st.trans);
        res->event = TENDER_EVENT_DECLINED;
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: %d wrong protection codes, transfer %s returned",
                   req->payment_id, WM_PROTECTION_ATTEMPTS, st.trans);
        return;
    }
    wm_state_store(&next, res);
    set_code_action(res, st.trans, st.expires, left);
    TENDER_SET(res, raw_code, "wrong_code");
    TENDER_SETF(res, message, "wrong protection code: %d attempt%s left", left,
                left == 1 ? "" : "s");
    TENDER_SETF(res, details, "transfer=%s\nattempts_left=%d\n", st.trans, left);
    res->event = TENDER_EVENT_ACTION_REQUIRED;
    tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
               "payment %s: wrong protection code, %d attempts left", req->payment_id, left);
}
