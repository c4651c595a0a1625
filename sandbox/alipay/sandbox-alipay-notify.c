/* Alipay's asynchronous notifications (trade_status_sync) and the signed
 * parameters of the synchronous return to the merchant's return_url.
 *
 * A notification is a form POST to the notify_url of the request that made
 * the trade (else the app's configured one: the --webhook-base). Alipay
 * sends it when a trade is paid (TRADE_SUCCESS), refunded (TRADE_SUCCESS
 * with refund_fee, or TRADE_CLOSED when fully refunded), closed unpaid
 * after the buyer had seen it (TRADE_CLOSED) and when its refund period
 * ends (TRADE_FINISHED). It repeats a notification until the merchant
 * answers HTTP 200 with a body of exactly "success": 8 attempts over about
 * 25 hours (4m, 10m, 10m, 1h, 2h, 6h, 15h), each repeat the same text, so
 * the same notify_id. The signature covers every parameter except sign and
 * sign_type, empty ones included. */
#include "sandbox-alipay.h"

#include <string.h>

const double sandbox_alipay_notify_delays[] = {4 * 60,   10 * 60,  10 * 60,  3600,
                                               2 * 3600, 6 * 3600, 15 * 3600};
const guint sandbox_alipay_n_notify_delays = G_N_ELEMENTS(sandbox_alipay_notify_delays);

static gboolean merchant_said_success(guint status, const char *body, gsize len)
{
    return status == 200 && body != NULL && len == 7 && memcmp(body, "success", 7) == 0;
}

static void add_amount(GPtrArray *params, const char *name, gint64 fen)
{
    char *text = sandbox_alipay_format_amount(fen);
    sandbox_alipay_param_add(params, name, text);
    g_free(text);
}

static void add_time(GPtrArray *params, const char *name, gint64 ms, gboolean with_millis)
{
    char *text = sandbox_alipay_beijing_time(ms, with_millis);
    sandbox_alipay_param_add(params, name, text);
    g_free(text);
}

/* Sign params as Alipay signs what it sends the merchant, appending sign
 * and sign_type. */
static void sign_outgoing(GPtrArray *params)
{
    GString *content = sandbox_alipay_notification_signing_string(params);
    char *sign = sandbox_alipay_rsa2_sign(content->str, content->len);
    sandbox_alipay_param_add(params, "sign", sign);
    sandbox_alipay_param_add(params, "sign_type", "RSA2");
    g_free(sign);
    g_string_free(content, TRUE);
}

static const char *event_status(JsonObject *trade, SandboxAlipayEvent event)
{
    switch (event) {
    case SANDBOX_ALIPAY_EVENT_PAID:
        return "TRADE_SUCCESS";
    case SANDBOX_ALIPAY_EVENT_FINISHED:
        return "TRADE_FINISHED";
    case SANDBOX_ALIPAY_EVENT_CLOSED:
        return "TRADE_CLOSED";
    case SANDBOX_ALIPAY_EVENT_REFUNDED:
        break;
    }
    return json_object_get_string_member(trade, "status");
}

void sandbox_alipay_notify_trade(SandboxServer *sb, JsonObject *trade, SandboxAlipayEvent event,
                                 const char *out_request_no)
{
    const char *out_trade_no = json_object_get_string_member(trade, "out_trade_no");
    char *url = g_strdup(json_object_get_string_member(trade, "notify_url"));
    if (url[0] == '\0' && sandbox_webhook_base(sb) != NULL) {
        g_free(url);
        url = g_strconcat(sandbox_webhook_base(sb), "/v1/webhooks/alipay", NULL);
    }
    if (url[0] == '\0') {
        sandbox_log(SANDBOX_ALIPAY_PROVIDER, "trade %s: no notify_url, %s not notified",
                    out_trade_no, event_status(trade, event));
        g_free(url);
        return;
    }

    gint64 now = sandbox_now_ms(sb);
    gint64 total = json_object_get_int_member(trade, "total_fen");
    gboolean paid = json_object_has_member(trade, "paid_ms");
    /* A fresh id per event; the frame repeats this very body, so every
     * repeat carries the same notify_id. */
    char *seed = sandbox_new_id("n");
    char *notify_id = g_compute_checksum_for_string(G_CHECKSUM_MD5, seed, -1);
    char *notify_id_full = g_strconcat("2025", notify_id, NULL);
    g_free(seed);

    GPtrArray *params = sandbox_alipay_params_new();
    add_time(params, "notify_time", now, FALSE);
    sandbox_alipay_param_add(params, "notify_type", "trade_status_sync");
    sandbox_alipay_param_add(params, "notify_id", notify_id_full);
    sandbox_alipay_param_add(params, "app_id", SANDBOX_ALIPAY_APP_ID);
    sandbox_alipay_param_add(params, "auth_app_id", SANDBOX_ALIPAY_APP_ID);
    sandbox_alipay_param_add(params, "charset", "utf-8");
    sandbox_alipay_param_add(params, "version", "1.0");
    sandbox_alipay_param_add(params, "trade_no", json_object_get_string_member(trade, "trade_no"));
    sandbox_alipay_param_add(params, "out_trade_no", out_trade_no);
    sandbox_alipay_param_add(params, "seller_id", SANDBOX_ALIPAY_SELLER_ID);
    sandbox_alipay_param_add(params, "trade_status", event_status(trade, event));
    add_amount(params, "total_amount", total);
    sandbox_alipay_param_add(params, "subject", json_object_get_string_member(trade, "subject"));
    add_time(params, "gmt_create", json_object_get_int_member(trade, "created_ms"), FALSE);
    if (paid) {
        sandbox_alipay_param_add(params, "buyer_id",
                                 json_object_get_string_member(trade, "buyer_id"));
        sandbox_alipay_param_add(params, "buyer_logon_id",
                                 json_object_get_string_member(trade, "buyer_logon_id"));
        add_amount(params, "receipt_amount", total);
        add_amount(params, "invoice_amount", total);
        add_amount(params, "buyer_pay_amount", total);
        sandbox_alipay_param_add(params, "point_amount", "0.00");
        char *amount = sandbox_alipay_format_amount(total);
        char *bills =
            g_strdup_printf("[{\"amount\":\"%s\",\"fundChannel\":\"ALIPAYACCOUNT\"}]", amount);
        sandbox_alipay_param_add(params, "fund_bill_list", bills);
        g_free(bills);
        g_free(amount);
        add_time(params, "gmt_payment", json_object_get_int_member(trade, "paid_ms"), FALSE);
    }
    gint64 refunded = json_object_get_int_member(trade, "refunded_fen");
    if (refunded > 0)
        add_amount(params, "refund_fee", refunded);
    if (event == SANDBOX_ALIPAY_EVENT_REFUNDED) {
        sandbox_alipay_param_add(params, "out_biz_no", out_request_no);
        add_time(params, "gmt_refund", now, TRUE);
    }
    if (event == SANDBOX_ALIPAY_EVENT_CLOSED || event == SANDBOX_ALIPAY_EVENT_FINISHED ||
        (event == SANDBOX_ALIPAY_EVENT_REFUNDED &&
         strcmp(json_object_get_string_member(trade, "status"), "TRADE_CLOSED") == 0))
        add_time(params, "gmt_close", now, FALSE);
    sign_outgoing(params);

    char *body = sandbox_alipay_form_encode(params);
    SandboxNotification n = {
        .provider = SANDBOX_ALIPAY_PROVIDER,
        .url = url,
        .content_type = "application/x-www-form-urlencoded; charset=utf-8",
        .body = body,
        .body_len = strlen(body),
        .headers = NULL,
        .accepted = merchant_said_success,
        .delays = sandbox_alipay_notify_delays,
        .n_delays = sandbox_alipay_n_notify_delays,
    };
    sandbox_log(SANDBOX_ALIPAY_PROVIDER, "trade %s: notify %s (notify_id %s) to %s", out_trade_no,
                event_status(trade, event), notify_id_full, url);
    sandbox_notify(sb, &n);
    g_ptr_array_unref(params);
    g_free(body);
    g_free(notify_id);
    g_free(notify_id_full);
    g_free(url);
}

GPtrArray *sandbox_alipay_return_params(SandboxServer *sb, JsonObject *trade)
{
    const char *product = json_object_get_string_member(trade, "product");
    GPtrArray *params = sandbox_alipay_params_new();
    sandbox_alipay_param_add(params, "charset", "utf-8");
    sandbox_alipay_param_add(params, "out_trade_no",
                             json_object_get_string_member(trade, "out_trade_no"));
    sandbox_alipay_param_add(params, "method",
                             strcmp(product, "wap") == 0 ? "alipay.trade.wap.pay.return"
                                                         : "alipay.trade.page.pay.return");
    add_amount(params, "total_amount", json_object_get_int_member(trade, "total_fen"));
    sandbox_alipay_param_add(params, "trade_no", json_object_get_string_member(trade, "trade_no"));
    sandbox_alipay_param_add(params, "auth_app_id", SANDBOX_ALIPAY_APP_ID);
    sandbox_alipay_param_add(params, "version", "1.0");
    sandbox_alipay_param_add(params, "app_id", SANDBOX_ALIPAY_APP_ID);
    sandbox_alipay_param_add(params, "seller_id", SANDBOX_ALIPAY_SELLER_ID);
    add_time(params, "timestamp", sandbox_now_ms(sb), FALSE);
    sign_outgoing(params);
    return params;
}
