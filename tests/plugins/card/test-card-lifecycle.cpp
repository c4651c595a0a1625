// Direct tests of the card sandbox's lifecycle: captures (partial, several,
// beyond the authorization, after the hold lapsed), voids, refunds, sync,
// references and what plugin_state keeps.
#include "test-card-support.h"

#include <cstring>

class CardLifecycle : public CardTest {
protected:
    Payment authorized(gint64 amount = 1000, const char *number = "4242424242424242")
    {
        tender_result *r = pay(card(number), amount);
        EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED) << r->message;
        return payment_of(r, amount);
    }
};

TEST_F(CardLifecycle, PartialAndSeveralCaptures)
{
    Payment p = authorized(1000);
    tender_result *r = act(p, TENDER_OP_CAPTURE, 300, {}, "cap_1");
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->amount, 300);
    EXPECT_NE(detail(r, "capture_id").rfind("cp_", 0), std::string::npos);
    r = act(p, TENDER_OP_CAPTURE, 500, {}, "cap_2");
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    // 200 remain: 201 is too much, 200 is fine.
    r = act(p, TENDER_OP_CAPTURE, 201, {}, "cap_3");
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_AMOUNT);
    EXPECT_STREQ(r->raw_code, "13");
    EXPECT_NE(std::strstr(r->message, "amount"), nullptr);
    EXPECT_EQ(act(p, TENDER_OP_CAPTURE, 200, {}, "cap_4")->outcome,
              (guint32)TENDER_OUTCOME_APPROVED);
    // Fully captured: nothing more.
    r = act(p, TENDER_OP_CAPTURE, 1, {}, "cap_5");
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    tender_result *s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(s->amount, 1000);
}

TEST_F(CardLifecycle, OverCaptureRefused)
{
    Payment p = authorized(1000);
    tender_result *r = act(p, TENDER_OP_CAPTURE, 1001);
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_AMOUNT);
    EXPECT_EQ(act(p, TENDER_OP_CAPTURE, -1)->decline_code, (guint32)TENDER_DECLINE_INVALID_AMOUNT);
    // Nothing was captured by the refusals.
    EXPECT_EQ(act(p, TENDER_OP_SYNC)->event, (guint32)TENDER_EVENT_AUTHORIZED);
}

TEST_F(CardLifecycle, CaptureZeroTakesTheRest)
{
    Payment p = authorized(1000);
    act(p, TENDER_OP_CAPTURE, 400);
    tender_result *r = act(p, TENDER_OP_CAPTURE, 0);
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->amount, 600);
}

TEST_F(CardLifecycle, HoldLapsesAfterSevenDays)
{
    Payment p = authorized(1000);
    plugin->now_ms = kHarnessNow + 7 * kDayMs - 1;
    Payment q = p;
    EXPECT_EQ(act(q, TENDER_OP_CAPTURE, 1000)->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    plugin->now_ms = kHarnessNow + 7 * kDayMs;
    tender_result *r = act(p, TENDER_OP_CAPTURE, 1000);
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_AUTHORIZATION_EXPIRED);
    tender_result *s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_EXPIRED);
    // A partly captured payment keeps what it captured when the rest lapses.
    plugin->now_ms = kHarnessNow;
    Payment partial = authorized(1000);
    act(partial, TENDER_OP_CAPTURE, 250);
    plugin->now_ms = kHarnessNow + 8 * kDayMs;
    EXPECT_EQ(act(partial, TENDER_OP_CAPTURE, 250)->decline_code,
              (guint32)TENDER_DECLINE_AUTHORIZATION_EXPIRED);
    s = act(partial, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(s->amount, 250);
}

TEST_F(CardLifecycle, HoldAfterChallengeStartsAtApproval)
{
    Payment p = payment_of(pay(card("4000000000003220")), 1000);
    plugin->now_ms = kHarnessNow + 10 * 60 * 1000;
    act(p, TENDER_OP_COMPLETE_ACTION, 0, {{"otp", "123456"}});
    plugin->now_ms = kHarnessNow + 10 * 60 * 1000 + 7 * kDayMs - 1;
    EXPECT_EQ(act(p, TENDER_OP_CAPTURE, 1000)->outcome, (guint32)TENDER_OUTCOME_APPROVED);
}

TEST_F(CardLifecycle, VoidBeforeCaptureOnly)
{
    Payment p = authorized(1000);
    tender_result *r = act(p, TENDER_OP_VOID);
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(act(p, TENDER_OP_SYNC)->event, (guint32)TENDER_EVENT_VOIDED);
    EXPECT_EQ(act(p, TENDER_OP_CAPTURE, 100)->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_EQ(act(p, TENDER_OP_VOID)->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_EQ(act(p, TENDER_OP_REFUND, 100)->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);

    Payment c = authorized(1000);
    act(c, TENDER_OP_CAPTURE, 100);
    r = act(c, TENDER_OP_VOID);
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_NE(std::strstr(r->message, "refund"), nullptr);
}

TEST_F(CardLifecycle, VoidAPendingChallenge)
{
    Payment p = payment_of(pay(card("4000000000003220")), 1000);
    EXPECT_EQ(act(p, TENDER_OP_VOID)->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(act(p, TENDER_OP_COMPLETE_ACTION, 0, {{"otp", "123456"}})->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
}

TEST_F(CardLifecycle, SeveralPartialRefunds)
{
    Payment p = authorized(1000);
    act(p, TENDER_OP_CAPTURE, 800);
    tender_result *r = act(p, TENDER_OP_REFUND, 200, {}, "ref_1");
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->amount, 200);
    EXPECT_NE(detail(r, "refund_id").rfind("re_", 0), std::string::npos);
    EXPECT_EQ(act(p, TENDER_OP_REFUND, 300, {}, "ref_2")->outcome,
              (guint32)TENDER_OUTCOME_APPROVED);
    tender_result *s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(s->amount, 500);
    // 300 of the 800 captured remain.
    r = act(p, TENDER_OP_REFUND, 301, {}, "ref_3");
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_AMOUNT);
    EXPECT_NE(std::strstr(r->message, "amount"), nullptr);
    EXPECT_EQ(act(p, TENDER_OP_REFUND, 300, {}, "ref_4")->outcome,
              (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(act(p, TENDER_OP_REFUND, 1, {}, "ref_5")->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(s->amount, 800);
}

TEST_F(CardLifecycle, RefundNeedsCapture)
{
    Payment p = authorized(1000);
    tender_result *r = act(p, TENDER_OP_REFUND, 100);
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_NE(std::strstr(r->message, "void"), nullptr);
    EXPECT_EQ(act(p, TENDER_OP_REFUND, -1)->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    act(p, TENDER_OP_CAPTURE, 100);
    EXPECT_EQ(act(p, TENDER_OP_REFUND, -1)->decline_code, (guint32)TENDER_DECLINE_INVALID_AMOUNT);
}

TEST_F(CardLifecycle, PurchaseIsCapturedAtOnce)
{
    tender_result *r = pay(card("4242424242424242"), 1200, 0, TENDER_OP_PURCHASE);
    ASSERT_EQ(r->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    Payment p = payment_of(r, 1200);
    tender_result *s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(s->amount, 1200);
    EXPECT_EQ(act(p, TENDER_OP_CAPTURE, 1)->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_EQ(act(p, TENDER_OP_VOID)->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    p.captured = 1200;
    EXPECT_EQ(act(p, TENDER_OP_REFUND, 1200)->outcome, (guint32)TENDER_OUTCOME_APPROVED);
}

TEST_F(CardLifecycle, DeclinedPaymentAllowsNothing)
{
    tender_result *r = pay(card("4000000000009995"));
    Payment p = payment_of(r, 1000);
    for (tender_operation op : {TENDER_OP_CAPTURE, TENDER_OP_VOID, TENDER_OP_REFUND})
        EXPECT_EQ(act(p, op, 100)->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED)
            << op;
    tender_result *s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->outcome, (guint32)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_DECLINED);
    EXPECT_EQ(s->decline_code, (guint32)TENDER_DECLINE_INSUFFICIENT_FUNDS);
    EXPECT_STREQ(s->raw_code, "51");
    // A validation failure is remembered the same way.
    Payment v = payment_of(pay(card("4242424242424241")), 1000);
    EXPECT_EQ(act(v, TENDER_OP_SYNC)->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
}

TEST_F(CardLifecycle, NoStateNoOperation)
{
    Payment none;
    for (tender_operation op :
         {TENDER_OP_CAPTURE, TENDER_OP_VOID, TENDER_OP_REFUND, TENDER_OP_SYNC})
        EXPECT_EQ(act(none, op, 100)->decline_code, (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED)
            << op;
    Payment junk;
    junk.state = "v=9&status=authorized&authorized=100000";
    EXPECT_EQ(act(junk, TENDER_OP_CAPTURE, 100)->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
}

TEST_F(CardLifecycle, SyncTellsTheTruth)
{
    Payment p = authorized(1000);
    tender_result *s = act(p, TENDER_OP_SYNC);
    EXPECT_EQ(s->outcome, (guint32)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_AUTHORIZED);
    EXPECT_EQ(s->amount, 1000);
    EXPECT_STREQ(s->display_brand, "visa");
    EXPECT_STREQ(s->display_last4, "4242");

    Payment c = payment_of(pay(card("4000000000003220")), 1000);
    s = act(c, TENDER_OP_SYNC);
    EXPECT_EQ(s->outcome, (guint32)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_ACTION_REQUIRED);
    EXPECT_EQ(s->action_kind, (guint32)TENDER_ACTION_ONE_TIME_CODE);
    plugin->now_ms = kHarnessNow + 15 * 60 * 1000;
    s = act(c, TENDER_OP_SYNC);
    EXPECT_EQ(s->event, (guint32)TENDER_EVENT_EXPIRED);
    EXPECT_EQ(s->decline_code, (guint32)TENDER_DECLINE_ACTION_EXPIRED);
    // The lapse is now part of the state.
    EXPECT_EQ(act(c, TENDER_OP_COMPLETE_ACTION, 0, {{"otp", "123456"}})->decline_code,
              (guint32)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
}

TEST_F(CardLifecycle, ReferenceIsDeterministicPerRequestId)
{
    tender_result *a = pay(card("4242424242424242"), 1000, 0, TENDER_OP_AUTHORIZE, "req_same");
    tender_result *b = pay(card("4242424242424242"), 1000, 0, TENDER_OP_AUTHORIZE, "req_same");
    tender_result *c = pay(card("4242424242424242"), 1000, 0, TENDER_OP_AUTHORIZE, "req_other");
    EXPECT_STREQ(a->processor_ref, b->processor_ref);
    EXPECT_STRNE(a->processor_ref, c->processor_ref);
    EXPECT_EQ(detail(a, "auth_code"), detail(b, "auth_code"));
    gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "req_same", -1);
    EXPECT_EQ(std::string(a->processor_ref), "ch_" + std::string(sum, 24));
    g_free(sum);
    // Declines carry a reference too (the processor saw them).
    EXPECT_EQ(std::strncmp(pay(card("4000000000000002"))->processor_ref, "ch_", 3), 0);
}

TEST_F(CardLifecycle, StateKeepsDisplayDataOnly)
{
    tender_result *r = pay(card("5555555555554444"));
    std::string state = r->plugin_state;
    EXPECT_NE(state.find("brand=mastercard"), std::string::npos) << state;
    EXPECT_NE(state.find("first6=555555"), std::string::npos);
    EXPECT_NE(state.find("last4=4444"), std::string::npos);
    EXPECT_NE(state.find("status=authorized"), std::string::npos);
    EXPECT_NE(state.find("authorized=1000"), std::string::npos);
    EXPECT_NE(state.find("auth_ms="), std::string::npos);
    EXPECT_EQ(state.find("5555555555554444"), std::string::npos);
    EXPECT_EQ(state.find("cvc"), std::string::npos);
    EXPECT_EQ(state.find("737"), std::string::npos);
}

TEST_F(CardLifecycle, SensitiveValuesNeverLeak)
{
    // The fixture's TearDown scans every result field and log line of every
    // test; this one drives the most paths with distinctive values.
    const char *numbers[] = {"4242 4242 4242 4242", "4000-0000-0000-0002", "4000000000003220",
                             "4242424242424241", "378282246310005", "6205500000000000004"};
    for (const char *n : numbers) {
        bool amex = std::strncmp(n, "37", 2) == 0;
        tender_result *r = pay(card(n, amex ? "9182" : "918"), 4321, TENDER_REQUEST_STEP_UP);
        Payment p = payment_of(r, 4321);
        act(p, TENDER_OP_COMPLETE_ACTION, 0, {{"otp", "246810"}});
        act(p, TENDER_OP_SYNC);
    }
    // Wrong security-code lengths must not be echoed either.
    pay(card("4242424242424242", "91827"));
    pay(card("378282246310005", "918"));
    EXPECT_FALSE(test_plugin_logs_contain(plugin, "4242424242424242"));
}
