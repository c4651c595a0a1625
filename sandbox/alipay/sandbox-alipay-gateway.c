/* The OpenAPI gateway, /alipay/gateway.do: the common parameters, the
 * request signature and the JSON answer every alipay.trade.* method gets.
 *
 * A request is a GET or a form POST; its parameters may be split between
 * the query string and the body (the Java SDK puts the common parameters in
 * the URL and biz_content in the body), and are verified together. The
 * gateway checks, in Alipay's order and with its codes: the method
 * (40001 isv.missing-method, 40002 isv.invalid-method, answered in
 * error_response), the app (isv.missing-app-id, isv.invalid-app-id), the
 * signature parameters, charset, timestamp and version, then the RSA2
 * signature with the app's public key (40002 isv.invalid-signature; the
 * sub_msg quotes the string the gateway verified, as Alipay's does).
 *
 * Answers are {"<method>_response": {...}, "sign": "..."} with code 10000
 * (Success), 40001, 40002 or 40004 (Business Failed, with an ACQ.* sub_code);
 * the sign is the platform key's RSA2 over the exact text of the
 * <method>_response member as sent. Like Alipay's, that text escapes "/" as
 * "\/", so a client must verify the text it received, not a re-serialised
 * object. Answers about an unknown or missing app are not signed (there is
 * no app whose platform key would sign them).
 *
 * page.pay and wap.pay are for the buyer's browser: a valid request is
 * answered 302 to the trade's cashier page (Location), an invalid one with
 * an HTML page that names code and sub_code (status 400). */
#include "sandbox-alipay.h"

#include <string.h>

typedef struct GatewayCall {
    SandboxServer *sb;
    SoupServerMessage *msg;
    GPtrArray *params;
    const char *method;
    gboolean browser;    /* page.pay / wap.pay: answer for a browser */
    char *response_name; /* "alipay_trade_query_response" */
    JsonObject *biz;     /* biz_content, parsed */
} GatewayCall;

/* ---- Answers ------------------------------------------------------------- */

/* Alipay writes "/" as "\/" in its JSON answers; "/" only occurs inside
 * strings, so escaping every one keeps the text valid JSON. */
static char *escape_slashes(const char *json)
{
    GString *out = g_string_new(NULL);
    for (const char *p = json; *p; p++) {
        if (*p == '/')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

/* Send {"<name>": member, "sign": ...} (member is taken). */
static void respond_json(GatewayCall *call, const char *name, JsonObject *member, gboolean sign)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), member);
    char *compact = json_to_string(node, FALSE);
    char *text = escape_slashes(compact);
    char *name_json = g_strescape(name, NULL);
    GString *body = g_string_new(NULL);
    g_string_append_printf(body, "{\"%s\":%s", name_json, text);
    if (sign) {
        char *signature = sandbox_alipay_rsa2_sign(text, strlen(text));
        g_string_append_printf(body, ",\"sign\":\"%s\"", signature);
        g_free(signature);
    }
    g_string_append_c(body, '}');
    sandbox_respond(call->msg, SOUP_STATUS_OK, "application/json;charset=utf-8", body->str,
                    body->len);
    g_string_free(body, TRUE);
    g_free(name_json);
    g_free(text);
    g_free(compact);
    json_node_unref(node);
    json_object_unref(member);
}

static const char *code_message(const char *code)
{
    if (strcmp(code, "10000") == 0)
        return "Success";
    if (strcmp(code, "40001") == 0)
        return "Missing Required Arguments";
    if (strcmp(code, "40002") == 0)
        return "Invalid Arguments";
    return "Business Failed";
}

/* Answer an error: JSON for a server call, an HTML page for a browser. */
static void respond_error(GatewayCall *call, const char *name, gboolean sign, const char *code,
                          const char *sub_code, const char *sub_msg)
{
    sandbox_log(SANDBOX_ALIPAY_PROVIDER, "%s: %s %s (%s)",
                call->method ? call->method : "(no method)", code, sub_code, sub_msg);
    if (call->browser) {
        char *e_sub_code = sandbox_html_escape(sub_code);
        char *e_sub_msg = sandbox_html_escape(sub_msg);
        char *html = g_strdup_printf("<p>The payment cannot start: the merchant's request was "
                                     "refused.</p><dl><dt>code</dt><dd id=\"code\">%s</dd>"
                                     "<dt>sub_code</dt><dd id=\"sub_code\">%s</dd>"
                                     "<dt>sub_msg</dt><dd id=\"sub_msg\">%s</dd></dl>",
                                     code, e_sub_code, e_sub_msg);
        sandbox_page_respond(call->msg, SOUP_STATUS_BAD_REQUEST, "Alipay: request refused", html);
        g_free(html);
        g_free(e_sub_code);
        g_free(e_sub_msg);
        return;
    }
    JsonObject *member = json_object_new();
    json_object_set_string_member(member, "code", code);
    json_object_set_string_member(member, "msg", code_message(code));
    json_object_set_string_member(member, "sub_code", sub_code);
    json_object_set_string_member(member, "sub_msg", sub_msg);
    respond_json(call, name, member, sign);
}

/* A business refusal (40004) of a verified request. */
static void refuse(GatewayCall *call, const char *sub_code, const char *sub_msg)
{
    respond_error(call, call->response_name, TRUE, "40004", sub_code, sub_msg);
}

static JsonObject *success_member(void)
{
    JsonObject *member = json_object_new();
    json_object_set_string_member(member, "code", "10000");
    json_object_set_string_member(member, "msg", "Success");
    return member;
}

static void set_amount(JsonObject *o, const char *name, gint64 fen)
{
    char *text = sandbox_alipay_format_amount(fen);
    json_object_set_string_member(o, name, text);
    g_free(text);
}

static void set_time(JsonObject *o, const char *name, gint64 ms)
{
    char *text = sandbox_alipay_beijing_time(ms, FALSE);
    json_object_set_string_member(o, name, text);
    g_free(text);
}

/* ---- biz_content fields ------------------------------------------------- */

/* A string member of biz_content; numbers are accepted for amounts (some
 * SDKs send total_amount as a JSON number). NULL when absent or empty. */
static char *biz_string(GatewayCall *call, const char *name)
{
    JsonNode *node = json_object_get_member(call->biz, name);
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
        return NULL;
    GType type = json_node_get_value_type(node);
    if (type == G_TYPE_STRING) {
        const char *s = json_node_get_string(node);
        return s[0] != '\0' ? g_strdup(s) : NULL;
    }
    if (type == G_TYPE_INT64)
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    if (type == G_TYPE_DOUBLE) {
        double v = json_node_get_double(node);
        if (v < 0 || v > 1e12)
            return NULL;
        return sandbox_alipay_format_amount((gint64)(v * 100 + 0.5));
    }
    return NULL;
}

static gboolean valid_out_no(const char *text)
{
    gsize len = strlen(text);
    if (len == 0 || len > 64)
        return FALSE;
    for (const char *p = text; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
            return FALSE;
    return TRUE;
}

/* The trade biz_content names by trade_no or out_trade_no, as the buyer has
 * seen it: NULL (after answering ACQ.TRADE_NOT_EXIST or
 * ACQ.INVALID_PARAMETER) otherwise. */
static JsonObject *named_trade(GatewayCall *call, JsonObject **unscanned)
{
    char *trade_no = biz_string(call, "trade_no");
    char *out_trade_no = biz_string(call, "out_trade_no");
    JsonObject *trade = NULL;
    if (trade_no == NULL && out_trade_no == NULL) {
        refuse(call, "ACQ.INVALID_PARAMETER", "trade_no or out_trade_no is required");
        goto out;
    }
    trade = trade_no != NULL ? sandbox_alipay_trade_by_trade_no(call->sb, trade_no)
                             : sandbox_alipay_trade_by_out_trade_no(call->sb, out_trade_no);
    if (trade != NULL && trade_no != NULL && out_trade_no != NULL &&
        strcmp(json_object_get_string_member(trade, "out_trade_no"), out_trade_no) != 0)
        trade = NULL;
    if (unscanned != NULL)
        *unscanned =
            trade != NULL && !json_object_get_boolean_member(trade, "scanned") ? trade : NULL;
    if (trade != NULL && !json_object_get_boolean_member(trade, "scanned"))
        trade = NULL;
    if (trade == NULL)
        refuse(call, "ACQ.TRADE_NOT_EXIST", "交易不存在 (trade does not exist)");
out:
    g_free(trade_no);
    g_free(out_trade_no);
    return trade;
}

static void trade_ids(JsonObject *member, JsonObject *trade)
{
    json_object_set_string_member(member, "trade_no",
                                  json_object_get_string_member(trade, "trade_no"));
    json_object_set_string_member(member, "out_trade_no",
                                  json_object_get_string_member(trade, "out_trade_no"));
}

/* ---- Creating trades: page.pay, wap.pay, precreate ------------------------ */

static void create_trade(GatewayCall *call, const char *product, const char *product_code)
{
    char *out_trade_no = biz_string(call, "out_trade_no");
    char *total_text = biz_string(call, "total_amount");
    char *subject = biz_string(call, "subject");
    char *code = biz_string(call, "product_code");
    char *timeout_text = biz_string(call, "timeout_express");
    gint64 total = 0, timeout_ms = (gint64)15 * 86400000;
    gint64 now = sandbox_now_ms(call->sb);

    if (out_trade_no == NULL || total_text == NULL || subject == NULL) {
        refuse(call, "ACQ.INVALID_PARAMETER",
               "out_trade_no, total_amount and subject are required");
    } else if (!valid_out_no(out_trade_no)) {
        refuse(call, "ACQ.INVALID_PARAMETER",
               "out_trade_no: at most 64 letters, digits, '_' or '-'");
    } else if (strlen(subject) > 256 || strpbrk(subject, "/=&") != NULL) {
        refuse(call, "ACQ.INVALID_PARAMETER",
               "subject: at most 256 bytes, without '/', '=' or '&'");
    } else if (product_code != NULL && (code == NULL || strcmp(code, product_code) != 0)) {
        char *m = g_strdup_printf("product_code must be %s", product_code);
        refuse(call, "ACQ.INVALID_PARAMETER", m);
        g_free(m);
    } else if (!sandbox_alipay_parse_amount(total_text, &total) || total == 0) {
        refuse(call, "ACQ.INVALID_PARAMETER", "total_amount: a positive amount, 2 decimals");
    } else if (total < SANDBOX_ALIPAY_MIN_TOTAL_FEN) {
        refuse(call, "ACQ.INVALID_PARAMETER", "total_amount below 0.10");
    } else if (total > SANDBOX_ALIPAY_MAX_TOTAL_FEN) {
        refuse(call, "ACQ.TOTAL_FEE_EXCEED", "订单金额超过限额 (total_amount above 300000.00)");
    } else if (timeout_text != NULL &&
               !sandbox_alipay_parse_timeout(timeout_text, now, &timeout_ms)) {
        refuse(call, "ACQ.INVALID_PARAMETER",
               "timeout_express: 1m to 15d in whole m, h or d, or 1c");
    } else {
        JsonObject *trade = sandbox_alipay_trade_by_out_trade_no(call->sb, out_trade_no);
        const char *status = trade != NULL ? json_object_get_string_member(trade, "status") : NULL;
        if (trade != NULL && strcmp(status, "WAIT_BUYER_PAY") != 0) {
            if (strcmp(status, "TRADE_CLOSED") == 0 && !json_object_has_member(trade, "paid_ms"))
                refuse(call, "ACQ.TRADE_HAS_CLOSE", "交易已经关闭 (trade closed)");
            else
                refuse(call, "ACQ.TRADE_HAS_SUCCESS", "交易已被支付 (trade already paid)");
        } else if (trade != NULL &&
                   (json_object_get_int_member(trade, "total_fen") != total ||
                    strcmp(json_object_get_string_member(trade, "subject"), subject) != 0 ||
                    strcmp(json_object_get_string_member(trade, "product"), product) != 0)) {
            refuse(call, "ACQ.CONTEXT_INCONSISTENT",
                   "交易信息被篡改 (out_trade_no reused with other details)");
        } else {
            /* A repeat of an unpaid trade's request is answered with the
             * same trade and cashier, as Alipay does. */
            if (trade == NULL)
                trade = sandbox_alipay_trade_create(
                    call->sb, out_trade_no, product, subject, total, timeout_ms,
                    sandbox_alipay_param(call->params, "return_url"),
                    sandbox_alipay_param(call->params, "notify_url"));
            char *cashier = sandbox_alipay_trade_cashier_url(call->sb, trade);
            if (call->browser) {
                char *e = sandbox_html_escape(cashier);
                char *html =
                    g_strdup_printf("<p><a href=\"%s\">Continue to the Alipay cashier</a></p>", e);
                soup_message_headers_replace(soup_server_message_get_response_headers(call->msg),
                                             "Location", cashier);
                sandbox_page_respond(call->msg, SOUP_STATUS_FOUND, "Alipay cashier", html);
                g_free(html);
                g_free(e);
            } else {
                JsonObject *member = success_member();
                json_object_set_string_member(member, "out_trade_no", out_trade_no);
                json_object_set_string_member(member, "qr_code", cashier);
                respond_json(call, call->response_name, member, TRUE);
            }
            sandbox_log(SANDBOX_ALIPAY_PROVIDER, "trade %s: %s, %s CNY, cashier %s", out_trade_no,
                        call->method, total_text, cashier);
            g_free(cashier);
        }
    }
    g_free(out_trade_no);
    g_free(total_text);
    g_free(subject);
    g_free(code);
    g_free(timeout_text);
}

/* ---- query, close ----------------------------------------------------------- */

static void trade_query(GatewayCall *call)
{
    JsonObject *trade = named_trade(call, NULL);
    if (trade == NULL)
        return;
    gint64 total = json_object_get_int_member(trade, "total_fen");
    gboolean paid = json_object_has_member(trade, "paid_ms");
    JsonObject *member = success_member();
    trade_ids(member, trade);
    json_object_set_string_member(member, "trade_status",
                                  json_object_get_string_member(trade, "status"));
    set_amount(member, "total_amount", total);
    set_amount(member, "buyer_pay_amount", paid ? total : 0);
    set_amount(member, "receipt_amount", paid ? total : 0);
    set_amount(member, "invoice_amount", paid ? total : 0);
    json_object_set_string_member(member, "point_amount", "0.00");
    json_object_set_string_member(member, "subject",
                                  json_object_get_string_member(trade, "subject"));
    if (paid) {
        json_object_set_string_member(member, "buyer_logon_id",
                                      json_object_get_string_member(trade, "buyer_logon_id"));
        json_object_set_string_member(member, "buyer_user_id",
                                      json_object_get_string_member(trade, "buyer_id"));
        set_time(member, "send_pay_date", json_object_get_int_member(trade, "paid_ms"));
    }
    respond_json(call, call->response_name, member, TRUE);
}

static void trade_close(GatewayCall *call)
{
    JsonObject *unscanned = NULL;
    JsonObject *trade = named_trade(call, &unscanned);
    if (unscanned != NULL &&
        strcmp(json_object_get_string_member(unscanned, "status"), "WAIT_BUYER_PAY") == 0) {
        /* Alipay does not know a trade no buyer has opened, so it answers
         * ACQ.TRADE_NOT_EXIST (already sent). The sandbox still closes it,
         * so a buyer opening the cashier later cannot pay it: the
         * merchant's close is final. */
        json_object_set_string_member(unscanned, "status", "TRADE_CLOSED");
        json_object_set_int_member(unscanned, "closed_ms", sandbox_now_ms(call->sb));
        sandbox_state_changed(call->sb);
    }
    if (trade == NULL)
        return;
    if (strcmp(json_object_get_string_member(trade, "status"), "WAIT_BUYER_PAY") != 0) {
        refuse(call, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法 (only an unpaid trade closes)");
        return;
    }
    sandbox_alipay_trade_close(call->sb, trade);
    JsonObject *member = success_member();
    trade_ids(member, trade);
    respond_json(call, call->response_name, member, TRUE);
}

/* ---- refund, refund query ---------------------------------------------------- */

static void refund_answer(GatewayCall *call, JsonObject *trade, gint64 amount, gboolean moved,
                          gint64 at_ms)
{
    JsonObject *member = success_member();
    trade_ids(member, trade);
    if (json_object_has_member(trade, "buyer_logon_id")) {
        json_object_set_string_member(member, "buyer_logon_id",
                                      json_object_get_string_member(trade, "buyer_logon_id"));
        json_object_set_string_member(member, "buyer_user_id",
                                      json_object_get_string_member(trade, "buyer_id"));
    }
    json_object_set_string_member(member, "fund_change", moved ? "Y" : "N");
    set_amount(member, "refund_fee", json_object_get_int_member(trade, "refunded_fen"));
    set_amount(member, "send_back_fee", amount);
    char *at = sandbox_alipay_beijing_time(at_ms, FALSE);
    json_object_set_string_member(member, "gmt_refund_pay", at);
    g_free(at);
    respond_json(call, call->response_name, member, TRUE);
}

static void trade_refund(GatewayCall *call)
{
    char *amount_text = biz_string(call, "refund_amount");
    char *request_no = biz_string(call, "out_request_no");
    JsonObject *trade = NULL;
    gint64 amount = 0;
    if (amount_text == NULL) {
        refuse(call, "ACQ.INVALID_PARAMETER", "refund_amount is required");
        goto out;
    }
    if (request_no != NULL && !valid_out_no(request_no)) {
        refuse(call, "ACQ.INVALID_PARAMETER", "out_request_no: at most 64 letters or digits");
        goto out;
    }
    trade = named_trade(call, NULL);
    if (trade == NULL)
        goto out;
    /* Without out_request_no the refund is numbered by the trade itself, so
     * only one such refund can ever happen. */
    if (request_no == NULL)
        request_no = g_strdup(json_object_get_string_member(trade, "out_trade_no"));
    if (!sandbox_alipay_parse_amount(amount_text, &amount) || amount == 0) {
        refuse(call, "ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效 (refund_amount invalid)");
        goto out;
    }
    JsonObject *refunds = json_object_get_object_member(trade, "refunds");
    if (json_object_has_member(refunds, request_no)) {
        JsonObject *earlier = json_object_get_object_member(refunds, request_no);
        if (json_object_get_int_member(earlier, "amount_fen") != amount)
            refuse(call, "ACQ.DISCORDANT_REPEAT_REQUEST",
                   "不一致的请求 (out_request_no already used for another amount)");
        else
            refund_answer(call, trade, amount, FALSE, json_object_get_int_member(earlier, "ms"));
        goto out;
    }
    const char *status = json_object_get_string_member(trade, "status");
    if (strcmp(status, "WAIT_BUYER_PAY") == 0) {
        refuse(call, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法 (the trade is not paid)");
        goto out;
    }
    if (strcmp(status, "TRADE_FINISHED") == 0) {
        refuse(call, "ACQ.TRADE_NOT_ALLOW_REFUND", "当前交易不允许退款 (refund period over)");
        goto out;
    }
    if (strcmp(status, "TRADE_CLOSED") == 0) {
        refuse(call, "ACQ.TRADE_HAS_CLOSE", "交易已经关闭 (trade closed)");
        goto out;
    }
    gint64 left = json_object_get_int_member(trade, "total_fen") -
                  json_object_get_int_member(trade, "refunded_fen");
    if (amount > left) {
        refuse(call, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
               "退款金额超限 (more than is left to refund)");
        goto out;
    }
    gint64 now = sandbox_now_ms(call->sb);
    JsonObject *refund = json_object_new();
    json_object_set_int_member(refund, "amount_fen", amount);
    json_object_set_int_member(refund, "ms", now);
    json_object_set_object_member(refunds, request_no, refund);
    json_object_set_int_member(trade, "refunded_fen",
                               json_object_get_int_member(trade, "refunded_fen") + amount);
    if (amount == left) {
        json_object_set_string_member(trade, "status", "TRADE_CLOSED");
        json_object_set_int_member(trade, "closed_ms", now);
    }
    sandbox_alipay_wallet_refund(call->sb, trade, amount);
    sandbox_state_changed(call->sb);
    sandbox_alipay_notify_trade(call->sb, trade, SANDBOX_ALIPAY_EVENT_REFUNDED, request_no);
    refund_answer(call, trade, amount, TRUE, now);
out:
    g_free(amount_text);
    g_free(request_no);
}

static void refund_query(GatewayCall *call)
{
    char *request_no = biz_string(call, "out_request_no");
    if (request_no == NULL) {
        refuse(call, "ACQ.INVALID_PARAMETER", "out_request_no is required");
        return;
    }
    JsonObject *trade = named_trade(call, NULL);
    if (trade != NULL) {
        /* Alipay answers 10000 either way; only a refund that happened
         * carries refund_amount and refund_status. */
        JsonObject *member = success_member();
        trade_ids(member, trade);
        JsonObject *refunds = json_object_get_object_member(trade, "refunds");
        if (json_object_has_member(refunds, request_no)) {
            JsonObject *refund = json_object_get_object_member(refunds, request_no);
            json_object_set_string_member(member, "out_request_no", request_no);
            set_amount(member, "total_amount", json_object_get_int_member(trade, "total_fen"));
            set_amount(member, "refund_amount", json_object_get_int_member(refund, "amount_fen"));
            json_object_set_string_member(member, "refund_status", "REFUND_SUCCESS");
            set_time(member, "gmt_refund_pay", json_object_get_int_member(refund, "ms"));
        }
        respond_json(call, call->response_name, member, TRUE);
    }
    g_free(request_no);
}

/* ---- The gateway ------------------------------------------------------------ */

typedef struct GatewayMethod {
    const char *name;
    gboolean browser;
    void (*run)(GatewayCall *call);
} GatewayMethod;

static void page_pay(GatewayCall *call)
{
    create_trade(call, "page", "FAST_INSTANT_TRADE_PAY");
}

static void wap_pay(GatewayCall *call)
{
    create_trade(call, "wap", "QUICK_WAP_WAY");
}

static void precreate(GatewayCall *call)
{
    create_trade(call, "precreate", NULL);
}

static const GatewayMethod methods[] = {
    {"alipay.trade.page.pay", TRUE, page_pay},
    {"alipay.trade.wap.pay", TRUE, wap_pay},
    {"alipay.trade.precreate", FALSE, precreate},
    {"alipay.trade.query", FALSE, trade_query},
    {"alipay.trade.refund", FALSE, trade_refund},
    {"alipay.trade.fastpay.refund.query", FALSE, refund_query},
    {"alipay.trade.close", FALSE, trade_close},
};

static const GatewayMethod *find_method(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(methods); i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

/* The charset the request declares, as g_convert names it; NULL when not
 * supported. Alipay's gateway reads a request without charset as GBK. */
static const char *request_charset(const char *declared)
{
    if (declared == NULL)
        return "GBK";
    if (g_ascii_strcasecmp(declared, "utf-8") == 0 || g_ascii_strcasecmp(declared, "utf8") == 0)
        return "UTF-8";
    if (g_ascii_strcasecmp(declared, "gbk") == 0 || g_ascii_strcasecmp(declared, "gb2312") == 0)
        return "GBK";
    return NULL;
}

/* Collect the query string's and the body's parameters; FALSE when either
 * is malformed or a name repeats. */
static gboolean collect_params(SoupServerMessage *msg, GPtrArray *params)
{
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
    if (query != NULL && !sandbox_alipay_form_decode_into(params, query, strlen(query)))
        return FALSE;
    if (strcmp(soup_server_message_get_method(msg), "POST") == 0) {
        gsize len = 0;
        const char *body = sandbox_request_body(msg, &len);
        if (body != NULL && len > 0 && !sandbox_alipay_form_decode_into(params, body, len))
            return FALSE;
    }
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    gboolean unique = TRUE;
    for (guint i = 0; i < params->len && unique; i++) {
        SandboxAlipayParam *param = g_ptr_array_index(params, i);
        unique = g_hash_table_add(seen, param->name);
    }
    g_hash_table_unref(seen);
    return unique;
}

/* Check the common parameters and the signature; TRUE when the call may
 * go on (otherwise it was answered). */
static gboolean check_request(GatewayCall *call)
{
    const char *name = call->response_name;
    const char *app_id = sandbox_alipay_param(call->params, "app_id");
    if (app_id == NULL || app_id[0] == '\0') {
        respond_error(call, name, FALSE, "40001", "isv.missing-app-id", "缺少AppID参数");
        return FALSE;
    }
    if (strcmp(app_id, SANDBOX_ALIPAY_APP_ID) != 0) {
        respond_error(call, name, FALSE, "40002", "isv.invalid-app-id", "无效的AppID参数");
        return FALSE;
    }
    const char *sign = sandbox_alipay_param(call->params, "sign");
    const char *sign_type = sandbox_alipay_param(call->params, "sign_type");
    const char *timestamp = sandbox_alipay_param(call->params, "timestamp");
    const char *version = sandbox_alipay_param(call->params, "version");
    const char *format = sandbox_alipay_param(call->params, "format");
    const char *charset = sandbox_alipay_param(call->params, "charset");
    if (sign == NULL || sign[0] == '\0') {
        respond_error(call, name, TRUE, "40001", "isv.missing-signature", "缺少签名参数");
    } else if (sign_type == NULL || sign_type[0] == '\0') {
        respond_error(call, name, TRUE, "40001", "isv.missing-signature-type", "缺少签名类型参数");
    } else if (strcmp(sign_type, "RSA2") != 0) {
        respond_error(call, name, TRUE, "40002", "isv.invalid-signature-type",
                      "无效的签名类型参数 (this app signs with RSA2 only)");
    } else if (request_charset(charset) == NULL) {
        respond_error(call, name, TRUE, "40002", "isv.invalid-charset",
                      "字符集错误 (utf-8 or gbk)");
    } else if (timestamp == NULL || timestamp[0] == '\0') {
        respond_error(call, name, TRUE, "40001", "isv.missing-timestamp", "缺少时间戳参数");
    } else if (!sandbox_alipay_valid_timestamp(timestamp)) {
        respond_error(call, name, TRUE, "40002", "isv.invalid-timestamp",
                      "非法的时间戳参数 (yyyy-MM-dd HH:mm:ss, Beijing time)");
    } else if (version == NULL || version[0] == '\0') {
        respond_error(call, name, TRUE, "40001", "isv.missing-version", "缺少版本参数");
    } else if (strcmp(version, "1.0") != 0) {
        respond_error(call, name, TRUE, "40002", "isv.invalid-parameter", "version must be 1.0");
    } else if (format != NULL && format[0] != '\0' && g_ascii_strcasecmp(format, "JSON") != 0) {
        respond_error(call, name, TRUE, "40002", "isv.invalid-format", "format must be JSON");
    } else {
        GString *content = sandbox_alipay_request_signing_string(call->params);
        gboolean ok = sandbox_alipay_rsa2_verify(sandbox_alipay_app_public_key(), content->str,
                                                 content->len, sign);
        if (!ok) {
            char *m = g_strdup_printf("验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，"
                                      "网关生成的验签字符串为：%s",
                                      content->str);
            respond_error(call, name, TRUE, "40002", "isv.invalid-signature", m);
            g_free(m);
        }
        g_string_free(content, TRUE);
        return ok;
    }
    return FALSE;
}

/* Parse biz_content (in the request's charset) into call->biz; FALSE when
 * it was answered instead. */
static gboolean parse_biz_content(GatewayCall *call)
{
    const char *raw = sandbox_alipay_param(call->params, "biz_content");
    if (raw == NULL || raw[0] == '\0') {
        refuse(call, "ACQ.INVALID_PARAMETER", "biz_content is required");
        return FALSE;
    }
    const char *charset = request_charset(sandbox_alipay_param(call->params, "charset"));
    char *utf8 = strcmp(charset, "UTF-8") == 0
                     ? (g_utf8_validate(raw, -1, NULL) ? g_strdup(raw) : NULL)
                     : g_convert(raw, -1, "UTF-8", charset, NULL, NULL, NULL);
    JsonParser *parser = json_parser_new();
    gboolean ok = utf8 != NULL && json_parser_load_from_data(parser, utf8, -1, NULL) &&
                  JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser));
    if (ok)
        call->biz = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
    else
        refuse(call, "ACQ.INVALID_PARAMETER", "biz_content is not a JSON object in the charset");
    g_object_unref(parser);
    g_free(utf8);
    return ok;
}

void sandbox_alipay_gateway_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                                    GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)query;
    SandboxServer *sb = user_data;
    if (strcmp(path, "/alipay/gateway.do") != 0) {
        sandbox_respond(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n", 10);
        return;
    }
    const char *http_method = soup_server_message_get_method(msg);
    if (strcmp(http_method, "GET") != 0 && strcmp(http_method, "POST") != 0) {
        sandbox_respond(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET or POST\n", 12);
        return;
    }
    sandbox_alipay_trades_advance(sb);

    GatewayCall call = {.sb = sb, .msg = msg, .params = sandbox_alipay_params_new()};
    if (!collect_params(msg, call.params)) {
        call.response_name = g_strdup("error_response");
        respond_error(&call, call.response_name, FALSE, "40002", "isv.invalid-parameter",
                      "the form is malformed or repeats a parameter");
        goto out;
    }
    call.method = sandbox_alipay_param(call.params, "method");
    const GatewayMethod *method = call.method != NULL ? find_method(call.method) : NULL;
    if (method == NULL) {
        call.response_name = g_strdup("error_response");
        if (call.method == NULL || call.method[0] == '\0')
            respond_error(&call, call.response_name, FALSE, "40001", "isv.missing-method",
                          "缺少方法名参数");
        else
            respond_error(&call, call.response_name, FALSE, "40002", "isv.invalid-method",
                          "不存在的方法名");
        goto out;
    }
    call.browser = method->browser;
    char *underscored = g_strdelimit(g_strdup(method->name), ".", '_');
    call.response_name = g_strconcat(underscored, "_response", NULL);
    g_free(underscored);
    if (check_request(&call) && parse_biz_content(&call))
        method->run(&call);
out:
    if (call.biz != NULL)
        json_object_unref(call.biz);
    g_free(call.response_name);
    g_ptr_array_unref(call.params);
}
