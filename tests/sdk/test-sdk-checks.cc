// Settings reads, the shared "mode" check, required parameters, the
// constant-time compare, fixture macros and the small string helpers.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include <tender/sdk.h>

namespace
{

// A host whose settings are a map; a value "#int:N" is an integer, "#bool:1"
// a boolean, anything else a string.
struct FakeHost {
    tender_host_services services;
    std::map<std::string, std::string> settings;
    int64_t now = 1767225600000;
};

FakeHost *host_of(const tender_host_services *s)
{
    return static_cast<FakeHost *>(s->host_data);
}

int fake_string(const tender_host_services *s, const char *, const char *key, char *out,
                size_t out_size)
{
    auto &m = host_of(s)->settings;
    auto it = m.find(key);
    if (it == m.end())
        return 0;
    if (it->second.rfind("#", 0) == 0 || it->second.size() + 1 > out_size)
        return -1;
    std::strcpy(out, it->second.c_str());
    return 1;
}

int fake_int64(const tender_host_services *s, const char *, const char *key, int64_t *out)
{
    auto &m = host_of(s)->settings;
    auto it = m.find(key);
    if (it == m.end())
        return 0;
    if (it->second.rfind("#int:", 0) != 0)
        return -1;
    *out = std::stoll(it->second.substr(5));
    return 1;
}

int fake_bool(const tender_host_services *s, const char *, const char *key, int *out)
{
    auto &m = host_of(s)->settings;
    auto it = m.find(key);
    if (it == m.end())
        return 0;
    if (it->second.rfind("#bool:", 0) != 0)
        return -1;
    *out = it->second[6] == '1';
    return 1;
}

int64_t fake_now(const tender_host_services *s)
{
    return host_of(s)->now;
}

void fake_log(const tender_host_services *, tender_log_level, const char *, const char *) {}
void fake_random(const tender_host_services *, void *buf, size_t len)
{
    std::memset(buf, 4, len);
}

struct Host : FakeHost {
    Host()
    {
        services = {sizeof(tender_host_services),
                    1,
                    1,
                    this,
                    fake_log,
                    fake_now,
                    fake_random,
                    fake_string,
                    fake_int64,
                    fake_bool};
    }
};

} // namespace

TEST(SdkSettings, TypedReadsWithFallbacksAndNamedErrors)
{
    Host h;
    h.settings = {{"name", "shop"}, {"limit", "#int:42"}, {"flag", "#bool:1"}, {"wrong", "#int:1"}};
    char out[8], err[128] = "";
    EXPECT_EQ(
        tender_setting_string(&h.services, "m", "name", "dflt", out, sizeof out, err, sizeof err),
        1);
    EXPECT_STREQ(out, "shop");
    EXPECT_EQ(
        tender_setting_string(&h.services, "m", "absent", "dflt", out, sizeof out, err, sizeof err),
        0);
    EXPECT_STREQ(out, "dflt");
    EXPECT_EQ(
        tender_setting_string(&h.services, "m", "wrong", "dflt", out, sizeof out, err, sizeof err),
        -1);
    EXPECT_STREQ(out, "dflt");
    EXPECT_NE(std::string(err).find("\"wrong\""), std::string::npos) << err;
    EXPECT_NE(std::string(err).find("7 bytes"), std::string::npos) << err;

    int64_t n = 0;
    EXPECT_EQ(tender_setting_int64(&h.services, "m", "limit", 5, &n, err, sizeof err), 1);
    EXPECT_EQ(n, 42);
    EXPECT_EQ(tender_setting_int64(&h.services, "m", "nope", 5, &n, err, sizeof err), 0);
    EXPECT_EQ(n, 5);
    EXPECT_EQ(tender_setting_int64(&h.services, "m", "name", 5, &n, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("integer"), std::string::npos) << err;

    int b = 0;
    EXPECT_EQ(tender_setting_bool(&h.services, "m", "flag", 0, &b, err, sizeof err), 1);
    EXPECT_EQ(b, 1);
    EXPECT_EQ(tender_setting_bool(&h.services, "m", "name", 0, &b, err, sizeof err), -1);
    EXPECT_NE(std::string(err).find("true or false"), std::string::npos) << err;
}

TEST(SdkSettings, ModeMustBeSandbox)
{
    Host h;
    char err[256] = "";
    EXPECT_EQ(tender_setting_require_sandbox(&h.services, "m", "demo", err, sizeof err), 0);
    h.settings["mode"] = "sandbox";
    EXPECT_EQ(tender_setting_require_sandbox(&h.services, "m", "demo", err, sizeof err), 0);
    for (const char *bad : {"live", "", "Sandbox"}) {
        h.settings["mode"] = bad;
        err[0] = '\0';
        EXPECT_EQ(tender_setting_require_sandbox(&h.services, "m", "demo", err, sizeof err), -1);
        EXPECT_NE(std::string(err).find("mode"), std::string::npos) << err;
        EXPECT_NE(std::string(err).find("sandbox"), std::string::npos) << err;
        EXPECT_EQ(std::string(err).rfind("demo: ", 0), 0u) << err;
    }
    h.settings["mode"] = "#int:1";
    EXPECT_EQ(tender_setting_require_sandbox(&h.services, "m", "demo", err, sizeof err), -1);
}

TEST(SdkSettings, ServicesAndClock)
{
    Host h;
    EXPECT_TRUE(tender_host_services_complete(&h.services));
    EXPECT_EQ(tender_now_ms(&h.services), h.now);
    tender_host_services shorter = h.services;
    shorter.struct_size = offsetof(tender_host_services, config_bool);
    EXPECT_FALSE(tender_host_services_complete(&shorter));
    shorter = h.services;
    shorter.now_ms = nullptr;
    EXPECT_FALSE(tender_host_services_complete(&shorter));
    EXPECT_EQ(tender_now_ms(&shorter), 0);
    EXPECT_FALSE(tender_host_services_complete(nullptr));
    // A host without a settings service reads every key as absent.
    shorter = h.services;
    shorter.config_string = nullptr;
    char out[8], err[64];
    EXPECT_EQ(tender_setting_string(&shorter, "m", "name", "x", out, sizeof out, err, sizeof err),
              0);
    EXPECT_STREQ(out, "x");
}

TEST(SdkRequiredParams, FollowTheSpecsFlags)
{
    static const tender_param_spec specs[] = {
        {sizeof(tender_param_spec), "number", TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE,
         "the card number"},
        {sizeof(tender_param_spec), "note", 0, "anything"},
        {sizeof(tender_param_spec), "wmid", TENDER_PARAM_REQUIRED, "12 digits"},
    };
    tender_param params[] = {{"number", "4242"}, {"wmid", ""}};
    tender_request req{};
    req.struct_size = sizeof req;
    req.params = params;
    req.n_params = 1;
    EXPECT_STREQ(tender_missing_required_param(specs, 3, &req), "wmid");
    req.n_params = 2; // present but empty counts as missing
    EXPECT_STREQ(tender_missing_required_param(specs, 3, &req), "wmid");
    params[1].value = "123456789012";
    EXPECT_EQ(tender_missing_required_param(specs, 3, &req), nullptr);
    req.n_params = 0;
    EXPECT_STREQ(tender_missing_required_param(specs, 3, &req), "number");

    tender_result res{};
    res.struct_size = sizeof res;
    EXPECT_EQ(tender_check_required_params(specs, 3, &req, "E01", &res), 0);
    EXPECT_EQ(res.outcome, (uint32_t)TENDER_OUTCOME_DECLINED);
    EXPECT_EQ(res.decline_code, (uint32_t)TENDER_DECLINE_INVALID_REQUEST);
    EXPECT_STREQ(res.raw_code, "E01");
    EXPECT_STREQ(res.message, "number is required: the card number");
    tender_result untouched{};
    req.n_params = 2;
    EXPECT_EQ(tender_check_required_params(specs, 3, &req, "E01", &untouched), 1);
    EXPECT_EQ(untouched.outcome, 0u);
}

TEST(SdkSecure, EqualOnlyForTheSameBytesAndLength)
{
    EXPECT_TRUE(tender_secure_streq("abc", "abc"));
    EXPECT_TRUE(tender_secure_streq("", ""));
    EXPECT_FALSE(tender_secure_streq("abc", "abd"));
    EXPECT_FALSE(tender_secure_streq("abc", "ab"));
    EXPECT_FALSE(tender_secure_streq("ab", "abc"));
    // A prefix repeated does not fool the modulo walk.
    EXPECT_FALSE(tender_secure_streq("abab", "ab"));
    EXPECT_FALSE(tender_secure_streq("", "a"));
    EXPECT_FALSE(tender_secure_streq(nullptr, "a"));
    EXPECT_FALSE(tender_secure_streq(nullptr, nullptr));
    const unsigned char a[] = {0, 1, 2, 0}, b[] = {0, 1, 2, 1};
    EXPECT_TRUE(tender_secure_equal(a, 3, b, 3));
    EXPECT_FALSE(tender_secure_equal(a, 4, b, 4));
}

namespace
{
const tender_param fx_params[] = {{"number", "4242424242424242"}, {"cvc", "737"}};
const tender_param fx_code[] = {{"otp", "123456"}};
const tender_fixture fx_table[] = {
    TENDER_FIXTURE("approved", "US", "USD", "10.00", "", fx_params, TENDER_OUTCOME_APPROVED,
                   TENDER_DECLINE_NONE),
    TENDER_FIXTURE_COMPLETE("challenge", "US", "USD", "10.00", "", fx_params, fx_code,
                            TENDER_OUTCOME_APPROVED),
    TENDER_FIXTURE_EVENT("paid", "CN", "CNY", "1.00", "", fx_code, "paid", TENDER_OUTCOME_APPROVED),
};
TENDER_FIXTURES_FUNCTION(fx_function, fx_table)
} // namespace

TEST(SdkFixtures, MacrosCountTheirArrays)
{
    size_t n = 0;
    const tender_fixture *f = fx_function(&n);
    ASSERT_EQ(n, 3u);
    EXPECT_EQ(f[0].struct_size, sizeof(tender_fixture));
    EXPECT_EQ(f[0].n_params, 2u);
    EXPECT_EQ(f[0].expect_outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(f[0].complete_params, nullptr);
    EXPECT_EQ(f[1].expect_outcome, (uint32_t)TENDER_OUTCOME_ACTION_REQUIRED);
    EXPECT_EQ(f[1].n_complete_params, 1u);
    EXPECT_EQ(f[1].sandbox_event, nullptr);
    EXPECT_EQ(f[1].expect_after_action, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_STREQ(f[2].sandbox_event, "paid");
    EXPECT_EQ(f[2].n_complete_params, 0u);
    EXPECT_STREQ(f[2].region, "CN");
}

TEST(SdkDeclineMap, ExactMatchElseFallback)
{
    static const tender_decline_map map[] = {
        {"51", TENDER_DECLINE_INSUFFICIENT_FUNDS},
        {"ACQ.TRADE_HAS_CLOSE", TENDER_DECLINE_OPERATION_NOT_ALLOWED},
    };
    EXPECT_EQ(tender_decline_for_raw(map, 2, "51", TENDER_DECLINE_DO_NOT_HONOR),
              TENDER_DECLINE_INSUFFICIENT_FUNDS);
    EXPECT_EQ(tender_decline_for_raw(map, 2, "ACQ.TRADE_HAS_CLOSE", TENDER_DECLINE_DO_NOT_HONOR),
              TENDER_DECLINE_OPERATION_NOT_ALLOWED);
    EXPECT_EQ(tender_decline_for_raw(map, 2, "acq.trade_has_close", TENDER_DECLINE_DO_NOT_HONOR),
              TENDER_DECLINE_DO_NOT_HONOR);
    EXPECT_EQ(tender_decline_for_raw(map, 2, "5", TENDER_DECLINE_PROCESSING_ERROR),
              TENDER_DECLINE_PROCESSING_ERROR);
    EXPECT_EQ(tender_decline_for_raw(map, 2, nullptr, TENDER_DECLINE_DO_NOT_HONOR),
              TENDER_DECLINE_DO_NOT_HONOR);
}

namespace {
const tender_method one_method = {sizeof(tender_method), "giftcard", "Gift card"};
} // namespace

TENDER_PLUGIN_DEFINE_ONE_METHOD("giftcard", "Gift cards", "2.1.0", "one line", one_method)

TEST(SdkDescriptor, OneMethodMacroFillsTheDescriptorAndTheEntry)
{
    const tender_plugin_descriptor *d = tender_plugin_entry(TENDER_ABI_MAJOR, 0, nullptr);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->struct_size, sizeof(tender_plugin_descriptor));
    EXPECT_EQ(d->abi_major, (uint32_t)TENDER_ABI_MAJOR);
    EXPECT_EQ(d->abi_minor, (uint32_t)TENDER_ABI_MINOR);
    EXPECT_STREQ(d->id, "giftcard");
    EXPECT_STREQ(d->name, "Gift cards");
    EXPECT_STREQ(d->version, "2.1.0");
    EXPECT_STREQ(d->description, "one line");
    ASSERT_EQ(d->n_methods, 1u);
    EXPECT_EQ(d->methods[0], &one_method);
    EXPECT_EQ(tender_plugin_entry(TENDER_ABI_MAJOR + 1, 0, nullptr), nullptr);
}
