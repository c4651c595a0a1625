/* The Alipay cashier, /alipay/cashier/<token>: the page a page.pay or
 * wap.pay buyer is redirected to, and the page a precreate QR code opens.
 *
 * GET shows the trade and a plain HTML login form (a test buyer's logon id
 * and password); opening it is the buyer "scanning": from then on the
 * merchant's query, close and refund see the trade. POST pays the trade
 * from the buyer's wallet, subject to the balance and the real-name class
 * limits (the errors Alipay shows a buyer: BUYER_BALANCE_NOT_ENOUGH,
 * BEYOND_PAY_RESTRICTION; the trade then stays unpaid, as it does at
 * Alipay, where the merchant learns nothing until the trade closes). Paid,
 * a page.pay or wap.pay trade with a return_url is answered 303 to it with
 * Alipay's signed return parameters; the notification goes out at once. */
#include "sandbox-alipay.h"

#include <string.h>

/* The form (and, above it, an error when there is one). */
static void show_form(SandboxServer *sb, SoupServerMessage *msg, JsonObject *trade, guint status,
                      const char *error_code, const char *error_text)
{
    char *amount = sandbox_alipay_format_amount(json_object_get_int_member(trade, "total_fen"));
    char *subject = sandbox_html_escape(json_object_get_string_member(trade, "subject"));
    char *out_trade_no = sandbox_html_escape(json_object_get_string_member(trade, "out_trade_no"));
    char *action = sandbox_alipay_trade_cashier_url(sb, trade);
    char *e_action = sandbox_html_escape(action);
    GString *html = g_string_new(NULL);
    g_string_append_printf(html,
                           "<p>Merchant app %s asks you to pay <strong id=\"amount\">%s "
                           "CNY</strong> for <span id=\"subject\">%s</span> (order <span "
                           "id=\"out_trade_no\">%s</span>).</p>",
                           SANDBOX_ALIPAY_APP_ID, amount, subject, out_trade_no);
    if (error_code != NULL) {
        char *e_text = sandbox_html_escape(error_text);
        g_string_append_printf(html, "<p role=\"alert\"><span id=\"error\">%s</span>: %s</p>",
                               error_code, e_text);
        g_free(e_text);
    }
    g_string_append_printf(html,
                           "<form method=\"post\" action=\"%s\">"
                           "<p><label for=\"logon_id\">Alipay account</label> "
                           "<input id=\"logon_id\" name=\"logon_id\" type=\"text\" required></p>"
                           "<p><label for=\"password\">Payment password</label> "
                           "<input id=\"password\" name=\"password\" type=\"password\" "
                           "required></p>"
                           "<p><button type=\"submit\">Pay</button></p></form>"
                           "<p>Sandbox test buyers (password 111111):</p><ul>",
                           e_action);
    for (gsize i = 0; i < sandbox_alipay_n_buyers; i++) {
        char *balance = sandbox_alipay_format_amount(sandbox_alipay_buyers[i].opening_balance_fen);
        g_string_append_printf(html, "<li>%s (class %d, opening balance %s CNY)</li>",
                               sandbox_alipay_buyers[i].logon_id,
                               sandbox_alipay_buyers[i].account_class, balance);
        g_free(balance);
    }
    g_string_append(html, "</ul>");
    sandbox_page_respond(msg, status, "Alipay cashier", html->str);
    g_string_free(html, TRUE);
    g_free(amount);
    g_free(subject);
    g_free(out_trade_no);
    g_free(action);
    g_free(e_action);
}

/* A trade that cannot be paid (closed, already paid): say so. */
static gboolean refuse_unpayable(SoupServerMessage *msg, JsonObject *trade)
{
    const char *status = json_object_get_string_member(trade, "status");
    if (strcmp(status, "WAIT_BUYER_PAY") == 0)
        return FALSE;
    if (strcmp(status, "TRADE_CLOSED") == 0 && !json_object_has_member(trade, "paid_ms"))
        sandbox_page_respond(msg, SOUP_STATUS_GONE, "Alipay cashier",
                             "<p><span id=\"error\">TRADE_HAS_CLOSE</span>: this trade is "
                             "closed and can no longer be paid.</p>");
    else
        sandbox_page_respond(msg, SOUP_STATUS_CONFLICT, "Alipay cashier",
                             "<p><span id=\"error\">TRADE_HAS_SUCCESS</span>: this trade is "
                             "already paid.</p>");
    return TRUE;
}

static void mark_scanned(SandboxServer *sb, JsonObject *trade)
{
    if (!json_object_get_boolean_member(trade, "scanned")) {
        json_object_set_boolean_member(trade, "scanned", TRUE);
        sandbox_state_changed(sb);
    }
}

/* Paid: back to the merchant's return_url, or a receipt. */
static void finish(SandboxServer *sb, SoupServerMessage *msg, JsonObject *trade)
{
    const char *return_url = json_object_get_string_member(trade, "return_url");
    const char *product = json_object_get_string_member(trade, "product");
    char *trade_no = sandbox_html_escape(json_object_get_string_member(trade, "trade_no"));
    if (return_url[0] == '\0' || strcmp(product, "precreate") == 0) {
        char *html = g_strdup_printf("<p>Paid. Alipay trade number <span id=\"trade_no\">%s"
                                     "</span>.</p>",
                                     trade_no);
        sandbox_page_respond(msg, SOUP_STATUS_OK, "Alipay: paid", html);
        g_free(html);
        g_free(trade_no);
        return;
    }
    GPtrArray *params = sandbox_alipay_return_params(sb, trade);
    char *query = sandbox_alipay_form_encode(params);
    char *target =
        g_strconcat(return_url, strchr(return_url, '?') != NULL ? "&" : "?", query, NULL);
    char *e_target = sandbox_html_escape(target);
    char *html = g_strdup_printf("<p>Paid. Alipay trade number <span id=\"trade_no\">%s</span>."
                                 "</p><p><a href=\"%s\">Back to the merchant</a></p>",
                                 trade_no, e_target);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location", target);
    sandbox_page_respond(msg, SOUP_STATUS_SEE_OTHER, "Alipay: paid", html);
    g_free(html);
    g_free(e_target);
    g_free(target);
    g_free(query);
    g_ptr_array_unref(params);
    g_free(trade_no);
}

static void pay(SandboxServer *sb, SoupServerMessage *msg, JsonObject *trade)
{
    gsize len = 0;
    const char *body = sandbox_request_body(msg, &len);
    GHashTable *form = sandbox_form_decode(body != NULL ? body : "", len);
    const char *logon_id = form != NULL ? g_hash_table_lookup(form, "logon_id") : NULL;
    const char *password = form != NULL ? g_hash_table_lookup(form, "password") : NULL;
    const SandboxAlipayBuyer *buyer = sandbox_alipay_buyer_by_logon(logon_id);
    if (buyer == NULL || password == NULL || strcmp(password, buyer->password) != 0) {
        show_form(sb, msg, trade, SOUP_STATUS_UNAUTHORIZED, "LOGIN_FAILED",
                  "the account or the password is wrong");
    } else {
        const char *error = sandbox_alipay_trade_pay(sb, trade, buyer);
        if (error == NULL) {
            sandbox_log(SANDBOX_ALIPAY_PROVIDER, "trade %s paid by %s",
                        json_object_get_string_member(trade, "out_trade_no"), buyer->user_id);
            finish(sb, msg, trade);
        } else {
            sandbox_log(SANDBOX_ALIPAY_PROVIDER, "trade %s: %s refused: %s",
                        json_object_get_string_member(trade, "out_trade_no"), buyer->user_id,
                        error);
            show_form(sb, msg, trade, SOUP_STATUS_PAYMENT_REQUIRED, error,
                      strcmp(error, "BUYER_BALANCE_NOT_ENOUGH") == 0
                          ? "your balance is not enough; pay another way"
                          : "this payment is beyond your account's limits");
        }
    }
    if (form != NULL)
        g_hash_table_unref(form);
}

void sandbox_alipay_cashier_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                                    GHashTable *query, gpointer user_data)
{
    (void)server;
    (void)query;
    SandboxServer *sb = user_data;
    sandbox_alipay_trades_advance(sb);
    const char *token = path + strlen("/alipay/cashier/");
    JsonObject *trade = sandbox_alipay_trade_by_token(sb, token);
    if (trade == NULL) {
        sandbox_page_respond(msg, SOUP_STATUS_NOT_FOUND, "Alipay cashier",
                             "<p>There is no such trade.</p>");
        return;
    }
    const char *http_method = soup_server_message_get_method(msg);
    gboolean is_post = strcmp(http_method, "POST") == 0;
    if (!is_post && strcmp(http_method, "GET") != 0) {
        sandbox_respond(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET or POST\n", 12);
        return;
    }
    if (refuse_unpayable(msg, trade))
        return;
    mark_scanned(sb, trade);
    if (is_post)
        pay(sb, msg, trade);
    else
        show_form(sb, msg, trade, SOUP_STATUS_OK, NULL, NULL);
}
