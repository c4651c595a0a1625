/* The buyer's pages of a checkout session (docs/checkout.md):
 *
 *   GET  /checkout/{id}          the order, the methods (cheapest first) and
 *                                the card form; or where the payment stands
 *   POST /checkout/{id}/card     pay by card (a plain form post: no script
 *                                needed), then back to the page (303)
 *   GET  /checkout/{id}/return   where the gateway's 3-D Secure page sends
 *                                the buyer: finish the payment, then the page
 *   GET  /checkout-assets/{file} the stylesheet and the script, compiled in
 *
 * Every amount comes from the stored session: the page's hidden fields are
 * only compared with it, and a difference is refused. Each attempt pays
 * under the session's attempt key (checkout_attempt_key), so a form sent
 * twice reaches the host with one key and is charged once. */
#include <string.h>

#include <tender/decline.h>

#include "checkout.h"

/* A session past its time takes no new payment, but the payment it has
 * (waiting on the bank, paid) can still be followed and finished. */
static gboolean expired_but_followed(Service *svc, const CheckoutSession *s)
{
    int attempt = -1;
    g_autofree char *payment_id = checkout_latest_payment(svc, s, &attempt, NULL);
    g_autoptr(TenderPayment) p = payment_id ? tender_host_get(svc->host, payment_id, NULL) : NULL;
    return p && checkout_payment_is_final_or_open(p);
}

/* The session of the request, or NULL with the 404 page (or the error
 * page when the ledger fails) written. paying: the request would start a
 * payment, which an expired session refuses. */
static CheckoutSession *session_or_page(Service *svc, ServiceRequest *req, ServiceResponse *resp,
                                        gboolean paying)
{
    GError *error = NULL;
    CheckoutSession *s = checkout_session_load(svc, req->path_arg, &error);
    if (error) {
        checkout_respond_message(resp, 503, checkout_page_lang(req, NULL), "title_error", "error");
        g_error_free(error);
        return NULL;
    }
    if (s == NULL || (checkout_session_expired(s) && (paying || !expired_but_followed(svc, s)))) {
        checkout_respond_message(resp, 404, checkout_page_lang(req, s), "title_not_found",
                                 "not_found");
        checkout_session_free(s);
        return NULL;
    }
    return s;
}

static char *page_url(const CheckoutSession *s, const char *suffix, const char *lang)
{
    return g_strdup_printf("/checkout/%s%s?lang=%s", s->id, suffix, lang);
}

/* ---- the page's parts ----------------------------------------------------------------------- */

static void render_order(GString *html, const CheckoutSession *s, const char *lang)
{
    const char *other = strcmp(lang, "zh") == 0 ? "en" : "zh";
    checkout_html_printf(html,
                         "<p class=\"lang\"><a href=\"/checkout/%s?lang=%s\" hreflang=\"%s\">%s</a>"
                         "</p>\n<h1>%s</h1>\n<p class=\"order\">%s: <strong id=\"order-total\">%s "
                         "%s</strong></p>\n",
                         s->id, other, other, checkout_text(lang, "language"),
                         checkout_text(lang, "title_checkout"), checkout_text(lang, "order_total"),
                         s->amount, s->currency);
}

static void render_field(GString *html, const char *lang, const char *name, const char *label_key,
                         const char *autocomplete, const char *inputmode, const char *value,
                         const char *error_key)
{
    checkout_html_printf(html, "<div class=\"field\">\n<label for=\"card-%s\">%s</label>\n", name,
                         checkout_text(lang, label_key));
    checkout_html_printf(html,
                         "<input id=\"card-%s\" name=\"%s\" autocomplete=\"%s\" inputmode=\"%s\" "
                         "value=\"%s\" aria-describedby=\"card-%s-error\"",
                         name, name, autocomplete, inputmode, value ? value : "", name);
    g_string_append(html, error_key ? " aria-invalid=\"true\">\n" : ">\n");
    checkout_html_printf(html, "<p class=\"error\" id=\"card-%s-error\">%s</p>\n</div>\n", name,
                         error_key ? checkout_text(lang, error_key) : "");
}

/* The card form. form (may be NULL) is what was sent, with its errors:
 * the number and the code are never sent back to the page. */
static void render_card_form(GString *html, const CheckoutSession *s, const char *lang,
                             const CardForm *form)
{
    g_autofree char *action = page_url(s, "/card", lang);
    checkout_html_printf(html,
                         "<section class=\"card\" aria-labelledby=\"card-heading\">\n"
                         "<h3 id=\"card-heading\">%s</h3>\n",
                         checkout_text(lang, "card_heading"));
    if (form)
        checkout_html_printf(html, "<p class=\"errors\" role=\"alert\">%s</p>\n",
                             checkout_text(lang, "errors_heading"));
    /* The script's messages travel in data attributes: no inline script,
     * and the page's language. */
    checkout_html_printf(
        html,
        "<form id=\"card-form\" method=\"post\" action=\"%s\" novalidate "
        "data-err-number-missing=\"%s\" data-err-number-length=\"%s\" data-err-number-luhn=\"%s\" "
        "data-err-number-chars=\"%s\" data-err-expiry-missing=\"%s\" "
        "data-err-expiry-invalid=\"%s\" "
        "data-err-expiry-past=\"%s\" data-err-cvc-missing=\"%s\" data-err-cvc-length=\"%s\">\n",
        action, checkout_text(lang, "err_number_missing"), checkout_text(lang, "err_number_length"),
        checkout_text(lang, "err_number_luhn"), checkout_text(lang, "err_number_chars"),
        checkout_text(lang, "err_expiry_missing"), checkout_text(lang, "err_expiry_invalid"),
        checkout_text(lang, "err_expiry_past"), checkout_text(lang, "err_cvc_missing"),
        checkout_text(lang, "err_cvc_length"));
    /* Echoes of the session for the shop's analytics and the script;
     * the server compares them with the session and refuses a change. */
    checkout_html_printf(html,
                         "<input type=\"hidden\" name=\"method\" value=\"card\">\n"
                         "<input type=\"hidden\" name=\"amount\" value=\"%s\">\n"
                         "<input type=\"hidden\" name=\"currency\" value=\"%s\">\n",
                         s->amount, s->currency);
    render_field(html, lang, "number", "card_number", "cc-number", "numeric", NULL,
                 form ? form->number_error : NULL);
    checkout_html_printf(html,
                         "<p class=\"brand\" id=\"card-brand\" aria-live=\"polite\" "
                         "data-label=\"%s\"></p>\n",
                         checkout_text(lang, "card_brand"));
    render_field(html, lang, "exp_month", "card_exp_month", "cc-exp-month", "numeric",
                 form ? form->exp_month : NULL, form ? form->expiry_error : NULL);
    render_field(html, lang, "exp_year", "card_exp_year", "cc-exp-year", "numeric",
                 form ? form->exp_year : NULL, form ? form->expiry_error : NULL);
    render_field(html, lang, "cvc", "card_cvc", "cc-csc", "numeric", NULL,
                 form ? form->cvc_error : NULL);
    render_field(html, lang, "holder", "card_holder", "cc-name", "text", form ? form->holder : NULL,
                 form ? form->holder_error : NULL);
    checkout_html_printf(html,
                         "<button type=\"submit\" id=\"pay\">%s %s %s</button>\n</form>\n"
                         "</section>\n",
                         checkout_text(lang, "pay"), s->amount, s->currency);
}

static const char *method_name(Service *svc, const char *lang, const char *id)
{
    if (strcmp(lang, "zh") == 0) {
        static const char *const zh[][2] = {{"card", "银行卡"},
                                            {"alipay", "支付宝"},
                                            {"paypal", "PayPal"},
                                            {"webmoney", "WebMoney"}};
        for (gsize i = 0; i < G_N_ELEMENTS(zh); i++)
            if (strcmp(zh[i][0], id) == 0)
                return zh[i][1];
    }
    const TenderMethodInfo *m = tender_host_method(svc->host, id);
    return m && m->name ? m->name : id;
}

/* The parameters the page can give a method by itself: where the payer
 * comes back to. */
static gboolean page_supplies(const char *param)
{
    return strcmp(param, "return_url") == 0 || strcmp(param, "cancel_url") == 0;
}

/* A method other than the card the page can pay: every parameter it
 * requires is one the page supplies or one the page asks the buyer for
 * (WebMoney's purse and WMID, checkout-wallet.c). */
static gboolean payable_on_page(Service *svc, const char *method_id)
{
    const TenderMethodInfo *m = tender_host_method(svc->host, method_id);
    if (m == NULL || strcmp(method_id, "card") == 0)
        return FALSE;
    for (guint i = 0; m->params && i < m->params->len; i++) {
        const TenderParamInfo *param = g_ptr_array_index(m->params, i);
        if ((param->flags & TENDER_PARAM_REQUIRED) && !page_supplies(param->name) &&
            !checkout_wallet_asks(method_id, param->name))
            return FALSE;
    }
    return TRUE;
}

/* The method's form: a button, after the fields the buyer must fill in
 * for a wallet (wallet: what was sent, with its errors, or NULL). */
static void render_pay_button(Service *svc, GString *html, const CheckoutSession *s,
                              const char *lang, const char *method, const WalletForm *wallet)
{
    g_autofree char *action = page_url(s, "/pay", lang);
    gboolean fields = checkout_wallet_has_fields(method);
    checkout_html_printf(html,
                         "<form class=\"pay-method%s\" id=\"form-%s\" method=\"post\" "
                         "action=\"%s\" novalidate>\n"
                         "<input type=\"hidden\" name=\"method\" value=\"%s\">\n"
                         "<input type=\"hidden\" name=\"amount\" value=\"%s\">\n"
                         "<input type=\"hidden\" name=\"currency\" value=\"%s\">\n",
                         fields ? " wallet" : "", method, action, method, s->amount, s->currency);
    if (fields) {
        if (wallet && wallet->method && strcmp(wallet->method, method) == 0)
            checkout_html_printf(html, "<p class=\"errors\" role=\"alert\">%s</p>\n",
                                 checkout_text(lang, "errors_heading"));
        checkout_wallet_render_fields(html, lang, method, s->currency, wallet);
    }
    checkout_html_printf(html, "<button type=\"submit\" id=\"pay-%s\">%s %s</button>\n</form>\n",
                         method, checkout_text(lang, "pay_with"), method_name(svc, lang, method));
}

/* The quote: offered methods cheapest first (the host's order) with fee
 * and total, the card form under the card; then the others with why. */
static void render_methods(Service *svc, GString *html, const CheckoutSession *s, const char *lang,
                           const CardForm *form, const WalletForm *wallet)
{
    TenderBuyer buyer = {.struct_size = sizeof buyer,
                         .region = s->region,
                         .currency = s->currency,
                         .amount = s->amount,
                         .account = s->account,
                         .tier = s->tier};
    g_autoptr(GPtrArray) quotes = tender_host_quote(svc->host, &buyer, NULL);
    if (quotes == NULL)
        return;
    checkout_html_printf(html, "<h2>%s</h2>\n<ol class=\"methods\">\n",
                         checkout_text(lang, "methods_offered"));
    for (guint i = 0; i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        if (!q->offered)
            continue;
        /* The buyer is charged the order amount (converted when the method
         * takes another currency), never a surcharge: the policy's fee is
         * the shop's cost of the method (docs/decisions.md, "The buyer pays
         * the order amount"). So the total shown is what tender_host_pay
         * charges, to the cent. */
        g_autofree char *total = checkout_format_minor(q->amount, q->exponent);
        checkout_html_printf(
            html,
            "<li class=\"method\" data-method=\"%s\">\n<h3 class=\"name\">%s</h3>\n"
            "<p class=\"cost\">%s: <span class=\"fee\">%s</span> · %s: "
            "<span class=\"total\">%s %s</span></p>\n",
            q->method, method_name(svc, lang, q->method), checkout_text(lang, "fee"),
            checkout_text(lang, "fee_none"), checkout_text(lang, "total"), total, q->currency);
        if (q->exchange)
            checkout_html_printf(html, "<p class=\"exchange\">%s: %s</p>\n",
                                 checkout_text(lang, "exchange"), q->exchange);
        if (strcmp(q->method, "card") == 0)
            render_card_form(html, s, lang, form);
        else if (payable_on_page(svc, q->method))
            render_pay_button(svc, html, s, lang, q->method, wallet);
        else
            checkout_html_printf(html, "<p class=\"unavailable\">%s</p>\n",
                                 checkout_text(lang, "method_not_on_page"));
        g_string_append(html, "</li>\n");
    }
    g_string_append(html, "</ol>\n");
    gboolean any = FALSE;
    for (guint i = 0; i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        if (q->offered)
            continue;
        if (!any)
            checkout_html_printf(html, "<h2>%s</h2>\n<ul class=\"not-offered\">\n",
                                 checkout_text(lang, "methods_not_offered"));
        any = TRUE;
        int code = tender_decline_from_name(q->reason_code);
        const char *why = strcmp(lang, "zh") == 0 && code > 0
                              ? checkout_advice_text(lang, (guint32)code)
                              : q->reason;
        checkout_html_printf(
            html,
            "<li class=\"method\" data-method=\"%s\"><span class=\"name\">%s</span>"
            " — <span class=\"reason\">%s</span></li>\n",
            q->method, method_name(svc, lang, q->method), why ? why : "");
    }
    if (any)
        g_string_append(html, "</ul>\n");
}

static void render_decline(GString *html, const TenderPayment *p, const char *lang)
{
    const tender_decline_info *d = tender_decline_lookup(p->decline_code);
    checkout_html_printf(
        html,
        "<section class=\"declined\" role=\"alert\" aria-labelledby=\"declined\">\n"
        "<h2 id=\"declined\">%s</h2>\n<p>%s</p>\n"
        "<p class=\"advice\" data-code=\"%s\">%s</p>\n<h3>%s</h3>\n"
        "<p class=\"forward\">%s</p>\n</section>\n",
        checkout_text(lang, "title_declined"), checkout_text(lang, "declined_intro"), d->name,
        checkout_advice_text(lang, p->decline_code), checkout_text(lang, "forward_heading"),
        checkout_text(lang, checkout_forward_key(p->decline_code)));
}

static char *return_link(const CheckoutSession *s)
{
    return g_strdup_printf("%s%ccheckout_session=%s", s->return_url,
                           strchr(s->return_url, '?') ? '&' : '?', s->id);
}

static void respond_success(ServiceResponse *resp, const CheckoutSession *s, const TenderPayment *p,
                            const char *lang)
{
    GString *html = g_string_new(NULL);
    const char *title = checkout_text(lang, "title_success");
    checkout_html_begin(html, lang, title);
    /* What the provider charged: the payment's amount (the policy fee is
     * the quote's, not added to the charge). */
    g_autofree char *paid = checkout_format_minor(p->amount, p->exponent);
    g_autofree char *back = return_link(s);
    checkout_html_printf(html,
                         "<h1 class=\"outcome success\">%s</h1>\n<p>%s <strong id=\"paid\">%s "
                         "%s</strong></p>\n",
                         title, checkout_text(lang, "success_paid"), paid, p->currency);
    if (p->last4)
        checkout_html_printf(html, "<p>%s: %s •••• %s</p>\n", checkout_text(lang, "success_card"),
                             p->brand ? p->brand : "", p->last4);
    checkout_html_printf(html,
                         "<p>%s: <code id=\"payment-id\">%s</code></p>\n"
                         "<p><a class=\"button\" href=\"%s\">%s</a></p>\n",
                         checkout_text(lang, "success_reference"), p->id, back,
                         checkout_text(lang, "return_to_shop"));
    checkout_html_end(html);
    checkout_respond_html(resp, 200, html);
}

/* An http(s) link the payer can open instead of scanning: the action's
 * data when it is one, else a "redirect_url=" line of the details. */
static char *qr_alternative(const TenderPayment *p)
{
    if (p->action_data && (g_str_has_prefix(p->action_data, "https://") ||
                           g_str_has_prefix(p->action_data, "http://")))
        return g_strdup(p->action_data);
    g_auto(GStrv) lines = g_strsplit(p->details ? p->details : "", "\n", -1);
    for (gsize i = 0; lines[i]; i++)
        if (g_str_has_prefix(lines[i], "redirect_url=http"))
            return g_strdup(lines[i] + strlen("redirect_url="));
    return NULL;
}

static void respond_action(ServiceResponse *resp, const CheckoutSession *s, const TenderPayment *p,
                           const char *lang)
{
    GString *html = g_string_new(NULL);
    gboolean qr = p->action_kind == TENDER_ACTION_QR_CODE && p->action_data;
    /* A card's action is the issuer's check; another method's, its
     * provider's page (PayPal's approval…). */
    gboolean bank = strcmp(p->method, "card") == 0;
    const char *title = checkout_text(lang, qr     ? "title_qr"
                                            : bank ? "title_action"
                                                   : "title_action_provider");
    checkout_html_begin(html, lang, title);
    checkout_html_printf(html, "<h1>%s</h1>\n<p>%s</p>\n", title,
                         checkout_text(lang, qr     ? "qr"
                                             : bank ? "action"
                                                    : "action_provider"));
    if (p->action_kind == TENDER_ACTION_REDIRECT && p->action_data)
        checkout_html_printf(
            html, "<p><a class=\"button\" id=\"continue\" href=\"%s\">%s</a></p>\n", p->action_data,
            checkout_text(lang, bank ? "action_continue" : "action_continue_provider"));
    if (qr && checkout_qr_svg(html, p->action_data, checkout_text(lang, "qr_label"))) {
        if (p->action_hint)
            checkout_html_printf(html, "<p class=\"hint\">%s</p>\n", p->action_hint);
        g_autofree char *alternative = qr_alternative(p);
        if (alternative)
            checkout_html_printf(html,
                                 "<p><a class=\"button\" id=\"continue\" href=\"%s\">%s</a></p>\n",
                                 alternative, checkout_text(lang, "qr_open"));
    }
    /* The script asks the status route and reloads once the payment has
     * moved on (the provider's notification landed); without script, the
     * link does the same. */
    g_autofree char *status_url = page_url(s, "/status", lang);
    g_autofree char *page = page_url(s, "", lang);
    checkout_html_printf(html,
                         "<p id=\"poll\" data-status-url=\"%s\" aria-live=\"polite\">"
                         "<a href=\"%s\">%s</a></p>\n",
                         status_url, page, checkout_text(lang, "check_again"));
    checkout_html_end(html);
    checkout_respond_html(resp, 200, html);
}

/* The page for where the session stands: paid, waiting for the payer's
 * action or the provider, or open (with the last decline, if any). */
static void respond_page(Service *svc, ServiceRequest *req, ServiceResponse *resp,
                         const CheckoutSession *s, const CardForm *form, const WalletForm *wallet)
{
    const char *lang = checkout_page_lang(req, s);
    GError *error = NULL;
    int attempt = -1;
    g_autofree char *payment_id = checkout_latest_payment(svc, s, &attempt, &error);
    if (error) {
        g_error_free(error);
        checkout_respond_message(resp, 503, lang, "title_error", "error");
        return;
    }
    g_autoptr(TenderPayment) p = payment_id ? tender_host_get(svc->host, payment_id, NULL) : NULL;
    if (p && checkout_payment_is_final_or_open(p)) {
        if (p->status == TENDER_STATUS_REQUIRES_ACTION)
            respond_action(resp, s, p, lang);
        else if (p->status == TENDER_STATUS_PENDING || p->status == TENDER_STATUS_UNKNOWN)
            checkout_respond_message(resp, 200, lang, "title_pending", "pending");
        else
            respond_success(resp, s, p, lang);
        return;
    }
    if (attempt + 1 >= CHECKOUT_MAX_ATTEMPTS) {
        checkout_respond_message(resp, 200, lang, "title_declined", "too_many_attempts");
        return;
    }
    GString *html = g_string_new(NULL);
    checkout_html_begin(html, lang, checkout_text(lang, "title_checkout"));
    render_order(html, s, lang);
    if (p && p->decline_code && form == NULL && wallet == NULL)
        render_decline(html, p, lang);
    render_methods(svc, html, s, lang, form, wallet);
    checkout_html_end(html);
    checkout_respond_html(resp, form || wallet ? 400 : 200, html);
}

void routes_checkout_page(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    g_autoptr(CheckoutSession) s = session_or_page(svc, req, resp, FALSE);
    if (s)
        respond_page(svc, req, resp, s, NULL, NULL);
}

/* ---- paying by card ------------------------------------------------------------------------- */

/* The hidden fields must say what the session says: the amount charged is
 * the session's whatever they say, but a page that sends another amount
 * was tampered with and the buyer must not believe it paid that. */
static gboolean form_matches_session(GHashTable *form, const CheckoutSession *s,
                                     const char *expected_method)
{
    const char *method = g_hash_table_lookup(form, "method");
    const char *amount = g_hash_table_lookup(form, "amount");
    const char *currency = g_hash_table_lookup(form, "currency");
    return method && (expected_method == NULL || strcmp(method, expected_method) == 0) && amount &&
           strcmp(amount, s->amount) == 0 && currency && strcmp(currency, s->currency) == 0;
}

/* Pay the session with method as the next attempt (see the file's
 * comment), then send the browser on: to the provider's page when the
 * payer must act there, else back to the page. */
static void pay_attempt(Service *svc, ServiceRequest *req, ServiceResponse *resp,
                        const CheckoutSession *s, const char *method, const tender_param *params,
                        gsize n_params)
{
    const char *lang = checkout_page_lang(req, s);
    g_autofree char *page = page_url(s, "", lang);
    GError *error = NULL;
    int attempt = -1;
    g_autofree char *last_id = checkout_latest_payment(svc, s, &attempt, &error);
    if (error) {
        g_error_free(error);
        checkout_respond_message(resp, 503, lang, "title_error", "error");
        return;
    }
    g_autoptr(TenderPayment) last = last_id ? tender_host_get(svc->host, last_id, NULL) : NULL;
    /* Paid, or waiting on the bank: a second form shows where it stands
     * instead of paying again. */
    if ((last && checkout_payment_is_final_or_open(last)) || attempt + 1 >= CHECKOUT_MAX_ATTEMPTS) {
        checkout_respond_redirect(resp, page);
        return;
    }
    int next = attempt + 1;
    g_autofree char *key = checkout_attempt_key(s, next);
    TenderPayRequest r = {.struct_size = sizeof r,
                          .method = method,
                          .region = s->region,
                          .currency = s->currency,
                          .amount = s->amount,
                          .account = s->account,
                          .tier = s->tier,
                          .idempotency_key = key,
                          .params = params,
                          .n_params = n_params,
                          .capture = s->capture};
    g_autoptr(TenderPayment) p = tender_host_pay(svc->host, &r, &error);
    if (p == NULL) {
        gboolean conflict = g_error_matches(error, TENDER_ERROR, TENDER_ERROR_IDEMPOTENCY_CONFLICT);
        service_log("warning", "checkout payment failed", "request_id", req->request_id, "session",
                    s->id, "error", error->message, NULL);
        g_error_free(error);
        if (conflict)
            checkout_respond_message(resp, 409, lang, "title_busy", "busy");
        else
            checkout_respond_message(resp, 500, lang, "title_error", "error");
        return;
    }
    metrics_count_payment(svc->metrics, method, tender_status_to_string(p->status));
    if (!checkout_record_payment(svc, s, next, p->id, &error)) {
        /* The payment stands; a retry of the form pays under the same key
         * and finds it, so nothing is charged twice. */
        g_error_free(error);
        checkout_respond_message(resp, 503, lang, "title_error", "error");
        return;
    }
    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_kind == TENDER_ACTION_REDIRECT &&
        p->action_data)
        checkout_respond_redirect(resp, p->action_data);
    else
        checkout_respond_redirect(resp, page);
}

static char *return_url(const ServiceRequest *req, const CheckoutSession *s)
{
    g_autofree char *base = checkout_base_url(req);
    return g_strdup_printf("%s/checkout/%s/return", base, s->id);
}

static void pay_by_card(Service *svc, ServiceRequest *req, ServiceResponse *resp,
                        const CheckoutSession *s, CardForm *card)
{
    g_autofree char *back = return_url(req, s);
    tender_param params[] = {{"number", card->number},     {"exp_month", card->exp_month},
                             {"exp_year", card->exp_year}, {"cvc", card->cvc},
                             {"holder", card->holder},     {"return_url", back}};
    pay_attempt(svc, req, resp, s, "card", params, G_N_ELEMENTS(params));
}

void routes_checkout_card(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    g_autoptr(CheckoutSession) s = session_or_page(svc, req, resp, TRUE);
    if (s == NULL)
        return;
    const char *lang = checkout_page_lang(req, s);
    GHashTable *form = checkout_form_decode(req);
    if (!form_matches_session(form, s, "card")) {
        checkout_form_free(form);
        checkout_respond_message(resp, 400, lang, "title_tampered", "tampered");
        return;
    }
    CardForm card;
    gboolean ok = card_form_check(&card, form, g_get_real_time() / 1000);
    checkout_form_free(form);
    if (ok)
        pay_by_card(svc, req, resp, s, &card);
    else
        respond_page(svc, req, resp, s, &card, NULL);
    card_form_clear(&card);
}

/* Pay with a method other than the card: one that needs nothing typed
 * (Alipay, PayPal…) or a wallet whose account the buyer gave (WebMoney's
 * purse and WMID, checked first: a mistake is the field's error in the
 * page, and nothing reaches the plugin). The provider's redirect or QR
 * action follows. */
void routes_checkout_pay(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    g_autoptr(CheckoutSession) s = session_or_page(svc, req, resp, TRUE);
    if (s == NULL)
        return;
    const char *lang = checkout_page_lang(req, s);
    GHashTable *form = checkout_form_decode(req);
    g_autofree char *method = g_strdup(g_hash_table_lookup(form, "method"));
    gboolean matches = form_matches_session(form, s, NULL);
    if (!matches || method == NULL || !payable_on_page(svc, method)) {
        checkout_form_free(form);
        checkout_respond_message(resp, 400, lang, "title_tampered", "tampered");
        return;
    }
    WalletForm wallet = {0};
    gboolean fields_ok = checkout_wallet_form_check(&wallet, method, form, s->currency);
    checkout_form_free(form);
    if (!fields_ok) {
        respond_page(svc, req, resp, s, NULL, &wallet);
        checkout_wallet_form_clear(&wallet);
        return;
    }
    g_autofree char *back = return_url(req, s);
    g_autofree char *page = g_strdup_printf("%s%s", back, "?cancelled=1");
    const TenderMethodInfo *m = tender_host_method(svc->host, method);
    GArray *params = g_array_new(FALSE, TRUE, sizeof(tender_param));
    for (guint i = 0; m->params && i < m->params->len; i++) {
        const TenderParamInfo *info = g_ptr_array_index(m->params, i);
        tender_param p = {info->name, NULL};
        if (strcmp(info->name, "return_url") == 0)
            p.value = back;
        else if (strcmp(info->name, "cancel_url") == 0)
            p.value = page;
        else
            p.value = checkout_wallet_value(&wallet, info->name);
        if (p.value)
            g_array_append_val(params, p);
    }
    pay_attempt(svc, req, resp, s, method, (const tender_param *)params->data, params->len);
    g_array_unref(params);
    checkout_wallet_form_clear(&wallet);
}

/* What the page's script polls while the payer acts elsewhere (a QR code
 * scanned on a phone): the latest payment's status. */
void routes_checkout_status(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    GError *error = NULL;
    g_autoptr(CheckoutSession) s = checkout_session_load(svc, req->path_arg, &error);
    if (s == NULL) {
        if (error)
            service_error_from_gerror(resp, error, NULL);
        else
            service_error(resp, 404, "invalid_request_error", "resource_missing",
                          "no such checkout session", "id", NULL);
        g_clear_error(&error);
        return;
    }
    int attempt = -1;
    g_autofree char *payment_id = checkout_latest_payment(svc, s, &attempt, NULL);
    g_autoptr(TenderPayment) p = payment_id ? tender_host_get(svc->host, payment_id, NULL) : NULL;
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "status", p ? tender_status_to_string(p->status) : "open");
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    service_response_json(resp, 200, node);
    service_response_add_header(resp, "Cache-Control", "no-store");
}

/* Methods whose page payment is settled by the provider's signed result
 * (the notification), never by the buyer's return: WebMoney's
 * complete_action finishes only a protected transfer, with its code, and
 * would refuse a page payment. Their return asks the provider (sync). */
static gboolean settled_by_provider(const char *method)
{
    return strcmp(method, "webmoney") == 0;
}

/* What the return URL tells complete_action: the fields the provider put
 * in it that the method declares (PayPal's token and PayerID), and
 * payer_action=cancel when the buyer came back through cancel_url
 * (?cancelled=1) and the method takes it. Never a sensitive parameter or a
 * sandbox's stand-in for the payer, whatever the address says. */
static GArray *return_params(Service *svc, const ServiceRequest *req, const char *method)
{
    GArray *params = g_array_new(FALSE, TRUE, sizeof(tender_param));
    const TenderMethodInfo *m = tender_host_method(svc->host, method);
    const char *cancelled = req->query ? g_hash_table_lookup(req->query, "cancelled") : NULL;
    for (guint i = 0; m && m->action_params && i < m->action_params->len; i++) {
        const TenderParamInfo *info = g_ptr_array_index(m->action_params, i);
        tender_param p = {info->name, NULL};
        if (strcmp(info->name, "payer_action") == 0)
            p.value = cancelled && strcmp(cancelled, "1") == 0 ? "cancel" : NULL;
        else if (!(info->flags & TENDER_PARAM_SENSITIVE) &&
                 !g_str_has_prefix(info->name, "sandbox_") && req->query)
            p.value = g_hash_table_lookup(req->query, info->name);
        if (p.value)
            g_array_append_val(params, p);
    }
    return params;
}

/* The provider's page sends the buyer back here: ask the plugin what came
 * of the action, then show the page (303, so a reload asks nothing
 * twice). */
void routes_checkout_return(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    g_autoptr(CheckoutSession) s = session_or_page(svc, req, resp, FALSE);
    if (s == NULL)
        return;
    const char *lang = checkout_page_lang(req, s);
    int attempt = -1;
    g_autofree char *payment_id = checkout_latest_payment(svc, s, &attempt, NULL);
    g_autoptr(TenderPayment) p = payment_id ? tender_host_get(svc->host, payment_id, NULL) : NULL;
    if (p && p->status == TENDER_STATUS_REQUIRES_ACTION) {
        GError *error = NULL;
        TenderPayment *done = NULL;
        if (settled_by_provider(p->method)) {
            done = tender_host_sync(svc->host, p->id, &error);
        } else {
            GArray *params = return_params(svc, req, p->method);
            done = tender_host_complete(svc->host, p->id, (const tender_param *)params->data,
                                        params->len, &error);
            g_array_unref(params);
        }
        if (done == NULL) {
            /* Another request finished it first, or the provider did not
             * answer: the page shows whatever the payment is now. */
            service_log("info", "checkout return: the payment could not be finished", "request_id",
                        req->request_id, "payment", p->id, "error", error->message, NULL);
            g_error_free(error);
        }
        tender_payment_free(done);
    }
    g_autofree char *page = page_url(s, "", lang);
    checkout_respond_redirect(resp, page);
}

/* ---- assets ------------------------------------------------------------------------------------ */

void routes_checkout_asset(Service *svc, ServiceRequest *req, ServiceResponse *resp)
{
    (void)svc;
    static const char *const types[][2] = {{"checkout.js", "text/javascript; charset=utf-8"},
                                           {"checkout.css", "text/css; charset=utf-8"}};
    for (gsize i = 0; i < G_N_ELEMENTS(types); i++) {
        if (strcmp(req->path_arg, types[i][0]) != 0)
            continue;
        g_autofree char *path = g_strdup_printf("/org/tender/tenderd/pages/%s", types[i][0]);
        GBytes *bytes = g_resources_lookup_data(path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        if (bytes == NULL)
            break;
        resp->status = 200;
        resp->content_type = g_strdup(types[i][1]);
        resp->body = bytes;
        service_response_add_header(resp, "X-Content-Type-Options", "nosniff");
        service_response_add_header(resp, "Cache-Control", "no-cache");
        return;
    }
    service_error(resp, 404, "invalid_request_error", "route_unknown", "no such asset", NULL, NULL);
}
