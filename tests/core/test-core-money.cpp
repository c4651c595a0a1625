// Money: exact parse and format for every exponent (0, 2, 3, 4), every
// error case, rescale, checked arithmetic, and the status names.
#include <gtest/gtest.h>

#include <string>

#include <tender/money.h>
#include <tender/tender.h>

namespace {

gint64 parse_ok(const char *text, const char *currency, int exponent = -1)
{
    gint64 v = -1;
    GError *error = nullptr;
    EXPECT_TRUE(tender_money_parse(text, currency, exponent, &v, &error))
        << text << " " << currency << ": " << (error ? error->message : "");
    g_clear_error(&error);
    return v;
}

// The parse fails with INVALID_ARGUMENT, leaves the output alone and says
// what was wrong.
void parse_fails(const char *text, const char *currency, int exponent = -1)
{
    gint64 v = 4242;
    GError *error = nullptr;
    EXPECT_FALSE(tender_money_parse(text, currency, exponent, &v, &error))
        << "'" << (text ? text : "(null)") << "' " << (currency ? currency : "(null)")
        << " parsed as " << v;
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->domain, TENDER_ERROR);
    EXPECT_EQ(error->code, TENDER_ERROR_INVALID_ARGUMENT);
    EXPECT_GT(strlen(error->message), 10u);
    EXPECT_EQ(v, 4242) << "output written on failure";
    g_error_free(error);
}

std::string fmt(gint64 minor, const char *currency, int exponent = -1)
{
    char *s = tender_money_format(minor, currency, exponent);
    std::string out = s;
    g_free(s);
    return out;
}

TEST(Money, Exponents)
{
    EXPECT_EQ(tender_currency_exponent("JPY"), 0);
    EXPECT_EQ(tender_currency_exponent("KRW"), 0);
    EXPECT_EQ(tender_currency_exponent("USD"), 2);
    EXPECT_EQ(tender_currency_exponent("EUR"), 2);
    EXPECT_EQ(tender_currency_exponent("KWD"), 3);
    EXPECT_EQ(tender_currency_exponent("BHD"), 3);
    EXPECT_EQ(tender_currency_exponent("CLF"), 4);
    EXPECT_EQ(tender_currency_exponent("UYW"), 4);
    EXPECT_EQ(tender_currency_exponent("usd"), -1);
    EXPECT_EQ(tender_currency_exponent("ABC"), -1);
    EXPECT_EQ(tender_currency_exponent(""), -1);
    EXPECT_EQ(tender_currency_exponent("USDX"), -1);
    EXPECT_TRUE(tender_currency_is_known("CNY"));
    EXPECT_FALSE(tender_currency_is_known("ZZZ"));
}

TEST(Money, ParseExamplesFromTheIssue)
{
    EXPECT_EQ(parse_ok("12.5", "USD"), 1250);
    EXPECT_EQ(parse_ok("12.50 USD", "USD"), 1250);
    EXPECT_EQ(parse_ok("100", "JPY"), 100);
    EXPECT_EQ(parse_ok("1.234", "KWD"), 1234);
    EXPECT_EQ(parse_ok("1.2345", "CLF"), 12345);
    EXPECT_EQ(parse_ok("0", "USD"), 0);
    EXPECT_EQ(parse_ok("0.01", "USD"), 1);
    EXPECT_EQ(parse_ok("007.10", "USD"), 710);
}

struct RoundTrip {
    const char *currency;
    int exponent;
    const char *canonical;  // what format() writes
    gint64 minor;
};

TEST(Money, RoundTripEveryExponent)
{
    const RoundTrip cases[] = {
        {"JPY", 0, "0", 0},
        {"JPY", 0, "1", 1},
        {"JPY", 0, "100", 100},
        {"JPY", 0, "9223372036854775807", G_MAXINT64},
        {"USD", 2, "0.00", 0},
        {"USD", 2, "0.01", 1},
        {"USD", 2, "0.99", 99},
        {"USD", 2, "12.50", 1250},
        {"USD", 2, "100.00", 10000},
        {"USD", 2, "92233720368547758.07", G_MAXINT64},
        {"KWD", 3, "0.001", 1},
        {"KWD", 3, "1.234", 1234},
        {"KWD", 3, "10.050", 10050},
        {"KWD", 3, "9223372036854775.807", G_MAXINT64},
        {"CLF", 4, "0.0001", 1},
        {"CLF", 4, "1.2345", 12345},
        {"CLF", 4, "3.1000", 31000},
        {"CLF", 4, "922337203685477.5807", G_MAXINT64},
    };
    for (const RoundTrip &c : cases) {
        SCOPED_TRACE(std::string(c.canonical) + " " + c.currency);
        ASSERT_EQ(tender_currency_exponent(c.currency), c.exponent);
        EXPECT_EQ(parse_ok(c.canonical, c.currency), c.minor);
        EXPECT_EQ(fmt(c.minor, c.currency), c.canonical);
        // The explicit exponent gives the same answers.
        EXPECT_EQ(parse_ok(c.canonical, c.currency, c.exponent), c.minor);
        EXPECT_EQ(fmt(c.minor, c.currency, c.exponent), c.canonical);
        // With its code suffix too.
        std::string suffixed = std::string(c.canonical) + " " + c.currency;
        EXPECT_EQ(parse_ok(suffixed.c_str(), c.currency), c.minor);
        // Every value formats to text that parses back to it.
        gint64 back = 0;
        for (gint64 v : {c.minor, c.minor / 7, c.minor / 10 + 3}) {
            std::string text = fmt(v, c.currency);
            ASSERT_TRUE(tender_money_parse(text.c_str(), c.currency, -1, &back, nullptr)) << text;
            EXPECT_EQ(back, v) << text;
        }
    }
}

TEST(Money, ShorterDecimalsArePadded)
{
    EXPECT_EQ(parse_ok("12.5", "USD"), 1250);
    EXPECT_EQ(parse_ok("1.2", "KWD"), 1200);
    EXPECT_EQ(parse_ok("1.23", "KWD"), 1230);
    EXPECT_EQ(parse_ok("7.1", "CLF"), 71000);
    EXPECT_EQ(parse_ok("12", "USD"), 1200);
    EXPECT_EQ(parse_ok("12", "CLF"), 120000);
}

TEST(Money, TooManyDecimalsIsAnErrorNeverARounding)
{
    parse_fails("1.5", "JPY");
    parse_fails("1.0", "JPY");
    parse_fails("12.345", "USD");
    parse_fails("12.500", "USD");
    parse_fails("1.2345", "KWD");
    parse_fails("1.23456", "CLF");
    parse_fails("0.001", "USD");
}

TEST(Money, SignsAreRefused)
{
    parse_fails("-1", "USD");
    parse_fails("-0", "USD");
    parse_fails("+1", "USD");
    parse_fails("-12.50", "USD");
    parse_fails("+0.01", "USD");
    parse_fails("1-", "USD");
    parse_fails("--1", "JPY");
}

TEST(Money, UnknownCurrencyIsRefused)
{
    parse_fails("1", "ABC");
    parse_fails("1", "usd");
    parse_fails("1", "");
    parse_fails("1", "US");
    parse_fails("1", "USDD");
    parse_fails("1", nullptr);
}

TEST(Money, OverflowNearInt64MaxIsRefused)
{
    parse_fails("9223372036854775808", "JPY");
    parse_fails("9999999999999999999", "JPY");
    parse_fails("92233720368547758.08", "USD");
    parse_fails("92233720368547759", "USD");  // whole part fits, minor units do not
    parse_fails("9223372036854775.808", "KWD");
    parse_fails("922337203685477.5808", "CLF");
    parse_fails("922337203685478", "CLF");
    parse_fails("100000000000000000000000000000", "USD");
}

TEST(Money, EmptyAndSpacesAreRefused)
{
    parse_fails("", "USD");
    parse_fails(nullptr, "USD");
    parse_fails(" ", "USD");
    parse_fails(" 12", "USD");
    parse_fails("12 ", "USD");
    parse_fails("1 2", "USD");
    parse_fails("12\t", "USD");
    parse_fails("\t12", "USD");
    parse_fails("12\n", "USD");
    parse_fails("1 000", "JPY");
}

TEST(Money, MalformedNumbersAreRefused)
{
    parse_fails("1.", "USD");
    parse_fails(".5", "USD");
    parse_fails(".", "USD");
    parse_fails("1..5", "USD");
    parse_fails("1.2.3", "KWD");
    parse_fails("1,50", "USD");
    parse_fails("1,000", "JPY");
    parse_fails("1e3", "JPY");
    parse_fails("0x10", "JPY");
    parse_fails("abc", "USD");
    parse_fails("12abc", "USD");
    parse_fails("\xd9\xa1", "JPY");  // ARABIC-INDIC DIGIT ONE
    parse_fails("１", "JPY");        // FULLWIDTH DIGIT ONE
}

TEST(Money, CodeSuffixMustMatch)
{
    EXPECT_EQ(parse_ok("12.50 USD", "USD"), 1250);
    EXPECT_EQ(parse_ok("100 JPY", "JPY"), 100);
    parse_fails("12.50 EUR", "USD");
    parse_fails("12.50 usd", "USD");
    parse_fails("12.50  USD", "USD");
    parse_fails("12.50 USD ", "USD");
    parse_fails("12.50 US", "USD");
    parse_fails("12.50 USDX", "USD");
    parse_fails("12.50 ", "USD");
    parse_fails("USD 12.50", "USD");
    parse_fails("12.5 0 USD", "USD");
}

TEST(Money, MethodExponentOverridesIso)
{
    // PayPal takes HUF and TWD without decimals.
    EXPECT_EQ(tender_currency_exponent("HUF"), 2);
    EXPECT_EQ(parse_ok("1000", "HUF", 0), 1000);
    parse_fails("1000.50", "HUF", 0);
    parse_fails("10.5", "TWD", 0);
    EXPECT_EQ(parse_ok("1000.50", "HUF"), 100050);
    EXPECT_EQ(fmt(1000, "HUF", 0), "1000");
    EXPECT_EQ(fmt(1000, "HUF"), "10.00");
}

TEST(Money, FormatNegativeAndExtremes)
{
    EXPECT_EQ(fmt(-1250, "USD"), "-12.50");
    EXPECT_EQ(fmt(-1, "USD"), "-0.01");
    EXPECT_EQ(fmt(-5, "JPY"), "-5");
    EXPECT_EQ(fmt(G_MININT64, "USD"), "-92233720368547758.08");
    EXPECT_EQ(fmt(G_MININT64, "JPY"), "-9223372036854775808");
    EXPECT_EQ(fmt(G_MAXINT64, "CLF"), "922337203685477.5807");
    EXPECT_EQ(fmt(5, "KWD"), "0.005");
}

TEST(Money, Rescale)
{
    gint64 out = 0;
    EXPECT_TRUE(tender_money_rescale(100000, 2, 0, &out));
    EXPECT_EQ(out, 1000);
    EXPECT_TRUE(tender_money_rescale(1000, 0, 2, &out));
    EXPECT_EQ(out, 100000);
    EXPECT_TRUE(tender_money_rescale(1234, 3, 4, &out));
    EXPECT_EQ(out, 12340);
    EXPECT_TRUE(tender_money_rescale(12340, 4, 3, &out));
    EXPECT_EQ(out, 1234);
    EXPECT_TRUE(tender_money_rescale(777, 2, 2, &out));
    EXPECT_EQ(out, 777);
    EXPECT_TRUE(tender_money_rescale(-500, 2, 0, &out));
    EXPECT_EQ(out, -5);
    EXPECT_TRUE(tender_money_rescale(0, 4, 0, &out));
    EXPECT_EQ(out, 0);

    out = 99;
    EXPECT_FALSE(tender_money_rescale(100050, 2, 0, &out));  // not representable
    EXPECT_FALSE(tender_money_rescale(1, 2, 0, &out));
    EXPECT_FALSE(tender_money_rescale(12345, 4, 3, &out));
    EXPECT_FALSE(tender_money_rescale(G_MAXINT64, 0, 2, &out));  // overflow
    EXPECT_FALSE(tender_money_rescale(G_MAXINT64 / 10 + 1, 2, 3, &out));
    EXPECT_EQ(out, 99) << "output written on failure";
    EXPECT_TRUE(tender_money_rescale(G_MAXINT64 / 10, 2, 3, &out));
    EXPECT_EQ(out, G_MAXINT64 / 10 * 10);
}

TEST(Money, AddIsChecked)
{
    gint64 out = 0;
    EXPECT_TRUE(tender_money_add(1, 2, &out));
    EXPECT_EQ(out, 3);
    EXPECT_TRUE(tender_money_add(G_MAXINT64 - 1, 1, &out));
    EXPECT_EQ(out, G_MAXINT64);
    out = 7;
    EXPECT_FALSE(tender_money_add(G_MAXINT64, 1, &out));
    EXPECT_FALSE(tender_money_add(G_MININT64, -1, &out));
    EXPECT_EQ(out, 7);
}

TEST(Money, MulDivRounding)
{
    gint64 out = 0;
    // 12.34 * 1.025 = 12.6485 (fee-like arithmetic).
    EXPECT_TRUE(tender_money_mul_div(1234, 10250, 10000, FALSE, &out));
    EXPECT_EQ(out, 1264);
    EXPECT_TRUE(tender_money_mul_div(1234, 10250, 10000, TRUE, &out));
    EXPECT_EQ(out, 1265);
    // Exactly half rounds up; below half truncates.
    EXPECT_TRUE(tender_money_mul_div(25, 1, 10, TRUE, &out));
    EXPECT_EQ(out, 3);
    EXPECT_TRUE(tender_money_mul_div(25, 1, 10, FALSE, &out));
    EXPECT_EQ(out, 2);
    EXPECT_TRUE(tender_money_mul_div(24, 1, 10, TRUE, &out));
    EXPECT_EQ(out, 2);
    EXPECT_TRUE(tender_money_mul_div(26, 1, 10, FALSE, &out));
    EXPECT_EQ(out, 2);
    EXPECT_TRUE(tender_money_mul_div(1, 1, 3, TRUE, &out));
    EXPECT_EQ(out, 0);
    EXPECT_TRUE(tender_money_mul_div(2, 1, 3, TRUE, &out));
    EXPECT_EQ(out, 1);
    // Negative halves round away from zero.
    EXPECT_TRUE(tender_money_mul_div(-25, 1, 10, TRUE, &out));
    EXPECT_EQ(out, -3);
    EXPECT_TRUE(tender_money_mul_div(25, -1, 10, TRUE, &out));
    EXPECT_EQ(out, -3);
    EXPECT_TRUE(tender_money_mul_div(-24, 1, 10, TRUE, &out));
    EXPECT_EQ(out, -2);
    // The intermediate product may exceed 64 bits.
    EXPECT_TRUE(tender_money_mul_div(G_MAXINT64, 2, 2, FALSE, &out));
    EXPECT_EQ(out, G_MAXINT64);
    EXPECT_TRUE(tender_money_mul_div(G_MAXINT64, 10000, 10000, TRUE, &out));
    EXPECT_EQ(out, G_MAXINT64);
    // Overflow and division by zero fail and leave the output alone.
    out = 5;
    EXPECT_FALSE(tender_money_mul_div(G_MAXINT64, 2, 1, FALSE, &out));
    EXPECT_FALSE(tender_money_mul_div(G_MAXINT64, 3, 2, TRUE, &out));
    EXPECT_FALSE(tender_money_mul_div(1, 1, 0, FALSE, &out));
    EXPECT_FALSE(tender_money_mul_div(G_MININT64, -1, 1, FALSE, &out));
    EXPECT_EQ(out, 5);
}

TEST(Status, NamesRoundTripAndTerminality)
{
    const char *names[] = {"requires_action", "pending",  "unknown",
                           "authorized",      "partially_captured", "captured",
                           "partially_refunded", "refunded", "voided",
                           "declined",        "failed",   "expired"};
    for (int i = 1; i <= 12; i++) {
        TenderStatus s = static_cast<TenderStatus>(i);
        ASSERT_NE(tender_status_to_string(s), nullptr) << i;
        EXPECT_STREQ(tender_status_to_string(s), names[i - 1]);
        TenderStatus back;
        ASSERT_TRUE(tender_status_from_string(names[i - 1], &back));
        EXPECT_EQ(back, s);
    }
    EXPECT_EQ(tender_status_to_string(static_cast<TenderStatus>(0)), nullptr);
    EXPECT_EQ(tender_status_to_string(static_cast<TenderStatus>(13)), nullptr);
    EXPECT_EQ(tender_status_to_string(static_cast<TenderStatus>(-1)), nullptr);
    TenderStatus out;
    EXPECT_FALSE(tender_status_from_string("Authorized", &out));
    EXPECT_FALSE(tender_status_from_string("", &out));
    EXPECT_FALSE(tender_status_from_string(nullptr, &out));
    for (TenderStatus s : {TENDER_STATUS_REFUNDED, TENDER_STATUS_VOIDED, TENDER_STATUS_DECLINED,
                           TENDER_STATUS_FAILED, TENDER_STATUS_EXPIRED})
        EXPECT_TRUE(tender_status_is_terminal(s)) << tender_status_to_string(s);
    for (TenderStatus s : {TENDER_STATUS_REQUIRES_ACTION, TENDER_STATUS_PENDING,
                           TENDER_STATUS_UNKNOWN, TENDER_STATUS_AUTHORIZED,
                           TENDER_STATUS_PARTIALLY_CAPTURED, TENDER_STATUS_CAPTURED,
                           TENDER_STATUS_PARTIALLY_REFUNDED})
        EXPECT_FALSE(tender_status_is_terminal(s)) << tender_status_to_string(s);
}

}  // namespace
