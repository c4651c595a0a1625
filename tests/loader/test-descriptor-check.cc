/* abi_check_descriptor() on descriptors built in memory: a good one
 * passes, and each test breaks exactly one rule and expects its reason. */
#include <gtest/gtest.h>

#include <string>

#include "loader.h"

namespace {

void op(void *, const tender_request *, tender_result *) {}
int create(const tender_host_services *, const char *, void **instance, char *, size_t)
{
    *instance = nullptr;
    return 0;
}
void destroy(void *) {}

const char *const regions_us_de[] = {"US", "DE", nullptr};

/* A good plugin, mutable so each test can break one thing. */
struct Plugin {
    tender_currency_fact currencies[2];
    tender_param_spec params[1];
    tender_method_ops ops;
    tender_method method;
    const tender_method *methods[2];
    tender_plugin_descriptor d;

    Plugin()
    {
        currencies[0] = {sizeof(tender_currency_fact), "USD", -1, 0, 0, nullptr};
        currencies[1] = {sizeof(tender_currency_fact), "HUF", 0, 0, 0, nullptr};
        params[0] = {sizeof(tender_param_spec), "number", TENDER_PARAM_SENSITIVE, "Number"};
        ops = {};
        ops.struct_size = sizeof ops;
        ops.create = create;
        ops.destroy = destroy;
        ops.authorize = op;
        ops.capture = op;
        method = {};
        method.struct_size = sizeof method;
        method.id = "good_method";
        method.name = "Good";
        method.capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE;
        method.regions = regions_us_de;
        method.currencies = currencies;
        method.n_currencies = 2;
        method.params = params;
        method.n_params = 1;
        method.ops = &ops;
        methods[0] = &method;
        methods[1] = nullptr;
        d = {};
        d.struct_size = sizeof d;
        d.abi_major = TENDER_ABI_MAJOR;
        d.abi_minor = TENDER_ABI_MINOR;
        d.id = "good-plugin.v1";
        d.name = "Good plugin";
        d.version = "1.0";
        d.methods = methods;
        d.n_methods = 1;
    }
    Plugin(const Plugin &) = delete;

    /* "" when accepted, else the reason. */
    std::string check() const
    {
        char *reason = nullptr;
        gboolean ok = abi_check_descriptor(&d, &reason);
        std::string r = reason ? reason : "";
        g_free(reason);
        if (ok && !r.empty())
            return "accepted WITH a reason: " + r;
        if (!ok && r.empty())
            return "refused without a reason";
        return r;
    }
};

#define EXPECT_REFUSED(p, needle)                                                          \
    do {                                                                                   \
        std::string why_ = (p).check();                                                    \
        EXPECT_NE(why_.find(needle), std::string::npos) << "reason: \"" << why_ << "\""; \
    } while (0)

} // namespace

TEST(DescriptorCheck, GoodPasses)
{
    Plugin p;
    EXPECT_EQ(p.check(), "");
}

TEST(DescriptorCheck, NullDescriptor)
{
    char *reason = nullptr;
    EXPECT_FALSE(abi_check_descriptor(nullptr, &reason));
    EXPECT_NE(reason, nullptr);
    g_free(reason);
}

TEST(DescriptorCheck, UnknownCapabilityBitsAreIgnored)
{
    Plugin p;
    p.method.capabilities |= (guint64)1 << 40;
    EXPECT_EQ(p.check(), "");
}

TEST(DescriptorCheck, LargerStructsFromTheSameMinorAreFine)
{
    /* A plugin may be built with padding or fields we do not know; only a
     * smaller struct is refused. */
    Plugin p;
    p.d.struct_size += 8;
    p.method.struct_size += 8;
    p.ops.struct_size += 8;
    EXPECT_EQ(p.check(), "");
}

TEST(DescriptorCheck, Versions)
{
    Plugin p;
    p.d.abi_major = 0;
    EXPECT_REFUSED(p, "built for Tender ABI 0.2, this host speaks 1.2");
    p.d.abi_major = 2;
    EXPECT_REFUSED(p, "built for Tender ABI 2.2, this host speaks 1.2");
    p.d.abi_major = 1;
    p.d.abi_minor = TENDER_ABI_MINOR + 1;
    EXPECT_REFUSED(p, "newer host");
}

TEST(DescriptorCheck, PluginIdNameVersion)
{
    {
        Plugin p;
        p.d.id = "";
        EXPECT_REFUSED(p, "no plugin id");
    }
    {
        Plugin p;
        p.d.id = "Bad Id";
        EXPECT_REFUSED(p, "plugin id \"Bad Id\" is not");
    }
    {
        Plugin p;
        p.d.name = "";
        EXPECT_REFUSED(p, "no name");
    }
    {
        Plugin p;
        p.d.version = "";
        EXPECT_REFUSED(p, "no version");
    }
}

TEST(DescriptorCheck, Methods)
{
    {
        Plugin p;
        p.d.n_methods = 0;
        EXPECT_REFUSED(p, "declares no method");
    }
    {
        Plugin p;
        p.d.methods = nullptr;
        EXPECT_REFUSED(p, "declares no method");
    }
    {
        Plugin p;
        p.d.n_methods = 2; /* methods[1] is NULL */
        EXPECT_REFUSED(p, "method #1 is NULL");
    }
    {
        Plugin p;
        p.methods[1] = &p.method;
        p.d.n_methods = 2;
        EXPECT_REFUSED(p, "method id 'good_method' appears twice");
    }
    {
        Plugin p;
        p.method.id = nullptr;
        EXPECT_REFUSED(p, "method #0 has no id");
    }
    {
        Plugin p;
        p.method.name = nullptr;
        EXPECT_REFUSED(p, "method 'good_method' has no name");
    }
    {
        Plugin p;
        p.method.ops = nullptr;
        EXPECT_REFUSED(p, "has no ops table");
    }
}

TEST(DescriptorCheck, MethodIdsAreWellFormed)
{
    const std::string too_long(32, 'a');
    const char *bad[] = {"", "Card", "card-1", "card.x", "caf\xc3\xa9", too_long.c_str()};
    for (const char *id : bad) {
        Plugin p;
        p.method.id = id;
        EXPECT_REFUSED(p, "is not 1..31 characters of [a-z0-9_]");
    }
    const std::string longest(31, 'z');
    const char *good[] = {"card", "web_money_2", "x", longest.c_str()};
    for (const char *id : good) {
        Plugin p;
        p.method.id = id;
        EXPECT_EQ(p.check(), "") << id;
    }
}

TEST(DescriptorCheck, AuthorizeOrPurchaseIsRequired)
{
    Plugin p;
    p.method.capabilities = TENDER_CAP_CAPTURE;
    EXPECT_REFUSED(p, "declares neither authorize nor purchase");
    p.method.capabilities = TENDER_CAP_PURCHASE;
    EXPECT_REFUSED(p, "declares capability purchase but ops->purchase is NULL");
    p.ops.purchase = op;
    EXPECT_EQ(p.check(), "");
}

TEST(DescriptorCheck, EveryCapabilityNeedsItsFunction)
{
    struct {
        guint64 bit;
        tender_operation_fn tender_method_ops::*slot;
        const char *says;
    } cases[] = {
        {TENDER_CAP_AUTHORIZE, &tender_method_ops::authorize, "capability authorize but ops->authorize"},
        {TENDER_CAP_CAPTURE, &tender_method_ops::capture, "capability capture but ops->capture"},
        {TENDER_CAP_VOID, &tender_method_ops::void_payment, "capability void but ops->void_payment"},
        {TENDER_CAP_REFUND, &tender_method_ops::refund, "capability refund but ops->refund"},
        {TENDER_CAP_SYNC, &tender_method_ops::sync, "capability sync but ops->sync"},
        {TENDER_CAP_COMPLETE_ACTION, &tender_method_ops::complete_action,
         "capability complete_action but ops->complete_action"},
        {TENDER_CAP_NOTIFICATION, &tender_method_ops::identify_notification,
         "capability notification but ops->identify_notification"},
        {TENDER_CAP_NOTIFICATION, &tender_method_ops::notification,
         "capability notification but ops->notification"},
        {TENDER_CAP_REAUTHORIZE, &tender_method_ops::reauthorize,
         "capability reauthorize but ops->reauthorize"},
    };
    for (const auto &c : cases) {
        Plugin p;
        p.method.capabilities |= c.bit;
        p.ops.void_payment = p.ops.refund = p.ops.sync = p.ops.complete_action = op;
        p.ops.identify_notification = p.ops.notification = p.ops.reauthorize = op;
        EXPECT_EQ(p.check(), "") << c.says;
        p.ops.*c.slot = nullptr;
        EXPECT_REFUSED(p, c.says);
    }
}

// The reauthorize bit (1.2) with a table too short for its slot is an older
// plugin's unknown bit: ignored, never a refusal.
TEST(DescriptorCheck, ReauthorizeBitWithAnOlderTableIsIgnored)
{
    Plugin p;
    p.method.capabilities |= TENDER_CAP_REAUTHORIZE;
    p.ops.struct_size = (uint32_t)(offsetof(tender_method_ops, describe_instrument) + sizeof(void *));
    EXPECT_EQ(p.check(), "");
    p.ops.struct_size = sizeof p.ops;
    EXPECT_REFUSED(p, "capability reauthorize but ops->reauthorize");
}

TEST(DescriptorCheck, DependentCapabilities)
{
    Plugin p;
    p.method.capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_PARTIAL_CAPTURE;
    EXPECT_REFUSED(p, "partial_capture without capture");
    p.method.capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_MULTI_CAPTURE;
    EXPECT_REFUSED(p, "multi_capture without capture");
    p.method.capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_PARTIAL_REFUND;
    EXPECT_REFUSED(p, "partial_refund without refund");
}

TEST(DescriptorCheck, StructSizes)
{
    {
        Plugin p;
        p.d.struct_size = TENDER_ABI_1_0_DESCRIPTOR_SIZE - 8;
        EXPECT_REFUSED(p, "descriptor struct_size is 56, smaller than ABI 1.0's 64");
    }
    {
        Plugin p;
        p.d.struct_size = 4; /* not even the version fits */
        EXPECT_REFUSED(p, "descriptor struct_size is 4");
    }
    {
        Plugin p;
        p.method.struct_size = TENDER_ABI_1_0_METHOD_SIZE - 8;
        EXPECT_REFUSED(p, "method #0: method struct_size is 136, smaller than ABI 1.0's 144");
    }
    {
        Plugin p;
        p.ops.struct_size = TENDER_ABI_1_0_OPS_SIZE - 8;
        EXPECT_REFUSED(p, "ops table struct_size is 104, smaller than ABI 1.0's 112");
    }
    {
        Plugin p;
        p.currencies[0].struct_size = 40;
        EXPECT_REFUSED(p, "currency #0: currency struct_size is 40, smaller than ABI 1.0's 48");
    }
    {
        Plugin p;
        p.currencies[1].struct_size = 56;
        EXPECT_REFUSED(p, "currency #1: struct_size 56 differs from the first entry's 48");
    }
    {
        Plugin p;
        p.params[0].struct_size = 24;
        EXPECT_REFUSED(p, "parameters #0: parameter spec struct_size is 24");
    }
}

TEST(DescriptorCheck, Regions)
{
    const char *const lower[] = {"us", nullptr};
    const char *const three[] = {"USA", nullptr};
    const char *const empty[] = {nullptr};
    const char *const star_and_more[] = {"*", "US", nullptr};
    const char *const star[] = {"*", nullptr};
    {
        Plugin p;
        p.method.regions = lower;
        EXPECT_REFUSED(p, "region \"us\" is not two upper-case letters");
    }
    {
        Plugin p;
        p.method.regions = three;
        EXPECT_REFUSED(p, "region \"USA\" is not");
    }
    {
        Plugin p;
        p.method.regions = empty;
        EXPECT_REFUSED(p, "declares no region");
    }
    {
        Plugin p;
        p.method.regions = nullptr;
        EXPECT_REFUSED(p, "declares no region");
    }
    {
        Plugin p;
        p.method.regions = star_and_more;
        EXPECT_REFUSED(p, "\"*\" must be the only entry");
    }
    Plugin p;
    p.method.regions = star;
    EXPECT_EQ(p.check(), "");
}

TEST(DescriptorCheck, Currencies)
{
    {
        Plugin p;
        p.method.n_currencies = 0;
        EXPECT_REFUSED(p, "declares no currency");
    }
    {
        Plugin p;
        p.currencies[0].code = "usd";
        EXPECT_REFUSED(p, "code \"usd\" is not three upper-case letters");
    }
    {
        Plugin p;
        p.currencies[0].code = "US";
        EXPECT_REFUSED(p, "code \"US\" is not three");
    }
    {
        Plugin p;
        p.currencies[0].code = nullptr;
        EXPECT_REFUSED(p, "code \"(null)\"");
    }
    {
        Plugin p;
        p.currencies[0].code = "XQQ";
        EXPECT_REFUSED(p, "XQQ is not an ISO 4217 currency");
        p.currencies[0].exponent = 8; /* a declared exponent makes it fine */
        EXPECT_EQ(p.check(), "");
    }
    {
        Plugin p;
        p.currencies[1].exponent = 10;
        EXPECT_REFUSED(p, "exponent 10 is not -1 or 0..9");
    }
    {
        Plugin p;
        p.currencies[1].code = "USD";
        EXPECT_REFUSED(p, "declares currency USD twice");
    }
    {
        Plugin p;
        p.currencies[0].min_amount = 500;
        p.currencies[0].max_amount = 100;
        EXPECT_REFUSED(p, "max_amount 100 is below min_amount 500");
    }
    {
        Plugin p;
        p.currencies[0].min_amount = -1;
        EXPECT_REFUSED(p, "negative amount bound");
    }
    {
        Plugin p;
        p.currencies[0].home_region = "br";
        EXPECT_REFUSED(p, "home_region \"br\"");
    }
}

TEST(DescriptorCheck, ParamsAndOtherFacts)
{
    {
        Plugin p;
        p.params[0].name = "";
        EXPECT_REFUSED(p, "parameters #0 has no name");
    }
    {
        Plugin p;
        p.method.params = nullptr;
        EXPECT_REFUSED(p, "declares 1 parameters but no table");
    }
    {
        Plugin p;
        p.method.hold_seconds = -1;
        EXPECT_REFUSED(p, "negative hold");
    }
    {
        Plugin p;
        p.method.over_capture_bps = 9000;
        EXPECT_REFUSED(p, "over_capture_bps 9000 is below 10000");
    }
    {
        Plugin p;
        p.method.over_capture_max_extra = 7500;
        EXPECT_REFUSED(p, "over_capture_max_extra needs an over_capture_currency");
        p.method.over_capture_currency = "USD";
        EXPECT_EQ(p.check(), "");
    }
    {
        const char *const tiers[] = {"basic", "", nullptr};
        Plugin p;
        p.method.tiers = tiers;
        EXPECT_REFUSED(p, "tier #1 is empty");
    }
}
