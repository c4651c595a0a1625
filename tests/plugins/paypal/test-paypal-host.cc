// PayPal through the public host API (<tender/tender.h>): the embedded
// default config with the settings of a tender-sandbox the test starts
// (PayPal's REST API on loopback), the built paypal.so, an in-memory
// ledger. The host's clock is real: PayPal's own clock is the sandbox's.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <tender/tender.h>

#include "test-ledger.h"

extern "C" {
#include "sandbox-process.h"
}

// The embedded default config with methods.paypal.settings set.
static std::string config_with(const char *settings_json)
{
    std::string path = std::string(g_getenv("TENDER_SOURCE_ROOT")) + "/data/default-config.json";
    gchar *text = nullptr;
    EXPECT_TRUE(g_file_get_contents(path.c_str(), &text, nullptr, nullptr));
    JsonNode *config = json_from_string(text, nullptr);
    g_free(text);
    JsonObject *methods = json_object_get_object_member(json_node_get_object(config), "methods");
    json_object_set_member(json_object_get_object_member(methods, "paypal"), "settings",
                           json_from_string(settings_json, nullptr));
    char *out = json_to_string(config, FALSE);
    std::string result = out;
    g_free(out);
    json_node_unref(config);
    return result;
}

class PaypalHost : public ::testing::Test {
protected:
    TenderHost *host = nullptr;
    TestSandbox *sandbox = nullptr;

    void SetUp() override
    {
        GError *error = nullptr;
        sandbox = test_sandbox_start(1000.0, nullptr, &error);
        ASSERT_NE(sandbox, nullptr) << (error ? error->message : "");
        char *settings = test_sandbox_settings_json(sandbox, "paypal");
        std::string config = config_with(settings);
        g_free(settings);
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, PAYPAL_PLUGIN_DIR);
        test_ledger_set_options(o, ":memory:");
        tender_host_options_set_config_data(o, config.c_str());
        host = tender_host_new(o, &error);
        tender_host_options_free(o);
        ASSERT_NE(host, nullptr) << (error ? error->message : "no error");
        g_clear_error(&error);
        ASSERT_NE(tender_host_method(host, "paypal"), nullptr) << "paypal.so not loaded";
    }
    void TearDown() override
    {
        tender_host_free(host);
        test_sandbox_stop(sandbox);
    }

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
    EXPECT_EQ(std::string(p->action_data)
                  .rfind(std::string(test_sandbox_url(sandbox)) + "/paypal/checkoutnow?token=", 0),
              0u)
        << p->action_data;
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

// The last operation of a payment's history.
static const TenderOperation *last_operation(const TenderPayment *p)
{
    if (p->operations == nullptr || p->operations->len == 0)
        return nullptr;
    return (const TenderOperation *)g_ptr_array_index(p->operations, p->operations->len - 1);
}

// Reauthorization (ABI 1.2) end to end: PayPal refuses it within the 3-day
// honor period, the host refuses more than 115%, the approved one gives a
// new authorization id that the capture then uses (the sandbox refuses a
// capture of the old, replaced one), a key replays, and PayPal allows it
// once. The providers' clock moves through the sandbox's control endpoint.
TEST_F(PaypalHost, ReauthorizeAfterTheHonorPeriodRenewsTheAuthorization)
{
    GError *error = nullptr;
    TenderPayment *p = pay("US", "USD", "40.00", "buyer-8", {{"intent", "AUTHORIZE"}}, FALSE, &error);
    ASSERT_NE(p, nullptr) << error->message;
    std::string id = p->id;
    tender_payment_free(p);
    tender_param approve[] = {{"payer_action", "approve"}};
    p = tender_host_complete(host, id.c_str(), approve, 1, &error);
    ASSERT_NE(p, nullptr) << error->message;
    ASSERT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    std::string original = p->processor_ref ? p->processor_ref : "";
    tender_payment_free(p);

    // Day 1: too soon. Recorded, refused, nothing changed.
    EXPECT_EQ(tender_host_reauthorize(host, id.c_str(), nullptr, nullptr, &error), nullptr);
    ASSERT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_DECLINED)) << error->message;
    EXPECT_NE(std::string(error->message).find("operation_not_allowed"), std::string::npos)
        << error->message;
    g_clear_error(&error);
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(p->amount, 4000);
    EXPECT_EQ(original, p->processor_ref ? p->processor_ref : "");
    const TenderOperation *op = last_operation(p);
    ASSERT_NE(op, nullptr);
    EXPECT_STREQ(op->kind, "reauthorize");
    EXPECT_STREQ(op->outcome, "declined");
    EXPECT_STREQ(op->raw_code, "REAUTHORIZATION_TOO_SOON");
    tender_payment_free(p);

    // Day 4 at PayPal (the sandbox runs at --time-scale 1000).
    ASSERT_TRUE(test_sandbox_advance_clock(sandbox, 4 * 86400 / 1000.0, &error))
        << error->message;

    // More than 115% of 40.00 never leaves the host.
    EXPECT_EQ(tender_host_reauthorize(host, id.c_str(), "46.01", nullptr, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_AMOUNT_EXCEEDED))
        << error->message;
    g_clear_error(&error);

    p = tender_host_reauthorize(host, id.c_str(), "45.00", "reauth-1", &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(p->amount, 4500);
    ASSERT_NE(p->processor_ref, nullptr);
    std::string renewed = p->processor_ref;
    EXPECT_NE(renewed, original) << "a reauthorization is a new authorization";
    op = last_operation(p);
    ASSERT_NE(op, nullptr);
    EXPECT_STREQ(op->kind, "reauthorize");
    EXPECT_STREQ(op->outcome, "approved");
    EXPECT_EQ(op->amount, 4500);
    EXPECT_EQ(renewed, op->processor_ref ? op->processor_ref : "");
    guint n_ops = p->operations->len;
    tender_payment_free(p);

    // The key replays without a second call; another amount conflicts.
    p = tender_host_reauthorize(host, id.c_str(), "45.00", "reauth-1", &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->operations->len, n_ops);
    EXPECT_EQ(renewed, p->processor_ref);
    tender_payment_free(p);
    EXPECT_EQ(tender_host_reauthorize(host, id.c_str(), "44.00", "reauth-1", &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_IDEMPOTENCY_CONFLICT))
        << error->message;
    g_clear_error(&error);

    // The merchant's event of it, in the outbox.
    GPtrArray *events = tender_host_events(host, 0, &error);
    ASSERT_NE(events, nullptr) << error->message;
    int reauthorized = 0;
    for (guint i = 0; i < events->len; i++) {
        const TenderEvent *e = (const TenderEvent *)g_ptr_array_index(events, i);
        if (strcmp(e->type, "payment.reauthorized") == 0 && id == e->payment_id) {
            reauthorized++;
            EXPECT_NE(std::string(e->body).find(renewed), std::string::npos) << e->body;
        }
    }
    EXPECT_EQ(reauthorized, 1);
    g_ptr_array_unref(events);

    // PayPal reauthorizes once.
    EXPECT_EQ(tender_host_reauthorize(host, id.c_str(), nullptr, nullptr, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_DECLINED)) << error->message;
    g_clear_error(&error);

    // The capture goes to the new authorization, for all it holds.
    p = tender_host_capture(host, id.c_str(), nullptr, nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 4500);
    tender_payment_free(p);

    // Nothing is left to renew.
    EXPECT_EQ(tender_host_reauthorize(host, id.c_str(), nullptr, nullptr, &error), nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_STATE))
        << error->message;
    g_clear_error(&error);
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
