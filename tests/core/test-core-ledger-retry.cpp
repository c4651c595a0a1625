// The engine's retry loop (issue 17, item 3): a unit the backend aborts with
// LEDGER_ERROR_RETRY (as a networked database does on a serialization
// failure or a deadlock) is run again from its start, a bounded number of
// times; nothing is lost, nothing recorded twice, the plugin called once.
// The faults come from a backend that wraps the real one (SQLite, or
// PostgreSQL under `meson test --setup postgres`) and fails the commits (or
// inserts) it is told to, after rolling the unit back, as the contract in
// ledger-backend.h says an aborted unit is.
#include <string>

#include "core-test-util.h"
#include "host-private.h"
#include "test-ledger.h"

using namespace coretest;

namespace {

const LedgerBackend *real_backend;
LedgerBackend faulty_backend;
// Let this many write commits through, then fail this many.
int commits_to_pass;
int commits_to_fail;
int inserts_to_fail;
int commits_failed;

void abort_unit(LedgerUnit *unit, GError **error)
{
    real_backend->rollback(unit);
    g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY, "injected: could not serialize access");
}

gboolean faulty_commit(LedgerUnit *unit, LedgerCommitKind kind, GError **error)
{
    if (unit->mode == LEDGER_UNIT_WRITE) {
        if (commits_to_pass > 0) {
            commits_to_pass--;
        } else if (commits_to_fail > 0) {
            commits_to_fail--;
            commits_failed++;
            abort_unit(unit, error);
            return FALSE;
        }
    }
    return real_backend->commit(unit, kind, error);
}

// The new payment's insert, failing after it wrote (the engine must roll
// the unit back: nothing of it may stay). Both ways a backend can insert
// are wrapped: SQLite's payment_insert_leased, and payment_insert, which
// ledger.h's fallback calls for a backend without it (PostgreSQL).
gboolean inject_insert_fault(GError **error)
{
    if (inserts_to_fail == 0)
        return TRUE;
    inserts_to_fail--;
    g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY, "injected: deadlock detected");
    return FALSE;
}

gboolean faulty_payment_insert_leased(LedgerUnit *unit, const LedgerPayment *p,
                                      TenderOperation *op, const char *request_hash,
                                      GError **error)
{
    return real_backend->payment_insert_leased(unit, p, op, request_hash, error) &&
           inject_insert_fault(error);
}

gboolean faulty_payment_insert(LedgerUnit *unit, const LedgerPayment *p, GError **error)
{
    return real_backend->payment_insert(unit, p, error) && inject_insert_fault(error);
}

class LedgerRetry : public HostTest {
protected:
    void SetUp() override
    {
        make_host();
        commits_to_pass = commits_to_fail = inserts_to_fail = commits_failed = 0;
        real_backend = host->ledger->backend;
        faulty_backend = *real_backend;
        faulty_backend.commit = faulty_commit;
        faulty_backend.payment_insert = faulty_payment_insert;
        if (real_backend->payment_insert_leased)
            faulty_backend.payment_insert_leased = faulty_payment_insert_leased;
        host->ledger->backend = &faulty_backend;
    }
    void TearDown() override
    {
        if (host)
            host->ledger->backend = real_backend;
        HostTest::TearDown();
    }
    size_t payments() { return payment_count(host); }
};

TEST_F(LedgerRetry, AnAbortedIntentIsRecordedAgainAndThePluginCalledOnce)
{
    commits_to_fail = 2;  // the intent, twice
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(commits_failed, 2);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(payments(), 1u);  // the aborted runs left nothing
    TenderPayment *stored = get(p->id);
    ASSERT_EQ(stored->operations->len, 1u);
    EXPECT_EQ(snap(p->id), snapshot(p));
}

TEST_F(LedgerRetry, AnAbortedOutcomeIsAppliedAgainWithoutCallingThePluginAgain)
{
    commits_to_pass = 1;  // the intent
    commits_to_fail = 3;  // the outcome, three times
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(commits_failed, 3);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(calls("authorize"), 1u);
    EXPECT_EQ(payments(), 1u);
    TenderPayment *stored = get(p->id);
    ASSERT_EQ(stored->operations->len, 1u);
    const TenderOperation *op =
        static_cast<const TenderOperation *>(g_ptr_array_index(stored->operations, 0));
    EXPECT_STREQ(op->outcome, "approved");
    EXPECT_EQ(snap(p->id), snapshot(p));
}

TEST_F(LedgerRetry, AnOperationOnAPaymentRunsBothUnitsAgain)
{
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    commits_to_fail = 1;  // capture's intent
    GError *error = nullptr;
    TenderPayment *c = keep(tender_host_capture(host, p->id, "4.00", nullptr, &error));
    ASSERT_NE(c, nullptr) << (error ? error->message : "");
    commits_to_pass = 1;  // refund's intent
    commits_to_fail = 1;  // its outcome
    TenderPayment *r = keep(tender_host_refund(host, p->id, "1.00", nullptr, &error));
    ASSERT_NE(r, nullptr) << (error ? error->message : "");
    EXPECT_EQ(commits_failed, 2);
    EXPECT_EQ(calls("capture"), 1u);
    EXPECT_EQ(calls("refund"), 1u);
    EXPECT_EQ(r->captured, 400);
    EXPECT_EQ(r->refunded, 100);
    EXPECT_EQ(r->operations->len, 3u);
}

TEST_F(LedgerRetry, AConflictInsideTheUnitRunsItAgain)
{
    inserts_to_fail = 2;
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(inserts_to_fail, 0);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(payments(), 1u);
    EXPECT_EQ(calls("authorize"), 1u);
}

TEST_F(LedgerRetry, AConflictThatPersistsFailsAsALedgerErrorAfterTheLastAttempt)
{
    commits_to_fail = 1000;
    GError *error = nullptr;
    EXPECT_EQ(pay("fx_count", "10.00", "USD", nullptr, {}, FALSE, &error), nullptr);
    ASSERT_NE(error, nullptr);
    // LEDGER_ERROR never leaves the engine: callers (tenderd: 503) see a
    // ledger error.
    EXPECT_EQ(error->domain, TENDER_ERROR);
    EXPECT_EQ(error->code, TENDER_ERROR_LEDGER);
    EXPECT_NE(strstr(error->message, "attempts"), nullptr) << error->message;
    g_clear_error(&error);
    EXPECT_EQ(commits_failed, LEDGER_RETRY_ATTEMPTS);
    EXPECT_EQ(calls("authorize"), 0u);
    commits_to_fail = 0;
    EXPECT_EQ(payments(), 0u);
}

TEST_F(LedgerRetry, OtherErrorsAreNotRetried)
{
    commits_to_fail = 0;
    GError *error = nullptr;
    EXPECT_EQ(tender_host_capture(host, "pay_doesnotexist", nullptr, nullptr, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, TENDER_ERROR_NOT_FOUND) << error->message;
    g_clear_error(&error);
    EXPECT_EQ(commits_failed, 0);
}

// payment_insert_leased (ledger-backend.h, version 2): the SQLite
// backend's short way and ledger.h's three-step fallback for a backend
// without it leave the same row: inserted, leased to its first operation.
// The PostgreSQL backend has no short way: there both cases take the
// fallback, which the first one then checks on that backend.
class InsertLeased : public HostTest {
protected:
    void check(bool short_way)
    {
        make_host();
        // Operations before, so the new one's seq is not 1.
        pay("fx_count", "1.00");
        pay("fx_count", "2.00");
        LedgerBackend table = *host->ledger->backend;
        const LedgerBackend *real = host->ledger->backend;
        if (!test_ledger_is_postgres()) {
            ASSERT_NE(table.payment_insert_leased, nullptr);
        }
        if (!short_way) {
            table.payment_insert_leased = nullptr;
            host->ledger->backend = &table;
        }
        GError *error = nullptr;
        LedgerUnit *unit = ledger_begin(host->ledger, &error);
        ASSERT_NE(unit, nullptr) << error->message;
        LedgerPayment row = {};
        row.pub.id = const_cast<char *>("pay_leasedtest");
        row.pub.method = const_cast<char *>("fx_count");
        row.pub.region = const_cast<char *>("US");
        row.pub.currency = const_cast<char *>("USD");
        row.pub.exponent = 2;
        row.pub.amount = 500;
        row.pub.status = TENDER_STATUS_UNKNOWN;
        row.busy_until_ms = 1234567;
        row.busy_seq = 999999;  // not read
        TenderOperation op = {};
        op.kind = const_cast<char *>("authorize");
        op.request_id = const_cast<char *>("req_leasedtest");
        op.amount = 500;
        ASSERT_TRUE(ledger_payment_insert_leased(unit, &row, &op, "hash", &error))
            << error->message;
        EXPECT_GT(op.seq, 2);
        LedgerPayment *stored = ledger_payment_get(unit, "pay_leasedtest", &error);
        ASSERT_NE(stored, nullptr) << error->message;
        EXPECT_EQ(stored->busy_until_ms, 1234567);
        EXPECT_EQ(stored->busy_seq, op.seq);
        EXPECT_EQ(stored->pub.amount, 500);
        ledger_payment_free(stored);
        GPtrArray *ops = ledger_operations(unit, "pay_leasedtest", &error);
        ASSERT_NE(ops, nullptr) << error->message;
        ASSERT_EQ(ops->len, 1u);
        EXPECT_EQ(static_cast<TenderOperation *>(g_ptr_array_index(ops, 0))->seq, op.seq);
        g_ptr_array_unref(ops);
        ASSERT_TRUE(ledger_commit(unit, &error)) << error->message;
        host->ledger->backend = real;
    }
};

TEST_F(InsertLeased, TheBackendLeasesTheNewPaymentToItsOperation)
{
    check(true);
}

TEST_F(InsertLeased, TheFallbackForABackendWithoutItDoesTheSame)
{
    check(false);
}

}  // namespace
