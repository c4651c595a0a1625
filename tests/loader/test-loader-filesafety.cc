/* The loader on where a plugin sits: a plugin file that group or others can
 * write, or that someone other than root or the running user owns, is
 * refused; so is a file or directory that is, or whose links lead, below a
 * directory anyone else could change. A sticky directory above (like /tmp)
 * is allowed, the plugin directory itself never is. Every refusal names the
 * file or directory and the reason, and nothing of it is loaded.
 *
 * The cases that need a file of another user chown() it to "nobody", which
 * needs root; CI runs the suite as root. Run by anyone else, they check the
 * same rule on the file's stat() with the owner changed instead. */
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "loader-filesafety.h"
#include "loader-test-util.h"

namespace {

std::string real_path(const std::string &path)
{
    char *r = realpath(path.c_str(), nullptr);
    EXPECT_NE(r, nullptr) << path;
    std::string s = r ? r : path;
    free(r);
    return s;
}

bool running_as_root()
{
    return geteuid() == 0;
}

/* A user other than root and us: "nobody", or "daemon" when we are nobody. */
const struct passwd *stranger()
{
    const struct passwd *pw = getpwnam("nobody");
    if (pw != nullptr && pw->pw_uid == geteuid())
        pw = getpwnam("daemon");
    EXPECT_NE(pw, nullptr) << "no user nobody (or daemon)";
    EXPECT_TRUE(pw == nullptr || (pw->pw_uid != 0 && pw->pw_uid != geteuid()));
    return pw;
}

uid_t stranger_uid()
{
    const struct passwd *pw = stranger();
    return pw ? pw->pw_uid : 65534;
}

std::string stranger_owner_text()
{
    const struct passwd *pw = stranger();
    std::string who = pw ? std::to_string(pw->pw_uid) + " (" + pw->pw_name + ")" : "?";
    return "owned by uid " + who + ", not by root or the running user (uid " +
           std::to_string(geteuid()) + ")";
}

/* The one refusal of a loader that loaded nothing. */
const TenderRefusal *only_refusal(const TenderLoader *l)
{
    EXPECT_EQ(loader_plugins(l)->len, 0u);
    EXPECT_EQ(loader_methods(l)->len, 0u);
    EXPECT_EQ(loader_refusals(l)->len, 1u);
    return loader_refusals(l)->len == 1 ? refusal_at(l, 0) : nullptr;
}

/* True when the dynamic linker never mapped the file: a refusal must come
 * before any of the plugin's code (its constructors) can run. */
bool never_mapped(const std::string &path)
{
    void *h = dlopen(real_path(path).c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (h != nullptr)
        dlclose(h);
    return h == nullptr;
}

/* A good plugin at path, in a directory that is safe otherwise. */
std::string good_plugin(const TempDir &dir, const std::string &name)
{
    std::string path = dir.at(name);
    copy_file(fixture_path("fixture_good"), path);
    EXPECT_EQ(g_chmod(path.c_str(), 0644), 0);
    return path;
}

} // namespace

TEST(LoaderFileSafety, GoodPluginInASafePlaceLoads)
{
    TempDir dir;
    std::string path = good_plugin(dir, "good.so");
    ASSERT_EQ(g_chmod(dir.path().c_str(), 0755), 0);
    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    EXPECT_EQ(loader_refusals(loader.get())->len, 0u)
        << refusal_at(loader.get(), 0)->reason;
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_EQ(std::string(plugin_at(loader.get(), 0)->file), path);
}

TEST(LoaderFileSafety, GroupWritableFileIsRefused)
{
    TempDir dir;
    std::string path = good_plugin(dir, "good.so");
    ASSERT_EQ(g_chmod(path.c_str(), 0664), 0);

    LoaderPtr loader = new_loader();
    EXPECT_FALSE(loader_load_file(loader.get(), path.c_str()));
    const TenderRefusal *r = only_refusal(loader.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), path);
    EXPECT_EQ(r->plugin_id, nullptr);
    EXPECT_EQ(std::string(r->reason),
              path + ": plugin file is writable by its group (mode 0664); not loaded");
    EXPECT_TRUE(never_mapped(path));

    /* Found by a scan, the same. */
    LoaderPtr scanned = new_loader();
    loader_scan_dir(scanned.get(), dir.path().c_str());
    r = only_refusal(scanned.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), path);
}

TEST(LoaderFileSafety, OthersWritableFileIsRefused)
{
    TempDir dir;
    std::string path = good_plugin(dir, "good.so");
    ASSERT_EQ(g_chmod(path.c_str(), 0646), 0);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    const TenderRefusal *r = only_refusal(loader.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), path);
    EXPECT_EQ(std::string(r->reason),
              path + ": plugin file is writable by others (mode 0646); not loaded");
    EXPECT_TRUE(never_mapped(path));
}

TEST(LoaderFileSafety, FileOfAnotherUserIsRefused)
{
    TempDir dir;
    std::string path = good_plugin(dir, "good.so");
    if (!running_as_root()) {
        /* Only root can give a file away: check the rule on what the loader
         * would see. */
        struct stat st;
        ASSERT_EQ(stat(path.c_str(), &st), 0);
        EXPECT_EQ(filesafety_check_owner_mode(&st), nullptr);
        st.st_uid = stranger_uid();
        char *why = filesafety_check_owner_mode(&st);
        ASSERT_NE(why, nullptr);
        EXPECT_EQ(std::string(why), stranger_owner_text());
        g_free(why);
        return;
    }
    ASSERT_EQ(chown(path.c_str(), stranger_uid(), (gid_t)-1), 0) << g_strerror(errno);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    const TenderRefusal *r = only_refusal(loader.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), path);
    EXPECT_EQ(std::string(r->reason), path + ": plugin file is " + stranger_owner_text() +
                                          "; not loaded");
    EXPECT_TRUE(never_mapped(path));
}

TEST(LoaderFileSafety, SymlinkIntoWorldWritableDirectoryIsRefused)
{
    /* The link sits in a safe directory; what it points at does not. */
    TempDir dir;
    std::string open_dir = dir.mkdir("open");
    ASSERT_EQ(g_chmod(open_dir.c_str(), 0777), 0);
    std::string target = open_dir + "/good.so";
    copy_file(fixture_path("fixture_good"), target);
    ASSERT_EQ(g_chmod(target.c_str(), 0644), 0);
    std::string plugins = dir.mkdir("plugins");
    std::string link = plugins + "/good.so";
    ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), plugins.c_str());
    const TenderRefusal *r = only_refusal(loader.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), link);
    EXPECT_EQ(std::string(r->reason),
              link + ": plugin file resolves to " + real_path(target) + ", under " +
                  real_path(open_dir) + ", which is writable by others (mode 0777); not loaded");
    EXPECT_TRUE(never_mapped(target));

    /* A link higher up the path leads to the same place. */
    std::string via = dir.at("via");
    ASSERT_EQ(symlink(open_dir.c_str(), via.c_str()), 0);
    LoaderPtr direct = new_loader();
    EXPECT_FALSE(loader_load_file(direct.get(), (via + "/good.so").c_str()));
    r = only_refusal(direct.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), via + "/good.so");
    EXPECT_NE(std::string(r->reason).find("resolves to " + real_path(target) + ", under " +
                                          real_path(open_dir) + ", which is writable by others"),
              std::string::npos)
        << r->reason;
}

TEST(LoaderFileSafety, PluginDirectoryBelowGroupWritableDirectoryIsRefused)
{
    TempDir dir;
    std::string parent = dir.mkdir("parent");
    std::string plugins = dir.mkdir("parent/plugins");
    copy_file(fixture_path("fixture_good"), plugins + "/good.so");
    ASSERT_EQ(g_chmod(parent.c_str(), 0775), 0);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), plugins.c_str());
    const TenderRefusal *r = only_refusal(loader.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), plugins);
    EXPECT_EQ(std::string(r->reason),
              plugins + ": plugin directory sits under " + real_path(parent) +
                  ", which is writable by its group (mode 0775); no plugin in it is loaded");
    EXPECT_TRUE(never_mapped(plugins + "/good.so"));

    /* Every directory up to "/" counts, not just the parent; the topmost
     * bad one is named. */
    ASSERT_EQ(g_chmod(parent.c_str(), 0700), 0);
    std::string deeper = dir.mkdir("parent/plugins/deeper");
    ASSERT_EQ(g_chmod(dir.path().c_str(), 0770), 0);
    LoaderPtr again = new_loader();
    loader_scan_dir(again.get(), deeper.c_str());
    r = only_refusal(again.get());
    ASSERT_NE(r, nullptr);
    EXPECT_NE(std::string(r->reason).find("sits under " + real_path(dir.path()) +
                                          ", which is writable by its group (mode 0770)"),
              std::string::npos)
        << r->reason;
}

TEST(LoaderFileSafety, PluginDirectoryBelowAnotherUsersDirectoryIsRefused)
{
    TempDir dir;
    std::string parent = dir.mkdir("parent");
    std::string plugins = dir.mkdir("parent/plugins");
    copy_file(fixture_path("fixture_good"), plugins + "/good.so");
    ASSERT_EQ(g_chmod(parent.c_str(), 0755), 0);
    if (!running_as_root()) {
        struct stat st;
        ASSERT_EQ(lstat(parent.c_str(), &st), 0);
        EXPECT_EQ(filesafety_check_ancestor_mode(&st), nullptr);
        st.st_uid = stranger_uid();
        char *why = filesafety_check_ancestor_mode(&st);
        ASSERT_NE(why, nullptr);
        EXPECT_EQ(std::string(why), stranger_owner_text());
        g_free(why);
        return;
    }
    ASSERT_EQ(chown(parent.c_str(), stranger_uid(), (gid_t)-1), 0) << g_strerror(errno);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), plugins.c_str());
    const TenderRefusal *r = only_refusal(loader.get());
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(std::string(r->file), plugins);
    EXPECT_EQ(std::string(r->reason), plugins + ": plugin directory sits under " +
                                          real_path(parent) + ", which is " +
                                          stranger_owner_text() + "; no plugin in it is loaded");
}

/* docs/decisions.md, "Where plugins may be loaded from": a sticky directory
 * above a plugin may be writable by others, as /tmp is; the plugin
 * directory itself may not, and a sticky directory of another user is no
 * safer than any directory of theirs. */
TEST(LoaderFileSafety, StickyDirectoryAboveIsAllowedOnlyWhenItsOwnerIsTrusted)
{
    /* /tmp itself: every temporary plugin directory of the suite is in it. */
    struct stat tmp;
    ASSERT_EQ(lstat("/tmp", &tmp), 0);
    ASSERT_TRUE(S_ISDIR(tmp.st_mode) && (tmp.st_mode & 07777) == 01777 && tmp.st_uid == 0)
        << "this case expects /tmp to be the usual sticky, world-writable, root-owned directory";
    {
        TempDir in_tmp("/tmp");
        std::string path = good_plugin(in_tmp, "good.so");
        LoaderPtr loader = new_loader();
        loader_scan_dir(loader.get(), in_tmp.path().c_str());
        EXPECT_EQ(loader_refusals(loader.get())->len, 0u);
        ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
        EXPECT_EQ(std::string(plugin_at(loader.get(), 0)->file), path);
    }

    /* A sticky directory of our own (root's, in CI), one level up. */
    TempDir dir;
    std::string shared = dir.mkdir("shared");
    std::string plugins = dir.mkdir("shared/plugins");
    copy_file(fixture_path("fixture_good"), plugins + "/good.so");
    ASSERT_EQ(g_chmod(shared.c_str(), 01777), 0);
    {
        LoaderPtr loader = new_loader();
        loader_scan_dir(loader.get(), plugins.c_str());
        EXPECT_EQ(loader_refusals(loader.get())->len, 0u)
            << refusal_at(loader.get(), 0)->reason;
        EXPECT_EQ(loader_plugins(loader.get())->len, 1u);
    }
    /* Not sticky: anyone could rename plugins/ and put theirs in its place. */
    ASSERT_EQ(g_chmod(shared.c_str(), 0777), 0);
    {
        LoaderPtr loader = new_loader();
        loader_scan_dir(loader.get(), plugins.c_str());
        const TenderRefusal *r = only_refusal(loader.get());
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(std::string(r->reason),
                  plugins + ": plugin directory sits under " + real_path(shared) +
                      ", which is writable by others (mode 0777); no plugin in it is loaded");
    }
    /* Sticky, as the plugin directory itself: anyone could add a plugin. */
    ASSERT_EQ(g_chmod(shared.c_str(), 01777), 0);
    ASSERT_EQ(g_chmod(plugins.c_str(), 01777), 0);
    {
        LoaderPtr loader = new_loader();
        loader_scan_dir(loader.get(), plugins.c_str());
        const TenderRefusal *r = only_refusal(loader.get());
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(std::string(r->reason),
                  plugins + ": plugin directory is writable by others (mode 1777); no plugin in "
                            "it is loaded");
    }
    ASSERT_EQ(g_chmod(plugins.c_str(), 0755), 0);
    /* Sticky but another user's: its owner may remove anything in it. */
    if (!running_as_root()) {
        struct stat st;
        ASSERT_EQ(lstat(shared.c_str(), &st), 0);
        st.st_uid = stranger_uid();
        char *why = filesafety_check_ancestor_mode(&st);
        ASSERT_NE(why, nullptr);
        EXPECT_EQ(std::string(why), stranger_owner_text());
        g_free(why);
        return;
    }
    ASSERT_EQ(chown(shared.c_str(), stranger_uid(), (gid_t)-1), 0) << g_strerror(errno);
    {
        LoaderPtr loader = new_loader();
        loader_scan_dir(loader.get(), plugins.c_str());
        const TenderRefusal *r = only_refusal(loader.get());
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(std::string(r->reason), plugins + ": plugin directory sits under " +
                                              real_path(shared) + ", which is " +
                                              stranger_owner_text() +
                                              "; no plugin in it is loaded");
    }
}

TEST(LoaderFileSafety, RefusedFileLeavesTheRestOfTheDirectoryLoading)
{
    TempDir dir;
    std::string good = good_plugin(dir, "a-good.so");
    std::string bad = dir.at("b-open.so");
    copy_file(fixture_path("fixture_good_twin"), bad);
    ASSERT_EQ(g_chmod(bad.c_str(), 0666), 0);

    LoaderPtr loader = new_loader();
    loader_scan_dir(loader.get(), dir.path().c_str());
    ASSERT_EQ(loader_plugins(loader.get())->len, 1u);
    EXPECT_EQ(std::string(plugin_at(loader.get(), 0)->file), good);
    ASSERT_EQ(loader_refusals(loader.get())->len, 1u);
    const TenderRefusal *r = refusal_at(loader.get(), 0);
    EXPECT_EQ(std::string(r->file), bad);
    EXPECT_EQ(std::string(r->reason).rfind(bad + ": plugin file is writable by others", 0), 0u)
        << r->reason;
}
