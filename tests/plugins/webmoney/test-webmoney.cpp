// Direct tests of the WebMoney plugin through the plugin harness (fake host,
// fixed clock): every rule of docs/methods/webmoney.md and every WebMoney
// fact of METHODS.md.
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

Plugin load(std::vector<const char *> settings = {}, std::string *error_out = nullptr)
{
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

    Result sandbox(const char *event)
    {
        tender_request r = request(TENDER_OP_NOTIFICATION);
        return Result(test_plugin_sandbox_notification(plugin, &r, event));
    }

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
    EXPECT_NE(ops->sandbox_notification, nullptr);
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
                {"description", 0}};
    ASSERT_EQ(m->n_params, 5u);
    for (size_t i = 0; i < 5; i++) {
        EXPECT_STREQ(m->params[i].name, want[i].name);
        EXPECT_EQ(m->params[i].flags, want[i].flags) << want[i].name;
    }
    ASSERT_EQ(m->n_action_params, 1u);
    EXPECT_STREQ(m->action_params[0].name, "protection_code");
    EXPECT_EQ(m->action_params[0].flags, (uint32_t)TENDER_PARAM_SENSITIVE);
}

// ---- settings ----------------------------------------------------------------

TEST(WebMoneySettings, BadSettingsFailCreateClearly)
{
    struct {
        std::vector<const char *> settings;
        const char *needle;
    } cases[] = {
        {{"mode", "live"}, "mode"},
        {{"payee_purse", "Z12345"}, "payee_purse"},
        {{"payee_purse", "G100000000001"}, "payee_purse"},
        {{"payee_purse", "R100000000001"}, "payee_purse"},
        {{"payee_purse", "Z100000000001,Z100000000002"}, "two WMZ"},
        {{"payee_purse", ""}, "payee_purse"},
        {{"secret_key", ""}, "secret_key"},
        {{"secret_key", "012345678901234567890123456789012345678901234567890"}, "secret_key"},
        {{"test_mode", "maybe"}, "test_mode"},
    };
    for (auto &c : cases) {
        std::string error;
        Plugin p = load(c.settings, &error);
        EXPECT_EQ(p, nullptr) << c.settings[0] << "=" << c.settings[1];
        EXPECT_NE(error.find(c.needle), std::string::npos) << error;
    }
}

TEST(WebMoneySettings, GoodSettingsAreUsed)
{
    Plugin p = load({"mode", "sandbox", "payee_purse", "Z555555555555, E555555555555",
                     "secret_key", "merchant-secret", "test_mode", "true"});
    ASSERT_NE(p, nullptr);
    Payment pay(p.get(), 1000);
    Result r = pay.purchase(payer());
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    Form url(r->action_data);
    EXPECT_EQ(url["LMI_PAYEE_PURSE"], "Z555555555555");
    EXPECT_EQ(url["LMI_SIM_MODE"], "0");

    // Only the configured types can be received: no K purse configured.
    Payment kzt(p.get(), 500000, "KZT", 2, "pay_wm_kzt");
    Result k = kzt.purchase(payer("K123456789012"));
    EXPECT_EQ(k->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(k->decline_code, (uint32_t)TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
    EXPECT_NE(std::string(k->message).find("payee_purse"), std::string::npos);
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
        Result n = pay.sandbox("paid");
        EXPECT_EQ(Form(n->notify_body)["LMI_PAYMENT_AMOUNT"], c.wire);
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

TEST_F(WebMoney, SandboxResultIsSignedAsWebMoneySignsIt)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    Result n = pay.sandbox("paid");
    ASSERT_EQ(n->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_NE(std::string(n->notify_headers).find("application/x-www-form-urlencoded"),
              std::string::npos);
    Form f(n->notify_body);
    for (const char *key : {"LMI_PAYEE_PURSE", "LMI_PAYMENT_AMOUNT", "LMI_PAYMENT_NO", "LMI_MODE",
                            "LMI_SYS_INVS_NO", "LMI_SYS_TRANS_NO", "LMI_SYS_TRANS_DATE",
                            "LMI_PAYER_PURSE", "LMI_PAYER_WM", "LMI_HASH", "TENDER_PAYMENT_ID"})
        EXPECT_TRUE(f.has(key)) << key;
    EXPECT_FALSE(f.has("LMI_PREREQUEST"));
    EXPECT_EQ(f["LMI_PAYER_PURSE"], "Z123456789012");
    EXPECT_EQ(f["LMI_PAYER_WM"], "123456789012");
    EXPECT_EQ(f["LMI_MODE"], "0");
    EXPECT_EQ(f["LMI_PAYMENT_NO"], state_get(pay.state, "pno"));
    // 2026-03-01T10:00:00Z on the harness clock, written in Moscow time.
    EXPECT_EQ(f["LMI_SYS_TRANS_DATE"], "20260301 13:00:00");
    EXPECT_TRUE(g_regex_match_simple("^[0-9]{8} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
                                     f["LMI_SYS_TRANS_DATE"].c_str(), (GRegexCompileFlags)0,
                                     (GRegexMatchFlags)0));
    std::string hash = lmi_hash({f["LMI_PAYEE_PURSE"], f["LMI_PAYMENT_AMOUNT"],
                                 f["LMI_PAYMENT_NO"], f["LMI_MODE"], f["LMI_SYS_INVS_NO"],
                                 f["LMI_SYS_TRANS_NO"], f["LMI_SYS_TRANS_DATE"], kSecret,
                                 f["LMI_PAYER_PURSE"], f["LMI_PAYER_WM"]});
    EXPECT_EQ(f["LMI_HASH"], hash);
}

TEST_F(WebMoney, PreRequestIsAnsweredYes)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    Result n = pay.sandbox("prerequest");
    Form f(n->notify_body);
    EXPECT_EQ(f["LMI_PREREQUEST"], "1");
    EXPECT_EQ(f["LMI_PAYEE_PURSE"], "Z100000000001");
    EXPECT_EQ(f["LMI_PAYMENT_AMOUNT"], "10.5");
    EXPECT_EQ(f["LMI_PAYMENT_NO"], state_get(pay.state, "pno"));
    EXPECT_FALSE(f.has("LMI_HASH"));

    Result id = pay.identify(n->notify_body);
    ASSERT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_EQ(id->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(id->notify_payment_id, "pay_wm_0001");
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_body, "YES");
    EXPECT_STREQ(id->reply_content_type, "text/plain");

    std::string before = pay.state;
    Result r = pay.notify(n->notify_body);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_STREQ(r->reply_body, "YES");
    EXPECT_EQ(pay.state, before); // nothing changes yet
}

TEST_F(WebMoney, PreRequestForAnotherPurseOrAmountIsNotYes)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    Form f(pay.sandbox("prerequest")->notify_body);

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
    Result n = pay.sandbox("paid");
    Form f(n->notify_body);

    Result id = pay.identify(n->notify_body);
    ASSERT_EQ(id->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << id->message;
    EXPECT_STREQ(id->notify_payment_id, "pay_wm_0001");
    EXPECT_EQ(std::string(id->notify_id), f["LMI_SYS_TRANS_NO"]);
    EXPECT_EQ(id->reply_status, 200u);
    EXPECT_STREQ(id->reply_body, "OK");

    Result r = pay.notify(n->notify_body);
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << r->message;
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(r->amount, 1050);
    EXPECT_EQ(std::string(r->processor_ref), f["LMI_SYS_TRANS_NO"]);
    EXPECT_EQ(state_get(pay.state, "status"), "paid");
    EXPECT_EQ(state_get(pay.state, "trans"), f["LMI_SYS_TRANS_NO"]);

    // WebMoney repeats: same transfer number, same id, nothing applied again.
    Result n2 = pay.sandbox("paid");
    EXPECT_STREQ(n2->notify_body, n->notify_body);
    EXPECT_STREQ(pay.identify(n2->notify_body)->notify_id, id->notify_id);
    std::string before = pay.state;
    Result again = pay.notify(n2->notify_body);
    EXPECT_EQ(again->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(again->event, (uint32_t)TENDER_EVENT_NONE);
    EXPECT_EQ(pay.state, before);
}

TEST_F(WebMoney, ForgedNotificationsAreRefused)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    std::string body = pay.sandbox("paid")->notify_body;
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
    Result ok = pay.notify(pay.sandbox("paid")->notify_body);
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
    Plugin p = load({"test_mode", "true"});
    ASSERT_NE(p, nullptr);
    Payment pay(p.get(), 1000);
    Result r = pay.purchase(payer());
    EXPECT_EQ(Form(r->action_data)["LMI_SIM_MODE"], "0");
    Result n = pay.sandbox("paid");
    EXPECT_EQ(Form(n->notify_body)["LMI_MODE"], "1");
    EXPECT_EQ(pay.identify(n->notify_body)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(pay.notify(n->notify_body)->event, (uint32_t)TENDER_EVENT_CAPTURED);
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
    Form f(pay.sandbox("paid")->notify_body);
    EXPECT_EQ(f["LMI_HASH"],
              lmi_hash({f["LMI_PAYEE_PURSE"], f["LMI_PAYMENT_AMOUNT"], f["LMI_PAYMENT_NO"],
                        f["LMI_MODE"], f["LMI_SYS_INVS_NO"], f["LMI_SYS_TRANS_NO"],
                        f["LMI_SYS_TRANS_DATE"], "My-Merchant-Key", f["LMI_PAYER_PURSE"],
                        f["LMI_PAYER_WM"]}));
    // The default sandbox secret no longer verifies.
    std::string with_default = signed_result("Z100000000001", "10", f["LMI_PAYMENT_NO"],
                                             "pay_wm_0001");
    EXPECT_EQ(pay.identify(with_default)->decline_code,
              (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
}

TEST_F(WebMoney, SandboxNotificationRules)
{
    Payment pay(plugin.get(), 1000);
    pay.purchase(payer());
    EXPECT_EQ(pay.sandbox("refunded")->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);

    Payment prot(plugin.get(), 1000, "USD", 2, "pay_wm_prot");
    auto params = payer();
    params.push_back({"protection_days", "3"});
    params.push_back({"protection_code", "secret-42"});
    prot.purchase(params);
    Result r = prot.sandbox("paid");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->notify_body[0], '\0');
    // A result naming a protected transfer is not applied to it.
    std::string body = signed_result("Z100000000001", "10", "1", "pay_wm_prot");
    EXPECT_EQ(prot.notify(body)->event, (uint32_t)TENDER_EVENT_NONE);
}

TEST_F(WebMoney, SyncOfAPaymentPagePayment)
{
    Payment pay(plugin.get(), 1000);
    pay.purchase(payer());
    Result r = pay.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_REDIRECT);
    pay.notify(pay.sandbox("paid")->notify_body);
    r = pay.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(r->amount, 1000);

    Payment late(plugin.get(), 1000, "USD", 2, "pay_wm_late");
    late.purchase(payer());
    plugin->now_ms += kDayMs - 1;
    EXPECT_EQ(late.sync()->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    plugin->now_ms += 1;
    r = late.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_ACTION_EXPIRED);
    EXPECT_EQ(r->event, (uint32_t)TENDER_EVENT_EXPIRED);
}

// plugin_state goes through the SDK's codec: versioned, and a state this plugin did
// not write (another version's, or none) is refused as a whole, never half read.
TEST_F(WebMoney, StateIsVersionedAndForeignStatesAreRefused)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    EXPECT_EQ(0u, pay.state.rfind("v=1&", 0)) << pay.state;
    EXPECT_NE(std::string::npos, pay.state.find("flow=merchant"));
    EXPECT_NE(std::string::npos, pay.state.find("status=waiting"));

    std::string written = pay.state;
    // The same fields without the version key, as the plugin once kept them by hand.
    pay.state = written.substr(strlen("v=1&"));
    Result r = pay.sync();
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    EXPECT_STREQ(r->raw_code, "bad_state");
    pay.state = "v=2&" + written.substr(strlen("v=1&"));
    EXPECT_EQ(pay.sync()->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    // An unknown status word is not read as "waiting" or anything else.
    pay.state = written;
    pay.state.replace(pay.state.find("status=waiting"), strlen("status=waiting"),
                      "status=settled");
    EXPECT_EQ(pay.sync()->outcome, (uint32_t)TENDER_OUTCOME_UNKNOWN);
    pay.state = written;
    EXPECT_EQ(pay.sync()->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
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

TEST_F(Protected, LocksTheFundsUntilTheCode)
{
    Payment pay(plugin.get(), 2500);
    Result r = start(pay, "3");
    ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << r->message;
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_PROTECTION_CODE);
    EXPECT_EQ(r->action_expires_ms, plugin->now_ms + 3 * kDayMs);
    EXPECT_NE(std::string(r->action_hint).find("8 attempts"), std::string::npos);
    EXPECT_NE(r->processor_ref[0], '\0');
    EXPECT_EQ(state_get(pay.state, "status"), "locked");

    Result s = pay.sync();
    EXPECT_EQ(s->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(s->action_kind, (uint32_t)TENDER_ACTION_PROTECTION_CODE);

    Result c = pay.complete("open-sesame-7");
    EXPECT_EQ(c->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << c->message;
    EXPECT_EQ(c->event, (uint32_t)TENDER_EVENT_CAPTURED);
    EXPECT_EQ(c->amount, 2500);
    EXPECT_EQ(state_get(pay.state, "status"), "released");
    EXPECT_EQ(pay.sync()->event, (uint32_t)TENDER_EVENT_CAPTURED);

    // Released once: the code does nothing more.
    Result again = pay.complete("open-sesame-7");
    EXPECT_EQ(again->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(again->decline_code, (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_EQ(again->event, (uint32_t)TENDER_EVENT_NONE);
}

TEST_F(Protected, WrongCodeAsksAgainWithTheAttemptsLeft)
{
    Payment pay(plugin.get(), 2500);
    start(pay);
    Result r = pay.complete("wrong");
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(r->decline_code, (uint32_t)TENDER_DECLINE_NONE);
    EXPECT_EQ(r->action_kind, (uint32_t)TENDER_ACTION_PROTECTION_CODE);
    EXPECT_NE(std::string(r->message).find("7 attempts left"), std::string::npos) << r->message;
    EXPECT_NE(std::string(r->details).find("attempts_left=7"), std::string::npos);

    // An empty answer uses up no attempt.
    r = pay.complete(nullptr);
    EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_NE(std::string(r->message).find("protection_code"), std::string::npos);
    r = pay.complete("wrong again");
    EXPECT_NE(std::string(r->message).find("6 attempts left"), std::string::npos);

    // The right code still works after wrong ones.
    EXPECT_EQ(pay.complete("open-sesame-7")->event, (uint32_t)TENDER_EVENT_CAPTURED);
}

TEST_F(Protected, EightWrongCodesReturnTheFunds)
{
    Payment pay(plugin.get(), 2500);
    start(pay);
    for (int i = 1; i < 8; i++) {
        Result r = pay.complete("nope");
        ASSERT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED) << i;
        std::string want = std::to_string(8 - i) + " attempt";
        EXPECT_NE(std::string(r->message).find(want), std::string::npos) << r->message;
    }
    Result last = pay.complete("nope");
    EXPECT_EQ(last->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(last->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
    EXPECT_EQ(last->event, (uint32_t)TENDER_EVENT_DECLINED);
    EXPECT_NE(std::string(last->message).find("back to the payer"), std::string::npos);
    EXPECT_EQ(state_get(pay.state, "status"), "returned");

    // Too late now, even with the right code.
    EXPECT_EQ(pay.complete("open-sesame-7")->decline_code,
              (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    Result s = pay.sync();
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_DECLINED);
    EXPECT_EQ(s->decline_code, (uint32_t)TENDER_DECLINE_SECURITY_CHECK_FAILED);
}

TEST_F(Protected, AnExpiredPeriodReturnsTheFunds)
{
    Payment pay(plugin.get(), 2500);
    start(pay, "2");
    plugin->now_ms += 2 * kDayMs - 1;
    EXPECT_EQ(pay.sync()->outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    plugin->now_ms += 1;
    Result s = pay.sync();
    EXPECT_EQ(s->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(s->decline_code, (uint32_t)TENDER_DECLINE_ACTION_EXPIRED);
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_EXPIRED);
    EXPECT_EQ(state_get(pay.state, "status"), "expired");
    EXPECT_EQ(pay.sync()->event, (uint32_t)TENDER_EVENT_EXPIRED);

    // The code after the period is refused the same way.
    Payment late(plugin.get(), 2500, "USD", 2, "pay_wm_late");
    start(late, "1");
    plugin->now_ms += kDayMs;
    Result c = late.complete("open-sesame-7");
    EXPECT_EQ(c->event, (uint32_t)TENDER_EVENT_EXPIRED);
    EXPECT_EQ(c->decline_code, (uint32_t)TENDER_DECLINE_ACTION_EXPIRED);
}

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

    // complete_action belongs to protected transfers only.
    Payment page(plugin.get(), 1000);
    page.purchase(payer());
    EXPECT_EQ(page.complete("x")->decline_code, (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
}

TEST_F(Protected, TheCodeIsNeverKeptShownOrLogged)
{
    const char *code = "Very-Secret-Code-913";
    Payment pay(plugin.get(), 2500);
    Result r = start(pay, "3", code);
    EXPECT_FALSE(result_contains(r.get(), code));
    EXPECT_EQ(pay.state.find(code), std::string::npos);
    std::string digest = state_get(pay.state, "digest");
    ASSERT_EQ(digest.size(), 64u);
    // The digest is salted: the plain SHA-256 of the code is not it.
    char *plain = g_compute_checksum_for_string(G_CHECKSUM_SHA256, code, -1);
    EXPECT_NE(digest, plain);
    g_free(plain);

    // The same code on another payment gets another digest.
    Payment other(plugin.get(), 2500, "USD", 2, "pay_wm_other");
    start(other, "3", code);
    EXPECT_NE(state_get(other.state, "digest"), digest);

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

TEST_F(WebMoney, SandboxTestInputs)
{
    struct {
        const char *purse;
        const char *wmid;
        tender_decline_code decline;
        const char *raw;
    } cases[] = {
        {"Z000000000051", "123456789012", TENDER_DECLINE_INSUFFICIENT_FUNDS, "17"},
        {"E000000000051", "123456789012", TENDER_DECLINE_INSUFFICIENT_FUNDS, "17"},
        {"Z123456789012", "000000000062", TENDER_DECLINE_RESTRICTED, "35"},
        {"Z123456789012", "000000000057", TENDER_DECLINE_INVALID_ACCOUNT, "111"},
        {"Z000000000096", "123456789012", TENDER_DECLINE_PROCESSING_ERROR, "-100"},
    };
    for (auto &c : cases) {
        const char *currency = c.purse[0] == 'E' ? "EUR" : "USD";
        for (bool protect : {false, true}) {
            Payment pay(plugin.get(), 1000, currency);
            auto params = payer(c.purse, c.wmid);
            if (protect) {
                params.push_back({"protection_days", "3"});
                params.push_back({"protection_code", "abc"});
            }
            Result r = pay.purchase(params);
            EXPECT_EQ(r->outcome, (uint32_t)TENDER_OUTCOME_DECLINED) << c.purse << c.wmid;
            EXPECT_EQ(r->decline_code, (uint32_t)c.decline) << c.purse << c.wmid;
            EXPECT_STREQ(r->raw_code, c.raw);
        }
    }
    // Any other well-formed payer pays.
    Payment ok(plugin.get(), 1000);
    EXPECT_EQ(ok.purchase(payer("Z000000000052", "000000000063"))->outcome,
              (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
}

TEST_F(WebMoney, FixturesBehaveAsDocumented)
{
    size_t n = 0;
    const tender_fixture *fx = plugin->method->ops->sandbox_fixtures(&n);
    ASSERT_GE(n, 8u);
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
        if (f.n_complete_params) {
            Result c = pay.complete(f.complete_params[0].value);
            EXPECT_EQ(c->outcome, f.expect_after_action);
        } else {
            ASSERT_NE(f.sandbox_event, nullptr);
            std::string body = pay.sandbox(f.sandbox_event)->notify_body;
            EXPECT_EQ(pay.identify(body)->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
            EXPECT_EQ(pay.notify(body)->outcome, f.expect_after_action);
        }
    }
}

// ---- refunds ------------------------------------------------------------------

TEST_F(WebMoney, RefundsAreTransfersBackFullOrPartial)
{
    Payment pay(plugin.get(), 1050);
    pay.purchase(payer());
    Result early = pay.refund(100, "req_r0");
    EXPECT_EQ(early->decline_code, (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);

    pay.notify(pay.sandbox("paid")->notify_body);
    Result r1 = pay.refund(300, "req_r1");
    ASSERT_EQ(r1->outcome, (uint32_t)TENDER_OUTCOME_APPROVED) << r1->message;
    EXPECT_EQ(r1->amount, 300);
    EXPECT_NE(r1->processor_ref[0], '\0');
    EXPECT_NE(std::string(r1->details).find("amount=3\n"), std::string::npos) << r1->details;
    EXPECT_NE(std::string(r1->details).find("to_purse=Z123456789012"), std::string::npos);

    // A retried refund (same request id) sends nothing twice.
    Result replay = pay.refund(300, "req_r1");
    EXPECT_EQ(replay->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_STREQ(replay->processor_ref, r1->processor_ref);
    EXPECT_EQ(state_get(pay.state, "refunded"), "300");

    Result too_much = pay.refund(751, "req_r2");
    EXPECT_EQ(too_much->outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(too_much->decline_code, (uint32_t)TENDER_DECLINE_INVALID_AMOUNT);
    EXPECT_NE(std::string(too_much->message).find("7.5"), std::string::npos);

    Result r2 = pay.refund(750, "req_r3");
    EXPECT_EQ(r2->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_STRNE(r2->processor_ref, r1->processor_ref);
    EXPECT_EQ(state_get(pay.state, "refunded"), "1050");
    EXPECT_EQ(pay.refund(1, "req_r4")->decline_code, (uint32_t)TENDER_DECLINE_INVALID_AMOUNT);

    Result s = pay.sync();
    EXPECT_EQ(s->event, (uint32_t)TENDER_EVENT_REFUNDED);
    EXPECT_EQ(s->amount, 1050);
}

TEST_F(WebMoney, ReleasedProtectedTransferCanBeRefunded)
{
    Payment pay(plugin.get(), 2000);
    auto params = payer();
    params.push_back({"protection_days", "3"});
    params.push_back({"protection_code", "c0de"});
    pay.purchase(params);
    EXPECT_EQ(pay.refund(2000, "req_p0")->decline_code,
              (uint32_t)TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    pay.complete("c0de");
    EXPECT_EQ(pay.refund(2000, "req_p1")->outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
}

} // namespace
