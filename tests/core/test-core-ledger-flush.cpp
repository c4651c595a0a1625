// A disk that fails the flush (issue 17, group commit): a durable unit whose
// WAL flush fails is told so and never acknowledged, and so is every other
// unit that flush was to make durable (a batch holds several units of
// concurrent payments: ledger-sqlite.c). Once the disk flushes again,
// payments go through. The flush is replaced through the SQLite backend's
// test hook (the real one is fdatasync on the WAL).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core-test-util.h"
#include "host-private.h"
#include "ledger-sqlite.h"

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

} // namespace
