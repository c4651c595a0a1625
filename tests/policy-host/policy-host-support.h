// Shared helpers of the policy-through-the-host suites: a host on the
// bundled plugins with a per-test JSON config, a fixed clock and a file
// ledger in a temporary directory; card payments; and direct SQLite reads of
// the ledger's usage counters (tables `usage` and `payment_usage`, defined in
// core/ledger.c) to prove what the policy charged.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <tender/decline.h>
#include <tender/tender.h>

namespace ph {

// Milliseconds since the epoch of an ISO-8601 UTC time ("2026-11-25T23:59:59Z").
gint64 utc_ms(const char *iso);

// The build's plugins directory (every bundled plugin, one folder each) and
// the card plugin's own folder.
std::string plugins_dir();
std::string card_dir();

// The card method's settings (JSON object text) pointing at the suite's
// tender-sandbox, started on first use and stopped when the process exits
// (the card plugin is a gateway client: its payments need a gateway).
std::string card_settings();

// The tender-sandbox's config file: the embedded default's policies with
// every bundled method pointed at the sandbox.
std::string sandbox_default_config();

// A config with USD as the exchange base (EUR at 0.92) and one method,
// `card`, whose policy object is card_policy (JSON text of the object's
// members, without braces), plus the sandbox's card settings.
std::string card_config(const std::string &card_policy);

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

// Create a host. config: JSON text, or nullptr for the embedded default's
// policies with the methods pointed at the suite's tender-sandbox.
// NULL with *why set when the host could not start.
TenderHost *make_host(const char *config, const std::string &ledger, gint64 now,
                      const std::string &plugin_dir, std::string *why);

struct PaymentFree {
    void operator()(TenderPayment *p) const { tender_payment_free(p); }
};
using Payment = std::unique_ptr<TenderPayment, PaymentFree>;

// The sandbox's always-approved card and one it declines for insufficient
// funds (docs/methods/card.md).
constexpr const char *kGoodCard = "4242424242424242";
constexpr const char *kPoorCard = "4000000000009995";

// Pay amount USD (or currency) with a card for account. NULL with *error set
// when the host refused the call (a decline is a payment, not an error).
TenderPayment *pay_card(TenderHost *host, const char *account, const char *amount,
                        gboolean capture = FALSE, const char *number = kGoodCard,
                        const char *currency = "USD", GError **error = nullptr);

// The decline code name of a payment ("limit_exceeded"), "" when none.
std::string decline_name(const TenderPayment *p);

// The ledger's counter `key` (0 when absent), read with SQLite directly.
gint64 usage_value(const std::string &ledger, const std::string &key);
// What payment_id counts on `key` (-1 when it has no row for it).
gint64 payment_counted(const std::string &ledger, const std::string &payment_id,
                       const std::string &key);
// Every amount counter whose value differs from SUM(payment_usage.counted)
// for its key, as "key: usage X, sum Y" lines (empty: consistent). Counters
// named only in payment_usage are checked too.
std::vector<std::string> usage_mismatches(const std::string &ledger);

// The amount counter key the policy uses ("amt|card|acct|day|2026-11-25|USD").
std::string amount_key(const char *method, const char *account, const char *window,
                       const char *start, const char *currency);

// The child-process mode of the test binary (see policy-host-child.cc):
// returns TRUE and sets *exit_code when argv asks for it.
bool run_child_if_asked(int argc, char **argv, int *exit_code);

}  // namespace ph

// EXPECT that text contains needle.
#define PH_EXPECT_HAS(text, needle)                                                 \
    EXPECT_NE(std::string(text).find(needle), std::string::npos)                   \
        << "expected to find: " << (needle) << "\n                in: " << (text)
