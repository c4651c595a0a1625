// The card plugin as a gateway client, through a real TenderHost, against a
// scripted gateway (card-gateway-script.h): what the plugin sends for each
// operation (path, form, key, Idempotency-Key) and how each documented
// answer — an intent in every status, a card error, a 401, a 5xx, a lost
// answer, an unreadable body — becomes a Tender outcome. The end-to-end
// runs against tender-sandbox are in test-card-sandbox.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <gio/gio.h>

#include <tender/decline.h>
#include <tender/tender.h>

#include "test-ledger.h"

#include "card-gateway-script.h"

namespace {

// 2026-03-01T10:00:00Z.
constexpr gint64 kNow = 1772359200000LL;
const char *const kKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
const char *const kWebhookSecret = "whsec_scripted_test_secret";

// The embedded default config with the card method's settings replaced.
std::string config_with_card_settings(const std::string &settings)
{
    std::string json = tender_config_default_json();
    const std::string card_settings = "\"settings\": {\"mode\": \"sandbox\"}";
    size_t card = json.find("\"card\"");
    size_t at = json.find(card_settings, card);
    if (card == std::string::npos || at == std::string::npos)
        return "";
    return json.replace(at, card_settings.size(), "\"settings\": " + settings);
}

// A PaymentIntent as the gateway documents it.
std::string intent(const std::string &id, const std::string &status, gint64 amount,
                   gint64 capturable, gint64 received, const std::string &extra = "")
{
    return "{\"id\":\"" + id + "\",\"object\":\"payment_intent\",\"amount\":" +
           std::to_string(amount) + ",\"amount_capturable\":" + std::to_string(capturable) +
           ",\"amount_received\":" + std::to_string(received) +
           ",\"currency\":\"usd\",\"status\":\"" + status + "\",\"created\":1772359200" +
           ",\"metadata\":{}" + (extra.empty() ? "" : "," + extra) + "}";
}

std::string card_error(const std::string &code, const std::string &decline_code,
                       const std::string &embedded_intent)
{
    return "{\"error\":{\"type\":\"card_error\",\"code\":\"" + code + "\"" +
           (decline_code.empty() ? "" : ",\"decline_code\":\"" + decline_code + "\"") +
           ",\"message\":\"Your card was declined.\",\"payment_intent\":" + embedded_intent +
           "}}";
}

std::string failed_intent(const std::string &id, const std::string &code,
                          const std::string &decline_code)
{
    return intent(id, "requires_payment_method", 1000, 0, 0,
                  "\"last_payment_error\":{\"type\":\"card_error\",\"code\":\"" + code + "\"" +
                      (decline_code.empty() ? ""
                                            : ",\"decline_code\":\"" + decline_code + "\"") +
                      "}");
}

class CardGateway : public ::testing::Test {
protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }

    std::string settings(const std::string &extra = "")
    {
        return "{\"mode\":\"sandbox\",\"endpoint\":\"" + gw.base() +
               "/card\",\"secret_key\":\"" + kKey + "\",\"webhook_secret\":\"" +
               kWebhookSecret + "\"" + extra + "}";
    }

    // (Re)start the host; extra_currency is added to the card method's
    // currencies in the default policy when given.
    void start(const std::string &card_settings = "", const std::string &extra_currency = "")
    {
        stop();
        std::string config = config_with_card_settings(card_settings.empty() ? settings()
                                                                              : card_settings);
        ASSERT_FALSE(config.empty());
        if (!extra_currency.empty()) {
            size_t at = config.find("\"currencies\": [", config.find("\"card\""));
            ASSERT_NE(at, std::string::npos);
            config.insert(at + std::strlen("\"currencies\": ["), "\"" + extra_currency + "\", ");
        }
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, CARD_PLUGIN_DIR);
        test_ledger_set_options(options, ":memory:");
        tender_host_options_set_fixed_now(options, kNow);
        tender_host_options_set_config_data(options, config.c_str());
        GError *error = nullptr;
        host = tender_host_new(options, &error);
        tender_host_options_free(options);
        ASSERT_NE(host, nullptr) << (error ? error->message : "no error");
    }

    void stop()
    {
        for (TenderPayment *p : payments)
            tender_payment_free(p);
        payments.clear();
        tender_host_free(host);
        host = nullptr;
    }

    TenderPayment *keep(TenderPayment *p)
    {
        if (p) {
            payments.push_back(p);
            for (const char *text : {p->processor_ref, p->action_data, p->decline_message,
                                     p->details, p->decline_raw_code}) {
                if (text == nullptr)
                    continue;
                for (const char *secret : {"4242424242424242", "4000000000009995", kKey})
                    EXPECT_EQ(std::strstr(text, secret), nullptr) << "leaks: " << text;
            }
        }
        return p;
    }

    TenderPayment *pay(const char *number, const char *amount = "10.00", gboolean capture = FALSE,
                       const char *region = "US", GError **error_out = nullptr)
    {
        tender_param params[] = {
            {"number", number}, {"exp_month", "12"}, {"exp_year", "2030"}, {"cvc", "737"}};
        std::string account = "gw-" + std::to_string(++accounts);
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "card";
        req.account = account.c_str();
        req.region = region;
        req.currency = "USD";
        req.amount = amount;
        req.params = params;
        req.n_params = 4;
        req.capture = capture;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        if (error_out)
            *error_out = error;
        else
            g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *sync(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_sync(host, id, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *get(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    // An approved authorization of 10.00 USD as pi_auth.
    TenderPayment *authorized()
    {
        gw.answer(200, intent("pi_auth", "requires_capture", 1000, 1000, 0));
        TenderPayment *p = pay("4242424242424242");
        EXPECT_NE(p, nullptr);
        if (p) {
            EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
        }
        return p;
    }

    // Sign body as the gateway does for the test's webhook secret.
    static std::string signature(const std::string &body, gint64 t,
                                 const char *secret = kWebhookSecret)
    {
        std::string payload = std::to_string(t) + "." + body;
        gchar *hex = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)secret,
                                               std::strlen(secret), payload.c_str(), -1);
        std::string header = "t=" + std::to_string(t) + ",v1=" + hex;
        g_free(hex);
        return header;
    }

    ScriptedGateway gw;
    TenderHost *host = nullptr;
    int accounts = 0;
    std::vector<TenderPayment *> payments;
};

TEST_F(CardGateway, AuthorizeSendsADocumentedConfirmedManualIntent)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    EXPECT_STREQ(p->processor_ref, "pi_auth");
    EXPECT_STREQ(p->brand, "visa");
    EXPECT_STREQ(p->last4, "4242");
    EXPECT_EQ(p->amount, 1000);
    EXPECT_EQ(p->hold_expires_ms, kNow + 7 * 86400000LL);

    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 1u);
    const ScriptedRequest &r = seen[0];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/card/v1/payment_intents");
    EXPECT_EQ(r.headers.at("authorization"), std::string("Bearer ") + kKey);
    EXPECT_EQ(r.headers.at("content-type"), "application/x-www-form-urlencoded");
    ASSERT_TRUE(r.headers.count("idempotency-key"));
    EXPECT_FALSE(r.headers.at("idempotency-key").empty());
    EXPECT_EQ(r.form.at("amount"), "1000");
    EXPECT_EQ(r.form.at("currency"), "usd");
    EXPECT_EQ(r.form.at("confirm"), "true");
    EXPECT_EQ(r.form.at("capture_method"), "manual");
    EXPECT_EQ(r.form.at("payment_method_data[type]"), "card");
    EXPECT_EQ(r.form.at("payment_method_data[card][number]"), "4242424242424242");
    EXPECT_EQ(r.form.at("payment_method_data[card][exp_month]"), "12");
    EXPECT_EQ(r.form.at("payment_method_data[card][exp_year]"), "2030");
    EXPECT_EQ(r.form.at("payment_method_data[card][cvc]"), "737");
    EXPECT_EQ(r.form.at("payment_method_options[card][request_multicapture]"), "if_available");
    EXPECT_EQ(r.form.count("payment_method_options[card][request_three_d_secure]"), 0u);
    EXPECT_EQ(r.form.at("metadata[tender_payment_id]"), p->id);
}

TEST_F(CardGateway, PurchaseIsAutomaticCapture)
{
    gw.answer(200, intent("pi_buy", "succeeded", 2550, 0, 2550));
    TenderPayment *p = pay("4242424242424242", "25.50", TRUE);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 2550);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].form.at("capture_method"), "automatic");
    EXPECT_EQ(seen[0].form.count("payment_method_options[card][request_multicapture]"), 0u);
}

TEST_F(CardGateway, LocalChecksNeverReachTheGateway)
{
    // Luhn failure, an expired card and a short security code.
    TenderPayment *luhn = pay("4242424242424241");
    ASSERT_NE(luhn, nullptr);
    EXPECT_EQ(luhn->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(luhn->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
    tender_param params[] = {
        {"number", "4242424242424242"}, {"exp_month", "01"}, {"exp_year", "2026"}, {"cvc", "7"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "US";
    req.currency = "USD";
    req.amount = "10.00";
    req.params = params;
    req.n_params = 4;
    GError *error = nullptr;
    TenderPayment *bad = keep(tender_host_pay(host, &req, &error));
    g_clear_error(&error);
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(bad->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(gw.requests().size(), 0u) << "nothing was sent";
}

struct DeclineCase {
    const char *code;
    const char *decline_code;
    tender_decline_code expect;
};

TEST_F(CardGateway, CardErrorsAreDeclinesWithTheRawCode)
{
    const DeclineCase cases[] = {
        {"card_declined", "generic_decline", TENDER_DECLINE_DO_NOT_HONOR},
        {"card_declined", "insufficient_funds", TENDER_DECLINE_INSUFFICIENT_FUNDS},
        {"card_declined", "lost_card", TENDER_DECLINE_LOST_CARD},
        {"card_declined", "stolen_card", TENDER_DECLINE_STOLEN_CARD},
        {"expired_card", "", TENDER_DECLINE_EXPIRED_METHOD},
        {"incorrect_cvc", "", TENDER_DECLINE_INVALID_SECURITY_CODE},
        {"processing_error", "", TENDER_DECLINE_PROCESSING_ERROR},
        {"card_declined", "fraudulent", TENDER_DECLINE_SUSPECTED_FRAUD},
        {"card_declined", "something_new", TENDER_DECLINE_DO_NOT_HONOR},
    };
    int i = 0;
    for (const auto &c : cases) {
        std::string id = "pi_declined_" + std::to_string(i++);
        gw.answer(402, card_error(c.code, c.decline_code,
                                  failed_intent(id, c.code, c.decline_code)));
        TenderPayment *p = pay("4000000000009995");
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_DECLINED) << c.code;
        EXPECT_EQ(p->decline_code, (guint32)c.expect) << c.code;
        EXPECT_STREQ(p->decline_raw_code, *c.decline_code ? c.decline_code : c.code);
        EXPECT_STREQ(p->processor_ref, id.c_str());
    }
    const tender_decline_info *processing = tender_decline_lookup(TENDER_DECLINE_PROCESSING_ERROR);
    EXPECT_TRUE(processing->retryable) << "processing_error stays a retryable failure";
}

TEST_F(CardGateway, WrongKeyNamesTheSettingNeverTheKey)
{
    gw.answer(401, "{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Invalid API Key "
                   "provided: sk_test_****7dc\"}}");
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_NE(std::strstr(p->decline_message, "secret_key"), nullptr) << p->decline_message;
    EXPECT_EQ(std::strstr(p->decline_message, kKey), nullptr);
}

TEST_F(CardGateway, ServerErrorsLostAnswersAndGarbageAreUnknown)
{
    gw.answer(503, "{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}");
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    gw.drop();
    p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    gw.answer(200, "<html>not json</html>");
    p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    gw.answer(200, "{\"id\":\"ch_x\",\"object\":\"charge\"}");
    p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "an answer that is not an intent";
}

TEST_F(CardGateway, UnreachableGatewayIsNotSent)
{
    // A port nobody listens on: the connection is refused, nothing left.
    GSocket *socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, nullptr);
    GInetAddress *loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress *any = g_inet_socket_address_new(loopback, 0);
    ASSERT_TRUE(g_socket_bind(socket, any, FALSE, nullptr));
    GSocketAddress *bound = g_socket_get_local_address(socket, nullptr);
    int port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    start("{\"mode\":\"sandbox\",\"endpoint\":\"http://127.0.0.1:" + std::to_string(port) +
          "/card\",\"secret_key\":\"" + kKey + "\"}");
    GError *error = nullptr;
    TenderPayment *p = pay("4242424242424242", "10.00", FALSE, "US", &error);
    if (p) {
        EXPECT_NE(p->status, TENDER_STATUS_AUTHORIZED);
        EXPECT_NE(p->status, TENDER_STATUS_DECLINED) << "never a decline on a guess";
        EXPECT_NE(p->status, TENDER_STATUS_UNKNOWN) << "nothing was sent";
    }
    g_clear_error(&error);
    g_object_unref(bound);
    g_object_unref(any);
    g_object_unref(loopback);
    g_object_unref(socket);
}

TEST_F(CardGateway, ThreeDSecureChallengeIsARedirectThenCompleteRetrieves)
{
    std::string redirect = gw.base() + "/card/3ds/pi_3ds";
    gw.answer(200, intent("pi_3ds", "requires_action", 1000, 0, 0,
                          "\"next_action\":{\"type\":\"redirect_to_url\",\"redirect_to_url\":{"
                          "\"url\":\"" + redirect + "\",\"return_url\":null}}"));
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
    EXPECT_STREQ(p->action_data, redirect.c_str());

    gw.answer(200, intent("pi_3ds", "requires_capture", 1000, 1000, 0,
                          "\"latest_charge\":{\"id\":\"ch_3ds\",\"object\":\"charge\","
                          "\"amount_refunded\":0,\"payment_method_details\":{\"card\":{"
                          "\"brand\":\"visa\",\"last4\":\"3220\",\"three_d_secure\":{"
                          "\"result\":\"authenticated\"}}}}"));
    GError *error = nullptr;
    TenderPayment *done = keep(tender_host_complete(host, p->id, nullptr, 0, &error));
    ASSERT_NE(done, nullptr) << (error ? error->message : "");
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_NE(std::strstr(done->details, "three_ds=Y"), nullptr) << done->details;
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].method, "GET");
    EXPECT_EQ(seen[1].path, "/card/v1/payment_intents/pi_3ds");
}

TEST_F(CardGateway, SandboxCompleteSubmitsTheCodeToTheGatewaysPage)
{
    std::string redirect = gw.base() + "/card/3ds/pi_otp";
    gw.answer(200, intent("pi_otp", "requires_action", 1000, 0, 0,
                          "\"next_action\":{\"type\":\"redirect_to_url\",\"redirect_to_url\":{"
                          "\"url\":\"" + redirect + "\"}}"));
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    gw.answer(303, "{}", {{"Location", "http://merchant.example/return"}});
    gw.answer(200, intent("pi_otp", "requires_capture", 1000, 1000, 0));
    tender_param otp = {"otp", "123456"};
    GError *error = nullptr;
    TenderPayment *done = keep(tender_host_complete(host, p->id, &otp, 1, &error));
    ASSERT_NE(done, nullptr) << (error ? error->message : "");
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].method, "POST");
    EXPECT_EQ(seen[1].path, "/card/3ds/pi_otp");
    EXPECT_EQ(seen[1].form.at("code"), "123456");
    EXPECT_EQ(seen[1].headers.count("authorization"), 0u) << "the payer's browser has no key";
    EXPECT_EQ(seen[2].method, "GET");
    for (TenderPayment *any : {p, done})
        EXPECT_EQ(std::strstr(any->details ? any->details : "", "123456"), nullptr);
}

TEST_F(CardGateway, FailedAuthenticationDeclines)
{
    gw.answer(200, intent("pi_fail", "requires_action", 1000, 0, 0,
                          "\"next_action\":{\"type\":\"redirect_to_url\",\"redirect_to_url\":{"
                          "\"url\":\"" + gw.base() + "/card/3ds/pi_fail\"}}"));
    TenderPayment *p = pay("4000008400001629");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    gw.answer(200, failed_intent("pi_fail", "payment_intent_authentication_failure", ""));
    GError *error = nullptr;
    TenderPayment *done = keep(tender_host_complete(host, p->id, nullptr, 0, &error));
    g_clear_error(&error);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(done->decline_code, (guint32)TENDER_DECLINE_AUTHENTICATION_FAILED);
}

TEST_F(CardGateway, StepUpAsksForAChallenge)
{
    // The default policy steps up above 500 USD.
    gw.answer(200, intent("pi_big", "requires_action", 60000, 0, 0,
                          "\"next_action\":{\"type\":\"redirect_to_url\",\"redirect_to_url\":{"
                          "\"url\":\"" + gw.base() + "/card/3ds/pi_big\"}}"));
    TenderPayment *p = pay("4242424242424242", "600.00");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].form.at("payment_method_options[card][request_three_d_secure]"),
              "challenge");
}

TEST_F(CardGateway, PartialCaptureKeepsTheRestThenTheLastCaptureIsFinal)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    gw.answer(200, intent("pi_auth", "requires_capture", 1000, 600, 400));
    GError *error = nullptr;
    TenderPayment *c1 = keep(tender_host_capture(host, p->id, "4.00", nullptr, &error));
    ASSERT_NE(c1, nullptr) << (error ? error->message : "");
    EXPECT_EQ(c1->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(c1->captured, 400);
    gw.answer(200, intent("pi_auth", "succeeded", 1000, 0, 1000));
    TenderPayment *c2 = keep(tender_host_capture(host, p->id, nullptr, nullptr, &error));
    ASSERT_NE(c2, nullptr) << (error ? error->message : "");
    EXPECT_EQ(c2->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(c2->captured, 1000);

    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].path, "/card/v1/payment_intents/pi_auth/capture");
    EXPECT_EQ(seen[1].form.at("amount_to_capture"), "400");
    EXPECT_EQ(seen[1].form.at("final_capture"), "false");
    EXPECT_EQ(seen[2].form.at("amount_to_capture"), "600");
    EXPECT_EQ(seen[2].form.count("final_capture"), 0u);
    EXPECT_NE(seen[1].headers.at("idempotency-key"), seen[2].headers.at("idempotency-key"));
}

TEST_F(CardGateway, CaptureRefusedByTheGatewayIsADecline)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    gw.answer(400, "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
                   "\"payment_intent_unexpected_state\",\"message\":\"This PaymentIntent could "
                   "not be captured because it has a status of canceled.\"}}");
    GError *error = nullptr;
    TenderPayment *c = keep(tender_host_capture(host, p->id, nullptr, nullptr, &error));
    g_clear_error(&error);
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(now->status, TENDER_STATUS_AUTHORIZED) << "a refused capture changes nothing";
    (void)c;
}

TEST_F(CardGateway, VoidCancelsTheIntent)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    gw.answer(200, intent("pi_auth", "canceled", 1000, 0, 0,
                          "\"cancellation_reason\":\"requested_by_customer\""));
    GError *error = nullptr;
    TenderPayment *v = keep(tender_host_void(host, p->id, nullptr, &error));
    ASSERT_NE(v, nullptr) << (error ? error->message : "");
    EXPECT_EQ(v->status, TENDER_STATUS_VOIDED);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].path, "/card/v1/payment_intents/pi_auth/cancel");
}

TEST_F(CardGateway, SeveralPartialRefunds)
{
    gw.answer(200, intent("pi_buy", "succeeded", 1000, 0, 1000));
    TenderPayment *p = pay("4242424242424242", "10.00", TRUE);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    gw.answer(200, "{\"id\":\"re_1\",\"object\":\"refund\",\"amount\":300,\"currency\":\"usd\","
                   "\"payment_intent\":\"pi_buy\",\"status\":\"succeeded\"}");
    GError *error = nullptr;
    TenderPayment *r1 = keep(tender_host_refund(host, p->id, "3.00", nullptr, &error));
    ASSERT_NE(r1, nullptr) << (error ? error->message : "");
    EXPECT_EQ(r1->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    EXPECT_EQ(r1->refunded, 300);
    gw.answer(200, "{\"id\":\"re_2\",\"object\":\"refund\",\"amount\":700,\"currency\":\"usd\","
                   "\"payment_intent\":\"pi_buy\",\"status\":\"succeeded\"}");
    TenderPayment *r2 = keep(tender_host_refund(host, p->id, nullptr, nullptr, &error));
    ASSERT_NE(r2, nullptr) << (error ? error->message : "");
    EXPECT_EQ(r2->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(r2->refunded, 1000);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].path, "/card/v1/refunds");
    EXPECT_EQ(seen[1].form.at("payment_intent"), "pi_buy");
    EXPECT_EQ(seen[1].form.at("amount"), "300");
    EXPECT_EQ(seen[2].form.at("amount"), "700");
}

TEST_F(CardGateway, UnknownCaptureIsSettledBySyncAndReconcile)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    gw.drop();
    GError *error = nullptr;
    TenderPayment *c = keep(tender_host_capture(host, p->id, nullptr, nullptr, &error));
    g_clear_error(&error);
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_NE(after->status, TENDER_STATUS_CAPTURED) << "not captured on a guess";
    (void)c;
    // The gateway did capture: reconcile asks it and settles the payment.
    EXPECT_EQ(after->status, TENDER_STATUS_UNKNOWN);
    gw.answer(200, intent("pi_auth", "succeeded", 1000, 0, 1000));
    TenderReconcileReport report = {};
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    EXPECT_EQ(report.resolved, 1u);
    TenderPayment *settled = get(p->id);
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(settled->captured, 1000);
    auto seen = gw.requests();
    EXPECT_EQ(seen.back().method, "GET");
}

TEST_F(CardGateway, LostAuthorizationAnswerIsFoundAmongTheGatewaysEvents)
{
    gw.answer(503, "{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}");
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    // The gateway did create the intent: its event names the payment. The
    // first page holds another payment's event and says there is more.
    std::string other = intent("pi_other", "requires_capture", 500, 500, 0,
                               "\"metadata2\":{}");
    std::string mine = intent("pi_lost", "requires_capture", 1000, 1000, 0);
    mine.replace(mine.find("\"metadata\":{}"), std::strlen("\"metadata\":{}"),
                 std::string("\"metadata\":{\"tender_payment_id\":\"") + p->id + "\"}");
    gw.answer(200, "{\"object\":\"list\",\"has_more\":true,\"data\":[{\"id\":\"evt_9\","
                   "\"object\":\"event\",\"type\":\"payment_intent.amount_capturable_updated\","
                   "\"data\":{\"object\":" + other + "}}]}");
    gw.answer(200, "{\"object\":\"list\",\"has_more\":false,\"data\":[{\"id\":\"evt_8\","
                   "\"object\":\"event\",\"type\":\"payment_intent.amount_capturable_updated\","
                   "\"data\":{\"object\":" + mine + "}}]}");
    gw.answer(200, intent("pi_lost", "requires_capture", 1000, 1000, 0));
    TenderReconcileReport report = {};
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    TenderPayment *settled = get(p->id);
    ASSERT_NE(settled, nullptr);
    EXPECT_EQ(settled->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_STREQ(settled->processor_ref, "pi_lost");
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[1].path, "/card/v1/events");
    EXPECT_EQ(seen[2].query, "limit=100&starting_after=evt_9");
    EXPECT_EQ(seen[3].path, "/card/v1/payment_intents/pi_lost");
}

TEST_F(CardGateway, LostAuthorizationWithNoEventStaysUnknown)
{
    gw.drop();
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_UNKNOWN);
    gw.answer(200, "{\"object\":\"list\",\"has_more\":false,\"data\":[]}");
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_UNKNOWN) << "never a decline on a guess";
}

TEST_F(CardGateway, SyncReportsLapseAndRefunds)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    gw.answer(200, intent("pi_auth", "canceled", 1000, 0, 0,
                          "\"cancellation_reason\":\"automatic\""));
    TenderPayment *s = sync(p->id);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_EXPIRED);
}

TEST_F(CardGateway, SignedWebhookIsAppliedAfterRetrievingTheIntent)
{
    TenderPayment *p = authorized();
    ASSERT_NE(p, nullptr);
    std::string object = intent("pi_auth", "succeeded", 1000, 0, 1000,
                                "\"metadata2\":{}");
    // The payment's id in the intent's metadata names it.
    std::string meta = std::string("\"metadata\":{\"tender_payment_id\":\"") + p->id + "\"}";
    size_t at = object.find("\"metadata\":{}");
    object.replace(at, std::strlen("\"metadata\":{}"), meta);
    std::string body = "{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"payment_intent."
                       "succeeded\",\"created\":1772359200,\"data\":{\"object\":" +
                       object + "}}";
    std::string sig = signature(body, kNow / 1000);
    tender_param headers[] = {{"Stripe-Signature", sig.c_str()},
                              {"Content-Type", "application/json"}};
    gw.answer(200, intent("pi_auth", "succeeded", 1000, 0, 1000));
    TenderNotifyReply *reply = nullptr;
    GError *error = nullptr;
    EXPECT_TRUE(tender_host_notify(host, "card", headers, 2, body.c_str(), body.size(), &reply,
                                   &error))
        << (error ? error->message : "");
    g_clear_error(&error);
    ASSERT_NE(reply, nullptr);
    EXPECT_EQ(reply->status, 200u);
    tender_notify_reply_free(reply);
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    EXPECT_EQ(now->status, TENDER_STATUS_CAPTURED);

    // Tampered, wrongly signed and stale events are refused.
    std::string tampered = body;
    tampered.replace(tampered.find("evt_1"), 5, "evt_2");
    std::string wrong = signature(body, kNow / 1000, "whsec_another");
    std::string stale = signature(body, kNow / 1000 - 301);
    struct {
        const std::string *body;
        const std::string *sig;
    } bad[] = {{&tampered, &sig}, {&body, &wrong}, {&body, &stale}};
    for (const auto &b : bad) {
        tender_param h[] = {{"Stripe-Signature", b.sig->c_str()}};
        TenderNotifyReply *r = nullptr;
        EXPECT_FALSE(tender_host_notify(host, "card", h, 1, b.body->c_str(), b.body->size(), &r,
                                        &error));
        EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_NOTIFICATION_REJECTED))
            << (error ? error->message : "no error");
        g_clear_error(&error);
        if (r) {
            EXPECT_EQ(r->status, 400u);
            tender_notify_reply_free(r);
        }
    }
}

struct SettingsCase {
    const char *settings;
    const char *names;
};

TEST_F(CardGateway, CreateRefusesMissingOrMismatchedKeys)
{
    const SettingsCase cases[] = {
        {"{\"mode\":\"sandbox\"}", "secret_key"},
        {"{\"mode\":\"sandbox\",\"secret_key\":\"pk_test_abc\"}", "secret_key"},
        {"{\"mode\":\"sandbox\",\"secret_key\":\"sk_live_abcdef\"}", "secret_key"},
        {"{\"mode\":\"live\",\"secret_key\":\"sk_test_abcdef\"}", "secret_key"},
        {"{\"mode\":\"production\",\"secret_key\":\"sk_test_abcdef\"}", "mode"},
        {"{\"mode\":\"sandbox\",\"secret_key\":\"sk_test_abcdef\",\"webhook_secret\":\"x\"}",
         "webhook_secret"},
    };
    for (const auto &c : cases) {
        start(c.settings);
        GError *error = nullptr;
        TenderPayment *p = pay("4242424242424242", "10.00", FALSE, "US", &error);
        EXPECT_EQ(p, nullptr) << "no payment through a method that failed to start";
        g_clear_error(&error);
        bool named = false;
        const GPtrArray *refusals = tender_host_refusals(host);
        for (guint i = 0; i < refusals->len; i++) {
            auto *r = (const TenderRefusal *)g_ptr_array_index(refusals, i);
            if (r->reason && std::strstr(r->reason, c.names)) {
                named = true;
                EXPECT_EQ(std::strstr(r->reason, "abcdef"), nullptr) << "the key is not shown";
            }
        }
        EXPECT_TRUE(named) << c.settings;
    }
}

TEST_F(CardGateway, MethodIsRegisteredWithItsFacts)
{
    const TenderMethodInfo *m = tender_host_method(host, "card");
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(m->name, "Bank card");
    EXPECT_TRUE(m->capabilities & TENDER_CAP_STEP_UP);
    EXPECT_TRUE(m->capabilities & TENDER_CAP_MULTI_CAPTURE);
    EXPECT_TRUE(m->capabilities & TENDER_CAP_NOTIFICATION);
    EXPECT_EQ(m->hold_seconds, 7 * 86400);
    EXPECT_EQ(m->action_timeout_seconds, 900);
    EXPECT_TRUE(m->has_fixtures);
}

TEST_F(CardGateway, ExpiryOnTheHostClock)
{
    // Valid through the last second of its month on the host's clock: the
    // plugin checks it before anything is sent.
    tender_host_set_now(host, 1775001599000LL); // 2026-03-31T23:59:59Z
    tender_param params[] = {
        {"number", "4242424242424242"}, {"exp_month", "03"}, {"exp_year", "2026"}, {"cvc", "737"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "US";
    req.currency = "USD";
    req.amount = "10.00";
    req.params = params;
    req.n_params = 4;
    gw.answer(200, intent("pi_exp", "requires_capture", 1000, 1000, 0));
    GError *error = nullptr;
    TenderPayment *p = keep(tender_host_pay(host, &req, &error));
    g_clear_error(&error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    tender_host_set_now(host, 1775001600000LL); // 2026-04-01T00:00:00Z
    req.account = "second";
    p = keep(tender_host_pay(host, &req, &error));
    g_clear_error(&error);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    EXPECT_EQ(gw.requests().size(), 1u) << "the expired card was not sent";
}

TEST_F(CardGateway, UnionPayLuhnSwitchFromSettings)
{
    const char *bad = "6200000000000006"; // UnionPay prefix, wrong check digit
    gw.answer(200, intent("pi_up", "requires_capture", 1000, 1000, 0));
    TenderPayment *p = pay(bad, "10.00", FALSE, "CN");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << "exempt by default: the gateway decides";
    EXPECT_EQ(gw.requests().size(), 1u);
    start(settings(",\"unionpay_luhn_exempt\":false"));
    p = pay(bad, "10.00", FALSE, "CN");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
    EXPECT_EQ(gw.requests().size(), 1u) << "refused locally, not sent";
}

TEST_F(CardGateway, StepUpByIssuerCountryAsksForAChallenge)
{
    // The default policy steps up when the issuer's country (the plugin's
    // BIN data: 222300 is DE) differs from the buyer's region.
    gw.answer(200, intent("pi_de", "requires_action", 1000, 0, 0,
                          "\"next_action\":{\"type\":\"redirect_to_url\",\"redirect_to_url\":{"
                          "\"url\":\"" + gw.base() + "/card/3ds/pi_de\"}}"));
    TenderPayment *abroad = pay("2223003122003222", "10.00", FALSE, "US");
    ASSERT_NE(abroad, nullptr);
    EXPECT_EQ(abroad->status, TENDER_STATUS_REQUIRES_ACTION);
    gw.answer(200, intent("pi_home", "requires_capture", 1000, 1000, 0));
    TenderPayment *home = pay("2223003122003222", "10.00", FALSE, "DE");
    ASSERT_NE(home, nullptr);
    EXPECT_EQ(home->status, TENDER_STATUS_AUTHORIZED);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].form.at("payment_method_options[card][request_three_d_secure]"),
              "challenge");
    EXPECT_EQ(seen[1].form.count("payment_method_options[card][request_three_d_secure]"), 0u);
}

TEST_F(CardGateway, IsoAmountsAreConvertedToTheGatewaysUnits)
{
    // ISK has no decimals in ISO 4217 and two at the gateway.
    start("", "ISK");
    gw.answer(200, intent("pi_isk", "requires_capture", 150000, 150000, 0));
    tender_param params[] = {
        {"number", "4242424242424242"}, {"exp_month", "12"}, {"exp_year", "2030"}, {"cvc", "737"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "IS";
    req.currency = "ISK";
    req.amount = "1500";
    req.params = params;
    req.n_params = 4;
    GError *error = nullptr;
    TenderPayment *p = keep(tender_host_pay(host, &req, &error));
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    auto seen = gw.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].form.at("amount"), "150000");
    EXPECT_EQ(seen[0].form.at("currency"), "isk");
    EXPECT_EQ(p->amount, 1500);
}

} // namespace
