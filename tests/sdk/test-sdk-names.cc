// Every value of every frozen enum has a name, names are unique, and the
// reverse lookup agrees.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <tender/sdk.h>

namespace
{

void expect_names(tender_enum_kind kind, uint64_t first, uint64_t last)
{
    std::set<std::string> seen;
    for (uint64_t v = first; v <= last; v++) {
        const char *name = tender_enum_name(kind, v);
        ASSERT_NE(name, nullptr) << "kind " << kind << " value " << v;
        EXPECT_TRUE(seen.insert(name).second) << name;
        uint64_t back = 99;
        EXPECT_EQ(tender_enum_value(kind, name, &back), 1) << name;
        EXPECT_EQ(back, v) << name;
    }
    EXPECT_EQ(tender_enum_name(kind, last + 1), nullptr);
}

} // namespace

TEST(SdkNames, EveryFrozenValueIsNamed)
{
    expect_names(TENDER_ENUM_OUTCOME, 0, TENDER_OUTCOME_LAST_);
    expect_names(TENDER_ENUM_DECLINE, 0, TENDER_DECLINE_LAST_);
    expect_names(TENDER_ENUM_ACTION, 0, TENDER_ACTION_REFERENCE);
    expect_names(TENDER_ENUM_OPERATION, TENDER_OP_AUTHORIZE, TENDER_OP_REAUTHORIZE);
    expect_names(TENDER_ENUM_EVENT, 0, TENDER_EVENT_ACTION_REQUIRED);
    expect_names(TENDER_ENUM_LOG_LEVEL, TENDER_LOG_ERROR, TENDER_LOG_DEBUG);
}

TEST(SdkNames, TheWordsTheHostPrints)
{
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_OUTCOME, TENDER_OUTCOME_ACTION_REQUIRED),
                 "action_required");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_OUTCOME, TENDER_OUTCOME_NOT_SENT), "not_sent");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_ACTION, TENDER_ACTION_ONE_TIME_CODE),
                 "one_time_code");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_DECLINE, TENDER_DECLINE_INSUFFICIENT_FUNDS),
                 "insufficient_funds");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_OPERATION, TENDER_OP_VOID), "void");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_EVENT, TENDER_EVENT_CAPTURED), "captured");
    EXPECT_EQ(tender_enum_name(TENDER_ENUM_OPERATION, 0), nullptr);
    uint64_t v = 0;
    EXPECT_EQ(tender_enum_value(TENDER_ENUM_OUTCOME, "APPROVED", &v), 0);
    EXPECT_EQ(tender_enum_value(TENDER_ENUM_OUTCOME, nullptr, &v), 0);
}

TEST(SdkNames, CapabilitiesOneBitAtATime)
{
    std::set<std::string> seen;
    for (unsigned bit = 0; bit <= 14; bit++) {
        uint64_t value = uint64_t{1} << bit;
        const char *name = tender_enum_name(TENDER_ENUM_CAPABILITY, value);
        ASSERT_NE(name, nullptr) << bit;
        EXPECT_TRUE(seen.insert(name).second) << name;
        uint64_t back = 0;
        EXPECT_EQ(tender_enum_value(TENDER_ENUM_CAPABILITY, name, &back), 1);
        EXPECT_EQ(back, value);
    }
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_CAPABILITY, TENDER_CAP_VOID_REMAINDER),
                 "void_remainder");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_CAPABILITY, TENDER_CAP_REAUTHORIZE), "reauthorize");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_OPERATION, TENDER_OP_REAUTHORIZE), "reauthorize");
    EXPECT_STREQ(tender_enum_name(TENDER_ENUM_CAPABILITY, TENDER_CAP_PARTIAL_REFUND),
                 "partial_refund");
    EXPECT_EQ(tender_enum_name(TENDER_ENUM_CAPABILITY, 0), nullptr);
    EXPECT_EQ(tender_enum_name(TENDER_ENUM_CAPABILITY, TENDER_CAP_SYNC | TENDER_CAP_VOID), nullptr);
    EXPECT_EQ(tender_enum_name(TENDER_ENUM_CAPABILITY, uint64_t{1} << 40), nullptr);
}
