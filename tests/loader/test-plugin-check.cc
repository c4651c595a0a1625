/* The public "plugins without a host" API of tender.h, through nothing but
 * <tender/tender.h>: the loader's verdict on a descriptor and on a file, the
 * size-checked slot lookups, the fixtures and the redaction rule, as the
 * conformance kit, the test host and plugin authors use them. */
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include <sys/stat.h>

#include <glib/gstdio.h>

#include <tender/tender.h>

namespace {

void authorize(void *, const tender_request *, tender_result *) {}
void capture(void *, const tender_request *, tender_result *) {}
void sandbox(void *, const tender_request *, const char *, tender_result *) {}
int create(const tender_host_services *, const char *, void **instance, char *, size_t)
{
    *instance = nullptr;
    return 0;
}
void destroy(void *) {}

const tender_fixture fixture_table[] = {
    {sizeof(tender_fixture), "approve", "US", "USD", "10.00", "", nullptr, 0,
     TENDER_OUTCOME_APPROVED, 0, nullptr, 0, nullptr, 0},
};
const tender_fixture *fixtures(size_t *n)
{
    *n = 1;
    return fixture_table;
}

const char *const regions_us[] = {"US", nullptr};

struct Plugin {
    tender_currency_fact currencies[1];
    tender_method_ops ops;
    tender_method method;
    const tender_method *methods[1];
    tender_plugin_descriptor d;

    Plugin()
    {
        currencies[0] = {sizeof(tender_currency_fact), "USD", -1, 0, 0, nullptr};
        ops = {};
        ops.struct_size = sizeof ops;
        ops.create = create;
        ops.destroy = destroy;
        ops.authorize = authorize;
        ops.capture = capture;
        ops.sandbox_fixtures = fixtures;
        ops.sandbox_notification = sandbox;
        method = {};
        method.struct_size = sizeof method;
        method.id = "public_check";
        method.name = "Public check";
        method.capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE;
        method.regions = regions_us;
        method.currencies = currencies;
        method.n_currencies = 1;
        method.ops = &ops;
        methods[0] = &method;
        d = {};
        d.struct_size = sizeof d;
        d.abi_major = TENDER_ABI_MAJOR;
        d.abi_minor = TENDER_ABI_MINOR;
        d.id = "public-check";
        d.name = "Public check";
        d.version = "1.0";
        d.methods = methods;
        d.n_methods = 1;
    }
};

} // namespace

TEST(PluginCheck, AcceptsAGoodDescriptorAndSaysWhyABadOneIsRefused)
{
    Plugin p;
    char *reason = nullptr;
    EXPECT_TRUE(tender_plugin_check_descriptor(&p.d, &reason));
    EXPECT_EQ(reason, nullptr);
    EXPECT_TRUE(tender_plugin_check_descriptor(&p.d, nullptr));

    p.d.abi_major = TENDER_ABI_MAJOR + 1;
    EXPECT_FALSE(tender_plugin_check_descriptor(&p.d, &reason));
    ASSERT_NE(reason, nullptr);
    EXPECT_NE(std::strstr(reason, "ABI"), nullptr) << reason;
    g_free(reason);
    EXPECT_FALSE(tender_plugin_check_descriptor(&p.d, nullptr));

    reason = nullptr;
    EXPECT_FALSE(tender_plugin_check_descriptor(nullptr, &reason));
    EXPECT_NE(reason, nullptr);
    g_free(reason);
}

TEST(PluginCheck, SlotLookupsFollowCapabilitiesAndTableSize)
{
    Plugin p;
    EXPECT_EQ(tender_method_operation_fn(&p.method, TENDER_OP_AUTHORIZE), &authorize);
    EXPECT_EQ(tender_method_operation_fn(&p.method, TENDER_OP_CAPTURE), &capture);
    /* Declared nowhere: no slot, even where the table has none anyway. */
    EXPECT_EQ(tender_method_operation_fn(&p.method, TENDER_OP_REFUND), nullptr);
    EXPECT_EQ(tender_method_identify_fn(&p.method), nullptr);
    /* A function present but its capability undeclared is not offered. */
    p.method.capabilities = TENDER_CAP_AUTHORIZE;
    EXPECT_EQ(tender_method_operation_fn(&p.method, TENDER_OP_CAPTURE), nullptr);
    EXPECT_EQ(tender_method_sandbox_notification_fn(&p.method), &sandbox);
    /* A table cut short before the slot means "absent", never a read past. */
    p.ops.struct_size = (uint32_t)offsetof(tender_method_ops, authorize);
    EXPECT_EQ(tender_method_operation_fn(&p.method, TENDER_OP_AUTHORIZE), nullptr);
    EXPECT_EQ(tender_method_operation_fn(nullptr, TENDER_OP_AUTHORIZE), nullptr);
    EXPECT_EQ(tender_method_sandbox_notification_fn(nullptr), nullptr);
}

TEST(PluginCheck, FixturesComeWithTheirCount)
{
    Plugin p;
    size_t n = 99;
    const tender_fixture *f = tender_method_fixtures(&p.method, &n);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(n, 1u);
    EXPECT_STREQ(f[0].name, "approve");
    p.ops.sandbox_fixtures = nullptr;
    n = 99;
    EXPECT_EQ(tender_method_fixtures(&p.method, &n), nullptr);
    EXPECT_EQ(n, 0u);
}

TEST(PluginCheck, MinimumSizesAreThoseOfAbi10)
{
    EXPECT_EQ(TENDER_ABI_1_0_DESCRIPTOR_SIZE, 64u);
    EXPECT_EQ(TENDER_ABI_1_0_METHOD_SIZE, 144u);
    EXPECT_EQ(TENDER_ABI_1_0_OPS_SIZE, 112u);
}

TEST(TextContainsValue, IsTheHostsWholeTokenRule)
{
    const char *text = "cvc 737, order 123456";
    EXPECT_TRUE(tender_text_contains_value(text, std::strlen(text), "737"));
    EXPECT_FALSE(tender_text_contains_value(text, std::strlen(text), "123"));
    EXPECT_FALSE(tender_text_contains_value(text, std::strlen(text), ""));
    EXPECT_FALSE(tender_text_contains_value(text, std::strlen(text), nullptr));
    EXPECT_FALSE(tender_text_contains_value(text, 3, "737"));
    /* 12 characters or more: anywhere, glued to a word or not. */
    const char *glued = "ref4242424242424242x";
    EXPECT_TRUE(tender_text_contains_value(glued, std::strlen(glued), "4242424242424242"));
}

namespace {

std::string fixture(const char *name)
{
    return std::string(FIXTURE_DIR) + "/" + name + ".so";
}

struct CheckDeleter {
    void operator()(TenderPluginCheck *c) const { tender_plugin_check_free(c); }
};
using Check = std::unique_ptr<TenderPluginCheck, CheckDeleter>;

} // namespace

TEST(PluginCheckFile, AcceptsAGoodPluginWithItsFacts)
{
    Check check(tender_plugin_check_file(fixture("fixture_good").c_str()));
    ASSERT_TRUE(tender_plugin_check_ok(check.get())) << tender_plugin_check_reason(check.get());
    EXPECT_EQ(tender_plugin_check_reason(check.get()), nullptr);
    const TenderPluginInfo *info = tender_plugin_check_info(check.get());
    ASSERT_NE(info, nullptr);
    EXPECT_STREQ(info->id, "fixture_good");
    EXPECT_EQ(info->abi_major, (guint)TENDER_ABI_MAJOR);
    ASSERT_GT(info->methods->len, 0u);
    const TenderMethodInfo *m = (const TenderMethodInfo *)g_ptr_array_index(info->methods, 0);
    EXPECT_NE(m->id, nullptr);
}

TEST(PluginCheckFile, GivesTheRefusalAHostWouldRecord)
{
    Check null_entry(tender_plugin_check_file(fixture("fixture_null_entry").c_str()));
    EXPECT_FALSE(tender_plugin_check_ok(null_entry.get()));
    EXPECT_EQ(tender_plugin_check_info(null_entry.get()), nullptr);
    ASSERT_NE(tender_plugin_check_reason(null_entry.get()), nullptr);
    EXPECT_NE(std::strstr(tender_plugin_check_reason(null_entry.get()), "returned NULL"), nullptr)
        << tender_plugin_check_reason(null_entry.get());

    Check major(tender_plugin_check_file(fixture("fixture_abi_major2").c_str()));
    EXPECT_FALSE(tender_plugin_check_ok(major.get()));
    ASSERT_NE(tender_plugin_check_reason(major.get()), nullptr);

    Check missing(tender_plugin_check_file("/nonexistent/tender/plugin.so"));
    EXPECT_FALSE(tender_plugin_check_ok(missing.get()));
    EXPECT_NE(tender_plugin_check_reason(missing.get()), nullptr);
}

TEST(PluginCheckFile, AppliesTheLoadersFileSafetyRules)
{
    // A copy of the good plugin that group and others may write to.
    GError *error = nullptr;
    char *dir = g_dir_make_tmp("tender-plugin-check-XXXXXX", &error);
    ASSERT_NE(dir, nullptr);
    std::string copy = std::string(dir) + "/writable.so";
    char *bytes = nullptr;
    gsize len = 0;
    ASSERT_TRUE(g_file_get_contents(fixture("fixture_good").c_str(), &bytes, &len, nullptr));
    ASSERT_TRUE(g_file_set_contents(copy.c_str(), bytes, (gssize)len, nullptr));
    g_free(bytes);
    ASSERT_EQ(chmod(copy.c_str(), 0666), 0);
    Check check(tender_plugin_check_file(copy.c_str()));
    EXPECT_FALSE(tender_plugin_check_ok(check.get()));
    ASSERT_NE(tender_plugin_check_reason(check.get()), nullptr);
    EXPECT_NE(std::strstr(tender_plugin_check_reason(check.get()), "writable"), nullptr)
        << tender_plugin_check_reason(check.get());
    check.reset();
    g_unlink(copy.c_str());
    g_rmdir(dir);
    g_free(dir);
}
