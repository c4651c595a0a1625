// tender-sandbox's simulated Alipay gateway, driven over HTTP as Alipay's
// documentation says a merchant and a buyer talk to it: signed requests,
// signed answers, refusals with Alipay's codes, the cashier and the return.
#include <cstring>

#include "sandbox-alipay-fixture.h"

using namespace alipay_sandbox_test;

namespace
{

// merchant queries and is notified.
TEST_F(SandboxAlipay, PrecreateScanPayQueryAndNotify)
{
    start();
    std::string qr = precreate("T1", "12.30", ",\"timeout_express\":\"30m\"");
    ASSERT_EQ(qr.rfind(std::string(test_sandbox_url(sb_)) + "/alipay/cashier/bax", 0), 0u) << qr;
    // Not scanned yet: Alipay does not know the trade.
    refused("alipay.trade.query", "{\"out_trade_no\":\"T1\"}", "ACQ.TRADE_NOT_EXIST");
    HttpAnswer page = http("GET", qr);
    EXPECT_EQ(page.status, 200u);
    EXPECT_NE(page.body.find("<form method=\"post\""), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("12.30"), std::string::npos);
    EXPECT_EQ(query_status("T1"), "WAIT_BUYER_PAY");

    HttpAnswer paid = pay_at(qr, "buyer-iii@sandbox.alipay.test");
    EXPECT_EQ(paid.status, 200u) << paid.body;
    GatewayAnswer q = ok("alipay.trade.query", "{\"out_trade_no\":\"T1\"}");
    EXPECT_EQ(q.get("trade_status"), "TRADE_SUCCESS");
    EXPECT_EQ(q.get("total_amount"), "12.30");
    EXPECT_EQ(q.get("buyer_pay_amount"), "12.30");
    EXPECT_EQ(q.get("buyer_user_id"), "2088102100000031");
    EXPECT_EQ(q.get("buyer_logon_id"), "buy***@sandbox.alipay.test");
    std::string trade_no = q.get("trade_no");
    EXPECT_EQ(trade_no.size(), 28u);
    // By trade_no too.
    EXPECT_EQ(ok("alipay.trade.query", "{\"trade_no\":\"" + trade_no + "\"}").get("out_trade_no"),
              "T1");
    // Both numbers must name the same trade.
    refused("alipay.trade.query", "{\"trade_no\":\"" + trade_no + "\",\"out_trade_no\":\"T9\"}",
            "ACQ.TRADE_NOT_EXIST");

    ASSERT_TRUE(receiver_->wait_for(1, 5));
    Form n = verified_notification(receiver_->bodies()[0]);
    EXPECT_EQ(field(n, "notify_type"), "trade_status_sync");
    EXPECT_EQ(field(n, "trade_status"), "TRADE_SUCCESS");
    EXPECT_EQ(field(n, "out_trade_no"), "T1");
    EXPECT_EQ(field(n, "trade_no"), trade_no);
    EXPECT_EQ(field(n, "total_amount"), "12.30");
    EXPECT_EQ(field(n, "app_id"), app_id_);
    EXPECT_EQ(field(n, "sign_type"), "RSA2");
    EXPECT_FALSE(field(n, "notify_id").empty());
    EXPECT_FALSE(field(n, "gmt_payment").empty());
    // Answered "success": not repeated.
    EXPECT_FALSE(receiver_->wait_for(2, 1.5));
    // Paid: the cashier says so.
    EXPECT_EQ(http("GET", qr).status, 409u);
}

// The answer is signed over the exact text of its member, which escapes
// "/" as Alipay does: a client that re-serialises the object cannot verify.
TEST_F(SandboxAlipay, AnswersAreSignedOverTheirExactText)
{
    start();
    GatewayAnswer a = ok("alipay.trade.precreate",
                         "{\"out_trade_no\":\"T2\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
    EXPECT_NE(a.member_text.find("http:\\/\\/127.0.0.1"), std::string::npos) << a.member_text;
    JsonNode *node = json_node_init_object(json_node_alloc(), a.member);
    char *reserialised = json_to_string(node, FALSE);
    json_node_unref(node);
    size_t sign_at = a.raw.rfind(",\"sign\":\"");
    std::string sig = a.raw.substr(sign_at + 9, a.raw.size() - sign_at - 11);
    EXPECT_FALSE(rsa2_verify(platform_key_, reserialised, sig));
    g_free(reserialised);
    // And not with another key.
    EXPECT_FALSE(rsa2_verify(alipay_test_key("alipay-platform-public.pem"), a.member_text, sig));
}

// Refusals of the request itself, each with Alipay's code.
TEST_F(SandboxAlipay, BadRequestsAreRefused)
{
    start();
    const std::string biz = "{\"out_trade_no\":\"T3\",\"total_amount\":\"1.00\",\"subject\":\"x\"}";
    // biz_content changed after signing.
    Form tampered = request("alipay.trade.precreate", biz);
    form_set(tampered, "biz_content",
             "{\"out_trade_no\":\"T3\",\"total_amount\":\"0.10\",\"subject\":\"x\"}");
    GatewayAnswer a = call_form("alipay.trade.precreate", tampered);
    EXPECT_EQ(a.get("code"), "40002");
    EXPECT_EQ(a.get("sub_code"), "isv.invalid-signature");
    EXPECT_TRUE(a.sign_ok);
    // The sub_msg quotes the string the gateway verified.
    EXPECT_NE(a.get("sub_msg").find(request_signing_string(tampered)), std::string::npos);
    // Signed with another app key.
    Form other = request("alipay.trade.precreate", biz);
    sign(other, alipay_test_key("alipay-app-private.pem"));
    EXPECT_EQ(call_form("alipay.trade.precreate", other).get("sub_code"), "isv.invalid-signature");
    // An empty value is not signed: adding one keeps the signature valid.
    Form with_empty = request("alipay.trade.precreate", biz);
    form_set(with_empty, "return_url", "");
    EXPECT_EQ(call_form("alipay.trade.precreate", with_empty).get("code"), "10000");
    // Not RSA2.
    Form rsa = request("alipay.trade.query", "{\"out_trade_no\":\"T3\"}");
    form_set(rsa, "sign_type", "RSA");
    sign(rsa);
    EXPECT_EQ(call_form("alipay.trade.query", rsa).get("sub_code"), "isv.invalid-signature-type");
    // Unknown app: refused, not signed.
    Form app = request("alipay.trade.query", "{\"out_trade_no\":\"T3\"}");
    form_set(app, "app_id", "2021000000000000");
    sign(app);
    GatewayAnswer b = call_form("alipay.trade.query", app);
    EXPECT_EQ(b.get("sub_code"), "isv.invalid-app-id");
    EXPECT_FALSE(b.has_sign);
    // Missing signature, bad timestamp, unknown method.
    Form unsigned_form = request("alipay.trade.query", "{\"out_trade_no\":\"T3\"}");
    form_erase(unsigned_form, "sign");
    EXPECT_EQ(call_form("alipay.trade.query", unsigned_form).get("sub_code"),
              "isv.missing-signature");
    Form late = request("alipay.trade.query", "{\"out_trade_no\":\"T3\"}");
    form_set(late, "timestamp", "2026/12/01 10:00:00");
    sign(late);
    EXPECT_EQ(call_form("alipay.trade.query", late).get("sub_code"), "isv.invalid-timestamp");
    GatewayAnswer m = call("alipay.trade.nothing", "{}");
    EXPECT_EQ(m.get("sub_code"), "isv.invalid-method");
    // Business checks.
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T4\",\"total_amount\":\"0.09\",\"subject\":\"x\"}",
            "ACQ.INVALID_PARAMETER");
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T4\",\"total_amount\":\"300000.01\",\"subject\":\"x\"}",
            "ACQ.TOTAL_FEE_EXCEED");
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T4\",\"total_amount\":\"1.00\",\"subject\":\"x\","
            "\"timeout_express\":\"90s\"}",
            "ACQ.INVALID_PARAMETER");
    refused("alipay.trade.precreate", "{\"out_trade_no\":\"T4\",\"subject\":\"x\"}",
            "ACQ.INVALID_PARAMETER");
    for (const char *timeout : {"0m", "16d", "1.5h", "01m", "2c", "m", "90s"}) {
        refused("alipay.trade.precreate",
                std::string("{\"out_trade_no\":\"T4\",\"total_amount\":\"1.00\",\"subject\":"
                            "\"x\",\"timeout_express\":\"") +
                    timeout + "\"}",
                "ACQ.INVALID_PARAMETER");
    }
    for (const char *timeout : {"1m", "90m", "2h", "15d", "1c"}) {
        std::string no = std::string("TO") + timeout;
        ok("alipay.trade.precreate", "{\"out_trade_no\":\"" + no +
                                         "\",\"total_amount\":\"1.00\",\"subject\":\"x\","
                                         "\"timeout_express\":\"" +
                                         timeout + "\"}");
    }
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"bad/no\",\"total_amount\":\"1.00\",\"subject\":\"x\"}",
            "ACQ.INVALID_PARAMETER");
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T4\",\"total_amount\":\"1.00\",\"subject\":\"a&b\"}",
            "ACQ.INVALID_PARAMETER");
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T4\",\"total_amount\":\"1.001\",\"subject\":\"x\"}",
            "ACQ.INVALID_PARAMETER");
    // biz_content that is not JSON.
    refused("alipay.trade.query", "out_trade_no=T3", "ACQ.INVALID_PARAMETER");
    refused("alipay.trade.query", "{\"out_trade_no\":\"nobody\"}", "ACQ.TRADE_NOT_EXIST");
}

// The same out_trade_no: the same trade while unpaid, refused otherwise.
TEST_F(SandboxAlipay, OutTradeNoIsUnique)
{
    start();
    std::string qr = precreate("T5", "5.00");
    EXPECT_EQ(precreate("T5", "5.00"), qr);
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T5\",\"total_amount\":\"6.00\",\"subject\":\"Tea\"}",
            "ACQ.CONTEXT_INCONSISTENT");
    ASSERT_EQ(pay_at(qr, "buyer-ii@sandbox.alipay.test").status, 200u);
    refused("alipay.trade.precreate",
            "{\"out_trade_no\":\"T5\",\"total_amount\":\"5.00\",\"subject\":\"Tea\"}",
            "ACQ.TRADE_HAS_SUCCESS");
}

// page.pay: the browser goes to the cashier, pays, and is sent back to
// return_url with Alipay's signed return parameters. wap.pay by GET.
TEST_F(SandboxAlipay, PagePayRedirectsToTheCashierAndBack)
{
    start();
    Form form = request("alipay.trade.page.pay",
                        "{\"out_trade_no\":\"P1\",\"total_amount\":\"88.88\",\"subject\":\"Book\","
                        "\"product_code\":\"FAST_INSTANT_TRADE_PAY\"}");
    form_set(form, "return_url", "http://127.0.0.1:9/back?shop=1");
    sign(form);
    HttpAnswer h = http("POST", endpoint_, form_build(form));
    ASSERT_EQ(h.status, 302u) << h.body;
    std::string cashier = h.location;
    ASSERT_EQ(cashier.rfind(std::string(test_sandbox_url(sb_)) + "/alipay/cashier/", 0), 0u);

    HttpAnswer back = pay_at(cashier, "buyer-iii@sandbox.alipay.test");
    ASSERT_EQ(back.status, 303u) << back.body;
    ASSERT_EQ(back.location.rfind("http://127.0.0.1:9/back?shop=1&", 0), 0u) << back.location;
    Form ret = form_parse(back.location.substr(back.location.find('&') + 1));
    EXPECT_TRUE(
        rsa2_verify(platform_key_, notification_signing_string(ret, false), field(ret, "sign")));
    EXPECT_EQ(field(ret, "method"), "alipay.trade.page.pay.return");
    EXPECT_EQ(field(ret, "out_trade_no"), "P1");
    EXPECT_EQ(field(ret, "total_amount"), "88.88");
    EXPECT_EQ(query_status("P1"), "TRADE_SUCCESS");

    // A wrong product_code: an HTML page naming the code.
    Form bad = request("alipay.trade.page.pay",
                       "{\"out_trade_no\":\"P2\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
    HttpAnswer refused_page = http("POST", endpoint_, form_build(bad));
    EXPECT_EQ(refused_page.status, 400u);
    EXPECT_NE(refused_page.body.find("ACQ.INVALID_PARAMETER"), std::string::npos);

    // wap.pay as a browser GET of the signed URL.
    Form wap = request("alipay.trade.wap.pay",
                       "{\"out_trade_no\":\"W1\",\"total_amount\":\"2.00\",\"subject\":\"Pen\","
                       "\"product_code\":\"QUICK_WAP_WAY\"}");
    form_set(wap, "return_url", "http://127.0.0.1:9/wap-back");
    sign(wap);
    HttpAnswer w = http("GET", endpoint_ + "?" + form_build(wap));
    ASSERT_EQ(w.status, 302u) << w.body;
    EXPECT_NE(w.location.find("/alipay/cashier/"), std::string::npos);
    HttpAnswer wap_back = pay_at(w.location, "buyer-ii@sandbox.alipay.test");
    ASSERT_EQ(wap_back.status, 303u) << wap_back.body;
    ASSERT_EQ(wap_back.location.rfind("http://127.0.0.1:9/wap-back?", 0), 0u);
    Form wret = form_parse(wap_back.location.substr(wap_back.location.find('?') + 1));
    EXPECT_EQ(field(wret, "method"), "alipay.trade.wap.pay.return");
    EXPECT_TRUE(
        rsa2_verify(platform_key_, notification_signing_string(wret, false), field(wret, "sign")));

    // A cashier that does not exist.
    EXPECT_EQ(
        http("GET", std::string(test_sandbox_url(sb_)) + "/alipay/cashier/bax0nothing").status,
        404u);
}

// A GBK request: signed over its GBK bytes, its text read as GBK.
TEST_F(SandboxAlipay, GbkRequestsAreVerifiedOverTheirBytes)
{
    start();
    gsize len = 0;
    char *gbk_subject = g_convert("绿茶", -1, "GBK", "UTF-8", nullptr, &len, nullptr);
    ASSERT_NE(gbk_subject, nullptr);
    std::string biz =
        std::string("{\"out_trade_no\":\"G1\",\"total_amount\":\"1.00\",\"subject\":\"") +
        std::string(gbk_subject, len) + "\"}";
    g_free(gbk_subject);
    Form form = request("alipay.trade.precreate", biz);
    form_set(form, "charset", "GBK");
    sign(form);
    GatewayAnswer a = call_form("alipay.trade.precreate", form);
    EXPECT_EQ(a.get("code"), "10000") << a.raw;
    ASSERT_EQ(http("GET", a.get("qr_code")).status, 200u);
    GatewayAnswer q = ok("alipay.trade.query", "{\"out_trade_no\":\"G1\"}");
    EXPECT_EQ(q.get("subject"), "绿茶");
}

} // namespace
