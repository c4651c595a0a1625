// Crash safety: a child process (core-child crash) acknowledges payment
// operations in a loop on a file ledger and is killed with SIGKILL at random
// moments, many times. After every kill the ledger passes
// PRAGMA integrity_check (SQLite), holds every acknowledged operation in at
// least its acknowledged state, has no half-written operation, and opens in
// a host. At the end, reconcile settles what the kills left in flight.
// Under `meson test --setup postgres` the ledger is a schema of the server
// (test-ledger.h) and the rows are read there.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "core-test-util.h"
#include "ledger-rows.h"

using namespace coretest;

namespace {

// How far along its life a status is in the child's loop (authorize,
// capture 4.00, capture the rest, refund 1.00; or authorize, void).
int progress(const std::string &status)
{
    static const std::map<std::string, int> rank = {
        {"authorized", 1}, {"partially_captured", 2}, {"captured", 3},
        {"partially_refunded", 4}, {"voided", 2}};
    auto it = rank.find(status);
    return it == rank.end() ? -1 : it->second;
}

using testledger::LedgerRows;

// The first column of sql's first row: "(no row)" when there is none,
// "(null)" for NULL.
std::string query_text(const LedgerRows &db, const char *sql, const std::string &arg = "")
{
    testledger::Rows rows =
        db.rows(sql, arg.empty() ? std::vector<std::string>{} : std::vector<std::string>{arg});
    if (rows.empty())
        return "(no row)";
    return rows[0].empty() || rows[0][0].empty() ? "(null)" : rows[0][0];
}

// SQLite's own check of the file after a kill. PostgreSQL recovers its
// files itself and the test has no file of its to check: there the rows'
// checks stand alone.
void expect_file_intact(const LedgerRows &db)
{
    if (!db.is_postgres()) {
        EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok");
    }
}

// Whether the ledger's schema was committed before the kill.
bool schema_committed(const LedgerRows &db)
{
    if (db.is_postgres())
        return query_text(db, "SELECT count(*) FROM pg_tables WHERE schemaname ="
                              " current_schema() AND tablename = 'payments'") != "0";
    return query_text(db, "PRAGMA user_version") != "0";
}

// Run the child for about delay_ms, kill it with SIGKILL, return its
// complete output lines.
std::vector<std::string> run_and_kill(const std::vector<std::string> &args, int delay_ms)
{
    std::vector<char *> argv;
    for (const auto &a : args)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    GPid pid = 0;
    int out_fd = -1;
    GError *error = nullptr;
    gboolean ok = g_spawn_async_with_pipes(nullptr, argv.data(), nullptr,
                                           G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid,
                                           nullptr, &out_fd, nullptr, &error);
    EXPECT_TRUE(ok) << (error ? error->message : "");
    g_clear_error(&error);
    if (!ok)
        return {};
    std::string output;
    char buf[4096];
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        until - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0)
            break;
        struct pollfd pfd = {out_fd, POLLIN, 0};
        if (poll(&pfd, 1, static_cast<int>(left)) > 0) {
            ssize_t n = read(out_fd, buf, sizeof buf);
            if (n <= 0)
                break;  // the child exited on its own: an error, checked below
            output.append(buf, static_cast<size_t>(n));
        }
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    ssize_t n;
    while ((n = read(out_fd, buf, sizeof buf)) > 0)
        output.append(buf, static_cast<size_t>(n));
    close(out_fd);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped before it was killed (status " << status << "); output:\n"
        << output;
    std::vector<std::string> lines;
    std::istringstream in(output);
    std::string line;
    // Only complete lines are acknowledgements.
    while (std::getline(in, line))
        if (!in.eof())
            lines.push_back(line);
    return lines;
}

TenderHost *open_host(const std::string &ledger, const std::string &config)
{
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_set_config_data(o, config.c_str());
    test_ledger_set_options(o, ledger.c_str());
    GError *error = nullptr;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    EXPECT_NE(host, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    return host;
}

TEST(Crash, SigkillAtRandomMomentsLosesNothingAcknowledged)
{
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    LedgerRows db(ledger);
    MethodConf conf;
    conf.deadline_ms = 2000;
    conf.retries = 0;
    // A processor that takes a few ms, so that many kills land while an
    // operation is in flight (between its intent and its result).
    conf.int_settings["sleep_ms"] = 3;
    std::string config = make_config({{"fx_count", conf}});
    std::string config_file = tmp.file("config.json");
    std::ofstream(config_file) << config;

    unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::map<std::string, std::string> acked;  // payment id -> last acknowledged status
    size_t total_acks = 0;
    int killed_in_flight = 0;
    constexpr int kRounds = 30;
    for (int round = 0; round < kRounds; round++) {
        SCOPED_TRACE("round " + std::to_string(round));
        int delay = std::uniform_int_distribution<int>(5, 300)(rng);
        std::vector<std::string> lines =
            run_and_kill({CORE_CHILD, "crash", db.location(), fixture_dir(), config_file}, delay);
        for (const auto &line : lines) {
            std::istringstream words(line);
            std::string id, status;
            words >> id >> status;
            ASSERT_EQ(id.rfind("pay_", 0), 0u) << line;
            ASSERT_GE(progress(status), 0) << line;
            acked[id] = status;
            total_acks++;
        }
        if (!db.is_postgres() && !g_file_test(ledger.c_str(), G_FILE_TEST_EXISTS))
            continue;  // killed before it created the ledger

        expect_file_intact(db);
        if (!schema_committed(db)) {
            EXPECT_TRUE(acked.empty());
            continue;  // killed before the schema was committed
        }
        for (const auto &[id, status] : acked) {
            std::string now = query_text(db, "SELECT status FROM payments WHERE id = $1", id);
            ASSERT_NE(now, "(no row)") << "acknowledged payment " << id << " is lost";
            if (status == "voided")
                EXPECT_EQ(now, "voided") << id;
            else
                EXPECT_GE(progress(now), progress(status))
                    << id << " was acknowledged " << status << ", the ledger says " << now;
        }
        // No half-written operation: an operation without an outcome is
        // the one in flight on a leased payment, and a single-threaded
        // child has at most one in flight.
        EXPECT_EQ(query_text(db,
                             "SELECT count(*) FROM operations o JOIN payments p ON p.id = "
                             "o.payment_id WHERE o.outcome IS NULL AND p.busy_seq != o.seq"),
                  "0");
        // Leases of earlier kills stay (a lease outlives the test); each
        // kill adds at most one.
        int leased = std::stoi(query_text(db, "SELECT count(*) FROM payments WHERE busy_until_ms > 0"));
        EXPECT_LE(leased, killed_in_flight + 1);
        EXPECT_GE(leased, killed_in_flight);
        killed_in_flight = leased;
        EXPECT_EQ(query_text(db, "SELECT count(*) FROM payments WHERE captured > amount OR "
                                 "refunded > captured OR captured < 0 OR refunded < 0"),
                  "0");
        // Totals equal the approved operations.
        EXPECT_EQ(query_text(db,
                             "SELECT count(*) FROM payments p WHERE p.captured != (SELECT "
                             "coalesce(sum(amount), 0) FROM operations o WHERE o.payment_id = "
                             "p.id AND o.kind IN ('capture', 'purchase') AND o.outcome = "
                             "'approved')"),
                  "0");

        // A host opens it, and lists every acknowledged payment.
        TenderHost *host = open_host(ledger, config);
        ASSERT_NE(host, nullptr);
        GError *error = nullptr;
        GPtrArray *all = tender_host_list(host, nullptr, &error);
        ASSERT_NE(all, nullptr) << error->message;
        std::set<std::string> listed;
        for (guint i = 0; i < all->len; i++)
            listed.insert(static_cast<TenderPayment *>(g_ptr_array_index(all, i))->id);
        g_ptr_array_unref(all);
        for (const auto &[id, status] : acked)
            EXPECT_EQ(listed.count(id), 1u) << id;
        tender_host_free(host);
    }
    EXPECT_GT(total_acks, 20u) << "the child acknowledged too little to prove anything";
    std::cout << kRounds << " kills: " << total_acks << " acknowledgements, " << acked.size()
              << " payments, " << killed_in_flight << " operations caught in flight\n";

    // Time passes: the leases of the killed operations run out (aged here
    // rather than waited for: a lease lasts at least 30 s). Reconcile then
    // settles every payment left in flight.
    ASSERT_TRUE(db.exec("UPDATE payments SET busy_until_ms = 1 WHERE busy_until_ms > 0"));
    TenderHost *host = open_host(ledger, config);
    ASSERT_NE(host, nullptr);
    TenderReconcileReport report = {};
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << error->message;
    EXPECT_EQ(report.errors, 0u);
    EXPECT_EQ(report.still_open, 0u);
    for (const auto &[id, status] : acked) {
        TenderPayment *p = tender_host_get(host, id.c_str(), &error);
        ASSERT_NE(p, nullptr) << error->message;
        EXPECT_NE(p->status, TENDER_STATUS_UNKNOWN) << id;
        if (status != "voided") {
            EXPECT_GE(progress(tender_status_to_string(p->status)), progress(status)) << id;
        }
        tender_payment_free(p);
    }
    tender_host_free(host);
    EXPECT_EQ(query_text(db, "SELECT count(*) FROM payments WHERE busy_until_ms > 0"), "0");
    EXPECT_EQ(query_text(db, "SELECT count(*) FROM payments WHERE status = 'unknown'"), "0");
    EXPECT_EQ(query_text(db, "SELECT count(*) FROM operations WHERE outcome IS NULL"), "0");
    expect_file_intact(db);
}

// One kill at a known moment: the child's capture is in flight (its
// processor takes 1.5 s) when it dies. After the lease runs out, reading
// the payment takes the lease over for good: the payment is unknown, the
// operation's outcome unknown; reconcile then settles it with a sync.
TEST(Crash, KilledCaptureIsTakenOverAndSettled)
{
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    LedgerRows db(ledger);
    MethodConf slow;
    slow.deadline_ms = 10000;
    slow.retries = 0;
    slow.int_settings["sleep_ms"] = 1500;
    std::string config_file = tmp.file("config.json");
    std::ofstream(config_file) << make_config({{"fx_count", slow}});

    const char *argv[] = {CORE_CHILD,   "crash", db.location().c_str(), fixture_dir(),
                          config_file.c_str(), nullptr};
    GPid pid = 0;
    int out_fd = -1;
    GError *error = nullptr;
    ASSERT_TRUE(g_spawn_async_with_pipes(nullptr, const_cast<char **>(argv), nullptr,
                                         G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid,
                                         nullptr, &out_fd, nullptr, &error))
        << error->message;
    // Wait for the authorization to be acknowledged; the capture follows.
    std::string output;
    char buf[256];
    while (output.find('\n') == std::string::npos) {
        struct pollfd pfd = {out_fd, POLLIN, 0};
        ASSERT_GT(poll(&pfd, 1, 10000), 0) << "the child acknowledged nothing";
        ssize_t n = read(out_fd, buf, sizeof buf);
        ASSERT_GT(n, 0);
        output.append(buf, static_cast<size_t>(n));
    }
    g_usleep(400 * 1000);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    g_spawn_close_pid(pid);
    close(out_fd);
    std::string id = output.substr(0, output.find(' '));
    ASSERT_EQ(output.substr(0, output.find('\n')), id + " authorized");

    expect_file_intact(db);
    EXPECT_EQ(query_text(db, "SELECT status FROM payments WHERE id = $1", id), "authorized");
    EXPECT_NE(query_text(db, "SELECT busy_until_ms FROM payments WHERE id = $1", id), "0");
    EXPECT_EQ(query_text(db, "SELECT kind FROM operations WHERE outcome IS NULL"), "capture");
    // Time passes: the lease runs out.
    ASSERT_TRUE(db.exec("UPDATE payments SET busy_until_ms = 1 WHERE busy_until_ms > 0"));

    std::string config = make_config({{"fx_count", MethodConf{}}});
    TenderHost *host = open_host(ledger, config);
    ASSERT_NE(host, nullptr);
    std::vector<std::pair<TenderStatus, TenderStatus>> changes;
    tender_host_add_listener(
        host,
        [](const char *, TenderStatus from, TenderStatus to, gpointer data) {
            static_cast<std::vector<std::pair<TenderStatus, TenderStatus>> *>(data)->emplace_back(
                from, to);
        },
        &changes);
    TenderPayment *p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "a capture of unknown outcome hangs over it";
    tender_payment_free(p);
    EXPECT_EQ(query_text(db, "SELECT status FROM payments WHERE id = $1", id), "unknown")
        << "the take-over of the lease was not kept";
    EXPECT_EQ(query_text(db, "SELECT busy_until_ms FROM payments WHERE id = $1", id), "0");
    EXPECT_EQ(query_text(db, "SELECT outcome FROM operations WHERE kind = 'capture'"), "unknown");

    TenderReconcileReport report = {};
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << error->message;
    EXPECT_EQ(report.examined, 1u);
    EXPECT_EQ(report.resolved, 1u);
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);  // the fixture never saw the capture
    tender_payment_free(p);
    std::vector<std::pair<TenderStatus, TenderStatus>> expected = {
        {TENDER_STATUS_AUTHORIZED, TENDER_STATUS_UNKNOWN},
        {TENDER_STATUS_UNKNOWN, TENDER_STATUS_AUTHORIZED}};
    EXPECT_EQ(changes, expected);
    tender_host_free(host);
}

// A lease is wall-clock time (busy_until_ms), whatever the host clock: on a
// fixed clock behind the wall clock (tests, `tender --now`) a lease that has
// run out must still be reconciled.
TEST(Crash, ExpiredLeaseIsReconciledOnAFixedClock)
{
    TempDir tmp;
    std::string ledger = tmp.file("ledger.db");
    LedgerRows db(ledger);
    std::string config = make_config({{"fx_count", MethodConf{}}});
    std::string id;
    {
        TenderHost *host = open_host(ledger, config);
        ASSERT_NE(host, nullptr);
        TenderPayRequest req = usd_request("fx_count", "10.00");
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        ASSERT_NE(p, nullptr) << error->message;
        id = p->id;
        tender_payment_free(p);
        tender_host_free(host);
    }
    // What a process killed during a capture leaves: an operation without
    // outcome, and a lease that ran out a second ago (wall clock).
    // PostgreSQL takes one statement at a time: the new operation's seq
    // comes from INSERT ... RETURNING there, from last_insert_rowid() in
    // SQLite.
    gint64 wall = g_get_real_time() / 1000;
    std::string insert =
        "INSERT INTO operations (payment_id, kind, request_id, amount, created_ms) VALUES ('" + id +
        "', 'capture', 'req_killed', 1000, " + std::to_string(wall) + ")";
    std::string lease = "busy_until_ms = " + std::to_string(wall - 1000) + " WHERE id = '" + id + "'";
    std::string sql = db.is_postgres()
                          ? "WITH op AS (" + insert + " RETURNING seq) UPDATE payments SET busy_seq ="
                                " (SELECT seq FROM op), " + lease
                          : insert + "; UPDATE payments SET busy_seq = last_insert_rowid(), " + lease;
    ASSERT_TRUE(db.exec(sql.c_str()));

    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, fixture_dir());
    tender_host_options_set_config_data(o, config.c_str());
    test_ledger_set_options(o, ledger.c_str());
    tender_host_options_set_fixed_now(o, kNow);  // behind the wall clock
    GError *error = nullptr;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr) << error->message;
    TenderReconcileReport report = {};
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << error->message;
    EXPECT_EQ(report.examined, 1u) << "the payment with an expired lease was not examined";
    tender_host_free(host);
    EXPECT_EQ(query_text(db, "SELECT busy_until_ms FROM payments WHERE id = $1", id), "0");
    EXPECT_EQ(query_text(db, "SELECT count(*) FROM operations WHERE outcome IS NULL"), "0");
}

}  // namespace
