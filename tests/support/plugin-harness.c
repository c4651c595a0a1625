#include "plugin-harness.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static TestPlugin *self_of(const tender_host_services *s)
{
    return (TestPlugin *)s; /* services is the first member */
}

static void fake_log(const tender_host_services *s, tender_log_level level,
                     const char *method_id, const char *message)
{
    g_ptr_array_add(self_of(s)->logs,
                    g_strdup_printf("[%d] %s: %s", level, method_id ? method_id : "", message));
}

static int64_t fake_now(const tender_host_services *s)
{
    return self_of(s)->now_ms;
}

static void fake_random(const tender_host_services *s, void *buf, size_t len)
{
    TestPlugin *p = self_of(s);
    for (size_t i = 0; i < len; i++)
        ((unsigned char *)buf)[i] = (unsigned char)(p->random_counter++ * 131u + 7u);
}

static int fake_string(const tender_host_services *s, const char *method_id, const char *key,
                       char *out, size_t out_size)
{
    (void)method_id;
    const char *v = g_hash_table_lookup(self_of(s)->settings, key);
    if (v == NULL)
        return 0;
    if (strlen(v) + 1 > out_size)
        return -1;
    memcpy(out, v, strlen(v) + 1);
    return 1;
}

static int fake_int64(const tender_host_services *s, const char *method_id, const char *key,
                      int64_t *out)
{
    (void)method_id;
    const char *v = g_hash_table_lookup(self_of(s)->settings, key);
    if (v == NULL)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0')
        return -1;
    *out = n;
    return 1;
}

static int fake_bool(const tender_host_services *s, const char *method_id, const char *key,
                     int *out)
{
    (void)method_id;
    const char *v = g_hash_table_lookup(self_of(s)->settings, key);
    if (v == NULL)
        return 0;
    if (strcmp(v, "true") == 0) { *out = 1; return 1; }
    if (strcmp(v, "false") == 0) { *out = 0; return 1; }
    return -1;
}

TestPlugin *test_plugin_load(const char *so_path, const char *method_id,
                             const char *const *settings, char **error)
{
    TestPlugin *p = g_new0(TestPlugin, 1);
    p->services.struct_size = sizeof p->services;
    p->services.abi_major = TENDER_ABI_MAJOR;
    p->services.abi_minor = TENDER_ABI_MINOR;
    p->services.host_data = p;
    p->services.log = fake_log;
    p->services.now_ms = fake_now;
    p->services.random_bytes = fake_random;
    p->services.config_string = fake_string;
    p->services.config_int64 = fake_int64;
    p->services.config_bool = fake_bool;
    p->now_ms = 1772359200000; /* 2026-03-01T10:00:00Z */
    p->settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    p->logs = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; settings && settings[i] && settings[i + 1]; i += 2)
        g_hash_table_insert(p->settings, g_strdup(settings[i]), g_strdup(settings[i + 1]));

    p->handle = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (p->handle == NULL) {
        *error = g_strdup_printf("dlopen %s: %s", so_path, dlerror());
        test_plugin_free(p);
        return NULL;
    }
    tender_plugin_entry_fn entry;
    *(void **)&entry = dlsym(p->handle, TENDER_PLUGIN_ENTRY_SYMBOL);
    p->descriptor = entry ? entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, &p->services) : NULL;
    if (p->descriptor == NULL) {
        *error = g_strdup_printf("%s: no descriptor", so_path);
        test_plugin_free(p);
        return NULL;
    }
    for (size_t i = 0; i < p->descriptor->n_methods; i++)
        if (strcmp(p->descriptor->methods[i]->id, method_id) == 0)
            p->method = p->descriptor->methods[i];
    if (p->method == NULL) {
        *error = g_strdup_printf("%s: no method %s", so_path, method_id);
        test_plugin_free(p);
        return NULL;
    }
    char message[512] = "";
    if (p->method->ops->create(&p->services, method_id, &p->instance, message, sizeof message) != 0) {
        *error = g_strdup_printf("create failed: %s", message);
        p->instance = NULL;
        test_plugin_free(p);
        return NULL;
    }
    return p;
}

void test_plugin_free(TestPlugin *p)
{
    if (p == NULL)
        return;
    if (p->instance && p->method)
        p->method->ops->destroy(p->instance);
    if (p->handle)
        dlclose(p->handle);
    g_hash_table_unref(p->settings);
    g_ptr_array_unref(p->logs);
    g_free(p);
}

tender_request test_request(tender_operation op, gint64 amount, const char *currency,
                            int exponent)
{
    tender_request r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.operation = op;
    r.attempt = 1;
    r.payment_id = "pay_test_0001";
    r.request_id = "req_test_0001";
    r.amount = amount;
    r.currency = currency;
    r.exponent = exponent;
    r.region = "US";
    r.account = "";
    r.tier = "";
    r.plugin_state = "";
    r.processor_ref = "";
    r.deadline_ms = G_MAXINT64;
    return r;
}

static tender_result *new_result(void)
{
    tender_result *res = g_new0(tender_result, 1);
    res->struct_size = sizeof *res;
    return res;
}

tender_result *test_plugin_call(TestPlugin *p, const tender_request *req)
{
    const tender_method_ops *ops = p->method->ops;
    tender_operation_fn fn = NULL;
    switch (req->operation) {
    case TENDER_OP_AUTHORIZE: fn = ops->authorize; break;
    case TENDER_OP_PURCHASE: fn = ops->purchase; break;
    case TENDER_OP_CAPTURE: fn = ops->capture; break;
    case TENDER_OP_VOID: fn = ops->void_payment; break;
    case TENDER_OP_REFUND: fn = ops->refund; break;
    case TENDER_OP_SYNC: fn = ops->sync; break;
    case TENDER_OP_COMPLETE_ACTION: fn = ops->complete_action; break;
    case TENDER_OP_NOTIFICATION:
        fn = req->payment_id ? ops->notification : ops->identify_notification;
        break;
    }
    if (fn == NULL)
        g_error("method %s has no function for operation %u", p->method->id, req->operation);
    tender_result *res = new_result();
    fn(p->instance, req, res);
    return res;
}

tender_result *test_plugin_sandbox_notification(TestPlugin *p, const tender_request *req,
                                                const char *event)
{
    if (p->method->ops->sandbox_notification == NULL)
        g_error("method %s has no sandbox_notification", p->method->id);
    tender_result *res = new_result();
    p->method->ops->sandbox_notification(p->instance, req, event, res);
    return res;
}

gboolean test_plugin_logs_contain(TestPlugin *p, const char *needle)
{
    for (guint i = 0; i < p->logs->len; i++)
        if (strstr(g_ptr_array_index(p->logs, i), needle))
            return TRUE;
    return FALSE;
}
