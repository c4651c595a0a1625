/* Helpers shared by the loader tests: fixture paths, a stub services table,
 * temporary plugin directories. */
#ifndef TENDER_TEST_LOADER_UTIL_H
#define TENDER_TEST_LOADER_UTIL_H

#include <memory>
#include <string>

#include "loader.h"

/* A services table whose functions do nothing useful: the fixtures never
 * call them, the loader only lends the pointer. */
const tender_host_services *test_services();

/* FIXTURE_DIR/<name>.so */
std::string fixture_path(const std::string &name);

struct LoaderFree {
    void operator()(TenderLoader *l) const { loader_free(l); }
};
using LoaderPtr = std::unique_ptr<TenderLoader, LoaderFree>;

inline LoaderPtr new_loader()
{
    return LoaderPtr(loader_new(test_services()));
}

inline const TenderRefusal *refusal_at(const TenderLoader *l, guint i)
{
    return static_cast<const TenderRefusal *>(g_ptr_array_index(loader_refusals(l), i));
}

inline const TenderPluginInfo *plugin_at(const TenderLoader *l, guint i)
{
    return static_cast<const TenderPluginInfo *>(g_ptr_array_index(loader_plugins(l), i));
}

/* A private (0700) temporary directory, removed with its contents: in the
 * temporary directory of GLib (TMPDIR, else /tmp), or in parent. */
class TempDir {
public:
    TempDir();
    explicit TempDir(const std::string &parent);
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    /* path()/name */
    std::string at(const std::string &name) const;
    /* Make path()/name a directory (mode 0700). */
    std::string mkdir(const std::string &name) const;

private:
    std::string path_;
};

/* Copy a file byte for byte; the copy gets mode 0755. */
void copy_file(const std::string &from, const std::string &to);
/* Write text into a file (mode 0644). */
void write_file(const std::string &path, const std::string &text);

#endif
