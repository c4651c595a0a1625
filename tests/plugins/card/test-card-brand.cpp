// The brand table itself (plugins/card/card-brand.c, compiled into this test):
// card_brand_identify against every range edge of credit-card-type's table,
// longest-prefix-wins, the per-brand info (names, lengths, code sizes, ECI
// family) and odd input. test-card.cpp holds the plugin's validation to the
// same cases end to end.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

extern "C" {
#include "card-brand.h"
}

#include "test-card-numbers.h"

namespace
{

// The brand name identify gives, "" for none.
std::string identified(const std::string &digits)
{
    const card_brand_info *info = card_brand_identify(digits.c_str());
    return info ? info->name : "";
}

// The lengths a brand info allows, as a set.
std::set<size_t> lengths_of(const card_brand_info *info)
{
    std::set<size_t> out;
    for (size_t n = 0; n < 8 * sizeof info->lengths; n++)
        if (info->lengths & (1ul << n))
            out.insert(n);
    return out;
}

// The numbers written in a lengths text ("16, 18 or 19", "12 to 19").
std::set<size_t> lengths_in_text(const std::string &text)
{
    std::set<size_t> out;
    size_t value = 0, previous = 0;
    bool in_number = false, range = false;
    for (size_t i = 0; i <= text.size(); i++) {
        char c = i < text.size() ? text[i] : ' ';
        if (c >= '0' && c <= '9') {
            value = value * 10 + (size_t)(c - '0');
            in_number = true;
            continue;
        }
        if (in_number) {
            if (range)
                for (size_t n = previous + 1; n <= value; n++)
                    out.insert(n);
            out.insert(value);
            previous = value;
            range = false;
            in_number = false;
            value = 0;
        }
        if (text.compare(i, 4, " to ") == 0)
            range = true;
    }
    return out;
}

} // namespace

TEST(CardBrand, EveryRangeEdgeAndNeighbour)
{
    for (const auto &c : kIinCases) {
        std::string number = number_for(c);
        EXPECT_EQ(identified(number), c.brand ? c.brand : "") << "prefix " << c.prefix;
        const card_brand_info *info = card_brand_identify(number.c_str());
        if (info != nullptr) {
            EXPECT_TRUE(card_brand_length_ok(info->brand, number.size()))
                << "prefix " << c.prefix << " length " << number.size();
        }
        EXPECT_EQ(card_brand_detect(number.c_str()), info ? info->brand : CARD_BRAND_UNKNOWN)
            << c.prefix;
    }
}

TEST(CardBrand, EveryBrandHasACase)
{
    std::set<std::string> seen;
    for (const auto &c : kIinCases)
        if (c.brand)
            seen.insert(c.brand);
    for (const auto &b : kBrandSpecs)
        EXPECT_TRUE(seen.count(b.name)) << b.name;
}

TEST(CardBrand, LongestPrefixWins)
{
    for (const auto &c : kLongestPrefixCases) {
        // The broader range alone names the loser…
        EXPECT_EQ(identified(c.loser_prefix), c.loser) << c.loser_prefix;
        // …and the longer IIN takes the number from it, at every length.
        for (size_t len = 12; len <= 19; len++) {
            if (len <= std::strlen(c.number_prefix))
                continue;
            EXPECT_EQ(identified(make_number(c.number_prefix, len)), c.winner)
                << c.number_prefix << " len " << len;
        }
    }
}

TEST(CardBrand, EqualLengthTieGoesToTheLibrarysEarlierBrand)
{
    // 506099 is both a Verve IIN and inside Maestro's 504176-506698, both six
    // digits: credit-card-type tests Verve first and keeps it.
    EXPECT_EQ(identified(make_number("506099", 16)), "verve");
    EXPECT_EQ(identified(make_number("507941", 19)), "verve");
    // Next to a Verve IIN, Maestro's range is alone.
    EXPECT_EQ(identified(make_number("507940", 16)), "maestro");
}

TEST(CardBrand, InfoPerBrand)
{
    std::set<std::string> names;
    for (const auto &b : kBrandSpecs) {
        SCOPED_TRACE(b.name);
        card_brand brand = card_brand_from_name(b.name);
        ASSERT_NE(brand, CARD_BRAND_UNKNOWN);
        const card_brand_info *info = card_brand_info_of(brand);
        ASSERT_NE(info, nullptr);
        EXPECT_EQ(info->brand, brand);
        EXPECT_STREQ(info->name, b.name);
        EXPECT_STREQ(card_brand_name(brand), b.name);
        EXPECT_STREQ(info->display_name, b.display_name);
        EXPECT_EQ(lengths_of(info), b.lengths);
        EXPECT_EQ(lengths_in_text(info->lengths_text), b.lengths) << info->lengths_text;
        EXPECT_STREQ(card_brand_lengths_text(brand), info->lengths_text);
        EXPECT_EQ((size_t)info->code_length, b.code_length);
        EXPECT_EQ((size_t)card_brand_cvc_length(brand), b.code_length);
        EXPECT_EQ(info->code_optional != 0, b.code_optional);
        EXPECT_EQ(card_brand_cvc_optional(brand) != 0, b.code_optional);
        EXPECT_STREQ(info->code_name, b.code_name);
        EXPECT_EQ(info->eci_family == CARD_ECI_MASTERCARD_FAMILY, b.mastercard_eci);
        EXPECT_STREQ(card_brand_eci(brand, 'Y'), b.mastercard_eci ? "02" : "05");
        EXPECT_TRUE(names.insert(info->name).second) << "duplicate name";
        for (size_t len = 0; len <= 25; len++)
            EXPECT_EQ(card_brand_length_ok(brand, len) != 0, b.lengths.count(len) == 1)
                << "len " << len;
    }
    // The table holds exactly these brands.
    EXPECT_EQ((size_t)CARD_BRAND_COUNT - 1, kBrandSpecs.size());
    EXPECT_EQ(card_brand_info_of(CARD_BRAND_UNKNOWN), nullptr);
    EXPECT_EQ(card_brand_info_of(CARD_BRAND_COUNT), nullptr);
    EXPECT_STREQ(card_brand_name(CARD_BRAND_UNKNOWN), "unknown");
    EXPECT_EQ(card_brand_from_name("american-express"), CARD_BRAND_UNKNOWN);
    EXPECT_EQ(card_brand_from_name(nullptr), CARD_BRAND_UNKNOWN);
    EXPECT_FALSE(card_brand_length_ok(CARD_BRAND_UNKNOWN, 16));
}

TEST(CardBrand, EveryIinOfASpecAllowsExactlyItsLengths)
{
    for (const auto &b : kBrandSpecs)
        for (const char *iin : b.iins)
            for (size_t len = 12; len <= 19; len++) {
                std::string number = make_number(iin, len);
                EXPECT_EQ(identified(number), b.name) << number;
                EXPECT_EQ(card_brand_length_ok(card_brand_detect(number.c_str()), len) != 0,
                          b.lengths.count(len) == 1)
                    << number;
            }
}

TEST(CardBrand, MethodsSamples)
{
    for (const auto &s : kMethodsSamples) {
        const card_brand_info *info = card_brand_identify(s.number);
        ASSERT_NE(info, nullptr) << s.number;
        EXPECT_STREQ(info->name, s.brand) << s.number;
        EXPECT_TRUE(card_brand_length_ok(info->brand, std::strlen(s.number))) << s.number;
        EXPECT_TRUE(passes_luhn(s.number)) << s.number;
    }
}

TEST(CardBrand, ShortAndOddInput)
{
    EXPECT_EQ(card_brand_identify(nullptr), nullptr);
    EXPECT_EQ(card_brand_identify(""), nullptr);
    EXPECT_EQ(card_brand_identify("x4"), nullptr);
    EXPECT_EQ(card_brand_detect(nullptr), CARD_BRAND_UNKNOWN);
    // Only leading digits count: a range needs all of its digits there.
    EXPECT_EQ(identified("4"), "visa");
    EXPECT_EQ(identified("4x"), "visa");
    EXPECT_EQ(identified("60"), "maestro");
    EXPECT_EQ(identified("601"), "maestro");
    EXPECT_EQ(identified("6011"), "discover");
    EXPECT_EQ(identified("60-11"), "maestro");
    EXPECT_EQ(identified("2"), "");
    EXPECT_EQ(identified("2200"), "mir");
    // Hiper's eight-digit IIN needs eight digits; seven leave Maestro's 63.
    EXPECT_EQ(identified("6373742"), "maestro");
    EXPECT_EQ(identified("63737423"), "hiper");
    // Digits beyond the longest IIN do not change the answer.
    EXPECT_EQ(identified("63737423999999999999999"), "hiper");
}
