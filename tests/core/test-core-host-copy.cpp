// tender_host_copy_ledger from a PostgreSQL ledger (issue 18): the rows of
// one snapshot into a new SQLite file, checked by totals. The copy opens in
// a new host with every payment, operation, counter, key and event as the
// server has them; a copy made while another thread keeps paying is the
// ledger at one moment; an existing file, a server or ":memory:" as the
// target are refused and nothing is written.
//
// PostgreSQL only: run as core-host-copy-postgres under a throw-away
// cluster of its own (tests/core/meson.build). The SQLite file copy is
// core-ledger-copy's.
#include <glib/gstdio.h>

#include <atomic>
#include <string>
#include <thread>

#include "core-test-util.h"
#include "test-core-limited-host.h"
#include "test-ledger.h"

using namespace coretest;

namespace {

class HostCopy : public HostTest {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(test_ledger_is_postgres())
            << "run under tests/support/with-postgres (core-host-copy-postgres)";
        counter = tmp.file("calls.txt");
        location = test_ledger_location(":memory:");
        host = open_host(location);
        ASSERT_NE(host, nullptr);
    }

    void TearDown() override
    {
        g_free(location);
        HostTest::TearDown();
    }

    TenderHost *open_host(const char *ledger) { return open_limited_host(ledger, counter); }

    TenderPayment *pay_account(TenderHost *on, const char *amount, const char *key = nullptr)
    {
        GError *error = nullptr;
        TenderPayment *p = pay_limited(on, amount, key, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    static std::vector<std::string> event_ids(TenderHost *on)
    {
        GError *error = nullptr;
        GPtrArray *events = tender_host_events(on, 0, &error);
        EXPECT_NE(events, nullptr) << (error ? error->message : "");
        std::vector<std::string> ids;
        for (guint i = 0; events && i < events->len; i++)
            ids.push_back(static_cast<TenderEvent *>(g_ptr_array_index(events, i))->id);
        if (events)
            g_ptr_array_unref(events);
        g_clear_error(&error);
        return ids;
    }

    char *location = nullptr;
};

TEST_F(HostCopy, ACopyOfAPostgresLedgerOpensInANewHostWithEverything)
{
    GError *error = nullptr;
    char *secret = nullptr;
    TenderWebhookEndpoint *endpoint =
        tender_host_webhook_endpoint_add(host, "https://shop.example/hooks", nullptr, &secret, &error);
    ASSERT_NE(endpoint, nullptr) << (error ? error->message : "");
    tender_webhook_endpoint_free(endpoint);
    g_free(secret);
    TenderPayment *a = pay_account(host, "10.00", "order-1");
    ASSERT_NE(a, nullptr);
    keep(tender_host_capture(host, a->id, "6.00", nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    keep(tender_host_refund(host, a->id, "2.50", nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    TenderPayment *b = pay_account(host, "30.00");
    ASSERT_NE(b, nullptr);
    keep(tender_host_void(host, b->id, nullptr, &error));
    ASSERT_EQ(error, nullptr) << error->message;
    TenderPayment *c = pay_account(host, "5.00");
    ASSERT_NE(c, nullptr);
    std::vector<std::string> ids = {a->id, b->id, c->id};
    std::vector<std::string> before;
    for (const auto &id : ids)
        before.push_back(snap(id.c_str()));
    std::vector<std::string> events_before = event_ids(host);
    ASSERT_GE(events_before.size(), 5u);

    std::string path = tmp.file("copy.db");
    ASSERT_TRUE(tender_host_copy_ledger(host, path.c_str(), &error))
        << (error ? error->message : "");
    // The source is as it was, and the copy a ledger like any other.
    for (size_t i = 0; i < ids.size(); i++)
        EXPECT_EQ(snap(ids[i].c_str()), before[i]);
    TenderHost *copy = open_host(path.c_str());
    ASSERT_NE(copy, nullptr);
    for (size_t i = 0; i < ids.size(); i++) {
        TenderPayment *p = tender_host_get(copy, ids[i].c_str(), &error);
        ASSERT_NE(p, nullptr) << (error ? error->message : "");
        EXPECT_EQ(snapshot(p), before[i]);
        tender_payment_free(p);
    }
    EXPECT_EQ(event_ids(copy), events_before);
    // Its counters came along: the limit counts what the source counted
    // (10.00 - 2.50 of a, c's 5.00) and a replay finds the copied payment.
    TenderPayment *replay = pay_account(copy, "10.00", "order-1");
    ASSERT_NE(replay, nullptr);
    EXPECT_EQ(std::string(replay->id), ids[0]);
    // And it copies on, checked by totals, as any ledger.
    std::string again = tmp.file("again.db");
    TenderLedgerCopyReport report = {};
    ASSERT_TRUE(tender_ledger_copy(path.c_str(), again.c_str(), &report, &error))
        << (error ? error->message : "");
    EXPECT_GT(report.rows, 15u);
    tender_host_free(copy);
}

TEST_F(HostCopy, ACopyMadeWhilePaymentsGoOnIsTheLedgerAtOneMoment)
{
    for (int i = 0; i < 5; i++)
        ASSERT_NE(pay_account(host, "1.00"), nullptr);
    std::atomic<bool> stop{false};
    std::atomic<int> paid{5};
    std::thread payer([&] {
        while (!stop.load()) {
            TenderPayment *p = pay_limited(host, "1.00", nullptr, nullptr);
            if (p)
                paid++;
            tender_payment_free(p);
        }
    });
    std::string path = tmp.file("live.db");
    GError *error = nullptr;
    int at_start = paid.load();
    gboolean copied = tender_host_copy_ledger(host, path.c_str(), &error);
    int at_end = paid.load();
    stop = true;
    payer.join();
    ASSERT_TRUE(copied) << (error ? error->message : "");
    TenderHost *copy = open_host(path.c_str());
    ASSERT_NE(copy, nullptr);
    size_t n = payment_count(copy);
    EXPECT_GE(n, static_cast<size_t>(at_start));
    EXPECT_LE(n, static_cast<size_t>(at_end) + 1); // one may be committed, not yet counted
    // Whatever moment it is, it is whole (the copy's totals were checked
    // against the server's snapshot): every payment has its operation, and
    // is authorized but for the one the payer may have had in flight then
    // (its intent committed, the plugin not yet answered).
    GPtrArray *all = tender_host_list(copy, nullptr, &error);
    ASSERT_NE(all, nullptr);
    guint in_flight = 0;
    for (guint i = 0; i < all->len; i++) {
        auto *p = static_cast<TenderPayment *>(g_ptr_array_index(all, i));
        TenderPayment *full = tender_host_get(copy, p->id, &error);
        ASSERT_NE(full, nullptr) << (error ? error->message : "");
        EXPECT_EQ(full->operations->len, 1u) << p->id;
        if (full->status != TENDER_STATUS_AUTHORIZED)
            in_flight++;
        tender_payment_free(full);
    }
    EXPECT_LE(in_flight, 1u);
    g_ptr_array_unref(all);
    tender_host_free(copy);
}

TEST_F(HostCopy, RefusesAnExistingFileAServerAndMemoryAndWritesNothing)
{
    ASSERT_NE(pay_account(host, "10.00"), nullptr);
    std::string existing = tmp.file("existing.db");
    ASSERT_TRUE(g_file_set_contents(existing.c_str(), "keep me", -1, nullptr));
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_copy_ledger(host, existing.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    char *text = nullptr;
    ASSERT_TRUE(g_file_get_contents(existing.c_str(), &text, nullptr, nullptr));
    EXPECT_STREQ(text, "keep me");
    g_free(text);

    g_autofree char *server = test_ledger_location(":memory:");
    for (const char *target : {static_cast<const char *>(server), ":memory:", ""}) {
        EXPECT_FALSE(tender_host_copy_ledger(host, target, &error)) << target;
        EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    }
    GPtrArray *rows = test_ledger_pg_query(server, "SELECT count(*) FROM pg_tables WHERE"
                                                   " tablename = 'payments' AND schemaname ="
                                                   " current_schema()",
                                           nullptr, &error);
    ASSERT_NE(rows, nullptr) << error->message;
    ASSERT_EQ(rows->len, 1u);
    auto *row = static_cast<GPtrArray *>(g_ptr_array_index(rows, 0));
    EXPECT_STREQ(static_cast<const char *>(g_ptr_array_index(row, 0)), "0");
    g_ptr_array_unref(rows);

    std::string nowhere = tmp.file("no-such-dir/copy.db");
    EXPECT_FALSE(tender_host_copy_ledger(host, nowhere.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    EXPECT_FALSE(g_file_test(nowhere.c_str(), G_FILE_TEST_EXISTS));
}

} // namespace
