// The `http` host service (ABI 1.1), end to end: a fixture plugin asks the
// host to GET a URL on a misbehaving loopback server, and what the host
// reports becomes the payment's outcome. Refused before sending must read as
// not sent (retried, nothing reached the server); sent without an answer as
// unknown (never approved or declined on a guess); a URL outside the
// method's endpoint never leaves the machine.
#include "core-test-util.h"
#include "test-ledger.h"

#include <mutex>

extern "C" {
#include "http-misbehave.h"
}

using namespace coretest;

namespace {

class HttpService : public HostTest {
protected:
    HttpMisbehave *server = nullptr;

    void SetUp() override
    {
        server = http_misbehave_start(0, nullptr, nullptr);
        ASSERT_NE(server, nullptr);
    }
    void TearDown() override
    {
        HostTest::TearDown();
        http_misbehave_stop(server);
    }

    std::string endpoint() const
    {
        return "http://127.0.0.1:" + std::to_string(http_misbehave_port(server));
    }

    void start(gint64 deadline_ms = 2000, const std::string &allowed = "")
    {
        MethodConf conf;
        conf.deadline_ms = deadline_ms;
        conf.retries = 1;
        conf.string_settings["endpoint"] = endpoint();
        if (!allowed.empty())
            conf.string_settings["allowed_hosts"] = allowed;
        make_host({{"fx_http", conf}}, ":memory:", kNow, FALSE);
    }

    TenderPayment *pay_path(const char *key, const char *value)
    {
        return pay("fx_http", "10.00", "USD", nullptr, {{key, value}});
    }

    std::string last_outcome(const TenderPayment *p)
    {
        EXPECT_NE(p->operations, nullptr);
        if (p->operations == nullptr || p->operations->len == 0)
            return "";
        auto *op = (TenderOperation *)g_ptr_array_index(p->operations,
                                                         p->operations->len - 1);
        return op->outcome ? op->outcome : "";
    }
};

TEST_F(HttpService, AnAnswerReachesThePlugin)
{
    start();
    TenderPayment *p = pay_path("path", "/ok");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_STRNE(p->processor_ref, "") << "the body became the reference";
    EXPECT_EQ(http_misbehave_requests(server), 1);
    // The plugin's header went out as given.
    char *request = http_misbehave_last_request(server);
    ASSERT_NE(request, nullptr);
    EXPECT_NE(std::string(request).find("Idempotency-Key: req_"), std::string::npos) << request;
    g_free(request);
}

TEST_F(HttpService, A5xxIsAnAnswerNotAFailure)
{
    start();
    TenderPayment *p = pay_path("path", "/status/503");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_STREQ(p->decline_raw_code, "HTTP503");
}

TEST_F(HttpService, NoAnswerByTheDeadlineIsUnknown)
{
    start(400);
    TenderPayment *p = pay_path("path", "/silent");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "the provider may have acted";
    EXPECT_EQ(http_misbehave_requests(server), 1) << "sent once, not retried";
}

TEST_F(HttpService, ResetAfterTheRequestIsUnknown)
{
    start();
    TenderPayment *p = pay_path("path", "/reset");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
}

TEST_F(HttpService, AUrlOutsideTheEndpointNeverLeaves)
{
    start();
    int fd = -1;
    int refused = http_misbehave_refused_port(&fd);
    // Same host, another port: not the endpoint, not allowed.
    std::string other = "http://127.0.0.1:" + std::to_string(refused) + "/ok";
    TenderPayment *p = pay_path("url", other.c_str());
    ASSERT_NE(p, nullptr);
    EXPECT_NE(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(last_outcome(p), "not_sent");
    // A public host over plain http: refused before any lookup.
    TenderPayment *q = pay_path("url", "http://example.com/ok");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(last_outcome(q), "not_sent");
    EXPECT_EQ(http_misbehave_requests(server), 0);
    if (fd >= 0)
        close(fd);
}

TEST_F(HttpService, AllowedHostsWidenTheEndpoint)
{
    // A second loopback server, listed by the operator.
    HttpMisbehave *second = http_misbehave_start(0, nullptr, nullptr);
    ASSERT_NE(second, nullptr);
    std::string host_port = "127.0.0.1:" + std::to_string(http_misbehave_port(second));
    start(2000, "localhost:1, " + host_port);
    std::string url = "http://" + host_port + "/ok";
    TenderPayment *p = pay_path("url", url.c_str());
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(http_misbehave_requests(second), 1);
    HostTest::TearDown();
    http_misbehave_stop(second);
}

TEST_F(HttpService, ConnectionRefusedIsNotSentAndRetried)
{
    int fd = -1;
    int refused = http_misbehave_refused_port(&fd);
    MethodConf conf;
    conf.retries = 2;
    conf.string_settings["endpoint"] = "http://127.0.0.1:" + std::to_string(refused);
    make_host({{"fx_http", conf}}, ":memory:", kNow, FALSE);
    TenderPayment *p = pay_path("path", "/ok");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(last_outcome(p), "not_sent");
    ASSERT_GT(p->operations->len, 0u);
    auto *op = (TenderOperation *)g_ptr_array_index(p->operations, p->operations->len - 1);
    EXPECT_EQ(op->attempts, 3u) << "NOT_SENT is retried";
    if (fd >= 0)
        close(fd);
}

std::mutex trace_lock;
std::string trace_text;

GLogWriterOutput trace_writer(GLogLevelFlags, const GLogField *fields, gsize n, gpointer);

// GLib takes a writer once per process.
void use_trace_writer()
{
    static std::once_flag once;
    std::call_once(once, [] { g_log_set_writer_func(trace_writer, nullptr, nullptr); });
}

GLogWriterOutput trace_writer(GLogLevelFlags, const GLogField *fields, gsize n, gpointer)
{
    std::lock_guard<std::mutex> guard(trace_lock);
    for (gsize i = 0; i < n; i++)
        if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
            trace_text += std::string(static_cast<const char *>(fields[i].value)) + "\n";
    return G_LOG_WRITER_HANDLED;
}

// --trace-http: each exchange is logged, with the Authorization header and
// card numbers kept out of the log.
TEST_F(HttpService, TraceLogsTheExchangeRedacted)
{
    use_trace_writer();
    MethodConf conf;
    conf.string_settings["endpoint"] = endpoint();
    std::string config = make_config({{"fx_http", conf}});
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    test_ledger_set_options(o, ":memory:");
    tender_host_options_set_config_data(o, config.c_str());
    tender_host_options_set_trace_http(o, TRUE);
    GError *error = nullptr;
    host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << error->message;
    TenderPayment *p = pay_path("path", "/ok?pan=4242424242424242");
    ASSERT_NE(p, nullptr);
    std::string text;
    {
        std::lock_guard<std::mutex> guard(trace_lock);
        text = trace_text;
    }
    EXPECT_NE(text.find("fx_http: http"), std::string::npos) << text;
    EXPECT_NE(text.find("> GET"), std::string::npos) << text;
    EXPECT_NE(text.find("< "), std::string::npos) << "the answer is traced too: " << text;
    EXPECT_EQ(text.find("sk_fixture_secret_key"), std::string::npos) << text;
    EXPECT_EQ(text.find("4242424242424242"), std::string::npos) << text;
    EXPECT_NE(text.find("Idempotency-Key: req_"), std::string::npos) << text;
}

// The config's switch ("transport": {"trace": true}) is the same trace as
// the option, with no option set.
TEST_F(HttpService, TheConfigSwitchTracesLikeTheOption)
{
    use_trace_writer();
    {
        std::lock_guard<std::mutex> guard(trace_lock);
        trace_text.clear();
    }
    MethodConf conf;
    conf.string_settings["endpoint"] = endpoint();
    std::string config = make_config({{"fx_http", conf}});
    config = config.substr(0, config.rfind('}')) + ", \"transport\": {\"trace\": true}}";
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    test_ledger_set_options(o, ":memory:");
    tender_host_options_set_config_data(o, config.c_str());
    GError *error = nullptr;
    host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << error->message;
    TenderPayment *p = pay_path("path", "/ok?pan=4242424242424242");
    ASSERT_NE(p, nullptr);
    std::string text;
    {
        std::lock_guard<std::mutex> guard(trace_lock);
        text = trace_text;
    }
    EXPECT_NE(text.find("fx_http: http"), std::string::npos) << text;
    EXPECT_NE(text.find("> GET"), std::string::npos) << text;
    EXPECT_EQ(text.find("sk_fixture_secret_key"), std::string::npos) << text;
    EXPECT_EQ(text.find("4242424242424242"), std::string::npos) << text;
}

} // namespace
