// The key guarantee of issue 4: concurrent payments — threads of one host,
// hosts of one process, separate processes — racing against one daily limit
// on one ledger file can never together pass it. The limit is 90.00 USD and
// every payment 30.00 USD with a 2.90% + 0.30 USD fee: limits count the
// amount, fees excluded (docs/config.md), so exactly three fit, reaching the
// limit exactly (with the fees counted only two would).
#include "policy-host-support.h"
#include "test-ledger.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

namespace {

using ph::Payment;

constexpr const char *kNow = "2026-11-25T12:00:00Z";
constexpr const char *kAccount = "racer";
constexpr int kAttempts = 40;
constexpr gint64 kLimit = 9000;      // 90.00 USD
constexpr gint64 kAmount = 3000;     // 30.00 USD
constexpr gint64 kFee = 117;         // 0.87 + 0.30
constexpr int kFits = kLimit / kAmount;

std::string race_config()
{
    return ph::card_config(
        R"("limits": [{"window": "day", "currency": "USD", "max": "90.00"}],
           "fees": {"bps": 290, "fixed": {"USD": "0.30"}})");
}

struct Tally {
    std::atomic<int> authorized{0}, limited{0}, other{0}, failed{0};
};

void pay_and_count(TenderHost *host, int attempts, const std::atomic<bool> *go, Tally *t)
{
    while (!go->load())
        std::this_thread::yield();
    for (int i = 0; i < attempts; i++) {
        GError *error = nullptr;
        Payment p(ph::pay_card(host, kAccount, "30.00", FALSE, ph::kGoodCard, "USD", &error));
        if (!p) {
            ADD_FAILURE() << "pay: " << (error ? error->message : "no error");
            g_clear_error(&error);
            t->failed++;
        } else if (p->status == TENDER_STATUS_AUTHORIZED) {
            t->authorized++;
        } else if (p->status == TENDER_STATUS_DECLINED &&
                   p->decline_code == TENDER_DECLINE_LIMIT_EXCEEDED) {
            t->limited++;
        } else {
            ADD_FAILURE() << "unexpected " << tender_status_to_string(p->status) << ": "
                          << (p->decline_message ? p->decline_message : "");
            t->other++;
        }
    }
}

// What the ledger says after the race, read through a fresh host and then
// with SQLite directly: the total held never exceeds the limit, exactly
// kFits payments hold money, and the counters match what payments count.
void check_ledger(const std::string &ledger)
{
    std::string why;
    TenderHost *host = ph::make_host(race_config().c_str(), ledger, ph::utc_ms(kNow),
                                     ph::card_dir(), &why);
    ASSERT_NE(host, nullptr) << why;
    TenderListFilter filter = {sizeof(TenderListFilter)};
    filter.account = kAccount;
    GError *error = nullptr;
    GPtrArray *list = tender_host_list(host, &filter, &error);
    ASSERT_NE(list, nullptr) << (error ? error->message : "");
    gint64 held = 0;
    int holding = 0, limited = 0;
    for (guint i = 0; i < list->len; i++) {
        auto *p = static_cast<TenderPayment *>(g_ptr_array_index(list, i));
        if (p->status == TENDER_STATUS_DECLINED) {
            EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_LIMIT_EXCEEDED);
            EXPECT_STREQ(p->decline_raw_code, "policy");
            limited++;
            continue;
        }
        EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << tender_status_to_string(p->status);
        EXPECT_EQ(p->amount, kAmount);
        EXPECT_EQ(p->fee, kFee);  // recorded with the payment, not counted
        held += p->amount;
        holding++;
    }
    EXPECT_EQ((int)list->len, kAttempts);
    EXPECT_EQ(holding, kFits);
    EXPECT_EQ(limited, kAttempts - kFits);
    EXPECT_LE(held, kLimit);
    EXPECT_EQ(held, kLimit);
    g_ptr_array_unref(list);
    tender_host_free(host);

    std::string key = ph::amount_key("card", kAccount, "day", "2026-11-25", "USD");
    EXPECT_EQ(ph::usage_value(ledger, key), kLimit);
    std::vector<std::string> bad = ph::usage_mismatches(ledger);
    EXPECT_TRUE(bad.empty()) << bad.size() << " counters differ, e.g. "
                             << (bad.empty() ? "" : bad.front());
}

TEST(PolicyRace, EightThreadsOfOneHost)
{
    ph::TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    std::string why;
    TenderHost *host = ph::make_host(race_config().c_str(), ledger, ph::utc_ms(kNow),
                                     ph::card_dir(), &why);
    ASSERT_NE(host, nullptr) << why;
    Tally t;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; i++)
        threads.emplace_back(pay_and_count, host, kAttempts / 8, &go, &t);
    go = true;
    for (auto &th : threads)
        th.join();
    tender_host_free(host);

    EXPECT_EQ(t.authorized.load(), kFits);
    EXPECT_EQ(t.limited.load(), kAttempts - kFits);
    EXPECT_EQ(t.other.load() + t.failed.load(), 0);
    check_ledger(ledger);
}

TEST(PolicyRace, EightHostsOfOneProcessOnOneLedgerFile)
{
    // One host per thread: eight SQLite connections and eight plugin
    // instances, so nothing in-process serializes them but the ledger.
    ph::TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    std::vector<TenderHost *> hosts;
    for (int i = 0; i < 8; i++) {
        std::string why;
        TenderHost *h = ph::make_host(race_config().c_str(), ledger, ph::utc_ms(kNow),
                                      ph::card_dir(), &why);
        ASSERT_NE(h, nullptr) << why;
        hosts.push_back(h);
    }
    Tally t;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (TenderHost *h : hosts)
        threads.emplace_back(pay_and_count, h, kAttempts / 8, &go, &t);
    go = true;
    for (auto &th : threads)
        th.join();
    for (TenderHost *h : hosts)
        tender_host_free(h);

    EXPECT_EQ(t.authorized.load(), kFits);
    EXPECT_EQ(t.limited.load(), kAttempts - kFits);
    EXPECT_EQ(t.other.load() + t.failed.load(), 0);
    check_ledger(ledger);
}

// Run `processes` copies of this binary in child mode (policy-host-child.cc)
// on one ledger, release them together, wait for them and add up their
// results. With precreate, the ledger file exists (schema migrated) before
// they start.
void race_processes(int processes, bool precreate)
{
    ph::TempDir tmp;
    // The children get the ledger itself: under `meson test --setup
    // postgres` the server's schema for this file, fresh (no tables) unless
    // precreated, so hosts starting together also race the migrations.
    char *location = test_ledger_location(tmp.file("ledger.db").c_str());
    std::string ledger = location;
    g_free(location);
    std::string config = tmp.file("config.json");
    ASSERT_TRUE(g_file_set_contents(config.c_str(), race_config().c_str(), -1, nullptr));
    if (precreate) {
        std::string why;
        TenderHost *h = ph::make_host(race_config().c_str(), ledger, ph::utc_ms(kNow),
                                      ph::card_dir(), &why);
        ASSERT_NE(h, nullptr) << why;
        tender_host_free(h);
    }
    char *self = g_file_read_link("/proc/self/exe", nullptr);
    ASSERT_NE(self, nullptr);
    std::string exe = self;
    g_free(self);
    std::string now = std::to_string(ph::utc_ms(kNow));
    std::string per_child = std::to_string(kAttempts / processes);

    std::vector<GPid> pids;
    for (int i = 0; i < processes; i++) {
        std::string index = std::to_string(i);
        const char *argv[] = {exe.c_str(), "--policy-host-child", config.c_str(), ledger.c_str(),
                              now.c_str(), kAccount, "30.00", per_child.c_str(),
                              tmp.path().c_str(), index.c_str(), nullptr};
        GPid pid = 0;
        GError *error = nullptr;
        gboolean ok = g_spawn_async(nullptr, const_cast<char **>(argv), nullptr,
                                    G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid, &error);
        ASSERT_TRUE(ok) << (error ? error->message : "");
        pids.push_back(pid);
    }
    // Wait until every child has its host (or has exited), then release them.
    gint64 give_up = g_get_monotonic_time() + 50 * G_USEC_PER_SEC;
    std::vector<bool> exited(processes, false);
    std::vector<int> status(processes, 0);
    for (;;) {
        int ready = 0;
        for (int i = 0; i < processes; i++) {
            if (!exited[i] && waitpid(pids[i], &status[i], WNOHANG) == pids[i])
                exited[i] = true;
            if (exited[i] || g_file_test(tmp.file("ready-" + std::to_string(i)).c_str(),
                                         G_FILE_TEST_EXISTS))
                ready++;
        }
        if (ready == processes || g_get_monotonic_time() > give_up)
            break;
        g_usleep(2000);
    }
    EXPECT_TRUE(g_file_set_contents(tmp.file("go").c_str(), "go", -1, nullptr));

    int authorized = 0, limited = 0, other = 0;
    for (int i = 0; i < processes; i++) {
        if (!exited[i])
            waitpid(pids[i], &status[i], 0);
        g_spawn_close_pid(pids[i]);
        EXPECT_TRUE(WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0)
            << "child " << i << " ended with status " << status[i];
        char *text = nullptr;
        if (!g_file_get_contents(tmp.file("result-" + std::to_string(i)).c_str(), &text,
                                 nullptr, nullptr)) {
            ADD_FAILURE() << "child " << i << " wrote no result";
            continue;
        }
        int a = 0, l = 0, o = 0;
        EXPECT_EQ(sscanf(text, "%d %d %d", &a, &l, &o), 3) << text;
        g_free(text);
        authorized += a;
        limited += l;
        other += o;
    }
    EXPECT_EQ(authorized, kFits);
    EXPECT_EQ(limited, kAttempts - kFits);
    EXPECT_EQ(other, 0);
    if (!::testing::Test::HasFailure())
        check_ledger(ledger);
}

TEST(PolicyRace, FourProcessesOnOneLedgerFile)
{
    race_processes(4, true);
}

TEST(PolicyRace, FourProcessesCreatingTheLedgerTogether)
{
    // Nobody opened the ledger before: the four hosts create and migrate it
    // at the same moment, then race.
    race_processes(4, false);
}

}  // namespace
