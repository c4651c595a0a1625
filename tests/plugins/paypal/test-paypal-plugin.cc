// The PayPal plugin driven directly through the plugin harness: every rule
// of METHODS.md's PayPal section and every sandbox test input.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <zlib.h>

#include <tender/decline.h>

#include "paypal-test-util.h"

#ifndef PAYPAL_PLUGIN_PATH
#error "PAYPAL_PLUGIN_PATH must name the built paypal.so"
#endif

static const gint64 DAY_MS = 86400000;
static const gint64 T0 = 1772359200000; // 2026-03-01T10:00:00Z, the harness clock

static std::string read_file(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

static std::string key_path(const char *name)
{
    return std::string(PAYPAL_KEYS_DIR) + "/" + name;
}

class Paypal : public ::testing::Test {
protected:
    TestPlugin *p = nullptr;

    TestPlugin *load(std::vector<const char *> settings = {})
    {
        settings.push_back(nullptr);
        char *error = nullptr;
        TestPlugin *t = test_plugin_load(PAYPAL_PLUGIN_PATH, "paypal", settings.data(), &error);
        EXPECT_NE(t, nullptr) << (error ? error : "");
        g_free(error);
        return t;
    }
    std::string load_error(std::vector<const char *> settings)
    {
        settings.push_back(nullptr);
        char *error = nullptr;
        TestPlugin *t = test_plugin_load(PAYPAL_PLUGIN_PATH, "paypal", settings.data(), &error);
        EXPECT_EQ(t, nullptr);
        test_plugin_free(t);
        std::string e = error ? error : "";
        g_free(error);
        return e;
    }
    void SetUp() override { p = load(); }
    void TearDown() override { test_plugin_free(p); }

    // Authorize (intent AUTHORIZE) and approve: an authorized payment.
    void authorized(Flow &f, gint64 amount)
    {
        auto r = f.op(TENDER_OP_AUTHORIZE, amount, {{"intent", "AUTHORIZE"}});
        ASSERT_EQ(r->outcome, TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
        auto a = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
        ASSERT_EQ(a->outcome, TENDER_OUTCOME_APPROVED) << a->message;
        ASSERT_EQ(a->event, TENDER_EVENT_AUTHORIZED);
    }
    static void expect_decline(const Result &r, tender_decline_code code, const char *raw)
    {
        EXPECT_EQ(r->outcome, TENDER_OUTCOME_DECLINED) << r->message;
        EXPECT_EQ(r->decline_code, (uint32_t)code)
            << tender_decline_lookup(r->decline_code)->name << ": " << r->message;
        EXPECT_STREQ(r->raw_code, raw) << r->message;
    }
};

// ---- facts ------------------------------------------------------------------

TEST_F(Paypal, DescriptorFacts)
{
    EXPECT_STREQ(p->descriptor->id, "paypal");
    EXPECT_EQ(p->descriptor->n_methods, 1u);
    const tender_method *m = p->method;
    EXPECT_STREQ(m->id, "paypal");
    EXPECT_STREQ(m->name, "PayPal");
    uint64_t caps = TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE | TENDER_CAP_CAPTURE |
                    TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_MULTI_CAPTURE | TENDER_CAP_VOID |
                    TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND | TENDER_CAP_SYNC |
                    TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION | TENDER_CAP_THREAD_SAFE |
                    TENDER_CAP_VOID_REMAINDER;
    EXPECT_EQ(m->capabilities, caps);
    ASSERT_NE(m->regions, nullptr);
    EXPECT_STREQ(m->regions[0], "*");
    EXPECT_EQ(m->regions[1], nullptr);
    EXPECT_EQ(m->hold_seconds, 29 * 86400);
    EXPECT_EQ(m->action_timeout_seconds, 3 * 3600);
    EXPECT_EQ(m->over_capture_bps, 11500u);
    EXPECT_EQ(m->over_capture_max_extra, 7500);
    EXPECT_STREQ(m->over_capture_currency, "USD");
    EXPECT_NE(m->ops->sandbox_fixtures, nullptr);
    EXPECT_NE(m->ops->sandbox_notification, nullptr);
    std::vector<std::string> names;
    for (size_t i = 0; i < m->n_params; i++) {
        names.push_back(m->params[i].name);
        EXPECT_EQ(m->params[i].flags & TENDER_PARAM_REQUIRED, 0u);
        EXPECT_EQ(m->params[i].flags & TENDER_PARAM_SENSITIVE, 0u);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"intent", "payer_email", "return_url", "cancel_url"}));
    names.clear();
    for (size_t i = 0; i < m->n_action_params; i++)
        names.push_back(m->action_params[i].name);
    EXPECT_EQ(names, (std::vector<std::string>{"payer_action", "PayerID", "token"}));
}

TEST_F(Paypal, CurrenciesExponentsHomeRegionsAndMaximums)
{
    const char *list[] = {"AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF",
                          "ILS", "JPY", "MYR", "MXN", "TWD", "NZD", "NOK", "PHP", "PLN",
                          "GBP", "RUB", "SGD", "SEK", "CHF", "THB", "USD"};
    const tender_method *m = p->method;
    ASSERT_EQ(m->n_currencies, 25u);
    for (size_t i = 0; i < 25; i++) {
        const tender_currency_fact &c = m->currencies[i];
        SCOPED_TRACE(c.code);
        EXPECT_EQ(c.struct_size, sizeof(tender_currency_fact));
        EXPECT_STREQ(c.code, list[i]);
        bool whole = !strcmp(c.code, "HUF") || !strcmp(c.code, "JPY") || !strcmp(c.code, "TWD");
        EXPECT_EQ(c.exponent, whole ? 0 : -1);
        const char *home = !strcmp(c.code, "BRL") ? "BR" : !strcmp(c.code, "MYR") ? "MY"
                          : !strcmp(c.code, "CNY") ? "CN" : nullptr;
        if (home)
            EXPECT_STREQ(c.home_region, home);
        else
            EXPECT_EQ(c.home_region, nullptr);
        gint64 max = !strcmp(c.code, "USD") ? 1000000 : !strcmp(c.code, "EUR") ? 800000
                   : !strcmp(c.code, "GBP") ? 550000 : !strcmp(c.code, "JPY") ? 1000000
                   : (!strcmp(c.code, "AUD") || !strcmp(c.code, "CAD")) ? 1250000 : 0;
        EXPECT_EQ(c.max_amount, max);
        EXPECT_EQ(c.min_amount, 0);
    }
}

TEST_F(Paypal, Fixtures)
{
    size_t n = 0;
    const tender_fixture *fx = p->method->ops->sandbox_fixtures(&n);
    ASSERT_GE(n, 8u);
    for (size_t i = 0; i < n; i++) {
        SCOPED_TRACE(fx[i].name);
        Flow f(p, fx[i].currency, 2, fx[i].region);
        if (!strcmp(fx[i].currency, "HUF"))
            f.exponent = 0;
        std::string digits;
        for (const char *c = fx[i].amount; *c; c++)
            if (*c != '.')
                digits += *c;
        gint64 amount = g_ascii_strtoll(digits.c_str(), nullptr, 10);
        KV params;
        for (size_t k = 0; k < fx[i].n_params; k++)
            params.emplace_back(fx[i].params[k].key, fx[i].params[k].value);
        auto r = f.op(TENDER_OP_AUTHORIZE, amount, params);
        EXPECT_EQ(r->outcome, fx[i].expect_outcome) << r->message;
        if (fx[i].expect_outcome == TENDER_OUTCOME_DECLINED) {
            EXPECT_EQ(r->decline_code, fx[i].expect_decline);
            continue;
        }
        if (fx[i].n_complete_params > 0) {
            KV done;
            for (size_t k = 0; k < fx[i].n_complete_params; k++)
                done.emplace_back(fx[i].complete_params[k].key, fx[i].complete_params[k].value);
            auto a = f.op(TENDER_OP_COMPLETE_ACTION, 0, done);
            EXPECT_EQ(a->outcome, fx[i].expect_after_action) << a->message;
        } else {
            ASSERT_NE(fx[i].sandbox_event, nullptr);
            auto n2 = f.sandbox(fx[i].sandbox_event);
            ASSERT_EQ(n2->outcome, TENDER_OUTCOME_APPROVED) << n2->message;
            auto a = deliver(p, parse_headers(n2->notify_headers), n2->notify_body, &f);
            EXPECT_EQ(a->outcome, fx[i].expect_after_action) << a->message;
        }
    }
}

// ---- settings ----------------------------------------------------------------

TEST_F(Paypal, SettingsRefusedClearly)
{
    EXPECT_NE(load_error({"intent", "SALE"}).find("intent"), std::string::npos);
    EXPECT_NE(load_error({"mode", "live"}).find("mode"), std::string::npos);
    EXPECT_NE(load_error({"mode", "production"}).find("mode"), std::string::npos);
    std::string e = load_error({"webhook_public_key", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"});
    EXPECT_NE(e.find("webhook_public_key"), std::string::npos) << e;
    e = load_error({"webhook_public_key", "hello"});
    EXPECT_NE(e.find("webhook_public_key"), std::string::npos) << e;
    std::string pub = read_file(key_path("paypal-webhook-public.pem"));
    TestPlugin *ok = load({"mode", "sandbox", "intent", "authorize", "webhook_id", "WH-ID-1",
                           "webhook_public_key", pub.c_str(), "client_id", "AbC123"});
    test_plugin_free(ok);
}

// ---- intent ------------------------------------------------------------------

TEST_F(Paypal, IntentRule)
{
    Flow a(p);
    auto r = a.op(TENDER_OP_AUTHORIZE, 2500);
    ASSERT_EQ(r->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(detail_of(r.get(), "intent"), "AUTHORIZE");
    Flow b(p);
    r = b.op(TENDER_OP_PURCHASE, 2500);
    EXPECT_EQ(detail_of(r.get(), "intent"), "CAPTURE");
    Flow c(p);
    r = c.op(TENDER_OP_PURCHASE, 2500, {{"intent", "AUTHORIZE"}});
    EXPECT_EQ(detail_of(r.get(), "intent"), "AUTHORIZE");
    Flow d(p);
    r = d.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", "capture"}});
    EXPECT_EQ(detail_of(r.get(), "intent"), "CAPTURE");
    Flow e(p);
    r = e.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", "SALE"}});
    expect_decline(r, TENDER_DECLINE_INVALID_REQUEST, "INVALID_PARAMETER_VALUE");
    EXPECT_NE(std::string(r->message).find("intent"), std::string::npos);

    TestPlugin *cap = load({"intent", "CAPTURE"});
    Flow g(cap);
    r = g.op(TENDER_OP_AUTHORIZE, 2500);
    EXPECT_EQ(detail_of(r.get(), "intent"), "CAPTURE");
    r = g.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    EXPECT_EQ(r->event, TENDER_EVENT_CAPTURED);
    Flow h(cap);
    r = h.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", "AUTHORIZE"}});
    EXPECT_EQ(detail_of(r.get(), "intent"), "AUTHORIZE");
    test_plugin_free(cap);
}

// ---- the approval flow ---------------------------------------------------------

TEST_F(Paypal, CreateOrderRedirectsToApproval)
{
    Flow f(p);
    auto r = f.op(TENDER_OP_AUTHORIZE, 2500, {{"payer_email", "buyer@sandbox.example"}});
    ASSERT_EQ(r->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_REDIRECT);
    EXPECT_STREQ(r->raw_code, "PAYER_ACTION_REQUIRED");
    EXPECT_EQ(strlen(r->processor_ref), 17u);
    EXPECT_EQ(std::string(r->action_data),
              std::string("https://www.sandbox.paypal.com/checkoutnow?token=") + r->processor_ref);
    EXPECT_EQ(r->action_expires_ms, T0 + 3 * 3600 * 1000);
    EXPECT_EQ(detail_of(r.get(), "order_status"), "PAYER_ACTION_REQUIRED");
    EXPECT_STREQ(r->display_brand, "PayPal");
    EXPECT_STREQ(r->display_account, "b***@sandbox.example");
    EXPECT_EQ(f.state.find("buyer@"), std::string::npos) << "the e-mail must not be stored";
    auto s = f.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(s->event, TENDER_EVENT_ACTION_REQUIRED);
}

TEST_F(Paypal, AuthorizeApproveCaptureRefund)
{
    Flow f(p);
    authorized(f, 10000);
    auto s = f.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->event, TENDER_EVENT_AUTHORIZED);
    EXPECT_EQ(s->amount, 10000);
    EXPECT_EQ(detail_of(s.get(), "order_status"), "COMPLETED");
    EXPECT_EQ(detail_of(s.get(), "authorization_status"), "CREATED");

    auto c1 = f.op(TENDER_OP_CAPTURE, 4000);
    ASSERT_EQ(c1->outcome, TENDER_OUTCOME_APPROVED) << c1->message;
    EXPECT_STREQ(c1->raw_code, "COMPLETED");
    EXPECT_EQ(c1->amount, 4000);
    EXPECT_EQ(detail_of(c1.get(), "authorization_status"), "PARTIALLY_CAPTURED");
    auto c2 = f.op(TENDER_OP_CAPTURE, 3000);
    ASSERT_EQ(c2->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_STRNE(c1->processor_ref, c2->processor_ref);
    s = f.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->event, TENDER_EVENT_CAPTURED);
    EXPECT_EQ(s->amount, 7000);

    auto r1 = f.op(TENDER_OP_REFUND, 2000);
    ASSERT_EQ(r1->outcome, TENDER_OUTCOME_APPROVED) << r1->message;
    auto over = f.op(TENDER_OP_REFUND, 5001);
    expect_decline(over, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE, "REFUND_AMOUNT_EXCEEDED");
    auto r2 = f.op(TENDER_OP_REFUND, 5000);
    ASSERT_EQ(r2->outcome, TENDER_OUTCOME_APPROVED) << r2->message;
    s = f.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->event, TENDER_EVENT_REFUNDED);
    EXPECT_EQ(s->amount, 7000);
    auto none = f.op(TENDER_OP_REFUND, 1);
    expect_decline(none, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "CAPTURE_FULLY_REFUNDED");
}

TEST_F(Paypal, CaptureIntentCapturesOnApproval)
{
    Flow f(p);
    f.op(TENDER_OP_PURCHASE, 2599);
    auto a = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    ASSERT_EQ(a->outcome, TENDER_OUTCOME_APPROVED) << a->message;
    EXPECT_EQ(a->event, TENDER_EVENT_CAPTURED);
    EXPECT_EQ(a->amount, 2599);
    auto again = f.op(TENDER_OP_CAPTURE, 100);
    expect_decline(again, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ORDER_ALREADY_CAPTURED");
    auto twice = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    expect_decline(twice, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ORDER_ALREADY_CAPTURED");
    auto r = f.op(TENDER_OP_REFUND, 2599);
    EXPECT_EQ(r->outcome, TENDER_OUTCOME_APPROVED);
}

TEST_F(Paypal, ReturnUrlParametersComplete)
{
    Flow f(p);
    auto r = f.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", "AUTHORIZE"},
                                             {"return_url", "https://shop.example/ok"},
                                             {"cancel_url", "https://shop.example/cancel"}});
    std::string order = r->processor_ref;
    auto bad = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"PayerID", "ABCDEFGHJKLMN"}, {"token", "WRONG"}});
    expect_decline(bad, TENDER_DECLINE_INVALID_REQUEST, "INVALID_PARAMETER_VALUE");
    EXPECT_NE(std::string(bad->message).find("token"), std::string::npos);
    bad = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"PayerID", "abc"}, {"token", order}});
    EXPECT_NE(std::string(bad->message).find("PayerID"), std::string::npos);
    bad = f.op(TENDER_OP_COMPLETE_ACTION, 0, {});
    expect_decline(bad, TENDER_DECLINE_INVALID_REQUEST, "MISSING_REQUIRED_PARAMETER");
    EXPECT_NE(std::string(bad->message).find("payer_action"), std::string::npos);
    bad = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "maybe"}});
    EXPECT_NE(std::string(bad->message).find("payer_action"), std::string::npos);
    auto ok = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"PayerID", "ABCDEFGHJKLMN"}, {"token", order}});
    ASSERT_EQ(ok->outcome, TENDER_OUTCOME_APPROVED) << ok->message;
    EXPECT_EQ(detail_of(ok.get(), "payer_id"), "ABCDEFGHJKLMN");

    Flow g(p);
    auto u = g.op(TENDER_OP_AUTHORIZE, 2500, {{"return_url", "javascript:alert(1)"}});
    expect_decline(u, TENDER_DECLINE_INVALID_REQUEST, "INVALID_PARAMETER_SYNTAX");
    EXPECT_NE(std::string(u->message).find("return_url"), std::string::npos);
    Flow h(p);
    u = h.op(TENDER_OP_AUTHORIZE, 2500, {{"payer_email", "not-an-email"}});
    expect_decline(u, TENDER_DECLINE_INVALID_ACCOUNT, "INVALID_PARAMETER_SYNTAX");
    EXPECT_NE(std::string(u->message).find("payer_email"), std::string::npos);
}

TEST_F(Paypal, PayerCancels)
{
    Flow f(p);
    f.op(TENDER_OP_AUTHORIZE, 2500);
    auto r = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "cancel"}});
    expect_decline(r, TENDER_DECLINE_CANCELLED_BY_PAYER, "PAYER_CANCELLED");
    EXPECT_EQ(r->event, TENDER_EVENT_DECLINED);
    auto s = f.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->decline_code, (uint32_t)TENDER_DECLINE_CANCELLED_BY_PAYER);
    auto c = f.op(TENDER_OP_CAPTURE, 100);
    EXPECT_EQ(c->outcome, TENDER_OUTCOME_DECLINED);
}

TEST_F(Paypal, OrderExpiresAfterThreeHours)
{
    Flow f(p);
    f.op(TENDER_OP_AUTHORIZE, 2500);
    p->now_ms = T0 + 3 * 3600 * 1000 + 1;
    auto r = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    expect_decline(r, TENDER_DECLINE_ACTION_EXPIRED, "ORDER_EXPIRED");
    EXPECT_EQ(r->event, TENDER_EVENT_EXPIRED);

    Flow g(p);
    g.payment_id = "pay_pp_0002";
    p->now_ms = T0;
    g.op(TENDER_OP_AUTHORIZE, 2500);
    p->now_ms = T0 + 3 * 3600 * 1000; // the last millisecond still counts
    auto ok = g.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    EXPECT_EQ(ok->outcome, TENDER_OUTCOME_APPROVED);
    Flow h(p);
    p->now_ms = T0;
    h.op(TENDER_OP_AUTHORIZE, 2500);
    p->now_ms = T0 + 4 * 3600 * 1000;
    auto s = h.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->event, TENDER_EVENT_EXPIRED);
    EXPECT_STREQ(s->raw_code, "ORDER_EXPIRED");
}

// ---- sandbox test payers ---------------------------------------------------------

TEST_F(Paypal, TestPayers)
{
    for (const char *intent : {"AUTHORIZE", "CAPTURE"}) {
        SCOPED_TRACE(intent);
        Flow d(p);
        d.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", intent}, {"payer_email", "declined@sandbox.example"}});
        auto r = d.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
        expect_decline(r, TENDER_DECLINE_DO_NOT_HONOR, "INSTRUMENT_DECLINED");
        EXPECT_EQ(r->event, TENDER_EVENT_DECLINED);
        EXPECT_STREQ(d.op(TENDER_OP_SYNC, 0)->raw_code, "INSTRUMENT_DECLINED");
        auto c = d.op(TENDER_OP_CAPTURE, 2500);
        EXPECT_EQ(c->outcome, TENDER_OUTCOME_DECLINED);

        Flow f(p);
        f.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", intent}, {"payer_email", "refused@sandbox.example"}});
        r = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
        expect_decline(r, TENDER_DECLINE_NOT_PERMITTED, "TRANSACTION_REFUSED");

        Flow a(p);
        a.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", intent}, {"payer_email", "payer-action@sandbox.example"}});
        r = a.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
        EXPECT_EQ(r->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
        EXPECT_STREQ(r->raw_code, "PAYER_ACTION_REQUIRED");
        EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_REDIRECT);
        r = a.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
        EXPECT_EQ(r->outcome, TENDER_OUTCOME_APPROVED) << r->message;
        EXPECT_EQ(r->event, strcmp(intent, "AUTHORIZE") ? TENDER_EVENT_CAPTURED : TENDER_EVENT_AUTHORIZED);
    }
}

TEST_F(Paypal, PendingCaptureResolvedByWebhook)
{
    Flow f(p);
    f.op(TENDER_OP_PURCHASE, 5000, {{"payer_email", "pending@sandbox.example"}});
    auto r = f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    EXPECT_EQ(r->outcome, TENDER_OUTCOME_PENDING);
    EXPECT_EQ(r->event, TENDER_EVENT_PENDING);
    EXPECT_EQ(f.op(TENDER_OP_SYNC, 0)->event, TENDER_EVENT_PENDING);
    Flow g = f;
    auto done = f.sandbox("captured");
    ASSERT_EQ(done->outcome, TENDER_OUTCOME_APPROVED) << done->message;
    EXPECT_NE(std::string(done->notify_body).find("\"PAYMENT.CAPTURE.COMPLETED\""), std::string::npos);
    auto a = deliver(p, parse_headers(done->notify_headers), done->notify_body, &f);
    EXPECT_EQ(a->event, TENDER_EVENT_CAPTURED);
    EXPECT_EQ(a->amount, 5000);
    auto denied = g.sandbox("denied");
    ASSERT_EQ(denied->outcome, TENDER_OUTCOME_APPROVED) << denied->message;
    a = deliver(p, parse_headers(denied->notify_headers), denied->notify_body, &g);
    EXPECT_EQ(a->outcome, TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(a->event, TENDER_EVENT_DECLINED);
    EXPECT_STREQ(a->raw_code, "DENIED");
    EXPECT_STREQ(g.op(TENDER_OP_SYNC, 0)->raw_code, "DENIED");
}

// ---- capture rules ------------------------------------------------------------------

TEST_F(Paypal, CaptureBeforeApproval)
{
    Flow f(p);
    f.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", "AUTHORIZE"}});
    expect_decline(f.op(TENDER_OP_CAPTURE, 2500), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "ORDER_NOT_APPROVED");
    Flow g(p);
    g.op(TENDER_OP_PURCHASE, 2500);
    expect_decline(g.op(TENDER_OP_CAPTURE, 2500), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "ORDER_NOT_APPROVED");
}

TEST_F(Paypal, OverCaptureSmallUsdIs115Percent)
{
    // 100.00 USD: 115% = 115.00 < 100.00 + 75.00.
    Flow f(p);
    authorized(f, 10000);
    Flow g = f;
    expect_decline(f.op(TENDER_OP_CAPTURE, 11501), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 11500)->outcome, TENDER_OUTCOME_APPROVED);
    expect_decline(f.op(TENDER_OP_CAPTURE, 1), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "AUTHORIZATION_ALREADY_CAPTURED");
    // Across several captures the same bound holds.
    EXPECT_EQ(g.op(TENDER_OP_CAPTURE, 6000)->outcome, TENDER_OUTCOME_APPROVED);
    expect_decline(g.op(TENDER_OP_CAPTURE, 5501), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(g.op(TENDER_OP_CAPTURE, 3999)->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(g.op(TENDER_OP_CAPTURE, 1500)->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(g.op(TENDER_OP_SYNC, 0)->amount, 11499);
}

TEST_F(Paypal, OverCaptureLargeUsdIsPlus75)
{
    // 1000.00 USD: 115% = 1150.00 > 1000.00 + 75.00 = 1075.00.
    Flow f(p);
    authorized(f, 100000);
    expect_decline(f.op(TENDER_OP_CAPTURE, 107501), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    expect_decline(f.op(TENDER_OP_CAPTURE, 115000), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 107500)->outcome, TENDER_OUTCOME_APPROVED);
    // Exactly where the two rules meet: 500.00 -> 575.00 both ways.
    Flow g(p);
    authorized(g, 50000);
    expect_decline(g.op(TENDER_OP_CAPTURE, 57501), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(g.op(TENDER_OP_CAPTURE, 57500)->outcome, TENDER_OUTCOME_APPROVED);
}

TEST_F(Paypal, OverCaptureOtherCurrenciesOnly115Percent)
{
    Flow f(p, "EUR", 2, "DE");
    authorized(f, 100000);
    expect_decline(f.op(TENDER_OP_CAPTURE, 115001), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 115000)->outcome, TENDER_OUTCOME_APPROVED);
    Flow j(p, "JPY", 0, "JP");
    authorized(j, 1001); // 115% = 1151.15 -> 1151 yen
    expect_decline(j.op(TENDER_OP_CAPTURE, 1152), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "MAX_CAPTURE_AMOUNT_EXCEEDED");
    EXPECT_EQ(j.op(TENDER_OP_CAPTURE, 1151)->outcome, TENDER_OUTCOME_APPROVED);
}

TEST_F(Paypal, AuthorizationValid29Days)
{
    Flow f(p);
    authorized(f, 10000);
    Flow g = f;
    p->now_ms = T0 + 29 * DAY_MS;
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 1000)->outcome, TENDER_OUTCOME_APPROVED);
    p->now_ms = T0 + 29 * DAY_MS + 1;
    auto r = g.op(TENDER_OP_CAPTURE, 1000);
    expect_decline(r, TENDER_DECLINE_AUTHORIZATION_EXPIRED, "AUTHORIZATION_EXPIRED");
    EXPECT_EQ(r->event, TENDER_EVENT_EXPIRED);
    auto s = g.op(TENDER_OP_SYNC, 0);
    EXPECT_EQ(s->event, TENDER_EVENT_EXPIRED);
    expect_decline(g.op(TENDER_OP_VOID, 0), TENDER_DECLINE_AUTHORIZATION_EXPIRED,
                   "AUTHORIZATION_EXPIRED");
}

TEST_F(Paypal, HonorPeriodThreeDays)
{
    Flow f(p);
    authorized(f, 10000);
    Flow g = f;
    p->now_ms = T0 + 3 * DAY_MS;
    auto r = f.op(TENDER_OP_CAPTURE, 1000);
    EXPECT_EQ(r->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(detail_of(r.get(), "honor_period"), "valid");
    p->now_ms = T0 + 3 * DAY_MS + 1;
    r = g.op(TENDER_OP_CAPTURE, 1000);
    EXPECT_EQ(r->outcome, TENDER_OUTCOME_APPROVED) << r->message;
    EXPECT_EQ(detail_of(r.get(), "honor_period"), "expired");
    EXPECT_EQ(detail_of(r.get(), "reauthorized"), "true");
}

TEST_F(Paypal, VoidRules)
{
    Flow f(p);
    authorized(f, 10000);
    Flow partly = f;
    auto v = f.op(TENDER_OP_VOID, 0);
    ASSERT_EQ(v->outcome, TENDER_OUTCOME_APPROVED) << v->message;
    EXPECT_STREQ(v->raw_code, "VOIDED");
    EXPECT_EQ(f.op(TENDER_OP_SYNC, 0)->event, TENDER_EVENT_VOIDED);
    expect_decline(f.op(TENDER_OP_CAPTURE, 100), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "PREVIOUSLY_VOIDED");
    expect_decline(f.op(TENDER_OP_VOID, 0), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "PREVIOUSLY_VOIDED");
    // A partly captured authorization voids its rest; a fully captured one cannot.
    partly.op(TENDER_OP_CAPTURE, 4000);
    EXPECT_EQ(partly.op(TENDER_OP_VOID, 0)->outcome, TENDER_OUTCOME_APPROVED);
    Flow full(p);
    authorized(full, 10000);
    full.op(TENDER_OP_CAPTURE, 10000);
    expect_decline(full.op(TENDER_OP_VOID, 0), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "AUTHORIZATION_ALREADY_CAPTURED");
    // An order never approved is abandoned.
    Flow open(p);
    open.op(TENDER_OP_AUTHORIZE, 2500);
    EXPECT_EQ(open.op(TENDER_OP_VOID, 0)->outcome, TENDER_OUTCOME_APPROVED);
}

TEST_F(Paypal, RefundRules)
{
    Flow f(p);
    authorized(f, 10000);
    expect_decline(f.op(TENDER_OP_REFUND, 100), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "INVALID_RESOURCE_ID");
    f.op(TENDER_OP_CAPTURE, 3000);
    f.op(TENDER_OP_CAPTURE, 2000);
    expect_decline(f.op(TENDER_OP_REFUND, 5001), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "REFUND_AMOUNT_EXCEEDED");
    EXPECT_EQ(f.op(TENDER_OP_REFUND, 1000)->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(f.op(TENDER_OP_REFUND, 1500)->outcome, TENDER_OUTCOME_APPROVED);
    expect_decline(f.op(TENDER_OP_REFUND, 2501), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                   "REFUND_AMOUNT_EXCEEDED");
    EXPECT_EQ(f.op(TENDER_OP_REFUND, 2500)->outcome, TENDER_OUTCOME_APPROVED);
    expect_decline(f.op(TENDER_OP_REFUND, 1), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "CAPTURE_FULLY_REFUNDED");
    Flow late(p);
    authorized(late, 1000);
    late.op(TENDER_OP_CAPTURE, 1000);
    p->now_ms = T0 + 181 * DAY_MS;
    expect_decline(late.op(TENDER_OP_REFUND, 100), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "REFUND_TIME_LIMIT_EXCEEDED");
}

// ---- currencies and amounts ------------------------------------------------------------

TEST_F(Paypal, WholeUnitCurrencies)
{
    for (const char *cur : {"HUF", "JPY", "TWD"}) {
        SCOPED_TRACE(cur);
        const char *region = !strcmp(cur, "HUF") ? "HU" : !strcmp(cur, "JPY") ? "JP" : "TW";
        Flow ok(p, cur, 0, region);
        EXPECT_EQ(ok.op(TENDER_OP_AUTHORIZE, 1000)->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
        // A host sending ISO exponent 2: 10.50 is refused, 10.00 becomes 10.
        Flow frac(p, cur, 2, region);
        expect_decline(frac.op(TENDER_OP_AUTHORIZE, 1050), TENDER_DECLINE_INVALID_AMOUNT,
                       "DECIMAL_PRECISION");
        Flow whole(p, cur, 2, region);
        auto r = whole.op(TENDER_OP_AUTHORIZE, 1000, {{"intent", "AUTHORIZE"}});
        ASSERT_EQ(r->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
        auto a = whole.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
        EXPECT_EQ(a->amount, 1000); // back in the request's units
        auto n = whole.sandbox("approved");
        EXPECT_NE(std::string(n->notify_body).find("\"value\":\"10\""), std::string::npos)
            << n->notify_body;
    }
    Flow usd(p, "USD", 3, "US");
    expect_decline(usd.op(TENDER_OP_AUTHORIZE, 10999), TENDER_DECLINE_INVALID_AMOUNT,
                   "DECIMAL_PRECISION");
    Flow usd2(p, "USD", 2, "US");
    usd2.op(TENDER_OP_PURCHASE, 1099);
    auto n = usd2.sandbox("approved");
    EXPECT_NE(std::string(n->notify_body).find("\"value\":\"10.99\""), std::string::npos);
    Flow zero(p);
    expect_decline(zero.op(TENDER_OP_AUTHORIZE, 0), TENDER_DECLINE_INVALID_AMOUNT,
                   "INVALID_PARAMETER_VALUE");
    Flow krw(p, "KRW", 0, "KR");
    expect_decline(krw.op(TENDER_OP_AUTHORIZE, 1000), TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
                   "CURRENCY_NOT_SUPPORTED");
}

TEST_F(Paypal, PerTransactionMaximums)
{
    struct { const char *cur; int exp; gint64 max; } cases[] = {
        {"USD", 2, 1000000}, {"EUR", 2, 800000}, {"GBP", 2, 550000},
        {"JPY", 0, 1000000}, {"AUD", 2, 1250000}, {"CAD", 2, 1250000}};
    for (auto &c : cases) {
        SCOPED_TRACE(c.cur);
        Flow ok(p, c.cur, c.exp, "DE");
        EXPECT_EQ(ok.op(TENDER_OP_AUTHORIZE, c.max)->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
        Flow over(p, c.cur, c.exp, "DE");
        expect_decline(over.op(TENDER_OP_AUTHORIZE, c.max + 1), TENDER_DECLINE_AMOUNT_OUT_OF_RANGE,
                       "TRANSACTION_LIMIT_EXCEEDED");
    }
}

TEST_F(Paypal, InCountryCurrencies)
{
    struct { const char *cur; const char *home; const char *away; } cases[] = {
        {"BRL", "BR", "US"}, {"MYR", "MY", "SG"}, {"CNY", "CN", "HK"}};
    for (auto &c : cases) {
        SCOPED_TRACE(c.cur);
        Flow away(p, c.cur, 2, c.away);
        expect_decline(away.op(TENDER_OP_AUTHORIZE, 1000), TENDER_DECLINE_CURRENCY_NOT_SUPPORTED,
                       "CURRENCY_NOT_SUPPORTED");
        Flow unknown(p, c.cur, 2, "");
        EXPECT_EQ(unknown.op(TENDER_OP_AUTHORIZE, 1000)->outcome, TENDER_OUTCOME_DECLINED);
        Flow home(p, c.cur, 2, c.home);
        EXPECT_EQ(home.op(TENDER_OP_AUTHORIZE, 1000)->outcome, TENDER_OUTCOME_ACTION_REQUIRED);
    }
}

TEST_F(Paypal, ChinaIsC2OnTheWire)
{
    Flow f(p, "CNY", 2, "CN");
    auto r = f.op(TENDER_OP_AUTHORIZE, 8800);
    EXPECT_EQ(detail_of(r.get(), "country_code"), "C2");
    EXPECT_STREQ(r->display_country, "CN");
    auto n = f.sandbox("approved");
    std::string body = n->notify_body;
    EXPECT_NE(body.find("\"country_code\":\"C2\""), std::string::npos) << body;
    EXPECT_EQ(body.find("\"CN\""), std::string::npos) << body;
    Flow g(p, "EUR", 2, "DE");
    g.op(TENDER_OP_AUTHORIZE, 100);
    EXPECT_NE(std::string(g.sandbox("approved")->notify_body).find("\"country_code\":\"DE\""),
              std::string::npos);
}

// ---- idempotency ---------------------------------------------------------------------

TEST_F(Paypal, SameRequestIdSameResult)
{
    Flow a(p), b(p);
    auto r1 = a.op(TENDER_OP_AUTHORIZE, 2500, {}, "req-create");
    auto r2 = b.op(TENDER_OP_AUTHORIZE, 2500, {}, "req-create");
    EXPECT_STREQ(r1->processor_ref, r2->processor_ref);
    Flow c(p);
    EXPECT_STRNE(c.op(TENDER_OP_AUTHORIZE, 2500, {}, "req-other")->processor_ref, r1->processor_ref);

    Flow f(p);
    authorized(f, 10000);
    auto c1 = f.op(TENDER_OP_CAPTURE, 4000, {}, "cap-1");
    auto c1again = f.op(TENDER_OP_CAPTURE, 4000, {}, "cap-1");
    EXPECT_EQ(c1again->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_STREQ(c1again->processor_ref, c1->processor_ref);
    EXPECT_EQ(c1again->amount, 4000);
    EXPECT_EQ(f.op(TENDER_OP_SYNC, 0)->amount, 4000) << "a replay must not capture twice";
    auto r = f.op(TENDER_OP_REFUND, 1000, {}, "ref-1");
    auto ragain = f.op(TENDER_OP_REFUND, 1000, {}, "ref-1");
    EXPECT_STREQ(r->processor_ref, ragain->processor_ref);
    EXPECT_EQ(f.op(TENDER_OP_SYNC, 0)->amount, 1000) << "a replay must not refund twice";
    // A replayed decline stays the same decline.
    auto bad = f.op(TENDER_OP_REFUND, 999999, {}, "ref-2");
    auto badagain = f.op(TENDER_OP_REFUND, 999999, {}, "ref-2");
    EXPECT_EQ(bad->decline_code, badagain->decline_code);
    EXPECT_STREQ(bad->raw_code, badagain->raw_code);
}

// ---- webhooks ----------------------------------------------------------------------------

TEST_F(Paypal, ApprovedWebhookAuthorizesOnce)
{
    Flow f(p);
    f.op(TENDER_OP_AUTHORIZE, 4000, {{"intent", "AUTHORIZE"}});
    auto n = f.sandbox("CHECKOUT.ORDER.APPROVED");
    ASSERT_EQ(n->outcome, TENDER_OUTCOME_APPROVED) << n->message;
    KV headers = parse_headers(n->notify_headers);
    std::string body = n->notify_body;
    auto id = deliver(p, headers, body, nullptr);
    ASSERT_EQ(id->outcome, TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_STREQ(id->notify_payment_id, "pay_pp_0001");
    EXPECT_EQ(std::string(id->notify_id).rfind("WH-", 0), 0u);
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_body, "");
    auto a = deliver(p, headers, body, &f);
    EXPECT_EQ(a->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(a->event, TENDER_EVENT_AUTHORIZED);
    EXPECT_EQ(a->amount, 4000);
    EXPECT_EQ(a->reply_status, 200u);
    auto again = deliver(p, headers, body, &f);
    EXPECT_EQ(again->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(again->event, TENDER_EVENT_NONE);
    EXPECT_EQ(again->reply_status, 200u);
    // The same news under another event: already applied.
    auto created = f.sandbox("PAYMENT.AUTHORIZATION.CREATED");
    ASSERT_EQ(created->outcome, TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(deliver(p, parse_headers(created->notify_headers), created->notify_body, &f)->event,
              TENDER_EVENT_NONE);
    // After the webhook the flow goes on as usual; complete is refused.
    EXPECT_EQ(f.op(TENDER_OP_CAPTURE, 4000)->outcome, TENDER_OUTCOME_APPROVED);
    expect_decline(f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}}),
                   TENDER_DECLINE_OPERATION_NOT_ALLOWED, "ORDER_ALREADY_AUTHORIZED");
}

TEST_F(Paypal, WebhookBodyAndHeadersAsPayPalSends)
{
    Flow f(p);
    f.op(TENDER_OP_PURCHASE, 1234);
    f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    auto n = f.sandbox("captured");
    ASSERT_EQ(n->outcome, TENDER_OUTCOME_APPROVED) << n->message;
    KV h = parse_headers(n->notify_headers);
    std::map<std::string, std::string> hm(h.begin(), h.end());
    EXPECT_EQ(hm["PAYPAL-AUTH-ALGO"], "SHA256withRSA");
    EXPECT_EQ(hm["PAYPAL-TRANSMISSION-TIME"], "2026-03-01T10:00:00Z");
    EXPECT_EQ(hm["PAYPAL-TRANSMISSION-ID"].size(), 36u);
    EXPECT_EQ(hm["PAYPAL-CERT-URL"].rfind("https://api.sandbox.paypal.com/", 0), 0u);
    std::string body = n->notify_body;

    // Check the body's fields with a JSON reader of our own choosing: GLib's.
    for (const char *needle : {"\"event_type\":\"PAYMENT.CAPTURE.COMPLETED\"", "\"resource_type\":\"capture\"",
                               "\"custom_id\":\"pay_pp_0001\"", "\"currency_code\":\"USD\"",
                               "\"value\":\"12.34\"", "\"status\":\"COMPLETED\"",
                               "\"supplementary_data\"", "\"order_id\""})
        EXPECT_NE(body.find(needle), std::string::npos) << needle << " in " << body;
    EXPECT_EQ(body.rfind("{\"id\":\"WH-", 0), 0u) << body;

    // Verify the signature independently: zlib's CRC32, OpenSSL, the test key.
    std::string signed_text = hm["PAYPAL-TRANSMISSION-ID"] + "|" + hm["PAYPAL-TRANSMISSION-TIME"] +
                              "|1TENDER0SANDBOX0WH|" +
                              std::to_string(crc32(0L, (const Bytef *)body.data(), body.size()));
    std::string pem = read_file(key_path("paypal-webhook-public.pem"));
    BIO *bio = BIO_new_mem_buf(pem.data(), (int)pem.size());
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(key, nullptr);
    std::string sig64 = hm["PAYPAL-TRANSMISSION-SIG"];
    std::vector<unsigned char> sig(sig64.size());
    int len = EVP_DecodeBlock(sig.data(), (const unsigned char *)sig64.data(), (int)sig64.size());
    ASSERT_GT(len, 0);
    while (!sig64.empty() && sig64.back() == '=') { sig64.pop_back(); len--; }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
    EXPECT_EQ(EVP_DigestVerify(ctx, sig.data(), (size_t)len, (const unsigned char *)signed_text.data(),
                               signed_text.size()), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
}

TEST_F(Paypal, ForgedWebhooksRefused)
{
    Flow f(p);
    f.op(TENDER_OP_AUTHORIZE, 4000, {{"intent", "AUTHORIZE"}});
    auto n = f.sandbox("approved");
    KV headers = parse_headers(n->notify_headers);
    std::string body = n->notify_body;

    auto refused = [&](TestPlugin *pl, const KV &h, const std::string &b, const char *what) {
        SCOPED_TRACE(what);
        auto r = deliver(pl, h, b, nullptr);
        expect_decline(r, TENDER_DECLINE_SECURITY_CHECK_FAILED, "WEBHOOK_VERIFICATION_FAILURE");
        EXPECT_EQ(r->reply_status, 400u);
        EXPECT_STREQ(r->notify_payment_id, "");
        Flow g = f;
        auto a = deliver(pl, h, b, &g);
        EXPECT_EQ(a->outcome, TENDER_OUTCOME_DECLINED);
        EXPECT_EQ(g.state, f.state) << "a forged webhook changes nothing";
    };
    std::string tampered = body;
    tampered.replace(tampered.find("\"40.00\""), 7, "\"4.00\"");
    refused(p, headers, tampered, "tampered amount");
    std::string tampered2 = body;
    tampered2.replace(tampered2.find("pay_pp_0001"), 11, "pay_pp_0002");
    refused(p, headers, tampered2, "tampered custom_id");

    TestPlugin *other_id = load({"webhook_id", "7ANOTHER0WEBHOOK0"});
    refused(other_id, headers, body, "other webhook id");
    test_plugin_free(other_id);

    std::string other_pem = read_file(key_path("paypal-other-public.pem"));
    TestPlugin *other_key = load({"webhook_public_key", other_pem.c_str()});
    refused(other_key, headers, body, "other key");
    test_plugin_free(other_key);

    KV no_sig, bad_algo, bad_cert;
    for (auto &kv : headers) {
        if (kv.first != "PAYPAL-TRANSMISSION-SIG")
            no_sig.push_back(kv);
        bad_algo.emplace_back(kv.first, kv.first == "PAYPAL-AUTH-ALGO" ? "SHA1withRSA" : kv.second);
        bad_cert.emplace_back(kv.first, kv.first == "PAYPAL-CERT-URL"
                                            ? "https://paypal.com.evil.example/cert" : kv.second);
    }
    refused(p, no_sig, body, "no signature");
    refused(p, bad_algo, body, "other algorithm");
    refused(p, bad_cert, body, "certificate elsewhere");

    // The configured key in PEM (the same as the built-in one) verifies.
    std::string pub = read_file(key_path("paypal-webhook-public.pem"));
    TestPlugin *configured = load({"webhook_public_key", pub.c_str()});
    EXPECT_EQ(deliver(configured, headers, body, nullptr)->outcome, TENDER_OUTCOME_APPROVED);
    test_plugin_free(configured);
}

TEST_F(Paypal, WebhookAboutAnotherPaymentRefused)
{
    Flow f(p), g(p);
    g.payment_id = "pay_pp_0002";
    f.op(TENDER_OP_AUTHORIZE, 4000, {}, "a");
    g.op(TENDER_OP_AUTHORIZE, 4000, {}, "b");
    auto n = f.sandbox("approved");
    auto r = deliver(p, parse_headers(n->notify_headers), n->notify_body, &g);
    EXPECT_EQ(r->outcome, TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
}

TEST_F(Paypal, CaptureRefundVoidWebhooks)
{
    Flow f(p);
    authorized(f, 10000);
    auto cap = f.op(TENDER_OP_CAPTURE, 6000);
    // The webhook for a capture Tender made: already known.
    auto n = f.sandbox("captured");
    EXPECT_NE(std::string(n->notify_body).find(cap->processor_ref), std::string::npos);
    EXPECT_EQ(deliver(p, parse_headers(n->notify_headers), n->notify_body, &f)->event,
              TENDER_EVENT_NONE);
    // A refund made at PayPal (dashboard) arrives as a webhook: applied once.
    auto rn = f.sandbox("refunded");
    ASSERT_EQ(rn->outcome, TENDER_OUTCOME_APPROVED) << rn->message;
    EXPECT_NE(std::string(rn->notify_body).find("\"PAYMENT.CAPTURE.REFUNDED\""), std::string::npos);
    auto ra = deliver(p, parse_headers(rn->notify_headers), rn->notify_body, &f);
    EXPECT_EQ(ra->event, TENDER_EVENT_REFUNDED);
    EXPECT_EQ(ra->amount, 6000);
    EXPECT_EQ(deliver(p, parse_headers(rn->notify_headers), rn->notify_body, &f)->event,
              TENDER_EVENT_NONE);
    expect_decline(f.op(TENDER_OP_REFUND, 1), TENDER_DECLINE_OPERATION_NOT_ALLOWED,
                   "CAPTURE_FULLY_REFUNDED");
    // Voided at PayPal: the rest of the authorization is released.
    auto vn = f.sandbox("voided");
    ASSERT_EQ(vn->outcome, TENDER_OUTCOME_APPROVED) << vn->message;
    auto va = deliver(p, parse_headers(vn->notify_headers), vn->notify_body, &f);
    EXPECT_EQ(va->event, TENDER_EVENT_VOIDED);
    EXPECT_EQ(deliver(p, parse_headers(vn->notify_headers), vn->notify_body, &f)->event,
              TENDER_EVENT_NONE);

    Flow g(p);
    g.op(TENDER_OP_PURCHASE, 2000);
    EXPECT_EQ(g.sandbox("voided")->outcome, TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(g.sandbox("refunded")->outcome, TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(g.sandbox("no-such-event")->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    // A capture webhook on an approved CAPTURE order captures it.
    auto cn = g.sandbox("PAYMENT.CAPTURE.COMPLETED");
    auto ca = deliver(p, parse_headers(cn->notify_headers), cn->notify_body, &g);
    EXPECT_EQ(ca->event, TENDER_EVENT_CAPTURED);
    EXPECT_EQ(ca->amount, 2000);
}

TEST_F(Paypal, NothingSensitiveLogged)
{
    Flow f(p);
    f.op(TENDER_OP_AUTHORIZE, 2500, {{"payer_email", "secret.person@sandbox.example"}});
    f.op(TENDER_OP_COMPLETE_ACTION, 0, {{"payer_action", "approve"}});
    EXPECT_FALSE(test_plugin_logs_contain(p, "secret.person"));
    EXPECT_EQ(f.state.find("secret.person"), std::string::npos);
}
