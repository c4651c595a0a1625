/* The loader on directories: writable directories are refused, the scan
 * goes one level deep in name order, and a directory holding every kind of
 * wrong file yields the good plugin and a refusal for each of the rest. */
#include <gtest/gtest.h>

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "loader-test-util.h"

namespace {

/* Every "*.so" fixture file the build made (including the text one). */
std::vector<std::string> all_fixture_names()
{
    std::vector<std::string> names;
    GDir *d = g_dir_open(FIXTURE_DIR, 0, nullptr);
    EXPECT_NE(d, nullptr);
    if (d == nullptr)
        return names;
    const char *name;
    while ((name = g_dir_read_name(d)) != nullptr) {
        std::string path = std::string(FIXTURE_DIR) + "/" + name;
        if (g_str_has_suffix(name, ".so") && g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR))
            names.push_back(name);
    }
    g_dir_close(d);
    return names;
}

/* "file (id), file (id)" of the loaded plugins, for failure messages. */
std::string loaded_list(const TenderLoader *l)
{
    std::string s;
    for (guint i = 0; i < loader_plugins(l)->len; i++)
        s += std::string(i ? ", " : "") + plugin_at(l, i)->file + " (" + plugin_at(l, i)->id + ")";
    return s;
}

bool reason_has(const TenderRefusal *r, const std::string &needle)
{
    return std::string(r->reason).find(needle) != std::string::npos;
}

} // namespace

TEST(LoaderDirs, PrivateDirectoryLoads)
{
    TempDir dir;
    copy_file(fixture_path("fixture_good"), dir.at("good.so"));
    ASSERT_EQ(g_chmod(dir.path().c_str(), 0755), 0);
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    EXPECT_EQ(loader_refusals(loader.get())->len, 0u);
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_EQ(std::string(plugin_at(loader.get(), 0)->file), dir.at("good.so"));
}

TEST(LoaderDirs, WorldWritableDirectoryIsRefused)
{
    TempDir dir;
    copy_file(fixture_path("fixture_good"), dir.at("good.so"));
    ASSERT_EQ(g_chmod(dir.path().c_str(), 0777), 0);
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    EXPECT_EQ(loader_plugins(loader.get())->len, 0u);
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    const TenderRefusal *r = refusal_at(loader.get(), 0);
    EXPECT_EQ(std::string(r->file), dir.path());
    EXPECT_EQ(r->plugin_id, nullptr);
    EXPECT_TRUE(reason_has(r, dir.path() + ": plugin directory is writable by others (mode 0777)"))
        << r->reason;
}

TEST(LoaderDirs, GroupWritableDirectoryIsRefused)
{
    TempDir dir;
    copy_file(fixture_path("fixture_good"), dir.at("good.so"));
    ASSERT_EQ(g_chmod(dir.path().c_str(), 0775), 0);
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    EXPECT_EQ(loader_plugins(loader.get())->len, 0u);
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    EXPECT_TRUE(reason_has(refusal_at(loader.get(), 0), "writable by its group (mode 0775)"))
        << refusal_at(loader.get(), 0)->reason;
}

TEST(LoaderDirs, WritableSubdirectoryIsRefusedAndTheRestLoads)
{
    TempDir dir;
    std::string sub = dir.mkdir("open");
    copy_file(fixture_path("fixture_good"), sub + "/good.so");
    ASSERT_EQ(g_chmod(sub.c_str(), 0777), 0);
    copy_file(fixture_path("fixture_good"), dir.at("top.so"));
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_EQ(std::string(plugin_at(loader.get(), 0)->file), dir.at("top.so"));
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    EXPECT_EQ(std::string(refusal_at(loader.get(), 0)->file), sub);
}

TEST(LoaderDirs, MissingDirectoryIsRecorded)
{
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), "/nonexistent/tender-plugins");
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    const TenderRefusal *r = refusal_at(loader.get(), 0);
    EXPECT_STREQ(r->file, "/nonexistent/tender-plugins");
    EXPECT_TRUE(reason_has(r, "cannot read plugin directory")) << r->reason;
}

TEST(LoaderDirs, ScansOneLevelDeepInNameOrder)
{
    /* Like a build tree: plugins/<id>/<id>.so. Deeper files and files not
     * named *.so are not plugins. */
    TempDir dir;
    std::string b = dir.mkdir("b");
    std::string a = dir.mkdir("a");
    std::string deep = dir.mkdir("a/deeper");
    copy_file(fixture_path("fixture_no_name"), b + "/b.so");
    copy_file(fixture_path("fixture_no_version"), a + "/a.so");
    copy_file(fixture_path("fixture_no_id"), deep + "/deep.so");
    copy_file(fixture_path("fixture_no_create"), dir.at("c.so"));
    copy_file(fixture_path("fixture_no_destroy"), dir.at("plugin.so.disabled"));
    copy_file(fixture_path("fixture_no_destroy"), dir.at(".hidden.so"));
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    ASSERT_EQ(loader_refusals(loader.get())->len, 3u);
    EXPECT_EQ(std::string(refusal_at(loader.get(), 0)->file), a + "/a.so");
    EXPECT_EQ(std::string(refusal_at(loader.get(), 1)->file), b + "/b.so");
    EXPECT_EQ(std::string(refusal_at(loader.get(), 2)->file), dir.at("c.so"));
}

TEST(LoaderDirs, DirectoryOfEveryFixtureYieldsTheGoodOneAndRefusesTheRest)
{
    TempDir dir;
    std::vector<std::string> names = all_fixture_names();
    ASSERT_GE(names.size(), 17u) << "fixtures missing from " FIXTURE_DIR;
    for (const auto &n : names)
        copy_file(std::string(FIXTURE_DIR) + "/" + n, dir.at(n));

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());

    /* The good plugin, and the ones built for ABI 1.0 and 1.1 (name order). */
    ASSERT_EQ(loader_plugins(loader.get())->len, 3u) << loaded_list(loader.get());
    EXPECT_STREQ(plugin_at(loader.get(), 0)->id, "fixture_abi_1_0");
    EXPECT_STREQ(plugin_at(loader.get(), 1)->id, "fixture_abi_1_1");
    EXPECT_STREQ(plugin_at(loader.get(), 2)->id, "fixture_good");
    EXPECT_EQ(loader_methods(loader.get())->len, 4u);
    const GPtrArray *refusals = loader_refusals(loader.get());
    ASSERT_EQ(refusals->len, names.size() - 3);
    std::set<std::string> refused;
    for (guint i = 0; i < refusals->len; i++) {
        const TenderRefusal *r = refusal_at(loader.get(), i);
        refused.insert(r->file);
        EXPECT_EQ(std::string(r->reason).rfind(r->file, 0), 0u) << r->reason;
    }
    for (const auto &n : names) {
        if (n != "fixture_good.so" && n != "fixture_abi_1_0.so" && n != "fixture_abi_1_1.so") {
            EXPECT_TRUE(refused.count(dir.at(n))) << n << " was not refused";
        }
    }
    /* Name order: fixture_good.so sorts before fixture_good_twin.so, so the
     * twin is the duplicate. */
    EXPECT_TRUE(refused.count(dir.at("fixture_good_twin.so")));
}

TEST(LoaderDirs, DirectoryOfOddThingsNeverCrashes)
{
    TempDir dir;
    for (const auto &n : all_fixture_names())
        copy_file(std::string(FIXTURE_DIR) + "/" + n, dir.at(n));
    write_file(dir.at("empty.so"), "");
    write_file(dir.at("truncated.so"), "\x7f" "ELF\x02\x01\x01");
    {
        /* The first half of a real plugin. */
        char *data = nullptr;
        gsize len = 0;
        ASSERT_TRUE(g_file_get_contents(fixture_path("fixture_good").c_str(), &data, &len,
                                        nullptr));
        write_file(dir.at("half.so"), std::string(data, len / 2));
        g_free(data);
    }
    write_file(dir.at("README.txt"), "not a plugin");
    dir.mkdir("dir.so");
    std::string sub = dir.mkdir("sub");
    copy_file(fixture_path("fixture_good"), sub + "/again.so");
    ASSERT_EQ(symlink("nowhere.so", dir.at("dangling.so").c_str()), 0);
    ASSERT_EQ(symlink(".", (sub + "/loop").c_str()), 0);
    ASSERT_EQ(symlink(fixture_path("fixture_null_entry").c_str(), dir.at("link.so").c_str()), 0);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    loader_scan_dir(loader.get(), dir.path().c_str()); /* twice: all duplicates */

    ASSERT_EQ(loader_plugins(loader.get())->len, 3u) << loaded_list(loader.get());
    EXPECT_STREQ(plugin_at(loader.get(), 0)->id, "fixture_abi_1_0");
    EXPECT_STREQ(plugin_at(loader.get(), 1)->id, "fixture_abi_1_1");
    EXPECT_STREQ(plugin_at(loader.get(), 2)->id, "fixture_good");
    std::set<std::string> refused;
    for (guint i = 0; i < loader_refusals(loader.get())->len; i++)
        refused.insert(refusal_at(loader.get(), i)->file);
    for (const char *n : {"empty.so", "truncated.so", "half.so", "link.so", "dangling.so", "sub/again.so"})
        EXPECT_TRUE(refused.count(dir.at(n))) << n;
    for (guint i = 0; i < loader_refusals(loader.get())->len; i++) {
        const TenderRefusal *r = refusal_at(loader.get(), i);
        if (std::string(r->file) == dir.at("half.so")) {
            EXPECT_TRUE(reason_has(r, "truncated")) << r->reason;
        }
    }
    EXPECT_FALSE(refused.count(dir.at("README.txt")));
    EXPECT_FALSE(refused.count(dir.at("dir.so")));
}
