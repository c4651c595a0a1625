// A notification's steps are calls like any other: the sandbox's maker and
// the step that applies a notification to its payment get the deadline and
// the result sanitising every payment operation gets. A late answer is not
// trusted (the payment becomes unknown, as after a late capture; a late
// sandbox notification is refused), and a card number a plugin echoes into
// its message, raw code or details never reaches the ledger or the caller.
#include "core-test-util.h"

using namespace coretest;

namespace {

const char *const kCard = "4111111111111111";

class NotifyCall : public HostTest {
protected:
    void SetUp() override
    {
        MethodConf slow;
        slow.deadline_ms = 150;
        slow.int_settings["sleep_ms"] = 400;
        make_host({{"fx_notify", slow}});
    }

    // Notify body for payment id with event; expect it accepted.
    void notify(const TenderPayment *p, const char *event)
    {
        std::string body = std::string("notify_id=n-") + event + "&payment=" + p->id +
                           "&event=" + event + "&sig=valid";
        tender_param header = {"X-Fixture", "1"};
        TenderNotifyReply *r = nullptr;
        GError *error = nullptr;
        EXPECT_TRUE(tender_host_notify(host, "fx_notify", &header, 1, body.c_str(), body.size(),
                                       &r, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->outcome, TENDER_NOTIFY_ACCEPTED);
        tender_notify_reply_free(r);
    }

    static const TenderOperation *last_op(const TenderPayment *p)
    {
        return static_cast<const TenderOperation *>(
            g_ptr_array_index(p->operations, p->operations->len - 1));
    }
};

TEST_F(NotifyCall, ALateApplyStepIsNotTrusted)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    ASSERT_EQ(p->status, TENDER_STATUS_PENDING);
    notify(p, "slow");
    TenderPayment *after = get(p->id);
    EXPECT_EQ(after->status, TENDER_STATUS_UNKNOWN)
        << "the plugin said captured, but after its deadline";
    EXPECT_EQ(after->captured, 0);
    const TenderOperation *op = last_op(after);
    EXPECT_STREQ(op->kind, "notification");
    EXPECT_STREQ(op->outcome, "unknown");
    EXPECT_NE(std::string(op->message ? op->message : "").find("deadline"), std::string::npos);
}

TEST_F(NotifyCall, ACardNumberEchoedByTheApplyStepIsScrubbed)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    notify(p, "leak");
    TenderPayment *after = get(p->id);
    std::string all = snapshot(after);
    EXPECT_EQ(all.find(kCard), std::string::npos) << all;
    EXPECT_EQ(all.find("1111 1111 1111"), std::string::npos) << all;
    const TenderOperation *op = last_op(after);
    EXPECT_STREQ(op->kind, "notification");
    ASSERT_NE(op->message, nullptr);
    EXPECT_NE(std::string(op->message).find("paid with card"), std::string::npos)
        << "the rest of the message is kept: " << op->message;
}

TEST_F(NotifyCall, ALateSandboxNotificationIsRefused)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    char *headers = nullptr, *body = nullptr;
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_sandbox_notification(host, p->id, "slow", &headers, &body, &error));
    EXPECT_EQ(body, nullptr);
    EXPECT_EQ(headers, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("deadline"), std::string::npos) << error->message;
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_PLUGIN);
}

TEST_F(NotifyCall, ACardNumberInTheSandboxMessageIsScrubbed)
{
    TenderPayment *p = pay("fx_notify", "10.00");
    char *headers = nullptr, *body = nullptr;
    GError *error = nullptr;
    EXPECT_FALSE(tender_host_sandbox_notification(host, p->id, "leak", &headers, &body, &error));
    ASSERT_NE(error, nullptr);
    std::string message = error->message;
    EXPECT_EQ(message.find(kCard), std::string::npos) << message;
    EXPECT_NE(message.find("no notification for card"), std::string::npos) << message;
    EXPECT_TENDER_ERROR(error, TENDER_ERROR_INVALID_ARGUMENT);
}

} // namespace
