/* Alipay's asynchronous notifications (notify_type trade_status_sync):
 * verify the RSA2 signature with the Alipay public key, answer exactly
 * "success", and apply each notification once. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-instance.h"
#include "alipay-ops.h"
#include "alipay-params.h"
#include "alipay-rsa2.h"
#include "alipay-trade.h"

static void reply(tender_result *res, int ok)
{
    /* Anything but "success" makes Alipay send the notification again
     * (about 8 times over 25 hours). */
    res->reply_status = 200;
    TENDER_SET(res, reply_content_type, "text/plain");
    TENDER_SET(res, reply_body, ok ? "success" : "failure");
}

static void refuse(tender_result *res, const char *why)
{
    tender_result_decline(res, TENDER_DECLINE_SECURITY_CHECK_FAILED, "SIGN_CHECK_FAILED",
                          "notification refused: %s", why);
    reply(res, 0);
}

/* Parse and verify the notification in req; NULL (res declined) when it is
 * not a genuine trade_status_sync notification for this app. */
static AlipayParams *verified(const AlipayInstance *inst, const tender_request *req,
                              tender_result *res)
{
    char why[160] = "";
    AlipayParams *p = alipay_params_from_form(req->body, req->body_len, why, sizeof why);
    if (p == NULL) {
        refuse(res, why);
        return NULL;
    }
    if (!alipay_rsa2_verify_notification(inst->alipay_public, p, why, sizeof why)) {
        refuse(res, why);
    } else if (g_strcmp0(alipay_params_get(p, "app_id"), inst->app_id) != 0) {
        refuse(res, "it is for another app_id");
    } else if (g_strcmp0(alipay_params_get(p, "notify_type"), "trade_status_sync") != 0) {
        refuse(res, "notify_type is not trade_status_sync");
    } else if (alipay_params_get(p, "out_trade_no") == NULL ||
               alipay_params_get(p, "out_trade_no")[0] == '\0' ||
               alipay_params_get(p, "notify_id") == NULL ||
               alipay_params_get(p, "notify_id")[0] == '\0' ||
               alipay_params_get(p, "trade_status") == NULL) {
        refuse(res, "out_trade_no, notify_id or trade_status is missing");
    } else {
        return p;
    }
    alipay_params_free(p);
    return NULL;
}

void alipay_op_identify_notification(void *instance, const tender_request *req,
                                     tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayParams *p = verified(inst, req, res);
    if (p == NULL)
        return;
    res->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(res, notify_payment_id, alipay_params_get(p, "out_trade_no"));
    TENDER_SET(res, notify_id, alipay_params_get(p, "notify_id"));
    TENDER_SET(res, raw_code, alipay_params_get(p, "trade_status"));
    reply(res, 1);
    alipay_params_free(p);
}

/* A verified notification that changes nothing. */
static void nothing_changed(tender_result *res, const char *status, const char *why)
{
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->event = TENDER_EVENT_NONE;
    TENDER_SET(res, raw_code, status);
    TENDER_SET(res, message, why);
    reply(res, 1);
}

/* A refund notification (refund_fee: the trade's refunded total, out_biz_no:
 * the refund's request number) on a paid trade. 1 when it says more was
 * refunded than the trade knows — a refund made at Alipay (the merchant's
 * console) or one whose answer was lost — and the trade and res now say so
 * (event REFUNDED with the total); 0 when it brings nothing new; -1 when
 * refund_fee is not an amount within the trade's total. */
static int refund_notified(AlipayTrade *trade, const AlipayParams *p, tender_result *res)
{
    const char *text = alipay_params_get(p, "refund_fee");
    int64_t total = 0;
    if (text == NULL || text[0] == '\0')
        return 0;
    if (!tender_money_from_wire(text, 2, &total) || total <= 0 || total > trade->total)
        return -1;
    if (total <= trade->refunded)
        return 0;
    const char *request_no = alipay_params_get(p, "out_biz_no");
    int64_t part = total - trade->refunded;
    if (request_no && request_no[0] && alipay_trade_refund_lookup(trade, request_no) < 0)
        alipay_trade_refund_add(trade, request_no, part);
    if (request_no && strcmp(trade->pending_refund, request_no) == 0) {
        trade->pending_refund[0] = '\0';
        trade->pending_amount = 0;
    }
    trade->refunded = total;
    if (trade->refunded == trade->total)
        snprintf(trade->status, sizeof trade->status, ALIPAY_TRADE_CLOSED);
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->event = TENDER_EVENT_REFUNDED;
    res->amount = total;
    TENDER_SETF(res, message, "Alipay refunded %s in all (refund notification%s%s)", text,
                request_no && request_no[0] ? ", out_biz_no " : "",
                request_no && request_no[0] ? request_no : "");
    return 1;
}

void alipay_op_notification(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayParams *p = verified(inst, req, res);
    if (p == NULL)
        return;
    AlipayTrade trade;
    const char *status = alipay_params_get(p, "trade_status");
    const char *notify_id = alipay_params_get(p, "notify_id");
    const char *trade_no = alipay_params_get(p, "trade_no");
    const char *total_text = alipay_params_get(p, "total_amount");
    int64_t total = -1;

    if (!alipay_trade_load(&trade, req->plugin_state)) {
        refuse(res, "the payment has no Alipay trade");
        goto done;
    }
    /* The notification must be about this very trade and its amount: a
     * genuine signature over someone else's order proves nothing here. */
    if (strcmp(alipay_params_get(p, "out_trade_no"), trade.out_trade_no) != 0 ||
        (req->payment_id && strcmp(req->payment_id, trade.out_trade_no) != 0)) {
        refuse(res, "out_trade_no is not this payment");
        goto done;
    }
    /* Alipay's trade number is known once the trade was paid (or queried). */
    if (trade_no && trade_no[0] && trade.trade_no[0] && strcmp(trade_no, trade.trade_no) != 0) {
        refuse(res, "trade_no is not this trade's");
        goto done;
    }
    if (inst->seller_id[0] &&
        g_strcmp0(alipay_params_get(p, "seller_id"), inst->seller_id) != 0) {
        refuse(res, "seller_id is not the configured seller's");
        goto done;
    }
    if (total_text == NULL || !tender_money_from_wire(total_text, 2, &total) ||
        total != trade.total) {
        refuse(res, "total_amount does not match the trade");
        goto done;
    }
    if (alipay_trade_notify_seen(&trade, notify_id)) {
        nothing_changed(res, status, "repeated notification (same notify_id): already applied");
        goto done;
    }

    int waiting = strcmp(trade.status, ALIPAY_WAIT_BUYER_PAY) == 0;
    int64_t now = tender_now_ms(inst->host);
    /* On a paid trade, a refund_fee above what the trade knows syncs the
     * payment's refunds (a trade still waiting here is captured first; a
     * sync then finds its refunds). */
    int refund = waiting ? 0 : refund_notified(&trade, p, res);
    if (refund < 0) {
        refuse(res, "refund_fee is not an amount within the trade's total");
        goto done;
    }
    if (refund > 0) {
        if (strcmp(trade.status, ALIPAY_TRADE_CLOSED) == 0 && trade.closed_ms == 0)
            trade.closed_ms = now;
    } else if (strcmp(status, ALIPAY_TRADE_SUCCESS) == 0 ||
               strcmp(status, ALIPAY_TRADE_FINISHED) == 0) {
        int finished = strcmp(status, ALIPAY_TRADE_FINISHED) == 0;
        if (waiting) {
            snprintf(trade.status, sizeof trade.status, "%s", status);
            trade.paid_ms = now;
            if (trade_no && trade_no[0] && strlen(trade_no) < sizeof trade.trade_no)
                snprintf(trade.trade_no, sizeof trade.trade_no, "%s", trade_no);
            res->outcome = TENDER_OUTCOME_APPROVED;
            res->event = TENDER_EVENT_CAPTURED;
            res->amount = trade.total;
            TENDER_SET(res, message, "the buyer paid");
        } else if (finished && strcmp(trade.status, ALIPAY_TRADE_SUCCESS) == 0) {
            /* Paid before; now past the refund period. The money is where it
             * was, so the payment's state does not move. */
            snprintf(trade.status, sizeof trade.status, ALIPAY_TRADE_FINISHED);
            trade.closed_ms = now;
            nothing_changed(res, status, "the trade is finished: no longer refundable");
        } else {
            nothing_changed(res, status, "status already applied");
            goto done;
        }
    } else if (strcmp(status, ALIPAY_TRADE_CLOSED) == 0) {
        if (waiting) {
            snprintf(trade.status, sizeof trade.status, ALIPAY_TRADE_CLOSED);
            trade.closed_ms = now;
            res->outcome = TENDER_OUTCOME_APPROVED;
            /* The merchant's own close answered for itself (void): a close
             * Alipay reports of a waiting trade is its timeout, on Alipay's
             * clock. */
            res->event = TENDER_EVENT_EXPIRED;
            TENDER_SET(res, message, "the trade closed unpaid at its timeout");
        } else {
            /* A paid trade closes when fully refunded; the refunds were
             * answered synchronously (or by refund_fee above) and are
             * already applied. */
            nothing_changed(res, status, "status already applied");
            goto done;
        }
    } else {
        nothing_changed(res, status, "informational notification");
        goto done;
    }
    TENDER_SET(res, raw_code, status);
    if (trade.trade_no[0] && alipay_trade_was_paid(&trade))
        TENDER_SET(res, processor_ref, trade.trade_no);
    TENDER_SETF(res, details, "trade_status=%s\nout_trade_no=%s\ntrade_no=%s\nnotify_id=%s",
                trade.status, trade.out_trade_no, trade.trade_no, notify_id);
    alipay_trade_notify_add(&trade, notify_id);
    if (!alipay_trade_save(&trade, res->plugin_state, sizeof res->plugin_state))
        res->plugin_state[0] = '\0';
    reply(res, 1);
done:
    alipay_params_free(p);
}
