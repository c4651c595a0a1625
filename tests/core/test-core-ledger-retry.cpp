// The engine's retry loop (issue 17, item 3): a unit the backend aborts with
// LEDGER_ERROR_RETRY (as a networked database does on a serialization
// failure or a deadlock) is run again from its start, a bounded number of
// times; nothing is lost, nothing recorded twice, the plugin called once.
// The faults come from a backend that wraps the SQLite one and fails the
// commits (or inserts) it is told to, after rolling the unit back, as the
// contract in ledger-backend.h says an aborted unit is.
#include <string>

#include "core-test-util.h"
#include "host-private.h"

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

gboolean faulty_payment_insert(LedgerUnit *unit, const LedgerPayment *p, GError **error)
{
    if (inserts_to_fail > 0) {
        inserts_to_fail--;
        g_set_error(error, LEDGER_ERROR, LEDGER_ERROR_RETRY, "injected: deadlock detected");
        return FALSE;
    }
    return real_backend->payment_insert(unit, p, error);
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
    inserts_to_fail = 1;
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

}  // namespace
