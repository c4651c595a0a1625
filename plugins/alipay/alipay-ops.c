/* purchase, sync, void and refund: signed gateway requests and what their
 * responses mean for the payment. */
#include "alipay-ops.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-codes.h"
#include "alipay-instance.h"
#include "alipay-json.h"
#include "alipay-rsa2.h"
#include "alipay-sandbox.h"
#include "alipay-time.h"
#include "alipay-trade.h"

#define MIN_TOTAL 10LL
#define MAX_TOTAL 30000000LL

/* Build, sign and send one gateway request. Returns 0 (with res set to
 * NOT_SENT) when the request could not be signed. */
static int call_gateway(const AlipayInstance *inst, const char *method, const AlipayParams *biz,
                        AlipayTrade *trade, AlipayResponse *resp, tender_result *res)
{
    AlipayParams *req = alipay_params_new();
    char when[24];
    alipay_beijing_time(tender_now_ms(inst->host), when, sizeof when);
    char *json = alipay_json_from_params(biz);
    alipay_params_set(req, "app_id", inst->app_id);
    alipay_params_set(req, "method", method);
    alipay_params_set(req, "format", "JSON");
    alipay_params_set(req, "charset", "utf-8");
    alipay_params_set(req, "timestamp", when);
    alipay_params_set(req, "version", "1.0");
    /* Empty when not configured: then it is left out of the signature. */
    alipay_params_set(req, "notify_url", inst->notify_url);
    alipay_params_set(req, "biz_content", json);
    g_free(json);
    int ok = alipay_rsa2_sign_request(inst->app_private, req);
    if (ok)
        alipay_sandbox_gateway(inst, req, trade, resp);
    else
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "SIGN_FAILED",
                              "the request could not be signed with app_private_key");
    alipay_params_free(req);
    return ok;
}

/* DECLINED from a failed response: the sub_code is the raw code. */
static void decline_from(const AlipayResponse *resp, tender_result *res, const char *what)
{
    const char *raw = resp->sub_code[0] ? resp->sub_code : resp->code;
    tender_result_decline(res, alipay_decline_for(resp->sub_code), raw, "%s: %s (%s)", what,
                          resp->sub_msg[0] ? resp->sub_msg : resp->msg, raw);
}

static void save_state(const AlipayTrade *trade, tender_result *res)
{
    if (!alipay_trade_save(trade, res->plugin_state, sizeof res->plugin_state))
        res->plugin_state[0] = '\0'; /* cannot happen within the documented bounds */
}

static int load_trade(const tender_request *req, AlipayTrade *trade, tender_result *res)
{
    if (!alipay_trade_load(trade, req->plugin_state)) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_NOT_EXIST",
                              "plugin_state holds no Alipay trade for this payment");
        return 0;
    }
    return 1;
}

static void set_details(tender_result *res, const AlipayInstance *inst, const AlipayTrade *trade,
                        const char *extra)
{
    TENDER_SETF(res, details, "trade_status=%s\nout_trade_no=%s%s%s\nsettle_currency=%s%s",
                trade->status, trade->out_trade_no,
                alipay_trade_was_paid(trade) ? "\ntrade_no=" : "",
                alipay_trade_was_paid(trade) ? trade->trade_no : "", inst->settle_currency,
                extra ? extra : "");
}

/* The QR action of an unpaid trade. */
static void set_action(const AlipayInstance *inst, const AlipayTrade *trade, tender_result *res)
{
    char qr[128], amount[32], until[24];
    alipay_sandbox_qr_code(inst, trade, qr, sizeof qr);
    tender_money_to_wire(trade->total, 2, 0, amount, sizeof amount);
    alipay_beijing_time(trade->deadline_ms, until, sizeof until);
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = TENDER_ACTION_QR_CODE;
    TENDER_SET(res, action_data, qr);
    TENDER_SETF(res, action_hint, "Scan the QR code with the Alipay app and pay %s CNY before "
                "%s (Beijing time).", amount, until);
    res->action_expires_ms = trade->deadline_ms;
    /* Opened on a phone, the same link starts the Alipay app. */
    char extra[256];
    snprintf(extra, sizeof extra, "\ntimeout_express=%s\nredirect_url=%s?_s=web-other",
             trade->timeout, qr);
    set_details(res, inst, trade, extra);
}

static int valid_buyer_id(const char *s)
{
    return strlen(s) == 16 && tender_all_digits(s) && strncmp(s, "2088", 4) == 0;
}

/* Alipay refuses these characters in a subject. */
static int valid_subject(const char *s)
{
    return strlen(s) <= 256 && g_utf8_validate(s, -1, NULL) && strpbrk(s, "/=&") == NULL;
}

static int valid_order_no(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!(g_ascii_isalnum(*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

void alipay_op_purchase(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    const char *timeout = tender_request_param(req, "timeout_express");
    const char *subject = tender_request_param(req, "subject");
    const char *buyer = tender_request_param(req, "buyer_id");
    int64_t minutes;

    if (req->currency == NULL || strcmp(req->currency, "CNY") != 0 || req->exponent != 2) {
        tender_result_decline(res, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED, "ACQ.INVALID_PARAMETER",
                              "Alipay buyers pay in CNY with 2 decimals, not %s",
                              req->currency ? req->currency : "(none)");
        return;
    }
    if (req->region && req->region[0] && strcmp(req->region, "CN") != 0) {
        tender_result_decline(res, TENDER_DECLINE_REGION_NOT_SUPPORTED, "ACQ.INVALID_PARAMETER",
                              "Alipay serves buyers in mainland China (CN), not %s", req->region);
        return;
    }
    if (req->amount < MIN_TOTAL || req->amount > MAX_TOTAL) {
        tender_result_decline(res, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                              req->amount > MAX_TOTAL ? "ACQ.TOTAL_FEE_EXCEED"
                                                      : "ACQ.INVALID_PARAMETER",
                              "amount must be 0.10 to 300000.00 CNY per transaction");
        return;
    }
    if (timeout && !alipay_timeout_parse(timeout, &minutes)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "parameter 'timeout_express' must be 1m..15d in whole m, h or d "
                              "units (or 1c)");
        return;
    }
    if (subject && !valid_subject(subject)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "parameter 'subject' must be UTF-8 text of at most 256 bytes "
                              "without '/', '=' or '&'");
        return;
    }
    if (buyer && !valid_buyer_id(buyer)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_ACCOUNT, "ACQ.INVALID_PARAMETER",
                              "parameter 'buyer_id' must be an Alipay user id: 2088 and 12 "
                              "more digits");
        return;
    }
    if (!valid_order_no(req->payment_id)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "the payment id cannot be an Alipay out_trade_no (letters, digits, "
                              "'_' and '-', at most 64)");
        return;
    }

    char amount[32], default_subject[96];
    tender_money_to_wire(req->amount, 2, 0, amount, sizeof amount);
    snprintf(default_subject, sizeof default_subject, "Order %s", req->payment_id);
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", req->payment_id);
    alipay_params_set(biz, "total_amount", amount);
    alipay_params_set(biz, "subject", subject && subject[0] ? subject : default_subject);
    alipay_params_set(biz, "timeout_express", timeout ? timeout : inst->timeout_express);
    if (strcmp(inst->settle_currency, "CNY") != 0)
        alipay_params_set(biz, "settle_currency", inst->settle_currency);
    if (buyer)
        alipay_params_set(biz, "buyer_id", buyer);

    AlipayTrade trade;
    AlipayResponse resp;
    memset(&trade, 0, sizeof trade);
    alipay_response_init(&resp);
    if (call_gateway(inst, "alipay.trade.precreate", biz, &trade, &resp, res)) {
        if (!alipay_response_ok(&resp)) {
            decline_from(&resp, res, "alipay.trade.precreate refused");
        } else {
            set_action(inst, &trade, res);
            TENDER_SET(res, raw_code, resp.code);
            TENDER_SET(res, message, "trade created: waiting for the buyer to pay");
            TENDER_SET(res, display_brand, "Alipay");
            if (buyer) {
                char masked[32];
                snprintf(masked, sizeof masked, "2088********%s", buyer + 12);
                TENDER_SET(res, display_account, masked);
            }
            save_state(&trade, res);
        }
    }
    alipay_response_clear(&resp);
    alipay_params_free(biz);
}

/* What a trade's status means for the payment, for sync. */
static void report_truth(const AlipayInstance *inst, const AlipayTrade *trade, tender_result *res)
{
    if (strcmp(trade->status, ALIPAY_WAIT_BUYER_PAY) == 0) {
        set_action(inst, trade, res);
        res->event = TENDER_EVENT_ACTION_REQUIRED;
        TENDER_SET(res, message, "the buyer has not paid yet");
        return;
    }
    res->outcome = TENDER_OUTCOME_APPROVED;
    if (!alipay_trade_was_paid(trade)) {
        /* Closed unpaid: at its timeout (expired) or earlier (cancelled). */
        int expired = trade->closed_ms >= trade->deadline_ms;
        res->event = expired ? TENDER_EVENT_EXPIRED : TENDER_EVENT_VOIDED;
        res->amount = 0;
        TENDER_SET(res, message, expired ? "the trade closed unpaid at its timeout"
                                         : "the trade was closed unpaid");
    } else if (trade->refunded > 0) {
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = trade->refunded;
        TENDER_SET(res, message, trade->refunded == trade->total ? "the trade is fully refunded"
                                                                 : "the trade is partly refunded");
    } else {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = trade->total;
        TENDER_SET(res, message, "the buyer paid");
    }
    if (alipay_trade_was_paid(trade))
        TENDER_SET(res, processor_ref, trade->trade_no);
    set_details(res, inst, trade, NULL);
}

void alipay_op_sync(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade.out_trade_no);
    AlipayResponse resp;
    alipay_response_init(&resp);
    if (call_gateway(inst, "alipay.trade.query", biz, &trade, &resp, res)) {
        if (!alipay_response_ok(&resp)) {
            decline_from(&resp, res, "alipay.trade.query failed");
        } else {
            report_truth(inst, &trade, res);
            TENDER_SET(res, raw_code, alipay_params_get(resp.fields, "trade_status"));
            save_state(&trade, res);
        }
    }
    alipay_response_clear(&resp);
    alipay_params_free(biz);
}

void alipay_op_void(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade.out_trade_no);
    AlipayResponse resp;
    alipay_response_init(&resp);
    if (call_gateway(inst, "alipay.trade.close", biz, &trade, &resp, res)) {
        if (!alipay_response_ok(&resp)) {
            decline_from(&resp, res, strcmp(trade.status, ALIPAY_TRADE_CLOSED) == 0 &&
                                             !alipay_trade_was_paid(&trade) &&
                                             trade.closed_ms >= trade.deadline_ms
                                         ? "the trade already closed at its timeout"
                                         : "alipay.trade.close refused");
        } else {
            res->outcome = TENDER_OUTCOME_APPROVED;
            res->event = TENDER_EVENT_VOIDED;
            TENDER_SET(res, raw_code, resp.code);
            TENDER_SET(res, message, "the unpaid trade is closed");
            set_details(res, inst, &trade, NULL);
        }
        /* Store the gateway's view even on refusal (it may have closed). */
        save_state(&trade, res);
    }
    alipay_response_clear(&resp);
    alipay_params_free(biz);
}

void alipay_op_refund(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    if (req->request_id == NULL || req->request_id[0] == '\0' ||
        strlen(req->request_id) > 64) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "a refund needs a request id of 1..64 characters (out_request_no)");
        return;
    }
    char amount[32];
    if (req->amount <= 0 || !tender_money_to_wire(req->amount, 2, 0, amount, sizeof amount)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_AMOUNT, "ACQ.REASON_TRADE_REFUND_FEE_ERR",
                              "refund amount must be positive");
        return;
    }
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade.out_trade_no);
    alipay_params_set(biz, "refund_amount", amount);
    alipay_params_set(biz, "out_request_no", req->request_id);
    AlipayResponse resp;
    alipay_response_init(&resp);
    if (call_gateway(inst, "alipay.trade.refund", biz, &trade, &resp, res)) {
        if (!alipay_response_ok(&resp)) {
            decline_from(&resp, res, "alipay.trade.refund refused");
        } else {
            int64_t sent = 0;
            const char *fund_change = alipay_params_get(resp.fields, "fund_change");
            const char *back = alipay_params_get(resp.fields, "send_back_fee");
            if (back == NULL || !tender_money_from_wire(back, 2, &sent))
                sent = req->amount;
            res->outcome = TENDER_OUTCOME_APPROVED;
            res->amount = sent;
            TENDER_SET(res, raw_code, resp.code);
            int repeat = fund_change && strcmp(fund_change, "N") == 0;
            TENDER_SETF(res, message, "%s", repeat
                            ? "this refund request number was refunded before: nothing moved again"
                            : "refunded");
            char extra[96];
            snprintf(extra, sizeof extra, "\nfund_change=%s\nrefund_fee=%s",
                     fund_change ? fund_change : "",
                     alipay_params_get(resp.fields, "refund_fee")
                         ? alipay_params_get(resp.fields, "refund_fee") : "");
            set_details(res, inst, &trade, extra);
            save_state(&trade, res);
        }
    }
    alipay_response_clear(&resp);
    alipay_params_free(biz);
}
