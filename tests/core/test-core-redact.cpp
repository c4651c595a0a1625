// Redaction: one rule for every path. A sensitive value counts only where it
// stands as a whole token; a masked card number keeps its first six and last
// four digits. The cases come from the field trial that found substring
// replacement corrupting text and leaking the rest of a value.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "redact.h"
}

namespace {

std::string redacted(const char *text, std::initializer_list<const char *> secrets)
{
    std::vector<const char *> list(secrets);
    list.push_back(nullptr);
    gchar *out = redact(text, list.data());
    std::string s = out;
    g_free(out);
    return s;
}

TEST(Redact, ShortCodeInsideLongerNumberIsLeftAlone)
{
    // Before: "[redacted]456" told that the code is 123 and broke the hint.
    EXPECT_EQ(redacted("enter the code sent for order 123456 now", {"123"}),
              "enter the code sent for order 123456 now");
}

TEST(Redact, ProtectionCodeDoesNotEatDigitsOfPurse)
{
    // A one-digit WebMoney protection code 3 used to eat every 3.
    EXPECT_EQ(redacted("transfer from Z313233343536 protected, code 3", {"3"}),
              "transfer from Z313233343536 protected, code [redacted]");
}

TEST(Redact, WordSecretDoesNotEatWords)
{
    EXPECT_EQ(redacted("wrongly typed password: wrong", {"wrong"}),
              "wrongly typed password: [redacted]");
}

TEST(Redact, WholeTokenAtStartMiddleAndEnd)
{
    EXPECT_EQ(redacted("737", {"737"}), "[redacted]");
    EXPECT_EQ(redacted("737 was the code", {"737"}), "[redacted] was the code");
    EXPECT_EQ(redacted("the code 737 failed", {"737"}), "the code [redacted] failed");
    EXPECT_EQ(redacted("the code was 737", {"737"}), "the code was [redacted]");
    EXPECT_EQ(redacted("cvc=737;cvc2=737.", {"737"}), "cvc=[redacted];cvc2=[redacted].");
    // Glued to a letter or digit on either side: not the value.
    EXPECT_EQ(redacted("a737 7370 x737y", {"737"}), "a737 7370 x737y");
}

TEST(Redact, CardNumberKeepsFirstSixAndLastFour)
{
    EXPECT_EQ(redacted("card 4242424242424242 declined", {}), "card 424242******4242 declined");
    EXPECT_EQ(redacted("4000 0000 0000 0002", {}), "400000******0002");
    EXPECT_EQ(redacted("378282246310005", {}), "378282*****0005");
    // Not a card number: too short, too long, or an identifier glued to a letter.
    EXPECT_EQ(redacted("ref 12345678901", {}), "ref 12345678901");
    EXPECT_EQ(redacted("ref 12345678901234567890", {}), "ref 12345678901234567890");
    EXPECT_EQ(redacted("purse Z123456789012", {}), "purse Z123456789012");
}

TEST(Redact, LongSecretIsRemovedEvenInsideAWord)
{
    // A card number cannot occur by accident; glued to a word it is still one.
    EXPECT_EQ(redacted("pan4242424242424241x", {"4242424242424241"}), "pan[redacted]x");
}

TEST(Redact, SecretsOnlyLeavesLongNumbers)
{
    const char *secrets[] = {"737", nullptr};
    gchar *out = redact_secrets("pi_4242424242424242 code 737", secrets);
    EXPECT_STREQ(out, "pi_4242424242424242 code [redacted]");
    g_free(out);
}

TEST(Redact, ContainsFollowsTheSameRule)
{
    const char *state = "{\"amount\":\"123456\",\"code\":\"737\"}";
    EXPECT_TRUE(redact_contains(state, strlen(state), "737"));
    EXPECT_FALSE(redact_contains(state, strlen(state), "123"));
    EXPECT_FALSE(redact_contains(state, strlen(state), ""));
    // Only the first len bytes count.
    EXPECT_FALSE(redact_contains(state, 20, "737"));
}

TEST(Redact, InPlaceTruncatesToTheField)
{
    char field[16] = "code 737 ok";
    const char *secrets[] = {"737", nullptr};
    redact_in_place(field, sizeof field, secrets);
    EXPECT_STREQ(field, "code [redacted]");
}

} // namespace
