// The lifecycle: every legal and illegal state transition, and the money
// invariants under partial captures and refunds. Every refused operation
// must leave the payment and its operations exactly as they were.
#include <functional>
#include <random>

#include "core-test-util.h"

using namespace coretest;

namespace {

class Lifecycle : public HostTest {
protected:
    void SetUp() override { make_host(); }

    TenderPayment *capture(const char *id, const char *amount, GError **error = nullptr)
    {
        return op_result(tender_host_capture(host, id, amount, nullptr, error ? error : &err),
                         error);
    }
    TenderPayment *refund(const char *id, const char *amount, GError **error = nullptr)
    {
        return op_result(tender_host_refund(host, id, amount, nullptr, error ? error : &err),
                         error);
    }
    TenderPayment *void_(const char *id, GError **error = nullptr)
    {
        return op_result(tender_host_void(host, id, nullptr, error ? error : &err), error);
    }
    TenderPayment *complete(const char *id, const char *otp, GError **error = nullptr)
    {
        tender_param p = {"otp", otp};
        return op_result(tender_host_complete(host, id, &p, otp ? 1 : 0, error ? error : &err),
                         error);
    }

    // The operation fails with `code` and changes nothing at all.
    void refused(const char *id, TenderErrorCode code,
                 const std::function<TenderPayment *(GError **)> &op)
    {
        std::string before = snap(id);
        size_t calls_before = counter_lines(counter).size();
        GError *error = nullptr;
        TenderPayment *p = keep(op(&error));
        EXPECT_EQ(p, nullptr);
        ASSERT_NE(error, nullptr) << "expected error " << code;
        EXPECT_EQ(error->domain, TENDER_ERROR);
        EXPECT_EQ(error->code, code) << error->message;
        g_clear_error(&error);
        EXPECT_EQ(snap(id), before) << "a refused operation changed the payment";
        EXPECT_EQ(counter_lines(counter).size(), calls_before) << "the plugin was called";
    }

    GError *err = nullptr;

private:
    TenderPayment *op_result(TenderPayment *p, GError **error)
    {
        if (error == nullptr) {
            EXPECT_NE(p, nullptr) << (err ? err->message : "");
            g_clear_error(&err);
        }
        return keep(p);
    }
};

const TenderOperation *op_at(const TenderPayment *p, guint i)
{
    return static_cast<const TenderOperation *>(g_ptr_array_index(p->operations, i));
}

TEST_F(Lifecycle, AuthorizeCaptureRefund)
{
    TenderPayment *p = pay("fx_count", "10.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(p->amount, 1000);
    EXPECT_EQ(p->captured, 0);
    EXPECT_STREQ(p->currency, "USD");
    EXPECT_EQ(p->exponent, 2);
    EXPECT_EQ(std::string(p->processor_ref), std::string("fx-") + p->id);
    EXPECT_EQ(p->decline_code, 0u);
    ASSERT_EQ(p->operations->len, 1u);
    EXPECT_STREQ(op_at(p, 0)->kind, "authorize");
    EXPECT_STREQ(op_at(p, 0)->outcome, "approved");
    EXPECT_STREQ(op_at(p, 0)->status_after, "authorized");
    EXPECT_EQ(calls("authorize", p->id), 1u);

    TenderPayment *c = capture(p->id, nullptr);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(c->captured, 1000);
    TenderPayment *r = refund(p->id, nullptr);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(r->refunded, 1000);
    ASSERT_EQ(r->operations->len, 3u);
    EXPECT_STREQ(op_at(r, 1)->kind, "capture");
    EXPECT_EQ(op_at(r, 1)->amount, 1000);
    EXPECT_STREQ(op_at(r, 2)->kind, "refund");
    EXPECT_STREQ(op_at(r, 2)->status_after, "refunded");

    // Refunded is terminal.
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, "0.01", nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_void(host, p->id, nullptr, e); });
}

TEST_F(Lifecycle, PurchaseCapturesAtOnce)
{
    TenderPayment *p = pay("fx_count", "25.00", "USD", nullptr, {}, TRUE);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 2500);
    EXPECT_STREQ(op_at(p, 0)->kind, "purchase");
    EXPECT_EQ(calls("purchase", p->id), 1u);
    EXPECT_EQ(calls("authorize", p->id), 0u);
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_void(host, p->id, nullptr, e); });

    // A method that only sells purchases even when not asked to capture.
    TenderPayment *s = pay("fx_sale", "5.00");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(calls("purchase", s->id), 1u);
    refused(s->id, TENDER_ERROR_NOT_SUPPORTED,
            [&](GError **e) { return tender_host_void(host, s->id, nullptr, e); });
    EXPECT_EQ(refund(s->id, "1.00")->status, TENDER_STATUS_PARTIALLY_REFUNDED);
}

TEST_F(Lifecycle, VoidAfterAuthorizeThenNothingElse)
{
    TenderPayment *p = pay("fx_count", "10.00");
    TenderPayment *v = void_(p->id);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->status, TENDER_STATUS_VOIDED);
    EXPECT_EQ(v->captured, 0);
    EXPECT_EQ(calls("void", p->id), 1u);
    // Capture after void, refund after void, void twice.
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, "1.00", nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_void(host, p->id, nullptr, e); });
}

TEST_F(Lifecycle, VoidAfterCaptureIsRefused)
{
    TenderPayment *p = pay("fx_count", "10.00");
    capture(p->id, nullptr);
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_void(host, p->id, nullptr, e); });
    TenderPayment *q = pay("fx_count", "10.00");
    capture(q->id, "1.00");
    refused(q->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_void(host, q->id, nullptr, e); });
}

TEST_F(Lifecycle, RefundBeforeCaptureIsRefused)
{
    TenderPayment *p = pay("fx_count", "10.00");
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, "1.00", nullptr, e); });
}

TEST_F(Lifecycle, CompleteWithoutActionIsRefused)
{
    TenderPayment *p = pay("fx_action", "10.00", "USD", nullptr, {{"flow", "direct"}});
    ASSERT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    refused(p->id, TENDER_ERROR_INVALID_STATE, [&](GError **e) {
        tender_param otp = {"otp", "9999"};
        return tender_host_complete(host, p->id, &otp, 1, e);
    });
    // A method without complete_action says so.
    TenderPayment *q = pay("fx_count", "10.00");
    refused(q->id, TENDER_ERROR_NOT_SUPPORTED, [&](GError **e) {
        tender_param otp = {"otp", "9999"};
        return tender_host_complete(host, q->id, &otp, 1, e);
    });
}

TEST_F(Lifecycle, CaptureBeyondAuthorizationIsRefused)
{
    TenderPayment *p = pay("fx_count", "10.00");
    refused(p->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, p->id, "10.01", nullptr, e); });
    refused(p->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, p->id, "1000000", nullptr, e); });
    // Malformed capture amounts.
    for (const char *bad : {"0", "0.00", "-1.00", "1.001", "abc", "", "1.", " 1"})
        refused(p->id, TENDER_ERROR_INVALID_ARGUMENT,
                [&](GError **e) { return tender_host_capture(host, p->id, bad, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_ARGUMENT,
            [&](GError **e) { return tender_host_capture(host, p->id, "1.00 EUR", nullptr, e); });
    EXPECT_EQ(capture(p->id, "10.00 USD")->captured, 1000);
}

TEST_F(Lifecycle, PartialCapturesSeveralTimes)
{
    TenderPayment *p = pay("fx_count", "10.00");
    TenderPayment *c1 = capture(p->id, "3.00");
    EXPECT_EQ(c1->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(c1->captured, 300);
    TenderPayment *c2 = capture(p->id, "3.00");
    EXPECT_EQ(c2->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(c2->captured, 600);
    refused(p->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, p->id, "4.01", nullptr, e); });
    // NULL captures what remains.
    TenderPayment *c3 = capture(p->id, nullptr);
    EXPECT_EQ(c3->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(c3->captured, 1000);
    EXPECT_EQ(calls("capture", p->id), 3u);
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, "0.01", nullptr, e); });
}

TEST_F(Lifecycle, PartialRefundsSeveralTimes)
{
    TenderPayment *p = pay("fx_count", "10.00", "USD", nullptr, {}, TRUE);
    TenderPayment *r1 = refund(p->id, "2.50");
    EXPECT_EQ(r1->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(r1->refunded, 250);
    TenderPayment *r2 = refund(p->id, "2.50");
    EXPECT_EQ(r2->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(r2->refunded, 500);
    refused(p->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_refund(host, p->id, "5.01", nullptr, e); });
    for (const char *bad : {"0", "-1", "0.001", "x"})
        refused(p->id, TENDER_ERROR_INVALID_ARGUMENT,
                [&](GError **e) { return tender_host_refund(host, p->id, bad, nullptr, e); });
    TenderPayment *r3 = refund(p->id, nullptr);
    EXPECT_EQ(r3->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(r3->refunded, 1000);
    EXPECT_EQ(r3->captured, 1000);
    EXPECT_EQ(calls("refund", p->id), 3u);
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, "0.01", nullptr, e); });
}

TEST_F(Lifecycle, RefundsRestoreNothingBeyondCaptured)
{
    TenderPayment *p = pay("fx_count", "10.00");
    capture(p->id, "4.00");
    refused(p->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_refund(host, p->id, "4.01", nullptr, e); });
    refused(p->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_refund(host, p->id, "10.00", nullptr, e); });
    TenderPayment *r = refund(p->id, "1.00");
    EXPECT_EQ(r->refunded, 100);
    EXPECT_EQ(r->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    // NULL refunds what was captured and not refunded: 3.00, not 9.00.
    TenderPayment *all = refund(p->id, nullptr);
    EXPECT_EQ(all->refunded, 400);
    EXPECT_EQ(all->captured, 400);
    EXPECT_EQ(all->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(op_at(all, all->operations->len - 1)->amount, 300);
}

TEST_F(Lifecycle, MethodWithoutPartialsRefusesThem)
{
    TenderPayment *p = pay("fx_single", "10.00");
    refused(p->id, TENDER_ERROR_NOT_SUPPORTED,
            [&](GError **e) { return tender_host_capture(host, p->id, "5.00", nullptr, e); });
    EXPECT_EQ(capture(p->id, "10.00")->status, TENDER_STATUS_CAPTURED);
    refused(p->id, TENDER_ERROR_NOT_SUPPORTED,
            [&](GError **e) { return tender_host_refund(host, p->id, "5.00", nullptr, e); });
    EXPECT_EQ(refund(p->id, nullptr)->status, TENDER_STATUS_REFUNDED);
}

TEST_F(Lifecycle, OverCaptureWithinTheMethodsLimit)
{
    // fx_over: up to 120% of the authorization, at most 10.00 USD more.
    TenderPayment *big = pay("fx_over", "100.00");
    refused(big->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, big->id, "110.01", nullptr, e); });
    TenderPayment *c = capture(big->id, "110.00");
    EXPECT_EQ(c->captured, 11000);
    EXPECT_EQ(c->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(refund(big->id, nullptr)->refunded, 11000);

    TenderPayment *small = pay("fx_over", "10.00");
    refused(small->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, small->id, "12.01", nullptr, e); });
    EXPECT_EQ(capture(small->id, "12.00")->captured, 1200);

    // fx_count declares no over-capture.
    TenderPayment *plain = pay("fx_count", "10.00");
    refused(plain->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, plain->id, "10.01", nullptr, e); });
}

TEST_F(Lifecycle, AuthorizationLapsesAfterItsHold)
{
    TenderPayment *p = pay("fx_over", "10.00");
    EXPECT_EQ(p->hold_expires_ms, kNow + 3600 * 1000);
    tender_host_set_now(host, kNow + 3600 * 1000 - 1);
    EXPECT_EQ(get(p->id)->status, TENDER_STATUS_AUTHORIZED);
    tender_host_set_now(host, kNow + 3600 * 1000);
    TenderPayment *e = get(p->id);
    EXPECT_EQ(e->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(e->decline_code, (guint32)TENDER_DECLINE_AUTHORIZATION_EXPIRED);
    refused(p->id, TENDER_ERROR_AUTHORIZATION_EXPIRED,
            [&](GError **err2) { return tender_host_capture(host, p->id, nullptr, nullptr, err2); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **err2) { return tender_host_void(host, p->id, nullptr, err2); });

    // A partly captured authorization keeps what was captured.
    tender_host_set_now(host, kNow);
    TenderPayment *q = pay("fx_over", "10.00");
    capture(q->id, "4.00");
    tender_host_set_now(host, kNow + 2 * 3600 * 1000);
    TenderPayment *qe = get(q->id);
    EXPECT_EQ(qe->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(qe->captured, 400);
    refused(q->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **err2) { return tender_host_capture(host, q->id, "1.00", nullptr, err2); });
    EXPECT_EQ(refund(q->id, nullptr)->refunded, 400);
}

TEST_F(Lifecycle, DeclinedPaymentIsTerminal)
{
    TenderPayment *p = pay("fx_count", "10.00", "USD", nullptr, {{"result", "decline"}});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_INSUFFICIENT_FUNDS);
    EXPECT_STREQ(p->decline_raw_code, "51");
    EXPECT_STREQ(p->decline_message, "fixture: insufficient funds");
    EXPECT_STREQ(op_at(p, 0)->decline_code, "insufficient_funds");
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_void(host, p->id, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, nullptr, nullptr, e); });
}

TEST_F(Lifecycle, ProcessorDeclinedCaptureChangesOnlyTheRecord)
{
    TenderPayment *p = pay("fx_count", "10.00", "USD", nullptr, {{"result", "decline_capture"}});
    GError *error = nullptr;
    EXPECT_EQ(keep(tender_host_capture(host, p->id, nullptr, nullptr, &error)), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_DECLINED);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(after->captured, 0);
    ASSERT_EQ(after->operations->len, 2u);
    EXPECT_STREQ(op_at(after, 1)->kind, "capture");
    EXPECT_STREQ(op_at(after, 1)->outcome, "declined");
    EXPECT_STREQ(op_at(after, 1)->decline_code, "do_not_honor");
    // A void still works.
    EXPECT_EQ(void_(p->id)->status, TENDER_STATUS_VOIDED);

    TenderPayment *x = pay("fx_count", "10.00", "USD", nullptr, {{"result", "expire_capture"}});
    EXPECT_EQ(keep(tender_host_capture(host, x->id, nullptr, nullptr, &error)), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_DECLINED);
    EXPECT_EQ(get(x->id)->status, TENDER_STATUS_EXPIRED);
}

TEST_F(Lifecycle, PendingPaymentCanBeVoidedNotCaptured)
{
    TenderPayment *p = pay("fx_count", "10.00", "USD", nullptr, {{"result", "pending"}});
    EXPECT_EQ(p->status, TENDER_STATUS_PENDING);
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, nullptr, nullptr, e); });
    EXPECT_EQ(void_(p->id)->status, TENDER_STATUS_VOIDED);
}

TEST_F(Lifecycle, ActionRequiredThenCompleted)
{
    TenderPayment *p = pay("fx_action", "10.00");
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_ONE_TIME_CODE);
    EXPECT_STREQ(p->action_data, "otp");
    EXPECT_STREQ(p->action_hint, "Enter the code sent to your phone");
    EXPECT_EQ(p->action_expires_ms, kNow + 600 * 1000);
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_capture(host, p->id, nullptr, nullptr, e); });
    refused(p->id, TENDER_ERROR_INVALID_STATE,
            [&](GError **e) { return tender_host_refund(host, p->id, nullptr, nullptr, e); });

    TenderPayment *done = complete(p->id, "9999");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(done->action_kind, 0u);
    EXPECT_EQ(done->action_data, nullptr);
    EXPECT_EQ(done->hold_expires_ms, kNow + 7 * kDayMs);
    EXPECT_EQ(calls("complete_action", p->id), 1u);
    refused(p->id, TENDER_ERROR_INVALID_STATE, [&](GError **e) {
        tender_param otp = {"otp", "9999"};
        return tender_host_complete(host, p->id, &otp, 1, e);
    });
    EXPECT_EQ(capture(p->id, "4.00")->status, TENDER_STATUS_CAPTURED);
}

TEST_F(Lifecycle, ActionFailedOrAbandoned)
{
    TenderPayment *wrong = pay("fx_action", "10.00");
    TenderPayment *w = complete(wrong->id, "0000");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(w->decline_code, (guint32)TENDER_DECLINE_AUTHENTICATION_FAILED);

    TenderPayment *voided = pay("fx_action", "10.00");
    EXPECT_EQ(void_(voided->id)->status, TENDER_STATUS_VOIDED);
    refused(voided->id, TENDER_ERROR_INVALID_STATE, [&](GError **e) {
        tender_param otp = {"otp", "9999"};
        return tender_host_complete(host, voided->id, &otp, 1, e);
    });

    TenderPayment *late = pay("fx_action", "10.00");
    tender_host_set_now(host, kNow + 600 * 1000);
    TenderPayment *l = get(late->id);
    EXPECT_EQ(l->status, TENDER_STATUS_EXPIRED);
    EXPECT_EQ(l->decline_code, (guint32)TENDER_DECLINE_ACTION_EXPIRED);
    EXPECT_EQ(l->action_kind, 0u);
    refused(late->id, TENDER_ERROR_INVALID_STATE, [&](GError **e) {
        tender_param otp = {"otp", "9999"};
        return tender_host_complete(host, late->id, &otp, 1, e);
    });
    EXPECT_EQ(calls("complete_action", late->id), 0u);
}

TEST_F(Lifecycle, NoSuchPayment)
{
    GError *error = nullptr;
    EXPECT_EQ(tender_host_get(host, "pay_doesnotexist", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_FOUND);
    EXPECT_EQ(tender_host_capture(host, "pay_doesnotexist", nullptr, nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_FOUND);
    EXPECT_EQ(tender_host_refund(host, "pay_doesnotexist", nullptr, "k", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_FOUND);
    EXPECT_EQ(tender_host_void(host, "pay_doesnotexist", nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_FOUND);
    EXPECT_EQ(tender_host_sync(host, "pay_doesnotexist", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_FOUND);
    EXPECT_EQ(tender_host_get(host, "", &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tender_host_get(host, nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tender_host_capture(host, nullptr, nullptr, nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
}

TEST_F(Lifecycle, MalformedPayRequestsCallNoPlugin)
{
    GError *error = nullptr;
    EXPECT_EQ(pay("fx_nope", "1.00", "USD", nullptr, {}, FALSE, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_UNKNOWN_METHOD);
    for (const char *amount : {"0", "0.00", "-1", "1.001", "", "abc"}) {
        EXPECT_EQ(pay("fx_count", amount, "USD", nullptr, {}, FALSE, &error), nullptr) << amount;
        EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    }
    EXPECT_EQ(pay("fx_count", "1.5", "JPY", nullptr, {}, FALSE, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(pay("fx_count", "1.00", "ABC", nullptr, {}, FALSE, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "fx_count";
    req.region = "U1";
    req.currency = "USD";
    req.amount = "1.00";
    EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    req.region = nullptr;
    EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tender_host_pay(host, nullptr, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    req.region = "US";
    tender_param bad = {"note", nullptr};
    req.params = &bad;
    req.n_params = 1;
    EXPECT_EQ(tender_host_pay(host, &req, &error), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(counter_lines(counter).size(), 0u);
    GPtrArray *all = tender_host_list(host, nullptr, &error);
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->len, 0u) << "a malformed request left a payment";
    g_ptr_array_unref(all);
}

TEST_F(Lifecycle, CurrencyTheMethodDoesNotTakeIsDeclinedByPolicy)
{
    TenderPayment *p = pay("fx_count", "10.00", "GBP");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_NE(p->decline_code, 0u);
    EXPECT_STREQ(p->decline_raw_code, "policy");
    EXPECT_EQ(calls("authorize"), 0u) << "the policy refused, yet the plugin was called";
}

TEST_F(Lifecycle, ExponentsOtherThanTwo)
{
    TenderPayment *jpy = pay("fx_count", "1000", "JPY");
    EXPECT_EQ(jpy->amount, 1000);
    EXPECT_EQ(jpy->exponent, 0);
    refused(jpy->id, TENDER_ERROR_INVALID_ARGUMENT,
            [&](GError **e) { return tender_host_capture(host, jpy->id, "1.5", nullptr, e); });
    EXPECT_EQ(capture(jpy->id, "999")->captured, 999);

    TenderPayment *kwd = pay("fx_count", "1.234", "KWD");
    EXPECT_EQ(kwd->amount, 1234);
    EXPECT_EQ(kwd->exponent, 3);
    EXPECT_EQ(capture(kwd->id, "0.005")->captured, 5);
    refused(kwd->id, TENDER_ERROR_INVALID_ARGUMENT,
            [&](GError **e) { return tender_host_capture(host, kwd->id, "0.0001", nullptr, e); });
    refused(kwd->id, TENDER_ERROR_AMOUNT_EXCEEDED,
            [&](GError **e) { return tender_host_capture(host, kwd->id, "1.230", nullptr, e); });
    EXPECT_EQ(capture(kwd->id, "1.229")->captured, 1234);
}

// Random partial captures and refunds (fixed seed): whatever is asked, the
// payment never captures more than authorized nor refunds more than
// captured, and its totals equal the sums of its approved operations.
TEST_F(Lifecycle, MoneyInvariantsUnderRandomOperations)
{
    std::mt19937 rng(20260301);
    for (int round = 0; round < 12; round++) {
        TenderPayment *p = pay("fx_count", "50.00");
        std::string id = p->id;
        for (int step = 0; step < 12; step++) {
            int cents = std::uniform_int_distribution<int>(1, 2200)(rng);
            char *amount = g_strdup_printf("%d.%02d", cents / 100, cents % 100);
            bool use_null = std::uniform_int_distribution<int>(0, 9)(rng) == 0;
            GError *error = nullptr;
            TenderPayment *r = std::uniform_int_distribution<int>(0, 1)(rng)
                                   ? tender_host_capture(host, id.c_str(),
                                                         use_null ? nullptr : amount, nullptr,
                                                         &error)
                                   : tender_host_refund(host, id.c_str(),
                                                        use_null ? nullptr : amount, nullptr,
                                                        &error);
            g_free(amount);
            if (r == nullptr) {
                ASSERT_NE(error, nullptr);
                EXPECT_TRUE(error->code == TENDER_ERROR_AMOUNT_EXCEEDED ||
                            error->code == TENDER_ERROR_INVALID_STATE)
                    << error->message;
                g_clear_error(&error);
            }
            tender_payment_free(r);
            TenderPayment *now = get(id.c_str());
            EXPECT_LE(now->captured, now->amount);
            EXPECT_LE(now->refunded, now->captured);
            EXPECT_GE(now->refunded, 0);
            gint64 captured = 0, refunded = 0;
            for (guint i = 0; i < now->operations->len; i++) {
                const TenderOperation *op = op_at(now, i);
                if (g_strcmp0(op->outcome, "approved") != 0)
                    continue;
                if (g_strcmp0(op->kind, "capture") == 0)
                    captured += op->amount;
                else if (g_strcmp0(op->kind, "refund") == 0)
                    refunded += op->amount;
            }
            EXPECT_EQ(captured, now->captured);
            EXPECT_EQ(refunded, now->refunded);
            if (now->refunded > 0)
                EXPECT_EQ(now->status, now->refunded == now->captured
                                           ? TENDER_STATUS_REFUNDED
                                           : TENDER_STATUS_PARTIALLY_REFUNDED);
            else if (now->captured > 0)
                EXPECT_EQ(now->status, now->captured == now->amount
                                           ? TENDER_STATUS_CAPTURED
                                           : TENDER_STATUS_PARTIALLY_CAPTURED);
            else
                EXPECT_EQ(now->status, TENDER_STATUS_AUTHORIZED);
        }
    }
}

}  // namespace
