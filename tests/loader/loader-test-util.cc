/* Helpers shared by the loader tests. */
#include "loader-test-util.h"

#include <gtest/gtest.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

namespace {

void log_line(const tender_host_services *, tender_log_level, const char *, const char *) {}
int64_t now_ms(const tender_host_services *)
{
    return 1772359200000;
}
void random_bytes(const tender_host_services *, void *buf, size_t len)
{
    memset(buf, 0x5a, len);
}
int config_string(const tender_host_services *, const char *, const char *, char *, size_t)
{
    return 0;
}
int config_int64(const tender_host_services *, const char *, const char *, int64_t *)
{
    return 0;
}
int config_bool(const tender_host_services *, const char *, const char *, int *)
{
    return 0;
}

/* Remove a directory tree; tolerant of modes the test changed. */
void remove_tree(const std::string &path)
{
    g_chmod(path.c_str(), 0700);
    GDir *d = g_dir_open(path.c_str(), 0, nullptr);
    if (d != nullptr) {
        const char *name;
        while ((name = g_dir_read_name(d)) != nullptr) {
            std::string child = path + "/" + name;
            if (g_file_test(child.c_str(), G_FILE_TEST_IS_SYMLINK))
                g_unlink(child.c_str());
            else if (g_file_test(child.c_str(), G_FILE_TEST_IS_DIR))
                remove_tree(child);
            else
                g_unlink(child.c_str());
        }
        g_dir_close(d);
    }
    g_rmdir(path.c_str());
}

} // namespace

const tender_host_services *test_services()
{
    static tender_host_services services = {
        sizeof(tender_host_services), TENDER_ABI_MAJOR, TENDER_ABI_MINOR, nullptr,
        log_line, now_ms, random_bytes, config_string, config_int64, config_bool,
    };
    return &services;
}

std::string fixture_path(const std::string &name)
{
    return std::string(FIXTURE_DIR) + "/" + name + ".so";
}

TempDir::TempDir()
{
    GError *error = nullptr;
    char *dir = g_dir_make_tmp("tender-loader-XXXXXX", &error);
    EXPECT_NE(dir, nullptr) << (error ? error->message : "");
    g_clear_error(&error);
    path_ = dir ? dir : "/nonexistent";
    g_free(dir);
    g_chmod(path_.c_str(), 0700);
}

TempDir::TempDir(const std::string &parent)
{
    char *tmpl = g_build_filename(parent.c_str(), "tender-loader-XXXXXX", nullptr);
    bool made = g_mkdtemp_full(tmpl, 0700) != nullptr;
    EXPECT_TRUE(made) << tmpl << ": " << g_strerror(errno);
    path_ = made ? tmpl : "/nonexistent";
    g_free(tmpl);
}

TempDir::~TempDir()
{
    remove_tree(path_);
}

std::string TempDir::at(const std::string &name) const
{
    return path_ + "/" + name;
}

std::string TempDir::mkdir(const std::string &name) const
{
    std::string p = at(name);
    EXPECT_EQ(::mkdir(p.c_str(), 0700), 0) << p;
    g_chmod(p.c_str(), 0700);
    return p;
}

void copy_file(const std::string &from, const std::string &to)
{
    char *data = nullptr;
    gsize len = 0;
    GError *error = nullptr;
    ASSERT_TRUE(g_file_get_contents(from.c_str(), &data, &len, &error))
        << (error ? error->message : "");
    ASSERT_TRUE(g_file_set_contents_full(to.c_str(), data, (gssize)len,
                                         G_FILE_SET_CONTENTS_NONE, 0755, &error))
        << (error ? error->message : "");
    g_free(data);
}

void write_file(const std::string &path, const std::string &text)
{
    GError *error = nullptr;
    ASSERT_TRUE(g_file_set_contents_full(path.c_str(), text.data(), (gssize)text.size(),
                                         G_FILE_SET_CONTENTS_NONE, 0644, &error))
        << (error ? error->message : "");
}
