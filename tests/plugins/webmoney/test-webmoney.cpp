// Direct tests of the WebMoney plugin through the plugin harness (fake host,
// fixed clock, no http service): its facts, settings, local checks, the
// payment page, and the notifications it verifies (the test signs them as
// WebMoney does). What needs WebMoney itself (X18, X3, X5, X14, the payment
// page's outcomes) runs end to end in test-webmoney-sandbox.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <glib.h>

#include "plugin-harness.h"
#include <tender/sdk.h>

namespace {

const char *const kPayees[] = {"Z100000000001", "E100000000001", "K100000000001",
                               "B100000000001", "V100000000001", "Y100000000001"};
const char kSecret[] = "tender-sandbox-webmoney-secret";
const gint64 kDayMs = 86400LL * 1000;

struct ResultFree {
    void operator()(tender_result *r) const { g_free(r); }
};
using Result = std::unique_ptr<tender_result, ResultFree>;

struct PluginFree {
    void operator()(TestPlugin *p) const { test_plugin_free(p); }
};
using Plugin = std::unique_ptr<TestPlugin, PluginFree>;

// The merchant's settings (a live merchant unless a test says otherwise),
// the test's own after them: the harness keeps the last value of a key.
Plugin load(std::vector<const char *> overrides = {}, std::string *error_out = nullptr)
{
    std::vector<const char *> settings = {
        "mode", "live", "merchant_wmid", "100000000001", "purse",
        "Z100000000001,E100000000001,K100000000001,B100000000001,V100000000001,Y100000000001",
        "secret_key", kSecret,
        // Keeper WebPro (Light), the default auth: the host reads the files.
        "tls_client_cert", "/merchant/webpro-cert.pem", "tls_client_key",
        "/merchant/webpro-key.pem"};
    settings.insert(settings.end(), overrides.begin(), overrides.end());
    settings.push_back(nullptr);
    char *error = nullptr;
    TestPlugin *p = test_plugin_load(WEBMONEY_PLUGIN_SO, "webmoney", settings.data(), &error);
    if (error_out)
        *error_out = error ? error : "";
    g_free(error);
    return Plugin(p);
}

// A payment being driven through the plugin: keeps the request fields alive
// and the plugin_state between calls, as the host would.
struct Payment {
    TestPlugin *plugin;
    std::string id;
    std::string currency;
    int exponent;
    gint64 amount;
    std::string state;
    std::vector<tender_param> params;

    Payment(TestPlugin *p, gint64 amount_, const char *currency_ = "USD", int exponent_ = 2,
            const char *id_ = "pay_wm_0001")
        : plugin(p), id(id_), currency(currency_), exponent(exponent_), amount(amount_)
    {
    }

    tender_request request(tender_operation op)
    {
        tender_request r = test_request(op, amount, currency.c_str(), exponent);
        r.payment_id = id.c_str();
        r.plugin_state = state.c_str();
        return r;
    }

    // Keep the state the plugin returned, as the host does (empty: keep).
    void keep(const tender_result *res)
    {
        if (res->plugin_state[0])
            state = res->plugin_state;
    }

    Result purchase(std::vector<tender_param> p)
    {
        params = std::move(p);
        tender_request r = request(TENDER_OP_PURCHASE);
        r.plugin_state = "";
        r.params = params.data();
        r.n_params = params.size();
        Result res(test_plugin_call(plugin, &r));
        keep(res.get());
        return res;
    }

    Result complete(const char *code)
    {
        tender_param p[] = {{"protection_code", code}};
        tender_request r = request(TENDER_OP_COMPLETE_ACTION);
        r.params = p;
        r.n_params = code ? 1 : 0;
        Result res(test_plugin_call(plugin, &r));
        keep(res.get());
        return res;
    }

    Result payer_action(const char *action)
    {
        tender_param p[] = {{"payer_action", action}};
        tender_request r = request(TENDER_OP_COMPLETE_ACTION);
        r.params = p;
        r.n_params = 1;
        Result res(test_plugin_call(plugin, &r));
        keep(res.get());
        return res;
    }

    Result sync()
    {
        tender_request r = request(TENDER_OP_SYNC);
        Result res(test_plugin_call(plugin, &r));
        keep(res.get());
        return res;
    }

    Result refund(gint64 part, const char *request_id)
    {
        tender_request r = request(TENDER_OP_REFUND);
        r.amount = part;
        r.request_id = request_id;
        Result res(test_plugin_call(plugin, &r));
        keep(res.get());
        return res;
    }

    // The form WebMoney posts for this payment ("prerequest" or "paid"),
    // built and signed by the test from the payment page's fields.
    std::string webmoney(const char *event, const std::string &secret = kSecret,
                         const std::string &mode = "0");

    // The host's two notification steps.
    Result identify(const std::string &body)
    {
        tender_param headers[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
        tender_request r = test_request(TENDER_OP_NOTIFICATION, 0, "", 0);
        r.payment_id = nullptr;
        r.currency = "";
        r.headers = headers;
        r.n_headers = 1;
        r.body = body.c_str();
        r.body_len = body.size();
        return Result(test_plugin_call(plugin, &r));
    }

    Result notify(const std::string &body)
    {
        tender_param headers[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
        tender_request r = request(TENDER_OP_NOTIFICATION);
        r.headers = headers;
        r.n_headers = 1;
        r.body = body.c_str();
        r.body_len = body.size();
        Result res(test_plugin_call(plugin, &r));
        keep(res.get());
        return res;
    }
};

std::vector<tender_param> payer(const char *purse = "Z123456789012",
                                const char *wmid = "123456789012")
{
    return {{"purse", purse}, {"wmid", wmid}};
}

std::string state_get(const std::string &state, const char *key)
{
    char out[TENDER_RESULT_STATE_MAX];
    return tender_kv_get(state.c_str(), key, out, sizeof out) == 1 ? out : "";
}

// Decoded fields of a form body or of a URL's query.
struct Form {
    GHashTable *table;
    explicit Form(const std::string &text)
    {
        std::string query = text;
        size_t q = query.find('?');
        if (q != std::string::npos)
            query = query.substr(q + 1);
        table = g_uri_parse_params(query.c_str(), -1, "&", G_URI_PARAMS_WWW_FORM, nullptr);
    }
    ~Form()
    {
        if (table)
            g_hash_table_unref(table);
    }
    std::string operator[](const char *key) const
    {
        const char *v = table ? (const char *)g_hash_table_lookup(table, key) : nullptr;
        return v ? v : "";
    }
    bool has(const char *key) const
    {
        return table && g_hash_table_contains(table, key);
    }
};

// Build a form body from key/value pairs, encoded as WebMoney posts it.
std::string form_body(const std::vector<std::pair<std::string, std::string>> &fields)
{
    std::string out;
    for (const auto &kv : fields) {
        if (!out.empty())
            out += '&';
        char *v = g_uri_escape_string(kv.second.c_str(), nullptr, FALSE);
        out += kv.first + "=" + v;
        g_free(v);
    }
    return out;
}

// LMI_HASH by the formula, independently of the plugin.
std::string lmi_hash(const std::vector<std::string> &ten)
{
    std::string joined;
    for (const auto &s : ten)
        joined += s;
    char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, joined.c_str(), -1);
    std::string up = hex;
    g_free(hex);
    for (auto &c : up)
        c = g_ascii_toupper(c);
    return up;
}

// A signed payment notification with chosen fields (the test signs it).
std::string signed_result(const std::string &payee, const std::string &amount,
                          const std::string &no, const std::string &payment_id,
                          const std::string &secret = kSecret, const std::string &mode = "0",
                          const std::string &trans = "9000000001")
{
    const std::string invs = "8000000001", date = "20260301 13:00:00",
                      payer_purse = "Z123456789012", payer_wm = "123456789012";
    std::string hash = lmi_hash({payee, amount, no, mode, invs, trans, date, secret,
                                 payer_purse, payer_wm});
    return form_body({{"LMI_PAYEE_PURSE", payee},
                      {"LMI_PAYMENT_AMOUNT", amount},
                      {"LMI_PAYMENT_NO", no},
                      {"LMI_MODE", mode},
                      {"LMI_SYS_INVS_NO", invs},
                      {"LMI_SYS_TRANS_NO", trans},
                      {"LMI_SYS_TRANS_DATE", date},
                      {"LMI_PAYER_PURSE", payer_purse},
                      {"LMI_PAYER_WM", payer_wm},
                      {"LMI_HASH", hash},
                      {"TENDER_PAYMENT_ID", payment_id}});
}

std::string Payment::webmoney(const char *event, const std::string &secret,
                              const std::string &mode)
{
    char amount_wire[32];
    tender_money_to_wire(amount, exponent, 1, amount_wire, sizeof amount_wire);
    std::string payee = state_get(state, "payee"), no = state_get(state, "pno");
    std::string purse = state_get(state, "payer"), wmid = state_get(state, "wmid");
    if (strcmp(event, "prerequest") == 0)
        return form_body({{"LMI_PREREQUEST", "1"},
                          {"LMI_PAYEE_PURSE", payee},
                          {"LMI_PAYMENT_AMOUNT", amount_wire},
                          {"LMI_PAYMENT_NO", no},
                          {"LMI_MODE", mode},
                          {"LMI_PAYER_WM", wmid},
                          {"LMI_PAYER_PURSE", purse},
                          {"TENDER_PAYMENT_ID", id}});
    return signed_result(payee, amount_wire, no, id, secret, mode);
}

// True when needle occurs anywhere in the bytes of a result.
bool result_contains(const tender_result *res, const char *needle)
{
    const char *bytes = reinterpret_cast<const char *>(res);
    size_t n = sizeof *res, len = strlen(needle);
    for (size_t i = 0; i + len <= n; i++)
        if (memcmp(bytes + i, needle, len) == 0)
            return true;
    return false;
}

class WebMoney : public ::testing::Test {
protected:
    void SetUp() override
    {
        plugin = load();
        ASSERT_NE(plugin, nullptr);
    }
    Plugin plugin;
};

// ---- facts -----------------------------------------------------------------

TEST_F(WebMoney, DeclaresItsFacts)
{
    const tender_plugin_descriptor *d = plugin->descriptor;
    EXPECT_STREQ(d->id, "webmoney");
    EXPECT_EQ(d->n_methods, 1u);
    const tender_method *m = plugin->method;
    EXPECT_STREQ(m->id, "webmoney");
    EXPECT_STREQ(m->name, "WebMoney");
    ASSERT_NE(m->regions, nullptr);
    EXPECT_STREQ(m->regions[0], "*");
    EXPECT_EQ(m->regions[1], nullptr);

    const char *want[] = {"USD", "EUR", "KZT", "BYN", "VND", "UZS"};
    ASSERT_EQ(m->n_currencies, 6u);
    for (size_t i = 0; i < 6; i++) {
        EXPECT_STREQ(m->currencies[i].code, want[i]);
        EXPECT_EQ(m->currencies[i].exponent, -1) << want[i];
        EXPECT_EQ(m->currencies[i].home_region, nullptr);
    }

    const char *tiers[] = {"alias", "formal", "initial", "personal", "merchant"};
    for (size_t i = 0; i < 5; i++)
        EXPECT_STREQ(m->tiers[i], tiers[i]);
    EXPECT_EQ(m->tiers[5], nullptr);

    uint64_t caps = TENDER_CAP_PURCHASE | TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION |
                    TENDER_CAP_SYNC | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_THREAD_SAFE;
    EXPECT_EQ(m->capabilities, caps);
    EXPECT_EQ(m->capabilities & (TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE | TENDER_CAP_VOID), 0u);
    EXPECT_EQ(m->hold_seconds, 0);
    EXPECT_EQ(m->action_timeout_seconds, 86400);

    const tender_method_ops *ops = m->ops;
    EXPECT_NE(ops->purchase, nullptr);
    EXPECT_EQ(ops->authorize, nullptr);
    EXPECT_EQ(ops->capture, nullptr);
    EXPECT_EQ(ops->void_payment, nullptr);
    EXPECT_NE(ops->refund, nullptr);
    EXPECT_NE(ops->sync, nullptr);
    EXPECT_NE(ops->complete_action, nullptr);
    EXPECT_NE(ops->identify_notification, nullptr);
    EXPECT_NE(ops->notification, nullptr);
    EXPECT_NE(ops->sandbox_fixtures, nullptr);
    // tender-sandbox sends WebMoney's notifications now; the plugin makes none.
    EXPECT_EQ(ops->sandbox_notification, nullptr);
}

TEST_F(WebMoney, DeclaresItsParameters)
{
    const tender_method *m = plugin->method;
    struct {
        const char *name;
        uint32_t flags;
    } want[] = {{"purse", TENDER_PARAM_REQUIRED},
                {"wmid", TENDER_PARAM_REQUIRED},
                {"protection_days", 0},
                {"protection_code", TENDER_PARAM_SENSITIVE},
                {"description", 0},
                {"return_url", 0},
                {"cancel_url", 0}};
    ASSERT_EQ(m->n_params, G_N_ELEMENTS(want));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        EXPECT_STREQ(m->params[i].name, want[i].name);
        EXPECT_EQ(m->params[i].flags, want[i].flags) << want[i].name;
    }
    ASSERT_EQ(m->n_action_params, 2u);
    EXPECT_STREQ(m->action_params[0].name, "protection_code");
    EXPECT_EQ(m->action_params[0].flags, (uint32_t)TENDER_PARAM_SENSITIVE);
    // Sandbox mode only: the payer's "Pay" on tender-sandbox's page.
    EXPECT_STREQ(m->action_params[1].name, "payer_action");
    EXPECT_EQ(m->action_params[1].flags, 0u);
}

// ---- settings ----------------------------------------------------------------

TEST(WebMoneySettings, BadSettingsFailCreateClearly)
{
    struct {
        std::vector<const char *> settings;
        const char *needle;
    } cases[] = {
        {{"mode", "test"}, "mode"},
        {{"endpoint", "ftp://merchant.web.money"}, "endpoint"},
        {{"merchant_wmid", ""}, "merchant_wmid"},
        {{"merchant_wmid", "12345"}, "merchant_wmid"},
        {{"purse", "Z12345"}, "purse"},
        {{"purse", "G100000000001"}, "purse"},
        {{"purse", "R100000000001"}, "purse"},
        {{"purse", "Z100000000001,Z100000000002"}, "two WMZ"},
        {{"purse", ""}, "purse"},
        {{"secret_key", ""}, "secret_key"},
        {{"secret_key", "012345678901234567890123456789012345678901234567890"}, "secret_key"},
        {{"result_url", "not a url"}, "result_url"},
        {{"auth", "wmsigner"}, "auth"},
        {{"tls_client_cert", ""}, "tls_client_cert"},
        {{"tls_client_key", ""}, "tls_client_key"},
    };
    for (auto &c : cases) {
        std::string error;
        Plugin p = load(c.settings, &error);
        EXPECT_EQ(p, nullptr) << c.settings[0] << "=" << c.settings[1];
        EXPECT_NE(error.find(c.needle), std::string::npos) << error;
        // A secret never appears in the message.
        if (strcmp(c.settings[0], "secret_key") == 0 && c.settings[1][0]) {
            EXPECT_EQ(error.find(c.settings[1]), std::string::npos) << error;
        }
    }
}

TEST(WebMoneySettings, GoodSettingsAreUsed)
{
    Plugin p = load({"mode", "sandbox", "purse", "Z555555555555, E555555555555", "secret_key",
                     "merchant-secret", "endpoint", "http://127.0.0.1:9/webmoney/",
                     "result_url", "https://shop.example/v1/webhooks/webmoney"});
    ASSERT_NE(p, nullptr);
    Payment pay(p.get(), 1000);
    Result r = pay.purchase(payer());
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(std::string(r->action_data)
                  .rfind("http://127.0.0.1:9/webmoney/lmi/payment_utf.asp?", 0),
              0u)
        << r->action_data;
    Form url(r->action_data);
    EXPECT_EQ(url["LMI_PAYEE_PURSE"], "Z555555555555");
    EXPECT_EQ(url["LMI_SIM_MODE"], "0"); // mode sandbox: WebMoney's test mode
    EXPECT_EQ(url["LMI_RESULT_URL"], "https://shop.example/v1/webhooks/webmoney");

    // Only the configured types can be received: no K purse configured.
    Payment kzt(p.get(), 500000, "KZT", 2, "pay_wm_kzt");
    Result k = kzt.purchase(payer("K123456789012"));
    EXPECT_EQ(k->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(k->decline_code, (uint32_t)TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
    EXPECT_NE(std::string(k->message).find("settings: purse"), std::string::npos) << k->message;
}

// ---- purses and WMIDs --------------------------------------------------------

TEST_F(WebMoney, EverySupportedPurseTypeFixesItsCurrency)
{
    struct {
        const char *purse;
        const char *currency;
        int exponent;
        gint64 amount;
        const char *payee;
    } cases[] = {
        {"Z123456789012", "USD", 2, 1050, "Z100000000001"},
        {"E123456789012", "EUR", 2, 705, "E100000000001"},
        {"K123456789012", "KZT", 2, 500000, "K100000000001"},
        {"B123456789012", "BYN", 2, 2500, "B100000000001"},
        {"V123456789012", "VND", 0, 250000, "V100000000001"},
        {"Y123456789012", "UZS", 2, 12500000, "Y100000000001"},
    };
    for (auto &c : cases) {
        Payment pay(plugin.get(), c.amount, c.currency, c.exponent);
        Result r = pay.purchase(payer(c.purse));
        ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << c.purse << r->message;
        EXPECT_EQ(Form(r->action_data)["LMI_PAYEE_PURSE"], c.payee);
        EXPECT_STREQ(r->display_account, c.purse);
        EXPECT_NE(std::string(r->display_brand).find(std::string("WM") + c.purse[0]),
                  std::string::npos);
    }
}

TEST_F(WebMoney, PurseLetterMustMatchTheCurrency)
{
    Payment pay(plugin.get(), 1000, "USD");
    Result r = pay.purchase(payer("E123456789012"));
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_ACCOUNT);
    EXPECT_EQ(std::string(r->message).rfind("purse", 0), 0u) << r->message;
    EXPECT_NE(std::string(r->message).find("USD"), std::string::npos);

    Payment vnd(plugin.get(), 1000, "VND", 0);
    r = vnd.purchase(payer("Z123456789012"));
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_ACCOUNT);
}

TEST_F(WebMoney, PursesWithoutAnIsoCurrencyAreNotSupported)
{
    for (const char *purse : {"T123456789012", "G123456789012", "X123456789012",
                              "H123456789012", "L123456789012", "F123456789012"}) {
        Payment pay(plugin.get(), 1000, "USD");
        Result r = pay.purchase(payer(purse));
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << purse;
        EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_CURRENCY_NOT_SUPPORTED) << purse;
        EXPECT_NE(std::string(r->message).find("ISO 4217"), std::string::npos) << r->message;
        EXPECT_EQ(std::string(r->message).rfind("purse", 0), 0u) << r->message;
    }
}

TEST_F(WebMoney, LegacyPursesAreRefused)
{
    for (const char *purse : {"R123456789012", "U123456789012"}) {
        Payment pay(plugin.get(), 1000, "USD");
        Result r = pay.purchase(payer(purse));
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << purse;
        EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_NOT_PERMITTED) << purse;
        EXPECT_NE(std::string(r->message).find("legacy"), std::string::npos) << r->message;
    }
}

TEST_F(WebMoney, MalformedPursesAreInvalidAccounts)
{
    for (const char *purse : {"Z12345678901", "Z1234567890123", "z123456789012",
                              "Z12345678901A", "123456789012", "A123456789012",
                              "Z 23456789012"}) {
        Payment pay(plugin.get(), 1000);
        Result r = pay.purchase(payer(purse));
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << purse;
        EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_ACCOUNT) << purse;
        EXPECT_EQ(std::string(r->message).rfind("purse", 0), 0u) << r->message;
    }
    Payment missing(plugin.get(), 1000);
    Result r = missing.purchase({{"wmid", "123456789012"}});
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_NE(std::string(r->message).find("purse"), std::string::npos);
}

TEST_F(WebMoney, WmidIsTwelveDigits)
{
    for (const char *wmid : {"12345678901", "1234567890123", "12345678901a", "-12345678901"}) {
        Payment pay(plugin.get(), 1000);
        Result r = pay.purchase(payer("Z123456789012", wmid));
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << wmid;
        EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_ACCOUNT) << wmid;
        EXPECT_NE(std::string(r->message).find("wmid"), std::string::npos) << r->message;
    }
    Payment missing(plugin.get(), 1000);
    Result r = missing.purchase({{"purse", "Z123456789012"}});
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_NE(std::string(r->message).find("wmid"), std::string::npos);
}

TEST_F(WebMoney, OtherChecks)
{
    Payment gbp(plugin.get(), 1000, "GBP");
    EXPECT_EQ(gbp.purchase(payer())->decline_code,
              (uint32_t)TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
    Payment zero(plugin.get(), 0);
    EXPECT_EQ(zero.purchase(payer())->decline_code, (uint32_t)TENDER_DECLINE_INVALID_AMOUNT);
    Payment desc(plugin.get(), 1000);
    std::string long_desc(256, 'x');
    auto params = payer();
    params.push_back({"description", long_desc.c_str()});
    Result r = desc.purchase(params);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_NE(std::string(r->message).find("description"), std::string::npos);
}

// ---- the merchant payment page ------------------------------------------------

TEST_F(WebMoney, PlainPurchaseRedirectsToThePaymentPage)
{
    Payment pay(plugin.get(), 1050);
    auto params = payer();
    params.push_back({"description", "Order 42: tea & cups"});
    Result r = pay.purchase(params);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_REDIRECT);
    EXPECT_EQ(std::string(r->action_data).rfind(
                  "https://merchant.web.money/lmi/payment_utf.asp?", 0),
              0u)
        << r->action_data;
    Form url(r->action_data);
    EXPECT_EQ(url["LMI_PAYEE_PURSE"], "Z100000000001");
    EXPECT_EQ(url["LMI_PAYMENT_AMOUNT"], "10.5");
    EXPECT_EQ(url["LMI_PAYMENT_DESC"], "Order 42: tea & cups");
    EXPECT_EQ(url["TENDER_PAYMENT_ID"], "pay_wm_0001");
    EXPECT_FALSE(url.has("LMI_SIM_MODE")); // live mode by default
    std::string no = url["LMI_PAYMENT_NO"];
    ASSERT_FALSE(no.empty());
    EXPECT_TRUE(tender_all_digits(no.c_str()));
    EXPECT_LE(g_ascii_strtoll(no.c_str(), nullptr, 10), 2147483647LL);
    EXPECT_GT(g_ascii_strtoll(no.c_str(), nullptr, 10), 0);
    EXPECT_EQ(state_get(pay.state, "pno"), no);
    EXPECT_EQ(r->action_expires_ms, plugin->now_ms + kDayMs);

    // Deterministic per payment id, different across payments.
    Payment again(plugin.get(), 1050);
    EXPECT_EQ(Form(again.purchase(payer())->action_data)["LMI_PAYMENT_NO"], no);
    Payment other(plugin.get(), 1050, "USD", 2, "pay_wm_0002");
    EXPECT_NE(Form(other.purchase(payer())->action_data)["LMI_PAYMENT_NO"], no);
}

// The checkout page's way back: LMI_SUCCESS_URL / LMI_FAIL_URL (GET), kept in
// the state so that a sync that re-renders the page keeps them.
TEST_F(WebMoney, ReturnAndCancelUrlsReachThePaymentPage)
{
    Payment pay(plugin.get(), 1050);
    auto params = payer();
    params.push_back({"return_url", "https://shop.example/checkout/cs_1/return"});
    params.push_back({"cancel_url", "https://shop.example/checkout/cs_1/return?cancelled=1"});
    Result r = pay.purchase(params);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
    Form url(r->action_data);
    EXPECT_EQ(url["LMI_SUCCESS_URL"], "https://shop.example/checkout/cs_1/return");
    EXPECT_EQ(url["LMI_SUCCESS_METHOD"], "0");
    EXPECT_EQ(url["LMI_FAIL_URL"], "https://shop.example/checkout/cs_1/return?cancelled=1");
    EXPECT_EQ(url["LMI_FAIL_METHOD"], "0");
    EXPECT_EQ(state_get(pay.state, "back"), "https://shop.example/checkout/cs_1/return");

    Payment plain(plugin.get(), 1050);
    Form none(plain.purchase(payer())->action_data);
    EXPECT_FALSE(none.has("LMI_SUCCESS_URL"));
    EXPECT_FALSE(none.has("LMI_FAIL_URL"));

    for (const char *bad : {"javascript:alert(1)", "/relative/path", "ftp://shop.example/"}) {
        Payment refused(plugin.get(), 1050);
        auto with_bad = payer();
        with_bad.push_back({"return_url", bad});
        Result d = refused.purchase(with_bad);
        EXPECT_EQ(d->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST) << bad;
        EXPECT_NE(std::string(d->message).find("return_url"), std::string::npos);
    }
}

TEST_F(WebMoney, AmountsOnTheWireHaveNoTrailingZeros)
{
    struct {
        gint64 amount;
        const char *currency;
        int exponent;
        const char *purse;
        const char *wire;
    } cases[] = {
        {1050, "USD", 2, "Z123456789012", "10.5"},   {1000, "USD", 2, "Z123456789012", "10"},
        {1001, "USD", 2, "Z123456789012", "10.01"},  {5, "USD", 2, "Z123456789012", "0.05"},
        {50, "EUR", 2, "E123456789012", "0.5"},      {250000, "VND", 0, "V123456789012", "250000"},
        {12345600, "UZS", 2, "Y123456789012", "123456"},
    };
    for (auto &c : cases) {
        Payment pay(plugin.get(), c.amount, c.currency, c.exponent);
        Result r = pay.purchase(payer(c.purse));
        ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
        EXPECT_EQ(Form(r->action_data)["LMI_PAYMENT_AMOUNT"], c.wire);
        std::string n = pay.webmoney("paid");
        EXPECT_EQ(Form(n)["LMI_PAYMENT_AMOUNT"], c.wire);
    }
}

// ---- notifications and LMI_HASH ----------------------------------------------

TEST_F(WebMoney, LmiHashKnownVector)
{
    // By hand: the ten fields joined in WebMoney's order, SHA-256, upper case.
    const char *joined = "Z100000000001" "10.5" "1234" "0" "8000000001" "9000000001"
                         "20260301 13:00:00" "tender-sandbox-webmoney-secret"
                         "Z123456789012" "123456789012";
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)joined, strlen(joined));
    std::string expected = g_checksum_get_string(sum);
    g_checksum_free(sum);
    for (auto &c : expected)
        c = g_ascii_toupper(c);
    ASSERT_EQ(expected.size(), 64u);
    EXPECT_EQ(lmi_hash({"Z100000000001", "10.5", "1234", "0", "8000000001", "9000000001",
                        "20260301 13:00:00", kSecret, "Z123456789012", "123456789012"}),
              expected);

    Payment pay(plugin.get(), 1050);
    std::string body = signed_result("Z100000000001", "10.5", "1234", "pay_any");
    EXPECT_NE(body.find(expected), std::string::npos);
    Result r = pay.identify(body);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << r->message;
    EXPECT_STREQ(r->notify_payment_id, "pay_any");
    EXPECT_STREQ(r->notify_id, "9000000001");
}

TEST_F(WebMoney, PreRequestIsAnsweredYes)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    std::string n = pay.webmoney("prerequest");
    Form f(n);
    EXPECT_EQ(f["LMI_PREREQUEST"], "1");
    EXPECT_EQ(f["LMI_PAYEE_PURSE"], "Z100000000001");
    EXPECT_EQ(f["LMI_PAYMENT_AMOUNT"], "10.5");
    EXPECT_EQ(f["LMI_PAYMENT_NO"], state_get(pay.state, "pno"));
    EXPECT_FALSE(f.has("LMI_HASH"));

    Result id = pay.identify(n);
    ASSERT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_EQ(id->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(id->notify_payment_id, "pay_wm_0001");
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_body, "YES");
    EXPECT_STREQ(id->reply_content_type, "text/plain");

    std::string before = pay.state;
    Result r = pay.notify(n);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(r->reply_body, "YES");
    EXPECT_EQ(pay.state, before); // nothing changes yet
}

TEST_F(WebMoney, PreRequestForAnotherPurseOrAmountIsNotYes)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    Form f(pay.webmoney("prerequest"));

    std::string wrong_purse = form_body({{"LMI_PREREQUEST", "1"},
                                         {"LMI_PAYEE_PURSE", "Z999999999999"},
                                         {"LMI_PAYMENT_AMOUNT", "10.5"},
                                         {"LMI_PAYMENT_NO", f["LMI_PAYMENT_NO"]},
                                         {"TENDER_PAYMENT_ID", "pay_wm_0001"}});
    Result id = pay.identify(wrong_purse);
    EXPECT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(id->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_STRNE(id->reply_body, "YES");

    // Identify cannot see the amount; the step with the payment's state can.
    std::string wrong_amount = form_body({{"LMI_PREREQUEST", "1"},
                                          {"LMI_PAYEE_PURSE", "Z100000000001"},
                                          {"LMI_PAYMENT_AMOUNT", "1.05"},
                                          {"LMI_PAYMENT_NO", f["LMI_PAYMENT_NO"]},
                                          {"TENDER_PAYMENT_ID", "pay_wm_0001"}});
    EXPECT_EQ(pay.identify(wrong_amount)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    std::string before = pay.state;
    Result r = pay.notify(wrong_amount);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STRNE(r->reply_body, "YES");
    EXPECT_EQ(pay.state, before);
}

TEST_F(WebMoney, PaidNotificationCapturesOnceAndRepeatsChangeNothing)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    std::string n = pay.webmoney("paid");
    Form f(n);

    Result id = pay.identify(n);
    ASSERT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_STREQ(id->notify_payment_id, "pay_wm_0001");
    EXPECT_EQ(std::string(id->notify_id), f["LMI_SYS_TRANS_NO"]);
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_body, "OK");

    Result r = pay.notify(n);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << r->message;
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(r->amount, 1050);
    EXPECT_EQ(std::string(r->processor_ref), f["LMI_SYS_TRANS_NO"]);
    EXPECT_EQ(state_get(pay.state, "status"), "paid");
    EXPECT_EQ(state_get(pay.state, "trans"), f["LMI_SYS_TRANS_NO"]);

    // WebMoney repeats: same transfer number, same id, nothing applied again.
    std::string n2 = pay.webmoney("paid");
    EXPECT_EQ(n2, n);
    EXPECT_STREQ(pay.identify(n2)->notify_id, id->notify_id);
    std::string before = pay.state;
    Result again = pay.notify(n2);
    EXPECT_EQ(again->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(again->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_EQ(pay.state, before);
}

TEST_F(WebMoney, ForgedNotificationsAreRefused)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    std::string body = pay.webmoney("paid");
    Form f(body);

    // The amount changed after signing.
    std::string tampered = body;
    size_t at = tampered.find("LMI_PAYMENT_AMOUNT=10.5");
    ASSERT_NE(at, std::string::npos);
    tampered.replace(at, strlen("LMI_PAYMENT_AMOUNT=10.5"), "LMI_PAYMENT_AMOUNT=0.5");
    Result r = pay.identify(tampered);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    Result rn = pay.notify(tampered);
    EXPECT_EQ(rn->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(rn->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_EQ(state_get(pay.state, "status"), "waiting");

    // One hash digit changed.
    std::string hash = f["LMI_HASH"];
    std::string bad_hash = hash;
    bad_hash[10] = bad_hash[10] == 'A' ? 'B' : 'A';
    std::string forged = body;
    forged.replace(forged.find(hash), hash.size(), bad_hash);
    EXPECT_EQ(pay.identify(forged)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);

    // No hash at all, or signed with another secret key.
    std::string unsigned_body = body.substr(0, body.find("&LMI_HASH="));
    EXPECT_EQ(pay.identify(unsigned_body)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    std::string other_key = signed_result("Z100000000001", "10.5", f["LMI_PAYMENT_NO"],
                                          "pay_wm_0001", "not-the-secret");
    EXPECT_EQ(pay.identify(other_key)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);

    // Garbage.
    EXPECT_EQ(pay.identify("")->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(pay.identify("%%%")->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(pay.identify("hello=world")->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);

    // A lower-case hash of the right value is still the right hash.
    std::string lower = body;
    std::string low_hash = hash;
    for (auto &c : low_hash)
        c = g_ascii_tolower(c);
    lower.replace(lower.find(hash), hash.size(), low_hash);
    EXPECT_EQ(pay.identify(lower)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
}

TEST_F(WebMoney, SignedButWrongForThePaymentAppliesNothing)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    std::string no = state_get(pay.state, "pno");
    std::string before = pay.state;

    // Properly signed, but the amount is not this payment's.
    std::string cheap = signed_result("Z100000000001", "1", no, "pay_wm_0001");
    EXPECT_EQ(pay.identify(cheap)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    Result r = pay.notify(cheap);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_EQ(r->plugin_state[0], '\0');

    // Signed for another payment number (a transfer for another order).
    std::string other = signed_result("Z100000000001", "10.5", "77", "pay_wm_0001");
    r = pay.notify(other);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);

    // To another merchant purse.
    std::string elsewhere = signed_result("Z999999999999", "10.5", no, "pay_wm_0001");
    EXPECT_EQ(pay.identify(elsewhere)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(pay.notify(elsewhere)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);

    // A test-mode payment (LMI_MODE 1) for a live merchant.
    std::string test_mode = signed_result("Z100000000001", "10.5", no, "pay_wm_0001", kSecret, "1");
    EXPECT_EQ(pay.identify(test_mode)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(pay.state, before);

    // Once paid, a different transfer for the same order is not applied.
    Result ok = pay.notify(pay.webmoney("paid"));
    ASSERT_EQ(ok->event, (uint32_t)TENDER_EVENT_CAPTURED);
    std::string second = signed_result("Z100000000001", "10.5", no, "pay_wm_0001", kSecret, "0",
                                       "9000000777");
    r = pay.notify(second);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_DUPLICATE_TRANSACTION);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);
}

TEST(WebMoneyTestMode, TestModeSendsAndExpectsLmiMode1)
{
    Plugin p = load({"mode", "sandbox"}); // WebMoney's test mode
    ASSERT_NE(p, nullptr);
    Payment pay(p.get(), 1000);
    Result r = pay.purchase(payer());
    EXPECT_EQ(Form(r->action_data)["LMI_SIM_MODE"], "0");
    std::string n = pay.webmoney("paid", kSecret, "1");
    EXPECT_EQ(Form(n)["LMI_MODE"], "1");
    EXPECT_EQ(pay.identify(n)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(pay.notify(n)->event, (uint32_t)TENDER_EVENT_CAPTURED);
    std::string live = signed_result("Z100000000001", "10", state_get(pay.state, "pno"),
                                     "pay_wm_0001", kSecret, "0");
    EXPECT_EQ(pay.identify(live)->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
}

TEST(WebMoneySecret, ConfiguredSecretSignsAndVerifies)
{
    Plugin p = load({"secret_key", "My-Merchant-Key"});
    ASSERT_NE(p, nullptr);
    Payment pay(p.get(), 1000);
    pay.purchase(payer());
    Form f(pay.webmoney("paid", "My-Merchant-Key"));
    EXPECT_EQ(pay.identify(pay.webmoney("paid", "My-Merchant-Key"))->outcome,
              (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(f["LMI_HASH"],
              lmi_hash({f["LMI_PAYEE_PURSE"], f["LMI_PAYMENT_AMOUNT"], f["LMI_PAYMENT_NO"],
                        f["LMI_MODE"], f["LMI_SYS_INVS_NO"], f["LMI_SYS_TRANS_NO"],
                        f["LMI_SYS_TRANS_DATE"], "My-Merchant-Key", f["LMI_PAYER_PURSE"],
                        f["LMI_PAYER_WM"]}));
    // Another secret key does not verify.
    std::string with_default = signed_result("Z100000000001", "10", f["LMI_PAYMENT_NO"],
                                             "pay_wm_0001");
    EXPECT_EQ(pay.identify(with_default)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
}

TEST_F(WebMoney, ResultNamingAProtectedTransferIsNotApplied)
{
    // WebMoney sends merchant notifications for payment-page payments only.
    Payment prot(plugin.get(), 1000, "USD", 2, "pay_wm_prot");
    auto params = payer();
    params.push_back({"protection_days", "3"});
    params.push_back({"protection_code", "secret-42"});
    prot.purchase(params);
    std::string before = prot.state;
    std::string body = signed_result("Z100000000001", "10", "1", "pay_wm_prot");
    EXPECT_EQ(prot.notify(body)->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_EQ(prot.state, before);
}

// Without WebMoney (no http service here) a waiting payment's status is
// unknown, never guessed; a paid one is known from its notification. X18
// itself runs in test-webmoney-sandbox.cpp.
TEST_F(WebMoney, SyncOfAPaymentPagePayment)
{
    Payment pay(plugin.get(), 1000);
    pay.purchase(payer());
    Result r = pay.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    EXPECT_STREQ(r->raw_code, "not_sent");
    pay.notify(pay.webmoney("paid"));
    r = pay.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(r->amount, 1000);
    EXPECT_STREQ(r->processor_ref, "9000000001");
}

// plugin_state goes through the SDK's codec: versioned, and a state this plugin did
// not write (another version's, or none) is refused as a whole, never half read.
TEST_F(WebMoney, StateIsVersionedAndForeignStatesAreRefused)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    EXPECT_EQ(0u, pay.state.rfind("v=2&", 0)) << pay.state;
    EXPECT_NE(std::string::npos, pay.state.find("flow=merchant"));
    EXPECT_NE(std::string::npos, pay.state.find("status=waiting"));

    std::string written = pay.state;
    // The same fields without the version key, as the plugin once kept them by hand.
    pay.state = written.substr(strlen("v=2&"));
    Result r = pay.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    EXPECT_STREQ(r->raw_code, "bad_state");
    // The in-process simulator's states (version 1) are not read either.
    pay.state = "v=1&" + written.substr(strlen("v=2&"));
    EXPECT_EQ(pay.sync()->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    // An unknown status word is not read as "waiting" or anything else.
    pay.state = written;
    pay.state.replace(pay.state.find("status=waiting"), strlen("status=waiting"),
                      "status=settled");
    EXPECT_EQ(pay.sync()->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    pay.state = written;
    Result read = pay.sync(); // read, then WebMoney is asked (not reachable here)
    EXPECT_EQ(read->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    EXPECT_STREQ(read->raw_code, "not_sent");
}

// ---- protected transfers ---------------------------------------------------------

class Protected : public WebMoney {
protected:
    Result start(Payment &pay, const char *days = "3", const char *code = "open-sesame-7")
    {
        auto params = payer();
        params.push_back({"protection_days", days});
        params.push_back({"protection_code", code});
        return pay.purchase(params);
    }
};

TEST_F(Protected, PeriodAndCodeAreValidated)
{
    for (const char *days : {"0", "256", "abc", "-1", "1.5", "1000"}) {
        Payment pay(plugin.get(), 1000);
        Result r = start(pay, days);
        EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST) << days;
        EXPECT_NE(std::string(r->message).find("protection_days"), std::string::npos);
    }
    for (const char *days : {"1", "255"}) {
        Payment pay(plugin.get(), 1000);
        Result r = start(pay, days);
        EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << days;
        EXPECT_EQ(r->action_expires_ms,
                  plugin->now_ms + g_ascii_strtoll(days, nullptr, 10) * kDayMs);
    }
    Payment no_code(plugin.get(), 1000);
    Result r = no_code.purchase({{"purse", "Z123456789012"}, {"wmid", "123456789012"},
                                 {"protection_days", "3"}});
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_NE(std::string(r->message).find("protection_code"), std::string::npos);

    Payment code_only(plugin.get(), 1000);
    r = code_only.purchase({{"purse", "Z123456789012"}, {"wmid", "123456789012"},
                            {"protection_code", "x"}});
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_NE(std::string(r->message).find("protection_code"), std::string::npos);

    // complete_action belongs to protected transfers only (but for the
    // sandbox's payer on the page, below).
    Payment page(plugin.get(), 1000);
    page.purchase(payer());
    EXPECT_EQ(page.complete("x")->decline_code, (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_EQ(page.payer_action("pay")->decline_code,
              (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED); // live: WebMoney's own page

    Plugin sandbox = load({"mode", "sandbox"});
    Payment test_page(sandbox.get(), 1000);
    test_page.purchase(payer());
    EXPECT_EQ(test_page.payer_action("refuse")->decline_code,
              (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    // Sandbox mode: the page is opened, then X18 asked; no http here.
    EXPECT_EQ(test_page.payer_action("pay")->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
}

// At the end of the period WebMoney has returned the funds: complete_action
// says so on the host's clock without asking (X3/X5 run end to end in
// test-webmoney-sandbox.cpp).
TEST_F(Protected, AnExpiredPeriodEndsTheTransfer)
{
    Payment pay(plugin.get(), 1000);
    Result r = start(pay, "1");
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_PROTECTION_CODE);
    EXPECT_STREQ(r->action_data, "Z100000000001"); // where the payer sends it
    plugin->now_ms += kDayMs;
    Result c = pay.complete("open-sesame-7");
    EXPECT_EQ(c->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(c->decline_code, (uint32_t)TENDER_DECLINE_ACTION_EXPIRED);
    EXPECT_EQ(c->event, (uint32_t)TENDER_EVENT_EXPIRED);
    EXPECT_STREQ(c->raw_code, "protection_expired");
    EXPECT_EQ(state_get(pay.state, "status"), "expired");
    // Finished: no more codes.
    EXPECT_EQ(pay.complete("open-sesame-7")->decline_code,
              (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    // An empty code uses no attempt and sends nothing.
    Payment other(plugin.get(), 1000, "USD", 2, "pay_wm_other");
    start(other, "3");
    Result empty = other.complete("");
    EXPECT_EQ(empty->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(state_get(other.state, "tries"), "");
}

TEST_F(Protected, TheCodeIsNeverKeptShownOrLogged)
{
    const char *code = "Very-Secret-Code-913";
    Payment pay(plugin.get(), 2500);
    Result r = start(pay, "3", code);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_PROTECTION_CODE);
    EXPECT_EQ(r->action_expires_ms, plugin->now_ms + 3 * kDayMs);
    EXPECT_FALSE(result_contains(r.get(), code));
    // WebMoney keeps the code; the plugin keeps nothing derived from it.
    EXPECT_EQ(pay.state.find(code), std::string::npos);
    EXPECT_EQ(state_get(pay.state, "digest"), "");
    EXPECT_EQ(state_get(pay.state, "salt"), "");
    char *plain = g_compute_checksum_for_string(G_CHECKSUM_SHA256, code, -1);
    EXPECT_EQ(pay.state.find(plain), std::string::npos);
    g_free(plain);

    for (const char *attempt : {"Very-Secret-Code-914", code}) {
        Result c = pay.complete(attempt);
        EXPECT_FALSE(result_contains(c.get(), attempt)) << attempt;
        EXPECT_EQ(pay.state.find(attempt), std::string::npos);
    }
    EXPECT_FALSE(test_plugin_logs_contain(plugin.get(), code));
    EXPECT_FALSE(test_plugin_logs_contain(plugin.get(), "Very-Secret-Code-914"));
    EXPECT_GT(plugin->logs->len, 0u); // it did log, just not the code
}

// ---- sandbox test inputs -----------------------------------------------------------

TEST_F(WebMoney, FixturesBehaveAsDocumented)
{
    size_t n = 0;
    const tender_fixture *fx = plugin->method->ops->sandbox_fixtures(&n);
    ASSERT_GE(n, 5u);
    for (size_t i = 0; i < n; i++) {
        const tender_fixture &f = fx[i];
        SCOPED_TRACE(f.name);
        int exponent = strcmp(f.currency, "VND") == 0 ? 0 : 2;
        gint64 amount = 0;
        ASSERT_TRUE(tender_money_from_wire(f.amount, exponent, &amount));
        std::string id = std::string("pay_fx_") + f.name;
        Payment pay(plugin.get(), amount, f.currency, exponent, id.c_str());
        Result r = pay.purchase(std::vector<tender_param>(f.params, f.params + f.n_params));
        ASSERT_EQ(r->outcome, f.expect_outcome) << r->message;
        EXPECT_EQ(r->decline_code, f.expect_decline);
        if (f.expect_outcome != TENDER_OUTCOME_ACTION_REQUIRED)
            continue;
        ASSERT_EQ(f.n_complete_params, 1u);
        EXPECT_EQ(f.sandbox_event, nullptr);
        if (strcmp(f.complete_params[0].key, "protection_code") == 0) {
            // The payer's transfer has not arrived: the code alone releases
            // nothing (WebMoney is asked with X3, not reachable here).
            EXPECT_EQ(f.expect_after_action, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
            EXPECT_EQ(pay.complete(f.complete_params[0].value)->outcome,
                      (uint32_t)TENDER_OUTCOME_UNKNOWN);
        } else {
            // The payer on the page: sandbox mode only (this merchant is live).
            EXPECT_STREQ(f.complete_params[0].key, "payer_action");
            EXPECT_STREQ(f.complete_params[0].value, "pay");
            Result c = pay.payer_action("pay");
            EXPECT_EQ(c->decline_code, (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
        }
    }
}

// ---- refunds ------------------------------------------------------------------


} // namespace
