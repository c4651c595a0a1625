// The card plugin end to end against tender-sandbox (started by the test on
// an ephemeral port): every METHODS.md test card, the 3-D Secure page (the
// test plays the payer and POSTs the code), frictionless, partial and
// multicapture, void, partial refunds, signed webhooks handed to
// tender_host_notify by a loopback receiver, a 503 and a dropped request
// settled by reconcile, a lapse after advancing the gateway's clock, and a
// wrong secret key. The host runs on the real clock, as the gateway does.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>


#include <tender/decline.h>
#include <tender/tender.h>

#include "test-ledger.h"

#include "payer-browser.h"

extern "C" {
#include "sandbox-process.h"
#include "webhook-receiver.h"
}

namespace {

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


// The payer's browser and the test's control calls: redirects are not
// followed (tests/support/payer-browser.h).
using Exchange = TestExchange;

Exchange http(const std::string &method, const std::string &url, const std::string &type = "",
              const std::string &body = "")
{
    return test_http(method, url, type, body);
}

// The merchant's webhook receiver (tests/support/webhook-receiver.h): hands
// the sandbox's deliveries to tender_host_notify, as tenderd will.
class WebhookReceiver {
public:
    WebhookReceiver()
    {
        GError *error = nullptr;
        receiver_ = test_webhook_receiver_start(&error);
        if (receiver_ == nullptr)
            g_error("receiver cannot listen: %s", error->message);
    }
    ~WebhookReceiver() { test_webhook_receiver_stop(receiver_); }

    std::string base() const { return test_webhook_receiver_url(receiver_); }
    // Hand deliveries to host (nullptr: answer 503). Returns once no
    // delivery is using the previous host, so it may be freed.
    void attach(TenderHost *host) { test_webhook_receiver_attach(receiver_, host); }
    int accepted() const { return (int)test_webhook_receiver_accepted(receiver_); }
    int rejected() const { return (int)test_webhook_receiver_rejected(receiver_); }

private:
    TestWebhookReceiver *receiver_ = nullptr;
};

class CardSandbox : public ::testing::Test {
protected:
    // Whether the sandbox delivers its events to the receiver (and so to
    // the host); without, only complete and sync tell the host anything.
    virtual bool webhooks() const { return true; }

    void SetUp() override
    {
        std::string webhook_base = receiver.base();
        const char *args[] = {"--webhook-base", webhook_base.c_str(), nullptr};
        GError *error = nullptr;
        sb = test_sandbox_start(1000.0, webhooks() ? args : nullptr, &error);
        ASSERT_NE(sb, nullptr) << (error ? error->message : "no error");
        char *settings = test_sandbox_settings_json(sb, "card");
        ASSERT_NE(settings, nullptr) << "the sandbox wrote card settings";
        card_settings = settings;
        g_free(settings);
        start(card_settings);
    }

    void TearDown() override
    {
        receiver.attach(nullptr);
        stop();
        test_sandbox_stop(sb);
    }

    // (Re)start the host with the card method's settings, and its deadline
    // in ms when given (the default config's 10 s otherwise).
    void start(const std::string &settings, int deadline_ms = 0)
    {
        stop();
        std::string config = config_with_card_settings(settings);
        ASSERT_FALSE(config.empty());
        if (deadline_ms > 0) {
            const std::string key = "\"deadline_ms\": ";
            size_t at = config.find(key, config.find("\"card\""));
            ASSERT_NE(at, std::string::npos);
            size_t end = config.find_first_of(",}", at);
            config.replace(at, end - at, key + std::to_string(deadline_ms));
        }
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, CARD_PLUGIN_DIR);
        test_ledger_set_options(options, ":memory:");
        tender_host_options_set_config_data(options, config.c_str());
        GError *error = nullptr;
        host = tender_host_new(options, &error);
        tender_host_options_free(options);
        ASSERT_NE(host, nullptr) << (error ? error->message : "no error");
        receiver.attach(host);
    }

    void stop()
    {
        receiver.attach(nullptr);
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
                                     p->details, p->decline_raw_code, p->brand, p->first6}) {
                for (const auto &secret : numbers) {
                    if (text) {
                        EXPECT_EQ(std::strstr(text, secret.c_str()), nullptr) << text;
                    }
                }
            }
        }
        return p;
    }

    TenderPayment *pay(const char *number, const char *amount = "10.00", gboolean capture = FALSE,
                       const char *region = "US")
    {
        numbers.push_back(number);
        const char *cvc = std::strncmp(number, "37", 2) == 0 ? "7373" : "737";
        tender_param params[] = {
            {"number", number}, {"exp_month", "12"}, {"exp_year", "2031"}, {"cvc", cvc}};
        std::string account = "sb-" + std::to_string(++accounts);
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

    TenderPayment *capture(const char *id, const char *amount)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_capture(host, id, amount, nullptr, &error);
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *refund(const char *id, const char *amount)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_refund(host, id, amount, nullptr, &error);
        g_clear_error(&error);
        return keep(p);
    }

    // The payer on the gateway's 3-D Secure page: the form is there, then
    // the code is posted; the answer is a redirect or a "done" page.
    void answer_challenge(const TenderPayment *p, const char *code)
    {
        ASSERT_EQ(p->action_kind, (guint32)TENDER_ACTION_REDIRECT);
        std::string url = p->action_data;
        ASSERT_EQ(url.rfind(test_sandbox_url(sb), 0), 0u) << url;
        Exchange page = http("GET", url);
        EXPECT_EQ(page.status, 200) << url;
        EXPECT_NE(page.body.find("one-time-code"), std::string::npos) << page.body;
        Exchange posted = http("POST", url, "application/x-www-form-urlencoded",
                               std::string("code=") + code);
        EXPECT_TRUE(posted.status == 303 || posted.status == 200) << posted.status;
    }

    void faults(const std::string &json)
    {
        GError *error = nullptr;
        ASSERT_TRUE(test_sandbox_set_faults(sb, json.c_str(), &error))
            << (error ? error->message : "");
    }

    WebhookReceiver receiver;
    TestSandbox *sb = nullptr;
    std::string card_settings;
    TenderHost *host = nullptr;
    int accounts = 0;
    std::vector<TenderPayment *> payments;
    std::vector<std::string> numbers;
};

// Without webhooks: complete is what tells the host how a challenge went.
class CardSandboxNoWebhooks : public CardSandbox {
protected:
    bool webhooks() const override { return false; }

    // The merchant asks the gateway how the challenge went.
    TenderPayment *complete_strictly(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_complete(host, id, nullptr, 0, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }
};

struct CardCase {
    const char *number;
    TenderStatus status;
    tender_decline_code decline;
};

TEST_F(CardSandbox, EveryTestCardAsDocumented)
{
    const CardCase cases[] = {
        {"4242424242424242", TENDER_STATUS_AUTHORIZED, TENDER_DECLINE_NONE},
        {"4000000000000002", TENDER_STATUS_DECLINED, TENDER_DECLINE_DO_NOT_HONOR},
        {"4000000000009995", TENDER_STATUS_DECLINED, TENDER_DECLINE_INSUFFICIENT_FUNDS},
        {"4000000000009987", TENDER_STATUS_DECLINED, TENDER_DECLINE_LOST_CARD},
        {"4000000000009979", TENDER_STATUS_DECLINED, TENDER_DECLINE_STOLEN_CARD},
        {"4000000000000069", TENDER_STATUS_DECLINED, TENDER_DECLINE_EXPIRED_METHOD},
        {"4000000000000127", TENDER_STATUS_DECLINED, TENDER_DECLINE_INVALID_SECURITY_CODE},
        {"4000000000000119", TENDER_STATUS_DECLINED, TENDER_DECLINE_PROCESSING_ERROR},
        {"4242424242424241", TENDER_STATUS_DECLINED, TENDER_DECLINE_INVALID_NUMBER},
        {"4100000000000019", TENDER_STATUS_DECLINED, TENDER_DECLINE_SUSPECTED_FRAUD},
        {"4000000000003220", TENDER_STATUS_REQUIRES_ACTION, TENDER_DECLINE_NONE},
        {"4000008400001629", TENDER_STATUS_REQUIRES_ACTION, TENDER_DECLINE_NONE},
        {"4000000000003055", TENDER_STATUS_AUTHORIZED, TENDER_DECLINE_NONE},
        {"5555555555554444", TENDER_STATUS_AUTHORIZED, TENDER_DECLINE_NONE},
        {"378282246310005", TENDER_STATUS_AUTHORIZED, TENDER_DECLINE_NONE},
    };
    for (const auto &c : cases) {
        TenderPayment *p = pay(c.number);
        ASSERT_NE(p, nullptr) << c.number;
        EXPECT_EQ(p->status, c.status) << c.number << ": " << (p->decline_message ? p->decline_message : "");
        EXPECT_EQ(p->decline_code, (guint32)c.decline) << c.number;
        if (c.status == TENDER_STATUS_AUTHORIZED) {
            EXPECT_EQ(std::strncmp(p->processor_ref, "pi_", 3), 0) << p->processor_ref;
        }
    }
    EXPECT_TRUE(tender_decline_lookup(TENDER_DECLINE_PROCESSING_ERROR)->retryable);
}

TEST_F(CardSandbox, FrictionlessIsAuthenticated)
{
    TenderPayment *p = pay("4000000000003055");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_NE(std::strstr(p->details, "three_ds=Y"), nullptr) << p->details;
}

TEST_F(CardSandboxNoWebhooks, SandboxCodeGivenToCompleteFinishesTheChallenge)
{
    // `tender complete ID --param otp=123456`: the plugin submits the code to
    // the gateway's page (sandbox mode only), then asks how it went.
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_param otp = {"otp", "123456"};
    GError *error = nullptr;
    TenderPayment *done = keep(tender_host_complete(host, p->id, &otp, 1, &error));
    ASSERT_NE(done, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    tender_param wrong = {"otp", "000000"};
    TenderPayment *q = pay("4000000000003220");
    ASSERT_NE(q, nullptr);
    TenderPayment *failed = keep(tender_host_complete(host, q->id, &wrong, 1, &error));
    g_clear_error(&error);
    ASSERT_NE(failed, nullptr);
    EXPECT_EQ(failed->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(failed->decline_code, (guint32)TENDER_DECLINE_AUTHENTICATION_FAILED);
}

TEST_F(CardSandboxNoWebhooks, ChallengePassedThenAuthorized)
{
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    answer_challenge(p, "123456");
    TenderPayment *done = complete_strictly(p->id);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(CardSandboxNoWebhooks, ChallengePassedThenDeclinedByTheIssuer)
{
    TenderPayment *p = pay("4000008400001629");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    answer_challenge(p, "123456");
    TenderPayment *done = complete_strictly(p->id);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(done->decline_code, (guint32)TENDER_DECLINE_DO_NOT_HONOR);
}

TEST_F(CardSandboxNoWebhooks, WrongCodeFailsAuthentication)
{
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    answer_challenge(p, "000000");
    TenderPayment *done = complete_strictly(p->id);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(done->decline_code, (guint32)TENDER_DECLINE_AUTHENTICATION_FAILED);
}

TEST_F(CardSandboxNoWebhooks, StepUpChallengesAnApprovableCard)
{
    // The default policy steps up above 500 USD.
    TenderPayment *p = pay("4242424242424242", "600.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    answer_challenge(p, "123456");
    TenderPayment *done = complete_strictly(p->id);
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(CardSandbox, MulticaptureThenOverCaptureRefused)
{
    TenderPayment *p = pay("4242424242424242", "100.00");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    TenderPayment *c = capture(p->id, "30.00");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(c->captured, 3000);
    c = capture(p->id, "20.00");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->captured, 5000);
    EXPECT_EQ(capture(p->id, "60.00"), nullptr) << "beyond what is authorized";
    c = capture(p->id, nullptr);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(c->captured, 10000);
    GError *error = nullptr;
    TenderPayment *s = keep(tender_host_sync(host, p->id, &error));
    g_clear_error(&error);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_CAPTURED) << "the gateway agrees";
    EXPECT_EQ(s->captured, 10000);
}

TEST_F(CardSandbox, VoidReleasesTheAuthorization)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    GError *error = nullptr;
    TenderPayment *v = keep(tender_host_void(host, p->id, nullptr, &error));
    ASSERT_NE(v, nullptr) << (error ? error->message : "");
    EXPECT_EQ(v->status, TENDER_STATUS_VOIDED);
    TenderPayment *s = keep(tender_host_sync(host, p->id, &error));
    g_clear_error(&error);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_VOIDED);
}

TEST_F(CardSandbox, SeveralPartialRefunds)
{
    TenderPayment *p = pay("4242424242424242", "10.00", TRUE);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_CAPTURED);
    TenderPayment *r = refund(p->id, "3.00");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    r = refund(p->id, "3.00");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->refunded, 600);
    EXPECT_EQ(refund(p->id, "5.00"), nullptr) << "beyond what is left";
    r = refund(p->id, nullptr);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, TENDER_STATUS_REFUNDED);
    EXPECT_EQ(r->refunded, 1000);
}

TEST_F(CardSandbox, WebhookSettlesAChallengeWithoutComplete)
{
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    answer_challenge(p, "123456");
    // The gateway's signed event reaches the receiver, which hands it to
    // the host: the payment is authorized with no complete call.
    TenderStatus status = TENDER_STATUS_REQUIRES_ACTION;
    for (int i = 0; i < 100 && status != TENDER_STATUS_AUTHORIZED; i++) {
        g_usleep(100 * 1000);
        TenderPayment *now = get(p->id);
        ASSERT_NE(now, nullptr);
        status = now->status;
    }
    EXPECT_EQ(status, TENDER_STATUS_AUTHORIZED);
    EXPECT_GE(receiver.accepted(), 1);
    EXPECT_EQ(receiver.rejected(), 0) << "every delivery verified";
}

// Without webhooks: a delivery of the authorization's event handed to the
// host late (a loaded machine) made the plugin ask the gateway, and that
// request took the one 5xx meant for the capture.
TEST_F(CardSandboxNoWebhooks, ServerErrorOnCaptureIsUnknownThenReconciled)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    faults("{\"provider\":\"card\",\"fail_5xx\":1}");
    TenderPayment *c = capture(p->id, nullptr);
    (void)c;
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, TENDER_STATUS_UNKNOWN) << "a 5xx is never a guess";
    TenderReconcileReport report = {};
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    TenderPayment *settled = get(p->id);
    ASSERT_NE(settled, nullptr);
    // The fault answered before the gateway acted: it still holds the money.
    EXPECT_EQ(settled->status, TENDER_STATUS_AUTHORIZED);
    TenderPayment *again = capture(p->id, nullptr);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->status, TENDER_STATUS_CAPTURED);
}

TEST_F(CardSandboxNoWebhooks, TimedOutAuthorizationIsFoundByReconcile)
{
    // The gateway answers after the host's deadline: the authorization is
    // UNKNOWN, though the gateway went on and created the intent.
    start(card_settings, 300);
    faults("{\"provider\":\"card\",\"latency_ms\":1200}");
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_UNKNOWN) << "never a guess";
    GError *error = nullptr;
    ASSERT_TRUE(test_sandbox_set_faults(sb, "{\"provider\":\"card\",\"latency_ms\":0}", &error))
        << (error ? error->message : "");
    // Reconcile (after the gateway has acted) finds the intent among the
    // gateway's events and settles the payment from it.
    TenderStatus status = TENDER_STATUS_UNKNOWN;
    for (int i = 0; i < 40 && status == TENDER_STATUS_UNKNOWN; i++) {
        g_usleep(100 * 1000);
        TenderReconcileReport report = {};
        ASSERT_TRUE(tender_host_reconcile(host, &report, &error))
            << (error ? error->message : "");
        TenderPayment *now = get(p->id);
        ASSERT_NE(now, nullptr);
        status = now->status;
    }
    EXPECT_EQ(status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(CardSandbox, DroppedRequestNeverGuessed)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    faults("{\"provider\":\"card\",\"drop\":1}");
    TenderPayment *c = capture(p->id, nullptr);
    (void)c;
    TenderPayment *after = get(p->id);
    ASSERT_NE(after, nullptr);
    EXPECT_TRUE(after->status == TENDER_STATUS_UNKNOWN || after->status == TENDER_STATUS_CAPTURED)
        << tender_status_to_string(after->status);
    TenderReconcileReport report = {};
    GError *error = nullptr;
    ASSERT_TRUE(tender_host_reconcile(host, &report, &error)) << (error ? error->message : "");
    GError *sync_error = nullptr;
    TenderPayment *s = keep(tender_host_sync(host, p->id, &sync_error));
    g_clear_error(&sync_error);
    ASSERT_NE(s, nullptr);
    EXPECT_NE(s->status, TENDER_STATUS_UNKNOWN) << "reconcile settled it from the gateway";
}

TEST_F(CardSandbox, HoldLapsesAtTheGatewayAfterSevenDays)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    Exchange advanced = http("POST", std::string(test_sandbox_url(sb)) + "/_sandbox/clock",
                             "application/json", "{\"advance_seconds\":608400}");
    ASSERT_EQ(advanced.status, 200) << advanced.body;
    GError *error = nullptr;
    TenderPayment *s = keep(tender_host_sync(host, p->id, &error));
    g_clear_error(&error);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->status, TENDER_STATUS_EXPIRED);
}

TEST_F(CardSandbox, WrongSecretKeyIsRefusedNamingTheSetting)
{
    std::string settings = card_settings;
    size_t at = settings.find("sk_test_");
    ASSERT_NE(at, std::string::npos);
    settings.replace(at, 8, "sk_test_wrongkey0");
    start(settings);
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_NE(std::strstr(p->decline_message, "secret_key"), nullptr) << p->decline_message;
    EXPECT_EQ(std::strstr(p->decline_message, "wrongkey0"), nullptr) << p->decline_message;
}

} // namespace
