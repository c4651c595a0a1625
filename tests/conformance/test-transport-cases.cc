// The conformance kit's transport cases (issue 12, item 6), run as a plugin
// author runs them: tender-conformance on the "wire" fixture, pointed at a
// loopback provider with --setting. The conforming build passes every case,
// its HTTP calls faulted one by one; the build that reports DECLINED on a
// timeout fails transport_timeout with a message naming the fixture, the
// fault and what the plugin did. The bundled plugins make no HTTP call and
// pass trivially (a note says so).
#include <gtest/gtest.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "wire-provider.h"

namespace {

struct RunResult {
    int exit_status = -1;
    std::string out, err;
};

RunResult RunKit(std::vector<std::string> args)
{
    std::vector<std::string> argv = {CONFORMANCE_RUNNER, "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char *> c;
    for (auto &a : argv)
        c.push_back(const_cast<char *>(a.c_str()));
    c.push_back(nullptr);
    RunResult run;
    gchar *out = nullptr, *err = nullptr;
    gint wait = 0;
    GError *error = nullptr;
    if (!g_spawn_sync(nullptr, c.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err,
                      &wait, &error)) {
        run.err = error->message;
        g_error_free(error);
        return run;
    }
    run.out = out ? out : "";
    run.err = err ? err : "";
    g_free(out);
    g_free(err);
    run.exit_status = WIFEXITED(wait) ? WEXITSTATUS(wait) : 128 + WTERMSIG(wait);
    return run;
}

struct CaseResult {
    std::string status, message;
};

CaseResult Case(const std::string &json, const std::string &name)
{
    CaseResult found;
    JsonParser *parser = json_parser_new();
    if (json_parser_load_from_data(parser, json.c_str(), -1, nullptr)) {
        JsonObject *root = json_node_get_object(json_parser_get_root(parser));
        JsonArray *cases = json_object_get_array_member(root, "cases");
        for (guint i = 0; cases && i < json_array_get_length(cases); i++) {
            JsonObject *c = json_array_get_object_element(cases, i);
            if (name == json_object_get_string_member(c, "name"))
                found = {json_object_get_string_member(c, "status"),
                         json_object_get_string_member(c, "message")};
        }
    }
    g_object_unref(parser);
    return found;
}

const char *const kTransportCases[] = {"transport_refuse",  "transport_delay",
                                       "transport_timeout", "transport_5xx",
                                       "transport_garbage", "transport_truncate",
                                       "transport_duplicate"};

class TransportCases : public ::testing::Test {
protected:
    WireProvider *provider = nullptr;
    void SetUp() override
    {
        provider = wire_provider_start();
        ASSERT_NE(provider, nullptr);
    }
    void TearDown() override { wire_provider_stop(provider); }
    std::string setting() const
    {
        return "wire.endpoint=http://127.0.0.1:" + std::to_string(wire_provider_port(provider));
    }
};

TEST_F(TransportCases, TheConformingWirePluginPassesEveryCase)
{
    RunResult run = RunKit({std::string(FIXTURE_DIR) + "/wire.so", "--setting", setting()});
    EXPECT_EQ(run.exit_status, 0) << run.out << run.err;
    for (const char *name : kTransportCases) {
        CaseResult c = Case(run.out, name);
        EXPECT_EQ(c.status, "pass") << name << ": " << c.message;
        EXPECT_NE(c.message.find("2 of 2 fixtures make HTTP calls"), std::string::npos)
            << name << ": " << c.message;
    }
    // The fixtures really went over the wire: the healthy runs, the faults
    // that delegate, the direct-call cases.
    EXPECT_GT(wire_provider_payments(provider), 10);
}

TEST_F(TransportCases, DecliningOnATimeoutFailsWithAClearMessage)
{
    RunResult run = RunKit({std::string(FIXTURE_DIR) + "/wire_declines_on_timeout.so",
                            "--setting", setting()});
    EXPECT_EQ(run.exit_status, 1) << run.out << run.err;
    CaseResult c = Case(run.out, "transport_timeout");
    EXPECT_EQ(c.status, "fail") << c.message;
    EXPECT_NE(c.message.find("method wire, fixture approved, fault 'timeout' on HTTP call 1 of 1"),
              std::string::npos)
        << c.message;
    EXPECT_NE(c.message.find("timed out"), std::string::npos) << c.message;
    EXPECT_NE(c.message.find("must report UNKNOWN"), std::string::npos) << c.message;
    EXPECT_NE(c.message.find("it reported DECLINED"), std::string::npos) << c.message;
    // Its mistake is only about timeouts.
    for (const char *name : {"transport_refuse", "transport_5xx", "transport_garbage",
                             "transport_duplicate", "fixture_flows"})
        EXPECT_EQ(Case(run.out, name).status, "pass") << name << ": "
                                                      << Case(run.out, name).message;
}

TEST_F(TransportCases, WithoutTheSettingTheFixturesCannotPay)
{
    // No endpoint: every call is NOT_SENT, so the fixtures fail, and say so.
    RunResult run = RunKit({std::string(FIXTURE_DIR) + "/wire.so", "--case", "fixture_flows"});
    EXPECT_EQ(run.exit_status, 1) << run.out;
}

TEST_F(TransportCases, ALaterSettingWins)
{
    // The first value points nowhere; the second, for the same key, is the
    // provider. Both reach the hosts' config without a duplicate key.
    RunResult run = RunKit({std::string(FIXTURE_DIR) + "/wire.so", "--case", "fixture_flows",
                            "--case", "outcomes", "--setting", "wire.endpoint=http://127.0.0.1:1",
                            "--setting", setting(), "--setting", "other.endpoint=x"});
    EXPECT_EQ(run.exit_status, 0) << run.out << run.err;
    EXPECT_EQ(Case(run.out, "fixture_flows").status, "pass") << Case(run.out, "fixture_flows").message;
    EXPECT_EQ(Case(run.out, "outcomes").status, "pass") << Case(run.out, "outcomes").message;
}

TEST(TransportCasesRunner, ABadSettingIsAUsageError)
{
    RunResult run = RunKit({std::string(FIXTURE_DIR) + "/wire.so", "--setting", "endpoint=x"});
    EXPECT_EQ(run.exit_status, 64) << run.out << run.err;
    EXPECT_NE(run.err.find("METHOD.KEY=VALUE"), std::string::npos) << run.err;
}

class BundledTransport : public ::testing::TestWithParam<const char *> {};

TEST_P(BundledTransport, PassesTriviallyWithoutHttpCalls)
{
    const char *root = std::getenv("TENDER_BUILD_ROOT");
    ASSERT_NE(root, nullptr);
    std::string id = GetParam();
    std::vector<std::string> args = {std::string(root) + "/plugins/" + id + "/" + id + ".so"};
    for (const char *name : kTransportCases) {
        args.push_back("--case");
        args.push_back(name);
    }
    RunResult run = RunKit(args);
    EXPECT_EQ(run.exit_status, 0) << run.out << run.err;
    for (const char *name : kTransportCases) {
        CaseResult c = Case(run.out, name);
        EXPECT_NE(c.status, "fail") << name << ": " << c.message;
    }
}

INSTANTIATE_TEST_SUITE_P(Plugins, BundledTransport,
                         ::testing::Values("card", "alipay", "paypal", "webmoney"));

} // namespace
