/* The loader on single files: the good fixture loads with every fact
 * copied, and every broken fixture is refused with a message that names the
 * file, the plugin id when it could be read, and the reason. */
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loader-test-util.h"

namespace {

struct RefusalCase {
    const char *fixture;        /* file name without ".so" */
    const char *plugin_id;      /* expected id in the refusal, nullptr when unknown */
    std::vector<std::string> says; /* substrings the reason must contain */
};

std::ostream &operator<<(std::ostream &os, const RefusalCase &c)
{
    return os << c.fixture;
}

const RefusalCase refusal_cases[] = {
    {"fixture_not_elf", nullptr, {"not a loadable shared object"}},
    {"fixture_unresolved", nullptr,
     {"unresolved symbol", "tender_fixture_symbol_nobody_defines"}},
    {"fixture_no_entry", nullptr, {"does not export tender_plugin_entry"}},
    {"fixture_null_entry", nullptr, {"tender_plugin_entry() returned NULL", "1.2"}},
    {"fixture_abi_major2", "fixture_abi_major2",
     {"built for Tender ABI 2.0, this host speaks 1.2"}},
    {"fixture_abi_minor_newer", "fixture_abi_minor_newer",
     {"built for Tender ABI 1.99, this host speaks 1.2", "newer host"}},
    {"fixture_small_descriptor", "fixture_small_descriptor",
     {"descriptor struct_size is 48, smaller than ABI 1.0's 64"}},
    {"fixture_small_method", "fixture_small_method",
     {"method #0: method struct_size is 128, smaller than ABI 1.0's 144"}},
    {"fixture_small_ops", "fixture_small_ops",
     {"method 'fixture_small_ops' ops table struct_size is 96, smaller than ABI 1.0's 112"}},
    {"fixture_no_id", nullptr, {"no plugin id"}},
    {"fixture_no_name", "fixture_no_name", {"no name"}},
    {"fixture_no_version", "fixture_no_version", {"no version"}},
    {"fixture_no_create", "fixture_no_create",
     {"method 'fixture_no_create' has no create function"}},
    {"fixture_no_destroy", "fixture_no_destroy",
     {"method 'fixture_no_destroy' has no destroy function"}},
    {"fixture_cap_without_fn", "fixture_cap_without_fn",
     {"declares capability refund but ops->refund is NULL"}},
};

class Refused : public ::testing::TestWithParam<RefusalCase> {};

} // namespace

TEST_P(Refused, RecordsFilePluginAndReason)
{
    const RefusalCase &c = GetParam();
    std::string path = fixture_path(c.fixture);
    ASSERT_TRUE(g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) << path;

    LoaderPtr loader = new_loader();
    EXPECT_FALSE(loader_load_file(loader.get(), path.c_str()));
    EXPECT_EQ(loader_plugins(loader.get())->len, 0u);
    EXPECT_EQ(loader_methods(loader.get())->len, 0u);
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);

    const TenderRefusal *r = refusal_at(loader.get(), 0);
    EXPECT_EQ(std::string(r->file), path);
    std::string reason = r->reason;
    if (c.plugin_id != nullptr) {
        ASSERT_NE(r->plugin_id, nullptr) << reason;
        EXPECT_STREQ(r->plugin_id, c.plugin_id);
        EXPECT_EQ(reason.rfind(path + " (plugin '" + c.plugin_id + "'): ", 0), 0u) << reason;
    } else {
        EXPECT_EQ(r->plugin_id, nullptr) << r->plugin_id;
        EXPECT_EQ(reason.rfind(path + ": ", 0), 0u) << reason;
    }
    for (const auto &s : c.says)
        EXPECT_NE(reason.find(s), std::string::npos) << "missing \"" << s << "\" in: " << reason;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Refused, ::testing::ValuesIn(refusal_cases),
                         [](const ::testing::TestParamInfo<RefusalCase> &info) {
                             return std::string(info.param.fixture);
                         });

// A plugin built for 1.0 keeps loading into a 1.2 host, and the slots 1.1
// appended are not read from its shorter ops table.
TEST(Loader, Abi10PluginLoadsWithoutItsMissingSlots)
{
    LoaderPtr loader = new_loader();
    std::string path = fixture_path("fixture_abi_1_0");
    ASSERT_TRUE(loader_load_file(loader.get(), path.c_str()));
    EXPECT_EQ(loader_refusals(loader.get())->len, 0u);
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_EQ(plugin_at(loader.get(), 0)->abi_minor, 0u);
    const TenderMethodInfo *m = loader_method_info(loader.get(), "fixture_abi_1_0");
    ASSERT_NE(m, nullptr);
    const tender_method *abi = loader_method_abi(loader.get(), "fixture_abi_1_0");
    ASSERT_NE(abi, nullptr);
    EXPECT_EQ(abi_describe_instrument_fn(abi), nullptr);
    EXPECT_NE(abi_operation_fn(abi, TENDER_OP_AUTHORIZE), nullptr);
}

// A plugin built for 1.1 keeps loading into a 1.2 host: the reauthorize
// bit it sets is not its (its table cannot hold the slot), so the method
// does not have the capability and the slot past its table is never read.
TEST(Loader, Abi11PluginLoadsWithoutReauthorize)
{
    LoaderPtr loader = new_loader();
    std::string path = fixture_path("fixture_abi_1_1");
    ASSERT_TRUE(loader_load_file(loader.get(), path.c_str()));
    EXPECT_EQ(loader_refusals(loader.get())->len, 0u);
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_EQ(plugin_at(loader.get(), 0)->abi_minor, 1u);
    const TenderMethodInfo *m = loader_method_info(loader.get(), "fixture_abi_1_1");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->capabilities & TENDER_CAP_REAUTHORIZE, 0u);
    EXPECT_NE(m->capabilities & TENDER_CAP_CAPTURE, 0u);
    const tender_method *abi = loader_method_abi(loader.get(), "fixture_abi_1_1");
    ASSERT_NE(abi, nullptr);
    EXPECT_EQ(abi_operation_fn(abi, TENDER_OP_REAUTHORIZE), nullptr);
    EXPECT_NE(abi_operation_fn(abi, TENDER_OP_CAPTURE), nullptr);
}

TEST(Loader, GoodFixtureLoadsWithEveryFactCopied)
{
    LoaderPtr loader = new_loader();
    std::string path = fixture_path("fixture_good");
    ASSERT_TRUE(loader_load_file(loader.get(), path.c_str()));
    EXPECT_EQ(loader_refusals(loader.get())->len, 0u);
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);

    const TenderPluginInfo *p = plugin_at(loader.get(), 0);
    EXPECT_EQ(std::string(p->file), path);
    EXPECT_STREQ(p->id, "fixture_good");
    EXPECT_STREQ(p->name, "Good fixture plugin");
    EXPECT_STREQ(p->version, "1.2.3");
    EXPECT_STREQ(p->description, "Passes every loader check");
    EXPECT_EQ(p->abi_major, 1u);
    EXPECT_EQ(p->abi_minor, (guint32)TENDER_ABI_MINOR);
    ASSERT_EQ(p->methods->len, 2u);
    ASSERT_EQ(loader_methods(loader.get())->len, 2u);

    const TenderMethodInfo *m = loader_method_info(loader.get(), "fixture_good");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m, g_ptr_array_index(p->methods, 0));
    EXPECT_STREQ(m->name, "Good fixture");
    EXPECT_STREQ(m->plugin_id, "fixture_good");
    EXPECT_EQ(std::string(m->plugin_file), path);
    EXPECT_EQ(m->capabilities, (guint64)(TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE |
                                         TENDER_CAP_PARTIAL_CAPTURE | TENDER_CAP_VOID |
                                         TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND));
    ASSERT_EQ(g_strv_length(m->regions), 2u);
    EXPECT_STREQ(m->regions[0], "US");
    EXPECT_STREQ(m->regions[1], "DE");
    ASSERT_EQ(m->currencies->len, 3u);
    const TenderCurrencyInfo *usd = &g_array_index(m->currencies, TenderCurrencyInfo, 0);
    const TenderCurrencyInfo *jpy = &g_array_index(m->currencies, TenderCurrencyInfo, 1);
    const TenderCurrencyInfo *huf = &g_array_index(m->currencies, TenderCurrencyInfo, 2);
    EXPECT_STREQ(usd->code, "USD");
    EXPECT_EQ(usd->exponent, 2) << "-1 resolves to the ISO 4217 exponent";
    EXPECT_EQ(usd->min_amount, 50);
    EXPECT_EQ(usd->max_amount, 5000000);
    EXPECT_EQ(usd->home_region, nullptr);
    EXPECT_STREQ(jpy->code, "JPY");
    EXPECT_EQ(jpy->exponent, 0);
    EXPECT_STREQ(huf->code, "HUF");
    EXPECT_EQ(huf->exponent, 0) << "a declared exponent wins over ISO's 2";
    ASSERT_EQ(m->params->len, 2u);
    auto *number = static_cast<const TenderParamInfo *>(g_ptr_array_index(m->params, 0));
    auto *holder = static_cast<const TenderParamInfo *>(g_ptr_array_index(m->params, 1));
    EXPECT_STREQ(number->name, "number");
    EXPECT_EQ(number->flags, (guint32)(TENDER_PARAM_REQUIRED | TENDER_PARAM_SENSITIVE));
    EXPECT_STREQ(number->description, "Account number");
    EXPECT_STREQ(holder->name, "holder");
    EXPECT_STREQ(holder->description, "");
    EXPECT_EQ(m->action_params->len, 0u);
    EXPECT_EQ(m->hold_seconds, 7 * 24 * 3600);
    ASSERT_NE(m->tiers, nullptr);
    EXPECT_EQ(g_strv_length(m->tiers), 0u);
    EXPECT_EQ(m->over_capture_currency, nullptr);
    EXPECT_FALSE(m->has_fixtures);

    const TenderMethodInfo *w = loader_method_info(loader.get(), "fixture_good_wallet");
    ASSERT_NE(w, nullptr);
    ASSERT_EQ(g_strv_length(w->regions), 1u);
    EXPECT_STREQ(w->regions[0], "*");
    ASSERT_EQ(w->currencies->len, 2u);
    EXPECT_STREQ(g_array_index(w->currencies, TenderCurrencyInfo, 1).home_region, "BR");
    ASSERT_EQ(w->action_params->len, 1u);
    EXPECT_STREQ(static_cast<const TenderParamInfo *>(g_ptr_array_index(w->action_params, 0))->name,
                 "otp");
    EXPECT_EQ(w->action_timeout_seconds, 900);
    EXPECT_EQ(w->over_capture_bps, 11500u);
    EXPECT_EQ(w->over_capture_max_extra, 7500);
    EXPECT_STREQ(w->over_capture_currency, "EUR");
    ASSERT_EQ(g_strv_length(w->tiers), 2u);
    EXPECT_STREQ(w->tiers[1], "verified");
    EXPECT_TRUE(w->has_fixtures);
}

TEST(Loader, RegisteredMethodIsCallableThroughTheChecks)
{
    LoaderPtr loader = new_loader();
    ASSERT_TRUE(loader_load_file(loader.get(), fixture_path("fixture_good").c_str()));
    const tender_method *m = loader_method_abi(loader.get(), "fixture_good");
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(m->id, "fixture_good");
    EXPECT_EQ(loader_method_abi(loader.get(), "nope"), nullptr);
    EXPECT_EQ(loader_method_info(loader.get(), "nope"), nullptr);

    void *instance = nullptr;
    char error[128] = "";
    ASSERT_EQ(m->ops->create(test_services(), m->id, &instance, error, sizeof error), 0);
    tender_operation_fn authorize = abi_operation_fn(m, TENDER_OP_AUTHORIZE);
    ASSERT_NE(authorize, nullptr);
    tender_request req = {};
    req.struct_size = sizeof req;
    req.operation = TENDER_OP_AUTHORIZE;
    tender_result res = {};
    res.struct_size = sizeof res;
    authorize(instance, &req, &res);
    EXPECT_EQ(res.outcome, (uint32_t)TENDER_OUTCOME_APPROVED);
    EXPECT_EQ(abi_operation_fn(m, TENDER_OP_PURCHASE), nullptr);
    m->ops->destroy(instance);

    const tender_method *w = loader_method_abi(loader.get(), "fixture_good_wallet");
    ASSERT_NE(w, nullptr);
    auto fixtures = abi_fixtures_fn(w);
    ASSERT_NE(fixtures, nullptr);
    size_t n = 0;
    ASSERT_NE(fixtures(&n), nullptr);
    EXPECT_EQ(n, 1u);
    EXPECT_NE(abi_identify_fn(w), nullptr);
    EXPECT_NE(abi_operation_fn(w, TENDER_OP_NOTIFICATION), nullptr);
}

TEST(Loader, DuplicateMethodIdIsRefusedAndTheFirstStays)
{
    LoaderPtr loader = new_loader();
    std::string good = fixture_path("fixture_good");
    std::string twin = fixture_path("fixture_good_twin");
    ASSERT_TRUE(loader_load_file(loader.get(), good.c_str()));
    EXPECT_FALSE(loader_load_file(loader.get(), twin.c_str()));

    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_STREQ(plugin_at(loader.get(), 0)->id, "fixture_good");
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    const TenderRefusal *r = refusal_at(loader.get(), 0);
    EXPECT_EQ(std::string(r->file), twin);
    EXPECT_STREQ(r->plugin_id, "fixture_good_twin");
    std::string reason = r->reason;
    EXPECT_EQ(reason.rfind(twin + " (plugin 'fixture_good_twin'): ", 0), 0u) << reason;
    EXPECT_NE(reason.find("method 'fixture_good' is already registered by " + good +
                          " (plugin 'fixture_good')"),
              std::string::npos)
        << reason;

    const TenderMethodInfo *m = loader_method_info(loader.get(), "fixture_good");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(std::string(m->plugin_file), good);
    EXPECT_EQ(loader_methods(loader.get())->len, 2u);
}

TEST(Loader, SameFileTwiceIsADuplicate)
{
    LoaderPtr loader = new_loader();
    std::string good = fixture_path("fixture_good");
    ASSERT_TRUE(loader_load_file(loader.get(), good.c_str()));
    EXPECT_FALSE(loader_load_file(loader.get(), good.c_str()));
    EXPECT_EQ(loader_plugins(loader.get())->len, 1u);
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    EXPECT_NE(std::string(refusal_at(loader.get(), 0)->reason).find("already registered"),
              std::string::npos);
    /* The refused second dlopen() must not have closed the first: the
     * registered method is still readable. */
    const tender_method *m = loader_method_abi(loader.get(), "fixture_good");
    ASSERT_NE(m, nullptr);
    EXPECT_STREQ(m->name, "Good fixture");
}

TEST(Loader, MissingFileAndDirectoryAreRefusedAsFiles)
{
    LoaderPtr loader = new_loader();
    EXPECT_FALSE(loader_load_file(loader.get(), "/nonexistent/tender/x.so"));
    EXPECT_FALSE(loader_load_file(loader.get(), FIXTURE_DIR));
    ASSERT_EQ(loader_refusals(loader.get())->len, 2u);
    EXPECT_NE(std::string(refusal_at(loader.get(), 0)->reason).find("/nonexistent/tender/x.so: "),
              std::string::npos);
    EXPECT_NE(std::string(refusal_at(loader.get(), 1)->reason).find("not a regular file"),
              std::string::npos);
}

TEST(Loader, FreeingAnEmptyOrNullLoaderIsFine)
{
    loader_free(nullptr);
    LoaderPtr loader = new_loader();
    EXPECT_EQ(loader_plugins(loader.get())->len, 0u);
}
