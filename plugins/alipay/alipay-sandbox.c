/* The sandbox gateway: request checks and the four trade APIs. */
#include "alipay-sandbox.h"

#include <tender/sdk-glib.h>
#include <stdio.h>
#include <string.h>

#include <tender/sdk.h>

#include "alipay-json.h"
#include "alipay-rsa2.h"
#include "alipay-time.h"

#define MIN_TOTAL 10LL        /* 0.10 CNY */
#define MAX_TOTAL 30000000LL  /* 300,000.00 CNY */

void alipay_response_init(AlipayResponse *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->fields = alipay_params_new();
}

void alipay_response_clear(AlipayResponse *resp)
{
    alipay_params_free(resp->fields);
    resp->fields = NULL;
}

int alipay_response_ok(const AlipayResponse *resp)
{
    return strcmp(resp->code, "10000") == 0;
}

static void fail(AlipayResponse *resp, const char *code, const char *msg, const char *sub_code,
                 const char *sub_msg)
{
    snprintf(resp->code, sizeof resp->code, "%s", code);
    snprintf(resp->msg, sizeof resp->msg, "%s", msg);
    snprintf(resp->sub_code, sizeof resp->sub_code, "%s", sub_code);
    snprintf(resp->sub_msg, sizeof resp->sub_msg, "%s", sub_msg);
}

static void business_fail(AlipayResponse *resp, const char *sub_code, const char *sub_msg)
{
    fail(resp, "40004", "Business Failed", sub_code, sub_msg);
}

static void succeed(AlipayResponse *resp)
{
    snprintf(resp->code, sizeof resp->code, "10000");
    snprintf(resp->msg, sizeof resp->msg, "Success");
}

static void wire(int64_t fen, char out[32])
{
    if (!tender_money_to_wire(fen, 2, 0, out, 32))
        snprintf(out, 32, "0.00");
}

/* A 28-digit trade number the way Alipay writes them: the Beijing date,
 * "22001", then 15 digits, here derived from the order number. */
static void make_trade_no(const AlipayInstance *inst, const AlipayTrade *trade, char *out,
                          size_t out_size)
{
    char date[16], hex[33], seed[160];
    alipay_beijing_date(trade->created_ms, date, sizeof date);
    snprintf(seed, sizeof seed, "trade|%s|%s", inst->app_id, trade->out_trade_no);
    tender_digest_hex(G_CHECKSUM_SHA256, seed, strlen(seed), 0, hex, sizeof hex);
    char digits[16];
    for (int i = 0; i < 15; i++)
        digits[i] = (char)('0' + g_ascii_xdigit_value(hex[i]) % 10);
    digits[15] = '\0';
    snprintf(out, out_size, "%s22001%s", date, digits);
}

void alipay_sandbox_qr_code(const AlipayInstance *inst, const AlipayTrade *trade, char *out,
                            size_t out_size)
{
    char seed[160], hex[41];
    snprintf(seed, sizeof seed, "qr|%s|%s|%lld", inst->app_id, trade->out_trade_no,
             (long long)trade->created_ms);
    tender_digest_hex(G_CHECKSUM_SHA256, seed, strlen(seed), 0, hex, sizeof hex);
    /* Alipay's payloads are lower-case alphanumerics after "bax0". */
    char code[21];
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < 20; i++) {
        int v = g_ascii_xdigit_value(hex[2 * i]) * 16 + g_ascii_xdigit_value(hex[2 * i + 1]);
        code[i] = alphabet[v % 36];
    }
    code[20] = '\0';
    snprintf(out, out_size, "https://qr.alipay.com/bax0%s", code);
}

/* The account name Alipay shows the merchant: masked. */
static void buyer_logon_id(const char *buyer_id, char out[32])
{
    snprintf(out, 32, "sbx***%.4s@sandbox.com", buyer_id + strlen(buyer_id) - 4);
}

/* An unpaid trade whose timeout passed is closed, whoever asks. */
static void apply_timeout(AlipayTrade *trade, int64_t now)
{
    if (strcmp(trade->status, ALIPAY_WAIT_BUYER_PAY) == 0 && now >= trade->deadline_ms) {
        snprintf(trade->status, sizeof trade->status, ALIPAY_TRADE_CLOSED);
        trade->closed_ms = trade->deadline_ms;
    }
}

static int valid_out_trade_no(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!(g_ascii_isalnum(*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void precreate(const AlipayInstance *inst, const AlipayParams *biz, AlipayTrade *trade,
                      AlipayResponse *resp, int64_t now)
{
    const char *out_trade_no = alipay_params_get(biz, "out_trade_no");
    const char *total_text = alipay_params_get(biz, "total_amount");
    const char *subject = alipay_params_get(biz, "subject");
    const char *timeout = alipay_params_get(biz, "timeout_express");
    const char *buyer = alipay_params_get(biz, "buyer_id");
    int64_t total = 0, minutes = 0;
    if (out_trade_no == NULL || !valid_out_trade_no(out_trade_no)) {
        business_fail(resp, "ACQ.INVALID_PARAMETER", "out_trade_no is missing or malformed");
        return;
    }
    if (total_text == NULL || !tender_money_from_wire(total_text, 2, &total)) {
        business_fail(resp, "ACQ.INVALID_PARAMETER", "total_amount is missing or malformed");
        return;
    }
    if (total < MIN_TOTAL) {
        business_fail(resp, "ACQ.INVALID_PARAMETER", "total_amount is below 0.10");
        return;
    }
    if (total > MAX_TOTAL) {
        business_fail(resp, "ACQ.TOTAL_FEE_EXCEED", "total_amount exceeds 300000.00");
        return;
    }
    if (subject == NULL || subject[0] == '\0') {
        business_fail(resp, "ACQ.INVALID_PARAMETER", "subject is missing");
        return;
    }
    if (timeout && timeout[0] && !alipay_timeout_parse(timeout, &minutes)) {
        business_fail(resp, "ACQ.INVALID_PARAMETER", "timeout_express is not 1m..15d");
        return;
    }
    /* The sandbox's test buyers: their account cannot pay this trade. */
    if (buyer && strcmp(buyer, ALIPAY_SANDBOX_BUYER_NO_BALANCE) == 0) {
        business_fail(resp, "ACQ.BUYER_BALANCE_NOT_ENOUGH", "the buyer's balance is not enough");
        return;
    }
    if (buyer && strcmp(buyer, ALIPAY_SANDBOX_BUYER_RESTRICTED) == 0) {
        business_fail(resp, "ACQ.BEYOND_PAY_RESTRICTION", "the payment exceeds the buyer's "
                      "payment restriction");
        return;
    }

    memset(trade, 0, sizeof *trade);
    tender_copy_string(trade->out_trade_no, sizeof trade->out_trade_no, out_trade_no);
    snprintf(trade->status, sizeof trade->status, ALIPAY_WAIT_BUYER_PAY);
    trade->total = total;
    trade->created_ms = now;
    tender_copy_string(trade->timeout, sizeof trade->timeout,
                       timeout && timeout[0] ? timeout : inst->timeout_express);
    trade->deadline_ms = alipay_timeout_deadline(trade->timeout, now);
    tender_copy_string(trade->buyer_id, sizeof trade->buyer_id,
                       buyer && buyer[0] ? buyer : ALIPAY_SANDBOX_BUYER_DEFAULT);
    tender_copy_string(trade->subject, sizeof trade->subject, subject);
    /* Alipay numbers the trade at once but reveals trade_no only when the
     * buyer pays (notification or query). */
    make_trade_no(inst, trade, trade->trade_no, sizeof trade->trade_no);

    char qr[128];
    alipay_sandbox_qr_code(inst, trade, qr, sizeof qr);
    succeed(resp);
    alipay_params_set(resp->fields, "out_trade_no", out_trade_no);
    alipay_params_set(resp->fields, "qr_code", qr);
}

/* The trade a query/refund/close names, or a failure. */
static int find_trade(const AlipayParams *biz, const AlipayTrade *trade, AlipayResponse *resp)
{
    const char *out_trade_no = alipay_params_get(biz, "out_trade_no");
    const char *trade_no = alipay_params_get(biz, "trade_no");
    int by_out = out_trade_no && out_trade_no[0] &&
                 strcmp(out_trade_no, trade->out_trade_no) == 0;
    int by_no = trade_no && trade_no[0] && strcmp(trade_no, trade->trade_no) == 0;
    if (trade->out_trade_no[0] == '\0' || !(by_out || by_no)) {
        business_fail(resp, "ACQ.TRADE_NOT_EXIST", "no such trade");
        return 0;
    }
    return 1;
}

static void describe_trade(const AlipayTrade *trade, AlipayResponse *resp)
{
    char amount[32], logon[32];
    alipay_params_set(resp->fields, "out_trade_no", trade->out_trade_no);
    wire(trade->total, amount);
    alipay_params_set(resp->fields, "total_amount", amount);
    alipay_params_set(resp->fields, "trade_status", trade->status);
    if (alipay_trade_was_paid(trade)) {
        char when[24];
        alipay_params_set(resp->fields, "trade_no", trade->trade_no);
        alipay_params_set(resp->fields, "buyer_user_id", trade->buyer_id);
        buyer_logon_id(trade->buyer_id, logon);
        alipay_params_set(resp->fields, "buyer_logon_id", logon);
        alipay_params_set(resp->fields, "receipt_amount", amount);
        alipay_params_set(resp->fields, "buyer_pay_amount", amount);
        alipay_beijing_time(trade->paid_ms, when, sizeof when);
        alipay_params_set(resp->fields, "send_pay_date", when);
    }
}

static void query(const AlipayParams *biz, AlipayTrade *trade, AlipayResponse *resp, int64_t now)
{
    if (!find_trade(biz, trade, resp))
        return;
    apply_timeout(trade, now);
    succeed(resp);
    describe_trade(trade, resp);
}

static void close_trade(const AlipayParams *biz, AlipayTrade *trade, AlipayResponse *resp,
                        int64_t now)
{
    if (!find_trade(biz, trade, resp))
        return;
    apply_timeout(trade, now);
    if (strcmp(trade->status, ALIPAY_WAIT_BUYER_PAY) != 0) {
        business_fail(resp, "ACQ.TRADE_STATUS_ERROR", "only an unpaid trade (WAIT_BUYER_PAY) "
                      "can be closed");
        return;
    }
    snprintf(trade->status, sizeof trade->status, ALIPAY_TRADE_CLOSED);
    trade->closed_ms = now;
    succeed(resp);
    alipay_params_set(resp->fields, "out_trade_no", trade->out_trade_no);
    alipay_params_set(resp->fields, "trade_no", trade->trade_no);
}

static void refund(const AlipayParams *biz, AlipayTrade *trade, AlipayResponse *resp,
                   int64_t now)
{
    if (!find_trade(biz, trade, resp))
        return;
    apply_timeout(trade, now);
    const char *amount_text = alipay_params_get(biz, "refund_amount");
    const char *request_no = alipay_params_get(biz, "out_request_no");
    /* Without a request number Alipay treats the order number as one: a
     * refund that can happen once. */
    if (request_no == NULL || request_no[0] == '\0')
        request_no = trade->out_trade_no;
    char text[32], logon[32];

    /* A request number seen before is answered as the first time, and no
     * money moves again (fund_change N). */
    int64_t earlier = alipay_trade_refund_lookup(trade, request_no);
    if (earlier >= 0) {
        succeed(resp);
        alipay_params_set(resp->fields, "out_trade_no", trade->out_trade_no);
        alipay_params_set(resp->fields, "trade_no", trade->trade_no);
        alipay_params_set(resp->fields, "fund_change", "N");
        wire(trade->refunded, text);
        alipay_params_set(resp->fields, "refund_fee", text);
        wire(earlier, text);
        alipay_params_set(resp->fields, "send_back_fee", text);
        alipay_params_set(resp->fields, "trade_status", trade->status);
        return;
    }
    if (strcmp(trade->status, ALIPAY_WAIT_BUYER_PAY) == 0) {
        business_fail(resp, "ACQ.TRADE_STATUS_ERROR", "the trade is not paid");
        return;
    }
    if (strcmp(trade->status, ALIPAY_TRADE_CLOSED) == 0) {
        business_fail(resp, "ACQ.TRADE_HAS_CLOSE", "the trade is closed");
        return;
    }
    if (strcmp(trade->status, ALIPAY_TRADE_FINISHED) == 0) {
        business_fail(resp, "ACQ.TRADE_NOT_ALLOW_REFUND", "the trade is finished and no "
                      "longer refundable");
        return;
    }
    int64_t amount = 0;
    if (amount_text == NULL || !tender_money_from_wire(amount_text, 2, &amount) || amount <= 0) {
        business_fail(resp, "ACQ.REASON_TRADE_REFUND_FEE_ERR", "refund_amount is not a valid "
                      "amount");
        return;
    }
    if (amount > trade->total - trade->refunded) {
        business_fail(resp, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "the refunds would exceed the "
                      "trade amount");
        return;
    }
    if (!alipay_trade_refund_add(trade, request_no, amount)) {
        /* Not an Alipay limit: the bound of the plugin's state (docs). */
        business_fail(resp, "REFUND_COUNT_LIMIT", "this trade already has the most refund "
                      "request numbers the plugin keeps");
        return;
    }
    trade->refunded += amount;
    if (trade->refunded == trade->total) {
        snprintf(trade->status, sizeof trade->status, ALIPAY_TRADE_CLOSED);
        trade->closed_ms = now;
    }
    succeed(resp);
    alipay_params_set(resp->fields, "out_trade_no", trade->out_trade_no);
    alipay_params_set(resp->fields, "trade_no", trade->trade_no);
    buyer_logon_id(trade->buyer_id, logon);
    alipay_params_set(resp->fields, "buyer_logon_id", logon);
    alipay_params_set(resp->fields, "fund_change", "Y");
    wire(trade->refunded, text);
    alipay_params_set(resp->fields, "refund_fee", text);
    wire(amount, text);
    alipay_params_set(resp->fields, "send_back_fee", text);
    char when[24];
    alipay_beijing_time(now, when, sizeof when);
    alipay_params_set(resp->fields, "gmt_refund_pay", when);
    alipay_params_set(resp->fields, "trade_status", trade->status);
}

void alipay_sandbox_gateway(const AlipayInstance *inst, const AlipayParams *request,
                            AlipayTrade *trade, AlipayResponse *resp)
{
    int64_t now = tender_now_ms(inst->host);
    const char *app_id = alipay_params_get(request, "app_id");
    const char *method = alipay_params_get(request, "method");
    const char *sign = alipay_params_get(request, "sign");
    static const char *const required[] = {"app_id", "method", "charset", "sign_type",
                                           "timestamp", "version", "biz_content", NULL};
    if (sign == NULL || sign[0] == '\0') {
        fail(resp, "40001", "Missing Required Arguments", "isv.missing-signature",
             "sign is missing");
        return;
    }
    for (size_t i = 0; required[i]; i++) {
        const char *v = alipay_params_get(request, required[i]);
        if (v == NULL || v[0] == '\0') {
            char msg[96];
            snprintf(msg, sizeof msg, "%s is missing", required[i]);
            fail(resp, "40001", "Missing Required Arguments", "isv.missing-parameter", msg);
            return;
        }
    }
    if (strcmp(app_id, inst->app_id) != 0) {
        fail(resp, "40002", "Invalid Arguments", "isv.invalid-app-id", "unknown app_id");
        return;
    }
    if (!alipay_rsa2_verify_request(inst->app_public, request)) {
        fail(resp, "40002", "Invalid Arguments", "isv.invalid-signature",
             "the RSA2 signature does not match the app's public key");
        return;
    }
    AlipayParams *biz = alipay_json_to_params(alipay_params_get(request, "biz_content"));
    if (biz == NULL) {
        fail(resp, "40002", "Invalid Arguments", "isv.invalid-parameter",
             "biz_content is not a JSON object");
        return;
    }
    if (strcmp(method, "alipay.trade.precreate") == 0)
        precreate(inst, biz, trade, resp, now);
    else if (strcmp(method, "alipay.trade.query") == 0)
        query(biz, trade, resp, now);
    else if (strcmp(method, "alipay.trade.refund") == 0)
        refund(biz, trade, resp, now);
    else if (strcmp(method, "alipay.trade.close") == 0)
        close_trade(biz, trade, resp, now);
    else
        fail(resp, "40002", "Invalid Arguments", "isv.invalid-method", "unknown method");
    alipay_params_free(biz);
}
