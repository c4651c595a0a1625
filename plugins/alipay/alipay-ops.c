/* purchase, sync, void and refund: signed gateway requests and what their
 * verified answers mean for the payment.
 *
 * The plugin is stateless: what it knows of a trade (its number, total,
 * deadline, the action the payer was given, refunds made, a refund whose
 * answer was lost) travels in plugin_state (alipay-trade.h). Alipay's own
 * record is the truth: sync asks it. */
#include "alipay-ops.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk-glib.h>
#include <tender/sdk.h>

#include "alipay-codes.h"
#include "alipay-gateway.h"
#include "alipay-instance.h"
#include "alipay-return.h"
#include "alipay-time.h"
#include "alipay-trade.h"

#define MIN_TOTAL 10LL
#define MAX_TOTAL 30000000LL

#define QUERY "alipay.trade.query"
#define REFUND_QUERY "alipay.trade.fastpay.refund.query"

/* DECLINED from a verified refusal: the sub_code is the raw code. */
static void decline_from(const AlipayReply *reply, tender_result *res, const char *what)
{
    const char *raw = reply->sub_code[0] ? reply->sub_code : reply->code;
    tender_result_decline(res, alipay_decline_for(reply->sub_code), raw, "%s: %s (%s)", what,
                          reply->sub_msg[0] ? reply->sub_msg : reply->msg, raw);
}

/* NOT_SENT or UNKNOWN from a reply that is neither answer nor redirect. */
static void no_answer(const AlipayReply *reply, tender_result *res)
{
    if (reply->kind == ALIPAY_REPLY_NOT_SENT)
        tender_result_outcome(res, TENDER_OUTCOME_NOT_SENT, "NOT_SENT", reply->message);
    else
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "NO_VERIFIED_ANSWER", reply->message);
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

static void set_status(AlipayTrade *trade, const char *status)
{
    tender_copy_string(trade->status, sizeof trade->status, status);
}

static void set_details(tender_result *res, const AlipayInstance *inst, const AlipayTrade *trade,
                        const char *extra)
{
    TENDER_SETF(res, details, "trade_status=%s\nout_trade_no=%s%s%s\nsettle_currency=%s%s",
                trade->status, trade->out_trade_no, trade->trade_no[0] ? "\ntrade_no=" : "",
                trade->trade_no, inst->settle_currency, extra ? extra : "");
}

/* The action of an unpaid trade: its QR code or its cashier. */
static void set_action(const AlipayInstance *inst, const AlipayTrade *trade, tender_result *res)
{
    char amount[32], until[24];
    int qr = strcmp(trade->product, "qr") == 0;
    tender_money_to_wire(trade->total, 2, 0, amount, sizeof amount);
    alipay_beijing_time(trade->deadline_ms, until, sizeof until);
    res->outcome = TENDER_OUTCOME_ACTION_REQUIRED;
    res->action_kind = qr ? TENDER_ACTION_QR_CODE : TENDER_ACTION_REDIRECT;
    TENDER_SET(res, action_data, trade->action);
    if (qr)
        TENDER_SETF(res, action_hint,
                    "Scan the QR code with the Alipay app and pay %s CNY "
                    "before %s (Beijing time).",
                    amount, until);
    else
        TENDER_SETF(res, action_hint,
                    "Pay %s CNY at the Alipay cashier before %s (Beijing "
                    "time).",
                    amount, until);
    res->action_expires_ms = trade->deadline_ms;
    char extra[48];
    snprintf(extra, sizeof extra, "\ntimeout_express=%s\nproduct=%s", trade->timeout,
             trade->product);
    set_details(res, inst, trade, extra);
}

/* Alipay refuses these characters in a subject. */
static int valid_subject(const char *s)
{
    return strlen(s) <= ALIPAY_SUBJECT_KEEP && g_utf8_validate(s, -1, NULL) &&
           strpbrk(s, "/=&") == NULL;
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

/* The gateway method and product_code of a product. */
static const char *product_method(const char *product, const char **code)
{
    if (strcmp(product, "page") == 0) {
        *code = "FAST_INSTANT_TRADE_PAY";
        return "alipay.trade.page.pay";
    }
    if (strcmp(product, "wap") == 0) {
        *code = "QUICK_WAP_WAY";
        return "alipay.trade.wap.pay";
    }
    *code = NULL;
    return "alipay.trade.precreate";
}

/* Send the trade's creating request (the same one again after a lost
 * answer: Alipay answers a repeat of the same out_trade_no and contents
 * with the same trade) and, when it is answered, fill the action in. */
static void create_trade(const AlipayInstance *inst, AlipayTrade *trade, const char *return_url,
                         tender_result *res)
{
    char amount[32];
    const char *product_code;
    const char *method = product_method(trade->product, &product_code);
    tender_money_to_wire(trade->total, 2, 0, amount, sizeof amount);
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade->out_trade_no);
    alipay_params_set(biz, "total_amount", amount);
    alipay_params_set(biz, "subject", trade->subject);
    if (product_code)
        alipay_params_set(biz, "product_code", product_code);
    alipay_params_set(biz, "timeout_express", trade->timeout);
    if (strcmp(inst->settle_currency, "CNY") != 0)
        alipay_params_set(biz, "settle_currency", inst->settle_currency);

    AlipayReply reply;
    alipay_gateway_call(inst, method, biz, product_code ? return_url : NULL, &reply);
    const char *qr = alipay_reply_field(&reply, "qr_code");
    if (reply.kind == ALIPAY_REPLY_REDIRECT) {
        tender_copy_string(trade->action, sizeof trade->action, reply.location);
    } else if (alipay_reply_ok(&reply) && qr && qr[0] && strlen(qr) < sizeof trade->action) {
        tender_copy_string(trade->action, sizeof trade->action, qr);
    } else if (reply.kind == ALIPAY_REPLY_ANSWER && !alipay_reply_ok(&reply)) {
        decline_from(&reply, res, method);
    } else if (reply.kind == ALIPAY_REPLY_ANSWER) {
        tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "NO_QR_CODE",
                              "alipay.trade.precreate answered 10000 without a usable qr_code");
    } else {
        no_answer(&reply, res);
    }
    if (trade->action[0]) {
        set_action(inst, trade, res);
        TENDER_SET(res, raw_code, reply.kind == ALIPAY_REPLY_REDIRECT ? "302" : reply.code);
        TENDER_SET(res, message, "trade created: waiting for the buyer to pay");
    }
    alipay_reply_clear(&reply);
    alipay_params_free(biz);
}

void alipay_op_purchase(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    const char *timeout = tender_request_param(req, "timeout_express");
    const char *subject = tender_request_param(req, "subject");
    const char *product = tender_request_param(req, "product");
    const char *return_url = tender_request_param(req, "return_url");
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
    if (product && strcmp(product, "qr") != 0 && strcmp(product, "page") != 0 &&
        strcmp(product, "wap") != 0) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "parameter 'product' must be qr, page or wap");
        return;
    }
    if (return_url == NULL || return_url[0] == '\0')
        return_url = inst->return_url[0] ? inst->return_url : NULL;
    if (return_url && (strlen(return_url) > 255 || (!g_str_has_prefix(return_url, "https://") &&
                                                    !g_str_has_prefix(return_url, "http://")))) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "parameter 'return_url' must be an http(s) URL of at most 255 "
                              "bytes");
        return;
    }
    if (!valid_order_no(req->payment_id)) {
        tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                              "the payment id cannot be an Alipay out_trade_no (letters, digits, "
                              "'_' and '-', at most 64)");
        return;
    }

    AlipayTrade trade;
    memset(&trade, 0, sizeof trade);
    tender_copy_string(trade.out_trade_no, sizeof trade.out_trade_no, req->payment_id);
    set_status(&trade, ALIPAY_WAIT_BUYER_PAY);
    trade.total = req->amount;
    trade.created_ms = tender_now_ms(inst->host);
    tender_copy_string(trade.timeout, sizeof trade.timeout,
                       timeout ? timeout : inst->timeout_express);
    trade.deadline_ms = alipay_timeout_deadline(trade.timeout, trade.created_ms);
    tender_copy_string(trade.product, sizeof trade.product, product ? product : "qr");
    if (subject && subject[0])
        tender_copy_string(trade.subject, sizeof trade.subject, subject);
    else
        snprintf(trade.subject, sizeof trade.subject, "Order %s", req->payment_id);

    create_trade(inst, &trade, return_url, res);
    if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED)
        TENDER_SET(res, display_brand, "Alipay");
    /* Kept on an unknown outcome too: sync asks Alipay about this trade,
     * and sends the same creating request again to learn its action. */
    if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED || res->outcome == TENDER_OUTCOME_UNKNOWN)
        save_state(&trade, res);
}

/* Closed unpaid. Only the merchant's close (void, which answers for itself
 * and leaves the trade closed in the state) or the timeout close a trade no
 * one paid, so a close the state does not know is the timeout: on Alipay's
 * clock, which need not be the host's. */
static void report_closed_unpaid(const AlipayInstance *inst, AlipayTrade *trade, int64_t now,
                                 tender_result *res)
{
    int voided = strcmp(trade->status, ALIPAY_TRADE_CLOSED) == 0 && trade->closed_ms > 0;
    if (trade->closed_ms == 0)
        trade->closed_ms = now;
    set_status(trade, ALIPAY_TRADE_CLOSED);
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->event = voided ? TENDER_EVENT_VOIDED : TENDER_EVENT_EXPIRED;
    res->amount = 0;
    TENDER_SET(res, message,
               voided ? "the trade was closed unpaid" : "the trade closed unpaid at its timeout");
    set_details(res, inst, trade, NULL);
}

/* What a paid trade means for the payment. */
static void report_paid(const AlipayInstance *inst, const AlipayTrade *trade, tender_result *res)
{
    res->outcome = TENDER_OUTCOME_APPROVED;
    if (trade->refunded > 0) {
        res->event = TENDER_EVENT_REFUNDED;
        res->amount = trade->refunded;
        TENDER_SET(res, message,
                   trade->refunded == trade->total ? "the trade is fully refunded"
                                                   : "the trade is partly refunded");
    } else {
        res->event = TENDER_EVENT_CAPTURED;
        res->amount = trade->total;
        TENDER_SET(res, message, "the buyer paid");
    }
    if (trade->trade_no[0])
        TENDER_SET(res, processor_ref, trade->trade_no);
    set_details(res, inst, trade, NULL);
}

/* A refund whose answer was lost: did Alipay make it? 1 when the question
 * was answered (the pending refund is then settled either way). */
static int settle_pending_refund(const AlipayInstance *inst, AlipayTrade *trade, tender_result *res)
{
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade->out_trade_no);
    alipay_params_set(biz, "out_request_no", trade->pending_refund);
    AlipayReply reply;
    alipay_gateway_call(inst, REFUND_QUERY, biz, NULL, &reply);
    alipay_params_free(biz);
    int answered = alipay_reply_ok(&reply);
    if (answered) {
        const char *status = alipay_reply_field(&reply, "refund_status");
        const char *amount = alipay_reply_field(&reply, "refund_amount");
        int64_t refunded = 0;
        /* Alipay answers 10000 for a refund that never happened, without
         * refund_status or refund_amount. */
        if (amount && tender_money_from_wire(amount, 2, &refunded) && refunded > 0 &&
            (status == NULL || strcmp(status, "REFUND_SUCCESS") == 0) &&
            alipay_trade_refund_lookup(trade, trade->pending_refund) < 0) {
            alipay_trade_refund_add(trade, trade->pending_refund, refunded);
            trade->refunded += refunded;
            if (trade->refunded > trade->total)
                trade->refunded = trade->total;
        }
        trade->pending_refund[0] = '\0';
        trade->pending_amount = 0;
    } else if (reply.kind == ALIPAY_REPLY_ANSWER) {
        decline_from(&reply, res, REFUND_QUERY);
        res->outcome = TENDER_OUTCOME_UNKNOWN;
    } else {
        no_answer(&reply, res);
    }
    alipay_reply_clear(&reply);
    return answered;
}

void alipay_op_sync(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    int64_t now = tender_now_ms(inst->host);
    if (trade.pending_refund[0] && !settle_pending_refund(inst, &trade, res)) {
        save_state(&trade, res);
        return;
    }
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade.out_trade_no);
    AlipayReply reply;
    alipay_gateway_call(inst, QUERY, biz, NULL, &reply);
    alipay_params_free(biz);
    const char *status = alipay_reply_field(&reply, "trade_status");
    if (alipay_reply_ok(&reply) && status) {
        const char *trade_no = alipay_reply_field(&reply, "trade_no");
        if (trade_no && strlen(trade_no) < sizeof trade.trade_no)
            tender_copy_string(trade.trade_no, sizeof trade.trade_no, trade_no);
        /* A trade that was paid carries its payment date, also once it is
         * closed by a full refund. */
        int paid = alipay_reply_field(&reply, "send_pay_date") != NULL ||
                   strcmp(status, ALIPAY_TRADE_SUCCESS) == 0 ||
                   strcmp(status, ALIPAY_TRADE_FINISHED) == 0;
        if (strcmp(status, ALIPAY_WAIT_BUYER_PAY) == 0 && trade.action[0]) {
            set_action(inst, &trade, res);
            res->event = TENDER_EVENT_ACTION_REQUIRED;
            TENDER_SET(res, message, "the buyer has not paid yet");
        } else if (strcmp(status, ALIPAY_WAIT_BUYER_PAY) == 0) {
            /* The return URL is not part of the trade's contents. */
            create_trade(inst, &trade, inst->return_url[0] ? inst->return_url : NULL, res);
            if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED)
                res->event = TENDER_EVENT_ACTION_REQUIRED;
        } else if (paid) {
            set_status(&trade, status);
            if (trade.paid_ms == 0)
                trade.paid_ms = now;
            if (strcmp(status, ALIPAY_TRADE_CLOSED) == 0)
                trade.refunded = trade.total; /* closed after payment: fully refunded */
            report_paid(inst, &trade, res);
        } else {
            report_closed_unpaid(inst, &trade, now, res);
        }
        TENDER_SET(res, raw_code, status);
    } else if (reply.kind == ALIPAY_REPLY_ANSWER &&
               strcmp(reply.sub_code, "ACQ.TRADE_NOT_EXIST") == 0) {
        /* No buyer has opened the trade (or its creating request was lost):
         * before its deadline it is still waiting, after it closed. */
        if (now >= trade.deadline_ms) {
            report_closed_unpaid(inst, &trade, now, res);
        } else if (trade.action[0]) {
            set_action(inst, &trade, res);
            res->event = TENDER_EVENT_ACTION_REQUIRED;
            TENDER_SET(res, message, "no buyer has opened the trade yet");
        } else {
            /* The return URL is not part of the trade's contents. */
            create_trade(inst, &trade, inst->return_url[0] ? inst->return_url : NULL, res);
            if (res->outcome == TENDER_OUTCOME_ACTION_REQUIRED)
                res->event = TENDER_EVENT_ACTION_REQUIRED;
        }
        TENDER_SET(res, raw_code, reply.sub_code);
    } else if (reply.kind == ALIPAY_REPLY_ANSWER) {
        decline_from(&reply, res, "alipay.trade.query failed");
        /* A refusal to tell is not a refusal of the payment. */
        res->outcome = TENDER_OUTCOME_UNKNOWN;
    } else {
        no_answer(&reply, res);
    }
    alipay_reply_clear(&reply);
    save_state(&trade, res);
}

void alipay_op_void(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    int64_t now = tender_now_ms(inst->host);
    if (alipay_trade_was_paid(&trade)) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_STATUS_ERROR",
                              "the buyer paid: a paid trade is refunded, not closed");
        return;
    }
    if (now >= trade.deadline_ms) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ACQ.TRADE_STATUS_ERROR",
                              "the trade already closed at its timeout");
        return;
    }
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade.out_trade_no);
    AlipayReply reply;
    alipay_gateway_call(inst, "alipay.trade.close", biz, NULL, &reply);
    alipay_params_free(biz);
    /* A trade no buyer opened is unknown to Alipay's close; it is closed
     * all the same and no buyer can open it any more. */
    if (alipay_reply_ok(&reply) ||
        (reply.kind == ALIPAY_REPLY_ANSWER && strcmp(reply.sub_code, "ACQ.TRADE_NOT_EXIST") == 0)) {
        set_status(&trade, ALIPAY_TRADE_CLOSED);
        trade.closed_ms = now;
        res->outcome = TENDER_OUTCOME_APPROVED;
        res->event = TENDER_EVENT_VOIDED;
        TENDER_SET(res, raw_code, reply.sub_code[0] ? reply.sub_code : reply.code);
        TENDER_SET(res, message, "the unpaid trade is closed");
        set_details(res, inst, &trade, NULL);
        save_state(&trade, res);
    } else if (reply.kind == ALIPAY_REPLY_ANSWER) {
        decline_from(&reply, res, "alipay.trade.close refused");
    } else {
        no_answer(&reply, res);
    }
    alipay_reply_clear(&reply);
}

/* A refund's verified acceptance: this request's amount, and the trade's
 * refunded total as Alipay counts it (refund_fee). */
static void refund_accepted(const AlipayInstance *inst, AlipayTrade *trade, const char *request_no,
                            int64_t amount, const AlipayReply *reply, tender_result *res)
{
    const char *fund_change = alipay_reply_field(reply, "fund_change");
    const char *refund_fee = alipay_reply_field(reply, "refund_fee");
    int repeat = fund_change && strcmp(fund_change, "N") == 0;
    int64_t first = alipay_trade_refund_lookup(trade, request_no);
    if (first < 0) {
        alipay_trade_refund_add(trade, request_no, amount);
        first = amount;
    }
    int64_t total = 0;
    if (refund_fee && tender_money_from_wire(refund_fee, 2, &total) && total <= trade->total)
        trade->refunded = total;
    else if (!repeat)
        trade->refunded += amount;
    if (trade->refunded == trade->total)
        set_status(trade, ALIPAY_TRADE_CLOSED);
    if (strcmp(trade->pending_refund, request_no) == 0) {
        trade->pending_refund[0] = '\0';
        trade->pending_amount = 0;
    }
    res->outcome = TENDER_OUTCOME_APPROVED;
    res->amount = first;
    TENDER_SET(res, raw_code, reply->code[0] ? reply->code : "10000");
    TENDER_SET(res, message,
               repeat ? "this refund request number was refunded before: "
                        "nothing moved again"
                      : "refunded");
    char extra[96];
    snprintf(extra, sizeof extra, "\nfund_change=%s\nrefund_fee=%s", fund_change ? fund_change : "",
             refund_fee ? refund_fee : "");
    set_details(res, inst, trade, extra);
}

/* The refund query after a lost refund answer: 1 when it says the refund
 * was made (res then filled as accepted). */
static int refund_was_made(const AlipayInstance *inst, AlipayTrade *trade, const char *request_no,
                           int64_t amount, tender_result *res)
{
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade->out_trade_no);
    alipay_params_set(biz, "out_request_no", request_no);
    AlipayReply reply;
    alipay_gateway_call(inst, REFUND_QUERY, biz, NULL, &reply);
    alipay_params_free(biz);
    const char *status = alipay_reply_field(&reply, "refund_status");
    const char *made = alipay_reply_field(&reply, "refund_amount");
    int64_t made_amount = 0;
    int ok = alipay_reply_ok(&reply) && made && tender_money_from_wire(made, 2, &made_amount) &&
             made_amount == amount && (status == NULL || strcmp(status, "REFUND_SUCCESS") == 0);
    if (ok)
        refund_accepted(inst, trade, request_no, amount, &reply, res);
    alipay_reply_clear(&reply);
    return ok;
}

void alipay_op_refund(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    if (req->request_id == NULL || req->request_id[0] == '\0' || strlen(req->request_id) > 64) {
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
    if (alipay_trade_refund_lookup(&trade, req->request_id) < 0 &&
        alipay_trade_refund_count(&trade) >= ALIPAY_MAX_REFUNDS) {
        tender_result_decline(res, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "REFUND_COUNT_LIMIT",
                              "this payment already has %d refunds, the most one trade keeps",
                              ALIPAY_MAX_REFUNDS);
        return;
    }
    AlipayParams *biz = alipay_params_new();
    alipay_params_set(biz, "out_trade_no", trade.out_trade_no);
    alipay_params_set(biz, "refund_amount", amount);
    alipay_params_set(biz, "out_request_no", req->request_id);
    AlipayReply reply;
    alipay_gateway_call(inst, "alipay.trade.refund", biz, NULL, &reply);
    alipay_params_free(biz);
    if (alipay_reply_ok(&reply)) {
        refund_accepted(inst, &trade, req->request_id, req->amount, &reply, res);
        save_state(&trade, res);
    } else if (reply.kind == ALIPAY_REPLY_ANSWER) {
        decline_from(&reply, res, "alipay.trade.refund refused");
    } else if (reply.kind == ALIPAY_REPLY_UNKNOWN &&
               refund_was_made(inst, &trade, req->request_id, req->amount, res)) {
        save_state(&trade, res);
    } else {
        /* Sync asks again later (the same out_request_no cannot refund
         * twice, so a repeat of this refund is safe too). */
        no_answer(&reply, res);
        if (reply.kind == ALIPAY_REPLY_UNKNOWN) {
            tender_copy_string(trade.pending_refund, sizeof trade.pending_refund, req->request_id);
            trade.pending_amount = req->amount;
            save_state(&trade, res);
        }
    }
    alipay_reply_clear(&reply);
}

void alipay_op_complete(void *instance, const tender_request *req, tender_result *res)
{
    const AlipayInstance *inst = instance;
    AlipayTrade trade;
    if (!load_trade(req, &trade, res))
        return;
    /* The payer pays at Alipay's cashier, not here: the trade says how it
     * went. In sandbox mode only, a "sandbox_buyer" (a tender-sandbox test
     * buyer's logon id) pays at the cashier first, as that buyer's browser
     * would, so that `tender complete ID --param sandbox_buyer=…` and the
     * conformance fixtures finish a payment without a browser. */
    const char *buyer = tender_request_param(req, "sandbox_buyer");
    if (buyer && buyer[0]) {
        if (inst->live) {
            tender_result_decline(res, TENDER_DECLINE_INVALID_REQUEST, "ACQ.INVALID_PARAMETER",
                                  "sandbox_buyer: in live mode the buyer pays in the Alipay app "
                                  "or at the cashier; complete only asks Alipay");
            return;
        }
        const char *password = tender_request_param(req, "sandbox_password");
        GString *form = g_string_new(NULL);
        tender_form_append_pair(form, "logon_id", buyer, 0);
        tender_form_append_pair(form, "password", password ? password : "111111", 0);
        char why[256] = "";
        int status = trade.action[0] ? alipay_gateway_submit_page(inst, trade.action, form->str,
                                                                  why, sizeof why)
                                     : 0;
        g_string_free(form, TRUE);
        if (status == 0)
            tender_log(inst->host, TENDER_LOG_WARNING, inst->method_id,
                       "the cashier did not answer: %s", trade.action[0] ? why : "no action");
        else if (status >= 400)
            tender_log(inst->host, TENDER_LOG_WARNING, inst->method_id,
                       "the cashier refused the sandbox buyer (HTTP %d)", status);
    }
    /* The buyer's browser may bring the cashier's signed return along: it
     * is verified before it is believed (alipay-return.c). A forged one is
     * logged and ignored; Alipay's query decides either way, and a
     * verified return settles the payment only when Alipay cannot be asked
     * (it is Alipay's signed word that this trade, for this amount, was
     * paid). */
    char trade_no[sizeof trade.trade_no] = "";
    char why[160] = "";
    AlipayReturnCheck check =
        alipay_return_check(inst, &trade, req, trade_no, sizeof trade_no, why, sizeof why);
    if (check == ALIPAY_RETURN_FORGED)
        tender_log(inst->host, TENDER_LOG_WARNING, inst->method_id,
                   "payment %s: return parameters ignored, they do not verify: %s", req->payment_id,
                   why);
    alipay_op_sync(instance, req, res);
    if (check == ALIPAY_RETURN_VERIFIED &&
        (res->outcome == TENDER_OUTCOME_UNKNOWN || res->outcome == TENDER_OUTCOME_NOT_SENT)) {
        if (!alipay_trade_was_paid(&trade)) {
            set_status(&trade, ALIPAY_TRADE_SUCCESS);
            trade.paid_ms = tender_now_ms(inst->host);
        }
        tender_copy_string(trade.trade_no, sizeof trade.trade_no, trade_no);
        res->decline_code = TENDER_DECLINE_NONE;
        report_paid(inst, &trade, res);
        TENDER_SET(res, raw_code, "RETURN_VERIFIED");
        TENDER_SET(res, message,
                   "the buyer paid (Alipay's signed return; the query went unanswered)");
        save_state(&trade, res);
    }
}
