/* Every bundled plugin exports exactly one dynamic symbol,
 * tender_plugin_entry (DESIGN rule 1). The plugins are found under the build
 * tree ($TENDER_BUILD_ROOT/plugins/<id>/<id>.so) and their dynamic symbol
 * tables read with `nm -D --defined-only`. */
#include <gtest/gtest.h>

#include <glib.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

struct Found {
    std::vector<std::string> sos;
    int plugin_dirs = 0;
};

bool is_regular_so(const std::string &path)
{
    return g_str_has_suffix(path.c_str(), ".so") &&
           g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR);
}

/* Every "*.so" in dir and its immediate subdirectories (the loader's rule),
 * counting the subdirectories that look like a plugin's folder. */
Found find_plugins(const std::string &dir)
{
    Found found;
    GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
    if (d == nullptr)
        return found;
    const char *name;
    while ((name = g_dir_read_name(d)) != nullptr) {
        std::string path = dir + "/" + name;
        if (is_regular_so(path)) {
            found.sos.push_back(path);
        } else if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR) && name[0] != '.' &&
                   !g_str_has_suffix(name, ".p") && !g_str_has_prefix(name, "meson-")) {
            found.plugin_dirs++;
            GDir *sub = g_dir_open(path.c_str(), 0, nullptr);
            if (sub == nullptr)
                continue;
            const char *inner;
            while ((inner = g_dir_read_name(sub)) != nullptr) {
                std::string p = path + "/" + inner;
                if (is_regular_so(p))
                    found.sos.push_back(p);
            }
            g_dir_close(sub);
        }
    }
    g_dir_close(d);
    return found;
}

/* The defined dynamic symbols of so_path, without the absolute version-node
 * symbols ("A") some linkers add. Fails the test when nm cannot run. */
std::vector<std::string> dynamic_symbols(const std::string &so_path)
{
    std::vector<std::string> symbols;
    char *nm = g_find_program_in_path("nm");
    EXPECT_NE(nm, nullptr) << "nm (binutils) is needed to read dynamic symbols";
    if (nm == nullptr)
        return symbols;
    const char *argv[] = {nm, "-D", "--defined-only", so_path.c_str(), nullptr};
    char *out = nullptr, *err = nullptr;
    int status = 0;
    GError *error = nullptr;
    gboolean ok = g_spawn_sync(nullptr, (char **)argv, nullptr, G_SPAWN_DEFAULT, nullptr,
                               nullptr, &out, &err, &status, &error);
    g_free(nm);
    EXPECT_TRUE(ok) << (error ? error->message : "");
    if (!ok) {
        g_clear_error(&error);
        return symbols;
    }
    EXPECT_TRUE(g_spawn_check_wait_status(status, nullptr)) << so_path << ": " << err;
    char **lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **fields = g_strsplit_set(g_strstrip(*l), " \t", -1);
        guint n = g_strv_length(fields);
        /* "<value> <type> <name>"; undefined-value forms have two fields. */
        if (n >= 2) {
            const char *type = fields[n - 2];
            const char *name = fields[n - 1];
            if (g_strcmp0(type, "A") != 0)
                symbols.push_back(name);
        }
        g_strfreev(fields);
    }
    g_strfreev(lines);
    g_free(out);
    g_free(err);
    return symbols;
}

std::string join(const std::vector<std::string> &v)
{
    std::string s;
    for (const auto &x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s;
}

const char *build_root()
{
    return g_getenv("TENDER_BUILD_ROOT");
}

} // namespace

TEST(PluginSymbols, EveryBundledPluginExportsOnlyTheEntry)
{
    if (build_root() == nullptr)
        GTEST_SKIP() << "TENDER_BUILD_ROOT is not set (run through meson test)";
    Found found = find_plugins(std::string(build_root()) + "/plugins");
    if (found.plugin_dirs == 0)
        GTEST_SKIP() << "no plugin folder in the build tree yet";
    ASSERT_FALSE(found.sos.empty())
        << found.plugin_dirs << " plugin folder(s) under plugins/ but no .so was built";
    for (const auto &so : found.sos) {
        std::vector<std::string> syms = dynamic_symbols(so);
        EXPECT_EQ(syms.size(), 1u) << so << " exports: " << join(syms);
        if (syms.size() == 1) {
            EXPECT_EQ(syms[0], "tender_plugin_entry") << so;
        }
    }
}

/* The check itself works: the loader's good fixture (built like a bundled
 * plugin, with the version script) passes, and the fixture exporting a
 * misspelt entry does not. */
TEST(PluginSymbols, CheckSeesWhatAFixtureExports)
{
    if (build_root() == nullptr)
        GTEST_SKIP() << "TENDER_BUILD_ROOT is not set (run through meson test)";
    std::string fixtures = std::string(build_root()) + "/tests/loader/fixtures/";
    std::string good = fixtures + "fixture_good.so";
    std::string typo = fixtures + "fixture_no_entry.so";
    if (!g_file_test(good.c_str(), G_FILE_TEST_IS_REGULAR))
        GTEST_SKIP() << "loader fixtures not built";
    std::vector<std::string> syms = dynamic_symbols(good);
    ASSERT_EQ(syms.size(), 1u) << join(syms);
    EXPECT_EQ(syms[0], "tender_plugin_entry");
    syms = dynamic_symbols(typo);
    EXPECT_EQ(std::find(syms.begin(), syms.end(), "tender_plugin_entry"), syms.end());
    EXPECT_FALSE(syms.empty());
}
