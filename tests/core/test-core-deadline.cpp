// Deadlines, NOT_SENT retries, unknown outcomes, nonsense from plugins, and
// reconciliation: a call that misses its deadline leaves the payment
// unknown (never failed) and a sync settles it.
#include <chrono>
#include <sstream>

#include "core-test-util.h"

using namespace coretest;

namespace {

class Deadline : public HostTest {
protected:
    TenderReconcileReport reconcile()
    {
        TenderReconcileReport report = {};
        GError *error = nullptr;
        EXPECT_TRUE(tender_host_reconcile(host, &report, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        return report;
    }

    static MethodConf slow(gint64 deadline_ms, gint64 sleep_ms)
    {
        MethodConf c;
        c.deadline_ms = deadline_ms;
        c.int_settings["sleep_ms"] = sleep_ms;
        return c;
    }

    static MethodConf flaky(gint64 not_sent_times, int retries, int backoff_ms = 5)
    {
        MethodConf c;
        c.retries = retries;
        c.backoff_ms = backoff_ms;
        c.int_settings["not_sent_times"] = not_sent_times;
        return c;
    }

    const TenderOperation *last_op(const TenderPayment *p)
    {
        return static_cast<const TenderOperation *>(
            g_ptr_array_index(p->operations, p->operations->len - 1));
    }
};

TEST_F(Deadline, LateAuthorizeIsUnknownAndReconcileSettlesIt)
{
    make_host({{"fx_slow", slow(100, 300)}});
    TenderPayment *p = pay("fx_slow", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "a late answer must not be trusted";
    EXPECT_NE(p->status, TENDER_STATUS_FAILED);
    EXPECT_STREQ(last_op(p)->outcome, "unknown");
    ASSERT_NE(last_op(p)->message, nullptr);
    EXPECT_NE(std::string(last_op(p)->message).find("deadline"), std::string::npos);
    EXPECT_EQ(calls("authorize"), 1u) << "a late call must not be retried";
    // The late answer's processor reference is kept for the sync.
    EXPECT_EQ(std::string(p->processor_ref ? p->processor_ref : ""),
              std::string("fx-") + p->id);

    TenderReconcileReport report = reconcile();
    EXPECT_EQ(report.examined, 1u);
    EXPECT_EQ(report.resolved, 1u);
    EXPECT_EQ(report.still_open, 0u);
    EXPECT_EQ(report.errors, 0u);
    EXPECT_EQ(calls("sync", p->id), 1u);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_AUTHORIZED);
    // Nothing left to reconcile.
    report = reconcile();
    EXPECT_EQ(report.examined, 0u);
}

TEST_F(Deadline, LateCaptureIsUnknownAndSyncSettlesIt)
{
    make_host({{"fx_slow", slow(100, 300)}});
    TenderPayment *p = pay("fx_slow", "10.00");
    GError *error = nullptr;
    TenderPayment *synced = keep(tender_host_sync(host, p->id, &error));
    ASSERT_NE(synced, nullptr) << error->message;
    ASSERT_EQ(synced->status, TENDER_STATUS_AUTHORIZED);
    TenderPayment *c = keep(tender_host_capture(host, p->id, "4.00", nullptr, &error));
    ASSERT_NE(c, nullptr) << error->message;
    EXPECT_EQ(c->status, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(c->captured, 0) << "a late capture is not counted until a sync says so";
    TenderReconcileReport report = reconcile();
    EXPECT_EQ(report.resolved, 1u);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->captured, 400);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
}

TEST_F(Deadline, InTimeCallsAreTrusted)
{
    make_host({{"fx_slow", slow(2000, 20)}});
    TenderPayment *p = pay("fx_slow", "10.00");
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(Deadline, NotSentIsRetriedWithTheSameRequestThenApproved)
{
    make_host({{"fx_flaky", flaky(2, 3)}});
    TenderPayment *p = pay("fx_flaky", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    std::vector<std::string> lines = counter_lines(counter, "authorize");
    ASSERT_EQ(lines.size(), 3u);
    std::string request_id;
    for (size_t i = 0; i < lines.size(); i++) {
        std::istringstream words(lines[i]);
        std::string op, payment, request;
        unsigned attempt = 0;
        words >> op >> payment >> request >> attempt;
        EXPECT_EQ(payment, p->id);
        EXPECT_EQ(attempt, i + 1);
        if (i == 0)
            request_id = request;
        EXPECT_EQ(request, request_id) << "a retry must reuse the request id";
    }
    EXPECT_EQ(p->operations->len, 1u) << "retries are one operation";
    const TenderOperation *op = static_cast<const TenderOperation *>(p->operations->pdata[0]);
    EXPECT_EQ(op->attempts, 3u) << "the operation records every call the plugin got";
}

TEST_F(Deadline, NotSentBeyondRetriesFails)
{
    make_host({{"fx_flaky", flaky(5, 2, 30)}});
    auto start = std::chrono::steady_clock::now();
    TenderPayment *p = pay("fx_flaky", "10.00");
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_FAILED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_PROCESSOR_UNAVAILABLE);
    EXPECT_EQ(calls("authorize"), 3u);
    ASSERT_EQ(p->operations->len, 1u);
    EXPECT_EQ(static_cast<const TenderOperation *>(p->operations->pdata[0])->attempts, 3u);
    // Exponential backoff: 30 ms then 60 ms.
    EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 90);
    // Failed is terminal.
    GError *error = nullptr;
    EXPECT_EQ(tender_host_capture(host, p->id, nullptr, nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_STATE);
}

TEST_F(Deadline, NotSentCaptureChangesNothing)
{
    std::string ledger = tmp.file("ledger.db");
    make_host({{"fx_flaky", flaky(2, 3)}}, ledger);
    TenderPayment *p = pay("fx_flaky", "10.00");
    ASSERT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    std::string id = p->id;
    TearDown();
    make_host({{"fx_flaky", flaky(2, 1)}}, ledger);
    GError *error = nullptr;
    EXPECT_EQ(tender_host_capture(host, id.c_str(), nullptr, nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_DECLINED);
    TenderPayment *after = get(id.c_str());
    EXPECT_EQ(after->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(after->captured, 0);
    EXPECT_STREQ(last_op(after)->outcome, "not_sent");
    EXPECT_EQ(calls("capture"), 2u);
}

TEST_F(Deadline, UnknownOutcomeIsReconciled)
{
    make_host();
    TenderPayment *p = pay("fx_unknown", "10.00");
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(reconcile().resolved, 1u);
    EXPECT_EQ(get(p->id)->status, TENDER_STATUS_AUTHORIZED);
    GError *error = nullptr;
    TenderPayment *c = keep(tender_host_capture(host, p->id, "2.50", nullptr, &error));
    ASSERT_NE(c, nullptr) << error->message;
    EXPECT_EQ(c->status, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(c->captured, 0);
    EXPECT_EQ(reconcile().resolved, 1u);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(after->captured, 250);
}

TEST_F(Deadline, ReconcileLeavesWhatItCannotSettle)
{
    MethodConf still_unknown;
    still_unknown.string_settings["sync_event"] = "unknown";
    make_host({{"fx_unknown", still_unknown}});
    TenderPayment *a = pay("fx_unknown", "10.00");
    TenderPayment *b = pay("fx_nosync", "10.00");
    EXPECT_EQ(a->status, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(b->status, TENDER_STATUS_UNKNOWN);
    TenderReconcileReport report = reconcile();
    EXPECT_EQ(report.examined, 2u);
    EXPECT_EQ(report.resolved, 0u);
    EXPECT_EQ(report.still_open, 2u);
    EXPECT_EQ(report.errors, 0u);
    EXPECT_EQ(get(a->id)->status, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(get(b->id)->status, TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(calls("sync", a->id), 1u);
}

TEST_F(Deadline, ReconcileAppliesADeclineFromSync)
{
    MethodConf declined;
    declined.string_settings["sync_event"] = "declined";
    make_host({{"fx_unknown", declined}});
    TenderPayment *p = pay("fx_unknown", "10.00");
    EXPECT_EQ(reconcile().resolved, 1u);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_DECLINED);
    EXPECT_NE(after->decline_code, 0u);
}

TEST_F(Deadline, ReconcileSyncsOldPendingPaymentsOnly)
{
    MethodConf settles;
    settles.string_settings["sync_event"] = "authorized";
    make_host({{"fx_count", settles}}, ":memory:", kNow, TRUE, 60);
    TenderPayment *p = pay("fx_count", "10.00", "USD", nullptr, {{"result", "pending"}});
    ASSERT_EQ(p->status, TENDER_STATUS_PENDING);
    TenderReconcileReport fresh = reconcile();
    EXPECT_EQ(fresh.examined, 0u) << "a fresh pending payment is left alone";
    EXPECT_EQ(calls("sync"), 0u);
    tender_host_set_now(host, kNow + 61 * 1000);
    TenderReconcileReport old = reconcile();
    EXPECT_EQ(old.examined, 1u);
    EXPECT_EQ(old.resolved, 1u);
    EXPECT_EQ(get(p->id)->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(Deadline, ReconcileExpiresLapsedHoldsAndActions)
{
    make_host();
    TenderPayment *hold = pay("fx_over", "10.00");      // 1 h hold
    TenderPayment *action = pay("fx_action", "10.00");  // 600 s action
    TenderPayment *fresh = pay("fx_count", "10.00");    // no hold
    ASSERT_EQ(action->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_host_set_now(host, kNow + 3601 * 1000);
    TenderReconcileReport report = reconcile();
    EXPECT_EQ(report.examined, 2u);
    EXPECT_EQ(report.expired, 2u);
    EXPECT_EQ(report.errors, 0u);
    EXPECT_EQ(get(hold->id)->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(get(action->id)->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(get(fresh->id)->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(Deadline, NonsenseOutcomesReadAsTheirSafestMeaning)
{
    make_host();
    for (const char *mode : {"outcome0", "outcome99"}) {
        TenderPayment *p = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", mode}});
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN) << mode;
        EXPECT_STREQ(last_op(p)->outcome, "unknown") << mode;
    }
    for (const char *mode : {"decline0", "decline999"}) {
        TenderPayment *p = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", mode}});
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_DECLINED) << mode;
        EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_DO_NOT_HONOR) << mode;
        EXPECT_STREQ(last_op(p)->decline_code, "do_not_honor") << mode;
    }
}

TEST_F(Deadline, UnterminatedStringsAreBounded)
{
    make_host();
    TenderPayment *p = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", "unterminated"}});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    ASSERT_NE(p->processor_ref, nullptr);
    EXPECT_EQ(strlen(p->processor_ref), (size_t)TENDER_RESULT_REF_MAX - 1);
    ASSERT_NE(p->details, nullptr);
    EXPECT_EQ(strlen(p->details), (size_t)TENDER_RESULT_DETAILS_MAX - 1);
    ASSERT_NE(p->first6, nullptr);
    EXPECT_LE(strlen(p->first6), 7u);
    ASSERT_NE(p->last4, nullptr);
    EXPECT_LE(strlen(p->last4), 7u);
    ASSERT_NE(p->issuer_country, nullptr);
    EXPECT_LE(strlen(p->issuer_country), 3u);
    EXPECT_LE(strlen(last_op(p)->message), (size_t)TENDER_RESULT_MESSAGE_MAX - 1);
    EXPECT_LE(strlen(last_op(p)->raw_code), (size_t)TENDER_RESULT_CODE_MAX - 1);
}

TEST_F(Deadline, UnknownEventChangesNothing)
{
    make_host();
    TenderPayment *p = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", "event99"}});
    GError *error = nullptr;
    TenderPayment *s = keep(tender_host_sync(host, p->id, &error));
    ASSERT_NE(s, nullptr) << error->message;
    EXPECT_EQ(s->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(s->captured, 0);
}

TEST_F(Deadline, SyncThatBreaksTheInvariantsIsRefused)
{
    make_host();
    TenderPayment *p = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", "overcapture"}});
    GError *error = nullptr;
    EXPECT_EQ(keep(tender_host_sync(host, p->id, &error)), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_PLUGIN);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->captured, 0) << "a plugin claimed twice the authorization";
    EXPECT_EQ(after->status, TENDER_STATUS_UNKNOWN) << "left for an operator";

    TenderPayment *q = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", "overrefund"}});
    ASSERT_NE(keep(tender_host_capture(host, q->id, "5.00", nullptr, &error)), nullptr);
    EXPECT_EQ(keep(tender_host_sync(host, q->id, &error)), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_PLUGIN);
    TenderPayment *qa = get(q->id);
    EXPECT_EQ(qa->refunded, 0);
    EXPECT_EQ(qa->captured, 500);
}

TEST_F(Deadline, ApprovedCaptureCountsWhatWasAskedNotWhatWasClaimed)
{
    make_host();
    TenderPayment *p = pay("fx_bad", "10.00", "USD", nullptr, {{"mode", "bigcapture"}});
    GError *error = nullptr;
    TenderPayment *c = keep(tender_host_capture(host, p->id, "3.00", nullptr, &error));
    ASSERT_NE(c, nullptr) << error->message;
    EXPECT_EQ(c->captured, 300);
    EXPECT_LE(c->captured, c->amount);
}

}  // namespace
