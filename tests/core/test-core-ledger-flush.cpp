// A disk that fails the flush (issue 17, group commit): a durable unit whose
// WAL flush fails is told so and never acknowledged, and so is every other
// unit that flush was to make durable (a batch holds several units of
// concurrent payments: ledger-sqlite.c). Once the disk flushes again,
// payments go through. And an operation's intent, committed without
// waiting for the disk, is on disk before the plugin's first request leaves
// the machine (services-http.c): with a disk that fails, nothing is sent.
// The flush is replaced through the SQLite backend's test hook (the real
// one is fdatasync on the WAL).
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core-test-util.h"
#include "host-private.h"
#include "ledger-sqlite.h"

extern "C" {
#include "http-misbehave.h"
}

using namespace coretest;

namespace {

std::atomic<int> flushes_failed{0};

int failing_flush(int wal_fd)
{
    (void)wal_fd;
    // Slow, like a disk in trouble: the other threads' units gather in the
    // next batch meanwhile.
    g_usleep(20 * 1000);
    flushes_failed++;
    return SQLITE_IOERR_FSYNC;
}

class LedgerFlush : public HostTest {
protected:
    void SetUp() override { make_host({}, tmp.file("ledger.db")); }
};

TEST_F(LedgerFlush, AFailedFlushIsAnErrorForEveryUnitItWasToMakeDurable)
{
    ledger_sqlite_set_flush_fn(host->ledger, failing_flush);
    constexpr int kThreads = 6;
    std::vector<std::string> errors(kThreads);
    std::vector<std::string> acknowledged(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back([&, i] {
            // tender_host_pay itself: HostTest::pay keeps what it returns
            // in a vector of the fixture's, not for several threads.
            TenderPayRequest req = usd_request("fx_count", "10.00");
            GError *error = nullptr;
            TenderPayment *p = tender_host_pay(host, &req, &error);
            if (p != nullptr) {
                acknowledged[i] = p->id;
                tender_payment_free(p);
            }
            if (error != nullptr) {
                errors[i] = error->message;
                g_error_free(error);
            }
        });
    for (std::thread &t : threads)
        t.join();
    EXPECT_GT(flushes_failed.load(), 0);
    for (int i = 0; i < kThreads; i++) {
        EXPECT_EQ(acknowledged[i], "") << "acknowledged although its flush failed: thread " << i;
        EXPECT_NE(errors[i].find("flushing the WAL failed"), std::string::npos)
            << "thread " << i << ": " << errors[i];
    }

    // The disk is back: the next payment is durable and acknowledged.
    ledger_sqlite_set_flush_fn(host->ledger, nullptr);
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
}

// The provider's server, seen from the flushes: how many requests it had
// read when each flush began.
HttpMisbehave *provider = nullptr;
std::vector<int> requests_at_flush;
std::atomic<bool> fail_flushes{false};

int observing_flush(int wal_fd)
{
    requests_at_flush.push_back(http_misbehave_requests(provider));
    if (fail_flushes)
        return SQLITE_IOERR_FSYNC;
    return fdatasync(wal_fd) == 0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

class IntentBeforeRequest : public HostTest {
protected:
    void SetUp() override
    {
        provider = http_misbehave_start(0, nullptr, nullptr);
        ASSERT_NE(provider, nullptr);
        requests_at_flush.clear();
        fail_flushes = false;
        MethodConf conf;
        conf.retries = 0;
        conf.string_settings["endpoint"] =
            "http://127.0.0.1:" + std::to_string(http_misbehave_port(provider));
        make_host({{"fx_http", conf}}, tmp.file("ledger.db"), kNow, FALSE);
        ledger_sqlite_set_flush_fn(host->ledger, observing_flush);
    }

    void TearDown() override
    {
        HostTest::TearDown();
        http_misbehave_stop(provider);
        provider = nullptr;
    }
};

// The intent's flush comes before the request (the server had read
// nothing yet), the outcome's after it. Before, the intent waited for the
// outcome's flush: the one flush came after the provider had the request.
TEST_F(IntentBeforeRequest, TheIntentIsOnDiskBeforeTheRequestLeaves)
{
    TenderPayment *p = pay("fx_http", "10.00", "USD", nullptr, {{"path", "/ok"}});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(http_misbehave_requests(provider), 1);
    ASSERT_EQ(requests_at_flush.size(), 2u) << "one flush before the request, one for the outcome";
    EXPECT_EQ(requests_at_flush[0], 0) << "the intent was flushed after the request was sent";
    EXPECT_EQ(requests_at_flush[1], 1);
}

// A method that sends nothing pays for no flush of its own: its intent
// reaches the disk with its outcome, in one flush.
TEST_F(IntentBeforeRequest, AnOperationThatSendsNothingFlushesOnce)
{
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(requests_at_flush.size(), 1u);
}

// A disk that cannot flush: the request is never sent (the plugin is told
// NOT_SENT), and the payment is not acknowledged either.
TEST_F(IntentBeforeRequest, WhenTheIntentCannotReachTheDiskNothingIsSent)
{
    fail_flushes = true;
    GError *error = nullptr;
    TenderPayment *p =
        pay("fx_http", "10.00", "USD", nullptr, {{"path", "/ok"}}, FALSE, &error);
    EXPECT_EQ(p, nullptr) << "acknowledged although nothing reached the disk";
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("flushing the WAL failed"), std::string::npos)
        << error->message;
    g_error_free(error);
    EXPECT_GE(requests_at_flush.size(), 1u);
    EXPECT_EQ(http_misbehave_requests(provider), 0) << "a request left before its intent was on disk";
    EXPECT_EQ(http_misbehave_connections(provider), 0);
}

// A batch whose COMMIT fails (here a foreign key checked at COMMIT, through
// SQLite's defer_foreign_keys) fails every unit in it, and a durable member
// is told at once. It used to wait for a flush covering its batch, which only
// a later durable batch would have made: with none coming, for ever.
TEST(LedgerCommitFailure, ADurableMemberOfAFailedBatchIsToldAtOnce)
{
    TempDir tmp;
    GError *error = nullptr;
    TenderLedger *ledger = ledger_sqlite_open(tmp.file("ledger.db").c_str(), TRUE, &error);
    ASSERT_NE(ledger, nullptr) << (error ? error->message : "");
    auto *sqlite = reinterpret_cast<SqliteLedger *>(ledger);

    // The leader's unit: an operation of a payment that does not exist,
    // allowed until COMMIT.
    LedgerUnit *leader_unit = ledger_begin(ledger, &error);
    ASSERT_NE(leader_unit, nullptr);
    ASSERT_EQ(sqlite3_exec(sqlite->db,
                           "PRAGMA defer_foreign_keys=ON;"
                           "INSERT INTO operations (payment_id, kind, request_id, amount,"
                           " created_ms) VALUES ('pay_missing', 'authorize', 'req_x', 1, 1)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(sqlite->db);

    // The member begins while the leader's unit is open, so it joins the
    // leader's batch; it writes nothing wrong itself.
    std::promise<std::string> member_result;
    std::future<std::string> member_done = member_result.get_future();
    std::thread member([&] {
        GError *member_error = nullptr;
        LedgerUnit *unit = ledger_begin(ledger, &member_error);
        if (unit == nullptr) {
            member_result.set_value(std::string("begin failed: ") + member_error->message);
            g_error_free(member_error);
            return;
        }
        gboolean ok = ledger_commit(unit, &member_error);
        member_result.set_value(ok ? "committed" : member_error->message);
        g_clear_error(&member_error);
    });
    // Wait until the member is on its way into the batch (counted as active).
    for (int i = 0; i < 2000 && g_atomic_int_get(&sqlite->active) < 2; i++)
        g_usleep(1000);
    ASSERT_EQ(g_atomic_int_get(&sqlite->active), 2) << "the member never began";

    EXPECT_FALSE(ledger_commit(leader_unit, &error));
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("FOREIGN KEY"), std::string::npos)
        << error->message;
    g_clear_error(&error);

    bool answered = member_done.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    if (!answered) {
        // Unblock the member before failing: a durable batch flushes every
        // batch before it.
        LedgerUnit *unit = ledger_begin(ledger, nullptr);
        ASSERT_NE(unit, nullptr);
        ledger_commit(unit, nullptr);
    }
    member.join();
    ASSERT_TRUE(answered) << "the member waited for a flush that was never coming";
    std::string result = member_done.get();
    EXPECT_NE(result.find("FOREIGN KEY"), std::string::npos) << result;
    ledger_close(ledger);
}

} // namespace
