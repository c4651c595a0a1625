/* Refunds: X14 returns money of an incoming transfer to the purse that
 * sent it, fee-free, whole or in parts.
 *
 * X14 takes no idempotency key, and an answer lost on the way leaves the
 * refund unknown. So before each X14 the plugin asks X3 what was refunded
 * of the transfer (refunds carry <inwmtranid>): when WebMoney already shows
 * more than this payment's state records, the earlier attempt went through,
 * and the retry is answered from it instead of refunding twice. A refund
 * the state already records under this request id is answered from the
 * state without asking WebMoney at all. */
#include <string.h>

#include "webmoney.h"

/* The key a refund is recorded under: a positive 10-digit number derived
 * from the host's request id, so a retried refund is recognised. */
static void refund_key(const char *request_id, char out[24])
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)"webmoney-refund:", -1);
    g_checksum_update(sum, (const guchar *)(request_id ? request_id : ""), -1);
    uint64_t n = tender_checksum_number(sum, 8);
    g_checksum_free(sum);
    g_snprintf(out, 24, "%" G_GUINT64_FORMAT, UINT64_C(1000000000) + n % UINT64_C(9000000000));
}

/* Record the refund in the state and finish res as APPROVED. */
static void approve(const wm_instance *wm, const tender_request *req, const wm_state *st,
                    const char *key, const char *ref, int replayed, tender_result *res)
{
    wm_state next = *st;
    next.refunded = st->refunded + req->amount;
    if (tender_id_list_add_amount(next.refunds, sizeof next.refunds, ';', ':', SIZE_MAX, key,
                                  req->amount) != 1 ||
        !wm_state_store(&next, res)) {
        /* The money went back; only the bookkeeping does not fit. */
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: refund %s made but the state has no room to record it",
                   req->payment_id, key);
    }
    res->amount = req->amount;
    TENDER_SET(res, processor_ref, ref);
    TENDER_SETF(res, details, "refund_transfer=%s\nto_purse=%s\n%s", ref,
                st->paid_from[0] ? st->paid_from : st->payer, replayed ? "replayed=1\n" : "");
    tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                          replayed ? "the refund was already made (seen with X3); nothing sent "
                                     "twice"
                                   : "refunded to the payer's purse (X14)");
}

static void x14_refused(const tender_request *req, const wm_x_reply *reply, tender_result *res)
{
    char raw[16];
    g_snprintf(raw, sizeof raw, "%d", reply->retval);
    tender_decline_code code;
    switch (reply->retval) {
    case 13:
        code = TENDER_DECLINE_INVALID_AMOUNT; /* more than is left */
        break;
    case 17:
        code = TENDER_DECLINE_INSUFFICIENT_FUNDS; /* the merchant purse */
        break;
    case 8:
    case 22:
        code = TENDER_DECLINE_OPERATION_NOT_ALLOWED;
        break;
    case -4:
    case -5:
    case 111:
        code = TENDER_DECLINE_AUTHENTICATION_FAILED; /* the merchant's credentials */
        break;
    default:
        code = TENDER_DECLINE_PROCESSING_ERROR;
        break;
    }
    tender_result_decline(res, code, raw, "X14 refused the refund (retval %d: %s)",
                          reply->retval, reply->retdesc);
    (void)req;
}

void wm_refund(void *instance, const tender_request *req, tender_result *res)
{
    wm_instance *wm = instance;
    wm_state st;
    int have_state = wm_state_load(req->plugin_state, &st);
    if (!have_state || (st.status != WM_STATUS_PAID && st.status != WM_STATUS_RELEASED) ||
        st.trans[0] == '\0') {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "not_paid",
                              "only a paid WebMoney payment can be refunded (it is %s)",
                              have_state ? wm_status_name(st.status) : "unknown");
        return;
    }
    char key[24];
    refund_key(req->request_id, key);
    int64_t earlier = tender_id_list_amount(st.refunds, ';', ':', key);
    if (earlier >= 0) {
        res->amount = earlier;
        TENDER_SET(res, processor_ref, key);
        TENDER_SETF(res, details, "refund=%s\nreplayed=1\n", key);
        tender_result_outcome(res, TENDER_OUTCOME_APPROVED, "0",
                              "this refund was already made; nothing sent twice");
        return;
    }
    if (req->amount <= 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "-2",
                              "refund amount must be above zero");
        return;
    }
    int64_t at_webmoney = 0;
    if (wm_refunded_total(wm, st.payee, st.trans, req->exponent, &at_webmoney, res) != 1)
        return;
    if (at_webmoney - st.refunded >= req->amount) {
        /* An earlier attempt of this refund reached WebMoney unrecorded. */
        approve(wm, req, &st, key, key, 1, res);
        return;
    }
    if (req->amount > st.amount - at_webmoney) {
        char left[32];
        tender_money_to_wire(st.amount - at_webmoney, req->exponent, 1, left, sizeof left);
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "refund_exceeds_paid",
                              "amount: a refund may not exceed what remains of the payment "
                              "(%s %s)", left, req->currency ? req->currency : "");
        return;
    }
    char amount_wire[32];
    tender_money_to_wire(req->amount, req->exponent, 1, amount_wire, sizeof amount_wire);
    wm_x_reply reply;
    wm_x14_refund(wm, st.trans, amount_wire, &reply);
    if (reply.kind != WM_X_ANSWER) {
        wm_x_unknown(wm, "X14 refund", &reply, res);
    } else if (reply.retval != 0) {
        x14_refused(req, &reply, res);
        tender_log(wm->host, TENDER_LOG_WARNING, wm->method_id,
                   "payment %s: X14 refused a refund: retval %d", req->payment_id, reply.retval);
    } else {
        const char *ref = reply.operations && reply.operations->len
                              ? wm_x_get(g_ptr_array_index(reply.operations, 0), "@id")
                              : key;
        approve(wm, req, &st, key, ref[0] ? ref : key, 0, res);
        tender_log(wm->host, TENDER_LOG_INFO, wm->method_id,
                   "payment %s: refund %s of %s by X14 (%s)", req->payment_id, amount_wire,
                   st.trans, ref);
    }
    wm_x_reply_clear(&reply);
}
