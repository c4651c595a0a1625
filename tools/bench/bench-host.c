/* Hosts for the scenarios: the fixed clock, the test card, error printing. */
#include "bench.h"

#include <stdio.h>

const tender_param bench_card_params[4] = {
    {"number", "4242424242424242"},
    {"exp_month", "12"},
    {"exp_year", "2031"},
    {"cvc", "737"},
};

TenderHost *bench_host_new(const char *const *dirs, const char *config_json, const char *ledger)
{
    TenderHostOptions *o = tender_host_options_new();
    for (gsize i = 0; dirs && dirs[i]; i++)
        tender_host_options_add_plugin_dir(o, dirs[i]);
    if (config_json)
        tender_host_options_set_config_data(o, config_json);
    tender_host_options_set_ledger(o, ledger);
    tender_host_options_set_fixed_now(o, BENCH_NOW_MS);
    GError *error = NULL;
    TenderHost *host = tender_host_new(o, &error);
    tender_host_options_free(o);
    if (host == NULL) {
        fprintf(stderr, "tender-bench: cannot create a host: %s\n", error->message);
        g_error_free(error);
    }
    return host;
}
