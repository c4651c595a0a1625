// The alipay plugin through the plugin harness: the built alipay.so with a
// fake host (fixed clock, settings). Every rule of the method: facts,
// parameters, the QR flow, signed notifications (valid, repeated, forged),
// timeouts, close, refunds, and settings at create.
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

// A field of a form body (a copy), or `absent` when it is not there.
std::string body_field(const std::string &body, const char *key, const char *absent = "(absent)")
{
    Form f = form_parse(body);
    const std::string *v = form_get(f, key);
    return v ? *v : absent;
}

std::string decline_name(const tender_result *r)
{
    return tender_decline_lookup(r->decline_code)->name;
}

class Alipay : public ::testing::Test {
protected:
    TestPlugin *p = nullptr;
    std::vector<const char *> settings;

    void SetUp() override { load({}); }
    void TearDown() override { test_plugin_free(p); }

    void load(std::vector<const char *> kv)
    {
        test_plugin_free(p);
        p = nullptr;
        settings = kv;
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

    // purchase that must succeed; returns the plugin_state.
    std::string open_trade(gint64 amount, std::vector<tender_param> params = {},
                           const char *payment_id = "pay_test_0001")
    {
        tender_result *r = purchase(amount, params, payment_id);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
        std::string state = r->plugin_state;
        g_free(r);
        return state;
    }

    // The sandbox notification body for event (empty when refused).
    std::string sandbox(const std::string &state, const char *event, tender_result **out = nullptr,
                        const char *payment_id = "pay_test_0001")
    {
        tender_request r = base(TENDER_OP_NOTIFICATION, 0, state);
        r.payment_id = payment_id;
        tender_result *res = test_plugin_sandbox_notification(p, &r, event);
        std::string body = res->outcome == TENDER_OUTCOME_APPROVED ? res->notify_body : "";
        if (out)
            *out = res;
        else
            g_free(res);
        return body;
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
    std::string paid_trade(gint64 amount)
    {
        std::string state = open_trade(amount);
        std::string body = sandbox(state, "paid");
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
                    TENDER_CAP_THREAD_SAFE;
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
    EXPECT_EQ(names, (std::vector<std::string>{"timeout_express", "subject", "buyer_id"}));
    EXPECT_EQ(m->ops->authorize, nullptr);
    EXPECT_EQ(m->ops->capture, nullptr);
    EXPECT_EQ(m->ops->complete_action, nullptr);
    EXPECT_NE(m->ops->void_payment, nullptr);
}

TEST_F(Alipay, FixturesAreDocumentedInputs)
{
    size_t n = 0;
    const tender_fixture *f = p->method->ops->sandbox_fixtures(&n);
    ASSERT_GE(n, 4u);
    for (size_t i = 0; i < n; i++) {
        EXPECT_STREQ(f[i].region, "CN");
        EXPECT_STREQ(f[i].currency, "CNY");
        // Each fixture does what it says through the plugin.
        gint64 amount = 0;
        ASSERT_TRUE(g_ascii_string_to_signed(std::string(f[i].amount).erase(
                                                 std::string(f[i].amount).find('.'), 1).c_str(),
                                             10, 0, G_MAXINT64, &amount, nullptr));
        std::vector<tender_param> params(f[i].params, f[i].params + f[i].n_params);
        std::string pid = std::string("pay_fixture_") + f[i].name;
        tender_result *r = purchase(amount, params, pid.c_str());
        EXPECT_EQ(r->outcome, f[i].expect_outcome) << f[i].name << ": " << r->message;
        EXPECT_EQ(r->decline_code, f[i].expect_decline) << f[i].name;
        if (f[i].sandbox_event) {
            std::string body = sandbox(r->plugin_state, f[i].sandbox_event, nullptr, pid.c_str());
            tender_result *n2 = notify(r->plugin_state, body, pid.c_str());
            EXPECT_EQ(n2->outcome, f[i].expect_after_action) << f[i].name;
            g_free(n2);
        }
        g_free(r);
    }
}

// ---- purchase: the QR flow ----------------------------------------------------

TEST_F(Alipay, PurchaseReturnsQrCodeAndWaitsForPayment)
{
    tender_result *r = purchase(1250);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_QR_CODE);
    std::string qr = r->action_data;
    EXPECT_EQ(qr.rfind("https://qr.alipay.com/bax0", 0), 0u) << qr;
    EXPECT_EQ(qr.size(), strlen("https://qr.alipay.com/bax0") + 20);
    EXPECT_EQ(r->action_expires_ms, T0 + 15 * MINUTE);
    std::string details = r->details;
    EXPECT_NE(details.find("trade_status=WAIT_BUYER_PAY"), std::string::npos) << details;
    EXPECT_NE(details.find("redirect_url=" + qr), std::string::npos) << details;
    EXPECT_NE(details.find("timeout_express=15m"), std::string::npos) << details;
    EXPECT_NE(std::string(r->action_hint).find("12.50 CNY"), std::string::npos) << r->action_hint;
    EXPECT_STREQ(r->raw_code, "10000");
    EXPECT_STREQ(r->display_brand, "Alipay");
    // The state holds the trade: order number = payment id, status, total.
    std::string state = r->plugin_state;
    EXPECT_LT(state.size(), (size_t)TENDER_RESULT_STATE_MAX);
    EXPECT_EQ(state_field(state, "otn"), "pay_test_0001");
    EXPECT_EQ(state_field(state, "st"), "WAIT_BUYER_PAY");
    EXPECT_EQ(state_field(state, "tot"), "1250");
    EXPECT_EQ(state_field(state, "ref"), "0");
    EXPECT_EQ(state_field(state, "te"), "15m");
    // Deterministic: the same payment gives the same QR payload.
    tender_result *again = purchase(1250);
    EXPECT_STREQ(again->action_data, r->action_data);
    tender_result *other = purchase(1250, {}, "pay_test_0002");
    EXPECT_STRNE(other->action_data, r->action_data);
    g_free(r);
    g_free(again);
    g_free(other);
}

TEST_F(Alipay, TimeoutExpressParameter)
{
    tender_result *r = purchase(1000, {{"timeout_express", "2h"}});
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(r->action_expires_ms, T0 + 120 * MINUTE);
    g_free(r);
    r = purchase(1000, {{"timeout_express", "1m"}});
    EXPECT_EQ(r->action_expires_ms, T0 + MINUTE);
    g_free(r);
    r = purchase(1000, {{"timeout_express", "15d"}});
    EXPECT_EQ(r->action_expires_ms, T0 + 15 * 24 * 60 * MINUTE);
    g_free(r);
    r = purchase(1000, {{"timeout_express", "1c"}});
    EXPECT_EQ(r->action_expires_ms, T0 + 6 * 60 * MINUTE); // Beijing midnight
    g_free(r);
    for (const char *bad : {"0m", "16d", "1.5h", "90s", "", "15"}) {
        r = purchase(1000, {{"timeout_express", bad}});
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << bad;
        EXPECT_EQ(decline_name(r), "invalid_request") << bad;
        EXPECT_NE(std::string(r->message).find("timeout_express"), std::string::npos) << bad;
        g_free(r);
    }
}

TEST_F(Alipay, ValidatesParametersAndBuyer)
{
    tender_result *r = purchase(1000, {{"subject", "Tea & cakes"}});
    EXPECT_EQ(decline_name(r), "invalid_request");
    EXPECT_NE(std::string(r->message).find("subject"), std::string::npos);
    g_free(r);
    r = purchase(1000, {{"subject", "Green tea, 2 boxes"}});
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    g_free(r);
    for (const char *bad : {"12345", "2088abc000000051", "1088000000000051", "20880000000000511"}) {
        r = purchase(1000, {{"buyer_id", bad}});
        EXPECT_EQ(decline_name(r), "invalid_account") << bad;
        EXPECT_NE(std::string(r->message).find("buyer_id"), std::string::npos);
        g_free(r);
    }
    // Unknown parameters are ignored.
    r = purchase(1000, {{"colour", "red"}});
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
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
    r = purchase(10);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    g_free(r);
    r = purchase(30000000);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    g_free(r);
}

TEST_F(Alipay, SandboxTestBuyers)
{
    tender_result *r = purchase(5000, {{"buyer_id", "2088000000000051"}});
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(decline_name(r), "insufficient_funds");
    EXPECT_STREQ(r->raw_code, "ACQ.BUYER_BALANCE_NOT_ENOUGH");
    g_free(r);
    r = purchase(5000, {{"buyer_id", "2088000000000061"}});
    EXPECT_EQ(decline_name(r), "limit_exceeded");
    EXPECT_STREQ(r->raw_code, "ACQ.BEYOND_PAY_RESTRICTION");
    g_free(r);
    r = purchase(5000, {{"buyer_id", "2088102177846880"}});
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_STREQ(r->display_account, "2088********6880");
    g_free(r);
}

// ---- notifications ------------------------------------------------------------

TEST_F(Alipay, PaidNotificationIsSignedFormPostAndCaptures)
{
    std::string state = open_trade(1250, {{"subject", "Green tea"}});
    p->now_ms = T0 + 3 * MINUTE;
    tender_result *sn = nullptr;
    std::string body = sandbox(state, "paid", &sn);
    ASSERT_FALSE(body.empty()) << sn->message;
    EXPECT_STREQ(sn->notify_headers, "Content-Type: application/x-www-form-urlencoded\n");
    g_free(sn);

    // What Alipay would POST, verified independently of the plugin's code.
    Form f = form_parse(body);
    EXPECT_EQ(*form_get(f, "notify_type"), "trade_status_sync");
    EXPECT_EQ(*form_get(f, "trade_status"), "TRADE_SUCCESS");
    EXPECT_EQ(*form_get(f, "out_trade_no"), "pay_test_0001");
    EXPECT_EQ(*form_get(f, "total_amount"), "12.50");
    EXPECT_EQ(*form_get(f, "receipt_amount"), "12.50");
    EXPECT_EQ(*form_get(f, "buyer_pay_amount"), "12.50");
    EXPECT_EQ(*form_get(f, "charset"), "utf-8");
    EXPECT_EQ(*form_get(f, "version"), "1.0");
    EXPECT_EQ(*form_get(f, "sign_type"), "RSA2");
    EXPECT_EQ(*form_get(f, "app_id"), "9021000100000001");
    EXPECT_EQ(*form_get(f, "subject"), "Green tea");
    EXPECT_EQ(*form_get(f, "gmt_payment"), "2026-03-01 18:03:00");
    EXPECT_EQ(*form_get(f, "notify_time"), "2026-03-01 18:03:00");
    EXPECT_EQ(*form_get(f, "gmt_create"), "2026-03-01 18:00:00");
    EXPECT_EQ(form_get(f, "trade_no")->size(), 28u);
    EXPECT_EQ(form_get(f, "trade_no")->rfind("2026030122001", 0), 0u);
    EXPECT_NE(form_get(f, "notify_id"), nullptr);
    EXPECT_NE(form_get(f, "fund_bill_list"), nullptr);
    EXPECT_TRUE(rsa2_verify(alipay_test_key("alipay-platform-public.pem"),
                            notification_signing_string(f, false), *form_get(f, "sign")));

    tender_result *id = identify(body);
    ASSERT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_STREQ(id->notify_payment_id, "pay_test_0001");
    EXPECT_EQ(std::string(id->notify_id), *form_get(f, "notify_id"));
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_content_type, "text/plain");
    EXPECT_STREQ(id->reply_body, "success");
    g_free(id);

    tender_result *n = notify(state, body);
    ASSERT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << n->message;
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(n->amount, 1250);
    EXPECT_STREQ(n->reply_body, "success");
    EXPECT_EQ(std::string(n->processor_ref), *form_get(f, "trade_no"));
    std::string paid = n->plugin_state;
    EXPECT_EQ(state_field(paid, "st"), "TRADE_SUCCESS");
    EXPECT_EQ(state_field(paid, "tno"), *form_get(f, "trade_no"));
    g_free(n);

    // sync now tells the same truth.
    tender_result *s = op(TENDER_OP_SYNC, paid);
    EXPECT_EQ(s->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(s->amount, 1250);
    EXPECT_STREQ(s->raw_code, "TRADE_SUCCESS");
    g_free(s);
}

TEST_F(Alipay, RepeatedNotificationChangesNothing)
{
    std::string state = open_trade(1250);
    std::string body = sandbox(state, "paid");
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
    p->now_ms = T0 + 10 * MINUTE;
    tender_request r = base(TENDER_OP_NOTIFICATION, 0, state);
    tender_result *sn = test_plugin_sandbox_notification(p, &r, "paid");
    std::string later = sn->notify_body;
    g_free(sn);
    ASSERT_NE(later, body);
    EXPECT_EQ(body_field(later, "notify_id"), body_field(body, "notify_id"));
    n = notify(paid, later);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(n->reply_body, "success");
    EXPECT_STREQ(n->plugin_state, "");
    g_free(n);

    // A different notification for a status already applied: nothing either.
    Form f = form_parse(body);
    form_set(f, "notify_id", "another-id-for-the-same-payment");
    form_resign(f, alipay_test_key("alipay-platform-private.pem"));
    n = notify(paid, form_build(f));
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(n->reply_body, "success");
    g_free(n);
}

TEST_F(Alipay, ForgedTamperedAndUnsignedNotificationsAreRefused)
{
    std::string state = open_trade(1250);
    std::string body = sandbox(state, "paid");
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
    // Tampered amount, status, order number.
    Form t = good;
    form_set(t, "total_amount", "0.10");
    expect_refused(form_build(t), "tampered amount");
    t = good;
    form_set(t, "out_trade_no", "pay_test_0002");
    expect_refused(form_build(t), "tampered out_trade_no");
    t = good;
    form_set(t, "gmt_payment", "2026-03-01 18:00:01");
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

TEST_F(Alipay, NotificationMustMatchTheTradeAmount)
{
    // A genuine notification for a 12.50 trade applied to a 99.00 trade with
    // the same order number: the signature is valid, the amount is not.
    std::string small = open_trade(1250);
    std::string body = sandbox(small, "paid");
    std::string big = open_trade(9900);
    tender_result *r = notify(big, body);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(decline_name(r), "security_check_failed");
    EXPECT_NE(std::string(r->message).find("total_amount"), std::string::npos);
    g_free(r);
    // And one for another payment is refused by its order number.
    std::string other = open_trade(1250, {}, "pay_test_0002");
    r = notify(other, body, "pay_test_0002");
    EXPECT_EQ(decline_name(r), "security_check_failed");
    g_free(r);
}

TEST_F(Alipay, ClosedNotificationVoidsOrExpires)
{
    std::string state = open_trade(1250);
    p->now_ms = T0 + 5 * MINUTE;
    std::string body = sandbox(state, "closed");
    ASSERT_FALSE(body.empty());
    EXPECT_EQ(body_field(body, "trade_status"), "TRADE_CLOSED");
    EXPECT_EQ(body_field(body, "gmt_payment"), "(absent)");
    tender_result *n = notify(state, body);
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_VOIDED);
    EXPECT_STREQ(n->reply_body, "success");
    g_free(n);

    p->now_ms = T0 + 16 * MINUTE;
    body = sandbox(state, "closed");
    n = notify(state, body);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_EXPIRED);
    std::string closed = n->plugin_state;
    EXPECT_EQ(state_field(closed, "st"), "TRADE_CLOSED");
    g_free(n);
    // Payment is impossible on a closed trade.
    tender_result *sn = nullptr;
    EXPECT_EQ(sandbox(closed, "paid", &sn), "");
    EXPECT_EQ(decline_name(sn), "operation_not_allowed");
    g_free(sn);
}

TEST_F(Alipay, FinishedTradeIsNoLongerRefundable)
{
    std::string paid = paid_trade(1000);
    std::string body = sandbox(paid, "finished");
    ASSERT_FALSE(body.empty());
    tender_result *n = notify(paid, body);
    EXPECT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_NONE);
    std::string finished = n->plugin_state;
    EXPECT_EQ(state_field(finished, "st"), "TRADE_FINISHED");
    g_free(n);
    tender_result *r = op(TENDER_OP_REFUND, finished, 100, "rf-1");
    EXPECT_EQ(decline_name(r), "operation_not_allowed");
    EXPECT_STREQ(r->raw_code, "ACQ.TRADE_NOT_ALLOW_REFUND");
    g_free(r);
    r = op(TENDER_OP_SYNC, finished);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_CAPTURED);
    g_free(r);
}

TEST_F(Alipay, UnknownSandboxEventIsRefused)
{
    std::string state = open_trade(1000);
    tender_result *sn = nullptr;
    EXPECT_EQ(sandbox(state, "exploded", &sn), "");
    EXPECT_EQ(decline_name(sn), "invalid_request");
    g_free(sn);
    EXPECT_EQ(sandbox(state, "finished", &sn), ""); // not paid yet
    EXPECT_EQ(decline_name(sn), "operation_not_allowed");
    g_free(sn);
}

// ---- timeout, sync, close ----------------------------------------------------------

TEST_F(Alipay, UnpaidTradeClosesAfterItsTimeout)
{
    std::string state = open_trade(1250, {{"timeout_express", "30m"}});
    p->now_ms = T0 + 29 * MINUTE;
    tender_result *s = op(TENDER_OP_SYNC, state);
    EXPECT_EQ(s->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_ACTION_REQUIRED);
    EXPECT_EQ(s->action_kind, (uint32_t)TENDER_ACTION_QR_CODE);
    EXPECT_EQ(s->action_expires_ms, T0 + 30 * MINUTE);
    EXPECT_STREQ(s->raw_code, "WAIT_BUYER_PAY");
    g_free(s);

    p->now_ms = T0 + 30 * MINUTE;
    s = op(TENDER_OP_SYNC, state);
    EXPECT_EQ(s->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_EXPIRED);
    EXPECT_STREQ(s->raw_code, "TRADE_CLOSED");
    std::string closed = s->plugin_state;
    EXPECT_EQ(state_field(closed, "st"), "TRADE_CLOSED");
    g_free(s);
    // After the deadline the buyer cannot pay, and close has nothing to do.
    tender_result *sn = nullptr;
    EXPECT_EQ(sandbox(state, "paid", &sn), "");
    g_free(sn);
    tender_result *v = op(TENDER_OP_VOID, state);
    EXPECT_EQ(decline_name(v), "operation_not_allowed");
    EXPECT_NE(std::string(v->message).find("timeout"), std::string::npos) << v->message;
    g_free(v);
}

TEST_F(Alipay, VoidClosesAnUnpaidTrade)
{
    std::string state = open_trade(1250);
    tender_result *v = op(TENDER_OP_VOID, state);
    EXPECT_EQ(v->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << v->message;
    EXPECT_EQ(v->event, (uint32_t)TENDER_EVENT_VOIDED);
    std::string closed = v->plugin_state;
    EXPECT_EQ(state_field(closed, "st"), "TRADE_CLOSED");
    g_free(v);
    tender_result *s = op(TENDER_OP_SYNC, closed);
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_VOIDED);
    g_free(s);
    tender_result *sn = nullptr;
    EXPECT_EQ(sandbox(closed, "paid", &sn), "");
    g_free(sn);
    // A paid trade cannot be closed: it is refunded instead.
    std::string paid = paid_trade(1250);
    v = op(TENDER_OP_VOID, paid);
    EXPECT_EQ(decline_name(v), "operation_not_allowed");
    EXPECT_STREQ(v->raw_code, "ACQ.TRADE_STATUS_ERROR");
    g_free(v);
}

// ---- refunds -----------------------------------------------------------------------

TEST_F(Alipay, RefundBeforePaymentIsNotAllowed)
{
    std::string state = open_trade(1250);
    tender_result *r = op(TENDER_OP_REFUND, state, 500, "rf-1");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(decline_name(r), "operation_not_allowed");
    EXPECT_STREQ(r->raw_code, "ACQ.TRADE_STATUS_ERROR");
    g_free(r);
}

TEST_F(Alipay, PartialRefundsWithTheirOwnRequestNumbers)
{
    std::string state = paid_trade(10000);

    tender_result *r = op(TENDER_OP_REFUND, state, 3000, "rf-1");
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << r->message;
    EXPECT_EQ(r->amount, 3000);
    EXPECT_NE(std::string(r->details).find("fund_change=Y"), std::string::npos);
    EXPECT_NE(std::string(r->details).find("refund_fee=30.00"), std::string::npos);
    state = r->plugin_state;
    EXPECT_EQ(state_field(state, "ref"), "3000");
    EXPECT_EQ(state_field(state, "st"), "TRADE_SUCCESS");
    g_free(r);

    // The same request number again: the first result, no money moves.
    r = op(TENDER_OP_REFUND, state, 3000, "rf-1");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->amount, 3000);
    EXPECT_NE(std::string(r->details).find("fund_change=N"), std::string::npos);
    EXPECT_EQ(state_field(r->plugin_state, "ref"), "3000");
    g_free(r);
    // Even when the repeat names another amount.
    r = op(TENDER_OP_REFUND, state, 7000, "rf-1");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->amount, 3000);
    EXPECT_EQ(state_field(r->plugin_state, "ref"), "3000");
    g_free(r);

    // A second number refunds again.
    r = op(TENDER_OP_REFUND, state, 2000, "rf-2");
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    state = r->plugin_state;
    EXPECT_EQ(state_field(state, "ref"), "5000");
    g_free(r);
    r = op(TENDER_OP_SYNC, state);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(r->amount, 5000);
    g_free(r);

    // Refunds never exceed the trade.
    r = op(TENDER_OP_REFUND, state, 5001, "rf-3");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(decline_name(r), "invalid_amount");
    EXPECT_STREQ(r->raw_code, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
    g_free(r);
    r = op(TENDER_OP_REFUND, state, 0, "rf-3");
    EXPECT_EQ(decline_name(r), "invalid_amount");
    EXPECT_STREQ(r->raw_code, "ACQ.REASON_TRADE_REFUND_FEE_ERR");
    g_free(r);

    // The rest closes the trade.
    r = op(TENDER_OP_REFUND, state, 5000, "rf-3");
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    state = r->plugin_state;
    EXPECT_EQ(state_field(state, "ref"), "10000");
    EXPECT_EQ(state_field(state, "st"), "TRADE_CLOSED");
    EXPECT_NE(std::string(r->details).find("trade_status=TRADE_CLOSED"), std::string::npos);
    g_free(r);
    r = op(TENDER_OP_REFUND, state, 1, "rf-4");
    EXPECT_EQ(decline_name(r), "operation_not_allowed");
    EXPECT_STREQ(r->raw_code, "ACQ.TRADE_HAS_CLOSE");
    g_free(r);
    // A repeated number still answers with its first result.
    r = op(TENDER_OP_REFUND, state, 2000, "rf-2");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->amount, 2000);
    g_free(r);
    r = op(TENDER_OP_SYNC, state);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(r->amount, 10000);
    g_free(r);
    // Alipay's TRADE_CLOSED notification after the full refund changes nothing.
    std::string body = sandbox(state, "closed");
    ASSERT_FALSE(body.empty());
    EXPECT_EQ(body_field(body, "refund_fee"), "100.00");
    r = notify(state, body);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(r->reply_body, "success");
    g_free(r);
}

TEST_F(Alipay, RefundNumbersAreBoundedToKeepTheStateSmall)
{
    std::string state = paid_trade(100000);
    for (int i = 0; i < 50; i++) {
        std::string no = "refund-number-" + std::to_string(i);
        tender_result *r = op(TENDER_OP_REFUND, state, 1, no.c_str());
        ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << i << r->message;
        state = r->plugin_state;
        g_free(r);
    }
    EXPECT_LT(state.size(), 2000u);
    tender_result *r = op(TENDER_OP_REFUND, state, 1, "refund-number-50");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_STREQ(r->raw_code, "REFUND_COUNT_LIMIT");
    g_free(r);
    r = op(TENDER_OP_REFUND, state, 1, "refund-number-7");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(state_field(r->plugin_state, "ref"), "50");
    g_free(r);
}

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

// ---- settings ------------------------------------------------------------------------

TEST_F(Alipay, BadSettingsFailCreateClearly)
{
    struct Case {
        std::vector<const char *> settings;
        const char *needle;
    };
    std::string bad_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
    std::string weak = alipay_test_key("alipay-weak-1024-private.pem");
    std::string other_public = alipay_test_key("alipay-platform-public.pem");
    std::string app_private = alipay_test_key("alipay-app-private.pem");
    std::vector<Case> cases = {
        {{"settlement_currency", "RUB"}, "settlement_currency"},
        {{"settlement_currency", "usd"}, "settlement_currency"},
        {{"mode", "live"}, "mode"},
        {{"timeout_express", "16d"}, "timeout_express"},
        {{"timeout_express", "90s"}, "timeout_express"},
        {{"app_id", "abc"}, "app_id"},
        {{"seller_id", "12345"}, "seller_id"},
        {{"alipay_public_key", bad_pem.c_str()}, "alipay_public_key"},
        {{"alipay_public_key", "garbage"}, "alipay_public_key"},
        {{"app_private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
         "app_private_key"},
        {{"app_private_key", weak.c_str()}, "2048"},
        {{"app_public_key", bad_pem.c_str()}, "app_public_key"},
        // A public key that is not the private key's half.
        {{"app_private_key", app_private.c_str(), "app_public_key", other_public.c_str()},
         "app_public_key"},
    };
    for (auto &c : cases) {
        std::vector<const char *> kv = c.settings;
        kv.push_back(nullptr);
        char *err = nullptr;
        TestPlugin *t = test_plugin_load(ALIPAY_SO, "alipay", kv.data(), &err);
        EXPECT_EQ(t, nullptr) << c.needle;
        ASSERT_NE(err, nullptr);
        EXPECT_NE(std::string(err).find(c.needle), std::string::npos) << err;
        g_free(err);
        test_plugin_free(t);
    }
}

TEST_F(Alipay, ConfiguredKeysAndSettlementCurrency)
{
    // The operator's own keys, in the bare base64 form Alipay's console shows.
    std::string app_private = alipay_test_pem_body(alipay_test_key("alipay-app-private.pem"));
    std::string alipay_public = alipay_test_pem_body(alipay_test_key("alipay-platform-public.pem"));
    load({"mode", "sandbox", "app_id", "9021000100000077", "app_private_key", app_private.c_str(),
          "alipay_public_key", alipay_public.c_str(), "settlement_currency", "USD",
          "timeout_express", "2h"});
    tender_result *r = purchase(1000);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
    EXPECT_EQ(r->action_expires_ms, T0 + 120 * MINUTE);
    EXPECT_NE(std::string(r->details).find("settle_currency=USD"), std::string::npos);
    std::string state = r->plugin_state;
    g_free(r);
    std::string body = sandbox(state, "paid");
    EXPECT_EQ(body_field(body, "app_id"), "9021000100000077");
    tender_result *n = notify(state, body);
    EXPECT_EQ(n->event, (uint32_t)TENDER_EVENT_CAPTURED);
    g_free(n);
}

TEST_F(Alipay, ForeignAlipayPublicKeyRejectsSandboxNotifications)
{
    // With another "Alipay public key" the sandbox's signatures do not verify,
    // exactly like a live merchant configured with the wrong key.
    load({"alipay_public_key", alipay_test_key("alipay-app-public.pem").c_str()});
    EXPECT_TRUE(test_plugin_logs_contain(p, "alipay_public_key"));
    std::string state = open_trade(1000);
    std::string body = sandbox(state, "paid");
    tender_result *r = identify(body);
    EXPECT_EQ(decline_name(r), "security_check_failed");
    g_free(r);
}

TEST_F(Alipay, NothingSensitiveIsLogged)
{
    std::string state = paid_trade(1000);
    tender_result *r = op(TENDER_OP_REFUND, state, 100, "rf-1");
    g_free(r);
    EXPECT_FALSE(test_plugin_logs_contain(p, "PRIVATE KEY"));
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
                tender_request r = base(TENDER_OP_PURCHASE, 1000 + i, "");
                r.payment_id = pid.c_str();
                tender_result *res = test_plugin_call(p, &r);
                std::string state = res->plugin_state;
                failures[t] += res->outcome != TENDER_OUTCOME_ACTION_REQUIRED;
                g_free(res);
                tender_request n = base(TENDER_OP_NOTIFICATION, 0, state);
                n.payment_id = pid.c_str();
                tender_result *sn = test_plugin_sandbox_notification(p, &n, "paid");
                std::string body = sn->notify_body;
                g_free(sn);
                n.body = body.c_str();
                n.body_len = body.size();
                res = test_plugin_call(p, &n);
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
