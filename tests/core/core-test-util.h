// Shared helpers of the core (payments engine) tests: a host on the fixture
// plugins with a per-test JSON config, a temporary directory, the fixtures'
// call counter, and payment snapshots to prove a refused operation changed
// nothing.
#ifndef TENDER_TEST_CORE_UTIL_H
#define TENDER_TEST_CORE_UTIL_H

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <tender/tender.h>

namespace coretest {

// 2026-03-01T10:00:00Z, the fixed clock of most tests.
constexpr gint64 kNow = 1772359200000LL;
constexpr gint64 kDayMs = 86400000LL;

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Per-method policy for the test config: deadline, retries, settings.
struct MethodConf {
    gint64 deadline_ms = 5000;
    int retries = 2;
    int backoff_ms = 5;
    std::map<std::string, std::string> string_settings;
    std::map<std::string, gint64> int_settings;
};

// JSON config naming these methods (and "reconcile" age when >= 0).
std::string make_config(const std::map<std::string, MethodConf> &methods,
                        gint64 pending_age_seconds = -1);

// The directory holding only the fixture plugins.
const char *fixture_dir();
// The directory of the bundled card plugin.
const char *card_plugin_dir();

// One line per field (and per operation): equal snapshots mean nothing
// about the payment changed.
std::string snapshot(const TenderPayment *p);

// Lines of a counter file ("<op> <payment> <request> <attempt>"), optionally
// only those of one operation (and payment).
std::vector<std::string> counter_lines(const std::string &file, const char *op = nullptr,
                                       const char *payment_id = nullptr);

// How many payments tender_host_list finds in the host's ledger.
size_t payment_count(TenderHost *host);

// A host on the fixtures with config (JSON) on ledger, taken as given (not
// mapped to the PostgreSQL test ledger), on the fixed clock kNow. NULL (a
// test failure) when it does not open.
TenderHost *open_fixture_host(const std::string &config, const std::string &ledger);

// A request to pay amount in USD with method, region US; every other field
// empty, for the caller to set.
TenderPayRequest usd_request(const char *method, const char *amount);

// A host on the fixtures, fixed clock kNow, on ledger: fx_count counting its
// calls in counter_file, a daily limit of 500.00 USD per account, and an
// exchange table (EUR 0.9) for payments in euros. NULL (a test failure)
// when it does not open.
TenderHost *open_fx_count_host(const std::string &ledger, const std::string &counter_file);

// An authorization on the counting fixture fx_count for account (whose
// limit counters it moves), region US; expects success. Free the result.
TenderPayment *pay_fx_count(TenderHost *host, const char *account, const char *amount,
                            const char *currency = "USD", const char *key = nullptr);

// A host on the fixtures with a counter file for every method that does
// not set one.
class HostTest : public ::testing::Test {
protected:
    void TearDown() override;

    // Create the host; methods not given get the default MethodConf.
    void make_host(std::map<std::string, MethodConf> methods = {},
                   const std::string &ledger = ":memory:", gint64 now = kNow,
                   gboolean fixed_clock = TRUE, gint64 pending_age_seconds = -1);

    // Pay amount in currency with method; expect success unless error given.
    TenderPayment *pay(const char *method, const char *amount, const char *currency = "USD",
                       const char *key = nullptr, std::vector<tender_param> params = {},
                       gboolean capture = FALSE, GError **error = nullptr);
    TenderPayment *get(const char *id);
    std::string snap(const char *id);

    // Calls of op recorded by the fixtures (for payment_id when given).
    size_t calls(const char *op, const char *payment_id = nullptr);

    // Keep a payment until TearDown (NULL passes through).
    TenderPayment *keep(TenderPayment *p);

    TempDir tmp;
    std::string counter;
    TenderHost *host = nullptr;
    std::vector<TenderPayment *> kept;
};

// Expect `call` to fail with the TENDER_ERROR code; frees the error.
#define EXPECT_TENDER_ERROR(error, code_)                                                   \
    do {                                                                                   \
        ASSERT_NE((error), nullptr) << "expected error " #code_;                          \
        EXPECT_EQ((error)->domain, TENDER_ERROR) << (error)->message;                    \
        EXPECT_EQ((error)->code, (code_)) << (error)->message;                           \
        g_clear_error(&(error));                                                          \
    } while (0)

}  // namespace coretest

#endif
