// Quotes of the four bundled methods through the host, on the embedded
// default config (tender_config_default_json(), docs/config.md "The default
// config"): regions, currencies, per-transaction bounds, tiers and their
// limits, fees, and the order of the offered methods.
#include "policy-host-support.h"

#include <algorithm>

namespace {

// A quote line, copied out of the host's TenderQuote.
struct Q {
    std::string method;
    bool offered = false;
    std::string code, reason, currency, exchange;
    int exponent = 0;
    gint64 amount = 0, fee = 0, total = 0;
    bool step_up = false;
};

class QuoteDefault : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string why;
        // No config data: the embedded default.
        host = ph::make_host(nullptr, ":memory:", ph::utc_ms("2026-11-25T10:00:00Z"),
                             ph::plugins_dir(), &why);
        ASSERT_NE(host, nullptr) << why;
        for (const char *m : {"card", "alipay", "paypal", "webmoney"})
            ASSERT_NE(tender_host_method(host, m), nullptr) << m << " is not loaded";
    }
    void TearDown() override { tender_host_free(host); }

    std::vector<Q> quote(const char *region, const char *currency, const char *amount,
                         const char *account = nullptr, const char *tier = nullptr)
    {
        TenderBuyer buyer = {sizeof(TenderBuyer), region, currency, amount, account, tier};
        GError *error = nullptr;
        GPtrArray *list = tender_host_quote(host, &buyer, &error);
        std::vector<Q> out;
        if (list == nullptr) {
            ADD_FAILURE() << "quote " << region << " " << amount << " " << currency << ": "
                          << (error ? error->message : "no error");
            g_clear_error(&error);
            return out;
        }
        for (guint i = 0; i < list->len; i++) {
            auto *t = static_cast<const TenderQuote *>(g_ptr_array_index(list, i));
            Q q;
            q.method = t->method ? t->method : "";
            q.offered = t->offered;
            q.code = t->reason_code ? t->reason_code : "";
            q.reason = t->reason ? t->reason : "";
            q.currency = t->currency ? t->currency : "";
            q.exchange = t->exchange ? t->exchange : "";
            q.exponent = t->exponent;
            q.amount = t->amount;
            q.fee = t->fee;
            q.total = t->total;
            q.step_up = t->step_up;
            out.push_back(q);
        }
        g_ptr_array_unref(list);
        return out;
    }

    // The line of one method (a failure and an empty line when absent).
    Q of(const char *method, const char *region, const char *currency, const char *amount,
         const char *account = nullptr, const char *tier = nullptr)
    {
        for (const Q &q : quote(region, currency, amount, account, tier))
            if (q.method == method)
                return q;
        ADD_FAILURE() << method << " missing from the quote";
        return Q();
    }

    TenderHost *host = nullptr;
};

#define EXPECT_OFFERED(q)                                                    \
    do {                                                                     \
        Q q_ = (q);                                                          \
        EXPECT_TRUE(q_.offered) << q_.method << ": " << q_.code << ": " << q_.reason; \
    } while (0)
#define EXPECT_REFUSED(q, c)                                                 \
    do {                                                                     \
        Q q_ = (q);                                                          \
        EXPECT_FALSE(q_.offered) << q_.method << " offered";                 \
        EXPECT_EQ(q_.code, c) << q_.reason;                                  \
        EXPECT_FALSE(q_.reason.empty());                                     \
    } while (0)

// ---- card -----------------------------------------------------------------

TEST_F(QuoteDefault, CardIsOfferedEverywhere)
{
    for (const char *region : {"US", "DE", "GB", "JP", "CN", "BR", "IN", "ZA", "RU", "KZ", "AU"}) {
        Q q = of("card", region, "USD", "10.00");
        EXPECT_OFFERED(q);
        EXPECT_EQ(q.currency, "USD");
        EXPECT_EQ(q.amount, 1000);
    }
    Q eur = of("card", "DE", "EUR", "10.00");
    EXPECT_OFFERED(eur);
    EXPECT_EQ(eur.currency, "EUR");
    Q jpy = of("card", "JP", "JPY", "1000");
    EXPECT_OFFERED(jpy);
    EXPECT_EQ(jpy.currency, "JPY");
    EXPECT_EQ(jpy.exponent, 0);
    EXPECT_EQ(jpy.amount, 1000);
}

TEST_F(QuoteDefault, CardBoundsFeesAndStepUp)
{
    EXPECT_REFUSED(of("card", "US", "USD", "0.49"), "amount_out_of_range");
    EXPECT_OFFERED(of("card", "US", "USD", "0.50"));
    EXPECT_OFFERED(of("card", "US", "USD", "25000.00"));
    EXPECT_REFUSED(of("card", "US", "USD", "25000.01"), "amount_out_of_range");
    EXPECT_REFUSED(of("card", "GB", "GBP", "0.29"), "amount_out_of_range");
    EXPECT_OFFERED(of("card", "GB", "GBP", "0.30"));
    EXPECT_REFUSED(of("card", "JP", "JPY", "49"), "amount_out_of_range");
    // No bounds for CHF: the first entry (USD) applies, converted.
    Q chf = of("card", "CH", "CHF", "30000.00");
    EXPECT_REFUSED(chf, "amount_out_of_range");
    PH_EXPECT_HAS(chf.reason, "30000.00 CHF (about 34090.91 USD) is above the maximum of "
                              "25000.00 USD");

    // 2.90% + 0.30 USD at home; +1.50% across the border (merchant in US).
    Q home = of("card", "US", "USD", "10.00");
    EXPECT_EQ(home.fee, 59);
    EXPECT_EQ(home.total, 1059);
    Q abroad = of("card", "DE", "USD", "10.00");
    EXPECT_EQ(abroad.fee, 74);  // 0.44 + 0.30

    // 3-D Secure above 500.00 USD.
    EXPECT_FALSE(of("card", "US", "USD", "500.00").step_up);
    EXPECT_TRUE(of("card", "US", "USD", "500.01").step_up);
}

TEST_F(QuoteDefault, CardCurrencyOutsideTheConfigIsConverted)
{
    // The plugin takes VND but the default config lists 27 currencies
    // without it: the order is converted into the first one, USD.
    Q q = of("card", "VN", "VND", "250000");
    EXPECT_OFFERED(q);
    EXPECT_EQ(q.currency, "USD");
    EXPECT_EQ(q.amount, 1000);
    PH_EXPECT_HAS(q.exchange, "2026-11-01");
}

// ---- alipay ---------------------------------------------------------------

TEST_F(QuoteDefault, AlipayOnlyInChinaInYuan)
{
    Q cn = of("alipay", "CN", "CNY", "100.00");
    EXPECT_OFFERED(cn);
    EXPECT_EQ(cn.currency, "CNY");
    EXPECT_EQ(cn.fee, 300);  // 3%
    EXPECT_EQ(cn.total, 10300);
    for (const char *region : {"US", "HK", "DE", "JP"}) {
        Q q = of("alipay", region, "CNY", "100.00");
        EXPECT_REFUSED(q, "region_not_supported");
        PH_EXPECT_HAS(q.reason, std::string("not available to buyers in ") + region);
    }
    // Another currency from China is paid in CNY.
    Q usd = of("alipay", "CN", "USD", "10.00");
    EXPECT_OFFERED(usd);
    EXPECT_EQ(usd.currency, "CNY");
    EXPECT_EQ(usd.amount, 7100);
    PH_EXPECT_HAS(usd.exchange, "7.1");
}

TEST_F(QuoteDefault, AlipayTransactionBounds)
{
    EXPECT_REFUSED(of("alipay", "CN", "CNY", "0.09"), "amount_out_of_range");
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "0.10"));
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "300000.00"));
    Q high = of("alipay", "CN", "CNY", "300000.01");
    EXPECT_REFUSED(high, "amount_out_of_range");
    PH_EXPECT_HAS(high.reason, "300000.01 CNY is above the maximum of 300000.00 CNY");
}

TEST_F(QuoteDefault, AlipayRealNameClasses)
{
    // class_i: 1,000 CNY over the account's lifetime. A purchase of 800
    // (awaiting the buyer's scan: it holds its amount) leaves 200.
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "alipay";
    req.region = "CN";
    req.currency = "CNY";
    req.amount = "800.00";
    req.account = "zhang";
    req.tier = "class_i";
    req.capture = TRUE;
    GError *error = nullptr;
    ph::Payment p(tender_host_pay(host, &req, &error));
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    ASSERT_NE(p->status, TENDER_STATUS_DECLINED) << (p->decline_message ? p->decline_message : "");

    Q over = of("alipay", "CN", "CNY", "300.00", "zhang", "class_i");
    EXPECT_REFUSED(over, "limit_exceeded");
    EXPECT_EQ(over.reason,
              "lifetime limit for tier class_i is 1000.00 CNY; 800.00 used; 300.00 requested");
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "200.00", "zhang", "class_i"));
    // Another account has its own budget.
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "1000.00", "li", "class_i"));
    EXPECT_REFUSED(of("alipay", "CN", "CNY", "1000.01", "li", "class_i"), "limit_exceeded");

    // class_ii and class_iii: a yearly budget, which the 800 counts in too.
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "99200.00", "zhang", "class_ii"));
    Q ii = of("alipay", "CN", "CNY", "99200.01", "zhang", "class_ii");
    EXPECT_REFUSED(ii, "limit_exceeded");
    EXPECT_EQ(ii.reason,
              "yearly limit for tier class_ii is 100000.00 CNY; 800.00 used; 99200.01 requested");
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "199200.00", "zhang", "class_iii"));
    EXPECT_REFUSED(of("alipay", "CN", "CNY", "199200.01", "zhang", "class_iii"),
                   "limit_exceeded");
    // No class given: held to class I, the lowest (the default's
    // default_tier), not to the method-wide 3,000,000 a year alone.
    Q none = of("alipay", "CN", "CNY", "300.00", "zhang");
    EXPECT_REFUSED(none, "limit_exceeded");
    EXPECT_EQ(none.reason,
              "lifetime limit for tier class_i is 1000.00 CNY; 800.00 used; 300.00 requested");
    EXPECT_OFFERED(of("alipay", "CN", "CNY", "200.00", "zhang"));
    // A class Alipay does not have.
    Q gold = of("alipay", "CN", "CNY", "10.00", "zhang", "gold");
    EXPECT_REFUSED(gold, "restricted");
    PH_EXPECT_HAS(gold.reason, "class_i, class_ii, class_iii");
}

// ---- paypal ---------------------------------------------------------------

TEST_F(QuoteDefault, PayPalCurrenciesAndMaximums)
{
    Q huf = of("paypal", "HU", "HUF", "10.5");
    EXPECT_REFUSED(huf, "invalid_amount");
    PH_EXPECT_HAS(huf.reason, "whole units");
    Q huf_whole = of("paypal", "HU", "HUF", "1000");
    EXPECT_OFFERED(huf_whole);
    EXPECT_EQ(huf_whole.exponent, 0);
    EXPECT_EQ(huf_whole.amount, 1000);

    Q brl_us = of("paypal", "US", "BRL", "50.00");
    EXPECT_REFUSED(brl_us, "currency_not_supported");
    PH_EXPECT_HAS(brl_us.reason, "only from buyers in BR");
    EXPECT_OFFERED(of("paypal", "BR", "BRL", "50.00"));

    EXPECT_OFFERED(of("paypal", "US", "USD", "10000.00"));
    EXPECT_REFUSED(of("paypal", "US", "USD", "10000.01"), "amount_out_of_range");
    EXPECT_OFFERED(of("paypal", "DE", "EUR", "8000.00"));
    EXPECT_REFUSED(of("paypal", "DE", "EUR", "8000.01"), "amount_out_of_range");
    EXPECT_REFUSED(of("paypal", "GB", "GBP", "5500.01"), "amount_out_of_range");

    Q jpy = of("paypal", "US", "JPY", "1000");
    EXPECT_OFFERED(jpy);
    EXPECT_EQ(jpy.currency, "JPY");
    EXPECT_EQ(jpy.exponent, 0);
    EXPECT_EQ(jpy.amount, 1000);
    EXPECT_EQ(jpy.fee, 75);  // 3.49% = 34.9 -> 35, + 40 JPY
    EXPECT_EQ(jpy.total, 1075);
}

// ---- webmoney -------------------------------------------------------------

TEST_F(QuoteDefault, WebMoneyPassportDayLimits)
{
    struct {
        const char *tier, *fits, *over;
    } cases[] = {{"alias", "100.00", "100.01"},
                 {"formal", "3000.00", "3000.01"},
                 {"initial", "12000.00", "12000.01"}};
    for (const auto &c : cases) {
        EXPECT_OFFERED(of("webmoney", "KZ", "USD", c.fits, "wm-1", c.tier));
        Q over = of("webmoney", "KZ", "USD", c.over, "wm-1", c.tier);
        EXPECT_REFUSED(over, "limit_exceeded");
        EXPECT_EQ(over.reason, std::string("daily limit for tier ") + c.tier + " is " + c.fits +
                                   " USD; 0.00 used; " + c.over + " requested");
    }
    // Personal and merchant passports have no limit.
    EXPECT_OFFERED(of("webmoney", "KZ", "USD", "50000.00", "wm-1", "personal"));
    EXPECT_OFFERED(of("webmoney", "KZ", "USD", "50000.00", "wm-1", "merchant"));
    // A EUR purse counts in USD: 92.00 EUR is 100.00 USD, 92.01 is 100.01.
    EXPECT_OFFERED(of("webmoney", "KZ", "EUR", "92.00", "wm-1", "alias"));
    Q eur = of("webmoney", "KZ", "EUR", "92.01", "wm-1", "alias");
    EXPECT_REFUSED(eur, "limit_exceeded");
    EXPECT_EQ(eur.reason, "daily limit for tier alias is 100.00 USD; 0.00 used; 100.01 requested");
    // Without an account no cumulative limit applies; an unknown passport is refused.
    EXPECT_OFFERED(of("webmoney", "KZ", "USD", "50000.00", nullptr, "alias"));
    Q gold = of("webmoney", "KZ", "USD", "1.00", "wm-1", "gold");
    EXPECT_REFUSED(gold, "restricted");
    PH_EXPECT_HAS(gold.reason, "alias, formal, initial, personal, merchant");
}

TEST_F(QuoteDefault, WebMoneyAliasLimitCountsWhatWasPaid)
{
    // The example of issue 4: 40.00 used, 75.00 requested.
    tender_param params[] = {{"purse", "Z123456789012"}, {"wmid", "123456789012"}};
    TenderPayRequest req = {sizeof(TenderPayRequest)};
    req.method = "webmoney";
    req.region = "KZ";
    req.currency = "USD";
    req.amount = "40.00";
    req.account = "wm-2";
    req.tier = "alias";
    req.params = params;
    req.n_params = G_N_ELEMENTS(params);
    req.capture = TRUE;
    GError *error = nullptr;
    ph::Payment p(tender_host_pay(host, &req, &error));
    ASSERT_NE(p, nullptr) << (error ? error->message : "");
    ASSERT_NE(p->status, TENDER_STATUS_DECLINED) << (p->decline_message ? p->decline_message : "");

    Q q = of("webmoney", "KZ", "USD", "75.00", "wm-2", "alias");
    EXPECT_REFUSED(q, "limit_exceeded");
    EXPECT_EQ(q.reason, "daily limit for tier alias is 100.00 USD; 40.00 used; 75.00 requested");
    EXPECT_OFFERED(of("webmoney", "KZ", "USD", "60.00", "wm-2", "alias"));
    // The counters do not depend on the tier: the same 40.00 counts under formal.
    Q formal = of("webmoney", "KZ", "USD", "2960.01", "wm-2", "formal");
    EXPECT_REFUSED(formal, "limit_exceeded");
    EXPECT_EQ(formal.reason,
              "daily limit for tier formal is 3000.00 USD; 40.00 used; 2960.01 requested");
}

// ---- order ----------------------------------------------------------------

TEST_F(QuoteDefault, TotalsInAnotherCurrencyAreRankedByWhatTheyCost)
{
    // A buyer in CN paying 388.00 CNY: webmoney takes USD, 55.09 USD at
    // 1 CNY = 0.140845 USD, i.e. about 391 CNY: cheaper than alipay's
    // 399.64 CNY, so it comes first although its number is the smallest
    // only by accident of currency.
    std::vector<Q> qs = quote("CN", "CNY", "388.00");
    ASSERT_GE(qs.size(), 4u);
    EXPECT_EQ(qs[0].method, "webmoney");
    EXPECT_EQ(qs[0].currency, "USD");
    EXPECT_EQ(qs[1].method, "alipay");
    EXPECT_EQ(qs[1].total, 39964);
    EXPECT_EQ(qs[2].method, "card");
    EXPECT_EQ(qs[3].method, "paypal");
}

TEST_F(QuoteDefault, OfferedMethodsSortedByTotal)
{
    // US buyer, 10.00 USD: webmoney 10.08 (0.8%), card 10.59 (2.9% + 0.30),
    // paypal 10.84 (3.49% + 0.49); alipay does not serve the US.
    std::vector<Q> qs = quote("US", "USD", "10.00");
    ASSERT_EQ(qs.size(), 4u);
    EXPECT_EQ(qs[0].method, "webmoney");
    EXPECT_EQ(qs[0].total, 1008);
    EXPECT_EQ(qs[1].method, "card");
    EXPECT_EQ(qs[1].total, 1059);
    EXPECT_EQ(qs[2].method, "paypal");
    EXPECT_EQ(qs[2].total, 1084);
    EXPECT_EQ(qs[3].method, "alipay");
    EXPECT_FALSE(qs[3].offered);

    // Across the border (DE, EUR) the order holds: webmoney 10.08, card
    // 10.69 (4.4% + 0.25), paypal 10.89 (4.99% + 0.39).
    qs = quote("DE", "EUR", "10.00");
    ASSERT_EQ(qs.size(), 4u);
    std::vector<std::string> order;
    for (const Q &q : qs)
        order.push_back(q.method);
    EXPECT_EQ(order, (std::vector<std::string>{"webmoney", "card", "paypal", "alipay"}));
    EXPECT_EQ(qs[0].total, 1008);
    EXPECT_EQ(qs[1].total, 1069);
    EXPECT_EQ(qs[2].total, 1089);

    // Offered first, then the others; totals in one currency never decrease.
    qs = quote("CN", "CNY", "100.00");
    bool refused_seen = false;
    for (size_t i = 0; i < qs.size(); i++) {
        if (!qs[i].offered) {
            refused_seen = true;
        } else {
            EXPECT_FALSE(refused_seen) << qs[i].method << " offered after a refusal";
        }
        if (i > 0 && qs[i].offered && qs[i - 1].offered &&
            qs[i].currency == qs[i - 1].currency) {
            EXPECT_LE(qs[i - 1].total, qs[i].total);
        }
    }
}

}  // namespace
