// Notifications: a provider's notification is verified by the plugin,
// applied to its payment once (repeats are duplicates), and a forged one,
// one for an unknown payment or one for another method's payment changes
// nothing. Whatever happens, the plugin's reply comes back to be sent to the
// provider, and the outcome says which of these it was.
#include <atomic>
#include <thread>

#include "core-test-util.h"

using namespace coretest;

namespace {

class Notify : public HostTest {
protected:
    void SetUp() override { make_host(); }

    // The reply (NULL only when the plugin was not asked); without error,
    // the notification is expected to be accepted.
    TenderNotifyReply *notify(const std::string &body, GError **error = nullptr,
                              const char *method = "fx_notify")
    {
        tender_param header = {"X-Fixture", "1"};
        GError *local = nullptr;
        TenderNotifyReply *r = nullptr;
        gboolean ok = tender_host_notify(host, method, &header, 1, body.c_str(), body.size(), &r,
                                         error ? error : &local);
        EXPECT_EQ(ok, (error ? *error : local) == nullptr) << "TRUE if and only if no error";
        if (error == nullptr) {
            EXPECT_TRUE(ok) << body << ": " << (local ? local->message : "");
            g_clear_error(&local);
        }
        return r;
    }

    // Not accepted with code; the reply is still there, with outcome.
    void expect_refused(const std::string &body, int code, TenderNotifyOutcome outcome,
                        guint status, const char *reply_body)
    {
        GError *error = nullptr;
        TenderNotifyReply *r = notify(body, &error);
        EXPECT_TENDER_ERROR(error, code);
        ASSERT_NE(r, nullptr) << body;
        EXPECT_EQ(r->outcome, outcome) << body;
        EXPECT_EQ(r->status, status) << body;
        EXPECT_STREQ(r->body, reply_body) << body;
        EXPECT_EQ(r->payment_id, nullptr);
        tender_notify_reply_free(r);
    }

    std::string sandbox(const char *id, const char *event)
    {
        char *headers = nullptr, *body = nullptr;
        GError *error = nullptr;
        EXPECT_TRUE(tender_host_sandbox_notification(host, id, event, &headers, &body, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        std::string out = body ? body : "";
        EXPECT_STREQ(headers, "X-Fixture: 1\n");
        g_free(headers);
        g_free(body);
        return out;
    }
};

TEST_F(Notify, PaidNotificationCapturesOnce)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    ASSERT_EQ(p->status, TENDER_STATUS_PENDING);
    std::string body = sandbox(p->id, "paid");
    TenderNotifyReply *r = notify(body);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, 200u);
    EXPECT_STREQ(r->body, "success");
    EXPECT_STREQ(r->content_type, "text/plain");
    EXPECT_STREQ(r->payment_id, p->id);
    EXPECT_FALSE(r->duplicate);
    EXPECT_EQ(r->outcome, TENDER_NOTIFY_ACCEPTED);
    tender_notify_reply_free(r);
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(after->captured, 1000);
    std::string applied = snapshot(after);

    TenderNotifyReply *again = notify(body);
    ASSERT_NE(again, nullptr);
    EXPECT_TRUE(again->duplicate);
    EXPECT_STREQ(again->body, "success");
    EXPECT_STREQ(again->payment_id, p->id);
    tender_notify_reply_free(again);
    EXPECT_EQ(snap(p->id), applied);
    // identify_notification runs with no payment (counted as "-").
    EXPECT_EQ(calls("notification", "-"), 2u);
    EXPECT_EQ(calls("notification", p->id), 1u) << "a repeat was applied again";
}

TEST_F(Notify, ForgedUnknownAndForeignNotificationsChangeNothing)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    std::string before = snap(p->id);
    std::string forged = "notify_id=n1&payment=" + std::string(p->id) + "&event=paid&sig=forged";
    // Unverifiable: the plugin's failure reply, so the provider knows.
    expect_refused(forged, TENDER_ERROR_NOTIFICATION_REJECTED, TENDER_NOTIFY_REJECTED, 400, "fail");
    expect_refused("garbage without fields", TENDER_ERROR_NOTIFICATION_REJECTED,
                   TENDER_NOTIFY_REJECTED, 400, "fail");
    // Verified but about no payment here: the plugin's success reply, so the
    // provider stops repeating it, and a distinct error for the host.
    expect_refused("notify_id=n2&payment=pay_nosuch&event=paid&sig=valid",
                   TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT, TENDER_NOTIFY_UNKNOWN_PAYMENT, 200,
                   "success");
    EXPECT_EQ(snap(p->id), before);

    // A notification of fx_notify naming a payment of another method.
    TenderPayment *other = pay("fx_count", "10.00");
    std::string other_before = snap(other->id);
    std::string foreign = "notify_id=n3&payment=" + std::string(other->id) + "&event=paid&sig=valid";
    expect_refused(foreign, TENDER_ERROR_NOTIFICATION_UNKNOWN_PAYMENT,
                   TENDER_NOTIFY_UNKNOWN_PAYMENT, 200, "success");
    EXPECT_EQ(snap(other->id), other_before);
    EXPECT_EQ(calls("notification", p->id), 0u);
    EXPECT_EQ(calls("notification", other->id), 0u);
}

TEST_F(Notify, RepeatIsADuplicateWithTheSameReply)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    std::string body = sandbox(p->id, "paid");
    tender_notify_reply_free(notify(body));
    TenderNotifyReply *again = notify(body);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->outcome, TENDER_NOTIFY_DUPLICATE);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->status, 200u);
    EXPECT_STREQ(again->body, "success");
    EXPECT_STREQ(again->payment_id, p->id);
    tender_notify_reply_free(again);
    EXPECT_EQ(calls("notification", p->id), 1u);
}

TEST_F(Notify, ProbeIsAnsweredAndAppliedToNothing)
{
    TenderNotifyReply *r = notify("notify_id=probe&sig=valid");
    ASSERT_NE(r, nullptr);
    EXPECT_STREQ(r->body, "success");
    EXPECT_EQ(r->payment_id, nullptr);
    EXPECT_FALSE(r->duplicate);
    tender_notify_reply_free(r);
}

TEST_F(Notify, MethodsWithoutNotifications)
{
    GError *error = nullptr;
    // The plugin was not asked: no reply to send.
    EXPECT_EQ(notify("x", &error, "fx_count"), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_SUPPORTED);
    EXPECT_EQ(notify("x", &error, "fx_nope"), nullptr);
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_UNKNOWN_METHOD);
    TenderPayment *p = pay("fx_count", "10.00");
    char *headers = nullptr, *body = nullptr;
    EXPECT_FALSE(tender_host_sandbox_notification(host, p->id, "paid", &headers, &body, &error));
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_NOT_SUPPORTED);
}

TEST_F(Notify, ClosedAndRefundedNotifications)
{
    TenderPayment *closed = pay("fx_notify", "10.00");
    tender_notify_reply_free(notify(sandbox(closed->id, "closed")));
    EXPECT_EQ(get(closed->id)->status, TENDER_STATUS_VOIDED);

    TenderPayment *p = pay("fx_notify", "10.00");
    tender_notify_reply_free(notify(sandbox(p->id, "paid")));
    std::string refund = "notify_id=r1&payment=" + std::string(p->id) +
                         "&event=refunded&amount=4.00&sig=valid";
    tender_notify_reply_free(notify(refund));
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->refunded, 400);
    EXPECT_EQ(after->status, TENDER_STATUS_PARTIALLY_REFUNDED);

    // A notification claiming more refunded than captured breaks the
    // invariants: refused, the totals untouched.
    std::string too_much = "notify_id=r2&payment=" + std::string(p->id) +
                           "&event=refunded&amount=20.00&sig=valid";
    GError *error = nullptr;
    TenderNotifyReply *r = notify(too_much, &error);
    g_clear_error(&error);
    tender_notify_reply_free(r);
    TenderPayment *still = get(p->id);
    EXPECT_EQ(still->refunded, 400);
    EXPECT_EQ(still->captured, 1000);
}

TEST_F(Notify, EightThreadsOneNotificationAppliedOnce)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    std::string body = sandbox(p->id, "paid");
    std::atomic<int> applied{0}, duplicates{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; t++)
        threads.emplace_back([&] {
            GError *error = nullptr;
            TenderNotifyReply *r = nullptr;
            if (!tender_host_notify(host, "fx_notify", nullptr, 0, body.c_str(), body.size(), &r,
                                    &error))
                failed++;
            else if (r->duplicate)
                duplicates++;
            else
                applied++;
            g_clear_error(&error);
            tender_notify_reply_free(r);
        });
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(applied.load(), 1);
    EXPECT_EQ(duplicates.load(), 7);
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(calls("notification", p->id), 1u);
    EXPECT_EQ(get(p->id)->captured, 1000);
}

}  // namespace
