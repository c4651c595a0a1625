// Reading a ledger file behind the host's back (plain SQLite) and checking
// what must hold in it after any run, crashed or not. Shared by the crash
// durability test and the mixed stress test. Each check returns the
// problems it found as sentences (empty: all good).
#ifndef TENDER_STRESS_LEDGER_CHECK_H
#define TENDER_STRESS_LEDGER_CHECK_H

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace stress {

using Problems = std::vector<std::string>;

// One payments row, as far as the checks need it.
struct PaymentRow {
    std::string id, method, status, currency, idempotency_key;
    int64_t amount = 0, captured = 0, refunded = 0;
};

// An open ledger file (read-write: opening runs WAL recovery after a crash).
class Ledger {
public:
    explicit Ledger(const std::string &path);
    ~Ledger();
    Ledger(const Ledger &) = delete;
    Ledger &operator=(const Ledger &) = delete;

    bool ok() const { return db_ != nullptr; }
    const std::string &open_error() const { return error_; }

    // "ok", or what PRAGMA integrity_check said.
    std::string integrity_check();
    std::map<std::string, PaymentRow> payments();
    // The payment a payment-creation idempotency key made ("" if none).
    std::string payment_for_key(const std::string &key);
    // TRUE when an operation of kind with this idempotency key is recorded
    // on payment_id with outcome "approved".
    bool approved_operation(const std::string &payment_id, const std::string &kind,
                            const std::string &key);

    // Money: 0 <= refunded <= captured <= the capture ceiling (amount, or
    // amount * over_capture_bps / 10000 for the methods listed), and the
    // status agrees with the amounts.
    Problems check_money(const std::map<std::string, int64_t> &over_capture_bps = {});
    // One payment per idempotency key, one operation per (payment, kind, key).
    Problems check_idempotency();
    // The limit counters: for every usage key, usage.amount equals the sum
    // of payment_usage.counted for that key; and every payment_usage row
    // counts what docs/config.md says its payment holds:
    // ceil(full × held ÷ amount).
    Problems check_usage();
    // Approved refund operations add up to each payment's refunded total,
    // and approved captures to its captured total (methods that capture
    // with explicit capture operations only).
    Problems check_operation_sums(const std::vector<std::string> &capture_methods);
    // usage.amount of every key starting with prefix (e.g.
    // "amt|card|") is at most max.
    Problems check_counter_max(const std::string &prefix, int64_t max);

private:
    sqlite3 *db_ = nullptr;
    std::string error_;
};

// The ledger a test means by the file path: path itself, or under `meson
// test --setup postgres` the server's schema test_ledger_location gives for
// it (the same path, the same schema, in this process).
std::string ledger_location(const std::string &path);

// An SQLite file with the rows of the ledger the test means by path, for
// Ledger's checks: path itself, or on PostgreSQL a copy of the server's
// ledger written to copy_path by tender_ledger_copy, which commits the copy
// only when its counts and sums equal the server's; the checks then read
// PostgreSQL's rows through that copy. "" (and a test failure) when the
// copy fails.
std::string checkable_file(const std::string &path, const std::string &copy_path);

// What a payment holds against limits (docs/config.md, "Cumulative limits").
int64_t held_amount(const PaymentRow &p);

}  // namespace stress

#endif
