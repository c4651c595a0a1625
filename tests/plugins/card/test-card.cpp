// Direct tests of the card plugin (through the plugin harness): facts,
// settings, every local check of METHODS.md (brand, length, Luhn, expiry,
// security code) and the fixtures' shape. The test host lends no http
// service with a network (its http slot answers NOT_SENT), so a card that
// passes every local check ends NOT_SENT: it went to the host's http
// service, and nothing left the machine. What the gateway answers is
// tested through a host in test-card-gateway.cpp and test-card-sandbox.cpp.
#include "test-card-support.h"

#include <cstring>
#include <set>

#include <tender/decline.h>

// ---- facts -----------------------------------------------------------------

TEST_F(CardTest, DescriptorFacts)
{
    const tender_plugin_descriptor *d = plugin->descriptor;
    EXPECT_STREQ(d->id, "card");
    EXPECT_EQ(d->abi_major, (guint32)TENDER_ABI_MAJOR);
    ASSERT_EQ(d->n_methods, 1u);
    const tender_method *m = plugin->method;
    EXPECT_STREQ(m->id, "card");
    EXPECT_STREQ(m->name, "Bank card");
    EXPECT_STREQ(m->regions[0], "*");
    EXPECT_EQ(m->regions[1], nullptr);
    guint64 caps = TENDER_CAP_AUTHORIZE | TENDER_CAP_PURCHASE | TENDER_CAP_CAPTURE |
                   TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_MULTI_CAPTURE | TENDER_CAP_VOID |
                   TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND | TENDER_CAP_SYNC |
                   TENDER_CAP_COMPLETE_ACTION | TENDER_CAP_NOTIFICATION |
                   TENDER_CAP_THREAD_SAFE | TENDER_CAP_STEP_UP;
    EXPECT_EQ(m->capabilities, caps);
    EXPECT_EQ(m->hold_seconds, 7 * 86400);
    EXPECT_EQ(m->action_timeout_seconds, 15 * 60);
    EXPECT_EQ(m->over_capture_bps, 0u);
    EXPECT_EQ(m->tiers, nullptr);

    std::set<std::string> codes;
    for (size_t i = 0; i < m->n_currencies; i++) {
        EXPECT_EQ(m->currencies[i].struct_size, sizeof(tender_currency_fact));
        EXPECT_EQ(m->currencies[i].exponent, -1) << m->currencies[i].code;
        EXPECT_EQ(m->currencies[i].min_amount, 0);
        EXPECT_EQ(m->currencies[i].max_amount, 0);
        EXPECT_EQ(m->currencies[i].home_region, nullptr);
        EXPECT_TRUE(codes.insert(m->currencies[i].code).second) << "duplicate";
    }
    for (const char *c : {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK",
                          "DKK", "PLN", "CZK", "HUF", "CNY", "HKD", "SGD", "KRW", "INR", "BRL",
                          "MXN", "ZAR", "TRY", "AED", "SAR", "ILS", "THB", "MYR", "PHP", "IDR",
                          "RUB", "KZT", "KWD", "BHD", "JOD"})
        EXPECT_TRUE(codes.count(c)) << c;

    auto flags_of = [&](const tender_param_spec *specs, size_t n, const char *name) -> int {
        for (size_t i = 0; i < n; i++)
            if (std::strcmp(specs[i].name, name) == 0)
                return (int)specs[i].flags;
        return -1;
    };
    EXPECT_EQ(m->n_params, 5u);
    EXPECT_EQ(flags_of(m->params, m->n_params, "number"),
              TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE);
    EXPECT_EQ(flags_of(m->params, m->n_params, "exp_month"), TENDER_PARAM_REQUIRED);
    EXPECT_EQ(flags_of(m->params, m->n_params, "exp_year"), TENDER_PARAM_REQUIRED);
    EXPECT_EQ(flags_of(m->params, m->n_params, "cvc"), TENDER_PARAM_SENSITIVE);
    EXPECT_EQ(flags_of(m->params, m->n_params, "holder"), 0);
    // The payer authenticates on the gateway's page; in sandbox mode the
    // code may be given to complete, which submits it to that page.
    EXPECT_EQ(m->n_action_params, 1u);
    EXPECT_EQ(flags_of(m->action_params, m->n_action_params, "otp"), TENDER_PARAM_SENSITIVE);

    const tender_method_ops *ops = m->ops;
    EXPECT_EQ(ops->struct_size, sizeof(tender_method_ops));
    EXPECT_NE(ops->authorize, nullptr);
    EXPECT_NE(ops->purchase, nullptr);
    EXPECT_NE(ops->capture, nullptr);
    EXPECT_NE(ops->void_payment, nullptr);
    EXPECT_NE(ops->refund, nullptr);
    EXPECT_NE(ops->sync, nullptr);
    EXPECT_NE(ops->complete_action, nullptr);
    EXPECT_NE(ops->identify_notification, nullptr);
    EXPECT_NE(ops->notification, nullptr);
    EXPECT_NE(ops->sandbox_fixtures, nullptr);
    EXPECT_EQ(ops->sandbox_notification, nullptr);
}

// ---- settings --------------------------------------------------------------

TEST_F(CardTest, SettingsNeedAWellShapedSecretKey)
{
    std::string err = load_error({});
    EXPECT_NE(err.find("secret_key"), std::string::npos) << err;
    for (const char *bad : {"", "pk_test_abc", "sk_test_", "sk_test_a b", "sk_other_abc"}) {
        err = load_error({"secret_key", bad});
        EXPECT_NE(err.find("secret_key"), std::string::npos) << bad << ": " << err;
    }
    EXPECT_EQ(load_error({"secret_key", kHarnessKey}), "");
}

TEST_F(CardTest, SettingsModeMatchesTheKey)
{
    EXPECT_EQ(load_error({"secret_key", kHarnessKey, "mode", "sandbox"}), "");
    EXPECT_EQ(load_error({"secret_key", "sk_live_harness123", "mode", "live"}), "");
    std::string err = load_error({"secret_key", "sk_live_harness123", "mode", "sandbox"});
    EXPECT_NE(err.find("secret_key"), std::string::npos) << err;
    EXPECT_EQ(err.find("harness123"), std::string::npos) << "the key is never shown: " << err;
    err = load_error({"secret_key", kHarnessKey, "mode", "live"});
    EXPECT_NE(err.find("mode"), std::string::npos) << err;
    err = load_error({"secret_key", kHarnessKey, "mode", "production"});
    EXPECT_NE(err.find("mode"), std::string::npos) << err;
}

TEST_F(CardTest, SettingsWrongTypesFail)
{
    std::string err = load_error({"secret_key", kHarnessKey, "unionpay_luhn_exempt", "maybe"});
    EXPECT_NE(err.find("unionpay_luhn_exempt"), std::string::npos) << err;
    err = load_error({"secret_key", kHarnessKey, "endpoint", "ftp://example.com"});
    EXPECT_NE(err.find("endpoint"), std::string::npos) << err;
    err = load_error({"secret_key", kHarnessKey, "webhook_secret", "plain"});
    EXPECT_NE(err.find("webhook_secret"), std::string::npos) << err;
    EXPECT_EQ(err.find("plain"), std::string::npos) << err;
}

TEST_F(CardTest, SettingsUnknownKeysIgnored)
{
    EXPECT_EQ(load_error({"secret_key", kHarnessKey, "colour", "blue", "limits", "42"}), "");
}

TEST_F(CardTest, CreateLogsNoSecretsAndUsesHostLog)
{
    EXPECT_TRUE(test_plugin_logs_contain(plugin, "card gateway client ready"));
    EXPECT_TRUE(test_plugin_logs_contain(plugin, "https://api.stripe.com"))
        << "with no endpoint, the gateway's documented default";
    EXPECT_FALSE(test_plugin_logs_contain(plugin, kHarnessKey));
}

TEST_F(CardTest, AValidCardGoesToTheHostsHttpService)
{
    // The test host's http service has no network and answers NOT_SENT:
    // the card passed the local checks and was handed to it.
    tender_result *r = pay(card("4242424242424242"));
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_NOT_SENT) << r->message;
    EXPECT_NE(std::strstr(r->message, "not sent"), nullptr) << r->message;
    // The display data of a card that passed the local checks is kept.
    EXPECT_STREQ(r->display_brand, "visa");
    EXPECT_STREQ(r->display_last4, "4242");
}

// ---- brands ----------------------------------------------------------------

struct BrandCase {
    const char *number;
    const char *brand;
    const char *cvc;
    const char *country;
};

TEST_F(CardTest, BrandSamplesApproveWithDisplayData)
{
    const BrandCase cases[] = {
        {"4242424242424242", "visa", "737", "US"},
        {"5555555555554444", "mastercard", "737", "US"},
        {"2223003122003222", "mastercard", "737", "DE"},
        {"378282246310005", "amex", "7373", "US"},
        {"6011111111111117", "discover", "737", "US"},
        {"3566002020360505", "jcb", "737", "JP"},
        {"36227206271667", "diners", "737", "US"},
        {"6200000000000005", "unionpay", "737", "CN"},
        {"6205500000000000004", "unionpay", "737", "CN"},
        {"2200000000000004", "mir", "737", "RU"},
    };
    for (const auto &c : cases) {
        tender_result *r = pay(card(c.number, c.cvc));
        EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed) << c.number << " " << r->message;
        EXPECT_STREQ(r->raw_code, "not_sent");
        EXPECT_STREQ(r->display_brand, c.brand) << c.number;
        EXPECT_EQ(std::string(r->display_first6), std::string(c.number, 6));
        EXPECT_EQ(std::string(r->display_last4), std::string(c.number + std::strlen(c.number) - 4));
        EXPECT_STREQ(r->display_country, c.country) << c.number;
        EXPECT_EQ(r->decline_code, 0u);
    }
}

TEST_F(CardTest, UnknownBinHasNoCountry)
{
    tender_result *r = pay(card("4111111111111111"));
    EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed);
    EXPECT_STREQ(r->display_country, "");
    r = pay(card(make_number("410000", 16)));
    EXPECT_STREQ(r->display_country, "US");
    r = pay(card(make_number("676770", 16), ""));
    EXPECT_STREQ(r->display_country, "GB");
}

// True when the plugin's own checks let the card through (it would have
// gone to the gateway).
static bool passed_validation(const tender_result *r)
{
    return r->outcome == kLocalChecksPassed;
}

// Every range of the IIN table at both ends, its neighbours outside, and the
// longest-prefix rule (test-card-numbers.cpp lists the cases): a number
// takes the brand of the most specific range holding it, or is refused as
// invalid_number when no range does.
TEST_F(CardTest, IinTableEdgesAndNeighbours)
{
    for (const auto &c : kIinCases) {
        std::string number = number_for(c);
        tender_result *r = pay(card(number, code_for(c.brand)));
        if (c.brand) {
            EXPECT_TRUE(passed_validation(r)) << c.prefix << ": " << r->message;
            EXPECT_STREQ(r->display_brand, c.brand) << c.prefix;
        } else {
            EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED) << c.prefix;
            EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER) << c.prefix;
            EXPECT_STREQ(r->raw_code, "14") << c.prefix;
            EXPECT_NE(std::strstr(r->message, "no supported brand"), nullptr) << r->message;
            EXPECT_STREQ(r->display_brand, "") << c.prefix;
        }
    }
}

TEST_F(CardTest, LongestPrefixWinsThroughValidation)
{
    for (const auto &c : kLongestPrefixCases) {
        tender_result *r = pay(card(make_number(c.number_prefix, 16), code_for(c.winner)));
        EXPECT_TRUE(passed_validation(r)) << c.number_prefix << ": " << r->message;
        EXPECT_STREQ(r->display_brand, c.winner) << c.number_prefix;
    }
}

// ---- lengths ---------------------------------------------------------------

// Every length from 12 to 19 for every kind of range of every brand: the
// brand's lengths pass, the others are invalid_number with a message naming
// the brand, its lengths and the length given.
TEST_F(CardTest, LengthsPerBrand)
{
    for (const auto &b : kBrandSpecs) {
        for (const char *iin : b.iins) {
            for (size_t len = 12; len <= 19; len++) {
                if (len <= std::strlen(iin))
                    continue;
                std::string number = make_number(iin, len);
                tender_result *r = pay(card(number, code_for(b.name)));
                if (b.lengths.count(len)) {
                    EXPECT_TRUE(passed_validation(r)) << number << ": " << r->message;
                    EXPECT_STREQ(r->display_brand, b.name) << number;
                } else {
                    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER) << number;
                    EXPECT_STREQ(r->raw_code, "14");
                    std::string message = r->message;
                    EXPECT_EQ(message.rfind("number: ", 0), 0u) << message;
                    EXPECT_NE(message.find(b.display_name), std::string::npos) << message;
                    EXPECT_NE(message.find("not " + std::to_string(len)), std::string::npos)
                        << message;
                    // The message never carries the number itself.
                    EXPECT_EQ(message.find(number), std::string::npos) << message;
                }
            }
        }
    }
    // Fewer than 12 or more than 19 digits is never a card number.
    EXPECT_EQ(pay(card(make_number("50", 11)))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_NUMBER);
    EXPECT_EQ(pay(card(make_number("4", 20)))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_NUMBER);
}

TEST_F(CardTest, LengthMessageListsTheBrandsLengths)
{
    tender_result *r = pay(card(make_number("41", 13)));
    EXPECT_STREQ(r->message, "number: Visa card numbers have 16, 18 or 19 digits, not 13");
    r = pay(card(make_number("37", 16), "7373"));
    EXPECT_STREQ(r->message, "number: American Express card numbers have 15 digits, not 16");
    r = pay(card(make_number("36", 15)));
    EXPECT_STREQ(r->message, "number: Diners Club card numbers have 14, 16 or 19 digits, not 15");
}

// ---- number format and Luhn --------------------------------------------------

TEST_F(CardTest, LuhnFailureIsInvalidNumber)
{
    tender_result *r = pay(card("4242424242424241"));
    EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
    EXPECT_STREQ(r->raw_code, "14");
    EXPECT_NE(std::strstr(r->message, "number"), nullptr);
    EXPECT_NE(std::strstr(r->message, "Luhn"), nullptr);
    // Every other brand is Luhn-checked too (UnionPay: see below).
    for (const auto &b : kBrandSpecs) {
        if (std::strcmp(b.name, "unionpay") == 0)
            continue;
        for (const char *iin : b.iins) {
            std::string bad = make_number(iin, *b.lengths.begin(), false);
            tender_result *r = pay(card(bad, code_for(b.name)));
            EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER) << bad;
            EXPECT_NE(std::strstr(r->message, "Luhn"), nullptr) << bad << ": " << r->message;
        }
    }
}

TEST_F(CardTest, UnionPayLuhnExemptionSwitch)
{
    std::string bad16 = make_number("62", 16, false);
    std::string bad19 = make_number("81", 19, false);
    // Default: exempt.
    EXPECT_EQ(pay(card(bad16))->outcome, (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card(bad19))->outcome, (guint32)kLocalChecksPassed);
    load({"unionpay_luhn_exempt", "true"});
    EXPECT_EQ(pay(card(bad16))->outcome, (guint32)kLocalChecksPassed);
    load({"unionpay_luhn_exempt", "false"});
    EXPECT_EQ(pay(card(bad16))->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
    EXPECT_EQ(pay(card(bad19))->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
    // Valid UnionPay numbers pass either way; other brands are never exempt.
    EXPECT_EQ(pay(card("6200000000000005"))->outcome, (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card("6205500000000000004"))->outcome, (guint32)kLocalChecksPassed);
    load({"unionpay_luhn_exempt", "true"});
    EXPECT_EQ(pay(card("4242424242424241"))->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
}

TEST_F(CardTest, SpacesAndDashesAreStripped)
{
    for (const char *n : {"4242 4242 4242 4242", "4242-4242-4242-4242", " 4242424242424242 ",
                          "3782-822463-10005"}) {
        tender_result *r = pay(card(n, std::strncmp(n, "378", 3) == 0 ? "7373" : "737"));
        EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed) << n << ": " << r->message;
    }
    tender_result *r = pay(card("4242 4242 4242 4242"));
    EXPECT_STREQ(r->display_first6, "424242");
    EXPECT_STREQ(r->display_last4, "4242");
}

TEST_F(CardTest, MalformedNumbers)
{
    for (const char *n : {"4242.4242.4242.4242", "4242x42424242424", "424242424242424a",
                          "+4242424242424242", "4242\t4242424242424242", "42424242424242424242"}) {
        tender_result *r = pay(card(n));
        EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED) << n;
        EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER) << n;
        EXPECT_NE(std::strstr(r->message, "number"), nullptr);
        EXPECT_STREQ(r->display_brand, "");
    }
    // Only separators: no digits at all.
    EXPECT_EQ(pay(card(" - - "))->decline_code, (guint32)TENDER_DECLINE_INVALID_NUMBER);
}

TEST_F(CardTest, MissingParametersAreInvalidRequest)
{
    struct {
        Params params;
        const char *name;
    } cases[] = {
        {card("", "737"), "number"},
        {card("4242424242424242", "737", "", "2030"), "exp_month"},
        {card("4242424242424242", "737", "12", ""), "exp_year"},
        {card("4242424242424242", ""), "cvc"},
        {{{"number", ""}, {"exp_month", "12"}, {"exp_year", "2030"}, {"cvc", "737"}}, "number"},
        {{{"number", "4242424242424242"}, {"exp_month", "12"}, {"exp_year", "2030"}, {"cvc", ""}},
         "cvc"},
    };
    for (auto &c : cases) {
        tender_result *r = pay(c.params);
        EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED) << c.name;
        EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_REQUEST) << c.name;
        EXPECT_NE(std::strstr(r->message, c.name), nullptr) << r->message;
    }
}

TEST_F(CardTest, UnknownParametersAreIgnored)
{
    Params p = card("4242424242424242");
    p.push_back({"colour", "blue"});
    EXPECT_EQ(pay(p)->outcome, (guint32)kLocalChecksPassed);
}

TEST_F(CardTest, HolderIsOptionalAndChecked)
{
    Params p = card("4242424242424242");
    p.push_back({"holder", "Jane Q. Public"});
    EXPECT_EQ(pay(p)->outcome, (guint32)kLocalChecksPassed);
    Params q = card("4242424242424242");
    q.push_back({"holder", std::string(101, 'x')});
    tender_result *r = pay(q);
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_NE(std::strstr(r->message, "holder"), nullptr);
    Params z = card("4242424242424242");
    z.push_back({"holder", "Jane\nDoe"});
    EXPECT_EQ(pay(z)->decline_code, (guint32)TENDER_DECLINE_INVALID_REQUEST);
}

TEST_F(CardTest, NonPositiveAmountIsInvalidAmount)
{
    EXPECT_EQ(pay(card("4242424242424242"), 0)->decline_code, (guint32)TENDER_DECLINE_INVALID_AMOUNT);
    EXPECT_EQ(pay(card("4242424242424242"), -5)->decline_code,
              (guint32)TENDER_DECLINE_INVALID_AMOUNT);
}

// ---- security code -----------------------------------------------------------

TEST_F(CardTest, SecurityCodeLengthPerBrand)
{
    struct {
        const char *number;
        const char *cvc;
        bool ok;
    } cases[] = {
        {"4242424242424242", "737", true},     {"4242424242424242", "7373", false},
        {"4242424242424242", "73", false},     {"4242424242424242", "7a7", false},
        {"378282246310005", "7373", true},     {"378282246310005", "737", false},
        {"378282246310005", "73737", false},   {"5555555555554444", "737", true},
        {"5555555555554444", "7373", false},   {"6011111111111117", "737", true},
        {"3566002020360505", "7373", false},   {"36227206271667", "737", true},
        {"6200000000000005", "73", false},     {"2200000000000004", "737", true},
    };
    for (const auto &c : cases) {
        tender_result *r = pay(card(c.number, c.cvc));
        if (c.ok) {
            EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed) << c.number << " " << c.cvc;
        } else {
            EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_SECURITY_CODE)
                << c.number << " " << c.cvc;
            EXPECT_NE(std::strstr(r->message, "cvc"), nullptr);
            EXPECT_STREQ(r->raw_code, "N7");
        }
    }
}

// Every brand: its code size passes, one digit more or less is
// invalid_security_code naming the brand and what it calls the code, and a
// missing code is invalid_request except for Maestro.
TEST_F(CardTest, SecurityCodeSizeOfEveryBrand)
{
    for (const auto &b : kBrandSpecs) {
        std::string number = make_number(b.iins[0], *b.lengths.begin());
        EXPECT_EQ(pay(card(number, code_of_length(b.code_length)))->outcome,
                  (guint32)kLocalChecksPassed)
            << number;
        for (size_t wrong : {b.code_length - 1, b.code_length + 1}) {
            tender_result *r = pay(card(number, code_of_length(wrong)));
            EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_SECURITY_CODE)
                << b.name << " " << wrong;
            EXPECT_NE(std::strstr(r->message, b.display_name), nullptr) << r->message;
            EXPECT_NE(std::strstr(r->message, b.code_name), nullptr) << r->message;
        }
        tender_result *r = pay(card(number, ""));
        if (b.code_optional) {
            EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed) << b.name;
        } else {
            EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_REQUEST) << b.name;
            EXPECT_NE(std::strstr(r->message, "cvc"), nullptr) << r->message;
        }
    }
}

TEST_F(CardTest, MaestroSecurityCodeOptional)
{
    std::string maestro = make_number("6759", 16);
    std::string maestro12 = make_number("50", 12);
    tender_result *r = pay(card(maestro, ""));
    EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed) << r->message;
    EXPECT_STREQ(r->display_brand, "maestro");
    EXPECT_EQ(pay(card(maestro12, ""))->outcome, (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card(maestro, "737"))->outcome, (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card(maestro, "73"))->decline_code, (guint32)TENDER_DECLINE_INVALID_SECURITY_CODE);
    EXPECT_EQ(pay(card(maestro, "7373"))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_SECURITY_CODE);
}

// ---- expiry ------------------------------------------------------------------

TEST_F(CardTest, ExpiryFormats)
{
    EXPECT_EQ(pay(card("4242424242424242", "737", "1", "2030"))->outcome,
              (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card("4242424242424242", "737", "01", "30"))->outcome,
              (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card("4242424242424242", "737", "12", "2030"))->outcome,
              (guint32)kLocalChecksPassed);
    for (auto my : std::vector<std::pair<std::string, std::string>>{
             {"0", "2030"}, {"13", "2030"}, {"00", "2030"}, {"1a", "2030"}, {"123", "2030"},
             {"-1", "2030"}, {"12", "203"}, {"12", "20301"}, {"12", "3"}, {"12", "year"},
             {"12", "20 30"}}) {
        tender_result *r = pay(card("4242424242424242", "737", my.first, my.second));
        EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_EXPIRY)
            << my.first << "/" << my.second;
        EXPECT_NE(std::strstr(r->message, "exp_"), nullptr) << r->message;
    }
}

TEST_F(CardTest, ExpiryThroughLastSecondOfMonthUtc)
{
    // Valid through 2026-03-31T23:59:59.999Z, not a millisecond later.
    plugin->now_ms = utc_ms(2026, 3, 31, 23, 59, 59, 0);
    EXPECT_EQ(pay(card("4242424242424242", "737", "03", "2026"))->outcome,
              (guint32)kLocalChecksPassed);
    plugin->now_ms = utc_ms(2026, 3, 31, 23, 59, 59, 999);
    EXPECT_EQ(pay(card("4242424242424242", "737", "03", "2026"))->outcome,
              (guint32)kLocalChecksPassed);
    plugin->now_ms = utc_ms(2026, 4, 1, 0, 0, 0, 0);
    tender_result *r = pay(card("4242424242424242", "737", "03", "2026"));
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    EXPECT_STREQ(r->raw_code, "54");
    // December rolls into the next year.
    plugin->now_ms = utc_ms(2026, 12, 31, 23, 59, 59, 0);
    EXPECT_EQ(pay(card("4242424242424242", "737", "12", "26"))->outcome,
              (guint32)kLocalChecksPassed);
    plugin->now_ms = utc_ms(2027, 1, 1, 0, 0, 0, 0);
    EXPECT_EQ(pay(card("4242424242424242", "737", "12", "26"))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    // Leap February ends on the 29th.
    plugin->now_ms = utc_ms(2028, 2, 29, 23, 59, 59, 0);
    EXPECT_EQ(pay(card("4242424242424242", "737", "02", "2028"))->outcome,
              (guint32)kLocalChecksPassed);
    plugin->now_ms = utc_ms(2028, 3, 1, 0, 0, 0, 0);
    EXPECT_EQ(pay(card("4242424242424242", "737", "02", "2028"))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
}

TEST_F(CardTest, ExpiryUsesHostClockNotSystemClock)
{
    // The harness clock says 2026-03-01: a card that expired in 02/2026 is
    // refused even though the system clock may say otherwise, and a clock
    // set back to 2020 accepts a 2021 expiry.
    EXPECT_EQ(pay(card("4242424242424242", "737", "02", "2026"))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    plugin->now_ms = utc_ms(2020, 6, 15);
    EXPECT_EQ(pay(card("4242424242424242", "737", "01", "2021"))->outcome,
              (guint32)kLocalChecksPassed);
}

TEST_F(CardTest, ExpiryAtMostTwentyYearsAhead)
{
    // Now is 2026: 2046 is the last acceptable year.
    EXPECT_EQ(pay(card("4242424242424242", "737", "12", "2046"))->outcome,
              (guint32)kLocalChecksPassed);
    tender_result *r = pay(card("4242424242424242", "737", "01", "2047"));
    EXPECT_EQ(r->decline_code, (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    EXPECT_NE(std::strstr(r->message, "exp_year"), nullptr);
    EXPECT_EQ(pay(card("4242424242424242", "737", "01", "2999"))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
    // Two digits mean 20YY: 46 is fine, 47 too far.
    EXPECT_EQ(pay(card("4242424242424242", "737", "12", "46"))->outcome,
              (guint32)kLocalChecksPassed);
    EXPECT_EQ(pay(card("4242424242424242", "737", "12", "47"))->decline_code,
              (guint32)TENDER_DECLINE_INVALID_EXPIRY);
}

// ---- fixtures ----------------------------------------------------------------

// Every fixture names a documented test number; those the plugin refuses by
// itself (a Luhn failure) decline here as declared, every other one passes
// the local checks and would go to the gateway (tests/conformance runs them
// against tender-sandbox).
TEST_F(CardTest, FixturesNameTheDocumentedTestNumbers)
{
    size_t n = 0;
    const tender_fixture *fx = plugin->method->ops->sandbox_fixtures(&n);
    ASSERT_GE(n, 13u + 8u);
    std::set<std::string> names, numbers;
    for (size_t i = 0; i < n; i++) {
        const tender_fixture &f = fx[i];
        EXPECT_EQ(f.struct_size, sizeof(tender_fixture));
        EXPECT_TRUE(names.insert(f.name).second) << f.name;
        EXPECT_STREQ(f.currency, "USD");
        EXPECT_EQ(f.sandbox_event, nullptr);
        if (f.expect_outcome == TENDER_OUTCOME_ACTION_REQUIRED) {
            ASSERT_EQ(f.n_complete_params, 1u) << f.name;
            EXPECT_STREQ(f.complete_params[0].key, "otp");
            EXPECT_STREQ(f.complete_params[0].value, "123456") << "tender-sandbox's code";
        }
        Params params;
        for (size_t k = 0; k < f.n_params; k++) {
            params.push_back({f.params[k].key, f.params[k].value});
            if (std::strcmp(f.params[k].key, "number") == 0)
                numbers.insert(f.params[k].value);
        }
        tender_result *r = pay(params, 1000);
        if (f.expect_outcome == TENDER_OUTCOME_DECLINED &&
            f.expect_decline == TENDER_DECLINE_INVALID_NUMBER) {
            EXPECT_EQ(r->outcome, (guint32)TENDER_OUTCOME_DECLINED) << f.name;
            EXPECT_EQ(r->decline_code, f.expect_decline) << f.name;
        } else {
            EXPECT_EQ(r->outcome, (guint32)kLocalChecksPassed) << f.name << ": " << r->message;
        }
    }
    // Every test number and brand sample of METHODS.md has its fixture.
    for (const char *num :
         {"4242424242424242", "4000000000000002", "4000000000009995", "4000000000009987",
          "4000000000009979", "4000000000000069", "4000000000000127", "4000000000000119",
          "4242424242424241", "4100000000000019", "4000000000003220", "4000008400001629",
          "4000000000003055", "5555555555554444", "2223003122003222", "378282246310005",
          "6011111111111117", "3566002020360505", "36227206271667", "6200000000000005",
          "6205500000000000004"})
        EXPECT_TRUE(numbers.count(num)) << num;
}
