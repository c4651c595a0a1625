// Helpers of the stress suite (see stress-util.h).
#include "stress-util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cstdlib>

extern "C" {
#include "sandbox-process.h"
}

namespace stress {

// The tender-sandbox of this process, started on first use.
static TestSandbox *the_sandbox()
{
    static TestSandbox *sb = nullptr;
    static bool tried = false;
    if (!tried) {
        tried = true;
        GError *error = nullptr;
        sb = test_sandbox_start(1.0, nullptr, &error);
        if (sb == nullptr) {
            ADD_FAILURE() << "tender-sandbox did not start: " << (error ? error->message : "");
            g_clear_error(&error);
        } else {
            std::atexit([] { test_sandbox_stop(sb); });
        }
    }
    return sb;
}

std::string sandbox_settings(const char *method)
{
    TestSandbox *sb = the_sandbox();
    char *json = sb ? test_sandbox_settings_json(sb, method) : nullptr;
    std::string settings = json ? json : "{}";
    g_free(json);
    return settings;
}

std::string card_sandbox_settings()
{
    return sandbox_settings("card");
}

std::string sandbox_setting(const char *method, const char *key)
{
    TestSandbox *sb = the_sandbox();
    JsonObject *settings = sb ? test_sandbox_settings(sb, method) : nullptr;
    return settings && json_object_has_member(settings, key)
               ? json_object_get_string_member(settings, key)
               : "";
}


int scale()
{
    const char *env = g_getenv("TENDER_STRESS_SCALE");
    int n = env ? std::atoi(env) : 1;
    return n > 0 ? n : 1;
}

unsigned seed()
{
    const char *env = g_getenv("TENDER_STRESS_SEED");
    if (env)
        return static_cast<unsigned>(std::strtoul(env, nullptr, 10));
    return static_cast<unsigned>(g_get_real_time() % 1000000007);
}

std::string make_temp_dir(const char *stem)
{
    GError *error = nullptr;
    std::string pattern = std::string(stem) + "-XXXXXX";
    char *dir = g_dir_make_tmp(pattern.c_str(), &error);
    EXPECT_NE(dir, nullptr) << (error ? error->message : "");
    std::string out = dir ? dir : "";
    g_free(dir);
    if (error)
        g_error_free(error);
    return out;
}

void remove_tree(const std::string &dir)
{
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d)) != nullptr) {
            std::string path = dir + "/" + name;
            g_remove(path.c_str());
        }
        g_dir_close(d);
    }
    g_rmdir(dir.c_str());
}

void write_file(const std::string &path, const std::string &text)
{
    GError *error = nullptr;
    ASSERT_TRUE(g_file_set_contents(path.c_str(), text.c_str(), -1, &error))
        << (error ? error->message : "");
}

std::string summarize(const std::vector<std::string> &problems, size_t limit)
{
    std::string out;
    for (size_t i = 0; i < problems.size() && i < limit; i++)
        out += problems[i] + "\n";
    if (problems.size() > limit)
        out += "... and " + std::to_string(problems.size() - limit) + " more\n";
    return out;
}

}  // namespace stress
