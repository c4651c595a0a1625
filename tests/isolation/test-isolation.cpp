// Plugin isolation (issue 16), through a real TenderHost: a plugin in a
// worker process that crashes, hangs, floods memory or breaks the protocol
// costs the payment it was serving an UNKNOWN and nothing else. The host
// keeps serving its healthy neighbour (fx_count, in-process), restarts the
// worker, quarantines a plugin that keeps crashing, and reconcile settles
// the UNKNOWN payments once the plugin behaves.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include <tender/tender.h>

#include "test-ledger.h"

namespace {

struct TempDir {
    std::string path;
    TempDir()
    {
        char *p = g_dir_make_tmp("tender-iso-XXXXXX", nullptr);
        path = p;
        g_free(p);
    }
    ~TempDir()
    {
        GDir *d = g_dir_open(path.c_str(), 0, nullptr);
        const char *name;
        while (d && (name = g_dir_read_name(d)) != nullptr)
            g_remove((path + "/" + name).c_str());
        if (d)
            g_dir_close(d);
        g_rmdir(path.c_str());
    }
};

struct Conf {
    gint64 deadline_ms = 1500;
    int crash_limit = 100;
    int window_s = 600;
    const char *counting_isolation = nullptr; // fx-counting: default (bundled: in-process)
    gint64 address_space_mb = 256;
    // The fixtures read a mode file (fx-misbehave) or write a counter file
    // (fx-counting), which the worker's seccomp filter forbids: off unless
    // a test is about the filter.
    bool seccomp = false;
    int workers = 0; // fx-misbehave's plugins.<id>.workers; 0: not set (1)
};

class Isolation : public ::testing::Test {
protected:
    TempDir tmp;
    std::string ledger = tmp.path + "/ledger.db";
    std::string mode_file = tmp.path + "/mode";
    TenderHost *host = nullptr;

    void TearDown() override { tender_host_free(host); }

    std::string config(const Conf &c)
    {
        std::string counting =
            c.counting_isolation
                ? std::string(", \"fx-counting\": {\"isolation\": \"") + c.counting_isolation +
                      "\", \"seccomp\": false}"
                : "";
        return "{\"plugins\": {\"fx-misbehave\": {\"isolation\": \"process\", \"crash_limit\": " +
               std::to_string(c.crash_limit) +
               ", \"crash_window_seconds\": " + std::to_string(c.window_s) +
               ", \"limits\": {\"address_space_mb\": " + std::to_string(c.address_space_mb) +
               ", \"cpu_seconds\": 30, \"open_files\": 64}, \"seccomp\": " +
               (c.seccomp ? "true" : "false") +
               (c.workers ? ", \"workers\": " + std::to_string(c.workers) : "") + "}" + counting +
               "}, \"methods\": {\"fx_bad\": {\"deadline_ms\": " + std::to_string(c.deadline_ms) +
               ", \"retries\": {\"max\": 0, \"backoff_ms\": 5}, \"settings\": {\"mode_file\": \"" +
               mode_file + "\"}}, \"fx_slow\": {\"deadline_ms\": 5000, \"retries\": {\"max\": 0, "
               "\"backoff_ms\": 5}, \"settings\": {\"mode_file\": \"" + mode_file +
               "\"}}, \"fx_count\": {\"deadline_ms\": 5000}}}";
    }

    TenderHost *open(const Conf &c = Conf())
    {
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, ISO_FIXTURE_DIR);
        std::string json = config(c);
        tender_host_options_set_config_data(o, json.c_str());
        test_ledger_set_options(o, ledger.c_str());
        GError *error = nullptr;
        TenderHost *h = tender_host_new(o, &error);
        tender_host_options_free(o);
        EXPECT_NE(h, nullptr) << (error ? error->message : "") << "\n" << json;
        g_clear_error(&error);
        const GPtrArray *refusals = h ? tender_host_refusals(h) : nullptr;
        for (guint i = 0; refusals && i < refusals->len; i++)
            ADD_FAILURE() << static_cast<TenderRefusal *>(g_ptr_array_index(refusals, i))->reason;
        return h;
    }

    // The error of a host on config json, which must refuse it (nullptr,
    // with a failure, when it did not).
    GError *refused(const std::string &json)
    {
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, ISO_FIXTURE_DIR);
        tender_host_options_set_config_data(o, json.c_str());
        test_ledger_set_options(o, ledger.c_str());
        GError *error = nullptr;
        TenderHost *h = tender_host_new(o, &error);
        tender_host_options_free(o);
        EXPECT_EQ(h, nullptr) << json;
        EXPECT_NE(error, nullptr) << json << " was accepted";
        tender_host_free(h);
        return error;
    }

    void set_mode(const char *mode) { std::ofstream(mode_file) << mode << "\n"; }

    // A payment on method; its status (TENDER_STATUS_*), -1 on an error.
    int pay(const char *method, const char *mode = nullptr, std::string *id = nullptr)
    {
        tender_param params[] = {{"mode", mode}};
        TenderPayRequest r = {};
        r.struct_size = sizeof r;
        r.method = method;
        r.region = "US";
        r.currency = "USD";
        r.amount = "10.00";
        r.params = mode ? params : nullptr;
        r.n_params = mode ? 1 : 0;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &r, &error);
        if (p == nullptr) {
            ADD_FAILURE() << "pay " << method << ": " << (error ? error->message : "?");
            g_clear_error(&error);
            return -1;
        }
        int status = p->status;
        if (id)
            *id = p->id;
        tender_payment_free(p);
        return status;
    }

    // Payments on the healthy neighbour all go through.
    void neighbour_serves(int n = 5)
    {
        for (int i = 0; i < n; i++)
            ASSERT_EQ(pay("fx_count"), TENDER_STATUS_AUTHORIZED);
    }

    int status_of(const std::string &id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id.c_str(), &error);
        g_clear_error(&error);
        int status = p ? p->status : -1;
        tender_payment_free(p);
        return status;
    }

    // The quote entry of method: offered, and the reason when not.
    bool offered(const char *method, std::string *reason = nullptr)
    {
        TenderBuyer b = {};
        b.struct_size = sizeof b;
        b.region = "US";
        b.currency = "USD";
        b.amount = "10.00";
        GPtrArray *quotes = tender_host_quote(host, &b, nullptr);
        bool result = false;
        for (guint i = 0; quotes && i < quotes->len; i++) {
            auto *q = static_cast<TenderQuote *>(g_ptr_array_index(quotes, i));
            if (g_strcmp0(q->method, method) == 0) {
                result = q->offered;
                if (reason && q->reason)
                    *reason = q->reason;
            }
        }
        if (quotes)
            g_ptr_array_unref(quotes);
        return result;
    }

    // Let the worker's restart backoff pass.
    static void after_backoff() { g_usleep(400 * 1000); }
};

TEST_F(Isolation, HealthyIsolatedPluginGivesTheSameResultsAsInProcess)
{
    Conf c;
    c.counting_isolation = "process";
    host = open(c);
    ASSERT_NE(host, nullptr);
    EXPECT_STREQ(tender_host_plugin_isolation(host, "fx-counting"), "process");
    EXPECT_STREQ(tender_host_plugin_isolation(host, "fx-misbehave"), "process");
    EXPECT_EQ(tender_host_plugin_isolation(host, "nobody"), nullptr);
    for (int i = 0; i < 40; i++) {
        std::string id;
        ASSERT_EQ(pay("fx_count", nullptr, &id), TENDER_STATUS_AUTHORIZED);
        GError *error = nullptr;
        TenderPayment *p = tender_host_capture(host, id.c_str(), nullptr, nullptr, &error);
        ASSERT_NE(p, nullptr) << (error ? error->message : "");
        EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
        tender_payment_free(p);
    }
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-counting"), 1u);
}

TEST_F(Isolation, BundledPluginsRunInProcessByDefault)
{
    host = open();
    ASSERT_NE(host, nullptr);
    EXPECT_STREQ(tender_host_plugin_isolation(host, "fx-counting"), "in-process");
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-counting"), 0u);
}

// Every misbehaviour: the payment is UNKNOWN, the neighbour keeps serving,
// the worker is restarted, and reconcile settles the payment once the
// plugin behaves.
class Misbehaviour : public Isolation, public ::testing::WithParamInterface<const char *> {};

TEST_P(Misbehaviour, CostsOnePaymentAnUnknownAndNothingElse)
{
    host = open();
    ASSERT_NE(host, nullptr);
    set_mode("ok");
    ASSERT_EQ(pay("fx_bad"), TENDER_STATUS_AUTHORIZED);
    neighbour_serves();

    std::string bad;
    gint64 started = g_get_monotonic_time();
    EXPECT_EQ(pay("fx_bad", GetParam(), &bad), TENDER_STATUS_UNKNOWN) << GetParam();
    // Deadlines are enforced: never much more than the method's 1.5 s.
    EXPECT_LT(g_get_monotonic_time() - started, 5 * G_USEC_PER_SEC);
    neighbour_serves();

    after_backoff();
    ASSERT_EQ(pay("fx_bad"), TENDER_STATUS_AUTHORIZED) << "the worker was not restarted";
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 2u);
    EXPECT_EQ(status_of(bad), TENDER_STATUS_UNKNOWN);

    TenderReconcileReport report = {};
    ASSERT_TRUE(tender_host_reconcile(host, &report, nullptr));
    EXPECT_NE(status_of(bad), TENDER_STATUS_UNKNOWN) << "reconcile did not settle it";
    neighbour_serves();
}

INSTANTIATE_TEST_SUITE_P(Modes, Misbehaviour,
                         ::testing::Values("segfault", "abort", "exit", "loop", "sleep", "alloc",
                                           "malformed", "oversized", "unknown_id", "double",
                                           "few_strings", "extra_bytes", "long_string"));

TEST_F(Isolation, GarbageOnStdoutCorruptsNothing)
{
    host = open();
    ASSERT_NE(host, nullptr);
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(pay("fx_bad", "stdout"), TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 1u);
    neighbour_serves();
}

TEST_F(Isolation, TheWorkerInheritsNoDescriptorButItsSocket)
{
    host = open();
    ASSERT_NE(host, nullptr);
    // The host holds the ledger, the fixture directory scan and more open.
    EXPECT_EQ(pay("fx_bad", "fds"), TENDER_STATUS_AUTHORIZED);
}

// The worker's seccomp filter (on by default): a plugin that works through
// the host is served as before; one that opens a file or a socket of its
// own dies of SIGSYS, which is a crash like any other.
class Seccomp : public Isolation, public ::testing::WithParamInterface<const char *> {};

TEST_P(Seccomp, APluginThatReachesPastTheHostIsKilled)
{
    Conf c;
    c.seccomp = true;
    c.crash_limit = 1;
    host = open(c);
    ASSERT_NE(host, nullptr);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pay("fx_bad", "ok"), TENDER_STATUS_AUTHORIZED) << "the allow-list is too short";
    EXPECT_EQ(pay("fx_bad", GetParam()), TENDER_STATUS_UNKNOWN) << GetParam();
    neighbour_serves();
    std::string reason;
    EXPECT_FALSE(offered("fx_bad", &reason));
    EXPECT_NE(reason.find("killed by signal 31"), std::string::npos) << reason;
}

TEST_P(Seccomp, APluginCanOptOut)
{
    host = open(); // "seccomp": false
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(pay("fx_bad", GetParam()), TENDER_STATUS_AUTHORIZED) << GetParam();
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Escapes, Seccomp, ::testing::Values("open", "socket"));

TEST_F(Isolation, SeccompMustBeABoolean)
{
    GError *error = refused("{\"plugins\": {\"fx-misbehave\": {\"seccomp\": 1}}}");
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("$.plugins.fx-misbehave.seccomp"),
              std::string::npos)
        << error->message;
    g_clear_error(&error);
}

TEST_F(Isolation, RepeatedCrashesQuarantineThePluginAcrossHosts)
{
    Conf c;
    c.crash_limit = 2;
    host = open(c);
    ASSERT_NE(host, nullptr);
    EXPECT_TRUE(offered("fx_bad"));
    EXPECT_EQ(pay("fx_bad", "segfault"), TENDER_STATUS_UNKNOWN);
    EXPECT_TRUE(offered("fx_bad"));
    after_backoff();
    EXPECT_EQ(pay("fx_bad", "abort"), TENDER_STATUS_UNKNOWN);

    std::string reason;
    EXPECT_FALSE(offered("fx_bad", &reason));
    EXPECT_NE(reason.find("quarantined"), std::string::npos) << reason;
    EXPECT_NE(reason.find("--clear-quarantine fx-misbehave"), std::string::npos) << reason;
    EXPECT_TRUE(offered("fx_count"));
    neighbour_serves();
    EXPECT_TRUE(tender_host_plugin_quarantined(host, "fx-misbehave", nullptr, nullptr));

    // Another host on the same ledger (another `tender` command) sees it.
    tender_host_free(host);
    host = open(c);
    ASSERT_NE(host, nullptr);
    EXPECT_FALSE(offered("fx_bad"));
    gint64 until = 0;
    EXPECT_TRUE(tender_host_plugin_quarantined(host, "fx-misbehave", &until, nullptr));
    EXPECT_GT(until, g_get_real_time() / 1000);

    GError *error = nullptr;
    ASSERT_TRUE(tender_host_clear_quarantine(host, "fx-misbehave", &error))
        << (error ? error->message : "");
    EXPECT_TRUE(offered("fx_bad"));
    set_mode("ok");
    EXPECT_EQ(pay("fx_bad"), TENDER_STATUS_AUTHORIZED);
    EXPECT_FALSE(tender_host_clear_quarantine(host, "fx-counting", &error));
    g_clear_error(&error);
}

TEST_F(Isolation, QuarantineEndsWhenTheWindowPasses)
{
    Conf c;
    c.crash_limit = 1;
    c.window_s = 1;
    host = open(c);
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(pay("fx_bad", "exit"), TENDER_STATUS_UNKNOWN);
    EXPECT_FALSE(offered("fx_bad"));
    g_usleep(1200 * 1000);
    EXPECT_TRUE(offered("fx_bad"));
    set_mode("ok");
    EXPECT_EQ(pay("fx_bad"), TENDER_STATUS_AUTHORIZED);
}

TEST_F(Isolation, APluginCrashingInItsEntryPointIsRefusedNotFatal)
{
    // Outside the build tree: not shipped with Tender, so discovered in a
    // worker by default.
    std::string dir = tmp.path + "/plugins";
    ASSERT_EQ(g_mkdir(dir.c_str(), 0755), 0);
    gchar *data = nullptr;
    gsize len = 0;
    ASSERT_TRUE(g_file_get_contents(ISO_ENTRY_CRASH, &data, &len, nullptr));
    std::string copy = dir + "/fx-entry-crash.so";
    ASSERT_TRUE(g_file_set_contents(copy.c_str(), data, (gssize)len, nullptr));
    g_free(data);
    ASSERT_EQ(g_chmod(copy.c_str(), 0755), 0);

    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_add_plugin_dir(o, dir.c_str());
    tender_host_options_add_plugin_dir(o, ISO_FIXTURE_DIR);
    std::string json = config(Conf());
    tender_host_options_set_config_data(o, json.c_str());
    test_ledger_set_options(o, ledger.c_str());
    host = tender_host_new(o, nullptr);
    tender_host_options_free(o);
    ASSERT_NE(host, nullptr);
    const GPtrArray *refusals = tender_host_refusals(host);
    ASSERT_EQ(refusals->len, 1u);
    std::string reason = static_cast<TenderRefusal *>(g_ptr_array_index(refusals, 0))->reason;
    EXPECT_NE(reason.find("fx-entry-crash.so"), std::string::npos) << reason;
    EXPECT_NE(reason.find("while loading the plugin"), std::string::npos) << reason;
    EXPECT_NE(reason.find("signal 11"), std::string::npos) << reason;
    neighbour_serves();
    g_remove(copy.c_str());
    g_rmdir(dir.c_str());
}

TEST_F(Isolation, AnUnknownIsolationModeIsAConfigError)
{
    TenderHostOptions *o = tender_host_options_new();
    tender_host_options_set_config_data(
        o, "{\"plugins\": {\"fx-misbehave\": {\"isolation\": \"sandboxed\"}}}");
    test_ledger_set_options(o, ledger.c_str());
    GError *error = nullptr;
    host = tender_host_new(o, &error);
    tender_host_options_free(o);
    ASSERT_EQ(host, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, TENDER_ERROR_CONFIG);
    EXPECT_NE(std::string(error->message).find("$.plugins.fx-misbehave.isolation"),
              std::string::npos)
        << error->message;
    g_clear_error(&error);
}

// ---- the pool of workers (plugins.<id>.workers) ----

// One call of fx_slow's "record" mode, as the worker wrote it down.
struct Interval {
    long pid = 0;
    long long start = -1, end = -1;
};

class IsolationPool : public Isolation {
protected:
    // The calls recorded so far, in the order they started.
    std::vector<Interval> intervals()
    {
        std::ifstream in(mode_file + ".times");
        std::vector<Interval> out;
        long pid;
        std::string what;
        long long ns;
        while (in >> pid >> what >> ns) {
            if (what == "start") {
                Interval i;
                i.pid = pid;
                i.start = ns;
                out.push_back(i);
                continue;
            }
            // A worker runs one call at a time: its end closes its last start.
            for (auto it = out.rbegin(); it != out.rend(); ++it)
                if (it->pid == pid && it->end < 0) {
                    it->end = ns;
                    break;
                }
        }
        return out;
    }

    // Wait until n recorded calls have started (not a timed assertion:
    // only a limit on how long the test waits for the plugin).
    bool started(size_t n)
    {
        for (int i = 0; i < 2000; i++) {
            if (intervals().size() >= n)
                return true;
            g_usleep(5 * 1000);
        }
        return false;
    }

    // Two "record" payments on fx_slow at once, both authorized: the
    // calls as recorded (both finished).
    std::vector<Interval> two_at_once()
    {
        int first = -1;
        std::thread other([&] { first = pay("fx_slow", "record"); });
        int second = pay("fx_slow", "record");
        other.join();
        EXPECT_EQ(first, TENDER_STATUS_AUTHORIZED);
        EXPECT_EQ(second, TENDER_STATUS_AUTHORIZED);
        auto calls = intervals();
        EXPECT_EQ(calls.size(), 2u);
        for (const auto &call : calls)
            EXPECT_GE(call.end, 0) << "a call did not finish";
        return calls;
    }

    // A host with a pool of two and crash_limit; a "record" payment on
    // fx_slow, and while it runs (so in the other worker) one that crashes
    // in mode. The recording payment's status in *slow, the crashing one's
    // in *crashed.
    void crash_beside_a_slow_call(int crash_limit, const char *mode, int *slow, int *crashed)
    {
        Conf c;
        c.workers = 2;
        c.crash_limit = crash_limit;
        host = open(c);
        ASSERT_NE(host, nullptr);
        *slow = -1;
        std::thread other([&] { *slow = pay("fx_slow", "record"); });
        bool running = started(1);
        *crashed = running ? pay("fx_slow", mode) : -1;
        other.join();
        ASSERT_TRUE(running);
    }
};

TEST_F(IsolationPool, TwoWorkersRunTwoCallsAtOnce)
{
    Conf c;
    c.workers = 2;
    host = open(c);
    ASSERT_NE(host, nullptr);
    auto calls = two_at_once();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_NE(calls[0].pid, calls[1].pid) << "both calls ran in one worker";
    // The second started before the first ended: they overlapped.
    EXPECT_LT(calls[1].start, calls[0].end);
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 2u);
}

TEST_F(IsolationPool, OneWorkerRunsOneCallAtATime)
{
    host = open(); // no "workers": 1
    ASSERT_NE(host, nullptr);
    auto calls = two_at_once();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].pid, calls[1].pid);
    EXPECT_GE(calls[1].start, calls[0].end) << "the calls overlapped in one worker";
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 1u);
}

// A crash in one worker while another serves a call: that call completes,
// the crashing one is UNKNOWN, and the crash counts once. crash_limit
// crashes, in different workers, then quarantine the plugin.
TEST_F(IsolationPool, ACrashInOneWorkerSparesTheCallInAnother)
{
    int slow, crashed;
    // The first worker is busy: the crash happens in a second one.
    ASSERT_NO_FATAL_FAILURE(crash_beside_a_slow_call(2, "segfault", &slow, &crashed));
    EXPECT_EQ(crashed, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(slow, TENDER_STATUS_AUTHORIZED);
    auto calls = intervals();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_GE(calls[0].end, 0) << "the call in the other worker did not finish";
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 2u);
    // One crash of a limit of two: still offered.
    EXPECT_TRUE(offered("fx_slow"));
    EXPECT_FALSE(tender_host_plugin_quarantined(host, "fx-misbehave", nullptr, nullptr));
    // The first worker still runs and serves.
    EXPECT_EQ(pay("fx_slow", "ok"), TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 2u);

    // Now the first worker crashes too (the second is gone): the second
    // crash of the plugin reaches the limit.
    EXPECT_EQ(pay("fx_slow", "abort"), TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 2u);
    std::string reason;
    EXPECT_FALSE(offered("fx_slow", &reason));
    EXPECT_NE(reason.find("quarantined"), std::string::npos) << reason;
    EXPECT_TRUE(tender_host_plugin_quarantined(host, "fx-misbehave", nullptr, nullptr));
    neighbour_serves();
}

// A crashed worker's place cannot start a worker during the restart
// backoff (50 ms, doubling with each crash in a row). A call that comes
// meanwhile, while the other worker runs, waits for that worker or for the
// backoff's end and is served; it is not refused because its place could
// not start a worker yet. Here each crashing call waits out the backoff
// the previous crash set (a refused one would be FAILED, not UNKNOWN), and
// the last call comes during a 200 ms backoff with the first worker busy.
TEST_F(IsolationPool, ACallDuringTheRestartBackoffWaitsInsteadOfFailing)
{
    Conf c;
    c.workers = 2;
    host = open(c);
    ASSERT_NE(host, nullptr);
    int slow = -1;
    std::thread other([&] { slow = pay("fx_slow", "record"); }); // the first worker, a second
    bool running = started(1);
    std::vector<int> crashed;
    int after = -1;
    if (running) {
        for (int i = 0; i < 3; i++)
            crashed.push_back(pay("fx_slow", "segfault"));
        after = pay("fx_slow", "ok");
    }
    other.join();
    ASSERT_TRUE(running);
    EXPECT_EQ(crashed, (std::vector<int>{TENDER_STATUS_UNKNOWN, TENDER_STATUS_UNKNOWN,
                                         TENDER_STATUS_UNKNOWN}));
    EXPECT_EQ(after, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(slow, TENDER_STATUS_AUTHORIZED);
    EXPECT_GE(tender_host_plugin_worker_starts(host, "fx-misbehave"), 4u);
}

// A call that finds every worker busy waits for one, but not past its
// deadline: then it is NOT_SENT (the payment fails; the plugin never saw it).
TEST_F(IsolationPool, ACallThatNeverGetsAWorkerIsNotSent)
{
    Conf c;
    c.deadline_ms = 300; // fx_bad's; fx_slow's "record" holds the worker a second
    host = open(c);      // one worker
    ASSERT_NE(host, nullptr);
    int slow = -1;
    std::thread other([&] { slow = pay("fx_slow", "record"); });
    bool running = started(1);
    int waited = running ? pay("fx_bad", "record") : -1;
    other.join();
    ASSERT_TRUE(running);
    EXPECT_EQ(waited, TENDER_STATUS_FAILED);
    EXPECT_EQ(slow, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(intervals().size(), 1u) << "the call that got no worker reached the plugin";
    // Nothing crashed: the worker serves the next call.
    EXPECT_EQ(tender_host_plugin_worker_starts(host, "fx-misbehave"), 1u);
    EXPECT_EQ(pay("fx_bad", "ok"), TENDER_STATUS_AUTHORIZED);
}

// The worker that did not crash takes no call while the quarantine lasts.
TEST_F(IsolationPool, AQuarantineStopsTheWorkersStillRunning)
{
    int slow, crashed;
    ASSERT_NO_FATAL_FAILURE(crash_beside_a_slow_call(1, "segfault", &slow, &crashed));
    EXPECT_EQ(crashed, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(slow, TENDER_STATUS_AUTHORIZED) << "the quarantine broke a call in flight";
    EXPECT_FALSE(offered("fx_slow"));
    // The first worker still runs, but the plugin is quarantined: the call
    // is not sent, so the processor saw nothing.
    set_mode("ok");
    EXPECT_NE(pay("fx_slow"), TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(intervals().size(), 1u);
}

TEST_F(IsolationPool, WorkersMustBeAnIntegerFromOneToSixteen)
{
    for (const char *bad : {"0", "17", "-1", "1.5", "\"2\"", "true"}) {
        GError *error =
            refused(std::string("{\"plugins\": {\"fx-misbehave\": {\"workers\": ") + bad + "}}}");
        if (error == nullptr)
            continue;
        EXPECT_EQ(error->code, TENDER_ERROR_CONFIG) << bad;
        EXPECT_NE(std::string(error->message).find("$.plugins.fx-misbehave.workers"),
                  std::string::npos)
            << error->message;
        g_clear_error(&error);
    }
    for (const char *good : {"1", "16"}) {
        Conf c;
        c.workers = atoi(good);
        host = open(c);
        EXPECT_NE(host, nullptr) << good;
        tender_host_free(host);
        host = nullptr;
    }
}

} // namespace
