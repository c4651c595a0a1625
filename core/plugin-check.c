/* The loader's checks and slot lookups offered to tools that load a plugin
 * themselves, and its verdict on one file without a host (tender.h,
 * "plugins without a host"). Thin on purpose: the rules live in
 * abi-check.c and loader.c alone, and a tool reaching them through here
 * judges a plugin exactly as the host's loader does. */
#include <tender/tender.h>

#include "loader.h"

gboolean tender_plugin_check_descriptor(const tender_plugin_descriptor *descriptor,
                                        char **reason)
{
    char *why = NULL;
    gboolean ok = abi_check_descriptor(descriptor, &why);
    if (reason != NULL)
        *reason = why;
    else
        g_free(why);
    return ok;
}

tender_operation_fn tender_method_operation_fn(const tender_method *method, tender_operation op)
{
    return method != NULL ? abi_operation_fn(method, op) : NULL;
}

tender_operation_fn tender_method_identify_fn(const tender_method *method)
{
    return method != NULL ? abi_identify_fn(method) : NULL;
}

const tender_fixture *tender_method_fixtures(const tender_method *method, size_t *n)
{
    if (n != NULL)
        *n = 0;
    const tender_fixture *copy = NULL;
    size_t n_copy = 0;
    if (method != NULL && isolation_method_fixtures(method, &copy, &n_copy)) {
        if (n != NULL)
            *n = n_copy;
        return copy;
    }
    const tender_fixture *(*fixtures)(size_t *) =
        method != NULL ? abi_fixtures_fn(method) : NULL;
    if (fixtures == NULL)
        return NULL;
    size_t count = 0;
    const tender_fixture *table = fixtures(&count);
    if (table == NULL)
        return NULL;
    if (n != NULL)
        *n = count;
    return table;
}

TenderSandboxNotificationFn tender_method_sandbox_notification_fn(const tender_method *method)
{
    return method != NULL ? abi_sandbox_notification_fn(method) : NULL;
}

/* ---- one file, as the loader judges it -------------------------------------- */

struct TenderPluginCheck {
    TenderLoader *loader; /* holds the plugin (and its facts) while the check lives */
};

/* The services lent to an entry point under check: a plugin may read the
 * clock or log while it builds its descriptor, but it gets no settings
 * (there is no config) and its words go nowhere. */
static void check_log(const tender_host_services *self, tender_log_level level,
                      const char *method_id, const char *message)
{
    (void)self, (void)level, (void)method_id, (void)message;
}

static int64_t check_now(const tender_host_services *self)
{
    (void)self;
    return g_get_real_time() / 1000;
}

static void check_random(const tender_host_services *self, void *buf, size_t len)
{
    (void)self;
    /* No instance exists, so nothing here can need secrecy: fill it all the
     * same rather than leave it undefined. */
    for (size_t i = 0; i < len; i++)
        ((unsigned char *)buf)[i] = (unsigned char)g_random_int();
}

static int check_config_string(const tender_host_services *self, const char *method_id,
                               const char *key, char *out, size_t out_size)
{
    (void)self, (void)method_id, (void)key, (void)out, (void)out_size;
    return 0;
}

static int check_config_int64(const tender_host_services *self, const char *method_id,
                              const char *key, int64_t *out)
{
    (void)self, (void)method_id, (void)key, (void)out;
    return 0;
}

static int check_config_bool(const tender_host_services *self, const char *method_id,
                             const char *key, int *out)
{
    (void)self, (void)method_id, (void)key, (void)out;
    return 0;
}

static const tender_host_services check_services = {
    .struct_size = sizeof(tender_host_services),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .log = check_log,
    .now_ms = check_now,
    .random_bytes = check_random,
    .config_string = check_config_string,
    .config_int64 = check_config_int64,
    .config_bool = check_config_bool,
};

TenderPluginCheck *tender_plugin_check_file(const char *path)
{
    TenderPluginCheck *check = g_new0(TenderPluginCheck, 1);
    check->loader = loader_new(&check_services);
    loader_load_file(check->loader, path ? path : "");
    return check;
}

void tender_plugin_check_free(TenderPluginCheck *check)
{
    if (check == NULL)
        return;
    loader_free(check->loader);
    g_free(check);
}

gboolean tender_plugin_check_ok(const TenderPluginCheck *check)
{
    return loader_plugins(check->loader)->len == 1;
}

const char *tender_plugin_check_reason(const TenderPluginCheck *check)
{
    const GPtrArray *refusals = loader_refusals(check->loader);
    if (refusals->len == 0)
        return NULL;
    return ((const TenderRefusal *)g_ptr_array_index(refusals, 0))->reason;
}

const TenderPluginInfo *tender_plugin_check_info(const TenderPluginCheck *check)
{
    const GPtrArray *plugins = loader_plugins(check->loader);
    return plugins->len == 1 ? g_ptr_array_index(plugins, 0) : NULL;
}
