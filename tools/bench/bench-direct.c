/* A plugin driven directly through its method table, loaded by
 * libtender-testhost (see bench-direct.h). */
#include "bench-direct.h"

#include <stdio.h>
#include <string.h>

#include <tender/testhost.h>

#include "bench.h"

struct BenchDirect {
    TenderTestHost *host;
    TenderTestPlugin *plugin;
    const tender_method *method;
    void *instance;
};

BenchDirect *bench_direct_open(const char *so_path, const char *method_id)
{
    BenchDirect *d = g_new0(BenchDirect, 1);
    d->host = tender_test_host_new();
    tender_test_host_set_now(d->host, BENCH_NOW_MS);
    /* A test-mode key for the card plugin (which requires one; the others
     * ignore it): every plugin otherwise falls back to its defaults. No
     * http service: a direct call never reaches a provider. And no
     * captured log, which would grow with every measured call. */
    tender_test_host_set_setting(d->host, "secret_key", "sk_test_bench");
    tender_test_host_set_log_capture(d->host, FALSE);
    char *error = NULL;
    d->plugin = tender_test_plugin_load(d->host, so_path, &error);
    if (d->plugin == NULL) {
        fprintf(stderr, "tender-bench: cannot load %s: %s\n", so_path, error);
        g_free(error);
        tender_test_host_free(d->host);
        g_free(d);
        return NULL;
    }
    d->method = tender_test_plugin_method(d->plugin, method_id);
    if (d->method == NULL ||
        tender_test_instance_new(d->host, d->method, &d->instance, &error) != 0) {
        fprintf(stderr, "tender-bench: %s: no usable method %s %s\n", so_path, method_id,
                error ? error : "");
        g_free(error);
        tender_test_plugin_free(d->plugin);
        tender_test_host_free(d->host);
        g_free(d);
        return NULL;
    }
    return d;
}

void bench_direct_close(BenchDirect *d)
{
    if (d == NULL)
        return;
    tender_test_instance_free(d->method, d->instance);
    tender_test_plugin_free(d->plugin);
    tender_test_host_free(d->host);
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
