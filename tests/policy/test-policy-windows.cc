// Counting windows (core/policy-windows.c, issue 11): the start of the window
// holding an instant at the edges of days, weeks, months and years, and the
// usage counter keys the policy builds from them on either side of an edge.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "policy-test-support.h"
#include "policy-windows.h"

namespace {

std::string start(TenderWindow w, gint64 now_ms)
{
    char *text = window_start(w, now_ms);
    std::string s = text;
    g_free(text);
    return s;
}

constexpr gint64 kSun29Last = 1795996799999;  // 2026-11-29T23:59:59.999Z, Sunday
constexpr gint64 kMon30First = 1795996800000; // 2026-11-30T00:00:00.000Z, Monday
constexpr gint64 kLeapFebLast = 1835481599999; // 2028-02-29T23:59:59.999Z
constexpr gint64 kLeapMarFirst = 1835481600000;
constexpr gint64 kYearLast = 1798761599999;   // 2026-12-31T23:59:59.999Z, Thursday
constexpr gint64 kYearFirst = 1798761600000;  // 2027-01-01T00:00:00.000Z, Friday
constexpr gint64 kSun03Last = 1799020799999;  // 2027-01-03T23:59:59.999Z
constexpr gint64 kMon04First = 1799020800000; // 2027-01-04T00:00:00.000Z

} // namespace

TEST(PolicyWindows, NamesRoundTrip)
{
    for (int w = TENDER_WINDOW_MINUTE; w <= TENDER_WINDOW_LIFETIME; w++) {
        const char *name = window_name((TenderWindow)w);
        ASSERT_NE(name, nullptr) << w;
        TenderWindow back = (TenderWindow)0;
        EXPECT_TRUE(window_from_name(name, &back)) << name;
        EXPECT_EQ(back, (TenderWindow)w);
    }
    EXPECT_EQ(window_name((TenderWindow)0), nullptr);
    EXPECT_EQ(window_name((TenderWindow)(TENDER_WINDOW_LIFETIME + 1)), nullptr);
    TenderWindow w = TENDER_WINDOW_DAY;
    EXPECT_FALSE(window_from_name("daily", &w));
    EXPECT_FALSE(window_from_name("Day", &w));
    EXPECT_FALSE(window_from_name("", &w));
    EXPECT_FALSE(window_from_name(nullptr, &w));
    EXPECT_EQ(w, TENDER_WINDOW_DAY);
}

TEST(PolicyWindows, DayEdges)
{
    EXPECT_EQ(start(TENDER_WINDOW_DAY, kSun29Last), "2026-11-29");
    EXPECT_EQ(start(TENDER_WINDOW_DAY, kMon30First), "2026-11-30");
    EXPECT_EQ(start(TENDER_WINDOW_HOUR, kSun29Last), "2026-11-29T23");
    EXPECT_EQ(start(TENDER_WINDOW_HOUR, kMon30First), "2026-11-30T00");
    EXPECT_EQ(start(TENDER_WINDOW_MINUTE, kSun29Last), "2026-11-29T23:59");
    EXPECT_EQ(start(TENDER_WINDOW_MINUTE, kMon30First), "2026-11-30T00:00");
    // The epoch and the millisecond before it (floor, not truncation).
    EXPECT_EQ(start(TENDER_WINDOW_DAY, 0), "1970-01-01");
    EXPECT_EQ(start(TENDER_WINDOW_MINUTE, -1), "1969-12-31T23:59");
}

TEST(PolicyWindows, WeekEdgesAreIsoMondays)
{
    // Sunday's last millisecond is still the week of Monday the 23rd.
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, kSun29Last), "2026-11-23");
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, kMon30First), "2026-11-30");
    // A week across New Year keeps one start.
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, kYearLast), "2026-12-28");
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, kYearFirst), "2026-12-28");
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, kSun03Last), "2026-12-28");
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, kMon04First), "2027-01-04");
    // The epoch was a Thursday; its week began on Monday 29 December 1969.
    EXPECT_EQ(start(TENDER_WINDOW_WEEK, 0), "1969-12-29");
}

TEST(PolicyWindows, MonthAndYearEdges)
{
    EXPECT_EQ(start(TENDER_WINDOW_MONTH, kLeapFebLast), "2028-02-01");
    EXPECT_EQ(start(TENDER_WINDOW_MONTH, kLeapMarFirst), "2028-03-01");
    EXPECT_EQ(start(TENDER_WINDOW_MONTH, kYearLast), "2026-12-01");
    EXPECT_EQ(start(TENDER_WINDOW_MONTH, kYearFirst), "2027-01-01");
    EXPECT_EQ(start(TENDER_WINDOW_YEAR, kYearLast), "2026-01-01");
    EXPECT_EQ(start(TENDER_WINDOW_YEAR, kYearFirst), "2027-01-01");
    EXPECT_EQ(start(TENDER_WINDOW_LIFETIME, kYearFirst), "all");
    EXPECT_EQ(start(TENDER_WINDOW_LIFETIME, -1), "all");
}

// The keys a payment occupies move to the next window exactly at the edge,
// and only for the windows whose edge it is.
TEST(PolicyWindows, CounterKeysAtWeekAndMonthEdges)
{
    Loaded l(R"({
      "exchange": {"base": "USD", "rates": {"EUR": "0.92"}},
      "methods": {"webmoney": {"currencies": ["USD"], "default_tier": "alias",
        "tiers": {"alias": {"limits": [
          {"window": "day", "currency": "USD", "max": "100.00"},
          {"window": "week", "currency": "USD", "max": "300.00"},
          {"window": "month", "currency": "USD", "max": "500.00"}]}}}}
    })");
    ASSERT_NE(l.config, nullptr) << l.error;
    std::unique_ptr<Method> webmoney(webmoney_method());
    struct {
        gint64 now;
        const char *day, *week, *month;
    } cases[] = {
        {kSun29Last, "2026-11-29", "2026-11-23", "2026-11-01"},
        {kMon30First, "2026-11-30", "2026-11-30", "2026-11-01"},
        {kYearLast, "2026-12-31", "2026-12-28", "2026-12-01"},
        {kYearFirst, "2027-01-01", "2026-12-28", "2027-01-01"},
    };
    for (const auto &c : cases) {
        Usage u;
        Eval e(l.config, *webmoney, "KZ", "USD", 1000, "wm|1", "", c.now, &u);
        ASSERT_TRUE(e.d.offered) << e.reason();
        std::vector<std::string> keys = e.amount_keys();
        ASSERT_EQ(keys.size(), 3u) << c.now;
        // The account's '|' is escaped so it cannot end a key field.
        EXPECT_EQ(keys[0], std::string("amt|webmoney|wm%7C1|day|") + c.day + "|USD");
        EXPECT_EQ(keys[1], std::string("amt|webmoney|wm%7C1|week|") + c.week + "|USD");
        EXPECT_EQ(keys[2], std::string("amt|webmoney|wm%7C1|month|") + c.month + "|USD");
    }
}
