// tender_host_copy_ledger: a ledger filled on ":memory:" through the host
// API, copied to a file, opens in a new host with every payment and
// operation as it was; a copy never overwrites an existing file.
// tender_ledger_copy (`tender ledger copy`): a ledger with payments, limit
// counters, keys, endpoints and events copied there and back reads the same;
// a non-empty target, a missing source or one location twice are refused
// and change nothing; a copy whose totals differ is never committed and the
// error names every total that differs.
// Under tests/support/with-postgres (core-ledger-copy-postgres): the same
// ledger copied SQLite -> PostgreSQL -> SQLite reads the same, carries on
// on PostgreSQL, and a PostgreSQL target whose totals differ keeps nothing.
#include "core-test-util.h"
#include "test-ledger.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <cstring>

using namespace coretest;

namespace {

class LedgerCopy : public HostTest {
protected:
    void SetUp() override { make_host(); }
};

TEST_F(LedgerCopy, ACopyOpensInANewHostWithEveryPayment)
{
    TenderPayment *approved = pay("fx_count", "10.00");
    ASSERT_NE(approved, nullptr);
    GError *error = nullptr;
    TenderPayment *captured = tender_host_capture(host, approved->id, "4.00", nullptr, &error);
    ASSERT_NE(captured, nullptr) << (error ? error->message : "");
    keep(captured);
    TenderPayment *second = pay("fx_single", "30.00");
    ASSERT_NE(second, nullptr);
    std::string before_first = snap(approved->id);
    std::string before_second = snap(second->id);

    std::string path = tmp.file("copy.db");
    ASSERT_TRUE(tender_host_copy_ledger(host, path.c_str(), &error))
        << (error ? error->message : "");

    TenderHostOptions *options = tender_host_options_new();
    tender_host_options_add_plugin_dir(options, fixture_dir());
    tender_host_options_set_config_data(options, make_config({{"fx_count", {}},
                                                              {"fx_single", {}}}).c_str());
    tender_host_options_set_ledger(options, path.c_str());
    tender_host_options_set_fixed_now(options, kNow);
    TenderHost *reopened = tender_host_new(options, &error);
    tender_host_options_free(options);
    ASSERT_NE(reopened, nullptr) << (error ? error->message : "");
    for (auto [id, before] : {std::pair{approved->id, before_first},
                              std::pair{second->id, before_second}}) {
        TenderPayment *p = tender_host_get(reopened, id, &error);
        ASSERT_NE(p, nullptr) << (error ? error->message : "");
        EXPECT_EQ(snapshot(p), before);
        tender_payment_free(p);
    }
    GPtrArray *all = tender_host_list(reopened, nullptr, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 2u);
    g_ptr_array_unref(all);
    tender_host_free(reopened);
}

TEST_F(LedgerCopy, NeverOverwritesAFile)
{
    ASSERT_NE(pay("fx_count", "10.00"), nullptr);
    std::string path = tmp.file("existing.db");
    ASSERT_TRUE(g_file_set_contents(path.c_str(), "keep me", -1, nullptr));
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_copy_ledger(host, path.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    char *text = nullptr;
    ASSERT_TRUE(g_file_get_contents(path.c_str(), &text, nullptr, nullptr));
    EXPECT_STREQ(text, "keep me");
    g_free(text);

    std::string nowhere = tmp.file("no-such-dir/copy.db");
    EXPECT_FALSE(tender_host_copy_ledger(host, nowhere.c_str(), &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
}

const unsigned char kKeptBody[] = {'{', 0, 0xff, 0x80, '}'};

// A host on a file ledger whose fx_count has a daily limit (so payments
// keep usage counters), filled with every kind of row a ledger holds.
class LedgerCopyBetween : public HostTest {
protected:
    void SetUp() override
    {
        source = tmp.file("source.db");
        host = open_host(source);
        ASSERT_NE(host, nullptr);
        GError *error = nullptr;
        TenderPayment *a = pay_for("acct-1", "10.00", "USD", "order-1");
        ASSERT_NE(a, nullptr);
        keep(tender_host_capture(host, a->id, "6.00", "cap-1", &error));
        ASSERT_EQ(error, nullptr) << error->message;
        keep(tender_host_refund(host, a->id, "2.50", nullptr, &error));
        ASSERT_EQ(error, nullptr) << error->message;
        TenderPayment *b = pay_for("acct-1", "30.00", "EUR");
        ASSERT_NE(b, nullptr);
        keep(tender_host_void(host, b->id, nullptr, &error));
        ASSERT_EQ(error, nullptr) << error->message;
        ASSERT_NE(pay_for("acct-2", "5.00"), nullptr);
        char *secret = nullptr;
        TenderApiKey *key = tender_host_api_key_create(host, "shop", TENDER_API_SCOPE_WRITE,
                                                       &secret, &error);
        ASSERT_NE(key, nullptr) << error->message;
        tender_api_key_free(key);
        g_free(secret);
        TenderWebhookEndpoint *endpoint = tender_host_webhook_endpoint_add(
            host, "http://127.0.0.1:9/hook", nullptr, &secret, &error);
        ASSERT_NE(endpoint, nullptr) << error->message;
        tender_webhook_endpoint_free(endpoint);
        g_free(secret);
        // A kept response whose body is binary (a NUL, bytes above 0x7f).
        TenderStoredResponse kept = {};
        kept.fingerprint = const_cast<char *>("fp-1");
        kept.status = 201;
        kept.content_type = const_cast<char *>("application/octet-stream");
        kept.body = g_bytes_new_static(kKeptBody, sizeof kKeptBody);
        kept.headers = const_cast<char *>("X-Kept: yes\n");
        ASSERT_TRUE(tender_host_stored_response_put(host, "pay", "key-1", &kept, 0, &error))
            << error->message;
        g_bytes_unref(kept.body);
        // An event after the endpoint, so the outbox has a delivery.
        ASSERT_NE(pay("fx_count", "1.00"), nullptr);
        ids = {a->id, b->id};
        for (const auto &id : ids)
            before.push_back(snap(id.c_str()));
    }

    // An fx_count payment of an account (whose limit counters it moves).
    TenderPayment *pay_for(const char *account, const char *amount, const char *currency = "USD",
                           const char *key = nullptr)
    {
        return keep(pay_fx_count(host, account, amount, currency, key));
    }

    TenderHost *open_host(const std::string &ledger)
    {
        return open_fx_count_host(ledger, tmp.file("calls"));
    }

    // Every row of every table, as text, sorted: equal dumps mean equal
    // ledgers.
    static std::string dump(const std::string &path)
    {
        sqlite3 *db = nullptr;
        EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        std::string out;
        for (const char *table : {"payments", "operations", "usage", "payment_usage", "api_keys",
                                  "webhook_endpoints", "events", "deliveries",
                                  "idempotent_responses", "plugin_crashes"}) {
            std::vector<std::string> rows;
            std::string sql = std::string("SELECT * FROM ") + table;
            sqlite3_stmt *s = nullptr;
            EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
            while (sqlite3_step(s) == SQLITE_ROW) {
                std::string row = table;
                for (int c = 0; c < sqlite3_column_count(s); c++) {
                    const unsigned char *t = sqlite3_column_text(s, c);
                    row += "|" + (t ? std::string(reinterpret_cast<const char *>(t)) : "NULL");
                }
                rows.push_back(row);
            }
            sqlite3_finalize(s);
            std::sort(rows.begin(), rows.end());
            for (const auto &r : rows)
                out += r + "\n";
        }
        sqlite3_close(db);
        return out;
    }

    static void exec(const std::string &path, const char *sql)
    {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        char *msg = nullptr;
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
        sqlite3_free(msg);
        sqlite3_close(db);
    }

    // The copy is a ledger to carry on with: the same payments, and new
    // operations, payments and events number after the copied ones.
    void carry_on(const std::string &ledger)
    {
        host = open_host(ledger);
        ASSERT_NE(host, nullptr);
        for (size_t i = 0; i < ids.size(); i++)
            EXPECT_EQ(snap(ids[i].c_str()), before[i]);
        TenderPayment *p = get(ids[0].c_str());
        ASSERT_NE(p, nullptr);
        gint64 last_seq = 0;
        for (guint i = 0; i < p->operations->len; i++)
            last_seq = MAX(last_seq,
                           static_cast<TenderOperation *>(g_ptr_array_index(p->operations, i))->seq);
        GError *error = nullptr;
        TenderPayment *more = tender_host_refund(host, ids[0].c_str(), "1.00", nullptr, &error);
        ASSERT_NE(more, nullptr) << error->message;
        keep(more);
        const TenderOperation *refund = static_cast<TenderOperation *>(
            g_ptr_array_index(more->operations, more->operations->len - 1));
        EXPECT_GT(refund->seq, last_seq);
        // A new payment writes an event (and a delivery to the endpoint).
        ASSERT_NE(pay_for("acct-2", "1.00"), nullptr);
        // The idempotency key came along: a replay finds the copied payment.
        TenderPayment *replay = pay_for("acct-1", "10.00", "USD", "order-1");
        ASSERT_NE(replay, nullptr);
        EXPECT_EQ(std::string(replay->id), ids[0]);
        TenderStoredResponse *kept = tender_host_stored_response_get(host, "pay", "key-1", &error);
        ASSERT_NE(kept, nullptr) << (error ? error->message : "none kept");
        gsize length = 0;
        const void *body = g_bytes_get_data(kept->body, &length);
        ASSERT_EQ(length, sizeof kKeptBody);
        EXPECT_EQ(memcmp(body, kKeptBody, length), 0);
        EXPECT_EQ(kept->status, 201u);
        EXPECT_STREQ(kept->headers, "X-Kept: yes\n");
        tender_stored_response_free(kept);
    }

    // A copy into target, whose database adds a cent to every counter
    // imported, fails naming the counters' total and only that.
    void expect_copy_fails_on_usage_only(const std::string &target)
    {
        GError *error = nullptr;
        EXPECT_FALSE(tender_ledger_copy(source.c_str(), target.c_str(), nullptr, &error));
        ASSERT_NE(error, nullptr);
        std::string message = error->message;
        EXPECT_NE(message.find("usage.amount:"), std::string::npos) << message;
        EXPECT_NE(message.find("nothing was committed"), std::string::npos) << message;
        // Only the counters differ: payments and operations are not listed.
        EXPECT_EQ(message.find("payments["), std::string::npos) << message;
        EXPECT_TENDER_ERROR(error, TENDER_ERROR_LEDGER);
    }

    std::string source;
    std::vector<std::string> ids;
    std::vector<std::string> before;
};

TEST_F(LedgerCopyBetween, ThereAndBackEveryRowIsTheSame)
{
    std::string there = tmp.file("there.db");
    std::string back = tmp.file("back.db");
    GError *error = nullptr;
    TenderLedgerCopyReport report = {};
    ASSERT_TRUE(tender_ledger_copy(source.c_str(), there.c_str(), &report, &error))
        << error->message;
    EXPECT_GT(report.rows, 20u);
    EXPECT_GT(report.totals, 20u);
    TenderLedgerCopyReport again = {};
    ASSERT_TRUE(tender_ledger_copy(there.c_str(), back.c_str(), &again, &error))
        << error->message;
    EXPECT_EQ(again.rows, report.rows);
    EXPECT_EQ(again.totals, report.totals);
    tender_host_free(host);
    host = nullptr;
    std::string original = dump(source);
    EXPECT_NE(original.find("usage|"), std::string::npos) << original;
    EXPECT_NE(original.find("deliveries|"), std::string::npos) << original;
    EXPECT_EQ(dump(there), original);
    EXPECT_EQ(dump(back), original);
    carry_on(back);
}

TEST_F(LedgerCopyBetween, RefusesATargetWithRowsAndChangesNothing)
{
    std::string target = tmp.file("target.db");
    GError *error = nullptr;
    ASSERT_TRUE(tender_ledger_copy(source.c_str(), target.c_str(), nullptr, &error));
    std::string copied = dump(target);
    EXPECT_FALSE(tender_ledger_copy(source.c_str(), target.c_str(), nullptr, &error));
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("already holds"), std::string::npos)
        << error->message;
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(dump(target), copied);

    // A ledger with one API key and nothing else is not empty either.
    std::string keys_only = tmp.file("keys-only.db");
    ASSERT_TRUE(tender_ledger_copy(source.c_str(), keys_only.c_str(), nullptr, &error));
    exec(keys_only, "DELETE FROM deliveries; DELETE FROM events; DELETE FROM payment_usage;"
                    "DELETE FROM usage; DELETE FROM operations; DELETE FROM payments;"
                    "DELETE FROM webhook_endpoints;");
    EXPECT_FALSE(tender_ledger_copy(source.c_str(), keys_only.c_str(), nullptr, &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
}

TEST_F(LedgerCopyBetween, RefusesAMissingSourceAndOneLedgerTwice)
{
    GError *error = nullptr;
    std::string missing = tmp.file("missing.db");
    std::string target = tmp.file("never.db");
    EXPECT_FALSE(tender_ledger_copy(missing.c_str(), target.c_str(), nullptr, &error));
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("does not exist"), std::string::npos)
        << error->message;
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_FALSE(g_file_test(missing.c_str(), G_FILE_TEST_EXISTS));
    EXPECT_FALSE(g_file_test(target.c_str(), G_FILE_TEST_EXISTS));
    std::string before_dump = dump(source);
    EXPECT_FALSE(tender_ledger_copy(source.c_str(), source.c_str(), nullptr, &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(dump(source), before_dump);
    // A password in a location never reaches a message.
    EXPECT_FALSE(tender_ledger_copy("postgresql://shop:s3cret@127.0.0.1:1/ledger",
                                    target.c_str(), nullptr, &error));
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(std::string(error->message).find("s3cret"), std::string::npos) << error->message;
    g_clear_error(&error);
}

TEST_F(LedgerCopyBetween, ACopyWhoseTotalsDifferIsNotCommittedAndSaysWhat)
{
    // The target's database changes what it is given (a trigger adds a
    // cent to every counter imported): the totals it computes from its rows
    // differ from the source's.
    std::string target = tmp.file("tampered.db");
    TenderHost *empty = open_host(target);
    ASSERT_NE(empty, nullptr);
    tender_host_free(empty);
    exec(target, "CREATE TRIGGER off_by_one AFTER INSERT ON usage BEGIN "
                 "UPDATE usage SET amount = amount + 1 WHERE key = NEW.key; END;");
    expect_copy_fails_on_usage_only(target);
    EXPECT_EQ(dump(target), "");
}

// SQLite -> PostgreSQL -> SQLite: every row as it was, sequences moved on
// the server, and the PostgreSQL ledger usable by a host at once.
TEST_F(LedgerCopyBetween, PostgresThereAndBackEveryRowIsTheSame)
{
    ASSERT_TRUE(test_ledger_is_postgres()) << "run under tests/support/with-postgres";
    g_autofree char *there = test_ledger_location(":memory:");
    std::string back = tmp.file("back.db");
    GError *error = nullptr;
    TenderLedgerCopyReport report = {};
    ASSERT_TRUE(tender_ledger_copy(source.c_str(), there, &report, &error)) << error->message;
    EXPECT_GT(report.rows, 20u);
    EXPECT_GT(report.totals, 20u);
    TenderLedgerCopyReport again = {};
    ASSERT_TRUE(tender_ledger_copy(there, back.c_str(), &again, &error)) << error->message;
    EXPECT_EQ(again.rows, report.rows);
    EXPECT_EQ(again.totals, report.totals);
    // A second copy into the PostgreSQL ledger is refused: it holds rows.
    EXPECT_FALSE(tender_ledger_copy(source.c_str(), there, nullptr, &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    tender_host_free(host);
    host = nullptr;
    std::string original = dump(source);
    EXPECT_NE(original.find("idempotent_responses|"), std::string::npos) << original;
    EXPECT_EQ(dump(back), original);
    carry_on(there);
}

TEST_F(LedgerCopyBetween, PostgresTargetWhoseTotalsDifferKeepsNothing)
{
    ASSERT_TRUE(test_ledger_is_postgres()) << "run under tests/support/with-postgres";
    g_autofree char *target = test_ledger_location(":memory:");
    TenderHost *empty = open_host(target);
    ASSERT_NE(empty, nullptr);
    tender_host_free(empty);
    GError *error = nullptr;
    for (const char *sql :
         {"CREATE FUNCTION off_by_one() RETURNS trigger LANGUAGE plpgsql AS"
          " $$BEGIN NEW.amount := NEW.amount + 1; RETURN NEW; END$$",
          "CREATE TRIGGER off_by_one BEFORE INSERT ON usage FOR EACH ROW"
          " EXECUTE FUNCTION off_by_one()"}) {
        GPtrArray *rows = test_ledger_pg_query(target, sql, nullptr, &error);
        ASSERT_NE(rows, nullptr) << error->message;
        g_ptr_array_unref(rows);
    }
    expect_copy_fails_on_usage_only(target);
    GPtrArray *rows = test_ledger_pg_query(
        target, "SELECT (SELECT count(*) FROM payments) + (SELECT count(*) FROM usage)", nullptr,
        &error);
    ASSERT_NE(rows, nullptr) << error->message;
    ASSERT_EQ(rows->len, 1u);
    auto *row = static_cast<GPtrArray *>(g_ptr_array_index(rows, 0));
    EXPECT_STREQ(static_cast<const char *>(g_ptr_array_index(row, 0)), "0");
    g_ptr_array_unref(rows);
}

} // namespace
