// `tender demo` and its tender-sandbox: found, started on an ephemeral
// loopback port, used through the config it wrote, stopped at the end.
#include <gtest/gtest.h>

#include <signal.h>

#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <string>
#include <vector>

namespace {

struct DemoRun {
    int code = -1;
    std::string out;
    std::string err;
};

// DemoRun tender with args, with environment variables set (name, value) and
// TENDER_SANDBOX removed unless given.
DemoRun tender(const std::vector<std::string> &args,
           const std::vector<std::pair<const char *, const char *>> &env = {})
{
    std::vector<const char *> argv = {TENDER_EXE};
    for (auto &a : args)
        argv.push_back(a.c_str());
    argv.push_back(nullptr);
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
        (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE));
    g_subprocess_launcher_unsetenv(l, "TENDER_SANDBOX");
    for (auto &e : env)
        g_subprocess_launcher_setenv(l, e.first, e.second, TRUE);
    DemoRun r;
    g_autoptr(GError) error = nullptr;
    g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(l, argv.data(), &error);
    if (p == nullptr) {
        r.err = error->message;
        return r;
    }
    g_autofree char *out = nullptr, *err = nullptr;
    g_subprocess_communicate_utf8(p, nullptr, nullptr, &out, &err, nullptr);
    r.code = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
    r.out = out ? out : "";
    r.err = err ? err : "";
    return r;
}

// The base URL the demo printed ("against tender-sandbox at URL."), or "".
std::string sandbox_url(const std::string &out)
{
    const std::string key = "against tender-sandbox at ";
    size_t at = out.find(key);
    if (at == std::string::npos)
        return "";
    size_t end = out.find(".\n", at);
    return out.substr(at + key.size(), end - at - key.size());
}

bool answers(const std::string &url)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_socket_client_set_timeout(client, 2);
    g_autoptr(GError) error = nullptr;
    g_autoptr(GSocketConnection) c =
        g_socket_client_connect_to_uri(client, url.c_str(), 80, nullptr, &error);
    return c != nullptr;
}

TEST(TenderDemo, StartsASandboxRunsOnItsConfigAndStopsIt)
{
    DemoRun r = tender({"demo"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    std::string url = sandbox_url(r.out);
    ASSERT_TRUE(g_str_has_prefix(url.c_str(), "http://127.0.0.1:")) << r.out;
    EXPECT_NE(r.out.find("every step went as expected"), std::string::npos) << r.out;
    // Stopped at the end: nothing listens there any more.
    EXPECT_FALSE(answers(url)) << url;
}

TEST(TenderDemo, TheSandboxProgramCanBeNamed)
{
    DemoRun by_option = tender({"demo", "--sandbox", SANDBOX_EXE});
    EXPECT_EQ(by_option.code, 0) << by_option.out << by_option.err;
    EXPECT_NE(sandbox_url(by_option.out), "") << by_option.out;
    DemoRun by_env = tender({"demo"}, {{"TENDER_SANDBOX", SANDBOX_EXE}});
    EXPECT_EQ(by_env.code, 0) << by_env.out << by_env.err;
    EXPECT_NE(sandbox_url(by_env.out), "") << by_env.out;
}

TEST(TenderDemo, ASandboxThatIsMissingOrDoesNotStartIsSaid)
{
    DemoRun missing = tender({"demo", "--sandbox", "/nonexistent/tender-sandbox"});
    EXPECT_NE(missing.out.find("tender-sandbox did not start"), std::string::npos) << missing.out;
    EXPECT_EQ(sandbox_url(missing.out), "");
    EXPECT_TRUE(missing.code == 0 || missing.code == 70) << missing.code;
    DemoRun failing = tender({"demo"}, {{"TENDER_SANDBOX", "/bin/false"}});
    EXPECT_NE(failing.out.find("tender-sandbox did not start (/bin/false exited"),
              std::string::npos)
        << failing.out;
}

TEST(TenderDemo, AnExplicitConfigIsUsedWithNoSandbox)
{
    g_autofree char *dir = g_dir_make_tmp("tender-demo-test-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    std::string config = std::string(dir) + "/config.json";
    // Start a sandbox just for its config (the embedded defaults, every
    // present provider pointed at it), as the contract checks do.
    g_autoptr(GError) error = nullptr;
    g_autoptr(GSubprocess) sb = g_subprocess_new(
        (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE),
        &error, SANDBOX_EXE, "--listen", "127.0.0.1:0", "--config-out", config.c_str(), nullptr);
    ASSERT_NE(sb, nullptr);
    g_autoptr(GDataInputStream) in =
        g_data_input_stream_new(g_subprocess_get_stdout_pipe(sb));
    g_autofree char *line = g_data_input_stream_read_line(in, nullptr, nullptr, nullptr);
    ASSERT_NE(line, nullptr);
    DemoRun r = tender({"--config", config, "demo"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("on the config " + config), std::string::npos) << r.out;
    EXPECT_EQ(sandbox_url(r.out), "");
    g_subprocess_send_signal(sb, SIGTERM);
    g_subprocess_wait(sb, nullptr, nullptr);
    g_remove(config.c_str());
    g_rmdir(dir);
}

} // namespace
