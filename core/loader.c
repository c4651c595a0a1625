/* The plugin loader and registry.
 *
 * Every way a file can be wrong ends in a recorded refusal, never in a stop:
 * the host keeps running with the plugins that were good. A refused file is
 * dlclose()d at once; a loaded one stays open until loader_free(),
 * because the registry points into its plugin-static descriptor. */
#include "loader.h"
#include "isolation.h"
#include "loader-filesafety.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tender/money.h>

/* One registered method: the ABI struct in the plugin's memory and the
 * host's copy of its facts. */
typedef struct {
    const tender_method *abi;
    TenderMethodInfo *info;
} Registered;

struct TenderLoader {
    const tender_host_services *services;
    TenderLoaderServicesFn services_for; /* NULL: every plugin gets services */
    TenderLoaderBindFn bind;
    gpointer services_data;
    GPtrArray *plugins;   /* TenderPluginInfo*, owned */
    GPtrArray *methods;   /* TenderMethodInfo*, owned */
    GPtrArray *refusals;  /* TenderRefusal*, owned */
    GPtrArray *handles;   /* dlopen handles of loaded plugins */
    TenderLoaderIsolationFn isolation_for; /* NULL: every plugin in-process */
    gpointer isolation_data;
    GPtrArray *isolated;  /* IsolatedPlugin* of the plugins loaded isolated */
    GHashTable *by_id;    /* method id -> Registered* (owned) */
};

/* ---- freeing ---------------------------------------------------------------- */

void method_info_free(TenderMethodInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->id);
    g_free(info->name);
    g_free(info->plugin_id);
    g_free(info->plugin_file);
    g_strfreev(info->regions);
    if (info->currencies != NULL)
        g_array_unref(info->currencies);
    if (info->params != NULL)
        g_ptr_array_unref(info->params);
    if (info->action_params != NULL)
        g_ptr_array_unref(info->action_params);
    g_free(info->over_capture_currency);
    g_strfreev(info->tiers);
    g_free(info);
}

void plugin_info_free(TenderPluginInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->file);
    g_free(info->id);
    g_free(info->name);
    g_free(info->version);
    g_free(info->description);
    if (info->methods != NULL)
        g_ptr_array_unref(info->methods); /* borrowed entries: no free func */
    g_free(info);
}

void refusal_free(TenderRefusal *refusal)
{
    if (refusal == NULL)
        return;
    g_free(refusal->file);
    g_free(refusal->plugin_id);
    g_free(refusal->reason);
    g_free(refusal);
}

static void param_info_free(gpointer p)
{
    TenderParamInfo *info = p;
    g_free(info->name);
    g_free(info->description);
    g_free(info);
}

static void currency_info_clear(gpointer p)
{
    TenderCurrencyInfo *info = p;
    g_free(info->home_region);
}

/* ---- loader ----------------------------------------------------------------- */

TenderLoader *loader_new(const tender_host_services *services)
{
    TenderLoader *loader = g_new0(TenderLoader, 1);
    loader->services = services;
    loader->plugins = g_ptr_array_new_with_free_func((GDestroyNotify)plugin_info_free);
    loader->methods = g_ptr_array_new_with_free_func((GDestroyNotify)method_info_free);
    loader->refusals = g_ptr_array_new_with_free_func((GDestroyNotify)refusal_free);
    loader->handles = g_ptr_array_new();
    loader->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    loader->isolated = g_ptr_array_new();
    return loader;
}

void loader_set_services_per_plugin(TenderLoader *loader,
                                           TenderLoaderServicesFn services_for,
                                           TenderLoaderBindFn bind, gpointer data)
{
    loader->services_for = services_for;
    loader->bind = bind;
    loader->services_data = data;
}

void loader_free(TenderLoader *loader)
{
    if (loader == NULL)
        return;
    /* The infos are copies, so they can go in any order; the handles last,
     * after nothing points into the plugins any more. */
    g_hash_table_unref(loader->by_id);
    g_ptr_array_unref(loader->plugins);
    g_ptr_array_unref(loader->methods);
    g_ptr_array_unref(loader->refusals);
    for (guint i = 0; i < loader->isolated->len; i++)
        isolation_free(g_ptr_array_index(loader->isolated, i));
    g_ptr_array_unref(loader->isolated);
    for (guint i = 0; i < loader->handles->len; i++)
        if (g_ptr_array_index(loader->handles, i) != NULL)
            dlclose(g_ptr_array_index(loader->handles, i));
    g_ptr_array_unref(loader->handles);
    g_free(loader);
}

void loader_set_isolation(TenderLoader *loader, TenderLoaderIsolationFn isolation_for,
                          gpointer data)
{
    loader->isolation_for = isolation_for;
    loader->isolation_data = data;
}

IsolatedPlugin *loader_isolated_plugin(const TenderLoader *loader, const char *plugin_id)
{
    for (guint i = 0; plugin_id && i < loader->isolated->len; i++) {
        IsolatedPlugin *p = g_ptr_array_index(loader->isolated, i);
        if (g_strcmp0(isolation_plugin_id(p), plugin_id) == 0)
            return p;
    }
    return NULL;
}

const GPtrArray *loader_plugins(const TenderLoader *loader)
{
    return loader->plugins;
}

const GPtrArray *loader_methods(const TenderLoader *loader)
{
    return loader->methods;
}

const GPtrArray *loader_refusals(const TenderLoader *loader)
{
    return loader->refusals;
}

const tender_method *loader_method_abi(const TenderLoader *loader, const char *method_id)
{
    const Registered *r = method_id ? g_hash_table_lookup(loader->by_id, method_id) : NULL;
    return r ? r->abi : NULL;
}

const TenderMethodInfo *loader_method_info(const TenderLoader *loader,
                                                  const char *method_id)
{
    const Registered *r = method_id ? g_hash_table_lookup(loader->by_id, method_id) : NULL;
    return r ? r->info : NULL;
}

/* Record a refusal: "<file> (plugin '<id>'): <reason>", or without the
 * plugin part when the id is not known. Takes ownership of reason. */
static void refuse(TenderLoader *loader, const char *file, const char *plugin_id, char *reason)
{
    TenderRefusal *r = g_new0(TenderRefusal, 1);
    r->file = g_strdup(file);
    r->plugin_id = g_strdup(plugin_id);
    if (plugin_id != NULL)
        r->reason = g_strdup_printf("%s (plugin '%s'): %s", file, plugin_id, reason);
    else
        r->reason = g_strdup_printf("%s: %s", file, reason);
    g_debug("refused %s", r->reason);
    g_ptr_array_add(loader->refusals, r);
    g_free(reason);
}

/* The descriptor's plugin id when it can be read and quoted: a printable
 * string within a struct big enough to hold the field. NULL otherwise. */
static char *readable_plugin_id(const tender_plugin_descriptor *d)
{
    if (!TENDER_HAS_FIELD(d, tender_plugin_descriptor, id) || d->id == NULL || d->id[0] == '\0')
        return NULL;
    size_t n = 0;
    for (; d->id[n] != '\0' && n < 64; n++)
        if (d->id[n] < 0x20 || d->id[n] > 0x7e || d->id[n] == '\'')
            return NULL;
    return d->id[n] == '\0' ? g_strdup(d->id) : NULL;
}

/* Entries of an array laid out with the plugin's own struct size (checked
 * by abi_check_descriptor: at least ABI 1.0's, aligned). */
static const void *nth(const void *base, uint32_t stride, size_t i)
{
    return (const char *)base + (size_t)stride * i;
}

static GPtrArray *copy_params(const tender_param_spec *specs, size_t n)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(param_info_free);
    for (size_t i = 0; i < n; i++) {
        const tender_param_spec *s = nth(specs, specs[0].struct_size, i);
        TenderParamInfo *p = g_new0(TenderParamInfo, 1);
        p->name = g_strdup(s->name);
        p->flags = s->flags;
        p->description = g_strdup(s->description ? s->description : "");
        g_ptr_array_add(out, p);
    }
    return out;
}

static GStrv copy_strv(const char *const *list)
{
    if (list == NULL)
        return g_new0(char *, 1);
    return g_strdupv((char **)list);
}

static TenderMethodInfo *copy_method(const tender_method *m, const TenderPluginInfo *plugin)
{
    TenderMethodInfo *info = g_new0(TenderMethodInfo, 1);
    info->id = g_strdup(m->id);
    info->name = g_strdup(m->name);
    info->plugin_id = g_strdup(plugin->id);
    info->plugin_file = g_strdup(plugin->file);
    info->capabilities = m->capabilities;
    /* A capability whose slot the plugin's table cannot hold (an older
     * plugin) is not the method's: the host never calls it. */
    if (abi_operation_fn(m, TENDER_OP_REAUTHORIZE) == NULL)
        info->capabilities &= ~(guint64)TENDER_CAP_REAUTHORIZE;
    info->regions = copy_strv(m->regions);

    info->currencies = g_array_sized_new(FALSE, TRUE, sizeof(TenderCurrencyInfo),
                                         (guint)m->n_currencies);
    g_array_set_clear_func(info->currencies, currency_info_clear);
    for (size_t i = 0; i < m->n_currencies; i++) {
        const tender_currency_fact *f = nth(m->currencies, m->currencies[0].struct_size, i);
        TenderCurrencyInfo c = {0};
        memcpy(c.code, f->code, 3);
        /* -1 is "as ISO 4217"; the check made sure the code is one. */
        c.exponent = f->exponent >= 0 ? f->exponent : tender_currency_exponent(f->code);
        c.min_amount = f->min_amount;
        c.max_amount = f->max_amount;
        c.home_region = g_strdup(f->home_region);
        g_array_append_val(info->currencies, c);
    }
    info->params = copy_params(m->params, m->n_params);
    info->action_params = copy_params(m->action_params, m->n_action_params);
    info->hold_seconds = m->hold_seconds;
    info->action_timeout_seconds = m->action_timeout_seconds;
    info->over_capture_bps = m->over_capture_bps;
    info->over_capture_max_extra = m->over_capture_max_extra;
    info->over_capture_currency = g_strdup(m->over_capture_currency);
    info->tiers = copy_strv(m->tiers);
    /* An isolated plugin's proxy method holds a copy of its fixtures. */
    const tender_fixture *copy = NULL;
    size_t n_copy = 0;
    info->has_fixtures = abi_fixtures_fn(m) != NULL ||
                         (isolation_method_fixtures(m, &copy, &n_copy) && copy != NULL);
    return info;
}

/* Refuse the plugin if one of its methods is already registered. */
static char *find_duplicate(const TenderLoader *loader, const tender_plugin_descriptor *d)
{
    for (size_t i = 0; i < d->n_methods; i++) {
        const Registered *r = g_hash_table_lookup(loader->by_id, d->methods[i]->id);
        if (r != NULL)
            return g_strdup_printf("method '%s' is already registered by %s (plugin '%s'), "
                                   "which stays", r->info->id, r->info->plugin_file,
                                   r->info->plugin_id);
    }
    return NULL;
}

static void register_plugin(TenderLoader *loader, const char *path, void *handle,
                            const tender_plugin_descriptor *d)
{
    TenderPluginInfo *plugin = g_new0(TenderPluginInfo, 1);
    plugin->file = g_strdup(path);
    plugin->id = g_strdup(d->id);
    plugin->name = g_strdup(d->name);
    plugin->version = g_strdup(d->version);
    plugin->description = g_strdup(d->description);
    plugin->abi_major = d->abi_major;
    plugin->abi_minor = d->abi_minor;
    plugin->methods = g_ptr_array_new();
    for (size_t i = 0; i < d->n_methods; i++) {
        Registered *r = g_new0(Registered, 1);
        r->abi = d->methods[i];
        r->info = copy_method(d->methods[i], plugin);
        g_ptr_array_add(loader->methods, r->info);
        g_ptr_array_add(plugin->methods, r->info);
        g_hash_table_insert(loader->by_id, r->info->id, r);
    }
    g_ptr_array_add(loader->plugins, plugin);
    g_ptr_array_add(loader->handles, handle);
}

/* dlopen() maps a file's segments as its headers say; a segment that ends
 * past the end of a truncated file (a half-copied plugin) faults with SIGBUS
 * the moment the dynamic linker touches it. So read the ELF headers first
 * and refuse a file whose headers point outside it. fd is the open plugin and
 * st its fstat(). NULL when the file looks whole, else the reason. */
static char *check_elf_fd(int fd, const struct stat *st)
{
    char *reason = NULL;
    ElfW(Ehdr) eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        reason = g_strdup("not a loadable shared object (not an ELF file)");
        goto out;
    }
    guint64 size = (guint64)st->st_size;
    if (eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
        reason = g_strdup_printf("not a loadable shared object (built for %d-bit, this host "
                                 "is %d-bit)", eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32,
                                 (int)(sizeof(void *) * 8));
        goto out;
    }
    if (eh.e_type != ET_DYN) {
        reason = g_strdup("not a loadable shared object (an ELF file, but not a shared object)");
        goto out;
    }
    if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
        (guint64)eh.e_phoff + (guint64)eh.e_phnum * sizeof(ElfW(Phdr)) > size ||
        (eh.e_shoff != 0 &&
         (guint64)eh.e_shoff + (guint64)eh.e_shnum * (guint64)eh.e_shentsize > size)) {
        reason = g_strdup_printf("not a loadable shared object (truncated: its headers point "
                                 "past its %" G_GUINT64_FORMAT " bytes)", size);
        goto out;
    }
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        ElfW(Phdr) ph;
        off_t at = (off_t)(eh.e_phoff + (guint64)i * sizeof ph);
        if (pread(fd, &ph, sizeof ph, at) != (ssize_t)sizeof ph) {
            reason = g_strdup("not a loadable shared object (unreadable program header)");
            goto out;
        }
        if (ph.p_type != PT_NULL && ((guint64)ph.p_offset > size ||
                                     (guint64)ph.p_filesz > size - (guint64)ph.p_offset)) {
            reason = g_strdup_printf("not a loadable shared object (truncated: a segment ends "
                                     "past its %" G_GUINT64_FORMAT " bytes)", size);
            goto out;
        }
    }
out:
    return reason;
}

/* The refusal for a file whose place is unsafe (why from
 * filesafety_check_ancestors); names where a link led, if one did. */
static char *unsafe_place_reason(const char *path, const char *real, const char *why)
{
    if (strcmp(path, real) == 0)
        return g_strdup_printf("plugin file sits under %s; not loaded", why);
    return g_strdup_printf("plugin file resolves to %s, under %s; not loaded", real, why);
}

/* The checks before anything of the file runs, in an order that leaves no
 * gap to exploit: resolve every link once, check every directory above the
 * result from "/" down (after which only root or this user can change what
 * the resolved name points at), then open that name without following a
 * link and check the owner, mode and kind of what the descriptor holds.
 * Returns the descriptor, the resolved path in *real (free()) and the fstat
 * in *st; or -1 with the refusal recorded. */
static int open_safe_file(TenderLoader *loader, const char *path, char **real, struct stat *st)
{
    int fd = -1;
    *real = realpath(path, NULL);
    if (*real == NULL) {
        refuse(loader, path, NULL, g_strdup_printf("cannot read: %s", g_strerror(errno)));
        return -1;
    }
    char *why = filesafety_check_ancestors(*real);
    if (why != NULL) {
        refuse(loader, path, NULL, unsafe_place_reason(path, *real, why));
        g_free(why);
        goto refused;
    }
    /* Never open() a device or a FIFO: that can block or have effects. */
    if (lstat(*real, st) != 0) {
        refuse(loader, path, NULL, g_strdup_printf("cannot read: %s", g_strerror(errno)));
        goto refused;
    }
    if (!S_ISREG(st->st_mode)) {
        refuse(loader, path, NULL, g_strdup("not a regular file"));
        goto refused;
    }
    fd = open(*real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        refuse(loader, path, NULL, g_strdup_printf("cannot read: %s", g_strerror(errno)));
        goto refused;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        refuse(loader, path, NULL, g_strdup("not a regular file"));
        goto refused;
    }
    /* Whoever can write the file can make the host run their code. */
    if ((why = filesafety_check_owner_mode(st)) != NULL) {
        refuse(loader, path, NULL, g_strdup_printf("plugin file is %s; not loaded", why));
        g_free(why);
        goto refused;
    }
    return fd;
refused:
    if (fd >= 0)
        close(fd);
    free(*real);
    *real = NULL;
    return -1;
}

/* dlopen() the checked file; NULL (and a refusal) when it will not load.
 *
 * It is given the resolved path, not "/proc/self/fd/N" of the descriptor
 * just checked. glibc knows the objects it has loaded by the name they were
 * opened under: once N is closed and reused for the next plugin,
 * dlopen("/proc/self/fd/N") returns the plugin loaded before instead (seen
 * with glibc 2.36), and debuggers and dladdr() would show a name that no
 * longer means anything. The resolved path is as good as the descriptor:
 * every directory above it was just found writable by root and this user
 * alone (or sticky, and theirs), so nobody else can make the name point at
 * another file in between, and the file itself is theirs and not writable
 * by anyone else. */
static void *open_plugin(TenderLoader *loader, const char *path, const char *real)
{
    dlerror();
    void *handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (handle != NULL)
        return handle;
    const char *why = dlerror();
    if (why == NULL)
        why = "unknown dlopen error";
    /* dlerror() repeats the path; the refusal already leads with it. */
    if (g_str_has_prefix(why, real) && g_str_has_prefix(why + strlen(real), ": "))
        why += strlen(real) + 2;
    if (strstr(why, "undefined symbol") != NULL)
        refuse(loader, path, NULL, g_strdup_printf("has unresolved symbols (dlopen: %s)", why));
    else
        refuse(loader, path, NULL,
               g_strdup_printf("not a loadable shared object (dlopen: %s)", why));
    return NULL;
}

/* Plugins shipped with Tender: the installed plugin directory's, and, for
 * a host running from its build tree, whatever that build made (the
 * bundled plugins and the project's own test fixtures). */
static gboolean is_bundled(const char *real)
{
    return g_str_has_prefix(real, TENDER_INSTALLED_PLUGIN_DIR "/") ||
           g_str_has_prefix(real, TENDER_BUILD_ROOT "/");
}

/* Register a plugin whose worker answered the handshake, after the same
 * checks as one loaded in-process (the worker ran them too, on the
 * plugin's own memory). Takes ip. */
static gboolean register_isolated(TenderLoader *loader, const char *path, IsolatedPlugin *ip,
                                  const tender_host_services *services)
{
    const tender_plugin_descriptor *d = isolation_descriptor(ip);
    char *reason = NULL;
    if (!abi_check_descriptor(d, &reason) || (reason = find_duplicate(loader, d)) != NULL) {
        refuse(loader, path, isolation_plugin_id(ip), reason);
        isolation_free(ip);
        return FALSE;
    }
    register_plugin(loader, path, NULL, d);
    g_ptr_array_add(loader->isolated, ip);
    if (loader->bind)
        loader->bind(loader->services_data, services, d);
    return TRUE;
}

/* Load path in a worker; FALSE (and a refusal) when that fails. */
static gboolean load_isolated(TenderLoader *loader, const char *path, const char *real,
                              const tender_host_services *services,
                              const IsolationLimits *limits)
{
    char *plugin_id = NULL, *reason = NULL;
    IsolatedPlugin *ip = isolation_start(real, services, limits, &plugin_id, &reason);
    if (ip == NULL) {
        refuse(loader, path, plugin_id, reason);
        g_free(plugin_id);
        return FALSE;
    }
    return register_isolated(loader, path, ip, services);
}

gboolean loader_load_file(TenderLoader *loader, const char *path)
{
    g_return_val_if_fail(loader != NULL && path != NULL, FALSE);

    char *real = NULL;
    struct stat st;
    int fd = open_safe_file(loader, path, &real, &st);
    if (fd < 0)
        return FALSE;
    char *bad_elf = check_elf_fd(fd, &st);
    close(fd);
    if (bad_elf != NULL) {
        refuse(loader, path, NULL, bad_elf);
        free(real);
        return FALSE;
    }
    const tender_host_services *services =
        loader->services_for ? loader->services_for(loader->services_data) : loader->services;
    gboolean bundled = is_bundled(real);
    IsolationLimits limits;
    isolation_limits_default(&limits);
    if (loader->isolation_for != NULL && !bundled) {
        /* Not shipped with Tender: even discovery runs in a worker, so a
         * plugin that crashes while loading is refused, never fatal. Its
         * id, known only now, says whether it stays there. */
        char *plugin_id = NULL, *reason = NULL;
        IsolatedPlugin *ip = isolation_start(real, services, &limits, &plugin_id, &reason);
        if (ip == NULL) {
            refuse(loader, path, plugin_id, reason);
            g_free(plugin_id);
            free(real);
            return FALSE;
        }
        if (loader->isolation_for(loader->isolation_data, isolation_plugin_id(ip), FALSE,
                                  &limits)) {
            isolation_set_limits(ip, &limits);
            free(real);
            return register_isolated(loader, path, ip, services);
        }
        isolation_free(ip);
    }
    void *handle = open_plugin(loader, path, real);
    if (handle == NULL) {
        free(real);
        return FALSE;
    }

    tender_plugin_entry_fn entry;
    void *sym = dlsym(handle, TENDER_PLUGIN_ENTRY_SYMBOL);
    if (sym == NULL) {
        refuse(loader, path, NULL,
               g_strdup("does not export " TENDER_PLUGIN_ENTRY_SYMBOL "(); not a Tender plugin"));
        dlclose(handle);
        free(real);
        return FALSE;
    }
    /* POSIX guarantees a data pointer from dlsym() converts to a function. */
    memcpy(&entry, &sym, sizeof entry);

    const tender_plugin_descriptor *d = entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, services);
    if (d == NULL) {
        refuse(loader, path, NULL,
               g_strdup_printf(TENDER_PLUGIN_ENTRY_SYMBOL "() returned NULL: the plugin "
                               "refused this host (Tender ABI %u.%u)",
                               TENDER_ABI_MAJOR, TENDER_ABI_MINOR));
        dlclose(handle);
        free(real);
        return FALSE;
    }

    char *plugin_id = readable_plugin_id(d);
    char *reason = NULL;
    if (!abi_check_descriptor(d, &reason) || (reason = find_duplicate(loader, d)) != NULL) {
        refuse(loader, path, plugin_id, reason);
        g_free(plugin_id);
        dlclose(handle);
        free(real);
        return FALSE;
    }
    g_free(plugin_id);
    if (loader->isolation_for != NULL && bundled &&
        loader->isolation_for(loader->isolation_data, d->id, TRUE, &limits)) {
        /* A bundled plugin the config sends to a worker. */
        dlclose(handle);
        gboolean ok = load_isolated(loader, path, real, services, &limits);
        free(real);
        return ok;
    }
    free(real);
    register_plugin(loader, path, handle, d);
    if (loader->bind)
        loader->bind(loader->services_data, services, d);
    return TRUE;
}

/* ---- directories ------------------------------------------------------------ */

static gboolean has_suffix_so(const char *name)
{
    return g_str_has_suffix(name, ".so") && strlen(name) > 3;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Check dir is a directory, and one nobody but root and this user can
 * write to or change the place of (the same order as open_safe_file():
 * resolve, check every directory above, open without following a link,
 * check what was opened), and read its entry names sorted; NULL (and a
 * refusal) otherwise. Unlike a directory above it, the plugin directory may
 * not be writable by others even when sticky: anyone could add a plugin. */
static GPtrArray *open_safe_dir(TenderLoader *loader, const char *dir)
{
    char *real = realpath(dir, NULL);
    if (real == NULL) {
        refuse(loader, dir, NULL,
               g_strdup_printf("cannot read plugin directory: %s", g_strerror(errno)));
        return NULL;
    }
    char *why = filesafety_check_ancestors(real);
    if (why != NULL) {
        if (strcmp(dir, real) == 0)
            refuse(loader, dir, NULL,
                   g_strdup_printf("plugin directory sits under %s; no plugin in it is loaded",
                                   why));
        else
            refuse(loader, dir, NULL,
                   g_strdup_printf("plugin directory resolves to %s, under %s; no plugin in it "
                                   "is loaded", real, why));
        g_free(why);
        free(real);
        return NULL;
    }
    int fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int open_errno = errno;
    free(real);
    if (fd < 0) {
        refuse(loader, dir, NULL,
               open_errno == ENOTDIR
                   ? g_strdup("not a directory")
                   : g_strdup_printf("cannot read plugin directory: %s", g_strerror(open_errno)));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        refuse(loader, dir, NULL,
               g_strdup_printf("cannot read plugin directory: %s", g_strerror(errno)));
        close(fd);
        return NULL;
    }
    /* Whoever can write here can make the host run their code. */
    if ((why = filesafety_check_owner_mode(&st)) != NULL) {
        refuse(loader, dir, NULL,
               g_strdup_printf("plugin directory is %s; no plugin in it is loaded", why));
        g_free(why);
        close(fd);
        return NULL;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        refuse(loader, dir, NULL,
               g_strdup_printf("cannot read plugin directory: %s", g_strerror(errno)));
        close(fd);
        return NULL;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const struct dirent *entry;
    while ((entry = readdir(d)) != NULL)
        if (entry->d_name[0] != '.')
            g_ptr_array_add(names, g_strdup(entry->d_name));
    closedir(d); /* closes fd */
    g_ptr_array_sort(names, compare_names);
    return names;
}

static void scan(TenderLoader *loader, const char *dir, int depth)
{
    GPtrArray *names = open_safe_dir(loader, dir);
    if (names == NULL)
        return;
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *path = g_build_filename(dir, name, NULL);
        struct stat st;
        if (stat(path, &st) != 0) {
            /* A dangling link named like a plugin: say so. */
            if (has_suffix_so(name))
                loader_load_file(loader, path);
        } else if (S_ISREG(st.st_mode) && has_suffix_so(name)) {
            loader_load_file(loader, path);
        } else if (S_ISDIR(st.st_mode) && depth == 0) {
            scan(loader, path, depth + 1);
        }
        g_free(path);
    }
    g_ptr_array_unref(names);
}

void loader_scan_dir(TenderLoader *loader, const char *dir)
{
    g_return_if_fail(loader != NULL && dir != NULL);
    scan(loader, dir, 0);
}
