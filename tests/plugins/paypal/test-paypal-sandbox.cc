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

extern "C" {
#include "sandbox-process.h"
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

struct Webhooks;

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
        tender_host_options_set_ledger(o, ":memory:");
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

TEST_F(PaypalSandbox, A503IsUnknownAndSyncSettlesIt)
{
    StartHost(settings);
    GError *error = nullptr;
    std::string id = Authorized(this, "USD", "30.00"); // the token is cached by now
    ASSERT_TRUE(test_sandbox_set_faults(sandbox, "{\"provider\":\"paypal\",\"fail_5xx\":1}", &error))
        << error->message;
    TenderPayment *p = tender_host_capture(host, id.c_str(), "30.00", nullptr, &error);
    if (p != nullptr) {
        EXPECT_EQ(p->captured, 0);
        tender_payment_free(p);
    }
    g_clear_error(&error);
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

// ---- Webhooks ---------------------------------------------------------------

// A loopback receiver that hands each delivery to tender_host_notify and
// answers with the plugin's reply.
struct Receiver {
    SoupServer *server = nullptr;
    TenderHost **host;
    std::string url;
    std::vector<TenderNotifyOutcome> outcomes;
    std::vector<guint> replies;

    explicit Receiver(TenderHost **h) : host(h)
    {
        server = soup_server_new(nullptr, nullptr);
        soup_server_add_handler(server, "/v1/webhooks/paypal", Handle, this, nullptr);
        GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
        GSocketAddress *address = g_inet_socket_address_new(loopback, 0);
        EXPECT_TRUE(soup_server_listen(server, address, (SoupServerListenOptions)0, nullptr));
        GSList *uris = soup_server_get_uris(server);
        url = "http://127.0.0.1:" + std::to_string(g_uri_get_port((GUri *)uris->data)) +
              "/v1/webhooks/paypal";
        g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
        g_object_unref(address);
        g_object_unref(loopback);
    }
    ~Receiver() { g_object_unref(server); }

    static void Handle(SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
                       gpointer data)
    {
        Receiver *self = static_cast<Receiver *>(data);
        std::vector<std::pair<std::string, std::string>> kept;
        SoupMessageHeadersIter iter;
        const char *name;
        const char *value;
        soup_message_headers_iter_init(&iter, soup_server_message_get_request_headers(msg));
        while (soup_message_headers_iter_next(&iter, &name, &value))
            kept.emplace_back(name, value);
        std::vector<tender_param> headers;
        for (auto &h : kept)
            headers.push_back({h.first.c_str(), h.second.c_str()});
        SoupMessageBody *body = soup_server_message_get_request_body(msg);
        GBytes *bytes = soup_message_body_flatten(body);
        gsize len = 0;
        const char *data_ptr = static_cast<const char *>(g_bytes_get_data(bytes, &len));
        TenderNotifyReply *reply = nullptr;
        GError *error = nullptr;
        tender_host_notify(*self->host, "paypal", headers.data(), headers.size(), data_ptr, len,
                           &reply, &error);
        g_clear_error(&error);
        g_bytes_unref(bytes);
        guint status = reply != nullptr ? reply->status : 500;
        self->outcomes.push_back(reply != nullptr ? reply->outcome : TENDER_NOTIFY_REJECTED);
        self->replies.push_back(status);
        soup_server_message_set_status(msg, status, nullptr);
        if (reply != nullptr) {
            soup_server_message_set_response(msg, reply->content_type, SOUP_MEMORY_COPY,
                                             reply->body, strlen(reply->body));
            tender_notify_reply_free(reply);
        }
    }

    bool WaitFor(size_t n, gint64 max_ms = 5000)
    {
        gint64 deadline = g_get_monotonic_time() + max_ms * 1000;
        while (outcomes.size() < n && g_get_monotonic_time() < deadline)
            g_main_context_iteration(nullptr, FALSE), g_usleep(2000);
        return outcomes.size() >= n;
    }
};

TEST_F(PaypalSandbox, ApprovalWebhookCompletesTheOrderAndLaterEventsAreDeduplicated)
{
    // Restart the sandbox with a webhook base: its config registers our
    // receiver and names the webhook_id.
    test_sandbox_stop(sandbox);
    host = nullptr;
    Receiver receiver(&host);
    std::string base = receiver.url.substr(0, receiver.url.find("/v1/webhooks/paypal"));
    const char *args[] = {"--webhook-base", base.c_str(), nullptr};
    GError *error = nullptr;
    sandbox = test_sandbox_start(1000.0, args, &error);
    ASSERT_NE(sandbox, nullptr) << (error ? error->message : "");
    char *json = test_sandbox_settings_json(sandbox, "paypal");
    settings = json;
    g_free(json);
    ASSERT_NE(settings.find("webhook_id"), std::string::npos) << settings;
    StartHost(settings);

    TenderPayment *p = Pay("US", "USD", "20.00",
                           {{"intent", "AUTHORIZE"}, {"return_url", "https://shop.example/back"}},
                           &error);
    ASSERT_NE(p, nullptr) << error->message;
    std::string id = p->id;
    PayerApproves(p->action_data);
    tender_payment_free(p);
    // CHECKOUT.ORDER.APPROVED: the plugin authorizes; then
    // PAYMENT.AUTHORIZATION.CREATED arrives for news already applied.
    ASSERT_TRUE(receiver.WaitFor(2));
    EXPECT_EQ(receiver.replies[0], 200u);
    EXPECT_EQ(receiver.outcomes[0], TENDER_NOTIFY_ACCEPTED);
    p = tender_host_get(host, id.c_str(), &error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << (p->decline_message ? p->decline_message : "");
    tender_payment_free(p);

    p = tender_host_capture(host, id.c_str(), "20.00", nullptr, &error);
    ASSERT_NE(p, nullptr) << error->message;
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    tender_payment_free(p);
    ASSERT_TRUE(receiver.WaitFor(3));
    EXPECT_EQ(receiver.replies[2], 200u);
    p = tender_host_get(host, id.c_str(), &error);
    EXPECT_EQ(p->captured, 2000); // the capture webhook did not count twice
    tender_payment_free(p);

    // A forged delivery is refused 400 and changes nothing.
    tender_param forged[] = {{"PAYPAL-TRANSMISSION-ID", "x"},
                             {"PAYPAL-TRANSMISSION-TIME", "2026-01-01T00:00:00Z"},
                             {"PAYPAL-TRANSMISSION-SIG", "AAAA"},
                             {"PAYPAL-AUTH-ALGO", "SHA256withRSA"},
                             {"PAYPAL-CERT-URL", "https://evil.example/cert"}};
    TenderNotifyReply *reply = nullptr;
    const char *body = "{\"id\":\"WH-1\",\"event_type\":\"PAYMENT.CAPTURE.COMPLETED\"}";
    tender_host_notify(host, "paypal", forged, 5, body, strlen(body), &reply, &error);
    g_clear_error(&error);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->outcome, TENDER_NOTIFY_REJECTED);
    EXPECT_EQ(reply->status, 400u);
    tender_notify_reply_free(reply);
}

} // namespace
