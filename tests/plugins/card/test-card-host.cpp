// Host-level tests of the card method: the same rules and test inputs as the
// direct tests, through the public host API (<tender/tender.h>) with the
// built plugin, the embedded default config, a fixed clock and an in-memory
// ledger.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include <tender/decline.h>
#include <tender/tender.h>

namespace {

// 2026-03-01T10:00:00Z.
constexpr gint64 kNow = 1772359200000LL;
constexpr gint64 kDayMs = 86400000LL;

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

class CardHost : public ::testing::Test {
protected:
    void SetUp() override { start(nullptr); }

    // (Re)start the host, with config JSON text (nullptr: the default).
    void start(const char *config, gint64 now = kNow)
    {
        stop();
        TenderHostOptions *options = tender_host_options_new();
        tender_host_options_add_plugin_dir(options, CARD_PLUGIN_DIR);
        tender_host_options_set_ledger(options, ":memory:");
        tender_host_options_set_fixed_now(options, now);
        if (config)
            tender_host_options_set_config_data(options, config);
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

    void TearDown() override { stop(); }

    // Keep a payment until the end of the test (and check it for secrets).
    TenderPayment *keep(TenderPayment *p)
    {
        if (p) {
            payments.push_back(p);
            no_secrets(p);
        }
        return p;
    }

    TenderPayment *pay(const char *number, const char *cvc = "737", const char *amount = "10.00",
                       gboolean capture = FALSE, const char *month = "12",
                       const char *year = "2030", const char *region = "US")
    {
        std::vector<tender_param> params = {
            {"number", number}, {"exp_month", month}, {"exp_year", year}};
        if (cvc && *cvc)
            params.push_back({"cvc", cvc});
        secrets.push_back(number);
        if (cvc && std::strlen(cvc) >= 3)
            secrets.push_back(cvc);
        std::string account = "card-test-" + std::to_string(++accounts);
        TenderPayRequest req = {sizeof(TenderPayRequest)};
        req.method = "card";
        req.account = account.c_str();
        req.region = region;
        req.currency = "USD";
        req.amount = amount;
        req.params = params.data();
        req.n_params = params.size();
        req.capture = capture;
        GError *error = nullptr;
        TenderPayment *p = tender_host_pay(host, &req, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *complete(const char *id, const char *otp)
    {
        tender_param param = {"otp", otp};
        GError *error = nullptr;
        TenderPayment *p = tender_host_complete(host, id, &param, 1, &error);
        g_clear_error(&error);
        return keep(p);
    }

    TenderPayment *capture(const char *id, const char *amount, GError **error)
    {
        return keep(tender_host_capture(host, id, amount, nullptr, error));
    }

    TenderPayment *refund(const char *id, const char *amount, GError **error)
    {
        return keep(tender_host_refund(host, id, amount, nullptr, error));
    }

    TenderPayment *get(const char *id)
    {
        GError *error = nullptr;
        TenderPayment *p = tender_host_get(host, id, &error);
        EXPECT_NE(p, nullptr) << (error ? error->message : "");
        g_clear_error(&error);
        return keep(p);
    }

    // text without the plugin's hash-derived references and approval codes
    // (ch_/cp_/re_ + 24 hex digits, auth_code=XXXXXX): digits there come from
    // SHA-256 of request ids and may spell a short security code by chance.
    static std::string scrub(const char *text)
    {
        std::string out = text;
        for (const char *prefix : {"ch_", "cp_", "re_", "auth_code="}) {
            size_t at;
            while ((at = out.find(prefix)) != std::string::npos) {
                size_t end = at + std::strlen(prefix);
                while (end < out.size() && std::isxdigit((unsigned char)out[end]))
                    end++;
                out.erase(at, end - at);
            }
        }
        return out;
    }

    static void check(const char *what, const char *text, const std::vector<std::string> &secrets)
    {
        if (text == nullptr)
            return;
        std::string clean = scrub(text);
        for (const auto &s : secrets) {
            // Full numbers are looked for everywhere, short codes in the
            // scrubbed text.
            const char *where = s.size() >= 12 ? text : clean.c_str();
            EXPECT_EQ(std::strstr(where, s.c_str()), nullptr) << what << " leaks: " << text;
        }
    }

    void no_secrets(const TenderPayment *p)
    {
        check("processor_ref", p->processor_ref, secrets);
        check("action_data", p->action_data, secrets);
        check("decline_message", p->decline_message, secrets);
        check("details", p->details, secrets);
        check("brand", p->brand, secrets);
        check("first6", p->first6, secrets);
        check("last4", p->last4, secrets);
        check("display_account", p->display_account, secrets);
        for (guint i = 0; p->operations && i < p->operations->len; i++) {
            auto *op = (const TenderOperation *)g_ptr_array_index(p->operations, i);
            check("operation message", op->message, secrets);
            check("operation raw_code", op->raw_code, secrets);
            check("operation processor_ref", op->processor_ref, secrets);
        }
    }

    TenderHost *host = nullptr;
    int accounts = 0;
    std::vector<TenderPayment *> payments;
    std::vector<std::string> secrets;
};

TEST_F(CardHost, MethodIsRegisteredWithItsFacts)
{
    const TenderMethodInfo *m = tender_host_method(host, "card");
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(m->name, "Bank card");
    EXPECT_STREQ(m->plugin_id, "card");
    EXPECT_TRUE(m->capabilities & TENDER_CAP_STEP_UP);
    EXPECT_TRUE(m->capabilities & TENDER_CAP_MULTI_CAPTURE);
    EXPECT_EQ(m->hold_seconds, 7 * 86400);
    EXPECT_EQ(m->action_timeout_seconds, 900);
    EXPECT_TRUE(m->has_fixtures);
    EXPECT_STREQ(m->regions[0], "*");
    bool jpy = false;
    for (guint i = 0; i < m->currencies->len; i++) {
        const auto &c = g_array_index(m->currencies, TenderCurrencyInfo, i);
        if (std::strcmp(c.code, "JPY") == 0)
            jpy = c.exponent == 0;
    }
    EXPECT_TRUE(jpy) << "JPY with its ISO exponent 0";
}

TEST_F(CardHost, ApprovedAuthorizationWithDisplayData)
{
    TenderPayment *p = pay("4242 4242 4242 4242");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_STREQ(p->brand, "visa");
    EXPECT_STREQ(p->first6, "424242");
    EXPECT_STREQ(p->last4, "4242");
    EXPECT_STREQ(p->issuer_country, "US");
    EXPECT_EQ(p->amount, 1000);
    EXPECT_EQ(p->hold_expires_ms, kNow + 7 * kDayMs);
    EXPECT_EQ(std::strncmp(p->processor_ref, "ch_", 3), 0);
}

TEST_F(CardHost, PurchaseCapturesAtOnce)
{
    TenderPayment *p = pay("5555555555554444", "737", "25.50", TRUE);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_CAPTURED);
    EXPECT_EQ(p->captured, 2550);
    EXPECT_STREQ(p->brand, "mastercard");
}

struct DeclineCase {
    const char *number;
    tender_decline_code code;
    const char *raw;
};

TEST_F(CardHost, TestNumbersDecline)
{
    const DeclineCase cases[] = {
        {"4000000000000002", TENDER_DECLINE_DO_NOT_HONOR, "05"},
        {"4000000000009995", TENDER_DECLINE_INSUFFICIENT_FUNDS, "51"},
        {"4000000000009987", TENDER_DECLINE_LOST_CARD, "41"},
        {"4000000000009979", TENDER_DECLINE_STOLEN_CARD, "43"},
        {"4000000000000069", TENDER_DECLINE_EXPIRED_METHOD, "54"},
        {"4000000000000127", TENDER_DECLINE_INVALID_SECURITY_CODE, "N7"},
        {"4000000000000119", TENDER_DECLINE_PROCESSING_ERROR, "96"},
        {"4242424242424241", TENDER_DECLINE_INVALID_NUMBER, "14"},
        {"4100000000000019", TENDER_DECLINE_SUSPECTED_FRAUD, "59"},
    };
    for (const auto &c : cases) {
        TenderPayment *p = pay(c.number);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_DECLINED) << c.number;
        EXPECT_EQ(p->decline_code, (guint32)c.code) << c.number;
        EXPECT_STREQ(p->decline_raw_code, c.raw) << c.number;
    }
}

TEST_F(CardHost, BrandSamplesApprove)
{
    // Each paid from its issuer's country, so the policy's issuer-mismatch
    // step-up stays out of the way.
    const char *samples[][4] = {
        {"5555555555554444", "mastercard", "737", "US"},
        {"2223003122003222", "mastercard", "737", "DE"},
        {"378282246310005", "amex", "7373", "US"},
        {"6011111111111117", "discover", "737", "US"},
        {"3566002020360505", "jcb", "737", "JP"},
        {"36227206271667", "diners", "737", "US"},
        {"6200000000000005", "unionpay", "737", "CN"},
        {"6205500000000000004", "unionpay", "737", "CN"},
        {"2200000000000004", "mir", "737", "RU"},
    };
    for (const auto &s : samples) {
        TenderPayment *p = pay(s[0], s[2], "10.00", FALSE, "12", "2030", s[3]);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << s[0];
        EXPECT_STREQ(p->brand, s[1]);
    }
}

TEST_F(CardHost, StepUpFromPolicyChallengesTheCard)
{
    // The default policy asks for strong authentication when the issuer's
    // country differs from the buyer's region (JCB test BIN: JP) …
    TenderPayment *p = pay("3566002020360505", "737", "10.00", FALSE, "12", "2030", "US");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_ONE_TIME_CODE);
    TenderPayment *done = complete(p->id, "123456");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_NE(std::strstr(done->details, "three_ds=Y"), nullptr);
    // … and above 500 USD.
    TenderPayment *big = pay("4242424242424242", "737", "600.00");
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(big->status, TENDER_STATUS_REQUIRES_ACTION);
    TenderPayment *small = pay("4242424242424242", "737", "100.00");
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(small->status, TENDER_STATUS_AUTHORIZED);
}

// The default config with its BIN-country table replaced by bins (JSON).
std::string config_with_bins(const std::string &bins)
{
    std::string json = tender_config_default_json();
    size_t at = json.find("\"bin_countries\": {");
    size_t end = json.find('}', at);
    if (at == std::string::npos || end == std::string::npos)
        return "";
    return json.replace(at, end + 1 - at, "\"bin_countries\": " + bins);
}

// The issuing country comes from the plugin's describe_instrument (ABI 1.1),
// before the policy runs: with no BIN table in the config, a German
// Mastercard used from the US is still stepped up, and not from Germany.
TEST_F(CardHost, StepUpByIssuerCountryUsesThePluginsData)
{
    std::string config = config_with_bins("{}");
    ASSERT_FALSE(config.empty());
    start(config.c_str());
    TenderPayment *abroad = pay("2223003122003222", "737", "10.00", FALSE, "12", "2030", "US");
    ASSERT_NE(abroad, nullptr);
    EXPECT_EQ(abroad->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(abroad->action_kind, (guint32)TENDER_ACTION_ONE_TIME_CODE);
    TenderPayment *home = pay("2223003122003222", "737", "10.00", FALSE, "12", "2030", "DE");
    ASSERT_NE(home, nullptr);
    EXPECT_EQ(home->status, TENDER_STATUS_AUTHORIZED);

    // The operator's table, when it knows the prefix, wins over the plugin.
    config = config_with_bins("{\"222300\": \"US\"}");
    start(config.c_str());
    TenderPayment *configured = pay("2223003122003222", "737", "10.00", FALSE, "12", "2030", "US");
    ASSERT_NE(configured, nullptr);
    EXPECT_EQ(configured->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(CardHost, ValidationDeclines)
{
    EXPECT_EQ(pay("4242424242424242", "7373")->decline_code,
              (guint32)TENDER_DECLINE_INVALID_SECURITY_CODE);
    EXPECT_EQ(pay("4242424242424242", "737", "10.00", FALSE, "02", "2026")->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    EXPECT_EQ(pay("4242424242424242", "737", "10.00", FALSE, "01", "2047")->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    EXPECT_EQ(pay("4242424242424242", "737", "10.00", FALSE, "13", "2030")->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    EXPECT_EQ(pay("4242424242424242", "")->decline_code, (guint32)TENDER_DECLINE_INVALID_REQUEST);
}

TEST_F(CardHost, ThreeDSecureChallengeApproved)
{
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    EXPECT_EQ(p->action_kind, (guint32)TENDER_ACTION_ONE_TIME_CODE);
    EXPECT_NE(std::strstr(p->action_hint, "123456"), nullptr);
    TenderPayment *done = complete(p->id, "123456");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_NE(std::strstr(done->details, "three_ds=Y"), nullptr) << done->details;
}

TEST_F(CardHost, ThreeDSecureWrongCodeAndDeclineAfterChallenge)
{
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    TenderPayment *done = complete(p->id, "654321");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(done->decline_code, (guint32)TENDER_DECLINE_AUTHENTICATION_FAILED);

    TenderPayment *q = pay("4000008400001629");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->status, TENDER_STATUS_REQUIRES_ACTION);
    TenderPayment *after = complete(q->id, "123456");
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(after->decline_code, (guint32)TENDER_DECLINE_DO_NOT_HONOR);
}

TEST_F(CardHost, FrictionlessApproved)
{
    TenderPayment *p = pay("4000000000003055");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_NE(std::strstr(p->details, "three_ds=Y"), nullptr);
    EXPECT_NE(std::strstr(p->details, "eci=05"), nullptr);
}

TEST_F(CardHost, PartialCapturesAndRefunds)
{
    TenderPayment *p = pay("4242424242424242", "737", "100.00");
    ASSERT_NE(p, nullptr);
    std::string id = p->id;
    GError *error = nullptr;
    TenderPayment *c1 = capture(id.c_str(), "30.00", &error);
    ASSERT_NE(c1, nullptr) << (error ? error->message : "");
    EXPECT_EQ(c1->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(c1->captured, 3000);
    TenderPayment *c2 = capture(id.c_str(), "50.00", &error);
    ASSERT_NE(c2, nullptr) << (error ? error->message : "");
    EXPECT_EQ(c2->captured, 8000);

    // Beyond the authorization: refused, nothing captured.
    TenderPayment *over = capture(id.c_str(), "20.01", &error);
    EXPECT_TRUE(over == nullptr || over->captured == 8000);
    g_clear_error(&error);
    EXPECT_EQ(get(id.c_str())->captured, 8000);

    TenderPayment *r1 = refund(id.c_str(), "10.00", &error);
    ASSERT_NE(r1, nullptr) << (error ? error->message : "");
    EXPECT_EQ(r1->status, TENDER_STATUS_PARTIALLY_REFUNDED);
    TenderPayment *r2 = refund(id.c_str(), "20.00", &error);
    ASSERT_NE(r2, nullptr) << (error ? error->message : "");
    EXPECT_EQ(r2->refunded, 3000);
    TenderPayment *too_much = refund(id.c_str(), "50.01", &error);
    EXPECT_TRUE(too_much == nullptr || too_much->refunded == 3000);
    g_clear_error(&error);
    TenderPayment *rest = refund(id.c_str(), nullptr, &error);
    ASSERT_NE(rest, nullptr) << (error ? error->message : "");
    EXPECT_EQ(rest->refunded, 8000);
    EXPECT_EQ(rest->status, TENDER_STATUS_REFUNDED);
}

TEST_F(CardHost, VoidBeforeCapture)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    GError *error = nullptr;
    TenderPayment *v = keep(tender_host_void(host, p->id, nullptr, &error));
    ASSERT_NE(v, nullptr) << (error ? error->message : "");
    EXPECT_EQ(v->status, TENDER_STATUS_VOIDED);
    TenderPayment *c = capture(p->id, "1.00", &error);
    EXPECT_TRUE(c == nullptr || c->captured == 0);
    g_clear_error(&error);
}

// The card method cannot release the rest of an authorization after a
// capture: the refusal says what to do instead, and nothing changes.
TEST_F(CardHost, VoidAfterPartialCaptureSuggestsARefund)
{
    TenderPayment *p = pay("4242424242424242", "737", "100.00");
    ASSERT_NE(p, nullptr);
    GError *error = nullptr;
    TenderPayment *c = capture(p->id, "30.00", &error);
    ASSERT_NE(c, nullptr) << (error ? error->message : "");
    EXPECT_EQ(tender_host_void(host, p->id, nullptr, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, TENDER_ERROR, TENDER_ERROR_INVALID_STATE));
    EXPECT_NE(std::string(error->message).find("refund"), std::string::npos) << error->message;
    g_clear_error(&error);
    TenderPayment *after = keep(tender_host_get(host, p->id, &error));
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->status, c->status);
    EXPECT_EQ(after->captured, 3000);
}

TEST_F(CardHost, HoldLapsesAfterSevenDays)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    tender_host_set_now(host, kNow + 7 * kDayMs + 1);
    GError *error = nullptr;
    TenderPayment *c = capture(p->id, "10.00", &error);
    EXPECT_TRUE(c == nullptr || c->captured == 0);
    if (c == nullptr) {
        ASSERT_NE(error, nullptr);
        EXPECT_TRUE(error->code == TENDER_ERROR_AUTHORIZATION_EXPIRED ||
                    error->code == TENDER_ERROR_INVALID_STATE)
            << error->message;
    }
    g_clear_error(&error);
    EXPECT_EQ(get(p->id)->status, TENDER_STATUS_EXPIRED);
}

TEST_F(CardHost, SyncAgreesWithTheLedger)
{
    TenderPayment *p = pay("4242424242424242");
    ASSERT_NE(p, nullptr);
    GError *error = nullptr;
    TenderPayment *c = capture(p->id, "4.00", &error);
    ASSERT_NE(c, nullptr) << (error ? error->message : "");
    TenderPayment *s = keep(tender_host_sync(host, p->id, &error));
    ASSERT_NE(s, nullptr) << (error ? error->message : "");
    EXPECT_EQ(s->status, TENDER_STATUS_PARTIALLY_CAPTURED);
    EXPECT_EQ(s->captured, 400);
}

TEST_F(CardHost, UnionPayLuhnSwitchFromConfig)
{
    const char *bad = "6200000000000006"; // UnionPay prefix, wrong check digit
    TenderPayment *p = pay(bad, "737", "10.00", FALSE, "12", "2030", "CN");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED) << "exempt by default";

    std::string config = config_with_card_settings(
        "{\"mode\": \"sandbox\", \"unionpay_luhn_exempt\": false}");
    ASSERT_FALSE(config.empty());
    start(config.c_str());
    p = pay(bad, "737", "10.00", FALSE, "12", "2030", "CN");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
}

TEST_F(CardHost, SandboxCodeFromConfig)
{
    std::string config =
        config_with_card_settings("{\"mode\": \"sandbox\", \"sandbox_otp\": \"4711\"}");
    start(config.c_str());
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    EXPECT_NE(std::strstr(p->action_hint, "4711"), nullptr);
    TenderPayment *done = complete(p->id, "4711");
    ASSERT_NE(done, nullptr);
    EXPECT_EQ(done->status, TENDER_STATUS_AUTHORIZED);
}

TEST_F(CardHost, LiveModeRefusedWithClearReason)
{
    std::string config = config_with_card_settings("{\"mode\": \"live\"}");
    start(config.c_str());
    bool named = false;
    const GPtrArray *refusals = tender_host_refusals(host);
    for (guint i = 0; i < refusals->len; i++) {
        auto *r = (const TenderRefusal *)g_ptr_array_index(refusals, i);
        if (r->reason && std::strstr(r->reason, "mode") && std::strstr(r->reason, "sandbox"))
            named = true;
    }
    EXPECT_TRUE(named) << "a refusal names the setting";
    const char *number = "4242424242424242";
    tender_param params[] = {{"number", number}, {"exp_month", "12"}, {"exp_year", "2030"},
                             {"cvc", "737"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "card";
    req.region = "US";
    req.currency = "USD";
    req.amount = "10.00";
    req.params = params;
    req.n_params = 4;
    GError *error = nullptr;
    TenderPayment *p = tender_host_pay(host, &req, &error);
    EXPECT_EQ(p, nullptr) << "no payment through a method that failed to start";
    if (p)
        tender_payment_free(p);
    g_clear_error(&error);
}

TEST_F(CardHost, ExpiryOnTheHostClock)
{
    start(nullptr, 1775001599000LL); // 2026-03-31T23:59:59Z
    TenderPayment *p = pay("4242424242424242", "737", "10.00", FALSE, "03", "2026");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_AUTHORIZED);
    tender_host_set_now(host, 1775001600000LL); // 2026-04-01T00:00:00Z
    p = pay("4242424242424242", "737", "10.00", FALSE, "03", "2026");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->status, TENDER_STATUS_DECLINED);
    EXPECT_EQ(p->decline_code, (guint32)TENDER_DECLINE_INVALID_EXPIRY);
}

TEST_F(CardHost, ChallengeLapsesAfterFifteenMinutes)
{
    TenderPayment *p = pay("4000000000003220");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->status, TENDER_STATUS_REQUIRES_ACTION);
    tender_host_set_now(host, kNow + 16 * 60 * 1000);
    TenderPayment *late = complete(p->id, "123456");
    EXPECT_TRUE(late == nullptr || late->status != TENDER_STATUS_AUTHORIZED);
    TenderPayment *now = get(p->id);
    ASSERT_NE(now, nullptr);
    EXPECT_NE(now->status, TENDER_STATUS_AUTHORIZED);
    EXPECT_NE(now->status, TENDER_STATUS_REQUIRES_ACTION);
}

// The method declares THREAD_SAFE: the host may call one instance from
// several threads at once.
TEST_F(CardHost, ConcurrentPayments)
{
    constexpr int kThreads = 4, kEach = 8;
    struct Shared {
        TenderHost *host;
        int index;
        int authorized = 0;
        int declined = 0;
    } shared[kThreads];
    GThread *threads[kThreads];
    for (int t = 0; t < kThreads; t++) {
        shared[t].host = host;
        shared[t].index = t;
        threads[t] = g_thread_new("card-pay", [](gpointer data) -> gpointer {
            auto *s = (Shared *)data;
            for (int i = 0; i < kEach; i++) {
                const char *number = i % 2 ? "4000000000009995" : "4242424242424242";
                tender_param params[] = {{"number", number}, {"exp_month", "12"},
                                         {"exp_year", "2030"}, {"cvc", "737"}};
                std::string account = "conc-" + std::to_string(s->index) + "-" + std::to_string(i);
                TenderPayRequest req = {sizeof(TenderPayRequest)};
                req.method = "card";
                req.region = "US";
                req.currency = "USD";
                req.amount = "12.34";
                req.account = account.c_str();
                req.params = params;
                req.n_params = 4;
                TenderPayment *p = tender_host_pay(s->host, &req, nullptr);
                if (p && p->status == TENDER_STATUS_AUTHORIZED && std::strcmp(p->last4, "4242") == 0)
                    s->authorized++;
                if (p && p->status == TENDER_STATUS_DECLINED &&
                    p->decline_code == TENDER_DECLINE_INSUFFICIENT_FUNDS)
                    s->declined++;
                tender_payment_free(p);
            }
            return nullptr;
        }, &shared[t]);
    }
    for (int t = 0; t < kThreads; t++) {
        g_thread_join(threads[t]);
        EXPECT_EQ(shared[t].authorized, kEach / 2);
        EXPECT_EQ(shared[t].declined, kEach / 2);
    }
}

} // namespace
