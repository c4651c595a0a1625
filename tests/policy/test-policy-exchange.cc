// The policy's exchange module on its own (core/policy-exchange.c, issue 11):
// a table built through its API, no config and no loader, so a failure here
// is the arithmetic's and not the loader's. Its functions are internal to
// libtender, so this test compiles the module itself.
#include <gtest/gtest.h>

#include <glib.h>

#include "policy-exchange.h"

namespace {

// 1 USD = 0.92 EUR = 150 JPY = 7.1 CNY = 0.307 KWD = 0.0005 CLF (a rate
// smaller than its first significant digit), as of 2026-11-01.
struct Table {
    PolicyExchange *x = policy_exchange_new();
    Table(bool dated = true)
    {
        policy_exchange_set_base(x, "USD");
        if (dated)
            policy_exchange_set_as_of(x, "2026-11-01");
        policy_exchange_add_rate(x, "EUR", 92, 2);
        policy_exchange_add_rate(x, "JPY", 150, 0);
        policy_exchange_add_rate(x, "CNY", 71, 1);
        policy_exchange_add_rate(x, "KWD", 307, 3);
        policy_exchange_add_rate(x, "CLF", 5, 4);
    }
    ~Table() { policy_exchange_free(x); }
    Table(const Table &) = delete;
    Table &operator=(const Table &) = delete;
};

std::string taken(char *text)
{
    std::string s = text != nullptr ? text : "(null)";
    g_free(text);
    return s;
}

} // namespace

TEST(PolicyExchange, EmptyTableRescalesOnly)
{
    PolicyExchange *x = policy_exchange_new();
    EXPECT_STREQ(policy_exchange_base(x), "");
    EXPECT_STREQ(policy_exchange_as_of(x), "");
    EXPECT_FALSE(policy_exchange_has_rate(x, "USD"));
    gint64 out = -1;
    // The same currency needs no rate: 1234.50 HUF at 2 decimals is 1235 at
    // 0 (half up), 12.34 USD stays 1234 cents.
    ASSERT_TRUE(policy_exchange_convert(x, 123450, "HUF", 2, "HUF", 0, &out));
    EXPECT_EQ(out, 1235);
    ASSERT_TRUE(policy_exchange_convert(x, 1234, "USD", -1, "USD", -1, &out));
    EXPECT_EQ(out, 1234);
    // Anything else needs rates the table does not have.
    EXPECT_FALSE(policy_exchange_convert(x, 100, "USD", -1, "EUR", -1, &out));
    EXPECT_EQ(policy_exchange_rate_quote(x, "USD", "EUR"), nullptr);
    EXPECT_EQ(policy_exchange_rate_text(x, "USD", "EUR"), nullptr);
    policy_exchange_free(x);
    policy_exchange_free(nullptr);
}

TEST(PolicyExchange, TheBaseHasRateOne)
{
    Table t;
    EXPECT_STREQ(policy_exchange_base(t.x), "USD");
    EXPECT_STREQ(policy_exchange_as_of(t.x), "2026-11-01");
    for (const char *code : {"USD", "EUR", "JPY", "CNY", "KWD", "CLF"})
        EXPECT_TRUE(policy_exchange_has_rate(t.x, code)) << code;
    EXPECT_FALSE(policy_exchange_has_rate(t.x, "GBP"));
    EXPECT_FALSE(policy_exchange_has_rate(t.x, nullptr));
    EXPECT_FALSE(policy_exchange_has_rate(nullptr, "USD"));
}

TEST(PolicyExchange, ExactIntegerArithmeticRoundedHalfUpOnce)
{
    Table t;
    gint64 out = 0;
    // From the base and back, exactly: 100.00 USD = 710.00 CNY = 92.00 EUR.
    ASSERT_TRUE(policy_exchange_convert(t.x, 10000, "USD", -1, "CNY", -1, &out));
    EXPECT_EQ(out, 71000);
    ASSERT_TRUE(policy_exchange_convert(t.x, 71000, "CNY", -1, "USD", -1, &out));
    EXPECT_EQ(out, 10000);
    ASSERT_TRUE(policy_exchange_convert(t.x, 10000, "USD", -1, "EUR", -1, &out));
    EXPECT_EQ(out, 9200);
    // Exactly half a yen rounds up: 0.03 USD = 4.5 JPY -> 5; 0.01 USD = 1.5 -> 2.
    ASSERT_TRUE(policy_exchange_convert(t.x, 3, "USD", -1, "JPY", -1, &out));
    EXPECT_EQ(out, 5);
    ASSERT_TRUE(policy_exchange_convert(t.x, 1, "USD", -1, "JPY", -1, &out));
    EXPECT_EQ(out, 2);
    // Just under half rounds down: 1 JPY = 0.6667 cents -> 1 cent; 2 JPY =
    // 1.333 cents -> 1 cent.
    ASSERT_TRUE(policy_exchange_convert(t.x, 1, "JPY", -1, "USD", -1, &out));
    EXPECT_EQ(out, 1);
    ASSERT_TRUE(policy_exchange_convert(t.x, 2, "JPY", -1, "USD", -1, &out));
    EXPECT_EQ(out, 1);
    // A cross rate is one fraction, rounded once: 100.00 EUR * 7.1 / 0.92 =
    // 771.7391 CNY -> 771.74 (rounding in USD first would give 108.70 USD *
    // 7.1 = 771.77 CNY).
    ASSERT_TRUE(policy_exchange_convert(t.x, 10000, "EUR", -1, "CNY", -1, &out));
    EXPECT_EQ(out, 77174);
    // Three decimals on one side: 1.000 KWD -> 3.2573 USD -> 3.26.
    ASSERT_TRUE(policy_exchange_convert(t.x, 1000, "KWD", -1, "USD", -1, &out));
    EXPECT_EQ(out, 326);
    // A method's own exponent on the target: 10.00 USD into JPY at 2 decimals.
    ASSERT_TRUE(policy_exchange_convert(t.x, 1000, "USD", 2, "JPY", 2, &out));
    EXPECT_EQ(out, 150000);
    // Zero stays zero.
    ASSERT_TRUE(policy_exchange_convert(t.x, 0, "EUR", -1, "KWD", -1, &out));
    EXPECT_EQ(out, 0);
}

TEST(PolicyExchange, RefusesWhatItCannotDoExactly)
{
    Table t;
    gint64 out = 42;
    EXPECT_FALSE(policy_exchange_convert(t.x, 100, "USD", -1, "GBP", -1, &out));
    EXPECT_FALSE(policy_exchange_convert(t.x, 100, "GBP", -1, "USD", -1, &out));
    // An overflowing result is refused, never wrapped.
    EXPECT_FALSE(policy_exchange_convert(t.x, G_MAXINT64, "USD", -1, "JPY", -1, &out));
    // An unknown currency has no ISO exponent to default to.
    EXPECT_FALSE(policy_exchange_convert(t.x, 100, "USD", -1, "XXQ", -1, &out));
    EXPECT_FALSE(policy_exchange_convert(t.x, 100, nullptr, -1, "USD", -1, &out));
    EXPECT_FALSE(policy_exchange_convert(t.x, 100, "USD", -1, "EUR", -1, nullptr));
    EXPECT_FALSE(policy_exchange_convert(nullptr, 100, "USD", -1, "USD", -1, &out));
}

TEST(PolicyExchange, RateQuoteWritesTheConfiguredDecimals)
{
    Table t;
    EXPECT_EQ(taken(policy_exchange_rate_quote(t.x, "USD", "CNY")),
              "1 USD = 7.1 CNY as of 2026-11-01");
    EXPECT_EQ(taken(policy_exchange_rate_quote(t.x, "CNY", "USD")),
              "1 USD = 7.1 CNY as of 2026-11-01");
    EXPECT_EQ(taken(policy_exchange_rate_quote(t.x, "EUR", "KWD")),
              "1 USD = 0.92 EUR = 0.307 KWD as of 2026-11-01");
    EXPECT_EQ(taken(policy_exchange_rate_quote(t.x, "USD", "CLF")),
              "1 USD = 0.0005 CLF as of 2026-11-01");
    EXPECT_EQ(taken(policy_exchange_rate_quote(t.x, "USD", "JPY")),
              "1 USD = 150 JPY as of 2026-11-01");
    EXPECT_EQ(policy_exchange_rate_quote(t.x, "USD", "USD"), nullptr);
    EXPECT_EQ(policy_exchange_rate_quote(t.x, "USD", "GBP"), nullptr);
    Table undated(false);
    EXPECT_EQ(taken(policy_exchange_rate_quote(undated.x, "EUR", "USD")), "1 USD = 0.92 EUR");
}

TEST(PolicyExchange, RateTextIsTheComputedRateToSixDecimals)
{
    Table t;
    EXPECT_EQ(taken(policy_exchange_rate_text(t.x, "EUR", "USD")),
              "1 EUR = 1.086957 USD as of 2026-11-01");
    EXPECT_EQ(taken(policy_exchange_rate_text(t.x, "USD", "JPY")),
              "1 USD = 150 JPY as of 2026-11-01");
    EXPECT_EQ(taken(policy_exchange_rate_text(t.x, "JPY", "USD")),
              "1 JPY = 0.006667 USD as of 2026-11-01");
    Table undated(false);
    EXPECT_EQ(taken(policy_exchange_rate_text(undated.x, "USD", "CNY")), "1 USD = 7.1 CNY");
    EXPECT_EQ(policy_exchange_rate_text(t.x, "EUR", "GBP"), nullptr);
}
