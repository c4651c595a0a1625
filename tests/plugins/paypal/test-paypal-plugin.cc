// The PayPal plugin driven directly through the plugin harness (the test
// host, whose http service sends nothing): its facts, its settings, and
// every rule it checks before a request leaves the machine. The flows
// against PayPal's API run over HTTP against a tender-sandbox in
// test-paypal-sandbox.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <tender/decline.h>

#include "paypal-test-util.h"

#ifndef PAYPAL_PLUGIN_PATH
#error "PAYPAL_PLUGIN_PATH must name the built paypal.so"
#endif

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
    // The settings every instance needs; the endpoint is never reached
    // (the test host answers NOT_SENT).
    static std::vector<const char *> base(std::vector<const char *> more = {})
    {
        std::vector<const char *> s = {"client_id", "test-client", "client_secret", "test-secret",
                                       "endpoint", "http://127.0.0.1:9/paypal"};
        s.insert(s.end(), more.begin(), more.end());
        return s;
    }
    void SetUp() override { p = load(base()); }
    void TearDown() override { test_plugin_free(p); }

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
                    TENDER_CAP_VOID_REMAINDER | TENDER_CAP_REAUTHORIZE;
    EXPECT_EQ(m->capabilities, caps);
    EXPECT_TRUE(TENDER_HAS_FIELD(m->ops, tender_method_ops, reauthorize));
    EXPECT_NE(m->ops->reauthorize, nullptr);
    ASSERT_NE(m->regions, nullptr);
    EXPECT_STREQ(m->regions[0], "*");
    EXPECT_EQ(m->regions[1], nullptr);
    EXPECT_EQ(m->hold_seconds, 29 * 86400);
    EXPECT_EQ(m->action_timeout_seconds, 3 * 3600);
    EXPECT_EQ(m->over_capture_bps, 11500u);
    EXPECT_EQ(m->over_capture_max_extra, 7500);
    EXPECT_STREQ(m->over_capture_currency, "USD");
    EXPECT_NE(m->ops->sandbox_fixtures, nullptr);
    // The sandbox's notifications come from tender-sandbox now.
    EXPECT_EQ(m->ops->sandbox_notification, nullptr);
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
    std::vector<std::string> names;
    for (size_t i = 0; i < n; i++)
        names.push_back(fx[i].name);
    EXPECT_EQ(names, (std::vector<std::string>{"approved_capture", "approved_authorize",
                                               "cancelled_by_payer", "instrument_declined",
                                               "transaction_refused", "capture_pending",
                                               "huf_whole_forints", "cny_in_china",
                                               "brl_outside_brazil"}));
    // The one fixture decided before any request: BRL outside Brazil.
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fx[i].name, "brl_outside_brazil") != 0)
            continue;
        Flow f(p, fx[i].currency, 2, fx[i].region);
        auto r = f.op(TENDER_OP_AUTHORIZE, 1000);
        EXPECT_EQ(r->outcome, fx[i].expect_outcome);
        EXPECT_EQ(r->decline_code, fx[i].expect_decline);
    }
}

// ---- settings ----------------------------------------------------------------

TEST_F(Paypal, SettingsRefusedClearly)
{
    std::string e = load_error({"client_secret", "s"});
    EXPECT_NE(e.find("client_id"), std::string::npos) << e;
    e = load_error({"client_id", "c"});
    EXPECT_NE(e.find("client_secret"), std::string::npos) << e;
    test_plugin_free(load({"client_id", "c", "client_secret", "very-secret-value"}));
    EXPECT_NE(load_error(base({"intent", "SALE"})).find("intent"), std::string::npos);
    EXPECT_NE(load_error(base({"mode", "production"})).find("mode"), std::string::npos);
    EXPECT_NE(load_error({"client_id", "c", "client_secret", "s", "endpoint", "ftp://x"}).find("endpoint"),
              std::string::npos);
    e = load_error(base({"webhook_ca_file", "/nonexistent/ca.pem"}));
    EXPECT_NE(e.find("webhook_ca_file"), std::string::npos) << e;
    e = load_error({"client_id", "c", "client_secret", "very-secret-value", "intent", "SALE"});
    EXPECT_EQ(e.find("very-secret-value"), std::string::npos) << "a secret is never printed";
    TestPlugin *ok = load(base({"mode", "live", "intent", "authorize", "webhook_id", "WH-ID-1",
                                "webhook_ca_file",
                                (std::string(PAYPAL_KEYS_DIR) + "/../../sandbox/paypal/keys/ca.pem").c_str()}));
    test_plugin_free(ok);
}

// ---- rules checked before sending ------------------------------------------------

TEST_F(Paypal, IntentParameterChecked)
{
    Flow e(p);
    auto r = e.op(TENDER_OP_AUTHORIZE, 2500, {{"intent", "SALE"}});
    expect_decline(r, TENDER_DECLINE_INVALID_REQUEST, "INVALID_PARAMETER_VALUE");
    EXPECT_NE(std::string(r->message).find("intent"), std::string::npos);
    Flow f(p);
    r = f.op(TENDER_OP_AUTHORIZE, 2500, {{"payer_email", "not-an-email"}});
    expect_decline(r, TENDER_DECLINE_INVALID_ACCOUNT, "INVALID_PARAMETER_SYNTAX");
    Flow g(p);
    r = g.op(TENDER_OP_AUTHORIZE, 2500, {{"return_url", "javascript:alert(1)"}});
    expect_decline(r, TENDER_DECLINE_INVALID_REQUEST, "INVALID_PARAMETER_SYNTAX");
}

TEST_F(Paypal, WithoutATransportNothingIsSent)
{
    // The test host's http service sends nothing: a valid order is NOT_SENT,
    // never approved or declined on a guess.
    Flow f(p);
    auto r = f.op(TENDER_OP_AUTHORIZE, 2500, {{"payer_email", "secret.person@sandbox.example"}});
    EXPECT_EQ(r->outcome, TENDER_OUTCOME_NOT_SENT) << r->message;
    EXPECT_FALSE(test_plugin_logs_contain(p, "secret.person"));
    EXPECT_FALSE(test_plugin_logs_contain(p, "test-secret"));
}

TEST_F(Paypal, WholeUnitCurrencies)
{
    for (const char *cur : {"HUF", "JPY", "TWD"}) {
        SCOPED_TRACE(cur);
        const char *region = !strcmp(cur, "HUF") ? "HU" : !strcmp(cur, "JPY") ? "JP" : "TW";
        // A host sending ISO exponent 2: 10.50 is refused before sending.
        Flow frac(p, cur, 2, region);
        expect_decline(frac.op(TENDER_OP_AUTHORIZE, 1050), TENDER_DECLINE_INVALID_AMOUNT,
                       "DECIMAL_PRECISION");
        Flow whole(p, cur, 2, region);
        EXPECT_EQ(whole.op(TENDER_OP_AUTHORIZE, 1000)->outcome, TENDER_OUTCOME_NOT_SENT);
    }
    Flow usd(p, "USD", 3, "US");
    expect_decline(usd.op(TENDER_OP_AUTHORIZE, 10999), TENDER_DECLINE_INVALID_AMOUNT,
                   "DECIMAL_PRECISION");
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
        EXPECT_EQ(ok.op(TENDER_OP_AUTHORIZE, c.max)->outcome, TENDER_OUTCOME_NOT_SENT);
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
        EXPECT_EQ(home.op(TENDER_OP_AUTHORIZE, 1000)->outcome, TENDER_OUTCOME_NOT_SENT);
    }
}

TEST_F(Paypal, OperationsWithoutAnOrderAreRefused)
{
    Flow f(p);
    for (tender_operation op : {TENDER_OP_CAPTURE, TENDER_OP_VOID, TENDER_OP_REFUND, TENDER_OP_SYNC,
                                TENDER_OP_COMPLETE_ACTION}) {
        auto r = f.op(op, 100, {{"payer_action", "approve"}});
        expect_decline(r, TENDER_DECLINE_OPERATION_NOT_ALLOWED, "INVALID_RESOURCE_ID");
    }
}
