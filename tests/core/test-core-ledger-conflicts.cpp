// Conflicts a PostgreSQL server really raises (issue 18): a deadlock
// (SQLSTATE 40P01) and a serialization failure (40001) met by a unit of the
// PostgreSQL backend are LEDGER_ERROR_RETRY, the unit keeps nothing, and
// the engine's retry then records the payment once and calls the plugin
// once. The other side of each conflict is a libpq connection of the test
// of its own, on the same schema.
//
// The deadlocks are the server's own: the test's connection and the unit
// each hold a lock the other then asks for. A write unit runs in READ
// COMMITTED, where the server never fails a statement for serialization
// on its own (that needs REPEATABLE READ or SERIALIZABLE), so 40001 comes
// from a trigger the test adds, raising it as the server would; what is
// tested is the rest of the path: the SQLSTATE as the server sends it, the
// backend's mapping, at a statement and at COMMIT, and the engine's retry.
//
// PostgreSQL only: run as core-ledger-conflicts-postgres under a throw-away
// cluster of its own (tests/core/meson.build).
#include <libpq-fe.h>

#include <string>
#include <thread>

#include "core-test-util.h"
#include "host-private.h"
#include "test-core-limited-host.h"
#include "test-ledger.h"

using namespace coretest;

namespace {

// A connection of the test's own to the ledger's schema.
class Client {
public:
    explicit Client(const std::string &location) : conn_(PQconnectdb(location.c_str())) {}
    ~Client() { PQfinish(conn_); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
    int pid() const { return PQbackendPID(conn_); }

    // Run sql to its end: the first column of its first row ("" when none),
    // or a failure of the test naming the server's message.
    std::string run(const std::string &sql)
    {
        PGresult *r = PQexec(conn_, sql.c_str());
        ExecStatusType status = PQresultStatus(r);
        std::string value;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
        else if (PQntuples(r) > 0 && PQnfields(r) > 0)
            value = PQgetvalue(r, 0, 0);
        PQclear(r);
        return value;
    }

    // Send sql without waiting for it (it may block on a lock).
    void send(const std::string &sql) { ASSERT_EQ(PQsendQuery(conn_, sql.c_str()), 1); }

    // Wait for what send() sent: its SQLSTATE, "" when it succeeded.
    std::string finish()
    {
        std::string state;
        while (PGresult *r = PQgetResult(conn_)) {
            if (PQresultStatus(r) == PGRES_FATAL_ERROR)
                state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            PQclear(r);
        }
        return state;
    }

private:
    PGconn *conn_;
};

class PgConflicts : public HostTest {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(test_ledger_is_postgres())
            << "run under tests/support/with-postgres (core-ledger-conflicts-postgres)";
        // One schema for the host and the test's connections: the same path
        // is the same ledger (test-ledger.h).
        location = test_ledger_location(tmp.file("ledger").c_str());
        counter = tmp.file("calls.txt");
        host = open_limited_host(location, counter);
        ASSERT_NE(host, nullptr);
        other = std::make_unique<Client>(location);
        monitor = std::make_unique<Client>(location);
        ASSERT_TRUE(other->ok() && monitor->ok());
        // When both sides of a deadlock wait, the server aborts the one
        // whose deadlock_timeout (1 s) runs out first: never this one.
        other->run("SET deadlock_timeout = '10min'");
    }

    void TearDown() override
    {
        other.reset();
        monitor.reset();
        g_free(location);
        HostTest::TearDown();
    }

    TenderPayment *pay_account(const char *amount, const char *key, GError **error)
    {
        return keep(pay_limited(host, amount, key, error));
    }

    // Until another session waits for a lock `pid` holds (or `pid` waits
    // for one another session holds, with waiter TRUE).
    bool wait_for_lock_wait(int pid, bool waiter)
    {
        std::string sql = waiter ? "SELECT cardinality(pg_blocking_pids(" + std::to_string(pid) +
                                       ")) > 0"
                                 : "SELECT count(*) > 0 FROM pg_stat_activity WHERE " +
                                       std::to_string(pid) + " = ANY(pg_blocking_pids(pid))";
        for (int i = 0; i < 3000; i++) {
            if (monitor->run(sql) == "t")
                return true;
            g_usleep(10 * 1000);
        }
        return false;
    }

    std::string count(const std::string &sql) { return monitor->run(sql); }

    char *location = nullptr;
    std::unique_ptr<Client> other;   // the other side of each conflict
    std::unique_ptr<Client> monitor; // looks at the server's locks
};

TEST_F(PgConflicts, ADeadlockInAUnitIsARetryAndTheUnitKeepsNothing)
{
    TenderPayment *p1 = pay_account("1.00", nullptr, nullptr);
    TenderPayment *p2 = pay_account("2.00", nullptr, nullptr);
    ASSERT_TRUE(p1 && p2);
    std::string before = snap(p1->id);

    other->run("BEGIN");
    other->run(std::string("SELECT id FROM payments WHERE id = '") + p2->id + "' FOR UPDATE");
    GError *error = nullptr;
    LedgerUnit *unit = ledger_begin(host->ledger, &error);
    ASSERT_NE(unit, nullptr) << (error ? error->message : "");
    LedgerPayment *first = ledger_payment_get(unit, p1->id, &error);
    ASSERT_NE(first, nullptr) << (error ? error->message : "");
    ASSERT_TRUE(ledger_payment_set_lease(unit, p1->id, kNow + 1, 77, &error));
    ledger_payment_free(first);
    // The test's transaction waits for p1, which the unit holds; the unit
    // then asks for p2, which the test's transaction holds.
    other->send(std::string("SELECT id FROM payments WHERE id = '") + p1->id + "' FOR UPDATE");
    ASSERT_TRUE(wait_for_lock_wait(other->pid(), true));
    EXPECT_EQ(ledger_payment_get(unit, p2->id, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, LEDGER_ERROR, LEDGER_ERROR_RETRY)) << error->message;
    EXPECT_NE(std::string(error->message).find("deadlock"), std::string::npos) << error->message;
    g_clear_error(&error);
    // The server aborted the unit's transaction: what the unit goes on to
    // run, and its commit, are the same conflict (run the unit again), not
    // a ledger failure.
    EXPECT_EQ(ledger_payment_get(unit, p1->id, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, LEDGER_ERROR, LEDGER_ERROR_RETRY))
        << (error ? error->message : "no error");
    g_clear_error(&error);
    EXPECT_FALSE(ledger_commit(unit, &error));
    EXPECT_TRUE(g_error_matches(error, LEDGER_ERROR, LEDGER_ERROR_RETRY))
        << (error ? error->message : "no error");
    g_clear_error(&error);
    // The test's transaction got its lock; the unit's lease was not kept.
    EXPECT_EQ(other->finish(), "");
    other->run("ROLLBACK");
    EXPECT_EQ(snap(p1->id), before);
    EXPECT_EQ(count("SELECT busy_seq FROM payments WHERE id = '" + std::string(p1->id) + "'"), "0");
}

TEST_F(PgConflicts, ASerializationFailureInAUnitIsARetry)
{
    TenderPayment *p = pay_account("1.00", nullptr, nullptr);
    ASSERT_NE(p, nullptr);
    other->run("CREATE SEQUENCE conflicts");
    other->run("CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$"
               " BEGIN IF nextval('conflicts') <= 1 THEN RAISE EXCEPTION"
               " 'could not serialize access due to concurrent update'"
               " USING ERRCODE = 'serialization_failure'; END IF; RETURN NEW; END $$");
    other->run("CREATE TRIGGER fail_once BEFORE UPDATE ON payments"
               " FOR EACH ROW EXECUTE FUNCTION fail_once()");
    GError *error = nullptr;
    LedgerUnit *unit = ledger_begin(host->ledger, &error);
    ASSERT_NE(unit, nullptr);
    LedgerPayment *row = ledger_payment_get(unit, p->id, &error);
    ASSERT_NE(row, nullptr) << (error ? error->message : "");
    ledger_payment_free(row);
    EXPECT_FALSE(ledger_payment_set_lease(unit, p->id, kNow + 1, 77, &error));
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, LEDGER_ERROR, LEDGER_ERROR_RETRY)) << error->message;
    EXPECT_NE(std::string(error->message).find("could not serialize"), std::string::npos)
        << error->message;
    g_clear_error(&error);
    EXPECT_FALSE(ledger_commit(unit, &error));
    EXPECT_TRUE(g_error_matches(error, LEDGER_ERROR, LEDGER_ERROR_RETRY))
        << (error ? error->message : "no error");
    g_clear_error(&error);
    // The same unit run again goes through (the conflict was once).
    unit = ledger_begin(host->ledger, &error);
    ASSERT_NE(unit, nullptr);
    ASSERT_TRUE(ledger_payment_set_lease(unit, p->id, kNow + 1, 77, &error))
        << (error ? error->message : "");
    ASSERT_TRUE(ledger_commit(unit, &error)) << (error ? error->message : "");
    EXPECT_EQ(count("SELECT busy_seq FROM payments WHERE id = '" + std::string(p->id) + "'"), "77");
}

TEST_F(PgConflicts, APaymentThatMeetsADeadlockIsRunAgainAndRecordedOnce)
{
    // The account's counter row exists once the account has a payment.
    ASSERT_NE(pay_account("1.00", nullptr, nullptr), nullptr);
    ASSERT_EQ(count("SELECT count(*) FROM usage"), "1");
    std::string deadlocks_before = count(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");

    // The test's transaction holds the account's counter. The payment's
    // unit takes its idempotency key's lock, then waits for the counter;
    // the test's transaction then asks for the key's lock.
    other->run("BEGIN");
    other->run("SELECT key FROM usage FOR UPDATE");
    GError *error = nullptr;
    TenderPayment *p = nullptr;
    std::thread payer([&] { p = pay_account("5.00", "order-deadlock", &error); });
    bool waited = wait_for_lock_wait(other->pid(), false);
    std::string state = "not sent";
    if (waited) {
        other->send("SELECT pg_advisory_xact_lock(hashtextextended('order-deadlock', 0))");
        state = other->finish();
    }
    // The payment's run again waits for the key until this ends.
    other->run("ROLLBACK");
    payer.join();
    ASSERT_TRUE(waited) << "the payment never waited for the counter";
    // The server aborted the payment's unit, not the test's transaction:
    // it got the key's lock once the unit was rolled back.
    EXPECT_EQ(state, "");
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(calls("authorize"), 2u);
    EXPECT_EQ(count("SELECT count(*) FROM payments WHERE idempotency_key = 'order-deadlock'"),
              "1");
    EXPECT_EQ(count("SELECT count(*) FROM payments"), "2");
    EXPECT_EQ(count("SELECT amount FROM usage"), "600");
    // The server did see a deadlock.
    for (int i = 0; i < 500 && count("SELECT deadlocks FROM pg_stat_database WHERE datname ="
                                     " current_database()") == deadlocks_before;
         i++) {
        g_usleep(10 * 1000); // the statistics arrive a moment later
        monitor->run("SELECT pg_stat_clear_snapshot()");
    }
    EXPECT_NE(count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"),
              deadlocks_before);
}

TEST_F(PgConflicts, APaymentWhoseCommitFailsToSerializeIsRunAgainAndRecordedOnce)
{
    // The intent's COMMIT fails twice, as a serializable transaction's
    // does when the server finds it cannot be ordered (the check of a
    // deferred trigger runs at COMMIT).
    other->run("CREATE SEQUENCE conflicts");
    other->run("CREATE FUNCTION fail_twice() RETURNS trigger LANGUAGE plpgsql AS $$"
               " BEGIN IF nextval('conflicts') <= 2 THEN RAISE EXCEPTION"
               " 'could not serialize access due to read/write dependencies among transactions'"
               " USING ERRCODE = 'serialization_failure'; END IF; RETURN NEW; END $$");
    other->run("CREATE CONSTRAINT TRIGGER fail_twice AFTER INSERT ON operations"
               " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_twice()");
    GError *error = nullptr;
    TenderPayment *p = pay_account("5.00", "order-serialize", &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(count("SELECT last_value FROM conflicts"), "3"); // two failed commits, one kept
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(count("SELECT count(*) FROM payments"), "1");
    EXPECT_EQ(count("SELECT count(*) FROM operations"), "1");
    EXPECT_EQ(count("SELECT amount FROM usage"), "500");
    TenderPayment *stored = get(p->id);
    EXPECT_EQ(stored->operations->len, 1u);
}

// ledger_busy_seconds bounds a wait for a row another unit holds, as it
// bounds SQLite's wait for the file: the payment fails as a busy ledger,
// records nothing and never reaches the plugin, instead of waiting for as
// long as the holder likes.
TEST_F(PgConflicts, ARowHeldPastTheBusyTimeoutIsABusyLedgerAndNothingIsRecorded)
{
    ASSERT_NE(pay_account("1.00", nullptr, nullptr), nullptr);
    ledger_set_busy_timeout(host->ledger, 300);
    other->run("BEGIN");
    other->run("SELECT key FROM usage FOR UPDATE");
    GError *error = nullptr;
    TenderPayment *p = pay_account("5.00", "order-busy", &error);
    other->run("ROLLBACK");
    EXPECT_EQ(p, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_LEDGER)) << error->message;
    EXPECT_NE(strstr(error->message, "busy"), nullptr) << error->message;
    EXPECT_NE(strstr(error->message, "300 ms"), nullptr) << error->message;
    g_clear_error(&error);
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(count("SELECT count(*) FROM payments"), "1");
    // Once the row is free the same payment goes through.
    p = pay_account("5.00", "order-busy", &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(calls("authorize"), 2u);
}

} // namespace
