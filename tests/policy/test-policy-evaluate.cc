// Policy evaluation (issue 4, items 3, 4, 6, 7, 8): regions, currencies,
// bounds and tiers of each bundled method against hand-built facts that
// mirror what the plugins declare; cumulative limits across day, week and
// month boundaries; velocity; fees, exchange and rounding; step-up.
#include <memory>

#include <gtest/gtest.h>

#include "policy-test-support.h"

namespace {

// Instants (ms since the epoch, UTC).
constexpr gint64 kNov25Last = 1795651199999;   // 2026-11-25T23:59:59.999 (Wednesday)
constexpr gint64 kNov26First = 1795651200000;  // 2026-11-26T00:00:00.000
constexpr gint64 kNov30Last = 1796083199999;   // 2026-11-30T23:59:59.999 (Monday)
constexpr gint64 kDec01First = 1796083200000;  // 2026-12-01T00:00:00.000

class Policy : public ::testing::Test {
protected:
    void SetUp() override
    {
        def_ = std::make_unique<Loaded>(tender_config_default_json(), "embedded default");
        ASSERT_NE(def_->config, nullptr) << def_->error;
        card_.reset(card_method());
        alipay_.reset(alipay_method());
        paypal_.reset(paypal_method());
        webmoney_.reset(webmoney_method());
    }
    const TenderConfig *def() const { return def_->config; }

    std::unique_ptr<Loaded> def_;
    std::unique_ptr<Method> card_, alipay_, paypal_, webmoney_;
};

// WebMoney's passport limits without fees, so sentences carry round numbers.
const char *kWebmoneyNoFees = R"({
  "exchange": {"base": "USD", "as_of": "2026-11-01", "rates": {"EUR": "0.92", "GBP": "0.8"}},
  "methods": {"webmoney": {
    "currencies": ["USD", "EUR"],
    "tiers": {
      "alias": {"limits": [{"window": "day", "currency": "USD", "max": "100.00"},
                           {"window": "week", "currency": "USD", "max": "300.00"},
                           {"window": "month", "currency": "USD", "max": "500.00"}]},
      "personal": {"limits": []}
    }
  }}
})";

}  // namespace

// ---- card -------------------------------------------------------------------

TEST_F(Policy, CardOfferedEverywhereWithFees)
{
    Eval us(def(), *card_, "US", "USD", 10000);
    ASSERT_TRUE(us.ok) << us.error;
    EXPECT_TRUE(us.d.offered) << us.reason();
    EXPECT_EQ(us.currency(), "USD");
    EXPECT_EQ(us.d.pay_exponent, 2);
    EXPECT_EQ(us.d.pay_amount, 10000);
    EXPECT_EQ(us.d.fee, 320);          // 2.90% + 0.30
    EXPECT_EQ(us.d.total, 10320);
    EXPECT_EQ(us.d.exchange, nullptr);
    EXPECT_FALSE(us.d.step_up);

    Eval jp(def(), *card_, "JP", "USD", 10000);
    ASSERT_TRUE(jp.d.offered) << jp.reason();
    EXPECT_EQ(jp.d.fee, 470);          // + 1.50% cross-border (merchant in US)
    EXPECT_EQ(jp.d.total, 10470);
}

TEST_F(Policy, CardConvertsACurrencyTheConfigLeavesOut)
{
    // ISK is a card currency, but the default config does not list it: the
    // buyer pays in the first listed currency, USD, at 138 ISK per USD.
    Eval e(def(), *card_, "IS", "ISK", 1380);
    ASSERT_TRUE(e.d.offered) << e.reason();
    EXPECT_EQ(e.currency(), "USD");
    EXPECT_EQ(e.d.pay_amount, 1000);
    EXPECT_EQ(e.exchange(), "1 ISK = 0.007246 USD as of 2026-11-01");
}

TEST_F(Policy, CardMinimumAndMaximum)
{
    Eval low(def(), *card_, "US", "USD", 49);
    EXPECT_FALSE(low.d.offered);
    EXPECT_EQ(low.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(low.reason(), "0.49 USD is below the minimum of 0.50 USD for card.");

    Eval high(def(), *card_, "US", "USD", 2500001);
    EXPECT_EQ(high.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(high.reason(), "25000.01 USD is above the maximum of 25000.00 USD for card.");

    Eval edge(def(), *card_, "US", "USD", 2500000);
    EXPECT_TRUE(edge.d.offered) << edge.reason();

    // No CHF bounds: the USD ones apply to the converted amount.
    Eval chf(def(), *card_, "CH", "CHF", 3000000);
    EXPECT_EQ(chf.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(chf.reason(),
              "30000.00 CHF (about 34090.91 USD) is above the maximum of 25000.00 USD for card.");

    Eval jpy(def(), *card_, "JP", "JPY", 49);
    EXPECT_EQ(jpy.reason(), "49 JPY is below the minimum of 50 JPY for card.");
}

TEST_F(Policy, CardRegionDenyAndDisabled)
{
    Loaded l(R"({"methods": {"card": {"regions": {"allow": ["*"], "deny": ["RU"]}},
                             "paypal": {"enabled": false}}})");
    ASSERT_NE(l.config, nullptr) << l.error;
    Eval ru(l.config, *card_, "RU", "USD", 1000);
    EXPECT_FALSE(ru.d.offered);
    EXPECT_EQ(ru.d.code, TENDER_DECLINE_REGION_NOT_SUPPORTED);
    EXPECT_EQ(ru.reason(), "card is not offered to buyers in RU by this merchant.");
    Eval de(l.config, *card_, "DE", "USD", 1000);
    EXPECT_TRUE(de.d.offered) << de.reason();
    EXPECT_EQ(de.d.fee, 0);  // no fees configured

    Eval off(l.config, *paypal_, "US", "USD", 1000);
    EXPECT_FALSE(off.d.offered);
    EXPECT_EQ(off.d.code, TENDER_DECLINE_NOT_PERMITTED);
    EXPECT_EQ(off.reason(), "paypal is turned off by the merchant.");

    // A method the config does not mention runs on its plugin's facts.
    Eval wm(l.config, *webmoney_, "KZ", "KZT", 100000);
    EXPECT_TRUE(wm.d.offered) << wm.reason();
    EXPECT_EQ(wm.d.total, 100000);
}

TEST_F(Policy, CardStepUpAboveAmount)
{
    Eval big(def(), *card_, "US", "USD", 50001);
    ASSERT_TRUE(big.d.offered) << big.reason();
    EXPECT_TRUE(big.d.step_up);
    Eval at(def(), *card_, "US", "USD", 50000);
    EXPECT_FALSE(at.d.step_up);  // "above" is strict
    // 480.00 EUR is about 521.74 USD: above the USD threshold.
    Eval eur(def(), *card_, "FR", "EUR", 48000);
    ASSERT_TRUE(eur.d.offered) << eur.reason();
    EXPECT_TRUE(eur.d.step_up);
    // A method that cannot step up is never asked to.
    Loaded l(R"({"exchange": {"base": "USD"},
                 "methods": {"paypal": {"step_up": {"above": {"USD": "1.00"}}}}})");
    ASSERT_NE(l.config, nullptr) << l.error;
    Eval pp(l.config, *paypal_, "US", "USD", 60000);
    ASSERT_TRUE(pp.d.offered) << pp.reason();
    EXPECT_FALSE(pp.d.step_up);
}

// Step-up by issuing country: the country comes with the buyer (the
// method's describe_instrument, read by the host before the policy runs).
static gboolean step_up_for_issuer(const TenderConfig *config, const TenderMethodInfo *method,
                                   const char *issuer_country, const char *region)
{
    TenderPolicyBuyer b{};
    b.region = region;
    b.currency = "USD";
    b.amount = 1000;
    b.account = "";
    b.tier = "";
    b.issuer_country = issuer_country;
    TenderPolicyDecision d;
    policy_decision_init(&d);
    EXPECT_TRUE(policy_evaluate(config, method, &b, nullptr, nullptr, &d, nullptr));
    EXPECT_TRUE(d.offered) << (d.reason ? d.reason : "");
    gboolean step_up = d.step_up;
    policy_decision_clear(&d);
    return step_up;
}

TEST_F(Policy, CardStepUpForIssuerCountry)
{
    const char *us_card = policy_bin_country(def(), "424242");
    ASSERT_NE(us_card, nullptr);
    EXPECT_STREQ(us_card, "US");
    EXPECT_STREQ(policy_bin_country(def(), "35660020"), "JP");  // longest prefix
    EXPECT_TRUE(step_up_for_issuer(def(), card_->info(), us_card, "DE"));
    EXPECT_FALSE(step_up_for_issuer(def(), card_->info(), us_card, "US"));
    EXPECT_FALSE(step_up_for_issuer(def(), card_->info(), "", "DE"));
    EXPECT_FALSE(step_up_for_issuer(def(), card_->info(), nullptr, "DE"));
    // PayPal has neither the rule nor the capability.
    EXPECT_FALSE(step_up_for_issuer(def(), paypal_->info(), "US", "DE"));
}

// ---- alipay -------------------------------------------------------------------

TEST_F(Policy, AlipayOnlyInMainlandChina)
{
    Eval us(def(), *alipay_, "US", "CNY", 10000);
    EXPECT_FALSE(us.d.offered);
    EXPECT_EQ(us.d.code, TENDER_DECLINE_REGION_NOT_SUPPORTED);
    EXPECT_EQ(us.reason(), "alipay is not available to buyers in US; it serves CN.");
    Eval hk(def(), *alipay_, "HK", "CNY", 10000);
    EXPECT_EQ(hk.d.code, TENDER_DECLINE_REGION_NOT_SUPPORTED);

    Eval cn(def(), *alipay_, "CN", "CNY", 10000);
    ASSERT_TRUE(cn.d.offered) << cn.reason();
    EXPECT_EQ(cn.currency(), "CNY");
    EXPECT_EQ(cn.d.fee, 300);  // 3%
    EXPECT_EQ(cn.d.total, 10300);
}

TEST_F(Policy, AlipayConvertsOtherCurrenciesIntoCny)
{
    Eval e(def(), *alipay_, "CN", "USD", 10000);
    ASSERT_TRUE(e.d.offered) << e.reason();
    EXPECT_EQ(e.currency(), "CNY");
    EXPECT_EQ(e.d.pay_amount, 71000);
    EXPECT_EQ(e.d.fee, 2130);
    EXPECT_EQ(e.d.total, 73130);
    EXPECT_EQ(e.exchange(), "1 USD = 7.1 CNY as of 2026-11-01");

    // No rate for the order currency: not offered, with the reason.
    Loaded l(R"({"exchange": {"base": "CNY"}, "methods": {"alipay": {}}})");
    ASSERT_NE(l.config, nullptr) << l.error;
    Eval gbp(l.config, *alipay_, "CN", "GBP", 10000);
    EXPECT_FALSE(gbp.d.offered);
    EXPECT_EQ(gbp.d.code, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
    EXPECT_EQ(gbp.reason(), "alipay does not take GBP and there is no exchange rate from GBP to CNY.");
}

TEST_F(Policy, AlipayPerTransactionBounds)
{
    Eval low(def(), *alipay_, "CN", "CNY", 9);
    EXPECT_EQ(low.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(low.reason(), "0.09 CNY is below the minimum of 0.10 CNY for alipay.");
    Eval ok(def(), *alipay_, "CN", "CNY", 10);
    EXPECT_TRUE(ok.d.offered) << ok.reason();
    Eval high(def(), *alipay_, "CN", "CNY", 30000001);
    EXPECT_EQ(high.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(high.reason(), "300000.01 CNY is above the maximum of 300000.00 CNY for alipay.");
    // Bounds hold for the amount Alipay is asked to move; the merchant's fee
    // is shown in the quote but not sent to the plugin.
    Eval top(def(), *alipay_, "CN", "CNY", 30000000);
    ASSERT_TRUE(top.d.offered) << top.reason();
    EXPECT_EQ(top.d.total, 30900000);
}

TEST_F(Policy, PluginFactsBoundTheConfig)
{
    // The config tries to widen Alipay: every region, USD, a huge maximum.
    Loaded l(R"({"exchange": {"base": "USD", "rates": {"CNY": "7.1"}},
                 "methods": {"alipay": {"regions": {"allow": ["*"]},
                                         "currencies": ["USD", "CNY"],
                                         "amounts": {"CNY": {"max": "9000000.00"}}}}})");
    ASSERT_NE(l.config, nullptr) << l.error;
    Eval us(l.config, *alipay_, "US", "CNY", 1000);
    EXPECT_EQ(us.d.code, TENDER_DECLINE_REGION_NOT_SUPPORTED);
    Eval usd(l.config, *alipay_, "CN", "USD", 1000);
    ASSERT_TRUE(usd.d.offered) << usd.reason();
    EXPECT_EQ(usd.currency(), "CNY");  // the plugin does not take USD
    Eval big(l.config, *alipay_, "CN", "CNY", 40000000);
    EXPECT_EQ(big.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(big.reason(), "400000.00 CNY is above the maximum of 300000.00 CNY for alipay.");
}

TEST_F(Policy, AlipayClassLimits)
{
    Usage u;
    u["amt|alipay|a1|lifetime|all|CNY"] = 90000;  // 900.00 CNY so far
    Eval c1(def(), *alipay_, "CN", "CNY", 10001, "a1", "class_i", kNov25Last, &u);
    EXPECT_FALSE(c1.d.offered);
    EXPECT_EQ(c1.d.code, TENDER_DECLINE_LIMIT_EXCEEDED);
    EXPECT_EQ(c1.reason(), "lifetime limit for tier class_i is 1000.00 CNY; 900.00 used; "
                           "100.01 requested");

    // Reaching the limit exactly is allowed.
    Eval exact(def(), *alipay_, "CN", "CNY", 10000, "a1", "class_i", kNov25Last, &u);
    EXPECT_TRUE(exact.d.offered) << exact.reason();

    // Class II has a yearly budget; the lifetime usage does not count there.
    Eval c2(def(), *alipay_, "CN", "CNY", 10000, "a1", "class_ii", kNov25Last, &u);
    EXPECT_TRUE(c2.d.offered) << c2.reason();
    u["amt|alipay|a1|year|2026-01-01|CNY"] = 9990000;
    Eval c2full(def(), *alipay_, "CN", "CNY", 10001, "a1", "class_ii", kNov25Last, &u);
    EXPECT_EQ(c2full.reason(), "yearly limit for tier class_ii is 100000.00 CNY; 99900.00 used; "
                               "100.01 requested");
    Eval c3(def(), *alipay_, "CN", "CNY", 10000, "a1", "class_iii", kNov25Last, &u);
    EXPECT_TRUE(c3.d.offered) << c3.reason();
    // The per-person yearly cap applies whatever the class.
    u["amt|alipay|a1|year|2026-01-01|CNY"] = 299995000;
    Eval person(def(), *alipay_, "CN", "CNY", 10000, "a1", "class_iii", kNov25Last, &u);
    EXPECT_EQ(person.reason(), "yearly limit for alipay is 3000000.00 CNY; 2999950.00 used; "
                               "100.00 requested");
    // A new year starts from zero.
    Eval next_year(def(), *alipay_, "CN", "CNY", 10000, "a1", "class_iii",
                   1798761600000 /* 2027-01-01 */, &u);
    EXPECT_TRUE(next_year.d.offered) << next_year.reason();
}

TEST_F(Policy, AlipayCountersCoverEveryTier)
{
    Usage u;
    Eval e(def(), *alipay_, "CN", "CNY", 10000, "a1", "class_ii", kNov25Last, &u);
    ASSERT_TRUE(e.d.offered) << e.reason();
    // Year (shared by the person cap and classes II/III) and lifetime (class
    // I): a later class change still sees this payment.
    std::vector<std::string> keys = e.amount_keys();
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0], "amt|alipay|a1|year|2026-01-01|CNY");
    EXPECT_EQ(keys[1], "amt|alipay|a1|lifetime|all|CNY");
    for (guint i = 0; i < e.d.amount_charges->len; i++)
        EXPECT_EQ(g_array_index(e.d.amount_charges, TenderUsageCharge, i).amount, 10000);

    // No account: nothing to count.
    Eval anon(def(), *alipay_, "CN", "CNY", 10000, "", "class_i", kNov25Last, &u);
    ASSERT_TRUE(anon.d.offered) << anon.reason();
    EXPECT_TRUE(anon.amount_keys().empty());
    EXPECT_EQ(anon.d.attempt_charges->len, 0u);
}

TEST_F(Policy, UnknownTierIsRestricted)
{
    Eval e(def(), *alipay_, "CN", "CNY", 10000, "a1", "gold");
    EXPECT_FALSE(e.d.offered);
    EXPECT_EQ(e.d.code, TENDER_DECLINE_RESTRICTED);
    EXPECT_EQ(e.reason(), "alipay does not know the account tier \"gold\" (its tiers: class_i, "
                          "class_ii, class_iii).");
    // A method without tiers ignores the buyer's tier.
    Eval card(def(), *card_, "CN", "CNY", 10000, "a1", "gold");
    EXPECT_TRUE(card.d.offered) << card.reason();
}

// ---- paypal -------------------------------------------------------------------

TEST_F(Policy, PaypalWholeUnitCurrencies)
{
    Eval huf(def(), *paypal_, "HU", "HUF", 123450);
    EXPECT_FALSE(huf.d.offered);
    EXPECT_EQ(huf.d.code, TENDER_DECLINE_INVALID_AMOUNT);
    EXPECT_EQ(huf.reason(), "paypal takes HUF in whole units only; 1234.50 HUF cannot be paid "
                            "exactly.");
    Eval twd(def(), *paypal_, "TW", "TWD", 10050);
    EXPECT_EQ(twd.d.code, TENDER_DECLINE_INVALID_AMOUNT);

    Eval whole(def(), *paypal_, "US", "HUF", 123400);
    ASSERT_TRUE(whole.d.offered) << whole.reason();
    EXPECT_EQ(whole.currency(), "HUF");
    EXPECT_EQ(whole.d.pay_exponent, 0);
    EXPECT_EQ(whole.d.pay_amount, 1234);
    // 3.49% of 1234 = 43.07 -> 43; the fixed 0.49 USD is 176.4 -> 176 HUF.
    EXPECT_EQ(whole.d.fee, 219);
    EXPECT_EQ(whole.d.total, 1453);
}

TEST_F(Policy, PaypalHomeRegionCurrencies)
{
    Eval br(def(), *paypal_, "BR", "BRL", 10000);
    ASSERT_TRUE(br.d.offered) << br.reason();
    EXPECT_EQ(br.currency(), "BRL");
    EXPECT_EQ(br.d.fee, 499 + 245);  // 4.99% (cross-border) + 0.49 USD = 2.45 BRL
    // Outside Brazil an order in BRL is refused, not converted: the currency
    // is for in-country accounts only.
    Eval us(def(), *paypal_, "US", "BRL", 10000);
    EXPECT_FALSE(us.d.offered);
    EXPECT_EQ(us.d.code, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
    EXPECT_EQ(us.reason(), "paypal takes BRL only from buyers in BR; this buyer is in US.");
    Eval my(def(), *paypal_, "MY", "MYR", 10000);
    EXPECT_EQ(my.currency(), "MYR");
    Eval cn(def(), *paypal_, "DE", "CNY", 71000);
    EXPECT_FALSE(cn.d.offered);
    EXPECT_EQ(cn.d.code, TENDER_DECLINE_CURRENCY_NOT_SUPPORTED);
    // KZT is not a PayPal currency at all.
    Eval kz(def(), *paypal_, "KZ", "KZT", 4800000);
    ASSERT_TRUE(kz.d.offered) << kz.reason();
    EXPECT_EQ(kz.currency(), "USD");
    EXPECT_EQ(kz.d.pay_amount, 10000);
}

TEST_F(Policy, PaypalMaximums)
{
    // Config maximum for the order amount.
    Eval jpy(def(), *paypal_, "JP", "JPY", 1000001);
    EXPECT_EQ(jpy.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    Eval usd(def(), *paypal_, "US", "USD", 1000001);
    EXPECT_EQ(usd.d.code, TENDER_DECLINE_AMOUNT_OUT_OF_RANGE);
    EXPECT_EQ(usd.reason(), "10000.01 USD is above the maximum of 10000.00 USD for paypal.");
    Eval ok(def(), *paypal_, "US", "USD", 1000000);
    EXPECT_TRUE(ok.d.offered) << ok.reason();
    EXPECT_EQ(ok.d.total, 1000000 + 34900 + 49);
    // A config more generous than PayPal changes nothing.
    Loaded l(R"({"exchange": {"base": "USD", "rates": {"EUR": "0.92", "GBP": "0.79"}},
                 "methods": {"paypal": {"amounts": {"EUR": {"max": "50000.00"}}}}})");
    ASSERT_NE(l.config, nullptr) << l.error;
    Eval eur(l.config, *paypal_, "DE", "EUR", 900000);
    EXPECT_EQ(eur.reason(), "9000.00 EUR is above the maximum of 8000.00 EUR for paypal.");
    Eval gbp(l.config, *paypal_, "GB", "GBP", 550001);
    EXPECT_EQ(gbp.reason(), "5500.01 GBP is above the maximum of 5500.00 GBP for paypal.");
}

// ---- webmoney -----------------------------------------------------------------

TEST_F(Policy, WebmoneyAliasDailyLimitSentence)
{
    Loaded l(kWebmoneyNoFees);
    ASSERT_NE(l.config, nullptr) << l.error;
    Usage u;
    u["amt|webmoney|wm1|day|2026-11-25|USD"] = 4000;
    Eval e(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "alias", kNov25Last, &u);
    EXPECT_FALSE(e.d.offered);
    EXPECT_EQ(e.d.code, TENDER_DECLINE_LIMIT_EXCEEDED);
    EXPECT_EQ(e.reason(), "daily limit for tier alias is 100.00 USD; 40.00 used; 75.00 requested");
    EXPECT_TRUE(e.amount_keys().empty());  // nothing to hold when refused

    Eval fits(l.config, *webmoney_, "KZ", "USD", 6000, "wm1", "alias", kNov25Last, &u);
    EXPECT_TRUE(fits.d.offered) << fits.reason();
    // Higher passports have no limits.
    Eval personal(l.config, *webmoney_, "KZ", "USD", 1000000, "wm1", "personal", kNov25Last, &u);
    EXPECT_TRUE(personal.d.offered) << personal.reason();
    // The same counters are named whatever the passport.
    EXPECT_EQ(personal.amount_keys(), fits.amount_keys());
}

TEST_F(Policy, LimitsAcrossTheDayBoundary)
{
    Loaded l(kWebmoneyNoFees);
    ASSERT_NE(l.config, nullptr) << l.error;
    Usage u;
    u["amt|webmoney|wm1|day|2026-11-25|USD"] = 4000;
    Eval before(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "alias", kNov25Last, &u);
    EXPECT_EQ(before.d.code, TENDER_DECLINE_LIMIT_EXCEEDED);
    Eval after(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "alias", kNov26First, &u);
    ASSERT_TRUE(after.d.offered) << after.reason();
    std::vector<std::string> keys = after.amount_keys();
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0], "amt|webmoney|wm1|day|2026-11-26|USD");
    EXPECT_EQ(keys[1], "amt|webmoney|wm1|week|2026-11-23|USD");
    EXPECT_EQ(keys[2], "amt|webmoney|wm1|month|2026-11-01|USD");

    // The week does not restart at midnight.
    u["amt|webmoney|wm1|week|2026-11-23|USD"] = 25000;
    Eval week(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "alias", kNov26First, &u);
    EXPECT_EQ(week.reason(), "weekly limit for tier alias is 300.00 USD; 250.00 used; "
                             "75.00 requested");
}

TEST_F(Policy, LimitsAcrossTheMonthBoundary)
{
    Loaded l(kWebmoneyNoFees);
    ASSERT_NE(l.config, nullptr) << l.error;
    Usage u;
    u["amt|webmoney|wm1|month|2026-11-01|USD"] = 45000;
    Eval before(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "alias", kNov30Last, &u);
    EXPECT_EQ(before.reason(), "monthly limit for tier alias is 500.00 USD; 450.00 used; "
                               "75.00 requested");
    Eval after(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "alias", kDec01First, &u);
    ASSERT_TRUE(after.d.offered) << after.reason();
    std::vector<std::string> keys = after.amount_keys();
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0], "amt|webmoney|wm1|day|2026-12-01|USD");
    EXPECT_EQ(keys[1], "amt|webmoney|wm1|week|2026-11-30|USD");
    EXPECT_EQ(keys[2], "amt|webmoney|wm1|month|2026-12-01|USD");
}

TEST_F(Policy, WebmoneyLimitsConvertIntoTheLimitCurrency)
{
    Loaded l(kWebmoneyNoFees);
    ASSERT_NE(l.config, nullptr) << l.error;
    Usage u;
    u["amt|webmoney|wm1|day|2026-11-25|USD"] = 4000;
    // 92.00 EUR is 100.00 USD.
    Eval eur(l.config, *webmoney_, "DE", "EUR", 9200, "wm1", "alias", kNov25Last, &u);
    EXPECT_EQ(eur.currency(), "EUR");
    EXPECT_EQ(eur.reason(), "daily limit for tier alias is 100.00 USD; 40.00 used; "
                            "100.00 requested");
    Eval fits(l.config, *webmoney_, "DE", "EUR", 4600, "wm1", "alias", kNov25Last, &u);
    ASSERT_TRUE(fits.d.offered) << fits.reason();
    ASSERT_EQ(fits.d.amount_charges->len, 3u);
    EXPECT_EQ(g_array_index(fits.d.amount_charges, TenderUsageCharge, 0).amount, 5000);
    // GBP is not a WebMoney currency: converted into USD first.
    Eval gbp(l.config, *webmoney_, "GB", "GBP", 4000, "wm1", "alias", kNov25Last, &u);
    ASSERT_TRUE(gbp.d.offered) << gbp.reason();
    EXPECT_EQ(gbp.currency(), "USD");
    EXPECT_EQ(gbp.d.pay_amount, 5000);
    EXPECT_EQ(gbp.exchange(), "1 GBP = 1.25 USD as of 2026-11-01");
}

TEST_F(Policy, WebmoneyDefaultConfigPassports)
{
    Usage u;
    u["amt|webmoney|wm1|day|2026-11-25|USD"] = 250000;
    Eval formal(def(), *webmoney_, "RU", "USD", 100000, "wm1", "formal", kNov25Last, &u);
    EXPECT_EQ(formal.reason(), "daily limit for tier formal is 3000.00 USD; 2500.00 used; "
                               "1000.00 requested");
    EXPECT_EQ(formal.d.fee, 800);  // 0.8%: shown, not counted
    Eval initial(def(), *webmoney_, "RU", "USD", 100000, "wm1", "initial", kNov25Last, &u);
    EXPECT_TRUE(initial.d.offered) << initial.reason();
    // Without a tier the buyer is held to the lowest passport (default_tier).
    Eval none(def(), *webmoney_, "RU", "USD", 100000, "wm1", "", kNov25Last, &u);
    EXPECT_FALSE(none.d.offered);
    EXPECT_EQ(none.reason(), "daily limit for tier alias is 100.00 USD; 2500.00 used; "
                             "1000.00 requested");
    // Currencies outside WebMoney's purses convert into USD.
    Eval uzs(def(), *webmoney_, "UZ", "UZS", 12700000, "", "", kNov25Last, &u);
    EXPECT_EQ(uzs.currency(), "UZS");
}

TEST_F(Policy, DefaultTierApplies)
{
    std::string json = kWebmoneyNoFees;
    json.replace(json.find("\"tiers\""), 7, "\"default_tier\": \"alias\", \"tiers\"");
    Loaded l(json);
    ASSERT_NE(l.config, nullptr) << l.error;
    Usage u;
    u["amt|webmoney|wm1|day|2026-11-25|USD"] = 4000;
    Eval e(l.config, *webmoney_, "KZ", "USD", 7500, "wm1", "", kNov25Last, &u);
    EXPECT_EQ(e.reason(), "daily limit for tier alias is 100.00 USD; 40.00 used; 75.00 requested");
    ASSERT_NE(e.d.tier, nullptr);
    EXPECT_STREQ(e.d.tier, "alias");
}

// Issue 10 item 6: the embedded defaults hold a buyer who names no tier to
// the lowest one (WebMoney's alias passport, Alipay's class I), and a tier
// the buyer gives still wins over the default.
TEST_F(Policy, DefaultConfigHoldsBuyersWithoutTierToTheLowestTier)
{
    const TenderMethodPolicy *wm = config_method(def(), "webmoney");
    const TenderMethodPolicy *ali = config_method(def(), "alipay");
    ASSERT_NE(wm, nullptr);
    ASSERT_NE(ali, nullptr);
    EXPECT_STREQ(wm->default_tier, "alias");
    EXPECT_STREQ(ali->default_tier, "class_i");

    Usage u;
    u["amt|webmoney|wm1|day|2026-11-25|USD"] = 6000;
    Eval none(def(), *webmoney_, "US", "USD", 5000, "wm1", "", kNov25Last, &u);
    EXPECT_FALSE(none.d.offered);
    EXPECT_EQ(none.d.code, TENDER_DECLINE_LIMIT_EXCEEDED);
    EXPECT_EQ(none.reason(), "daily limit for tier alias is 100.00 USD; 60.00 used; "
                             "50.00 requested");
    ASSERT_NE(none.d.tier, nullptr);
    EXPECT_STREQ(none.d.tier, "alias");
    Eval formal(def(), *webmoney_, "US", "USD", 5000, "wm1", "formal", kNov25Last, &u);
    EXPECT_TRUE(formal.d.offered) << formal.reason();
    ASSERT_NE(formal.d.tier, nullptr);
    EXPECT_STREQ(formal.d.tier, "formal");

    // Alipay class I: 1,000 CNY since the account opened.
    u["amt|alipay|li|lifetime|all|CNY"] = 90000;
    Eval ali_none(def(), *alipay_, "CN", "CNY", 10001, "li", "", kNov25Last, &u);
    EXPECT_FALSE(ali_none.d.offered);
    EXPECT_EQ(ali_none.reason(), "lifetime limit for tier class_i is 1000.00 CNY; 900.00 used; "
                                 "100.01 requested");
    Eval ali_fits(def(), *alipay_, "CN", "CNY", 10000, "li", "", kNov25Last, &u);
    EXPECT_TRUE(ali_fits.d.offered) << ali_fits.reason();
    Eval ali_ii(def(), *alipay_, "CN", "CNY", 10001, "li", "class_ii", kNov25Last, &u);
    EXPECT_TRUE(ali_ii.d.offered) << ali_ii.reason();
    EXPECT_STREQ(ali_ii.d.tier, "class_ii");

    // A method without tiers names none.
    Eval card(def(), *card_, "US", "USD", 1000, "acct", "", kNov25Last, &u);
    EXPECT_TRUE(card.d.offered) << card.reason();
    EXPECT_EQ(card.d.tier, nullptr);
}

// Issue 10 item 7: a conversion records the configured rates exactly, as
// decimals the config gave (never a computed quotient such as 1.265823).
TEST_F(Policy, ConversionRecordsTheConfiguredRatesExactly)
{
    // USD is the base: one leg.
    Eval into_base(def(), *webmoney_, "GB", "GBP", 10000, "", "", kNov25Last);
    ASSERT_TRUE(into_base.d.offered) << into_base.reason();
    EXPECT_EQ(into_base.currency(), "USD");
    EXPECT_EQ(into_base.d.pay_amount, 12658);  // 100 / 0.79, half up
    ASSERT_NE(into_base.d.exchange_rate, nullptr);
    EXPECT_STREQ(into_base.d.exchange_rate, "1 USD = 0.79 GBP as of 2026-11-01");
    Eval from_base(def(), *alipay_, "CN", "USD", 10000, "", "", kNov25Last);
    ASSERT_TRUE(from_base.d.offered) << from_base.reason();
    EXPECT_EQ(from_base.d.pay_amount, 71000);
    ASSERT_NE(from_base.d.exchange_rate, nullptr);
    EXPECT_STREQ(from_base.d.exchange_rate, "1 USD = 7.1 CNY as of 2026-11-01");
    // Neither is the base: both legs, small rates written with their zeros.
    Eval cross(def(), *alipay_, "CN", "KWD", 10000, "", "", kNov25Last);
    ASSERT_TRUE(cross.d.offered) << cross.reason();
    ASSERT_NE(cross.d.exchange_rate, nullptr);
    EXPECT_STREQ(cross.d.exchange_rate, "1 USD = 0.307 KWD = 7.1 CNY as of 2026-11-01");
    // No conversion, no rate.
    Eval same(def(), *alipay_, "CN", "CNY", 10000, "", "", kNov25Last);
    EXPECT_EQ(same.d.exchange_rate, nullptr);

    Loaded tiny(R"({"exchange": {"base": "EUR", "rates": {"JPY": 0.0071, "USD": "1.0800"}}})");
    ASSERT_NE(tiny.config, nullptr) << tiny.error;
    g_autofree char *jpy = config_rate_quote(tiny.config, "JPY", "EUR");
    EXPECT_STREQ(jpy, "1 EUR = 0.0071 JPY");
    g_autofree char *usd = config_rate_quote(tiny.config, "EUR", "USD");
    EXPECT_STREQ(usd, "1 EUR = 1.08 USD");
    EXPECT_EQ(config_rate_quote(tiny.config, "USD", "USD"), nullptr);
    EXPECT_EQ(config_rate_quote(tiny.config, "USD", "GBP"), nullptr);
}

// ---- velocity ------------------------------------------------------------------

TEST_F(Policy, VelocityAttemptsAndDeclines)
{
    Usage u;
    Eval fresh(def(), *card_, "US", "USD", 1000, "acct", "", kNov25Last, &u);
    ASSERT_TRUE(fresh.d.offered) << fresh.reason();
    ASSERT_EQ(fresh.d.attempt_charges->len, 2u);
    EXPECT_STREQ(g_array_index(fresh.d.attempt_charges, TenderUsageCharge, 0).key,
                 "att|card|acct|hour|2026-11-25T23");
    EXPECT_STREQ(g_array_index(fresh.d.attempt_charges, TenderUsageCharge, 1).key,
                 "att|card|acct|day|2026-11-25");
    EXPECT_EQ(g_array_index(fresh.d.attempt_charges, TenderUsageCharge, 1).amount, 1);
    ASSERT_EQ(fresh.d.decline_charges->len, 2u);
    EXPECT_STREQ(g_array_index(fresh.d.decline_charges, TenderUsageCharge, 0).key,
                 "dec|card|acct|hour|2026-11-25T23");

    u["att|card|acct|hour|2026-11-25T23"] = 9;
    Eval nine(def(), *card_, "US", "USD", 1000, "acct", "", kNov25Last, &u);
    EXPECT_TRUE(nine.d.offered) << nine.reason();
    u["att|card|acct|hour|2026-11-25T23"] = 10;
    Eval ten(def(), *card_, "US", "USD", 1000, "acct", "", kNov25Last, &u);
    EXPECT_FALSE(ten.d.offered);
    EXPECT_EQ(ten.d.code, TENDER_DECLINE_VELOCITY_EXCEEDED);
    EXPECT_EQ(ten.reason(), "at most 10 payment attempts per hour with card; 10 made. "
                            "Try again later.");
    // The attempt counters are still named, for the host to count this try.
    EXPECT_EQ(ten.d.attempt_charges->len, 2u);
    // The next hour starts afresh.
    Eval next(def(), *card_, "US", "USD", 1000, "acct", "", kNov26First, &u);
    EXPECT_TRUE(next.d.offered) << next.reason();

    Usage d;
    d["dec|card|acct|day|2026-11-25"] = 10;
    Eval declines(def(), *card_, "US", "USD", 1000, "acct", "", kNov25Last, &d);
    EXPECT_EQ(declines.d.code, TENDER_DECLINE_VELOCITY_EXCEEDED);
    EXPECT_EQ(declines.reason(), "at most 10 declined payments per day with card; 10 declined. "
                                 "Try again later.");
    // Another account is not affected.
    Eval other(def(), *card_, "US", "USD", 1000, "acct2", "", kNov25Last, &d);
    EXPECT_TRUE(other.d.offered) << other.reason();
}

TEST_F(Policy, AccountsAreEscapedInKeys)
{
    Usage u;
    Eval e(def(), *card_, "US", "USD", 1000, "a|b%c", "", kNov25Last, &u);
    ASSERT_TRUE(e.d.offered) << e.reason();
    std::vector<std::string> keys = e.amount_keys();
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0], "amt|card|a%7Cb%25c|day|2026-11-25|USD");
    EXPECT_EQ(keys[1], "amt|card|a%7Cb%25c|month|2026-11-01|USD");
}

// ---- fees, exchange, rounding --------------------------------------------------

TEST_F(Policy, FeeRoundingIsHalfUpOnceOverTheSummedRate)
{
    Loaded l(R"({"merchant": {"region": "US"},
                 "exchange": {"base": "USD", "rates": {"EUR": "0.92"}},
                 "methods": {"card": {"fees": {"bps": 30, "cross_border_bps": 20,
                                               "fixed": {"USD": "0.30"}}},
                             "paypal": {"fees": {"bps": 100}}}})");
    ASSERT_NE(l.config, nullptr) << l.error;
    // 100 cents at 0.30% = 0.3 -> 0, plus 0.30 fixed.
    Eval dom(l.config, *card_, "US", "USD", 100);
    EXPECT_EQ(dom.d.fee, 30);
    // 100 cents at 0.30% + 0.20% = 0.5 -> 1 (half up, once over the sum).
    Eval xb(l.config, *card_, "DE", "USD", 100);
    EXPECT_EQ(xb.d.fee, 31);
    // The fixed fee converts when the pay currency has none: 0.30 USD = 0.276 EUR -> 0.28.
    Eval eur(l.config, *card_, "US", "EUR", 10000);
    EXPECT_EQ(eur.d.fee, 30 + 28);
    // 1% of 0.50 = 0.005 -> 0.01; of 0.49 = 0.0049 -> 0.00.
    Eval half(l.config, *paypal_, "US", "USD", 50);
    EXPECT_EQ(half.d.fee, 1);
    Eval below(l.config, *paypal_, "US", "USD", 49);
    EXPECT_EQ(below.d.fee, 0);
}

TEST_F(Policy, ExchangeArithmetic)
{
    gint64 out = 0;
    // 1 JPY = 0.00667 USD -> 0.01; 0.03 USD = 4.5 JPY -> 5 (half up).
    ASSERT_TRUE(config_convert(def(), 1, "JPY", -1, "USD", -1, &out));
    EXPECT_EQ(out, 1);
    ASSERT_TRUE(config_convert(def(), 3, "USD", -1, "JPY", -1, &out));
    EXPECT_EQ(out, 5);
    // Cross rate through the base: 100.00 EUR at 0.92 and 7.1 -> 771.74 CNY.
    ASSERT_TRUE(config_convert(def(), 10000, "EUR", -1, "CNY", -1, &out));
    EXPECT_EQ(out, 77174);
    // Three-decimal currency: 1.000 KWD at 0.307 -> 3.26 USD (3.2573 -> 3.26).
    ASSERT_TRUE(config_convert(def(), 1000, "KWD", -1, "USD", -1, &out));
    EXPECT_EQ(out, 326);
    // Same currency rescales without a rate (HUF ISO 2 -> PayPal 0, rounded).
    ASSERT_TRUE(config_convert(def(), 123450, "HUF", 2, "HUF", 0, &out));
    EXPECT_EQ(out, 1235);
    EXPECT_FALSE(config_convert(def(), 100, "USD", -1, "XAU", -1, &out));
    EXPECT_FALSE(config_convert(def(), G_MAXINT64, "USD", -1, "VND", -1, &out));
    char *text = config_rate_text(def(), "EUR", "USD");
    EXPECT_STREQ(text, "1 EUR = 1.086957 USD as of 2026-11-01");
    g_free(text);
    EXPECT_EQ(config_rate_text(def(), "EUR", "XAU"), nullptr);
}

TEST_F(Policy, MalformedBuyerIsAnError)
{
    Eval cur(def(), *card_, "US", "US", 100);
    EXPECT_FALSE(cur.ok);
    EXPECT_NE(cur.error.find("unknown currency"), std::string::npos);
    EXPECT_FALSE(cur.d.offered);
    Eval reg(def(), *card_, "U1", "USD", 100);
    EXPECT_FALSE(reg.ok);
    EXPECT_NE(reg.error.find("unknown region"), std::string::npos);
    Eval neg(def(), *card_, "US", "USD", -1);
    EXPECT_FALSE(neg.ok);
}

TEST_F(Policy, DecisionClearIsIdempotent)
{
    TenderPolicyDecision d;
    policy_decision_init(&d);
    policy_decision_clear(&d);
    policy_decision_clear(&d);
    EXPECT_EQ(d.reason, nullptr);
}
