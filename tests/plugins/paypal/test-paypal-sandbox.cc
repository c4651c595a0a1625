// The PayPal plugin as a REST client: a real TenderHost with the settings a
// tender-sandbox wrote (test_sandbox_settings_json), every flow of
// docs/methods/paypal.md over HTTP, bad credentials, transport failures
// settled by sync, and webhooks delivered to a loopback receiver that hands
// them to tender_host_notify and answers with the plugin's reply.
#include <gtest/gtest.h>

#include <libsoup/soup.h>

#include <cstring>
#include <string>
#include <vector>

#include <tender/tender.h>

#include "test-ledger.h"

extern "C" {
#include "sandbox-process.h"
#include "webhook-receiver.h"
}

namespace {

std::string ReadFile(const std::string &path)
{
    gchar *text = nullptr;
    gsize len = 0;
    EXPECT_TRUE(g_file_get_contents(path.c_str(), &text, &len, nullptr)) << path;
    std::string out(text != nullptr ? text : "", len);
    g_free(text);
    return out;
}

// The embedded default config with methods.paypal.settings replaced.
std::string ConfigWithSettings(const std::string &settings_json)
{
    std::string root = g_getenv("TENDER_SOURCE_ROOT");
    JsonNode *config = json_from_string(ReadFile(root + "/data/default-config.json").c_str(),
                                        nullptr);
    JsonObject *methods = json_object_get_object_member(json_node_get_object(config), "methods");
    JsonObject *paypal = json_object_get_object_member(methods, "paypal");
    json_object_set_member(paypal, "settings", json_from_string(settings_json.c_str(), nullptr));
    char *text = json_to_string(config, FALSE);
    std::string out = text;
    g_free(text);
    json_node_unref(config);
    return out;
}

class PaypalSandbox : public ::testing::Test {
protected:
    TestSandbox *sandbox = nullptr;
    TenderHost *host = nullptr;
    SoupSession *session = nullptr;
    std::string settings;

    void SetUp() override
    {
        GError *error = nullptr;
        sandbox = test_sandbox_start(1000.0, nullptr, &error);
        ASSERT_NE(sandbox, nullptr) << (error ? error->message : "");
        char *json = test_sandbox_settings_json(sandbox, "paypal");
        ASSERT_NE(json, nullptr);
        settings = json;
        g_free(json);
        session = soup_session_new();
    }
    void TearDown() override
    {
        tender_host_free(host);
        test_sandbox_stop(sandbox);
        g_clear_object(&session);
    }

    // A host with the sandbox's settings, changed by edit (JSON members
    // replaced), or an error.
    TenderHost *NewHost(const std::string &settings_json, GError **error)
    {
        TenderHostOptions *o = tender_host_options_new();
        tender_host_options_add_plugin_dir(o, PAYPAL_PLUGIN_DIR);
        test_ledger_set_options(o, ":memory:");
        std::string config = ConfigWithSettings(settings_json);
        tender_host_options_set_config_data(o, config.c_str());
        TenderHost *h = tender_host_new(o, error);
        tender_host_options_free(o);
        return h;
    }

    void StartHost(const std::string &settings_json)
    {
        GError *error = nullptr;
        host = NewHost(settings_json, &error);
        ASSERT_NE(host, nullptr) << (error ? error->message : "");
        ASSERT_NE(tender_host_method(host, "paypal"), nullptr);
    }

    static std::string With(const std::string &json, const char *key, const char *value)
    {
        JsonNode *node = json_from_string(json.c_str(), nullptr);
        JsonObject *o = json_node_get_object(node);
        if (value == nullptr)
            json_object_remove_member(o, key);
        else
            json_object_set_string_member(o, key, value);
        char *text = json_to_string(node, FALSE);
        std::string out = text;
        g_free(text);
        json_node_unref(node);
        return out;
    }

  public:
    TenderHost *Host() { return host; }
    TenderPayment *PayPublic(const char *region, const char *currency, const char *amount,
                             std::vector<tender_param> params, GError **error)
    {
        return Pay(region, currency, amount, params, error);
    }

  protected:
    TenderPayment *Pay(const char *region, const char *currency, const char *amount,
                       std::vector<tender_param> params, GError **error)
    {
        TenderPayRequest r = {sizeof(TenderPayRequest)};
        r.method = "paypal";
        r.region = region;
        r.currency = currency;
        r.amount = amount;
        r.account = "buyer-1";
        r.params = params.empty() ? nullptr : params.data();
        r.n_params = params.size();
        return tender_host_pay(host, &r, error);
    }

    // The payer at PayPal's page: POST the approval form; returns the
    // Location it redirects to.
    std::string PayerApproves(const std::string &action_url)
    {
        std::string page = action_url.substr(0, action_url.find('?'));
        std::string token = action_url.substr(action_url.find("token=") + 6);
        SoupMessage *msg = soup_message_new("POST", page.c_str());
        soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
        std::string form = "token=" + token + "&action=approve";
        GBytes *body = g_bytes_new(form.data(), form.size());
        soup_message_set_request_body_from_bytes(msg, "application/x-www-form-urlencoded", body);
        g_bytes_unref(body);
        GBytes *answer = soup_session_send_and_read(session, msg, nullptr, nullptr);
        if (answer != nullptr)
            g_bytes_unref(answer);
        EXPECT_EQ(soup_message_get_status(msg), 303u);
        const char *location =
            soup_message_headers_get_one(soup_message_get_response_headers(msg), "Location");
        std::string out = location != nullptr ? location : "";
        g_object_unref(msg);
        return out;
    }

    static std::string QueryValue(const std::string &url, const std::string &key)
    {
        size_t at = url.find(key + "=");
        if (at == std::string::npos)
            return "";
        size_t end = url.find('&', at);
        return url.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos
                                                                         : end - at - key.size() - 1);
    }

    void Advance(long seconds)
    {
        std::string url = std::string(test_sandbox_url(sandbox)) + "/_sandbox/clock";
        SoupMessage *msg = soup_message_new("POST", url.c_str());
        std::string json = "{\"advance_seconds\": " + std::to_string(seconds) + "}";
        GBytes *body = g_bytes_new(json.data(), json.size());
        soup_message_set_request_body_from_bytes(msg, "application/json", body);
        g_bytes_unref(body);
        GBytes *answer = soup_session_send_and_read(session, msg, nullptr, nullptr);
        if (answer != nullptr)
            g_bytes_unref(answer);
        EXPECT_EQ(soup_message_get_status(msg) / 100, 2u);
        g_object_unref(msg);
    }
};

#define EXPECT_DECLINED(p, code, raw)                                              \
    do {                                                                           \
        ASSERT_NE((p), nullptr);                                                   \
        EXPECT_EQ((p)->status, TENDER_STATUS_DECLINED);                            \
        EXPECT_EQ((p)->decline_code, (guint32)(code));                             \
        EXPECT_STREQ((p)->decline_raw_code, (raw)) << (p)->decline_message;        \
    } while (0)

TEST_F(PaypalSandbox, AuthorizeApproveCaptureInPartsRefundAndSync)
{
    StartHost(settings);
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "USD", "100.00", {{"intent", "AUTHORIZE"}}, &error);
    ASSERT_NE(p, nullptr) << error->message;
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    std::string url = p->action_data;
    EXPECT_EQ(url.rfind(std::string(test_sandbox_url(sandbox)) + "/paypal/checkoutnow?token=", 0),
              0u)
        << url;
    std::string id = p->id;
    std::string order = p->processor_ref;
    tender_payment_free(p);

    tender_param approve[] = {{"payer_action", "approve"}};
    p = tender_host_complete(host, id.c_str(), approve, 1, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << p->decline_message;
    tender_payment_free(p);

    p = tender_host_capture(host, id.c_str(), "60.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    tender_payment_free(p);
    // 115% of 100.00 is 115.00: 55.00 more fits, 55.01 does not.
    p = tender_host_capture(host, id.c_str(), "55.01", nullptr, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_CAPTURED);
        tender_payment_free(p);
    }
    g_clear_error(&error);
    p = tender_host_capture(host, id.c_str(), "55.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->captured, 11500);
    tender_payment_free(p);

    p = tender_host_refund(host, id.c_str(), "50.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->refunded, 5000);
    tender_payment_free(p);

    p = tender_host_sync(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->captured, 11500);
    EXPECT_EQ(p->refunded, 5000);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, PurchaseApprovedAtThePageCompletedFromTheReturnUrl)
{
    StartHost(settings);
    GError *error = nullptr;
    TenderPayment *p = Pay("DE", "EUR", "40.00",
                           {{"intent", "CAPTURE"},
                            {"return_url", "https://shop.example/back"},
                            {"cancel_url", "https://shop.example/cancel"}},
                           &error);
    ASSERT_NE(p, nullptr) << error->message;
    std::string id = p->id;
    std::string back = PayerApproves(p->action_data);
    tender_payment_free(p);
    ASSERT_EQ(back.rfind("https://shop.example/back?token=", 0), 0u) << back;
    std::string token = QueryValue(back, "token");
    std::string payer = QueryValue(back, "PayerID");
    tender_param returned[] = {{"token", token.c_str()}, {"PayerID", payer.c_str()}};
    p = tender_host_complete(host, id.c_str(), returned, 2, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED) << p->decline_message;
    EXPECT_EQ(p->captured, 4000);
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), "40.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REFUNDED);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, TestPayersAndCancellationDecline)
{
    StartHost(settings);
    GError *error = nullptr;
    struct Case {
        const char *email;
        tender_decline_code code;
        const char *raw;
    } cases[] = {{"declined@sandbox.example", TENDER_DECLINE_DO_NOT_HONOR, "INSTRUMENT_DECLINED"},
                 {"refused@sandbox.example", TENDER_DECLINE_NOT_PERMITTED, "TRANSACTION_REFUSED"}};
    for (const Case &c : cases) {
        SCOPED_TRACE(c.email);
        TenderPayment *p = Pay("US", "USD", "25.00", {{"payer_email", c.email}}, &error);
        ASSERT_NE(p, nullptr) << error->message;
        std::string id = p->id;
        tender_payment_free(p);
        tender_param approve[] = {{"payer_action", "approve"}};
        p = tender_host_complete(host, id.c_str(), approve, 1, &error);
        EXPECT_DECLINED(p, c.code, c.raw);
        tender_payment_free(p);
    }
    TenderPayment *p = Pay("US", "USD", "25.00", {}, &error);
    std::string id = p->id;
    tender_payment_free(p);
    tender_param cancel[] = {{"payer_action", "cancel"}};
    p = tender_host_complete(host, id.c_str(), cancel, 1, &error);
    EXPECT_DECLINED(p, TENDER_DECLINE_CANCELLED_BY_PAYER, "PAYER_CANCELLED");
    tender_payment_free(p);

    // payer-action@: PayPal wants the payer back once more.
    p = Pay("US", "USD", "25.00",
            {{"intent", "CAPTURE"}, {"payer_email", "payer-action@sandbox.example"}}, &error);
    id = p->id;
    tender_payment_free(p);
    tender_param approve[] = {{"payer_action", "approve"}};
    p = tender_host_complete(host, id.c_str(), approve, 1, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_payment_free(p);
    p = tender_host_complete(host, id.c_str(), approve, 1, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED) << p->decline_message;
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, CurrencyRulesHoldBeforeAndAtPayPal)
{
    StartHost(settings);
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "BRL", "10.00", {}, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    }
    tender_payment_free(p);
    g_clear_error(&error);
    p = Pay("HU", "HUF", "1000", {}, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_payment_free(p);
    p = Pay("CN", "CNY", "88.00", {}, &error); // C2 on the wire
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION) << p->decline_message;
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, VoidAfterAPartialCapture)
{
    StartHost(settings);
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "USD", "30.00", {{"intent", "AUTHORIZE"}}, &error);
    std::string id = p->id;
    tender_payment_free(p);
    tender_param approve[] = {{"payer_action", "approve"}};
    tender_payment_free(tender_host_complete(host, id.c_str(), approve, 1, &error));
    tender_payment_free(tender_host_capture(host, id.c_str(), "10.00", nullptr, &error));
    p = tender_host_void(host, id.c_str(), nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->captured, 1000);
    tender_payment_free(p);
    p = tender_host_sync(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->captured, 1000);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, WrongSecretIsDeclinedWithPayPalsCodeAndMissingOnesFailCreate)
{
    StartHost(With(settings, "client_secret", "not-the-secret"));
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "USD", "10.00", {}, &error);
    EXPECT_DECLINED(p, TENDER_DECLINE_DO_NOT_HONOR, "invalid_client");
    EXPECT_EQ(std::string(p->decline_message).find("not-the-secret"), std::string::npos);
    tender_payment_free(p);
    tender_host_free(host);
    host = nullptr;

    for (const char *missing : {"client_id", "client_secret"}) {
        TenderHost *h = NewHost(With(settings, missing, nullptr), &error);
        ASSERT_NE(h, nullptr) << (error ? error->message : "");
        // The host runs without the method, and its refusal says why
        // (naming the setting, never a secret's value).
        bool named = false;
        const GPtrArray *refusals = tender_host_refusals(h);
        for (guint i = 0; i < refusals->len; i++) {
            const TenderRefusal *r = static_cast<const TenderRefusal *>(g_ptr_array_index(refusals, i));
            if (strstr(r->reason, missing) != nullptr) {
                named = true;
                EXPECT_EQ(strstr(r->reason, "tender-sandbox-paypal-secret"), nullptr);
            }
        }
        EXPECT_TRUE(named) << missing;
        tender_host_free(h);
    }
}

TEST_F(PaypalSandbox, UnreachableEndpointIsNotSent)
{
    StartHost(With(settings, "endpoint", "http://127.0.0.1:9/paypal"));
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "USD", "10.00", {}, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_FAILED);
    tender_payment_free(p);
}

// Authorize and approve: an authorized payment's id.
static std::string Authorized(PaypalSandbox *t, const char *currency, const char *amount,
                              const char *region = "US")
{
    GError *error = nullptr;
    TenderPayment *p = t->PayPublic(region, currency, amount, {{"intent", "AUTHORIZE"}}, &error);
    EXPECT_NE(p, nullptr) << (error ? error->message : "");
    if (p == nullptr)
        return "";
    std::string id = p->id;
    tender_payment_free(p);
    tender_param approve[] = {{"payer_action", "approve"}};
    p = tender_host_complete(t->Host(), id.c_str(), approve, 1, &error);
    EXPECT_NE(p, nullptr) << (error ? error->message : "");
    if (p != nullptr) {
        EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << (p->decline_message ? p->decline_message : "");
    }
    tender_payment_free(p);
    return id;
}

// The plugin's decline for a capture PayPal refuses (the host's own checks
// may refuse first: either way no money moves and the payment is unchanged).
static void ExpectCaptureRefused(TenderHost *host, const std::string &id, const char *amount,
                                 gint64 captured_before)
{
    GError *error = nullptr;
    TenderPayment *p = tender_host_capture(host, id.c_str(), amount, nullptr, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->captured, captured_before);
        tender_payment_free(p);
    } else {
        g_clear_error(&error);
    }
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->captured, captured_before);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, OverCaptureCeilingsFollowPayPal)
{
    StartHost(settings);
    GError *error = nullptr;
    // 1,000.00 USD: +75.00 is less than 15%.
    std::string big = Authorized(this, "USD", "1000.00");
    ExpectCaptureRefused(host, big, "1075.01", 0);
    TenderPayment *p = tender_host_capture(host, big.c_str(), "1075.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->captured, 107500);
    tender_payment_free(p);
    // EUR: 115% alone.
    std::string eur = Authorized(this, "EUR", "1000.00", "DE");
    p = tender_host_capture(host, eur.c_str(), "1150.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->captured, 115000);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, AuthorizationExpiresAtPayPalAfter29Days)
{
    StartHost(settings);
    GError *error = nullptr;
    std::string id = Authorized(this, "USD", "20.00");
    Advance(30 * 86400 / 1000); // the providers' clock, at --time-scale 1000
    TenderPayment *p = tender_host_capture(host, id.c_str(), "20.00", nullptr, &error);
    // A refused capture is an error of the call; the payment keeps its
    // authorization and names PayPal's reason.
    ASSERT_EQ(p, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->message).find("AUTHORIZATION_EXPIRED"), std::string::npos)
        << error->message;
    g_clear_error(&error);
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->captured, 0);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, OrderNotCompletedInThreeHoursExpires)
{
    StartHost(settings);
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "USD", "10.00", {}, &error);
    std::string id = p->id;
    tender_payment_free(p);
    Advance(3 * 3600 / 1000 + 5);
    tender_param approve[] = {{"payer_action", "approve"}};
    p = tender_host_complete(host, id.c_str(), approve, 1, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    tender_payment_free(p);
}

TEST_F(PaypalSandbox, RefundsDrawOnCapturesAndStopAtWhatWasCaptured)
{
    StartHost(settings);
    GError *error = nullptr;
    std::string id = Authorized(this, "USD", "100.00");
    tender_payment_free(tender_host_capture(host, id.c_str(), "60.00", nullptr, &error));
    tender_payment_free(tender_host_capture(host, id.c_str(), "40.00", nullptr, &error));
    TenderPayment *p = tender_host_refund(host, id.c_str(), "50.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->refunded, 5000);
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), "40.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->refunded, 9000);
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), "20.00", nullptr, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->refunded, 9000);
        tender_payment_free(p);
    }
    g_clear_error(&error);
}

TEST_F(PaypalSandbox, SameIdempotencyKeySameCapture)
{
    StartHost(settings);
    GError *error = nullptr;
    std::string id = Authorized(this, "USD", "50.00");
    TenderPayment *a = tender_host_capture(host, id.c_str(), "10.00", "cap-key-1", &error);
    ASSERT_NE(a, nullptr) << error->message;
    TenderPayment *b = tender_host_capture(host, id.c_str(), "10.00", "cap-key-1", &error);
    ASSERT_NE(b, nullptr) << error->message;
    EXPECT_EQ(b->captured, 1000);
    tender_payment_free(a);
    tender_payment_free(b);
}

// A 503, or a request PayPal's front end drops after reading it: the
// capture's outcome is unknown; reconcile asks PayPal, which never captured.
// Two drops: libcurl silently resends a request once when a reused
// connection dies before any answer (harmless here: PayPal-Request-Id), so
// one drop alone may never reach the plugin; what is left is cleared.
TEST_F(PaypalSandbox, A503OrADroppedRequestIsUnknownAndReconcileSettlesIt)
{
    StartHost(settings);
    for (const char *fault : {"{\"provider\":\"paypal\",\"fail_5xx\":1}",
                              "{\"provider\":\"paypal\",\"drop\":2}"}) {
        SCOPED_TRACE(fault);
        GError *error = nullptr;
        std::string id = Authorized(this, "USD", "30.00"); // the token is cached by now
        ASSERT_TRUE(test_sandbox_set_faults(sandbox, fault, &error)) << error->message;
        TenderPayment *p = tender_host_capture(host, id.c_str(), "30.00", nullptr, &error);
        if (p != nullptr) {
            EXPECT_EQ(p->captured, 0);
            tender_payment_free(p);
        }
        g_clear_error(&error);
        ASSERT_TRUE(test_sandbox_set_faults(sandbox, "{\"provider\":\"paypal\",\"drop\":0}",
                                            &error))
            << error->message;
        p = tender_host_get(host, id.c_str(), &error);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
        tender_payment_free(p);
        TenderReconcileReport report = {};
        ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << error->message;
        p = tender_host_get(host, id.c_str(), &error);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED); // PayPal never captured
        tender_payment_free(p);
        // and the capture goes through now
        p = tender_host_capture(host, id.c_str(), "30.00", nullptr, &error);
        ASSERT_NE(p, nullptr) << error->message;
        EXPECT_EQ(p->captured, 3000);
        tender_payment_free(p);
    }
}

// ---- Webhooks ---------------------------------------------------------------

// A sandbox whose config registers a webhook for the shared loopback
// receiver (tests/support/webhook-receiver.h), which hands each delivery to
// tender_host_notify on its own thread and answers with the plugin's reply.
class PaypalWebhooks : public PaypalSandbox {
protected:
    TestWebhookReceiver *receiver = nullptr;

    void SetUp() override
    {
        PaypalSandbox::SetUp();
        test_sandbox_stop(sandbox);
        sandbox = nullptr;
        GError *error = nullptr;
        receiver = test_webhook_receiver_start(&error);
        ASSERT_NE(receiver, nullptr) << (error ? error->message : "");
        const char *args[] = {"--webhook-base", test_webhook_receiver_url(receiver), nullptr};
        sandbox = test_sandbox_start(1000.0, args, &error);
        ASSERT_NE(sandbox, nullptr) << (error ? error->message : "");
        char *json = test_sandbox_settings_json(sandbox, "paypal");
        settings = json;
        g_free(json);
        ASSERT_NE(settings.find("webhook_id"), std::string::npos) << settings;
        StartHost(settings);
        test_webhook_receiver_attach(receiver, host);
    }
    void TearDown() override
    {
        // The sandbox first: no delivery may reach a host being freed.
        test_sandbox_stop(sandbox);
        sandbox = nullptr;
        test_webhook_receiver_attach(receiver, nullptr);
        test_webhook_receiver_stop(receiver);
        PaypalSandbox::TearDown();
    }

    void SetFaults(const char *json)
    {
        GError *error = nullptr;
        ASSERT_TRUE(test_sandbox_set_faults(sandbox, json, &error)) << error->message;
    }

    TenderPayment *Get(const std::string &id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id.c_str(), &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return p;
    }

    // Poll (the deliveries come on the receiver's thread) until the payment
    // reaches status, at most 5 s.
    bool WaitStatus(const std::string &id, TenderStatus status)
    {
        for (int i = 0; i < 500; i++) {
            TenderPayment *p = Get(id);
            bool there = p != nullptr && p->status == status;
            tender_payment_free(p);
            if (there)
                return true;
            g_usleep(10000);
        }
        return false;
    }
};

// The payer approves and the notification arrives before the payer is back
// at the shop: the plugin authorizes the order from it; the shop's
// complete call that follows finds it done.
TEST_F(PaypalWebhooks, ApprovalWebhookBeforeThePayerReturnsAuthorizes)
{
    GError *error = nullptr;
    TenderPayment *p = Pay("US", "USD", "20.00",
                           {{"intent", "AUTHORIZE"}, {"return_url", "https://shop.example/back"}},
                           &error);
    ASSERT_NE(p, nullptr) << error->message;
    std::string id = p->id;
    std::string back = PayerApproves(p->action_data);
    tender_payment_free(p);
    // CHECKOUT.ORDER.APPROVED (the plugin authorizes), then
    // PAYMENT.AUTHORIZATION.CREATED (news already applied).
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 2, 5000));
    ASSERT_TRUE(WaitStatus(id, TENDER_STATUS_AUTHORIZED));
    // The payer comes back: nothing more happens, the payment stays
    // authorized whether the host lets the call through or refuses it.
    tender_param returned[] = {{"PayerID", QueryValue(back, "PayerID").c_str()},
                               {"token", QueryValue(back, "token").c_str()}};
    p = tender_host_complete(host, id.c_str(), returned, 2, &error);
    tender_payment_free(p);
    g_clear_error(&error);
    p = Get(id);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    tender_payment_free(p);

    p = tender_host_capture(host, id.c_str(), "20.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    tender_payment_free(p);
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 3, 5000));
    p = Get(id);
    EXPECT_EQ(p->captured, 2000); // the capture webhook did not count twice
    tender_payment_free(p);
    EXPECT_EQ(test_webhook_receiver_rejected(receiver), 0u);
}

// The payer is back first (complete-action authorizes); the approval and
// authorization webhooks that follow are news the payment already has.
// Every delivery comes twice (the sandbox's duplicate fault): still once.
TEST_F(PaypalWebhooks, WebhooksAfterThePayerReturnsAndDuplicatesChangeNothing)
{
    SetFaults("{\"provider\":\"paypal\",\"duplicate_notifications\":true}");
    std::string id = Authorized(this, "USD", "30.00");
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 4, 5000));
    TenderPayment *p = Get(id);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_EQ(p->captured, 0);
    tender_payment_free(p);
    GError *error = nullptr;
    p = tender_host_capture(host, id.c_str(), "10.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    tender_payment_free(p);
    p = tender_host_refund(host, id.c_str(), "4.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    tender_payment_free(p);
    // PAYMENT.CAPTURE.COMPLETED and PAYMENT.CAPTURE.REFUNDED, twice each.
    ASSERT_TRUE(test_webhook_receiver_wait_accepted(receiver, 8, 5000));
    g_usleep(100000);
    p = Get(id);
    EXPECT_EQ(p->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(p->captured, 1000);
    EXPECT_EQ(p->refunded, 400);
    tender_payment_free(p);
    EXPECT_EQ(test_webhook_receiver_rejected(receiver), 0u);
}

// A forged delivery is refused 400 and changes nothing.
TEST_F(PaypalWebhooks, AForgedDeliveryIsRefused)
{
    tender_param forged[] = {{"PAYPAL-TRANSMISSION-ID", "x"},
                             {"PAYPAL-TRANSMISSION-TIME", "2026-01-01T00:00:00Z"},
                             {"PAYPAL-TRANSMISSION-SIG", "AAAA"},
                             {"PAYPAL-AUTH-ALGO", "SHA256withRSA"},
                             {"PAYPAL-CERT-URL", "https://evil.example/cert"}};
    TenderNotifyReply *reply = nullptr;
    GError *error = nullptr;
    const char *body = "{\"id\":\"WH-1\",\"event_type\":\"PAYMENT.CAPTURE.COMPLETED\"}";
    tender_host_notify(host, "paypal", forged, 5, body, strlen(body), &reply, &error);
    g_clear_error(&error);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->outcome, TENDER_NOTIFY_REJECTED);
    EXPECT_EQ(reply->status, 400u);
    tender_notify_reply_free(reply);
}

} // namespace
