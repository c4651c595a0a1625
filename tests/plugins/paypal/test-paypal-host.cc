// PayPal through the public host API (<tender/tender.h>): the embedded
// default config, the built paypal.so, an in-memory ledger, a fixed clock.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <tender/tender.h>

static const gint64 T0 = 1772359200000; // 2026-03-01T10:00:00Z

class PaypalHost : public ::testing::Test {
protected:
    TenderHost *host = nullptr;

    void SetUp() override
    {
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, PAYPAL_PLUGIN_DIR);
        tender_host_options_set_ledger(o, ":memory:");
        tender_host_options_set_fixed_now(o, T0);
        GError *error = nullptr;
        host = tender_host_new(o, &error);
        tender_host_options_free(o);
        ASSERT_NE(host, nullptr) << (error ? error->message : "no error");
        g_clear_error(&error);
        ASSERT_NE(tender_host_method(host, "paypal"), nullptr) << "paypal.so not loaded";
    }
    void TearDown() override { tender_host_free(host); }

    TenderPayment *pay(const char *region, const char *currency, const char *amount,
                       const char *account, std::vector<tender_param> params, gboolean capture,
                       GError **error)
    {
        TenderPayRequest r = {sizeof(TenderPayRequest)};
        r.method = "paypal";
        r.region = region;
        r.currency = currency;
        r.amount = amount;
        r.account = account;
        r.params = params.empty() ? nullptr : params.data();
        r.n_params = params.size();
        r.capture = capture;
        return tender_host_pay(host, &r, error);
    }
};

TEST_F(PaypalHost, MethodFacts)
{
    const TenderMethodInfo *m = tender_host_method(host, "paypal");
    EXPECT_STREQ(m->name, "PayPal");
    EXPECT_EQ(m->hold_seconds, 29 * 86400);
    EXPECT_EQ(m->over_capture_bps, 11500u);
    ASSERT_EQ(m->currencies->len, 25u);
    for (guint i = 0; i < m->currencies->len; i++) {
        const TenderCurrencyInfo &c = g_array_index(m->currencies, TenderCurrencyInfo, i);
        if (!strcmp(c.code, "HUF") || !strcmp(c.code, "TWD") || !strcmp(c.code, "JPY"))
            EXPECT_EQ(c.exponent, 0) << c.code;
        else
            EXPECT_EQ(c.exponent, 2) << c.code;
    }
}

TEST_F(PaypalHost, AuthorizeApproveCaptureRefund)
{
    GError *error = nullptr;
    TenderPayment *p = pay("US", "USD", "100.00", "buyer-1", {{"intent", "AUTHORIZE"}}, FALSE, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
    ASSERT_NE(p->action_data, nullptr);
    EXPECT_NE(std::string(p->action_data).find("https://www.sandbox.paypal.com/checkoutnow?token="),
              std::string::npos);
    std::string id = p->id;
    tender_payment_free(p);

    tender_param approve[] = {{"payer_action", "approve"}};
    p = tender_host_complete(host, id.c_str(), approve, 1, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(p->amount, 10000);
    tender_payment_free(p);

    p = tender_host_capture(host, id.c_str(), "40.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(p->captured, 4000);
    tender_payment_free(p);

    p = tender_host_refund(host, id.c_str(), "10.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(p->refunded, 1000);
    tender_payment_free(p);
}

// PayPal releases the uncaptured rest of an authorization when it is voided
// after a partial capture (TENDER_CAP_VOID_REMAINDER): the payment keeps what
// it captured, and nothing more can be captured.
TEST_F(PaypalHost, VoidAfterPartialCaptureReleasesTheRemainder)
{
    GError *error = nullptr;
    TenderPayment *p = pay("US", "USD", "100.00", "buyer-7", {{"intent", "AUTHORIZE"}}, FALSE, &error);
    ASSERT_NE(p, nullptr) << error->message;
    std::string id = p->id;
    tender_payment_free(p);
    tender_param approve[] = {{"payer_action", "approve"}};
    tender_payment_free(tender_host_complete(host, id.c_str(), approve, 1, &error));
    p = tender_host_capture(host, id.c_str(), "30.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    ASSERT_EQ(p->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    tender_payment_free(p);

    p = tender_host_void(host, id.c_str(), nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 3000);
    EXPECT_EQ(p->amount, 3000) << "the authorization now holds what was captured";
    tender_payment_free(p);

    EXPECT_EQ(tender_host_capture(host, id.c_str(), "10.00", nullptr, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_STATE));
    g_clear_error(&error);
    // What was captured can still be refunded.
    p = tender_host_refund(host, id.c_str(), nullptr, nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(p->refunded, 3000);
    tender_payment_free(p);
}

TEST_F(PaypalHost, WholeForintsOnly)
{
    GError *error = nullptr;
    TenderPayment *p = pay("HU", "HUF", "10.5", "buyer-2", {}, FALSE, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->status, TENDER_STATUS_DECLINED) << "10.5 HUF must be refused";
        tender_payment_free(p);
    } else {
        EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_ARGUMENT))
            << error->message;
        g_clear_error(&error);
    }
    p = pay("HU", "HUF", "1000", "buyer-2", {}, FALSE, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->exponent, 0);
    EXPECT_EQ(p->amount, 1000);
    tender_payment_free(p);
}

TEST_F(PaypalHost, BrazilianRealsStayInBrazil)
{
    GError *error = nullptr;
    TenderPayment *p = pay("US", "BRL", "10.00", "buyer-3", {}, FALSE, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->status, TENDER_STATUS_DECLINED)
            << "paid as " << p->amount << " " << p->currency << " (exponent " << p->exponent << ")";
        EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
        tender_payment_free(p);
    } else {
        ADD_FAILURE() << "a refusal is a declined payment, not an error: " << error->message;
        g_clear_error(&error);
    }
    p = pay("BR", "BRL", "10.00", "buyer-3", {}, FALSE, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_payment_free(p);
}

// "Name: value\n" lines -> owned strings and borrowed params.
struct Headers {
    std::vector<std::string> names, values;
    std::vector<tender_param> params;
    explicit Headers(const char *text)
    {
        gchar **lines = g_strsplit(text, "\n", -1);
        for (gchar **l = lines; *l; l++) {
            const char *colon = strchr(*l, ':');
            if (!colon)
                continue;
            names.emplace_back(*l, colon - *l);
            std::string v = colon + 1;
            v.erase(0, v.find_first_not_of(' '));
            values.push_back(v);
        }
        g_strfreev(lines);
        for (size_t i = 0; i < names.size(); i++)
            params.push_back({names[i].c_str(), values[i].c_str()});
    }
};

TEST_F(PaypalHost, WebhookApprovesAndCaptures)
{
    GError *error = nullptr;
    TenderPayment *p = pay("DE", "EUR", "25.00", "buyer-4", {{"intent", "CAPTURE"}}, TRUE, &error);
    ASSERT_NE(p, nullptr) << error->message;
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    std::string id = p->id;
    tender_payment_free(p);

    char *headers = nullptr, *body = nullptr;
    ASSERT_TRUE(tender_host_sandbox_notification(host, id.c_str(), "approved", &headers, &body, &error))
        << error->message;
    ASSERT_NE(strstr(body, "CHECKOUT.ORDER.APPROVED"), nullptr);
    Headers h(headers);

    TenderNotifyReply *reply = nullptr;
    ASSERT_TRUE(tender_host_notify(host, "paypal", h.params.data(), h.params.size(), body,
                                   strlen(body), &reply, &error))
        << error->message;
    EXPECT_EQ(reply->status, 200u);
    EXPECT_STREQ(reply->payment_id, id.c_str());
    EXPECT_FALSE(reply->duplicate);
    tender_notify_reply_free(reply);

    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 2500);
    tender_payment_free(p);

    reply = nullptr;
    ASSERT_TRUE(tender_host_notify(host, "paypal", h.params.data(), h.params.size(), body,
                                   strlen(body), &reply, &error))
        << error->message;
    EXPECT_EQ(reply->status, 200u);
    EXPECT_TRUE(reply->duplicate);
    tender_notify_reply_free(reply);

    std::string forged = body;
    forged.replace(forged.find("\"25.00\""), 7, "\"2.50\"");
    reply = nullptr;
    EXPECT_FALSE(tender_host_notify(host, "paypal", h.params.data(), h.params.size(),
                                    forged.c_str(), forged.size(), &reply, &error));
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED));
    // The provider still gets an answer, and it is not a success.
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->outcome, TENDER_NOTIFY_REJECTED);
    EXPECT_GE(reply->status, 400u);
    g_clear_error(&error);
    tender_notify_reply_free(reply);
    g_free(headers);
    g_free(body);
}
