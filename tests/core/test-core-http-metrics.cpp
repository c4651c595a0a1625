// The `http` service's metrics (issue 12, item 5), read through
// tender_host_http_metrics while a fixture plugin talks to a misbehaving
// loopback server: every request lands in calls and in exactly one class,
// refusals by the allow-list apart from transport failures, and the latency
// histogram is cumulative with fixed bounds.
#include "core-test-util.h"

#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <tender/http-metrics.h>

extern "C" {
#include "http-misbehave.h"
}

using namespace coretest;

namespace {

class HttpMetrics : public HostTest {
protected:
    HttpMisbehave *server = nullptr;
    int refused_fd = -1;

    void SetUp() override
    {
        server = http_misbehave_start(0, nullptr, nullptr);
        ASSERT_NE(server, nullptr);
    }
    void TearDown() override
    {
        HostTest::TearDown();
        http_misbehave_stop(server);
        if (refused_fd >= 0)
            close(refused_fd);
    }

    void start(const std::string &endpoint, int retries = 0)
    {
        MethodConf conf;
        conf.deadline_ms = 400;
        conf.retries = retries;
        conf.string_settings["endpoint"] = endpoint;
        make_host({{"fx_http", conf}, {"fx_echo", MethodConf()}}, ":memory:", kNow, FALSE);
    }
    std::string endpoint() const
    {
        return "http://127.0.0.1:" + std::to_string(http_misbehave_port(server));
    }

    void pay_path(const char *path) { pay("fx_http", "10.00", "USD", nullptr, {{"path", path}}); }
    void pay_url(const std::string &url)
    {
        pay("fx_http", "10.00", "USD", nullptr, {{"url", url.c_str()}});
    }

    TenderHttpMetrics metrics(const char *method = "fx_http")
    {
        TenderHttpMetrics m = {};
        m.struct_size = sizeof m;
        GError *error = nullptr;
        EXPECT_TRUE(tender_host_http_metrics(host, method, &m, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        return m;
    }

    static void expect_consistent(const TenderHttpMetrics &m)
    {
        EXPECT_EQ(m.calls, m.responses_1xx + m.responses_2xx + m.responses_3xx + m.responses_4xx +
                               m.responses_5xx + m.refused + m.not_sent + m.unknown);
        EXPECT_EQ(m.latency_count, m.calls - m.refused) << "refusals never reach the transport";
        EXPECT_EQ(m.latency_buckets[TENDER_HTTP_LATENCY_N_BOUNDS], m.latency_count) << "+Inf";
        for (int i = 1; i < TENDER_HTTP_LATENCY_N_BUCKETS; i++)
            EXPECT_LE(m.latency_buckets[i - 1], m.latency_buckets[i]) << "cumulative at " << i;
    }
};

TEST_F(HttpMetrics, TheBoundsAreFixedAndIncreasing)
{
    const guint32 *bounds = tender_http_latency_bounds_ms();
    EXPECT_EQ(bounds[0], 1u);
    EXPECT_EQ(bounds[TENDER_HTTP_LATENCY_N_BOUNDS - 1], 10000u);
    for (int i = 1; i < TENDER_HTTP_LATENCY_N_BOUNDS; i++)
        EXPECT_LT(bounds[i - 1], bounds[i]);
}

TEST_F(HttpMetrics, AMethodThatMadeNoRequestReadsZeros)
{
    start(endpoint());
    TenderHttpMetrics m = metrics("fx_echo");
    EXPECT_EQ(m.calls, 0u);
    EXPECT_EQ(m.latency_count, 0u);
    EXPECT_EQ(m.struct_size, sizeof m);
}

TEST_F(HttpMetrics, EveryRequestLandsInOneClass)
{
    start(endpoint());
    pay_path("/ok");
    pay_path("/ok");
    pay_path("/status/302");
    pay_path("/status/404");
    pay_path("/status/503");
    pay_path("/silent");
    pay_path("/reset");
    pay_url("http://example.com/ok"); // outside the allow-list
    TenderHttpMetrics m = metrics();
    EXPECT_EQ(m.calls, 8u);
    EXPECT_EQ(m.responses_2xx, 2u);
    EXPECT_EQ(m.responses_3xx, 1u);
    EXPECT_EQ(m.responses_4xx, 1u);
    EXPECT_EQ(m.responses_5xx, 1u);
    EXPECT_EQ(m.unknown, 2u);
    EXPECT_EQ(m.refused, 1u);
    EXPECT_EQ(m.not_sent, 0u);
    expect_consistent(m);
    // The silent one waited out the 400 ms deadline.
    EXPECT_GE(m.latency_sum_ms, 300.0);
    EXPECT_EQ(metrics("fx_echo").calls, 0u) << "per method";
}

TEST_F(HttpMetrics, NotSentIsCountedApartFromRefusedAndPerAttempt)
{
    int port = http_misbehave_refused_port(&refused_fd);
    ASSERT_GT(port, 0);
    start("http://127.0.0.1:" + std::to_string(port), 2);
    pay_path("/ok");
    TenderHttpMetrics m = metrics();
    EXPECT_EQ(m.not_sent, 3u) << "each retry is a request";
    EXPECT_EQ(m.refused, 0u);
    EXPECT_EQ(m.calls, 3u);
    expect_consistent(m);
}

TEST_F(HttpMetrics, LatencyFallsInTheRightBuckets)
{
    start(endpoint());
    pay_path("/delay/60");
    TenderHttpMetrics m = metrics();
    const guint32 *bounds = tender_http_latency_bounds_ms();
    ASSERT_EQ(m.latency_count, 1u);
    EXPECT_GE(m.latency_sum_ms, 60.0);
    for (int i = 0; i < TENDER_HTTP_LATENCY_N_BOUNDS; i++) {
        if (bounds[i] < 60) {
            EXPECT_EQ(m.latency_buckets[i], 0u) << "le " << bounds[i];
        }
        if (bounds[i] >= 10000) {
            EXPECT_EQ(m.latency_buckets[i], 1u) << "le " << bounds[i];
        }
    }
    expect_consistent(m);
}

TEST_F(HttpMetrics, ConcurrentRequestsAreAllCounted)
{
    start(endpoint());
    std::vector<std::thread> threads;
    std::atomic<int> paid{0};
    for (int t = 0; t < 4; t++)
        threads.emplace_back([this, &paid] {
            for (int i = 0; i < 5; i++) {
                tender_param path = {"path", "/ok"};
                TenderPayRequest req = {sizeof(TenderPayRequest)};
                req.method = "fx_http";
                req.region = "US";
                req.currency = "USD";
                req.amount = "1.00";
                req.params = &path;
                req.n_params = 1;
                TenderPayment *p = tender_host_pay(host, &req, nullptr);
                if (p != nullptr && p->status == TENDER_STATUS_AUTHORIZED)
                    paid++;
                tender_payment_free(p);
            }
        });
    for (auto &t : threads)
        t.join();
    EXPECT_EQ(paid.load(), 20);
    TenderHttpMetrics m = metrics();
    EXPECT_EQ(m.calls, 20u);
    EXPECT_EQ(m.responses_2xx, 20u);
    expect_consistent(m);
}

TEST_F(HttpMetrics, BadReadsAreRefused)
{
    start(endpoint());
    TenderHttpMetrics m = {};
    m.struct_size = 8;
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_http_metrics(host, "fx_http", &m, &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    m.struct_size = sizeof m;
    EXPECT_FALSE(tender_host_http_metrics(host, "no_such_method", &m, &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_UNKNOWN_METHOD);
}

} // namespace
