// The C shim: every conformance case (plain C, conformance/) registered
// as a GoogleTest test once per bundled plugin, so the project's own suite
// runs the same checks a plugin author runs with tender-conformance. Under
// the sanitizer build this is also the ASan/UBSan/LSan run of every case.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <tuple>
#include <vector>

extern "C" {
#include "conformance.h"
#include "sandbox-process.h"
}

namespace {

const std::vector<std::string> kBundled = {"card", "alipay", "paypal", "webmoney"};

std::string PluginPath(const std::string &id)
{
    const char *root = std::getenv("TENDER_BUILD_ROOT");
    return std::string(root ? root : ".") + "/plugins/" + id + "/" + id + ".so";
}

// One loaded context per plugin for the whole run (cases do not change it
// for one another: each resets the settings it uses).
std::map<std::string, tc_context *> &Contexts()
{
    static std::map<std::string, tc_context *> contexts;
    return contexts;
}

// The providers the bundled plugins speak to: one tender-sandbox for the run,
// started on first use (the bundled plugins are clients of their providers
// and need their settings even to start).
TestSandbox *&Sandbox()
{
    static TestSandbox *sb = nullptr;
    return sb;
}

// Give ctx the settings the sandbox wrote for method id, as the runner's
// --setting would.
void UseSandboxSettings(tc_context *ctx, const std::string &id)
{
    if (Sandbox() == nullptr) {
        GError *error = nullptr;
        Sandbox() = test_sandbox_start(1.0, nullptr, &error);
        if (Sandbox() == nullptr) {
            ADD_FAILURE() << "tender-sandbox did not start: " << (error ? error->message : "");
            g_clear_error(&error);
            return;
        }
    }
    JsonObject *settings = test_sandbox_settings(Sandbox(), id.c_str());
    if (settings == nullptr)
        return;
    GList *members = json_object_get_members(settings);
    for (GList *m = members; m; m = m->next) {
        const char *key = (const char *)m->data;
        JsonNode *node = json_object_get_member(settings, key);
        if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
            tc_context_set_setting_string(ctx, id.c_str(), key, json_node_get_string(node));
    }
    g_list_free(members);
}

tc_context *ContextFor(const std::string &id)
{
    auto &contexts = Contexts();
    auto it = contexts.find(id);
    if (it != contexts.end())
        return it->second;
    tc_context *ctx = tc_context_new(PluginPath(id).c_str(), nullptr);
    // The clients of a provider need its settings.
    if (id == "card" || id == "alipay" || id == "paypal" || id == "webmoney")
        UseSandboxSettings(ctx, id);
    contexts[id] = ctx;
    return ctx;
}

class FreeContexts : public ::testing::Environment {
public:
    void TearDown() override
    {
        for (auto &entry : Contexts())
            tc_context_free(entry.second);
        Contexts().clear();
        test_sandbox_stop(Sandbox());
        Sandbox() = nullptr;
    }
};

size_t CaseCount()
{
    size_t n = 0;
    tc_cases(&n);
    return n;
}

using Param = std::tuple<std::string, size_t>;

class Conformance : public ::testing::TestWithParam<Param> {};

TEST_P(Conformance, Case)
{
    const std::string &plugin = std::get<0>(GetParam());
    size_t n = 0;
    const tc_case *cases = tc_cases(&n);
    const tc_case &c = cases[std::get<1>(GetParam())];
    tc_context *ctx = ContextFor(plugin);
    ASSERT_NE(ctx, nullptr);
    char *message = nullptr;
    tc_status status = tc_run_case(ctx, &c, &message);
    std::string text = message ? message : "";
    std::free(message);
    if (status == TC_SKIP)
        GTEST_SKIP() << c.name << ": " << text;
    EXPECT_EQ(status, TC_PASS) << "case " << c.name << " (" << c.description << ") on "
                               << plugin << ":\n" << text;
}

std::string CaseName(const ::testing::TestParamInfo<Param> &info)
{
    size_t n = 0;
    const tc_case *cases = tc_cases(&n);
    return std::get<0>(info.param) + "_" + cases[std::get<1>(info.param)].name;
}

INSTANTIATE_TEST_SUITE_P(Bundled, Conformance,
                         ::testing::Combine(::testing::ValuesIn(kBundled),
                                            ::testing::Range<size_t>(0, CaseCount())),
                         CaseName);

} // namespace

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new FreeContexts);
    return RUN_ALL_TESTS();
}
