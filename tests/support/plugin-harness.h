/* Test support: the project's plugin unit tests drive one method of a
 * plugin .so through libtender-testhost (<tender/testhost.h>), with the
 * fields below for the tests' convenience. The host-level tests go through
 * <tender/tender.h> instead. Not thread-safe. */
#ifndef TENDER_TEST_PLUGIN_HARNESS_H
#define TENDER_TEST_PLUGIN_HARNESS_H

#include <glib.h>

#include <tender/plugin.h>
#include <tender/testhost.h>

G_BEGIN_DECLS

typedef struct {
    TenderTestHost *host;
    TenderTestPlugin *plugin;
    const tender_plugin_descriptor *descriptor;
    const tender_method *method;
    void *instance;
    gint64 now_ms;                   /* the test host's clock at the next call; set it freely */
    const GPtrArray *logs;           /* every logged line (the test host's, live) */
} TestPlugin;

/* Load so_path, find method_id, create an instance with settings
 * (NULL-terminated key, value, key, value… list; may be NULL). Returns NULL
 * and sets *error (g_free it) on failure, including a failing create. */
TestPlugin *test_plugin_load(const char *so_path, const char *method_id,
                             const char *const *settings, char **error);
void test_plugin_free(TestPlugin *plugin);

/* A zeroed request with struct_size set, operation op, amount/currency,
 * region "US", account/tier/state/ref "", attempt 1, deadline far away. */
tender_request test_request(tender_operation op, gint64 amount, const char *currency,
                            int exponent);

/* Call op on the instance (the function slot matching req->operation,
 * including identify_notification when op is NOTIFICATION and
 * req->payment_id is NULL). Returns a newly allocated, zero-initialized and
 * filled result; g_free it. Fails the process (g_error) when the slot is
 * missing. */
tender_result *test_plugin_call(TestPlugin *plugin, const tender_request *req);

/* Ask for the sandbox notification of event for req; g_free the result. */
tender_result *test_plugin_sandbox_notification(TestPlugin *plugin, const tender_request *req,
                                                const char *event);

/* TRUE when any logged line contains needle. */
gboolean test_plugin_logs_contain(TestPlugin *plugin, const char *needle);

G_END_DECLS

#endif
