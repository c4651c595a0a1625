/* Fuzz target: the policy config loader (see fuzz-targets.h). */
#include <stdlib.h>

#include "config.h"
#include "fuzz-targets.h"

static const char *const methods[] = {"card", "alipay", "paypal", "webmoney", "x"};

int tender_fuzz_config(const uint8_t *data, size_t size)
{
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    GError *error = NULL;
    TenderConfig *config =
        config_load_data((const char *)data, (gssize)size, "fuzz", warnings, &error);
    if (config == NULL) {
        /* A refusal is a config error naming where. */
        if (error == NULL || error->domain != TENDER_ERROR || error->code != TENDER_ERROR_CONFIG)
            abort();
        g_error_free(error);
        g_ptr_array_unref(warnings);
        return 0;
    }
    /* Read what a host reads. */
    (void)config_plugin_dirs(config);
    (void)config_ledger_path(config);
    (void)config_reconcile_age_ms(config);
    for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
        (void)config_method(config, methods[i]);
        (void)config_method_enabled(config, methods[i]);
        (void)config_deadline_ms(config, methods[i]);
        char buf[64];
        gint64 n;
        int b;
        (void)config_setting_string(config, methods[i], "mode", buf, sizeof buf);
        (void)config_setting_int64(config, methods[i], "mode", &n);
        (void)config_setting_bool(config, methods[i], "mode", &b);
    }
    gint64 out;
    (void)config_convert(config, 123456, "USD", 2, "EUR", 2, &out);
    (void)config_convert(config, G_MAXINT64 / 3, "JPY", 0, "KWD", 3, &out);
    g_free(config_rate_text(config, "USD", "CNY"));
    (void)config_bin_country(config, "4242424242");
    config_free(config);
    g_ptr_array_unref(warnings);
    return 0;
}
