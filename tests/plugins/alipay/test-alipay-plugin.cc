// The alipay plugin through the plugin harness: the built alipay.so with a
// fake host (fixed clock, settings, no network). The rules that need no
// gateway: facts, the checks made before anything is sent, settings at
// create, and signed notifications (valid, repeated, forged, closed,
// finished) applied to trades the test writes as plugin_state, as purchase
// leaves them. The gateway flows run against tender-sandbox in
// test-alipay-sandbox.cc.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "plugin-harness.h"
#include <tender/decline.h>

#include "alipay-test-util.h"

namespace {

const gint64 T0 = 1772359200000; // the harness clock: 2026-03-01T10:00:00Z
const gint64 MINUTE = 60 * 1000;

std::string decline_name(const tender_result *r)
{
    return tender_decline_lookup(r->decline_code)->name;
}

class Alipay : public ::testing::Test {
protected:
    TestPlugin *p = nullptr;
    std::vector<const char *> settings;
    std::string app_private = alipay_test_key("alipay-app-private.pem");
    std::string alipay_public = alipay_test_key("alipay-platform-public.pem");

    void SetUp() override { load({}); }
    void TearDown() override { test_plugin_free(p); }

    void load(std::vector<const char *> kv)
    {
        test_plugin_free(p);
        p = nullptr;
        settings = kv;
        // The credentials every instance needs, unless the test gives them.
        for (const char *key : {"app_id", "app_private_key", "alipay_public_key"}) {
            bool given = false;
            for (size_t i = 0; i + 1 < kv.size(); i += 2)
                given |= std::string(kv[i]) == key;
            if (given)
                continue;
            settings.push_back(key);
            settings.push_back(std::string(key) == "app_id"            ? "9021000100000001"
                               : std::string(key) == "app_private_key" ? app_private.c_str()
                                                                       : alipay_public.c_str());
        }
        settings.push_back(nullptr);
        char *err = nullptr;
        p = test_plugin_load(ALIPAY_SO, "alipay", settings.data(), &err);
        ASSERT_NE(p, nullptr) << (err ? err : "");
        g_free(err);
    }

    tender_request base(tender_operation op, gint64 amount, const std::string &state)
    {
        tender_request r = test_request(op, amount, "CNY", 2);
        r.region = "CN";
        r.plugin_state = state.c_str();
        return r;
    }

    // purchase; returns the result (g_free it).
    tender_result *purchase(gint64 amount, std::vector<tender_param> params = {},
                            const char *payment_id = "pay_test_0001")
    {
        tender_request r = base(TENDER_OP_PURCHASE, amount, "");
        r.payment_id = payment_id;
        r.params = params.data();
        r.n_params = params.size();
        return test_plugin_call(p, &r);
    }

    // A waiting trade as purchase leaves it (created at T0, 15m).
    std::string open_trade(gint64 amount, const char *payment_id = "pay_test_0001")
    {
        return alipay_test_trade_state(payment_id, amount, T0);
    }

    // The notification Alipay would POST for the trade, signed with the
    // platform key the instance trusts (tests/keys, the test's own code).
    std::string alipay_notification(const char *status, const char *total = "12.50",
                                     const char *notify_id = "2026030100222180300000000001",
                                     const char *payment_id = "pay_test_0001",
                                     std::vector<std::pair<std::string, std::string>> extra = {})
    {
        Form f = {{"notify_time", "2026-03-01 18:03:00"},
                  {"notify_type", "trade_status_sync"},
                  {"notify_id", notify_id},
                  {"app_id", "9021000100000001"},
                  {"charset", "utf-8"},
                  {"version", "1.0"},
                  {"trade_no", "2026030122001400000000000001"},
                  {"out_trade_no", payment_id},
                  {"seller_id", "2088721000000001"},
                  {"trade_status", status},
                  {"total_amount", total},
                  {"subject", "Green tea"},
                  {"gmt_create", "2026-03-01 18:00:00"}};
        for (auto &kv : extra)
            form_set(f, kv.first, kv.second);
        form_resign(f, alipay_test_key("alipay-platform-private.pem"));
        return form_build(f);
    }

    tender_result *identify(const std::string &body)
    {
        static const tender_param headers[] = {
            {"Content-Type", "application/x-www-form-urlencoded"}};
        tender_request r = base(TENDER_OP_NOTIFICATION, 0, "");
        r.payment_id = nullptr;
        r.request_id = "req_notify";
        r.headers = headers;
        r.n_headers = 1;
        r.body = body.c_str();
        r.body_len = body.size();
        return test_plugin_call(p, &r);
    }

    tender_result *notify(const std::string &state, const std::string &body,
                          const char *payment_id = "pay_test_0001")
    {
        tender_request r = base(TENDER_OP_NOTIFICATION, 0, state);
        r.payment_id = payment_id;
        r.request_id = "req_notify";
        r.body = body.c_str();
        r.body_len = body.size();
        return test_plugin_call(p, &r);
    }

    // A trade that the buyer paid (through the signed notification).
    std::string paid_trade(gint64 amount, const char *total)
    {
        std::string state = open_trade(amount);
        std::string body = alipay_notification("TRADE_SUCCESS", total);
        tender_result *r = notify(state, body);
        EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_CAPTURED) << r->message;
        std::string paid = r->plugin_state;
        g_free(r);
        return paid;
    }

    tender_result *op(tender_operation o, const std::string &state, gint64 amount = 0,
                      const char *request_id = "req_test_0001")
    {
        tender_request r = base(o, amount, state);
        r.request_id = request_id;
        return test_plugin_call(p, &r);
    }

    std::string state_field(const std::string &state, const char *needle)
    {
        size_t at = state.find(std::string(needle) + "=");
        if (at == std::string::npos)
            return "";
        size_t end = state.find('&', at);
        return state.substr(at + strlen(needle) + 1,
                            end == std::string::npos ? std::string::npos
                                                     : end - at - strlen(needle) - 1);
    }
};

} // namespace

// ---- facts ------------------------------------------------------------------

TEST_F(Alipay, DeclaresItsFacts)
{
    const tender_method *m = p->method;
    EXPECT_STREQ(p->descriptor->id, "alipay");
    EXPECT_STREQ(m->id, "alipay");
    EXPECT_STREQ(m->name, "Alipay");
    uint64_t want = TENDER_CAP_PURCHASE | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_SYNC | TENDER_CAP_NOTIFICATION | TENDER_CAP_VOID |
                    TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_THREAD_SAFE;
    EXPECT_EQ(m->capabilities, want);
    EXPECT_EQ(m->capabilities & (TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE), 0u);
    ASSERT_NE(m->regions, nullptr);
    EXPECT_STREQ(m->regions[0], "CN");
    EXPECT_EQ(m->regions[1], nullptr);
    ASSERT_EQ(m->n_currencies, 1u);
    EXPECT_STREQ(m->currencies[0].code, "CNY");
    EXPECT_EQ(m->currencies[0].exponent, -1);
    EXPECT_EQ(m->currencies[0].min_amount, 10);
    EXPECT_EQ(m->currencies[0].max_amount, 30000000);
    EXPECT_EQ(m->action_timeout_seconds, 15 * 60);
    EXPECT_EQ(m->hold_seconds, 0);
    ASSERT_NE(m->tiers, nullptr);
    EXPECT_STREQ(m->tiers[0], "class_i");
    EXPECT_STREQ(m->tiers[1], "class_ii");
    EXPECT_STREQ(m->tiers[2], "class_iii");
    EXPECT_EQ(m->tiers[3], nullptr);
    std::vector<std::string> names;
    for (size_t i = 0; i < m->n_params; i++) {
        names.push_back(m->params[i].name);
        EXPECT_EQ(m->params[i].flags & TENDER_PARAM_SENSITIVE, 0u);
        EXPECT_EQ(m->params[i].flags & TENDER_PARAM_REQUIRED, 0u);
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"timeout_express", "subject", "product", "return_url"}));
    EXPECT_EQ(m->ops->authorize, nullptr);
    EXPECT_EQ(m->ops->capture, nullptr);
    EXPECT_NE(m->ops->complete_action, nullptr);
    ASSERT_EQ(m->n_action_params, 2u);
    EXPECT_STREQ(m->action_params[0].name, "sandbox_buyer");
    EXPECT_NE(m->action_params[1].flags & TENDER_PARAM_SENSITIVE, 0u) << "the password";
    EXPECT_EQ(m->ops->sandbox_notification, nullptr) << "the simulation lives in tender-sandbox";
    EXPECT_NE(m->ops->void_payment, nullptr);
}

TEST_F(Alipay, FixturesAreDocumentedInputs)
{
    size_t n = 0;
    const tender_fixture *f = p->method->ops->sandbox_fixtures(&n);
    ASSERT_GE(n, 3u);
    for (size_t i = 0; i < n; i++) {
        EXPECT_STREQ(f[i].region, "CN");
        EXPECT_STREQ(f[i].currency, "CNY");
        EXPECT_EQ(f[i].sandbox_event, nullptr) << f[i].name;
        gint64 amount = 0;
        ASSERT_TRUE(g_ascii_string_to_signed(std::string(f[i].amount).erase(
                                                 std::string(f[i].amount).find('.'), 1).c_str(),
                                             10, 0, G_MAXINT64, &amount, nullptr));
        std::vector<tender_param> params(f[i].params, f[i].params + f[i].n_params);
        std::string pid = std::string("pay_fixture_") + f[i].name;
        tender_result *r = purchase(amount, params, pid.c_str());
        // Without a network the trades Alipay would open are not sent; the
        // refusals are the plugin's own, made before sending.
        if (f[i].expect_outcome == TENDER_OUTCOME_ACTION_REQUIRED) {
            EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << f[i].name;
        } else {
            EXPECT_EQ(r->outcome, f[i].expect_outcome) << f[i].name << ": " << r->message;
            EXPECT_EQ(r->decline_code, f[i].expect_decline) << f[i].name;
        }
        g_free(r);
    }
}

// ---- purchase: what is checked before anything is sent -------------------------

TEST_F(Alipay, WithoutTheHttpServiceNothingIsSent)
{
    tender_result *r = purchase(1250);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << r->message;
    EXPECT_STREQ(r->plugin_state, "");
    g_free(r);
}

TEST_F(Alipay, TimeoutExpressParameter)
{
    for (const char *good : {"2h", "1m", "15d", "1c"}) {
        tender_result *r = purchase(1000, {{"timeout_express", good}});
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << good << ": " << r->message;
        g_free(r);
    }
    for (const char *bad : {"0m", "16d", "1.5h", "90s", "", "15"}) {
        tender_result *r = purchase(1000, {{"timeout_express", bad}});
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << bad;
        EXPECT_EQ(decline_name(r), "invalid_request") << bad;
        EXPECT_NE(std::string(r->message).find("timeout_express"), std::string::npos) << bad;
        g_free(r);
    }
}

TEST_F(Alipay, ValidatesParameters)
{
    tender_result *r = purchase(1000, {{"subject", "Tea & cakes"}});
    EXPECT_EQ(decline_name(r), "invalid_request");
    EXPECT_NE(std::string(r->message).find("subject"), std::string::npos);
    g_free(r);
    r = purchase(1000, {{"subject", std::string(257, 'a').c_str()}});
    EXPECT_EQ(decline_name(r), "invalid_request");
    g_free(r);
    r = purchase(1000, {{"product", "barcode"}});
    EXPECT_EQ(decline_name(r), "invalid_request");
    EXPECT_NE(std::string(r->message).find("product"), std::string::npos);
    g_free(r);
    r = purchase(1000, {{"product", "page"}, {"return_url", "javascript:alert(1)"}});
    EXPECT_EQ(decline_name(r), "invalid_request");
    EXPECT_NE(std::string(r->message).find("return_url"), std::string::npos);
    g_free(r);
    r = purchase(1000, {}, "pay/with/slashes");
    EXPECT_EQ(decline_name(r), "invalid_request");
    g_free(r);
    for (const char *product : {"qr", "page", "wap"}) {
        r = purchase(1000, {{"product", product}, {"subject", "Green tea, 2 boxes"}});
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << product;
        g_free(r);
    }
    // Unknown parameters are ignored.
    r = purchase(1000, {{"colour", "red"}});
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT);
    g_free(r);
}

TEST_F(Alipay, CurrencyRegionAndAmountBounds)
{
    tender_request q = base(TENDER_OP_PURCHASE, 1000, "");
    q.currency = "USD";
    tender_result *r = test_plugin_call(p, &q);
    EXPECT_EQ(decline_name(r), "currency_not_supported");
    g_free(r);
    q = base(TENDER_OP_PURCHASE, 1000, "");
    q.region = "US";
    r = test_plugin_call(p, &q);
    EXPECT_EQ(decline_name(r), "region_not_supported");
    g_free(r);
    r = purchase(9);
    EXPECT_EQ(decline_name(r), "amount_out_of_range");
    g_free(r);
    r = purchase(30000001);
    EXPECT_EQ(decline_name(r), "amount_out_of_range");
    EXPECT_STREQ(r->raw_code, "ACQ.TOTAL_FEE_EXCEED");
    g_free(r);
    for (gint64 bound : {10, 30000000}) {
        r = purchase(bound);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << bound;
        g_free(r);
    }
}

// ---- notifications ------------------------------------------------------------

TEST_F(Alipay, PaidNotificationCaptures)
{
    std::string state = open_trade(1250);
    std::string body = alipay_notification("TRADE_SUCCESS");
    tender_result *id = identify(body);
    ASSERT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_STREQ(id->notify_payment_id, "pay_test_0001");
    EXPECT_STREQ(id->notify_id, "2026030100222180300000000001");
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_content_type, "text/plain");
    EXPECT_STREQ(id->reply_body, "success");
    g_free(id);

    tender_result *n = notify(state, body);
    ASSERT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << n->message;
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(n->amount, 1250);
    EXPECT_STREQ(n->reply_body, "success");
    EXPECT_STREQ(n->processor_ref, "2026030122001400000000000001");
    std::string paid = n->plugin_state;
    EXPECT_EQ(state_field(paid, "st"), "TRADE_SUCCESS");
    EXPECT_EQ(state_field(paid, "tno"), "2026030122001400000000000001");
    g_free(n);
}

TEST_F(Alipay, RepeatedNotificationChangesNothing)
{
    std::string state = open_trade(1250);
    std::string body = alipay_notification("TRADE_SUCCESS");
    tender_result *n = notify(state, body);
    ASSERT_EQ(n->event, (uint32_t)TENDER_EVENT_CAPTURED);
    std::string paid = n->plugin_state;
    g_free(n);

    // The same notification again (Alipay repeats until it reads "success").
    n = notify(paid, body);
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(n->reply_body, "success");
    EXPECT_STREQ(n->plugin_state, ""); // empty keeps the state
    g_free(n);

    // A later repeat carries a new notify_time but the same notify_id.
    Form later = form_parse(body);
    form_set(later, "notify_time", "2026-03-01 18:07:00");
    form_resign(later, alipay_test_key("alipay-platform-private.pem"));
    n = notify(paid, form_build(later));
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(n->reply_body, "success");
    EXPECT_STREQ(n->plugin_state, "");
    g_free(n);

    // A different notification for a status already applied: nothing either.
    n = notify(paid, alipay_notification("TRADE_SUCCESS", "12.50", "another-id"));
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(n->reply_body, "success");
    g_free(n);
}

TEST_F(Alipay, ForgedTamperedAndUnsignedNotificationsAreRefused)
{
    std::string state = open_trade(1250);
    std::string body = alipay_notification("TRADE_SUCCESS");
    Form good = form_parse(body);

    auto expect_refused = [&](const std::string &b, const char *what) {
        tender_result *r = identify(b);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << what;
        EXPECT_EQ(decline_name(r), "security_check_failed") << what;
        EXPECT_STREQ(r->reply_body, "failure") << what;
        EXPECT_STREQ(r->notify_payment_id, "") << what;
        g_free(r);
        r = notify(state, b);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << what;
        EXPECT_EQ(decline_name(r), "security_check_failed") << what;
        EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE) << what;
        EXPECT_STREQ(r->plugin_state, "") << what;
        g_free(r);
    };

    // Signed with a key that is not Alipay's (the app's own key).
    Form forged = good;
    form_resign(forged, alipay_test_key("alipay-app-private.pem"));
    expect_refused(form_build(forged), "forged");
    // Tampered amount, order number, date.
    Form t = good;
    form_set(t, "total_amount", "0.10");
    expect_refused(form_build(t), "tampered amount");
    t = good;
    form_set(t, "out_trade_no", "pay_test_0002");
    expect_refused(form_build(t), "tampered out_trade_no");
    t = good;
    form_set(t, "gmt_create", "2026-03-01 18:00:01");
    expect_refused(form_build(t), "tampered date");
    // Unsigned, wrong sign type, garbage.
    t = good;
    form_erase(t, "sign");
    expect_refused(form_build(t), "unsigned");
    t = good;
    form_set(t, "sign_type", "RSA");
    expect_refused(form_build(t), "sign_type RSA");
    expect_refused("", "empty");
    expect_refused("hello", "garbage");
    expect_refused(body + "&total_amount=0.10", "duplicate field");
    // Genuinely signed, but for another app.
    t = good;
    form_set(t, "app_id", "9021000100000002");
    form_resign(t, alipay_test_key("alipay-platform-private.pem"));
    expect_refused(form_build(t), "other app");
    // The unmodified body is fine.
    tender_result *r = identify(body);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    g_free(r);
}

TEST_F(Alipay, NotificationMustMatchTheTradeAndSeller)
{
    // A genuine notification for a 12.50 trade applied to a 99.00 trade with
    // the same order number: the signature is valid, the amount is not.
    std::string big = open_trade(9900);
    tender_result *r = notify(big, alipay_notification("TRADE_SUCCESS", "12.50"));
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(decline_name(r), "security_check_failed");
    EXPECT_NE(std::string(r->message).find("total_amount"), std::string::npos);
    g_free(r);
    // And one for another payment is refused by its order number.
    std::string other = open_trade(1250, "pay_test_0002");
    r = notify(other, alipay_notification("TRADE_SUCCESS"), "pay_test_0002");
    EXPECT_EQ(decline_name(r), "security_check_failed");
    g_free(r);
    // A configured seller must be the one named.
    load({"seller_id", "2088721000000002"});
    r = notify(open_trade(1250), alipay_notification("TRADE_SUCCESS"));
    EXPECT_EQ(decline_name(r), "security_check_failed");
    EXPECT_NE(std::string(r->message).find("seller_id"), std::string::npos);
    g_free(r);
}

TEST_F(Alipay, ClosedNotificationExpiresAWaitingTrade)
{
    std::string state = open_trade(1250);
    tender_result *n = notify(state, alipay_notification("TRADE_CLOSED", "12.50", "closed-1",
                                                         "pay_test_0001",
                                                         {{"gmt_close", "2026-03-01 18:15:00"}}));
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << n->message;
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_EXPIRED);
    EXPECT_STREQ(n->reply_body, "success");
    EXPECT_EQ(state_field(n->plugin_state, "st"), "TRADE_CLOSED");
    g_free(n);
}

TEST_F(Alipay, FinishedTradeIsNoLongerRefundable)
{
    std::string paid = paid_trade(1000, "10.00");
    tender_result *n =
        notify(paid, alipay_notification("TRADE_FINISHED", "10.00", "finished-1"));
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_EQ(state_field(n->plugin_state, "st"), "TRADE_FINISHED");
    g_free(n);
    // The closing notification after a full refund Tender made (the state
    // knows it) changes nothing either.
    std::string refunded = paid;
    size_t ref = refunded.find("&ref=0&");
    ASSERT_NE(ref, std::string::npos) << refunded;
    refunded.replace(ref, 7, "&ref=1000&");
    n = notify(refunded, alipay_notification("TRADE_CLOSED", "10.00", "closed-2", "pay_test_0001",
                                             {{"refund_fee", "10.00"}}));
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE) << n->message;
    EXPECT_STREQ(n->reply_body, "success");
    g_free(n);
    // Made elsewhere (the state does not know it): the refunds are synced.
    n = notify(paid, alipay_notification("TRADE_CLOSED", "10.00", "closed-3", "pay_test_0001",
                                         {{"refund_fee", "10.00"}, {"out_biz_no", "console-1"}}));
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << n->message;
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(n->amount, 1000);
    EXPECT_EQ(state_field(n->plugin_state, "ref"), "1000");
    EXPECT_STREQ(n->reply_body, "success");
    g_free(n);
    // A refund_fee above the trade's total is not believed.
    n = notify(paid, alipay_notification("TRADE_SUCCESS", "10.00", "refund-bad", "pay_test_0001",
                                         {{"refund_fee", "10.01"}}));
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_STRNE(n->reply_body, "success");
    g_free(n);
}

// ---- local refusals of sync, void and refund -------------------------------------

TEST_F(Alipay, OperationsWithoutATradeAreRefused)
{
    for (tender_operation o : {TENDER_OP_SYNC, TENDER_OP_VOID, TENDER_OP_REFUND}) {
        tender_result *r = op(o, "", 100);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << o;
        g_free(r);
        r = op(o, "garbage=1", 100);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << o;
        g_free(r);
    }
}

TEST_F(Alipay, VoidOfAPaidOrTimedOutTradeIsRefusedLocally)
{
    tender_result *v = op(TENDER_OP_VOID, paid_trade(1250, "12.50"));
    EXPECT_EQ(decline_name(v), "operation_not_allowed");
    EXPECT_STREQ(v->raw_code, "ACQ.TRADE_STATUS_ERROR");
    g_free(v);
    p->now_ms = T0 + 15 * MINUTE;
    v = op(TENDER_OP_VOID, open_trade(1250));
    EXPECT_EQ(decline_name(v), "operation_not_allowed");
    EXPECT_NE(std::string(v->message).find("timeout"), std::string::npos) << v->message;
    g_free(v);
}

TEST_F(Alipay, SandboxBuyerIsRefusedInLiveMode)
{
    load({"mode", "live"});
    std::string state = open_trade(1250);
    tender_request r = base(TENDER_OP_COMPLETE_ACTION, 0, state);
    tender_param buyer[] = {{"sandbox_buyer", "buyer-iii@sandbox.alipay.test"}};
    r.params = buyer;
    r.n_params = 1;
    tender_result *res = test_plugin_call(p, &r);
    EXPECT_EQ(decline_name(res), "invalid_request");
    EXPECT_NE(std::string(res->message).find("sandbox_buyer"), std::string::npos);
    g_free(res);
}

TEST_F(Alipay, RefundNeedsARequestNumberAndAnAmount)
{
    std::string paid = paid_trade(1250, "12.50");
    tender_result *r = op(TENDER_OP_REFUND, paid, 0, "rf-1");
    EXPECT_EQ(decline_name(r), "invalid_amount");
    EXPECT_STREQ(r->raw_code, "ACQ.REASON_TRADE_REFUND_FEE_ERR");
    g_free(r);
    r = op(TENDER_OP_REFUND, paid, 100, "");
    EXPECT_EQ(decline_name(r), "invalid_request");
    g_free(r);
    r = op(TENDER_OP_REFUND, paid, 100, std::string(65, 'r').c_str());
    EXPECT_EQ(decline_name(r), "invalid_request");
    g_free(r);
    r = op(TENDER_OP_REFUND, paid, 100, "rf-1");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << r->message;
    g_free(r);
}

// ---- settings ------------------------------------------------------------------------

TEST_F(Alipay, BadSettingsFailCreateClearly)
{
    struct Case {
        std::vector<const char *> settings;
        const char *needle;
    };
    std::string bad_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
    std::string weak = alipay_test_key("alipay-weak-1024-private.pem");
    std::string app_public = alipay_test_key("alipay-app-public.pem");
    std::vector<Case> cases = {
        {{"settlement_currency", "RUB"}, "settlement_currency"},
        {{"settlement_currency", "usd"}, "settlement_currency"},
        {{"mode", "production"}, "mode"},
        {{"endpoint", "ftp://openapi.alipay.com/gateway.do"}, "endpoint"},
        {{"timeout_express", "16d"}, "timeout_express"},
        {{"timeout_express", "90s"}, "timeout_express"},
        {{"app_id", "abc"}, "app_id"},
        {{"app_id", ""}, "app_id"},
        {{"seller_id", "12345"}, "seller_id"},
        {{"alipay_public_key", bad_pem.c_str()}, "alipay_public_key"},
        {{"alipay_public_key", "garbage"}, "alipay_public_key"},
        {{"alipay_public_key", ""}, "alipay_public_key"},
        // The app's own public key where Alipay's belongs.
        {{"alipay_public_key", app_public.c_str()}, "alipay_public_key"},
        {{"app_private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
         "app_private_key"},
        {{"app_private_key", ""}, "app_private_key"},
        {{"app_private_key", weak.c_str()}, "2048"},
    };
    for (auto &c : cases) {
        std::vector<const char *> kv = c.settings;
        for (const char *key : {"app_id", "app_private_key", "alipay_public_key"}) {
            if (std::string(c.settings[0]) == key)
                continue;
            kv.push_back(key);
            kv.push_back(std::string(key) == "app_id"            ? "9021000100000001"
                         : std::string(key) == "app_private_key" ? app_private.c_str()
                                                                 : alipay_public.c_str());
        }
        kv.push_back(nullptr);
        char *err = nullptr;
        TestPlugin *t = test_plugin_load(ALIPAY_SO, "alipay", kv.data(), &err);
        EXPECT_EQ(t, nullptr) << c.needle;
        ASSERT_NE(err, nullptr) << c.needle;
        EXPECT_NE(std::string(err).find(c.needle), std::string::npos) << err;
        g_free(err);
        test_plugin_free(t);
    }
    // Nothing at all: the first missing credential is named.
    char *err = nullptr;
    const char *none[] = {nullptr};
    TestPlugin *t = test_plugin_load(ALIPAY_SO, "alipay", none, &err);
    EXPECT_EQ(t, nullptr);
    ASSERT_NE(err, nullptr);
    EXPECT_NE(std::string(err).find("app_id"), std::string::npos) << err;
    g_free(err);
    test_plugin_free(t);
}

TEST_F(Alipay, ConsoleFormKeysLiveModeAndSettlementCurrency)
{
    // The operator's own keys, in the bare base64 form Alipay's console shows.
    std::string bare_private = alipay_test_pem_body(app_private);
    std::string bare_public = alipay_test_pem_body(alipay_public);
    load({"mode", "live", "app_id", "2021000100000077", "app_private_key", bare_private.c_str(),
          "alipay_public_key", bare_public.c_str(), "settlement_currency", "USD",
          "timeout_express", "2h"});
    tender_result *r = purchase(1000);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_NOT_SENT) << r->message;
    g_free(r);
}

TEST_F(Alipay, NothingSensitiveIsLogged)
{
    std::string state = paid_trade(1000, "10.00");
    tender_result *r = op(TENDER_OP_REFUND, state, 100, "rf-1");
    g_free(r);
    r = purchase(1000);
    g_free(r);
    EXPECT_FALSE(test_plugin_logs_contain(p, "PRIVATE KEY"));
    EXPECT_FALSE(test_plugin_logs_contain(p, "BEGIN"));
}

TEST_F(Alipay, OneInstanceServesConcurrentCalls)
{
    // Declared THREAD_SAFE: the instance (settings, keys) is read-only.
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([this, t, &failures] {
            for (int i = 0; i < 10; i++) {
                std::string pid = "pay_thread_" + std::to_string(t) + "_" + std::to_string(i);
                std::string state = alipay_test_trade_state(pid.c_str(), 1250, T0);
                std::string body = alipay_notification(
                    "TRADE_SUCCESS", "12.50", ("n-" + pid).c_str(), pid.c_str());
                tender_request n = base(TENDER_OP_NOTIFICATION, 0, state);
                n.payment_id = pid.c_str();
                n.body = body.c_str();
                n.body_len = body.size();
                tender_result *res = test_plugin_call(p, &n);
                failures[t] += res->event != TENDER_EVENT_CAPTURED;
                g_free(res);
            }
        });
    }
    for (auto &th : threads)
        th.join();
    for (int t = 0; t < 4; t++)
        EXPECT_EQ(failures[t], 0) << "thread " << t;
}
