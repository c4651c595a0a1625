// Config validation (issue 4, item 2): every kind of error names its JSON
// path (and line), warnings for methods no plugin provides, typed reads and
// the embedded default.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include "policy-test-support.h"

namespace {

// A small valid config; tests replace one fragment to break it.
const std::string kBase = R"({
  "merchant": {"region": "US"},
  "exchange": {"base": "USD", "as_of": "2026-11-01",
               "rates": {"EUR": "0.92", "CNY": 7.1, "JPY": 150}},
  "methods": {
    "card": {
      "currencies": ["USD", "EUR"],
      "amounts": {"USD": {"min": "0.50", "max": "10000.00"}},
      "limits": [
        {"window": "day", "currency": "USD", "max": "1000.00"},
        {"window": "month", "currency": "EUR", "max": "5000.00"}
      ],
      "fees": {"bps": 290, "fixed": {"USD": "0.30"}, "cross_border_bps": 150}
    }
  }
})";

std::string replaced(const std::string &from, const std::string &to)
{
    std::string s = kBase;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos)
        s.replace(at, from.size(), to);
    return s;
}

// Loads text that must fail; returns the message.
std::string error_of(const std::string &json)
{
    Loaded l(json);
    EXPECT_EQ(l.config, nullptr) << json;
    return l.error;
}

}  // namespace

TEST(PolicyConfig, BaseIsValid)
{
    Loaded l(kBase);
    ASSERT_NE(l.config, nullptr) << l.error;
    EXPECT_TRUE(config_has_rate(l.config, "USD"));
    EXPECT_TRUE(config_has_rate(l.config, "CNY"));
    EXPECT_FALSE(config_has_rate(l.config, "GBP"));
    EXPECT_STREQ(config_merchant_region(l.config), "US");
    const TenderMethodPolicy *m = config_method(l.config, "card");
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(m->limits->len, 2u);
    const TenderLimitRule &r0 = g_array_index(m->limits, TenderLimitRule, 0);
    EXPECT_EQ(r0.window, TENDER_WINDOW_DAY);
    EXPECT_STREQ(r0.currency, "USD");
    EXPECT_EQ(r0.max, 100000);
    EXPECT_EQ(m->fee_bps, 290);
    EXPECT_EQ(m->cross_border_bps, 150);
}

TEST(PolicyConfig, MalformedJsonNamesLine)
{
    std::string msg = error_of("{\n  \"methods\": {\n    \"card\": {,}\n  }\n}\n");
    EXPECT_HAS(msg, "cfg.json:3:");
    EXPECT_HAS(msg, "$: malformed JSON");
}

TEST(PolicyConfig, MalformedJsonTruncated)
{
    std::string msg = error_of(kBase.substr(0, kBase.size() - 3));
    EXPECT_HAS(msg, "malformed JSON");
}

TEST(PolicyConfig, EmptyAndNonObject)
{
    EXPECT_HAS(error_of(""), "$: malformed JSON");
    EXPECT_HAS(error_of("[1, 2]"), "$: expected an object, found an array");
}

TEST(PolicyConfig, UnknownTopLevelKeyIsNamedWithHint)
{
    std::string msg = error_of(replaced("\"methods\": {", "\"methodz\": {"));
    EXPECT_HAS(msg, "$.methodz: unknown key \"methodz\"");
    EXPECT_HAS(msg, "did you mean \"methods\"");
    EXPECT_HAS(msg, "cfg.json:5:");
}

TEST(PolicyConfig, UnknownMethodKey)
{
    std::string msg = error_of(replaced("\"limits\": [", "\"limitz\": ["));
    EXPECT_HAS(msg, "$.methods.card.limitz: unknown key \"limitz\"");
    EXPECT_HAS(msg, "did you mean \"limits\"");
    EXPECT_HAS(msg, "cfg.json:9:");
}

TEST(PolicyConfig, UnknownKeyInsideArrayElement)
{
    std::string msg = error_of(replaced("\"currency\": \"EUR\", \"max\"", "\"currency\": \"EUR\", \"maxx\""));
    EXPECT_HAS(msg, "$.methods.card.limits[1].maxx: unknown key \"maxx\"");
    EXPECT_HAS(msg, "cfg.json:11:");
}

TEST(PolicyConfig, UnknownKeyDeepInFeesAndExchange)
{
    EXPECT_HAS(error_of(replaced("\"bps\": 290", "\"bsp\": 290")), "$.methods.card.fees.bsp: unknown key \"bsp\"");
    EXPECT_HAS(error_of(replaced("\"as_of\"", "\"asof\"")), "$.exchange.asof: unknown key");
    EXPECT_HAS(error_of(replaced("\"min\": \"0.50\"", "\"minimum\": \"0.50\"")), "$.methods.card.amounts.USD.minimum: unknown key");
}

TEST(PolicyConfig, DuplicateKeyIsAnError)
{
    std::string msg = error_of(replaced("\"bps\": 290,", "\"bps\": 290, \"bps\": 0,"));
    EXPECT_HAS(msg, "$.methods.card.fees.bps: duplicate key");
}

TEST(PolicyConfig, WrongTypes)
{
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]", "\"enabled\": \"yes\"")), "$.methods.card.enabled: expected a boolean (true or false), found a string");
    EXPECT_HAS(error_of(replaced("[\"USD\", \"EUR\"]", "\"USD\"")), "$.methods.card.currencies: expected an array, found a string");
    EXPECT_HAS(error_of(replaced("\"bps\": 290", "\"bps\": \"290\"")), "$.methods.card.fees.bps: expected an integer, found a string");
    EXPECT_HAS(error_of(replaced("\"bps\": 290", "\"bps\": 2.5")), "$.methods.card.fees.bps: expected an integer, found a number");
    EXPECT_HAS(error_of(replaced("\"region\": \"US\"", "\"region\": 840")), "$.merchant.region: expected a string, found an integer");
    EXPECT_HAS(error_of(replaced("\"max\": \"1000.00\"", "\"max\": 1000.5")), "$.methods.card.limits[0].max: write amounts as decimal strings");
    EXPECT_HAS(error_of(replaced("{\"window\": \"day\"", "[\"day\"], {\"window\": \"day\"")), "$.methods.card.limits[0]: expected an object, found an array");
}

TEST(PolicyConfig, UnknownCurrency)
{
    std::string msg = error_of(replaced("[\"USD\", \"EUR\"]", "[\"USD\", \"USX\"]"));
    EXPECT_HAS(msg, "$.methods.card.currencies[1]: unknown currency \"USX\"");
    EXPECT_HAS(msg, "cfg.json:7:");
    EXPECT_HAS(error_of(replaced("\"currency\": \"EUR\"", "\"currency\": \"EURO\"")), "$.methods.card.limits[1].currency: unknown currency \"EURO\"");
    EXPECT_HAS(error_of(replaced("\"base\": \"USD\"", "\"base\": \"usd\"")), "$.exchange.base: unknown currency \"usd\"");
    EXPECT_HAS(error_of(replaced("\"EUR\": \"0.92\"", "\"XXY\": \"0.92\"")), "$.exchange.rates.XXY: unknown currency");
    EXPECT_HAS(error_of(replaced("{\"USD\": \"0.30\"}", "{\"ABC\": \"0.30\"}")), "$.methods.card.fees.fixed.ABC: unknown currency");
}

TEST(PolicyConfig, UnknownRegion)
{
    EXPECT_HAS(error_of(replaced("\"region\": \"US\"", "\"region\": \"UK\"")), "$.merchant.region: unknown region \"UK\"");
    std::string msg = error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                        "\"regions\": {\"allow\": [\"US\", \"AB\"]}"));
    EXPECT_HAS(msg, "$.methods.card.regions.allow[1]: unknown region \"AB\"");
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                  "\"regions\": {\"deny\": [\"*\"]}")), "$.methods.card.regions.deny[0]: unknown region \"*\"");
    EXPECT_HAS(error_of(replaced("\"merchant\": {\"region\": \"US\"}",
                                  "\"bin_countries\": {\"424242\": \"ZZZ\"}")), "$.bin_countries.424242: unknown region \"ZZZ\"");
}

TEST(PolicyConfig, MinimumAboveMaximum)
{
    std::string msg = error_of(replaced("\"min\": \"0.50\"", "\"min\": \"20000.00\""));
    EXPECT_HAS(msg, "$.methods.card.amounts.USD.min: minimum 20000.00 USD is above "
                               "the maximum 10000.00 USD");
    EXPECT_HAS(msg, "cfg.json:8:");
}

TEST(PolicyConfig, NegativeFee)
{
    EXPECT_HAS(error_of(replaced("\"bps\": 290", "\"bps\": -1")), "$.methods.card.fees.bps: must not be negative");
    EXPECT_HAS(error_of(replaced("\"cross_border_bps\": 150", "\"cross_border_bps\": -150")), "$.methods.card.fees.cross_border_bps: must not be negative");
    EXPECT_HAS(error_of(replaced("{\"USD\": \"0.30\"}", "{\"USD\": \"-0.30\"}")), "$.methods.card.fees.fixed.USD: must not be negative");
}

TEST(PolicyConfig, NegativeLimit)
{
    EXPECT_HAS(error_of(replaced("\"max\": \"1000.00\"", "\"max\": \"-1000.00\"")), "$.methods.card.limits[0].max: must not be negative");
    EXPECT_HAS(error_of(replaced("\"max\": \"1000.00\"", "\"max\": -5")), "$.methods.card.limits[0].max: must not be negative");
}

TEST(PolicyConfig, TooManyDecimalsForTheCurrency)
{
    std::string msg = error_of(replaced("\"max\": \"1000.00\"", "\"max\": \"1000.001\""));
    EXPECT_HAS(msg, "$.methods.card.limits[0].max: \"1000.001\" has 3 decimals but "
                               "USD takes 2");
    EXPECT_HAS(msg, "cfg.json:10:");
    std::string jpy = replaced("\"amounts\": {\"USD\": {\"min\": \"0.50\", \"max\": \"10000.00\"}}",
                               "\"amounts\": {\"JPY\": {\"min\": \"0.5\"}}");
    EXPECT_HAS(error_of(jpy), "$.methods.card.amounts.JPY.min: \"0.5\" has 1 decimals but JPY takes 0");
}

TEST(PolicyConfig, LimitInCurrencyWithoutRate)
{
    std::string msg = error_of(replaced("\"currency\": \"EUR\"", "\"currency\": \"KZT\""));
    EXPECT_HAS(msg, "$.methods.card.limits[1].currency: no exchange rate for KZT");
    // Without any exchange section, even the base-looking currency has none.
    std::string none = replaced(
        "\"exchange\": {\"base\": \"USD\", \"as_of\": \"2026-11-01\",\n"
        "               \"rates\": {\"EUR\": \"0.92\", \"CNY\": 7.1, \"JPY\": 150}},",
        "");
    EXPECT_HAS(error_of(none), "no exchange rate for USD");
}

TEST(PolicyConfig, OtherSemanticErrors)
{
    EXPECT_HAS(error_of(replaced("\"window\": \"day\"", "\"window\": \"daily\"")), "$.methods.card.limits[0].window: unknown window \"daily\"");
    EXPECT_HAS(error_of(replaced("\"as_of\": \"2026-11-01\"", "\"as_of\": \"2026-13-01\"")), "$.exchange.as_of: expected a date written YYYY-MM-DD");
    EXPECT_HAS(error_of(replaced("\"EUR\": \"0.92\"", "\"EUR\": \"0\"")), "$.exchange.rates.EUR: rate \"0\" must be positive");
    EXPECT_HAS(error_of(replaced("\"EUR\": \"0.92\"", "\"USD\": \"2\"")), "$.exchange.rates.USD: the base currency's rate must be 1");
    EXPECT_HAS(error_of(replaced("\"bps\": 290", "\"bps\": 20000")), "$.methods.card.fees.bps: 20000 is out of range");
    EXPECT_HAS(error_of(replaced("\"card\": {", "\"Card\": {")), "$.methods.Card: a method id is 1 to 31 characters");
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]", "\"default_tier\": \"gold\"")), "$.methods.card.default_tier: tier \"gold\" is not defined");
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                  "\"velocity\": [{\"window\": \"week\", \"max_attempts\": 3}]")), "$.methods.card.velocity[0].window: unknown velocity window");
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                  "\"velocity\": [{\"window\": \"hour\"}]")), "$.methods.card.velocity[0]: give \"max_attempts\"");
    EXPECT_HAS(error_of(replaced("{\"window\": \"day\", \"currency\": \"USD\", ",
                                  "{\"window\": \"day\", ")), "$.methods.card.limits[0].currency: missing");
    EXPECT_HAS(error_of(replaced("\"merchant\": {\"region\": \"US\"}",
                                  "\"bin_countries\": {\"42x\": \"US\"}")), "$.bin_countries.42x: a BIN prefix is 1 to 8 digits");
}

// Issue 10 item 6: default_tier must name one of the method's tiers; every
// way to get it wrong is an error at its JSON path, and nothing loads.
TEST(PolicyConfig, DefaultTierMustBeOneOfTheMethodsTiers)
{
    const std::string tiers =
        "\"tiers\": {\"silver\": {\"limits\": []}, \"gold\": {\"limits\": []}}";
    Loaded good(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                         tiers + ", \"default_tier\": \"silver\""));
    ASSERT_NE(good.config, nullptr) << good.error;
    EXPECT_STREQ(config_method(good.config, "card")->default_tier, "silver");
    Loaded none(kBase);
    ASSERT_NE(none.config, nullptr) << none.error;
    EXPECT_EQ(config_method(none.config, "card")->default_tier, nullptr);

    std::string unknown = error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                            tiers + ", \"default_tier\": \"platinum\""));
    EXPECT_HAS(unknown, "$.methods.card.default_tier: tier \"platinum\" is not defined under "
                        "\"tiers\" (its tiers: silver, gold)");
    EXPECT_HAS(unknown, "cfg.json");
    // Given before "tiers" in the file: still checked against them.
    Loaded before(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                           "\"default_tier\": \"gold\", " + tiers));
    ASSERT_NE(before.config, nullptr) << before.error;
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                 "\"default_tier\": \"gold\"")),
               "$.methods.card.default_tier: tier \"gold\" is not defined under \"tiers\" "
               "(the method defines no tiers)");
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                 tiers + ", \"default_tier\": 1")),
               "$.methods.card.default_tier: expected a string");
    // Case matters, as everywhere else in tier names.
    EXPECT_HAS(error_of(replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                 tiers + ", \"default_tier\": \"Gold\"")),
               "$.methods.card.default_tier: tier \"Gold\" is not defined");
}

TEST(PolicyConfig, RatesAsNumbersAreExact)
{
    Loaded l(kBase);
    ASSERT_NE(l.config, nullptr) << l.error;
    gint64 out = 0;
    // 7.1 (a JSON number) must read as exactly 7.1: 100.00 USD -> 710.00 CNY.
    ASSERT_TRUE(config_convert(l.config, 10000, "USD", -1, "CNY", -1, &out));
    EXPECT_EQ(out, 71000);
    char *text = config_rate_text(l.config, "USD", "CNY");
    EXPECT_STREQ(text, "1 USD = 7.1 CNY as of 2026-11-01");
    g_free(text);
}

TEST(PolicyConfig, WarnsAboutMethodsNoPluginProvides)
{
    std::string json = replaced("\"methods\": {", "\"methods\": {\n    \"bitcoin\": {\"enabled\": true},");
    Loaded l(json);
    ASSERT_NE(l.config, nullptr) << l.error;
    std::unique_ptr<Method> card(card_method());
    GPtrArray *methods = g_ptr_array_new();
    g_ptr_array_add(methods, (gpointer)card->info());
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    config_warn_unprovided(l.config, methods, warnings);
    ASSERT_EQ(warnings->len, 1u);
    EXPECT_HAS((const char *)g_ptr_array_index(warnings, 0), "$.methods.bitcoin: method \"bitcoin\" is configured but no loaded "
                          "plugin provides it");
    g_ptr_array_unref(warnings);
    g_ptr_array_unref(methods);
}

TEST(PolicyConfig, WarnsAboutWhatThePluginIgnores)
{
    std::string json = replaced("[\"USD\", \"EUR\"]", "[\"USD\", \"EUR\", \"VND\"]");
    Loaded l(json);
    ASSERT_NE(l.config, nullptr) << l.error;
    std::unique_ptr<Method> alipay(alipay_method());
    // Pretend the card config belongs to a plugin that takes only CNY.
    Method only_cny("card", {"CN"}, {{"CNY"}});
    GPtrArray *methods = g_ptr_array_new();
    g_ptr_array_add(methods, (gpointer)only_cny.info());
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    config_warn_unprovided(l.config, methods, warnings);
    ASSERT_EQ(warnings->len, 3u);
    EXPECT_HAS((const char *)g_ptr_array_index(warnings, 0), "$.methods.card.currencies[0]: the plugin does not take USD");
    g_ptr_array_unref(warnings);
    g_ptr_array_unref(methods);
}

TEST(PolicyConfig, DefaultConfigValidatesWithoutWarnings)
{
    Loaded l(tender_config_default_json(), "embedded default");
    ASSERT_NE(l.config, nullptr) << l.error;
    EXPECT_TRUE(l.warnings.empty());
    std::unique_ptr<Method> card(card_method()), alipay(alipay_method()),
        paypal(paypal_method()), webmoney(webmoney_method());
    GPtrArray *methods = g_ptr_array_new();
    for (Method *m : {card.get(), alipay.get(), paypal.get(), webmoney.get()})
        g_ptr_array_add(methods, (gpointer)m->info());
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    config_warn_unprovided(l.config, methods, warnings);
    for (guint i = 0; i < warnings->len; i++)
        ADD_FAILURE() << (const char *)g_ptr_array_index(warnings, i);
    g_ptr_array_unref(warnings);
    g_ptr_array_unref(methods);

    for (const char *id : {"card", "alipay", "paypal", "webmoney"}) {
        EXPECT_TRUE(config_method_enabled(l.config, id)) << id;
        char mode[16];
        EXPECT_EQ(config_setting_string(l.config, id, "mode", mode, sizeof mode), 1);
        EXPECT_STREQ(mode, "sandbox");
    }
    EXPECT_STREQ(config_exchange_as_of(l.config), "2026-11-01");
    EXPECT_STREQ(config_bin_country(l.config, "4242424242424242"), "US");
    EXPECT_STREQ(policy_bin_country(l.config, "620000"), "CN");
    EXPECT_EQ(policy_bin_country(l.config, "999999"), nullptr);
    const TenderMethodPolicy *wm = config_method(l.config, "webmoney");
    ASSERT_NE(wm, nullptr);
    const TenderTierPolicy *alias = method_policy_tier(wm, "alias");
    ASSERT_NE(alias, nullptr);
    ASSERT_EQ(alias->limits->len, 3u);
    EXPECT_EQ(g_array_index(alias->limits, TenderLimitRule, 0).max, 10000);
}

TEST(PolicyConfig, AccessorsAndDefaults)
{
    std::string json = replaced("\"currencies\": [\"USD\", \"EUR\"]",
                                "\"enabled\": false, \"deadline_ms\": 2500,\n"
                                "\"retries\": {\"max\": 4, \"backoff_ms\": 50},\n"
                                "\"settings\": {\"mode\": \"sandbox\", \"n\": 7, \"b\": true,"
                                " \"long\": \"abcdefghijklmnop\"}");
    json = json.substr(0, json.rfind('}')) +
           ", \"plugin_dirs\": [\"/opt/p\", \"/opt/q\"], \"ledger\": \"/tmp/l.db\","
           " \"reconcile\": {\"pending_age_seconds\": 60}}";
    Loaded l(json);
    ASSERT_NE(l.config, nullptr) << l.error;
    EXPECT_FALSE(config_method_enabled(l.config, "card"));
    EXPECT_TRUE(config_method_enabled(l.config, "paypal"));
    EXPECT_EQ(config_deadline_ms(l.config, "card"), 2500);
    EXPECT_EQ(config_deadline_ms(l.config, "paypal"), 10000);
    EXPECT_EQ(config_max_retries(l.config, "card"), 4u);
    EXPECT_EQ(config_max_retries(l.config, "paypal"), 2u);
    EXPECT_EQ(config_retry_backoff_ms(l.config, "card"), 50);
    EXPECT_EQ(config_retry_backoff_ms(l.config, "paypal"), 100);
    EXPECT_EQ(config_reconcile_age_ms(l.config), 60000);
    EXPECT_STREQ(config_ledger_path(l.config), "/tmp/l.db");
    const char *const *dirs = config_plugin_dirs(l.config);
    ASSERT_NE(dirs, nullptr);
    EXPECT_STREQ(dirs[0], "/opt/p");
    EXPECT_STREQ(dirs[1], "/opt/q");
    EXPECT_EQ(dirs[2], nullptr);

    char buf[8];
    gint64 n = 0;
    int b = 0;
    EXPECT_EQ(config_setting_string(l.config, "card", "mode", buf, sizeof buf), 1);
    EXPECT_STREQ(buf, "sandbox");
    EXPECT_EQ(config_setting_string(l.config, "card", "long", buf, sizeof buf), -1);
    EXPECT_EQ(config_setting_string(l.config, "card", "n", buf, sizeof buf), -1);
    EXPECT_EQ(config_setting_string(l.config, "card", "absent", buf, sizeof buf), 0);
    EXPECT_EQ(config_setting_int64(l.config, "card", "n", &n), 1);
    EXPECT_EQ(n, 7);
    EXPECT_EQ(config_setting_int64(l.config, "card", "mode", &n), -1);
    EXPECT_EQ(config_setting_bool(l.config, "card", "b", &b), 1);
    EXPECT_EQ(b, 1);
    EXPECT_EQ(config_setting_bool(l.config, "paypal", "b", &b), 0);

    Loaded empty("{}");
    ASSERT_NE(empty.config, nullptr) << empty.error;
    EXPECT_EQ(config_plugin_dirs(empty.config), nullptr);
    EXPECT_EQ(config_ledger_path(empty.config), nullptr);
    EXPECT_EQ(config_reconcile_age_ms(empty.config), 15 * 60 * 1000);
    EXPECT_STREQ(config_merchant_region(empty.config), "");
}

TEST(PolicyConfig, CheckFile)
{
    char *path = nullptr;
    int fd = g_file_open_tmp("tender-policy-XXXXXX.json", &path, nullptr);
    ASSERT_GE(fd, 0);
    close(fd);
    std::string bad = replaced("\"limits\": [", "\"limitz\": [");
    ASSERT_TRUE(g_file_set_contents(path, bad.c_str(), -1, nullptr));
    GError *err = nullptr;
    EXPECT_FALSE(tender_config_check_file(path, nullptr, &err));
    ASSERT_NE(err, nullptr);
    EXPECT_TRUE(g_error_matches(err, TENDER_ERROR, TENDER_ERROR_CONFIG));
    EXPECT_HAS(err->message, std::string(path) + ":9: $.methods.card.limitz");
    g_clear_error(&err);
    ASSERT_TRUE(g_file_set_contents(path, kBase.c_str(), -1, nullptr));
    EXPECT_TRUE(tender_config_check_file(path, nullptr, &err));
    EXPECT_EQ(err, nullptr);
    g_unlink(path);
    EXPECT_FALSE(tender_config_check_file(path, nullptr, &err));
    ASSERT_NE(err, nullptr);
    EXPECT_TRUE(g_error_matches(err, TENDER_ERROR, TENDER_ERROR_CONFIG));
    g_clear_error(&err);
    g_free(path);
}

TEST(PolicyConfig, Windows)
{
    struct {
        TenderWindow w;
        gint64 now;
        const char *start;
    } cases[] = {
        {TENDER_WINDOW_MINUTE, 1795651199999, "2026-11-25T23:59"},
        {TENDER_WINDOW_HOUR, 1795651199999, "2026-11-25T23"},
        {TENDER_WINDOW_DAY, 1795651199999, "2026-11-25"},
        {TENDER_WINDOW_DAY, 1795651200000, "2026-11-26"},
        {TENDER_WINDOW_WEEK, 1795651199999, "2026-11-23"},   // Wednesday -> Monday
        {TENDER_WINDOW_WEEK, 1796083199999, "2026-11-30"},   // a Monday is its own start
        {TENDER_WINDOW_MONTH, 1796083199999, "2026-11-01"},
        {TENDER_WINDOW_MONTH, 1796083200000, "2026-12-01"},
        {TENDER_WINDOW_YEAR, 1798761599000, "2026-01-01"},
        {TENDER_WINDOW_YEAR, 1798761600000, "2027-01-01"},
        {TENDER_WINDOW_WEEK, 1798761600000, "2026-12-28"},   // ISO week across the year
        {TENDER_WINDOW_LIFETIME, 1798761600000, "all"},
        {TENDER_WINDOW_DAY, -1, "1969-12-31"},
    };
    for (const auto &c : cases) {
        char *s = window_start(c.w, c.now);
        EXPECT_STREQ(s, c.start) << window_name(c.w) << " " << c.now;
        g_free(s);
    }
}

// Issue 12: the settings the host's `http` service reads are checked when the
// config loads, so a bad one is a configuration error naming its path.
TEST(PolicyConfig, TransportSettingsAreChecked)
{
    auto with_settings = [](const std::string &settings) {
        return replaced("\"currencies\": [\"USD\", \"EUR\"]",
                        "\"currencies\": [\"USD\", \"EUR\"], \"settings\": " + settings);
    };
    Loaded good(with_settings("{\"endpoint\": \"https://api.example.com/v1\","
                              " \"allowed_hosts\": \"auth.example.com, 127.0.0.1:8443\","
                              " \"proxy\": \"http://proxy.internal:3128\", \"mode\": \"live\"}"));
    EXPECT_NE(good.config, nullptr) << good.error;
    Loaded loopback(with_settings("{\"endpoint\": \"http://127.0.0.1:8080\"}"));
    EXPECT_NE(loopback.config, nullptr) << loopback.error;

    EXPECT_HAS(error_of(with_settings("{\"endpoint\": \"not a url\"}")),
               "$.methods.card.settings.endpoint: ");
    EXPECT_HAS(error_of(with_settings("{\"endpoint\": \"http://api.example.com\"}")),
               "$.methods.card.settings.endpoint: ");
    EXPECT_HAS(error_of(with_settings("{\"endpoint\": 42}")),
               "$.methods.card.settings.endpoint: expected a string");
    EXPECT_HAS(error_of(with_settings("{\"allowed_hosts\": \"good.example.com, bad host\"}")),
               "$.methods.card.settings.allowed_hosts: ");
    EXPECT_HAS(error_of(with_settings("{\"ca_file\": \"/nonexistent/ca.pem\"}")),
               "$.methods.card.settings.ca_file: cannot read the CA file '/nonexistent/ca.pem'");
}

// transport.trace (issue 12, item 4): the config's switch for the http
// trace, checked like every other key.
TEST(PolicyConfig, TransportTraceSwitchIsChecked)
{
    auto with_transport = [](const std::string &transport) {
        std::string json = kBase;
        return json.substr(0, json.rfind('}')) + ", \"transport\": " + transport + "}";
    };
    Loaded on(with_transport("{\"trace\": true}"));
    ASSERT_NE(on.config, nullptr) << on.error;
    EXPECT_TRUE(config_trace_http(on.config));
    Loaded off(with_transport("{\"trace\": false}"));
    ASSERT_NE(off.config, nullptr) << off.error;
    EXPECT_FALSE(config_trace_http(off.config));
    Loaded empty(with_transport("{}"));
    ASSERT_NE(empty.config, nullptr) << empty.error;
    EXPECT_FALSE(config_trace_http(empty.config));
    Loaded absent(kBase);
    ASSERT_NE(absent.config, nullptr) << absent.error;
    EXPECT_FALSE(config_trace_http(absent.config)) << "off by default";

    EXPECT_HAS(error_of(with_transport("{\"trace\": \"yes\"}")),
               "$.transport.trace: expected a boolean (true or false), found a string");
    EXPECT_HAS(error_of(with_transport("{\"trace\": 1}")),
               "$.transport.trace: expected a boolean");
    EXPECT_HAS(error_of(with_transport("true")), "$.transport: expected an object");
    EXPECT_HAS(error_of(with_transport("{\"trace\": true, \"tracing\": true}")),
               "$.transport.tracing");
}
