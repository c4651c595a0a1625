/* bench_noop: a payment method that does nothing, so the `dispatch` scenario
 * of tender-bench can measure what the host adds around a plugin call (and
 * what a direct call through the method table costs) with no plugin work
 * in the way. Every operation approves at once. Benchmark-only: never
 * installed. */
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

static const tender_method *const noop_methods[] = {&noop_method};

static const tender_plugin_descriptor noop_descriptor = {
    .struct_size = sizeof(tender_plugin_descriptor),
    .abi_major = TENDER_ABI_MAJOR,
    .abi_minor = TENDER_ABI_MINOR,
    .id = "bench_noop",
    .name = "Benchmark no-op",
    .version = "1.0",
    .description = "tender-bench fixture: approves every operation, does nothing else",
    .methods = noop_methods,
    .n_methods = 1,
};

TENDER_PLUGIN_DEFINE(noop_descriptor)
