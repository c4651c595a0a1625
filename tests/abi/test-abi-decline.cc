/* The decline table of <tender/decline.h>: every code has a distinct stable
 * name and advice a buyer can read; unknown codes take the safest meaning. */
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <tender/decline.h>

TEST(AbiDecline, EveryCodeHasADistinctNameAndAdvice)
{
    std::set<std::string> names;
    for (uint32_t c = 0; c <= TENDER_DECLINE_LAST_; c++) {
        const tender_decline_info *info = tender_decline_lookup(c);
        ASSERT_NE(info, nullptr);
        EXPECT_EQ((uint32_t)info->code, c) << "table out of order at " << c;
        ASSERT_NE(info->name, nullptr);
        EXPECT_STRNE(info->name, "") << c;
        EXPECT_TRUE(names.insert(info->name).second) << "duplicate name " << info->name;
        for (const char *p = info->name; *p; p++)
            EXPECT_TRUE((*p >= 'a' && *p <= 'z') || *p == '_') << info->name;
        ASSERT_NE(info->advice_text, nullptr);
        if (c != TENDER_DECLINE_NONE) {
            EXPECT_STRNE(info->advice_text, "") << info->name;
        }
        EXPECT_EQ(tender_decline_from_name(info->name), (int)c);
    }
    EXPECT_EQ(names.size(), (size_t)TENDER_DECLINE_LAST_ + 1);
}

TEST(AbiDecline, EveryCodeHasItsOwnAdviceText)
{
    /* A text shared by two codes would tell the buyer something too vague
     * (or wrong) for one of them. */
    std::set<std::string> texts;
    for (uint32_t c = 1; c <= TENDER_DECLINE_LAST_; c++) {
        const tender_decline_info *info = tender_decline_lookup(c);
        EXPECT_TRUE(texts.insert(info->advice_text).second)
            << "advice text repeated at " << info->name;
    }
}

TEST(AbiDecline, UnknownCodeReadsAsDoNotHonor)
{
    const tender_decline_info *dnh = tender_decline_lookup(TENDER_DECLINE_DO_NOT_HONOR);
    EXPECT_STREQ(dnh->name, "do_not_honor");
    EXPECT_EQ(tender_decline_lookup(TENDER_DECLINE_LAST_ + 1), dnh);
    EXPECT_EQ(tender_decline_lookup(1000), dnh);
    EXPECT_EQ(tender_decline_lookup(UINT32_MAX), dnh);
    EXPECT_EQ(tender_decline_from_name("no_such_code"), -1);
    EXPECT_EQ(tender_decline_from_name(nullptr), -1);
}

TEST(AbiDecline, RetryableCodesAreTheTransientOnes)
{
    EXPECT_TRUE(tender_decline_lookup(TENDER_DECLINE_PROCESSOR_UNAVAILABLE)->retryable);
    EXPECT_TRUE(tender_decline_lookup(TENDER_DECLINE_PROCESSING_ERROR)->retryable);
    EXPECT_FALSE(tender_decline_lookup(TENDER_DECLINE_STOLEN_CARD)->retryable);
    EXPECT_FALSE(tender_decline_lookup(TENDER_DECLINE_SUSPECTED_FRAUD)->retryable);
    EXPECT_FALSE(tender_decline_lookup(TENDER_DECLINE_INSUFFICIENT_FUNDS)->retryable);
}
