// The fixture of the simulated Alipay's tests: a tender-sandbox per test,
// a merchant that signs gateway requests and verifies the answers the way
// Alipay's documentation says (alipay-test-util.cc, plain OpenSSL, with the
// keys tender-sandbox wrote into its --config-out), a buyer's browser (plain
// HTTP, no redirects followed) and a merchant notification receiver (a
// SoupServer on its own thread).
#ifndef SANDBOX_ALIPAY_FIXTURE_H
#define SANDBOX_ALIPAY_FIXTURE_H

#include <gtest/gtest.h>

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

namespace alipay_sandbox_test
{

struct HttpAnswer {
    guint status = 0;
    std::string body;
    std::string location;
};

inline HttpAnswer http(const char *method, const std::string &url, const std::string &body = "",
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

// A key of the simulated Alipay (sandbox/alipay/keys/, TEST ONLY).
inline std::string sandbox_key(const char *name)
{
    const char *root = g_getenv("TENDER_SOURCE_ROOT");
    char *path =
        g_build_filename(root != nullptr ? root : ".", "sandbox", "alipay", "keys", name, nullptr);
    char *text = nullptr;
    EXPECT_TRUE(g_file_get_contents(path, &text, nullptr, nullptr)) << path;
    std::string out = text != nullptr ? text : "";
    g_free(text);
    g_free(path);
    return out;
}

inline std::string beijing_now()
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
class NotifyReceiver
{
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
    std::string url() const
    {
        return url_;
    }
    // The base a Tender service would have: notifications to
    // <base>/v1/webhooks/alipay reach this receiver too.
    std::string base() const
    {
        return url_.substr(0, url_.size() - strlen("/notify"));
    }
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
        soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY, reply.second.data(),
                                         reply.second.size());
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

class SandboxAlipay : public ::testing::Test
{
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
        // The keys come from the config --config-out wrote (inline PEM), as
        // a Tender config pointed at the sandbox has them; they are the
        // compiled-in test keys.
        ASSERT_TRUE(json_object_has_member(settings, "app_private_key"));
        ASSERT_TRUE(json_object_has_member(settings, "alipay_public_key"));
        app_key_ = json_object_get_string_member(settings, "app_private_key");
        platform_key_ = json_object_get_string_member(settings, "alipay_public_key");
        EXPECT_EQ(app_key_, sandbox_key("app-private.pem"));
        EXPECT_EQ(platform_key_, sandbox_key("platform-public.pem"));
        EXPECT_EQ(json_object_get_string_member(settings, "mode"), std::string("sandbox"));
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
        Form form = {{"app_id", app_id_},   {"method", method},
                     {"format", "JSON"},    {"charset", "utf-8"},
                     {"sign_type", "RSA2"}, {"timestamp", beijing_now()},
                     {"version", "1.0"},    {"notify_url", receiver_->url()},
                     {"biz_content", biz}};
        sign(form);
        return form;
    }
    void sign(Form &form, const std::string &key = "")
    {
        form_erase(form, "sign");
        form_set(form, "sign",
                 rsa2_sign(key.empty() ? app_key_ : key, request_signing_string(form)));
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
        GatewayAnswer a =
            ok("alipay.trade.precreate", std::string("{\"out_trade_no\":\"") + out_trade_no +
                                             "\",\"total_amount\":\"" + amount +
                                             "\",\"subject\":\"Tea\"" + extra + "}");
        EXPECT_EQ(a.get("out_trade_no"), out_trade_no);
        return a.get("qr_code");
    }
    HttpAnswer pay_at(const std::string &cashier, const char *logon_id,
                      const char *password = "111111")
    {
        EXPECT_EQ(http("GET", cashier).status, 200u);
        char *escaped = g_uri_escape_string(logon_id, nullptr, FALSE);
        std::string form = std::string("logon_id=") + escaped + "&password=" + password;
        g_free(escaped);
        return http("POST", cashier, form);
    }
    std::string query_status(const std::string &out_trade_no)
    {
        return ok("alipay.trade.query", "{\"out_trade_no\":\"" + out_trade_no + "\"}")
            .get("trade_status");
    }
    void advance_clock(int seconds)
    {
        HttpAnswer h =
            http("POST", std::string(test_sandbox_url(sb_)) + "/_sandbox/clock",
                 "{\"advance_seconds\":" + std::to_string(seconds) + "}", "application/json");
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

} // namespace alipay_sandbox_test

#endif
