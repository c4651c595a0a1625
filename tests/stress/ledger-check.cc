// Ledger invariants read with plain SQLite (see ledger-check.h).
#include "ledger-check.h"

#include <set>
#include <sstream>

#include "ledger-rows.h"

namespace stress {

namespace {

std::string text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? reinterpret_cast<const char *>(t) : "";
}

// Run sql and call row for every result row.
template <typename F>
bool each_row(sqlite3 *db, const char *sql, F row, std::string *error = nullptr)
{
    sqlite3_stmt *s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
        if (error)
            *error = sqlite3_errmsg(db);
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && error)
        *error = sqlite3_errmsg(db);
    return rc == SQLITE_DONE;
}

const std::set<std::string> open_statuses = {"authorized", "partially_captured", "pending",
                                             "requires_action", "unknown"};

}  // namespace

std::string ledger_location(const std::string &path)
{
    char *location = test_ledger_location(path.c_str());
    std::string out = location;
    g_free(location);
    return out;
}

std::string checkable_file(const std::string &path, const std::string &copy_path)
{
    testledger::LedgerRows rows(path);
    if (!rows.is_postgres())
        return path;
    return rows.copy_to_file(copy_path) ? copy_path : "";
}

Ledger::Ledger(const std::string &path)
{
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        error_ = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        return;
    }
    sqlite3_busy_timeout(db_, 10000);
}

Ledger::~Ledger()
{
    sqlite3_close(db_);
}

std::string Ledger::integrity_check()
{
    std::string result, error;
    if (!each_row(db_, "PRAGMA integrity_check",
                  [&](sqlite3_stmt *s) { result += (result.empty() ? "" : "; ") + text(s, 0); },
                  &error))
        return "integrity_check failed to run: " + error;
    return result;
}

std::map<std::string, PaymentRow> Ledger::payments()
{
    std::map<std::string, PaymentRow> out;
    each_row(db_,
             "SELECT id, method, status, currency, COALESCE(idempotency_key, ''), amount,"
             " captured, refunded FROM payments",
             [&](sqlite3_stmt *s) {
                 PaymentRow p;
                 p.id = text(s, 0);
                 p.method = text(s, 1);
                 p.status = text(s, 2);
                 p.currency = text(s, 3);
                 p.idempotency_key = text(s, 4);
                 p.amount = sqlite3_column_int64(s, 5);
                 p.captured = sqlite3_column_int64(s, 6);
                 p.refunded = sqlite3_column_int64(s, 7);
                 out[p.id] = p;
             });
    return out;
}

std::string Ledger::payment_for_key(const std::string &key)
{
    std::string id;
    sqlite3_stmt *s = nullptr;
    sqlite3_prepare_v2(db_, "SELECT id FROM payments WHERE idempotency_key = ?1", -1, &s, nullptr);
    sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW)
        id = text(s, 0);
    sqlite3_finalize(s);
    return id;
}

bool Ledger::approved_operation(const std::string &payment_id, const std::string &kind,
                                const std::string &key)
{
    sqlite3_stmt *s = nullptr;
    sqlite3_prepare_v2(db_,
                       "SELECT COUNT(*) FROM operations WHERE payment_id = ?1 AND kind = ?2"
                       " AND idempotency_key = ?3 AND outcome = 'approved'",
                       -1, &s, nullptr);
    sqlite3_bind_text(s, 1, payment_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, kind.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, key.c_str(), -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) == 1;
    sqlite3_finalize(s);
    return found;
}

Problems Ledger::check_money(const std::map<std::string, int64_t> &over_capture_bps)
{
    Problems problems;
    for (const auto &[id, p] : payments()) {
        int64_t ceiling = p.amount;
        auto over = over_capture_bps.find(p.method);
        if (over != over_capture_bps.end())
            ceiling = p.amount * over->second / 10000;
        std::ostringstream where;
        where << id << " (" << p.method << ", " << p.status << ", amount " << p.amount
              << ", captured " << p.captured << ", refunded " << p.refunded << ")";
        if (p.amount <= 0 || p.captured < 0 || p.refunded < 0)
            problems.push_back("negative or zero amount: " + where.str());
        if (p.refunded > p.captured)
            problems.push_back("refunded more than captured: " + where.str());
        if (p.captured > ceiling)
            problems.push_back("captured more than the ceiling: " + where.str());
        if ((p.status == "captured" || p.status == "partially_refunded") && p.captured == 0)
            problems.push_back("captured status with nothing captured: " + where.str());
        if (p.status == "refunded" && (p.refunded == 0 || p.refunded != p.captured))
            problems.push_back("refunded status but not all refunded: " + where.str());
        if (p.status == "partially_refunded" && (p.refunded == 0 || p.refunded >= p.captured))
            problems.push_back("partially_refunded status with wrong totals: " + where.str());
        if ((p.status == "authorized" || p.status == "voided" || p.status == "declined") &&
            (p.captured != 0 || p.refunded != 0))
            problems.push_back("money moved on an uncaptured status: " + where.str());
    }
    return problems;
}

Problems Ledger::check_idempotency()
{
    Problems problems;
    each_row(db_,
             "SELECT idempotency_key, COUNT(*) FROM payments WHERE idempotency_key IS NOT NULL"
             " GROUP BY idempotency_key HAVING COUNT(*) > 1",
             [&](sqlite3_stmt *s) {
                 problems.push_back("key " + text(s, 0) + " made " + text(s, 1) + " payments");
             });
    each_row(db_,
             "SELECT payment_id, kind, idempotency_key, COUNT(*) FROM operations"
             " WHERE idempotency_key IS NOT NULL GROUP BY 1, 2, 3 HAVING COUNT(*) > 1",
             [&](sqlite3_stmt *s) {
                 problems.push_back("key " + text(s, 2) + " ran " + text(s, 3) + " " +
                                    text(s, 1) + " operations on " + text(s, 0));
             });
    return problems;
}

int64_t held_amount(const PaymentRow &p)
{
    if (open_statuses.count(p.status))
        return std::max(p.amount, p.captured) - p.refunded;
    return std::max<int64_t>(p.captured - p.refunded, 0);
}

Problems Ledger::check_usage()
{
    Problems problems;
    std::string error;
    // Counters against the per-payment rows.
    bool ran = each_row(
        db_,
        "SELECT u.key, u.amount, COALESCE((SELECT SUM(counted) FROM payment_usage pu"
        " WHERE pu.key = u.key), 0) FROM usage u WHERE u.key LIKE 'amt|%'",
        [&](sqlite3_stmt *s) {
            int64_t amount = sqlite3_column_int64(s, 1), sum = sqlite3_column_int64(s, 2);
            if (amount != sum)
                problems.push_back("counter " + text(s, 0) + " is " + std::to_string(amount) +
                                   " but its payments count " + std::to_string(sum));
        },
        &error);
    if (!ran)
        problems.push_back("cannot read usage: " + error);
    // Per-payment rows whose key has no counter.
    each_row(db_,
             "SELECT DISTINCT key FROM payment_usage WHERE counted != 0 AND key NOT IN"
             " (SELECT key FROM usage)",
             [&](sqlite3_stmt *s) { problems.push_back("no counter for " + text(s, 0)); });
    // Each per-payment row against what its payment holds.
    auto rows = payments();
    each_row(db_, "SELECT payment_id, key, full_amount, counted FROM payment_usage",
             [&](sqlite3_stmt *s) {
                 auto it = rows.find(text(s, 0));
                 if (it == rows.end()) {
                     problems.push_back("usage for a missing payment " + text(s, 0));
                     return;
                 }
                 const PaymentRow &p = it->second;
                 int64_t full = sqlite3_column_int64(s, 2), counted = sqlite3_column_int64(s, 3);
                 int64_t held = std::min(held_amount(p), p.amount), expect = 0;
                 if (held > 0 && p.amount > 0)
                     expect = static_cast<int64_t>(
                         (static_cast<__int128>(full) * held + (p.amount - 1)) / p.amount);
                 if (counted != expect)
                     problems.push_back("payment " + p.id + " (" + p.status + ") counts " +
                                        std::to_string(counted) + " on " + text(s, 1) +
                                        ", it holds " + std::to_string(held) + " of " +
                                        std::to_string(p.amount) + ": expected " +
                                        std::to_string(expect));
             });
    return problems;
}

Problems Ledger::check_operation_sums(const std::vector<std::string> &capture_methods)
{
    Problems problems;
    std::set<std::string> explicit_capture(capture_methods.begin(), capture_methods.end());
    std::map<std::string, int64_t> captures, refunds;
    each_row(db_,
             "SELECT payment_id, kind, SUM(amount) FROM operations WHERE outcome = 'approved'"
             " AND kind IN ('capture', 'refund') GROUP BY 1, 2",
             [&](sqlite3_stmt *s) {
                 (text(s, 1) == "capture" ? captures : refunds)[text(s, 0)] =
                     sqlite3_column_int64(s, 2);
             });
    for (const auto &[id, p] : payments()) {
        if (refunds[id] != p.refunded)
            problems.push_back("payment " + id + " refunded " + std::to_string(p.refunded) +
                               " but its approved refunds add up to " +
                               std::to_string(refunds[id]));
        if (explicit_capture.count(p.method) && captures[id] != p.captured)
            problems.push_back("payment " + id + " captured " + std::to_string(p.captured) +
                               " but its approved captures add up to " +
                               std::to_string(captures[id]));
    }
    return problems;
}

Problems Ledger::check_counter_max(const std::string &prefix, int64_t max)
{
    Problems problems;
    sqlite3_stmt *s = nullptr;
    sqlite3_prepare_v2(db_, "SELECT key, amount FROM usage WHERE substr(key, 1, length(?1)) = ?1",
                       -1, &s, nullptr);
    sqlite3_bind_text(s, 1, prefix.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(s) == SQLITE_ROW)
        if (sqlite3_column_int64(s, 1) > max)
            problems.push_back("counter " + text(s, 0) + " holds " +
                               std::to_string(sqlite3_column_int64(s, 1)) + ", above its limit " +
                               std::to_string(max));
    sqlite3_finalize(s);
    return problems;
}

}  // namespace stress
