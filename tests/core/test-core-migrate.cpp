// Ledger schema migrations (issue 10 item 7): a ledger written by schema 3
// opens, moves to schema 4 in place, and its payments then carry the order
// they were made for, the exchange rate (when recorded) and the tier whose
// limits applied. The schema-3 ledger is built here with SQLite alone, as
// that release left it, so the test does not lean on the code it checks.
#include <sqlite3.h>

#include "core-test-util.h"

using namespace coretest;

namespace {

// The payments and operations tables as schema 3 had them (migrations
// 0->1, 1->2 and 2->3 of that release, trimmed of indexes that change
// nothing here but kept column for column).
const char *kSchema3 =
    "CREATE TABLE payments ("
    "  id TEXT PRIMARY KEY,"
    "  method TEXT NOT NULL, account TEXT NOT NULL, tier TEXT NOT NULL,"
    "  region TEXT NOT NULL, currency TEXT NOT NULL, exponent INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  amount INTEGER NOT NULL, captured INTEGER NOT NULL DEFAULT 0,"
    "  refunded INTEGER NOT NULL DEFAULT 0, fee INTEGER NOT NULL DEFAULT 0,"
    "  order_currency TEXT NOT NULL, order_amount INTEGER NOT NULL,"
    "  processor_ref TEXT NOT NULL DEFAULT '', plugin_state TEXT NOT NULL DEFAULT '',"
    "  idempotency_key TEXT UNIQUE, request_hash TEXT NOT NULL DEFAULT '',"
    "  action_kind INTEGER NOT NULL DEFAULT 0, action_data TEXT, action_hint TEXT,"
    "  action_expires_ms INTEGER NOT NULL DEFAULT 0,"
    "  decline_code INTEGER NOT NULL DEFAULT 0, decline_raw TEXT, decline_message TEXT,"
    "  brand TEXT, first6 TEXT, last4 TEXT, display_account TEXT, issuer_country TEXT,"
    "  details TEXT,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  authorized_ms INTEGER NOT NULL DEFAULT 0, hold_expires_ms INTEGER NOT NULL DEFAULT 0,"
    "  busy_until_ms INTEGER NOT NULL DEFAULT 0, busy_seq INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX payments_account ON payments(account, created_ms);"
    "CREATE INDEX payments_status ON payments(status, updated_ms);"
    "CREATE TABLE operations ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  payment_id TEXT NOT NULL REFERENCES payments(id),"
    "  kind TEXT NOT NULL, request_id TEXT NOT NULL, idempotency_key TEXT,"
    "  request_hash TEXT NOT NULL DEFAULT '',"
    "  amount INTEGER NOT NULL, outcome TEXT, decline_code TEXT, raw_code TEXT,"
    "  message TEXT, processor_ref TEXT, status_after TEXT, created_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0, plugin_state TEXT"
    ");"
    "CREATE INDEX operations_payment ON operations(payment_id, seq);"
    "CREATE UNIQUE INDEX operations_key ON operations(payment_id, kind, idempotency_key)"
    "  WHERE idempotency_key IS NOT NULL;"
    "CREATE TABLE usage (key TEXT PRIMARY KEY, amount INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE payment_usage ("
    "  payment_id TEXT NOT NULL, key TEXT NOT NULL,"
    "  full_amount INTEGER NOT NULL, counted INTEGER NOT NULL,"
    "  PRIMARY KEY (payment_id, key)) WITHOUT ROWID;"
    "CREATE INDEX payments_account_holds ON payments(account, hold_expires_ms)"
    "  WHERE status IN ('authorized', 'partially_captured') AND hold_expires_ms > 0;"
    "CREATE INDEX payments_account_actions ON payments(account, action_expires_ms)"
    "  WHERE status = 'requires_action' AND action_expires_ms > 0;"
    "PRAGMA user_version = 3;";

// Two captured payments as schema 3 stored them: one converted (an order
// of 100.00 GBP paid as 126.58 USD with a 1.01 USD fee) by a buyer who named
// the tier "gold", one in its own currency without a tier.
const char *kRows =
    "INSERT INTO payments (id, method, account, tier, region, currency, exponent, status,"
    "  amount, captured, fee, order_currency, order_amount, created_ms, updated_ms)"
    "  VALUES ('pay_old_converted', 'fx_count', 'acct-1', 'gold', 'GB', 'USD', 2, 'captured',"
    "          12658, 12658, 101, 'GBP', 10000, 1772359100000, 1772359100000);"
    "INSERT INTO payments (id, method, account, tier, region, currency, exponent, status,"
    "  amount, captured, fee, order_currency, order_amount, created_ms, updated_ms)"
    "  VALUES ('pay_old_plain', 'fx_count', 'acct-2', '', 'US', 'USD', 2, 'captured',"
    "          2500, 2500, 0, 'USD', 2500, 1772359000000, 1772359000000);"
    "INSERT INTO operations (payment_id, kind, request_id, amount, outcome, status_after,"
    "  created_ms, attempts) VALUES ('pay_old_converted', 'purchase', 'req_1', 12658,"
    "  'approved', 'captured', 1772359100000, 1);";

// The schema version this Tender writes.
const char *kLatest = "8";

std::string query_text(const std::string &path, const char *sql)
{
    sqlite3 *db = nullptr;
    std::string out;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
            out = reinterpret_cast<const char *>(sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return out;
}

class Migrate : public HostTest {
protected:
    std::string ledger;

    void SetUp() override
    {
        ledger = tmp.file("schema3.db");
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(ledger.c_str(), &db), SQLITE_OK);
        char *msg = nullptr;
        int rc = sqlite3_exec(db, (std::string(kSchema3) + kRows).c_str(), nullptr, nullptr, &msg);
        EXPECT_EQ(rc, SQLITE_OK) << (msg ? msg : "");
        sqlite3_free(msg);
        sqlite3_close(db);
        ASSERT_EQ(query_text(ledger, "PRAGMA user_version"), "3");
    }
};

TEST_F(Migrate, Schema3LedgerOpensAndShowsOrderRateAndTier)
{
    make_host({}, ledger);
    EXPECT_EQ(query_text(ledger, "PRAGMA user_version"), kLatest);

    TenderPayment *converted = get("pay_old_converted");
    ASSERT_NE(converted, nullptr);
    EXPECT_STREQ(converted->currency, "USD");
    EXPECT_EQ(converted->amount, 12658);
    EXPECT_EQ(converted->fee, 101);
    EXPECT_STREQ(converted->order_currency, "GBP");
    EXPECT_EQ(converted->order_amount, 10000);
    EXPECT_EQ(converted->order_exponent, 2);
    // Schema 3 never kept the rate: unknown, not invented.
    EXPECT_EQ(converted->exchange_rate, nullptr);
    // The tier the buyer gave was the tier held to.
    EXPECT_STREQ(converted->tier, "gold");
    EXPECT_STREQ(converted->effective_tier, "gold");
    ASSERT_NE(converted->operations, nullptr);
    EXPECT_EQ(converted->operations->len, 1u);

    TenderPayment *plain = get("pay_old_plain");
    ASSERT_NE(plain, nullptr);
    EXPECT_STREQ(plain->order_currency, "USD");
    EXPECT_EQ(plain->order_amount, 2500);
    EXPECT_EQ(plain->exchange_rate, nullptr);
    // No tier given: whether a default applied then is not known.
    EXPECT_STREQ(plain->tier, "");
    EXPECT_EQ(plain->effective_tier, nullptr);

    // list reads the same columns.
    GError *error = nullptr;
    GPtrArray *all = tender_host_list(host, nullptr, &error);
    ASSERT_NE(all, nullptr) << (error ? error->message : "");
    ASSERT_EQ(all->len, 2u);
    auto *first = static_cast<TenderPayment *>(g_ptr_array_index(all, 0));
    EXPECT_STREQ(first->id, "pay_old_converted");
    EXPECT_STREQ(first->order_currency, "GBP");
    EXPECT_EQ(first->order_amount, 10000);
    g_ptr_array_unref(all);
}

TEST_F(Migrate, NewPaymentsOnAMigratedLedgerRecordTheirOrderAndTier)
{
    make_host({}, ledger);
    TenderPayment *p = pay("fx_count", "12.34");
    ASSERT_NE(p, nullptr);
    EXPECT_STREQ(p->order_currency, "USD");
    EXPECT_EQ(p->order_amount, 1234);
    EXPECT_EQ(p->exchange_rate, nullptr);
    // The fixture method has no tiers: none applied (recorded, so "" and
    // not NULL).
    ASSERT_NE(p->effective_tier, nullptr);
    EXPECT_STREQ(p->effective_tier, "");
    TenderPayment *again = get(p->id);
    ASSERT_NE(again, nullptr);
    EXPECT_STREQ(again->order_currency, "USD");
    ASSERT_NE(again->effective_tier, nullptr);
    EXPECT_STREQ(again->effective_tier, "");
}

TEST_F(Migrate, ReopeningAMigratedLedgerChangesNothing)
{
    make_host({}, ledger);
    tender_host_free(host);
    host = nullptr;
    make_host({}, ledger);
    EXPECT_EQ(query_text(ledger, "PRAGMA user_version"), kLatest);
    TenderPayment *converted = get("pay_old_converted");
    ASSERT_NE(converted, nullptr);
    EXPECT_STREQ(converted->effective_tier, "gold");
}

// Schema 6 drops the (status, updated_ms) index no query used: a ledger
// left at schema 5, with that index and payments in it, moves to the latest
// schema in place, keeps its payments, and takes new ones.
TEST_F(Migrate, Schema5LedgerLosesTheStatusIndexAndKeepsItsPayments)
{
    make_host({}, ledger);
    tender_host_free(host);
    host = nullptr;
    // Put the ledger back as schema 5 left it.
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(ledger.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE INDEX payments_status ON payments(status, updated_ms);"
                           "DROP TABLE plugin_crashes;"
                           "PRAGMA user_version = 5;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    ASSERT_EQ(query_text(ledger, "SELECT count(*) FROM sqlite_master WHERE name = "
                                 "'payments_status'"),
              "1");

    make_host({}, ledger);
    EXPECT_EQ(query_text(ledger, "PRAGMA user_version"), kLatest);
    EXPECT_EQ(query_text(ledger, "SELECT count(*) FROM sqlite_master WHERE name = "
                                 "'payments_status'"),
              "0");
    TenderPayment *converted = get("pay_old_converted");
    ASSERT_NE(converted, nullptr);
    EXPECT_EQ(converted->amount, 12658);
    TenderPayment *p = pay("fx_count", "12.34");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(query_text(ledger, "SELECT count(*) FROM payments"), "3");
}

}  // namespace

// Schema 8 drops AUTOINCREMENT from operations and events (each insert
// also rewrote sqlite_sequence, a page more in the WAL): the tables are
// copied with their seqs, and new rows carry on after the largest.
TEST_F(Migrate, Schema8KeepsOperationSeqsWithoutAutoincrement)
{
    make_host({}, ledger);
    for (const char *table : {"operations", "events"}) {
        std::string sql = query_text(
            ledger, (std::string("SELECT sql FROM sqlite_master WHERE name = '") + table + "'")
                        .c_str());
        ASSERT_FALSE(sql.empty()) << table;
        EXPECT_EQ(sql.find("AUTOINCREMENT"), std::string::npos) << sql;
    }
    EXPECT_EQ(query_text(ledger, "SELECT count(*) FROM sqlite_sequence"), "0");
    // The schema-3 operation kept its seq, and its indexes are back.
    EXPECT_EQ(query_text(ledger, "SELECT seq FROM operations WHERE request_id = 'req_1'"), "1");
    EXPECT_EQ(query_text(ledger, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                 "('operations_payment', 'operations_key')"),
              "2");
    TenderPayment *p = pay("fx_count", "12.34");
    ASSERT_NE(p, nullptr);
    ASSERT_NE(p->operations, nullptr);
    ASSERT_EQ(p->operations->len, 1u);
    EXPECT_EQ(query_text(ledger, ("SELECT seq FROM operations WHERE payment_id = '" +
                                  std::string(p->id) + "'")
                                     .c_str()),
              "2");
    EXPECT_EQ(query_text(ledger, "SELECT max(seq) FROM events"), "1");
}
