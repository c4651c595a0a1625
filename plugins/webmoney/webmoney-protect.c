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
                        const char *code, char *state, size_t state_size,
                        tender_result *res)
{
    char salt[33], digest[65], trans[24];
    make_salt(wm, req, salt);
    wm_protection_digest(salt, req->payment_id, code, digest);
    g_snprintf(trans, sizeof trans, "%" G_GUINT64_FORMAT,
               wm_sandbox_transfer_no(req->payment_id));
    int64_t expires = tender_now_ms(wm->host) + (int64_t)days * DAY_MS;

    tender_kv_set(state, state_size, "flow", "protected");
    tender_kv_set(state, state_size, "status", "locked");
    tender_kv_set(state, state_size, "trans", trans);
    tender_kv_set_int(state, state_size, "days", days);
    tender_kv_set_int(state, state_size, "expires", expires);
    tender_kv_set_int(state, state_size, "tries", 0);
    tender_kv_set(state, state_size, "salt", salt);
    tender_kv_set(state, state_size, "digest", digest);

    TENDER_SET(res, plugin_state, state);
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
static void settle_expired(const tender_request *req, const char *trans, tender_result *res)
{
    char next[TENDER_RESULT_STATE_MAX];
    tender_copy_string(next, sizeof next, req->plugin_state);
    tender_kv_set(next, sizeof next, "status", "expired");
    TENDER_SET(res, plugin_state, next);
    tender_result_decline(res, TENDER_DECLINE_ACTION_EXPIRED, "protection_expired",
                          "the protection period of transfer %s ended before the code was "
                          "entered: the funds went back to the payer's purse", trans);
    res->event = TENDER_EVENT_EXPIRED;
}

void wm_protected_sync(const wm_instance *wm, const tender_request *req, tender_result *res)
{
    const char *state = req->plugin_state;
    char status[16] = "", trans[24] = "";
    tender_kv_get(state, "status", status, sizeof status);
    tender_kv_get(state, "trans", trans, sizeof trans);
    int64_t expires = tender_kv_get_int(state, "expires", 0);
    int left = WM_PROTECTION_ATTEMPTS - (int)tender_kv_get_int(state, "tries", 0);

    if (strcmp(status, "locked") == 0) {
        if (tender_now_ms(wm->host) >= expires) {
            settle_expired(req, trans, res);
            return;
        }
        set_code_action(res, trans, expires, left);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        TENDER_SET(res, raw_code, "0");
        TENDER_SET(res, message, "protected transfer still locked: waiting for the code");
    } else if (strcmp(status, "released") == 0 || strcmp(status, "paid") == 0) {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = tender_kv_get_int(state, "amount", 0);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0", "protected transfer released");
    } else if (strcmp(status, "returned") == 0) {
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_code_limit",
                              "the protection code was wrong %d times: the funds went back "
                              "to the payer", WM_PROTECTION_ATTEMPTS);
        res->event = TENDER_EVENT_DECLINED;
    } else if (strcmp(status, "expired") == 0) {
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
    const char *state = req->plugin_state ? req->plugin_state : "";
    char flow[16] = "", status[16] = "", trans[24] = "", salt[40] = "", digest[72] = "";
    tender_kv_get(state, "flow", flow, sizeof flow);
    tender_kv_get(state, "status", status, sizeof status);
    tender_kv_get(state, "trans", trans, sizeof trans);
    tender_kv_get(state, "salt", salt, sizeof salt);
    tender_kv_get(state, "digest", digest, sizeof digest);
    int64_t expires = tender_kv_get_int(state, "expires", 0);
    int tries = (int)tender_kv_get_int(state, "tries", 0);

    if (strcmp(flow, "protected") != 0) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_protected",
                              "this payment is finished on the WebMoney payment page, "
                              "not with a protection code");
        res->event = TENDER_EVENT_NONE;
        return;
    }
    if (strcmp(status, "locked") != 0) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_locked",
                              "protected transfer %s is no longer waiting for its code (%s)",
                              trans, status);
        res->event = TENDER_EVENT_NONE;
        return;
    }
    if (tender_now_ms(wm->host) >= expires) {
        settle_expired(req, trans, res);
        return;
    }

    const char *code = tender_request_param(req, "protection_code");
    if (code == NULL || code[0] == '\0') {
        /* Nothing was tried: no attempt is used up. */
        set_code_action(res, trans, expires, WM_PROTECTION_ATTEMPTS - tries);
        TENDER_SET(res, raw_code, "-9");
        TENDER_SET(res, message, "protection_code is required to release the transfer");
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        return;
    }

    char given[65];
    wm_protection_digest(salt, req->payment_id, code, given);
    char next[TENDER_RESULT_STATE_MAX];
    tender_copy_string(next, sizeof next, state);

    if (tender_secure_streq(given, digest)) {
        tender_kv_set(next, sizeof next, "status", "released");
        TENDER_SET(res, plugin_state, next);
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = tender_kv_get_int(state, "amount", 0);
        TENDER_SETF(res, details, "transfer=%s\n", trans);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                              "protection code accepted: the transfer is released");
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                   "payment %s: protected transfer %s released", req->payment_id, trans);
        return;
    }

    tries++;
    int left = WM_PROTECTION_ATTEMPTS - tries;
    tender_kv_set_int(next, sizeof next, "tries", tries);
    if (left <= 0) {
        tender_kv_set(next, sizeof next, "status", "returned");
        TENDER_SET(res, plugin_state, next);
        tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "wrong_code_limit",
                              "the protection code was wrong %d times: transfer %s went back "
                              "to the payer's purse", WM_PROTECTION_ATTEMPTS, trans);
        TENDER_SETF(res, details, "transfer=%s\nattempts_left=0\n", trans);
        res->event = TENDER_EVENT_DECLINED;
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: %d wrong protection codes, transfer %s returned",
                   req->payment_id, WM_PROTECTION_ATTEMPTS, trans);
        return;
    }
    TENDER_SET(res, plugin_state, next);
    set_code_action(res, trans, expires, left);
    TENDER_SET(res, raw_code, "wrong_code");
    TENDER_SETF(res, message, "wrong protection code: %d attempt%s left", left,
                left == 1 ? "" : "s");
    TENDER_SETF(res, details, "transfer=%s\nattempts_left=%d\n", trans, left);
    res->event = TENDER_EVENT_ACTION_REQUIRED;
    tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
               "payment %s: wrong protection code, %d attempts left", req->payment_id, left);
}
