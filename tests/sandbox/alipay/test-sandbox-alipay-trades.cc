// tender-sandbox's simulated Alipay trades over time: buyers' limits,
// refunds, closing, timeouts, the refund period, notifications and their
// repeats, state across a restart.
#include <glib/gstdio.h>

#include <cstring>

#include "sandbox-alipay-fixture.h"

using namespace alipay_sandbox_test;

namespace
{

// Test buyers: balance, real-name class limits, password.
TEST_F(SandboxAlipay, BuyersAreBoundByBalanceAndClass)
{
    start();
    std::string qr = precreate("B1", "1500.00");
    HttpAnswer poor = pay_at(qr, "buyer-poor@sandbox.alipay.test");
    EXPECT_EQ(poor.status, 402u);
    EXPECT_NE(poor.body.find("BUYER_BALANCE_NOT_ENOUGH"), std::string::npos);
    HttpAnswer class_i = pay_at(qr, "buyer-i@sandbox.alipay.test");
    EXPECT_EQ(class_i.status, 402u);
    EXPECT_NE(class_i.body.find("BEYOND_PAY_RESTRICTION"), std::string::npos);
    EXPECT_EQ(pay_at(qr, "buyer-iii@sandbox.alipay.test", "000000").status, 401u);
    EXPECT_EQ(query_status("B1"), "WAIT_BUYER_PAY");
    EXPECT_FALSE(receiver_->wait_for(1, 0.5));
    // Class I: 1,000 CNY since the account opened, counted across trades.
    EXPECT_EQ(pay_at(precreate("B2", "600.00"), "buyer-i@sandbox.alipay.test").status, 200u);
    EXPECT_EQ(pay_at(precreate("B3", "400.01"), "buyer-i@sandbox.alipay.test").status, 402u);
    EXPECT_EQ(pay_at(precreate("B4", "400.00"), "buyer-i@sandbox.alipay.test").status, 200u);
}

// Partial refunds, each with its own out_request_no, repeat-safe, never
// beyond the total; a fully refunded trade is closed.
TEST_F(SandboxAlipay, RefundsArePartialRepeatSafeAndBounded)
{
    start();
    refused("alipay.trade.refund", "{\"out_trade_no\":\"R1\",\"refund_amount\":\"1.00\"}",
            "ACQ.TRADE_NOT_EXIST");
    std::string qr = precreate("R1", "100.00");
    EXPECT_EQ(http("GET", qr).status, 200u);
    refused("alipay.trade.refund", "{\"out_trade_no\":\"R1\",\"refund_amount\":\"1.00\"}",
            "ACQ.TRADE_STATUS_ERROR");
    ASSERT_EQ(pay_at(qr, "buyer-iii@sandbox.alipay.test").status, 200u);
    ASSERT_TRUE(receiver_->wait_for(1, 5));

    const char *r1 =
        "{\"out_trade_no\":\"R1\",\"refund_amount\":\"30.00\",\"out_request_no\":\"r1\"}";
    GatewayAnswer a = ok("alipay.trade.refund", r1);
    EXPECT_EQ(a.get("fund_change"), "Y");
    EXPECT_EQ(a.get("refund_fee"), "30.00");
    GatewayAnswer again = ok("alipay.trade.refund", r1);
    EXPECT_EQ(again.get("fund_change"), "N");
    EXPECT_EQ(again.get("refund_fee"), "30.00");
    refused("alipay.trade.refund",
            "{\"out_trade_no\":\"R1\",\"refund_amount\":\"40.00\",\"out_request_no\":\"r1\"}",
            "ACQ.DISCORDANT_REPEAT_REQUEST");
    refused("alipay.trade.refund",
            "{\"out_trade_no\":\"R1\",\"refund_amount\":\"70.01\",\"out_request_no\":\"r2\"}",
            "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
    refused("alipay.trade.refund",
            "{\"out_trade_no\":\"R1\",\"refund_amount\":\"-1\",\"out_request_no\":\"r2\"}",
            "ACQ.REASON_TRADE_REFUND_FEE_ERR");
    GatewayAnswer rq = ok("alipay.trade.fastpay.refund.query",
                          "{\"out_trade_no\":\"R1\",\"out_request_no\":\"r1\"}");
    EXPECT_EQ(rq.get("refund_amount"), "30.00");
    EXPECT_EQ(rq.get("refund_status"), "REFUND_SUCCESS");
    GatewayAnswer none = ok("alipay.trade.fastpay.refund.query",
                            "{\"out_trade_no\":\"R1\",\"out_request_no\":\"r9\"}");
    EXPECT_FALSE(none.has("refund_amount"));
    EXPECT_EQ(query_status("R1"), "TRADE_SUCCESS");

    // By trade_no as well: the same refund number is the same refund.
    std::string trade_no = ok("alipay.trade.query", "{\"out_trade_no\":\"R1\"}").get("trade_no");
    EXPECT_EQ(ok("alipay.trade.refund", "{\"trade_no\":\"" + trade_no +
                                            "\",\"refund_amount\":\"30.00\",\"out_request_no\":"
                                            "\"r1\"}")
                  .get("fund_change"),
              "N");
    GatewayAnswer rest = ok("alipay.trade.refund", "{\"out_trade_no\":\"R1\",\"refund_amount\":"
                                                   "\"70.00\",\"out_request_no\":\"r2\"}");
    EXPECT_EQ(rest.get("refund_fee"), "100.00");
    EXPECT_EQ(query_status("R1"), "TRADE_CLOSED");
    refused("alipay.trade.refund",
            "{\"out_trade_no\":\"R1\",\"refund_amount\":\"1.00\",\"out_request_no\":\"r3\"}",
            "ACQ.TRADE_HAS_CLOSE");

    // Each refund is notified once: TRADE_SUCCESS with refund_fee, then
    // TRADE_CLOSED when nothing is left.
    ASSERT_TRUE(receiver_->wait_for(3, 5));
    Form n1 = verified_notification(receiver_->bodies()[1]);
    EXPECT_EQ(field(n1, "trade_status"), "TRADE_SUCCESS");
    EXPECT_EQ(field(n1, "refund_fee"), "30.00");
    EXPECT_EQ(field(n1, "out_biz_no"), "r1");
    Form n2 = verified_notification(receiver_->bodies()[2]);
    EXPECT_EQ(field(n2, "trade_status"), "TRADE_CLOSED");
    EXPECT_EQ(field(n2, "refund_fee"), "100.00");
    EXPECT_FALSE(receiver_->wait_for(4, 1));
}

// close: an unpaid trade closes (notified once the buyer had seen it); a
// paid one does not; an unseen one is unknown to Alipay but stays closed.
TEST_F(SandboxAlipay, CloseAndUnpaidTimeout)
{
    start();
    std::string qr = precreate("C1", "3.00");
    EXPECT_EQ(http("GET", qr).status, 200u);
    GatewayAnswer c = ok("alipay.trade.close", "{\"out_trade_no\":\"C1\"}");
    EXPECT_EQ(c.get("out_trade_no"), "C1");
    EXPECT_EQ(query_status("C1"), "TRADE_CLOSED");
    ASSERT_TRUE(receiver_->wait_for(1, 5));
    EXPECT_EQ(field(verified_notification(receiver_->bodies()[0]), "trade_status"), "TRADE_CLOSED");
    EXPECT_EQ(http("GET", qr).status, 410u);
    refused("alipay.trade.close", "{\"out_trade_no\":\"C1\"}", "ACQ.TRADE_STATUS_ERROR");

    std::string unseen = precreate("C2", "3.00");
    refused("alipay.trade.close", "{\"out_trade_no\":\"C2\"}", "ACQ.TRADE_NOT_EXIST");
    EXPECT_EQ(http("GET", unseen).status, 410u);

    ASSERT_EQ(pay_at(precreate("C3", "3.00"), "buyer-ii@sandbox.alipay.test").status, 200u);
    refused("alipay.trade.close", "{\"out_trade_no\":\"C3\"}", "ACQ.TRADE_STATUS_ERROR");

    // timeout_express on the providers' clock.
    std::string late = precreate("C4", "3.00", ",\"timeout_express\":\"2m\"");
    EXPECT_EQ(http("GET", late).status, 200u);
    advance_clock(60);
    EXPECT_EQ(query_status("C4"), "WAIT_BUYER_PAY");
    advance_clock(61);
    EXPECT_EQ(query_status("C4"), "TRADE_CLOSED");
    EXPECT_EQ(http("GET", late).status, 410u);
}

// A notification is repeated until the merchant answers 200 "success",
// every repeat the same text (the same notify_id).
TEST(SandboxAlipayNotify, RepeatsUntilSuccessWithTheSameNotifyId)
{
    // 4m, 10m, 10m... divided by 2400: 0.1 s, 0.25 s, 0.25 s, 1.5 s.
    NotifyReceiver receiver(
        {{500, "success"}, {200, "SUCCESS"}, {200, "success\n"}, {200, "success"}});
    GError *error = nullptr;
    TestSandbox *sb = test_sandbox_start(2400, nullptr, &error);
    ASSERT_NE(sb, nullptr) << (error ? error->message : "");
    JsonObject *settings = test_sandbox_settings(sb, "alipay");
    std::string endpoint = json_object_get_string_member(settings, "endpoint");
    std::string key = sandbox_key("app-private.pem");
    std::string platform = sandbox_key("platform-public.pem");
    Form form = {
        {"app_id", json_object_get_string_member(settings, "app_id")},
        {"method", "alipay.trade.precreate"},
        {"charset", "utf-8"},
        {"sign_type", "RSA2"},
        {"timestamp", beijing_now()},
        {"version", "1.0"},
        {"notify_url", receiver.url()},
        {"biz_content", "{\"out_trade_no\":\"N1\",\"total_amount\":\"9.00\",\"subject\":\"x\"}"}};
    form_set(form, "sign", rsa2_sign(key, request_signing_string(form)));
    HttpAnswer h = http("POST", endpoint, form_build(form));
    ASSERT_EQ(h.status, 200u);
    size_t at = h.body.find("\"qr_code\":\"");
    ASSERT_NE(at, std::string::npos) << h.body;
    std::string qr = h.body.substr(at + 11, h.body.find('"', at + 11) - at - 11);
    std::string unescaped;
    for (char c : qr)
        if (c != '\\')
            unescaped += c;
    EXPECT_EQ(http("GET", unescaped).status, 200u);
    EXPECT_EQ(
        http("POST", unescaped, "logon_id=buyer-iii%40sandbox.alipay.test&password=111111").status,
        200u);

    ASSERT_TRUE(receiver.wait_for(4, 10));
    std::vector<std::string> bodies = receiver.bodies();
    for (const std::string &b : bodies)
        EXPECT_EQ(b, bodies[0]);
    Form n = form_parse(bodies[0]);
    EXPECT_TRUE(rsa2_verify(platform, notification_signing_string(n, false), *form_get(n, "sign")));
    // The fourth answer was "success": no fifth attempt (the next would come
    // 6 h / 2400 = 9 s later; a wrong stop would show within 3 s as the
    // 2 h / 2400 = 3 s one).
    EXPECT_FALSE(receiver.wait_for(5, 3.5));
    test_sandbox_stop(sb);
}

// With --state, trades, refunds and wallets survive a restart.
TEST_F(SandboxAlipay, StateSurvivesARestart)
{
    char *dir = g_dir_make_tmp("sandbox-alipay-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    std::string state = std::string(dir) + "/state.json";
    const char *extra[] = {"--state", state.c_str(), nullptr};
    start(1, extra);
    ASSERT_EQ(pay_at(precreate("S1", "800.00"), "buyer-i@sandbox.alipay.test").status, 200u);
    ok("alipay.trade.refund",
       "{\"out_trade_no\":\"S1\",\"refund_amount\":\"10.00\",\"out_request_no\":\"s1\"}");
    restart(extra);
    EXPECT_EQ(query_status("S1"), "TRADE_SUCCESS");
    EXPECT_EQ(ok("alipay.trade.refund",
                 "{\"out_trade_no\":\"S1\",\"refund_amount\":\"10.00\",\"out_request_no\":\"s1\"}")
                  .get("fund_change"),
              "N");
    // The class I buyer's 800 CNY still count: 200.01 more is beyond it.
    EXPECT_EQ(pay_at(precreate("S2", "200.01"), "buyer-i@sandbox.alipay.test").status, 402u);
    test_sandbox_stop(sb_);
    sb_ = nullptr;
    g_remove(state.c_str());
    g_rmdir(dir);
    g_free(dir);
}

// After the refund period (three months, on the providers' clock) a paid
// trade is TRADE_FINISHED: notified, and no longer refundable.
TEST_F(SandboxAlipay, PaidTradesFinishAfterTheRefundPeriod)
{
    start();
    ASSERT_EQ(pay_at(precreate("F1", "20.00"), "buyer-iii@sandbox.alipay.test").status, 200u);
    ASSERT_TRUE(receiver_->wait_for(1, 5));
    advance_clock(89 * 86400);
    EXPECT_EQ(query_status("F1"), "TRADE_SUCCESS");
    advance_clock(86400 + 1);
    EXPECT_EQ(query_status("F1"), "TRADE_FINISHED");
    ASSERT_TRUE(receiver_->wait_for(2, 5));
    EXPECT_EQ(field(verified_notification(receiver_->bodies()[1]), "trade_status"),
              "TRADE_FINISHED");
    refused("alipay.trade.refund",
            "{\"out_trade_no\":\"F1\",\"refund_amount\":\"1.00\",\"out_request_no\":\"f1\"}",
            "ACQ.TRADE_NOT_ALLOW_REFUND");
}

// --webhook-base: the settings carry notify_url, and a trade made without
// notify_url is notified there.
TEST_F(SandboxAlipay, WebhookBaseIsTheDefaultNotifyUrl)
{
    std::string base = receiver_->base();
    const char *extra[] = {"--webhook-base", base.c_str(), nullptr};
    start(1, extra);
    JsonObject *settings = test_sandbox_settings(sb_, "alipay");
    EXPECT_EQ(std::string(json_object_get_string_member(settings, "notify_url")),
              base + "/v1/webhooks/alipay");
    Form form = request("alipay.trade.precreate",
                        "{\"out_trade_no\":\"H1\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
    form_erase(form, "notify_url");
    sign(form);
    GatewayAnswer a = call_form("alipay.trade.precreate", form);
    ASSERT_EQ(a.get("code"), "10000") << a.raw;
    ASSERT_EQ(pay_at(a.get("qr_code"), "buyer-ii@sandbox.alipay.test").status, 200u);
    ASSERT_TRUE(receiver_->wait_for(1, 5));
    EXPECT_EQ(field(verified_notification(receiver_->bodies()[0]), "out_trade_no"), "H1");
}

// The frame's faults on /alipay: a request answered 503 never reaches
// the gateway (the same request again makes the trade once), and the
// duplicate fault delivers an accepted notification twice, the same text.
TEST_F(SandboxAlipay, FaultsComeBeforeTheGateway)
{
    start();
    const std::string biz = "{\"out_trade_no\":\"X1\",\"total_amount\":\"4.00\",\"subject\":\"x\"}";
    GError *error = nullptr;
    ASSERT_TRUE(test_sandbox_set_faults(sb_, "{\"provider\": \"alipay\", \"fail_5xx\": 1}", &error))
        << (error ? error->message : "");
    HttpAnswer unavailable =
        http("POST", endpoint_, form_build(request("alipay.trade.precreate", biz)));
    EXPECT_EQ(unavailable.status, 503u);
    refused("alipay.trade.query", "{\"out_trade_no\":\"X1\"}", "ACQ.TRADE_NOT_EXIST");
    std::string qr = precreate("X1", "4.00");
    EXPECT_EQ(precreate("X1", "4.00"), qr);

    ASSERT_TRUE(test_sandbox_set_faults(
        sb_, "{\"provider\": \"alipay\", \"duplicate_notifications\": true}", &error))
        << (error ? error->message : "");
    ASSERT_EQ(pay_at(qr, "buyer-iii@sandbox.alipay.test").status, 200u);
    ASSERT_TRUE(receiver_->wait_for(2, 5));
    std::vector<std::string> bodies = receiver_->bodies();
    EXPECT_EQ(bodies[0], bodies[1]);
    EXPECT_EQ(field(verified_notification(bodies[0]), "trade_status"), "TRADE_SUCCESS");
}

} // namespace
