#include "test-card-numbers.h"

#include <algorithm>
#include <cstring>

bool passes_luhn(const std::string &digits)
{
    int sum = 0;
    for (size_t i = 0; i < digits.size(); i++) {
        int d = digits[digits.size() - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

std::string make_number(const std::string &prefix, size_t length, bool luhn_ok)
{
    std::string body = prefix;
    while (body.size() < length - 1)
        body += '0';
    for (char c = '0'; c <= '9'; c++)
        if (passes_luhn(body + c) == luhn_ok)
            return body + c;
    return body + '0';
}

// Lengths and code sizes as credit-card-type gives them; Maestro's optional
// code is METHODS.md's. The old table allowed Visa 13 (not 18), Discover
// and Diners 17 and 18, and had no Elo, Hiper, Hipercard or Verve.
const std::vector<BrandSpec> kBrandSpecs = {
    {"visa", "Visa", {"41"}, {16, 18, 19}, 3, false, "CVV", false},
    {"mastercard", "Mastercard", {"51", "2221", "2720"}, {16}, 3, false, "CVC", true},
    {"amex", "American Express", {"34", "37"}, {15}, 4, false, "CID", false},
    {"diners", "Diners Club", {"300", "36", "39"}, {14, 16, 19}, 3, false, "CVV", false},
    {"discover", "Discover", {"6011", "644", "65"}, {16, 19}, 3, false, "CID", false},
    {"jcb", "JCB", {"2131", "1800", "3528"}, {16, 17, 18, 19}, 3, false, "CVV", false},
    {"unionpay",
     "UnionPay",
     {"620", "62184", "8110"},
     {14, 15, 16, 17, 18, 19},
     3,
     false,
     "CVN",
     false},
    {"maestro",
     "Maestro",
     {"50", "6759", "493698"},
     {12, 13, 14, 15, 16, 17, 18, 19},
     3,
     true,
     "CVC",
     true},
    {"mir", "Mir", {"2201"}, {16, 17, 18, 19}, 3, false, "CVP2", false},
    {"elo", "Elo", {"509000", "401178", "650031"}, {16}, 3, false, "CVE", false},
    {"hiper", "Hiper", {"637095", "63743358"}, {16}, 3, false, "CVC", false},
    {"hipercard", "Hipercard", {"606282"}, {16}, 3, false, "CVC", false},
    {"verve", "Verve", {"506099", "507941"}, {16, 18, 19}, 3, false, "CVV", false},
};

const BrandSpec *brand_spec(const std::string &name)
{
    for (const auto &b : kBrandSpecs)
        if (name == b.name)
            return &b;
    return nullptr;
}

// Each prefix is followed by zeros, so "2721" stands for 2721 0000 … and
// "62183" for 6218 3000 …; the comment names the range being probed.
const std::vector<IinCase> kIinCases = {
    // Visa 4, and the single IINs other brands hold inside it.
    {"4", "visa"},
    {"49", "visa"},
    {"401177", "visa"},
    {"401180", "visa"},
    {"457630", "visa"},
    {"457633", "visa"},
    {"493697", "visa"},
    {"493699", "visa"},

    // Mastercard 51-55 and 2221-2720.
    {"51", "mastercard"},
    {"55", "mastercard"},
    {"2221", "mastercard"},
    {"2229", "mastercard"},
    {"2230", "mastercard"},
    {"2300", "mastercard"},
    {"2699", "mastercard"},
    {"2719", "mastercard"},
    {"2720", "mastercard"},
    {"2220", nullptr},
    {"2721", nullptr},
    {"2799", nullptr},

    // American Express 34, 37.
    {"34", "amex"},
    {"37", "amex"},
    {"33", nullptr},
    {"35", nullptr},

    // Diners Club 300-305, 36, 38-39.
    {"300", "diners"},
    {"305", "diners"},
    {"306", nullptr},
    {"309", nullptr},
    {"36", "diners"},
    {"38", "diners"},
    {"39", "diners"},

    // Discover 6011, 644-649, 65.
    {"6011", "discover"},
    {"6010", "maestro"},
    {"6012", "maestro"},
    {"644", "discover"},
    {"649", "discover"},
    {"643", "maestro"},
    {"65", "discover"},
    {"650034", "discover"},
    {"650719", "discover"},
    {"655020", "discover"},
    {"655059", "discover"},
    {"659999", "discover"},
    {"66", "maestro"},

    // JCB 2131, 1800, 3528-3589.
    {"2131", "jcb"},
    {"2130", nullptr},
    {"2132", nullptr},
    {"1800", "jcb"},
    {"1799", nullptr},
    {"1801", nullptr},
    {"3528", "jcb"},
    {"3589", "jcb"},
    {"3527", nullptr},
    {"3590", nullptr},

    // UnionPay: 620, 62100-62182, 62184-62197, 622-626, 6270, 6272, 6276,
    // 627700-627779, 627781-627799, 6282-6289, 6291-6292, 810, 8110-8171.
    // The holes in 62 fall to Maestro's 6, those in 81 to no brand.
    {"62", "unionpay"},
    {"620", "unionpay"},
    {"62100", "unionpay"},
    {"62182", "unionpay"},
    {"62183", "maestro"},
    {"62184", "unionpay"},
    {"62197", "unionpay"},
    {"62198", "maestro"},
    {"62199", "maestro"},
    {"622", "unionpay"},
    {"622999", "unionpay"},
    {"626", "unionpay"},
    {"6270", "unionpay"},
    {"6271", "maestro"},
    {"6272", "unionpay"},
    {"6273", "maestro"},
    {"6275", "maestro"},
    {"6276", "unionpay"},
    {"627700", "unionpay"},
    {"627779", "unionpay"},
    {"627780", "elo"},
    {"627781", "unionpay"},
    {"627799", "unionpay"},
    {"6278", "maestro"},
    {"6281", "maestro"},
    {"6282", "unionpay"},
    {"6289", "unionpay"},
    {"6290", "maestro"},
    {"6291", "unionpay"},
    {"6292", "unionpay"},
    {"6293", "maestro"},
    {"810", "unionpay"},
    {"8109", "unionpay"},
    {"8110", "unionpay"},
    {"8171", "unionpay"},
    {"8172", nullptr},
    {"8199", nullptr},
    {"80", nullptr},
    {"82", nullptr},

    // Maestro: 493698, 500000-504174, 504176-506698, 506779-508999, 56-59,
    // 63, 67, and any other 6.
    {"493698", "maestro"},
    {"50", "maestro"},
    {"504174", "maestro"},
    {"504176", "maestro"},
    {"506098", "maestro"},
    {"506698", "maestro"},
    {"506779", "maestro"},
    {"508999", "maestro"},
    {"56", "maestro"},
    {"59", "maestro"},
    {"6", "maestro"},
    {"61", "maestro"},
    {"63", "maestro"},
    {"67", "maestro"},
    {"69", "maestro"},

    // Verve: every range and single IIN, and gaps between them (Maestro).
    {"506099", "verve"},
    {"506127", "verve"},
    {"506128", "maestro"},
    {"506129", "verve"},
    {"506130", "maestro"},
    {"506133", "verve"},
    {"506150", "verve"},
    {"506151", "maestro"},
    {"506158", "verve"},
    {"506163", "verve"},
    {"506166", "verve"},
    {"506168", "verve"},
    {"506170", "verve"},
    {"506173", "verve"},
    {"506176", "verve"},
    {"506180", "verve"},
    {"506184", "verve"},
    {"506187", "verve"},
    {"506188", "verve"},
    {"506191", "verve"},
    {"506195", "verve"},
    {"506197", "verve"},
    {"506198", "maestro"},
    {"507865", "verve"},
    {"507866", "verve"},
    {"507867", "maestro"},
    {"507868", "verve"},
    {"507877", "verve"},
    {"507880", "verve"},
    {"507888", "verve"},
    {"507889", "maestro"},
    {"507900", "verve"},
    {"507941", "verve"},
    {"507942", "maestro"},

    // Elo: single IINs and blocks.
    {"401178", "elo"},
    {"401179", "elo"},
    {"431274", "elo"},
    {"438935", "elo"},
    {"451416", "elo"},
    {"457393", "elo"},
    {"457631", "elo"},
    {"457632", "elo"},
    {"504175", "elo"},
    {"506699", "elo"},
    {"506778", "elo"},
    {"509000", "elo"},
    {"509999", "elo"},
    {"636297", "elo"},
    {"636368", "elo"},
    {"636296", "maestro"},
    {"650031", "elo"},
    {"650033", "elo"},
    {"650035", "elo"},
    {"650051", "elo"},
    {"650405", "elo"},
    {"650439", "elo"},
    {"650485", "elo"},
    {"650538", "elo"},
    {"650541", "elo"},
    {"650598", "elo"},
    {"650700", "elo"},
    {"650718", "elo"},
    {"650720", "elo"},
    {"650727", "elo"},
    {"650901", "elo"},
    {"650978", "elo"},
    {"651652", "elo"},
    {"651679", "elo"},
    {"655000", "elo"},
    {"655019", "elo"},
    {"655021", "elo"},
    {"655058", "elo"},

    // Mir 2200-2204.
    {"2200", "mir"},
    {"2204", "mir"},
    {"2199", nullptr},
    {"2205", nullptr},

    // Hiper: six- and eight-digit IINs inside Maestro's 63.
    {"637095", "hiper"},
    {"637568", "hiper"},
    {"637599", "hiper"},
    {"637609", "hiper"},
    {"637612", "hiper"},
    {"63737423", "hiper"},
    {"63743358", "hiper"},
    {"637094", "maestro"},
    {"63737422", "maestro"},
    {"63737424", "maestro"},
    {"63743357", "maestro"},

    // Hipercard 606282.
    {"606282", "hipercard"},
    {"606281", "maestro"},
    {"606283", "maestro"},

    // No brand at all.
    {"0", nullptr},
    {"1", nullptr},
    {"7", nullptr},
    {"9", nullptr},
};

std::string number_for(const IinCase &c)
{
    size_t length = 16;
    if (c.brand != nullptr)
        length = *brand_spec(c.brand)->lengths.begin();
    return make_number(c.prefix, std::max(length, std::strlen(c.prefix) + 1));
}

std::string code_of_length(size_t length)
{
    return std::string("46801357").substr(0, length);
}

std::string code_for(const char *brand_name)
{
    const BrandSpec *b = brand_name ? brand_spec(brand_name) : nullptr;
    return code_of_length(b ? b->code_length : 3);
}

const std::vector<LongestPrefixCase> kLongestPrefixCases = {
    {"6011", "discover", "6", "maestro"},
    {"644", "discover", "6", "maestro"},
    {"620", "unionpay", "6", "maestro"},
    {"650031", "elo", "65", "discover"},
    {"655058", "elo", "655", "discover"},
    {"627780", "elo", "6277", "maestro"},
    {"401178", "elo", "4", "visa"},
    {"493698", "maestro", "49369", "visa"},
    {"606282", "hipercard", "60628", "maestro"},
    {"636297", "elo", "63629", "maestro"},
    {"637095", "hiper", "63709", "maestro"},
    {"63743358", "hiper", "6374335", "maestro"},
};

const std::vector<SampleNumber> kMethodsSamples = {
    {"5555555555554444", "mastercard"}, {"2223003122003222", "mastercard"},
    {"378282246310005", "amex"},        {"6011111111111117", "discover"},
    {"3566002020360505", "jcb"},        {"36227206271667", "diners"},
    {"6200000000000005", "unionpay"},   {"6205500000000000004", "unionpay"},
};
