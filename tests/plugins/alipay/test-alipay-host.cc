// The alipay method through libtender's public host API: a QR payment
// confirmed by the sandbox's signed notification, handed to
// tender_host_notify exactly as an HTTP endpoint would.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <tender/tender.h>

#include "alipay-test-util.h"

namespace {

const gint64 T0 = 1772359200000; // 2026-03-01T10:00:00Z

class AlipayHost : public ::testing::Test {
protected:
    TenderHost *host = nullptr;

    void SetUp() override
    {
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, ALIPAY_PLUGIN_DIR);
        tender_host_options_set_ledger(o, ":memory:");
        tender_host_options_set_fixed_now(o, T0);
        GError *error = nullptr;
        host = tender_host_new(o, &error);
        tender_host_options_free(o);
        ASSERT_NE(host, nullptr) << (error ? error->message : "no error");
    }
    void TearDown() override { tender_host_free(host); }

    TenderPayment *pay(const char *amount, std::vector<tender_param> params = {},
                       const char *key = nullptr)
    {
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "alipay";
        req.region = "CN";
        req.currency = "CNY";
        req.amount = amount;
        req.idempotency_key = key;
        req.params = params.data();
        req.n_params = params.size();
        req.capture = TRUE;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return p;
    }

    // Split "Name: value\n" header lines into params (strings kept in store).
    std::vector<tender_param> headers_of(const std::string &text, std::vector<std::string> &store)
    {
        store.clear();
        size_t start = 0;
        while (start < text.size()) {
            size_t nl = text.find('\n', start);
            std::string line = text.substr(start, nl == std::string::npos ? std::string::npos
                                                                          : nl - start);
            size_t colon = line.find(':');
            if (colon != std::string::npos) {
                store.push_back(line.substr(0, colon));
                size_t v = line.find_first_not_of(' ', colon + 1);
                store.push_back(v == std::string::npos ? "" : line.substr(v));
            }
            if (nl == std::string::npos)
                break;
            start = nl + 1;
        }
        std::vector<tender_param> out;
        for (size_t i = 0; i + 1 < store.size(); i += 2)
            out.push_back({store[i].c_str(), store[i + 1].c_str()});
        return out;
    }

    TenderNotifyReply *deliver(const std::string &headers, const std::string &body,
                               GError **error)
    {
        std::vector<std::string> store;
        std::vector<tender_param> h = headers_of(headers, store);
        // The reply when accepted; when not, NULL with error set and the
        // reply the provider would still be sent kept in refused_reply.
        TenderNotifyReply *reply = nullptr;
        if (tender_host_notify(host, "alipay", h.data(), h.size(), body.c_str(), body.size(),
                               &reply, error))
            return reply;
        refused_reply.assign(reply ? reply->body : "(none)");
        tender_notify_reply_free(reply);
        return nullptr;
    }

    std::string refused_reply;
};

} // namespace

TEST_F(AlipayHost, MethodIsRegisteredWithItsFacts)
{
    const TenderMethodInfo *m = tender_host_method(host, "alipay");
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(m->name, "Alipay");
    EXPECT_EQ(m->action_timeout_seconds, 900);
    EXPECT_TRUE(m->has_fixtures);
    EXPECT_EQ(m->capabilities & TENDER_CAP_AUTHORIZE, 0u);
}

TEST_F(AlipayHost, QrPaymentConfirmedBySignedNotification)
{
    TenderPayment *p = pay("12.50", {{"subject", "Green tea"}});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_QR_CODE);
    ASSERT_NE(p->action_data, nullptr);
    EXPECT_EQ(std::string(p->action_data).rfind("https://qr.alipay.com/bax0", 0), 0u);
    std::string id = p->id;
    tender_payment_free(p);

    char *headers = nullptr, *body = nullptr;
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_sandbox_notification(host, id.c_str(), "paid", &headers, &body,
                                                 &error))
        << (error ? error->message : "");
    std::string h = headers, b = body;
    g_free(headers);
    g_free(body);
    EXPECT_NE(h.find("application/x-www-form-urlencoded"), std::string::npos);
    Form f = form_parse(b);
    EXPECT_EQ(*form_get(f, "out_trade_no"), id);
    EXPECT_TRUE(rsa2_verify(alipay_test_key("alipay-platform-public.pem"),
                            notification_signing_string(f, false), *form_get(f, "sign")));

    TenderNotifyReply *reply = deliver(h, b, &error);
    ASSERT_NE(reply, nullptr) << (error ? error->message : "");
    EXPECT_EQ(reply->status, 200u);
    EXPECT_STREQ(reply->body, "success");
    EXPECT_STREQ(reply->content_type, "text/plain");
    EXPECT_EQ(std::string(reply->payment_id ? reply->payment_id : ""), id);
    EXPECT_FALSE(reply->duplicate);
    tender_notify_reply_free(reply);

    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 1250);
    gsize ops_before = p->operations->len;
    tender_payment_free(p);

    // Alipay repeats the notification: same reply, nothing changes.
    reply = deliver(h, b, &error);
    ASSERT_NE(reply, nullptr) << (error ? error->message : "");
    EXPECT_STREQ(reply->body, "success");
    EXPECT_TRUE(reply->duplicate);
    tender_notify_reply_free(reply);
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 1250);
    EXPECT_GE(p->operations->len, ops_before);
    tender_payment_free(p);

    // Refunds through the host: partial, then the rest.
    p = tender_host_refund(host, id.c_str(), "2.50", "refund-key-1", &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(p->refunded, 250);
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), "2.50", "refund-key-1", &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->refunded, 250) << "the same key refunds nothing twice";
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), nullptr, "refund-key-2", &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(p->refunded, 1250);
    tender_payment_free(p);
}

TEST_F(AlipayHost, ForgedNotificationIsRejectedAndChangesNothing)
{
    TenderPayment *p = pay("12.50");
    ASSERT_NE(p, nullptr);
    std::string id = p->id;
    tender_payment_free(p);
    char *headers = nullptr, *body = nullptr;
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_sandbox_notification(host, id.c_str(), "paid", &headers, &body,
                                                 &error))
        << (error ? error->message : "");
    Form f = form_parse(body);
    form_resign(f, alipay_test_key("alipay-app-private.pem"));
    TenderNotifyReply *reply = deliver(headers, form_build(f), &error);
    EXPECT_EQ(reply, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED));
    // Alipay repeats anything but "success": the failure reply still goes out.
    EXPECT_NE(refused_reply, "(none)");
    EXPECT_NE(refused_reply, "success");
    g_clear_error(&error);
    tender_notify_reply_free(reply);
    g_free(headers);
    g_free(body);
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_payment_free(p);
}

TEST_F(AlipayHost, TestBuyersAreDeclinedWithTheirCodes)
{
    TenderPayment *p = pay("50.00", {{"buyer_id", "2088000000000051"}});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_INSUFFICIENT_FUNDS);
    EXPECT_STREQ(p->decline_raw_code, "ACQ.BUYER_BALANCE_NOT_ENOUGH");
    tender_payment_free(p);
    p = pay("50.00", {{"buyer_id", "2088000000000061"}});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_LIMIT_EXCEEDED);
    tender_payment_free(p);
}

TEST_F(AlipayHost, UnpaidTradeExpiresAfterItsTimeout)
{
    TenderPayment *p = pay("12.50", {{"timeout_express", "5m"}});
    ASSERT_NE(p, nullptr);
    std::string id = p->id;
    EXPECT_EQ(p->action_expires_ms, T0 + 5 * 60 * 1000);
    tender_payment_free(p);
    tender_host_set_now(host, T0 + 6 * 60 * 1000);
    GError *error = nullptr;
    p = tender_host_sync(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    EXPECT_EQ(p->status, TENDER_STATUS_EXPIRED);
    tender_payment_free(p);
}
