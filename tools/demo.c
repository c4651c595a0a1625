/* `tender demo`: a buyer walks through every bundled method end to end,
 * through the same host API any host uses, against a tender-sandbox it
 * starts on an ephemeral loopback port and stops at the end (with the config
 * that sandbox wrote; an explicit --config is used as it is, with no
 * sandbox started, since it says where the providers are):
 *  - quotes for a buyer in the US and one in China;
 *  - a card payment with a 3-D Secure challenge, captured;
 *  - a declined card, with the advice the buyer sees;
 *  - an Alipay QR payment paid at the sandbox's cashier by a test buyer,
 *    confirmed by a trade query, refunded in part;
 *  - a PayPal authorization, approved, captured in part and refunded;
 *  - a WebMoney payment on the payment page (the demo plays the payer),
 *    confirmed with X18, and a protected transfer the payer sends,
 *    released by its protection code;
 *  - a payment refused by a passport limit.
 * The ledger is in memory unless --ledger names one. */
#include <stdio.h>
#include <string.h>

#include <libsoup/soup.h>

#include <tender/decline.h>

#include "cli.h"
#include "demo-sandbox.h"
#include "demo-webmoney.h"
#include "http-message.h"

typedef struct {
    TenderHost *host;
    int failures;
    char exp_year[8];
} Demo;

static void heading(const char *text)
{
    printf("\n== %s\n", text);
}

static void say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("   ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static void show_payment(const TenderPayment *p)
{
    g_autofree char *amount = tender_money_format(p->amount, p->currency, p->exponent);
    g_autofree char *captured = tender_money_format(p->captured, p->currency, p->exponent);
    g_autofree char *refunded = tender_money_format(p->refunded, p->currency, p->exponent);
    say("payment %s (%s): %s %s, status %s; captured %s, refunded %s", p->id, p->method, amount,
        p->currency, tender_status_to_string(p->status), captured, refunded);
    if (p->first6 && p->last4)
        say("card: %s %s******%s%s%s", p->brand ? p->brand : "", p->first6, p->last4,
            p->issuer_country ? ", issued in " : "", p->issuer_country ? p->issuer_country : "");
    else if (p->display_account)
        say("paid with: %s %s", p->brand ? p->brand : "", p->display_account);
    if (p->status == TENDER_STATUS_REQUIRES_ACTION && p->action_data)
        say("the payer must act: %s", p->action_hint ? p->action_hint : p->action_data);
    if (p->decline_code) {
        const tender_decline_info *d = tender_decline_lookup(p->decline_code);
        say("declined: %s (raw %s) — %s", d->name, p->decline_raw_code ? p->decline_raw_code : "-",
            p->decline_message ? p->decline_message : "");
        say("what the buyer is told: %s", d->advice_text);
    }
}

/* Report a step's result; a failed step is counted and the demo goes on. */
static TenderPayment *step(Demo *demo, const char *what, TenderPayment *p, GError *error,
                           TenderStatus expected)
{
    if (p == NULL) {
        printf("   !! %s failed: %s\n", what, error ? error->message : "unknown error");
        g_clear_error(&error);
        demo->failures++;
        return NULL;
    }
    show_payment(p);
    if (p->status != expected) {
        printf("   !! %s: expected status %s\n", what, tender_status_to_string(expected));
        demo->failures++;
    }
    return p;
}

static TenderPayment *pay(Demo *demo, const char *what, TenderPayRequest *r, TenderStatus expected)
{
    GError *error = NULL;
    TenderPayment *p = tender_host_pay(demo->host, r, &error);
    return step(demo, what, p, error, expected);
}

static void quote(Demo *demo, const char *region, const char *currency, const char *amount)
{
    TenderBuyer buyer = {sizeof(TenderBuyer), region, currency, amount, NULL, NULL};
    GError *error = NULL;
    GPtrArray *quotes = tender_host_quote(demo->host, &buyer, &error);
    if (quotes == NULL) {
        printf("   !! quote failed: %s\n", error->message);
        g_error_free(error);
        demo->failures++;
        return;
    }
    say("a buyer in %s paying %s %s may use:", region, amount, currency);
    for (guint i = 0; i < quotes->len; i++) {
        const TenderQuote *q = g_ptr_array_index(quotes, i);
        if (q->offered) {
            g_autofree char *total = tender_money_format(q->total, q->currency, q->exponent);
            g_autofree char *fee = tender_money_format(q->fee, q->currency, q->exponent);
            say("  + %-9s %s %s (fee %s)%s%s", q->method, total, q->currency, fee,
                q->exchange ? ", " : "", q->exchange ? q->exchange : "");
        } else {
            say("  - %-9s not offered: %s", q->method, q->reason);
        }
    }
    g_ptr_array_unref(quotes);
}

/* POST a form to a provider's page as the payer's browser does (redirects
 * not followed); the HTTP status, 0 when none came. */
static guint post_page_form(const char *page_url, const char *form)
{
    SoupSession *session = soup_session_new_with_options("timeout", 10, NULL);
    SoupMessage *msg = soup_message_new("POST", page_url);
    if (msg == NULL) {
        g_object_unref(session);
        return 0;
    }
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    GBytes *bytes = g_bytes_new(form, strlen(form));
    soup_message_set_request_body_from_bytes(msg, "application/x-www-form-urlencoded", bytes);
    g_bytes_unref(bytes);
    GBytes *reply = soup_session_send_and_read(session, msg, NULL, NULL);
    guint status = soup_message_get_status(msg);
    if (reply)
        g_bytes_unref(reply);
    g_object_unref(msg);
    g_object_unref(session);
    return status;
}

/* The buyer's browser on the gateway's 3-D Secure page: POST the one-time
 * code to the page the action names, as its form does. TRUE when the page
 * took it (a redirect back, or its "done" page). */
static gboolean submit_challenge_code(const char *page_url, const char *code)
{
    g_autofree char *form = soup_form_encode("code", code, NULL);
    guint status = post_page_form(page_url, form);
    return status == 303 || status == 302 || status == 200;
}

static void card_flows(Demo *demo)
{
    heading("Card: 3-D Secure challenge, then capture");
    tender_param params[] = {{"number", "4000000000003220"},
                             {"exp_month", "12"},
                             {"exp_year", demo->exp_year},
                             {"cvc", "737"},
                             {"holder", "Ada Buyer"}};
    TenderPayRequest r = {
        sizeof(TenderPayRequest), "card", "US", "USD", "120.00", "buyer-ada", NULL, NULL, params,
        G_N_ELEMENTS(params),     FALSE};
    g_autoptr(TenderPayment) p = pay(demo, "card authorize", &r, TENDER_STATUS_REQUIRES_ACTION);
    if (p) {
        say("the buyer's bank page asks for a one-time code; the buyer enters 123456 (the "
            "sandbox's code)");
        if (!p->action_data || !submit_challenge_code(p->action_data, "123456")) {
            printf("   !! the 3-D Secure page %s did not take the code\n",
                   p->action_data ? p->action_data : "(none)");
            demo->failures++;
        }
        GError *error = NULL;
        TenderPayment *done = tender_host_complete(demo->host, p->id, NULL, 0, &error);
        g_autoptr(TenderPayment) authorized =
            step(demo, "3-D Secure", done, error, TENDER_STATUS_AUTHORIZED);
        if (authorized) {
            say("the merchant ships and captures the full amount");
            TenderPayment *c = tender_host_capture(demo->host, p->id, NULL, NULL, &error);
            tender_payment_free(step(demo, "capture", c, error, TENDER_STATUS_CAPTURED));
        }
    }

    heading("Card: declined for insufficient funds");
    tender_param declined[] = {{"number", "4000000000009995"},
                               {"exp_month", "12"},
                               {"exp_year", demo->exp_year},
                               {"cvc", "737"}};
    TenderPayRequest d = {
        sizeof(TenderPayRequest), "card", "US", "USD", "45.00", "buyer-ada", NULL, NULL, declined,
        G_N_ELEMENTS(declined),   FALSE};
    tender_payment_free(pay(demo, "declined card", &d, TENDER_STATUS_DECLINED));
}

/* The buyer at Alipay's cashier (tender-sandbox's page that the QR code
 * opens): log in as a sandbox test buyer and pay from the wallet, as the
 * page's form does. TRUE when the cashier took the payment. */
static gboolean pay_at_cashier(const char *cashier_url, const char *logon_id)
{
    g_autofree char *form = soup_form_encode("logon_id", logon_id, "password", "111111", NULL);
    guint status = post_page_form(cashier_url, form);
    return status == 200 || status == 303;
}

static void alipay_flow(Demo *demo)
{
    heading("Alipay: QR code, paid at Alipay's cashier, confirmed by a query, refunded in part");
    tender_param params[] = {{"subject", "Tea set"}};
    TenderPayRequest r = {sizeof(TenderPayRequest),
                          "alipay",
                          "CN",
                          "CNY",
                          "388.00",
                          "buyer-li",
                          "class_ii",
                          NULL,
                          params,
                          G_N_ELEMENTS(params),
                          TRUE};
    g_autoptr(TenderPayment) p = pay(demo, "alipay purchase", &r, TENDER_STATUS_REQUIRES_ACTION);
    if (p == NULL)
        return;
    say("QR payload for the buyer's Alipay app: %s", p->action_data ? p->action_data : "");
    say("the buyer scans it and pays as buyer-ii@sandbox.alipay.test (a sandbox test buyer)");
    if (!p->action_data || !pay_at_cashier(p->action_data, "buyer-ii@sandbox.alipay.test")) {
        printf("   !! the cashier %s did not take the payment\n",
               p->action_data ? p->action_data : "(none)");
        demo->failures++;
        return;
    }
    say("the shop asks Alipay (alipay.trade.query) rather than wait for the notification");
    GError *error = NULL;
    g_autoptr(TenderPayment) paid = step(demo, "alipay paid",
                                         tender_host_sync(demo->host, p->id, &error), error,
                                         TENDER_STATUS_CAPTURED);
    if (paid == NULL)
        return;
    say("the buyer returns a cup: refund 88.00 (alipay.trade.refund, its own out_request_no)");
    tender_payment_free(step(demo, "alipay refund",
                             tender_host_refund(demo->host, p->id, "88.00", NULL, &error), error,
                             TENDER_STATUS_PARTIALLY_REFUNDED));
}

static void paypal_flow(Demo *demo)
{
    heading("PayPal: authorization approved by the payer, captured in part, refunded");
    tender_param params[] = {{"intent", "AUTHORIZE"}};
    TenderPayRequest r = {sizeof(TenderPayRequest),
                          "paypal",
                          "DE",
                          "EUR",
                          "200.00",
                          "buyer-greta",
                          NULL,
                          NULL,
                          params,
                          G_N_ELEMENTS(params),
                          FALSE};
    g_autoptr(TenderPayment) p = pay(demo, "paypal order", &r, TENDER_STATUS_REQUIRES_ACTION);
    if (p == NULL)
        return;
    say("the payer approves at PayPal and returns to the shop");
    tender_param approve[] = {{"payer_action", "approve"}};
    GError *error = NULL;
    g_autoptr(TenderPayment) a =
        step(demo, "approval", tender_host_complete(demo->host, p->id, approve, 1, &error), error,
             TENDER_STATUS_AUTHORIZED);
    if (a == NULL)
        return;
    say("one item is out of stock: capture 150.00 of 200.00");
    g_autoptr(TenderPayment) c = step(
        demo, "partial capture", tender_host_capture(demo->host, p->id, "150.00", NULL, &error),
        error, TENDER_STATUS_PARTIALLY_CAPTURED);
    if (c == NULL)
        return;
    say("the buyer returns one item: refund 50.00");
    tender_payment_free(step(demo, "refund",
                             tender_host_refund(demo->host, p->id, "50.00", NULL, &error), error,
                             TENDER_STATUS_PARTIALLY_REFUNDED));
}

static void webmoney_flows(Demo *demo)
{
    heading("WebMoney: paid on the payment page, confirmed with X18");
    tender_param page_params[] = {{"purse", DEMO_WM_PAYER_PURSE},
                                  {"wmid", DEMO_WM_PAYER_WMID},
                                  {"description", "Demo order"}};
    TenderPayRequest page = {sizeof(TenderPayRequest),
                             "webmoney",
                             "US",
                             "USD",
                             "10.50",
                             "buyer-wm",
                             "personal",
                             NULL,
                             page_params,
                             G_N_ELEMENTS(page_params),
                             TRUE};
    g_autoptr(TenderPayment) p = pay(demo, "payment page", &page, TENDER_STATUS_REQUIRES_ACTION);
    g_autofree char *page_url = p && p->action_data ? g_strdup(p->action_data) : NULL;
    if (p) {
        GError *error = NULL;
        say("the payer pays from purse %s on WebMoney's page and returns", DEMO_WM_PAYER_PURSE);
        if (!demo_webmoney_pay_on_page(page_url, DEMO_WM_PAYER_WMID, DEMO_WM_PAYER_PURSE, NULL)) {
            printf("   !! the payment page did not take the payment\n");
            demo->failures++;
        }
        tender_payment_free(step(demo, "sync", tender_host_sync(demo->host, p->id, &error), error,
                                 TENDER_STATUS_CAPTURED));
    }

    heading("WebMoney: protected transfer released by its protection code");
    tender_param params[] = {{"purse", DEMO_WM_PAYER_PURSE},
                             {"wmid", DEMO_WM_PAYER_WMID},
                             {"protection_days", "3"},
                             {"protection_code", "orchid-7731"}};
    TenderPayRequest r = {sizeof(TenderPayRequest),
                          "webmoney",
                          "US",
                          "USD",
                          "25.00",
                          "buyer-wm",
                          "personal",
                          NULL,
                          params,
                          G_N_ELEMENTS(params),
                          TRUE};
    g_autoptr(TenderPayment) t = pay(demo, "protected transfer", &r, TENDER_STATUS_REQUIRES_ACTION);
    if (t) {
        GError *error = NULL;
        g_autofree char *desc = g_strdup_printf("Payment %s", t->id);
        say("the payer sends 25 WMZ to purse %s, protected for 3 days", t->action_data);
        g_autofree char *endpoint = demo_webmoney_endpoint(page_url);
        if (!demo_webmoney_send_protected(endpoint, t->action_data, "25", 3, "orchid-7731",
                                          desc)) {
            printf("   !! WebMoney did not take the payer's transfer\n");
            demo->failures++;
        }
        say("the merchant types a wrong code first");
        tender_param wrong[] = {{"protection_code", "orchid-0000"}};
        tender_payment_free(step(demo, "wrong code",
                                 tender_host_complete(demo->host, t->id, wrong, 1, &error), error,
                                 TENDER_STATUS_REQUIRES_ACTION));
        say("then the code the payer gave");
        tender_param right[] = {{"protection_code", "orchid-7731"}};
        tender_payment_free(step(demo, "right code",
                                 tender_host_complete(demo->host, t->id, right, 1, &error), error,
                                 TENDER_STATUS_CAPTURED));
    }

    heading("A limit: an alias passport may spend 100 USD a day");
    tender_param alias[] = {{"purse", "Z210987654321"}, {"wmid", "210987654321"}};
    TenderPayRequest first = {sizeof(TenderPayRequest),
                              "webmoney",
                              "US",
                              "USD",
                              "80.00",
                              "buyer-alias",
                              "alias",
                              NULL,
                              alias,
                              G_N_ELEMENTS(alias),
                              TRUE};
    tender_payment_free(pay(demo, "first payment", &first, TENDER_STATUS_REQUIRES_ACTION));
    say("a second payment of 40.00 the same day:");
    TenderPayRequest second = first;
    second.amount = "40.00";
    tender_payment_free(pay(demo, "second payment", &second, TENDER_STATUS_DECLINED));
}

/* Start the sandbox the demo runs against, unless the user chose a config
 * (then it says where the providers are). No sandbox program found, or
 * one that does not come up, is said and the demo goes on with the config
 * it has. */
static DemoSandbox *start_sandbox(const char *explicit_program)
{
    if (cli_globals.config)
        return NULL;
    g_autofree char *program = demo_sandbox_find(explicit_program);
    if (program == NULL) {
        printf("No tender-sandbox program found (next to tender, in the build tree, or on PATH;\n"
               "--sandbox PATH or $TENDER_SANDBOX name one): running on the embedded default "
               "config.\n");
        return NULL;
    }
    g_autoptr(GError) error = NULL;
    DemoSandbox *sb = demo_sandbox_start(program, &error);
    if (sb == NULL) {
        printf("tender-sandbox did not start (%s): running on the embedded default config.\n",
               error->message);
        return NULL;
    }
    g_free(cli_globals.config);
    cli_globals.config = g_strdup(demo_sandbox_config(sb));
    return sb;
}

int cli_demo(int argc, char **argv)
{
    int code = 0;
    char *sandbox_program = NULL;
    const GOptionEntry entries[] = {
        {"sandbox", 0, 0, G_OPTION_ARG_FILENAME, &sandbox_program,
         "The tender-sandbox program to start (default: $TENDER_SANDBOX, next to tender, the "
         "build tree, PATH)",
         "PATH"},
        {NULL}};
    GOptionContext *ctx = g_option_context_new("demo");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GOptionGroup *global =
        g_option_group_new("global", "Global options", "Show global options", NULL, NULL);
    g_option_group_add_entries(global, cli_global_entries());
    g_option_context_add_group(ctx, global);
    GError *error = NULL;
    gboolean ok = g_option_context_parse(ctx, &argc, &argv, &error);
    g_option_context_free(ctx);
    if (!ok) {
        fprintf(stderr, "tender: %s\n", error->message);
        g_error_free(error);
        g_free(sandbox_program);
        return EXIT_USAGE;
    }
    gboolean user_config = cli_globals.config != NULL;
    DemoSandbox *sandbox = start_sandbox(sandbox_program);
    g_free(sandbox_program);
    Demo demo = {0};
    demo.host = cli_host_new(":memory:", &code);
    if (demo.host == NULL) {
        demo_sandbox_stop(sandbox);
        return code;
    }
    GDateTime *now = g_date_time_new_from_unix_utc(tender_host_now(demo.host) / 1000);
    g_snprintf(demo.exp_year, sizeof demo.exp_year, "%d", g_date_time_get_year(now) + 3);
    g_date_time_unref(now);

    if (sandbox)
        printf("Tender demo: every bundled method, against tender-sandbox at %s.\n",
               demo_sandbox_url(sandbox));
    else if (user_config)
        printf("Tender demo: every bundled method, on the config %s.\n", cli_globals.config);
    else
        printf("Tender demo: every bundled method, on the embedded default config.\n");
    heading("Loaded payment methods");
    const GPtrArray *methods = tender_host_methods(demo.host);
    for (guint i = 0; i < methods->len; i++) {
        const TenderMethodInfo *m = g_ptr_array_index(methods, i);
        say("%-9s %s (plugin %s)", m->id, m->name, m->plugin_id);
    }
    heading("Quotes");
    quote(&demo, "US", "USD", "120.00");
    quote(&demo, "CN", "CNY", "388.00");

    card_flows(&demo);
    alipay_flow(&demo);
    paypal_flow(&demo);
    webmoney_flows(&demo);

    heading("Done");
    if (demo.failures)
        printf("   %d step%s did not go as expected\n", demo.failures,
               demo.failures == 1 ? "" : "s");
    else
        printf("   every step went as expected; `tender --ledger FILE demo` keeps the ledger for "
               "`tender list` and `tender show`\n");
    tender_host_free(demo.host);
    demo_sandbox_stop(sandbox);
    return demo.failures ? EXIT_INTERNAL : EXIT_OK;
}
