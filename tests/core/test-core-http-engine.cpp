// The engine's side of the `http` service (issue 12, item 7), through a real
// TenderHost, the fx_http fixture and a misbehaving loopback server: a
// NOT_SENT is retried with backoff, inside the method's deadline, until the
// provider answers; the deadline bounds the retries; an UNKNOWN leaves the
// payment unknown for reconciliation, and tender_host_reconcile settles it
// once the provider answers again; an answer over the size cap is UNKNOWN
// and costs bounded memory.
#include "core-test-util.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

extern "C" {
#include "http-misbehave.h"
}

using namespace coretest;

namespace {

class HttpEngine : public HostTest {
protected:
    HttpMisbehave *server = nullptr;
    int refused_fd = -1;

    void TearDown() override
    {
        HostTest::TearDown();
        http_misbehave_stop(server);
        if (refused_fd >= 0)
            close(refused_fd);
    }

    static std::string base(int port) { return "http://127.0.0.1:" + std::to_string(port); }

    void start(const std::string &endpoint, gint64 deadline_ms, int retries, int backoff_ms,
               const std::string &sync_path = "")
    {
        MethodConf conf;
        conf.deadline_ms = deadline_ms;
        conf.retries = retries;
        conf.backoff_ms = backoff_ms;
        conf.string_settings["endpoint"] = endpoint;
        if (!sync_path.empty())
            conf.string_settings["sync_path"] = sync_path;
        make_host({{"fx_http", conf}}, ":memory:", kNow, FALSE);
    }

    TenderPayment *pay_path(const char *path)
    {
        return pay("fx_http", "10.00", "USD", nullptr, {{"path", path}});
    }

    static const TenderOperation *last_op(const TenderPayment *p)
    {
        return static_cast<const TenderOperation *>(
            g_ptr_array_index(p->operations, p->operations->len - 1));
    }

    TenderReconcileReport reconcile()
    {
        TenderReconcileReport report = {};
        GError *error = nullptr;
        EXPECT_TRUE(tender_host_reconcile(host, &report, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        return report;
    }
};

long max_rss_kib()
{
    struct rusage usage = {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// The provider refuses connections for 250 ms, then comes up: the first
// attempts are NOT_SENT (nothing reaches the server), the engine backs off
// (50, 100, 200 ms...) and retries with the same request, and the attempt
// after the provider is up is the only request the server ever reads.
TEST_F(HttpEngine, NotSentIsRetriedWithBackoffUntilTheProviderAnswers)
{
    server = http_misbehave_start_listening_after(250);
    ASSERT_NE(server, nullptr);
    start(base(http_misbehave_port(server)), 5000, 6, 50);
    TenderPayment *p = pay_path("/ok");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    ASSERT_EQ(p->operations->len, 1u) << "retries are one operation";
    EXPECT_GE(last_op(p)->attempts, 2u) << "the refused attempts were retried";
    EXPECT_LE(last_op(p)->attempts, 6u) << "backoff, not a busy loop";
    EXPECT_EQ(http_misbehave_requests(server), 1) << "refused attempts never reached the server";
    EXPECT_EQ(http_misbehave_connections(server), 1);
}

// Ten retries from 50 ms would take 51 s of backoff alone; the 400 ms
// deadline covers them all, so the operation gives up within it, having
// sent nothing: the payment fails as not sent, not unknown.
TEST_F(HttpEngine, TheDeadlineCoversTheRetries)
{
    int port = http_misbehave_refused_port(&refused_fd);
    ASSERT_GT(port, 0);
    start(base(port), 400, 10, 50);
    auto started = std::chrono::steady_clock::now();
    TenderPayment *p = pay_path("/ok");
    auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_FAILED);
    EXPECT_STREQ(last_op(p)->outcome, "not_sent");
    EXPECT_GE(last_op(p)->attempts, 2u);
    EXPECT_LT(last_op(p)->attempts, 11u) << "the deadline stopped the retries";
    // 50 + 100 + 200 ms of backoff fit in 400 ms, the next 400 ms do not.
    EXPECT_LT(elapsed_ms, 3000) << "per-attempt deadlines would have taken 51 s";
}

// The provider reads the request and never answers: UNKNOWN, sent once, and
// the payment waits for reconciliation. Reconciling while the provider still
// misbehaves leaves it open; once it answers, the sync settles it.
TEST_F(HttpEngine, UnknownWaitsForReconcileWhichSettlesItWithAHealthyProvider)
{
    server = http_misbehave_start(0, nullptr, nullptr);
    ASSERT_NE(server, nullptr);
    start(base(http_misbehave_port(server)), 400, 2, 5, "/ok");
    TenderPayment *p = pay_path("/silent");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    EXPECT_STREQ(last_op(p)->outcome, "unknown");
    EXPECT_EQ(last_op(p)->attempts, 1u) << "an UNKNOWN is never retried blindly";
    EXPECT_EQ(http_misbehave_requests(server), 1);

    TenderReconcileReport report = reconcile();
    EXPECT_EQ(report.examined, 1u);
    EXPECT_EQ(report.resolved, 1u);
    EXPECT_EQ(report.still_open, 0u);
    EXPECT_EQ(report.errors, 0u);
    EXPECT_EQ(http_misbehave_requests(server), 2) << "the sync asked the provider";
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(after->amount, 1000);
    EXPECT_EQ(reconcile().examined, 0u) << "nothing left to reconcile";
}

TEST_F(HttpEngine, ReconcileAgainstAProviderThatStillFailsLeavesThePaymentUnknown)
{
    server = http_misbehave_start(0, nullptr, nullptr);
    ASSERT_NE(server, nullptr);
    start(base(http_misbehave_port(server)), 400, 2, 5, "/reset");
    TenderPayment *p = pay_path("/reset");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    TenderReconcileReport report = reconcile();
    EXPECT_EQ(report.examined, 1u);
    EXPECT_EQ(report.resolved, 0u);
    EXPECT_EQ(report.still_open, 1u);
    EXPECT_EQ(get(p->id)->status, TENDER_STATUS_UNKNOWN) << "no guess from a reset";
}

// 64 MiB offered against the 1 MiB cap: UNKNOWN (the provider answered
// something, so it may have acted), and the host buffered no more than the
// cap.
TEST_F(HttpEngine, AnAnswerOverTheCapIsUnknownInBoundedMemory)
{
    server = http_misbehave_start(0, nullptr, nullptr);
    ASSERT_NE(server, nullptr);
    start(base(http_misbehave_port(server)), 5000, 2, 5);
    long rss_before = max_rss_kib();
    for (const char *path : {"/huge", "/huge-length"}) {
        TenderPayment *p = pay_path(path);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN) << path;
        EXPECT_STREQ(last_op(p)->outcome, "unknown") << path;
        EXPECT_EQ(last_op(p)->attempts, 1u) << path;
    }
    EXPECT_LT(max_rss_kib() - rss_before, 32 * 1024);
    EXPECT_LT(http_misbehave_huge_bytes_sent(server), 2u * 64 * 1024 * 1024);
}

} // namespace
