// The lifecycle on its own (core/lifecycle.c): the state machine and the
// money invariants, driven with payments in memory, no host, no ledger and
// no plugin. test-core-lifecycle.cpp proves the same rules hold end to end
// through the host; this file proves each rule where it is written, so a
// broken transition names itself.
#include <gtest/gtest.h>

#include <string>

#include <tender/decline.h>
#include <tender/tender.h>

extern "C" {
#include "lifecycle.h"
}

namespace {

constexpr gint64 kNow = 1772359200000LL;

const guint64 kAllCaps = TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE | TENDER_CAP_CAPTURE |
                         TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_MULTI_CAPTURE | TENDER_CAP_VOID |
                         TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND | TENDER_CAP_SYNC |
                         TENDER_CAP_COMPLETE_ACTION;

class LifecyclePure : public ::testing::Test {
protected:
    TenderMethodInfo info{};
    TenderPayment *p = nullptr;
    gint64 authorized_ms = 0;
    tender_result res{};
    GError *error = nullptr;

    void SetUp() override
    {
        info.id = const_cast<char *>("fx_pure");
        info.capabilities = kAllCaps;
        info.hold_seconds = 7 * 86400;
        info.action_timeout_seconds = 900;
        p = g_new0(TenderPayment, 1);
        p->id = g_strdup("pay_pure");
        p->currency = g_strdup("USD");
        p->exponent = 2;
        p->amount = 10000;
        p->status = TENDER_STATUS_AUTHORIZED;
        authorized_ms = kNow - 1000;
        p->hold_expires_ms = kNow + 86400000LL;
        res.struct_size = sizeof res;
    }
    void TearDown() override
    {
        tender_payment_free(p);
        g_clear_error(&error);
    }

    void set(TenderStatus status, gint64 captured = 0, gint64 refunded = 0)
    {
        p->status = status;
        p->captured = captured;
        p->refunded = refunded;
    }

    // lifecycle_check's verdict: the amount moved, or -code when refused.
    gint64 check(LifecycleKind kind, const char *amount = nullptr)
    {
        gint64 moved = -1;
        GError *e = nullptr;
        if (lifecycle_check(p, &info, kind, amount, &moved, &e)) {
            EXPECT_EQ(e, nullptr);
            return moved;
        }
        EXPECT_NE(e, nullptr);
        EXPECT_EQ(e->domain, TENDER_ERROR);
        gint64 code = -(gint64)e->code;
        g_error_free(e);
        return code;
    }

    gboolean apply(LifecycleKind kind, guint32 outcome, gint64 requested = 0,
                   gboolean late = FALSE)
    {
        res.outcome = outcome;
        g_clear_error(&error);
        return lifecycle_apply_result(p, &authorized_ms, &info, kind, &res, requested, late, kNow,
                                      &error);
    }

    gboolean event(guint32 ev, gint64 total = 0)
    {
        res.amount = total;
        return lifecycle_apply_event(p, &authorized_ms, &info, ev, &res, kNow);
    }

    std::string amounts() const
    {
        return std::string(tender_status_to_string(p->status)) + " " +
               std::to_string(p->amount) + "/" + std::to_string(p->captured) + "/" +
               std::to_string(p->refunded);
    }
};

// ---- amounts ---------------------------------------------------------------

TEST_F(LifecyclePure, StatusFromAmounts)
{
    set(TENDER_STATUS_UNKNOWN);
    EXPECT_EQ(lifecycle_status_from_amounts(p, &info), TENDER_STATUS_AUTHORIZED);
    p->captured = 4000;
    EXPECT_EQ(lifecycle_status_from_amounts(p, &info), TENDER_STATUS_PARTIALLY_CAPTURED);
    info.capabilities &= ~TENDER_CAP_MULTI_CAPTURE;
    EXPECT_EQ(lifecycle_status_from_amounts(p, &info), TENDER_STATUS_CAPTURED)
        << "one capture closes the authorization without multi-capture";
    info.capabilities |= TENDER_CAP_MULTI_CAPTURE;
    p->captured = 10000;
    EXPECT_EQ(lifecycle_status_from_amounts(p, &info), TENDER_STATUS_CAPTURED);
    p->refunded = 1;
    EXPECT_EQ(lifecycle_status_from_amounts(p, &info), TENDER_STATUS_PARTIALLY_REFUNDED);
    p->refunded = 10000;
    EXPECT_EQ(lifecycle_status_from_amounts(p, &info), TENDER_STATUS_REFUNDED);
}

TEST_F(LifecyclePure, HeldAmount)
{
    set(TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(lifecycle_held_amount(p), 10000);
    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    EXPECT_EQ(lifecycle_held_amount(p), 10000) << "the uncaptured rest is still held";
    set(TENDER_STATUS_PARTIALLY_REFUNDED, 10000, 2500);
    EXPECT_EQ(lifecycle_held_amount(p), 7500);
    set(TENDER_STATUS_VOIDED);
    EXPECT_EQ(lifecycle_held_amount(p), 0);
    set(TENDER_STATUS_EXPIRED, 3000, 1000);
    EXPECT_EQ(lifecycle_held_amount(p), 2000) << "an expired hold keeps what was captured";
    set(TENDER_STATUS_UNKNOWN, 12000);
    EXPECT_EQ(lifecycle_held_amount(p), 12000) << "an over-capture counts in full";
}

TEST_F(LifecyclePure, CaptureCeilingHonoursOverCapture)
{
    EXPECT_EQ(lifecycle_capture_ceiling(p, &info), 10000);
    info.over_capture_bps = 12000; // 120 %
    EXPECT_EQ(lifecycle_capture_ceiling(p, &info), 12000);
    info.over_capture_max_extra = 500;
    info.over_capture_currency = const_cast<char *>("USD");
    EXPECT_EQ(lifecycle_capture_ceiling(p, &info), 10500) << "capped by the absolute extra";
    info.over_capture_currency = const_cast<char *>("EUR");
    EXPECT_EQ(lifecycle_capture_ceiling(p, &info), 12000) << "a cap in another currency is moot";
}

// ---- which operation in which state ------------------------------------------

// Every status against every operation on an existing payment: allowed (the
// amount it moves) or refused with the code the API promises.
TEST_F(LifecyclePure, EveryStateAgainstEveryOperation)
{
    struct Row {
        TenderStatus status;
        gint64 captured, refunded;
        gint64 capture, void_, refund, complete;
    };
    const gint64 S = -TENDER_ERROR_INVALID_STATE;
    const gint64 X = -TENDER_ERROR_AUTHORIZATION_EXPIRED;
    const Row rows[] = {
        {TENDER_STATUS_REQUIRES_ACTION, 0, 0, S, 10000, S, 0},
        {TENDER_STATUS_PENDING, 0, 0, S, 10000, S, S},
        {TENDER_STATUS_UNKNOWN, 0, 0, S, S, S, S},
        {TENDER_STATUS_AUTHORIZED, 0, 0, 10000, 10000, S, S},
        {TENDER_STATUS_PARTIALLY_CAPTURED, 4000, 0, 6000, S, 4000, S},
        {TENDER_STATUS_CAPTURED, 10000, 0, S, S, 10000, S},
        {TENDER_STATUS_PARTIALLY_REFUNDED, 10000, 2500, S, S, 7500, S},
        {TENDER_STATUS_REFUNDED, 10000, 10000, S, S, S, S},
        {TENDER_STATUS_VOIDED, 0, 0, S, S, S, S},
        {TENDER_STATUS_DECLINED, 0, 0, S, S, S, S},
        {TENDER_STATUS_FAILED, 0, 0, S, S, S, S},
        {TENDER_STATUS_EXPIRED, 0, 0, X, S, S, S},
        {TENDER_STATUS_EXPIRED, 3000, 0, X, S, 3000, S},
    };
    for (const Row &r : rows) {
        set(r.status, r.captured, r.refunded);
        std::string at = amounts();
        EXPECT_EQ(check(LIFECYCLE_CAPTURE), r.capture) << "capture at " << at;
        EXPECT_EQ(check(LIFECYCLE_VOID), r.void_) << "void at " << at;
        EXPECT_EQ(check(LIFECYCLE_REFUND), r.refund) << "refund at " << at;
        EXPECT_EQ(check(LIFECYCLE_COMPLETE), r.complete) << "complete at " << at;
        EXPECT_EQ(check(LIFECYCLE_SYNC), 0) << "sync is always allowed, at " << at;
    }
}

TEST_F(LifecyclePure, AnOperationTheMethodLacksIsNotSupported)
{
    info.capabilities = TENDER_CAP_PURCHASE;
    for (LifecycleKind k : {LIFECYCLE_CAPTURE, LIFECYCLE_VOID, LIFECYCLE_REFUND, LIFECYCLE_SYNC,
                            LIFECYCLE_COMPLETE, LIFECYCLE_REAUTHORIZE})
        EXPECT_EQ(check(k), -TENDER_ERROR_NOT_SUPPORTED) << lifecycle_kind_name(k);
}

TEST_F(LifecyclePure, OverCaptureAndOverRefundAreRefused)
{
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "100.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "100.00"), 10000);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "0"), -TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "1.234"), -TENDER_ERROR_INVALID_ARGUMENT)
        << "more decimals than the currency has";
    info.over_capture_bps = 11500;
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "115.00"), 11500);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "115.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);

    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    info.over_capture_bps = 0;
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "60.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);
    EXPECT_EQ(check(LIFECYCLE_REFUND, "40.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);
    set(TENDER_STATUS_PARTIALLY_REFUNDED, 10000, 9000);
    EXPECT_EQ(check(LIFECYCLE_REFUND, "10.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);
    EXPECT_EQ(check(LIFECYCLE_REFUND, "10.00"), 1000);
}

TEST_F(LifecyclePure, PartialOperationsNeedTheirCapability)
{
    info.capabilities &= ~(TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_PARTIAL_REFUND);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE, "50.00"), -TENDER_ERROR_NOT_SUPPORTED);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE), 10000);
    set(TENDER_STATUS_CAPTURED, 10000);
    EXPECT_EQ(check(LIFECYCLE_REFUND, "50.00"), -TENDER_ERROR_NOT_SUPPORTED);
    EXPECT_EQ(check(LIFECYCLE_REFUND), 10000);
    set(TENDER_STATUS_PARTIALLY_REFUNDED, 10000, 1);
    EXPECT_EQ(check(LIFECYCLE_REFUND), -TENDER_ERROR_NOT_SUPPORTED)
        << "after one refund, the rest is a partial refund too";
}

TEST_F(LifecyclePure, VoidRemainderReleasesTheUncapturedRest)
{
    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    EXPECT_EQ(check(LIFECYCLE_VOID), -TENDER_ERROR_INVALID_STATE);
    info.capabilities |= TENDER_CAP_VOID_REMAINDER;
    EXPECT_EQ(check(LIFECYCLE_VOID), 6000);
    EXPECT_TRUE(apply(LIFECYCLE_VOID, TENDER_OUTCOME_APPROVED, 6000));
    EXPECT_EQ(amounts(), "captured 4000/4000/0") << "the authorization shrinks to the capture";
    EXPECT_EQ(check(LIFECYCLE_CAPTURE), -TENDER_ERROR_INVALID_STATE);
    EXPECT_EQ(check(LIFECYCLE_REFUND), 4000);
}

TEST_F(LifecyclePure, ReauthorizeOnlyAnAuthorizationNotFullyCaptured)
{
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE), -TENDER_ERROR_NOT_SUPPORTED)
        << "a method without the capability (any plugin before ABI 1.2)";
    info.capabilities |= TENDER_CAP_REAUTHORIZE;
    const gint64 S = -TENDER_ERROR_INVALID_STATE;
    struct Row {
        TenderStatus status;
        gint64 captured, refunded, reauthorize;
    };
    const Row rows[] = {
        {TENDER_STATUS_REQUIRES_ACTION, 0, 0, S},
        {TENDER_STATUS_PENDING, 0, 0, S},
        {TENDER_STATUS_UNKNOWN, 0, 0, S},
        {TENDER_STATUS_AUTHORIZED, 0, 0, 10000},
        {TENDER_STATUS_PARTIALLY_CAPTURED, 4000, 0, 6000},
        {TENDER_STATUS_CAPTURED, 10000, 0, S},
        {TENDER_STATUS_PARTIALLY_REFUNDED, 10000, 2500, S},
        {TENDER_STATUS_REFUNDED, 10000, 10000, S},
        {TENDER_STATUS_VOIDED, 0, 0, S},
        {TENDER_STATUS_DECLINED, 0, 0, S},
        {TENDER_STATUS_FAILED, 0, 0, S},
        {TENDER_STATUS_EXPIRED, 0, 0, -TENDER_ERROR_AUTHORIZATION_EXPIRED},
    };
    for (const Row &r : rows) {
        set(r.status, r.captured, r.refunded);
        EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE), r.reauthorize) << "reauthorize at " << amounts();
    }
    // At most what the authorization could still capture: 100% here, the
    // over-capture ceiling (PayPal's 115%) where the method declares one.
    set(TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE, "100.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE, "80.00"), 8000);
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE, "0"), -TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE, "1.234"), -TENDER_ERROR_INVALID_ARGUMENT);
    info.over_capture_bps = 11500;
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE, "115.00"), 11500);
    EXPECT_EQ(check(LIFECYCLE_REAUTHORIZE, "115.01"), -TENDER_ERROR_AMOUNT_EXCEEDED);
}

TEST_F(LifecyclePure, AnApprovedReauthorizationRenewsTheAmountNotTheHold)
{
    info.capabilities |= TENDER_CAP_REAUTHORIZE;
    gint64 hold = p->hold_expires_ms;
    gint64 since = authorized_ms;
    res.amount = 11500;
    EXPECT_TRUE(apply(LIFECYCLE_REAUTHORIZE, TENDER_OUTCOME_APPROVED, 11500));
    EXPECT_EQ(amounts(), "authorized 11500/0/0");
    EXPECT_EQ(p->hold_expires_ms, hold) << "the validity counts from the first authorization";
    EXPECT_EQ(authorized_ms, since);
    EXPECT_EQ(check(LIFECYCLE_CAPTURE), 11500) << "captures draw on the new authorization";

    // After a partial capture the new authorization holds the rest.
    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    p->amount = 10000;
    res.amount = 0; // "the requested amount"
    EXPECT_TRUE(apply(LIFECYCLE_REAUTHORIZE, TENDER_OUTCOME_APPROVED, 5000));
    EXPECT_EQ(amounts(), "partially_captured 9000/4000/0");
}

TEST_F(LifecyclePure, ARefusedOrDoubtfulReauthorizationChangesNoMoney)
{
    info.capabilities |= TENDER_CAP_REAUTHORIZE;
    res.decline_code = TENDER_DECLINE_OPERATION_NOT_ALLOWED;
    EXPECT_FALSE(apply(LIFECYCLE_REAUTHORIZE, TENDER_OUTCOME_DECLINED, 10000));
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, TENDER_ERROR_DECLINED);
    EXPECT_EQ(amounts(), "authorized 10000/0/0");
    EXPECT_FALSE(apply(LIFECYCLE_REAUTHORIZE, TENDER_OUTCOME_NOT_SENT, 10000));
    EXPECT_EQ(amounts(), "authorized 10000/0/0");
    EXPECT_TRUE(apply(LIFECYCLE_REAUTHORIZE, TENDER_OUTCOME_APPROVED, 10000, TRUE));
    EXPECT_EQ(amounts(), "unknown 10000/0/0") << "a late approval is not trusted";
}

// ---- applying results -----------------------------------------------------------

TEST_F(LifecyclePure, ApprovalsMoveTheMoney)
{
    set(TENDER_STATUS_UNKNOWN);
    authorized_ms = 0;
    EXPECT_TRUE(apply(LIFECYCLE_AUTHORIZE, TENDER_OUTCOME_APPROVED, 10000));
    EXPECT_EQ(amounts(), "authorized 10000/0/0");
    EXPECT_EQ(authorized_ms, kNow);
    EXPECT_EQ(p->hold_expires_ms, kNow + 7 * 86400000LL);

    EXPECT_TRUE(apply(LIFECYCLE_CAPTURE, TENDER_OUTCOME_APPROVED, 3000));
    EXPECT_EQ(amounts(), "partially_captured 10000/3000/0");
    EXPECT_TRUE(apply(LIFECYCLE_CAPTURE, TENDER_OUTCOME_APPROVED, 7000));
    EXPECT_EQ(amounts(), "captured 10000/10000/0");
    EXPECT_TRUE(apply(LIFECYCLE_REFUND, TENDER_OUTCOME_APPROVED, 2500));
    EXPECT_EQ(amounts(), "partially_refunded 10000/10000/2500");
    EXPECT_TRUE(apply(LIFECYCLE_REFUND, TENDER_OUTCOME_APPROVED, 7500));
    EXPECT_EQ(amounts(), "refunded 10000/10000/10000");

    set(TENDER_STATUS_UNKNOWN);
    EXPECT_TRUE(apply(LIFECYCLE_PURCHASE, TENDER_OUTCOME_APPROVED, 10000));
    EXPECT_EQ(amounts(), "captured 10000/10000/0");

    set(TENDER_STATUS_AUTHORIZED);
    EXPECT_TRUE(apply(LIFECYCLE_VOID, TENDER_OUTCOME_APPROVED, 10000));
    EXPECT_EQ(amounts(), "voided 10000/0/0");
}

TEST_F(LifecyclePure, RefusedMoneyOperationsChangeNothing)
{
    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    res.decline_code = TENDER_DECLINE_DO_NOT_HONOR;
    for (LifecycleKind k : {LIFECYCLE_CAPTURE, LIFECYCLE_VOID, LIFECYCLE_REFUND}) {
        EXPECT_FALSE(apply(k, TENDER_OUTCOME_DECLINED, 1000)) << lifecycle_kind_name(k);
        ASSERT_NE(error, nullptr);
        EXPECT_EQ(error->code, TENDER_ERROR_DECLINED);
        EXPECT_EQ(amounts(), "partially_captured 10000/4000/0");
        EXPECT_FALSE(apply(k, TENDER_OUTCOME_NOT_SENT, 1000)) << lifecycle_kind_name(k);
        EXPECT_EQ(error->code, TENDER_ERROR_DECLINED);
        EXPECT_EQ(amounts(), "partially_captured 10000/4000/0");
    }
}

TEST_F(LifecyclePure, ACaptureRefusedAsExpiredExpiresTheHold)
{
    res.decline_code = TENDER_DECLINE_AUTHORIZATION_EXPIRED;
    EXPECT_FALSE(apply(LIFECYCLE_CAPTURE, TENDER_OUTCOME_DECLINED, 10000));
    EXPECT_EQ(p->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_AUTHORIZATION_EXPIRED);
}

TEST_F(LifecyclePure, DoubtMakesThePaymentUnknown)
{
    EXPECT_TRUE(apply(LIFECYCLE_CAPTURE, TENDER_OUTCOME_APPROVED, 10000, TRUE));
    EXPECT_EQ(amounts(), "unknown 10000/0/0") << "a late approval is not trusted";
    set(TENDER_STATUS_CAPTURED, 10000);
    EXPECT_TRUE(apply(LIFECYCLE_REFUND, TENDER_OUTCOME_PENDING, 10000));
    EXPECT_EQ(amounts(), "unknown 10000/10000/0") << "a pending refund leaves money in doubt";
    set(TENDER_STATUS_CAPTURED, 10000);
    EXPECT_TRUE(apply(LIFECYCLE_SYNC, TENDER_OUTCOME_UNKNOWN));
    EXPECT_EQ(amounts(), "captured 10000/10000/0") << "a sync that learns nothing keeps the state";
}

TEST_F(LifecyclePure, FirstOperationNotSentFailsThePayment)
{
    set(TENDER_STATUS_UNKNOWN);
    EXPECT_TRUE(apply(LIFECYCLE_AUTHORIZE, TENDER_OUTCOME_NOT_SENT, 10000));
    EXPECT_EQ(p->status, TENDER_STATUS_FAILED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_PROCESSOR_UNAVAILABLE);
}

TEST_F(LifecyclePure, ActionRequiredThenCompleted)
{
    set(TENDER_STATUS_UNKNOWN);
    authorized_ms = 0;
    res.action_kind = TENDER_ACTION_REDIRECT;
    g_strlcpy(res.action_data, "https://pay.example/3ds", sizeof res.action_data);
    EXPECT_TRUE(apply(LIFECYCLE_PURCHASE, TENDER_OUTCOME_ACTION_REQUIRED, 10000));
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_STREQ(p->action_data, "https://pay.example/3ds");
    EXPECT_EQ(p->action_expires_ms, kNow + 900000);

    res = tender_result{};
    EXPECT_TRUE(apply(LIFECYCLE_COMPLETE, TENDER_OUTCOME_APPROVED));
    EXPECT_EQ(amounts(), "captured 10000/10000/0")
        << "a method that can purchase is captured by the completed action";
    EXPECT_EQ(p->action_data, nullptr);

    set(TENDER_STATUS_REQUIRES_ACTION);
    authorized_ms = 0;
    info.capabilities &= ~TENDER_CAP_PURCHASE;
    EXPECT_TRUE(apply(LIFECYCLE_COMPLETE, TENDER_OUTCOME_APPROVED));
    EXPECT_EQ(amounts(), "authorized 10000/0/0") << "an authorize-only method is authorized";
    EXPECT_EQ(authorized_ms, kNow);
}

// ---- events ---------------------------------------------------------------------

TEST_F(LifecyclePure, EventsThatBreakAnInvariantChangeNothing)
{
    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    std::string before = amounts();
    EXPECT_FALSE(event(TENDER_EVENT_CAPTURED, 10001)) << "beyond the ceiling";
    EXPECT_FALSE(event(TENDER_EVENT_CAPTURED, 3999)) << "less than already captured";
    EXPECT_FALSE(event(TENDER_EVENT_REFUNDED, 4001)) << "more than captured";
    EXPECT_FALSE(event(TENDER_EVENT_VOIDED)) << "void after a capture";
    EXPECT_FALSE(event(TENDER_EVENT_DECLINED)) << "decline after a capture";
    EXPECT_FALSE(event(TENDER_EVENT_AUTHORIZED, 9999)) << "another amount";
    EXPECT_EQ(amounts(), before);

    set(TENDER_STATUS_PARTIALLY_REFUNDED, 10000, 3000);
    EXPECT_FALSE(event(TENDER_EVENT_REFUNDED, 2999)) << "a refund total cannot shrink";
    EXPECT_EQ(amounts(), "partially_refunded 10000/10000/3000");
}

TEST_F(LifecyclePure, EventsThatFitAreApplied)
{
    set(TENDER_STATUS_PENDING);
    EXPECT_TRUE(event(TENDER_EVENT_CAPTURED));
    EXPECT_EQ(amounts(), "captured 10000/10000/0") << "0 means the whole payment";
    EXPECT_TRUE(event(TENDER_EVENT_REFUNDED, 4000));
    EXPECT_EQ(amounts(), "partially_refunded 10000/10000/4000");
    EXPECT_TRUE(event(TENDER_EVENT_REFUNDED));
    EXPECT_EQ(amounts(), "refunded 10000/10000/10000");

    set(TENDER_STATUS_PENDING);
    EXPECT_TRUE(event(TENDER_EVENT_VOIDED));
    EXPECT_EQ(p->status, TENDER_STATUS_VOIDED);
    set(TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_TRUE(event(TENDER_EVENT_EXPIRED));
    EXPECT_EQ(p->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_ACTION_EXPIRED);
    set(TENDER_STATUS_AUTHORIZED);
    EXPECT_TRUE(event(TENDER_EVENT_PENDING));
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << "authorized money does not go pending";
    EXPECT_TRUE(event(9999)) << "an event from a newer plugin";
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(LifecyclePure, AReportedEventBreakingAnInvariantLeavesThePaymentUnknown)
{
    set(TENDER_STATUS_AUTHORIZED);
    res.event = TENDER_EVENT_CAPTURED;
    res.amount = 20000;
    EXPECT_FALSE(apply(LIFECYCLE_SYNC, TENDER_OUTCOME_APPROVED));
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code, TENDER_ERROR_PLUGIN);
    EXPECT_EQ(amounts(), "unknown 10000/0/0") << "left for an operator, money unchanged";
}

// ---- lapses -----------------------------------------------------------------------

TEST_F(LifecyclePure, HoldsAndActionsLapse)
{
    EXPECT_EQ(lifecycle_apply_lapse(p, p->hold_expires_ms - 1), nullptr);
    EXPECT_NE(lifecycle_apply_lapse(p, p->hold_expires_ms), nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_AUTHORIZATION_EXPIRED);
    EXPECT_EQ(p->hold_expires_ms, 0);
    EXPECT_EQ(lifecycle_apply_lapse(p, kNow + 10 * 86400000LL), nullptr) << "lapses once";

    set(TENDER_STATUS_PARTIALLY_CAPTURED, 4000);
    p->hold_expires_ms = kNow;
    EXPECT_NE(lifecycle_apply_lapse(p, kNow), nullptr);
    EXPECT_EQ(amounts(), "captured 10000/4000/0") << "what was captured stays";
    EXPECT_EQ(lifecycle_held_amount(p), 4000);

    set(TENDER_STATUS_REQUIRES_ACTION);
    p->action_data = g_strdup("https://pay.example/qr");
    p->action_expires_ms = kNow;
    EXPECT_NE(lifecycle_apply_lapse(p, kNow), nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(p->action_data, nullptr);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_ACTION_EXPIRED);

    set(TENDER_STATUS_CAPTURED, 10000);
    p->hold_expires_ms = kNow - 1;
    EXPECT_EQ(lifecycle_apply_lapse(p, kNow), nullptr) << "a captured payment holds nothing";
}

} // namespace
