/* The Merchant Interface: the payment page a merchant's form is posted to
 * (merchant.webmoney.ru/lmi/payment_utf.asp), the payer paying there, the
 * pre-request and result notifications to the merchant's Result URL, and
 * the redirect back to its Success or Fail URL.
 *
 * 1. The merchant's form (POST, or GET with a query) carries
 *    LMI_PAYEE_PURSE, LMI_PAYMENT_AMOUNT (no trailing zeros),
 *    LMI_PAYMENT_NO, LMI_PAYMENT_DESC or LMI_PAYMENT_DESC_BASE64, and
 *    optionally LMI_SIM_MODE (test mode: 0 succeed, 1 fail, 2 succeed 80%),
 *    LMI_RESULT_URL, LMI_SUCCESS_URL/_METHOD, LMI_FAIL_URL/_METHOD. Fields
 *    without the LMI_ prefix are the merchant's and come back unchanged in
 *    every notification and redirect. The page is an invoice
 *    (LMI_SYS_INVS_NO) with a plain form where the payer gives a WMID and
 *    a purse.
 * 2. When the payer pays, WebMoney checks the purse (owner, passport,
 *    type, funds, the passport's Z-purse limits) and, before taking any
 *    money, posts the pre-request (LMI_PREREQUEST=1, no hash) to the
 *    Result URL and waits: only a body "YES" lets the payment go on.
 * 3. The money moves (LMI_SYS_TRANS_NO), then the result is posted to the
 *    Result URL with LMI_HASH, retried until the merchant answers 2xx, and
 *    the payer is sent back to the Success URL. A refusal at any step
 *    sends the payer to the Fail URL. LMI_MODE is 1 when the form asked
 *    for test mode (LMI_SIM_MODE present), else 0. */
#include "sandbox-webmoney.h"

#include <string.h>

/* Delays between result notification attempts (seconds). WebMoney does
 * not publish its schedule; these grow like other providers' and end
 * after about a day. */
static const double result_retry_delays[] = {60, 300, 900, 1800, 3600, 7200, 14400, 43200};

typedef struct {
    SandboxServer *sb;
    SoupServerMessage *msg;
    char *invs_no;
} PendingPayment;

static SoupSession *prerequest_session(void)
{
    static SoupSession *session;
    if (session == NULL)
        session = soup_session_new_with_options("timeout", 10, "user-agent",
                                                "tender-sandbox webmoney", NULL);
    return session;
}

/* ---- Small pieces ----------------------------------------------------------- */

static void append_pair(GString *out, const char *name, const char *value)
{
    char *escaped = g_uri_escape_string(value != NULL ? value : "", NULL, FALSE);
    g_string_append_printf(out, "%s%s=%s", out->len ? "&" : "", name, escaped);
    g_free(escaped);
}

/* Append the merchant's own fields (those without the LMI_ prefix). */
static void append_extra(GString *out, JsonObject *inv)
{
    JsonObject *extra = json_object_get_object_member(inv, "extra");
    GList *names = json_object_get_members(extra);
    for (GList *l = names; l != NULL; l = l->next)
        append_pair(out, l->data, json_object_get_string_member(extra, l->data));
    g_list_free(names);
}

static const char *inv_string(JsonObject *inv, const char *name)
{
    return json_object_get_string_member_with_default(inv, name, "");
}

static void error_page(SoupServerMessage *msg, guint status, const char *text)
{
    char *escaped = sandbox_html_escape(text);
    char *body =
        g_strdup_printf("<h1>Payment cannot be made</h1><p role=\"alert\">%s</p>", escaped);
    sandbox_page_respond(msg, status, "WebMoney payment error", body);
    g_free(body);
    g_free(escaped);
}

static JsonObject *invoice(SandboxServer *sb, const char *invs_no)
{
    JsonObject *invoices = wm_state_object(sb, "invoices");
    return invs_no != NULL && json_object_has_member(invoices, invs_no)
               ? json_object_get_object_member(invoices, invs_no)
               : NULL;
}

/* ---- The redirect back ------------------------------------------------------- */

/* Send the payer back to the Success or Fail URL by its method: 0 (GET, the
 * default here) a 302 with the fields in the query, 1 (POST) a form to
 * submit, 2 (LINK) a plain link without fields. No URL: a closing page. */
static void redirect_back(SoupServerMessage *msg, const char *invs_no, JsonObject *inv,
                          gboolean success)
{
    const char *url = inv_string(inv, success ? "success_url" : "fail_url");
    const char *method = inv_string(inv, success ? "success_method" : "fail_method");
    GString *fields = g_string_new(NULL);
    append_pair(fields, "LMI_PAYMENT_NO", inv_string(inv, "payment_no"));
    append_pair(fields, "LMI_SYS_INVS_NO", invs_no);
    append_pair(fields, "LMI_SYS_TRANS_NO", inv_string(inv, "trans_no"));
    append_pair(fields, "LMI_SYS_TRANS_DATE", inv_string(inv, "trans_date_text"));
    append_extra(fields, inv);
    const char *title = success ? "WebMoney payment complete" : "WebMoney payment not made";

    if (*url == '\0') {
        char *reason = sandbox_html_escape(inv_string(inv, "err_text"));
        char *body =
            g_strdup_printf("<h1>%s</h1><p>Invoice %s.</p><p>%s</p>", title, invs_no, reason);
        sandbox_page_respond(msg, 200, title, body);
        g_free(body);
        g_free(reason);
    } else if (strcmp(method, "1") == 0 || g_ascii_strcasecmp(method, "POST") == 0) {
        GString *body = g_string_new(NULL);
        char *action = sandbox_html_escape(url);
        g_string_append_printf(body, "<h1>%s</h1><form method=\"post\" action=\"%s\">", title,
                               action);
        char **pairs = g_strsplit(fields->str, "&", -1);
        for (char **p = pairs; *p != NULL; p++) {
            char **kv = g_strsplit(*p, "=", 2);
            char *value = g_uri_unescape_string(kv[1] != NULL ? kv[1] : "", NULL);
            char *name_html = sandbox_html_escape(kv[0]);
            char *value_html = sandbox_html_escape(value != NULL ? value : "");
            g_string_append_printf(body, "<input type=\"hidden\" name=\"%s\" value=\"%s\">",
                                   name_html, value_html);
            g_free(value_html);
            g_free(name_html);
            g_free(value);
            g_strfreev(kv);
        }
        g_strfreev(pairs);
        g_string_append(body, "<button type=\"submit\">Return to the shop</button></form>");
        sandbox_page_respond(msg, 200, title, body->str);
        g_string_free(body, TRUE);
        g_free(action);
    } else if (strcmp(method, "2") == 0 || g_ascii_strcasecmp(method, "LINK") == 0) {
        char *href = sandbox_html_escape(url);
        char *body =
            g_strdup_printf("<h1>%s</h1><p><a href=\"%s\">Return to the shop</a></p>", title, href);
        sandbox_page_respond(msg, 200, title, body);
        g_free(body);
        g_free(href);
    } else {
        char *location =
            g_strdup_printf("%s%c%s", url, strchr(url, '?') != NULL ? '&' : '?', fields->str);
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location",
                                     location);
        sandbox_respond(msg, 302, "text/plain", "", 0);
        g_free(location);
    }
    g_string_free(fields, TRUE);
}

/* Record why an invoice did not pay (X18's errorlog shows it). */
static void fail_invoice(SandboxServer *sb, const char *invs_no, JsonObject *inv, const char *state,
                         int err_code, const char *why)
{
    char *code = g_strdup_printf("%d", err_code);
    json_object_set_string_member(inv, "state", state);
    json_object_set_string_member(inv, "err_code", code);
    json_object_set_string_member(inv, "err_text", why);
    json_object_set_int_member(inv, "updated", sandbox_now_ms(sb));
    char *key =
        g_strdup_printf("%s/%s", inv_string(inv, "payee_purse"), inv_string(inv, "payment_no"));
    json_object_set_string_member(wm_state_object(sb, "attempts"), key, invs_no);
    sandbox_state_changed(sb);
    g_free(key);
    g_free(code);
}

/* ---- Step 3: the money moves, the result is posted ------------------------------ */

static gboolean accept_2xx(guint status, const char *body, gsize len)
{
    (void)body;
    (void)len;
    return status >= 200 && status < 300;
}

static void post_result(SandboxServer *sb, const char *invs_no, JsonObject *inv)
{
    const char *result_url = inv_string(inv, "result_url");
    if (*result_url == '\0')
        return;
    char *amount = wm_amount_format(json_object_get_int_member(inv, "amount"));
    const char *mode = inv_string(inv, "mode");
    /* LMI_HASH: the documented fields in the documented order, the secret
     * key between the transfer date and the payer's purse. */
    char *source = g_strconcat(
        inv_string(inv, "payee_purse"), amount, inv_string(inv, "payment_no"), mode, invs_no,
        inv_string(inv, "trans_no"), inv_string(inv, "trans_date_text"), wm_merchant_secret(),
        inv_string(inv, "payer_purse"), inv_string(inv, "payer_wm"), NULL);
    char *hash = wm_hex_digest(G_CHECKSUM_SHA256, source);
    char *upper = g_ascii_strup(hash, -1);

    GString *body = g_string_new(NULL);
    append_pair(body, "LMI_PAYEE_PURSE", inv_string(inv, "payee_purse"));
    append_pair(body, "LMI_PAYMENT_AMOUNT", amount);
    append_pair(body, "LMI_PAYMENT_NO", inv_string(inv, "payment_no"));
    append_pair(body, "LMI_MODE", mode);
    append_pair(body, "LMI_SYS_INVS_NO", invs_no);
    append_pair(body, "LMI_SYS_TRANS_NO", inv_string(inv, "trans_no"));
    append_pair(body, "LMI_SYS_TRANS_DATE", inv_string(inv, "trans_date_text"));
    append_pair(body, "LMI_PAYER_PURSE", inv_string(inv, "payer_purse"));
    append_pair(body, "LMI_PAYER_WM", inv_string(inv, "payer_wm"));
    append_pair(body, "LMI_PAYMENT_DESC", inv_string(inv, "desc"));
    append_pair(body, "LMI_HASH", upper);
    append_extra(body, inv);

    SandboxNotification n = {
        .provider = WM_PROVIDER,
        .url = result_url,
        .content_type = "application/x-www-form-urlencoded",
        .body = body->str,
        .body_len = body->len,
        .headers = NULL,
        .accepted = accept_2xx,
        .delays = result_retry_delays,
        .n_delays = G_N_ELEMENTS(result_retry_delays),
    };
    sandbox_notify(sb, &n);
    g_string_free(body, TRUE);
    g_free(upper);
    g_free(hash);
    g_free(source);
    g_free(amount);
}

static void complete_payment(SandboxServer *sb, SoupServerMessage *msg, const char *invs_no,
                             JsonObject *inv)
{
    const char *payer_wm = inv_string(inv, "payer_wm"), *payer = inv_string(inv, "payer_purse");
    const char *payee = inv_string(inv, "payee_purse");
    gint64 amount = json_object_get_int_member(inv, "amount");
    /* The purse may have changed while the merchant was asked. */
    const char *why = NULL;
    int refused = wm_check_debit(sb, payer_wm, payer, payee, amount, &why);
    if (refused != 0) {
        fail_invoice(sb, invs_no, inv, "failed", refused, why);
        redirect_back(msg, invs_no, inv, FALSE);
        return;
    }
    gint64 now = sandbox_now_ms(sb);
    char *trans_no = wm_next_number(sb);
    char *date = wm_date_format(now);
    wm_debit(sb, payer, amount);
    wm_credit(sb, payee, amount);
    JsonObject *op = wm_operation_new(sb, trans_no, payer, payee, amount, inv_string(inv, "desc"));
    json_object_set_string_member(op, "wminvid", invs_no);
    json_object_set_string_member(op, "orderid", inv_string(inv, "payment_no"));
    json_object_set_string_member(inv, "state", "paid");
    json_object_set_string_member(inv, "trans_no", trans_no);
    json_object_set_int_member(inv, "trans_date", now);
    json_object_set_string_member(inv, "trans_date_text", date);
    json_object_set_int_member(inv, "updated", now);
    char *key = g_strdup_printf("%s/%s", payee, inv_string(inv, "payment_no"));
    json_object_set_string_member(wm_state_object(sb, "payments"), key, invs_no);
    sandbox_state_changed(sb);
    sandbox_log(WM_PROVIDER, "invoice %s paid: transfer %s from %s", invs_no, trans_no, payer);
    post_result(sb, invs_no, inv);
    redirect_back(msg, invs_no, inv, TRUE);
    g_free(key);
    g_free(date);
    g_free(trans_no);
}

/* ---- Step 2: the pre-request ------------------------------------------------------ */

static void prerequest_answered(GObject *source, GAsyncResult *result, gpointer user_data)
{
    PendingPayment *pending = user_data;
    SoupMessage *request = soup_session_get_async_result_message(SOUP_SESSION(source), result);
    GBytes *answer = soup_session_send_and_read_finish(SOUP_SESSION(source), result, NULL);
    guint status = request != NULL ? soup_message_get_status(request) : 0;
    JsonObject *inv = invoice(pending->sb, pending->invs_no);

    char *text = NULL;
    if (answer != NULL) {
        gsize len = 0;
        const char *data = g_bytes_get_data(answer, &len);
        text = g_strndup(data != NULL ? data : "", MIN(len, 200));
        g_strstrip(text);
    }
    if (status == 200 && g_strcmp0(text, "YES") == 0) {
        complete_payment(pending->sb, pending->msg, pending->invs_no, inv);
    } else {
        char *why = g_strdup_printf("the merchant refused the payment at the pre-request "
                                    "(HTTP %u)",
                                    status);
        sandbox_log(WM_PROVIDER, "invoice %s: %s", pending->invs_no, why);
        fail_invoice(pending->sb, pending->invs_no, inv, "refused", -14, why);
        redirect_back(pending->msg, pending->invs_no, inv, FALSE);
        g_free(why);
    }
    soup_server_message_unpause(pending->msg);
    g_object_unref(pending->msg);
    g_free(text);
    if (answer != NULL)
        g_bytes_unref(answer);
    g_free(pending->invs_no);
    g_free(pending);
}

static void send_prerequest(SandboxServer *sb, SoupServerMessage *msg, const char *invs_no,
                            JsonObject *inv)
{
    char *amount = wm_amount_format(json_object_get_int_member(inv, "amount"));
    GString *body = g_string_new(NULL);
    append_pair(body, "LMI_PREREQUEST", "1");
    append_pair(body, "LMI_PAYEE_PURSE", inv_string(inv, "payee_purse"));
    append_pair(body, "LMI_PAYMENT_AMOUNT", amount);
    append_pair(body, "LMI_PAYMENT_NO", inv_string(inv, "payment_no"));
    append_pair(body, "LMI_MODE", inv_string(inv, "mode"));
    append_pair(body, "LMI_PAYER_WM", inv_string(inv, "payer_wm"));
    append_pair(body, "LMI_PAYER_PURSE", inv_string(inv, "payer_purse"));
    append_pair(body, "LMI_PAYMENT_DESC", inv_string(inv, "desc"));
    append_extra(body, inv);
    g_free(amount);

    SoupMessage *request = soup_message_new_from_encoded_form("POST", inv_string(inv, "result_url"),
                                                              g_string_free(body, FALSE));
    if (request == NULL) {
        fail_invoice(sb, invs_no, inv, "refused", -14, "the Result URL is not a valid URL");
        redirect_back(msg, invs_no, inv, FALSE);
        return;
    }
    json_object_set_string_member(inv, "state", "prerequest");
    sandbox_state_changed(sb);
    PendingPayment *pending = g_new0(PendingPayment, 1);
    pending->sb = sb;
    pending->msg = g_object_ref(msg);
    pending->invs_no = g_strdup(invs_no);
    soup_server_message_pause(msg);
    soup_session_send_and_read_async(prerequest_session(), request, G_PRIORITY_DEFAULT, NULL,
                                     prerequest_answered, pending);
    g_object_unref(request);
}

/* ---- Step 1: the merchant's form, and the payer's answer ------------------------------- */

static const char *form_field(GHashTable *form, const char *name)
{
    const char *value = g_hash_table_lookup(form, name);
    return value != NULL ? value : "";
}

static gboolean payment_number_valid(const char *text)
{
    if (*text == '\0' || strlen(text) > 10 || text[0] == '0')
        return FALSE;
    for (const char *p = text; *p; p++)
        if (!g_ascii_isdigit(*p))
            return FALSE;
    return g_ascii_strtoll(text, NULL, 10) <= G_MAXINT32;
}

/* The description: LMI_PAYMENT_DESC_BASE64 (UTF-8, base64) wins over
 * LMI_PAYMENT_DESC. NULL when neither is usable. */
static char *payment_description(GHashTable *form)
{
    const char *b64 = form_field(form, "LMI_PAYMENT_DESC_BASE64");
    char *desc = NULL;
    if (*b64 != '\0') {
        gsize len = 0;
        guchar *raw = g_base64_decode(b64, &len);
        desc = g_strndup((const char *)raw, len);
        g_free(raw);
    } else {
        desc = g_strdup(form_field(form, "LMI_PAYMENT_DESC"));
    }
    if (*desc == '\0' || !g_utf8_validate(desc, -1, NULL) || g_utf8_strlen(desc, -1) > 255) {
        g_free(desc);
        return NULL;
    }
    return desc;
}

static void render_invoice(SoupServerMessage *msg, const char *invs_no, JsonObject *inv,
                           const char *problem)
{
    char *amount = wm_amount_format(json_object_get_int_member(inv, "amount"));
    const char *payee = inv_string(inv, "payee_purse");
    char *desc = sandbox_html_escape(inv_string(inv, "desc"));
    char *alert = NULL;
    if (problem != NULL) {
        char *escaped = sandbox_html_escape(problem);
        alert = g_strdup_printf("<p role=\"alert\">%s</p>", escaped);
        g_free(escaped);
    }
    char *body = g_strdup_printf(
        "<h1>Pay %s WM%c to %s</h1>"
        "<p>%s</p><p>Payment %s, invoice %s%s.</p>%s"
        "<form method=\"post\" action=\"/webmoney/pay/confirm\">"
        "<input type=\"hidden\" name=\"invoice\" value=\"%s\">"
        "<p><label for=\"payer_wmid\">Your WMID</label> "
        "<input id=\"payer_wmid\" name=\"payer_wmid\" inputmode=\"numeric\" "
        "autocomplete=\"off\" required></p>"
        "<p><label for=\"payer_purse\">Pay from purse</label> "
        "<input id=\"payer_purse\" name=\"payer_purse\" autocomplete=\"off\" required></p>"
        "<p><button type=\"submit\" name=\"action\" value=\"pay\">Pay</button> "
        "<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel"
        "</button></p></form>",
        amount, payee[0], payee, desc, inv_string(inv, "payment_no"), invs_no,
        strcmp(inv_string(inv, "mode"), "1") == 0 ? " (test mode)" : "", alert ? alert : "",
        invs_no);
    sandbox_page_respond(msg, 200, "WebMoney payment", body);
    g_free(body);
    g_free(alert);
    g_free(desc);
    g_free(amount);
}

static void open_invoice(SandboxServer *sb, SoupServerMessage *msg, GHashTable *form)
{
    const char *payee = form_field(form, "LMI_PAYEE_PURSE");
    const char *amount_text = form_field(form, "LMI_PAYMENT_AMOUNT");
    const char *number = form_field(form, "LMI_PAYMENT_NO");
    const char *sim = form_field(form, "LMI_SIM_MODE");
    gint64 amount = 0;

    JsonObject *purse = wm_purse(sb, payee);
    if (purse == NULL ||
        strcmp(json_object_get_string_member(purse, "wmid"), wm_merchant_wmid()) != 0) {
        error_page(msg, 400,
                   "LMI_PAYEE_PURSE is not a purse registered with the Merchant "
                   "Interface");
        return;
    }
    if (!wm_amount_parse(amount_text, &amount)) {
        error_page(msg, 400,
                   "LMI_PAYMENT_AMOUNT must be a positive amount with at most two "
                   "decimals, written without trailing zeros (10.5, not 10.50)");
        return;
    }
    if (!payment_number_valid(number)) {
        error_page(msg, 400, "LMI_PAYMENT_NO must be a whole number from 1 to 2147483647");
        return;
    }
    if (*sim != '\0' && strcmp(sim, "0") != 0 && strcmp(sim, "1") != 0 && strcmp(sim, "2") != 0) {
        error_page(msg, 400, "LMI_SIM_MODE must be 0, 1 or 2");
        return;
    }
    char *key = g_strdup_printf("%s/%s", payee, number);
    gboolean already_paid = json_object_has_member(wm_state_object(sb, "payments"), key);
    g_free(key);
    if (already_paid) {
        error_page(msg, 409, "a payment with this LMI_PAYMENT_NO was already made to this purse");
        return;
    }
    char *desc = payment_description(form);
    if (desc == NULL) {
        error_page(msg, 400,
                   "LMI_PAYMENT_DESC (or LMI_PAYMENT_DESC_BASE64) must be 1 to 255 "
                   "characters of UTF-8");
        return;
    }

    char *invs_no = wm_next_number(sb);
    JsonObject *inv = json_object_new();
    json_object_set_string_member(inv, "invs_no", invs_no);
    json_object_set_string_member(inv, "payee_purse", payee);
    json_object_set_int_member(inv, "amount", amount);
    json_object_set_string_member(inv, "payment_no", number);
    json_object_set_string_member(inv, "desc", desc);
    json_object_set_string_member(inv, "sim_mode", sim);
    json_object_set_string_member(inv, "mode", *sim != '\0' ? "1" : "0");
    json_object_set_string_member(inv, "state", "open");
    json_object_set_int_member(inv, "created", sandbox_now_ms(sb));
    json_object_set_int_member(inv, "updated", sandbox_now_ms(sb));
    /* The Result URL from the form, else the one configured for the purse
     * (the Tender service behind --webhook-base). */
    const char *result_url = form_field(form, "LMI_RESULT_URL");
    char *configured = sandbox_webhook_base(sb) != NULL
                           ? g_strdup_printf("%s/v1/webhooks/webmoney", sandbox_webhook_base(sb))
                           : g_strdup("");
    json_object_set_string_member(inv, "result_url", *result_url ? result_url : configured);
    json_object_set_string_member(inv, "success_url", form_field(form, "LMI_SUCCESS_URL"));
    json_object_set_string_member(inv, "success_method", form_field(form, "LMI_SUCCESS_METHOD"));
    json_object_set_string_member(inv, "fail_url", form_field(form, "LMI_FAIL_URL"));
    json_object_set_string_member(inv, "fail_method", form_field(form, "LMI_FAIL_METHOD"));
    JsonObject *extra = json_object_new();
    GHashTableIter it;
    gpointer name, value;
    g_hash_table_iter_init(&it, form);
    while (g_hash_table_iter_next(&it, &name, &value))
        if (g_ascii_strncasecmp(name, "LMI_", 4) != 0)
            json_object_set_string_member(extra, name, value);
    json_object_set_object_member(inv, "extra", extra);
    json_object_set_object_member(wm_state_object(sb, "invoices"), invs_no, inv);
    sandbox_state_changed(sb);
    render_invoice(msg, invs_no, inv, NULL);
    g_free(configured);
    g_free(invs_no);
    g_free(desc);
}

static void confirm_invoice(SandboxServer *sb, SoupServerMessage *msg, GHashTable *form)
{
    const char *invs_no = form_field(form, "invoice");
    JsonObject *inv = invoice(sb, invs_no);
    if (inv == NULL) {
        error_page(msg, 404, "no such invoice");
        return;
    }
    if (strcmp(inv_string(inv, "state"), "open") != 0) {
        error_page(msg, 409, "this invoice is no longer open");
        return;
    }
    if (strcmp(form_field(form, "action"), "cancel") == 0) {
        fail_invoice(sb, invs_no, inv, "cancelled", -1, "the payer cancelled the payment");
        redirect_back(msg, invs_no, inv, FALSE);
        return;
    }
    const char *wmid = form_field(form, "payer_wmid"), *purse = form_field(form, "payer_purse");
    if (!wm_wmid_valid(wmid) || !wm_purse_valid(purse)) {
        render_invoice(msg, invs_no, inv,
                       "Give a WMID (12 digits) and a purse (a letter and 12 digits).");
        return;
    }
    const char *why = NULL;
    int refused = wm_check_debit(sb, wmid, purse, inv_string(inv, "payee_purse"),
                                 json_object_get_int_member(inv, "amount"), &why);
    if (refused != 0) {
        /* The payer may try another purse; X18 shows the failed try. */
        fail_invoice(sb, invs_no, inv, "open", refused, why);
        render_invoice(msg, invs_no, inv, why);
        return;
    }
    json_object_set_string_member(inv, "payer_wm", wmid);
    json_object_set_string_member(inv, "payer_purse", purse);
    const char *sim = inv_string(inv, "sim_mode");
    if (strcmp(sim, "1") == 0 || (strcmp(sim, "2") == 0 && g_random_int_range(0, 100) < 20)) {
        fail_invoice(sb, invs_no, inv, "failed", -100, "test mode: LMI_SIM_MODE made it fail");
        redirect_back(msg, invs_no, inv, FALSE);
        return;
    }
    if (*inv_string(inv, "result_url") == '\0')
        complete_payment(sb, msg, invs_no, inv);
    else
        send_prerequest(sb, msg, invs_no, inv);
}

void wm_page_handle(SandboxServer *sb, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);
    GHashTable *form = NULL;
    if (strcmp(method, "POST") == 0) {
        gsize len = 0;
        const char *body = sandbox_request_body(msg, &len);
        form = sandbox_form_decode(body, len);
    } else if (strcmp(method, "GET") == 0) {
        const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
        form = sandbox_form_decode(query != NULL ? query : "", query != NULL ? strlen(query) : 0);
    } else {
        sandbox_respond(msg, 405, "text/plain", "GET or POST\n", 12);
        return;
    }
    if (form == NULL) {
        error_page(msg, 400, "the form is not application/x-www-form-urlencoded");
        return;
    }
    if (strcmp(path, "/webmoney/pay/confirm") == 0) {
        if (strcmp(method, "POST") == 0)
            confirm_invoice(sb, msg, form);
        else
            error_page(msg, 405, "the payer's answer is posted");
    } else if (strcmp(path, "/webmoney/pay") == 0 ||
               strcmp(path, "/webmoney/lmi/payment_utf.asp") == 0 ||
               strcmp(path, "/webmoney/lmi/payment.asp") == 0) {
        open_invoice(sb, msg, form);
    } else {
        error_page(msg, 404, "no such page");
    }
    g_hash_table_unref(form);
}
