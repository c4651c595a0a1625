/* bench_noop: a payment method that does nothing, so the `dispatch` scenario
 * of tender-bench can measure what the host adds around a plugin call (and
 * what a direct call through the method table costs) with no plugin work
 * in the way. Every operation approves at once.
 *
 * bench_http, its sibling for the `http-roundtrip` scenario: authorize GETs
 * {endpoint}/ok `calls` times (settings) through the host's `http` service
 * and approves when every answer was a 2xx; nothing else. Benchmark-only:
 * never installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tender/plugin.h>
#include <tender/sdk.h>

static const char *const noop_regions[] = {"*", NULL};

static const tender_currency_fact noop_currencies[] = {
    {sizeof(tender_currency_fact), "USD", -1, 0, 0, NULL},
};

/* The instance holds nothing; a non-NULL pointer is all the host needs. */
static int noop_create(const tender_host_services *host, const char *method_id, void **instance,
                       char *error, size_t error_size)
{
    (void)host;
    (void)method_id;
    (void)error;
    (void)error_size;
    static const int token = 1;
    *instance = (void *)&token;
    return 0;
}

static void noop_destroy(void *instance)
{
    (void)instance;
}

/* Approve whatever was asked. */
static void noop_approve(void *instance, const tender_request *req, tender_result *res)
{
    (void)instance;
    (void)req;
    res->outcome = TENDER_OUTCOME_APPROVED;
}

static const tender_method_ops noop_ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = noop_create,
    .destroy = noop_destroy,
    .authorize = noop_approve,
    .capture = noop_approve,
    .void_payment = noop_approve,
    .refund = noop_approve,
};

static const tender_method noop_method = {
    .struct_size = sizeof(tender_method),
    .id = "bench_noop",
    .name = "Benchmark no-op",
    .capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_CAPTURE | TENDER_CAP_PARTIAL_CAPTURE |
                    TENDER_CAP_VOID | TENDER_CAP_REFUND | TENDER_CAP_PARTIAL_REFUND |
                    TENDER_CAP_THREAD_SAFE,
    .regions = noop_regions,
    .currencies = noop_currencies,
    .n_currencies = 1,
    .ops = &noop_ops,
};

typedef struct {
    const tender_host_services *host;
    char method_id[32];
    char url[512];
    int64_t calls;
} HttpBench;

static int http_create(const tender_host_services *host, const char *method_id, void **instance,
                       char *error, size_t error_size)
{
    HttpBench *b = calloc(1, sizeof *b);
    if (b == NULL) {
        tender_copy_string(error, error_size, "out of memory");
        return 1;
    }
    char endpoint[480] = "";
    host->config_string(host, method_id, "endpoint", endpoint, sizeof endpoint);
    snprintf(b->url, sizeof b->url, "%s/ok", endpoint);
    b->calls = 1;
    host->config_int64(host, method_id, "calls", &b->calls);
    b->host = host;
    tender_copy_string(b->method_id, sizeof b->method_id, method_id);
    *instance = b;
    return 0;
}

static void http_destroy(void *instance)
{
    free(instance);
}

static void http_authorize(void *instance, const tender_request *req, tender_result *res)
{
    const HttpBench *b = instance;
    const tender_host_services *host = b->host;
    tender_http_header headers[] = {{"Idempotency-Key", req->request_id}};
    for (int64_t i = 0; i < b->calls; i++) {
        tender_http_request hreq = {sizeof hreq, "GET", b->url, headers, 1, NULL, 0};
        tender_http_response hres;
        memset(&hres, 0, sizeof hres);
        hres.struct_size = sizeof hres;
        uint32_t got = host->http(host, b->method_id, &hreq, &hres);
        int ok = got == TENDER_HTTP_RESPONSE && hres.status >= 200 && hres.status < 300;
        if (got == TENDER_HTTP_RESPONSE)
            host->http_release(host, &hres);
        if (!ok) {
            tender_result_outcome(res, TENDER_OUTCOME_UNKNOWN, "HTTP", "bench_http: no 2xx");
            return;
        }
    }
    res->outcome = TENDER_OUTCOME_APPROVED;
}

static const tender_method_ops http_ops = {
    .struct_size = sizeof(tender_method_ops),
    .create = http_create,
    .destroy = http_destroy,
    .authorize = http_authorize,
};

static const tender_method http_method = {
    .struct_size = sizeof(tender_method),
    .id = "bench_http",
    .name = "Benchmark HTTP round trip",
    .capabilities = TENDER_CAP_AUTHORIZE | TENDER_CAP_THREAD_SAFE,
    .regions = noop_regions,
    .currencies = noop_currencies,
    .n_currencies = 1,
    .ops = &http_ops,
};

static const tender_method *const noop_methods[] = {&noop_method, &http_method};

static const tender_plugin_descriptor noop_descriptor = {
    .struct_size = sizeof(tender_plugin_descriptor),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .id = "bench_noop",
    .name = "Benchmark no-op",
    .version = "1.0",
    .description = "tender-bench fixture: approves every operation, does nothing else",
    .methods = noop_methods,
    .n_methods = 2,
};

TENDER_PLUGIN_DEFINE(noop_descriptor)
