// tender-sandbox's simulated Alipay, driven over HTTP the way Alipay's
// documentation says a merchant and a buyer talk to Alipay: signed gateway
// requests, the cashier page, the return redirect and the asynchronous
// notifications (received by a small SoupServer of the test's own). The
// signing and verification are the test's own (alipay-test-util.cc, plain
// OpenSSL), with the keys tender-sandbox wrote into its --config-out.
#include <gtest/gtest.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alipay-test-util.h"
#include "sandbox-process.h"

namespace {

struct HttpAnswer {
    guint status = 0;
    std::string body;
    std::string location;
};

HttpAnswer http(const char *method, const std::string &url, const std::string &body = "",
                const char *content_type = "application/x-www-form-urlencoded;charset=utf-8")
{
    static SoupSession *session = soup_session_new_with_options("timeout", 10, NULL);
    SoupMessage *msg = soup_message_new(method, url.c_str());
    EXPECT_NE(msg, nullptr) << url;
    HttpAnswer answer;
    if (msg == nullptr)
        return answer;
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    if (strcmp(method, "POST") == 0) {
        GBytes *bytes = g_bytes_new(body.data(), body.size());
        soup_message_set_request_body_from_bytes(msg, content_type, bytes);
        g_bytes_unref(bytes);
    }
    GError *error = nullptr;
    GBytes *out = soup_session_send_and_read(session, msg, nullptr, &error);
    EXPECT_EQ(error, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    answer.status = soup_message_get_status(msg);
    if (out != nullptr) {
        gsize len = 0;
        const char *data = static_cast<const char *>(g_bytes_get_data(out, &len));
        answer.body.assign(data != nullptr ? data : "", len);
        g_bytes_unref(out);
    }
    const char *location =
        soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location");
    answer.location = location != nullptr ? location : "";
    g_object_unref(msg);
    return answer;
}

std::string beijing_now()
{
    GTimeZone *tz = g_time_zone_new_offset(8 * 3600);
    GDateTime *now = g_date_time_new_now(tz);
    char *text = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    std::string out = text;
    g_free(text);
    g_date_time_unref(now);
    g_time_zone_unref(tz);
    return out;
}

// What the merchant answers each notification attempt with (the last entry
// repeats), and every body it received.
class NotifyReceiver {
  public:
    explicit NotifyReceiver(std::vector<std::pair<guint, std::string>> replies)
        : replies_(std::move(replies))
    {
        thread_ = std::thread([this] { run(); });
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !url_.empty(); });
    }
    ~NotifyReceiver()
    {
        g_main_loop_quit(loop_);
        thread_.join();
    }
    std::string url() const { return url_; }
    // The base a Tender service would have: notifications to
    // <base>/v1/webhooks/alipay reach this receiver too.
    std::string base() const { return url_.substr(0, url_.size() - strlen("/notify")); }
    std::vector<std::string> bodies()
    {
        std::lock_guard<std::mutex> lock(mu_);
        return bodies_;
    }
    // Wait up to seconds for at least n deliveries.
    bool wait_for(size_t n, double seconds)
    {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                            [&] { return bodies_.size() >= n; });
    }

  private:
    static void handle(SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
                       gpointer self_ptr)
    {
        auto *self = static_cast<NotifyReceiver *>(self_ptr);
        SoupMessageBody *body = soup_server_message_get_request_body(msg);
        GBytes *bytes = soup_message_body_flatten(body);
        gsize len = 0;
        const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &len));
        std::pair<guint, std::string> reply;
        {
            std::lock_guard<std::mutex> lock(self->mu_);
            self->bodies_.emplace_back(data != nullptr ? data : "", len);
            size_t i = std::min(self->bodies_.size() - 1, self->replies_.size() - 1);
            reply = self->replies_[i];
        }
        g_bytes_unref(bytes);
        soup_server_message_set_status(msg, reply.first, nullptr);
        soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY,
                                         reply.second.data(), reply.second.size());
        self->cv_.notify_all();
    }
    void run()
    {
        GMainContext *context = g_main_context_new();
        g_main_context_push_thread_default(context);
        loop_ = g_main_loop_new(context, FALSE);
        SoupServer *server = soup_server_new(nullptr, nullptr);
        soup_server_add_handler(server, "/notify", handle, this, nullptr);
        soup_server_add_handler(server, "/v1/webhooks/alipay", handle, this, nullptr);
        GError *error = nullptr;
        soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
        g_assert_no_error(error);
        GSList *uris = soup_server_get_uris(server);
        {
            std::lock_guard<std::mutex> lock(mu_);
            url_ = "http://127.0.0.1:" + std::to_string(g_uri_get_port((GUri *)uris->data)) +
                   "/notify";
        }
        g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
        cv_.notify_all();
        g_main_loop_run(loop_);
        soup_server_disconnect(server);
        g_object_unref(server);
        g_main_loop_unref(loop_);
        g_main_context_pop_thread_default(context);
        g_main_context_unref(context);
    }

    std::vector<std::pair<guint, std::string>> replies_;
    std::vector<std::string> bodies_;
    std::string url_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::thread thread_;
    GMainLoop *loop_ = nullptr;
};

// A gateway answer: the exact text of its <method>_response member, whether
// the sign verified over that text, and the member parsed.
struct GatewayAnswer {
    guint status = 0;
    std::string raw;
    std::string member_text;
    bool has_sign = false;
    bool sign_ok = false;
    JsonObject *member = nullptr;
    GatewayAnswer() = default;
    GatewayAnswer(const GatewayAnswer &) = delete;
    GatewayAnswer(GatewayAnswer &&o) noexcept
        : status(o.status), raw(std::move(o.raw)), member_text(std::move(o.member_text)),
          has_sign(o.has_sign), sign_ok(o.sign_ok), member(o.member)
    {
        o.member = nullptr;
    }
    ~GatewayAnswer()
    {
        if (member != nullptr)
            json_object_unref(member);
    }
    std::string get(const char *name) const
    {
        if (member == nullptr || !json_object_has_member(member, name))
            return "";
        return json_object_get_string_member(member, name);
    }
    bool has(const char *name) const
    {
        return member != nullptr && json_object_has_member(member, name);
    }
};

class SandboxAlipay : public ::testing::Test {
  protected:
    void SetUp() override
    {
        receiver_ = new NotifyReceiver({{200, "success"}});
    }
    void TearDown() override
    {
        test_sandbox_stop(sb_);
        delete receiver_;
    }
    void start(double time_scale = 1, const char *const *extra = nullptr)
    {
        GError *error = nullptr;
        sb_ = test_sandbox_start(time_scale, extra, &error);
        ASSERT_NE(sb_, nullptr) << (error ? error->message : "");
        JsonObject *settings = test_sandbox_settings(sb_, "alipay");
        ASSERT_NE(settings, nullptr);
        endpoint_ = json_object_get_string_member(settings, "endpoint");
        app_id_ = json_object_get_string_member(settings, "app_id");
        app_key_ = json_object_get_string_member(settings, "app_private_key");
        platform_key_ = json_object_get_string_member(settings, "alipay_public_key");
        EXPECT_EQ(endpoint_, std::string(test_sandbox_url(sb_)) + "/alipay/gateway.do");
    }
    void restart(const char *const *extra)
    {
        test_sandbox_stop(sb_);
        sb_ = nullptr;
        start(1, extra);
    }

    // A signed request form for method with biz_content biz.
    Form request(const std::string &method, const std::string &biz)
    {
        Form form = {{"app_id", app_id_},
                     {"method", method},
                     {"format", "JSON"},
                     {"charset", "utf-8"},
                     {"sign_type", "RSA2"},
                     {"timestamp", beijing_now()},
                     {"version", "1.0"},
                     {"notify_url", receiver_->url()},
                     {"biz_content", biz}};
        sign(form);
        return form;
    }
    void sign(Form &form, const std::string &key = "")
    {
        form_erase(form, "sign");
        form_set(form, "sign", rsa2_sign(key.empty() ? app_key_ : key,
                                         request_signing_string(form)));
    }

    GatewayAnswer call_form(const std::string &method, const Form &form)
    {
        HttpAnswer h = http("POST", endpoint_, form_build(form));
        GatewayAnswer a;
        a.status = h.status;
        a.raw = h.body;
        std::string name = method;
        for (char &c : name)
            if (c == '.')
                c = '_';
        name += "_response";
        std::string prefix = "{\"" + name + "\":";
        if (h.body.rfind(prefix, 0) != 0)
            prefix = "{\"error_response\":";
        EXPECT_EQ(h.body.rfind(prefix, 0), 0u) << h.body;
        size_t sign_at = h.body.rfind(",\"sign\":\"");
        if (sign_at != std::string::npos) {
            a.has_sign = true;
            a.member_text = h.body.substr(prefix.size(), sign_at - prefix.size());
            std::string sig = h.body.substr(sign_at + 9, h.body.size() - sign_at - 9 - 2);
            a.sign_ok = rsa2_verify(platform_key_, a.member_text, sig);
        } else {
            a.member_text = h.body.substr(prefix.size(), h.body.size() - prefix.size() - 1);
        }
        JsonParser *parser = json_parser_new();
        if (json_parser_load_from_data(parser, a.member_text.c_str(), -1, nullptr) &&
            JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
            a.member = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
        g_object_unref(parser);
        EXPECT_NE(a.member, nullptr) << h.body;
        return a;
    }
    GatewayAnswer call(const std::string &method, const std::string &biz)
    {
        return call_form(method, request(method, biz));
    }
    // A successful, verified answer.
    GatewayAnswer ok(const std::string &method, const std::string &biz)
    {
        GatewayAnswer a = call(method, biz);
        EXPECT_EQ(a.status, 200u);
        EXPECT_TRUE(a.sign_ok) << a.raw;
        EXPECT_EQ(a.get("code"), "10000") << a.raw;
        return a;
    }
    // A business refusal: 40004 and sub_code, verified.
    void refused(const std::string &method, const std::string &biz, const char *sub_code)
    {
        GatewayAnswer a = call(method, biz);
        EXPECT_TRUE(a.sign_ok) << a.raw;
        EXPECT_EQ(a.get("code"), "40004") << a.raw;
        EXPECT_EQ(a.get("sub_code"), sub_code) << a.raw;
    }

    // precreate a trade; its QR code (the cashier URL).
    std::string precreate(const std::string &out_trade_no, const char *amount,
                          const char *extra = "")
    {
        GatewayAnswer a = ok("alipay.trade.precreate",
                             std::string("{\"out_trade_no\":\"") + out_trade_no +
                                 "\",\"total_amount\":\"" + amount +
                                 "\",\"subject\":\"Tea\"" + extra + "}");
        EXPECT_EQ(a.get("out_trade_no"), out_trade_no);
        return a.get("qr_code");
    }
    HttpAnswer pay_at(const std::string &cashier, const char *logon_id,
                      const char *password = "111111")
    {
        EXPECT_EQ(http("GET", cashier).status, 200u);
        return http("POST", cashier,
                    std::string("logon_id=") + g_uri_escape_string(logon_id, nullptr, FALSE) +
                        "&password=" + password);
    }
    std::string query_status(const std::string &out_trade_no)
    {
        return ok("alipay.trade.query", "{\"out_trade_no\":\"" + out_trade_no + "\"}")
            .get("trade_status");
    }
    void advance_clock(int seconds)
    {
        HttpAnswer h = http("POST", std::string(test_sandbox_url(sb_)) + "/_sandbox/clock",
                            "{\"advance_seconds\":" + std::to_string(seconds) + "}",
                            "application/json");
        ASSERT_EQ(h.status / 100, 2u) << h.body;
    }
    // A notification body, verified as Alipay's SDKs verify it.
    Form verified_notification(const std::string &body)
    {
        Form form = form_parse(body);
        const std::string *sig = form_get(form, "sign");
        EXPECT_NE(sig, nullptr) << body;
        if (sig != nullptr) {
            EXPECT_TRUE(rsa2_verify(platform_key_, notification_signing_string(form, false), *sig))
                << body;
        }
        return form;
    }
    static std::string field(const Form &form, const char *name)
    {
        const std::string *v = form_get(form, name);
        return v != nullptr ? *v : "";
    }

    TestSandbox *sb_ = nullptr;
    NotifyReceiver *receiver_ = nullptr;
    std::string endpoint_, app_id_, app_key_, platform_key_;
};

// The QR flow: precreate, the buyer scans (opens the cashier) and pays, the
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
    EXPECT_TRUE(rsa2_verify(platform_key_, notification_signing_string(ret, false),
                            field(ret, "sign")));
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
    HttpAnswer w = http("GET", endpoint_ + "?" + form_build(wap));
    ASSERT_EQ(w.status, 302u) << w.body;
    EXPECT_NE(w.location.find("/alipay/cashier/"), std::string::npos);
}

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

    const char *r1 = "{\"out_trade_no\":\"R1\",\"refund_amount\":\"30.00\",\"out_request_no\":\"r1\"}";
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
    NotifyReceiver receiver({{500, "success"}, {200, "SUCCESS"}, {200, "success\n"},
                             {200, "success"}});
    GError *error = nullptr;
    TestSandbox *sb = test_sandbox_start(2400, nullptr, &error);
    ASSERT_NE(sb, nullptr) << (error ? error->message : "");
    JsonObject *settings = test_sandbox_settings(sb, "alipay");
    std::string endpoint = json_object_get_string_member(settings, "endpoint");
    std::string key = json_object_get_string_member(settings, "app_private_key");
    std::string platform = json_object_get_string_member(settings, "alipay_public_key");
    Form form = {{"app_id", json_object_get_string_member(settings, "app_id")},
                 {"method", "alipay.trade.precreate"},
                 {"charset", "utf-8"},
                 {"sign_type", "RSA2"},
                 {"timestamp", beijing_now()},
                 {"version", "1.0"},
                 {"notify_url", receiver.url()},
                 {"biz_content",
                  "{\"out_trade_no\":\"N1\",\"total_amount\":\"9.00\",\"subject\":\"x\"}"}};
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
    EXPECT_EQ(http("POST", unescaped, "logon_id=buyer-iii%40sandbox.alipay.test&password=111111")
                  .status,
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

// A GBK request: signed over its GBK bytes, its text read as GBK.
TEST_F(SandboxAlipay, GbkRequestsAreVerifiedOverTheirBytes)
{
    start();
    gsize len = 0;
    char *gbk_subject = g_convert("绿茶", -1, "GBK", "UTF-8", nullptr, &len, nullptr);
    ASSERT_NE(gbk_subject, nullptr);
    std::string biz = std::string("{\"out_trade_no\":\"G1\",\"total_amount\":\"1.00\",\"subject\":\"") +
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
