// How the host opens its ledger: the no-create mode of read-only hosts
// (tender_host_options_set_ledger_no_create), a ledger whose directory does
// not exist, and the directories the host reports having searched for
// plugins.
#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <string>

#include <tender/tender.h>

#include "core-test-util.h"

using namespace coretest;

namespace {

// The fixture plugins, the given ledger, optionally without creating it.
TenderHost *open_host(const std::string &ledger, gboolean no_create, GError **error)
{
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_set_config_data(o, "{}");
    tender_host_options_set_ledger(o, ledger.c_str());
    tender_host_options_set_ledger_no_create(o, no_create);
    tender_host_options_set_fixed_now(o, kNow);
    TenderHost *host = tender_host_new(o, error);
    tender_host_options_free(o);
    return host;
}

TenderPayment *pay_echo(TenderHost *host, GError **error)
{
    tender_param number = {"number", "4242424242424242"};
    TenderPayRequest r = {sizeof r, "fx_echo", "US", "USD", "10.00", "acct-1", nullptr,
                          nullptr,   &number,   1,     FALSE};
    return tender_host_pay(host, &r, error);
}

bool exists(const std::string &path)
{
    return g_file_test(path.c_str(), G_FILE_TEST_EXISTS);
}

TEST(LedgerOpen, NoCreateOnAMissingLedgerReadsEmptyAndLeavesNoFile)
{
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    GError *error = nullptr;
    TenderHost *host = open_host(ledger, TRUE, &error);
    ASSERT_NE(host, nullptr) << error->message;

    GPtrArray *list = tender_host_list(host, nullptr, &error);
    ASSERT_NE(list, nullptr) << error->message;
    EXPECT_EQ(list->len, 0u);
    g_ptr_array_unref(list);
    EXPECT_EQ(tender_host_get(host, "pay_nosuchpayment", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_FOUND);
    TenderBuyer buyer = {sizeof buyer, "US", "USD", "10.00", nullptr, nullptr};
    GPtrArray *quotes = tender_host_quote(host, &buyer, &error);
    ASSERT_NE(quotes, nullptr) << error->message;
    EXPECT_GT(quotes->len, 0u);
    g_ptr_array_unref(quotes);

    // Recording is refused, not silently lost with the stand-in.
    EXPECT_EQ(pay_echo(host, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("does not exist"), std::string::npos)
        << error->message;
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    tender_host_free(host);

    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        EXPECT_FALSE(exists(ledger + suffix)) << ledger + suffix << " was created";
}

TEST(LedgerOpen, NoCreateOpensAnExistingLedgerAsUsual)
{
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    GError *error = nullptr;
    TenderHost *writer = open_host(ledger, FALSE, &error);
    ASSERT_NE(writer, nullptr) << error->message;
    TenderPayment *p = pay_echo(writer, &error);
    ASSERT_NE(p, nullptr) << error->message;
    std::string id = p->id;
    tender_payment_free(p);
    tender_host_free(writer);
    ASSERT_TRUE(exists(ledger));

    TenderHost *reader = open_host(ledger, TRUE, &error);
    ASSERT_NE(reader, nullptr) << error->message;
    GPtrArray *list = tender_host_list(reader, nullptr, &error);
    ASSERT_NE(list, nullptr) << error->message;
    ASSERT_EQ(list->len, 1u);
    EXPECT_EQ(id, static_cast<TenderPayment *>(g_ptr_array_index(list, 0))->id);
    g_ptr_array_unref(list);
    TenderPayment *shown = tender_host_get(reader, id.c_str(), &error);
    ASSERT_NE(shown, nullptr) << error->message;
    tender_payment_free(shown);
    tender_host_free(reader);
}

TEST(LedgerOpen, AMissingDirectoryIsNamedAndNothingIsCreated)
{
    TempDir tmp;
    std::string dir = tmp.file("no/such");
    std::string ledger = dir + "/ledger.db";
    for (gboolean no_create : {gboolean(FALSE), gboolean(TRUE)}) {
        GError *error = nullptr;
        EXPECT_EQ(open_host(ledger, no_create, &error), nullptr);
        ASSERT_NE(error, nullptr);
        std::string message = error->message;
        EXPECT_NE(message.find("ledger directory '" + dir + "' does not exist"), std::string::npos)
            << message;
        EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
        EXPECT_FALSE(exists(tmp.file("no")));
    }
}

TEST(LedgerOpen, PluginDirsNamesEveryDirectorySearchedInOrder)
{
    TempDir tmp;
    std::string extra = tmp.file("extra");
    std::string from_config = tmp.file("from-config");
    ASSERT_EQ(g_mkdir(extra.c_str(), 0700), 0);
    ASSERT_EQ(g_mkdir(from_config.c_str(), 0700), 0);
    std::string config = "{\"plugin_dirs\": [\"" + from_config + "\"]}";
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_add_plugin_dir(o, extra.c_str());
    tender_host_options_set_config_data(o, config.c_str());
    tender_host_options_set_ledger(o, ":memory:");
    GError *error = nullptr;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << error->message;
    const char *const *dirs = tender_host_plugin_dirs(host);
    ASSERT_NE(dirs, nullptr);
    ASSERT_EQ(g_strv_length(const_cast<char **>(dirs)), 3u);
    EXPECT_STREQ(dirs[0], fixture_dir());
    EXPECT_EQ(dirs[1], extra);
    EXPECT_EQ(dirs[2], from_config);
    tender_host_free(host);
}

// The ledger checkpoints on a thread of its own (ledger-sqlite.c), a commit
// copying only the tail the thread left: after enough payments to fill the WAL past its
// threshold, the rows reach the database file itself (with no checkpoint at
// all they would stay in the -wal file, and the database file at its first
// page), the WAL does not grow without bound, and everything is still read
// back after a reopen.
TEST(LedgerOpen, CheckpointsReachTheDatabaseFileOffTheCommitPath)
{
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_set_config_data(o, "{}");
    tender_host_options_set_ledger(o, ledger.c_str());
    tender_host_options_set_fixed_now(o, kNow);
    tender_host_options_set_ledger_flush(o, FALSE); // a bulk load: no fsync to wait for
    GError *error = nullptr;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << (error ? error->message : "");
    std::string last;
    // Enough for about 160 MB of WAL frames: past the point where the
    // committing thread must checkpoint itself because the checkpointer
    // cannot catch up with a steady stream of commits.
    for (int i = 0; i < 3000; i++) {
        TenderPayment *p = pay_echo(host, &error);
        ASSERT_NE(p, nullptr) << (error ? error->message : "");
        last = p->id;
        tender_payment_free(p);
    }
    // The checkpointer runs when it is scheduled: wait for it, boundedly.
    GStatBuf st = {};
    for (int waited = 0; waited < 100; waited++) {
        ASSERT_EQ(g_stat(ledger.c_str(), &st), 0);
        if (st.st_size > 256 * 1024)
            break;
        g_usleep(100 * 1000);
    }
    GStatBuf wal = {};
    g_stat((ledger + "-wal").c_str(), &wal);
    EXPECT_GT(st.st_size, 256 * 1024) << "no checkpoint copied the WAL into the database file ("
                                      << wal.st_size << " bytes of WAL)";
    // The WAL was restarted along the way, not left to grow: the thread
    // copies the bulk past 4,000 pages, and a commit copies the tail after
    // at most two passes of the thread (these commits do not wait for the
    // disk and outrun it), so the WAL restarts well before the committing
    // thread's backstop at 16,000 pages of 4 KiB (a restarted WAL keeps its
    // size on disk). Were the tail left to the thread, the WAL would reach
    // the backstop.
    EXPECT_LT(wal.st_size, 12000 * (4096 + 24));
    tender_host_free(host);

    host = open_host(ledger, FALSE, &error);
    ASSERT_NE(host, nullptr) << (error ? error->message : "");
    TenderPayment *again = tender_host_get(host, last.c_str(), &error);
    ASSERT_NE(again, nullptr) << (error ? error->message : "");
    tender_payment_free(again);
    GPtrArray *all = tender_host_list(host, nullptr, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 3000u);
    g_ptr_array_unref(all);
    tender_host_free(host);
}

}  // namespace

namespace {

// The bulk-load switch (tender_host_options_set_ledger_flush): commits that
// do not wait for the disk still record every payment, and a host opened
// later (flushing as usual) reads them all.
TEST(LedgerOpen, BulkLoadWithoutFlushKeepsEveryPayment)
{
    TempDir tmp;
    std::string ledger = tmp.file("bulk.db");
    GError *error = nullptr;
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_set_config_data(o, "{}");
    tender_host_options_set_ledger(o, ledger.c_str());
    tender_host_options_set_ledger_flush(o, FALSE);
    tender_host_options_set_fixed_now(o, kNow);
    TenderHost *bulk = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(bulk, nullptr) << error->message;
    for (int i = 0; i < 25; i++) {
        TenderPayment *p = pay_echo(bulk, &error);
        ASSERT_NE(p, nullptr) << error->message;
        tender_payment_free(p);
    }
    tender_host_free(bulk);

    TenderHost *host = open_host(ledger, FALSE, &error);
    ASSERT_NE(host, nullptr) << error->message;
    GPtrArray *list = tender_host_list(host, nullptr, &error);
    ASSERT_NE(list, nullptr) << error->message;
    EXPECT_EQ(list->len, 25u);
    g_ptr_array_unref(list);
    // And the flushing host goes on recording on the same file.
    TenderPayment *p = pay_echo(host, &error);
    ASSERT_NE(p, nullptr) << error->message;
    tender_payment_free(p);
    tender_host_free(host);
}

} // namespace
