// The `tender` command's view of the http service (issue 12, items 4 and
// 5): `--http-metrics` prints each method's counters in the Prometheus text
// format on stderr, and the config's `"transport": {"trace": true}` traces
// like --trace-http; a bad value of the switch is a config error (exit 78)
// naming its path. The fx_http test fixture talks to a loopback server.
#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <string>
#include <vector>

#include "test-ledger.h"

extern "C" {
#include "http-misbehave.h"
}

namespace {

struct Outcome {
    int code = -1;
    std::string out, err;
};

class TenderHttp : public ::testing::Test {
protected:
    std::string dir;
    HttpMisbehave *server = nullptr;

    void SetUp() override
    {
        char *d = g_dir_make_tmp("tender-http-XXXXXX", nullptr);
        ASSERT_NE(d, nullptr);
        dir = d;
        g_free(d);
        server = http_misbehave_start(0, nullptr, nullptr);
        ASSERT_NE(server, nullptr);
    }
    void TearDown() override
    {
        http_misbehave_stop(server);
        for (const char *f : {"/config.json", "/ledger.db", "/ledger.db-wal", "/ledger.db-shm"})
            g_remove((dir + f).c_str());
        g_rmdir(dir.c_str());
    }

    std::string write_config(const std::string &transport)
    {
        std::string endpoint = "http://127.0.0.1:" + std::to_string(http_misbehave_port(server));
        std::string json = "{\"methods\": {\"fx_http\": {\"retries\": {\"max\": 0}, "
                           "\"settings\": {\"endpoint\": \"" +
                           endpoint + "\"}}}" + (transport.empty() ? "" : ", \"transport\": ") +
                           transport + "}";
        std::string path = dir + "/config.json";
        EXPECT_TRUE(g_file_set_contents(path.c_str(), json.c_str(), -1, nullptr));
        return path;
    }

    Outcome run(std::vector<std::string> args)
    {
        // The file, or under `meson test --setup postgres` the server's
        // schema for it (the same one for every run of this test).
        g_autofree char *ledger = test_ledger_location((dir + "/ledger.db").c_str());
        std::vector<std::string> argv = {TENDER_EXE, "--plugin-dir", CORE_FIXTURE_DIR,
                                         "--ledger", ledger};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char *> c;
        for (auto &a : argv)
            c.push_back(const_cast<char *>(a.c_str()));
        c.push_back(nullptr);
        Outcome r;
        char *out = nullptr, *err = nullptr;
        int status = 0;
        GError *error = nullptr;
        EXPECT_TRUE(g_spawn_sync(nullptr, c.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr,
                                 &out, &err, &status, &error))
            << (error ? error->message : "");
        g_clear_error(&error);
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = out ? out : "";
        r.err = err ? err : "";
        g_free(out);
        g_free(err);
        return r;
    }

    Outcome pay(const std::string &config, const std::string &path, std::vector<std::string> extra)
    {
        std::vector<std::string> args = {"--config", config};
        args.insert(args.end(), extra.begin(), extra.end());
        for (const char *a : {"pay", "--method", "fx_http", "--amount", "10.00", "--currency",
                              "USD", "--region", "US", "--param"})
            args.push_back(a);
        args.push_back("path=" + path);
        return run(args);
    }
};

TEST_F(TenderHttp, MetricsArePrintedOnStderrAsPrometheusText)
{
    std::string config = write_config("");
    Outcome r = pay(config, "/ok", {"--http-metrics", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("tender_http"), std::string::npos) << "stdout keeps the JSON alone";
    EXPECT_NE(r.err.find("tender_http_requests_total{method=\"fx_http\"} 1\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("tender_http_requests_by_end_total{method=\"fx_http\",class=\"2xx\"} 1\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("tender_http_latency_ms_bucket{method=\"fx_http\",le=\"+Inf\"} 1\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("tender_http_latency_ms_count{method=\"fx_http\"} 1\n"),
              std::string::npos)
        << r.err;

    Outcome failed = pay(config, "/status/503", {"--http-metrics"});
    EXPECT_NE(failed.err.find("class=\"5xx\"} 1\n"), std::string::npos) << failed.err;
    Outcome quiet = pay(config, "/ok", {});
    EXPECT_EQ(quiet.err.find("tender_http"), std::string::npos) << "only when asked";
}

TEST_F(TenderHttp, TheConfigSwitchTraces)
{
    Outcome off = pay(write_config("{\"trace\": false}"), "/ok", {});
    EXPECT_EQ(off.code, 0) << off.err;
    EXPECT_EQ(off.err.find("> GET"), std::string::npos) << off.err;
    Outcome on = pay(write_config("{\"trace\": true}"), "/ok", {});
    EXPECT_EQ(on.code, 0) << on.err;
    EXPECT_NE(on.err.find("fx_http: http"), std::string::npos) << on.err;
    EXPECT_NE(on.err.find("> GET"), std::string::npos) << on.err;
    EXPECT_EQ(on.err.find("sk_fixture_secret_key"), std::string::npos) << on.err;
}

TEST_F(TenderHttp, ABadSwitchIsAConfigErrorNamingItsPath)
{
    Outcome r = run({"check-config", write_config("{\"trace\": \"yes\"}")});
    EXPECT_EQ(r.code, 78);
    EXPECT_NE((r.out + r.err).find("$.transport.trace"), std::string::npos) << r.out << r.err;
    Outcome p = pay(write_config("{\"trace\": 1}"), "/ok", {});
    EXPECT_EQ(p.code, 78);
    EXPECT_NE((p.out + p.err).find("$.transport.trace"), std::string::npos) << p.out << p.err;
}

} // namespace
