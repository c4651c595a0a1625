/* The public "plugins without a host" API of tender.h, through nothing but
 * <tender/tender.h>: the loader's verdict on a descriptor, the size-checked
 * slot lookups, the fixtures and the redaction rule, as the conformance kit
 * and the test host use them. */
#include <gtest/gtest.h>

#include <cstring>

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
