/* A plugin driven directly through its method table (see bench-direct.h). */
#include "bench-direct.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct BenchDirect {
    tender_host_services services;   /* first: the plugin gets &services */
    void *handle;
    const tender_method *method;
    void *instance;
    guint64 counter;                 /* "random" bytes: deterministic */
};

static void direct_log(const tender_host_services *self, tender_log_level level,
                       const char *method_id, const char *message)
{
    (void)self;
    (void)level;
    (void)method_id;
    (void)message;
}

static int64_t direct_now(const tender_host_services *self)
{
    (void)self;
    return BENCH_NOW_MS;
}

static void direct_random(const tender_host_services *self, void *buf, size_t len)
{
    BenchDirect *d = (BenchDirect *)self;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(__atomic_fetch_add(&d->counter, 1, __ATOMIC_RELAXED) * 131u);
}

/* No settings: every plugin falls back to its sandbox defaults. */
static int direct_config_string(const tender_host_services *self, const char *method_id,
                                const char *key, char *out, size_t out_size)
{
    (void)self, (void)method_id, (void)key, (void)out, (void)out_size;
    return 0;
}

static int direct_config_int64(const tender_host_services *self, const char *method_id,
                               const char *key, int64_t *out)
{
    (void)self, (void)method_id, (void)key, (void)out;
    return 0;
}

static int direct_config_bool(const tender_host_services *self, const char *method_id,
                              const char *key, int *out)
{
    (void)self, (void)method_id, (void)key, (void)out;
    return 0;
}

BenchDirect *bench_direct_open(const char *so_path, const char *method_id)
{
    BenchDirect *d = g_new0(BenchDirect, 1);
    d->services = (tender_host_services){
        .struct_size = sizeof(tender_host_services),
        .abi_major = TENDER_ABI_MAJOR,
        .abi_minor = TENDER_ABI_MINOR,
        .host_data = d,
        .log = direct_log,
        .now_ms = direct_now,
        .random_bytes = direct_random,
        .config_string = direct_config_string,
        .config_int64 = direct_config_int64,
        .config_bool = direct_config_bool,
    };
    d->handle = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (d->handle == NULL) {
        fprintf(stderr, "tender-bench: cannot load %s: %s\n", so_path, dlerror());
        g_free(d);
        return NULL;
    }
    tender_plugin_entry_fn entry =
        (tender_plugin_entry_fn)dlsym(d->handle, TENDER_PLUGIN_ENTRY_SYMBOL);
    const tender_plugin_descriptor *desc =
        entry ? entry(TENDER_ABI_MAJOR, TENDER_ABI_MINOR, &d->services) : NULL;
    for (size_t i = 0; desc && i < desc->n_methods; i++)
        if (strcmp(desc->methods[i]->id, method_id) == 0)
            d->method = desc->methods[i];
    char error[256] = "";
    if (d->method == NULL ||
        d->method->ops->create(&d->services, method_id, &d->instance, error, sizeof error) != 0) {
        fprintf(stderr, "tender-bench: %s: no usable method %s %s\n", so_path, method_id, error);
        dlclose(d->handle);
        g_free(d);
        return NULL;
    }
    return d;
}

void bench_direct_close(BenchDirect *d)
{
    if (d == NULL)
        return;
    d->method->ops->destroy(d->instance);
    dlclose(d->handle);
    g_free(d);
}

const tender_method_ops *bench_direct_ops(BenchDirect *d)
{
    return d->method->ops;
}

void *bench_direct_instance(BenchDirect *d)
{
    return d->instance;
}

tender_request bench_direct_request(tender_operation op, gint64 amount,
                                    const tender_param *params, gsize n_params)
{
    tender_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.operation = op;
    req.attempt = 1;
    req.payment_id = "pay_bench0000000000000000000000";
    req.request_id = "req_bench0000000000000000000000";
    req.amount = amount;
    req.currency = "USD";
    req.exponent = 2;
    req.region = "US";
    req.account = "";
    req.tier = "";
    req.plugin_state = "";
    req.processor_ref = "";
    req.params = params;
    req.n_params = n_params;
    req.deadline_ms = BENCH_NOW_MS + 10000;
    return req;
}
