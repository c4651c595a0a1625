// The shared tender-sandbox launcher (sandbox/launch/sandbox-launch.h): a
// sandbox comes up with its URL and config and stops cleanly on SIGTERM,
// leaving nothing behind; a program that cannot run or exits early is
// reported with the right error and its standard error, and leaves nothing
// behind either.
#include <gtest/gtest.h>

#include <glib.h>

#include <string>

extern "C" {
#include "sandbox-launch.h"
}

namespace
{

TEST(SandboxLaunch, StartsPrintsItsUrlAndStopsCleanly)
{
    const char *extra[] = {"--time-scale", "100", nullptr};
    SandboxLaunchOptions options = {SANDBOX_EXE, "sandbox-launch-test-XXXXXX", extra, TRUE};
    char *log = nullptr;
    GError *error = nullptr;
    SandboxLaunch *launch = sandbox_launch_start(&options, &log, &error);
    ASSERT_NE(launch, nullptr) << error->message;
    EXPECT_EQ(log, nullptr);
    EXPECT_TRUE(g_str_has_prefix(sandbox_launch_url(launch), "http://127.0.0.1:"))
        << sandbox_launch_url(launch);
    EXPECT_TRUE(g_file_test(sandbox_launch_config_path(launch), G_FILE_TEST_IS_REGULAR));
    std::string dir = sandbox_launch_dir(launch);
    EXPECT_TRUE(sandbox_launch_running(launch));
    EXPECT_TRUE(sandbox_launch_stop(launch)); // exit 0 on SIGTERM
    EXPECT_FALSE(sandbox_launch_running(launch));
    EXPECT_TRUE(sandbox_launch_stop(launch)); // again: nothing to do
    sandbox_launch_free(launch);
    EXPECT_FALSE(g_file_test(dir.c_str(), G_FILE_TEST_EXISTS));
}

TEST(SandboxLaunch, ProgramThatExitsEarlyIsReportedWithItsStandardError)
{
    // cat refuses --listen on standard error and exits 1.
    SandboxLaunchOptions options = {"cat", "sandbox-launch-test-XXXXXX", nullptr, FALSE};
    char *log = nullptr;
    GError *error = nullptr;
    EXPECT_EQ(sandbox_launch_start(&options, &log, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_EXITED))
        << error->message;
    ASSERT_NE(log, nullptr);
    EXPECT_NE(std::string(log).find("listen"), std::string::npos) << log;
    g_error_free(error);
    g_free(log);
}

TEST(SandboxLaunch, MissingProgramIsASpawnError)
{
    SandboxLaunchOptions options = {"/nonexistent/tender-sandbox", "sandbox-launch-test-XXXXXX",
                                    nullptr, FALSE};
    char *log = nullptr;
    GError *error = nullptr;
    EXPECT_EQ(sandbox_launch_start(&options, &log, &error), nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_TRUE(g_error_matches(error, SANDBOX_LAUNCH_ERROR, SANDBOX_LAUNCH_ERROR_SPAWN))
        << error->message;
    EXPECT_EQ(log, nullptr);
    g_error_free(error);
}

TEST(SandboxLaunch, FindPrefersTheExplicitPathThenTheEnvironment)
{
    gchar *found = sandbox_launch_find("/explicit/tender-sandbox", nullptr);
    EXPECT_STREQ(found, "/explicit/tender-sandbox");
    g_free(found);
    g_setenv("TENDER_SANDBOX", "/from/env/tender-sandbox", TRUE);
    found = sandbox_launch_find(nullptr, nullptr);
    EXPECT_STREQ(found, "/from/env/tender-sandbox");
    g_free(found);
    g_unsetenv("TENDER_SANDBOX");
    // The build tree: beside_dir/../sandbox/tender-sandbox.
    gchar *tools = g_path_get_dirname(SANDBOX_EXE);
    gchar *beside = g_build_filename(tools, "..", "tools", nullptr);
    found = sandbox_launch_find(nullptr, beside);
    ASSERT_NE(found, nullptr);
    EXPECT_TRUE(g_str_has_suffix(found, "tender-sandbox")) << found;
    EXPECT_TRUE(g_file_test(found, G_FILE_TEST_IS_EXECUTABLE));
    g_free(found);
    g_free(beside);
    g_free(tools);
}

} // namespace
