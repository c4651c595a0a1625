/* The sandbox platform's asynchronous notifications: for a trade and an
 * event ("paid", "closed", "finished") it writes exactly what Alipay would
 * POST to the merchant's notify_url, a form body signed with RSA2 by the
 * (sandbox) platform private key the way Alipay signs: every field but sign
 * and sign_type, empty ones included (alipay_rsa2_sign_notification). */
#include <tender/sdk-glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-instance.h"
#include "alipay-ops.h"
#include "alipay-params.h"
#include "alipay-rsa2.h"
#include "alipay-time.h"
#include "alipay-trade.h"

static void wire(int64_t fen, char out[32])
{
    if (!tender_money_to_wire(fen, 2, 0, out, 32))
        snprintf(out, 32, "0.00");
}

void alipay_op_sandbox_notification(void *instance, const tender_request *req,
                                    const char *event, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!alipay_trade_load(&trade, req->plugin_state)) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_NOT_EXIST",
                              "the payment has no Alipay trade");
        return;
    }
    int64_t now = tender_now_ms(inst->host);
    int waiting = strcmp(trade.status, ALIPAY_WAIT_BUYER_PAY) == 0;
    /* The gateway closes an unpaid trade at its deadline, whoever looks. */
    if (waiting && now >= trade.deadline_ms) {
        waiting = 0;
        snprintf(trade.status, sizeof trade.status, ALIPAY_TRADE_CLOSED);
        trade.closed_ms = trade.deadline_ms;
    }
    const char *status;
    if (event == NULL) {
        event = "";
    }
    if (strcmp(event, "paid") == 0) {
        if (!waiting) {
            tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_STATUS_ERROR",
                                  "sandbox event 'paid': the trade is %s, not WAIT_BUYER_PAY",
                                  trade.status);
            return;
        }
        status = ALIPAY_TRADE_SUCCESS;
        trade.paid_ms = now;
    } else if (strcmp(event, "closed") == 0) {
        int fully_refunded = alipay_trade_was_paid(&trade) && trade.refunded == trade.total;
        if (!waiting && strcmp(trade.status, ALIPAY_TRADE_CLOSED) != 0 && !fully_refunded) {
            tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_STATUS_ERROR",
                                  "sandbox event 'closed': a paid trade closes only when fully "
                                  "refunded");
            return;
        }
        status = ALIPAY_TRADE_CLOSED;
        if (trade.closed_ms == 0)
            trade.closed_ms = now;
    } else if (strcmp(event, "finished") == 0) {
        if (strcmp(trade.status, ALIPAY_TRADE_SUCCESS) != 0 &&
            strcmp(trade.status, ALIPAY_TRADE_FINISHED) != 0) {
            tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_STATUS_ERROR",
                                  "sandbox event 'finished': the trade is %s, not paid",
                                  trade.status);
            return;
        }
        status = ALIPAY_TRADE_FINISHED;
        if (trade.closed_ms == 0)
            trade.closed_ms = now;
    } else {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "UNKNOWN_EVENT",
                              "unknown sandbox event '%s': use paid, closed or finished", event);
        return;
    }

    /* Repeats of one notification share its notify_id. */
    char seed[160], notify_id[40];
    snprintf(seed, sizeof seed, "notify|%s|%s|%s", inst->app_id, trade.out_trade_no, event);
    tender_digest_hex(G_CHECKSUM_SHA256, seed, strlen(seed), 0, notify_id, 2 * 17 + 1);

    char total[32], when[24], created[24], paid[24], closed[24];
    wire(trade.total, total);
    alipay_beijing_time(now, when, sizeof when);
    alipay_beijing_time(trade.created_ms, created, sizeof created);
    alipay_beijing_time(trade.paid_ms, paid, sizeof paid);
    alipay_beijing_time(trade.closed_ms, closed, sizeof closed);
    int paid_trade = strcmp(status, ALIPAY_TRADE_CLOSED) != 0 || trade.paid_ms > 0;

    AlipayParams *p = alipay_params_new();
    alipay_params_set(p, "gmt_create", created);
    alipay_params_set(p, "charset", "utf-8");
    alipay_params_set(p, "seller_id", inst->seller_id);
    alipay_params_set(p, "subject", trade.subject);
    alipay_params_set(p, "notify_time", when);
    alipay_params_set(p, "notify_type", "trade_status_sync");
    alipay_params_set(p, "notify_id", notify_id);
    alipay_params_set(p, "app_id", inst->app_id);
    alipay_params_set(p, "auth_app_id", inst->app_id);
    alipay_params_set(p, "version", "1.0");
    alipay_params_set(p, "out_trade_no", trade.out_trade_no);
    alipay_params_set(p, "total_amount", total);
    alipay_params_set(p, "trade_status", status);
    if (paid_trade) {
        char fund_bill[96], logon[40];
        alipay_params_set(p, "trade_no", trade.trade_no);
        alipay_params_set(p, "buyer_id", trade.buyer_id);
        snprintf(logon, sizeof logon, "sbx***%.4s@sandbox.com", trade.buyer_id + 12);
        alipay_params_set(p, "buyer_logon_id", logon);
        alipay_params_set(p, "receipt_amount", total);
        alipay_params_set(p, "invoice_amount", total);
        alipay_params_set(p, "buyer_pay_amount", total);
        alipay_params_set(p, "point_amount", "0.00");
        snprintf(fund_bill, sizeof fund_bill, "[{\"amount\":\"%s\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
                 total);
        alipay_params_set(p, "fund_bill_list", fund_bill);
        alipay_params_set(p, "gmt_payment", paid);
        if (trade.refunded > 0) {
            char refunded[32];
            wire(trade.refunded, refunded);
            alipay_params_set(p, "refund_fee", refunded);
        }
    }
    if (strcmp(status, ALIPAY_TRADE_SUCCESS) != 0)
        alipay_params_set(p, "gmt_close", closed);

    if (!alipay_rsa2_sign_notification(inst->platform_private, p)) {
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "SIGN_FAILED",
                              "the sandbox could not sign the notification");
        alipay_params_free(p);
        return;
    }
    char *body = alipay_params_to_form(p);
    res->outcome = TENDER_OUTCOME_APPROVED;
    TENDER_SET(res, raw_code, status);
    TENDER_SET(res, notify_headers, "Content-Type: application/x-www-form-urlencoded\n");
    if (!TENDER_SET(res, notify_body, body))
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "TOO_LONG",
                              "the notification does not fit the result");
    TENDER_SET(res, notify_id, notify_id);
    TENDER_SET(res, notify_payment_id, trade.out_trade_no);
    g_free(body);
    alipay_params_free(p);
}
