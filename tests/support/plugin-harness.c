/* See plugin-harness.h: a thin layer over libtender-testhost. */
#include "plugin-harness.h"

TestPlugin *test_plugin_load(const char *so_path, const char *method_id,
                             const char *const *settings, char **error)
{
    TestPlugin *p = g_new0(TestPlugin, 1);
    p->host = tender_test_host_new();
    p->now_ms = tender_test_host_now(p->host);
    p->logs = tender_test_host_logs(p->host);
    for (size_t i = 0; settings && settings[i] && settings[i + 1]; i += 2)
        tender_test_host_set_setting(p->host, settings[i], settings[i + 1]);

    char *why = NULL;
    p->plugin = tender_test_plugin_load(p->host, so_path, &why);
    if (p->plugin == NULL) {
        *error = g_strdup_printf("%s: %s", so_path, why);
        g_free(why);
        test_plugin_free(p);
        return NULL;
    }
    p->descriptor = tender_test_plugin_descriptor(p->plugin);
    p->method = tender_test_plugin_method(p->plugin, method_id);
    if (p->method == NULL) {
        *error = g_strdup_printf("%s: no method %s", so_path, method_id);
        test_plugin_free(p);
        return NULL;
    }
    if (tender_test_instance_new(p->host, p->method, &p->instance, &why) != 0) {
        *error = g_strdup_printf("create failed: %s", why);
        g_free(why);
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
        tender_test_instance_free(p->method, p->instance);
    tender_test_plugin_free(p->plugin);
    tender_test_host_free(p->host);
    g_free(p);
}

tender_request test_request(tender_operation op, gint64 amount, const char *currency,
                            int exponent)
{
    return tender_test_request(op, amount, currency, exponent);
}

tender_result *test_plugin_call(TestPlugin *p, const tender_request *req)
{
    tender_test_host_set_now(p->host, p->now_ms);
    tender_result *res = g_new0(tender_result, 1);
    if (!tender_test_call(p->method, p->instance, req, res))
        g_error("method %s has no function for operation %u", p->method->id, req->operation);
    return res;
}

tender_result *test_plugin_sandbox_notification(TestPlugin *p, const tender_request *req,
                                                const char *event)
{
    tender_test_host_set_now(p->host, p->now_ms);
    tender_result *res = g_new0(tender_result, 1);
    if (!tender_test_sandbox_notification(p->method, p->instance, req, event, res))
        g_error("method %s has no sandbox_notification", p->method->id);
    return res;
}

gboolean test_plugin_logs_contain(TestPlugin *p, const char *needle)
{
    return tender_test_host_logs_contain(p->host, needle);
}
